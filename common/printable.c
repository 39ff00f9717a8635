/*
 * printable.c - make untrusted text safe for a header field or a log line.
 *
 * SMTP macros and HELO names come from the peer: a CR or LF would let it
 * start a new header or log record, other controls and 8-bit bytes would
 * confuse terminals and parsers. Everything outside printable ASCII becomes
 * '?', so the length and shape of the original stay visible.
 */
#include "config.h"

#include "printable.h"

/* A NULL src copies as "" (macros may be absent); size 0 writes nothing. */
char *
printable_copy(char *dst, size_t size, const char *src)
{
	size_t	i;
	unsigned char c;

	if (size == 0)
		return dst;
	for (i = 0; src != NULL && src[i] != '\0' && i + 1 < size; i++) {
		c = (unsigned char)src[i];
		dst[i] = (c >= 0x20 && c <= 0x7e) ? (char)c : '?';
	}
	dst[i] = '\0';
	return dst;
}

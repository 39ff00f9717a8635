/*
 * printable.h - make untrusted text (SMTP macros, HELO names, addresses)
 * safe for a header field or a log line.
 */
#ifndef MTASTS_PRINTABLE_H
#define MTASTS_PRINTABLE_H

#include <stddef.h>

/*
 * Copy src into dst (size bytes, always NUL-terminated), replacing every
 * byte outside printable ASCII 0x20-0x7e (CR, LF, NUL-free controls, DEL,
 * 8-bit) with '?', and truncating to fit. Returns dst.
 */
char	*printable_copy(char *dst, size_t size, const char *src);

#endif

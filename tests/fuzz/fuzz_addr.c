/*
 * fuzz_addr.c - libFuzzer target for common/addr.c. The input (up to its
 * first NUL) is an envelope address, a macro host name and a certificate
 * DN; output buffers are heap-allocated at their exact size so ASan sees
 * any write past them. Invariants: a domain found is valid RFC 5321 syntax,
 * lower case, taken from the input, and found again in a buffer that just
 * fits it; every copy is printable and bounded; xtext-encoding the input
 * and decoding it gives the input back.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "mxmatch.h"

#define OUT_MAX		256
#define INPUT_MAX	4096	/* an SMTP line is far shorter */

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check_printable(const char *s, size_t size)
{
	if (strlen(s) >= size)
		abort();
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			abort();
}

static void
check_domain(const char *addr)
{
	char	*out = malloc(OUT_MAX), *fit;
	size_t	len;

	if (out == NULL)
		return;
	if (!addr_domain(addr, out, OUT_MAX)) {
		if (out[0] != '\0')
			abort();
		free(out);
		return;
	}
	len = strlen(out);
	if (!domain_valid(out, len) || strpbrk(out, "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
	    != NULL || strcasestr(addr, out) == NULL)
		abort();
	if ((fit = malloc(len + 1)) == NULL) {
		free(out);
		return;
	}
	if (!addr_domain(addr, fit, len + 1) || strcmp(fit, out) != 0 ||
	    addr_domain(addr, fit, len) || fit[0] != '\0')
		abort();
	free(fit);
	free(out);
}

/* The size for the bounded copies: 1 to 64, from the input's length. */
static void
check_copies(const char *s, size_t size)
{
	char	*out = malloc(size);

	if (out == NULL)
		return;
	check_printable(addr_host_copy(out, size, s), size);
	check_printable(addr_dn_copy(out, size, s), size);
	addr_xtext_decode(out, size, s);
	if (strlen(out) >= size)
		abort();
	free(out);
}

/* RFC 3461: '+', '=' and bytes outside 0x21-0x7e are sent as "+XX". */
static void
xtext_encode(char *out, const char *in)
{
	static const char hex[] = "0123456789ABCDEF";
	unsigned char c;

	for (; *in != '\0'; in++) {
		c = (unsigned char)*in;
		if (c < 0x21 || c > 0x7e || c == '+' || c == '=') {
			*out++ = '+';
			*out++ = hex[c >> 4];
			*out++ = hex[c & 0xf];
		} else
			*out++ = (char)c;
	}
	*out = '\0';
}

static void
check_xtext_round_trip(const char *s)
{
	char	*enc, *dec;
	size_t	len = strlen(s);

	enc = malloc(3 * len + 1);
	dec = malloc(len + 1);
	if (enc != NULL && dec != NULL) {
		xtext_encode(enc, s);
		if (strcmp(addr_xtext_decode(dec, len + 1, enc), s) != 0)
			abort();
	}
	free(enc);
	free(dec);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*s;

	if (size > INPUT_MAX || (s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	check_domain(s);
	check_copies(s, size % 64 + 1);
	check_xtext_round_trip(s);
	free(s);
	return 0;
}

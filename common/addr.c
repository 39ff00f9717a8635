/*
 * addr.c - envelope addresses, macro host names and xtext (see addr.h).
 *
 * Addresses are parsed just far enough to find the domain, and strictly:
 * the MTA has already accepted the address, so anything odd here is either
 * a form with no policy domain (an address literal) or garbage, and both
 * mean "no domain to evaluate". The domain must be RFC 5321 syntax in
 * A-labels because it is what a sender would look up in DNS.
 */
#include <string.h>

#include "addr.h"
#include "stslex.h"
#include "mxmatch.h"
#include "printable.h"

static int
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * The '@' that ends the local part starting at s, or NULL. A quoted local
 * part may hold '@' and backslash escapes; an unquoted one ends at the
 * first '@' and must not be empty.
 */
static const char *
local_part_end(const char *s, const char *end)
{
	const char *p = s;

	if (p < end && *p == '"') {
		for (p++; p < end && *p != '"'; p++)
			if (*p == '\\' && p + 1 < end)
				p++;
		if (p == end)
			return NULL;
		p++;
		return p < end && *p == '@' ? p : NULL;
	}
	p = memchr(s, '@', (size_t)(end - s));
	return p != NULL && p > s ? p : NULL;
}

int
addr_domain(const char *addr, char *out, size_t size)
{
	const char *s, *end, *at;
	size_t	len;

	if (size == 0)
		return 0;
	out[0] = '\0';
	if (addr == NULL)
		return 0;
	for (s = addr; is_blank(*s); s++)
		continue;
	for (end = s + strlen(s); end > s && is_blank(end[-1]); end--)
		continue;
	if (end > s && *s == '<') {
		if (end - s < 2 || end[-1] != '>')
			return 0;
		s++;
		end--;
	} else if (end > s && end[-1] == '>')
		return 0;
	if (s < end && *s == '@') {
		if ((s = memchr(s, ':', (size_t)(end - s))) == NULL)
			return 0;
		s++;
	}
	if ((at = local_part_end(s, end)) == NULL)
		return 0;
	s = at + 1;
	len = (size_t)(end - s);
	if (len > 0 && s[len - 1] == '.')
		len--;
	if (len >= size || !domain_valid(s, len))
		return 0;
	memcpy(out, s, len);
	out[len] = '\0';
	lex_lower_str(out);
	return 1;
}

char *
addr_host_copy(char *dst, size_t size, const char *src)
{
	size_t	len;

	if (size == 0)
		return dst;
	printable_copy(dst, size, src);
	lex_lower_str(dst);
	len = strlen(dst);
	if (len > 0 && dst[len - 1] == '.')
		dst[len - 1] = '\0';
	return dst;
}

char *
addr_xtext_decode(char *out, size_t size, const char *in)
{
	size_t	o = 0;
	int	hi, lo;

	if (size == 0)
		return out;
	while (*in != '\0' && o + 1 < size) {
		if (in[0] == '+' &&
		    (hi = lex_hex_value((unsigned char)in[1])) >= 0 &&
		    (lo = lex_hex_value((unsigned char)in[2])) >= 0) {
			out[o++] = (char)(hi * 16 + lo);
			in += 3;
		} else
			out[o++] = *in++;
	}
	out[o] = '\0';
	return out;
}

char *
addr_dn_copy(char *dst, size_t size, const char *src)
{
	if (src != NULL && src[0] == '/' && strchr(src, '+') != NULL) {
		addr_xtext_decode(dst, size, src);
		return printable_copy(dst, size, dst);
	}
	return printable_copy(dst, size, src);
}

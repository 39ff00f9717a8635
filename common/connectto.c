/*
 * connectto.c - parse and apply curl --connect-to entries (see connectto.h).
 *
 * The entry is read left to right, one field at a time, so a bracket is
 * only an IPv6 literal at the start of a host field and a ':' inside it is
 * never a separator.
 */
#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdio.h>
#include <string.h>

#include "connectto.h"
#include "stslex.h"

#define PORT_DIGITS_MAX	5

static int
host_char(unsigned char c)
{
	return lex_is_alnum(c) || c == '.' || c == '-' || c == '_';
}

/* One host field at *sp into dst, advancing *sp to the ':' or NUL after it. */
static const char *
host_field(const char **sp, char dst[CONNECT_TO_HOST_MAX])
{
	const char *s = *sp, *end;
	unsigned char bin[sizeof(struct in6_addr)];
	size_t	len;

	if (*s == '[') {
		if ((end = strchr(s, ']')) == NULL)
			return "has '[' without ']'";
		len = (size_t)(end - s - 1);
		if (len >= CONNECT_TO_HOST_MAX)
			return "has an IPv6 address that is too long";
		memcpy(dst, s + 1, len);
		dst[len] = '\0';
		if (inet_pton(AF_INET6, dst, bin) != 1)
			return "has something other than an IPv6 address in []";
		*sp = end + 1;
		return NULL;
	}
	for (len = 0; s[len] != '\0' && s[len] != ':'; len++)
		if (!host_char((unsigned char)s[len]))
			return "has a host with a character other than letters, "
			    "digits, '.', '-' and '_' (IPv6 goes in [])";
	if (len >= CONNECT_TO_HOST_MAX)
		return "has a host longer than 253 characters";
	memcpy(dst, s, len);
	dst[len] = '\0';
	*sp = s + len;
	return NULL;
}

/* One port field at *sp: "" is 0, else 1 to 65535. */
static const char *
port_field(const char **sp, unsigned *port)
{
	const char *s = *sp;
	size_t	n;

	*port = 0;
	for (n = 0; lex_is_digit((unsigned char)s[n]); n++) {
		if (n == PORT_DIGITS_MAX)
			return "has a port that is not 1 to 65535";
		*port = *port * 10 + (unsigned)(s[n] - '0');
	}
	if (s[n] != '\0' && s[n] != ':')
		return "has a port that is not a number";
	if (n > 0 && (*port < 1 || *port > 65535))
		return "has a port that is not 1 to 65535";
	*sp = s + n;
	return NULL;
}

/* After a field: a ':' to step over (more to come) or the end. */
static const char *
separator(const char **sp, int last)
{
	if (last)
		return **sp == '\0' ? NULL : "has more than four fields";
	if (**sp != ':')
		return "has fewer than four fields";
	(*sp)++;
	return NULL;
}

const char *
connect_to_parse(const char *s, struct connect_to *out)
{
	const char *problem;

	memset(out, 0, sizeof(*out));
	if ((problem = host_field(&s, out->host)) != NULL ||
	    (problem = separator(&s, 0)) != NULL ||
	    (problem = port_field(&s, &out->port)) != NULL ||
	    (problem = separator(&s, 0)) != NULL ||
	    (problem = host_field(&s, out->to_host)) != NULL ||
	    (problem = separator(&s, 0)) != NULL ||
	    (problem = port_field(&s, &out->to_port)) != NULL ||
	    (problem = separator(&s, 1)) != NULL)
		return problem;
	return NULL;
}

static int
host_matches(const struct connect_to *ct, const char *host)
{
	size_t	len = strlen(ct->host);

	return len == 0 || (strlen(host) == len &&
	    lex_eq_nocase(ct->host, host, len));
}

int
connect_to_apply(const char *const *entries, size_t n, const char *host,
    unsigned port, char *addr, size_t size, unsigned *port_out)
{
	struct connect_to ct;
	size_t	i;

	for (i = 0; i < n; i++) {
		if (connect_to_parse(entries[i], &ct) != NULL)
			return -1;
		if (!host_matches(&ct, host) || (ct.port != 0 && ct.port != port))
			continue;
		/* curl goes on past an entry that changes nothing. */
		if (ct.to_host[0] == '\0' && ct.to_port == 0)
			continue;
		snprintf(addr, size, "%s", ct.to_host[0] != '\0' ? ct.to_host :
		    host);
		*port_out = ct.to_port != 0 ? ct.to_port : port;
		return 1;
	}
	return 0;
}

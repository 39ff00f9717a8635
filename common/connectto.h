/*
 * connectto.h - curl --connect-to entries, HOST:PORT:CONNECT-TO-HOST:
 * CONNECT-TO-PORT, with one set of rules for the configuration check, the
 * STARTTLS probe and mtasts-check (whose HTTPS fetches hand the same
 * strings to libcurl).
 *
 * Four fields, any of them empty: an empty HOST or PORT matches any, an
 * empty CONNECT-TO-HOST or CONNECT-TO-PORT keeps the original. A host is a
 * name or IPv4 address (letters, digits, '.', '-', '_') or an IPv6 address
 * in brackets; a port is 1 to 65535. That is a subset of what curl accepts,
 * so an entry valid here means the same to curl.
 */
#ifndef MTASTS_CONNECTTO_H
#define MTASTS_CONNECTTO_H

#include <stddef.h>

#define CONNECT_TO_HOST_MAX	254	/* 253 bytes and the NUL */

struct connect_to {
	char		host[CONNECT_TO_HOST_MAX];	/* "" = any; no brackets */
	unsigned	port;				/* 0 = any */
	char		to_host[CONNECT_TO_HOST_MAX];	/* "" = the same */
	unsigned	to_port;			/* 0 = the same */
};

/* NULL when s is a valid entry (then *out holds it), else what is wrong. */
const char *connect_to_parse(const char *s, struct connect_to *out);

/*
 * Apply entries to host:port as curl does: the first entry that matches
 * (host compared ignoring ASCII case) and changes something wins. Returns
 * 1 and fills addr (size bytes: the host to connect to, brackets removed)
 * and *port_out; 0 when no entry applies; -1 when an entry met before that
 * is malformed.
 */
int	connect_to_apply(const char *const *entries, size_t n,
	    const char *host, unsigned port, char *addr, size_t size,
	    unsigned *port_out);

#endif

/*
 * resolve.h - the DNS lookups MTA-STS needs, with c-ares: TXT RRsets (each
 * record's character-strings concatenated), MX RRsets (with the implicit MX of
 * RFC 5321 5.1), and host addresses. Blocking calls with bounded time; for
 * background threads and the CLIs only, never for milter callbacks.
 *
 * A resolver is used by one thread at a time; make one per thread.
 */
#ifndef MTASTS_RESOLVE_H
#define MTASTS_RESOLVE_H

#include <stddef.h>

#define RESOLVE_TXT_MAX		32	/* records kept per RRset */
#define RESOLVE_MX_MAX		32
#define RESOLVE_ADDR_MAX	16
#define RESOLVE_NAME_MAX	254

enum resolve_status {
	RESOLVE_OK = 0,
	RESOLVE_NXDOMAIN,	/* the name does not exist */
	RESOLVE_NODATA,		/* the name exists, no record of that type */
	RESOLVE_SERVFAIL,	/* the server failed or refused */
	RESOLVE_TIMEOUT,	/* no answer in time */
	RESOLVE_NOSERVER,	/* every server answered SERVFAIL, REFUSED or
				   NOTIMP, or refused the connection */
	RESOLVE_ERROR		/* anything else (bad name, malformed reply) */
};

struct resolver;

struct txt_rrset {
	char	*txt[RESOLVE_TXT_MAX];	/* NUL-terminated; may hold NUL bytes */
	size_t	 len[RESOLVE_TXT_MAX];
	size_t	 count;
};

struct mx_host {
	unsigned short	pref;
	char		name[RESOLVE_NAME_MAX];	/* lower case, no trailing dot */
};

struct mx_rrset {
	struct mx_host	hosts[RESOLVE_MX_MAX];	/* sorted by preference */
	size_t		count;
	int		implicit;	/* no MX RRset: the domain is its own MX */
	int		null_mx;	/* RFC 7505 "MX 0 .": accepts no mail */
};

struct addr_set {
	char	addr[RESOLVE_ADDR_MAX][46];	/* textual IPv4/IPv6 */
	size_t	count;
};

/*
 * servers: "" or NULL for the system resolver, else a c-ares CSV list such
 * as "127.0.0.1:5353". timeout_ms per try, tries >= 1. Returns NULL with err
 * filled when the resolver cannot be set up.
 */
struct resolver *resolver_new(const char *servers, int timeout_ms, int tries,
	    char *err, size_t errlen);
void	resolver_free(struct resolver *);

enum resolve_status resolve_txt(struct resolver *, const char *name,
	    struct txt_rrset *out);
void	txt_rrset_free(struct txt_rrset *);
enum resolve_status resolve_mx(struct resolver *, const char *domain,
	    struct mx_rrset *out);
enum resolve_status resolve_addrs(struct resolver *, const char *host,
	    struct addr_set *out);
const char *resolve_status_name(enum resolve_status);

#endif

/*
 * fetch.h - fetch an MTA-STS policy over HTTPS the way RFC 8461 3.3 tells
 * senders to: https://mta-sts.<domain>/.well-known/mta-sts.txt, SNI, the
 * certificate checked for mta-sts.<domain> (ca_file or the system store), no
 * redirects, only status 200, Content-Type text/plain (parameters allowed),
 * body at most 64 KiB, total time bounded. Blocking: for background threads
 * and the CLIs only.
 */
#ifndef MTASTS_FETCH_H
#define MTASTS_FETCH_H

#include <stdatomic.h>
#include <stddef.h>

#include "policy.h"

enum fetch_status {
	FETCH_OK = 0,
	FETCH_ERROR,		/* connect, timeout, status, type, size */
	FETCH_WEBPKI_INVALID	/* the HTTPS certificate failed validation */
};

struct fetch_options {
	const char	*ca_file;	/* NULL or "": system trust store */
	const char	*const *connect_to;	/* curl --connect-to entries */
	size_t		 connect_to_count;
	long		 timeout_ms;	/* total; 0 = 60 s (RFC suggestion) */
	const atomic_int *cancel;	/* NULL, or set non-zero to abort */
};

struct fetch_result {
	enum fetch_status status;
	long	 http_code;		/* 0 when no response */
	char	 content_type[128];	/* "" when absent */
	char	*body;			/* NUL-terminated; NULL unless FETCH_OK */
	size_t	 body_len;
	long	 elapsed_ms;
	char	 error[256];		/* why it failed, one line */
	char	 url[300];
};

/* Fetch the policy of domain. Always call fetch_result_free afterwards. */
enum fetch_status fetch_policy(const char *domain,
	    const struct fetch_options *, struct fetch_result *out);

/*
 * A fetcher for one thread that fetches many policies (discovery's
 * workers): it keeps libcurl's handle between fetches. Every fetch of the
 * process verifies with one parsed trust store (ca_file, or libcurl's CA
 * file, the system's hundred-odd certificates), read again after
 * CASTORE_SECONDS or when ca_file names another file (castore.h).
 * No connection is kept: each fetch connects anew, as a sender would.
 * fetcher_new returns NULL when libcurl cannot be set up.
 */

struct fetcher;

struct fetcher *fetcher_new(void);
enum fetch_status fetcher_fetch(struct fetcher *, const char *domain,
	    const struct fetch_options *, struct fetch_result *out);
void	fetcher_free(struct fetcher *);
void	fetch_result_free(struct fetch_result *);
/* 1 when a Content-Type value is text/plain (any case, any parameters). */
int	fetch_content_type_ok(const char *value);

#endif

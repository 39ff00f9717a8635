/*
 * tlsprobe.h - look at an MX host the way a sending MTA applying MTA-STS
 * does (RFC 8461 4.2, 7.1, 7.2): connect on port 25, read the banner, EHLO,
 * STARTTLS, TLS handshake with SNI = the MX name, then judge the chain the
 * server sent with certhealth. The same connection code also probes a plain
 * TLS service (the policy host on port 443) for its certificate.
 *
 * Each probe opens a few connections (TLS 1.2 and TLS 1.3 with SNI, one
 * without SNI, TLS 1.0 and 1.1 for information); every step has a bounded
 * timeout. Blocking: for background threads and the CLIs only. Several hosts
 * are probed concurrently by tlsprobe_run, one thread per host, bounded.
 */
#ifndef MTASTS_TLSPROBE_H
#define MTASTS_TLSPROBE_H

#include <stddef.h>
#include <time.h>

#include "certhealth.h"
#include "resolve.h"
#include "verdict.h"

#define TLSPROBE_THREADS_MAX	8	/* hosts probed at the same time */
#define TLSPROBE_SMTP_PORT	25
#define TLSPROBE_HTTPS_PORT	443

struct tlsprobe_options {
	const char	*ca_file;	/* NULL or "": system trust store */
	const char	*dns_servers;	/* NULL or "": system resolver */
	const char	*const *connect_to;	/* curl --connect-to entries */
	size_t		 connect_to_count;
	const char	*ehlo_name;	/* NULL: this host's name */
	int		 timeout_ms;	/* per connection; 0 = 10 s */
	time_t		 now;		/* for expiry; 0 = time(NULL) */
};

/* One TLS handshake: which version, with or without SNI. */
struct tlsprobe_attempt {
	int	tried;
	int	ok;			/* the handshake completed */
	char	version[16];		/* negotiated, "" when it failed */
	char	error[160];		/* why it failed, one line */
};

struct tlsprobe_result {
	char	host[RESOLVE_NAME_MAX];	/* the name probed (SNI, cert check) */
	unsigned port;
	char	peer[80];		/* "addr:port" actually reached */
	int	reached;		/* the service answered (SMTP: EHLO) */
	int	starttls_offered;	/* SMTP only */
	/* tlsprobe_smtp: SNI at 1.2 and 1.3, no SNI, legacy versions */
	struct tlsprobe_attempt tls12, tls13, no_sni, tls10, tls11;
	struct tlsprobe_attempt tls;	/* tlsprobe_tls: its one handshake */
	int	cert_judged;		/* cert holds a judgement */
	int	san_missing;		/* the leaf has no dNSName SAN */
	struct certhealth_result cert;	/* chain of the first good handshake */
	long	elapsed_ms;
	char	error[256];		/* why the probe stopped early */
};

/* Probe the MX host on port 25 (or where connect_to sends it). */
void	tlsprobe_smtp(const char *host, const struct tlsprobe_options *,
	    struct tlsprobe_result *out);
/* Handshake with a TLS service (no STARTTLS) and judge its certificate. */
void	tlsprobe_tls(const char *host, unsigned port,
	    const struct tlsprobe_options *, struct tlsprobe_result *out);
/*
 * tlsprobe_smtp for every host, up to TLSPROBE_THREADS_MAX at a time (in
 * the calling thread when none can be started); out has n entries.
 * Returns 0, or -1 when nothing could be set up.
 */
int	tlsprobe_run(const char *const *hosts, size_t n,
	    const struct tlsprobe_options *, struct tlsprobe_result *out);
/* The certificate facts for verdict_eval (known = 0 when not judged). */
struct cert_health tlsprobe_health(const struct tlsprobe_result *);

/* Whole days from now to not_after (negative once expired). */
long	tlsprobe_days_left(time_t not_after, time_t now);

#endif

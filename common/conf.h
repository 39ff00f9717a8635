/*
 * conf.h - the mtasts-milter configuration file (DESIGN.md 9).
 *
 * conf_load() parses and validates a whole file into an immutable,
 * reference-counted struct conf, so a reload can build the new one on the
 * side and swap it in while sessions still hold the old one. Every problem
 * is reported through msg_error() (msg.h) as "FILE:LINE: what is wrong;
 * the fix", one line each.
 */
#ifndef MTASTS_CONF_H
#define MTASTS_CONF_H

#include <stdatomic.h>
#include <stddef.h>

#include "policy.h"

#define HEADER_NAME_MAX		64	/* header_name, in bytes */

enum add_header_mode {
	ADD_HEADER_WOULD_FAIL = 0,
	ADD_HEADER_ALWAYS,
	ADD_HEADER_NEVER
};

/* Which verdicts get a syslog line per message and domain (log_verdicts). */
enum log_verdicts_mode {
	LOG_VERDICTS_ALL = 0,		/* every evaluated domain */
	LOG_VERDICTS_WOULD_FAIL,	/* only would-fail results */
	LOG_VERDICTS_NONE		/* none: the JSON log has them all */
};

struct conf_listener {
	char	*addr;			/* numeric IPv4 or IPv6 address */
	int	 family;		/* AF_INET or AF_INET6 */
	unsigned char bin[16];		/* addr in network order */
	char	*mx_name;		/* "" = the global mx_name */
	char	*tls_cert_file;		/* "" = the global tls_cert_file */
};

struct conf_draft {
	char	*domain;		/* lower case */
	char	*policy_file;
	char	*id;
	struct sts_policy policy;	/* parsed and valid */
};

struct conf {
	atomic_uint	 refs;
	char		*path;
	char		*socket;
	char		*policy_socket;	/* "" = no policy service */
	char		*user;
	char		*pidfile;
	int		 syslog_facility;	/* LOG_MAIL, ... */
	char		*json_log;
	char		*state_dir;
	char		*header_name;
	enum add_header_mode add_header;
	enum log_verdicts_mode log_verdicts;
	int		 audit_authenticated;	/* judge mail of AUTH clients too */
	char		**domains;		/* lower case */
	size_t		 domain_count;
	char		**domains_sorted;	/* the same, sorted: lookups */
	char		*mx_name;		/* lower case, "" = the MTA's j */
	char		*tls_cert_file;
	char		*ca_file;
	char		*dns_servers;
	char		**connect_to;
	size_t		 connect_to_count;
	struct conf_listener *listeners;
	size_t		 listener_count;
	struct conf_draft *drafts;
	size_t		 draft_count;
	char		*authserv_id;
	long		 refresh_interval;
	long		 max_domains;
	long		 fetch_timeout;		/* seconds per policy fetch */
	long		 probe_interval;	/* seconds between MX probes, 0 = off */
	char		*metrics_file;		/* "" = no metrics file */
	long		 metrics_interval;	/* seconds between its writes */
};

/*
 * Parse and validate path. Returns a conf holding one reference, or NULL
 * after reporting every problem found.
 */
struct conf	*conf_load(const char *path);
struct conf	*conf_ref(struct conf *);
void		 conf_unref(struct conf *);

const char	*conf_add_header_name(enum add_header_mode);
const char	*conf_log_verdicts_name(enum log_verdicts_mode);
/* Whether a domain's verdict gets its syslog line (log_verdicts). */
int		 conf_log_verdict(const struct conf *, int would_fail);
/* The listener whose address equals addr (as the MTA wrote it), or NULL. */
const struct conf_listener *conf_find_listener(const struct conf *,
		    const char *addr);
/* The path of a unix socket spec ("unix:", "local:" or "/"), else NULL. */
const char	*conf_socket_unix_path(const char *spec);
/*
 * 1 when domain (lower case) is to be evaluated under the domains list.
 * A binary search: milter callbacks ask for every recipient domain, and
 * the list may hold thousands.
 */
int		 conf_domain_wanted(const struct conf *, const char *domain);

#endif

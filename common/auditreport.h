/*
 * auditreport.h - the end of the audit path shared by the front ends (the
 * libmilter callbacks and the policy service): the session facts of one
 * message or connection (context.h) judged against the store's snapshot,
 * the header field value of each judged domain, and the syslog lines and
 * the JSON record (DESIGN.md 6-8) that say so.
 *
 * A front end only turns what its MTA sent into a conn_ctx, and puts the
 * header values where its MTA takes them. Nothing here does file or
 * network I/O: the snapshot is in memory, the log queue never waits, and
 * domains to look up are handed to discovery.
 */
#ifndef MTASTS_AUDITREPORT_H
#define MTASTS_AUDITREPORT_H

#include <stddef.h>

#include "audit.h"
#include "context.h"
#include "discovery.h"
#include "jlog.h"
#include "pendrec.h"
#include "store.h"

/* Where a front end reads policies from and reports to. */
struct audit_deps {
	struct store	*store;
	struct jlog	*jlog;
	struct discovery *discovery;
	struct pendrec	*pendrec;	/* records with pending domains */
};

#define AUDIT_REPORT_INLINE	4	/* judged domains without a malloc */

/* The facts of one finished message or connection, ready to report. */
struct audit_report {
	const struct audit_deps *deps;
	struct conn_ctx	*c;
	struct store_snapshot *snap;
	const char	*mx_name;
	enum mx_source	 mx_source;
	struct audit_session session;	/* TLS, MX name and its certificate */
	const char	*authserv_id;
	const char	*event;		/* "message" or "connection" */
	const char	*skipped;	/* why the message was not judged */
	int		 aborted;
	struct audit_domain *ev;	/* judged domains: ev_inline, or malloc'd */
	size_t		 n;
	/*
	 * Room for most messages: a report lives on a session thread's stack,
	 * and at 256 connections most session threads have a new stack, in
	 * which every page touched is a page fault (CTX_RCPT_DOMAINS_MAX
	 * entries here were 4.8 KB). More domains than this are malloc'd.
	 */
	struct audit_domain ev_inline[AUDIT_REPORT_INLINE];
};

/*
 * Judge what c carried (every recipient domain the domains list wants, or
 * only the one named only when it is not NULL). Returns 0, or -1 when
 * there is no snapshot or no memory for the domains (r is then unused).
 * Every r begun with 0 ends with audit_report_log or audit_report_end.
 */
int	audit_report_begin(struct audit_report *r, const struct audit_deps *,
	    struct conn_ctx *c, const char *event, int aborted,
	    const char *only);
/*
 * The header field value of judged domain i (folded, authhdr.h) when the
 * configuration wants a field for its verdict: returns 1 with value set;
 * 0 when no field is wanted or it cannot be formatted.
 */
int	audit_report_header(const struct audit_report *r, size_t i,
	    char *value, size_t size);
/*
 * Write the syslog line of each judged domain and the JSON record (now,
 * or once discovery answers, see pendrec.h), then audit_report_end.
 */
void	audit_report_log(struct audit_report *r);
/* Release the snapshot and hand the judged domains to discovery. */
void	audit_report_end(struct audit_report *r);

#endif

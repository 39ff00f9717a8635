/*
 * audit.h - judging one recipient domain of a message against what the
 * store knows, and the syslog line that says so (its entry in the JSON
 * record: auditjson.h). Shared by the report of a finished message
 * (auditreport, for both front ends) and by the completion of records
 * that waited for discovery (pendrec), so that both write the same
 * verdict the same way.
 *
 * No I/O but the log queue; everything works on an immutable snapshot.
 */
#ifndef MTASTS_AUDIT_H
#define MTASTS_AUDIT_H

#include "store.h"
#include "verdict.h"

/* What a domain is judged with: the session's side of the evaluation. */
struct audit_session {
	const char	*tls_version;	/* NULL = plaintext */
	const char	*mx_name;	/* NULL = unknown */
	const struct cert_health *cert;	/* of mx_name, NULL = unknown */
};

/* One recipient domain's verdict, with the policy it was judged against. */
struct audit_domain {
	const char	*domain;
	unsigned	 rcpts;
	const struct store_domain *sd;
	struct verdict	 v;
	struct verdict	 published;	/* with sd->published, for a draft */
};

/*
 * Judge domain in snap (a domain the snapshot does not know, or one
 * discovery has not answered for with nothing valid cached, is pending).
 */
void	audit_eval(const struct store_snapshot *snap, const char *domain,
	    unsigned rcpts, const struct audit_session *s,
	    struct audit_domain *out);
/* 1 when the verdict is still waiting for discovery. */
int	audit_pending(const struct audit_domain *);
/* The syslog line of one domain's verdict (msg.h: queued, never blocks). */
void	audit_syslog(const char *queue_id, const struct audit_domain *,
	    const char *client_ip, const struct audit_session *);

#endif

/*
 * audit.c - one recipient domain judged against the store's snapshot, and
 * how that verdict is written to syslog (its JSON: auditjson.c).
 *
 * A domain the snapshot does not know yet, or one that discovery has not
 * answered for while nothing valid is cached, is pending: there is nothing
 * a sender would apply yet, so there is no verdict (no header either).
 */
#include "config.h"

#include <string.h>
#include <syslog.h>

#include "audit.h"
#include "msg.h"

/* A domain the snapshot does not know yet: announced-or-not is unknown. */
static const struct store_domain pending_domain = {
	.source = POLICY_SOURCE_PUBLISHED,
	.pending = 1,
};

static void
eval_view(const struct store_domain *sd, const struct audit_session *s,
    struct verdict *v)
{
	struct policy_view pv = {
		.policy = sd->has_policy ? &sd->policy : NULL,
		.id = sd->id, .source = sd->source,
		.error_reasons = sd->error_reasons,
	};

	/* Not answered yet, and nothing valid to apply meanwhile. */
	if (sd->pending && !sd->has_policy) {
		memset(v, 0, sizeof(*v));
		v->result = VERDICT_PENDING;
		v->mode = STS_MODE_UNSET;
		return;
	}
	verdict_eval(s->tls_version, s->mx_name, s->cert, &pv, v);
}

void
audit_eval(const struct store_snapshot *snap, const char *domain,
    unsigned rcpts, const struct audit_session *s, struct audit_domain *out)
{
	memset(out, 0, sizeof(*out));
	out->domain = domain;
	out->rcpts = rcpts;
	if ((out->sd = snapshot_domain(snap, domain)) == NULL)
		out->sd = &pending_domain;
	eval_view(out->sd, s, &out->v);
	if (out->sd->published != NULL)
		eval_view(out->sd->published, s, &out->published);
}

int
audit_pending(const struct audit_domain *d)
{
	return d->v.result == VERDICT_PENDING;
}

void
audit_syslog(const char *queue_id, const struct audit_domain *d,
    const char *client_ip, const struct audit_session *s)
{
	const struct verdict *v = &d->v;
	char	reasons[VERDICT_REASONS_BUFSIZE];

	msg_log(v->result == VERDICT_NO_POLICY ||
	    v->result == VERDICT_PENDING ? LOG_DEBUG : LOG_INFO,
	    "%s: domain=%s result=%s reasons=%s client=%s tls=%s mx=%s",
	    queue_id != NULL && queue_id[0] != '\0' ? queue_id : "NOQUEUE",
	    d->domain, verdict_result_name(v->result),
	    v->reasons != 0 ? verdict_reasons_format(v->reasons, reasons,
	    sizeof(reasons)) : "none", client_ip,
	    s->tls_version != NULL ? s->tls_version : "none",
	    s->mx_name != NULL ? s->mx_name : "unknown");
}

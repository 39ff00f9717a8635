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

/* A bounded line: pieces past MSG_LINE_MAX - 1 bytes are cut, as snprintf. */
struct line {
	char	text[MSG_LINE_MAX];
	size_t	len;
};

static void
put(struct line *l, const char *s)
{
	size_t	n = strlen(s);

	if (n > sizeof(l->text) - 1 - l->len)
		n = sizeof(l->text) - 1 - l->len;
	memcpy(l->text + l->len, s, n);
	l->len += n;
}

/*
 * "QUEUEID: domain=D result=R reasons=A,B client=IP tls=V mx=M", pieces
 * put one after another (a printf format was a third of the line's cost).
 */
void
audit_syslog(const char *queue_id, const struct audit_domain *d,
    const char *client_ip, const struct audit_session *s)
{
	const struct verdict *v = &d->v;
	char	reasons[VERDICT_REASONS_BUFSIZE];
	struct line l;

	l.len = 0;
	put(&l, queue_id != NULL && queue_id[0] != '\0' ? queue_id : "NOQUEUE");
	put(&l, ": domain=");
	put(&l, d->domain);
	put(&l, " result=");
	put(&l, verdict_result_name(v->result));
	put(&l, " reasons=");
	put(&l, v->reasons != 0 ? verdict_reasons_format(v->reasons, reasons,
	    sizeof(reasons)) : "none");
	put(&l, " client=");
	put(&l, client_ip);
	put(&l, " tls=");
	put(&l, s->tls_version != NULL ? s->tls_version : "none");
	put(&l, " mx=");
	put(&l, s->mx_name != NULL ? s->mx_name : "unknown");
	l.text[l.len] = '\0';
	msg_line(v->result == VERDICT_NO_POLICY ||
	    v->result == VERDICT_PENDING ? LOG_DEBUG : LOG_INFO, l.text);
}

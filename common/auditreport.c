/*
 * auditreport.c - one finished message or connection judged and reported:
 * the MX name and certificate of the session, each recipient domain's
 * verdict, its header field value, its syslog line, and the JSON record.
 *
 * Shared by every front end, so that a message gets the same verdict, the
 * same header text and the same record whichever way the MTA asked. No
 * I/O: the snapshot is in memory, the log queue never waits, a record with
 * pending domains waits in pendrec, and discovery is only told about
 * domains after they were judged (a first message is pending whatever DNS
 * does).
 */
#include "config.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auditjson.h"
#include "auditreport.h"
#include "authhdr.h"
#include "metrics.h"
#include "utctime.h"
#include "verdict.h"

/* Now as the record's "ts"; formatted once per second per thread. */
static const char *
utc_timestamp(void)
{
	static __thread time_t last = -1;
	static __thread char text[UTCTIME_STAMP_LEN];
	time_t	now = time(NULL);

	if (now != last) {
		utctime_format_stamp(now, text, sizeof(text));
		last = now;
	}
	return text;
}

static int
header_wanted(const struct conf *conf, const struct verdict *v)
{
	if (v->result == VERDICT_NO_POLICY || v->result == VERDICT_PENDING)
		return 0;
	switch (conf->add_header) {
	case ADD_HEADER_ALWAYS:
		return 1;
	case ADD_HEADER_WOULD_FAIL:
		return v->result == VERDICT_WOULD_FAIL;
	default:
		return 0;
	}
}

int
audit_report_header(const struct audit_report *r, size_t i, char *value,
    size_t size)
{
	const struct audit_domain *e = &r->ev[i];
	const struct verdict *v = &e->v;
	struct authhdr_fields h = {
		.authserv_id = r->authserv_id, .domain = e->domain,
		.result = v->result, .reasons = v->reasons,
		.mode = verdict_mode_name(v),
		.id = e->sd->id != NULL ? e->sd->id : "none",
		.source = policy_source_name(e->sd->source),
		.tls = r->c->tls.version, .mx = r->mx_name,
	};

	if (!header_wanted(r->snap->conf, v))
		return 0;
	/* The name forged fields were removed under, even across a reload. */
	return authhdr_format(&h, strlen(r->c->msg.audit_name), value,
	    size) == 0;
}

static void
report_session(struct audit_report *r, struct conn_ctx *c,
    struct store_snapshot *snap)
{
	const struct store_mx *m;
	const struct conf *conf = snap->conf;
	struct store *store = r->deps->store;

	r->c = c;
	r->snap = snap;
	r->mx_name = ctx_mx_name(c, conf, &r->mx_source);
	m = snapshot_mx(snap, r->mx_name);
	r->session.tls_version = c->tls.present ? c->tls.version : NULL;
	r->session.mx_name = r->mx_name[0] != '\0' ? r->mx_name : NULL;
	if (c->tls.served_known)
		r->session.cert = &c->tls.served_health;
	else
		r->session.cert = m != NULL ? &m->health : NULL;
	if (m == NULL && r->mx_source == MX_SOURCE_MACRO)
		store_want_mx(store, r->mx_name, STORE_NAME_MTA);
	else if (m == NULL && r->mx_source == MX_SOURCE_SNI)
		store_want_mx(store, r->mx_name, STORE_NAME_CLIENT);
	if (conf->authserv_id[0] != '\0')
		r->authserv_id = conf->authserv_id;
	else if (c->j[0] != '\0')
		r->authserv_id = c->j;
	else
		r->authserv_id = r->mx_name[0] != '\0' ? r->mx_name : "localhost";
}

static void
release_ev(struct audit_report *r)
{
	if (r->ev != r->ev_inline)
		free(r->ev);
	r->ev = NULL;
}

int
audit_report_begin(struct audit_report *r, const struct audit_deps *deps,
    struct conn_ctx *c, const char *event, int aborted, const char *only)
{
	const struct rcpt_domain *d;
	struct store_snapshot *snap;
	size_t	 i;

	memset(r, 0, offsetof(struct audit_report, ev_inline));
	r->deps = deps;
	r->ev = r->ev_inline;
	if (c->msg.domain_count > AUDIT_REPORT_INLINE && (r->ev =
	    malloc(c->msg.domain_count * sizeof(*r->ev))) == NULL)
		return -1;
	if ((snap = store_acquire(deps->store)) == NULL) {
		release_ev(r);
		return -1;
	}
	report_session(r, c, snap);
	r->event = event;
	r->aborted = aborted;
	if (c->msg.active && c->msg.authenticated &&
	    !snap->conf->audit_authenticated)
		r->skipped = "authenticated";
	for (i = 0; r->skipped == NULL && i < c->msg.domain_count; i++) {
		d = &c->msg.domains[i];
		if ((only != NULL && strcmp(only, d->domain) != 0) ||
		    !conf_domain_wanted(snap->conf, d->domain))
			continue;
		audit_eval(snap, d->domain, d->rcpts, &r->session,
		    &r->ev[r->n]);
		r->n++;
	}
	return 0;
}

/* The JSON record of r at the end of line, its entries' places noted. */
static void
record_write(const struct audit_report *r, struct jsonbuf *line,
    struct auditjson_places *places)
{
	struct auditjson_record rec = {
		.ts = utc_timestamp(), .host = r->authserv_id, .event = r->event,
		.c = r->c, .mx_name = r->mx_name,
		.mx_source = mx_source_name(r->mx_source),
		.skipped = r->skipped, .aborted = r->aborted,
		.domains = r->ev, .n = r->n,
	};

	auditjson_record(line, &rec, places);
}

void
audit_report_log(struct audit_report *r)
{
	struct auditjson_places places;
	struct jsonbuf line;
	size_t	 i;
	int	 pending = 0;

	if (r->c->msg.active) {
		metrics_count(METRIC_MESSAGES);
		if (r->skipped != NULL)
			metrics_count(METRIC_SKIPPED_AUTHENTICATED);
	}
	for (i = 0; i < r->n; i++) {
		metrics_verdict(r->ev[i].domain, r->ev[i].v.result,
		    r->ev[i].v.reasons);
		if (conf_log_verdict(r->snap->conf,
		    r->ev[i].v.result == VERDICT_WOULD_FAIL))
			audit_syslog(r->c->msg.queue_id, &r->ev[i],
			    r->c->client_ip, &r->session);
	}
	/*
	 * The record goes to the log now, or, when a domain is still
	 * pending, to pendrec, which writes it once discovery has answered.
	 */
	if (r->snap->conf->json_log[0] == '\0') {
		audit_report_end(r);
		return;
	}
	jsonbuf_init(&line, JLOG_LINE_MAX);
	record_write(r, &line, &places);
	/* Only a message's record has domains[] (a connection's has none). */
	for (i = 0; r->c->msg.active && i < r->n; i++)
		pending |= audit_pending(&r->ev[i]);
	if (!pending || pendrec_hold(r->deps->pendrec, &line, &places, r->ev,
	    r->c->msg.queue_id, r->c->client_ip, &r->session) != 0)
		jlog_json(r->deps->jlog, &line);
	jsonbuf_free(&line);
	audit_report_end(r);
}

void
audit_report_end(struct audit_report *r)
{
	size_t	i;

	if (r->snap == NULL)
		return;
	store_release(r->snap);
	r->snap = NULL;
	for (i = 0; i < r->n; i++)
		discovery_want(r->deps->discovery, r->ev[i].domain);
	release_ev(r);
}

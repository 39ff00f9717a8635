/*
 * recordtree.c - the JSON record as a jansson tree, the way the milter
 * built it before it wrote the text directly (see recordtree.h). The
 * member order and the null-for-"" rules are the contract (DESIGN.md 8):
 * do not "fix" this file to follow auditjson.c.
 */
#include "config.h"

#include <stdlib.h>

#include "recordtree.h"
#include "verdict.h"

static json_t *
str_or_null(const char *s)
{
	return s != NULL && s[0] != '\0' ? json_string(s) : json_null();
}

static json_t *
reasons_json(unsigned reasons)
{
	json_t	*a = json_array();
	unsigned bit;

	for (bit = 1; a != NULL && bit < (1u << REASON_COUNT); bit <<= 1)
		if ((reasons & bit) != 0)
			json_array_append_new(a,
			    json_string(verdict_reason_name(bit)));
	return a;
}

static json_t *
policy_json(const struct verdict *v, const struct store_domain *sd)
{
	json_t	*policy;

	if (v->result == VERDICT_NO_POLICY || v->result == VERDICT_PENDING)
		return json_null();
	policy = json_pack("{s:s, s:o, s:s}", "mode", verdict_mode_name(v),
	    "id", str_or_null(sd->id),
	    "source", policy_source_name(sd->source));
	if (policy != NULL && sd->body_changed)
		json_object_set_new(policy, "body_changed", json_true());
	if (policy != NULL && sd->lenient)
		json_object_set_new(policy, "lenient", json_true());
	return policy;
}

json_t *
recordtree_domain(const struct audit_domain *e, int deferred)
{
	const struct store_domain *pub = e->sd->published;
	json_t	*o;

	o = json_pack("{s:s, s:I, s:s, s:o, s:o}",
	    "domain", e->domain, "rcpts", (json_int_t)e->rcpts,
	    "result", verdict_result_name(e->v.result),
	    "reasons", reasons_json(e->v.reasons),
	    "policy", policy_json(&e->v, e->sd));
	if (o != NULL && pub != NULL && !pub->pending &&
	    e->published.result != VERDICT_NO_POLICY)
		json_object_set_new(o, "published", json_pack("{s:s, s:o, s:o}",
		    "result", verdict_result_name(e->published.result),
		    "reasons", reasons_json(e->published.reasons),
		    "policy", policy_json(&e->published, pub)));
	if (o != NULL && deferred)
		json_object_set_new(o, "deferred", json_true());
	return o;
}

static json_t *
tls_json(const struct tls_facts *t)
{
	if (!t->present)
		return json_null();
	return json_pack("{s:s, s:o, s:o, s:o, s:o, s:o}",
	    "version", t->version,
	    "cipher", str_or_null(t->cipher),
	    "bits", t->bits >= 0 ? json_integer(t->bits) : json_null(),
	    "client_cert_subject", str_or_null(t->cert_subject),
	    "client_cert_issuer", str_or_null(t->cert_issuer),
	    "sni", str_or_null(t->sni));
}

json_t *
recordtree_record(const struct auditjson_record *r)
{
	const struct conn_ctx *c = r->c;
	json_t	*o, *domains;
	size_t	 i;

	o = json_pack("{s:s, s:o, s:s}", "ts", r->ts,
	    "host", str_or_null(r->host), "event", r->event);
	if (o == NULL)
		return NULL;
	if (c->msg.active)
		json_object_set_new(o, "queue_id",
		    str_or_null(c->msg.queue_id));
	json_object_set_new(o, "client", json_pack("{s:o, s:o, s:o}",
	    "ip", str_or_null(c->client_ip),
	    "ptr", str_or_null(c->client_ptr),
	    "helo", str_or_null(c->helo)));
	if (c->msg.active)
		json_object_set_new(o, "mail_from_domain",
		    c->msg.has_from_domain ? json_string(c->msg.from_domain) :
		    json_null());
	json_object_set_new(o, "tls", tls_json(&c->tls));
	json_object_set_new(o, "mx", json_pack("{s:o, s:s}",
	    "name", str_or_null(r->mx_name), "source", r->mx_source));
	if (c->msg.active) {
		json_object_set_new(o, "domains", json_array());
		json_object_set_new(o, "aborted", json_boolean(r->aborted));
		if (r->skipped != NULL)
			json_object_set_new(o, "skipped",
			    json_string(r->skipped));
		if (c->msg.domains_dropped > 0)
			json_object_set_new(o, "domains_dropped",
			    json_integer((json_int_t)c->msg.domains_dropped));
	}
	domains = json_object_get(o, "domains");
	for (i = 0; domains != NULL && i < r->n; i++)
		json_array_append_new(domains,
		    recordtree_domain(&r->domains[i], 0));
	return o;
}

char *
recordtree_dump(json_t *o)
{
	char	*s = o != NULL ?
	    json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;

	json_decref(o);
	return s;
}

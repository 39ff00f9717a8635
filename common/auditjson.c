/*
 * auditjson.c - the JSON record written as text (see auditjson.h).
 *
 * Member names and order are those of DESIGN.md 8 as the jansson tree had
 * them; strings go through jsonbuf_string, so they are escaped as
 * json_dumps escapes them. A string that is NULL or "" is written null
 * wherever the tree had a string or null (str_or_null).
 */
#include "config.h"

#include <string.h>

#include "auditjson.h"
#include "verdict.h"

/* A fixed piece of JSON text (a literal: its length is known). */
#define LIT(b, s)	jsonbuf_raw((b), (s), sizeof(s) - 1)

static void
str(struct jsonbuf *b, const char *s)
{
	jsonbuf_string(b, s, strlen(s));
}

static void
str_or_null(struct jsonbuf *b, const char *s)
{
	if (s != NULL && s[0] != '\0')
		str(b, s);
	else
		LIT(b, "null");
}

/* A member whose value is a string, or null for NULL and "". */
static void
member(struct jsonbuf *b, const char *key, size_t keylen, const char *s)
{
	jsonbuf_raw(b, key, keylen);
	str_or_null(b, s);
}

/* key: the literal text before the value, as ",\"name\":". */
#define MEMBER(b, key, s)	member((b), (key), sizeof(key) - 1, (s))

/*
 * As "%lld" writes it, without snprintf: its work area (on a session
 * thread's stack, new at most connections) and instructions were more than
 * the record's numbers need.
 */
static void
integer(struct jsonbuf *b, long long v)
{
	char	num[24], *p = num + sizeof(num);
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v :
	    (unsigned long long)v;

	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		*--p = '-';
	jsonbuf_raw(b, p, (size_t)(num + sizeof(num) - p));
}

static void
reasons(struct jsonbuf *b, unsigned set)
{
	unsigned bit;
	int	 first = 1;

	LIT(b, "[");
	for (bit = 1; bit < (1u << REASON_COUNT); bit <<= 1) {
		if ((set & bit) == 0)
			continue;
		if (!first)
			LIT(b, ",");
		first = 0;
		str(b, verdict_reason_name(bit));
	}
	LIT(b, "]");
}

static void
policy(struct jsonbuf *b, const struct verdict *v,
    const struct store_domain *sd)
{
	if (v->result == VERDICT_NO_POLICY || v->result == VERDICT_PENDING) {
		LIT(b, "null");
		return;
	}
	LIT(b, "{\"mode\":");
	str(b, verdict_mode_name(v));
	MEMBER(b, ",\"id\":", sd->id);
	LIT(b, ",\"source\":");
	str(b, policy_source_name(sd->source));
	if (sd->body_changed)
		LIT(b, ",\"body_changed\":true");
	if (sd->lenient)
		LIT(b, ",\"lenient\":true");
	LIT(b, "}");
}

void
auditjson_domain(struct jsonbuf *b, const struct audit_domain *e,
    int deferred)
{
	const struct store_domain *pub = e->sd->published;

	LIT(b, "{\"domain\":");
	str(b, e->domain);
	LIT(b, ",\"rcpts\":");
	integer(b, e->rcpts);
	LIT(b, ",\"result\":");
	str(b, verdict_result_name(e->v.result));
	LIT(b, ",\"reasons\":");
	reasons(b, e->v.reasons);
	LIT(b, ",\"policy\":");
	policy(b, &e->v, e->sd);
	/* The draft's what-if next to what senders apply today, once known. */
	if (pub != NULL && !pub->pending &&
	    e->published.result != VERDICT_NO_POLICY) {
		LIT(b, ",\"published\":{\"result\":");
		str(b, verdict_result_name(e->published.result));
		LIT(b, ",\"reasons\":");
		reasons(b, e->published.reasons);
		LIT(b, ",\"policy\":");
		policy(b, &e->published, pub);
		LIT(b, "}");
	}
	if (deferred)
		LIT(b, ",\"deferred\":true");
	LIT(b, "}");
}

static void
tls(struct jsonbuf *b, const struct tls_facts *t)
{
	if (!t->present) {
		LIT(b, "null");
		return;
	}
	LIT(b, "{\"version\":");
	str(b, t->version);
	MEMBER(b, ",\"cipher\":", t->cipher);
	LIT(b, ",\"bits\":");
	if (t->bits >= 0)
		integer(b, t->bits);
	else
		LIT(b, "null");
	MEMBER(b, ",\"client_cert_subject\":", t->cert_subject);
	MEMBER(b, ",\"client_cert_issuer\":", t->cert_issuer);
	MEMBER(b, ",\"sni\":", t->sni);
	LIT(b, "}");
}

static void
domains(struct jsonbuf *b, const struct auditjson_record *r,
    struct auditjson_places *places)
{
	size_t	i;

	LIT(b, ",\"domains\":[");
	if (places != NULL)
		places->domains_at = b->len;
	for (i = 0; i < r->n; i++) {
		if (i > 0)
			LIT(b, ",");
		auditjson_domain(b, &r->domains[i], 0);
		if (places != NULL)
			places->entry_end[i] = b->len;
	}
	if (places != NULL)
		places->n = r->n;
	LIT(b, "]");
}

void
auditjson_record(struct jsonbuf *b, const struct auditjson_record *r,
    struct auditjson_places *places)
{
	const struct conn_ctx *c = r->c;

	if (places != NULL)
		memset(places, 0, sizeof(*places));
	LIT(b, "{\"ts\":");
	str(b, r->ts);
	MEMBER(b, ",\"host\":", r->host);
	LIT(b, ",\"event\":");
	str(b, r->event);
	if (c->msg.active) {
		MEMBER(b, ",\"queue_id\":", c->msg.queue_id);
	}
	MEMBER(b, ",\"client\":{\"ip\":", c->client_ip);
	MEMBER(b, ",\"ptr\":", c->client_ptr);
	MEMBER(b, ",\"helo\":", c->helo);
	LIT(b, "}");
	if (c->msg.active) {
		LIT(b, ",\"mail_from_domain\":");
		if (c->msg.has_from_domain)
			str(b, c->msg.from_domain);
		else
			LIT(b, "null");
	}
	LIT(b, ",\"tls\":");
	tls(b, &c->tls);
	MEMBER(b, ",\"mx\":{\"name\":", r->mx_name);
	LIT(b, ",\"source\":");
	str(b, r->mx_source);
	LIT(b, "}");
	if (c->msg.active) {
		domains(b, r, places);
		if (r->aborted)
			LIT(b, ",\"aborted\":true");
		else
			LIT(b, ",\"aborted\":false");
		if (r->skipped != NULL) {
			LIT(b, ",\"skipped\":");
			str(b, r->skipped);
		}
		if (c->msg.domains_dropped > 0) {
			LIT(b, ",\"domains_dropped\":");
			integer(b, (long long)c->msg.domains_dropped);
		}
	}
	LIT(b, "}");
}

void
auditjson_assemble(struct jsonbuf *b, const char *line, size_t len,
    const struct auditjson_places *p, const char *const *replaced)
{
	size_t	i, start, end;

	if (p->domains_at == 0 || p->n == 0) {
		jsonbuf_raw(b, line, len);
		return;
	}
	jsonbuf_raw(b, line, p->domains_at);
	for (i = 0; i < p->n; i++) {
		/* Entries are separated by one ",". */
		start = i == 0 ? p->domains_at : p->entry_end[i - 1] + 1;
		end = p->entry_end[i];
		if (i > 0)
			LIT(b, ",");
		if (replaced[i] != NULL)
			jsonbuf_raw(b, replaced[i], strlen(replaced[i]));
		else
			jsonbuf_raw(b, line + start, end - start);
	}
	end = p->entry_end[p->n - 1];
	jsonbuf_raw(b, line + end, len - end);
}

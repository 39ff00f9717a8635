/*
 * report_record.c - decode one JSON log line into struct rec.
 *
 * Walks the members with the pull scanner and keeps only what the report
 * needs; every other member is checked and skipped, so a line is either
 * well-formed JSON or reported as malformed, and new fields in later milter
 * versions are ignored. Text from the log is attacker-influenced (HELO,
 * PTR): it is made printable before it reaches any output.
 */
#include <stdio.h>
#include <string.h>

#include "printable.h"
#include "report_jscan.h"
#include "report_record.h"
#include "stslex.h"
#include "utctime.h"

#define KEY_MAX	32

const char *
rec_reason_name(unsigned bit)
{
	return bit == REC_REASON_OTHER ? "other" : verdict_reason_name(bit);
}

/* A string or null (stored as "") into dst, made printable. */
static int
text(struct jscan *js, char *dst, size_t size)
{
	char raw[REC_NAME_MAX];

	if (js_peek(js) == JS_NULL) {
		dst[0] = '\0';
		return js_skip(js);
	}
	if (js_string(js, raw, sizeof(raw)) == -1)
		return -1;
	printable_copy(dst, size, raw);
	return 0;
}

struct text_field {
	const char	*key;
	char		*dst;
	size_t		 size;
};

/*
 * An object whose wanted members are all text, or null. Returns 1 after an
 * object, 0 after null (fields untouched), -1 on error.
 */
static int
text_members(struct jscan *js, const struct text_field *f, size_t n)
{
	char key[KEY_MAX];
	int more;
	size_t i;

	if (js_peek(js) == JS_NULL)
		return js_skip(js);
	if (js_enter(js, JS_OBJECT) == -1)
		return -1;
	while ((more = js_member(js, key, sizeof(key))) == 1) {
		for (i = 0; i < n && strcmp(key, f[i].key) != 0; i++)
			continue;
		more = i < n ? text(js, f[i].dst, f[i].size) : js_skip(js);
		if (more == -1)
			return -1;
	}
	return more == 0 ? 1 : -1;
}

static int
client(struct jscan *js, struct rec *r)
{
	const struct text_field f[] = {
		{ "ip", r->ip, sizeof(r->ip) },
		{ "ptr", r->ptr, sizeof(r->ptr) },
		{ "helo", r->helo, sizeof(r->helo) }
	};

	return text_members(js, f, 3) == -1 ? -1 : 0;
}

/* "tls": null for plaintext, else an object whose version we keep. */
static int
tls(struct jscan *js, struct rec *r)
{
	const struct text_field f[] = {
		{ "version", r->tls_version, sizeof(r->tls_version) }
	};

	return (r->tls = text_members(js, f, 1)) == -1 ? -1 : 0;
}

static int
mx(struct jscan *js, struct rec *r)
{
	const struct text_field f[] = { { "name", r->mx, sizeof(r->mx) } };

	return text_members(js, f, 1) == -1 ? -1 : 0;
}

static int
policy(struct jscan *js, struct rec_domain *d)
{
	const struct text_field f[] = {
		{ "mode", d->mode, sizeof(d->mode) },
		{ "id", d->id, sizeof(d->id) },
		{ "source", d->source, sizeof(d->source) }
	};

	return (d->has_policy = text_members(js, f, 3)) == -1 ? -1 : 0;
}

static unsigned
reason_bit(const char *name)
{
	for (unsigned i = 0; i < REASON_COUNT; i++) {
		if (strcmp(verdict_reason_name(1u << i), name) == 0)
			return 1u << i;
	}
	return REC_REASON_OTHER;
}

static int
reasons(struct jscan *js, struct rec_domain *d)
{
	char name[REC_SHORT_MAX];
	int more;

	if (js_enter(js, JS_ARRAY) == -1)
		return -1;
	while ((more = js_element(js)) == 1) {
		if (js_string(js, name, sizeof(name)) == -1)
			return -1;
		d->reasons |= reason_bit(name);
	}
	return more;
}

/* -1 when name is no result of DESIGN.md 6. */
static int
result_of(const char *name, enum verdict_result *out)
{
	for (int i = 0; i < REC_RESULTS; i++) {
		if (strcmp(verdict_result_name((enum verdict_result)i),
		    name) == 0) {
			*out = (enum verdict_result)i;
			return 0;
		}
	}
	return -1;
}

static int
domain_entry(struct jscan *js, struct rec_domain *d, char *err,
    size_t errsize)
{
	char key[KEY_MAX], result[REC_SHORT_MAX] = "";
	int more;

	memset(d, 0, sizeof(*d));
	if (js_enter(js, JS_OBJECT) == -1)
		return -1;
	while ((more = js_member(js, key, sizeof(key))) == 1) {
		if (strcmp(key, "domain") == 0)
			more = text(js, d->domain, sizeof(d->domain));
		else if (strcmp(key, "rcpts") == 0)
			more = js_uint(js, &d->rcpts);
		else if (strcmp(key, "result") == 0)
			more = text(js, result, sizeof(result));
		else if (strcmp(key, "reasons") == 0)
			more = reasons(js, d);
		else if (strcmp(key, "policy") == 0)
			more = policy(js, d);
		else
			more = js_skip(js);
		if (more == -1)
			return -1;
	}
	if (more == -1)
		return -1;
	lex_lower_str(d->domain);
	if (d->domain[0] == '\0') {
		snprintf(err, errsize, "a \"domains\" entry has no domain");
		return -2;
	}
	if (result_of(result, &d->result) == -1) {
		snprintf(err, errsize, "domain %s: unknown result \"%s\"",
		    d->domain, result);
		return -2;
	}
	return 0;
}

static int
domains(struct jscan *js, struct rec *r, char *err, size_t errsize)
{
	struct rec_domain spare;
	int more, rc;

	if (js_enter(js, JS_ARRAY) == -1)
		return -1;
	while ((more = js_element(js)) == 1) {
		rc = domain_entry(js, r->ndomains < REC_DOMAINS_MAX ?
		    &r->domains[r->ndomains] : &spare, err, errsize);
		if (rc != 0)
			return rc;
		if (r->ndomains < REC_DOMAINS_MAX)
			r->ndomains++;
	}
	return more;
}

static int
stamp(struct jscan *js, struct rec *r, int *seen)
{
	char s[REC_SHORT_MAX];

	if (js_string(js, s, sizeof(s)) == -1)
		return -1;
	*seen = utctime_parse_stamp(s, strlen(s), &r->ts) == 0;
	return 0;
}

static int
event(struct jscan *js, struct rec *r, int *seen)
{
	char s[REC_SHORT_MAX];

	if (js_string(js, s, sizeof(s)) == -1)
		return -1;
	*seen = 1;
	r->event = strcmp(s, "message") == 0 ? REC_MESSAGE :
	    strcmp(s, "connection") == 0 ? REC_CONNECTION : REC_OTHER;
	return 0;
}

/* The top-level members; -1 = JSON error, -2 = err already set. */
static int
members(struct jscan *js, struct rec *r, int *ts_ok, int *event_ok,
    char *err, size_t errsize)
{
	char key[KEY_MAX];
	int more;

	while ((more = js_member(js, key, sizeof(key))) == 1) {
		if (strcmp(key, "ts") == 0)
			more = stamp(js, r, ts_ok);
		else if (strcmp(key, "event") == 0)
			more = event(js, r, event_ok);
		else if (strcmp(key, "client") == 0)
			more = client(js, r);
		else if (strcmp(key, "mail_from_domain") == 0)
			more = text(js, r->mail_from, sizeof(r->mail_from));
		else if (strcmp(key, "tls") == 0)
			more = tls(js, r);
		else if (strcmp(key, "mx") == 0)
			more = mx(js, r);
		else if (strcmp(key, "domains") == 0) {
			r->ndomains = 0;
			more = domains(js, r, err, errsize);
		} else
			more = js_skip(js);
		if (more < 0)
			return more;
	}
	return more;
}

static void
rec_clear(struct rec *r)
{
	r->ts = 0;
	r->event = REC_OTHER;
	r->ip[0] = r->ptr[0] = r->helo[0] = '\0';
	r->mail_from[0] = r->tls_version[0] = r->mx[0] = '\0';
	r->tls = 0;
	r->ndomains = 0;
}

int
rec_parse(const char *line, size_t len, struct rec *r, char *err,
    size_t errsize)
{
	struct jscan js;
	int ts_ok = 0, event_ok = 0, rc;

	rec_clear(r);
	js_init(&js, line, len);
	if (js_peek(&js) != JS_OBJECT && js.error == NULL) {
		snprintf(err, errsize, "not a JSON object");
		return -1;
	}
	if (js_enter(&js, JS_OBJECT) == 0 &&
	    (rc = members(&js, r, &ts_ok, &event_ok, err, errsize)) == -2)
		return -1;
	if (js.error != NULL || js_finish(&js) == -1) {
		snprintf(err, errsize, "invalid JSON at byte %zu: %s",
		    js.error_at + 1, js.error);
		return -1;
	}
	if (!ts_ok || !event_ok) {
		snprintf(err, errsize, "no valid \"%s\"", ts_ok ? "event" : "ts");
		return -1;
	}
	lex_lower_str(r->mail_from);
	return 0;
}

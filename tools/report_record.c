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
#include "report_recfast.h"
#include "report_record.h"
#include "stslex.h"
#include "utctime.h"

/* key[0..len) is the NUL-terminated name. */
#define KEY_IS(key, len, name) \
	((len) == sizeof(name) - 1 && memcmp((key), (name), (len)) == 0)

const char *
rec_reason_name(unsigned bit)
{
	return bit == REC_REASON_OTHER ? "other" : verdict_reason_name(bit);
}

/*
 * A string or null (stored as "") into dst, made printable (as
 * printable_copy of the string decoded into REC_NAME_MAX bytes).
 */
static int
text(struct jscan *js, char *dst, size_t size)
{
	if (js_peek(js) == JS_NULL) {
		dst[0] = '\0';
		return js_skip(js);
	}
	return js_string_printable(js, dst, size, REC_NAME_MAX);
}

#define FIELD(name, dst)	{ name, sizeof(name) - 1, dst, sizeof(dst) }

struct text_field {
	const char	*key;
	size_t		 keylen;
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
	const char *key;
	size_t i, len;
	int more;

	if (js_peek(js) == JS_NULL)
		return js_skip(js);
	if (js_enter(js, JS_OBJECT) == -1)
		return -1;
	while ((more = js_member_view(js, &key, &len)) == 1) {
		for (i = 0; i < n && (f[i].keylen != len ||
		    memcmp(key, f[i].key, len) != 0); i++)
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
		FIELD("ip", r->ip),
		FIELD("ptr", r->ptr),
		FIELD("helo", r->helo)
	};

	return text_members(js, f, 3) == -1 ? -1 : 0;
}

/* "tls": null for plaintext, else an object whose version we keep. */
static int
tls(struct jscan *js, struct rec *r)
{
	const struct text_field f[] = {
		FIELD("version", r->tls_version)
	};

	return (r->tls = text_members(js, f, 1)) == -1 ? -1 : 0;
}

static int
mx(struct jscan *js, struct rec *r)
{
	const struct text_field f[] = { FIELD("name", r->mx) };

	return text_members(js, f, 1) == -1 ? -1 : 0;
}

static int
policy(struct jscan *js, struct rec_domain *d)
{
	const struct text_field f[] = {
		FIELD("mode", d->mode),
		FIELD("id", d->id),
		FIELD("source", d->source)
	};

	return (d->has_policy = text_members(js, f, 3)) == -1 ? -1 : 0;
}

unsigned
rec_reason_bit(const char *name, size_t len)
{
	const char *known;

	for (unsigned i = 0; i < REASON_COUNT && len > 0; i++) {
		known = verdict_reason_name(1u << i);
		if (known[0] == name[0] && strncmp(known, name, len) == 0 &&
		    known[len] == '\0')
			return 1u << i;
	}
	return REC_REASON_OTHER;
}

static int
reasons(struct jscan *js, struct rec_domain *d)
{
	const char *name;
	size_t len;
	int more;

	if (js_enter(js, JS_ARRAY) == -1)
		return -1;
	while ((more = js_element(js)) == 1) {
		if (js_view(js, &name, &len) == -1)
			return -1;
		d->reasons |= rec_reason_bit(name, len);
	}
	return more;
}

int
rec_result_of(const char *name, enum verdict_result *out)
{
	const char *known;

	for (int i = 0; i < REC_RESULTS; i++) {
		known = verdict_result_name((enum verdict_result)i);
		if (known[0] == name[0] && strcmp(known, name) == 0) {
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
	char result[REC_SHORT_MAX] = "";
	const char *key;
	size_t len;
	int more;

	d->domain[0] = d->mode[0] = d->id[0] = d->source[0] = '\0';
	d->rcpts = 0;
	d->result = VERDICT_NO_POLICY;
	d->reasons = 0;
	d->has_policy = 0;
	if (js_enter(js, JS_OBJECT) == -1)
		return -1;
	while ((more = js_member_view(js, &key, &len)) == 1) {
		if (KEY_IS(key, len, "domain"))
			more = text(js, d->domain, sizeof(d->domain));
		else if (KEY_IS(key, len, "rcpts"))
			more = js_uint(js, &d->rcpts);
		else if (KEY_IS(key, len, "result"))
			more = text(js, result, sizeof(result));
		else if (KEY_IS(key, len, "reasons"))
			more = reasons(js, d);
		else if (KEY_IS(key, len, "policy"))
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
	if (rec_result_of(result, &d->result) == -1) {
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

/* The views of these values hold what a REC_SHORT_MAX buffer would. */
int
rec_stamp(const char *s, size_t len, long long *ts)
{
	if (len > REC_SHORT_MAX - 1)
		len = REC_SHORT_MAX - 1;	/* an ASCII run, cut anywhere */
	return utctime_parse_stamp(s, len, ts);
}

enum rec_event
rec_event_of(const char *s, size_t len)
{
	return KEY_IS(s, len, "message") ? REC_MESSAGE :
	    KEY_IS(s, len, "connection") ? REC_CONNECTION : REC_OTHER;
}

static int
stamp(struct jscan *js, struct rec *r, int *seen)
{
	const char *s;
	size_t len;

	if (js_view(js, &s, &len) == -1)
		return -1;
	*seen = rec_stamp(s, len, &r->ts) == 0;
	return 0;
}

static int
event(struct jscan *js, struct rec *r, int *seen)
{
	const char *s;
	size_t len;

	if (js_view(js, &s, &len) == -1)
		return -1;
	*seen = 1;
	r->event = rec_event_of(s, len);
	return 0;
}

/* The top-level members; -1 = JSON error, -2 = err already set. */
static int
members(struct jscan *js, struct rec *r, int *ts_ok, int *event_ok,
    char *err, size_t errsize)
{
	const char *key;
	size_t len;
	int more;

	while ((more = js_member_view(js, &key, &len)) == 1) {
		if (KEY_IS(key, len, "ts"))
			more = stamp(js, r, ts_ok);
		else if (KEY_IS(key, len, "event"))
			more = event(js, r, event_ok);
		else if (KEY_IS(key, len, "client"))
			more = client(js, r);
		else if (KEY_IS(key, len, "mail_from_domain"))
			more = text(js, r->mail_from, sizeof(r->mail_from));
		else if (KEY_IS(key, len, "tls"))
			more = tls(js, r);
		else if (KEY_IS(key, len, "mx"))
			more = mx(js, r);
		else if (KEY_IS(key, len, "domains")) {
			r->ndomains = 0;
			more = domains(js, r, err, errsize);
		} else
			more = js_skip(js);
		if (more < 0)
			return more;
	}
	return more;
}

void
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
	if (rec_parse_fast(line, len, r) == 0)
		return 0;
	return rec_parse_full(line, len, r, err, errsize);
}

int
rec_parse_full(const char *line, size_t len, struct rec *r, char *err,
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

/*
 * tlsrpt_read.c - a received TLS-RPT report from JSON to struct tlsrpt_report
 * (see tlsrpt_read.h). jansson builds the tree (reports are small, and
 * bounded: TLSRPT_GZIP_MAX bytes, TLSRPT_DEPTH_MAX levels, checked on the
 * bytes before jansson recurses); this file decides what is usable.
 * Only what DESIGN.md 13 names rejects a report: not JSON, or no usable
 * organization-name, report-id, date-range (either end) or policies; the
 * bounds on policies and failure details reject it too, saying so.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "gzip_buf.h"
#include "printable.h"
#include "stslex.h"
#include "tlsrpt_read.h"
#include "utctime.h"

struct rd {
	char	*err;
	size_t	 errsize;
	int	 nomem;
};

static int bad(struct rd *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

/* Set the one-line reason; returns -1. */
static int
bad(struct rd *rd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rd->err, rd->errsize, fmt, ap);
	va_end(ap);
	return -1;
}

/* Deepest nesting of the JSON text, counting only brackets outside strings. */
static int
too_deep(const unsigned char *s, size_t len, int max)
{
	int depth = 0, in_string = 0;

	for (size_t i = 0; i < len; i++) {
		if (in_string) {
			if (s[i] == '\\')
				i++;
			else if (s[i] == '"')
				in_string = 0;
		} else if (s[i] == '"')
			in_string = 1;
		else if (s[i] == '{' || s[i] == '[') {
			if (++depth > max)
				return 1;
		} else if (s[i] == '}' || s[i] == ']')
			depth--;
	}
	return 0;
}

/*
 * A bounded, printable copy of s with trailing CR/LF/space removed (Google
 * copies CRLF policy lines as they were served); NULL only on no memory.
 */
static char *
text(struct rd *rd, const char *s)
{
	char buf[TLSRPT_TEXT_MAX], *p;
	size_t n;

	printable_copy(buf, sizeof(buf), s);
	/* printable_copy turned CR into '?': trim from the original. */
	n = strlen(s);
	while (n > 0 && (s[n - 1] == '\r' || s[n - 1] == '\n' ||
	    s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n < strlen(buf))
		buf[n] = '\0';
	if ((p = strdup(buf)) == NULL)
		rd->nomem = 1;
	return p;
}

/* A member that is a non-empty string, copied; NULL otherwise. */
static char *
opt_text(struct rd *rd, const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	if (s == NULL || s[0] == '\0')
		return NULL;
	return text(rd, s);
}

/* A host name: lower case, without the final dot. */
static char *
host_text(struct rd *rd, const json_t *o, const char *key)
{
	char *s = opt_text(rd, o, key);
	size_t n;

	if (s == NULL)
		return NULL;
	lex_lower_str(s);
	n = strlen(s);
	if (n > 1 && s[n - 1] == '.')
		s[n - 1] = '\0';
	return s;
}

unsigned long
tlsrpt_sum(unsigned long a, unsigned long b)
{
	return a >= TLSRPT_SUM_MAX || b >= TLSRPT_SUM_MAX - a ?
	    TLSRPT_SUM_MAX : a + b;
}

/*
 * A count: an integer, a real or a string of digits, at most
 * TLSRPT_COUNT_MAX; anything else 0.
 */
static unsigned long
count(const json_t *v)
{
	const char *s;
	unsigned long n = 0;

	if (json_is_integer(v))
		return json_integer_value(v) < 0 || json_integer_value(v) >
		    (json_int_t)TLSRPT_COUNT_MAX ? 0 :
		    (unsigned long)json_integer_value(v);
	if (json_is_real(v))
		return json_real_value(v) < 0 ||
		    json_real_value(v) > (double)TLSRPT_COUNT_MAX ?
		    0 : (unsigned long)json_real_value(v);
	if ((s = json_string_value(v)) == NULL)
		return 0;
	for (; *s >= '0' && *s <= '9' && n <= TLSRPT_COUNT_MAX; s++)
		n = n * 10 + (unsigned long)(*s - '0');
	return *s == '\0' && n <= TLSRPT_COUNT_MAX ? n : 0;
}

/*
 * An RFC 3339 date-time; no zone (Microsoft) is read as UTC, and an
 * ISO 8601 offset without its colon ("+0000") is read as "+00:00".
 */
static int
datetime(const char *s, long long *out)
{
	char buf[64];
	size_t n = strlen(s);

	if (utctime_parse_stamp(s, n, out) == 0)
		return 0;
	if (n + 2 > sizeof(buf))
		return -1;
	if (n >= 24 && (s[n - 5] == '+' || s[n - 5] == '-') &&
	    lex_is_digit((unsigned char)s[n - 4]) &&
	    lex_is_digit((unsigned char)s[n - 1])) {
		snprintf(buf, sizeof(buf), "%.*s:%s", (int)(n - 2), s,
		    s + n - 2);
		return utctime_parse_stamp(buf, n + 1, out);
	}
	snprintf(buf, sizeof(buf), "%sZ", s);
	return utctime_parse_stamp(buf, n + 1, out);
}

static int
date_range(struct rd *rd, const json_t *root, struct tlsrpt_report *r)
{
	static const char *const ends[2] = { "start-datetime", "end-datetime" };
	long long *out[2] = { &r->start, &r->end };
	const json_t *dr = json_object_get(root, "date-range");

	if (dr == NULL)
		return bad(rd, "missing date-range");
	if (!json_is_object(dr))
		return bad(rd, "date-range is not an object");
	for (int i = 0; i < 2; i++) {
		const json_t *v = json_object_get(dr, ends[i]);
		char shown[80];

		if (v == NULL)
			return bad(rd, "date-range has no %s", ends[i]);
		if (!json_is_string(v))
			return bad(rd, "date-range %s is not a string",
			    ends[i]);
		if (datetime(json_string_value(v), out[i]) == -1) {
			printable_copy(shown, sizeof(shown),
			    json_string_value(v));
			snprintf(rd->err, rd->errsize, "date-range %s \"%s\" "
			    "is not an RFC 3339 date-time", ends[i], shown);
			return -1;
		}
	}
	return 0;
}

/* organization-name, report-id: a string (a number as an id is text). */
static int
required_text(struct rd *rd, const json_t *root, const char *key,
    int number_ok, char **out)
{
	const json_t *v = json_object_get(root, key);
	char num[32];

	if (v == NULL || json_is_null(v))
		return bad(rd, "missing %s", key);
	if (number_ok && json_is_integer(v)) {
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
		    json_integer_value(v));
		*out = text(rd, num);
	} else if (json_is_string(v))
		*out = text(rd, json_string_value(v));
	else
		return bad(rd, "%s is not a string", key);
	return *out == NULL ? -1 : 0;
}

static int
push(struct rd *rd, char ***v, size_t *n, const char *s)
{
	char *t;

	if (*n >= TLSRPT_STRINGS_MAX)
		return 0;
	if ((t = text(rd, s)) == NULL)
		return -1;
	if (lex_strings_append(v, n, &(size_t){ *n }, t, strlen(t)) == -1) {
		free(t);
		rd->nomem = 1;
		return -1;
	}
	free(t);
	return 0;
}

/* Strings of an array (others skipped), or one string as a one-item list. */
static int
string_list(struct rd *rd, const json_t *v, char ***out, size_t *n)
{
	size_t i;
	const json_t *e;

	if (json_is_string(v))
		return push(rd, out, n, json_string_value(v));
	json_array_foreach(v, i, e) {
		if (json_is_string(e) && push(rd, out, n,
		    json_string_value(e)) == -1)
			return -1;
	}
	return 0;
}

/*
 * policy-string: an array of lines; or one string that itself holds a JSON
 * array (seen for TLSA); or one plain string.
 */
static int
policy_strings(struct rd *rd, const json_t *v, struct tlsrpt_policy *p)
{
	const char *s = json_string_value(v);
	json_t *inner;
	int rc;

	if (s != NULL && s[0] == '[' && (inner = json_loads(s,
	    JSON_DISABLE_EOF_CHECK, NULL)) != NULL) {
		rc = json_is_array(inner) ? string_list(rd, inner,
		    &p->strings, &p->nstrings) : string_list(rd, v,
		    &p->strings, &p->nstrings);
		json_decref(inner);
		return rc;
	}
	return string_list(rd, v, &p->strings, &p->nstrings);
}

/* The value of the sts policy's "mode:" line. */
static int
policy_mode(struct rd *rd, struct tlsrpt_policy *p)
{
	for (size_t i = 0; i < p->nstrings; i++) {
		const char *s = p->strings[i];

		if (!lex_eq_nocase(s, "mode", 4))
			continue;
		for (s += 4; lex_is_wsp((unsigned char)*s); s++)
			continue;
		if (*s++ != ':')
			continue;
		while (lex_is_wsp((unsigned char)*s))
			s++;
		if ((p->mode = text(rd, s)) == NULL)
			return -1;
		lex_lower_str(p->mode);
		return 0;
	}
	return 0;
}

static int
failure(struct rd *rd, const json_t *o, struct tlsrpt_failure *f)
{
	const char *type = json_string_value(json_object_get(o,
	    "result-type"));

	f->result_type = text(rd, type != NULL && type[0] != '\0' ? type :
	    "unknown");
	f->sending_ip = opt_text(rd, o, "sending-mta-ip");
	f->receiving_mx = host_text(rd, o, "receiving-mx-hostname");
	f->receiving_ip = opt_text(rd, o, "receiving-ip");
	f->receiving_helo = host_text(rd, o, "receiving-mx-helo");
	f->reason_code = opt_text(rd, o, "failure-reason-code");
	f->additional = opt_text(rd, o, "additional-information");
	f->count = count(json_object_get(o, "failed-session-count"));
	return rd->nomem ? -1 : 0;
}

static int
failures(struct rd *rd, const json_t *v, size_t at, struct tlsrpt_policy *p)
{
	size_t i, n = 0;
	const json_t *e;

	if (!json_is_array(v))
		return 0;
	if (json_array_size(v) > TLSRPT_FAILURES_MAX)
		return bad(rd, "policies[%zu]: more than %d "
		    "failure-details", at, TLSRPT_FAILURES_MAX);
	if ((p->failures = calloc(json_array_size(v) + 1,
	    sizeof(*p->failures))) == NULL) {
		rd->nomem = 1;
		return -1;
	}
	json_array_foreach(v, i, e) {
		if (!json_is_object(e))
			continue;
		p->nfailures = n + 1;
		if (failure(rd, e, &p->failures[n]) == -1)
			return -1;
		p->failed_in_details = tlsrpt_sum(p->failed_in_details,
		    p->failures[n++].count);
	}
	return 0;
}

static int
policy(struct rd *rd, const json_t *o, size_t at, struct tlsrpt_policy *p)
{
	const json_t *pol = json_object_get(o, "policy");
	const json_t *sum = json_object_get(o, "summary");

	if (!json_is_object(o))
		return bad(rd, "policies[%zu] is not an object", at);
	if (json_is_object(pol)) {
		p->type = opt_text(rd, pol, "policy-type");
		if (p->type != NULL)
			lex_lower_str(p->type);
		p->domain = host_text(rd, pol, "policy-domain");
		if (rd->nomem || policy_strings(rd, json_object_get(pol,
		    "policy-string"), p) == -1 || string_list(rd,
		    json_object_get(pol, "mx-host"), &p->mx_host,
		    &p->nmx) == -1)
			return -1;
		if (p->type != NULL && strcmp(p->type, "sts") == 0 &&
		    policy_mode(rd, p) == -1)
			return -1;
	}
	p->successful = count(json_object_get(sum,
	    "total-successful-session-count"));
	p->failed = count(json_object_get(sum, "total-failure-session-count"));
	return failures(rd, json_object_get(o, "failure-details"), at, p);
}

static int
policies(struct rd *rd, const json_t *root, struct tlsrpt_report *r)
{
	const json_t *v = json_object_get(root, "policies"), *e;
	size_t i;

	if (v == NULL || json_is_null(v))
		return bad(rd, "missing policies");
	if (!json_is_array(v))
		return bad(rd, "policies is not an array");
	if (json_array_size(v) > TLSRPT_POLICIES_MAX)
		return bad(rd, "more than %d policies",
		    TLSRPT_POLICIES_MAX);
	if ((r->policies = calloc(json_array_size(v) + 1,
	    sizeof(*r->policies))) == NULL) {
		rd->nomem = 1;
		return -1;
	}
	json_array_foreach(v, i, e) {
		r->npolicies = i + 1;
		if (policy(rd, e, i, &r->policies[i]) == -1)
			return -1;
	}
	return 0;
}

static int
report(struct rd *rd, const json_t *root, struct tlsrpt_report *r)
{
	const json_t *c;

	if (!json_is_object(root))
		return bad(rd, "the JSON text is not an object");
	if (required_text(rd, root, "organization-name", 0, &r->org) == -1 ||
	    required_text(rd, root, "report-id", 1,
	    &r->report_id) == -1 ||
	    date_range(rd, root, r) == -1)
		return -1;
	c = json_object_get(root, "contact-info");
	if (json_is_string(c) && (r->contact = opt_text(rd, root,
	    "contact-info")) == NULL && rd->nomem)
		return -1;
	return policies(rd, root, r);
}

static int
parse_json(struct rd *rd, const unsigned char *s, size_t len,
    struct tlsrpt_report *r)
{
	json_error_t je;
	json_t *root;
	int rc;

	/* A UTF-8 byte order mark is not JSON, but harmless. */
	if (len >= 3 && s[0] == 0xef && s[1] == 0xbb && s[2] == 0xbf) {
		s += 3;
		len -= 3;
	}
	for (size_t i = 0; i < len && i < 64; i++) {
		if (s[i] == '<')
			return bad(rd, "XML, not JSON (a DMARC report, not "
			    "TLS-RPT?)");
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' &&
		    s[i] != '\n')
			break;
	}
	if (too_deep(s, len, TLSRPT_DEPTH_MAX))
		return bad(rd, "JSON nested deeper than %d levels",
		    TLSRPT_DEPTH_MAX);
	if ((root = json_loadb((const char *)s, len, 0, &je)) == NULL) {
		char why[sizeof(je.text)];

		printable_copy(why, sizeof(why), je.text);
		snprintf(rd->err, rd->errsize, "not JSON: line %d column %d: "
		    "%s", je.line, je.column, why);
		return -1;
	}
	rc = report(rd, root, r);
	json_decref(root);
	return rc;
}

int
tlsrpt_read(const unsigned char *data, size_t len, struct tlsrpt_report *r,
    char *err, size_t errsize)
{
	struct rd rd = { .err = err, .errsize = errsize };
	unsigned char *plain = NULL;
	size_t plainlen;
	char why[TLSRPT_ERROR_MAX];
	int rc;

	memset(r, 0, sizeof(*r));
	if (gzip_buf_is_gzip(data, len)) {
		if (gzip_buf_inflate(data, len, TLSRPT_GZIP_MAX, &plain,
		    &plainlen, why, sizeof(why)) == -1) {
			snprintf(err, errsize, "gzip: %s", why);
			return strcmp(why, "out of memory") == 0 ? -2 : -1;
		}
		data = plain;
		len = plainlen;
	} else if (len > TLSRPT_GZIP_MAX) {
		snprintf(err, errsize, "larger than %d bytes",
		    TLSRPT_GZIP_MAX);
		return -1;
	}
	rc = parse_json(&rd, data, len, r);
	free(plain);
	if (rc == 0)
		return 0;
	tlsrpt_free(r);
	if (rd.nomem) {
		snprintf(err, errsize, "out of memory");
		return -2;
	}
	return -1;
}

static void
free_failure(struct tlsrpt_failure *f)
{
	free(f->result_type);
	free(f->sending_ip);
	free(f->receiving_mx);
	free(f->receiving_ip);
	free(f->receiving_helo);
	free(f->reason_code);
	free(f->additional);
}

void
tlsrpt_keep_policies(struct tlsrpt_report *r, size_t keep)
{
	for (size_t i = keep; i < r->npolicies; i++) {
		struct tlsrpt_policy *p = &r->policies[i];

		free(p->type);
		free(p->domain);
		free(p->mode);
		lex_strings_free(p->strings, p->nstrings);
		lex_strings_free(p->mx_host, p->nmx);
		for (size_t j = 0; j < p->nfailures; j++)
			free_failure(&p->failures[j]);
		free(p->failures);
		memset(p, 0, sizeof(*p));
	}
	if (keep < r->npolicies)
		r->npolicies = keep;
}

void
tlsrpt_free(struct tlsrpt_report *r)
{
	tlsrpt_keep_policies(r, 0);
	free(r->policies);
	free(r->org);
	free(r->report_id);
	free(r->contact);
	memset(r, 0, sizeof(*r));
}

long long
tlsrpt_day(const struct tlsrpt_report *r)
{
	long long mid = r->end > r->start ? r->start + (r->end - r->start) / 2 :
	    r->start;

	return utctime_day(mid);
}

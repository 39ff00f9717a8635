/*
 * report_recfast.c - the fast path of rec_parse (see report_recfast.h) for
 * the lines the milter writes: compact JSON (no whitespace at all) whose
 * strings are plain printable ASCII (no escape, no byte outside
 * 0x20-0x7e), whose numbers are short integers, nested at most
 * FAST_DEPTH deep, with at most REC_DOMAINS_MAX domains. It walks such
 * a line once, with no function call per token, keeping the same fields
 * with the same rules as report_record.c (a repeated member overwrites as
 * it does there, a text is cut where the decoder cuts it). Anything else,
 * and every line rec_parse_full would refuse, is left to rec_parse_full
 * (return 1), which then gives the decoding and the error text: this path
 * accepts a subset of what it accepts and decodes it identically
 * (check_report and fuzz_report_line compare the two).
 */
#include <stdint.h>
#include <string.h>

#include "report_recfast.h"
#include "stslex.h"

#define FAST_DEPTH	16
/* Integers this long fit long long, and unsigned long unclamped. */
#define FAST_DIGITS	(sizeof(unsigned long) >= 8 ? 18 : 9)

struct fast {
	const unsigned char *p, *end;
};

/* A compile-time name against the member name k[0..n). */
#define IS(k, n, name) \
	((n) == sizeof(name) - 1 && memcmp((k), (name), sizeof(name) - 1) == 0)

/* The first byte at or after p that is not plain (see above), or end. */
static inline const unsigned char *
plain_end(const unsigned char *p, const unsigned char *end)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ && \
    defined(__GNUC__)
	const uint64_t ones = 0x0101010101010101ull;
	const uint64_t high = 0x8080808080808080ull;
	uint64_t v, m, b;

	/*
	 * Eight bytes at a time: each term's lowest set bit marks its first
	 * byte exactly (a borrow or carry only runs upwards), so the lowest
	 * of all marks the first byte below 0x23 ('"' and the bytes before
	 * it: ' ' and '!' are plain, stepped over), '\\', DEL or above.
	 */
	while (end - p >= 8) {
		memcpy(&v, p, 8);
		b = v ^ ones * '\\';
		m = ((v - ones * 0x23) & ~v) | ((b - ones) & ~b) |
		    (v + ones) | v;
		if ((m &= high) != 0) {
			p += __builtin_ctzll(m) >> 3;
			if (*p != ' ' && *p != '!')
				return p;
			p++;
		} else
			p += 8;
	}
#endif
	while (p < end && *p >= 0x20 && *p < 0x7f && *p != '"' && *p != '\\')
		p++;
	return p;
}

/* A plain string at f->p ('"'): its bytes in *s, *n; -1 otherwise. */
static inline int
str(struct fast *f, const char **s, size_t *n)
{
	const unsigned char *q;

	if (f->p >= f->end || *f->p != '"')
		return -1;
	q = plain_end(f->p + 1, f->end);
	if (q >= f->end || *q != '"')
		return -1;
	*s = (const char *)f->p + 1;
	*n = (size_t)(q - f->p - 1);
	f->p = q + 1;
	return 0;
}

/* A member name and its ':'. */
static inline int
key(struct fast *f, const char **k, size_t *n)
{
	if (str(f, k, n) == -1 || f->p >= f->end || *f->p != ':')
		return -1;
	f->p++;
	return 0;
}

static inline int
literal(struct fast *f, const char *word, size_t n)
{
	if ((size_t)(f->end - f->p) < n || memcmp(f->p, word, n) != 0)
		return -1;
	f->p += n;
	return 0;
}

/*
 * -?(0|[1-9][0-9]*) of at most FAST_DIGITS digits, not followed by a
 * fraction or exponent; its value in *v when non-negative.
 */
static int
integer(struct fast *f, unsigned long *v, int *neg)
{
	const unsigned char *s;
	unsigned long x = 0;

	*neg = f->p < f->end && *f->p == '-';
	if (*neg)
		f->p++;
	s = f->p;
	if (f->p < f->end && *f->p == '0')
		f->p++;
	else {
		while (f->p < f->end && *f->p >= '0' && *f->p <= '9')
			x = x * 10 + (unsigned long)(*f->p++ - '0');
	}
	if (f->p == s || (size_t)(f->p - s) > FAST_DIGITS || (f->p < f->end &&
	    (*f->p == '.' || *f->p == 'e' || *f->p == 'E')))
		return -1;
	*v = x;
	return 0;
}

/* After an item of a container: 1 = another follows, 0 = closed. */
static inline int
next(struct fast *f, unsigned char close)
{
	if (f->p >= f->end)
		return -1;
	if (*f->p == close) {
		f->p++;
		return 0;
	}
	if (*f->p != ',' || ++f->p >= f->end || *f->p == close)
		return -1;
	return 1;
}

/* Opening bracket: 1 = an item follows, 0 = empty and closed. */
static inline int
open(struct fast *f, unsigned char c, unsigned char close)
{
	if (f->p >= f->end || *f->p != c)
		return -1;
	if (++f->p < f->end && *f->p == close) {
		f->p++;
		return 0;
	}
	return 1;
}

/* Any value, checked. */
static int
skip(struct fast *f, int depth)
{
	const char *s;
	size_t n;
	unsigned long v;
	int neg, more;

	if (f->p >= f->end)
		return -1;
	switch (*f->p) {
	case '"':
		return str(f, &s, &n);
	case '{':
	case '[':
		if (depth >= FAST_DEPTH)
			return -1;
		if (*f->p == '{') {
			for (more = open(f, '{', '}'); more == 1;
			    more = next(f, '}')) {
				if (key(f, &s, &n) == -1 ||
				    skip(f, depth + 1) == -1)
					return -1;
			}
		} else {
			for (more = open(f, '[', ']'); more == 1;
			    more = next(f, ']')) {
				if (skip(f, depth + 1) == -1)
					return -1;
			}
		}
		return more;
	case 't':
		return literal(f, "true", 4);
	case 'f':
		return literal(f, "false", 5);
	case 'n':
		return literal(f, "null", 4);
	default:
		return integer(f, &v, &neg);
	}
}

/* A text field: null as "", or a string cut to size - 1 bytes. */
static inline int
text(struct fast *f, char *dst, size_t size)
{
	const char *s;
	size_t n;

	if (f->p < f->end && *f->p == 'n') {
		dst[0] = '\0';
		return literal(f, "null", 4);
	}
	if (str(f, &s, &n) == -1)
		return -1;
	if (n > size - 1)
		n = size - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return 0;
}

struct field {
	const char	*name;
	size_t		 len;
	char		*dst;
	size_t		 size;
};

#define FIELD(name, dst)	{ name, sizeof(name) - 1, dst, sizeof(dst) }

/* report_record.c's text_members: 1 after an object, 0 after null. */
static int
members(struct fast *f, const struct field *fl, size_t nf, int depth)
{
	const char *k;
	size_t n, i;
	int more;

	if (f->p < f->end && *f->p == 'n')
		return literal(f, "null", 4);
	for (more = open(f, '{', '}'); more == 1; more = next(f, '}')) {
		if (key(f, &k, &n) == -1)
			return -1;
		for (i = 0; i < nf && (fl[i].len != n || k[0] != fl[i].name[0] ||
		    memcmp(k, fl[i].name, n) != 0); i++)
			continue;
		if ((i < nf ? text(f, fl[i].dst, fl[i].size) :
		    skip(f, depth + 1)) == -1)
			return -1;
	}
	return more == 0 ? 1 : -1;
}

static int
reasons(struct fast *f, struct rec_domain *d)
{
	const char *s;
	size_t n;
	int more;

	for (more = open(f, '[', ']'); more == 1; more = next(f, ']')) {
		if (str(f, &s, &n) == -1)
			return -1;
		d->reasons |= rec_reason_bit(s, n);
	}
	return more;
}

static int
domain_entry(struct fast *f, struct rec_domain *d)
{
	char result[REC_SHORT_MAX] = "";
	const struct field pol[] = {
		FIELD("mode", d->mode),
		FIELD("id", d->id),
		FIELD("source", d->source)
	};
	const char *k;
	size_t n;
	int more, neg, rc;

	d->domain[0] = d->mode[0] = d->id[0] = d->source[0] = '\0';
	d->rcpts = 0;
	d->result = VERDICT_NO_POLICY;
	d->reasons = 0;
	d->has_policy = 0;
	for (more = open(f, '{', '}'); more == 1; more = next(f, '}')) {
		if (key(f, &k, &n) == -1)
			return -1;
		if (IS(k, n, "domain"))
			rc = text(f, d->domain, sizeof(d->domain));
		else if (IS(k, n, "rcpts"))
			rc = integer(f, &d->rcpts, &neg) == -1 || neg ? -1 : 0;
		else if (IS(k, n, "result"))
			rc = text(f, result, sizeof(result));
		else if (IS(k, n, "reasons"))
			rc = reasons(f, d);
		else if (IS(k, n, "policy"))
			rc = (d->has_policy = members(f, pol, 3, 2));
		else
			rc = skip(f, 2);
		if (rc == -1)
			return -1;
	}
	if (more == -1)
		return -1;
	lex_lower_str(d->domain);
	if (d->domain[0] == '\0' || rec_result_of(result, &d->result) == -1)
		return -1;
	return 0;
}

static int
domains(struct fast *f, struct rec *r)
{
	int more;

	r->ndomains = 0;
	for (more = open(f, '[', ']'); more == 1; more = next(f, ']')) {
		if (r->ndomains == REC_DOMAINS_MAX ||
		    domain_entry(f, &r->domains[r->ndomains]) == -1)
			return -1;
		r->ndomains++;
	}
	return more;
}

/* "ts" and "event": a plain string, decided as report_record.c does. */
static int
stamp(struct fast *f, struct rec *r)
{
	const char *s;
	size_t n;

	if (str(f, &s, &n) == -1)
		return -1;
	return rec_stamp(s, n, &r->ts) == 0 ? 0 : -1;
}

static int
event(struct fast *f, struct rec *r)
{
	const char *s;
	size_t n;

	if (str(f, &s, &n) == -1)
		return -1;
	r->event = rec_event_of(s, n);
	return 0;
}

int
rec_parse_fast(const char *line, size_t len, struct rec *r)
{
	struct fast f = { (const unsigned char *)line,
	    (const unsigned char *)line + len };
	const struct field client[] = {
		FIELD("ip", r->ip),
		FIELD("ptr", r->ptr),
		FIELD("helo", r->helo)
	};
	const struct field tls[] = { FIELD("version", r->tls_version) };
	const struct field mx[] = { FIELD("name", r->mx) };
	int ts_ok = 0, event_ok = 0, more, rc;
	const char *k;
	size_t n;

	rec_clear(r);
	for (more = open(&f, '{', '}'); more == 1; more = next(&f, '}')) {
		if (key(&f, &k, &n) == -1)
			return 1;
		if (IS(k, n, "ts"))
			rc = stamp(&f, r), ts_ok = 1;
		else if (IS(k, n, "event"))
			rc = event(&f, r), event_ok = 1;
		else if (IS(k, n, "client"))
			rc = members(&f, client, 3, 1);
		else if (IS(k, n, "mail_from_domain"))
			rc = text(&f, r->mail_from, sizeof(r->mail_from));
		else if (IS(k, n, "tls"))
			rc = (r->tls = members(&f, tls, 1, 1));
		else if (IS(k, n, "mx"))
			rc = members(&f, mx, 1, 1);
		else if (IS(k, n, "domains"))
			rc = domains(&f, r);
		else
			rc = skip(&f, 1);
		if (rc == -1)
			return 1;
	}
	if (more != 0 || f.p != f.end || !ts_ok || !event_ok)
		return 1;
	lex_lower_str(r->mail_from);
	return 0;
}

/*
 * report_jscan.c - strict pull scanner for one JSON text (see report_jscan.h).
 *
 * Grammar per RFC 8259; what json_loadb() rejects is rejected here too:
 * raw control bytes in strings, bad escapes, lone surrogates, \u0000,
 * invalid or overlong UTF-8, leading zeros, integers outside long long,
 * trailing commas and trailing data. Nesting is limited to JS_DEPTH_MAX.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report_jscan.h"

static int
fail(struct jscan *js, const char *why)
{
	if (js->error == NULL) {
		js->error = why;
		js->error_at = (size_t)(js->p - js->start);
	}
	return -1;
}

/* Every JSON whitespace byte is <= ' ', no token starts with one. */
static inline void
skip_ws(struct jscan *js)
{
	while (js->p < js->end && *js->p <= ' ' && (*js->p == ' ' ||
	    *js->p == '\t' || *js->p == '\n' || *js->p == '\r'))
		js->p++;
}

void
js_init(struct jscan *js, const char *buf, size_t len)
{
	js->start = js->p = (const unsigned char *)buf;
	js->end = js->p + len;
	js->depth = 0;
	js->error = NULL;
	js->error_at = 0;
}

enum js_type
js_peek(struct jscan *js)
{
	skip_ws(js);
	if (js->p >= js->end) {
		fail(js, "unexpected end of text");
		return JS_ERROR;
	}
	switch (*js->p) {
	case '{':
		return JS_OBJECT;
	case '[':
		return JS_ARRAY;
	case '"':
		return JS_STRING;
	case 't':
		return JS_TRUE;
	case 'f':
		return JS_FALSE;
	case 'n':
		return JS_NULL;
	case '-':
		return JS_NUMBER;
	default:
		if (*js->p >= '0' && *js->p <= '9')
			return JS_NUMBER;
		fail(js, "unexpected character");
		return JS_ERROR;
	}
}

int
js_enter(struct jscan *js, enum js_type t)
{
	if (js_peek(js) != t || (t != JS_OBJECT && t != JS_ARRAY))
		return fail(js, t == JS_OBJECT ? "expected an object" :
		    "expected an array");
	if (js->depth >= JS_DEPTH_MAX)
		return fail(js, "nesting too deep");
	js->p++;
	js->first[++js->depth] = 1;
	return 0;
}

/* Shared by members and elements: 1 = another item, 0 = closed, -1. */
static int
next_item(struct jscan *js, unsigned char close)
{
	skip_ws(js);
	if (js->p >= js->end)
		return fail(js, "unexpected end of text");
	if (*js->p == close) {
		js->p++;
		js->depth--;
		return 0;
	}
	if (!js->first[js->depth]) {
		if (*js->p != ',')
			return fail(js, "expected ',' or a closing bracket");
		js->p++;
		skip_ws(js);
		if (js->p < js->end && *js->p == close)
			return fail(js, "trailing comma");
	}
	js->first[js->depth] = 0;
	return 1;
}

/*
 * Where a string is decoded to. The decoded text is cut at raw_max bytes
 * as a buffer of raw_max + 1 bytes would hold it: a piece that does not
 * fit is cut when it is an ASCII run (any cut is a UTF-8 boundary),
 * dropped whole when it is one encoded character, and nothing after it
 * is kept. Of that, the first cap bytes are written to buf, made
 * printable (every byte outside 0x20-0x7e as '?', as printable_copy
 * does) when printable is set.
 */
struct dest {
	char		*buf;		/* NULL: check only */
	size_t		 cap, raw_max, len;
	int		 full, printable;
};

static inline void
put(struct dest *d, const unsigned char *src, size_t n, int ascii)
{
	size_t w;

	if (d->buf == NULL || d->full)
		return;
	if (d->len + n > d->raw_max) {
		d->full = 1;
		if (!ascii)
			return;
		n = d->raw_max - d->len;
	}
	w = d->len < d->cap ? d->cap - d->len : 0;
	if (w > n)
		w = n;
	/* A plain run (ascii) is printable already: only pieces map. */
	if (ascii || !d->printable)
		memcpy(d->buf + d->len, src, w);
	else {
		for (size_t i = 0; i < w; i++)
			d->buf[d->len + i] = src[i] >= 0x20 && src[i] < 0x7f ?
			    (char)src[i] : '?';
	}
	d->len += n;
}

static int
hex4(const unsigned char *p, unsigned *out)
{
	unsigned v = 0;

	for (int i = 0; i < 4; i++) {
		unsigned c = p[i];

		if (c >= '0' && c <= '9')
			c -= '0';
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			c = (c | 0x20) - 'a' + 10;
		else
			return -1;
		v = v << 4 | c;
	}
	*out = v;
	return 0;
}

static size_t
utf8_encode(unsigned cp, unsigned char *out)
{
	if (cp < 0x80) {
		out[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (unsigned char)(0xc0 | cp >> 6);
		out[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (unsigned char)(0xe0 | cp >> 12);
		out[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		out[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (unsigned char)(0xf0 | cp >> 18);
	out[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
	out[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
	out[3] = (unsigned char)(0x80 | (cp & 0x3f));
	return 4;
}

/* The escape after a backslash at js->p; decoded into out. */
static int
scan_escape(struct jscan *js, unsigned char *out, size_t *n)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *e;
	unsigned cp, lo;

	if (js->p >= js->end)
		return fail(js, "unexpected end of text");
	if (*js->p != 'u') {
		if (*js->p == '\0' || (e = strchr(from, *js->p)) == NULL)
			return fail(js, "invalid escape");
		out[0] = (unsigned char)to[e - from];
		*n = 1;
		js->p++;
		return 0;
	}
	if (js->end - js->p < 5 || hex4(js->p + 1, &cp) == -1)
		return fail(js, "invalid \\u escape");
	js->p += 5;
	if (cp == 0)
		return fail(js, "\\u0000 in string");
	if (cp >= 0xdc00 && cp <= 0xdfff)
		return fail(js, "lone low surrogate");
	if (cp >= 0xd800 && cp <= 0xdbff) {
		if (js->end - js->p < 6 || js->p[0] != '\\' || js->p[1] != 'u' ||
		    hex4(js->p + 2, &lo) == -1 || lo < 0xdc00 || lo > 0xdfff)
			return fail(js, "lone high surrogate");
		js->p += 6;
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
	}
	*n = utf8_encode(cp, out);
	return 0;
}

/* Length of the valid UTF-8 sequence at p, or 0. */
static size_t
utf8_valid(const unsigned char *p, const unsigned char *end)
{
	unsigned c = p[0], cp;
	size_t n, i;

	if (c >= 0xc2 && c <= 0xdf)
		n = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, cp = c & 0x07;
	else
		return 0;
	if ((size_t)(end - p) < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return n;
}

/*
 * Bytes a string passes through as they are: printable ASCII but " and \
 * (DEL takes the slow path, which makes it printable).
 */
#define PLAIN16(c)	((c) >= 0x20 && (c) < 0x7f && (c) != '"' && (c) != '\\')
#define PLAIN4(c)	PLAIN16(c), PLAIN16((c) + 1), PLAIN16((c) + 2), \
			PLAIN16((c) + 3)
#define PLAIN_ROW(c)	PLAIN4(c), PLAIN4((c) + 4), PLAIN4((c) + 8), \
			PLAIN4((c) + 12)
static const unsigned char plain_byte[256] = {
	PLAIN_ROW(0x00), PLAIN_ROW(0x10), PLAIN_ROW(0x20), PLAIN_ROW(0x30),
	PLAIN_ROW(0x40), PLAIN_ROW(0x50), PLAIN_ROW(0x60), PLAIN_ROW(0x70)
	/* 0x80 and up: 0, checked as UTF-8 */
};

/* After a run of plain bytes, at js->p: one piece of the string. */
static int
scan_piece(struct jscan *js, struct dest *d)
{
	unsigned char esc[4];
	size_t n;

	if (*js->p < 0x20)
		return fail(js, "control character in string");
	if (*js->p == '\\') {
		js->p++;
		if (scan_escape(js, esc, &n) == -1)
			return -1;
		put(d, esc, n, 0);
		return 0;
	}
	if (*js->p < 0x80)		/* DEL */
		n = 1;
	else if ((n = utf8_valid(js->p, js->end)) == 0)
		return fail(js, "invalid UTF-8");
	put(d, js->p, n, 0);
	js->p += n;
	return 0;
}

/* The end of the run of plain bytes from p (four at a time). */
static inline const unsigned char *
plain_run(const unsigned char *p, const unsigned char *end)
{
	while (end - p >= 4) {
		if (!plain_byte[p[0]])
			return p;
		if (!plain_byte[p[1]])
			return p + 1;
		if (!plain_byte[p[2]])
			return p + 2;
		if (!plain_byte[p[3]])
			return p + 3;
		p += 4;
	}
	while (p < end && plain_byte[*p])
		p++;
	return p;
}

/* A string at js->p ('"') into d. */
static int
scan_string_to(struct jscan *js, struct dest *d)
{
	const unsigned char *run;

	js->p++;
	for (;;) {
		run = js->p;
		js->p = plain_run(js->p, js->end);
		if (js->p > run)
			put(d, run, (size_t)(js->p - run), 1);
		if (js->p >= js->end)
			return fail(js, "unterminated string");
		if (*js->p == '"')
			break;
		if (scan_piece(js, d) == -1)
			return -1;
	}
	js->p++;
	if (d->buf != NULL)
		d->buf[d->len < d->cap ? d->len : d->cap] = '\0';
	return 0;
}

/* A string at js->p ('"'); decoded into buf when buf != NULL. */
static int
scan_string(struct jscan *js, char *buf, size_t size)
{
	struct dest d = { buf, size > 0 ? size - 1 : 0, size > 0 ? size - 1 : 0,
	    0, 0, 0 };

	if (size == 0)
		d.buf = NULL;
	return scan_string_to(js, &d);
}

/*
 * A string at js->p ('"') as bytes: in place when it is one plain run
 * (the usual case), else decoded into js->view.
 */
static int
scan_view(struct jscan *js, const char **s, size_t *len)
{
	const unsigned char *p = plain_run(js->p + 1, js->end);

	if (p < js->end && *p == '"') {
		*s = (const char *)js->p + 1;
		*len = (size_t)(p - js->p - 1);
		js->p = p + 1;
		return 0;
	}
	if (scan_string(js, js->view, sizeof(js->view)) == -1)
		return -1;
	*s = js->view;
	*len = strlen(js->view);
	return 0;
}

static int
scan_digits(struct jscan *js)
{
	const unsigned char *s = js->p;

	while (js->p < js->end && *js->p >= '0' && *js->p <= '9')
		js->p++;
	return js->p > s ? 0 : fail(js, "invalid number");
}

/*
 * Range check the way jansson does: long long, or a finite double. Whether
 * a real is finite can hang on its every digit, so one too long for tmp
 * (never seen in a log the milter wrote) is checked from a heap copy.
 */
static int
real_range(struct jscan *js, const unsigned char *s, size_t n)
{
	char tmp[128], *text = tmp, *endp;
	int inf;

	if (n >= sizeof(tmp) && (text = malloc(n + 1)) == NULL)
		return fail(js, "out of memory");
	memcpy(text, s, n);
	text[n] = '\0';
	inf = isinf(strtod(text, &endp));
	if (text != tmp)
		free(text);
	return inf ? fail(js, "number out of range") : 0;
}

static int
number_range(struct jscan *js, const unsigned char *s, int real)
{
	char tmp[128];
	size_t n = (size_t)(js->p - s);
	char *endp;

	if (real)
		return real_range(js, s, n);
	if (n >= sizeof(tmp))
		return fail(js, "integer out of range");
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	errno = 0;
	(void)strtoll(tmp, &endp, 10);
	return errno == ERANGE ? fail(js, "integer out of range") : 0;
}

static int
scan_number(struct jscan *js)
{
	const unsigned char *s = js->p;
	int real = 0;

	if (*js->p == '-')
		js->p++;
	if (js->p < js->end && *js->p == '0')
		js->p++;
	else if (scan_digits(js) == -1)
		return -1;
	if (js->p < js->end && *js->p == '.') {
		js->p++;
		real = 1;
		if (scan_digits(js) == -1)
			return -1;
	}
	if (js->p < js->end && (*js->p == 'e' || *js->p == 'E')) {
		js->p++;
		real = 1;
		if (js->p < js->end && (*js->p == '+' || *js->p == '-'))
			js->p++;
		if (scan_digits(js) == -1)
			return -1;
	}
	return number_range(js, s, real);
}

static int
scan_literal(struct jscan *js, const char *word, size_t n)
{
	if ((size_t)(js->end - js->p) < n || memcmp(js->p, word, n) != 0)
		return fail(js, "invalid literal");
	js->p += n;
	return 0;
}

/* After a member name: the ':' before its value. */
static int
member_colon(struct jscan *js)
{
	skip_ws(js);
	if (js->p >= js->end || *js->p != ':')
		return fail(js, "expected ':'");
	js->p++;
	return 1;
}

/* The next member's name at js->p: 1, or next_item's 0 or -1. */
static int
member_name(struct jscan *js)
{
	int r;

	if ((r = next_item(js, '}')) != 1)
		return r;
	if (js->p >= js->end || *js->p != '"')
		return fail(js, "expected a member name");
	return 1;
}

int
js_member(struct jscan *js, char *key, size_t size)
{
	int r;

	if ((r = member_name(js)) != 1)
		return r;
	return scan_string(js, key, size) == -1 ? -1 : member_colon(js);
}

int
js_member_view(struct jscan *js, const char **key, size_t *len)
{
	int r;

	if ((r = member_name(js)) != 1)
		return r;
	return scan_view(js, key, len) == -1 ? -1 : member_colon(js);
}

int
js_element(struct jscan *js)
{
	return next_item(js, ']');
}

int
js_string(struct jscan *js, char *buf, size_t size)
{
	if (js_peek(js) != JS_STRING)
		return fail(js, "expected a string");
	return scan_string(js, buf, size);
}

int
js_view(struct jscan *js, const char **s, size_t *len)
{
	if (js_peek(js) != JS_STRING)
		return fail(js, "expected a string");
	return scan_view(js, s, len);
}

int
js_string_printable(struct jscan *js, char *buf, size_t size,
    size_t raw_size)
{
	struct dest d = { buf, size - 1, raw_size - 1, 0, 0, 1 };

	if (size == 0 || raw_size < size)
		return fail(js, "bad buffer size");
	if (js_peek(js) != JS_STRING)
		return fail(js, "expected a string");
	return scan_string_to(js, &d);
}

int
js_uint(struct jscan *js, unsigned long *out)
{
	const unsigned char *s;
	unsigned long v = 0;

	if (js_peek(js) != JS_NUMBER)
		return fail(js, "expected a number");
	s = js->p;
	if (scan_number(js) == -1)
		return -1;
	if (*s == '-')
		return fail(js, "expected a non-negative integer");
	for (; s < js->p && *s >= '0' && *s <= '9'; s++)
		v = v > ULONG_MAX / 10 - 1 ? ULONG_MAX : v * 10 + (*s - '0');
	if (s != js->p)
		return fail(js, "expected an integer");
	*out = v;
	return 0;
}

static int
skip_container(struct jscan *js, enum js_type t)
{
	int r;

	if (js_enter(js, t) == -1)
		return -1;
	while ((r = t == JS_OBJECT ? js_member(js, NULL, 0) :
	    js_element(js)) == 1) {
		if (js_skip(js) == -1)
			return -1;
	}
	return r;
}

int
js_skip(struct jscan *js)
{
	switch (js_peek(js)) {
	case JS_OBJECT:
	case JS_ARRAY:
		return skip_container(js, js_peek(js));
	case JS_STRING:
		return scan_string(js, NULL, 0);
	case JS_NUMBER:
		return scan_number(js);
	case JS_TRUE:
		return scan_literal(js, "true", 4);
	case JS_FALSE:
		return scan_literal(js, "false", 5);
	case JS_NULL:
		return scan_literal(js, "null", 4);
	default:
		return -1;
	}
}

int
js_finish(struct jscan *js)
{
	skip_ws(js);
	return js->p == js->end ? 0 : fail(js, "data after the JSON text");
}

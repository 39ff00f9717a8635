/*
 * jsonbuf.c - JSON values into a bounded buffer (see jsonbuf.h).
 *
 * Numbers are written as jansson writes them: integers with
 * JSON_INTEGER_FORMAT, reals with "%.17g" and ".0" added when that looks
 * like an integer. Object members come in jansson's iteration order (the
 * order they were set), as json_dumps without JSON_SORT_KEYS.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonbuf.h"

void
jsonbuf_init(struct jsonbuf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max;
}

void
jsonbuf_free(struct jsonbuf *b)
{
	free(b->buf);
	memset(b, 0, sizeof(*b));
}

static int
reserve(struct jsonbuf *b, size_t n)
{
	size_t	cap;
	char	*p;

	if (b->error != JSONBUF_OK)
		return -1;
	if (n > b->max - b->len) {
		b->error = JSONBUF_TOO_LONG;
		return -1;
	}
	if (b->len + n < b->cap)
		return 0;
	for (cap = b->cap != 0 ? b->cap : 1024; cap <= b->len + n; cap *= 2)
		;
	if ((p = realloc(b->buf, cap)) == NULL) {
		b->error = JSONBUF_NO_MEMORY;
		return -1;
	}
	b->buf = p;
	b->cap = cap;
	return 0;
}

void
jsonbuf_truncate(struct jsonbuf *b, size_t len)
{
	if (len < b->len)
		b->len = len;
	if (b->buf != NULL)
		b->buf[b->len] = '\0';
	b->error = JSONBUF_OK;
}

void
jsonbuf_raw(struct jsonbuf *b, const char *s, size_t n)
{
	if (reserve(b, n) == -1)
		return;
	memcpy(b->buf + b->len, s, n);
	b->len += n;
	b->buf[b->len] = '\0';
}

/*
 * The code point of the UTF-8 sequence at s (n bytes left) and its length;
 * an invalid sequence (overlong, surrogate, beyond U+10FFFF, cut short) is
 * one byte of U+FFFD.
 */
static size_t
utf8_next(const unsigned char *s, size_t n, unsigned long *cp)
{
	static const unsigned long min[5] = { 0, 0, 0x80, 0x800, 0x10000 };
	size_t	len, i;
	unsigned long c = s[0];

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	len = c >= 0xf0 && c < 0xf5 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 ? 2 : 0;
	if (c >= 0xf5)
		len = 0;
	if (len == 0 || len > n)
		goto invalid;
	c &= 0x3f >> (len - 1);
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			goto invalid;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min[len] || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		goto invalid;
	*cp = c;
	return len;
invalid:
	*cp = 0xfffd;
	return 1;
}

static void
escape_u(struct jsonbuf *b, unsigned long cp)
{
	char	esc[16];

	if (cp > 0xffff) {
		cp -= 0x10000;
		snprintf(esc, sizeof(esc), "\\u%04lX\\u%04lX",
		    0xd800 | (cp >> 10), 0xdc00 | (cp & 0x3ff));
	} else
		snprintf(esc, sizeof(esc), "\\u%04lX", cp);
	jsonbuf_raw(b, esc, strlen(esc));
}

/* 1 for the bytes a JSON string carries as they are. */
static inline int
plain(unsigned char c)
{
	return c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
}

void
jsonbuf_string(struct jsonbuf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t	i = 0, run, k;
	unsigned long cp;
	const char *short_esc;

	for (run = 0; run < n && plain(p[run]); run++)
		;
	/* Nothing to escape (the usual case): quotes and text in one copy. */
	if (run == n) {
		if (reserve(b, n + 2) == -1)
			return;
		b->buf[b->len] = '"';
		memcpy(b->buf + b->len + 1, s, n);
		b->buf[b->len + n + 1] = '"';
		b->len += n + 2;
		b->buf[b->len] = '\0';
		return;
	}
	jsonbuf_raw(b, "\"", 1);
	while (i < n) {
		/* the bytes that need nothing, in one copy */
		for (run = i; run < n && plain(p[run]); run++)
			;
		jsonbuf_raw(b, s + i, run - i);
		if ((i = run) == n)
			break;
		k = utf8_next(p + i, n - i, &cp);
		i += k;
		switch (cp) {
		case '"': short_esc = "\\\""; break;
		case '\\': short_esc = "\\\\"; break;
		case '\b': short_esc = "\\b"; break;
		case '\f': short_esc = "\\f"; break;
		case '\n': short_esc = "\\n"; break;
		case '\r': short_esc = "\\r"; break;
		case '\t': short_esc = "\\t"; break;
		default: short_esc = NULL; break;
		}
		if (short_esc != NULL)
			jsonbuf_raw(b, short_esc, 2);
		else
			escape_u(b, cp);
	}
	jsonbuf_raw(b, "\"", 1);
}

/*
 * A real as jansson writes it: "%.17g", ".0" added when that looks like an
 * integer, the exponent without "+" and without leading zeros ("1e300").
 */
static int
real_text(char *num, size_t size, double d)
{
	char	*e, *digits, *nz;
	int	 n = snprintf(num, size, "%.17g", d);

	if (n <= 0 || (size_t)n >= size - 2)
		return -1;
	if ((e = strpbrk(num, "eE")) == NULL) {
		if (strspn(num, "-0123456789") == (size_t)n) {
			memcpy(num + n, ".0", 3);
			n += 2;
		}
		return n;
	}
	digits = e + 1;
	if (*digits == '+')
		memmove(digits, digits + 1, strlen(digits + 1) + 1);
	else if (*digits == '-')
		digits++;
	for (nz = digits; *nz == '0' && nz[1] != '\0'; nz++)
		;
	memmove(digits, nz, strlen(nz) + 1);
	return (int)strlen(num);
}

static void
number(struct jsonbuf *b, const json_t *v)
{
	char	num[64];
	int	n;

	if (json_is_integer(v))
		n = snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
		    json_integer_value(v));
	else
		n = real_text(num, sizeof(num), json_real_value(v));
	if (n > 0 && (size_t)n < sizeof(num))
		jsonbuf_raw(b, num, (size_t)n);
}

static void
value(struct jsonbuf *b, const json_t *v, int depth)
{
	const char *key;
	json_t	*m;
	size_t	 i;

	if (depth > JSONBUF_DEPTH_MAX) {
		if (b->error == JSONBUF_OK)
			b->error = JSONBUF_TOO_DEEP;
		return;
	}
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		jsonbuf_raw(b, "{", 1);
		i = 0;
		json_object_foreach((json_t *)v, key, m) {
			if (i++ > 0)
				jsonbuf_raw(b, ",", 1);
			jsonbuf_string(b, key, strlen(key));
			jsonbuf_raw(b, ":", 1);
			value(b, m, depth + 1);
		}
		jsonbuf_raw(b, "}", 1);
		break;
	case JSON_ARRAY:
		jsonbuf_raw(b, "[", 1);
		for (i = 0; i < json_array_size(v); i++) {
			if (i > 0)
				jsonbuf_raw(b, ",", 1);
			value(b, json_array_get(v, i), depth + 1);
		}
		jsonbuf_raw(b, "]", 1);
		break;
	case JSON_STRING:
		jsonbuf_string(b, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
	case JSON_REAL:
		number(b, v);
		break;
	case JSON_TRUE:
		jsonbuf_raw(b, "true", 4);
		break;
	case JSON_FALSE:
		jsonbuf_raw(b, "false", 5);
		break;
	default:
		jsonbuf_raw(b, "null", 4);
		break;
	}
}

void
jsonbuf_value(struct jsonbuf *b, const json_t *v)
{
	if (v == NULL) {
		if (b->error == JSONBUF_OK)
			b->error = JSONBUF_NO_MEMORY;
		return;
	}
	value(b, v, 0);
}

/*
 * check_jsonbuf.c - the JSON log's writer (jsonbuf.c): strings escaped as
 * jansson escapes them (quotes, backslash, control bytes, every non-ASCII
 * code point, surrogate pairs), invalid UTF-8 never passed through, and
 * whole values byte for byte what json_dumps(JSON_COMPACT |
 * JSON_ENSURE_ASCII) writes; the bound and the depth limit.
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "jsonbuf.h"
#include "unit.h"

struct string_case {
	const char *name;
	const char *in;
	size_t	len;		/* 0: strlen(in) */
	const char *want;
};

static const struct string_case strings[] = {
	{ "plain", "mx1.example.test", 0, "\"mx1.example.test\"" },
	{ "empty", "", 0, "\"\"" },
	{ "quote", "a\"b", 0, "\"a\\\"b\"" },
	{ "backslash", "a\\b", 0, "\"a\\\\b\"" },
	{ "slash stays", "a/b", 0, "\"a/b\"" },
	{ "short escapes", "\b\f\n\r\t", 0, "\"\\b\\f\\n\\r\\t\"" },
	{ "other controls", "\001\037", 0, "\"\\u0001\\u001F\"" },
	{ "NUL inside", "a\0b", 3, "\"a\\u0000b\"" },
	{ "DEL stays", "\177", 0, "\"\177\"" },
	{ "two-byte UTF-8", "caf\xc3\xa9", 0, "\"caf\\u00E9\"" },
	{ "three-byte UTF-8", "\xe2\x82\xac", 0, "\"\\u20AC\"" },
	{ "four-byte: surrogate pair", "\xf0\x9f\x98\x80", 0,
	    "\"\\uD83D\\uDE00\"" },
	{ "U+10FFFF", "\xf4\x8f\xbf\xbf", 0, "\"\\uDBFF\\uDFFF\"" },
	{ "lone continuation byte", "a\x80z", 0, "\"a\\uFFFDz\"" },
	{ "overlong slash", "\xc0\xaf", 0, "\"\\uFFFD\\uFFFD\"" },
	{ "encoded surrogate", "\xed\xa0\x80", 0,
	    "\"\\uFFFD\\uFFFD\\uFFFD\"" },
	{ "beyond U+10FFFF", "\xf4\x90\x80\x80", 0,
	    "\"\\uFFFD\\uFFFD\\uFFFD\\uFFFD\"" },
	{ "cut short at the end", "ab\xe2\x82", 0, "\"ab\\uFFFD\\uFFFD\"" },
	{ "header injection", "x\r\nBcc: a@b", 0, "\"x\\r\\nBcc: a@b\"" },
};

START_TEST(test_jsonbuf_string)
{
	const struct string_case *c = &strings[_i];
	struct jsonbuf b;

	jsonbuf_init(&b, 1024);
	jsonbuf_string(&b, c->in, c->len != 0 ? c->len : strlen(c->in));
	ck_assert_int_eq(b.error, JSONBUF_OK);
	ck_assert_msg(strcmp(b.buf, c->want) == 0, "%s: got %s, want %s",
	    c->name, b.buf, c->want);
	jsonbuf_free(&b);
}
END_TEST

/* Values built by json_loads, written both ways: the same bytes. */
static const char *const values[] = {
	"{}", "[]", "null", "true", "false", "0", "-1", "9223372036854775807",
	"-9223372036854775808", "1.5", "1e+300", "1e-7", "2.5e-300", "0.1",
	"-0.0", "100.0", "123456789012345678901234567890.0",
	"\"\\u0000\\u001f\\\"\\\\/\\u00e9\\ud83d\\ude00\\u007f\"",
	"{\"ts\":\"2026-01-31T10:00:00Z\",\"host\":null,\"event\":\"message\","
	"\"client\":{\"ip\":\"127.0.0.1\",\"ptr\":null,\"helo\":\"x\\ty\"},"
	"\"domains\":[{\"domain\":\"example.test\",\"rcpts\":2,"
	"\"result\":\"would-fail\",\"reasons\":[\"starttls-not-supported\"],"
	"\"policy\":{\"mode\":\"enforce\",\"id\":\"bench1\"}}],"
	"\"aborted\":false}",
	"[[[[1,[2,{\"a\":[3]}]]]],{\"b\":{}},[]]",
	"{\"z\":1,\"a\":2,\"m\":3}",
};

START_TEST(test_jsonbuf_matches_json_dumps)
{
	json_error_t err;
	json_t	*v = json_loads(values[_i], JSON_DECODE_ANY |
	    JSON_ALLOW_NUL, &err);
	struct jsonbuf b;
	char	*want;

	ck_assert_msg(v != NULL, "%s: %s", values[_i], err.text);
	want = json_dumps(v, JSON_COMPACT | JSON_ENSURE_ASCII |
	    JSON_ENCODE_ANY);
	ck_assert_ptr_nonnull(want);
	jsonbuf_init(&b, 4096);
	jsonbuf_value(&b, v);
	ck_assert_int_eq(b.error, JSONBUF_OK);
	ck_assert_msg(strcmp(b.buf, want) == 0, "got %s, want %s", b.buf,
	    want);
	free(want);
	jsonbuf_free(&b);
	json_decref(v);
}
END_TEST

/* Every byte value alone and next to ASCII: the same as jansson's escape. */
START_TEST(test_jsonbuf_every_byte)
{
	struct jsonbuf b;
	char	in[3] = { 'a', (char)_i, 'z' }, *want;
	json_t	*v;

	jsonbuf_init(&b, 64);
	jsonbuf_string(&b, in, 3);
	ck_assert_int_eq(b.error, JSONBUF_OK);
	/* jansson takes only valid UTF-8: compare where it does */
	if ((v = json_stringn(in, 3)) != NULL) {
		want = json_dumps(v, JSON_ENCODE_ANY | JSON_ENSURE_ASCII);
		ck_assert_str_eq(b.buf, want);
		free(want);
		json_decref(v);
	} else
		ck_assert_str_eq(b.buf, "\"a\\uFFFDz\"");
	jsonbuf_free(&b);
}
END_TEST

START_TEST(test_jsonbuf_bound)
{
	struct jsonbuf b;

	jsonbuf_init(&b, 8);
	jsonbuf_string(&b, "123456", 6);	/* 8 bytes with the quotes */
	ck_assert_int_eq(b.error, JSONBUF_OK);
	ck_assert_uint_eq(b.len, 8);
	jsonbuf_raw(&b, "x", 1);
	ck_assert_int_eq(b.error, JSONBUF_TOO_LONG);
	ck_assert_str_eq(b.buf, "\"123456\"");	/* nothing half-written */
	jsonbuf_free(&b);

	/* truncate: back to a shorter text, the error forgotten */
	jsonbuf_init(&b, 8);
	jsonbuf_raw(&b, "abcdef", 6);
	jsonbuf_raw(&b, "xyz", 3);
	ck_assert_int_eq(b.error, JSONBUF_TOO_LONG);
	jsonbuf_truncate(&b, 2);
	ck_assert_int_eq(b.error, JSONBUF_OK);
	ck_assert_str_eq(b.buf, "ab");
	jsonbuf_raw(&b, "c", 1);
	ck_assert_str_eq(b.buf, "abc");
	jsonbuf_truncate(&b, 99);	/* never longer */
	ck_assert_uint_eq(b.len, 3);
	jsonbuf_free(&b);

	/* an escape that would cross the bound is not written */
	jsonbuf_init(&b, 5);
	jsonbuf_string(&b, "\001", 1);
	ck_assert_int_eq(b.error, JSONBUF_TOO_LONG);
	ck_assert_uint_le(b.len, 5);
	jsonbuf_free(&b);
}
END_TEST

START_TEST(test_jsonbuf_depth)
{
	struct jsonbuf b;
	json_t	*top = json_array(), *a = top, *next;
	int	i;

	for (i = 0; i < JSONBUF_DEPTH_MAX + 5; i++) {
		next = json_array();
		json_array_append_new(a, next);
		a = next;
	}
	jsonbuf_init(&b, 1 << 20);
	jsonbuf_value(&b, top);
	ck_assert_int_eq(b.error, JSONBUF_TOO_DEEP);
	jsonbuf_free(&b);
	json_decref(top);

	jsonbuf_init(&b, 16);
	jsonbuf_value(&b, NULL);	/* a record json_pack could not build */
	ck_assert_int_eq(b.error, JSONBUF_NO_MEMORY);
	jsonbuf_free(&b);
}
END_TEST

Suite *
unit_suite(void)
{
	Suite	*s = suite_create("jsonbuf");
	TCase	*tc = tcase_create("core");

	tcase_add_loop_test(tc, test_jsonbuf_string, 0,
	    (int)(sizeof(strings) / sizeof(strings[0])));
	tcase_add_loop_test(tc, test_jsonbuf_matches_json_dumps, 0,
	    (int)(sizeof(values) / sizeof(values[0])));
	tcase_add_loop_test(tc, test_jsonbuf_every_byte, 0, 256);
	tcase_add_test(tc, test_jsonbuf_bound);
	tcase_add_test(tc, test_jsonbuf_depth);
	suite_add_tcase(s, tc);
	return s;
}

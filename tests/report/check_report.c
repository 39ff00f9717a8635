/*
 * check_report.c - unit tests for the pure parts of mtasts-report: UTC
 * time text, the JSON scanner (it must accept exactly what jansson's
 * json_loadb accepts), log record decoding, the PTR registered-domain
 * heuristic, and agg_merge (two parts merged equal one pass, at every cut).
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "printable.h"
#include "recsame.h"
#include "report_agg.h"
#include "report_format.h"
#include "report_jscan.h"
#include "report_record.h"
#include "utctime.h"

struct stamp_case {
	const char *text;
	int	 ok;
	long long want;
};

static const struct stamp_case stamps[] = {
	{ "1970-01-01T00:00:00Z", 1, 0 },
	{ "2026-01-31T10:00:00Z", 1, 1769853600 },
	{ "2026-01-31t10:00:00z", 1, 1769853600 },
	{ "2026-01-31 10:00:00Z", 1, 1769853600 },
	{ "2026-01-31T10:00:00.123456Z", 1, 1769853600 },
	{ "2026-01-31T12:30:00+02:30", 1, 1769853600 },
	{ "2026-01-31T05:00:00-05:00", 1, 1769853600 },
	{ "2024-02-29T00:00:00Z", 1, 1709164800 },
	{ "2000-03-01T00:00:00Z", 1, 951868800 },
	{ "1969-12-31T23:59:59Z", 1, -1 },
	{ "2023-02-29T00:00:00Z", 0, 0 },
	{ "2026-13-01T00:00:00Z", 0, 0 },
	{ "2026-01-31T24:00:00Z", 0, 0 },
	{ "2026-01-31T10:00:00", 0, 0 },
	{ "2026-01-31T10:00:00.Z", 0, 0 },
	{ "2026-01-31T10:00:00+0200", 0, 0 },
	{ "2026-1-31T10:00:00Z", 0, 0 },
	{ "yesterday", 0, 0 },
	{ "", 0, 0 },
};

START_TEST(test_stamp)
{
	const struct stamp_case *c = &stamps[_i];
	long long t = 42;
	int rc = utctime_parse_stamp(c->text, strlen(c->text), &t);

	ck_assert_msg((rc == 0) == c->ok, "%s: rc %d", c->text, rc);
	if (c->ok)
		ck_assert_msg(t == c->want, "%s: got %lld, want %lld", c->text,
		    t, c->want);
}
END_TEST

START_TEST(test_stamp_roundtrip)
{
	char buf[UTCTIME_STAMP_LEN], date[UTCTIME_DATE_LEN];
	long long t, back;

	/* Every day from 1960 to 2100 at 23:59:59 survives format + parse. */
	for (t = -315619201LL; t < 4102444800LL; t += UTCTIME_DAY) {
		utctime_format_stamp(t, buf, sizeof(buf));
		ck_assert_int_eq(utctime_parse_stamp(buf, strlen(buf), &back), 0);
		ck_assert_msg(back == t, "%s: %lld != %lld", buf, back, t);
		utctime_format_date(t, date, sizeof(date));
		ck_assert(strncmp(date, buf, 10) == 0);
	}
}
END_TEST

struct duration_case {
	const char *text;
	int	 ok;
	long long want;
};

static const struct duration_case durations[] = {
	{ "14d", 1, 14 * 86400LL }, { "2w", 1, 14 * 86400LL },
	{ "36h", 1, 36 * 3600LL }, { "30m", 1, 1800 }, { "45s", 1, 45 },
	{ "0d", 1, 0 }, { "d", 0, 0 }, { "14", 0, 0 }, { "14dd", 0, 0 },
	{ "-1d", 0, 0 }, { "1y", 0, 0 }, { "99999999999d", 0, 0 }, { "", 0, 0 },
};

START_TEST(test_duration)
{
	const struct duration_case *c = &durations[_i];
	long long v = -1;
	int rc = utctime_parse_duration(c->text, &v);

	ck_assert_msg((rc == 0) == c->ok, "%s: rc %d", c->text, rc);
	if (c->ok)
		ck_assert_msg(v == c->want, "%s: %lld", c->text, v);
}
END_TEST

START_TEST(test_date)
{
	long long t;

	ck_assert_int_eq(utctime_parse_date("2026-03-02", &t), 0);
	ck_assert(t == 1772409600LL);
	ck_assert_int_eq(utctime_parse_date("2026-03-02T00:00:00Z", &t), -1);
	ck_assert_int_eq(utctime_parse_date("2026-02-30", &t), -1);
	ck_assert(utctime_day(-1) == -1 && utctime_day(86399) == 0);
}
END_TEST

/* Texts on which the scanner and json_loadb must agree. */
static const char *const json_texts[] = {
	"{}", "{\"a\":1}", " {\"a\" : [1, 2.5, -0, 1e3, 1E+2, 0.5e-3]} \n",
	"{\"a\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00\"}",
	"{\"a\":true,\"b\":false,\"c\":null,\"d\":{\"e\":[[],{}]}}",
	"{\"a\":\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"}",
	"{\"a\":1,\"a\":2}", "{\"a\":9223372036854775807}",
	"{\"a\":-9223372036854775808}",
	/* must be rejected */
	"", " ", "{", "}", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "{,}",
	"{\"a\":1 \"b\":2}", "{a:1}", "{'a':1}", "{\"a\":[1,]}", "{\"a\":[,1]}",
	"{\"a\":01}", "{\"a\":1.}", "{\"a\":.5}", "{\"a\":-}", "{\"a\":+1}",
	"{\"a\":1e}", "{\"a\":0x10}", "{\"a\":NaN}", "{\"a\":Infinity}",
	"{\"a\":tru}", "{\"a\":nul}", "{\"a\":True}",
	"{\"a\":9223372036854775808}", "{\"a\":1e400}",
	"{\"a\":\"\\x\"}", "{\"a\":\"\\u12\"}", "{\"a\":\"\\u0000\"}",
	"{\"a\":\"\\ud83d\"}", "{\"a\":\"\\ude00\"}", "{\"a\":\"\\ud83d\\u0041\"}",
	"{\"a\":\"tab\there\"}", "{\"a\":\"nl\nhere\"}", "{\"a\":\"open}",
	"{\"a\":\"\xc3\"}", "{\"a\":\"\xc0\xaf\"}", "{\"a\":\"\xed\xa0\x80\"}",
	"{\"a\":\"\xf5\x80\x80\x80\"}", "{\"a\":\"\xff\"}", "{\"a\":\"\x80\"}",
	"{\"a\":1} x", "{\"a\":1}{}", "{\"a\":1}\v", "\xef\xbb\xbf{}",
};

START_TEST(test_scanner_matches_jansson)
{
	const char *t = json_texts[_i];
	json_error_t e;
	json_t *j = json_loadb(t, strlen(t), 0, &e);
	struct jscan js;
	int ok;

	js_init(&js, t, strlen(t));
	ok = js_peek(&js) == JS_OBJECT && js_skip(&js) == 0 &&
	    js_finish(&js) == 0;
	ck_assert_msg(ok == (j != NULL), "\"%s\": scanner %s, jansson %s", t,
	    ok ? "accepts" : "rejects", j != NULL ? "accepts" : "rejects");
	json_decref(j);
}
END_TEST

START_TEST(test_scanner_decodes)
{
	const char *t = "{\"k\\u0065y\":\"\\u00e9\\ud83d\\ude00x\"}";
	char key[8], val[16], small[4];
	struct jscan js;

	js_init(&js, t, strlen(t));
	ck_assert_int_eq(js_enter(&js, JS_OBJECT), 0);
	ck_assert_int_eq(js_member(&js, key, sizeof(key)), 1);
	ck_assert_str_eq(key, "key");
	ck_assert_int_eq(js_string(&js, val, sizeof(val)), 0);
	ck_assert_str_eq(val, "\xc3\xa9\xf0\x9f\x98\x80x");
	/* Truncation keeps whole UTF-8 sequences only. */
	js_init(&js, t, strlen(t));
	js_enter(&js, JS_OBJECT);
	js_member(&js, key, sizeof(key));
	ck_assert_int_eq(js_string(&js, small, sizeof(small)), 0);
	ck_assert_str_eq(small, "\xc3\xa9");
}
END_TEST

/*
 * Strings for js_string_printable and js_view, which decode straight into
 * the record: each must give what js_string into a buffer followed by
 * printable_copy gave (the decoder before them), at every buffer size.
 */
#define X10	"0123456789"
#define X60	X10 X10 X10 X10 X10 X10
#define X250	X60 X60 X60 X60 X10
static const char *const js_strings[] = {
	"\"\"", "\"plain.example\"", "\"a\\\"b\\\\c\\/d\"",
	"\"ctl\\b\\f\\n\\r\\t\\u0001\\u001f\\u007f\x7f.\"",
	"\"\\u0041\\u00e9\\u20ac\\ud83d\\ude00 caf\xc3\xa9\"",
	"\"" X60 "\xc3\xa9" "\"",		/* a 2-byte char across byte 63 */
	"\"" X60 "xx\xe2\x82\xac" "\"",	/* a 3-byte char across byte 63 */
	"\"" X250 "xxxx\xc3\xa9tail\"",	/* across byte 255 */
	"\"" X250 "xxx\\u00e9tail\"",	/* escaped, across byte 255 */
	"\"" X250 "xxxxx\\ttail\"",		/* one-byte escape at 255 */
	"\"" X250 X250 X250 "\"",		/* 750 bytes */
	/* rejected, as before */
	"\"\\u0000\"", "\"\\ud83d\"", "\"\\ude00x\"", "\"\\ud83d\\u0041\"",
	"\"\\u12\"", "\"\\x\"", "\"tab\there\"", "\"\xc3\"", "\"\xed\xa0\x80\"",
	"\"\xff\"", "\"open", "\"" X250 "\\", "\"\\u00", "",
};

START_TEST(test_string_printable)
{
	static const size_t sizes[] = { 1, 2, 4, 32, 63, 64, 65, 200, 255,
	    256 };
	const char *t = js_strings[_i];
	char raw[REC_NAME_MAX], want[REC_NAME_MAX], got[REC_NAME_MAX];
	struct jscan js;
	int rc_want, rc_got;

	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		js_init(&js, t, strlen(t));
		rc_want = js_string(&js, raw, sizeof(raw));
		printable_copy(want, sizes[k], raw);
		js_init(&js, t, strlen(t));
		memset(got, 'Z', sizeof(got));
		rc_got = js_string_printable(&js, got, sizes[k], sizeof(raw));
		ck_assert_msg(rc_got == rc_want, "%s: rc %d, want %d", t,
		    rc_got, rc_want);
		if (rc_want == 0)
			ck_assert_msg(strcmp(got, want) == 0,
			    "%s size %zu: \"%s\", want \"%s\"", t, sizes[k],
			    got, want);
	}
}
END_TEST

START_TEST(test_string_view)
{
	const char *t = js_strings[_i], *v;
	char want[JS_VIEW_MAX];
	size_t len;
	struct jscan js;
	int rc_want;

	js_init(&js, t, strlen(t));
	rc_want = js_string(&js, want, sizeof(want));
	js_init(&js, t, strlen(t));
	ck_assert_int_eq(js_view(&js, &v, &len), rc_want);
	/* A plain view is the whole string: the caller cuts it if it must. */
	if (rc_want == 0)
		ck_assert_msg(len >= strlen(want) &&
		    memcmp(v, want, strlen(want)) == 0 &&
		    (len == strlen(want) || v != js.view), "%s: view %.*s", t,
		    (int)len, v);
}
END_TEST

/* The first len bytes of t: the second member fails with why. */
static void
second_member_fails(const char *t, size_t len, const char *why)
{
	const char *k;
	size_t n;
	struct jscan js;

	js_init(&js, t, len);
	js_enter(&js, JS_OBJECT);
	ck_assert_int_eq(js_member_view(&js, &k, &n), 1);
	ck_assert_int_eq(js_skip(&js), 0);
	ck_assert_int_eq(js_member_view(&js, &k, &n), -1);
	ck_assert_str_eq(js.error, why);
}

START_TEST(test_member_view)
{
	const char *t = "{\"ts\":1, \"k\\u0065y\" : 2,\"" X60 "xyz\":3}", *k;
	size_t len;
	struct jscan js;

	js_init(&js, t, strlen(t));
	ck_assert_int_eq(js_enter(&js, JS_OBJECT), 0);
	ck_assert_int_eq(js_member_view(&js, &k, &len), 1);
	ck_assert(len == 2 && memcmp(k, "ts", 2) == 0 && k != js.view);
	ck_assert_int_eq(js_skip(&js), 0);
	ck_assert_int_eq(js_member_view(&js, &k, &len), 1);
	ck_assert(len == 3 && memcmp(k, "key", 3) == 0 && k == js.view);
	ck_assert_int_eq(js_skip(&js), 0);
	ck_assert_int_eq(js_member_view(&js, &k, &len), 1);
	ck_assert_uint_eq(len, 63);
	ck_assert_int_eq(js_skip(&js), 0);
	ck_assert_int_eq(js_member_view(&js, &k, &len), 0);
	ck_assert_int_eq(js_finish(&js), 0);
	/* Truncated lines fail at the cut. */
	second_member_fails(t, 8, "expected a member name");
	second_member_fails(t, 11, "unterminated string");
}
END_TEST

#define LINE_HEAD "{\"ts\":\"2026-01-31T10:00:00Z\",\"event\":\"message\","

struct rec_case {
	const char *line;
	int	 ok;
	const char *err;	/* substring of the reason */
};

static const struct rec_case recs[] = {
	{ LINE_HEAD "\"domains\":[]}", 1, NULL },
	{ LINE_HEAD "\"new\":{\"x\":[1,{}]},\"domains\":[]}", 1, NULL },
	{ "{\"event\":\"message\"}", 0, "\"ts\"" },
	{ "{\"ts\":\"2026-01-31T10:00:00Z\"}", 0, "\"event\"" },
	{ "[1]", 0, "not a JSON object" },
	{ LINE_HEAD "\"domains\":[{\"result\":\"pass\"}]}", 0, "no domain" },
	{ LINE_HEAD "\"domains\":[{\"domain\":\"a\",\"result\":\"maybe\"}]}", 0,
	    "unknown result" },
	{ LINE_HEAD "\"domains\":[{\"domain\":\"a\",\"rcpts\":\"2\","
	    "\"result\":\"pass\"}]}", 0, "expected a number" },
	{ LINE_HEAD "\"tls\":\"TLSv1.2\"}", 0, "expected an object" },
	{ LINE_HEAD "\"domains\":[]", 0, "invalid JSON" },
};

START_TEST(test_rec_table)
{
	const struct rec_case *c = &recs[_i];
	static struct rec r;
	char err[REC_ERROR_MAX] = "";
	int rc = rec_parse(c->line, strlen(c->line), &r, err, sizeof(err));

	ck_assert_msg((rc == 0) == c->ok, "%s: rc %d (%s)", c->line, rc, err);
	if (c->err != NULL)
		ck_assert_msg(strstr(err, c->err) != NULL, "%s: reason \"%s\"",
		    c->line, err);
}
END_TEST

/*
 * The fast path: lines of the milter's compact shape take it (fast 0),
 * others are left to the general decoder (fast 1); either way the record
 * is the general decoder's.
 */
#define GEN_CLIENT "\"client\":{\"ip\":\"192.0.2.7\",\"ptr\":\"mail.s.example\"," \
	"\"helo\":\"mail.s.example\"},\"mail_from_domain\":\"S.Example\","
#define GEN_TLS "\"tls\":{\"version\":\"TLSv1.2\",\"cipher\":\"X\",\"bits\":256," \
	"\"sni\":null},\"mx\":{\"name\":\"mx1.example.com\",\"source\":\"config\"},"
#define GEN_DOM(d, res) "{\"domain\":\"" d "\",\"rcpts\":2,\"result\":\"" res \
	"\",\"reasons\":[\"tls-version\",\"odd\"],\"policy\":{\"mode\":\"testing\"," \
	"\"id\":\"7\",\"source\":\"published\"}}"
#define GEN_LINE LINE_HEAD GEN_CLIENT GEN_TLS "\"domains\":[" GEN_DOM("A.example", \
	"would-fail") "," GEN_DOM("b.example", "pass") "],\"aborted\":false}"
#define XX10 "xxxxxxxxxx"
#define XX100 XX10 XX10 XX10 XX10 XX10 XX10 XX10 XX10 XX10 XX10

struct fast_case {
	const char *line;
	int	 fast;		/* rec_parse_fast's result */
};

static const struct fast_case fasts[] = {
	{ GEN_LINE, 0 },
	{ LINE_HEAD "\"client\":{\"ip\":\"1\",\"ptr\":null,\"helo\":\"h\"},"
	    "\"tls\":null,\"mx\":null,\"domains\":[{\"domain\":\"d\","
	    "\"rcpts\":0,\"result\":\"no-policy\",\"reasons\":[],"
	    "\"policy\":null}]}", 0 },
	{ LINE_HEAD "\"tls\":{},\"domains\":[]}", 0 },
	{ "{\"ts\":\"2026-01-31T10:00:00Z\",\"event\":\"other\"}", 0 },
	/* Repeated members: the last one wins, lists add up, as decoded. */
	{ LINE_HEAD "\"ts\":\"2026-02-01T00:00:00Z\",\"domains\":[" GEN_DOM("x",
	    "pass") "],\"domains\":[{\"domain\":\"y\",\"domain\":\"z\","
	    "\"result\":\"pass\",\"reasons\":[\"dnssec\"],\"reasons\":[\"odd\"],"
	    "\"policy\":{\"mode\":\"m\"},\"policy\":{\"id\":\"i\"}}],"
	    "\"tls\":{\"version\":\"a\"},\"tls\":null}", 0 },
	/* Cut where the buffers cut: 255 and 63 bytes. */
	{ LINE_HEAD "\"client\":{\"ptr\":\"" XX100 XX100 XX100 "\"},\"domains\":[{"
	    "\"domain\":\"d\",\"result\":\"pass\",\"policy\":{\"mode\":\""
	    XX100 "\"}}]}", 0 },
	{ LINE_HEAD "\"domains\":[{\"domain\":\"d\",\"result\":\"pass" XX100
	    "\"}]}", 1 },
	{ LINE_HEAD "\"new\":{\"x\":[1,-2,0,{},[],true,false,null,\"s\"]},"
	    "\"domains\":[]}", 0 },
	{ LINE_HEAD "\"domains\":[{\"domain\":\"d\",\"rcpts\":999999999999999999,"
	    "\"result\":\"pass\"}]}", 0 },
	{ LINE_HEAD "\"domains\":[{\"domain\":\"d\",\"rcpts\":9999999999999999999,"
	    "\"result\":\"pass\"}]}", 1 },
	{ LINE_HEAD "\"n\":1.5,\"domains\":[]}", 1 },
	{ LINE_HEAD "\"n\":1e3,\"domains\":[]}", 1 },
	{ LINE_HEAD "\"n\":01,\"domains\":[]}", 1 },
	{ LINE_HEAD "\"domains\":[{\"domain\":\"d\",\"rcpts\":-1,"
	    "\"result\":\"pass\"}]}", 1 },
	{ LINE_HEAD "\"domains\": []}", 1 },
	{ LINE_HEAD "\"domains\":[]} ", 1 },
	{ LINE_HEAD "\"domains\":[]}x", 1 },
	{ LINE_HEAD "\"domains\":[],}", 1 },
	{ LINE_HEAD "\"domains\":[" GEN_DOM("a", "pass") ",]}", 1 },
	{ LINE_HEAD "\"client\":{\"helo\":\"a\\u0041\"}}", 1 },
	{ LINE_HEAD "\"client\":{\"helo\":\"a\x7f\"}}", 1 },
	{ LINE_HEAD "\"client\":{\"helo\":\"\xc3\xa9\"}}", 1 },
	{ LINE_HEAD "\"client\":\"x\"}", 1 },
	{ LINE_HEAD "\"domains\":[{\"domain\":\"\",\"result\":\"pass\"}]}", 1 },
	{ LINE_HEAD "\"domains\":[{\"domain\":\"d\",\"result\":\"maybe\"}]}", 1 },
	{ "{\"ts\":\"yesterday\",\"event\":\"message\"}", 1 },
	{ "{\"event\":\"message\"}", 1 },
	{ " {\"ts\":\"2026-01-31T10:00:00Z\",\"event\":\"message\"}", 1 },
	{ LINE_HEAD "\"x\":[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]}", 1 },
};

START_TEST(test_rec_fast)
{
	const struct fast_case *c = &fasts[_i];
	char why[256];
	int fast;

	ck_assert_msg(rec_same(c->line, strlen(c->line), &fast, why,
	    sizeof(why)), "%s: %s", c->line, why);
	ck_assert_msg(fast == c->fast, "%s: fast path %d", c->line, fast);
}
END_TEST

/* 33 domains: more than REC_DOMAINS_MAX, left to the general decoder. */
START_TEST(test_rec_fast_domains)
{
	char line[8192], why[256];
	size_t n;
	int fast;

	n = (size_t)snprintf(line, sizeof(line), "%s\"domains\":[", LINE_HEAD);
	for (int i = 0; i <= REC_DOMAINS_MAX; i++)
		n += (size_t)snprintf(line + n, sizeof(line) - n, "%s"
		    GEN_DOM("d", "pass"), i > 0 ? "," : "");
	snprintf(line + n, sizeof(line) - n, "]}");
	ck_assert_msg(rec_same(line, strlen(line), &fast, why, sizeof(why)),
	    "%s", why);
	ck_assert_int_eq(fast, 1);
	line[strlen(line) - 2 - strlen(GEN_DOM("d", "pass")) - 1] = '\0';
	strcat(line, "]}");
	ck_assert_msg(rec_same(line, strlen(line), &fast, why, sizeof(why)),
	    "%s", why);
	ck_assert_int_eq(fast, 0);
}
END_TEST

START_TEST(test_rec_fields)
{
	static const char line[] = "{\"ts\":\"2026-01-31T10:00:00Z\","
	    "\"host\":\"mx1\",\"event\":\"message\",\"client\":{\"ip\":"
	    "\"192.0.2.7\",\"ptr\":null,\"helo\":\"a\\r\\nX: y\"},"
	    "\"mail_from_domain\":\"Sender.EXAMPLE\",\"tls\":{\"version\":"
	    "\"TLSv1.1\",\"bits\":256},\"mx\":{\"name\":\"mx1.example.com\"},"
	    "\"domains\":[{\"domain\":\"Example.COM\",\"rcpts\":2,\"result\":"
	    "\"would-fail\",\"reasons\":[\"tls-version\",\"mx-mismatch\","
	    "\"brand-new\"],\"policy\":{\"mode\":\"testing\",\"id\":\"2024\"}},"
	    "{\"domain\":\"example.org\",\"result\":\"no-policy\","
	    "\"policy\":null}]}";
	static struct rec r;
	char err[REC_ERROR_MAX];

	ck_assert_int_eq(rec_parse(line, strlen(line), &r, err, sizeof(err)), 0);
	ck_assert(r.ts == 1769853600 && r.event == REC_MESSAGE && r.tls);
	ck_assert_str_eq(r.ip, "192.0.2.7");
	ck_assert_str_eq(r.ptr, "");
	ck_assert_str_eq(r.helo, "a??X: y");
	ck_assert_str_eq(r.mail_from, "sender.example");
	ck_assert_str_eq(r.tls_version, "TLSv1.1");
	ck_assert_str_eq(r.mx, "mx1.example.com");
	ck_assert_uint_eq(r.ndomains, 2);
	ck_assert_str_eq(r.domains[0].domain, "example.com");
	ck_assert_uint_eq(r.domains[0].rcpts, 2);
	ck_assert_int_eq(r.domains[0].result, VERDICT_WOULD_FAIL);
	ck_assert_uint_eq(r.domains[0].reasons,
	    REASON_TLS_VERSION | REASON_MX_MISMATCH | REC_REASON_OTHER);
	ck_assert_str_eq(r.domains[0].mode, "testing");
	ck_assert_int_eq(r.domains[1].has_policy, 0);
	ck_assert_int_eq(r.domains[1].result, VERDICT_NO_POLICY);
}
END_TEST

struct org_case {
	const char *ptr;
	const char *want;
};

static const struct org_case orgs[] = {
	{ "mail.sender.example", "sender.example" },
	{ "a.b.c.sender.example.", "sender.example" },
	{ "out1.relay.mailhost.co.uk", "mailhost.co.uk" },
	{ "mx.shop.com.au", "shop.com.au" },
	{ "mail.uni.ac.jp", "uni.ac.jp" },
	{ "smtp.agency.gov.br", "agency.gov.br" },
	{ "mail.example.co", "example.co" },
	{ "mail.co.example", "co.example" },
	{ "mail.foo.de", "foo.de" },
	{ "co.uk", "co.uk" },
	{ "mail-sor-f41.google.com", "google.com" },
	{ "MAIL.Example.ORG", "example.org" },
	/* Rules a two-label guess cannot know: a wildcard and its exception. */
	{ "a.b.example.kawasaki.jp", "b.example.kawasaki.jp" },
	{ "mx.city.kawasaki.jp", "city.kawasaki.jp" },
	{ "localhost", "localhost" },
	{ "", "" },
};

START_TEST(test_registered_domain)
{
	char out[64];

	agg_registered_domain(orgs[_i].ptr, out, sizeof(out));
	ck_assert_msg(strcmp(out, orgs[_i].want) == 0, "%s: got %s, want %s",
	    orgs[_i].ptr, out, orgs[_i].want);
}
END_TEST

#define N(a)	((int)(sizeof(a) / sizeof((a)[0])))
#define N_LINES	N(merge_lines)

/* Lines made to hit merge's tie rules when cut anywhere. */
#define MERGE_WF(ts, ip, id) "{\"ts\":\"" ts "\",\"event\":\"message\"," \
	"\"client\":{\"ip\":\"" ip "\",\"ptr\":\"a.b.example\",\"helo\":\"h\"}," \
	"\"mail_from_domain\":\"s.example\",\"tls\":null,\"mx\":{\"name\":" \
	"\"mx\"},\"domains\":[{\"domain\":\"example.com\",\"rcpts\":1," \
	"\"result\":\"would-fail\",\"reasons\":[\"tls-version\"],\"policy\":" \
	"{\"mode\":\"testing\",\"id\":\"" id "\",\"source\":\"published\"}}]}"
static const char *const merge_lines[] = {
	MERGE_WF("2026-01-02T00:00:00Z", "192.0.2.1", "a"),
	"not json",
	MERGE_WF("1970-01-01T00:00:00Z", "192.0.2.2", "b"),
	MERGE_WF("2026-01-02T00:00:00Z", "192.0.2.3", "c"),
	MERGE_WF("2026-01-01T00:00:00Z", "192.0.2.1", "d"),
	"{\"ts\":\"2026-01-03T00:00:00Z\"}",
	MERGE_WF("2026-01-02T00:00:00Z", "192.0.2.4", "e"),
	MERGE_WF("2026-01-02T00:00:00Z", "192.0.2.5", "f"),
	"[]", "1", "{}",
	MERGE_WF("2026-01-05T00:00:00Z", "192.0.2.6", "g"),
	/* past AGG_LIST_CAP distinct IPs */
	MERGE_WF("2026-01-03T00:00:00Z", "192.0.2.7", "x"),
	MERGE_WF("2026-01-04T00:00:00Z", "192.0.2.8", "x"),
	MERGE_WF("2026-01-05T00:00:00Z", "192.0.2.9", "x"),
	MERGE_WF("2026-01-06T00:00:00Z", "192.0.2.10", "x"),
	MERGE_WF("2026-01-03T00:00:00Z", "192.0.2.11", "x"),
	MERGE_WF("2026-01-04T00:00:00Z", "192.0.2.12", "x"),
	MERGE_WF("2026-01-05T00:00:00Z", "192.0.2.13", "x"),
	MERGE_WF("2026-01-06T00:00:00Z", "192.0.2.14", "x"),
	MERGE_WF("2026-01-03T00:00:00Z", "192.0.2.15", "x"),
	MERGE_WF("2026-01-04T00:00:00Z", "192.0.2.16", "x"),
	MERGE_WF("2026-01-05T00:00:00Z", "192.0.2.17", "x"),
	MERGE_WF("2026-01-06T00:00:00Z", "192.0.2.18", "x"),
	MERGE_WF("2026-01-03T00:00:00Z", "192.0.2.19", "x"),
	MERGE_WF("2026-01-04T00:00:00Z", "192.0.2.20", "x"),
	MERGE_WF("2026-01-06T00:00:00Z", "192.0.2.6", "h"),
};

static void
merge_feed(struct agg *a, int from, int to)
{
	static struct rec r;
	char err[REC_ERROR_MAX];

	for (int i = from; i < to; i++) {
		a->lines++;
		if (rec_parse(merge_lines[i], strlen(merge_lines[i]), &r, err,
		    sizeof(err)) == -1)
			agg_malformed(a, "f", (unsigned long)(i - from + 1), err);
		else
			agg_add(a, &r);
	}
}

/* What the formats read of an aggregate, as text. */
static char *
merge_print(const struct agg *a)
{
	char *buf = NULL;
	size_t len = 0, n;
	FILE *f = open_memstream(&buf, &len);
	struct dom_stat **d = agg_domains(a, &n);
	struct org **o;
	size_t no;

	fprintf(f, "%lu %lu %lu %lld %lld %d\n", a->lines, a->records,
	    a->malformed, a->first, a->last, a->seen);
	for (unsigned long i = 0; i < a->malformed && i < AGG_EXAMPLES; i++)
		fprintf(f, "%lu %s\n", a->examples[i].line, a->examples[i].why);
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "%s %lu %s %lld %zu\n", d[i]->name,
		    d[i]->msgs[VERDICT_WOULD_FAIL], d[i]->id, d[i]->policy_ts,
		    d[i]->ndays);
		o = agg_failing(d[i], &no);
		for (size_t k = 0; k < no; k++) {
			fprintf(f, "%lld %lld %d:", o[k]->first, o[k]->last,
			    o[k]->ips.more);
			for (size_t j = 0; j < o[k]->ips.n; j++)
				fprintf(f, " %s", o[k]->ips.v[j]);
			fprintf(f, "\n");
		}
		free(o);
	}
	free(d);
	fclose(f);
	return buf;
}

START_TEST(test_merge_cut)
{
	int n = N_LINES, cut = _i;
	struct agg one, a, b;
	char *want, *got;

	agg_init(&one);
	merge_feed(&one, 0, n);
	want = merge_print(&one);
	agg_init(&a);
	merge_feed(&a, 0, cut);
	agg_init_like(&b, &a);
	merge_feed(&b, cut, n);
	ck_assert_int_eq(agg_merge(&a, &b, (unsigned long)cut), 0);
	got = merge_print(&a);
	ck_assert_msg(strcmp(want, got) == 0, "cut at %d:\n%s\nwant:\n%s", cut,
	    got, want);
	free(want);
	free(got);
	agg_free(&one);
	agg_free(&a);
}
END_TEST

/*
 * The JSON report's domains written directly are the bytes of the jansson
 * tree, for every domain of the merge lines and of generated-like lines
 * (several senders, days, reasons, a long sender list, --top 0, 1, 10).
 */
START_TEST(test_json_domain)
{
	static const size_t tops[] = { 0, 1, 10 };
	struct report_opts o = { tops[_i], 0, "", "", 1 };
	struct agg a;
	struct dom_stat **d;
	char *want, *got;
	size_t n;

	agg_init(&a);
	merge_feed(&a, 0, N_LINES);
	for (size_t k = 0; k < N(fasts); k++) {
		static struct rec r;
		char err[REC_ERROR_MAX];

		if (rec_parse(fasts[k].line, strlen(fasts[k].line), &r, err,
		    sizeof(err)) == 0)
			agg_add(&a, &r);
	}
	/* Shares of a third: 33.329999999999998 at %.17g. */
	for (int k = 0; k < 3; k++) {
		static struct rec r;
		char line[1024], err[REC_ERROR_MAX];

		snprintf(line, sizeof(line), LINE_HEAD "\"mail_from_domain\":"
		    "\"s%d.example\",\"domains\":[" GEN_DOM("third.example",
		    "%s") "]}", k, k == 0 ? "would-fail" : "pass");
		ck_assert_int_eq(rec_parse(line, strlen(line), &r, err,
		    sizeof(err)), 0);
		agg_add(&a, &r);
	}
	d = agg_domains(&a, &n);
	ck_assert_uint_gt(n, 3);
	for (size_t i = 0; i < n; i++) {
		want = report_json_domain_tree(&a, d[i], &o);
		got = report_json_domain(&a, d[i], &o);
		ck_assert_ptr_nonnull(want);
		ck_assert_ptr_nonnull(got);
		ck_assert_msg(strcmp(want, got) == 0, "%s:\n%s\nwant:\n%s",
		    d[i]->name, got, want);
		free(want);
		free(got);
	}
	free(d);
	agg_free(&a);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("report");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_loop_test(tc, test_stamp, 0, N(stamps));
	tcase_add_test(tc, test_stamp_roundtrip);
	tcase_add_loop_test(tc, test_duration, 0, N(durations));
	tcase_add_test(tc, test_date);
	tcase_add_loop_test(tc, test_scanner_matches_jansson, 0,
	    N(json_texts));
	tcase_add_test(tc, test_scanner_decodes);
	tcase_add_loop_test(tc, test_string_printable, 0, N(js_strings));
	tcase_add_loop_test(tc, test_string_view, 0, N(js_strings));
	tcase_add_test(tc, test_member_view);
	tcase_add_loop_test(tc, test_rec_table, 0, N(recs));
	tcase_add_test(tc, test_rec_fields);
	tcase_add_loop_test(tc, test_rec_fast, 0, N(fasts));
	tcase_add_test(tc, test_rec_fast_domains);
	tcase_add_loop_test(tc, test_registered_domain, 0, N(orgs));
	tcase_add_loop_test(tc, test_merge_cut, 0, N_LINES + 1);
	tcase_add_loop_test(tc, test_json_domain, 0, 3);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/*
 * check_received.c - unit tests for the pure parts of mtasts-report
 * received: the report reader (tlsrpt_read) on a table of reports with
 * every accepted quirk and every rejection, the bounded gunzip (gzip_buf)
 * on good, truncated, corrupt and oversized streams, and registered
 * domains by the Public Suffix List (regdomain), and the read-only lookup
 * of the report's hash table (strmap_get).
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "gzip_buf.h"
#include "regdomain.h"
#include "report_map.h"
#include "tlsrpt_read.h"

#define RANGE "\"date-range\":{\"start-datetime\":\"2026-03-02T00:00:00Z\"," \
	"\"end-datetime\":\"2026-03-02T23:59:59Z\"}"
#define HEAD "{\"organization-name\":\"Org\",\"report-id\":\"id1\"," RANGE ","

struct read_case {
	const char *json;
	const char *error;	/* NULL: accepted */
};

static const struct read_case reads[] = {
	{ HEAD "\"policies\":[]}", NULL },
	{ HEAD "\"contact-info\":null,\"policies\":[]}", NULL },
	{ HEAD "\"policies\":[{}]}", NULL },
	{ HEAD "\"policies\":[{\"policy\":{\"policy-type\":\"x\"},"
	    "\"failure-details\":[1,{}]}]}", NULL },
	{ "{\"organization-name\":\"Org\",\"report-id\":7," RANGE
	    ",\"policies\":[]}", NULL },
	{ "{\"organization-name\":\"O\",\"report-id\":\"i\",\"date-range\":"
	    "{\"start-datetime\":\"2026-03-02T00:00:00+0000\",\"end-datetime\":"
	    "\"2026-03-02T23:59:59.000-0130\"},\"policies\":[]}", NULL },
	{ "{\"organization-name\":\"O\",\"report-id\":\"i\",\"date-range\":"
	    "{\"start-datetime\":\"2026-03-02T00:00:00+00\",\"end-datetime\":"
	    "\"2026-03-02T00:00:00Z\"},\"policies\":[]}",
	    "date-range start-datetime \"2026-03-02T00:00:00+00\" is not an "
	    "RFC 3339 date-time" },
	{ "{\"report-id\":\"id\"," RANGE ",\"policies\":[]}",
	    "missing organization-name" },
	{ "{\"organization-name\":null,\"report-id\":\"id\"," RANGE
	    ",\"policies\":[]}", "missing organization-name" },
	{ "{\"organization-name\":[],\"report-id\":\"id\"," RANGE
	    ",\"policies\":[]}", "organization-name is not a string" },
	{ "{\"organization-name\":\"O\"," RANGE ",\"policies\":[]}",
	    "missing report-id" },
	{ "{\"organization-name\":\"O\",\"report-id\":1.5," RANGE
	    ",\"policies\":[]}", "report-id is not a string" },
	{ "{\"organization-name\":\"O\",\"report-id\":\"i\",\"policies\":[]}",
	    "missing date-range" },
	{ "{\"organization-name\":\"O\",\"report-id\":\"i\",\"date-range\":1,"
	    "\"policies\":[]}", "date-range is not an object" },
	{ "{\"organization-name\":\"O\",\"report-id\":\"i\",\"date-range\":"
	    "{\"end-datetime\":\"2026-03-02T00:00:00Z\"},\"policies\":[]}",
	    "date-range has no start-datetime" },
	{ "{\"organization-name\":\"O\",\"report-id\":\"i\",\"date-range\":"
	    "{\"start-datetime\":5,\"end-datetime\":\"2026-03-02T00:00:00Z\"},"
	    "\"policies\":[]}", "date-range start-datetime is not a string" },
	{ "{\"organization-name\":\"O\",\"report-id\":\"i\",\"date-range\":"
	    "{\"start-datetime\":\"2026-03-02\",\"end-datetime\":"
	    "\"2026-03-02T00:00:00Z\"},\"policies\":[]}",
	    "date-range start-datetime \"2026-03-02\" is not an RFC 3339 "
	    "date-time" },
	{ HEAD "\"x\":1}", "missing policies" },
	{ HEAD "\"policies\":\"none\"}", "policies is not an array" },
	{ HEAD "\"policies\":[[]]}", "policies[0] is not an object" },
	{ "[]", "the JSON text is not an object" },
	{ "\n<?xml version=\"1.0\"?><feedback/>",
	    "XML, not JSON (a DMARC report, not TLS-RPT?)" },
	{ "", "not JSON: line 1 column 0: '[' or '{' expected near end of "
	    "file" },
	{ "[[[[[[[[[[[[[[[[[", "JSON nested deeper than 16 levels" },
	{ "{\"x\":\"[[[[[[[[[[[[[[[[[[[[\"}", "missing organization-name" },
};

START_TEST(test_read_table)
{
	const struct read_case *c = &reads[_i];
	struct tlsrpt_report r;
	char err[TLSRPT_ERROR_MAX] = "";
	int rc = tlsrpt_read((const unsigned char *)c->json, strlen(c->json),
	    &r, err, sizeof(err));

	if (c->error == NULL) {
		ck_assert_msg(rc == 0, "%s: rejected: %s", c->json, err);
		tlsrpt_free(&r);
	} else {
		ck_assert_msg(rc == -1, "%s: accepted", c->json);
		ck_assert_msg(strcmp(err, c->error) == 0, "%s: got \"%s\", "
		    "want \"%s\"", c->json, err, c->error);
	}
}
END_TEST

START_TEST(test_read_quirks)
{
	static const char json[] = "{\"organization-name\":\"Org\\u0001\","
	    "\"report-id\":\"r\",\"contact-info\":\"a@b.example\","
	    "\"date-range\":{\"start-datetime\":\"2026-03-02T00:00:00\","
	    "\"end-datetime\":\"2026-03-02T23:59:59\"},\"policies\":["
	    "{\"policy\":{\"policy-type\":\"STS\",\"policy-string\":"
	    "[\"version: STSv1\\r\",\"mode:  Enforce\\r\"],\"policy-domain\":"
	    "\"Example.TEST.\",\"mx-host\":\"*.example.test\"},\"summary\":"
	    "{\"total-successful-session-count\":\"12\","
	    "\"total-failure-session-count\":2.0},\"failure-details\":["
	    "{\"result-type\":\"validation-failure\",\"sending-mta-ip\":\"\","
	    "\"failed-session-count\":4},{\"failed-session-count\":-3}]},"
	    "{\"policy\":{\"policy-type\":\"tlsa\",\"policy-string\":"
	    "\"[\\\"3 1 1 AB\\\",\\\"3 1 1 CD\\\"]\"}}]}";
	struct tlsrpt_report r;
	char err[TLSRPT_ERROR_MAX];
	const struct tlsrpt_policy *p;

	ck_assert_int_eq(tlsrpt_read((const unsigned char *)json,
	    strlen(json), &r, err, sizeof(err)), 0);
	ck_assert_str_eq(r.org, "Org?");
	ck_assert_str_eq(r.contact, "a@b.example");
	ck_assert(r.start == 1772409600LL && r.end == 1772495999LL);
	ck_assert_uint_eq(r.npolicies, 2);
	p = &r.policies[0];
	ck_assert_str_eq(p->type, "sts");
	ck_assert_str_eq(p->domain, "example.test");
	ck_assert_str_eq(p->mode, "enforce");
	ck_assert_str_eq(p->strings[0], "version: STSv1");
	ck_assert_uint_eq(p->nmx, 1);
	ck_assert_str_eq(p->mx_host[0], "*.example.test");
	ck_assert_uint_eq(p->successful, 12);
	ck_assert_uint_eq(p->failed, 2);
	ck_assert_uint_eq(p->nfailures, 2);
	ck_assert_uint_eq(p->failed_in_details, 4);
	ck_assert_ptr_null(p->failures[0].sending_ip);
	ck_assert_str_eq(p->failures[1].result_type, "unknown");
	p = &r.policies[1];
	ck_assert_uint_eq(p->nstrings, 2);
	ck_assert_str_eq(p->strings[1], "3 1 1 CD");
	ck_assert_ptr_null(p->domain);
	tlsrpt_free(&r);
}
END_TEST

/* A report of n copies of item in policies (or in one policy's details). */
static char *
repeated(const char *head, const char *item, size_t n, const char *tail)
{
	size_t len = strlen(head) + n * (strlen(item) + 1) + strlen(tail) + 1;
	char *s = malloc(len), *p = s;

	p += sprintf(p, "%s", head);
	for (size_t i = 0; i < n; i++)
		p += sprintf(p, "%s%s", i > 0 ? "," : "", item);
	sprintf(p, "%s", tail);
	return s;
}

START_TEST(test_read_bounds)
{
	static const struct {
		const char *head, *item, *tail;
		size_t	 n;
		const char *error;
	} cases[] = {
		{ HEAD "\"policies\":[", "{}", "]}", 1000, NULL },
		{ HEAD "\"policies\":[", "{}", "]}", 1001,
		    "more than 1000 policies" },
		{ HEAD "\"policies\":[{},{\"failure-details\":[", "{}",
		    "]}]}", 10000, NULL },
		{ HEAD "\"policies\":[{},{\"failure-details\":[", "{}",
		    "]}]}", 10001,
		    "policies[1]: more than 10000 failure-details" },
	};
	struct tlsrpt_report r;
	char err[TLSRPT_ERROR_MAX];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *json = repeated(cases[i].head, cases[i].item, cases[i].n,
		    cases[i].tail);
		int rc = tlsrpt_read((const unsigned char *)json,
		    strlen(json), &r, err, sizeof(err));

		if (cases[i].error == NULL) {
			ck_assert_msg(rc == 0, "case %zu: %s", i, err);
			tlsrpt_free(&r);
		} else {
			ck_assert_int_eq(rc, -1);
			ck_assert_str_eq(err, cases[i].error);
		}
		free(json);
	}
}
END_TEST

static unsigned char *
gzipped(const char *text, size_t len, size_t *outlen)
{
	z_stream z;
	unsigned char *out = malloc(len + 1024);

	memset(&z, 0, sizeof(z));
	ck_assert(deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 8,
	    Z_DEFAULT_STRATEGY) == Z_OK);
	z.next_in = (unsigned char *)(uintptr_t)text;
	z.avail_in = (uInt)len;
	z.next_out = out;
	z.avail_out = (uInt)(len + 1024);
	ck_assert(deflate(&z, Z_FINISH) == Z_STREAM_END);
	*outlen = z.total_out;
	deflateEnd(&z);
	return out;
}

START_TEST(test_gzip)
{
	char *zeros = calloc(1, 300000);
	unsigned char *gz, *out;
	size_t gzlen, outlen;
	char err[200];

	gz = gzipped("{\"a\":1}", 7, &gzlen);
	ck_assert(gzip_buf_is_gzip(gz, gzlen));
	ck_assert_int_eq(gzip_buf_inflate(gz, gzlen, 100, &out, &outlen, err,
	    sizeof(err)), 0);
	ck_assert_uint_eq(outlen, 7);
	ck_assert_str_eq((char *)out, "{\"a\":1}");
	free(out);
	ck_assert_int_eq(gzip_buf_inflate(gz, gzlen, 7, &out, &outlen, err,
	    sizeof(err)), 0);
	free(out);
	ck_assert_int_eq(gzip_buf_inflate(gz, gzlen, 6, &out, &outlen, err,
	    sizeof(err)), -1);
	ck_assert_str_eq(err, "decompresses to more than 6 bytes (gzip "
	    "bomb?): not expanded further");
	ck_assert_int_eq(gzip_buf_inflate(gz, gzlen - 4, 100, &out, &outlen,
	    err, sizeof(err)), -1);
	ck_assert_str_eq(err, "truncated gzip data (unexpected end)");
	gz[12] ^= 0xff;
	ck_assert_int_eq(gzip_buf_inflate(gz, gzlen, 100, &out, &outlen, err,
	    sizeof(err)), -1);
	ck_assert_msg(strncmp(err, "corrupt gzip data", 17) == 0, "%s", err);
	free(gz);
	gz = gzipped(zeros, 300000, &gzlen);
	ck_assert_int_eq(gzip_buf_inflate(gz, gzlen, 200000, &out, &outlen,
	    err, sizeof(err)), -1);
	ck_assert_int_eq(gzip_buf_inflate(gz, gzlen, 300000, &out, &outlen,
	    err, sizeof(err)), 0);
	ck_assert_uint_eq(outlen, 300000);
	free(out);
	free(gz);
	free(zeros);
	ck_assert(!gzip_buf_is_gzip((const unsigned char *)"{", 1));
}
END_TEST

/* gzip_buf_head: the first n bytes, whether the stream is long, short,
 * cut or a bomb; an error only when nothing inflates. */
START_TEST(test_gzip_head)
{
	char *text = malloc(300000);
	unsigned char *gz, *out;
	size_t gzlen, outlen;

	for (size_t i = 0; i < 300000; i++)
		text[i] = (char)('a' + i % 26);
	gz = gzipped(text, 300000, &gzlen);
	ck_assert_int_eq(gzip_buf_head(gz, gzlen, 4096, &out, &outlen), 0);
	ck_assert_uint_eq(outlen, 4096);
	ck_assert(memcmp(out, text, 4096) == 0 && out[4096] == '\0');
	free(out);
	ck_assert_int_eq(gzip_buf_head(gz, gzlen, 300000, &out, &outlen), 0);
	ck_assert_uint_eq(outlen, 300000);
	free(out);
	ck_assert_int_eq(gzip_buf_head(gz, gzlen / 2, 300000, &out, &outlen),
	    0);		/* cut: what was there */
	ck_assert(outlen > 0 && outlen < 300000);
	ck_assert(memcmp(out, text, outlen) == 0);
	free(out);
	free(gz);
	gz = gzipped("From x", 6, &gzlen);
	ck_assert_int_eq(gzip_buf_head(gz, gzlen, 4096, &out, &outlen), 0);
	ck_assert_uint_eq(outlen, 6);
	ck_assert_str_eq((char *)out, "From x");
	free(out);
	gz[10] ^= 0xff;		/* the first deflate block */
	gz[11] ^= 0xff;
	ck_assert_int_eq(gzip_buf_head(gz, gzlen, 4096, &out, &outlen), -1);
	ck_assert_int_eq(gzip_buf_head(gz, 5, 4096, &out, &outlen), -1);
	free(gz);
	free(text);
}
END_TEST

static const struct {
	const char *host, *want;
} regs[] = {
	{ "mail-sor-f41.google.com", "google.com" },
	{ "MAIL.Example.CO.UK.", "example.co.uk" },
	{ "mail-eopbgr.outbound.protection.outlook.com", "outlook.com" },
	{ "example.com", "example.com" },
	{ "com", "" },
	{ "192.0.2.1", "" },
	{ "[192.0.2.1]", "" },
	{ "", "" },
	{ "a b.example.com", "" },
};

START_TEST(test_regdomain)
{
	char out[256];

	regdomain_of(regs[_i].host, out, sizeof(out));
	ck_assert_msg(strcmp(out, regs[_i].want) == 0, "%s: got \"%s\", want "
	    "\"%s\"", regs[_i].host, out, regs[_i].want);
}
END_TEST

START_TEST(test_strmap_get)
{
	static const char *const keys[] = {
		"192.0.2.1", "2001:db8::1", "198.51.100.7", ""
	};
	struct strmap m;
	char key[32];

	strmap_init(&m);
	ck_assert_ptr_null(strmap_get(&m, "x", 1));
	for (size_t i = 0; i < 4; i++)
		*strmap_slot(&m, keys[i], strlen(keys[i])) = (void *)keys[i];
	for (int i = 0; i < 200; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		*strmap_slot(&m, key, strlen(key)) = &m;
	}
	for (size_t i = 0; i < 4; i++)
		ck_assert_ptr_eq(strmap_get(&m, keys[i], strlen(keys[i])),
		    keys[i]);
	ck_assert_ptr_eq(strmap_get(&m, "k199", 4), &m);
	ck_assert_ptr_null(strmap_get(&m, "192.0.2.10", 10));
	ck_assert_ptr_null(strmap_get(&m, "192.0.2.1", 8));
	ck_assert_uint_eq(m.count, 204);
	strmap_free(&m, NULL);
}
END_TEST

#define N(a)	((int)(sizeof(a) / sizeof((a)[0])))

int
main(void)
{
	Suite *s = suite_create("received");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_loop_test(tc, test_read_table, 0, N(reads));
	tcase_add_test(tc, test_read_quirks);
	tcase_add_test(tc, test_read_bounds);
	tcase_add_test(tc, test_gzip);
	tcase_add_test(tc, test_gzip_head);
	tcase_add_loop_test(tc, test_regdomain, 0, N(regs));
	tcase_add_test(tc, test_strmap_get);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

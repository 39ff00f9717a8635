/*
 * check_auditjson.c - the JSON record written as text (auditjson.c) is
 * byte for byte what json_dumps wrote of the jansson tree the record used
 * to be (recordtree.c): for a table of records (plaintext and TLS
 * sessions, a connection without a message, skipped, dropped domains,
 * drafts with and without a published policy, pending and completed
 * entries, text with quotes and backslashes, empty text as null, 100
 * domains), and for 20,000 records made from seeded random bytes; the
 * DESIGN.md 8 example exactly; the places of the entries, and a record
 * put back together with completed entries as pendrec writes it.
 */
#include "config.h"

#include <check.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "auditjson.h"
#include "recordgen.h"
#include "unit.h"

static struct recordgen *
gen_new(void)
{
	struct recordgen *g = calloc(1, sizeof(*g));

	ck_assert_ptr_nonnull(g);
	return g;
}

static void
assert_same(const struct recordgen *g, const char *name)
{
	char	*want = NULL, *got = NULL;
	const char *what = recordgen_differs(g, &want, &got);

	ck_assert_msg(what == NULL, "%s: %s differs:\n tree %.1000s\n text %.1000s",
	    name, what, want, got);
}

/* The DESIGN.md 8 example, and its facts for the other cases to vary. */
static void
example(struct recordgen *g)
{
	struct conn_ctx *c = &g->c;

	memset(g, 0, sizeof(*g));
	c->msg.domains = g->domains;
	c->msg.domains_cap = CTX_RCPT_DOMAINS_MAX;
	strcpy(g->ts, "2026-01-31T10:00:00Z");
	strcpy(g->host, "mx1.example.com");
	strcpy(g->mx_name, "mx1.example.com");
	c->msg.active = 1;
	strcpy(c->msg.queue_id, "4XyZ12");
	strcpy(c->client_ip, "192.0.2.7");
	strcpy(c->client_ptr, "mail.sender.example");
	strcpy(c->helo, "mail.sender.example");
	c->msg.has_from_domain = 1;
	strcpy(c->msg.from_domain, "sender.example");
	c->tls.present = 1;
	strcpy(c->tls.version, "TLSv1.1");
	strcpy(c->tls.cipher, "ECDHE-RSA-AES256-SHA");
	c->tls.bits = 256;
	strcpy(c->msg.domains[0].domain, "example.com");
	strcpy(g->id[0], "20240101");
	g->sd[0].id = g->id[0];
	g->sd[0].source = POLICY_SOURCE_PUBLISHED;
	g->ev[0] = (struct audit_domain){ .domain = c->msg.domains[0].domain,
	    .rcpts = 2, .sd = &g->sd[0],
	    .v = { VERDICT_WOULD_FAIL, REASON_TLS_VERSION, STS_MODE_TESTING } };
	g->rec = (struct auditjson_record){ .ts = g->ts, .host = g->host,
	    .event = "message", .c = c, .mx_name = g->mx_name,
	    .mx_source = "config", .domains = g->ev, .n = 1 };
}

static const char example_text[] =
    "{\"ts\":\"2026-01-31T10:00:00Z\",\"host\":\"mx1.example.com\","
    "\"event\":\"message\",\"queue_id\":\"4XyZ12\","
    "\"client\":{\"ip\":\"192.0.2.7\",\"ptr\":\"mail.sender.example\","
    "\"helo\":\"mail.sender.example\"},"
    "\"mail_from_domain\":\"sender.example\","
    "\"tls\":{\"version\":\"TLSv1.1\",\"cipher\":\"ECDHE-RSA-AES256-SHA\","
    "\"bits\":256,\"client_cert_subject\":null,\"client_cert_issuer\":null,"
    "\"sni\":null},\"mx\":{\"name\":\"mx1.example.com\",\"source\":\"config\"},"
    "\"domains\":[{\"domain\":\"example.com\",\"rcpts\":2,"
    "\"result\":\"would-fail\",\"reasons\":[\"tls-version\"],"
    "\"policy\":{\"mode\":\"testing\",\"id\":\"20240101\","
    "\"source\":\"published\"}}],\"aborted\":false}";

START_TEST(test_design_example)
{
	struct recordgen *g = gen_new();
	struct jsonbuf b;

	example(g);
	jsonbuf_init(&b, 65536);
	auditjson_record(&b, &g->rec, NULL);
	ck_assert_int_eq(b.error, JSONBUF_OK);
	ck_assert_str_eq(b.buf, example_text);
	assert_same(g, "example");
	jsonbuf_free(&b);
	free(g);
}
END_TEST

static void
vary_plaintext(struct recordgen *g)
{
	memset(&g->c.tls, 0, sizeof(g->c.tls));
	g->ev[0].v = (struct verdict){ VERDICT_WOULD_FAIL,
	    REASON_STARTTLS_NOT_SUPPORTED, STS_MODE_ENFORCE };
}

static void
vary_tls_all(struct recordgen *g)
{
	g->c.tls.bits = 0;
	strcpy(g->c.tls.cert_subject, "CN=client, O=\"Q\"");
	strcpy(g->c.tls.cert_issuer, "CN=ca\\x");
	strcpy(g->c.tls.sni, "mx1.example.com");
}

static void
vary_no_bits_cipher(struct recordgen *g)
{
	g->c.tls.bits = -1;
	g->c.tls.cipher[0] = '\0';
}

static void
vary_connection(struct recordgen *g)
{
	g->c.msg.active = 0;
	g->rec.event = "connection";
}

static void
vary_empty_as_null(struct recordgen *g)
{
	g->host[0] = g->mx_name[0] = g->c.msg.queue_id[0] = '\0';
	g->c.client_ip[0] = g->c.client_ptr[0] = g->c.helo[0] = '\0';
	g->sd[0].id = NULL;
}

static void
vary_from_empty(struct recordgen *g)
{
	g->c.msg.from_domain[0] = '\0';	/* has_from_domain: "" stays "" */
}

static void
vary_no_from(struct recordgen *g)
{
	g->c.msg.has_from_domain = 0;
}

static void
vary_skipped(struct recordgen *g)
{
	g->rec.skipped = "authenticated";
	g->rec.n = 0;
	g->rec.aborted = 1;
}

static void
vary_dropped(struct recordgen *g)
{
	g->c.msg.domains_dropped = 4000000000UL;
}

/* Every integer at its type's ends: written as "%lld" writes them. */
static void
vary_extreme_numbers(struct recordgen *g)
{
	g->c.tls.bits = LONG_MAX;
	g->c.msg.domains_dropped = ULONG_MAX;
	g->ev[0].rcpts = UINT_MAX;
}

static void
vary_small_numbers(struct recordgen *g)
{
	g->c.tls.bits = LONG_MIN;
	g->c.msg.domains_dropped = 9;
	g->ev[0].rcpts = 10;
}

static void
vary_escapes(struct recordgen *g)
{
	strcpy(g->c.helo, "\"quoted\" \\back\\ {}[]:,/");
	strcpy(g->c.client_ptr, "?~ \x7e");
}

static void
vary_policy_flags(struct recordgen *g)
{
	g->sd[0].body_changed = 1;
	g->sd[0].lenient = 1;
	g->sd[0].source = POLICY_SOURCE_CACHED;
	g->ev[0].v.reasons = (1u << REASON_COUNT) - 1;
}

static void
vary_policy_error(struct recordgen *g)
{
	g->ev[0].v = (struct verdict){ VERDICT_POLICY_ERROR,
	    REASON_STS_POLICY_INVALID, STS_MODE_UNSET };
}

static void
vary_no_policy(struct recordgen *g)
{
	g->ev[0].v = (struct verdict){ VERDICT_NO_POLICY, 0, STS_MODE_UNSET };
}

static void
vary_pending(struct recordgen *g)
{
	g->ev[0].v = (struct verdict){ VERDICT_PENDING, 0, STS_MODE_UNSET };
	g->sd[0].pending = 1;
	g->replace[0] = 1;
}

static void
draft(struct recordgen *g, int pub_pending, enum verdict_result pub_result)
{
	g->sd[0].source = POLICY_SOURCE_DRAFT;
	g->sd[0].published = &g->pub[0];
	g->pub[0].pending = pub_pending;
	g->pub[0].source = POLICY_SOURCE_PUBLISHED;
	g->pub[0].body_changed = 1;
	g->ev[0].published = (struct verdict){ pub_result, REASON_MX_MISMATCH,
	    STS_MODE_TESTING };
}

static void
vary_draft_published(struct recordgen *g)
{
	draft(g, 0, VERDICT_WOULD_FAIL);
}

static void
vary_draft_published_pending(struct recordgen *g)
{
	draft(g, 1, VERDICT_PASS);
}

static void
vary_draft_no_published_policy(struct recordgen *g)
{
	draft(g, 0, VERDICT_NO_POLICY);
}

/* 100 domains, every other one pending and completed later. */
static void
vary_many(struct recordgen *g)
{
	size_t	i;

	for (i = 0; i < CTX_RCPT_DOMAINS_MAX; i++) {
		snprintf(g->c.msg.domains[i].domain,
		    sizeof(g->c.msg.domains[i].domain), "d%zu.example", i);
		g->ev[i] = g->ev[0];
		g->ev[i].domain = g->c.msg.domains[i].domain;
		g->ev[i].rcpts = (unsigned)i + 1;
		if (i % 2 == 1) {
			g->ev[i].v.result = VERDICT_PENDING;
			g->replace[i] = 1;
		}
	}
	g->rec.n = CTX_RCPT_DOMAINS_MAX;
}

static void
vary_none_pending_replaced_first(struct recordgen *g)
{
	g->replace[0] = 1;
	g->ev[1] = g->ev[0];
	g->ev[1].rcpts = 7;
	g->rec.n = 2;
}

static const struct {
	const char *name;
	void	(*vary)(struct recordgen *);
} cases[] = {
	{ "plaintext", vary_plaintext },
	{ "TLS, every field", vary_tls_all },
	{ "no bits, no cipher", vary_no_bits_cipher },
	{ "connection", vary_connection },
	{ "empty text is null", vary_empty_as_null },
	{ "MAIL FROM domain empty", vary_from_empty },
	{ "no MAIL FROM domain", vary_no_from },
	{ "skipped, aborted", vary_skipped },
	{ "domains dropped", vary_dropped },
	{ "numbers at their ends", vary_extreme_numbers },
	{ "numbers small and negative", vary_small_numbers },
	{ "quotes and backslashes", vary_escapes },
	{ "policy flags, every reason", vary_policy_flags },
	{ "policy-error", vary_policy_error },
	{ "no-policy", vary_no_policy },
	{ "pending, completed", vary_pending },
	{ "draft with published", vary_draft_published },
	{ "draft, published pending", vary_draft_published_pending },
	{ "draft, published no-policy", vary_draft_no_published_policy },
	{ "100 domains", vary_many },
	{ "first of two replaced", vary_none_pending_replaced_first },
};

START_TEST(test_cases)
{
	struct recordgen *g = gen_new();

	example(g);
	cases[_i].vary(g);
	assert_same(g, cases[_i].name);
	free(g);
}
END_TEST

/* The entries' places: each [start, end) is one whole entry object. */
START_TEST(test_places)
{
	struct recordgen *g = gen_new();
	struct auditjson_places p;
	struct jsonbuf b, one;
	size_t	i, start;

	example(g);
	vary_many(g);
	jsonbuf_init(&b, 1 << 20);
	auditjson_record(&b, &g->rec, &p);
	ck_assert_uint_eq(p.n, CTX_RCPT_DOMAINS_MAX);
	for (i = 0; i < p.n; i++) {
		start = i == 0 ? p.domains_at : p.entry_end[i - 1] + 1;
		jsonbuf_init(&one, 4096);
		auditjson_domain(&one, &g->ev[i], 0);
		ck_assert_uint_eq(p.entry_end[i] - start, one.len);
		ck_assert_int_eq(memcmp(b.buf + start, one.buf, one.len), 0);
		jsonbuf_free(&one);
	}
	jsonbuf_free(&b);
	free(g);
}
END_TEST

/* Records from seeded random bytes (what fuzz_auditjson does at length). */
START_TEST(test_random)
{
	struct recordgen *g = gen_new();
	uint8_t	data[2048];
	size_t	i, k, len;
	char	name[32];

	srandom(13);
	for (i = 0; i < 20000; i++) {
		len = (size_t)random() % sizeof(data);
		for (k = 0; k < len; k++)
			data[k] = (uint8_t)random();
		recordgen_fill(g, data, len);
		snprintf(name, sizeof(name), "random %zu", i);
		assert_same(g, name);
	}
	free(g);
}
END_TEST

Suite *
unit_suite(void)
{
	Suite	*s = suite_create("auditjson");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_design_example);
	tcase_add_loop_test(tc, test_cases, 0,
	    (int)(sizeof(cases) / sizeof(cases[0])));
	tcase_add_test(tc, test_places);
	tcase_add_test(tc, test_random);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);
	return s;
}

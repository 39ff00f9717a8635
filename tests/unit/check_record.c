/*
 * check_record.c - unit tests of the "_mta-sts" (RFC 8461 3.1) and
 * "_smtp._tls" (RFC 8460 3) TXT record parsers and RRset selection: one
 * table row per edge case, with the expected validity, the exact set of
 * diagnostic codes, and the id or rua list parsed.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parsecheck.h"
#include "record.h"
#include "unit.h"

struct record_case {
	const char *name;
	const char *txt;
	int	 valid;
	const char *codes;	/* exact set, see expect_codes() */
	const char *value;	/* sts: id; tlsrpt: rua list, comma-separated
				   (NULL: not checked) */
};

#define ID33 "abcdefghijklmnopqrstuvwxyz0123456"

static const struct record_case sts_cases[] = {
	{ "rfc example", "v=STSv1; id=20160831085700Z;", 1, "",
	    "20160831085700Z" },
	{ "plain", "v=STSv1; id=20240101", 1, "", "20240101" },
	{ "no spaces", "v=STSv1;id=abc", 1, "", "abc" },
	{ "trailing delimiter and space", "v=STSv1; id=abc; ", 1, "", "abc" },
	{ "tabs around delimiters", "v=STSv1\t;\tid=abc\t;\t", 1,
	    "record-space-before-semicolon", "abc" },
	{ "space before ; (erratum 6285)", "v=STSv1 ; id=abc", 1,
	    "record-space-before-semicolon", "abc" },
	{ "id 32 characters", "v=STSv1; id=abcdefghijklmnopqrstuvwxyz012345",
	    1, "", "abcdefghijklmnopqrstuvwxyz012345" },
	{ "id 33 characters", "v=STSv1; id=" ID33, 0, "record-id-syntax", "" },
	{ "id with dashes", "v=STSv1; id=2019-04-29", 0, "record-id-syntax",
	    "" },
	{ "id test-123", "v=STSv1; id=test-123;", 0, "record-id-syntax", "" },
	{ "id with underscore", "v=STSv1; id=a_b", 0, "record-id-syntax", "" },
	{ "id with colon", "v=STSv1; id=12:00", 0, "record-id-syntax", "" },
	{ "id with space", "v=STSv1; id=a b", 0, "record-id-syntax", "" },
	{ "id empty", "v=STSv1; id=", 0, "record-id-syntax", "" },
	{ "id non-ascii", "v=STSv1; id=\xc3\xa9t\xc3\xa9", 0,
	    "record-id-syntax", "" },
	{ "id twice", "v=STSv1; id=a; id=b", 0, "record-duplicate-id", "a" },
	{ "id twice, same value", "v=STSv1; id=a; id=a", 0,
	    "record-duplicate-id", "a" },
	{ "missing id", "v=STSv1;", 0, "record-missing-id", "" },
	{ "only the version", "v=STSv1", 0, "record-missing-id", "" },
	{ "empty field at end", "v=STSv1; id=a;;", 0, "record-empty-field "
	    "record-lenient-only",
	    "a" },
	{ "empty field inside", "v=STSv1;; id=a", 0, "record-empty-field "
	    "record-lenient-only",
	    "a" },
	{ "trailing space without ;", "v=STSv1; id=abc ", 0,
	    "record-trailing-space record-lenient-only", "abc" },
	{ "no ; after version", "v=STSv1 id=abc", 0, "record-version", "" },
	{ "version STSv10", "v=STSv10; id=1", 0, "record-version", "" },
	{ "version STSv2", "v=STSv2; id=1", 0, "record-version", "" },
	{ "version upper V", "V=STSv1; id=1", 0, "record-version", "" },
	{ "version lower stsv1", "v=stsv1; id=1", 0, "record-version", "" },
	{ "version not first", "id=1; v=STSv1", 0, "record-version", "" },
	{ "leading space", " v=STSv1; id=1", 0, "record-version", "" },
	{ "empty record", "", 0, "record-version", "" },
	{ "extension", "v=STSv1; id=a; foo=bar", 1, "", "a" },
	{ "extension before id", "v=STSv1; ext.1_a-b=x!y; id=a", 1, "", "a" },
	{ "extension twice", "v=STSv1; id=a; foo=1; foo=2", 1,
	    "record-duplicate-field", "a" },
	{ "extension empty value", "v=STSv1; id=a; foo=", 0,
	    "record-field-syntax record-lenient-only", "a" },
	{ "extension value with =", "v=STSv1; id=a; foo=b=c", 0,
	    "record-field-syntax record-lenient-only", "a" },
	{ "extension value with space", "v=STSv1; id=a; foo=b c", 0,
	    "record-field-syntax record-lenient-only", "a" },
	{ "extension value non-ascii", "v=STSv1; id=a; foo=\xc3\xa9", 0,
	    "record-field-syntax record-lenient-only", "a" },
	{ "extension name _x", "v=STSv1; id=a; _x=1", 0, "record-field-syntax "
	    "record-lenient-only",
	    "a" },
	{ "extension name 33 chars", "v=STSv1; id=a; " ID33 "=1", 0,
	    "record-field-syntax record-lenient-only", "a" },
	{ "field without =", "v=STSv1; id=a; junk", 0, "record-field-syntax "
	    "record-lenient-only",
	    "a" },
	{ "field =value", "v=STSv1; id=a; =x", 0, "record-field-syntax "
	    "record-lenient-only", "a" },
	{ "ID upper-case key is an extension", "v=STSv1; ID=a", 0,
	    "record-missing-id", "" },
};

static const struct record_case tlsrpt_cases[] = {
	{ "rfc example mailto", "v=TLSRPTv1;rua=mailto:reports@example.com", 1,
	    "", "mailto:reports@example.com" },
	{ "rfc example https",
	    "v=TLSRPTv1; rua=https://reporting.example.com/v1/tlsrpt", 1, "",
	    "https://reporting.example.com/v1/tlsrpt" },
	{ "list with whitespace (mox)",
	    "v=TLSRPTv1; rua=mailto:a@x , \t https://x/y", 1, "",
	    "mailto:a@x,https://x/y" },
	{ "two rua fields", "v=TLSRPTv1; rua=mailto:a@x; rua=https://x/y;", 1,
	    "", "mailto:a@x,https://x/y" },
	{ "upper-case scheme", "v=TLSRPTv1; rua=MAILTO:a@x", 1, "",
	    "MAILTO:a@x" },
	{ "percent-encoded comma", "v=TLSRPTv1; rua=mailto:a%2Cb@x", 1, "",
	    "mailto:a%2Cb@x" },
	{ "https with query", "v=TLSRPTv1; rua=https://x.example/r?a=b&c=%21",
	    1, "", "https://x.example/r?a=b&c=%21" },
	{ "extension", "v=TLSRPTv1; rua=mailto:a@x; ext=1", 1, "",
	    "mailto:a@x" },
	{ "space before ;", "v=TLSRPTv1 ;rua=mailto:a@x", 1,
	    "tlsrpt-space-before-semicolon", "mailto:a@x" },
	{ "missing rua", "v=TLSRPTv1", 0, "tlsrpt-missing-rua", "" },
	{ "missing rua, extension only", "v=TLSRPTv1; ruf=mailto:a@x", 0,
	    "tlsrpt-missing-rua", "" },
	{ "rua empty", "v=TLSRPTv1; rua=", 0,
	    "tlsrpt-rua-empty tlsrpt-no-usable-rua", "" },
	{ "rua ,,", "v=TLSRPTv1; rua=,,", 0,
	    "tlsrpt-rua-empty tlsrpt-no-usable-rua", "" },
	{ "rua with empty member", "v=TLSRPTv1; rua=mailto:a@x,,mailto:b@x", 0,
	    "tlsrpt-rua-empty", "mailto:a@x,mailto:b@x" },
	{ "rua without scheme", "v=TLSRPTv1; rua=noscheme", 0,
	    "tlsrpt-rua-syntax tlsrpt-no-usable-rua", "" },
	{ "rua address only", "v=TLSRPTv1; rua=reports@example.com", 0,
	    "tlsrpt-rua-syntax tlsrpt-no-usable-rua", "" },
	{ "version TLSRPTv10", "v=TLSRPTv10; rua=mailto:a@x", 0,
	    "tlsrpt-version", "" },
	{ "version lower-case", "v=tlsrptv1; rua=mailto:a@x", 0,
	    "tlsrpt-version", "" },
	{ "trailing junk", "v=TLSRPTv1; rua=mailto:x@x other", 0,
	    "tlsrpt-rua-syntax tlsrpt-no-usable-rua", "" },
	{ "http scheme only", "v=TLSRPTv1; rua=http://x.example/r", 0,
	    "tlsrpt-rua-scheme tlsrpt-no-usable-rua", "" },
	{ "http scheme beside mailto",
	    "v=TLSRPTv1; rua=http://x.example/r,mailto:a@x", 1,
	    "tlsrpt-rua-scheme", "mailto:a@x" },
	{ "unencoded !", "v=TLSRPTv1; rua=mailto:a@x!10m", 0,
	    "tlsrpt-rua-unencoded tlsrpt-no-usable-rua", "" },
	{ "unencoded ;", "v=TLSRPTv1; rua=mailto:a@x;b@x", 0,
	    "tlsrpt-field-syntax", "mailto:a@x" },
	{ "unencoded , splits", "v=TLSRPTv1; rua=mailto:a,b@x", 0,
	    "tlsrpt-rua-syntax tlsrpt-no-usable-rua", "" },
	{ "bad percent escape", "v=TLSRPTv1; rua=mailto:a%zz@x", 0,
	    "tlsrpt-rua-percent tlsrpt-no-usable-rua", "" },
	{ "short percent escape", "v=TLSRPTv1; rua=mailto:a@x%2", 0,
	    "tlsrpt-rua-percent tlsrpt-no-usable-rua", "" },
	{ "mailto without address", "v=TLSRPTv1; rua=mailto:", 0,
	    "tlsrpt-rua-syntax tlsrpt-no-usable-rua", "" },
	{ "https without host", "v=TLSRPTv1; rua=https:/x", 0,
	    "tlsrpt-rua-syntax tlsrpt-no-usable-rua", "" },
	{ "non-ascii in uri", "v=TLSRPTv1; rua=mailto:j\xc3\xbc@x", 0,
	    "tlsrpt-rua-syntax tlsrpt-no-usable-rua", "" },
	{ "extension twice", "v=TLSRPTv1; rua=mailto:a@x; e=1; e=2", 1,
	    "tlsrpt-duplicate-field", "mailto:a@x" },
	{ "empty field", "v=TLSRPTv1;; rua=mailto:a@x", 0,
	    "tlsrpt-empty-field", "mailto:a@x" },
	{ "trailing space", "v=TLSRPTv1; rua=mailto:a@x ", 0,
	    "tlsrpt-trailing-space", "mailto:a@x" },
};

START_TEST(test_sts_table)
{
	const struct record_case *c = &sts_cases[_i];
	struct sts_record rec;
	struct diag_list dl;
	int valid;

	diag_init(&dl);
	valid = sts_record_parse(c->txt, strlen(c->txt), STS_STRICT, &rec,
	    &dl);
	ck_assert_msg(valid == c->valid, "%s: valid %d", c->name, valid);
	ck_assert_msg(valid == (dl.errors == 0), "%s: validity vs errors",
	    c->name);
	expect_codes(c->name, &dl, c->codes);
	ck_assert_msg(strcmp(rec.id, c->value) == 0, "%s: id '%s'", c->name,
	    rec.id);
}
END_TEST

/*
 * The same records in both grammars: what the lenient one accepts (and
 * which senders do), and that the strict one rejects exactly those.
 */
struct lenient_case {
	const char *name;
	const char *txt;
	int	 valid;		/* in the lenient grammar */
	unsigned senders;	/* out->lenient in both grammars */
	const char *codes;	/* lenient grammar, exact set */
	const char *id;
};

#define TXT_SENDERS	(LENIENT_PMSR | LENIENT_MAILAUTH)

static const struct lenient_case lenient_cases[] = {
	{ "strict-valid", "v=STSv1; id=abc;", 1, 0, "", "abc" },
	{ "trailing space", "v=STSv1; id=abc ", 1, TXT_SENDERS,
	    "record-trailing-space", "abc" },
	{ ";;", "v=STSv1;; id=abc;;", 1, TXT_SENDERS, "record-empty-field",
	    "abc" },
	{ "trailing ; and space", "v=STSv1; id=abc; ", 1, 0, "", "abc" },
	{ "empty extension value", "v=STSv1; id=abc; x=", 1, TXT_SENDERS,
	    "record-field-syntax", "abc" },
	{ "field without =", "v=STSv1; id=abc; junk", 1, TXT_SENDERS,
	    "record-field-syntax", "abc" },
	{ "all of them", "v=STSv1;; id=abc; x=; y ", 1, TXT_SENDERS,
	    "record-empty-field record-field-syntax record-trailing-space",
	    "abc" },
	/* The version and the id stay strict. */
	{ "no id", "v=STSv1;; ", 0, 0, "record-empty-field record-missing-id",
	    "" },
	{ "id with dashes", "v=STSv1; id=2024-01-01 ", 0, 0,
	    "record-id-syntax record-trailing-space", "" },
	{ "duplicate id", "v=STSv1;; id=a; id=b", 0, 0,
	    "record-empty-field record-duplicate-id", "a" },
	{ "version STSv2", "v=STSv2; id=abc ", 0, 0, "record-version", "" },
};

START_TEST(test_sts_lenient_table)
{
	const struct lenient_case *c = &lenient_cases[_i];
	struct sts_record rec, strict;
	struct diag_list dl, sdl;
	int valid, svalid;

	diag_init(&dl);
	valid = sts_record_parse(c->txt, strlen(c->txt), STS_LENIENT, &rec,
	    &dl);
	ck_assert_msg(valid == c->valid, "%s: valid %d", c->name, valid);
	ck_assert_msg(valid == (dl.errors == 0), "%s: validity vs errors",
	    c->name);
	ck_assert_msg(rec.lenient == c->senders, "%s: lenient %#x", c->name,
	    rec.lenient);
	expect_codes(c->name, &dl, c->codes);
	ck_assert_msg(strcmp(rec.id, c->id) == 0, "%s: id '%s'", c->name,
	    rec.id);

	diag_init(&sdl);
	svalid = sts_record_parse(c->txt, strlen(c->txt), STS_STRICT, &strict,
	    &sdl);
	ck_assert_msg(svalid == (c->valid && c->senders == 0),
	    "%s: strict valid %d", c->name, svalid);
	ck_assert_msg(strict.lenient == c->senders, "%s: strict lenient",
	    c->name);
	ck_assert_msg((diag_find(&sdl, "record-lenient-only") != NULL) ==
	    (c->senders != 0), "%s: strict summary", c->name);
	ck_assert_str_eq(strict.id, rec.id);
}
END_TEST

/* TLS-RPT records have no lenient reading: the same slips stay errors. */
START_TEST(test_tlsrpt_strict_only)
{
	static const char txt[] = "v=TLSRPTv1;; rua=mailto:a@x ";
	struct tlsrpt_record rec;
	struct diag_list dl;

	diag_init(&dl);
	ck_assert_int_eq(tlsrpt_record_parse(txt, strlen(txt), &rec, &dl), 0);
	expect_codes("tlsrpt strict", &dl,
	    "tlsrpt-empty-field tlsrpt-trailing-space");
	tlsrpt_record_free(&rec);
}
END_TEST

START_TEST(test_tlsrpt_table)
{
	const struct record_case *c = &tlsrpt_cases[_i];
	struct tlsrpt_record rec;
	struct diag_list dl;
	int valid;

	diag_init(&dl);
	valid = tlsrpt_record_parse(c->txt, strlen(c->txt), &rec, &dl);
	ck_assert_msg(valid == c->valid, "%s: valid %d", c->name, valid);
	ck_assert_msg(valid == (dl.errors == 0), "%s: validity vs errors",
	    c->name);
	expect_codes(c->name, &dl, c->codes);
	expect_list(c->name, rec.rua, rec.rua_count, c->value);
	tlsrpt_record_free(&rec);
	ck_assert_ptr_null(rec.rua);
}
END_TEST

/* A multi-string TXT record, concatenated by the caller (RFC 8461 3.1). */
static char *
concat_strings(const char *const *parts, size_t n)
{
	size_t i, len;
	char *txt;

	len = 0;
	for (i = 0; i < n; i++)
		len += strlen(parts[i]);
	txt = calloc(1, len + 1);
	ck_assert_ptr_nonnull(txt);
	for (i = 0; i < n; i++)
		strcat(txt, parts[i]);
	return txt;
}

START_TEST(test_multi_string)
{
	static const char *const split_id[] = { "v=STSv1; id=20", "240101" };
	static const char *const split_tag[] = { "v=STS", "v1; id=", "abc" };
	static const char *const split_rua[] = { "v=TLSRPTv1; rua=mailto:re",
	    "ports@example.com" };
	struct tlsrpt_record trec;
	struct sts_record rec;
	struct diag_list dl;
	char *txt;

	diag_init(&dl);
	txt = concat_strings(split_id, 2);
	ck_assert_int_eq(sts_record_parse(txt, strlen(txt), STS_STRICT, &rec,
	    &dl), 1);
	ck_assert_str_eq(rec.id, "20240101");
	free(txt);
	txt = concat_strings(split_tag, 3);
	ck_assert_int_eq(sts_record_parse(txt, strlen(txt), STS_STRICT, &rec,
	    &dl), 1);
	ck_assert_str_eq(rec.id, "abc");
	free(txt);
	txt = concat_strings(split_rua, 2);
	ck_assert_int_eq(tlsrpt_record_parse(txt, strlen(txt), &trec, &dl), 1);
	ck_assert_str_eq(trec.rua[0], "mailto:reports@example.com");
	tlsrpt_record_free(&trec);
	free(txt);
	ck_assert_uint_eq(dl.count, 0);
}
END_TEST

/* The record need not be NUL-terminated: only len bytes are read. */
START_TEST(test_not_terminated)
{
	static const char txt[] = "v=STSv1; id=abcdef";
	struct sts_record rec;
	struct diag_list dl;

	diag_init(&dl);
	ck_assert_int_eq(sts_record_parse(txt, 15, STS_STRICT, &rec, &dl), 1);
	ck_assert_str_eq(rec.id, "abc");
}
END_TEST

struct select_case {
	const char *name;
	int	 tlsrpt;	/* 0: _mta-sts, 1: _smtp._tls */
	const char *rrset[4];	/* NULL-terminated */
	long	 want;
	const char *codes;
};

#define SPF "v=spf1 -all"
#define GSV "google-site-verification=abc"

static const struct select_case select_cases[] = {
	{ "sts none at all", 0, { NULL }, -1, "record-none" },
	{ "sts only unrelated", 0, { SPF, GSV, NULL }, -1, "record-none" },
	{ "sts one among unrelated", 0, { SPF, "v=STSv1; id=1", GSV, NULL },
	    1, "" },
	{ "sts two (id rotation)", 0, { "v=STSv1; id=1", SPF,
	    "v=STSv1; id=2", NULL }, -2, "record-multiple@3" },
	{ "sts STSv10 discarded", 0, { "v=STSv10; id=1", "v=STSv1; id=2",
	    NULL }, 1, "record-discarded@1" },
	{ "sts space before ; kept", 0, { SPF, "v=STSv1 ; id=1", NULL }, 1,
	    "" },
	{ "sts invalid but selected", 0, { "v=STSv1; id=a-b", NULL }, 0, "" },
	{ "sts leading space discarded", 0, { " v=STSv1; id=1", NULL }, -1,
	    "record-discarded@1 record-none" },
	{ "sts case discarded", 0, { "V=STSV1; id=1", SPF, NULL }, -1,
	    "record-discarded@1 record-none" },
	{ "sts version not first", 0, { "id=1; v=STSv1", NULL }, -1,
	    "record-discarded@1 record-none" },
	{ "sts tlsrpt record is unrelated", 0, { "v=TLSRPTv1; rua=mailto:a@x",
	    NULL }, -1, "record-none" },
	{ "tlsrpt none", 1, { NULL }, -1, "tlsrpt-none" },
	{ "tlsrpt one", 1, { SPF, "v=TLSRPTv1;rua=mailto:a@x", NULL }, 1, "" },
	{ "tlsrpt two", 1, { "v=TLSRPTv1;rua=mailto:a@x",
	    "v=TLSRPTv1;rua=mailto:b@x", NULL }, -2, "tlsrpt-multiple@2" },
	{ "tlsrpt TLSRPTv10 discarded", 1, { "v=TLSRPTv10;rua=mailto:a@x",
	    NULL }, -1, "tlsrpt-discarded@1 tlsrpt-none" },
};

START_TEST(test_select_table)
{
	const struct select_case *c = &select_cases[_i];
	size_t len[4], n;
	struct diag_list dl;
	long got;

	for (n = 0; c->rrset[n] != NULL; n++)
		len[n] = strlen(c->rrset[n]);
	diag_init(&dl);
	if (c->tlsrpt)
		got = tlsrpt_record_select(c->rrset, len, n, &dl);
	else
		got = sts_record_select(c->rrset, len, n, &dl);
	ck_assert_msg(got == c->want, "%s: got %ld", c->name, got);
	expect_codes(c->name, &dl, c->codes);
}
END_TEST

START_TEST(test_rua_cap)
{
	char txt[4096];
	struct tlsrpt_record rec;
	struct diag_list dl;
	size_t i, off;

	off = (size_t)snprintf(txt, sizeof(txt), "v=TLSRPTv1; rua=");
	for (i = 0; i < TLSRPT_RUA_MAX + 5; i++)
		off += (size_t)snprintf(txt + off, sizeof(txt) - off,
		    "%smailto:r%zu@example.com", i > 0 ? "," : "", i);
	diag_init(&dl);
	ck_assert_int_eq(tlsrpt_record_parse(txt, off, &rec, &dl), 1);
	expect_codes("rua cap", &dl, "tlsrpt-rua-too-many");
	ck_assert_uint_eq(rec.rua_count, TLSRPT_RUA_MAX);
	tlsrpt_record_free(&rec);
}
END_TEST

Suite *
unit_suite(void)
{
	Suite *s = suite_create("record");
	TCase *tc = tcase_create("parse");

	tcase_add_loop_test(tc, test_sts_table, 0,
	    (int)(sizeof(sts_cases) / sizeof(sts_cases[0])));
	tcase_add_loop_test(tc, test_tlsrpt_table, 0,
	    (int)(sizeof(tlsrpt_cases) / sizeof(tlsrpt_cases[0])));
	tcase_add_loop_test(tc, test_select_table, 0,
	    (int)(sizeof(select_cases) / sizeof(select_cases[0])));
	tcase_add_loop_test(tc, test_sts_lenient_table, 0,
	    (int)(sizeof(lenient_cases) / sizeof(lenient_cases[0])));
	tcase_add_test(tc, test_tlsrpt_strict_only);
	tcase_add_test(tc, test_multi_string);
	tcase_add_test(tc, test_not_terminated);
	tcase_add_test(tc, test_rua_cap);
	suite_add_tcase(s, tc);
	return s;
}

/*
 * check_certhealth.c - unit tests for certhealth_check_file, and for
 * servedcert (the certificate an MTA says it served, judged the same way
 * in a thread of its own).
 *
 * Every certificate is made here with the OpenSSL API (a test root, an
 * unrelated root, an intermediate and the leaves below) and written to a
 * fresh mkdtemp directory, all at a fixed "now", so the results depend
 * neither on the clock nor on files shipped with the tests.
 */
#include "config.h"

#include <check.h>
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "certhealth.h"
#include "servedcert.h"
#include "unit.h"

/* 2026-01-01T00:00:00Z: every validity period is relative to this. */
#define NOW	((time_t)1767225600)
#define DAY	((time_t)86400)
/* The good leaf's expiry: not a whole number of days, to see the seconds. */
#define GOOD_NOT_AFTER	(365 * DAY + 3661)

static char dir[] = "/tmp/check_certhealth.XXXXXX";
static long serial = 1;

static EVP_PKEY *
new_key(void)
{
	EVP_PKEY *key = EVP_EC_gen("P-256");

	ck_assert_ptr_nonnull(key);
	return key;
}

static void
add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;

	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	ck_assert_ptr_nonnull(ext);
	ck_assert_int_eq(X509_add_ext(x, ext, -1), 1);
	X509_EXTENSION_free(ext);
}

/*
 * A certificate for key named cn (and san, a "DNS:..." list, unless NULL),
 * valid from now+from to now+to, signed by issuer (NULL: self-signed).
 */
static X509 *
issue(const char *cn, const char *san, int ca, time_t from, time_t to,
    EVP_PKEY *key, X509 *issuer, EVP_PKEY *issuer_key)
{
	X509	*x = X509_new();
	X509_NAME *name = X509_get_subject_name(x);

	ck_assert_ptr_nonnull(x);
	ck_assert_int_eq(X509_set_version(x, X509_VERSION_3), 1);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
	ck_assert_ptr_nonnull(ASN1_TIME_set(X509_getm_notBefore(x),
	    NOW + from));
	ck_assert_ptr_nonnull(ASN1_TIME_set(X509_getm_notAfter(x), NOW + to));
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, issuer != NULL ?
	    X509_get_subject_name(issuer) : name);
	ck_assert_int_eq(X509_set_pubkey(x, key), 1);
	if (issuer == NULL) {
		issuer = x;
		issuer_key = key;
	}
	if (ca) {
		add_ext(x, issuer, NID_basic_constraints, "critical,CA:TRUE");
		add_ext(x, issuer, NID_key_usage, "critical,keyCertSign,cRLSign");
	} else {
		add_ext(x, issuer, NID_basic_constraints, "critical,CA:FALSE");
		add_ext(x, issuer, NID_ext_key_usage, "serverAuth");
	}
	if (san != NULL)
		add_ext(x, issuer, NID_subject_alt_name, san);
	ck_assert_int_gt(X509_sign(x, issuer_key, EVP_sha256()), 0);
	return x;
}

static void
path_of(char *buf, size_t size, const char *file)
{
	ck_assert_int_lt(snprintf(buf, size, "%s/%s", dir, file), (int)size);
}

/* Write key (when not NULL) and then each certificate of certs, in order. */
static void
write_pem(const char *file, EVP_PKEY *key, X509 *const *certs, size_t n)
{
	char	path[PATH_MAX];
	FILE	*fp;
	size_t	i;

	path_of(path, sizeof(path), file);
	ck_assert_ptr_nonnull(fp = fopen(path, "w"));
	if (key != NULL)
		ck_assert_int_eq(PEM_write_PrivateKey(fp, key, NULL, NULL, 0,
		    NULL, NULL), 1);
	for (i = 0; i < n; i++)
		ck_assert_int_eq(PEM_write_X509(fp, certs[i]), 1);
	ck_assert_int_eq(fclose(fp), 0);
}

static void
write_text(const char *file, const char *text)
{
	char	path[PATH_MAX];
	FILE	*fp;

	path_of(path, sizeof(path), file);
	ck_assert_ptr_nonnull(fp = fopen(path, "w"));
	fputs(text, fp);
	ck_assert_int_eq(fclose(fp), 0);
}

/* A leaf for a fresh key, signed by issuer, written alone to file. */
static void
write_leaf(const char *file, const char *cn, const char *san, time_t from,
    time_t to, X509 *issuer, EVP_PKEY *issuer_key)
{
	EVP_PKEY *key = new_key();
	X509	*leaf = issue(cn, san, 0, from, to, key, issuer, issuer_key);

	write_pem(file, NULL, &leaf, 1);
	X509_free(leaf);
	EVP_PKEY_free(key);
}

static void
setup(void)
{
	EVP_PKEY *root_key, *other_key, *inter_key, *leaf_key;
	X509	*root, *other, *inter, *chain[2];

	ck_assert_ptr_nonnull(mkdtemp(dir));
	root_key = new_key();
	other_key = new_key();
	inter_key = new_key();
	leaf_key = new_key();
	root = issue("Test Root", NULL, 1, -365 * DAY, 3650 * DAY, root_key,
	    NULL, NULL);
	other = issue("Unrelated Root", NULL, 1, -365 * DAY, 3650 * DAY,
	    other_key, NULL, NULL);
	inter = issue("Test Intermediate", NULL, 1, -365 * DAY, 3650 * DAY,
	    inter_key, root, root_key);
	write_pem("ca.pem", NULL, &root, 1);

	write_leaf("good.pem", "mx1.example.test", "DNS:mx1.example.test",
	    -30 * DAY, GOOD_NOT_AFTER, root, root_key);
	write_leaf("wild.pem", "wildcard", "DNS:*.example.test",
	    -30 * DAY, 365 * DAY, root, root_key);
	write_leaf("partial.pem", "partial", "DNS:mx*.example.test",
	    -30 * DAY, 365 * DAY, root, root_key);
	write_leaf("cnonly.pem", "mx1.example.test", NULL,
	    -30 * DAY, 365 * DAY, root, root_key);
	write_leaf("expired.pem", "mx1.example.test", "DNS:mx1.example.test",
	    -400 * DAY, -DAY, root, root_key);
	write_leaf("future.pem", "mx1.example.test", "DNS:mx1.example.test",
	    DAY, 365 * DAY, root, root_key);
	write_leaf("foreign.pem", "mx1.example.test", "DNS:mx1.example.test",
	    -30 * DAY, 365 * DAY, other, other_key);
	write_leaf("allthree.pem", "other.example.org",
	    "DNS:other.example.org", -400 * DAY, -DAY, other, other_key);

	chain[0] = issue("mx1.example.test", "DNS:mx1.example.test", 0,
	    -30 * DAY, 365 * DAY, leaf_key, inter, inter_key);
	chain[1] = inter;
	write_pem("inter.pem", NULL, chain, 2);
	write_pem("inter-leafonly.pem", NULL, chain, 1);
	write_pem("keyfirst.pem", leaf_key, chain, 2);
	X509_free(chain[0]);

	write_text("empty.pem", "");
	write_text("garbage.pem", "not a certificate\n");
	write_text("truncated.pem", "-----BEGIN CERTIFICATE-----\nAAAA\n"
	    "-----END CERTIFICATE-----\n");

	X509_free(root);
	X509_free(other);
	X509_free(inter);
	EVP_PKEY_free(root_key);
	EVP_PKEY_free(other_key);
	EVP_PKEY_free(inter_key);
	EVP_PKEY_free(leaf_key);
}

static void
teardown(void)
{
	char	path[PATH_MAX];
	DIR	*d;
	struct dirent *e;

	if ((d = opendir(dir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		path_of(path, sizeof(path), e->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

/*
 * certhealth_check_file on files of the test directory; ca NULL or ""
 * is passed as is (the system store).
 */
static int
judge(const char *file, const char *ca, const char *mx, time_t when,
    struct certhealth_result *r)
{
	char	file_path[PATH_MAX], ca_path[PATH_MAX];

	path_of(file_path, sizeof(file_path), file);
	if (ca == NULL || *ca == '\0')
		return certhealth_check_file(file_path, ca, mx, when, r);
	path_of(ca_path, sizeof(ca_path), ca);
	return certhealth_check_file(file_path, ca_path, mx, when, r);
}

/* CA files are in the test directory; SYSTEM means NULL (system store). */
#define SYSTEM	NULL

static const struct judged_case {
	const char *file;
	const char *ca;
	const char *mx;
	int	expired;
	int	host_mismatch;
	int	not_trusted;
} judged[] = {
	{ "good.pem", "ca.pem", "mx1.example.test", 0, 0, 0 },
	{ "good.pem", "ca.pem", "MX1.Example.TEST", 0, 0, 0 },
	{ "good.pem", "ca.pem", "mx1.example.test.", 0, 0, 0 },
	{ "good.pem", "ca.pem", "mx2.example.test", 0, 1, 0 },
	{ "good.pem", "ca.pem", "example.test", 0, 1, 0 },
	{ "good.pem", "ca.pem", "a.mx1.example.test", 0, 1, 0 },
	{ "wild.pem", "ca.pem", "mx1.example.test", 0, 0, 0 },
	{ "wild.pem", "ca.pem", "MX7.Example.Test", 0, 0, 0 },
	{ "wild.pem", "ca.pem", "a.mx1.example.test", 0, 1, 0 },
	{ "wild.pem", "ca.pem", "example.test", 0, 1, 0 },
	{ "partial.pem", "ca.pem", "mx1.example.test", 0, 1, 0 },
	{ "cnonly.pem", "ca.pem", "mx1.example.test", 0, 1, 0 },
	{ "expired.pem", "ca.pem", "mx1.example.test", 1, 0, 0 },
	{ "future.pem", "ca.pem", "mx1.example.test", 0, 0, 1 },
	{ "foreign.pem", "ca.pem", "mx1.example.test", 0, 0, 1 },
	{ "allthree.pem", "ca.pem", "mx1.example.test", 1, 1, 1 },
	{ "inter.pem", "ca.pem", "mx1.example.test", 0, 0, 0 },
	{ "inter-leafonly.pem", "ca.pem", "mx1.example.test", 0, 0, 1 },
	{ "keyfirst.pem", "ca.pem", "mx1.example.test", 0, 0, 0 },
	{ "good.pem", SYSTEM, "mx1.example.test", 0, 0, 1 },
	{ "good.pem", "", "mx1.example.test", 0, 0, 1 },
};

START_TEST(test_judged)
{
	const struct judged_case *c = &judged[_i];
	struct certhealth_result r;
	int	ret;

	ret = judge(c->file, c->ca, c->mx, NOW, &r);
	ck_assert_msg(ret == 0, "%s for %s: -1 (%s)", c->file, c->mx, r.error);
	ck_assert_int_eq(r.health.known, 1);
	ck_assert_msg(r.health.expired == c->expired &&
	    r.health.host_mismatch == c->host_mismatch &&
	    r.health.not_trusted == c->not_trusted,
	    "%s for %s (ca %s): expired=%d host_mismatch=%d not_trusted=%d, "
	    "want %d %d %d; detail \"%s\"", c->file, c->mx,
	    c->ca ? c->ca : "system", r.health.expired,
	    r.health.host_mismatch, r.health.not_trusted, c->expired,
	    c->host_mismatch, c->not_trusted, r.detail);
	/* detail explains every failure, and is empty for a good chain. */
	ck_assert_msg((r.detail[0] != '\0') ==
	    (c->expired || c->host_mismatch || c->not_trusted),
	    "%s for %s: detail \"%s\"", c->file, c->mx, r.detail);
	ck_assert_str_eq(r.error, "");
}
END_TEST

START_TEST(test_not_after_and_detail)
{
	struct certhealth_result r;

	ck_assert_int_eq(judge("good.pem", "ca.pem", "mx1.example.test", NOW,
	    &r), 0);
	ck_assert_int_eq((long long)r.not_after,
	    (long long)(NOW + GOOD_NOT_AFTER));

	ck_assert_int_eq(judge("allthree.pem", "ca.pem", "mx1.example.test",
	    NOW, &r), 0);
	ck_assert_int_eq((long long)r.not_after, (long long)(NOW - DAY));
	ck_assert_msg(strstr(r.detail, "expired") != NULL, "%s", r.detail);
	ck_assert_msg(strstr(r.detail, "hostname mismatch") != NULL, "%s",
	    r.detail);
	ck_assert_msg(strstr(r.detail, "issuer") != NULL, "%s", r.detail);

	/* The same chain judged later: the good leaf has expired by then. */
	ck_assert_int_eq(judge("good.pem", "ca.pem", "mx1.example.test",
	    NOW + GOOD_NOT_AFTER + 1, &r), 0);
	ck_assert_int_eq(r.health.expired, 1);
}
END_TEST

/*
 * Without ca_file the system store is used; OpenSSL lets SSL_CERT_FILE
 * stand in for it, which is how a test can see the store really consulted.
 * (Check runs each test in its own process, so setenv stays here.)
 */
START_TEST(test_system_store)
{
	struct certhealth_result r;
	char	ca[PATH_MAX];

	path_of(ca, sizeof(ca), "ca.pem");
	ck_assert_int_eq(setenv("SSL_CERT_FILE", ca, 1), 0);
	ck_assert_int_eq(judge("good.pem", NULL, "mx1.example.test", NOW, &r),
	    0);
	ck_assert_msg(r.health.known && !r.health.not_trusted, "%s", r.detail);
	ck_assert_int_eq(judge("good.pem", "", "mx1.example.test", NOW, &r),
	    0);
	ck_assert_msg(r.health.known && !r.health.not_trusted, "%s", r.detail);
}
END_TEST

static const struct error_case {
	const char *file;
	const char *ca;
	const char *mx;
	const char *error_has;		/* expected in the error text */
} errors[] = {
	{ "missing.pem", "ca.pem", "mx1.example.test", "cannot open" },
	{ "empty.pem", "ca.pem", "mx1.example.test", "no PEM certificate" },
	{ "garbage.pem", "ca.pem", "mx1.example.test", "no PEM certificate" },
	{ "truncated.pem", "ca.pem", "mx1.example.test", "certificate 1" },
	{ "good.pem", "missing-ca.pem", "mx1.example.test", "missing-ca.pem" },
	{ "good.pem", "garbage.pem", "mx1.example.test", "garbage.pem" },
	{ "good.pem", "ca.pem", NULL, "no MX name" },
	{ "good.pem", "ca.pem", "", "no MX name" },
};

START_TEST(test_errors)
{
	const struct error_case *c = &errors[_i];
	struct certhealth_result r;

	memset(&r, 0x5a, sizeof(r));
	ck_assert_int_eq(judge(c->file, c->ca, c->mx, NOW, &r), -1);
	ck_assert_int_eq(r.health.known, 0);
	ck_assert_msg(strstr(r.error, c->error_has) != NULL,
	    "%s: error \"%s\" lacks \"%s\"", c->file, r.error, c->error_has);
}
END_TEST

/* The certificate of file (PEM) on one line, as an MTA would send it. */
static void
one_line_pem(const char *file, char *out, size_t size)
{
	char	path[PATH_MAX], line[256];
	FILE	*fp;
	size_t	len = 0, n;

	path_of(path, sizeof(path), file);
	ck_assert_ptr_nonnull(fp = fopen(path, "r"));
	out[0] = '\0';
	while (fgets(line, sizeof(line), fp) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		n = strlen(line);
		ck_assert_uint_lt(len + n, size);
		memcpy(out + len, line, n + 1);
		len += n;
	}
	fclose(fp);
}

/* The SHA-256 fingerprint of file's certificate: "AB:CD:..." or "abcd...". */
static void
fingerprint_of(const char *file, int colons, char *out, size_t size)
{
	char	path[PATH_MAX];
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n, i;
	size_t	len = 0;
	FILE	*fp;
	X509	*x;

	path_of(path, sizeof(path), file);
	ck_assert_ptr_nonnull(fp = fopen(path, "r"));
	ck_assert_ptr_nonnull(x = PEM_read_X509(fp, NULL, NULL, NULL));
	fclose(fp);
	ck_assert_int_eq(X509_digest(x, EVP_sha256(), md, &n), 1);
	X509_free(x);
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(out + len, size - len,
		    colons ? "%s%02X" : "%s%02x", colons && i > 0 ? ":" : "",
		    md[i]);
}

/* Ask until judged (the thread's work), at most 10 s. */
static int
served_wait(struct servedcert *s, const char *text, const char *mx,
    const char *ca, struct cert_health *h)
{
	int	i;

	for (i = 0; i < 1000; i++) {
		if (servedcert_health(s, text, mx, ca, time(NULL), h))
			return 1;
		usleep(10000);
	}
	return 0;
}

START_TEST(test_served_pem)
{
	static char pem[8192];
	char	ca[PATH_MAX], fp[128];
	struct servedcert *s;
	struct cert_health h;

	path_of(ca, sizeof(ca), "ca.pem");
	one_line_pem("expired.pem", pem, sizeof(pem));
	ck_assert_ptr_nonnull(s = servedcert_new());
	ck_assert_int_eq(servedcert_start(s), 0);
	/* Not judged yet: unknown, and queued. */
	ck_assert_int_eq(servedcert_health(s, pem, "mx1.example.test", ca,
	    time(NULL), &h), 0);
	ck_assert(served_wait(s, pem, "mx1.example.test", ca, &h));
	ck_assert(h.known && h.expired && !h.host_mismatch && !h.not_trusted);
	/* Its fingerprint, either spelling, names the same judgement. */
	fingerprint_of("expired.pem", 1, fp, sizeof(fp));
	ck_assert_int_eq(servedcert_health(s, fp, "mx1.example.test", ca,
	    time(NULL), &h), 1);
	ck_assert(h.expired);
	fingerprint_of("expired.pem", 0, fp, sizeof(fp));
	ck_assert_int_eq(servedcert_health(s, fp, "mx1.example.test", ca,
	    time(NULL), &h), 1);
	/* Judged per MX name: another name is not known, and is wrong. */
	ck_assert_int_eq(servedcert_health(s, fp, "mx2.example.test", ca,
	    time(NULL), &h), 0);
	ck_assert(served_wait(s, pem, "mx2.example.test", ca, &h));
	ck_assert(h.host_mismatch);
	/* Not a certificate, not a fingerprint: unknown. */
	ck_assert_int_eq(servedcert_health(s, "junk", "mx1.example.test", ca,
	    time(NULL), &h), 0);
	fp[strlen(fp) - 1] = '\0';
	ck_assert_int_eq(servedcert_health(s, fp, "mx1.example.test", ca,
	    time(NULL), &h), 0);
	ck_assert_int_eq(servedcert_health(s, "-----BEGIN CERTIFICATE-----"
	    "AAAA-----END CERTIFICATE-----", "mx1.example.test", ca,
	    time(NULL), &h), 0);
	servedcert_free(s);
}
END_TEST

/* A configured tls_cert_file: its leaf's fingerprint is known once judged. */
START_TEST(test_served_configured)
{
	char	ca[PATH_MAX], file[PATH_MAX], fp[128], mx[] = "mx1.example.test";
	struct servedcert *s;
	struct cert_health h;
	struct conf c;

	path_of(ca, sizeof(ca), "ca.pem");
	path_of(file, sizeof(file), "expired.pem");
	memset(&c, 0, sizeof(c));
	c.tls_cert_file = file;
	c.mx_name = mx;
	c.ca_file = ca;
	ck_assert_ptr_nonnull(s = servedcert_new());
	ck_assert_int_eq(servedcert_start(s), 0);
	servedcert_configure(s, &c);
	fingerprint_of("expired.pem", 1, fp, sizeof(fp));
	ck_assert(served_wait(s, fp, mx, ca, &h));
	ck_assert(h.known && h.expired);
	servedcert_free(s);
}
END_TEST

Suite *
unit_suite(void)
{
	Suite	*s = suite_create("certhealth");
	TCase	*tc = tcase_create("check_file");

	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_judged, 0,
	    sizeof(judged) / sizeof(judged[0]));
	tcase_add_test(tc, test_not_after_and_detail);
	tcase_add_test(tc, test_system_store);
	tcase_add_test(tc, test_served_pem);
	tcase_add_test(tc, test_served_configured);
	tcase_add_loop_test(tc, test_errors, 0,
	    sizeof(errors) / sizeof(errors[0]));
	suite_add_tcase(s, tc);
	return s;
}

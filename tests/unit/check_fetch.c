/*
 * check_fetch.c - unit tests for the policy fetcher against an HTTPS server
 * of the test's own (OpenSSL, a thread, 127.0.0.1, one connection per
 * fetch, reached through connect_to): what a response must be to count,
 * and that the trust store is parsed once for the process (castore.h; the
 * manual: new contents of the same ca_file apply within the hour, another
 * file at once), not at every connection.
 *
 * The certificates are made here with the OpenSSL API: a test root, an
 * unrelated root, and a leaf for mta-sts.example.test under the first.
 */
#include "config.h"

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <check.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "castore.h"
#include "fetch.h"
#include "scratch.h"
#include "unit.h"

#define DOMAIN	"example.test"
#define POLICY	"version: STSv1\r\nmode: testing\r\nmx: mx.example.test\r\n" \
		"max_age: 86400\r\n"
#define POLICY_LEN "68"		/* strlen(POLICY), as test_response checks */

static char dir[4096];
static char ca_path[4200];
static EVP_PKEY *root_key, *other_key, *leaf_key;
static X509 *root, *other, *leaf;

static X509 *
issue(const char *cn, const char *san, EVP_PKEY *key, X509 *issuer,
    EVP_PKEY *issuer_key)
{
	X509	*x = X509_new();
	X509_NAME *name = X509_get_subject_name(x);
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	const char *bc = san == NULL ? "critical,CA:TRUE" : "critical,CA:FALSE";

	ck_assert_ptr_nonnull(x);
	ck_assert_int_eq(X509_set_version(x, X509_VERSION_3), 1);
	ASN1_INTEGER_set(X509_get_serialNumber(x), san == NULL ? 1 : 2);
	ck_assert_ptr_nonnull(X509_gmtime_adj(X509_getm_notBefore(x), -3600));
	ck_assert_ptr_nonnull(X509_gmtime_adj(X509_getm_notAfter(x), 86400));
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, issuer != NULL ?
	    X509_get_subject_name(issuer) : name);
	ck_assert_int_eq(X509_set_pubkey(x, key), 1);
	X509V3_set_ctx(&ctx, issuer != NULL ? issuer : x, x, NULL, NULL, 0);
	ck_assert_ptr_nonnull(ext = X509V3_EXT_conf_nid(NULL, &ctx,
	    NID_basic_constraints, bc));
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	if (san != NULL) {
		ck_assert_ptr_nonnull(ext = X509V3_EXT_conf_nid(NULL, &ctx,
		    NID_subject_alt_name, san));
		X509_add_ext(x, ext, -1);
		X509_EXTENSION_free(ext);
	}
	ck_assert_int_gt(X509_sign(x, issuer_key != NULL ? issuer_key : key,
	    EVP_sha256()), 0);
	return x;
}

/* ca_file's contents: the one certificate x. */
static void
write_ca(X509 *x)
{
	char	tmp[4300];
	FILE	*fp;

	snprintf(tmp, sizeof(tmp), "%s.new", ca_path);
	ck_assert_ptr_nonnull(fp = fopen(tmp, "w"));
	ck_assert_int_eq(PEM_write_X509(fp, x), 1);
	ck_assert_int_eq(fclose(fp), 0);
	ck_assert_int_eq(rename(tmp, ca_path), 0);
}

static void
setup(void)
{
	/* A client that gives up closes the connection under the server. */
	signal(SIGPIPE, SIG_IGN);
	scratch_make(dir, sizeof(dir), "check_fetch");
	snprintf(ca_path, sizeof(ca_path), "%s/ca.pem", dir);
	ck_assert_ptr_nonnull(root_key = EVP_EC_gen("P-256"));
	ck_assert_ptr_nonnull(other_key = EVP_EC_gen("P-256"));
	ck_assert_ptr_nonnull(leaf_key = EVP_EC_gen("P-256"));
	root = issue("Fetch Test Root", NULL, root_key, NULL, NULL);
	other = issue("Unrelated Root", NULL, other_key, NULL, NULL);
	leaf = issue("mta-sts." DOMAIN, "DNS:mta-sts." DOMAIN, leaf_key, root,
	    root_key);
	write_ca(root);
}

static void
teardown(void)
{
	X509_free(root);
	X509_free(other);
	X509_free(leaf);
	EVP_PKEY_free(root_key);
	EVP_PKEY_free(other_key);
	EVP_PKEY_free(leaf_key);
	scratch_remove(dir);
}

/* --- the server: one connection, one canned response ------------------- */

struct server {
	int		 fd;
	int		 port;
	const char	*response;
	pthread_t	 thread;
};

static void *
serve_one(void *arg)
{
	struct server *sv = arg;
	SSL_CTX	*ctx = SSL_CTX_new(TLS_server_method());
	SSL	*ssl;
	char	 req[4096];
	size_t	 got = 0;
	int	 c, n;

	if (ctx == NULL || SSL_CTX_use_certificate(ctx, leaf) != 1 ||
	    SSL_CTX_use_PrivateKey(ctx, leaf_key) != 1 ||
	    (c = accept(sv->fd, NULL, NULL)) == -1) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	ssl = SSL_new(ctx);
	SSL_set_fd(ssl, c);
	if (SSL_accept(ssl) == 1) {
		/* The request ends with an empty line. */
		while (got < sizeof(req) - 1 && (n = SSL_read(ssl, req + got,
		    (int)(sizeof(req) - 1 - got))) > 0) {
			got += (size_t)n;
			req[got] = '\0';
			if (strstr(req, "\r\n\r\n") != NULL)
				break;
		}
		SSL_write(ssl, sv->response, (int)strlen(sv->response));
		SSL_shutdown(ssl);
	}
	SSL_free(ssl);
	close(c);
	SSL_CTX_free(ctx);
	return NULL;
}

static void
server_start(struct server *sv, const char *response)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_ne(sv->fd = socket(AF_INET, SOCK_STREAM, 0), -1);
	ck_assert_int_eq(bind(sv->fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(listen(sv->fd, 1), 0);
	ck_assert_int_eq(getsockname(sv->fd, (struct sockaddr *)&sin, &len), 0);
	sv->port = ntohs(sin.sin_port);
	sv->response = response;
	ck_assert_int_eq(pthread_create(&sv->thread, NULL, serve_one, sv), 0);
}

/* One fetch of domain's policy from a server answering response. */
static enum fetch_status
fetch_from(struct fetcher *f, const char *domain, const char *response,
    struct fetch_result *r)
{
	struct server sv;
	char	 target[64];
	const char *connect_to[] = { target };
	struct fetch_options opt = {
		.ca_file = ca_path,
		.connect_to = connect_to,
		.connect_to_count = 1,
		.timeout_ms = 10000,
	};
	enum fetch_status st;

	server_start(&sv, response);
	snprintf(target, sizeof(target), "mta-sts.%s:443:127.0.0.1:%d",
	    domain, sv.port);
	st = fetcher_fetch(f, domain, &opt, r);
	/* A refused handshake leaves the server done too. */
	pthread_join(sv.thread, NULL);
	close(sv.fd);
	return st;
}

static enum fetch_status
fetch_once(struct fetcher *f, const char *response, struct fetch_result *r)
{
	return fetch_from(f, DOMAIN, response, r);
}

/* --- what a response must be ------------------------------------------- */

#define OK_HEAD	"HTTP/1.1 200 OK\r\nConnection: close\r\n"
#define LENGTH	"Content-Length: " POLICY_LEN "\r\n\r\n"

static const struct {
	const char	*response;
	enum fetch_status want;
	long		 http_code;
	const char	*error;		/* in r.error, when not OK */
} responses[] = {
	{ OK_HEAD "Content-Type: text/plain\r\n" LENGTH POLICY,
	    FETCH_OK, 200, NULL },
	{ OK_HEAD "Content-Type: text/plain; charset=utf-8\r\n"
	    LENGTH POLICY, FETCH_OK, 200, NULL },
	{ OK_HEAD "Content-Type: text/html\r\n" LENGTH POLICY,
	    FETCH_ERROR, 200, "text/plain" },
	{ "HTTP/1.1 301 Moved\r\nLocation: https://example.test/\r\n"
	    "Content-Length: 0\r\nConnection: close\r\n\r\n",
	    FETCH_ERROR, 301, "redirect" },
	{ "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\n"
	    "Content-Length: 0\r\nConnection: close\r\n\r\n",
	    FETCH_ERROR, 404, "HTTP status 404" },
};

START_TEST(test_response)
{
	struct fetcher *f = fetcher_new();
	struct fetch_result r;

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fetch_once(f, responses[_i].response, &r),
	    responses[_i].want);
	ck_assert_int_eq(r.http_code, responses[_i].http_code);
	if (responses[_i].want == FETCH_OK) {
		ck_assert_uint_eq(r.body_len, strlen(POLICY));
		ck_assert_str_eq(r.body, POLICY);
	} else {
		ck_assert_ptr_null(r.body);
		ck_assert_ptr_nonnull(strstr(r.error, responses[_i].error));
	}
	fetch_result_free(&r);
	fetcher_free(f);
}
END_TEST

/* --- the trust store: parsed once per fetcher ---------------------------- */

#define GOOD	OK_HEAD "Content-Type: text/plain\r\n" LENGTH POLICY

START_TEST(test_untrusted)
{
	struct fetcher *f = fetcher_new();
	struct fetch_result r;

	write_ca(other);
	ck_assert_int_eq(fetch_once(f, GOOD, &r), FETCH_WEBPKI_INVALID);
	fetch_result_free(&r);
	fetcher_free(f);
}
END_TEST

/* The store's certificate, but for another name: still refused. */
START_TEST(test_wrong_name)
{
	struct fetcher *f = fetcher_new();
	struct fetch_result r;

	ck_assert_int_eq(fetch_from(f, "other.test", GOOD, &r),
	    FETCH_WEBPKI_INVALID);
	fetch_result_free(&r);
	ck_assert_int_eq(fetch_once(f, GOOD, &r), FETCH_OK);
	fetch_result_free(&r);
	fetcher_free(f);
}
END_TEST

/*
 * The process parses ca_file once (castore.h): the file's new contents
 * (another root) apply neither to the next fetch of the same fetcher nor
 * to a new fetcher's, until CASTORE_SECONDS have passed. Parsing it at
 * every connection, as libcurl did with a CA directory beside the file,
 * fails the second fetch.
 */
START_TEST(test_store_kept)
{
	struct fetcher *f = fetcher_new(), *fresh = fetcher_new();
	struct fetch_result r;

	ck_assert_int_eq(fetch_once(f, GOOD, &r), FETCH_OK);
	fetch_result_free(&r);
	write_ca(other);
	ck_assert_msg(fetch_once(f, GOOD, &r) == FETCH_OK,
	    "the second fetch parsed ca_file again: %s", r.error);
	fetch_result_free(&r);
	ck_assert_msg(fetch_once(fresh, GOOD, &r) == FETCH_OK,
	    "another fetcher parsed ca_file again: %s", r.error);
	fetch_result_free(&r);
	fetcher_free(f);
	fetcher_free(fresh);
}
END_TEST

/* A ca_file naming another file applies at the next fetch. */
START_TEST(test_other_file)
{
	struct fetcher *f = fetcher_new();
	struct fetch_result r;
	char	first[sizeof(ca_path)];

	ck_assert_int_eq(fetch_once(f, GOOD, &r), FETCH_OK);
	fetch_result_free(&r);
	memcpy(first, ca_path, sizeof(first));
	snprintf(ca_path, sizeof(ca_path), "%s/other.pem", dir);
	write_ca(other);
	ck_assert_int_eq(fetch_once(f, GOOD, &r), FETCH_WEBPKI_INVALID);
	fetch_result_free(&r);
	memcpy(ca_path, first, sizeof(ca_path));
	ck_assert_int_eq(fetch_once(f, GOOD, &r), FETCH_OK);
	fetch_result_free(&r);
	fetcher_free(f);
}
END_TEST

/* A ca_file that cannot be read: libcurl's own error, as before. */
START_TEST(test_unreadable)
{
	static const char *const contents[] = { NULL, "", "not PEM\n" };
	struct fetcher *f = fetcher_new();
	struct fetch_result r;
	size_t	i;

	for (i = 0; i < sizeof(contents) / sizeof(contents[0]); i++) {
		if (contents[i] == NULL)
			ck_assert_int_eq(unlink(ca_path), 0);
		else
			scratch_put(ca_path, contents[i], 0644);
		ck_assert_ptr_null(castore_get(ca_path, time(NULL)));
		ck_assert_int_eq(fetch_once(f, GOOD, &r),
		    FETCH_WEBPKI_INVALID);
		ck_assert_str_ne(r.error, "");
		fetch_result_free(&r);
	}
	fetcher_free(f);
}
END_TEST

/* castore_get: kept for CASTORE_SECONDS, per path, read again after. */
START_TEST(test_castore_times)
{
	const time_t t0 = 1767225600;
	X509_STORE *a, *b, *c, *d;

	ck_assert_ptr_nonnull(a = castore_get(ca_path, t0));
	ck_assert_ptr_eq(b = castore_get(ca_path, t0 + CASTORE_SECONDS - 1), a);
	castore_put(b);
	/* An hour on, or a clock set back: the file is read again. */
	ck_assert_ptr_nonnull(b = castore_get(ca_path, t0 + CASTORE_SECONDS));
	ck_assert_ptr_ne(b, a);
	ck_assert_ptr_nonnull(c = castore_get(ca_path, t0));
	ck_assert_ptr_ne(c, b);
	/* No path: no store. */
	ck_assert_ptr_null(castore_get("", t0));
	ck_assert_ptr_null(castore_get(NULL, t0));
	/* The replaced stores stay usable while referenced. */
	ck_assert_ptr_nonnull(d = castore_get(ca_path, t0 + 1));
	ck_assert_ptr_eq(d, c);
	ck_assert_int_gt(sk_X509_OBJECT_num(X509_STORE_get0_objects(a)), 0);
	castore_put(a);
	castore_put(b);
	castore_put(c);
	castore_put(d);
}
END_TEST

Suite *
unit_suite(void)
{
	Suite	*s = suite_create("fetch");
	TCase	*tc = tcase_create("fetch");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_response, 0,
	    (int)(sizeof(responses) / sizeof(responses[0])));
	tcase_add_test(tc, test_untrusted);
	tcase_add_test(tc, test_wrong_name);
	tcase_add_test(tc, test_store_kept);
	tcase_add_test(tc, test_other_file);
	tcase_add_test(tc, test_unreadable);
	tcase_add_test(tc, test_castore_times);
	suite_add_tcase(s, tc);
	return s;
}

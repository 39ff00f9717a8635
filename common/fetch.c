/*
 * fetch.c - HTTPS policy fetch with libcurl (RFC 8461 3.3).
 *
 * Everything a sender must refuse is refused here, so that callers only see
 * a body worth parsing: redirects are not followed, only HTTPS is allowed,
 * the certificate must be valid for mta-sts.<domain>, status must be 200,
 * the media type text/plain, and the body no larger than POLICY_MAX_BYTES
 * (the transfer is aborted past it).
 *
 * A fetcher keeps its libcurl handle from one fetch to the next; every
 * option is set anew each time and no connection is kept. The trust store
 * is the process's, parsed once (castore.h), not libcurl's per handle.
 */
#include "config.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/ssl.h>

#include "castore.h"
#include "fetch.h"

#define FETCH_DEFAULT_TIMEOUT_MS	60000L

struct body_buf {
	char	*data;
	size_t	 len;
	int	 overflow;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_status;

static int curl_openssl;		/* libcurl's TLS is OpenSSL's: SSL_CTX */

static void
curl_init(void)
{
	const curl_version_info_data *v;

	curl_init_status = curl_global_init(CURL_GLOBAL_DEFAULT);
	v = curl_version_info(CURLVERSION_NOW);
	curl_openssl = v != NULL && v->ssl_version != NULL &&
	    strncasecmp(v->ssl_version, "OpenSSL/", 8) == 0;
}

static size_t
body_write(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct body_buf *b = arg;
	size_t n = size * nmemb;
	char *p;

	if (b->len + n > POLICY_MAX_BYTES) {
		b->overflow = 1;
		return 0;		/* makes curl abort the transfer */
	}
	if ((p = realloc(b->data, b->len + n + 1)) == NULL)
		return 0;
	memcpy(p + b->len, ptr, n);
	b->len += n;
	p[b->len] = '\0';
	b->data = p;
	return n;
}

int
fetch_content_type_ok(const char *value)
{
	static const char want[] = "text/plain";
	size_t n = sizeof(want) - 1;

	if (value == NULL)
		return 0;
	while (*value == ' ' || *value == '\t')
		value++;
	if (strncasecmp(value, want, n) != 0)
		return 0;
	value += n;
	while (*value == ' ' || *value == '\t')
		value++;
	return *value == '\0' || *value == ';';
}

/* Lets a daemon that is stopping abandon a slow transfer. */
static int
progress(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
    curl_off_t ulnow)
{
	const atomic_int *cancel = arg;

	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	return atomic_load(cancel) != 0;
}

static int
is_webpki_error(CURLcode rc)
{
	return rc == CURLE_PEER_FAILED_VERIFICATION ||
	    rc == CURLE_SSL_CACERT_BADFILE || rc == CURLE_SSL_ISSUER_ERROR ||
	    rc == CURLE_SSL_INVALIDCERTSTATUS || rc == CURLE_SSL_PINNEDPUBKEYNOTMATCH;
}

static void fail(struct fetch_result *, enum fetch_status, const char *, ...)
	    __attribute__((format(printf, 3, 4)));

static void
fail(struct fetch_result *out, enum fetch_status st, const char *fmt, ...)
{
	va_list ap;

	out->status = st;
	va_start(ap, fmt);
	vsnprintf(out->error, sizeof(out->error), fmt, ap);
	va_end(ap);
}

/* Apply the checks that come after the transfer succeeded. */
static void
judge_response(CURL *c, struct body_buf *b, struct fetch_result *out)
{
	char *ct = NULL;

	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->http_code);
	curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct);
	if (ct != NULL)
		snprintf(out->content_type, sizeof(out->content_type), "%s", ct);
	if (out->http_code >= 300 && out->http_code < 400) {
		snprintf(out->error, sizeof(out->error), "HTTP %ld redirect: "
		    "senders do not follow redirects; serve the policy at this "
		    "URL with status 200", out->http_code);
		out->status = FETCH_ERROR;
		return;
	}
	if (out->http_code != 200) {
		snprintf(out->error, sizeof(out->error), "HTTP status %ld: "
		    "senders accept only 200", out->http_code);
		out->status = FETCH_ERROR;
		return;
	}
	if (!fetch_content_type_ok(ct)) {
		fail(out, FETCH_ERROR, "Content-Type \"%s\": senders expect "
		    "text/plain", ct != NULL ? out->content_type : "(none)");
		return;
	}
	out->body = b->data != NULL ? b->data : strdup("");
	out->body_len = b->len;
	b->data = NULL;
	out->status = out->body != NULL ? FETCH_OK : FETCH_ERROR;
}

struct fetcher {
	CURL	*curl;
	char	*default_cafile;	/* libcurl's own CA file, or NULL */
};

/*
 * Each connection's context verifies the server with the process's parsed
 * store: as its verify store, which libcurl never touches (libcurl 7.88
 * sets up the context's own store after this callback, lazily, and may
 * put the store it cached in its place).
 */
static CURLcode
set_store(CURL *c, void *ssl_ctx, void *arg)
{
	(void)c;
	return SSL_CTX_set1_verify_cert_store(ssl_ctx, arg) == 1 ? CURLE_OK :
	    CURLE_SSL_CACERT_BADFILE;
}

/*
 * Hand libcurl the shared trust store (castore.h) instead of a CA file it
 * would parse at every connection (libcurl's own CA cache is one per
 * handle, so one per worker, and does not apply at all where libcurl has
 * a default CA directory too, as Debian's has). 0 when there is no store
 * (the file cannot be read: libcurl then reads it and reports why) or
 * this libcurl's TLS is not OpenSSL (its callback would get another
 * library's context): libcurl does as it would.
 */
static int
use_store(CURL *c, X509_STORE *store)
{
	if (store == NULL || !curl_openssl ||
	    curl_easy_setopt(c, CURLOPT_SSL_CTX_FUNCTION, set_store) !=
	    CURLE_OK) {
		curl_easy_setopt(c, CURLOPT_SSL_CTX_FUNCTION, NULL);
		return 0;
	}
	curl_easy_setopt(c, CURLOPT_SSL_CTX_DATA, store);
	/* Nothing for libcurl to parse into the context's own store. */
	curl_easy_setopt(c, CURLOPT_CAINFO, NULL);
	curl_easy_setopt(c, CURLOPT_CAPATH, NULL);
	return 1;
}

/* Every option set anew on c (reset first: nothing of the last fetch). */
static void
setup(CURL *c, const char *url, const struct fetch_options *opt,
    X509_STORE *store, struct curl_slist **connect_to, struct body_buf *b)
{
	size_t i;

	curl_easy_reset(c);
	for (i = 0; i < opt->connect_to_count; i++)
		*connect_to = curl_slist_append(*connect_to, opt->connect_to[i]);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, opt->timeout_ms > 0 ?
	    opt->timeout_ms : FETCH_DEFAULT_TIMEOUT_MS);
	curl_easy_setopt(c, CURLOPT_MAXFILESIZE, (long)POLICY_MAX_BYTES);
	curl_easy_setopt(c, CURLOPT_USERAGENT, PACKAGE_NAME "/" PACKAGE_VERSION);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, body_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, b);
	if (!use_store(c, store) && opt->ca_file != NULL &&
	    *opt->ca_file != '\0')
		curl_easy_setopt(c, CURLOPT_CAINFO, opt->ca_file);
	if (*connect_to != NULL)
		curl_easy_setopt(c, CURLOPT_CONNECT_TO, *connect_to);
	if (opt->cancel != NULL) {
		curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, progress);
		curl_easy_setopt(c, CURLOPT_XFERINFODATA, (void *)opt->cancel);
		curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	}
	/* The next fetch is another host: nothing to keep a connection for,
	 * nor a TLS session (a resumed one is not verified again, against
	 * a ca_file that may have changed since). */
	curl_easy_setopt(c, CURLOPT_FORBID_REUSE, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_SESSIONID_CACHE, 0L);
}

/* libcurl's CA file when ca_file is "" (NULL: none, or not known). */
static char *
default_cafile(CURL *c)
{
#if LIBCURL_VERSION_NUM >= 0x075400	/* 7.84.0 */
	char *path = NULL;

	if (curl_easy_getinfo(c, CURLINFO_CAINFO, &path) == CURLE_OK &&
	    path != NULL && *path != '\0')
		return strdup(path);
#else
	(void)c;
#endif
	return NULL;
}

struct fetcher *
fetcher_new(void)
{
	struct fetcher *f;

	pthread_once(&curl_once, curl_init);
	if (curl_init_status != CURLE_OK ||
	    (f = calloc(1, sizeof(*f))) == NULL)
		return NULL;
	if ((f->curl = curl_easy_init()) == NULL) {
		free(f);
		return NULL;
	}
	f->default_cafile = default_cafile(f->curl);
	return f;
}

void
fetcher_free(struct fetcher *f)
{
	if (f == NULL)
		return;
	curl_easy_cleanup(f->curl);
	free(f->default_cafile);
	free(f);
}

enum fetch_status
fetcher_fetch(struct fetcher *f, const char *domain,
    const struct fetch_options *opt, struct fetch_result *out)
{
	static const struct fetch_options defaults;
	struct curl_slist *connect_to = NULL;
	struct body_buf b = { NULL, 0, 0 };
	X509_STORE *store;
	char errbuf[CURL_ERROR_SIZE] = "";
	curl_off_t elapsed_us = 0;
	CURLcode rc;
	CURL *c = f->curl;

	memset(out, 0, sizeof(*out));
	if (opt == NULL)
		opt = &defaults;
	snprintf(out->url, sizeof(out->url),
	    "https://mta-sts.%s/.well-known/mta-sts.txt", domain);
	store = castore_get(opt->ca_file != NULL && *opt->ca_file != '\0' ?
	    opt->ca_file : f->default_cafile, time(NULL));
	setup(c, out->url, opt, store, &connect_to, &b);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_TOTAL_TIME_T, &elapsed_us);
	out->elapsed_ms = (long)(elapsed_us / 1000);
	if (b.overflow || rc == CURLE_FILESIZE_EXCEEDED) {
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->http_code);
		snprintf(out->error, sizeof(out->error), "policy body larger "
		    "than %d bytes: senders stop reading; shorten it",
		    POLICY_MAX_BYTES);
		out->status = FETCH_ERROR;
	} else if (rc != CURLE_OK)
		fail(out, is_webpki_error(rc) ? FETCH_WEBPKI_INVALID :
		    FETCH_ERROR, "%s", *errbuf ? errbuf : curl_easy_strerror(rc));
	else
		judge_response(c, &b, out);
	free(b.data);
	/* The list and the buffers are this call's: unhook them. */
	curl_easy_setopt(c, CURLOPT_CONNECT_TO, NULL);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, NULL);
	curl_easy_setopt(c, CURLOPT_SSL_CTX_DATA, NULL);
	curl_slist_free_all(connect_to);
	castore_put(store);
	return out->status;
}

enum fetch_status
fetch_policy(const char *domain, const struct fetch_options *opt,
    struct fetch_result *out)
{
	struct fetcher *f;
	enum fetch_status st;

	if ((f = fetcher_new()) == NULL) {
		memset(out, 0, sizeof(*out));
		snprintf(out->url, sizeof(out->url),
		    "https://mta-sts.%s/.well-known/mta-sts.txt", domain);
		fail(out, FETCH_ERROR, "%s", "cannot initialise libcurl");
		return out->status;
	}
	st = fetcher_fetch(f, domain, opt, out);
	fetcher_free(f);
	return st;
}

void
fetch_result_free(struct fetch_result *r)
{
	free(r->body);
	r->body = NULL;
	r->body_len = 0;
}

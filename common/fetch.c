/*
 * fetch.c - HTTPS policy fetch with libcurl (RFC 8461 3.3).
 *
 * Everything a sender must refuse is refused here, so that callers only see
 * a body worth parsing: redirects are not followed, only HTTPS is allowed,
 * the certificate must be valid for mta-sts.<domain>, status must be 200,
 * the media type text/plain, and the body no larger than POLICY_MAX_BYTES
 * (the transfer is aborted past it).
 *
 * A fetcher keeps its libcurl handle from one fetch to the next, for the
 * trust store libcurl caches in it; every option is set anew each time and
 * no connection is kept.
 */
#include "config.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fetch.h"

#define FETCH_DEFAULT_TIMEOUT_MS	60000L

struct body_buf {
	char	*data;
	size_t	 len;
	int	 overflow;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_status;

static void
curl_init(void)
{
	curl_init_status = curl_global_init(CURL_GLOBAL_DEFAULT);
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
	int	 default_cafile;	/* libcurl was built with a CA file */
};

/* Every option set anew on c (reset first: nothing of the last fetch). */
static void
setup(const struct fetcher *f, const char *url,
    const struct fetch_options *opt, struct curl_slist **connect_to,
    struct body_buf *b)
{
	CURL *c = f->curl;
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
	if (opt->ca_file != NULL && *opt->ca_file != '\0')
		curl_easy_setopt(c, CURLOPT_CAINFO, opt->ca_file);
	/*
	 * libcurl keeps the parsed trust store only when it comes from a
	 * file alone; with a directory too (Debian's libcurl defaults to
	 * /etc/ssl/certs) it parses the file again at every connection.
	 * The file holds the same anchors: leave the directory out.
	 */
	if ((opt->ca_file != NULL && *opt->ca_file != '\0') ||
	    f->default_cafile)
		curl_easy_setopt(c, CURLOPT_CAPATH, NULL);
	if (*connect_to != NULL)
		curl_easy_setopt(c, CURLOPT_CONNECT_TO, *connect_to);
	if (opt->cancel != NULL) {
		curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, progress);
		curl_easy_setopt(c, CURLOPT_XFERINFODATA, (void *)opt->cancel);
		curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	}
	/* The next fetch is another host: nothing to keep a connection for. */
	curl_easy_setopt(c, CURLOPT_FORBID_REUSE, 1L);
#if LIBCURL_VERSION_NUM >= 0x075700	/* 7.87.0 */
	curl_easy_setopt(c, CURLOPT_CA_CACHE_TIMEOUT,
	    (long)FETCH_CA_CACHE_SECONDS);
#endif
}

/* Whether libcurl has a CA file of its own to use without ca_file. */
static int
default_cafile(CURL *c)
{
#if LIBCURL_VERSION_NUM >= 0x075400	/* 7.84.0 */
	char *path = NULL;

	return curl_easy_getinfo(c, CURLINFO_CAINFO, &path) == CURLE_OK &&
	    path != NULL && *path != '\0';
#else
	(void)c;
	return 0;
#endif
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
	free(f);
}

enum fetch_status
fetcher_fetch(struct fetcher *f, const char *domain,
    const struct fetch_options *opt, struct fetch_result *out)
{
	static const struct fetch_options defaults;
	struct curl_slist *connect_to = NULL;
	struct body_buf b = { NULL, 0, 0 };
	char errbuf[CURL_ERROR_SIZE] = "";
	curl_off_t elapsed_us = 0;
	CURLcode rc;
	CURL *c = f->curl;

	memset(out, 0, sizeof(*out));
	if (opt == NULL)
		opt = &defaults;
	snprintf(out->url, sizeof(out->url),
	    "https://mta-sts.%s/.well-known/mta-sts.txt", domain);
	setup(f, out->url, opt, &connect_to, &b);
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
	curl_slist_free_all(connect_to);
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

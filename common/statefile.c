/*
 * statefile.c - save and load the discovery state as one JSON document:
 *
 *   {"version":1,"saved":T,"domains":[{"domain":D,"last_used":T,
 *    "txt":"valid","txt_id":I,"txt_checked":T,"txt_lenient":L,
 *    "policy":{"id":I,"fetched_at":T,"expires_at":T,"digest":HEX,
 *              "mode":M,"max_age":N,"mx":[...],"lenient":L} | null,
 *    "error":{"reason":R,"text":S,"id":I,"at":T} | null,
 *    "body_changed_at":T | null}, ...]}
 *
 * L is the LENIENT_* bits of the senders that alone read the record or the
 * policy (0: every sender does); files without it load as 0.
 * The policy is kept parsed (not as its body), so the file stays small
 * however many domains are tracked. Loading checks every field: a file
 * written by something else, truncated or edited wrongly is set aside
 * whole rather than half-believed. One that cannot be read at all (its
 * mode, an I/O error) is not corrupt: it is reported and kept, and
 * atomicfile will not replace it until it can be read.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "atomicfile.h"
#include "jsonbuf.h"
#include "msg.h"
#include "statefile.h"
#include "stslex.h"
#include "verdict.h"

#define STATEFILE_VERSION	1
#define PATH_MAX_LEN		4096
#define STATEFILE_MODE		0640
#define STATEFILE_SIZE_MAX	(256 * 1024 * 1024)	/* bytes read at most */

static const char *const txt_names[] = {
	"unknown", "valid", "absent", "invalid", "dns-failure"
};

static int
state_path(char *buf, size_t size, const char *dir)
{
	int	n = snprintf(buf, size, "%s/%s", dir, STATEFILE_NAME);

	return n >= 0 && (size_t)n < size ? 0 : -1;
}

static void
hex_encode(char *out, const unsigned char *in, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	size_t	i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0xf];
	}
	out[2 * len] = '\0';
}

static int
hex_decode(unsigned char *out, size_t len, const char *in)
{
	size_t	i;
	int	hi, lo;

	if (strlen(in) != 2 * len)
		return -1;
	for (i = 0; i < len; i++) {
		if ((hi = lex_hex_value((unsigned char)in[2 * i])) < 0 ||
		    (lo = lex_hex_value((unsigned char)in[2 * i + 1])) < 0)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

static json_t *
policy_json(const struct stscache *c)
{
	char	 digest[2 * STSCACHE_DIGEST_LEN + 1];
	json_t	*mx;
	size_t	 i;

	if (!c->have_policy)
		return json_null();
	mx = json_array();
	for (i = 0; mx != NULL && i < c->policy.mx_count; i++)
		json_array_append_new(mx, json_string(c->policy.mx[i]));
	hex_encode(digest, c->digest, STSCACHE_DIGEST_LEN);
	return json_pack("{s:s, s:I, s:I, s:s, s:s, s:I, s:o, s:I}",
	    "id", c->policy_id, "fetched_at", (json_int_t)c->fetched_at,
	    "expires_at", (json_int_t)c->expires_at, "digest", digest,
	    "mode", sts_mode_name(c->policy.mode),
	    "max_age", (json_int_t)c->policy.max_age, "mx", mx,
	    "lenient", (json_int_t)c->policy.lenient);
}

static json_t *
error_json(const struct stscache *c)
{
	if (c->fetch_error == 0)
		return json_null();
	return json_pack("{s:s, s:s, s:s, s:I}",
	    "reason", verdict_reason_name(c->fetch_error),
	    "text", c->fetch_error_text, "id", c->failed_id,
	    "at", (json_int_t)c->failed_at);
}

static json_t *
domain_json(const struct statefile_domain *d)
{
	const struct stscache *c = &d->cache;

	return json_pack("{s:s, s:I, s:s, s:s, s:I, s:I, s:o, s:o, s:o}",
	    "domain", d->domain, "last_used", (json_int_t)d->last_used,
	    "txt", txt_names[c->txt], "txt_id", c->txt_id,
	    "txt_checked", (json_int_t)c->txt_checked,
	    "txt_lenient", (json_int_t)c->txt_lenient,
	    "policy", policy_json(c), "error", error_json(c),
	    "body_changed_at", c->body_changed ?
	    json_integer((json_int_t)c->body_changed_at) : json_null());
}

/*
 * The document, one domain at a time: each domain's JSON tree is built,
 * written (jsonbuf: json_dumps's bytes, JSON_COMPACT | JSON_ENSURE_ASCII)
 * and freed before the next, so that saving 10,000 domains costs the text
 * and one small tree, not a tree of the whole state (tens of megabytes
 * that stay in the heap). No longer than the loader reads.
 */
static char *
document_text(const struct statefile_domain *const *d, size_t n, time_t now,
    size_t *len)
{
	struct jsonbuf b;
	char	head[64];
	json_t	*o;
	size_t	 i;

	jsonbuf_init(&b, STATEFILE_SIZE_MAX);
	snprintf(head, sizeof(head), "{\"version\":%d,\"saved\":%lld,"
	    "\"domains\":[", STATEFILE_VERSION, (long long)now);
	jsonbuf_raw(&b, head, strlen(head));
	for (i = 0; i < n && b.error == JSONBUF_OK; i++) {
		if ((o = domain_json(d[i])) == NULL) {
			jsonbuf_free(&b);
			return NULL;
		}
		if (i > 0)
			jsonbuf_raw(&b, ",", 1);
		jsonbuf_value(&b, o);
		json_decref(o);
	}
	jsonbuf_raw(&b, "]}", 2);
	if (b.error != JSONBUF_OK) {
		jsonbuf_free(&b);
		return NULL;
	}
	*len = b.len;
	return b.buf;
}

int
statefile_save(const char *dir, const struct statefile_domain *const *d,
    size_t n, time_t now, char *err, size_t errlen)
{
	char	 path[PATH_MAX_LEN];
	char	*text;
	size_t	 len;
	int	 rc;

	if (state_path(path, sizeof(path), dir) == -1) {
		snprintf(err, errlen, "state_dir \"%s\": path too long", dir);
		return -1;
	}
	if ((text = document_text(d, n, now, &len)) == NULL) {
		snprintf(err, errlen, "out of memory, or more than %d bytes",
		    STATEFILE_SIZE_MAX);
		return -1;
	}
	rc = atomicfile_write(path, text, len, STATEFILE_MODE, err, errlen);
	free(text);
	return rc;
}

static int
copy_bounded(char *dst, size_t size, const char *src)
{
	size_t	len = strlen(src);

	if (len >= size)
		return -1;
	memcpy(dst, src, len + 1);
	return 0;
}

static int
txt_from_name(const char *name, enum txt_outcome *out)
{
	size_t	i;

	for (i = 0; i < sizeof(txt_names) / sizeof(txt_names[0]); i++) {
		if (strcmp(txt_names[i], name) == 0) {
			*out = (enum txt_outcome)i;
			return 0;
		}
	}
	return -1;
}

static int
mode_from_name(const char *name, enum sts_mode *out)
{
	static const enum sts_mode modes[] = {
		STS_MODE_ENFORCE, STS_MODE_TESTING, STS_MODE_NONE
	};
	size_t	i;

	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		if (strcmp(sts_mode_name(modes[i]), name) == 0) {
			*out = modes[i];
			return 0;
		}
	}
	return -1;
}

static unsigned
reason_from_name(const char *name)
{
	unsigned bit;

	for (bit = REASON_STS_POLICY_FETCH_ERROR;
	    bit <= REASON_STS_WEBPKI_INVALID; bit <<= 1)
		if (strcmp(verdict_reason_name(bit), name) == 0)
			return bit;
	return 0;
}

static int
load_policy(json_t *o, struct stscache *c)
{
	json_t		*mx, *v;
	json_int_t	 fetched, expires, max_age, lenient = 0;
	const char	*id, *digest, *mode;
	size_t		 i, cap = 0;

	if (json_is_null(o))
		return 0;
	if (json_unpack(o, "{s:s, s:I, s:I, s:s, s:s, s:I, s:o, s?I !}", "id",
	    &id, "fetched_at", &fetched, "expires_at", &expires, "digest",
	    &digest, "mode", &mode, "max_age", &max_age, "mx", &mx, "lenient",
	    &lenient) == -1 || !json_is_array(mx) || max_age < 0 ||
	    lenient < 0 || lenient > LENIENT_ALL ||
	    copy_bounded(c->policy_id, sizeof(c->policy_id), id) == -1 ||
	    hex_decode(c->digest, STSCACHE_DIGEST_LEN, digest) == -1 ||
	    mode_from_name(mode, &c->policy.mode) == -1)
		return -1;
	c->have_policy = 1;
	c->fetched_at = (time_t)fetched;
	c->expires_at = (time_t)expires;
	c->policy.has_version = 1;
	c->policy.has_max_age = 1;
	c->policy.max_age = (uint64_t)max_age;
	c->policy.lenient = (unsigned)lenient;
	json_array_foreach(mx, i, v) {
		if (!json_is_string(v) || lex_strings_append(&c->policy.mx,
		    &c->policy.mx_count, &cap, json_string_value(v),
		    json_string_length(v)) == -1)
			return -1;
	}
	return 0;
}

static int
load_error(json_t *o, struct stscache *c)
{
	const char	*reason, *text, *id;
	json_int_t	 at;

	if (json_is_null(o))
		return 0;
	if (json_unpack(o, "{s:s, s:s, s:s, s:I !}", "reason", &reason,
	    "text", &text, "id", &id, "at", &at) == -1 ||
	    (c->fetch_error = reason_from_name(reason)) == 0 ||
	    copy_bounded(c->failed_id, sizeof(c->failed_id), id) == -1)
		return -1;
	snprintf(c->fetch_error_text, sizeof(c->fetch_error_text), "%s", text);
	c->failed_at = (time_t)at;
	return 0;
}

static int
load_domain(json_t *o, struct statefile_domain *d)
{
	struct stscache *c = &d->cache;
	json_t		*policy, *error, *changed;
	const char	*domain, *txt, *txt_id;
	json_int_t	 used, checked, lenient = 0;

	if (json_unpack(o, "{s:s, s:I, s:s, s:s, s:I, s?I, s:o, s:o, s:o !}",
	    "domain", &domain, "last_used", &used, "txt", &txt,
	    "txt_id", &txt_id, "txt_checked", &checked, "txt_lenient",
	    &lenient, "policy", &policy, "error", &error, "body_changed_at",
	    &changed) == -1 || lenient < 0 || lenient > LENIENT_ALL ||
	    domain[0] == '\0' ||
	    copy_bounded(d->domain, sizeof(d->domain), domain) == -1 ||
	    txt_from_name(txt, &c->txt) == -1 ||
	    copy_bounded(c->txt_id, sizeof(c->txt_id), txt_id) == -1 ||
	    load_policy(policy, c) == -1 || load_error(error, c) == -1 ||
	    !(json_is_null(changed) || json_is_integer(changed)))
		return -1;
	d->last_used = (time_t)used;
	c->txt_checked = (time_t)checked;
	c->txt_lenient = (unsigned)lenient;
	c->body_changed = json_is_integer(changed);
	c->body_changed_at = (time_t)json_integer_value(changed);
	return 0;
}

static void
set_aside(const char *path, time_t now, const char *why)
{
	char	aside[PATH_MAX_LEN + 32];

	if (atomicfile_set_aside(path, now, aside, sizeof(aside)) == -1)
		msg_warn("state file %s: %s; could not set it aside (%s); "
		    "starting without saved policies", path, why,
		    strerror(errno));
	else
		msg_warn("state file %s: %s; moved to %s; starting without "
		    "saved policies", path, why, aside);
}

/* Check the whole document first: a bad entry sets the file aside whole. */
static int
check_document(json_t *doc, char *why, size_t whylen)
{
	struct statefile_domain d;
	json_t	*domains, *o;
	size_t	 i;
	int	 version, rc;

	if (json_unpack(doc, "{s:i, s:o}", "version", &version,
	    "domains", &domains) == -1 || !json_is_array(domains)) {
		snprintf(why, whylen, "not a state file (no version or domains)");
		return -1;
	}
	if (version != STATEFILE_VERSION) {
		snprintf(why, whylen, "version %d is not %d", version,
		    STATEFILE_VERSION);
		return -1;
	}
	json_array_foreach(domains, i, o) {
		memset(&d, 0, sizeof(d));
		rc = load_domain(o, &d);
		stscache_free(&d.cache);
		if (rc == -1) {
			snprintf(why, whylen, "domain entry %zu is malformed",
			    i + 1);
			return -1;
		}
	}
	return 0;
}

/* Parse the file; NULL when it is missing, unreadable or set aside. */
static json_t *
load_document(const char *path, time_t now)
{
	json_error_t jerr;
	char	*text, why[PATH_MAX_LEN + 300];
	size_t	 len;
	json_t	*doc;

	switch (atomicfile_read(path, STATEFILE_SIZE_MAX, &text, &len, why,
	    sizeof(why))) {
	case ATOMICFILE_OK:
		break;
	case ATOMICFILE_MISSING:
		return NULL;
	case ATOMICFILE_UNREADABLE:
		msg_warn("state file %s; starting without saved policies, and "
		    "the file is kept as it is", why);
		return NULL;
	case ATOMICFILE_TOO_LARGE:
		set_aside(path, now, "too large");
		return NULL;
	}
	doc = json_loadb(text, len, 0, &jerr);
	free(text);
	if (doc == NULL) {
		snprintf(why, sizeof(why), "line %d: %s", jerr.line, jerr.text);
		set_aside(path, now, why);
		return NULL;
	}
	if (check_document(doc, why, sizeof(why)) == -1) {
		json_decref(doc);
		set_aside(path, now, why);
		return NULL;
	}
	return doc;
}

size_t
statefile_load(const char *dir, time_t now, statefile_add_fn *add, void *arg)
{
	struct statefile_domain d;
	char	 path[PATH_MAX_LEN];
	json_t	*doc, *o;
	size_t	 i, n = 0;

	if (state_path(path, sizeof(path), dir) == -1 ||
	    (doc = load_document(path, now)) == NULL)
		return 0;
	json_array_foreach(json_object_get(doc, "domains"), i, o) {
		memset(&d, 0, sizeof(d));
		if (load_domain(o, &d) == 0 && add(arg, &d) == 0)
			n++;
		else
			stscache_free(&d.cache);
	}
	json_decref(doc);
	return n;
}

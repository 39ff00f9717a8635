/*
 * stsstate.c - the run-to-run state of "mtasts-check domain" (see
 * stsstate.h): the comparison rules, and the JSON file that holds them.
 *
 * The file is small and rewritten whole on every run through atomicfile.h
 * (mkstemp in the same directory, fsync, rename), so a crash leaves either
 * the old or the new state. A file that does not parse is set aside
 * (renamed to *.corrupt-TIME) rather than trusted; one that cannot be read
 * is reported and kept.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "atomicfile.h"
#include "stsstate.h"

#define STSSTATE_FORMAT	1	/* "format" key of the file */
#define STSSTATE_PATH_MAX	4096
#define STSSTATE_MODE		0600
#define STSSTATE_SIZE_MAX	(1024 * 1024)	/* bytes read at most */

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

void
stsstate_obs_sort_mx(struct stsstate_obs *obs)
{
	size_t i, n = 0;

	qsort(obs->mx, obs->mx_count, sizeof(obs->mx[0]), str_cmp);
	for (i = 0; i < obs->mx_count; i++)
		if (n == 0 || strcmp(obs->mx[n - 1], obs->mx[i]) != 0)
			memmove(obs->mx[n++], obs->mx[i], sizeof(obs->mx[0]));
	obs->mx_count = n;
}

int
stsstate_hash(const char *body, size_t len, char *hash)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;

	if (!EVP_Digest(body, len, md, &mdlen, EVP_sha256(), NULL) ||
	    mdlen * 2 + 1 > STSSTATE_HASH_LEN)
		return -1;
	for (i = 0; i < mdlen; i++)
		snprintf(hash + 2 * i, 3, "%02x", md[i]);
	return 0;
}

static long long
expiry(const struct stsstate_policy *p)
{
	return p->last_seen + (long long)p->max_age;
}

long long
stsstate_removal_date(const struct stsstate *st)
{
	long long latest = 0;
	size_t i;

	for (i = 0; i < st->policy_count; i++)
		if (expiry(&st->policies[i]) > latest)
			latest = expiry(&st->policies[i]);
	return latest;
}

/* 1 when a host is in the sorted list. */
static int
has_mx(const struct stsstate_obs *o, const char *host)
{
	return bsearch(host, o->mx, o->mx_count, sizeof(o->mx[0]),
	    str_cmp) != NULL;
}

/* First host of a not in b into out ("" when none); 1 when found. */
static int
first_missing(const struct stsstate_obs *a, const struct stsstate_obs *b,
    char *out, size_t size)
{
	size_t i;

	for (i = 0; i < a->mx_count; i++) {
		if (!has_mx(b, a->mx[i])) {
			snprintf(out, size, "%s", a->mx[i]);
			return 1;
		}
	}
	return 0;
}

/* The largest max_age among other policies senders may still cache. */
static uint64_t
cached_max_age(const struct stsstate *st, const struct stsstate_obs *obs)
{
	const struct stsstate_policy *p;
	uint64_t most = 0;
	size_t i;

	for (i = 0; i < st->policy_count; i++) {
		p = &st->policies[i];
		if (strcmp(p->hash, obs->hash) != 0 && expiry(p) > obs->when &&
		    p->max_age > most)
			most = p->max_age;
	}
	return most;
}

void
stsstate_compare(const struct stsstate *st, const struct stsstate_obs *obs,
    struct stsstate_change *ch)
{
	const struct stsstate_obs *last = &st->last;
	int both_policies, added, removed;

	memset(ch, 0, sizeof(*ch));
	ch->cached_until = stsstate_removal_date(st);
	if (obs->policy_ok && (ch->max_age_before = cached_max_age(st, obs)) >
	    obs->max_age)
		ch->max_age_lowered = 1;
	if (!st->has_last)
		return;
	both_policies = last->policy_ok && obs->policy_ok;
	ch->body_changed_same_id = both_policies && last->txt_present &&
	    obs->txt_present && strcmp(last->id, obs->id) == 0 &&
	    strcmp(last->hash, obs->hash) != 0;
	ch->txt_removed = last->txt_present && !obs->txt_present;
	if (!both_policies || !last->mx_ok || !obs->mx_ok ||
	    strcmp(last->hash, obs->hash) != 0)
		return;
	added = first_missing(obs, last, ch->mx_added, sizeof(ch->mx_added));
	removed = first_missing(last, obs, ch->mx_removed,
	    sizeof(ch->mx_removed));
	ch->mx_changed_same_policy = added || removed;
}

/* Make room by forgetting the policy that left senders' caches first. */
static struct stsstate_policy *
policy_slot(struct stsstate *st)
{
	size_t i, oldest = 0;

	if (st->policy_count < STSSTATE_POLICIES_MAX)
		return &st->policies[st->policy_count++];
	for (i = 1; i < st->policy_count; i++)
		if (expiry(&st->policies[i]) < expiry(&st->policies[oldest]))
			oldest = i;
	return &st->policies[oldest];
}

void
stsstate_update(struct stsstate *st, const struct stsstate_obs *obs)
{
	struct stsstate_policy *p = NULL;
	size_t i;

	st->last = *obs;
	st->has_last = 1;
	if (!obs->policy_ok)
		return;
	for (i = 0; i < st->policy_count && p == NULL; i++)
		if (strcmp(st->policies[i].id, obs->id) == 0 &&
		    strcmp(st->policies[i].hash, obs->hash) == 0)
			p = &st->policies[i];
	if (p == NULL) {
		p = policy_slot(st);
		memset(p, 0, sizeof(*p));
		snprintf(p->id, sizeof(p->id), "%s", obs->id);
		snprintf(p->hash, sizeof(p->hash), "%s", obs->hash);
	}
	p->max_age = obs->max_age;
	p->last_seen = obs->when;
}

/* ---- the file ------------------------------------------------------- */

static int
state_path(const char *dir, const char *domain, char *path, size_t size)
{
	int n = snprintf(path, size, "%s/mtasts-check.%s.json", dir, domain);

	return n > 0 && (size_t)n < size ? 0 : -1;
}

static json_t *
obs_json(const struct stsstate_obs *o)
{
	json_t *mx = json_array();
	size_t i;

	for (i = 0; mx != NULL && i < o->mx_count; i++)
		json_array_append_new(mx, json_string(o->mx[i]));
	return json_pack("{s:I, s:b, s:s, s:b, s:s, s:I, s:b, s:o*}",
	    "when", (json_int_t)o->when, "txt_present", o->txt_present,
	    "id", o->id, "policy_ok", o->policy_ok, "hash", o->hash,
	    "max_age", (json_int_t)o->max_age, "mx_ok", o->mx_ok, "mx", mx);
}

static json_t *
state_json(const struct stsstate *st)
{
	const struct stsstate_policy *p;
	json_t *list = json_array();
	size_t i;

	for (i = 0; list != NULL && i < st->policy_count; i++) {
		p = &st->policies[i];
		json_array_append_new(list, json_pack("{s:s, s:s, s:I, s:I}",
		    "id", p->id, "hash", p->hash,
		    "max_age", (json_int_t)p->max_age,
		    "last_seen", (json_int_t)p->last_seen));
	}
	return json_pack("{s:i, s:o*, s:o*}", "format", STSSTATE_FORMAT,
	    "last", st->has_last ? obs_json(&st->last) : NULL,
	    "policies", list);
}

/* Copy a JSON string into a fixed buffer; -1 when missing or too long. */
static int
copy_str(json_t *obj, const char *key, char *dst, size_t size)
{
	const char *s = json_string_value(json_object_get(obj, key));

	if (s == NULL || strlen(s) >= size)
		return -1;
	memcpy(dst, s, strlen(s) + 1);
	return 0;
}

static int
read_int(json_t *obj, const char *key, long long *out)
{
	json_t *v = json_object_get(obj, key);

	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return -1;
	*out = json_integer_value(v);
	return 0;
}

static int
obs_from_json(json_t *j, struct stsstate_obs *o)
{
	json_t *mx = json_object_get(j, "mx"), *v;
	long long max_age;
	size_t i;

	if (read_int(j, "when", &o->when) == -1 ||
	    read_int(j, "max_age", &max_age) == -1 ||
	    copy_str(j, "id", o->id, sizeof(o->id)) == -1 ||
	    copy_str(j, "hash", o->hash, sizeof(o->hash)) == -1 ||
	    !json_is_array(mx) || json_array_size(mx) > RESOLVE_MX_MAX)
		return -1;
	o->max_age = (uint64_t)max_age;
	o->txt_present = json_is_true(json_object_get(j, "txt_present"));
	o->policy_ok = json_is_true(json_object_get(j, "policy_ok"));
	o->mx_ok = json_is_true(json_object_get(j, "mx_ok"));
	json_array_foreach(mx, i, v) {
		if (!json_is_string(v) ||
		    strlen(json_string_value(v)) >= RESOLVE_NAME_MAX)
			return -1;
		snprintf(o->mx[i], sizeof(o->mx[i]), "%s", json_string_value(v));
	}
	o->mx_count = json_array_size(mx);
	stsstate_obs_sort_mx(o);
	return 0;
}

static int
policy_from_json(json_t *j, struct stsstate_policy *p)
{
	long long max_age;

	if (copy_str(j, "id", p->id, sizeof(p->id)) == -1 ||
	    copy_str(j, "hash", p->hash, sizeof(p->hash)) == -1 ||
	    read_int(j, "max_age", &max_age) == -1 ||
	    read_int(j, "last_seen", &p->last_seen) == -1)
		return -1;
	p->max_age = (uint64_t)max_age;
	return 0;
}

static int
state_from_json(json_t *root, struct stsstate *st)
{
	json_t *last = json_object_get(root, "last");
	json_t *list = json_object_get(root, "policies"), *v;
	size_t i;

	if (json_integer_value(json_object_get(root, "format")) !=
	    STSSTATE_FORMAT || !json_is_array(list) ||
	    json_array_size(list) > STSSTATE_POLICIES_MAX)
		return -1;
	if (last != NULL) {
		if (obs_from_json(last, &st->last) == -1)
			return -1;
		st->has_last = 1;
	}
	json_array_foreach(list, i, v)
		if (policy_from_json(v, &st->policies[i]) == -1)
			return -1;
	st->policy_count = json_array_size(list);
	return 0;
}

/* Read the file; 1 read, 0 none, -1 unreadable or corrupt (err says). */
static int
load_file(const char *path, struct stsstate *st, char *err, size_t errlen)
{
	char aside[STSSTATE_PATH_MAX + 32], why[STSSTATE_PATH_MAX + 128];
	json_error_t jerr;
	json_t *root;
	size_t len;
	char *text;
	int ok;

	switch (atomicfile_read(path, STSSTATE_SIZE_MAX, &text, &len, why,
	    sizeof(why))) {
	case ATOMICFILE_OK:
		break;
	case ATOMICFILE_MISSING:
		return 0;
	case ATOMICFILE_UNREADABLE:
		snprintf(err, errlen, "cannot read %s; it is kept", why);
		return -1;
	case ATOMICFILE_TOO_LARGE:
		text = NULL;
		break;
	}
	root = text != NULL ? json_loadb(text, len, JSON_REJECT_DUPLICATES,
	    &jerr) : NULL;
	free(text);
	ok = root != NULL && state_from_json(root, st) == 0;
	json_decref(root);
	if (ok)
		return 1;
	memset(st, 0, sizeof(*st));
	if (atomicfile_set_aside(path, time(NULL), aside, sizeof(aside)) == 0)
		snprintf(err, errlen, "%s is corrupt; set aside as %s", path,
		    aside);
	else
		snprintf(err, errlen, "%s is corrupt and could not be set "
		    "aside: %s", path, strerror(errno));
	return -1;
}

int
stsstate_load(const char *dir, const char *domain, struct stsstate *st,
    char *err, size_t errlen)
{
	char path[STSSTATE_PATH_MAX];

	memset(st, 0, sizeof(*st));
	if (state_path(dir, domain, path, sizeof(path)) == -1) {
		snprintf(err, errlen, "state directory name too long");
		return -1;
	}
	return load_file(path, st, err, errlen);
}

int
stsstate_save(const char *dir, const char *domain, const struct stsstate *st,
    char *err, size_t errlen)
{
	char path[STSSTATE_PATH_MAX], *text, *line;
	json_t *root;
	size_t len;
	int rc;

	if (state_path(dir, domain, path, sizeof(path)) == -1) {
		snprintf(err, errlen, "state directory name too long");
		return -1;
	}
	if ((root = state_json(st)) == NULL ||
	    (text = json_dumps(root, JSON_INDENT(1) | JSON_SORT_KEYS)) ==
	    NULL) {
		json_decref(root);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	json_decref(root);
	len = strlen(text);
	if ((line = realloc(text, len + 2)) == NULL) {
		free(text);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	memcpy(line + len, "\n", 2);
	rc = atomicfile_write(path, line, len + 1, STSSTATE_MODE, err, errlen);
	free(line);
	return rc;
}

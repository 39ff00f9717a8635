/*
 * check_statefile.c - the discovery state file: a saved state loads back
 * field for field; a missing file is an empty state; a corrupt, truncated
 * or foreign file is set aside with a warning and nothing of it is used;
 * a file that cannot be read is reported, kept and not overwritten; saving
 * never writes through a name planted in the directory. Warnings are
 * caught with a msg output (msg.h).
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <jansson.h>

#include "msg.h"
#include "scratch.h"
#include "statefile.h"
#include "unit.h"

#define NOW	1767225600	/* 2026-01-01T00:00:00Z */

struct loaded {
	struct statefile_domain d[4];
	size_t	n;
	int	warnings;
	char	warning[1024];
};

static char dir[64];

static void
setup(void)
{
	scratch_make(dir, sizeof(dir), "check_statefile");
}

static void
teardown(void)
{
	scratch_remove(dir);
}

static int
add(void *arg, struct statefile_domain *d)
{
	struct loaded *l = arg;

	if (l->n >= 4)
		return -1;
	l->d[l->n++] = *d;
	return 0;
}

static struct loaded *loading;	/* what the msg output counts into */

static void
warn(void *arg, int priority, const char *message)
{
	struct loaded *l = loading;

	(void)arg;
	ck_assert_int_eq(priority, LOG_WARNING);
	l->warnings++;
	snprintf(l->warning, sizeof(l->warning), "%s", message);
}

/* statefile_load into l, its warnings counted in l. */
static size_t
load(struct loaded *l)
{
	size_t	n;

	loading = l;
	ck_assert_int_eq(msg_set_output(warn, NULL), 0);
	n = statefile_load(dir, NOW, add, l);
	msg_set_output(NULL, NULL);
	loading = NULL;
	return n;
}

static void
loaded_free(struct loaded *l)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		stscache_free(&l->d[i].cache);
}

/* A domain with a cached policy, a failed fetch of a newer id and a body change. */
static void
make_rich(struct statefile_domain *d)
{
	static char *mx[] = { "mx1.example.test", "*.example.net" };
	struct sts_policy p = { 1, STS_MODE_TESTING, 1, 604800, mx, 2 };
	unsigned char digest[STSCACHE_DIGEST_LEN];
	size_t	i;

	memset(d, 0, sizeof(*d));
	snprintf(d->domain, sizeof(d->domain), "example.test");
	d->last_used = NOW - 5;
	for (i = 0; i < sizeof(digest); i++)
		digest[i] = (unsigned char)(i * 7);
	p.lenient = LENIENT_STALWART | LENIENT_MAILAUTH;
	stscache_init(&d->cache);
	stscache_observe_txt(&d->cache, TXT_VALID, "id1", 0, NOW - 100);
	ck_assert_int_eq(stscache_observe_fetch_ok(&d->cache, "id1", &p,
	    digest, NOW - 100), 0);
	stscache_observe_txt(&d->cache, TXT_VALID, "id2", LENIENT_PMSR,
	    NOW - 10);
	stscache_observe_fetch_failure(&d->cache, "id2",
	    REASON_STS_WEBPKI_INVALID, "certificate \"expired\"\n", NOW - 10);
	d->cache.body_changed = 1;
	d->cache.body_changed_at = NOW - 50;
}

static void
make_absent(struct statefile_domain *d)
{
	memset(d, 0, sizeof(*d));
	snprintf(d->domain, sizeof(d->domain), "notxt.example.test");
	d->last_used = NOW - 7;
	stscache_init(&d->cache);
	stscache_observe_txt(&d->cache, TXT_ABSENT, NULL, 0, NOW - 3);
}

static void
assert_same(const struct statefile_domain *a, const struct statefile_domain *b)
{
	const struct stscache *x = &a->cache, *y = &b->cache;
	size_t	i;

	ck_assert_str_eq(a->domain, b->domain);
	ck_assert_int_eq(a->last_used, b->last_used);
	ck_assert_int_eq(x->txt, y->txt);
	ck_assert_str_eq(x->txt_id, y->txt_id);
	ck_assert_int_eq(x->txt_checked, y->txt_checked);
	ck_assert_uint_eq(x->txt_lenient, y->txt_lenient);
	ck_assert_int_eq(x->have_policy, y->have_policy);
	ck_assert_uint_eq(x->policy.lenient, y->policy.lenient);
	ck_assert_str_eq(x->policy_id, y->policy_id);
	ck_assert_int_eq(x->fetched_at, y->fetched_at);
	ck_assert_int_eq(x->expires_at, y->expires_at);
	ck_assert_mem_eq(x->digest, y->digest, STSCACHE_DIGEST_LEN);
	ck_assert_int_eq(x->policy.mode, y->policy.mode);
	ck_assert_uint_eq(x->policy.max_age, y->policy.max_age);
	ck_assert_uint_eq(x->policy.mx_count, y->policy.mx_count);
	for (i = 0; i < x->policy.mx_count; i++)
		ck_assert_str_eq(x->policy.mx[i], y->policy.mx[i]);
	ck_assert_uint_eq(x->fetch_error, y->fetch_error);
	ck_assert_str_eq(x->fetch_error_text, y->fetch_error_text);
	ck_assert_str_eq(x->failed_id, y->failed_id);
	ck_assert_int_eq(x->failed_at, y->failed_at);
	ck_assert_int_eq(x->body_changed, y->body_changed);
	ck_assert_int_eq(x->body_changed_at, y->body_changed_at);
}

START_TEST(test_round_trip)
{
	struct statefile_domain a, b;
	const struct statefile_domain *list[] = { &a, &b };
	struct loaded l;
	char	err[256] = "";

	make_rich(&a);
	make_absent(&b);
	ck_assert_uint_eq(a.cache.txt_lenient, LENIENT_PMSR);
	ck_assert_uint_eq(a.cache.policy.lenient, LENIENT_STALWART |
	    LENIENT_MAILAUTH);
	ck_assert_msg(statefile_save(dir, list, 2, NOW, err, sizeof(err)) == 0,
	    "%s", err);
	memset(&l, 0, sizeof(l));
	ck_assert_uint_eq(load(&l), 2);
	ck_assert_int_eq(l.warnings, 0);
	assert_same(&a, &l.d[0]);
	assert_same(&b, &l.d[1]);
	/* Saving again replaces the file (no temporary left behind). */
	ck_assert_int_eq(statefile_save(dir, list, 1, NOW, err, sizeof(err)), 0);
	ck_assert_int_eq(scratch_count(dir, ""), 1);
	loaded_free(&l);
	memset(&l, 0, sizeof(l));
	ck_assert_uint_eq(load(&l), 1);
	loaded_free(&l);
	stscache_free(&a.cache);
	stscache_free(&b.cache);
}
END_TEST

/*
 * The file is written a domain at a time: its bytes are still what
 * jansson makes of the whole document (JSON_COMPACT | JSON_ENSURE_ASCII),
 * for none, one and two domains.
 */
START_TEST(test_text_is_compact_json)
{
	struct statefile_domain a, b;
	const struct statefile_domain *list[] = { &a, &b };
	char	err[256] = "", path[128], *again;
	json_t	*doc;
	json_error_t je;
	size_t	n;
	FILE	*f;
	static char text[65536];

	make_rich(&a);
	make_absent(&b);
	snprintf(path, sizeof(path), "%s/%s", dir, STATEFILE_NAME);
	for (n = 0; n <= 2; n++) {
		ck_assert_msg(statefile_save(dir, list, n, NOW, err,
		    sizeof(err)) == 0, "%s", err);
		ck_assert_ptr_nonnull(f = fopen(path, "r"));
		text[fread(text, 1, sizeof(text) - 1, f)] = '\0';
		fclose(f);
		doc = json_loads(text, 0, &je);
		ck_assert_msg(doc != NULL, "%zu domains: %s", n, je.text);
		ck_assert_int_eq(json_array_size(json_object_get(doc,
		    "domains")), n);
		ck_assert_ptr_nonnull(again = json_dumps(doc, JSON_COMPACT |
		    JSON_ENSURE_ASCII));
		ck_assert_str_eq(text, again);
		free(again);
		json_decref(doc);
	}
	stscache_free(&a.cache);
	stscache_free(&b.cache);
}
END_TEST

START_TEST(test_missing)
{
	struct loaded l;

	memset(&l, 0, sizeof(l));
	ck_assert_uint_eq(load(&l), 0);
	ck_assert_int_eq(l.warnings, 0);
}
END_TEST

START_TEST(test_unwritable)
{
	struct statefile_domain a;
	const struct statefile_domain *list[] = { &a };
	char	err[256] = "", missing[128];

	make_absent(&a);
	snprintf(missing, sizeof(missing), "%s/no/such/dir", dir);
	ck_assert_int_eq(statefile_save(missing, list, 1, NOW, err,
	    sizeof(err)), -1);
	ck_assert_msg(strstr(err, "no/such/dir") != NULL, "%s", err);
	stscache_free(&a.cache);
}
END_TEST

#define DIGEST0	"00000000000000000000000000000000" \
	"00000000000000000000000000000000"

/* Contents that must each be set aside whole. */
static const char *const corrupt[] = {
	"{\"version\":1,\"domains\":[",				/* truncated */
	"not json at all",
	"{\"version\":2,\"domains\":[]}",			/* future version */
	"[1,2,3]",
	"{\"version\":1,\"domains\":[{\"domain\":\"a.test\"}]}",	/* fields missing */
	"{\"version\":1,\"domains\":[{\"domain\":\"a.test\",\"last_used\":1,"
	    "\"txt\":\"maybe\",\"txt_id\":\"\",\"txt_checked\":1,\"policy\":null,"
	    "\"error\":null,\"body_changed_at\":null}]}",	/* unknown txt */
	"{\"version\":1,\"domains\":[{\"domain\":\"a.test\",\"last_used\":1,"
	    "\"txt\":\"valid\",\"txt_id\":\"x\",\"txt_checked\":1,\"policy\":"
	    "{\"id\":\"x\",\"fetched_at\":1,\"expires_at\":2,\"digest\":\"zz\","
	    "\"mode\":\"enforce\",\"max_age\":1,\"mx\":[]},\"error\":null,"
	    "\"body_changed_at\":null}]}",			/* bad digest */
	"{\"version\":1,\"domains\":[{\"domain\":\"a.test\",\"last_used\":1,"
	    "\"txt\":\"valid\",\"txt_id\":\"x\",\"txt_checked\":1,"
	    "\"txt_lenient\":8,\"policy\":null,\"error\":null,"
	    "\"body_changed_at\":null}]}",			/* unknown sender */
	"{\"version\":1,\"domains\":[{\"domain\":\"a.test\",\"last_used\":1,"
	    "\"txt\":\"valid\",\"txt_id\":\"x\",\"txt_checked\":1,\"policy\":"
	    "{\"id\":\"x\",\"fetched_at\":1,\"expires_at\":2,\"digest\":\"" DIGEST0
	    "\",\"mode\":\"enforce\",\"max_age\":1,\"mx\":[],\"lenient\":-1},"
	    "\"error\":null,\"body_changed_at\":null}]}",	/* bad lenient */
};

/* A file written before "lenient" existed loads, as read by everyone. */
START_TEST(test_without_lenient)
{
	static const char old[] = "{\"version\":1,\"domains\":[{\"domain\":"
	    "\"a.test\",\"last_used\":1,\"txt\":\"valid\",\"txt_id\":\"x\","
	    "\"txt_checked\":1,\"policy\":{\"id\":\"x\",\"fetched_at\":1,"
	    "\"expires_at\":2,\"digest\":\"" DIGEST0 "\",\"mode\":\"enforce\","
	    "\"max_age\":1,\"mx\":[\"a.test\"]},\"error\":null,"
	    "\"body_changed_at\":null}]}";
	struct loaded l;
	char	path[128];
	FILE	*fp;

	snprintf(path, sizeof(path), "%s/%s", dir, STATEFILE_NAME);
	ck_assert_ptr_nonnull(fp = fopen(path, "w"));
	fputs(old, fp);
	fclose(fp);
	memset(&l, 0, sizeof(l));
	ck_assert_uint_eq(load(&l), 1);
	ck_assert_int_eq(l.warnings, 0);
	ck_assert_uint_eq(l.d[0].cache.txt_lenient, 0);
	ck_assert_uint_eq(l.d[0].cache.policy.lenient, 0);
	ck_assert_int_eq(l.d[0].cache.have_policy, 1);
	loaded_free(&l);
}
END_TEST

START_TEST(test_corrupt_set_aside)
{
	struct loaded l;
	char	path[128];
	FILE	*fp;

	snprintf(path, sizeof(path), "%s/%s", dir, STATEFILE_NAME);
	ck_assert_ptr_nonnull(fp = fopen(path, "w"));
	fputs(corrupt[_i], fp);
	fclose(fp);
	memset(&l, 0, sizeof(l));
	ck_assert_uint_eq(load(&l), 0);
	ck_assert_int_eq(l.warnings, 1);
	ck_assert_msg(strstr(l.warning, "moved to") != NULL, "%s", l.warning);
	ck_assert_int_eq(access(path, F_OK), -1);
	ck_assert_int_eq(scratch_count(dir,
	    STATEFILE_NAME ".corrupt-1767225600"), 1);
}
END_TEST

/* A name planted where the old writer put its fixed temporary file. */
START_TEST(test_planted_temporary)
{
	struct statefile_domain a;
	const struct statefile_domain *list[] = { &a };
	char	err[256] = "", tmp[128], victim[128];
	struct stat st;

	snprintf(victim, sizeof(victim), "%s.victim", dir);
	scratch_put(victim, "victim\n", 0644);
	snprintf(tmp, sizeof(tmp), "%s/%s.tmp", dir, STATEFILE_NAME);
	ck_assert_int_eq(symlink(victim, tmp), 0);
	make_absent(&a);
	ck_assert_msg(statefile_save(dir, list, 1, NOW, err, sizeof(err)) == 0,
	    "%s", err);
	ck_assert_int_eq(stat(victim, &st), 0);
	unlink(victim);
	ck_assert_int_eq(st.st_size, 7);
	stscache_free(&a.cache);
}
END_TEST

/*
 * A valid state this process may not read (as root: acting as nobody in a
 * directory nobody may write, so that setting the file aside would work).
 */
START_TEST(test_unreadable_kept)
{
	struct statefile_domain a, b;
	const struct statefile_domain *list[] = { &a, &b };
	struct loaded l;
	char	err[512] = "", path[128];

	make_rich(&a);
	make_absent(&b);
	ck_assert_int_eq(statefile_save(dir, list, 2, NOW, err, sizeof(err)), 0);
	snprintf(path, sizeof(path), "%s/%s", dir, STATEFILE_NAME);
	scratch_forbid(dir, path);
	memset(&l, 0, sizeof(l));
	ck_assert_uint_eq(load(&l), 0);
	ck_assert_int_eq(l.warnings, 1);
	ck_assert_msg(strstr(l.warning, "Permission denied") != NULL &&
	    strstr(l.warning, "kept") != NULL, "%s", l.warning);
	ck_assert_int_eq(scratch_count(dir, ""), 1);
	ck_assert_int_eq(scratch_count(dir, STATEFILE_NAME ".corrupt"), 0);
	/* Nor is it replaced by the next save, which would lose it too. */
	ck_assert_int_eq(statefile_save(dir, list, 1, NOW, err, sizeof(err)),
	    -1);
	ck_assert_msg(strstr(err, "not replacing it") != NULL, "%s", err);
	scratch_permit(path);
	memset(&l, 0, sizeof(l));
	ck_assert_uint_eq(load(&l), 2);
	assert_same(&a, &l.d[0]);
	loaded_free(&l);
	stscache_free(&a.cache);
	stscache_free(&b.cache);
}
END_TEST

/* Not a regular file: an error, not corruption; left where it is. */
START_TEST(test_directory_kept)
{
	struct loaded l;
	char	path[128];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, STATEFILE_NAME);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	memset(&l, 0, sizeof(l));
	ck_assert_uint_eq(load(&l), 0);
	ck_assert_int_eq(l.warnings, 1);
	ck_assert_msg(strstr(l.warning, "not a regular file") != NULL,
	    "%s", l.warning);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert(S_ISDIR(st.st_mode));
	ck_assert_int_eq(scratch_count(dir, ""), 1);
	ck_assert_int_eq(scratch_count(dir, STATEFILE_NAME ".corrupt"), 0);
}
END_TEST

Suite *
unit_suite(void)
{
	Suite	*s = suite_create("statefile");
	TCase	*tc = tcase_create("statefile");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_missing);
	tcase_add_test(tc, test_text_is_compact_json);
	tcase_add_test(tc, test_without_lenient);
	tcase_add_test(tc, test_unwritable);
	tcase_add_test(tc, test_planted_temporary);
	tcase_add_test(tc, test_unreadable_kept);
	tcase_add_test(tc, test_directory_kept);
	tcase_add_loop_test(tc, test_corrupt_set_aside, 0,
	    (int)(sizeof(corrupt) / sizeof(corrupt[0])));
	suite_add_tcase(s, tc);
	return s;
}

/*
 * check_policy.c - "mtasts-check policy": lint an MTA-STS policy file and,
 * with --mx, tell which pattern covers each MX host name.
 *
 * Exit 0 when the policy is valid and every --mx host is covered (or the
 * mode is none), 1 otherwise (a file that is no text included: a sender
 * rejects it as sts-policy-invalid), 2 when the file cannot be read.
 *
 * Its own diagnostic code, besides the parser's (policy.c):
 *   policy-not-text    E  a NUL byte: not a text file, so not parsed
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "check.h"
#include "check_input.h"
#include "check_output.h"
#include "diag.h"
#include "policy.h"
#include "printable.h"

struct coverage {
	const char	*host;
	const char	*pattern;	/* NULL when no pattern covers host */
};

static const char *
display_name(const char *path, char *buf, size_t size)
{
	if (strcmp(path, "-") == 0)
		return "<stdin>";
	return printable_copy(buf, size, path);
}

static void
cover_hosts(const struct sts_policy *policy, const struct check_args *args,
    struct coverage *cov)
{
	long idx;
	size_t i;

	for (i = 0; i < args->host_count; i++) {
		cov[i].host = args->hosts[i];
		idx = policy_match_mx(policy, args->hosts[i]);
		cov[i].pattern = idx >= 0 ? policy->mx[idx] : NULL;
	}
}

static size_t
uncovered_count(const struct coverage *cov, size_t n)
{
	size_t i, count = 0;

	for (i = 0; i < n; i++)
		if (cov[i].pattern == NULL)
			count++;
	return count;
}

static void
print_summary(const char *name, int valid, const struct sts_policy *policy,
    const struct diag_list *diags)
{
	char max_age[32], tally[64];

	if (policy->has_max_age)
		snprintf(max_age, sizeof(max_age), "%llu",
		    (unsigned long long)policy->max_age);
	else
		snprintf(max_age, sizeof(max_age), "unset");
	printf("%s: %s policy: mode %s, max_age %s, %zu mx pattern(s); %s\n",
	    name, valid ? "valid" : "invalid", sts_mode_name(policy->mode),
	    max_age, policy->mx_count, out_tally(tally, sizeof(tally), diags));
}

/* Suggest the exact pattern and, with two labels left, the wildcard. */
static void
print_uncovered(const char *host)
{
	const char *parent = strchr(host, '.');

	printf("mx %s: not covered: senders applying the policy refuse this "
	    "MX; add \"mx: %s\"", host, host);
	if (parent != NULL && strchr(parent + 1, '.') != NULL)
		printf(" or \"mx: *%s\"", parent);
	printf("\n");
}

static void
print_coverage(const struct sts_policy *policy, const struct coverage *cov,
    size_t n)
{
	char host[OUT_TEXT_MAX], pattern[OUT_TEXT_MAX];
	size_t i;

	for (i = 0; i < n; i++) {
		printable_copy(host, sizeof(host), cov[i].host);
		if (cov[i].pattern != NULL)
			printf("mx %s: covered by \"mx: %s\"\n", host,
			    printable_copy(pattern, sizeof(pattern),
			    cov[i].pattern));
		else if (policy->mode == STS_MODE_NONE)
			printf("mx %s: not covered, but mode none applies "
			    "no policy\n", host);
		else
			print_uncovered(host);
	}
}

static json_t *
policy_json(const struct sts_policy *policy)
{
	return json_pack("{s:o, s:o, s:o, s:o}",
	    "version", policy->has_version ? json_string("STSv1") : json_null(),
	    "mode", policy->mode != STS_MODE_UNSET ?
	    json_string(sts_mode_name(policy->mode)) : json_null(),
	    "max_age", policy->has_max_age ?
	    json_integer((json_int_t)policy->max_age) : json_null(),
	    "mx", out_json_texts(policy->mx, policy->mx_count));
}

static json_t *
coverage_json(const struct coverage *cov, size_t n)
{
	json_t *list;
	size_t i;

	if ((list = json_array()) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		if (json_array_append_new(list, json_pack("{s:o, s:b, s:o}",
		    "host", out_json_text(cov[i].host),
		    "covered", cov[i].pattern != NULL,
		    "pattern", cov[i].pattern != NULL ?
		    out_json_text(cov[i].pattern) : json_null())) == -1) {
			json_decref(list);
			return NULL;
		}
	}
	return list;
}

static int
print_json(int valid, const struct sts_policy *policy,
    const struct coverage *cov, size_t n, const struct diag_list *diags)
{
	return out_json_finish(json_pack("{s:b, s:o, s:o}",
	    "valid", valid,
	    "policy", policy_json(policy),
	    "mx_coverage", coverage_json(cov, n)), diags);
}

/* Parse the file and report; returns a check_status. */
static int
lint(const struct check_args *args, const struct input_text *in,
    const char *name)
{
	struct sts_policy policy;
	struct diag_list diags;
	struct coverage *cov;
	size_t uncovered;
	int valid, status;

	/* One spare entry: calloc(0) may return NULL. */
	if ((cov = calloc(args->host_count + 1, sizeof(*cov))) == NULL) {
		check_oom();
		return CHECK_FAILURE;
	}
	memset(&policy, 0, sizeof(policy));
	diag_init(&diags);
	if (in->has_nul) {
		diag_error(&diags, "policy-not-text", in->nul_line, "not a "
		    "text file (NUL byte at offset %zu), so senders reject it "
		    "as an invalid policy: give the policy file itself",
		    in->nul_offset);
		valid = 0;
	} else
		valid = policy_parse(in->buf, in->len, STS_STRICT, &policy,
		    &diags);
	cover_hosts(&policy, args, cov);
	uncovered = policy.mode == STS_MODE_NONE ? 0 :
	    uncovered_count(cov, args->host_count);
	status = valid && uncovered == 0 ? CHECK_OK : CHECK_PROBLEMS;
	if (args->json) {
		if (print_json(valid, &policy, cov, args->host_count,
		    &diags) == -1)
			status = CHECK_FAILURE;
	} else if (in->has_nul)
		out_diags_text(name, &diags);
	else {
		out_diags_text(name, &diags);
		print_summary(name, valid, &policy, &diags);
		print_coverage(&policy, cov, args->host_count);
	}
	policy_free(&policy);
	free(cov);
	return status;
}

int
check_policy_main(int argc, char **argv)
{
	struct check_args args;
	struct input_text in;
	char namebuf[OUT_TEXT_MAX];
	const char *path, *name;
	int rc, status;

	if ((rc = check_getopt(argc, argv, CHECK_OPT_MX, &args)) != 0) {
		check_args_free(&args);
		return rc > 0 ? CHECK_OK : CHECK_FAILURE;
	}
	if (args.operand_count != 1) {
		check_usage_error("policy: give exactly one FILE (or - for "
		    "standard input)");
		check_args_free(&args);
		return CHECK_FAILURE;
	}
	path = args.operands[0];
	name = display_name(path, namebuf, sizeof(namebuf));
	if (input_read(path, name, POLICY_MAX_BYTES, &in) == -1)
		status = CHECK_FAILURE;
	else
		status = lint(&args, &in, name);
	input_free(&in);
	check_args_free(&args);
	return status;
}

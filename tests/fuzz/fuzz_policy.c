/*
 * fuzz_policy.c - libFuzzer target for policy_parse(): any byte string must
 * parse without memory errors, and a valid policy must hold only what the
 * RFC 8461 grammar allows, match its own mx patterns and copy faithfully.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzzcheck.h"
#include "mxmatch.h"
#include "policy.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* A host each pattern must match: the pattern, "*." replaced by "x.". */
static void
check_patterns(const struct sts_policy *pol)
{
	char host[DOMAIN_MAX_LEN + 3];
	size_t i, n;
	long hit;

	for (i = 0; i < pol->mx_count; i++) {
		n = strlen(pol->mx[i]);
		if (!mx_pattern_valid(pol->mx[i], n) || n > DOMAIN_MAX_LEN + 2)
			abort();
		memcpy(host, pol->mx[i], n + 1);
		if (host[0] == '*')
			host[0] = 'x';
		hit = policy_match_mx(pol, host);
		if (hit < 0 || (size_t)hit > i)
			abort();
	}
}

static void
check_copy(const struct sts_policy *pol)
{
	struct sts_policy copy;
	size_t i;

	if (policy_copy(&copy, pol) != 0)
		return;
	if (copy.mode != pol->mode || copy.max_age != pol->max_age ||
	    copy.mx_count != pol->mx_count)
		abort();
	for (i = 0; i < copy.mx_count; i++)
		if (strcmp(copy.mx[i], pol->mx[i]) != 0)
			abort();
	policy_free(&copy);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sts_policy pol;
	struct diag_list dl;
	int valid;

	diag_init(&dl);
	valid = policy_parse((const char *)data, size, STS_STRICT, &pol, &dl);
	fuzz_check_diags(&dl, valid);
	if (valid && (!pol.has_version || pol.mode == STS_MODE_UNSET ||
	    !pol.has_max_age || pol.max_age > POLICY_MAX_AGE_LIMIT ||
	    size > POLICY_MAX_BYTES ||
	    (pol.mx_count == 0 && pol.mode != STS_MODE_NONE)))
		abort();
	if (pol.mx_count > POLICY_MX_MAX)
		abort();
	check_patterns(&pol);
	check_copy(&pol);
	policy_free(&pol);
	return 0;
}

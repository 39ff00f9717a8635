/*
 * fuzz_policy.c - libFuzzer target for policy_parse(), in both grammars:
 * any byte string must parse without memory errors, a valid policy must
 * hold only what the RFC 8461 grammar allows, match its own mx patterns and
 * copy faithfully, and the grammars must agree (check_grammars).
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

/* What a valid policy holds, in either grammar. */
static void
check_valid(const struct sts_policy *pol, size_t size)
{
	if (!pol->has_version || pol->mode == STS_MODE_UNSET ||
	    !pol->has_max_age || pol->max_age > POLICY_MAX_AGE_LIMIT ||
	    size > POLICY_MAX_BYTES ||
	    (pol->mx_count == 0 && pol->mode != STS_MODE_NONE))
		abort();
}

/*
 * The grammars differ only in severity: the same fields, strict-valid
 * implies lenient-valid, and "lenient" is set alike in both, exactly when
 * only the lenient grammar accepts the text.
 */
static void
check_grammars(const struct sts_policy *s, int svalid,
    const struct sts_policy *l, int lvalid)
{
	size_t i;

	if (s->mode != l->mode || s->max_age != l->max_age ||
	    s->has_max_age != l->has_max_age || s->mx_count != l->mx_count ||
	    s->lenient != l->lenient)
		abort();
	for (i = 0; i < s->mx_count; i++)
		if (strcmp(s->mx[i], l->mx[i]) != 0)
			abort();
	if ((s->lenient & ~LENIENT_ALL) != 0)
		abort();
	if (svalid && (!lvalid || s->lenient != 0))
		abort();
	if (!svalid && lvalid != (l->lenient != 0))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sts_policy pol, lpol;
	struct diag_list dl, ldl;
	int valid, lvalid;

	diag_init(&dl);
	valid = policy_parse((const char *)data, size, STS_STRICT, &pol, &dl);
	fuzz_check_diags(&dl, valid);
	if (valid)
		check_valid(&pol, size);
	if (pol.mx_count > POLICY_MX_MAX)
		abort();
	check_patterns(&pol);
	check_copy(&pol);

	diag_init(&ldl);
	lvalid = policy_parse((const char *)data, size, STS_LENIENT, &lpol,
	    &ldl);
	fuzz_check_diags(&ldl, lvalid);
	if (lvalid)
		check_valid(&lpol, size);
	check_grammars(&pol, valid, &lpol, lvalid);
	policy_free(&lpol);
	policy_free(&pol);
	return 0;
}

/*
 * recsame.c - rec_parse_fast against rec_parse_full (see recsame.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recsame.h"
#include "report_recfast.h"
#include "report_record.h"

#define SAME_STR(f) \
	if (strcmp(a->f, b->f) != 0) { \
		snprintf(why, whysize, #f ": \"%s\" / \"%s\"", a->f, b->f); \
		return 0; \
	}
#define SAME_NUM(f) \
	if (a->f != b->f) { \
		snprintf(why, whysize, #f ": %lld / %lld", (long long)a->f, \
		    (long long)b->f); \
		return 0; \
	}

static int
same_domain(const struct rec_domain *a, const struct rec_domain *b,
    char *why, size_t whysize)
{
	SAME_STR(domain)
	SAME_NUM(rcpts)
	SAME_NUM(result)
	SAME_NUM(reasons)
	SAME_NUM(has_policy)
	SAME_STR(mode)
	SAME_STR(id)
	SAME_STR(source)
	return 1;
}

static int
same(const struct rec *a, const struct rec *b, char *why, size_t whysize)
{
	SAME_NUM(ts)
	SAME_NUM(event)
	SAME_STR(ip)
	SAME_STR(ptr)
	SAME_STR(helo)
	SAME_STR(mail_from)
	SAME_NUM(tls)
	SAME_STR(tls_version)
	SAME_STR(mx)
	SAME_NUM(ndomains)
	for (size_t i = 0; i < a->ndomains; i++) {
		if (!same_domain(&a->domains[i], &b->domains[i], why, whysize))
			return 0;
	}
	return 1;
}

int
rec_same(const char *line, size_t len, int *fast, char *why, size_t whysize)
{
	struct rec *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));
	char err[REC_ERROR_MAX];
	int ok = 1;

	why[0] = '\0';
	if (a == NULL || b == NULL) {
		free(a);
		free(b);
		*fast = 1;
		return 1;
	}
	memset(a, 0x5a, sizeof(*a));
	memset(b, 0xa5, sizeof(*b));
	if ((*fast = rec_parse_fast(line, len, a)) == 0) {
		if (rec_parse_full(line, len, b, err, sizeof(err)) != 0) {
			snprintf(why, whysize, "full parser refuses: %s", err);
			ok = 0;
		} else
			ok = same(a, b, why, whysize);
	}
	free(a);
	free(b);
	return ok;
}

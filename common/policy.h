/*
 * policy.h - the MTA-STS policy file parser (RFC 8461 section 3.2).
 *
 * Strict grammar: LF or CRLF line ends (bare CR is not one), optional final
 * line end, no blank lines, no leading whitespace, no space before ':',
 * case-sensitive keys and values, first occurrence wins for every key but
 * "mx", every "mx" kept in order, extensions checked against their grammar,
 * max_age 1-10 digits and <= 31557600, mx patterns ["*."] Domain in A-labels,
 * body at most 64 KiB. In the lenient grammar (leniency.h) the deviations
 * some deployed senders accept are warnings instead of errors. Pure: no
 * I/O, no global state, reentrant.
 */
#ifndef MTASTS_POLICY_H
#define MTASTS_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "leniency.h"

#define POLICY_MAX_BYTES	65536
#define POLICY_MAX_AGE_LIMIT	31557600u
#define POLICY_MX_MAX		256	/* mx lines kept; more is an error */

enum sts_mode {
	STS_MODE_UNSET = 0,
	STS_MODE_ENFORCE,
	STS_MODE_TESTING,
	STS_MODE_NONE
};

struct sts_policy {
	int		 has_version;
	enum sts_mode	 mode;
	int		 has_max_age;
	uint64_t	 max_age;
	char		**mx;		/* patterns as written, in order */
	size_t		 mx_count;
	unsigned	 lenient;	/* 0, or the LENIENT_* senders that
					   accept it where strict ones do not */
};

/*
 * Parse len bytes of buf (need not be NUL-terminated) in the given grammar.
 * Fills *out as far as the text allows and appends findings to diags.
 * Returns 1 when the policy is valid in that grammar (STS_STRICT: every
 * conforming sender accepts it; STS_LENIENT: the lenient senders of
 * out->lenient do), 0 otherwise. In both grammars out->lenient is set when
 * only lenient senders accept it. *out is overwritten (it holds only valid
 * mx patterns); always call policy_free on it afterwards. diags must not be
 * NULL; the codes are listed in policy.c.
 */
int	policy_parse(const char *buf, size_t len, enum sts_grammar,
	    struct sts_policy *out, struct diag_list *diags);
void	policy_free(struct sts_policy *);
/* Deep copy; returns 0, or -1 on allocation failure. */
int	policy_copy(struct sts_policy *dst, const struct sts_policy *src);
/* "enforce", "testing", "none" or "unset". */
const char *sts_mode_name(enum sts_mode);
/* Index of the first mx pattern that matches host, or -1. */
long	policy_match_mx(const struct sts_policy *, const char *host);

#endif

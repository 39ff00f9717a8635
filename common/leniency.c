/*
 * leniency.c - the strict and lenient grammars of the policy and record
 * parsers (see leniency.h): severity of tolerable deviations, the set of
 * known lenient senders that still accept the text, and the final word.
 *
 * The lenient senders, and how they read the text (their public source):
 *  - postfix-mta-sts-resolver (postfix_mta_sts_resolver/utils.py,
 *    resolver.py): policy lines from str.splitlines() (LF, CRLF and a bare
 *    CR end a line), each line rstrip()ed, key = text before the first ':'
 *    as is, value lstrip()ed; unknown keys (and so "", "# ...", " mode",
 *    "mode ") are ignored. Record: split on ';', each field strip()ped,
 *    empty fields dropped, name=value pairs taken as they come.
 *  - Stalwart (crates/smtp/src/outbound/mta_sts/parse.rs): the policy is
 *    split at the next ':' and then at the next LF, key and value trim()med:
 *    blank lines, leading whitespace and "mode : enforce" pass, but a line
 *    without ':' becomes part of the next key, which is then lost.
 *  - mailauth (lib/mta-sts.js, lib/parse-dkim-headers.js): policy split on
 *    CRLF or LF, lines without ':' ignored, key and value trim()med (which
 *    in JavaScript also removes a U+FEFF byte order mark). Record: trimmed,
 *    split on ';', empty parts dropped, whitespace around parts removed.
 * The strict example is mox (mtasts/parse.go), which follows the ABNF.
 */
#include <stdio.h>
#include <string.h>

#include "leniency.h"

void
leniency_init(struct leniency *l, enum sts_grammar grammar,
    const struct diag_list *diags)
{
	l->grammar = grammar;
	l->senders = LENIENT_ALL;
	l->tolerated = 0;
	l->errors = diags->errors;
}

void
leniency_note(struct leniency *l, struct diag_list *diags, unsigned senders,
    const char *code, unsigned line, const char *fmt, ...)
{
	va_list ap;

	l->tolerated++;
	l->senders &= senders;
	va_start(ap, fmt);
	diag_vadd(diags, l->grammar == STS_STRICT ? DIAG_ERROR : DIAG_WARNING,
	    code, line, fmt, ap);
	va_end(ap);
}

const char *
leniency_senders_text(unsigned senders, char *buf, size_t size)
{
	static const struct {
		unsigned bit;
		const char *name;
	} names[] = {
		{ LENIENT_PMSR, "postfix-mta-sts-resolver" },
		{ LENIENT_STALWART, "Stalwart" },
		{ LENIENT_MAILAUTH, "mailauth" },
	};
	size_t i, used;
	int n;

	if (size == 0)
		return buf;
	buf[0] = '\0';
	used = 0;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if ((senders & names[i].bit) == 0)
			continue;
		n = snprintf(buf + used, size - used, "%s%s",
		    used > 0 ? ", " : "", names[i].name);
		if (n < 0 || (size_t)n >= size - used)
			break;
		used += (size_t)n;
	}
	return buf;
}

int
leniency_finish(struct leniency *l, struct diag_list *diags,
    const char *code, const char *what, unsigned *lenient)
{
	size_t errors = diags->errors - l->errors;
	char names[96];

	*lenient = 0;
	if (l->grammar == STS_STRICT) {
		if (code == NULL || l->tolerated == 0 ||
		    errors > l->tolerated || l->senders == 0)
			return errors == 0;
		*lenient = l->senders;
		diag_warning(diags, code, 0, "lenient senders (e.g. %s) would "
		    "accept this %s; strict ones (e.g. mox) reject it: fix "
		    "the errors above so that every sender applies it",
		    leniency_senders_text(l->senders, names, sizeof(names)),
		    what);
		return 0;
	}
	if (errors > 0)
		return 0;
	if (l->tolerated == 0)
		return 1;
	if (l->senders == 0) {
		diag_error(diags, code, 0, "no known sender accepts all of "
		    "the problems above together: the %s is invalid; fix "
		    "them", what);
		return 0;
	}
	*lenient = l->senders;
	return 1;
}

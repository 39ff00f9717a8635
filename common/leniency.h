/*
 * leniency.h - reading MTA-STS text as deployed senders do. The policy and
 * _mta-sts record parsers run in one of two grammars:
 *  - strict: the RFC 8461 ABNF, as strict senders (mox) and mtasts-check
 *    apply it;
 *  - lenient: what the lenient senders named below also accept (blank and
 *    comment lines, stray whitespace, empty fields), so that the milter
 *    judges a policy those senders apply.
 * A deviation that some lenient sender accepts is "tolerable": an error in
 * the strict grammar, a warning in the lenient one. Each one narrows the set
 * of known lenient senders that accept the text; the text is lenient-valid
 * when no other error occurred and that set is not empty. How Microsoft's
 * and Google's senders read such text is not known.
 */
#ifndef MTASTS_LENIENCY_H
#define MTASTS_LENIENCY_H

#include <stddef.h>

#include "diag.h"

enum sts_grammar {
	STS_STRICT = 0,
	STS_LENIENT
};

/* Known lenient senders, as bits. */
#define LENIENT_PMSR		0x1u	/* postfix-mta-sts-resolver */
#define LENIENT_STALWART	0x2u	/* Stalwart mail server */
#define LENIENT_MAILAUTH	0x4u	/* mailauth (ZoneMTA, WildDuck) */
#define LENIENT_ALL		0x7u

struct leniency {
	enum sts_grammar grammar;
	unsigned	 senders;	/* still accepting (LENIENT_ALL at
					   first); a parser may narrow it for
					   a repeat it does not report */
	size_t		 tolerated;	/* tolerable deviations found */
	size_t		 errors;	/* diags->errors when parsing began */
};

void	leniency_init(struct leniency *, enum sts_grammar,
	    const struct diag_list *);
/*
 * Reports a deviation that the senders in the mask accept: an error in the
 * strict grammar, a warning in the lenient one.
 */
void	leniency_note(struct leniency *, struct diag_list *, unsigned senders,
	    const char *code, unsigned line, const char *fmt, ...)
	    __attribute__((format(printf, 6, 7)));
/*
 * Once parsing is done: the mask of known lenient senders that accept the
 * text when leniency was needed and is enough, else 0. In the strict
 * grammar a warning (code) says which senders accept what strict ones
 * reject; in the lenient one an error (code) is added when tolerable
 * deviations no known sender accepts together were all that was wrong.
 * what is "policy" or "record", for messages. code may be NULL only in
 * the strict grammar, which then adds nothing. Returns 1 when the text is
 * valid in the grammar, 0 otherwise; *lenient gets the mask.
 */
int	leniency_finish(struct leniency *, struct diag_list *,
	    const char *code, const char *what, unsigned *lenient);
/* "postfix-mta-sts-resolver, mailauth" into buf (bounded); returns buf. */
const char *leniency_senders_text(unsigned senders, char *buf, size_t size);

#endif

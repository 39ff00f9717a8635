/*
 * record.h - DNS TXT record parsers: "_mta-sts" (RFC 8461 section 3.1) and
 * "_smtp._tls" (RFC 8460 section 3), with RRset selection.
 *
 * Each record is one TXT RR whose character-strings the caller has already
 * concatenated without separators ("v=STSv1; id=" "abc" -> "v=STSv1; id=abc").
 * Pure: no I/O, reentrant. diags must not be NULL; its diag codes are
 * listed in record.c. A parse diagnostic has line 0; a selection
 * diagnostic has the record's 1-based position in the RRset as its line.
 */
#ifndef MTASTS_RECORD_H
#define MTASTS_RECORD_H

#include <stddef.h>

#include "diag.h"
#include "leniency.h"

#define STS_ID_MAX	32
#define TLSRPT_RUA_MAX	32	/* rua URIs kept; more is a warning */

struct sts_record {
	char	 id[STS_ID_MAX + 1];
	unsigned lenient;	/* 0, or the LENIENT_* senders that accept it
				   where strict ones do not */
};

/*
 * Parse one _mta-sts record in the given grammar (leniency.h). Returns 1
 * when valid in it, 0 otherwise; out->lenient is set, in both grammars,
 * when only lenient senders accept it.
 */
int	sts_record_parse(const char *txt, size_t len, enum sts_grammar,
	    struct sts_record *out, struct diag_list *diags);

/*
 * RRset selection: records that do not begin with "v=STSv1" are discarded;
 * when exactly one remains its index is returned (it still has to be parsed),
 * -1 when none remains and -2 when several remain (no policy in both cases;
 * diags says why).
 */
long	sts_record_select(const char *const *txt, const size_t *len, size_t n,
	    struct diag_list *diags);

struct tlsrpt_record {
	char	**rua;		/* every usable (mailto:, https:) URI of every
				   rua= field, in order, as written */
	size_t	  rua_count;
};

/* Parse one _smtp._tls record. Returns 1 when valid, 0 otherwise. */
int	tlsrpt_record_parse(const char *txt, size_t len,
	    struct tlsrpt_record *out, struct diag_list *diags);
void	tlsrpt_record_free(struct tlsrpt_record *);
/* As sts_record_select, for "v=TLSRPTv1". */
long	tlsrpt_record_select(const char *const *txt, const size_t *len,
	    size_t n, struct diag_list *diags);

#endif

/*
 * authhdr.h - the value of the MTA-STS-Audit header field (DESIGN.md 7).
 *
 * "AUTHSERV-ID; domain=D; result=R; [reasons=A,B;] mode=M; id=I; source=S;
 * tls=T; mx=X", folded with "\n\t" (libmilter's convention: the MTA turns
 * it into CRLF TAB) so that lines stay short. Every text argument may come
 * from the SMTP peer or the MTA and is made printable here.
 */
#ifndef MTASTS_AUTHHDR_H
#define MTASTS_AUTHHDR_H

#include <stddef.h>

#include "verdict.h"

#define AUTHHDR_MAX	4096	/* buffer that always holds one field value */

struct authhdr_fields {
	const char	*authserv_id;
	const char	*domain;
	enum verdict_result result;
	unsigned	 reasons;	/* REASON_* bits */
	const char	*mode;
	const char	*id;
	const char	*source;
	const char	*tls;		/* NULL or "" = plaintext ("none") */
	const char	*mx;		/* NULL or "" = unknown ("unknown") */
};

/*
 * Format the field value into buf (size bytes). name_len is the length of
 * the header name, which shares the first line. Returns 0, or -1 when buf is
 * too small (buf then holds an empty string).
 */
int	authhdr_format(const struct authhdr_fields *, size_t name_len,
	    char *buf, size_t size);

#endif

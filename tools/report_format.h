/*
 * report_format.h - the output formats of mtasts-report. Each writer reads
 * the finished aggregation and returns 0, or -1 when memory runs out or the
 * stream reports a write error.
 */
#ifndef MTASTS_REPORT_FORMAT_H
#define MTASTS_REPORT_FORMAT_H

#include <stdio.h>

#include "report_agg.h"

struct report_opts {
	size_t		 top;		/* failing senders listed per domain */
	long long	 now;		/* generation time */
	const char	*org_name;	/* TLS-RPT organization-name */
	const char	*contact;	/* TLS-RPT contact-info */
	int		 threads;	/* writers may format this many parts */
};

int	report_text(FILE *, const struct agg *, const struct report_opts *);
int	report_json(FILE *, const struct agg *, const struct report_opts *);
/*
 * One domain's object of the JSON report, indented as in the document
 * (free it; NULL when memory runs out): written directly, and through a
 * jansson tree (the same bytes; used for text that is not all ASCII).
 */
char	*report_json_domain(const struct agg *, const struct dom_stat *,
	    const struct report_opts *);
char	*report_json_domain_tree(const struct agg *, const struct dom_stat *,
	    const struct report_opts *);
int	report_tlsrpt(FILE *, const struct agg *, const struct report_opts *);
int	report_html(FILE *, const struct agg *, const struct report_opts *);

#endif

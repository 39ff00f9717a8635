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
int	report_tlsrpt(FILE *, const struct agg *, const struct report_opts *);
int	report_html(FILE *, const struct agg *, const struct report_opts *);

#endif

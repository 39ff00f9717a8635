/*
 * tlsrpt_read.h - one received TLS-RPT report (RFC 8460 section 4) decoded
 * from its JSON (or gzip-compressed JSON) into the fields mtasts-report
 * uses, accepting what real reporters send (DESIGN.md 13): mx-host as a
 * string or an array, date-times without a zone (UTC), contact-info null,
 * policy-domain missing, a policy-string that is one string holding a JSON
 * array, lines with a trailing CR, unknown policy and result types, missing
 * counts (0). Every text is bounded and made printable.
 */
#ifndef MTASTS_TLSRPT_READ_H
#define MTASTS_TLSRPT_READ_H

#include <stddef.h>

#define TLSRPT_GZIP_MAX		(20 * 1024 * 1024)	/* decompressed */
#define TLSRPT_DEPTH_MAX	16	/* a report nests 5 deep */
#define TLSRPT_POLICIES_MAX	1000
#define TLSRPT_FAILURES_MAX	10000	/* failure-details per policy */
#define TLSRPT_STRINGS_MAX	1000	/* policy-string lines, mx-host */
#define TLSRPT_TEXT_MAX		256	/* longer texts are truncated */
#define TLSRPT_ERROR_MAX	200
/* A count above it is made up: read as 0, as when it is not a number. */
#define TLSRPT_COUNT_MAX	1000000000000000UL
/* Where sums of counts stop (below JSON's signed 64-bit integers). */
#define TLSRPT_SUM_MAX		1000000000000000000UL

struct tlsrpt_failure {
	char		*result_type;	/* as sent; "unknown" when missing */
	char		*sending_ip;	/* NULL when missing or empty */
	char		*receiving_mx;	/* lower case, no final dot; or NULL */
	char		*receiving_ip;
	char		*receiving_helo;
	char		*reason_code;	/* failure-reason-code */
	char		*additional;	/* additional-information */
	unsigned long	 count;
};

struct tlsrpt_policy {
	char		*type;		/* as sent; NULL when missing */
	char		*domain;	/* lower case, no final dot; or NULL */
	int		 domain_from_header;	/* set by the caller */
	char		*mode;		/* the sts policy's mode line, or NULL */
	char		**strings;	/* policy-string lines */
	size_t		 nstrings;
	char		**mx_host;
	size_t		 nmx;
	unsigned long	 successful, failed;	/* the summary */
	unsigned long	 failed_in_details;	/* sum of the detail counts */
	struct tlsrpt_failure *failures;
	size_t		 nfailures;
};

struct tlsrpt_report {
	char		*org;		/* organization-name */
	char		*report_id;
	char		*contact;	/* contact-info, or NULL */
	long long	 start, end;	/* date-range, seconds (UTC) */
	struct tlsrpt_policy *policies;
	size_t		 npolicies;
};

/*
 * Decode one report from len bytes of data, gunzipping it first when it
 * starts with the gzip magic bytes. Returns 0, or -1 with a one-line
 * reason in err (the report cannot be used: see DESIGN.md 13) and *r
 * zeroed. -2 when memory runs out.
 */
int	tlsrpt_read(const unsigned char *data, size_t len,
	    struct tlsrpt_report *r, char *err, size_t errsize);
void	tlsrpt_free(struct tlsrpt_report *);
/* Free the policies from index keep on; npolicies becomes keep. */
void	tlsrpt_keep_policies(struct tlsrpt_report *, size_t keep);

/* a + b, or TLSRPT_SUM_MAX when more: totals never wrap. */
unsigned long tlsrpt_sum(unsigned long a, unsigned long b);

/* The UTC day (days since 1970-01-01) a report covers: its middle. */
long long tlsrpt_day(const struct tlsrpt_report *);

#endif

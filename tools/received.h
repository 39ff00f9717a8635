/*
 * received.h - mtasts-report received (DESIGN.md 13): the TLS-RPT reports
 * read from every INPUT, the duplicates and the rejected inputs, and the
 * per policy domain and UTC day totals the output formats print.
 */
#ifndef MTASTS_RECEIVED_H
#define MTASTS_RECEIVED_H

#include <stdio.h>

#include "report_map.h"
#include "tlsrpt_read.h"

#define RCV_ORGS_CAP	64	/* organisations listed per domain and day */
#define RCV_FILTER_MAX	64	/* --domain arguments */

struct rcv_report {
	char		*source;	/* FILE[:N] */
	char		*part;		/* the MIME part, or NULL */
	struct tlsrpt_report r;
};

struct rcv_note {			/* a duplicate or a rejected input */
	char		*source;
	char		*text;		/* report-id, or the reason */
};

struct rcv_notes {
	struct rcv_note	*v;
	size_t		 n, cap;
};

/* Totals of one policy domain on one UTC day. */
struct rcv_day {
	char		*domain;	/* NULL: reports that name none */
	long long	 day;
	struct strlist	 orgs;
	unsigned long	 reports, successful, failed, failed_in_details;
	struct strmap	 result_types;	/* values: unsigned long * */
	struct strmap	 receiving_mx;
	struct strmap	 sending_ip;
};

struct received {
	long long	 since, until;
	int		 has_since, has_until;
	char		*filter[RCV_FILTER_MAX];	/* --domain, lower case */
	size_t		 nfilter;

	struct rcv_report *reports;
	size_t		 nreports, cap;
	struct strmap	 seen;		/* organisation + report-id */
	struct rcv_notes duplicates, rejected;
	struct strmap	 days;		/* values: struct rcv_day */
	int		 nomem;
};

void	received_init(struct received *);
void	received_free(struct received *);
/* Note an input that could not be used (rejected, with why). */
void	received_reject(struct received *, const char *source, const char *why);
/* Read one INPUT; its problems end up in rejected. */
void	received_read(struct received *, const char *path);
/* 1 when policy domain d passes --domain (NULL passes only no filter). */
int	received_domain_wanted(const struct received *, const char *d);

/* The per domain and day totals, sorted by domain then day (free it). */
struct rcv_day **received_days(const struct received *, size_t *n);
/* Keys and counts of a count map, largest first (free it). */
struct rcv_count {
	const char	*key;
	unsigned long	 n;
};
struct rcv_count *received_counts(const struct strmap *, size_t *n);

/* join: the --with-logs object of received_join.h, or NULL. */
struct json_t;
int	received_json(FILE *, const struct received *, struct json_t *join);
int	received_html(FILE *, const struct received *, struct json_t *join);
/* The --format json document (NULL when memory runs out). */
struct json_t *received_doc(const struct received *, struct json_t *join);
int	received_text(FILE *, const struct received *, struct json_t *join);

#endif

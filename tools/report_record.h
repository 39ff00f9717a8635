/*
 * report_record.h - one line of the milter's JSON log (DESIGN.md 8) decoded
 * into the fields the impact report uses. Unknown members are skipped;
 * every text field is bounded and made printable.
 */
#ifndef MTASTS_REPORT_RECORD_H
#define MTASTS_REPORT_RECORD_H

#include <stddef.h>

#include "verdict.h"

#define REC_NAME_MAX	256	/* host names, domains, HELO */
#define REC_SHORT_MAX	64	/* addresses, versions, ids */
#define REC_DOMAINS_MAX	32	/* recipient domains kept per message */
#define REC_ERROR_MAX	128

enum rec_event {
	REC_MESSAGE = 0,
	REC_CONNECTION,
	REC_OTHER		/* an event this version does not report on */
};

/* Results use enum verdict_result (verdict.h); reasons its REASON_* bits. */
#define REC_RESULTS		5	/* enum verdict_result, pending included */
#define REC_REASON_OTHER	(1u << REASON_COUNT)	/* a name we don't know */
#define REC_REASONS		(REASON_COUNT + 1)

struct rec_domain {
	char		domain[REC_NAME_MAX];	/* lower case */
	unsigned long	rcpts;
	enum verdict_result result;
	unsigned	reasons;	/* REASON_* and REC_REASON_OTHER bits */
	int		has_policy;
	char		mode[REC_SHORT_MAX];
	char		id[REC_SHORT_MAX];
	char		source[REC_SHORT_MAX];	/* published, cached, draft */
};

struct rec {
	long long	ts;
	enum rec_event	event;
	char		ip[REC_SHORT_MAX];
	char		ptr[REC_NAME_MAX];
	char		helo[REC_NAME_MAX];
	char		mail_from[REC_NAME_MAX];	/* lower case */
	int		tls;				/* 0 = plaintext */
	char		tls_version[REC_SHORT_MAX];
	char		mx[REC_NAME_MAX];
	size_t		ndomains;
	struct rec_domain domains[REC_DOMAINS_MAX];
};

/*
 * Decode len bytes of line into *r. Returns 0, or -1 with a one-line reason
 * in err (the line is then malformed: not JSON, not an object, no valid
 * "ts", a domain entry without a domain or a known result).
 */
int	rec_parse(const char *line, size_t len, struct rec *r, char *err,
	    size_t errsize);
/*
 * The same, always by the general decoder (report_jscan.h); rec_parse
 * tries rec_parse_fast (report_recfast.h) first, which decodes the
 * compact plain lines the milter writes alike in one pass.
 */
int	rec_parse_full(const char *line, size_t len, struct rec *r, char *err,
	    size_t errsize);
/* The fields rec_parse sets, emptied (what a line without them gives). */
void	rec_clear(struct rec *);
/* "ts" s[0..len) into *ts (the first REC_SHORT_MAX - 1 bytes); -1 if bad. */
int	rec_stamp(const char *s, size_t len, long long *ts);
/* "event" s[0..len) */
enum rec_event rec_event_of(const char *s, size_t len);
/* name[0..len): a reason of DESIGN.md 6 (its bit) or REC_REASON_OTHER. */
unsigned rec_reason_bit(const char *name, size_t len);
/* name as a result of DESIGN.md 6 into *out; -1 when it is none. */
int	rec_result_of(const char *name, enum verdict_result *out);

/* Name of one reason bit (REASON_* or REC_REASON_OTHER). */
const char *rec_reason_name(unsigned bit);

#endif

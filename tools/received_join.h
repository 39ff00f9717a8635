/*
 * received_join.h - mtasts-report received --with-logs: the TLS-RPT reports
 * joined with what the milter saw (its JSON logs, DESIGN.md 8) per policy
 * domain and UTC day. Reporter organisations are mapped to the senders the
 * milter logged, by sending IP where a report names one ("ip"), else by the
 * reporter's registered domain (contact-info, or an organization-name that
 * is a host name) against the registered domain of the client's PTR or
 * HELO name ("domain"), else not at all ("none"). Per domain three lists:
 * senders that report and would fail (they stop delivering at enforce: the
 * domain is "not-ready" while there is one), senders that would fail and
 * show no sign of applying MTA-STS, and failures reporters saw that this
 * MX did not, with where to look.
 */
#ifndef MTASTS_RECEIVED_JOIN_H
#define MTASTS_RECEIVED_JOIN_H

#include <stdio.h>

#include <jansson.h>

#include "received.h"

struct rcv_join;

struct rcv_join *received_join_new(void);
/*
 * Read one milter log (plain or gzip, "-"), keeping the records inside the
 * window and --domain of rc. Returns 0, or -1 with the reason in err (the
 * lines before the fault count). Malformed lines are counted.
 */
int	received_join_read(struct rcv_join *, const struct received *rc,
	    const char *path, char *err, size_t errsize);
/*
 * 1 when path is a milter log: a regular file (plain or gzip) whose first
 * line is a log record (DESIGN.md 8), so logs and reports can be given
 * together. Anything else (a FIFO) is not read here: its bytes would be
 * gone for the report reader.
 */
int	received_join_is_log(const char *path);
/* The joined report as a JSON object (NULL when memory runs out). */
json_t	*received_join_json(const struct rcv_join *, const struct received *);
/* The same as text. */
int	received_join_text(FILE *, const json_t *join);
void	received_join_free(struct rcv_join *);

#endif

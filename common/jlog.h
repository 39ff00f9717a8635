/*
 * jlog.h - the JSON-lines session log (DESIGN.md 8) and syslog, written by a
 * dedicated thread so that a slow disk or syslog never delays mail.
 *
 * Callers hand over finished records; they are queued (bounded) and the
 * writer thread writes one line per record, flushed per line. A full queue
 * drops the record and counts it; write errors are counted too, and both
 * are reported to syslog at most once a minute.
 */
#ifndef MTASTS_JLOG_H
#define MTASTS_JLOG_H

#include <jansson.h>

#define JLOG_QUEUE_MAX		4096	/* records waiting for the writer */
#define JLOG_LINE_MAX		65536	/* bytes in one JSON line */
#define JLOG_SYSLOG_MAX		1024	/* bytes in one syslog message */
#define JLOG_REPORT_SECONDS	60	/* between error reports */

struct jlog;

/* path "" = no JSON log (syslog still works). Starts the writer thread. */
struct jlog	*jlog_new(const char *path);
/* Close and reopen the JSON log, possibly under a new path (reload, logrotate). */
void		 jlog_reopen(struct jlog *, const char *path);
/* Queue one record; takes over the caller's reference to obj. */
void		 jlog_record(struct jlog *, json_t *obj);
/* Queue one syslog message. */
void		 jlog_syslog(struct jlog *, int priority, const char *fmt, ...)
		    __attribute__((format(printf, 3, 4)));
/* Write what is queued, stop the thread, close the file. */
void		 jlog_free(struct jlog *);

#endif

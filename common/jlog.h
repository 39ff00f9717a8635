/*
 * jlog.h - the JSON-lines session log (DESIGN.md 8) and syslog, written by a
 * dedicated thread so that a slow disk or syslog never delays mail.
 *
 * Callers hand over finished records (their JSON text, jsonbuf.h); they
 * are queued (bounded) and the writer thread writes one whole line per
 * record, or nothing of it (a line cut short by a full disk is taken
 * back). The writer wakes once per batch: when work comes it waits
 * JLOG_BATCH_WAIT_MS for more (unless JLOG_BATCH_MAX records wait already,
 * or a reopen or the stop is asked for), then writes the batch's JSON
 * lines with one write(2) per JLOG_BATCH_BYTES; producers signal it only
 * when it sleeps idle or a batch is full. A reopen (and the stop) first
 * writes what is queued, to the file it was queued for. Every record lost
 * is counted:
 * dropped (queue full), too long, or not written (with the errno that
 * stopped it); the counts go to syslog at most once a minute, and once
 * more at stop (by syslog(3) directly: jlog is the daemon's msg output).
 * The file is reopened on request and whenever its name no longer leads
 * to the open file (log rotation).
 */
#ifndef MTASTS_JLOG_H
#define MTASTS_JLOG_H

#include "jsonbuf.h"

#define JLOG_QUEUE_MAX		4096	/* records waiting for the writer */
					/* (syslog lines: half of it at most) */
#define JLOG_LINE_MAX		65536	/* bytes in one JSON line */
#define JLOG_SYSLOG_MAX		1024	/* bytes in one syslog message */
#define JLOG_REPORT_SECONDS	60	/* between error reports */
#define JLOG_CHECK_SECONDS	1	/* between checks of the file's name */
#define JLOG_BATCH_MAX		256	/* records per wake-up of the writer */
#define JLOG_BATCH_BYTES	(4 * JLOG_LINE_MAX)	/* JSON per write(2) */
#define JLOG_BATCH_WAIT_MS	5	/* the writer waits for more this long */

struct jlog;

/* path "" = no JSON log (syslog still works). Starts the writer thread. */
struct jlog	*jlog_new(const char *path);
/* Close and reopen the JSON log, possibly under a new path (reload, logrotate). */
void		 jlog_reopen(struct jlog *, const char *path);
/*
 * Queue one record: line holds one JSON value (no newline), which the
 * queue takes over; line is left empty (same max), ready for the next.
 * A line that failed (line->error) or is JLOG_LINE_MAX bytes or longer is
 * counted (too long, or dropped) instead.
 */
void		 jlog_json(struct jlog *, struct jsonbuf *line);
/*
 * Queue one finished syslog line (cut to JLOG_SYSLOG_MAX - 1 bytes); the
 * daemon's msg output (msg.h). Never blocks; a full queue drops the line.
 */
void		 jlog_syslog(struct jlog *, int priority, const char *line);
/* Write what is queued, report what was lost, stop the thread, close. */
void		 jlog_free(struct jlog *);

#endif

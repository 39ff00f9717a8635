/*
 * metricsfile.h - the thread that writes the daemon's metrics (metrics.h,
 * promtext.h) to metrics_file every metrics_interval seconds, for
 * node_exporter's textfile collector.
 *
 * The file is replaced atomically (atomicfile.h: a temporary file in the
 * same directory, fsync, rename), so a scrape never reads half of it; the
 * temporary name ends in ".prom.XXXXXX", which the collector skips. A
 * failure to write (directory missing, disk full, permissions) is logged
 * once, and once more when writing works again; it never stops the daemon
 * and never touches mail, which only adds to counters.
 */
#ifndef MTASTS_METRICSFILE_H
#define MTASTS_METRICSFILE_H

#include "conf.h"

#define METRICSFILE_MODE	0644	/* node_exporter runs as another user */

struct metricsfile;

struct metricsfile *metricsfile_new(void);
/* Take the file name, interval and configured domains of c (a reference). */
void	metricsfile_configure(struct metricsfile *, struct conf *c);
int	metricsfile_start(struct metricsfile *);
/* Write the file once more (when on), stop the thread, free. */
void	metricsfile_free(struct metricsfile *);
/*
 * Write the metrics of now to path (the thread's one job, also for tests).
 * 0, or -1 with err saying why.
 */
int	metricsfile_write(const char *path, const struct conf *c, char *err,
	    size_t errlen);

#endif

/*
 * logsink.h - how background modules (discovery, the MX probe) report to
 * the daemon: a callback taking a syslog priority and one finished line, so
 * that they neither call syslog themselves nor know where lines go.
 */
#ifndef MTASTS_LOGSINK_H
#define MTASTS_LOGSINK_H

typedef void	log_sink_fn(void *arg, int priority, const char *message);

struct log_sink {
	log_sink_fn	*fn;
	void		*arg;
};

/* Format one line (bounded, truncated to fit) and hand it to the sink. */
void	log_sink_printf(const struct log_sink *, int priority, const char *fmt,
	    ...) __attribute__((format(printf, 3, 4)));

#endif

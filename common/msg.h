/*
 * msg.h - the one logging facility of the daemon (as Postfix's msg_*):
 * every module reports a line through msg_error() ... msg_debug(), and the
 * program decides once where lines go.
 *
 * Each call formats one line, bounded to MSG_LINE_MAX bytes (truncated to
 * fit) and made printable (CR, LF, other controls and 8-bit bytes become
 * '?', so a name from the network cannot start a log line of its own),
 * and hands it with its syslog priority to the output set last. The
 * default output is msg_stderr ("mtasts-milter: LINE").
 *
 * Switching: the output is an atomic pointer to an immutable (fn, arg)
 * pair, so msg_set_output() may run while other threads log: each line
 * goes wholly to the old output or wholly to the new one, never to the new
 * fn with the old arg. Pairs are kept in a small static table and never
 * change or go away once published (setting a pair already there reuses
 * it), so a thread that loaded the old pair can still call it. What the
 * pair cannot know is the lifetime of what arg points to: whoever frees
 * that (the daemon: the JSON log writer, jlog) must first switch away
 * from it and make sure no thread still logs through it (the daemon
 * joins every thread that logs before it switches back and frees jlog).
 * The hot path is one format, one printable pass, one atomic load and the
 * output's own work: no lock of msg's own.
 *
 * While milter callbacks run, the output must never block, since lines
 * are logged from callbacks: the daemon's then queues to jlog's writer
 * thread, which does the syslog(3); msg_stderr and msg_syslog are for
 * start and stop. Even so, nothing logs while holding a lock a callback
 * takes. No output may call msg_* itself.
 */
#ifndef MTASTS_MSG_H
#define MTASTS_MSG_H

#include <stdarg.h>

#define MSG_LINE_MAX	1024	/* bytes in one line, with the NUL */
#define MSG_OUTPUTS_MAX	32	/* distinct (fn, arg) pairs, per process */

/* Receives one finished, printable line (no newline) and its priority. */
typedef void	msg_output_fn(void *arg, int priority, const char *line);

/*
 * Send every line from now on to fn(arg, ...); fn NULL: the default. 0, or
 * -1 when MSG_OUTPUTS_MAX distinct pairs were set already (unchanged).
 */
int	msg_set_output(msg_output_fn *fn, void *arg);

/* Outputs: arg of msg_stderr is the program name (NULL: "mtasts-milter"). */
void	msg_stderr(void *arg, int priority, const char *line);
/* syslog(3) directly: only where blocking is harmless (start, stop). */
void	msg_syslog(void *arg, int priority, const char *line);

/* A line at a syslog priority (LOG_ERR ... LOG_DEBUG). */
void	msg_log(int priority, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	msg_vlog(int priority, const char *fmt, va_list)
	    __attribute__((format(printf, 2, 0)));
/*
 * A line already formatted, as msg_log(priority, "%s", line) would send it;
 * line is MSG_LINE_MAX bytes at most, and is made printable in place.
 */
void	msg_line(int priority, char *line);
void	msg_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	msg_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	msg_notice(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	msg_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	msg_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif

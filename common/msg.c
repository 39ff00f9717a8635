/*
 * msg.c - format a bounded, printable line and hand it to the output the
 * program set (see msg.h for the rules of switching).
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <syslog.h>

#include "msg.h"
#include "printable.h"

#define MSG_PROGRAM	"mtasts-milter"

struct msg_output {
	msg_output_fn	*fn;
	void		*arg;
};

/* Filled once per slot under outputs_lock, never changed afterwards. */
static struct msg_output outputs[MSG_OUTPUTS_MAX] = { { msg_stderr, NULL } };
static size_t outputs_used = 1;
static pthread_mutex_t outputs_lock = PTHREAD_MUTEX_INITIALIZER;
static const struct msg_output *_Atomic current = &outputs[0];

int
msg_set_output(msg_output_fn *fn, void *arg)
{
	size_t	i;

	if (fn == NULL) {
		fn = msg_stderr;
		arg = NULL;
	}
	pthread_mutex_lock(&outputs_lock);
	for (i = 0; i < outputs_used; i++)
		if (outputs[i].fn == fn && outputs[i].arg == arg)
			break;
	if (i == outputs_used && outputs_used < MSG_OUTPUTS_MAX) {
		outputs[i].fn = fn;
		outputs[i].arg = arg;
		outputs_used++;
	}
	if (i < outputs_used)
		atomic_store_explicit(&current, &outputs[i],
		    memory_order_release);
	pthread_mutex_unlock(&outputs_lock);
	return i < outputs_used ? 0 : -1;
}

void
msg_stderr(void *arg, int priority, const char *line)
{
	(void)priority;
	fprintf(stderr, "%s: %s\n", arg != NULL ? (const char *)arg :
	    MSG_PROGRAM, line);
}

void
msg_syslog(void *arg, int priority, const char *line)
{
	(void)arg;
	syslog(priority, "%s", line);
}

/* line: writable, MSG_LINE_MAX bytes at most; made printable here. */
static void
output(int priority, char *line)
{
	const struct msg_output *out;

	printable_copy(line, MSG_LINE_MAX, line);
	out = atomic_load_explicit(&current, memory_order_acquire);
	out->fn(out->arg, priority & LOG_PRIMASK, line);
}

void
msg_vlog(int priority, const char *fmt, va_list ap)
{
	char	line[MSG_LINE_MAX];
	int	saved = errno;

	if (vsnprintf(line, sizeof(line), fmt, ap) < 0)
		line[0] = '\0';
	output(priority, line);
	errno = saved;
}

void
msg_line(int priority, char *line)
{
	int	saved = errno;

	output(priority, line);
	errno = saved;
}

void
msg_log(int priority, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	msg_vlog(priority, fmt, ap);
	va_end(ap);
}

#define MSG_AT(name, priority)					\
void								\
name(const char *fmt, ...)					\
{								\
	va_list	ap;						\
								\
	va_start(ap, fmt);					\
	msg_vlog(priority, fmt, ap);				\
	va_end(ap);						\
}

MSG_AT(msg_error, LOG_ERR)
MSG_AT(msg_warn, LOG_WARNING)
MSG_AT(msg_notice, LOG_NOTICE)
MSG_AT(msg_info, LOG_INFO)
MSG_AT(msg_debug, LOG_DEBUG)

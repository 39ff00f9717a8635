/*
 * logsink.c - format a line for a log_sink (see logsink.h).
 */
#include <stdarg.h>
#include <stdio.h>

#include "logsink.h"

void
log_sink_printf(const struct log_sink *sink, int priority, const char *fmt,
    ...)
{
	char	msg[1024];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	sink->fn(sink->arg, priority, msg);
}

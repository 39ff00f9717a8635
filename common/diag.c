/*
 * diag.c - bounded lists of diagnostics (severity, stable code, line,
 * one-line message) shared by the parsers and the checkers.
 *
 * Messages often quote untrusted input (a policy line, a TXT record), so
 * every byte outside printable ASCII is replaced by '?' when the message is
 * stored: a diagnostic can go straight to a terminal, a log or JSON.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "diag.h"

void
diag_init(struct diag_list *dl)
{
	memset(dl, 0, sizeof(*dl));
}

void
diag_vadd(struct diag_list *dl, enum diag_severity severity, const char *code,
    unsigned line, const char *fmt, va_list ap)
{
	struct diag *d;
	char *p;

	if (dl == NULL)
		return;
	if (severity == DIAG_ERROR)
		dl->errors++;
	if (dl->count >= DIAG_MAX) {
		dl->dropped++;
		return;
	}
	d = &dl->items[dl->count++];
	d->severity = severity;
	d->code = code;
	d->line = line;
	if (vsnprintf(d->message, sizeof(d->message), fmt, ap) < 0)
		d->message[0] = '\0';
	for (p = d->message; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
			*p = '?';
}

void
diag_add(struct diag_list *dl, enum diag_severity severity, const char *code,
    unsigned line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vadd(dl, severity, code, line, fmt, ap);
	va_end(ap);
}

size_t
diag_count(const struct diag_list *dl, enum diag_severity severity)
{
	size_t i, n;

	n = 0;
	for (i = 0; i < dl->count; i++)
		if (dl->items[i].severity == severity)
			n++;
	return n;
}

const struct diag *
diag_find(const struct diag_list *dl, const char *code)
{
	size_t i;

	for (i = 0; i < dl->count; i++)
		if (strcmp(dl->items[i].code, code) == 0)
			return &dl->items[i];
	return NULL;
}

const char *
diag_severity_name(enum diag_severity severity)
{
	return severity == DIAG_ERROR ? "error" : "warning";
}

/*
 * fuzz_mime_walk.c - libFuzzer target for the MIME walk of mtasts-report
 * received (tools/mime_walk.c, gmime 3): any bytes as one message. Every
 * call is a report part or one rejection, never both for nothing: at most
 * WALK_PARTS_MAX parts, each with a printable label naming its part and
 * decoded content no larger than the message (transfer encodings only
 * shrink), a TLS-Report-Domain that is a lower-case name or none, the
 * source passed through unchanged, and a rejection with a
 * printable one-line reason when no part was found.
 * The same bytes are then read as a whole INPUT file (mime_walk_buffer: a
 * report, an mbox, a message, any of them gzip'd): sources are the file or
 * FILE:N, and every call still gets a part or a reason.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mime_walk.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define SOURCE	"fuzz.eml"

struct seen {
	size_t	 size;
	unsigned parts, rejects;
	int	 file;		/* mime_walk_buffer: mbox sources, gunzip */
	const uint8_t *base;
};

static int
source_ok(const struct seen *s, const char *source)
{
	size_t n = strlen(SOURCE);

	if (!s->file)
		return strcmp(source, SOURCE) == 0;
	return strncmp(source, SOURCE, n) == 0 &&
	    (source[n] == '\0' || source[n] == ':');
}

static void
check_printable(const char *s, size_t max)
{
	if (strlen(s) >= max)
		abort();
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			abort();
}

static void
on_report(void *arg, const struct walk_part *p)
{
	struct seen *s = arg;

	if (!source_ok(s, p->source) || p->data == NULL)
		abort();
	if (!s->file && (p->part == NULL || strncmp(p->part, "part ", 5) != 0 ||
	    p->len > s->size))
		abort();
	if (s->file && p->part == NULL && (p->data != (const void *)s->base ||
	    p->len != s->size))
		abort();	/* a file that is the report: handed over whole */
	if (p->part != NULL)
		check_printable(p->part, WALK_PART_MAX);
	if (p->report_domain != NULL) {
		check_printable(p->report_domain, WALK_DOMAIN_MAX);
		if (p->report_domain[0] == '\0' ||
		    strpbrk(p->report_domain, " \tABCDEFGHIJKLMNOPQRSTUVWXYZ"))
			abort();
	}
	s->parts++;
}

static void
on_reject(void *arg, const char *source, const char *why)
{
	struct seen *s = arg;

	if (!source_ok(s, source) || why[0] == '\0')
		abort();
	check_printable(why, 300);
	s->rejects++;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct seen s = { .size = size };
	struct walk_ops ops = { on_report, on_reject, &s };

	mime_walk_message((const char *)data, size, SOURCE, &ops);
	if (s.parts > WALK_PARTS_MAX || s.rejects > 1 ||
	    (s.parts == 0) != (s.rejects == 1))
		abort();

	s = (struct seen){ .size = size, .file = 1, .base = data };
	mime_walk_buffer((const char *)data, size, SOURCE, &ops);
	if (s.parts == 0 && s.rejects == 0)
		abort();
	return 0;
}

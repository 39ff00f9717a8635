/*
 * jlogfill.c - drive the milter's JSON log writer (common/jlog.c) from a
 * test: write COUNT records of about SIZE bytes to PATH, and when FREE is
 * given, wait for the writer, remove the file FREE (space comes back) and
 * write COUNT2 more. Syslog, where the writer reports what it lost, is
 * copied to stderr. Each record is {"seq":N,"pad":"xxx..."}, N from 0.
 *
 * usage: jlogfill PATH COUNT SIZE [FREE COUNT2]
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <jansson.h>

#include "jlog.h"

#define PAD_MAX		4096
#define WRITER_WAIT	2	/* seconds for the writer to empty the queue */

static void
fill(struct jlog *j, int from, int count, const char *pad)
{
	int	i;

	struct jsonbuf b;
	json_t	*o;

	jsonbuf_init(&b, 2 * JLOG_LINE_MAX);
	for (i = from; i < from + count; i++) {
		o = json_pack("{s:i, s:s}", "seq", i, "pad", pad);
		jsonbuf_value(&b, o);
		json_decref(o);
		jlog_json(j, &b);	/* b is empty again */
	}
	jsonbuf_free(&b);
}

int
main(int argc, char *argv[])
{
	static char pad[PAD_MAX + 1];
	struct jlog *j;
	int	count, size, count2 = 0;

	if (argc != 4 && argc != 6) {
		fprintf(stderr, "usage: jlogfill PATH COUNT SIZE [FREE COUNT2]\n");
		return 2;
	}
	count = atoi(argv[2]);
	size = atoi(argv[3]);
	if (argc == 6)
		count2 = atoi(argv[5]);
	if (count < 0 || count2 < 0 || size < 0 || size > PAD_MAX ||
	    count + count2 > JLOG_QUEUE_MAX) {
		fprintf(stderr, "jlogfill: COUNT, COUNT2 or SIZE out of range\n");
		return 2;
	}
	memset(pad, 'x', (size_t)size);
	openlog("jlogfill", LOG_PERROR, LOG_USER);
	if ((j = jlog_new(argv[1])) == NULL) {
		fprintf(stderr, "jlogfill: cannot start the writer\n");
		return 1;
	}
	fill(j, 0, count, pad);
	if (argc == 6) {
		sleep(WRITER_WAIT);
		if (unlink(argv[4]) == -1) {
			perror(argv[4]);
			return 1;
		}
		fill(j, count, count2, pad);
	}
	jlog_free(j);
	return 0;
}

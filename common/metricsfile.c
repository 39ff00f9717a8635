/*
 * metricsfile.c - the metrics file writer thread (see metricsfile.h).
 *
 * The thread sleeps on a CLOCK_MONOTONIC condition variable (a clock
 * step does not stretch or shorten the interval), wakes every
 * metrics_interval seconds, at a reload (so a new metrics_file shows up at
 * once) and at stop, when it writes one last time, so that the file holds
 * the final numbers. Nothing here holds a lock while it formats or
 * writes: the lock guards only the configuration handed over and the
 * stop flag, and the counters are read lock-free (metrics.h).
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "atomicfile.h"
#include "heaptrim.h"
#include "metrics.h"
#include "metricsfile.h"
#include "msg.h"
#include "promtext.h"

#define IDLE_SECONDS	3600	/* between wake-ups while metrics_file = "" */
#define FAILING_PATH_MAX	4096	/* metrics_file, as conf.c bounds it */

struct metricsfile {
	pthread_mutex_t	 lock;
	pthread_cond_t	 wake;
	pthread_t	 thread;
	int		 started;
	/* under lock */
	struct conf	*conf;
	int		 changed;
	int		 stop;
	/* the thread's own */
	int		 failing;
	char		 failing_path[FAILING_PATH_MAX];
};

/* The configured domains (domains list, drafts) that always get a label. */
static int
fix_configured(struct metrics_view *v, const struct conf *c)
{
	const char **names;
	size_t	i, n = 0;
	int	rc;

	if ((names = calloc(c->domain_count + c->draft_count + 1,
	    sizeof(*names))) == NULL)
		return -1;
	for (i = 0; i < c->domain_count; i++)
		names[n++] = c->domains[i];
	for (i = 0; i < c->draft_count; i++)
		names[n++] = c->drafts[i].domain;
	rc = promtext_fix_domains(v, names, n);
	free(names);
	return rc;
}

int
metricsfile_write(const char *path, const struct conf *c, char *err,
    size_t errlen)
{
	struct metrics_view v;
	char	*text;
	size_t	 len, i;
	int	 rc;

	if (metrics_snapshot(&v) == -1 || fix_configured(&v, c) == -1) {
		metrics_view_free(&v);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (promtext_choose_labels(v.domains, v.domain_count,
	    PROMTEXT_TOP_DOMAINS) > 0)
		for (i = 0; i < v.domain_count; i++)
			if (v.domains[i].labelled && !v.domains[i].fixed)
				metrics_keep_label(v.domains[i].slot);
	rc = promtext_format(&v, &text, &len);
	metrics_view_free(&v);
	if (rc == -1) {
		snprintf(err, errlen, "out of memory, or more than %d bytes "
		    "of metrics", PROMTEXT_MAX);
		return -1;
	}
	rc = atomicfile_write(path, text, len, METRICSFILE_MODE, err, errlen);
	free(text);
	/* A row per configured domain: megabytes with a long domains list. */
	heaptrim(len);
	return rc;
}

/* Say it once when writing fails, and once when it works again. */
static void
write_now(struct metricsfile *mf, const struct conf *c)
{
	char	err[512];

	if (strcmp(mf->failing_path, c->metrics_file) != 0)
		mf->failing = 0;
	if (metricsfile_write(c->metrics_file, c, err, sizeof(err)) == 0) {
		if (mf->failing)
			msg_notice("metrics_file \"%s\": written again",
			    c->metrics_file);
		mf->failing = 0;
		return;
	}
	if (!mf->failing)
		msg_error("metrics_file \"%s\": %s; the metrics are not "
		    "exported until this is fixed (mail is not affected)",
		    c->metrics_file, err);
	mf->failing = 1;
	snprintf(mf->failing_path, sizeof(mf->failing_path), "%s",
	    c->metrics_file);
}

/* The configuration to write with now, a reference, or NULL when off. */
static struct conf *
take_conf(struct metricsfile *mf, long *interval)
{
	*interval = IDLE_SECONDS;
	if (mf->conf == NULL || mf->conf->metrics_file[0] == '\0')
		return NULL;
	*interval = mf->conf->metrics_interval;
	return conf_ref(mf->conf);
}

static void *
run(void *arg)
{
	struct metricsfile *mf = arg;
	struct timespec at;
	struct conf *c;
	long	interval;

	pthread_mutex_lock(&mf->lock);
	for (;;) {
		c = take_conf(mf, &interval);
		mf->changed = 0;
		pthread_mutex_unlock(&mf->lock);
		if (c != NULL) {
			write_now(mf, c);
			conf_unref(c);
		}
		clock_gettime(CLOCK_MONOTONIC, &at);
		at.tv_sec += interval;
		pthread_mutex_lock(&mf->lock);
		while (!mf->stop && !mf->changed &&
		    pthread_cond_timedwait(&mf->wake, &mf->lock, &at) !=
		    ETIMEDOUT)
			;
		if (mf->stop)
			break;
	}
	/* The last numbers, so that the file agrees with the final log. */
	c = take_conf(mf, &interval);
	pthread_mutex_unlock(&mf->lock);
	if (c != NULL) {
		write_now(mf, c);
		conf_unref(c);
	}
	return NULL;
}

struct metricsfile *
metricsfile_new(void)
{
	struct metricsfile *mf;
	pthread_condattr_t ca;

	metrics_init();
	if ((mf = calloc(1, sizeof(*mf))) == NULL)
		return NULL;
	pthread_mutex_init(&mf->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&mf->wake, &ca);
	pthread_condattr_destroy(&ca);
	return mf;
}

void
metricsfile_configure(struct metricsfile *mf, struct conf *c)
{
	struct conf *old;

	pthread_mutex_lock(&mf->lock);
	old = mf->conf;
	mf->conf = conf_ref(c);
	mf->changed = 1;
	pthread_cond_signal(&mf->wake);
	pthread_mutex_unlock(&mf->lock);
	if (old != NULL)
		conf_unref(old);
}

int
metricsfile_start(struct metricsfile *mf)
{
	if (pthread_create(&mf->thread, NULL, run, mf) != 0)
		return -1;
	mf->started = 1;
	return 0;
}

void
metricsfile_free(struct metricsfile *mf)
{
	if (mf == NULL)
		return;
	if (mf->started) {
		pthread_mutex_lock(&mf->lock);
		mf->stop = 1;
		pthread_cond_signal(&mf->wake);
		pthread_mutex_unlock(&mf->lock);
		pthread_join(mf->thread, NULL);
	}
	if (mf->conf != NULL)
		conf_unref(mf->conf);
	pthread_cond_destroy(&mf->wake);
	pthread_mutex_destroy(&mf->lock);
	free(mf);
}

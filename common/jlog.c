/*
 * jlog.c - bounded queue and writer thread for the JSON log and syslog.
 *
 * Producers (milter callbacks) only format and enqueue under a short mutex;
 * the writer thread does every write(2) and syslog(3). The queue is a fixed
 * ring, so memory stays bounded whatever the writer's speed, and a producer
 * never waits for the disk: when the ring is full the record is dropped and
 * counted. The file is opened O_APPEND so logrotate's copytruncate and
 * several writers stay safe, and reopened on request after a rename.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "jlog.h"

#define PRIORITY_JSON	(-1)

struct jlog_entry {
	int	 priority;	/* PRIORITY_JSON or a syslog priority */
	char	*text;
	size_t	 len;
};

struct jlog {
	pthread_mutex_t	 lock;
	pthread_cond_t	 wake;
	struct jlog_entry ring[JLOG_QUEUE_MAX];
	size_t		 head;
	size_t		 count;
	int		 stop;
	pthread_t	 thread;
	char		*path;		/* owned by the writer once started */
	char		*new_path;	/* reopen request, NULL when none */
	int		 reopen;
	/* counters, under lock */
	unsigned long	 dropped;
	unsigned long	 oversize;
	/* writer-thread state */
	int		 fd;
	unsigned long	 write_errors;
	int		 last_errno;
	time_t		 last_open_attempt;
	time_t		 last_report;
	unsigned long	 reported_dropped;
	unsigned long	 reported_oversize;
	unsigned long	 reported_errors;
};

static void
enqueue(struct jlog *j, int priority, char *text, size_t len)
{
	pthread_mutex_lock(&j->lock);
	if (j->count == JLOG_QUEUE_MAX || j->stop) {
		j->dropped++;
		pthread_mutex_unlock(&j->lock);
		free(text);
		return;
	}
	j->ring[(j->head + j->count) % JLOG_QUEUE_MAX] =
	    (struct jlog_entry){ priority, text, len };
	j->count++;
	pthread_cond_signal(&j->wake);
	pthread_mutex_unlock(&j->lock);
}

void
jlog_record(struct jlog *j, json_t *obj)
{
	char	*line, *nl;
	size_t	 len;

	if (obj == NULL)
		return;
	line = json_dumps(obj, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(obj);
	if (line == NULL || (len = strlen(line)) >= JLOG_LINE_MAX) {
		free(line);
		pthread_mutex_lock(&j->lock);
		j->oversize++;
		pthread_mutex_unlock(&j->lock);
		return;
	}
	if ((nl = realloc(line, len + 2)) == NULL) {
		free(line);
		return;
	}
	nl[len] = '\n';
	nl[len + 1] = '\0';
	enqueue(j, PRIORITY_JSON, nl, len + 1);
}

void
jlog_syslog(struct jlog *j, int priority, const char *fmt, ...)
{
	char	*text;
	va_list	 ap;
	int	 n;

	if ((text = malloc(JLOG_SYSLOG_MAX)) == NULL)
		return;
	va_start(ap, fmt);
	n = vsnprintf(text, JLOG_SYSLOG_MAX, fmt, ap);
	va_end(ap);
	if (n < 0) {
		free(text);
		return;
	}
	enqueue(j, priority, text, strlen(text));
}

static void
writer_open(struct jlog *j, int forced)
{
	time_t	now = time(NULL);

	if (j->fd != -1 || j->path[0] == '\0' ||
	    (j->last_open_attempt != 0 &&
	    now - j->last_open_attempt < JLOG_REPORT_SECONDS && !forced))
		return;
	j->last_open_attempt = now;
	j->fd = open(j->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (j->fd == -1) {
		j->write_errors++;
		j->last_errno = errno;
	}
}

static void
writer_write(struct jlog *j, const struct jlog_entry *e)
{
	ssize_t	n;

	if (e->priority != PRIORITY_JSON) {
		syslog(e->priority, "%s", e->text);
		return;
	}
	writer_open(j, 0);
	if (j->fd == -1)
		return;
	n = write(j->fd, e->text, e->len);
	if (n != (ssize_t)e->len) {
		j->write_errors++;
		j->last_errno = n == -1 ? errno : EIO;
	}
}

/* Report new drops and errors, at most once per JLOG_REPORT_SECONDS. */
static void
writer_report(struct jlog *j, unsigned long dropped, unsigned long oversize)
{
	time_t	now = time(NULL);

	if (now - j->last_report < JLOG_REPORT_SECONDS)
		return;
	if (dropped == j->reported_dropped && oversize == j->reported_oversize &&
	    j->write_errors == j->reported_errors)
		return;
	syslog(LOG_ERR, "json_log \"%s\": %lu records dropped (queue full), "
	    "%lu too long, %lu write errors%s%s since start", j->path, dropped,
	    oversize, j->write_errors, j->write_errors ? ", last: " : "",
	    j->write_errors ? strerror(j->last_errno) : "");
	j->last_report = now;
	j->reported_dropped = dropped;
	j->reported_oversize = oversize;
	j->reported_errors = j->write_errors;
}

static void
writer_reopen(struct jlog *j, char *new_path)
{
	if (j->fd != -1)
		close(j->fd);
	j->fd = -1;
	if (new_path != NULL) {
		free(j->path);
		j->path = new_path;
	}
	/* j->reopen belongs to the lock: a request made meanwhile must stay. */
	writer_open(j, 1);
}

static void *
writer_thread(void *arg)
{
	struct jlog *j = arg;
	struct jlog_entry e;
	unsigned long dropped, oversize;
	char	*new_path;
	int	 reopen;

	pthread_mutex_lock(&j->lock);
	for (;;) {
		while (j->count == 0 && !j->reopen && !j->stop)
			pthread_cond_wait(&j->wake, &j->lock);
		if (j->count == 0 && j->stop && !j->reopen)
			break;
		reopen = j->reopen;
		new_path = j->new_path;
		j->reopen = 0;
		j->new_path = NULL;
		e.text = NULL;
		if (!reopen) {
			e = j->ring[j->head];
			j->head = (j->head + 1) % JLOG_QUEUE_MAX;
			j->count--;
		}
		dropped = j->dropped;
		oversize = j->oversize;
		pthread_mutex_unlock(&j->lock);
		if (reopen)
			writer_reopen(j, new_path);
		else
			writer_write(j, &e);
		free(e.text);
		writer_report(j, dropped, oversize);
		pthread_mutex_lock(&j->lock);
	}
	pthread_mutex_unlock(&j->lock);
	return NULL;
}

struct jlog *
jlog_new(const char *path)
{
	struct jlog *j;

	if ((j = calloc(1, sizeof(*j))) == NULL)
		return NULL;
	if ((j->path = strdup(path)) == NULL) {
		free(j);
		return NULL;
	}
	j->fd = -1;
	j->reopen = 1;
	pthread_mutex_init(&j->lock, NULL);
	pthread_cond_init(&j->wake, NULL);
	if (pthread_create(&j->thread, NULL, writer_thread, j) != 0) {
		free(j->path);
		free(j);
		return NULL;
	}
	return j;
}

void
jlog_reopen(struct jlog *j, const char *path)
{
	char	*copy = strdup(path);

	pthread_mutex_lock(&j->lock);
	free(j->new_path);
	j->new_path = copy;
	j->reopen = 1;
	pthread_cond_signal(&j->wake);
	pthread_mutex_unlock(&j->lock);
}

void
jlog_free(struct jlog *j)
{
	if (j == NULL)
		return;
	pthread_mutex_lock(&j->lock);
	j->stop = 1;
	pthread_cond_signal(&j->wake);
	pthread_mutex_unlock(&j->lock);
	pthread_join(j->thread, NULL);
	if (j->fd != -1)
		close(j->fd);
	free(j->new_path);
	free(j->path);
	pthread_mutex_destroy(&j->lock);
	pthread_cond_destroy(&j->wake);
	free(j);
}

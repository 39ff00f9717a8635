/*
 * jlog.c - bounded queue and writer thread for the JSON log and syslog.
 *
 * Producers (milter callbacks) only enqueue under a short mutex: a JSON
 * record as the text they wrote (jsonbuf.h), a syslog line as text; the
 * writer thread does every write(2) and syslog(3). The queue is a fixed
 * ring, so memory stays bounded whatever the writer's speed, and a producer
 * never waits for the disk: when the ring is full the record is dropped and
 * counted.
 *
 * The writer's own reports (records lost, writing again) call syslog(3)
 * directly rather than msg.h: jlog is the daemon's msg output, and a
 * report through it would queue to itself, or wait for the lock it may
 * hold. Nothing here may call msg_*.
 *
 * The writer takes the queue in batches (one wake-up, one write(2) of all
 * their JSON lines; see jlog.h). The file holds whole lines or nothing of a
 * record: a batch is written with write(2) until done, and when the disk
 * fills up halfway through, what was written of the line it stopped in is
 * cut off again (ftruncate to where that line began); if that is not
 * possible, the next line starts with a newline so that the fragment
 * stands alone. The lines of the batch after it are lost (counted). Every record that does not reach the file is
 * counted, and the report names the errno that stopped it.
 *
 * The file is opened O_APPEND (logrotate's copytruncate stays safe) and
 * O_NOFOLLOW, and must be a regular file: a daemon that keeps root must not
 * append through a link planted in its log directory. It is reopened on
 * request (reload) and also by itself, when the name no longer leads to the
 * open file (moved or removed by log rotation), checked at most once per
 * JLOG_CHECK_SECONDS.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "jlog.h"
#include "jsonbuf.h"
#include "metrics.h"

#define PRIORITY_JSON	(-1)

/* How the writer sleeps, so that producers wake it only when it helps. */
enum { WAIT_NONE, WAIT_IDLE, WAIT_GATHER };

struct jlog_entry {
	int	 priority;	/* PRIORITY_JSON or a syslog priority */
	char	*text;		/* a syslog line, or a record's JSON text */
	size_t	 len;
};

struct jlog_counts {
	unsigned long	 dropped;	/* queue full, or out of memory */
	unsigned long	 oversize;	/* longer than JLOG_LINE_MAX */
	unsigned long	 unwritten;	/* could not be written */
};

struct jlog {
	pthread_mutex_t	 lock;
	pthread_cond_t	 wake;
	struct jlog_entry ring[JLOG_QUEUE_MAX];
	size_t		 head;
	size_t		 count;
	size_t		 syslog_queued;	/* syslog lines among count */
	int		 stop;
	pthread_t	 thread;
	char		*path;		/* owned by the writer once started */
	char		*new_path;	/* reopen request, NULL when none */
	int		 reopen;
	size_t		 reopen_after;	/* entries queued before the request */
	int		 waiting;	/* WAIT_*: how the writer sleeps */
	struct jlog_counts counts;	/* dropped and oversize under lock */
	/* writer-thread state */
	struct jlog_entry taken[JLOG_BATCH_MAX];	/* off the ring, to write */
	struct jsonbuf	 out;		/* the JSON lines of one write */
	int		 fd;
	dev_t		 dev;		/* of the open file */
	ino_t		 ino;
	int		 fragment;	/* the file ends in a cut-off line */
	int		 failing;	/* the last record was not written */
	char		 last_error[128];
	time_t		 last_open_attempt;
	time_t		 last_check;
	time_t		 last_report;
	time_t		 last_resumed;
	struct jlog_counts reported;
};

static void
enqueue(struct jlog *j, int priority, char *text, size_t len)
{
	pthread_mutex_lock(&j->lock);
	/*
	 * Syslog lines may fill half of the ring at most: a slow syslog (one
	 * debug line per pending domain) must not crowd out the records.
	 */
	if (j->count == JLOG_QUEUE_MAX || j->stop ||
	    (priority != PRIORITY_JSON &&
	    j->syslog_queued >= JLOG_QUEUE_MAX / 2)) {
		if (priority == PRIORITY_JSON)
			j->counts.dropped++;
		pthread_mutex_unlock(&j->lock);
		if (priority == PRIORITY_JSON)
			metrics_count(METRIC_JSON_DROPPED);
		free(text);
		return;
	}
	j->ring[(j->head + j->count) % JLOG_QUEUE_MAX] =
	    (struct jlog_entry){ priority, text, len };
	j->count++;
	if (priority != PRIORITY_JSON)
		j->syslog_queued++;
	/* Gathering a batch: woken only when it is full (or by its timer). */
	if (j->waiting == WAIT_IDLE || (j->waiting == WAIT_GATHER &&
	    j->count >= JLOG_BATCH_MAX))
		pthread_cond_signal(&j->wake);
	pthread_mutex_unlock(&j->lock);
}

void
jlog_json(struct jlog *j, struct jsonbuf *line)
{
	char	*text = line->buf;
	size_t	 len = line->len;
	int	 too_long = line->error == JSONBUF_TOO_LONG ||
	    len >= JLOG_LINE_MAX;
	int	 written = line->error == JSONBUF_OK && text != NULL;

	/* The text is the queue's now; line starts again empty. */
	line->buf = NULL;
	jsonbuf_init(line, line->max);
	if (written && !too_long) {
		enqueue(j, PRIORITY_JSON, text, len);
		return;
	}
	free(text);
	pthread_mutex_lock(&j->lock);
	if (too_long)
		j->counts.oversize++;
	else
		j->counts.dropped++;
	pthread_mutex_unlock(&j->lock);
	metrics_count(too_long ? METRIC_JSON_TOO_LONG : METRIC_JSON_DROPPED);
}

void
jlog_syslog(struct jlog *j, int priority, const char *line)
{
	size_t	 len = strnlen(line, JLOG_SYSLOG_MAX - 1);
	char	*text;

	if ((text = malloc(len + 1)) == NULL)
		return;
	memcpy(text, line, len);
	text[len] = '\0';
	enqueue(j, priority, text, len);
}

static void
set_error(struct jlog *j, const char *what, int err)
{
	if (err == ELOOP)
		snprintf(j->last_error, sizeof(j->last_error),
		    "is a symbolic link");
	else
		snprintf(j->last_error, sizeof(j->last_error), "%s%s", what,
		    strerror(err));
}

static void
writer_close(struct jlog *j)
{
	if (j->fd != -1)
		close(j->fd);
	j->fd = -1;
}

/* Open the file; retried at most once per JLOG_CHECK_SECONDS unless forced. */
static void
writer_open(struct jlog *j, int force)
{
	time_t	now = time(NULL);
	struct stat st;
	int	fd;

	if (j->fd != -1 || j->path[0] == '\0' || (!force &&
	    j->last_open_attempt != 0 &&
	    now - j->last_open_attempt < JLOG_CHECK_SECONDS))
		return;
	j->last_open_attempt = now;
	j->last_check = now;
	if (lstat(j->path, &st) == 0 && !S_ISREG(st.st_mode)) {
		snprintf(j->last_error, sizeof(j->last_error), "%s",
		    S_ISLNK(st.st_mode) ? "is a symbolic link" :
		    "is not a regular file");
		return;
	}
	fd = open(j->path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW |
	    O_NONBLOCK | O_NOCTTY | O_CLOEXEC, 0640);
	if (fd == -1) {
		set_error(j, "open: ", errno);
		return;
	}
	if (fstat(fd, &st) == -1) {
		set_error(j, "fstat: ", errno);
		close(fd);
		return;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(j->last_error, sizeof(j->last_error),
		    "is not a regular file");
		close(fd);
		return;
	}
	/* A fragment left in an earlier file is not this file's business. */
	if (st.st_dev != j->dev || st.st_ino != j->ino)
		j->fragment = 0;
	j->fd = fd;
	j->dev = st.st_dev;
	j->ino = st.st_ino;
}

/* Log rotation moved or removed the file: follow the name. */
static void
writer_check(struct jlog *j)
{
	time_t	now = time(NULL);
	struct stat st;

	if (j->fd == -1 || now - j->last_check < JLOG_CHECK_SECONDS)
		return;
	j->last_check = now;
	if (lstat(j->path, &st) == 0 && st.st_dev == j->dev &&
	    st.st_ino == j->ino)
		return;
	writer_close(j);
	writer_open(j, 1);
}

/*
 * Take back what was appended at start (the file's size before) past its
 * first keep bytes: only when the file is exactly len bytes longer than
 * start, so that nothing another writer added is cut. Otherwise the next
 * line isolates the fragment.
 */
static void
writer_cut(struct jlog *j, off_t start, size_t keep, size_t len)
{
	struct stat st;

	if (start >= 0 && fstat(j->fd, &st) == 0 &&
	    st.st_size == start + (off_t)len &&
	    ftruncate(j->fd, start + (off_t)keep) == 0)
		return;
	j->fragment = 1;
}

/*
 * Append the whole lines of buf. 0 when all of it is written; -1 with
 * last_error set and *kept the bytes of whole lines that did reach the
 * file (what was written of the next line is taken back).
 */
static int
writer_put(struct jlog *j, const char *buf, size_t len, size_t *kept)
{
	struct stat st;
	off_t	start = fstat(j->fd, &st) == 0 ? st.st_size : -1;
	size_t	off = 0;
	ssize_t	n;
	int	err = 0;

	*kept = 0;
	while (off < len) {
		if ((n = write(j->fd, buf + off, len - off)) > 0) {
			off += (size_t)n;
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		err = n == -1 ? errno : EIO;
		break;
	}
	if (off == len) {
		*kept = len;
		return 0;
	}
	set_error(j, "", err);
	for (*kept = off; *kept > 0 && buf[*kept - 1] != '\n'; (*kept)--)
		;
	if (off > *kept)
		writer_cut(j, start, *kept, off);
	return -1;
}

static void
writer_lost(struct jlog *j, size_t records)
{
	j->counts.unwritten += records;
	j->failing = 1;
	metrics_add(METRIC_JSON_LOST, records);
}

static size_t
lines_in(const char *buf, size_t len)
{
	size_t	n = 0;

	while (len > 0)
		n += buf[--len] == '\n';
	return n;
}

/* One write(2) for the lines of a batch, records of them. */
static void
writer_json(struct jlog *j, const char *buf, size_t len, size_t records)
{
	time_t	now;
	size_t	kept;

	if (j->path[0] == '\0' || records == 0)
		return;
	writer_check(j);
	writer_open(j, 0);
	if (j->fd == -1) {
		writer_lost(j, records);
		return;
	}
	if (j->fragment) {
		if (writer_put(j, "\n", 1, &kept) == -1) {
			writer_lost(j, records);
			return;
		}
		j->fragment = 0;
	}
	if (writer_put(j, buf, len, &kept) == -1) {
		metrics_add(METRIC_JSON_WRITTEN, lines_in(buf, kept));
		writer_lost(j, records - lines_in(buf, kept));
		return;
	}
	metrics_add(METRIC_JSON_WRITTEN, records);
	if (!j->failing)
		return;
	j->failing = 0;
	now = time(NULL);
	if (now - j->last_resumed < JLOG_REPORT_SECONDS)
		return;
	j->last_resumed = now;
	syslog(LOG_NOTICE, "json_log \"%s\": writing again, %lu records not "
	    "written since start", j->path, j->counts.unwritten);
}

static int
counts_changed(const struct jlog_counts *a, const struct jlog_counts *b)
{
	return a->dropped != b->dropped || a->oversize != b->oversize ||
	    a->unwritten != b->unwritten;
}

/*
 * Report what was lost, at most once per JLOG_REPORT_SECONDS unless final.
 * c holds the dropped and oversize counts read under the lock.
 */
static void
writer_report(struct jlog *j, const struct jlog_counts *c, int final)
{
	time_t	now = time(NULL);

	if (!counts_changed(c, &j->reported) ||
	    (!final && now - j->last_report < JLOG_REPORT_SECONDS))
		return;
	syslog(LOG_ERR, "json_log \"%s\": %lu records lost since start: %lu "
	    "not written%s%s%s, %lu dropped (queue full), %lu too long",
	    j->path, c->unwritten + c->dropped + c->oversize, c->unwritten,
	    c->unwritten > 0 ? " (last error: " : "",
	    c->unwritten > 0 ? j->last_error : "",
	    c->unwritten > 0 ? ")" : "", c->dropped, c->oversize);
	j->last_report = now;
	j->reported = *c;
}

static void
writer_reopen(struct jlog *j, char *new_path)
{
	writer_close(j);
	if (new_path != NULL) {
		free(j->path);
		j->path = new_path;
	}
	writer_open(j, 1);
}

/* The counts as of now: the writer's own, the producers' under the lock. */
static void
snapshot(struct jlog *j, struct jlog_counts *c)
{
	c->dropped = j->counts.dropped;
	c->oversize = j->counts.oversize;
	c->unwritten = j->counts.unwritten;
}

/* Sleep until work arrives, or until an unreported loss is due. */
static void
writer_wait(struct jlog *j)
{
	struct jlog_counts c;
	struct timespec until;

	j->waiting = WAIT_IDLE;
	while (j->count == 0 && !j->reopen && !j->stop) {
		snapshot(j, &c);
		if (!counts_changed(&c, &j->reported)) {
			pthread_cond_wait(&j->wake, &j->lock);
			continue;
		}
		if (time(NULL) - j->last_report >= JLOG_REPORT_SECONDS)
			break;
		until.tv_sec = j->last_report + JLOG_REPORT_SECONDS;
		until.tv_nsec = 0;
		(void)pthread_cond_timedwait(&j->wake, &j->lock, &until);
	}
	j->waiting = WAIT_NONE;
}

/*
 * Work has come: let more come for JLOG_BATCH_WAIT_MS, unless a batch is
 * full already or a reopen or the stop is asked for, so that one wake-up
 * and one write(2) serve many records.
 */
static void
writer_gather(struct jlog *j)
{
	struct timespec until;

	if (j->count == 0 || j->count >= JLOG_BATCH_MAX || j->reopen ||
	    j->stop)
		return;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_nsec += JLOG_BATCH_WAIT_MS * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	j->waiting = WAIT_GATHER;
	while (j->count < JLOG_BATCH_MAX && !j->reopen && !j->stop)
		if (pthread_cond_timedwait(&j->wake, &j->lock, &until) != 0)
			break;
	j->waiting = WAIT_NONE;
}

/*
 * Up to JLOG_BATCH_MAX entries off the ring; while a reopen waits, no more
 * than were queued before it.
 */
static size_t
take_batch(struct jlog *j, struct jlog_entry *batch)
{
	size_t	n = 0, max = JLOG_BATCH_MAX;
	struct jlog_entry *e;

	if (j->reopen && j->reopen_after < max)
		max = j->reopen_after;
	while (j->count > 0 && n < max) {
		e = &j->ring[j->head];
		if (e->priority != PRIORITY_JSON)
			j->syslog_queued--;
		batch[n++] = *e;
		j->head = (j->head + 1) % JLOG_QUEUE_MAX;
		j->count--;
	}
	if (j->reopen)
		j->reopen_after -= n;
	return n;
}

/*
 * The record (shorter than JLOG_LINE_MAX: jlog_json) as one line at the
 * end of j->out, or nothing of it (counted in *dropped). 1 when it is there.
 */
static int
append_line(struct jlog *j, const char *text, size_t len,
    unsigned long *dropped)
{
	size_t	start = j->out.len;

	jsonbuf_raw(&j->out, text, len);
	jsonbuf_raw(&j->out, "\n", 1);
	if (j->out.error == JSONBUF_OK)
		return 1;
	(*dropped)++;
	jsonbuf_truncate(&j->out, start);
	return 0;
}

/*
 * Syslog lines one by one; the records' lines written with one write(2)
 * per JLOG_BATCH_BYTES.
 */
static void
write_batch(struct jlog *j, struct jlog_entry *batch, size_t n)
{
	unsigned long dropped = 0;
	size_t	i, records = 0;

	jsonbuf_truncate(&j->out, 0);
	for (i = 0; i < n; i++) {
		if (batch[i].priority != PRIORITY_JSON) {
			syslog(batch[i].priority, "%s", batch[i].text);
			free(batch[i].text);
			continue;
		}
		if (j->path[0] != '\0')
			records += append_line(j, batch[i].text,
			    batch[i].len, &dropped);
		free(batch[i].text);
		if (j->out.len >= JLOG_BATCH_BYTES) {
			writer_json(j, j->out.buf, j->out.len, records);
			jsonbuf_truncate(&j->out, 0);
			records = 0;
		}
	}
	writer_json(j, j->out.buf, j->out.len, records);
	if (dropped == 0)
		return;
	metrics_add(METRIC_JSON_DROPPED, dropped);
	pthread_mutex_lock(&j->lock);
	j->counts.dropped += dropped;
	pthread_mutex_unlock(&j->lock);
}

static void *
writer_thread(void *arg)
{
	struct jlog *j = arg;
	struct jlog_counts c;
	char	*new_path;
	size_t	 n;
	int	 reopen;

	pthread_mutex_lock(&j->lock);
	for (;;) {
		writer_wait(j);
		if (j->count == 0 && j->stop && !j->reopen)
			break;
		writer_gather(j);
		/* What was queued before a reopen goes to the file it was for. */
		n = take_batch(j, j->taken);
		reopen = j->reopen && j->reopen_after == 0;
		new_path = reopen ? j->new_path : NULL;
		if (reopen) {
			j->reopen = 0;
			j->new_path = NULL;
		}
		pthread_mutex_unlock(&j->lock);
		write_batch(j, j->taken, n);
		if (reopen)
			writer_reopen(j, new_path);
		pthread_mutex_lock(&j->lock);
		snapshot(j, &c);
		pthread_mutex_unlock(&j->lock);
		writer_report(j, &c, 0);
		pthread_mutex_lock(&j->lock);
	}
	snapshot(j, &c);
	pthread_mutex_unlock(&j->lock);
	writer_report(j, &c, 1);
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
	/* Room for a batch and one more line of the longest kind. */
	jsonbuf_init(&j->out, JLOG_BATCH_BYTES + JLOG_LINE_MAX + 1);
	j->fd = -1;
	j->reopen = 1;
	pthread_mutex_init(&j->lock, NULL);
	pthread_cond_init(&j->wake, NULL);
	if (pthread_create(&j->thread, NULL, writer_thread, j) != 0) {
		pthread_mutex_destroy(&j->lock);
		pthread_cond_destroy(&j->wake);
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
	if (!j->reopen)
		j->reopen_after = j->count;
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
	writer_close(j);
	free(j->new_path);
	free(j->path);
	jsonbuf_free(&j->out);
	pthread_mutex_destroy(&j->lock);
	pthread_cond_destroy(&j->wake);
	free(j);
}

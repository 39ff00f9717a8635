/*
 * pendrec.c - hold the JSON records of messages with pending recipient
 * domains until discovery answers, then complete and write them.
 *
 * A held record is its JSON text with the places of its domains[] entries
 * (auditjson.h); a pending entry that discovery has answered for gets its
 * completed text, put in its place when the record is written.
 *
 * Callbacks only append to a list under a mutex (O(1)); the thread takes
 * the whole list, judges the entries with the lock released, and puts back
 * what still waits. Nothing here blocks a callback: the log queue never
 * waits either.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pendrec.h"

#define PENDREC_TICK_SECONDS	1

/* One domains[] entry of a held record. */
struct held_entry {
	char		*done;		/* completed text, NULL = as written */
	int		 pending;	/* was pending when held */
	unsigned	 rcpts;
	char		 domain[CTX_NAME_MAX];
};

struct item {
	struct item	*next;
	char		*line;		/* the record as written */
	size_t		 len;
	struct auditjson_places places;
	time_t		 deadline;
	int		 plaintext;
	char		 tls_version[32];
	char		 mx_name[256];		/* "" = unknown */
	char		 queue_id[64];
	char		 client_ip[64];
	struct held_entry entry[];	/* places.n */
};

struct pendrec {
	pthread_mutex_t	 lock;
	pthread_cond_t	 wake;
	struct store	*store;
	struct jlog	*jlog;
	struct item	*head;		/* oldest first */
	struct item	**tail;
	size_t		 count;		/* held, in the list or being judged */
	int		 stop;
	int		 started;
	pthread_t	 thread;
};

static void
copy(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src != NULL ? src : "");
}

struct pendrec *
pendrec_new(struct store *st, struct jlog *j)
{
	struct pendrec *p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->wake, NULL);
	p->store = st;
	p->jlog = j;
	p->tail = &p->head;
	return p;
}

static void
item_free(struct item *it)
{
	size_t	i;

	for (i = 0; i < it->places.n; i++)
		free(it->entry[i].done);
	free(it->line);
	free(it);
}

int
pendrec_hold(struct pendrec *p, struct jsonbuf *line,
    const struct auditjson_places *places, const struct audit_domain *ev,
    const char *queue_id, const char *client_ip,
    const struct audit_session *s)
{
	struct item *it;
	size_t	 i;

	if (p == NULL || line->buf == NULL || line->error != JSONBUF_OK ||
	    (it = calloc(1, sizeof(*it) +
	    places->n * sizeof(it->entry[0]))) == NULL)
		return -1;
	it->places = *places;
	for (i = 0; i < places->n; i++) {
		it->entry[i].pending = audit_pending(&ev[i]);
		it->entry[i].rcpts = ev[i].rcpts;
		copy(it->entry[i].domain, sizeof(it->entry[i].domain),
		    ev[i].domain);
	}
	it->deadline = time(NULL) + PENDREC_WAIT_SECONDS;
	it->plaintext = s->tls_version == NULL;
	copy(it->tls_version, sizeof(it->tls_version), s->tls_version);
	copy(it->mx_name, sizeof(it->mx_name), s->mx_name);
	copy(it->queue_id, sizeof(it->queue_id), queue_id);
	copy(it->client_ip, sizeof(it->client_ip), client_ip);
	pthread_mutex_lock(&p->lock);
	if (!p->started || p->stop || p->count >= PENDREC_MAX) {
		pthread_mutex_unlock(&p->lock);
		free(it);
		return -1;
	}
	*p->tail = it;
	p->tail = &it->next;
	p->count++;
	/* Taken over: the text is the item's now. */
	it->line = line->buf;
	it->len = line->len;
	line->buf = NULL;
	jsonbuf_init(line, line->max);
	pthread_mutex_unlock(&p->lock);
	return 0;
}

/* Judge the pending entries again; returns how many still wait. */
static size_t
complete(struct item *it, const struct store_snapshot *snap)
{
	const struct store_mx *m;
	struct audit_session s;
	struct audit_domain ad;
	struct held_entry *e;
	struct jsonbuf done;
	size_t	 i, waiting = 0;

	memset(&s, 0, sizeof(s));
	s.tls_version = it->plaintext ? NULL : it->tls_version;
	s.mx_name = it->mx_name[0] != '\0' ? it->mx_name : NULL;
	if ((m = snapshot_mx(snap, s.mx_name)) != NULL)
		s.cert = &m->health;
	for (i = 0; i < it->places.n; i++) {
		e = &it->entry[i];
		if (!e->pending || e->done != NULL)
			continue;
		audit_eval(snap, e->domain, e->rcpts, &s, &ad);
		if (audit_pending(&ad)) {
			waiting++;
			continue;
		}
		jsonbuf_init(&done, JLOG_LINE_MAX);
		auditjson_domain(&done, &ad, 1);
		if (done.error != JSONBUF_OK || done.buf == NULL) {
			jsonbuf_free(&done);
			waiting++;
			continue;
		}
		e->done = done.buf;
		if (conf_log_verdict(snap->conf,
		    ad.v.result == VERDICT_WOULD_FAIL))
			audit_syslog(it->queue_id, &ad, it->client_ip, &s);
	}
	return waiting;
}

static void
write_item(struct pendrec *p, struct item *it)
{
	const char *replaced[CTX_RCPT_DOMAINS_MAX];
	struct jsonbuf line;
	size_t	 i;

	for (i = 0; i < it->places.n; i++)
		replaced[i] = it->entry[i].done;
	jsonbuf_init(&line, JLOG_LINE_MAX);
	auditjson_assemble(&line, it->line, it->len, &it->places, replaced);
	jlog_json(p->jlog, &line);
	jsonbuf_free(&line);
	item_free(it);
}

/* One pass over what is held; the lock is not held meanwhile. */
static void
turn(struct pendrec *p, struct item *list, int final)
{
	struct store_snapshot *snap;
	struct item *it, *next, *keep = NULL, **keep_tail = &keep;
	size_t	 written = 0;
	time_t	 now = time(NULL);

	snap = store_acquire(p->store);
	for (it = list; it != NULL; it = next) {
		next = it->next;
		it->next = NULL;
		if ((snap != NULL && complete(it, snap) == 0) || final ||
		    now >= it->deadline) {
			write_item(p, it);
			written++;
		} else {
			*keep_tail = it;
			keep_tail = &it->next;
		}
	}
	store_release(snap);
	pthread_mutex_lock(&p->lock);
	/* What still waits goes back in front of what came meanwhile. */
	if (keep != NULL) {
		*keep_tail = p->head;
		if (p->head == NULL)
			p->tail = keep_tail;
		p->head = keep;
	}
	p->count -= written;
	pthread_mutex_unlock(&p->lock);
}

static struct item *
take_all(struct pendrec *p)
{
	struct item *list = p->head;

	p->head = NULL;
	p->tail = &p->head;
	return list;
}

static void *
pendrec_thread(void *arg)
{
	struct pendrec *p = arg;
	struct timespec deadline;
	struct item *list;

	pthread_mutex_lock(&p->lock);
	while (!p->stop) {
		clock_gettime(CLOCK_REALTIME, &deadline);
		deadline.tv_sec += PENDREC_TICK_SECONDS;
		if (pthread_cond_timedwait(&p->wake, &p->lock, &deadline) !=
		    ETIMEDOUT)
			continue;
		list = take_all(p);
		pthread_mutex_unlock(&p->lock);
		turn(p, list, 0);
		pthread_mutex_lock(&p->lock);
	}
	list = take_all(p);
	pthread_mutex_unlock(&p->lock);
	turn(p, list, 1);
	return NULL;
}

int
pendrec_start(struct pendrec *p)
{
	if (pthread_create(&p->thread, NULL, pendrec_thread, p) != 0)
		return -1;
	pthread_mutex_lock(&p->lock);
	p->started = 1;
	pthread_mutex_unlock(&p->lock);
	return 0;
}

void
pendrec_free(struct pendrec *p)
{
	int	started;

	if (p == NULL)
		return;
	pthread_mutex_lock(&p->lock);
	p->stop = 1;
	started = p->started;
	pthread_cond_signal(&p->wake);
	pthread_mutex_unlock(&p->lock);
	if (started)
		pthread_join(p->thread, NULL);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->wake);
	free(p);
}

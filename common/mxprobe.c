/*
 * mxprobe.c - the milter's background self-probe of the MX names it serves.
 *
 * The thread wakes every MXPROBE_TURN_SECONDS (or when kicked after a
 * reload), takes the names from the current snapshot, probes those that
 * are due, hands every judgement it holds to the store in one piece, and
 * warns about certificates close to expiry. It keeps one entry per name
 * so that a name whose probe failed is retried after MXPROBE_RETRY_SECONDS
 * (the MTA may start after the milter) rather than at every turn. Probing
 * blocks for seconds; it never runs in a milter callback.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>

#include <openssl/rand.h>

#include "metrics.h"
#include "msg.h"
#include "mxprobe.h"
#include "tlsprobe.h"
#include "utctime.h"

struct mxprobe_entry {
	struct store_probe probe;	/* name, and the judgement if judged */
	int		 judged;
	time_t		 probed_at;	/* 0: not yet */
	time_t		 warned_at;	/* last expiry warning */
};

struct mxprobe {
	pthread_mutex_t	 lock;		/* kicked, stop */
	pthread_cond_t	 wake;
	int		 kicked;
	int		 stop;
	int		 started;
	pthread_t	 thread;
	struct store	*store;
	/* The thread's own: */
	struct mxprobe_entry names[MXPROBE_NAMES_MAX];
	size_t		 count;
};

static struct mxprobe_entry *
find_entry(struct mxprobe_entry *e, size_t n, const char *name)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (strcmp(e[i].probe.name, name) == 0)
			return &e[i];
	return NULL;
}

/* Follow the snapshot's names, keeping what is known about each. */
static void
track_names(struct mxprobe *p, const struct store_snapshot *snap)
{
	struct mxprobe_entry next[MXPROBE_NAMES_MAX], *old;
	size_t	i, n = 0;

	for (i = 0; i < snap->mx_count && n < MXPROBE_NAMES_MAX; i++) {
		if (strlen(snap->mx[i].name) >= sizeof(next[n].probe.name))
			continue;
		if ((old = find_entry(p->names, p->count,
		    snap->mx[i].name)) != NULL)
			next[n] = *old;
		else {
			memset(&next[n], 0, sizeof(next[n]));
			strcpy(next[n].probe.name, snap->mx[i].name);
		}
		n++;
	}
	memcpy(p->names, next, n * sizeof(next[0]));
	p->count = n;
}

/* was_failing: the previous probe of the name judged nothing either. */
static void
log_result(const struct tlsprobe_result *r, int was_failing)
{
	const struct cert_health *h = &r->cert.health;
	char	date[16];

	if (!r->cert_judged) {
		/* Warn once per outage, not at every retry. */
		msg_log(was_failing ? LOG_DEBUG : LOG_WARNING,
		    "MX probe of %s: %s; certificate reasons "
		    "for it come from tls_cert_file, if any", r->host,
		    r->error[0] != '\0' ? r->error : "no certificate judged");
		return;
	}
	utctime_format_date(r->cert.not_after, date, sizeof(date));
	if (h->expired || h->host_mismatch || h->not_trusted)
		msg_warn("MX probe of %s (%s): a sender would "
		    "reject the certificate it serves (expires %s): %s",
		    r->host, r->peer, date, r->cert.detail);
	else
		msg_info("MX probe of %s (%s): certificate good, "
		    "expires %s", r->host, r->peer, date);
}

static void
record_result(struct mxprobe_entry *e, const struct tlsprobe_result *r,
    time_t now)
{
	e->probed_at = now;
	e->judged = r->cert_judged;
	e->probe.health = tlsprobe_health(r);
	e->probe.not_after = r->cert_judged ? r->cert.not_after : 0;
}

static int
is_due(const struct mxprobe_entry *e, long interval, time_t now)
{
	long	wait = interval;

	if (!e->judged && wait > MXPROBE_RETRY_SECONDS)
		wait = MXPROBE_RETRY_SECONDS;
	return e->probed_at == 0 || now - e->probed_at >= wait;
}

/* Probe the names that are due; returns how many were probed. */
static size_t
probe_due(struct mxprobe *p, const struct conf *c, int full, time_t now)
{
	struct tlsprobe_result *res;
	struct tlsprobe_options opt;
	const char *hosts[MXPROBE_NAMES_MAX];
	struct mxprobe_entry *due[MXPROBE_NAMES_MAX];
	size_t	i, n = 0;

	for (i = 0; i < p->count; i++)
		if (full || is_due(&p->names[i], c->probe_interval, now)) {
			due[n] = &p->names[i];
			hosts[n++] = p->names[i].probe.name;
		}
	if (n == 0)
		return 0;
	if ((res = calloc(n, sizeof(*res))) == NULL) {
		msg_error("MX probe: out of memory");
		return 0;
	}
	memset(&opt, 0, sizeof(opt));
	opt.ca_file = c->ca_file;
	opt.dns_servers = c->dns_servers;
	opt.connect_to = (const char *const *)c->connect_to;
	opt.connect_to_count = c->connect_to_count;
	opt.timeout_ms = MXPROBE_TIMEOUT_MS;
	opt.ehlo_name = mxprobe_ehlo_name();
	if (tlsprobe_run(hosts, n, &opt, res) == -1) {
		msg_error("MX probe: cannot start probing");
		n = 0;
	}
	for (i = 0; i < n; i++) {
		log_result(&res[i], due[i]->probed_at != 0 &&
		    !due[i]->judged);
		record_result(due[i], &res[i], now);
		metrics_count(res[i].cert_judged ? METRIC_PROBE_JUDGED :
		    METRIC_PROBE_FAILED);
	}
	free(res);
	return n;
}

static void
publish(struct mxprobe *p)
{
	struct store_probe list[MXPROBE_NAMES_MAX];
	size_t	i, n = 0;

	for (i = 0; i < p->count; i++)
		if (p->names[i].judged)
			list[n++] = p->names[i].probe;
	if (store_set_probed(p->store, list, n) == -1)
		msg_error("MX probe: out of memory; the results are "
		    "not used");
}

/* Forget every judgement: probing was turned off. */
static int
forget_all(struct mxprobe *p)
{
	size_t	i;
	int	had = 0;

	for (i = 0; i < p->count; i++) {
		had |= p->names[i].judged;
		p->names[i].judged = 0;
		p->names[i].probed_at = 0;
	}
	return had;
}

/* 1 when not_after is known and falls within the warning window. */
static int
expires_soon(time_t not_after, time_t now)
{
	return not_after > now &&
	    tlsprobe_days_left(not_after, now) < MXPROBE_EXPIRY_DAYS;
}

static void
warn_expiring(struct mxprobe *p, time_t now)
{
	struct store_snapshot *snap;
	const struct store_mx *m;
	struct mxprobe_entry *e;
	char	date[16];
	size_t	i;

	if ((snap = store_acquire(p->store)) == NULL)
		return;
	for (i = 0; i < snap->mx_count; i++) {
		m = &snap->mx[i];
		if ((e = find_entry(p->names, p->count, m->name)) == NULL ||
		    (e->warned_at != 0 && now - e->warned_at <
		    MXPROBE_WARN_SECONDS))
			continue;
		if (m->probed && expires_soon(m->probe_not_after, now)) {
			utctime_format_date(m->probe_not_after, date,
			    sizeof(date));
			msg_warn("MX %s serves a certificate that "
			    "expires on %s; renew it", m->name, date);
		} else if (m->file_health.known &&
		    expires_soon(m->file_not_after, now)) {
			utctime_format_date(m->file_not_after, date,
			    sizeof(date));
			msg_warn("tls_cert_file \"%s\" for MX %s "
			    "expires on %s; renew it", m->cert_file, m->name,
			    date);
		} else
			continue;
		e->warned_at = now;
	}
	store_release(snap);
}

static void
turn(struct mxprobe *p, int full)
{
	struct store_snapshot *snap;
	struct conf *conf;
	time_t	now = time(NULL);

	if ((snap = store_acquire(p->store)) == NULL)
		return;
	conf = conf_ref(snap->conf);
	track_names(p, snap);
	store_release(snap);
	if (conf->probe_interval > 0) {
		if (probe_due(p, conf, full, now) > 0)
			publish(p);
	} else if (forget_all(p))
		publish(p);
	conf_unref(conf);
	warn_expiring(p, time(NULL));
}

static void *
probe_thread(void *arg)
{
	struct mxprobe *p = arg;
	struct timespec deadline;
	int	full;

	pthread_mutex_lock(&p->lock);
	while (!p->stop) {
		if (!p->kicked) {
			clock_gettime(CLOCK_REALTIME, &deadline);
			deadline.tv_sec += MXPROBE_TURN_SECONDS;
			if (pthread_cond_timedwait(&p->wake, &p->lock,
			    &deadline) != ETIMEDOUT)
				continue;
		}
		full = p->kicked;
		p->kicked = 0;
		pthread_mutex_unlock(&p->lock);
		turn(p, full);
		pthread_mutex_lock(&p->lock);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

struct mxprobe *
mxprobe_new(struct store *st)
{
	struct mxprobe *p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->wake, NULL);
	p->store = st;
	p->kicked = 1;
	return p;
}

int
mxprobe_start(struct mxprobe *p)
{
	if (pthread_create(&p->thread, NULL, probe_thread, p) != 0)
		return -1;
	p->started = 1;
	return 0;
}

void
mxprobe_kick(struct mxprobe *p)
{
	pthread_mutex_lock(&p->lock);
	p->kicked = 1;
	pthread_cond_signal(&p->wake);
	pthread_mutex_unlock(&p->lock);
}

void
mxprobe_free(struct mxprobe *p)
{
	if (p == NULL)
		return;
	if (p->started) {
		pthread_mutex_lock(&p->lock);
		p->stop = 1;
		pthread_cond_signal(&p->wake);
		pthread_mutex_unlock(&p->lock);
		pthread_join(p->thread, NULL);
	}
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->wake);
	free(p);
}

static char	 probe_ehlo[64];
static pthread_once_t probe_ehlo_once = PTHREAD_ONCE_INIT;

static void
probe_ehlo_init(void)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char rnd[16];
	char	*p;
	size_t	 i;

	/* Without randomness there is no name to recognise: none matches. */
	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		return;
	p = probe_ehlo + snprintf(probe_ehlo, sizeof(probe_ehlo),
	    "mtasts-milter-probe-");
	for (i = 0; i < sizeof(rnd); i++) {
		*p++ = hex[rnd[i] >> 4];
		*p++ = hex[rnd[i] & 15];
	}
	strcpy(p, ".invalid");
}

const char *
mxprobe_ehlo_name(void)
{
	pthread_once(&probe_ehlo_once, probe_ehlo_init);
	return probe_ehlo[0] != '\0' ? probe_ehlo : "mtasts-milter-probe.invalid";
}

int
mxprobe_is_probe(const char *helo)
{
	pthread_once(&probe_ehlo_once, probe_ehlo_init);
	return helo != NULL && probe_ehlo[0] != '\0' &&
	    strcasecmp(helo, probe_ehlo) == 0;
}

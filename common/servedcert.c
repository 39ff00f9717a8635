/*
 * servedcert.c - judged served certificates, by SHA-256 fingerprint and MX
 * name, and the thread that judges them.
 *
 * The table is fixed (SERVEDCERT_MAX); a new judgement replaces the oldest.
 * An entry keeps the leaf's expiry, so a certificate that expires after it
 * was judged is expired from then on without judging it again. Jobs are
 * either a certificate from a request (DER, leaf only: judged alone) or a
 * configured chain file (judged with its intermediates).
 */
#include "config.h"

#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "certhealth.h"
#include "msg.h"
#include "servedcert.h"

#define FP_LEN		32
#define NAME_MAX_LEN	256

struct entry {
	int		 used;
	unsigned char	 fp[FP_LEN];
	char		 mx[NAME_MAX_LEN];
	struct cert_health health;
	time_t		 not_after;
	unsigned long	 age;		/* order of judgement */
};

struct job {
	int		 used;
	unsigned char	 fp[FP_LEN];	/* of der; unused for a file */
	unsigned char	*der;		/* NULL: file */
	size_t		 der_len;
	char		*file;
	char		*ca_file;
	char		 mx[NAME_MAX_LEN];
};

struct servedcert {
	pthread_mutex_t	 lock;
	pthread_cond_t	 wake;
	struct entry	 e[SERVEDCERT_MAX];
	unsigned long	 ages;
	struct job	 q[SERVEDCERT_QUEUE_MAX];
	int		 stop;
	int		 started;
	pthread_t	 thread;
};

struct servedcert *
servedcert_new(void)
{
	struct servedcert *s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->wake, NULL);
	return s;
}

static void
job_clear(struct job *j)
{
	free(j->der);
	free(j->file);
	free(j->ca_file);
	memset(j, 0, sizeof(*j));
}

/* Queue a job (the lock held); takes der, file and ca_file. */
static void
enqueue(struct servedcert *s, struct job *in)
{
	size_t	n;

	for (n = 0; n < SERVEDCERT_QUEUE_MAX; n++) {
		if (s->q[n].used && in->der != NULL && s->q[n].der != NULL &&
		    memcmp(s->q[n].fp, in->fp, FP_LEN) == 0 &&
		    strcmp(s->q[n].mx, in->mx) == 0)
			break;		/* queued already */
		if (!s->q[n].used) {
			s->q[n] = *in;
			s->q[n].used = 1;
			pthread_cond_signal(&s->wake);
			return;
		}
	}
	job_clear(in);		/* full or queued: dropped */
}

static void
queue_file(struct servedcert *s, const char *file, const char *mx,
    const char *ca_file)
{
	struct job j;

	if (file == NULL || file[0] == '\0' || mx == NULL || mx[0] == '\0')
		return;
	memset(&j, 0, sizeof(j));
	snprintf(j.mx, sizeof(j.mx), "%s", mx);
	j.file = strdup(file);
	j.ca_file = strdup(ca_file);
	if (j.file == NULL || j.ca_file == NULL) {
		job_clear(&j);
		return;
	}
	enqueue(s, &j);
}

void
servedcert_configure(struct servedcert *s, const struct conf *conf)
{
	size_t	n;

	pthread_mutex_lock(&s->lock);
	queue_file(s, conf->tls_cert_file, conf->mx_name, conf->ca_file);
	for (n = 0; n < conf->listener_count; n++)
		queue_file(s, conf->listeners[n].tls_cert_file,
		    conf->listeners[n].mx_name[0] != '\0' ?
		    conf->listeners[n].mx_name : conf->mx_name, conf->ca_file);
	pthread_mutex_unlock(&s->lock);
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* 64 hex digits, colons and spaces between them allowed. */
static int
parse_fingerprint(const char *t, unsigned char *fp)
{
	size_t	n = 0;
	int	hi, lo;

	for (; *t != '\0'; t++) {
		if (*t == ':' || *t == ' ')
			continue;
		if (n == FP_LEN || (hi = hexval(t[0])) == -1 ||
		    (lo = hexval(t[1])) == -1)
			return -1;
		fp[n++] = (unsigned char)(hi << 4 | lo);
		t++;
	}
	return n == FP_LEN ? 0 : -1;
}

#define PEM_BEGIN	"-----BEGIN CERTIFICATE-----"
#define PEM_END		"-----END CERTIFICATE-----"

/* The DER of the first PEM certificate in t (malloc'd), or NULL. */
static unsigned char *
pem_der(const char *t, size_t *len)
{
	const char *b, *e;
	char	*b64;
	unsigned char *der;
	size_t	 n = 0;
	int	 out;

	if ((b = strstr(t, PEM_BEGIN)) == NULL ||
	    (e = strstr(b, PEM_END)) == NULL)
		return NULL;
	b += strlen(PEM_BEGIN);
	if ((size_t)(e - b) > SERVEDCERT_DER_MAX * 2 ||
	    (b64 = malloc((size_t)(e - b) + 1)) == NULL)
		return NULL;
	/* Lines joined by the MTA's expansion: drop whatever is not base64. */
	for (; b < e; b++)
		if (isalnum((unsigned char)*b) || *b == '+' || *b == '/' ||
		    *b == '=')
			b64[n++] = *b;
	if (n == 0 || n % 4 != 0 || (der = malloc(n / 4 * 3)) == NULL) {
		free(b64);
		return NULL;
	}
	out = EVP_DecodeBlock(der, (unsigned char *)b64, (int)n);
	if (out > 0 && b64[n - 1] == '=')
		out -= b64[n - 2] == '=' ? 2 : 1;
	free(b64);
	if (out <= 0) {
		free(der);
		return NULL;
	}
	*len = (size_t)out;
	return der;
}

static int
der_fingerprint(const unsigned char *der, size_t len, unsigned char *fp)
{
	unsigned int n = 0;

	return EVP_Digest(der, len, fp, &n, EVP_sha256(), NULL) == 1 &&
	    n == FP_LEN ? 0 : -1;
}

/* The entry for fp and mx (the lock held), or NULL. */
static const struct entry *
find(const struct servedcert *s, const unsigned char *fp, const char *mx)
{
	size_t	n;

	for (n = 0; n < SERVEDCERT_MAX; n++)
		if (s->e[n].used && memcmp(s->e[n].fp, fp, FP_LEN) == 0 &&
		    strcmp(s->e[n].mx, mx) == 0)
			return &s->e[n];
	return NULL;
}

int
servedcert_health(struct servedcert *s, const char *text, const char *mx,
    const char *ca_file, time_t now, struct cert_health *out)
{
	unsigned char fp[FP_LEN], *der = NULL;
	const struct entry *e;
	struct job j;
	size_t	 len = 0;
	int	 found = 0;

	if (s == NULL || text == NULL || mx == NULL || mx[0] == '\0')
		return 0;
	if (strstr(text, PEM_BEGIN) != NULL) {
		if ((der = pem_der(text, &len)) == NULL ||
		    der_fingerprint(der, len, fp) == -1) {
			free(der);
			return 0;
		}
	} else if (parse_fingerprint(text, fp) == -1)
		return 0;
	pthread_mutex_lock(&s->lock);
	if ((e = find(s, fp, mx)) != NULL) {
		*out = e->health;
		if (e->not_after != 0 && now > e->not_after)
			out->expired = 1;
		found = 1;
	} else if (der != NULL && s->started && !s->stop) {
		memset(&j, 0, sizeof(j));
		memcpy(j.fp, fp, FP_LEN);
		snprintf(j.mx, sizeof(j.mx), "%s", mx);
		j.der = der;
		j.der_len = len;
		der = NULL;
		if ((j.ca_file = strdup(ca_file != NULL ? ca_file : "")) != NULL)
			enqueue(s, &j);
		else
			job_clear(&j);
	}
	pthread_mutex_unlock(&s->lock);
	free(der);
	return found;
}

/* The chain of a job, and its leaf's fingerprint, or NULL. */
static STACK_OF(X509) *
job_chain(struct job *j, struct certhealth_result *res)
{
	STACK_OF(X509) *chain;
	const unsigned char *p = j->der;
	unsigned char *der = NULL;
	X509	*x;
	int	 len;

	if (j->file != NULL) {
		if ((chain = certhealth_read_chain(j->file, res)) == NULL)
			return NULL;
		x = sk_X509_value(chain, 0);
		if ((len = i2d_X509(x, &der)) <= 0 ||
		    der_fingerprint(der, (size_t)len, j->fp) == -1) {
			OPENSSL_free(der);
			sk_X509_pop_free(chain, X509_free);
			return NULL;
		}
		OPENSSL_free(der);
		return chain;
	}
	if ((x = d2i_X509(NULL, &p, (long)j->der_len)) == NULL)
		return NULL;
	if ((chain = sk_X509_new_null()) == NULL || !sk_X509_push(chain, x)) {
		X509_free(x);
		sk_X509_free(chain);
		return NULL;
	}
	return chain;
}

/* Judge one job with the lock released; record the result. */
static void
judge(struct servedcert *s, struct job *j)
{
	struct certhealth_result res;
	STACK_OF(X509) *chain;
	struct entry *slot = NULL;
	size_t	 n;
	int	 ok;

	memset(&res, 0, sizeof(res));
	if ((chain = job_chain(j, &res)) == NULL) {
		msg_warn("served certificate for %s: %s", j->mx,
		    res.error[0] != '\0' ? res.error : "cannot be read");
		return;
	}
	ok = certhealth_check_chain(chain, j->ca_file, j->mx, time(NULL),
	    &res) == 0;
	sk_X509_pop_free(chain, X509_free);
	if (!ok) {
		msg_warn("served certificate for %s: %s", j->mx, res.error);
		return;
	}
	pthread_mutex_lock(&s->lock);
	for (n = 0; n < SERVEDCERT_MAX; n++) {
		if (!s->e[n].used || (memcmp(s->e[n].fp, j->fp, FP_LEN) == 0 &&
		    strcmp(s->e[n].mx, j->mx) == 0)) {
			slot = &s->e[n];
			break;
		}
		if (slot == NULL || s->e[n].age < slot->age)
			slot = &s->e[n];
	}
	slot->used = 1;
	memcpy(slot->fp, j->fp, FP_LEN);
	snprintf(slot->mx, sizeof(slot->mx), "%s", j->mx);
	slot->health = res.health;
	slot->not_after = res.not_after;
	slot->age = ++s->ages;
	pthread_mutex_unlock(&s->lock);
}

static void *
servedcert_thread(void *arg)
{
	struct servedcert *s = arg;
	struct job j;
	size_t	 n;

	pthread_mutex_lock(&s->lock);
	while (!s->stop) {
		for (n = 0; n < SERVEDCERT_QUEUE_MAX && !s->q[n].used; n++)
			continue;
		if (n == SERVEDCERT_QUEUE_MAX) {
			pthread_cond_wait(&s->wake, &s->lock);
			continue;
		}
		j = s->q[n];
		memset(&s->q[n], 0, sizeof(s->q[n]));
		pthread_mutex_unlock(&s->lock);
		judge(s, &j);
		job_clear(&j);
		pthread_mutex_lock(&s->lock);
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

int
servedcert_start(struct servedcert *s)
{
	if (pthread_create(&s->thread, NULL, servedcert_thread, s) != 0)
		return -1;
	pthread_mutex_lock(&s->lock);
	s->started = 1;
	pthread_mutex_unlock(&s->lock);
	return 0;
}

void
servedcert_free(struct servedcert *s)
{
	size_t	n;
	int	started;

	if (s == NULL)
		return;
	pthread_mutex_lock(&s->lock);
	s->stop = 1;
	started = s->started;
	pthread_cond_signal(&s->wake);
	pthread_mutex_unlock(&s->lock);
	if (started)
		pthread_join(s->thread, NULL);
	for (n = 0; n < SERVEDCERT_QUEUE_MAX; n++)
		job_clear(&s->q[n]);
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->wake);
	free(s);
}

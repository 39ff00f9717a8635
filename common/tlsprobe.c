/*
 * tlsprobe.c - the STARTTLS probe (see tlsprobe.h): what a sending MTA
 * applying MTA-STS experiences when it delivers to an MX host.
 *
 * Every connection is non-blocking and driven by poll() against a deadline,
 * so a silent or slow server costs at most timeout_ms per connection. The
 * handshake does not verify anything itself (SSL_VERIFY_NONE): it completes
 * whatever the certificate, and the chain it received is then judged by
 * certhealth, which reports every problem at once instead of OpenSSL's
 * first one.
 *
 * SIGPIPE: OpenSSL writes to the socket with write(2), which raises SIGPIPE
 * when the server has gone. The probe blocks SIGPIPE in the calling thread
 * and discards what arrived before unblocking, so a library caller keeps its
 * own signal handling.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/types.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "connectto.h"
#include "printable.h"
#include "resolve.h"
#include "tlsprobe.h"

#define PROBE_DEFAULT_TIMEOUT_MS	10000
#define SMTP_LINE_MAX		1024	/* RFC 5321 says 512; be lenient */
#define SMTP_REPLY_LINES_MAX	128

/* One connection to the server being probed. */
struct conn {
	int		fd;
	struct timespec	deadline;
	char		buf[SMTP_LINE_MAX];
	size_t		len;
};

/* What one probe needs besides its result. */
struct probe {
	const struct tlsprobe_options *opt;
	struct tlsprobe_result *out;
	int		smtp;		/* STARTTLS first, else TLS at once */
	char		addrs[RESOLVE_ADDR_MAX][46];
	size_t		naddrs;
	size_t		good_addr;	/* the address that answered */
	unsigned	port;
	char		ehlo[RESOLVE_NAME_MAX];
};

long
tlsprobe_days_left(time_t not_after, time_t now)
{
	long long diff = (long long)not_after - (long long)now;

	/* Floor division: one second past expiry is day -1, not day 0. */
	if (diff < 0)
		return (long)-((-diff + 86399) / 86400);
	return (long)(diff / 86400);
}

/* ---- time ------------------------------------------------------------ */

static void
deadline_set(struct timespec *d, int ms)
{
	clock_gettime(CLOCK_MONOTONIC, d);
	d->tv_sec += ms / 1000;
	d->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (d->tv_nsec >= 1000000000L) {
		d->tv_sec++;
		d->tv_nsec -= 1000000000L;
	}
}

/* Milliseconds until the deadline, 0 once it has passed. */
static int
remaining_ms(const struct timespec *d)
{
	struct timespec now;
	long long ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long long)(d->tv_sec - now.tv_sec) * 1000 +
	    (d->tv_nsec - now.tv_nsec) / 1000000;
	return ms > 0 ? (int)ms : 0;
}

static long
elapsed_since(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long)((now.tv_sec - start->tv_sec) * 1000 +
	    (now.tv_nsec - start->tv_nsec) / 1000000);
}

/* Wait for events on fd until the deadline; 1 ready, 0 timeout, -1 error. */
static int
wait_fd(const struct conn *c, short events)
{
	struct pollfd pfd = { .fd = c->fd, .events = events };
	int rc;

	do {
		rc = poll(&pfd, 1, remaining_ms(&c->deadline));
	} while (rc == -1 && errno == EINTR);
	return rc;
}

/* ---- addresses and TCP --------------------------------------------- */

static int
is_ip_literal(const char *s)
{
	unsigned char bin[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, s, bin) == 1 ||
	    inet_pton(AF_INET6, s, bin) == 1;
}

/* Where to connect for host:port: connect_to, then DNS. 0 or -1. */
static int
find_addresses(struct probe *p, const char *host, unsigned port)
{
	const struct tlsprobe_options *o = p->opt;
	struct addr_set set;
	struct resolver *r;
	enum resolve_status st;
	char name[RESOLVE_NAME_MAX], err[128];
	size_t i;
	int m;

	p->port = port;
	snprintf(name, sizeof(name), "%s", host);
	m = connect_to_apply(o->connect_to, o->connect_to_count, host, port,
	    name, sizeof(name), &p->port);
	if (m == -1) {
		snprintf(p->out->error, sizeof(p->out->error),
		    "malformed connect-to entry for %s:%u", host, port);
		return -1;
	}
	if (is_ip_literal(name)) {
		snprintf(p->addrs[0], sizeof(p->addrs[0]), "%.45s", name);
		p->naddrs = 1;
		return 0;
	}
	if ((r = resolver_new(o->dns_servers, o->timeout_ms > 0 ?
	    o->timeout_ms / 2 : 0, 2, err, sizeof(err))) == NULL) {
		snprintf(p->out->error, sizeof(p->out->error), "%s", err);
		return -1;
	}
	st = resolve_addrs(r, name, &set);
	resolver_free(r);
	if (st != RESOLVE_OK) {
		snprintf(p->out->error, sizeof(p->out->error),
		    "no address for %.180s: %s", name,
		    resolve_status_name(st));
		return -1;
	}
	for (i = 0; i < set.count; i++)
		memcpy(p->addrs[i], set.addr[i], sizeof(p->addrs[i]));
	p->naddrs = set.count;
	return 0;
}

static int
make_sockaddr(const char *addr, unsigned port, struct sockaddr_storage *ss,
    socklen_t *len)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, addr, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((unsigned short)port);
		*len = sizeof(*in4);
		return 0;
	}
	if (inet_pton(AF_INET6, addr, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((unsigned short)port);
		*len = sizeof(*in6);
		return 0;
	}
	return -1;
}

/* Non-blocking connect to one address; the fd, or -1 with errno set. */
static int
connect_one(struct conn *c, const char *addr, unsigned port)
{
	struct sockaddr_storage ss;
	socklen_t len, elen = sizeof(int);
	int fd, soerr = 0;

	if (make_sockaddr(addr, port, &ss, &len) == -1) {
		errno = EINVAL;
		return -1;
	}
	if ((fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1)
		return -1;
	c->fd = fd;
	if (connect(fd, (struct sockaddr *)&ss, len) == 0)
		return fd;
	if (errno != EINPROGRESS)
		soerr = errno;
	else if (wait_fd(c, POLLOUT) <= 0)
		soerr = ETIMEDOUT;
	else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &elen) == -1)
		soerr = errno;
	if (soerr == 0)
		return fd;
	close(fd);
	c->fd = -1;
	errno = soerr;
	return -1;
}

/*
 * Open a connection: the address that answered before, else each address
 * in turn. Returns 0, or -1 with why in err.
 */
static int
conn_open(struct probe *p, struct conn *c, char *err, size_t errlen)
{
	size_t i, first = p->good_addr, n = p->naddrs;
	int saved = 0;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	deadline_set(&c->deadline, p->opt->timeout_ms > 0 ?
	    p->opt->timeout_ms : PROBE_DEFAULT_TIMEOUT_MS);
	for (i = 0; i < n; i++) {
		if (connect_one(c, p->addrs[(first + i) % n], p->port) != -1) {
			p->good_addr = (first + i) % n;
			snprintf(p->out->peer, sizeof(p->out->peer),
			    strchr(p->addrs[p->good_addr], ':') != NULL ?
			    "[%s]:%u" : "%s:%u", p->addrs[p->good_addr],
			    p->port);
			return 0;
		}
		saved = errno;
	}
	snprintf(err, errlen, "cannot connect to %s port %u: %s",
	    n == 1 ? p->addrs[0] : "any address", p->port, strerror(saved));
	return -1;
}

static void
conn_close(struct conn *c)
{
	if (c->fd != -1)
		close(c->fd);
	c->fd = -1;
}

/* ---- SMTP ------------------------------------------------------------ */

/* Read more bytes into c->buf; 0, or -1 with why in err. */
static int
conn_fill(struct conn *c, char *err, size_t errlen)
{
	ssize_t n;
	int rc;

	if (c->len >= sizeof(c->buf)) {
		snprintf(err, errlen, "SMTP reply line longer than %zu bytes",
		    sizeof(c->buf));
		return -1;
	}
	if ((rc = wait_fd(c, POLLIN)) <= 0) {
		snprintf(err, errlen, "%s waiting for the SMTP reply",
		    rc == 0 ? "timeout" : strerror(errno));
		return -1;
	}
	n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, 0);
	if (n <= 0) {
		snprintf(err, errlen, "connection %s by the server",
		    n == 0 ? "closed" : "reset");
		return -1;
	}
	c->len += (size_t)n;
	return 0;
}

/* Take one line (without CR LF) out of c->buf into line; 1 when taken. */
static int
take_line(struct conn *c, char *line, size_t size)
{
	char *nl = memchr(c->buf, '\n', c->len);
	size_t len, used;

	if (nl == NULL)
		return 0;
	used = (size_t)(nl - c->buf) + 1;
	len = used - 1;
	if (len > 0 && c->buf[len - 1] == '\r')
		len--;
	if (len >= size)
		len = size - 1;
	memcpy(line, c->buf, len);
	line[len] = '\0';
	memmove(c->buf, c->buf + used, c->len - used);
	c->len -= used;
	return 1;
}

/* 1 when an EHLO reply line ("250-STARTTLS") names the STARTTLS keyword. */
static int
names_starttls(const char *line)
{
	const char *kw = line + 4;
	size_t n = strcspn(kw, " ");

	return strlen(line) > 4 && n == 8 && strncasecmp(kw, "STARTTLS", 8) == 0;
}

/*
 * Read one whole (multi-line) reply. Returns its code, or -1 with why in
 * err. first gets the printable first line; *starttls (when not NULL) is
 * set when a line names STARTTLS.
 */
static int
smtp_reply(struct conn *c, char *first, size_t firstlen, int *starttls,
    char *err, size_t errlen)
{
	char line[SMTP_LINE_MAX];
	int lines = 0;

	for (;;) {
		while (!take_line(c, line, sizeof(line)))
			if (conn_fill(c, err, errlen) == -1)
				return -1;
		if (strlen(line) < 3 || !isdigit((unsigned char)line[0]) ||
		    !isdigit((unsigned char)line[1]) ||
		    !isdigit((unsigned char)line[2]) ||
		    (line[3] != '\0' && line[3] != ' ' && line[3] != '-')) {
			printable_copy(first, firstlen, line);
			snprintf(err, errlen, "not an SMTP reply: \"%.60s\"",
			    first);
			return -1;
		}
		if (lines++ == 0)
			printable_copy(first, firstlen, line);
		if (starttls != NULL && names_starttls(line))
			*starttls = 1;
		if (line[3] != '-')
			return atoi(line);
		if (lines >= SMTP_REPLY_LINES_MAX) {
			snprintf(err, errlen, "SMTP reply of more than %d "
			    "lines", SMTP_REPLY_LINES_MAX);
			return -1;
		}
	}
}

static int
smtp_send(struct conn *c, const char *line, char *err, size_t errlen)
{
	size_t len = strlen(line), off = 0;
	ssize_t n;

	while (off < len) {
		if (wait_fd(c, POLLOUT) <= 0) {
			snprintf(err, errlen, "timeout sending to the server");
			return -1;
		}
		n = send(c->fd, line + off, len - off, MSG_NOSIGNAL);
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0) {
			snprintf(err, errlen, "send: %s", strerror(errno));
			return -1;
		}
		off += (size_t)n;
	}
	return 0;
}

/* One command, one reply with the expected code; 0 or -1 with why. */
static int
smtp_step(struct conn *c, const char *cmd, int want, int *starttls,
    char *err, size_t errlen)
{
	char first[SMTP_LINE_MAX];
	int code;

	if (cmd != NULL && smtp_send(c, cmd, err, errlen) == -1)
		return -1;
	if ((code = smtp_reply(c, first, sizeof(first), starttls, err,
	    errlen)) == -1)
		return -1;
	if (code != want) {
		if (cmd == NULL)
			snprintf(err, errlen, "SMTP banner \"%.120s\"", first);
		else
			snprintf(err, errlen, "%.*s answered \"%.120s\"",
			    (int)strcspn(cmd, " \r"), cmd, first);
		return -1;
	}
	return 0;
}

/*
 * Banner, EHLO, STARTTLS. Returns 0 ready for TLS, -1 on failure (err
 * says why), 1 when STARTTLS is not offered.
 */
static int
smtp_starttls(struct probe *p, struct conn *c, char *err, size_t errlen)
{
	char cmd[RESOLVE_NAME_MAX + 8];
	int offered = 0;

	snprintf(cmd, sizeof(cmd), "EHLO %s\r\n", p->ehlo);
	if (smtp_step(c, NULL, 220, NULL, err, errlen) == -1 ||
	    smtp_step(c, cmd, 250, &offered, err, errlen) == -1)
		return -1;
	p->out->reached = 1;
	if (!offered) {
		p->out->starttls_offered = 0;
		(void)smtp_send(c, "QUIT\r\n", err, errlen);
		snprintf(err, errlen, "STARTTLS not offered in the EHLO reply");
		return 1;
	}
	p->out->starttls_offered = 1;
	if (smtp_step(c, "STARTTLS\r\n", 220, NULL, err, errlen) == -1)
		return -1;
	/* Bytes sent before the handshake would be a STARTTLS injection. */
	c->len = 0;
	return 0;
}

/* ---- TLS --------------------------------------------------------------- */

static void
ssl_error(char *err, size_t errlen, const char *what)
{
	unsigned long e = ERR_peek_last_error();
	const char *reason = e != 0 ? ERR_reason_error_string(e) : NULL;

	snprintf(err, errlen, "%s: %s", what, reason != NULL ? reason :
	    "the server closed the connection");
	ERR_clear_error();
}

/* A context for one protocol version; legacy versions need SECLEVEL 0. */
static SSL_CTX *
make_ctx(int version)
{
	SSL_CTX *ctx;

	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL)
		return NULL;
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	if (version != 0 && (!SSL_CTX_set_min_proto_version(ctx, version) ||
	    !SSL_CTX_set_max_proto_version(ctx, version))) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	if (version == 0)
		SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	if (version == TLS1_VERSION || version == TLS1_1_VERSION)
		SSL_CTX_set_cipher_list(ctx, "DEFAULT:@SECLEVEL=0");
	return ctx;
}

/* Drive SSL_connect to completion within the deadline; 0 or -1. */
static int
handshake(struct conn *c, SSL *ssl, char *err, size_t errlen)
{
	int rc, e, ready;

	for (;;) {
		ERR_clear_error();
		if ((rc = SSL_connect(ssl)) == 1)
			return 0;
		e = SSL_get_error(ssl, rc);
		if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
			ssl_error(err, errlen, "TLS handshake failed");
			return -1;
		}
		ready = wait_fd(c, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT);
		if (ready <= 0) {
			snprintf(err, errlen, "TLS handshake: %s",
			    ready == 0 ? "timeout" : strerror(errno));
			return -1;
		}
	}
}

/* 1 when the certificate has a dNSName subjectAltName. */
static int
has_dns_san(X509 *x)
{
	GENERAL_NAMES *names;
	int i, found = 0;

	names = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	for (i = 0; names != NULL && i < sk_GENERAL_NAME_num(names); i++)
		if (sk_GENERAL_NAME_value(names, i)->type == GEN_DNS)
			found = 1;
	GENERAL_NAMES_free(names);
	return found;
}

/* Judge the chain of a completed handshake (once per probe). */
static void
judge_peer(struct probe *p, SSL *ssl)
{
	STACK_OF(X509) *chain = SSL_get_peer_cert_chain(ssl);
	struct tlsprobe_result *out = p->out;
	time_t now = p->opt->now != 0 ? p->opt->now : time(NULL);

	if (out->cert_judged || chain == NULL || sk_X509_num(chain) == 0)
		return;
	if (certhealth_check_chain(chain, p->opt->ca_file, out->host, now,
	    &out->cert) == 0)
		out->cert_judged = 1;
	out->san_missing = !has_dns_san(sk_X509_value(chain, 0));
}

/* One connection, one handshake at one version (0: 1.2 or later). */
static void
attempt(struct probe *p, struct tlsprobe_attempt *a, int version, int sni)
{
	struct conn c;
	SSL_CTX *ctx = NULL;
	SSL *ssl = NULL;
	int rc;

	a->tried = 1;
	if (conn_open(p, &c, a->error, sizeof(a->error)) == -1)
		return;
	if (p->smtp && (rc = smtp_starttls(p, &c, a->error,
	    sizeof(a->error))) != 0)
		goto done;
	if (!p->smtp)
		p->out->reached = 1;
	if ((ctx = make_ctx(version)) == NULL || (ssl = SSL_new(ctx)) == NULL ||
	    !SSL_set_fd(ssl, c.fd) ||
	    (sni && !SSL_set_tlsext_host_name(ssl, p->out->host))) {
		ssl_error(a->error, sizeof(a->error), "TLS setup");
		goto done;
	}
	if (handshake(&c, ssl, a->error, sizeof(a->error)) == -1)
		goto done;
	a->ok = 1;
	snprintf(a->version, sizeof(a->version), "%s", SSL_get_version(ssl));
	if (sni)
		judge_peer(p, ssl);
done:
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	conn_close(&c);
}

/* ---- probes ---------------------------------------------------------- */

static void
probe_init(struct probe *p, const struct tlsprobe_options *opt,
    struct tlsprobe_result *out, const char *host, unsigned port)
{
	memset(p, 0, sizeof(*p));
	memset(out, 0, sizeof(*out));
	p->opt = opt;
	p->out = out;
	snprintf(out->host, sizeof(out->host), "%s", host);
	out->port = port;
	if (opt->ehlo_name != NULL && *opt->ehlo_name != '\0')
		snprintf(p->ehlo, sizeof(p->ehlo), "%s", opt->ehlo_name);
	else if (gethostname(p->ehlo, sizeof(p->ehlo)) == -1 ||
	    p->ehlo[0] == '\0')
		snprintf(p->ehlo, sizeof(p->ehlo), "localhost");
	p->ehlo[sizeof(p->ehlo) - 1] = '\0';
}

/* Keep SIGPIPE away from the process while OpenSSL writes. */
static void
sigpipe_block(sigset_t *old)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &set, old);
}

static void
sigpipe_restore(const sigset_t *old)
{
	static const struct timespec zero;
	sigset_t set, pending;

	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	if (!sigismember(old, SIGPIPE) && sigpending(&pending) == 0 &&
	    sigismember(&pending, SIGPIPE))
		(void)sigtimedwait(&set, NULL, &zero);
	pthread_sigmask(SIG_SETMASK, old, NULL);
}

/*
 * The SMTP sequence: TLS 1.3 and 1.2 with SNI (what senders do), then
 * without SNI (RFC 8461 7.1 fallback), then the legacy versions. The
 * first connection tells whether the host answers and offers STARTTLS;
 * without that, there is nothing more to try.
 */
static void
smtp_sequence(struct probe *p)
{
	struct tlsprobe_result *out = p->out;
	struct tlsprobe_attempt *first = &out->tls13;

	attempt(p, first, TLS1_3_VERSION, 1);
	if (!first->ok && (!out->reached || !out->starttls_offered)) {
		snprintf(out->error, sizeof(out->error), "%s", first->error);
		first->tried = 0;
		return;
	}
	attempt(p, &out->tls12, TLS1_2_VERSION, 1);
	attempt(p, &out->no_sni, 0, 0);
	attempt(p, &out->tls11, TLS1_1_VERSION, 1);
	attempt(p, &out->tls10, TLS1_VERSION, 1);
}

void
tlsprobe_smtp(const char *host, const struct tlsprobe_options *opt,
    struct tlsprobe_result *out)
{
	struct timespec start;
	struct probe p;
	sigset_t old;

	probe_init(&p, opt, out, host, TLSPROBE_SMTP_PORT);
	p.smtp = 1;
	clock_gettime(CLOCK_MONOTONIC, &start);
	sigpipe_block(&old);
	if (find_addresses(&p, host, TLSPROBE_SMTP_PORT) == 0)
		smtp_sequence(&p);
	sigpipe_restore(&old);
	out->elapsed_ms = elapsed_since(&start);
}

void
tlsprobe_tls(const char *host, unsigned port,
    const struct tlsprobe_options *opt, struct tlsprobe_result *out)
{
	struct timespec start;
	struct probe p;
	sigset_t old;

	probe_init(&p, opt, out, host, port);
	clock_gettime(CLOCK_MONOTONIC, &start);
	sigpipe_block(&old);
	if (find_addresses(&p, host, port) == 0) {
		attempt(&p, &out->tls, 0, 1);
		if (!out->tls.ok)
			snprintf(out->error, sizeof(out->error), "%s",
			    out->tls.error);
	}
	sigpipe_restore(&old);
	out->elapsed_ms = elapsed_since(&start);
}

struct cert_health
tlsprobe_health(const struct tlsprobe_result *r)
{
	struct cert_health none = { 0, 0, 0, 0 };

	return r->cert_judged ? r->cert.health : none;
}

/* ---- concurrency ------------------------------------------------------- */

struct work {
	pthread_mutex_t	 lock;
	const char	*const *hosts;
	size_t		 n, next;
	const struct tlsprobe_options *opt;
	struct tlsprobe_result *out;
};

static void *
worker(void *arg)
{
	struct work *w = arg;
	size_t i;

	for (;;) {
		pthread_mutex_lock(&w->lock);
		i = w->next < w->n ? w->next++ : w->n;
		pthread_mutex_unlock(&w->lock);
		if (i == w->n)
			return NULL;
		tlsprobe_smtp(w->hosts[i], w->opt, &w->out[i]);
	}
}

int
tlsprobe_run(const char *const *hosts, size_t n,
    const struct tlsprobe_options *opt, struct tlsprobe_result *out)
{
	pthread_t tid[TLSPROBE_THREADS_MAX];
	struct work w;
	size_t i, started = 0, want = n < TLSPROBE_THREADS_MAX ? n :
	    TLSPROBE_THREADS_MAX;

	memset(&w, 0, sizeof(w));
	if (pthread_mutex_init(&w.lock, NULL) != 0)
		return -1;
	w.hosts = hosts;
	w.n = n;
	w.opt = opt;
	w.out = out;
	for (i = 0; i < want; i++)
		if (pthread_create(&tid[started], NULL, worker, &w) == 0)
			started++;
	/* With no thread at all, probe here rather than not at all. */
	if (started == 0 && n > 0)
		worker(&w);
	for (i = 0; i < started; i++)
		pthread_join(tid[i], NULL);
	pthread_mutex_destroy(&w.lock);
	return 0;
}

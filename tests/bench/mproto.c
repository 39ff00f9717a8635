/*
 * mproto.c - the MTA side of the milter protocol for the benchmarks (see
 * mproto.h): packets, one session, and its timing.
 *
 * Each session is a client (macros as Postfix sends them: after STARTTLS
 * when TLS is on) with one message from bench@client.example.test to
 * bench@example.test carrying 5 header fields. Every step the filter may
 * skip is offered as skippable, and none as "no reply": each step the
 * filter takes part in is a timed round trip.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <libmilter/mfdef.h>

#include "mproto.h"

#define HEADERS		5
#define MAX_PACKET	(1 << 20)

const char *const mproto_stage_names[MP_STAGES] = { "negotiate", "connect",
	"helo", "mail", "rcpt", "header", "eom", "session" };

/* One packet under construction: 4-byte length, command, data. */
struct pkt {
	char	buf[4096];
	size_t	len;
};

/* One session's state. */
struct sess {
	int		 fd;
	unsigned long	 protocol;	/* the steps the filter negotiated */
	mproto_stage_fn	*fn;
	void		*arg;
};

double
mproto_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* --- packets --------------------------------------------------------------- */

static void
pkt_start(struct pkt *p, char cmd)
{
	p->len = 4;
	p->buf[p->len++] = cmd;
}

static void
pkt_bytes(struct pkt *p, const void *data, size_t n)
{
	if (p->len + n <= sizeof p->buf) {
		memcpy(p->buf + p->len, data, n);
		p->len += n;
	}
}

static void
pkt_str(struct pkt *p, const char *s)
{
	pkt_bytes(p, s, strlen(s) + 1);
}

static void
pkt_u32(struct pkt *p, uint32_t v)
{
	v = htonl(v);
	pkt_bytes(p, &v, 4);
}

static int
write_all(int fd, const char *b, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, b, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

static int
read_all(int fd, char *b, size_t n)
{
	while (n > 0) {
		ssize_t r = read(fd, b, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		b += r;
		n -= (size_t)r;
	}
	return 0;
}

static int
pkt_send(int fd, struct pkt *p)
{
	uint32_t n = htonl((uint32_t)(p->len - 4));

	memcpy(p->buf, &n, 4);
	return write_all(fd, p->buf, p->len);
}

/* Read one reply packet: its command, and up to cap bytes of its data. */
static int
reply_read(int fd, char *cmd, char *buf, size_t cap, size_t *len)
{
	char	skip[512];
	uint32_t n;
	size_t	left, k;

	if (read_all(fd, (char *)&n, 4) == -1)
		return -1;
	n = ntohl(n);
	if (n == 0 || n > MAX_PACKET || read_all(fd, cmd, 1) == -1)
		return -1;
	left = n - 1;
	*len = left < cap ? left : cap;
	if (read_all(fd, buf, *len) == -1)
		return -1;
	for (left -= *len; left > 0; left -= k) {
		k = left < sizeof skip ? left : sizeof skip;
		if (read_all(fd, skip, k) == -1)
			return -1;
	}
	return 0;
}

/* Wait for the reply that ends a step: skip progress and modifications. */
static int
final_reply(int fd)
{
	char	cmd, buf[16];
	size_t	len;

	for (;;) {
		if (reply_read(fd, &cmd, buf, sizeof buf, &len) == -1)
			return -1;
		switch (cmd) {
		case SMFIR_CONTINUE: case SMFIR_ACCEPT: case SMFIR_REJECT:
		case SMFIR_TEMPFAIL: case SMFIR_DISCARD: case SMFIR_REPLYCODE:
		case SMFIR_SKIP:
			return 0;
		default:	/* progress, header edits, ... */
			break;
		}
	}
}

/* Send a packet and, unless the step needs no reply, time until its reply. */
static int
step(struct sess *s, struct pkt *p, enum mproto_stage st, int reply)
{
	double t0 = mproto_now_us();

	if (pkt_send(s->fd, p) == -1 || (reply && final_reply(s->fd) == -1))
		return -1;
	if (s->fn != NULL)
		s->fn(s->arg, st, mproto_now_us() - t0);
	return 0;
}

static int
send_macros(int fd, char stage, const char *const *kv)
{
	struct pkt p;

	pkt_start(&p, SMFIC_MACRO);
	pkt_bytes(&p, &stage, 1);
	for (; kv != NULL && kv[0] != NULL; kv += 2) {
		pkt_str(&p, kv[0]);
		pkt_str(&p, kv[1]);
	}
	return pkt_send(fd, &p);
}

/* --- one session ----------------------------------------------------------- */

static int
negotiate(struct sess *s)
{
	struct pkt p;
	char	cmd, buf[12];
	size_t	len;
	double	t0 = mproto_now_us();
	uint32_t v;

	pkt_start(&p, SMFIC_OPTNEG);
	pkt_u32(&p, 6);
	pkt_u32(&p, 0x1ff);	/* every action, incl. setsymlist */
	/* every step may be skipped; no "no reply" flags (we time replies) */
	pkt_u32(&p, SMFIP_NOCONNECT | SMFIP_NOHELO | SMFIP_NOMAIL |
	    SMFIP_NORCPT | SMFIP_NOBODY | SMFIP_NOHDRS | SMFIP_NOEOH |
	    SMFIP_NOUNKNOWN | SMFIP_NODATA | SMFIP_SKIP | SMFIP_RCPT_REJ);
	if (pkt_send(s->fd, &p) == -1 ||
	    reply_read(s->fd, &cmd, buf, sizeof buf, &len) == -1 ||
	    cmd != SMFIC_OPTNEG || len < 12)
		return -1;
	memcpy(&v, buf + 8, 4);
	s->protocol = ntohl(v);
	if (s->fn != NULL)
		s->fn(s->arg, MP_NEG, mproto_now_us() - t0);
	return 0;
}

static const char *const m_tls13[] = { "{tls_version}", "TLSv1.3",
    "{cipher}", "TLS_AES_256_GCM_SHA384", "{cipher_bits}", "256", NULL };
static const char *const m_tls12[] = { "{tls_version}", "TLSv1.2",
    "{cipher}", "ECDHE-RSA-AES256-GCM-SHA384", "{cipher_bits}", "256", NULL };
static const char *const m_mail13[] = { "i", "4XyZ12",
    "{mail_addr}", "bench@client.example.test", "{mail_mailer}", "smtp",
    "{tls_version}", "TLSv1.3", "{cipher}", "TLS_AES_256_GCM_SHA384",
    "{cipher_bits}", "256", NULL };
static const char *const m_mail12[] = { "i", "4XyZ12",
    "{mail_addr}", "bench@client.example.test", "{mail_mailer}", "smtp",
    "{tls_version}", "TLSv1.2", "{cipher}", "ECDHE-RSA-AES256-GCM-SHA384",
    "{cipher_bits}", "256", NULL };
static const char *const m_mail_plain[] = { "i", "4XyZ12",
    "{mail_addr}", "bench@client.example.test", "{mail_mailer}", "smtp",
    NULL };

static int
message(struct sess *s, enum mproto_tls tls)
{
	static const char *const m_conn[] = { "j", "mx1.example.test",
	    "_", "client.example.test [127.0.0.1]", "{daemon_name}", "smtpd",
	    "{daemon_addr}", "127.0.0.1", "{daemon_port}", "2525",
	    "{client_addr}", "127.0.0.1", "{client_ptr}", "client.example.test",
	    NULL };
	static const char *const m_eom[] = { "i", "4XyZ12", NULL };
	static const char *const hdr[HEADERS][2] = {
	    { "From", "bench@client.example.test" },
	    { "To", "bench@example.test" },
	    { "Subject", "milter benchmark" },
	    { "Date", "Sat, 31 Jan 2026 10:00:00 +0000" },
	    { "Message-ID", "<bench@client.example.test>" } };
	const char *const *m_helo = tls == MP_TLS13 ? m_tls13 :
	    tls == MP_TLS12 ? m_tls12 : NULL;
	const char *const *m_mail = tls == MP_TLS13 ? m_mail13 :
	    tls == MP_TLS12 ? m_mail12 : m_mail_plain;
	struct pkt p;
	uint16_t port = htons(40000);
	int	i, fd = s->fd;

	if (send_macros(fd, SMFIC_CONNECT, m_conn) == -1)
		return -1;
	pkt_start(&p, SMFIC_CONNECT);
	pkt_str(&p, "client.example.test");
	pkt_bytes(&p, "4", 1);
	pkt_bytes(&p, &port, 2);
	pkt_str(&p, "127.0.0.1");
	if (step(s, &p, MP_CONN, !(s->protocol & SMFIP_NOCONNECT)) == -1)
		return -1;

	if (send_macros(fd, SMFIC_HELO, m_helo) == -1)
		return -1;
	pkt_start(&p, SMFIC_HELO);
	pkt_str(&p, "client.example.test");
	if (step(s, &p, MP_HELO, !(s->protocol & SMFIP_NOHELO)) == -1)
		return -1;

	if (send_macros(fd, SMFIC_MAIL, m_mail) == -1)
		return -1;
	pkt_start(&p, SMFIC_MAIL);
	pkt_str(&p, "<bench@client.example.test>");
	if (step(s, &p, MP_MAIL, !(s->protocol & SMFIP_NOMAIL)) == -1)
		return -1;

	pkt_start(&p, SMFIC_RCPT);
	pkt_str(&p, "<bench@example.test>");
	if (step(s, &p, MP_RCPT, !(s->protocol & SMFIP_NORCPT)) == -1)
		return -1;

	for (i = 0; i < HEADERS && !(s->protocol & SMFIP_NOHDRS); i++) {
		pkt_start(&p, SMFIC_HEADER);
		pkt_str(&p, hdr[i][0]);
		pkt_str(&p, hdr[i][1]);
		if (step(s, &p, MP_HDR, !(s->protocol & SMFIP_NR_HDR)) == -1)
			return -1;
	}
	if (!(s->protocol & SMFIP_NOEOH)) {
		pkt_start(&p, SMFIC_EOH);
		if (pkt_send(fd, &p) == -1 || final_reply(fd) == -1)
			return -1;
	}
	if (!(s->protocol & SMFIP_NOBODY)) {
		pkt_start(&p, SMFIC_BODY);
		pkt_bytes(&p, "bench\r\n", 7);
		if (pkt_send(fd, &p) == -1 || final_reply(fd) == -1)
			return -1;
	}

	if (send_macros(fd, SMFIC_BODYEOB, m_eom) == -1)
		return -1;
	pkt_start(&p, SMFIC_BODYEOB);
	if (step(s, &p, MP_EOM, 1) == -1)
		return -1;

	pkt_start(&p, SMFIC_QUIT);
	return pkt_send(fd, &p);
}

int
mproto_session(int fd, enum mproto_tls tls, mproto_stage_fn *fn, void *arg)
{
	struct sess s = { .fd = fd, .fn = fn, .arg = arg };
	char	c;

	if (negotiate(&s) == -1 || message(&s, tls) == -1 ||
	    read(fd, &c, 1) != 0) {	/* expect EOF: the filter is done */
		fprintf(stderr, "milter protocol error (or no EOF after "
		    "quit)\n");
		return -1;
	}
	return 0;
}

/* --- sockets --------------------------------------------------------------- */

static int
connect_inet(const char *spec)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	const int on = 1;
	const char *at = strchr(spec, '@');
	char	*end;
	long	 port = strtol(spec, &end, 10);
	int	 fd;

	if (port <= 0 || port > 65535 || (*end != '\0' && *end != '@') ||
	    inet_pton(AF_INET, at != NULL ? at + 1 : "127.0.0.1",
	    &sin.sin_addr) != 1) {
		fprintf(stderr, "bad inet socket \"inet:%s\" (inet:PORT@IPV4)\n",
		    spec);
		return -1;
	}
	sin.sin_port = htons((uint16_t)port);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return -1;
	/*
	 * Macros and command go as two writes; an MTA sends them in one
	 * (Postfix flushes its buffer once per step). Without this, our own
	 * second write would wait 40 ms for the filter's delayed ACK.
	 */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
	if (connect(fd, (struct sockaddr *)&sin, sizeof sin) == -1) {
		fprintf(stderr, "connect inet:%s: %s\n", spec, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

int
mproto_connect(const char *spec)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	const char *path = spec;
	int	fd;

	if (strncmp(spec, "inet:", 5) == 0)
		return connect_inet(spec + 5);
	if (strncmp(spec, "unix:", 5) == 0 || strncmp(spec, "local:", 6) == 0)
		path = strchr(spec, ':') + 1;
	if (strlen(path) >= sizeof sun.sun_path) {
		fprintf(stderr, "socket path too long: %s\n", path);
		return -1;
	}
	strcpy(sun.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof sun) == -1) {
		fprintf(stderr, "connect %s: %s\n", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

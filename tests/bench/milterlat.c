/*
 * milterlat.c - per-callback latency of a milter, for bench-milter.sh: plays
 * the MTA side of the milter protocol (version 6) over a unix socket, N
 * sessions one after the other, and times each request/reply round trip
 * (negotiate, connect, helo, mail, rcpt, header, eom) plus the whole
 * session. No MTA is involved, so the numbers are the filter's own cost
 * plus one socket round trip; run it against the null milter in the same
 * run for the baseline.
 *
 * Usage: milterlat SOCKET-PATH SESSIONS [LABEL]
 * Each session is a TLS 1.3 client (macros as Postfix sends them after
 * STARTTLS) with one message from bench@client.example.test to
 * bench@example.test carrying 5 header fields.
 * Output: one line per stage: LABEL STAGE median_us p90_us p99_us mean_us.
 * Exit: 0 done, 1 protocol or socket error, 2 usage.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <libmilter/mfdef.h>

#define HEADERS		5
#define MAX_PACKET	(1 << 20)

enum stage { ST_NEG, ST_CONN, ST_HELO, ST_MAIL, ST_RCPT, ST_HDR, ST_EOM,
	ST_SESSION, ST_COUNT };
static const char *stage_names[ST_COUNT] = { "negotiate", "connect", "helo",
	"mail", "rcpt", "header", "eom", "session" };

/* One packet under construction: 4-byte length, command, data. */
struct pkt {
	char	buf[4096];
	size_t	len;
};

static struct {
	double	*v[ST_COUNT];
	size_t	 n[ST_COUNT];
	size_t	 cap[ST_COUNT];
} samples;

static unsigned long protocol;	/* the steps the filter negotiated */

static double
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int
record(enum stage st, double us)
{
	if (samples.n[st] == samples.cap[st]) {
		size_t cap = samples.cap[st] ? 2 * samples.cap[st] : 1024;
		double *v = realloc(samples.v[st], cap * sizeof *v);

		if (v == NULL)
			return -1;
		samples.v[st] = v;
		samples.cap[st] = cap;
	}
	samples.v[st][samples.n[st]++] = us;
	return 0;
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

/* Read one reply packet; its command in *cmd, data (up to cap) in buf. */
static int
reply_read(int fd, char *cmd, char *buf, size_t cap, size_t *len)
{
	uint32_t n;
	static char scratch[MAX_PACKET];

	if (read_all(fd, (char *)&n, 4) == -1)
		return -1;
	n = ntohl(n);
	if (n == 0 || n > MAX_PACKET)
		return -1;
	if (read_all(fd, scratch, n) == -1)
		return -1;
	*cmd = scratch[0];
	*len = n - 1 < cap ? n - 1 : cap;
	memcpy(buf, scratch + 1, *len);
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
step(int fd, struct pkt *p, enum stage st, int reply)
{
	double t0 = now_us();

	if (pkt_send(fd, p) == -1 || (reply && final_reply(fd) == -1))
		return -1;
	return record(st, now_us() - t0);
}

static int
send_macros(int fd, char stage, const char *const *kv)
{
	struct pkt p;

	pkt_start(&p, SMFIC_MACRO);
	pkt_bytes(&p, &stage, 1);
	for (; kv[0] != NULL; kv += 2) {
		pkt_str(&p, kv[0]);
		pkt_str(&p, kv[1]);
	}
	return pkt_send(fd, &p);
}

/* --- one session ----------------------------------------------------------- */

static int
negotiate(int fd)
{
	struct pkt p;
	char	cmd, buf[12];
	size_t	len;
	double	t0 = now_us();
	uint32_t v;

	pkt_start(&p, SMFIC_OPTNEG);
	pkt_u32(&p, 6);
	pkt_u32(&p, 0x1ff);	/* every action, incl. setsymlist */
	/* every step may be skipped; no "no reply" flags (we time replies) */
	pkt_u32(&p, SMFIP_NOCONNECT | SMFIP_NOHELO | SMFIP_NOMAIL |
	    SMFIP_NORCPT | SMFIP_NOBODY | SMFIP_NOHDRS | SMFIP_NOEOH |
	    SMFIP_NOUNKNOWN | SMFIP_NODATA | SMFIP_SKIP | SMFIP_RCPT_REJ);
	if (pkt_send(fd, &p) == -1 ||
	    reply_read(fd, &cmd, buf, sizeof buf, &len) == -1 ||
	    cmd != SMFIC_OPTNEG || len < 12)
		return -1;
	memcpy(&v, buf + 8, 4);
	protocol = ntohl(v);
	return record(ST_NEG, now_us() - t0);
}

static int
session(int fd)
{
	static const char *const m_conn[] = { "j", "mx1.example.test",
	    "_", "client.example.test [127.0.0.1]", "{daemon_name}", "smtpd",
	    "{daemon_addr}", "127.0.0.1", "{daemon_port}", "2525",
	    "{client_addr}", "127.0.0.1", "{client_ptr}", "client.example.test",
	    NULL };
	static const char *const m_tls[] = { "{tls_version}", "TLSv1.3",
	    "{cipher}", "TLS_AES_256_GCM_SHA384", "{cipher_bits}", "256", NULL };
	static const char *const m_mail[] = { "i", "4XyZ12",
	    "{mail_addr}", "bench@client.example.test", "{mail_mailer}", "smtp",
	    "{tls_version}", "TLSv1.3", "{cipher}", "TLS_AES_256_GCM_SHA384",
	    "{cipher_bits}", "256", NULL };
	static const char *const m_eom[] = { "i", "4XyZ12", NULL };
	static const char *const hdr[HEADERS][2] = {
	    { "From", "bench@client.example.test" },
	    { "To", "bench@example.test" },
	    { "Subject", "milterlat" },
	    { "Date", "Sat, 31 Jan 2026 10:00:00 +0000" },
	    { "Message-ID", "<milterlat@client.example.test>" } };
	struct pkt p;
	uint16_t port = htons(40000);
	int	i;

	if (send_macros(fd, SMFIC_CONNECT, m_conn) == -1)
		return -1;
	pkt_start(&p, SMFIC_CONNECT);
	pkt_str(&p, "client.example.test");
	pkt_bytes(&p, "4", 1);
	pkt_bytes(&p, &port, 2);
	pkt_str(&p, "127.0.0.1");
	if (step(fd, &p, ST_CONN, !(protocol & SMFIP_NOCONNECT)) == -1)
		return -1;

	if (send_macros(fd, SMFIC_HELO, m_tls) == -1)
		return -1;
	pkt_start(&p, SMFIC_HELO);
	pkt_str(&p, "client.example.test");
	if (step(fd, &p, ST_HELO, !(protocol & SMFIP_NOHELO)) == -1)
		return -1;

	if (send_macros(fd, SMFIC_MAIL, m_mail) == -1)
		return -1;
	pkt_start(&p, SMFIC_MAIL);
	pkt_str(&p, "<bench@client.example.test>");
	if (step(fd, &p, ST_MAIL, !(protocol & SMFIP_NOMAIL)) == -1)
		return -1;

	pkt_start(&p, SMFIC_RCPT);
	pkt_str(&p, "<bench@example.test>");
	if (step(fd, &p, ST_RCPT, !(protocol & SMFIP_NORCPT)) == -1)
		return -1;

	for (i = 0; i < HEADERS && !(protocol & SMFIP_NOHDRS); i++) {
		pkt_start(&p, SMFIC_HEADER);
		pkt_str(&p, hdr[i][0]);
		pkt_str(&p, hdr[i][1]);
		if (step(fd, &p, ST_HDR, !(protocol & SMFIP_NR_HDR)) == -1)
			return -1;
	}
	if (!(protocol & SMFIP_NOEOH)) {
		pkt_start(&p, SMFIC_EOH);
		if (pkt_send(fd, &p) == -1 || final_reply(fd) == -1)
			return -1;
	}
	if (!(protocol & SMFIP_NOBODY)) {
		pkt_start(&p, SMFIC_BODY);
		pkt_bytes(&p, "bench\r\n", 7);
		if (pkt_send(fd, &p) == -1 || final_reply(fd) == -1)
			return -1;
	}

	if (send_macros(fd, SMFIC_BODYEOB, m_eom) == -1)
		return -1;
	pkt_start(&p, SMFIC_BODYEOB);
	if (step(fd, &p, ST_EOM, 1) == -1)
		return -1;

	pkt_start(&p, SMFIC_QUIT);
	return pkt_send(fd, &p);
}

static int
connect_unix(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int	fd;

	if (strlen(path) >= sizeof sun.sun_path) {
		fprintf(stderr, "milterlat: socket path too long: %s\n", path);
		return -1;
	}
	strcpy(sun.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof sun) == -1) {
		fprintf(stderr, "milterlat: connect %s: %s\n", path,
		    strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	return fd;
}

/* Open, negotiate, run a session, wait for the filter to close. */
static int
run_one(const char *path)
{
	double	t0 = now_us();
	char	c;
	int	fd, rc;

	if ((fd = connect_unix(path)) == -1)
		return -1;
	rc = negotiate(fd) == -1 || session(fd) == -1 ? -1 : 0;
	if (rc == 0 && read(fd, &c, 1) > 0)	/* expect EOF: filter done */
		rc = -1;
	close(fd);
	if (rc == -1)
		fprintf(stderr, "milterlat: protocol error talking to %s\n",
		    path);
	return rc == -1 ? -1 : record(ST_SESSION, now_us() - t0);
}

/* --- results --------------------------------------------------------------- */

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double
quantile(const double *v, size_t n, double q)
{
	size_t i = (size_t)(q * (double)(n - 1) + 0.5);

	return v[i < n ? i : n - 1];
}

static void
print_stage(const char *label, enum stage st)
{
	double	*v = samples.v[st], sum = 0;
	size_t	 n = samples.n[st], i;

	if (n == 0)
		return;
	qsort(v, n, sizeof *v, cmp_double);
	for (i = 0; i < n; i++)
		sum += v[i];
	printf("%s %s %.1f %.1f %.1f %.1f\n", label, stage_names[st],
	    quantile(v, n, 0.5), quantile(v, n, 0.9), quantile(v, n, 0.99),
	    sum / (double)n);
}

int
main(int argc, char **argv)
{
	const char *label = argc > 3 ? argv[3] : "milter";
	long	n, i;
	char	*end;

	if (argc < 3 || argc > 4 || (n = strtol(argv[2], &end, 10)) <= 0 ||
	    *end != '\0') {
		fprintf(stderr, "usage: milterlat SOCKET-PATH SESSIONS [LABEL]\n");
		return 2;
	}
	for (i = 0; i < n; i++)
		if (run_one(argv[1]) == -1)
			return 1;
	for (i = 0; i < ST_COUNT; i++)
		print_stage(label, (enum stage)i);
	return 0;
}

/*
 * policylisten.c - the policy service's sockets, served by one poll(2)
 * thread.
 *
 * Each client has a reader (policyproto.h), a small input buffer that is
 * read from only once its bytes are all handled, and an output buffer for
 * answers. Requests are answered in memory (policysvc.h); a client whose
 * answers pile up unread is not read from until it reads them. Every
 * socket is non-blocking, so one slow or silent client never holds up
 * another.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "msg.h"
#include "policylisten.h"

#define IN_MAX		4096
#define OUT_MAX		(4 * POLICYSVC_ANSWER_MAX)
#define POLL_MS		1000

struct client {
	int		 fd;
	int		 eof;		/* the client sent all it will */
	time_t		 last;		/* last byte in or out */
	time_t		 request_start;	/* first byte of an unfinished request */
	size_t		 in_len, in_off;
	size_t		 out_len, out_off;
	char		 in[IN_MAX];
	char		 out[OUT_MAX];
	struct policy_reader reader;
};

struct policylisten {
	int		 fd;
	char		*unix_path;	/* removed at the end, or NULL */
	struct policysvc *svc;
	int		 wake[2];
	struct client	*clients[POLICYLISTEN_CLIENTS_MAX];
	size_t		 count;
	time_t		 accept_paused;	/* accept(2) failed for want of a
					   descriptor or memory: not polled
					   again within this second */
	time_t		 accept_complained;
	time_t		 full_complained;	/* "every one inside a request" */
	unsigned long	 full_closed;		/* connections closed since */
};

static void
nonblocking(int fd)
{
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	fcntl(fd, F_SETFD, FD_CLOEXEC);
}

/* 1 when a process answers on the unix socket path. */
static int
unix_socket_live(const struct sockaddr_un *sun)
{
	int	fd, live;

	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
		return 0;
	live = connect(fd, (const struct sockaddr *)sun, sizeof(*sun)) == 0;
	close(fd);
	return live;
}

static int
open_unix(const char *path, char *err, size_t size)
{
	struct sockaddr_un sun;
	struct stat st;
	int	fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, size, "%s: path too long", path);
		return -1;
	}
	strcpy(sun.sun_path, path);
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(err, size, "%s exists and is not a socket; "
			    "remove it or change policy_socket", path);
			return -1;
		}
		if (unix_socket_live(&sun)) {
			snprintf(err, size, "%s: another process listens on "
			    "it", path);
			return -1;
		}
		unlink(path);
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    listen(fd, POLICYLISTEN_BACKLOG) == -1) {
		snprintf(err, size, "%s: %s; check that its directory exists "
		    "and that the daemon's user may write in it", path,
		    strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	return fd;
}

static int
open_inet(const char *spec, int family, char *err, size_t size)
{
	struct addrinfo hints, *res = NULL;
	const char *at = strchr(spec, '@');
	char	port[16];
	int	fd = -1, on = 1, rc;

	if (at == NULL || (size_t)(at - spec) >= sizeof(port)) {
		snprintf(err, size, "%s: want PORT@HOST", spec);
		return -1;
	}
	memcpy(port, spec, (size_t)(at - spec));
	port[at - spec] = '\0';
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = family;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((rc = getaddrinfo(at + 1, port, &hints, &res)) != 0) {
		snprintf(err, size, "%s: %s", at + 1, gai_strerror(rc));
		return -1;
	}
	if ((fd = socket(res->ai_family, SOCK_STREAM, 0)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1 ||
	    bind(fd, res->ai_addr, res->ai_addrlen) == -1 ||
	    listen(fd, POLICYLISTEN_BACKLOG) == -1) {
		snprintf(err, size, "port %s on %s: %s", port, at + 1,
		    strerror(errno));
		if (fd != -1)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

int
policylisten_open(const char *spec, char *err, size_t size)
{
	const char *path = conf_socket_unix_path(spec);
	int	fd;

	if (path != NULL)
		fd = open_unix(path, err, size);
	else if (strncmp(spec, "inet:", 5) == 0)
		fd = open_inet(spec + 5, AF_INET, err, size);
	else if (strncmp(spec, "inet6:", 6) == 0)
		fd = open_inet(spec + 6, AF_INET6, err, size);
	else {
		snprintf(err, size, "%s: unknown socket type", spec);
		return -1;
	}
	if (fd != -1)
		nonblocking(fd);
	return fd;
}

struct policylisten *
policylisten_new(int fd, const char *spec, struct policysvc *svc)
{
	struct policylisten *l;
	const char *path = conf_socket_unix_path(spec);

	if ((l = calloc(1, sizeof(*l))) == NULL)
		return NULL;
	l->fd = fd;
	l->svc = svc;
	if (pipe(l->wake) == -1 ||
	    (path != NULL && (l->unix_path = strdup(path)) == NULL)) {
		free(l);
		return NULL;
	}
	nonblocking(l->wake[0]);
	nonblocking(l->wake[1]);
	return l;
}

static void
client_close(struct policylisten *l, size_t n)
{
	close(l->clients[n]->fd);
	free(l->clients[n]);
	l->clients[n] = l->clients[--l->count];
	l->clients[l->count] = NULL;
}

/* Room for a new client: drop the one idle longest between requests. */
static int
make_room(struct policylisten *l)
{
	size_t	n, idlest = l->count;

	for (n = 0; n < l->count; n++) {
		if (l->clients[n]->request_start != 0)
			continue;
		if (idlest == l->count ||
		    l->clients[n]->last < l->clients[idlest]->last)
			idlest = n;
	}
	if (idlest == l->count)
		return -1;
	client_close(l, idlest);
	return 0;
}

static void
accept_clients(struct policylisten *l, time_t now)
{
	struct client *c;
	int	fd;

	while ((fd = accept(l->fd, NULL, NULL)) != -1) {
		if ((l->count == POLICYLISTEN_CLIENTS_MAX &&
		    make_room(l) == -1) ||
		    (c = calloc(1, sizeof(*c))) == NULL) {
			close(fd);
			/* A flood of them: one line a minute, not one each. */
			l->full_closed++;
			if (now - l->full_complained >= 60) {
				msg_warn("policy service: %d clients, every one "
				    "inside a request: a new connection is "
				    "closed; %lu closed since the last such "
				    "line", POLICYLISTEN_CLIENTS_MAX,
				    l->full_closed);
				l->full_complained = now;
				l->full_closed = 0;
			}
			continue;
		}
		nonblocking(fd);
		c->fd = fd;
		c->last = now;
		policy_reader_init(&c->reader);
		l->clients[l->count++] = c;
	}
	/*
	 * Out of descriptors or memory: the connection stays queued and the
	 * socket readable; polling it again at once would spin. It waits for
	 * the next second (the MTA's own policy timeout then applies).
	 */
	if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
	    errno == ENOMEM) {
		l->accept_paused = now;
		if (now - l->accept_complained >= 60) {
			msg_warn("policy service: cannot accept a connection: "
			    "%s; new connections wait (raise the open-files "
			    "limit: LimitNOFILE= in the unit, ulimit -n)",
			    strerror(errno));
			l->accept_complained = now;
		}
	}
}

static void
peer_name(const struct client *c, char *buf, size_t size)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getpeername(c->fd, (struct sockaddr *)&ss, &len) == -1 ||
	    ss.ss_family == AF_UNIX ||
	    getnameinfo((struct sockaddr *)&ss, len, buf, size, NULL, 0,
	    NI_NUMERICHOST) != 0)
		snprintf(buf, size, "a local client");
}

static void
answer(struct policylisten *l, struct client *c, enum policy_read res,
    time_t now)
{
	char	text[POLICYSVC_ANSWER_MAX], peer[64];
	size_t	len;

	if (res == POLICY_READ_REQUEST)
		policysvc_answer(l->svc, &c->reader, now, text, sizeof(text));
	else {
		peer_name(c, peer, sizeof(peer));
		policysvc_malformed(l->svc, c->reader.fault, peer, now, text,
		    sizeof(text));
	}
	len = strlen(text);
	memcpy(c->out + c->out_len, text, len);
	c->out_len += len;
}

/*
 * Handle buffered input while there is room for an answer. Each request
 * ended restarts the deadline: a read that ends inside the next request
 * (pipelining) starts that request's clock, not the first one's.
 */
static void
handle_input(struct policylisten *l, struct client *c, time_t now)
{
	enum policy_read res;
	size_t	taken;

	while (c->in_off < c->in_len &&
	    OUT_MAX - c->out_len >= POLICYSVC_ANSWER_MAX) {
		res = policy_read(&c->reader, c->in + c->in_off,
		    c->in_len - c->in_off, &taken);
		c->in_off += taken;
		if (res != POLICY_READ_MORE) {
			answer(l, c, res, now);
			c->request_start = 0;
		}
	}
	if (c->in_off == c->in_len)
		c->in_off = c->in_len = 0;
	if (!policy_reader_partial(&c->reader))
		c->request_start = 0;
	else if (c->request_start == 0)
		c->request_start = now;
}

/* Returns -1 when the client is to be closed now. */
static int
client_read(struct policylisten *l, struct client *c, time_t now)
{
	char	peer[64];
	ssize_t	n;

	n = read(c->fd, c->in, sizeof(c->in));
	if (n == -1)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	c->last = now;
	if (n == 0) {
		c->eof = 1;
		/* Half-closed inside a request: that request gets DUNNO. */
		if (policy_reader_partial(&c->reader)) {
			c->reader.fault = POLICY_FAULT_SYNTAX;
			peer_name(c, peer, sizeof(peer));
			policysvc_malformed(l->svc, POLICY_FAULT_SYNTAX, peer,
			    now, c->out + c->out_len, OUT_MAX - c->out_len);
			c->out_len += strlen(c->out + c->out_len);
			policy_reader_init(&c->reader);
			c->request_start = 0;
		}
		return 0;
	}
	c->in_len = (size_t)n;
	c->in_off = 0;
	handle_input(l, c, now);
	return 0;
}

static int
client_write(struct client *c, time_t now)
{
	ssize_t	n;

	n = write(c->fd, c->out + c->out_off, c->out_len - c->out_off);
	if (n == -1)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	c->last = now;
	c->out_off += (size_t)n;
	if (c->out_off == c->out_len)
		c->out_off = c->out_len = 0;
	return 0;
}

static short
client_events(const struct client *c)
{
	short	ev = 0;

	if (!c->eof && c->in_len == 0 &&
	    OUT_MAX - c->out_len >= POLICYSVC_ANSWER_MAX)
		ev |= POLLIN;
	if (c->out_len > 0)
		ev |= POLLOUT;
	return ev;
}

/* 1 when c has overstayed: inside a request too long, or idle too long. */
static int
client_expired(const struct client *c, time_t now)
{
	if (c->request_start != 0 &&
	    now - c->request_start >= POLICYLISTEN_REQUEST_SECONDS)
		return 1;
	return now - c->last >= POLICYLISTEN_IDLE_SECONDS;
}

static void
serve_clients(struct policylisten *l, const struct pollfd *pfd, size_t npfd,
    time_t now)
{
	struct client *c;
	size_t	n;
	int	drop;

	/* Backwards: closing n moves the last client into slot n. */
	for (n = l->count; n-- > 0;) {
		c = l->clients[n];
		drop = 0;
		if (n + 2 < npfd && pfd[n + 2].fd == c->fd) {
			if ((pfd[n + 2].revents & (POLLERR | POLLNVAL)) != 0)
				drop = 1;
			if (!drop && (pfd[n + 2].events & POLLIN) &&
			    (pfd[n + 2].revents & (POLLIN | POLLHUP)))
				drop = client_read(l, c, now) == -1;
			if (!drop && c->in_len > 0)
				handle_input(l, c, now);
			if (!drop && c->out_len > 0 &&
			    (pfd[n + 2].revents & POLLOUT))
				drop = client_write(c, now) == -1;
		}
		if (drop || (c->eof && c->out_len == 0 && c->in_len == 0) ||
		    client_expired(c, now))
			client_close(l, n);
	}
}

void *
policylisten_run(void *arg)
{
	struct policylisten *l = arg;
	struct pollfd pfd[POLICYLISTEN_CLIENTS_MAX + 2];
	time_t	 now, expired = 0;
	size_t	 n, npfd;
	char	 b;

	for (;;) {
		pfd[0].fd = l->wake[0];
		pfd[0].events = POLLIN;
		pfd[1].fd = l->fd;
		pfd[1].events = l->accept_paused == time(NULL) ? 0 : POLLIN;
		pfd[1].revents = 0;
		for (n = 0; n < l->count; n++) {
			pfd[n + 2].fd = l->clients[n]->fd;
			pfd[n + 2].events = client_events(l->clients[n]);
			pfd[n + 2].revents = 0;
		}
		npfd = l->count + 2;
		if (poll(pfd, npfd, POLL_MS) == -1 && errno != EINTR) {
			msg_error("policy service: poll: %s", strerror(errno));
			sleep(1);
			continue;
		}
		if ((pfd[0].revents & POLLIN) != 0 && read(l->wake[0], &b, 1) == 1)
			break;
		now = time(NULL);
		serve_clients(l, pfd, npfd, now);
		if ((pfd[1].revents & POLLIN) != 0)
			accept_clients(l, now);
		if (now != expired) {
			policysvc_expire(l->svc, now);
			expired = now;
		}
	}
	while (l->count > 0)
		client_close(l, l->count - 1);
	return NULL;
}

void
policylisten_stop(struct policylisten *l)
{
	(void)!write(l->wake[1], "x", 1);
}

void
policylisten_free(struct policylisten *l)
{
	if (l == NULL)
		return;
	close(l->fd);
	close(l->wake[0]);
	close(l->wake[1]);
	if (l->unix_path != NULL && unlink(l->unix_path) == -1 &&
	    errno != ENOENT)
		msg_warn("%s: cannot remove it: %s", l->unix_path,
		    strerror(errno));
	free(l->unix_path);
	free(l);
}

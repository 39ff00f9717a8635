/*
 * nodelay.c - TCP_NODELAY on libmilter's listening TCP socket (see
 * nodelay.h for why). The socket is found among the open descriptors:
 * a stream socket of family AF_INET or AF_INET6 that listens
 * (SO_ACCEPTCONN).
 */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "nodelay.h"

#define NODELAY_FDS_MAX	1024	/* descriptors looked at */

static int
is_tcp_listener(int fd)
{
	int	v, domain;
	socklen_t len = sizeof(v);

	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &v, &len) == -1 || !v)
		return 0;
	len = sizeof(domain);
	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) == -1 ||
	    (domain != AF_INET && domain != AF_INET6))
		return 0;
	len = sizeof(v);
	return getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &len) == 0 &&
	    v == SOCK_STREAM;
}

int
nodelay_listeners(void)
{
	const int on = 1;
	long	max = sysconf(_SC_OPEN_MAX);
	int	fd, set = 0;

	if (max < 0 || max > NODELAY_FDS_MAX)
		max = NODELAY_FDS_MAX;
	for (fd = 0; fd < max; fd++) {
		if (!is_tcp_listener(fd))
			continue;
		if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on,
		    sizeof(on)) == -1)
			return -1;
		set++;
	}
	return set;
}

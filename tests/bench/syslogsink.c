/*
 * syslogsink.c - a stand-in syslog daemon for bench-proto.sh: binds a unix
 * datagram socket (what /dev/log is) and reads every message, so that the
 * filters' syslog(3) calls find a daemon listening, as on a real host,
 * without touching the host's /dev/log (the benchmark mounts a private
 * /dev in its own mount namespace, with /dev/log leading here).
 *
 * Usage: syslogsink PATH    (foreground; SIGTERM ends it, printing the
 * number of messages received on stderr)
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void
on_term(int sig)
{
	(void)sig;
	stop = 1;
}

int
main(int argc, char **argv)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct sigaction sa = { .sa_handler = on_term };
	char	buf[8192];
	unsigned long n = 0;
	int	fd;

	if (argc != 2 || strlen(argv[1]) >= sizeof sun.sun_path) {
		fprintf(stderr, "usage: syslogsink PATH\n");
		return 2;
	}
	strcpy(sun.sun_path, argv[1]);
	unlink(argv[1]);
	if ((fd = socket(AF_UNIX, SOCK_DGRAM, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&sun, sizeof sun) == -1) {
		perror("syslogsink: bind");
		return 1;
	}
	sigaction(SIGTERM, &sa, NULL);	/* no SA_RESTART: recv returns */
	sigaction(SIGINT, &sa, NULL);
	while (!stop)
		if (recv(fd, buf, sizeof buf, 0) > 0)
			n++;
	fprintf(stderr, "syslogsink: %lu messages\n", n);
	unlink(argv[1]);
	return 0;
}

/*
 * main.c - mtasts-milter: start-up, privileges, signals and reload.
 *
 * Signals: libmilter starts its own thread that sigwait()s for SIGHUP,
 * SIGTERM and SIGINT and stops the filter on any of them. A handler in the
 * main thread cannot keep SIGHUP from it: Linux gives a process signal to
 * any thread that can take it when main cannot right then (it has another
 * signal pending and is not running), so a SIGHUP close behind a SIGUSR1
 * stopped the milter (exit 0: systemd did not even restart it). SIGHUP is
 * therefore ignored (SIG_IGN with main never blocking it: the kernel drops
 * it before any thread sees it), and SIGUSR1, which libmilter never looks
 * at, is the reload signal. SIGTERM and SIGINT stop the filter whichever
 * thread takes them: through smfi_stop() from main, or libmilter's own.
 * smfi_main() runs in a thread of its own, every other thread is started
 * with the control signals blocked, and main's handlers only write to a
 * pipe.
 *
 * Order: the config is read, the socket opened (a unix socket as "user",
 * see open_milter_socket) and the pid file opened while still privileged
 * (so a bad config, a busy socket or a planted pid file fails the start
 * with a message on stderr), then the daemon forks, writes its pid into
 * the file and drops to "user" before any thread or log file is created.
 *
 * Logging (msg.h): to stderr until then (and for -n), then to syslog(3);
 * from the start of the log writer (jlog, before any other thread) to its
 * queue, so that no line logged while mail flows waits for syslog; and
 * back to syslog(3) once every thread that logs has been joined, before
 * the writer stops.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

#include "callbacks.h"
#include "conf.h"
#include "discovery.h"
#include "jlog.h"
#include "metrics.h"
#include "metricsfile.h"
#include "msg.h"
#include "mxprobe.h"
#include "nodelay.h"
#include "pidfile.h"
#include "policylisten.h"
#include "servedcert.h"
#include "store.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR	"/etc"
#endif
#define DEFAULT_CONF	SYSCONFDIR "/mtasts-milter.conf"
#define SOCKET_GROUPS_MAX	256	/* root's groups kept while acting as user */

enum {
	EVENT_RELOAD = 'R',
	EVENT_STOP = 'T',
	EVENT_MILTER_DONE = 'M'
};

static int event_pipe[2] = { -1, -1 };

struct daemon {
	const char	*conf_path;
	char		*conf_abs;	/* conf_path made absolute, or NULL */
	int		 foreground;
	struct conf	*conf;
	struct store	*store;
	struct discovery *discovery;
	struct mxprobe	*mxprobe;
	struct pendrec	*pendrec;	/* records waiting for discovery */
	struct metricsfile *metricsfile;	/* writes metrics_file */
	struct jlog	*jlog;
	pthread_t	 milter_thread;
	int		 milter_result;
	/* the policy service (policy_socket), when configured */
	int		 policy_fd;
	struct audit_deps policy_deps;
	struct servedcert *servedcert;
	struct policysvc *policysvc;
	struct policylisten *policylisten;
	pthread_t	 policy_thread;
	int		 policy_running;
};

static void
usage(void)
{
	fprintf(stderr, "usage: mtasts-milter [-c FILE] [-f] [-n] [-V]\n");
	exit(2);
}

/* The msg output while serving: queued; jlog's thread calls syslog(3). */
static void
output_jlog(void *arg, int priority, const char *line)
{
	jlog_syslog(arg, priority, line);
}

static void
post_event(char event)
{
	int	saved = errno;

	(void)!write(event_pipe[1], &event, 1);
	errno = saved;
}

static void
on_signal(int sig)
{
	post_event(sig == SIGUSR1 ? EVENT_RELOAD : EVENT_STOP);
}

static int
install_signal_handlers(void)
{
	static const int sigs[] = { SIGUSR1, SIGTERM, SIGINT };
	struct sigaction sa;
	size_t	i;

	if (pipe(event_pipe) == -1)
		return -1;
	fcntl(event_pipe[0], F_SETFD, FD_CLOEXEC);
	fcntl(event_pipe[1], F_SETFD, FD_CLOEXEC);
	fcntl(event_pipe[1], F_SETFL, O_NONBLOCK);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (sigaction(sigs[i], &sa, NULL) == -1)
			return -1;
	/* Never blocked in main (see block_control_signals): dropped at once. */
	sa.sa_handler = SIG_IGN;
	sa.sa_flags = 0;
	if (sigaction(SIGHUP, &sa, NULL) == -1)
		return -1;
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

/*
 * Block the reload/stop signals in the calling thread, so that threads
 * created until the old mask is restored never take them: only main does.
 */
static void
block_control_signals(sigset_t *old)
{
	sigset_t block;

	/* Not SIGHUP: blocked, an ignored signal would wait for libmilter. */
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	pthread_sigmask(SIG_BLOCK, &block, old);
}

static int
start_thread(pthread_t *t, void *(*fn)(void *), void *arg)
{
	sigset_t old;
	int	rc;

	block_control_signals(&old);
	rc = pthread_create(t, NULL, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc == 0 ? 0 : -1;
}

/*
 * Act as pw (groups, then gid, then uid: effective ids only) while the
 * unix socket is made, or go back to root (back != 0).
 */
static int
socket_identity(const struct passwd *pw, int back)
{
	static gid_t groups[SOCKET_GROUPS_MAX], egid;
	static int ngroups;

	if (back)
		return seteuid(0) == -1 || setegid(egid) == -1 ||
		    setgroups((size_t)ngroups, groups) == -1 ? -1 : 0;
	egid = getegid();
	if ((ngroups = getgroups(SOCKET_GROUPS_MAX, groups)) == -1 ||
	    initgroups(pw->pw_name, pw->pw_gid) == -1 ||
	    setegid(pw->pw_gid) == -1 || seteuid(pw->pw_uid) == -1)
		return -1;
	return 0;
}

/*
 * A unix socket is made by the user it is for: bind() creates it with the
 * user's owner and group and the umask's mode, so nothing is chowned by
 * path as root in a directory that user may write (where the name could
 * be swapped for a link to any file between bind and chown), and
 * libmilter's removal of a stale socket runs with the user's rights too.
 * The directory must then be writable by the user, as it must anyway for
 * libmilter to remove the socket at stop.
 */
static int
open_milter_socket(const struct conf *conf, const struct passwd *pw)
{
	int	as_user = pw != NULL && conf_socket_unix_path(conf->socket) != NULL;
	int	rc;

	if (as_user && socket_identity(pw, 0) == -1) {
		msg_error("cannot act as user \"%s\" to create the socket: %s",
		    pw->pw_name, strerror(errno));
		return -1;
	}
	rc = smfi_setconn(conf->socket) == MI_SUCCESS &&
	    smfi_opensocket(1) == MI_SUCCESS ? 0 : -1;
	if (as_user && socket_identity(pw, 1) == -1) {
		msg_error("cannot return to root after creating the socket: %s",
		    strerror(errno));
		return -1;
	}
	/* inet: no 40 ms Nagle stall at the end of every message (nodelay.h) */
	if (rc == 0 && strncmp(conf->socket, "inet", 4) == 0 &&
	    nodelay_listeners() < 1)
		msg_warn("socket \"%s\": cannot set TCP_NODELAY; messages may "
		    "wait 40 ms each for the MTA's delayed ACK (use a unix "
		    "socket)", conf->socket);
	if (rc == -1)
		msg_error("cannot listen on socket \"%s\" (see syslog); check "
		    "that its directory exists%s%s%s and that no other process "
		    "uses it", conf->socket,
		    as_user ? " and that user \"" : "",
		    as_user ? pw->pw_name : "",
		    as_user ? "\" may write in it" : "");
	return rc;
}

/*
 * The policy service's socket, made as the milter's is (a unix one by
 * user, with the same umask, so it gets the same owner, group and mode).
 */
static int
open_policy_socket(struct daemon *d, const struct passwd *pw)
{
	const char *spec = d->conf->policy_socket;
	int	as_user = pw != NULL && conf_socket_unix_path(spec) != NULL;
	char	err[512];

	d->policy_fd = -1;
	if (spec[0] == '\0')
		return 0;
	if (as_user && socket_identity(pw, 0) == -1) {
		msg_error("cannot act as user \"%s\" to create the policy "
		    "socket: %s", pw->pw_name, strerror(errno));
		return -1;
	}
	d->policy_fd = policylisten_open(spec, err, sizeof(err));
	if (as_user && socket_identity(pw, 1) == -1) {
		msg_error("cannot return to root after creating the policy "
		    "socket: %s", strerror(errno));
		return -1;
	}
	if (d->policy_fd == -1)
		msg_error("cannot listen on policy_socket \"%s\": %s", spec, err);
	return d->policy_fd == -1 ? -1 : 0;
}

/* Look the user up while stderr still reaches whoever started us. */
static int
lookup_user(const struct conf *conf, struct passwd **pw)
{
	*pw = NULL;
	if (conf->user[0] == '\0')
		return 0;
	if ((*pw = getpwnam(conf->user)) == NULL) {
		msg_error("%s: user \"%s\" does not exist; create it or change "
		    "user", conf->path, conf->user);
		return -1;
	}
	if (geteuid() != 0 && geteuid() != (*pw)->pw_uid) {
		msg_error("cannot become user \"%s\" without root; start as "
		    "root or set user = \"\"", conf->user);
		return -1;
	}
	if (geteuid() == (*pw)->pw_uid)
		*pw = NULL;
	return 0;
}

static int
drop_privileges(const struct passwd *pw)
{
	if (pw == NULL) {
		if (geteuid() == 0)
			msg_warn("running as root; set user = \"mtasts\" (or "
			    "another unprivileged user)");
		return 0;
	}
	/* Started as that user already (systemd's User=): nothing to drop. */
	if (geteuid() == pw->pw_uid && getegid() == pw->pw_gid &&
	    geteuid() != 0)
		return 0;
	if (initgroups(pw->pw_name, pw->pw_gid) == -1 ||
	    setgid(pw->pw_gid) == -1 || setuid(pw->pw_uid) == -1) {
		msg_error("cannot switch to user %s: %s", pw->pw_name,
		    strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Started with descriptor 0, 1 or 2 closed, the socket or the pid file
 * would get it, and daemonize() would then replace it by /dev/null.
 */
static int
open_standard_fds(void)
{
	int	fd;

	do {
		if ((fd = open("/dev/null", O_RDWR)) == -1)
			return -1;
	} while (fd <= STDERR_FILENO);
	close(fd);
	return 0;
}

static int
daemonize(void)
{
	pid_t	pid;
	int	fd;

	if ((pid = fork()) == -1) {
		msg_error("fork: %s", strerror(errno));
		return -1;
	}
	if (pid != 0)
		_exit(0);
	setsid();
	if (chdir("/") == -1)
		return -1;
	if ((fd = open("/dev/null", O_RDWR)) != -1) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
	return 0;
}

/* Opened before the fork, so that a refusal reaches stderr; -2: none. */
static int
open_pidfile(const char *path)
{
	char	err[1024];
	int	fd;

	if (path[0] == '\0')
		return -2;
	if ((fd = pidfile_open(path, err, sizeof(err))) == -1)
		msg_error("%s", err);
	return fd;
}

static void
write_pidfile(int fd, const char *path)
{
	char	err[1024];

	if (fd >= 0 && pidfile_write(fd, path, getpid(), err, sizeof(err)) ==
	    -1)
		msg_error("%s", err);
}

/*
 * 1 when stderr is the journal (systemd sets JOURNAL_STREAM to its device
 * and inode): syslog lands there too, and a copy on stderr would show
 * every line twice.
 */
static int
stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	return js != NULL && sscanf(js, "%llu:%llu", &dev, &ino) == 2 &&
	    fstat(STDERR_FILENO, &st) == 0 &&
	    (unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino;
}

/* At stop, as user: say so when the file stays behind, naming the fix. */
static void
remove_pidfile(const char *path, const char *user)
{
	if (path[0] == '\0' || unlink(path) == 0 || errno == ENOENT)
		return;
	msg_warn("pidfile %s: cannot remove it: %s%s%s%s", path,
	    strerror(errno), user[0] != '\0' ? " (user \"" : "", user,
	    user[0] != '\0' ? "\" must be able to write its directory)" : "");
}

static void
open_syslog(const struct daemon *d)
{
	int	perror = d->foreground && !stderr_is_journal() ? LOG_PERROR : 0;

	closelog();
	openlog(MILTER_NAME, LOG_PID | LOG_NDELAY | perror,
	    d->conf->syslog_facility);
}

static void
warn_restart_needed(const struct conf *old, const struct conf *new)
{
	if (strcmp(old->socket, new->socket) != 0)
		msg_warn("socket changed: restart to apply it");
	if (strcmp(old->policy_socket, new->policy_socket) != 0)
		msg_warn("policy_socket changed: restart to apply it");
	if (strcmp(old->user, new->user) != 0)
		msg_warn("user changed: restart to apply it");
	if (strcmp(old->pidfile, new->pidfile) != 0)
		msg_warn("pidfile changed: restart to apply it");
}

static void
reload(struct daemon *d)
{
	struct conf *next;

	if ((next = conf_load(d->conf_path)) == NULL) {
		msg_error("reload of %s failed; the running configuration "
		    "stays in use", d->conf_path);
		jlog_reopen(d->jlog, d->conf->json_log);
		return;
	}
	if (store_load(d->store, next) == -1) {
		msg_error("reload: out of memory; the running configuration "
		    "stays in use");
		conf_unref(next);
		return;
	}
	discovery_configure(d->discovery, next);
	metricsfile_configure(d->metricsfile, next);
	mxprobe_kick(d->mxprobe);
	if (d->servedcert != NULL)
		servedcert_configure(d->servedcert, next);
	warn_restart_needed(d->conf, next);
	conf_unref(d->conf);
	d->conf = next;
	open_syslog(d);
	jlog_reopen(d->jlog, next->json_log);
	msg_info("configuration reloaded from %s", d->conf_path);
}

static void *
milter_main(void *arg)
{
	struct daemon *d = arg;

	d->milter_result = smfi_main();
	post_event(EVENT_MILTER_DONE);
	return NULL;
}

/* Serve until stopped; returns the exit status. */
static int
serve(struct daemon *d)
{
	char	event;
	ssize_t	n;

	if (start_thread(&d->milter_thread, milter_main, d) == -1) {
		msg_error("cannot start the milter thread");
		return 1;
	}
	if (d->policylisten != NULL) {
		if (start_thread(&d->policy_thread, policylisten_run,
		    d->policylisten) == -1) {
			msg_error("cannot start the policy service thread");
			smfi_stop();
			pthread_join(d->milter_thread, NULL);
			return 1;
		}
		d->policy_running = 1;
	}
	msg_info("started, version %s, listening on %s%s%s", PACKAGE_VERSION,
	    d->conf->socket, d->policylisten != NULL ? " and " : "",
	    d->policylisten != NULL ? d->conf->policy_socket : "");
	for (;;) {
		n = read(event_pipe[0], &event, 1);
		if (n == -1 && errno == EINTR)
			continue;
		if (n != 1 || event == EVENT_MILTER_DONE)
			break;
		if (event == EVENT_RELOAD)
			reload(d);
		else
			smfi_stop();
	}
	pthread_join(d->milter_thread, NULL);
	if (d->policy_running) {
		policylisten_stop(d->policylisten);
		pthread_join(d->policy_thread, NULL);
	}
	msg_info("stopped");
	return d->milter_result == MI_SUCCESS ? 0 : 1;
}

/* The policy front end: the same store, log, discovery as the callbacks. */
static int
start_policy_service(struct daemon *d)
{
	if (d->policy_fd == -1)
		return 0;
	d->policy_deps.store = d->store;
	d->policy_deps.jlog = d->jlog;
	d->policy_deps.discovery = d->discovery;
	d->policy_deps.pendrec = d->pendrec;
	if (d->servedcert == NULL ||
	    (d->policysvc = policysvc_new(&d->policy_deps, d->servedcert)) ==
	    NULL || (d->policylisten = policylisten_new(d->policy_fd,
	    d->conf->policy_socket, d->policysvc)) == NULL) {
		msg_error("cannot start the policy service");
		return -1;
	}
	servedcert_configure(d->servedcert, d->conf);
	return 0;
}

static int
start_services(struct daemon *d)
{
	sigset_t old;

	/* store and jlog start their threads inside */
	block_control_signals(&old);
	/* Before any other thread: from now on nothing logged waits. */
	if ((d->jlog = jlog_new(d->conf->json_log)) != NULL)
		msg_set_output(output_jlog, d->jlog);
	d->store = store_new();
	if (d->store != NULL && (store_load(d->store, d->conf) == -1 ||
	    store_start(d->store) == -1)) {
		store_free(d->store);
		d->store = NULL;
	}
	if (d->store != NULL &&
	    (d->discovery = discovery_new(d->store)) != NULL) {
		discovery_configure(d->discovery, d->conf);
		if (discovery_start(d->discovery) == -1) {
			discovery_free(d->discovery);
			d->discovery = NULL;
		}
	}
	if (d->store != NULL &&
	    (d->mxprobe = mxprobe_new(d->store)) != NULL &&
	    mxprobe_start(d->mxprobe) == -1) {
		mxprobe_free(d->mxprobe);
		d->mxprobe = NULL;
	}
	if (d->store != NULL && d->jlog != NULL &&
	    (d->pendrec = pendrec_new(d->store, d->jlog)) != NULL &&
	    pendrec_start(d->pendrec) == -1) {
		pendrec_free(d->pendrec);
		d->pendrec = NULL;
	}
	if ((d->metricsfile = metricsfile_new()) != NULL) {
		metricsfile_configure(d->metricsfile, d->conf);
		if (metricsfile_start(d->metricsfile) == -1) {
			metricsfile_free(d->metricsfile);
			d->metricsfile = NULL;
		}
	}
	if (d->policy_fd != -1 && (d->servedcert = servedcert_new()) != NULL &&
	    servedcert_start(d->servedcert) == -1) {
		servedcert_free(d->servedcert);
		d->servedcert = NULL;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (d->jlog == NULL || d->store == NULL || d->discovery == NULL ||
	    d->mxprobe == NULL || d->pendrec == NULL ||
	    d->metricsfile == NULL) {
		msg_error("cannot start the log writer, the store, policy "
		    "discovery, the MX probe, the pending-record holder or the "
		    "metrics writer");
		return -1;
	}
	callbacks_attach(d->store, d->jlog, d->discovery, d->pendrec);
	return start_policy_service(d);
}

int
main(int argc, char *argv[])
{
	struct daemon d = { .conf_path = DEFAULT_CONF, .policy_fd = -1 };
	struct passwd *pw;
	int	ch, check_only = 0, status, pidfd;

	while ((ch = getopt(argc, argv, "c:fnV")) != -1) {
		switch (ch) {
		case 'c':
			d.conf_path = optarg;
			break;
		case 'f':
			d.foreground = 1;
			break;
		case 'n':
			check_only = 1;
			break;
		case 'V':
			printf("mtasts-milter %s\n", PACKAGE_VERSION);
			return 0;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if (open_standard_fds() == -1)
		return 1;
	metrics_init();
	if ((d.conf = conf_load(d.conf_path)) == NULL)
		return 1;
	if (check_only) {
		printf("%s: configuration OK\n", d.conf_path);
		conf_unref(d.conf);
		return 0;
	}
	/* Reloads read it again after chdir("/"): keep the absolute name. */
	if ((d.conf_abs = realpath(d.conf_path, NULL)) != NULL)
		d.conf_path = d.conf_abs;
	umask(007);
	open_syslog(&d);
	if (lookup_user(d.conf, &pw) == -1 || install_signal_handlers() == -1 ||
	    callbacks_register() == -1 ||
	    open_milter_socket(d.conf, pw) == -1 ||
	    open_policy_socket(&d, pw) == -1 ||
	    (pidfd = open_pidfile(d.conf->pidfile)) == -1 ||
	    (!d.foreground && daemonize() == -1)) {
		conf_unref(d.conf);
		free(d.conf_abs);
		return 1;
	}
	/* stderr may be /dev/null now: syslog, until the log writer runs. */
	msg_set_output(msg_syslog, NULL);
	write_pidfile(pidfd, d.conf->pidfile);
	if (drop_privileges(pw) == -1 || start_services(&d) == -1)
		return 1;
	status = serve(&d);
	/* Open instances' records go to pendrec or jlog: before both. */
	policylisten_free(d.policylisten);
	policysvc_free(d.policysvc);
	servedcert_free(d.servedcert);
	pendrec_free(d.pendrec);	/* writes what it holds: before jlog */
	mxprobe_free(d.mxprobe);
	discovery_free(d.discovery);
	store_free(d.store);
	/* After pendrec: the last file counts the records it wrote. */
	metricsfile_free(d.metricsfile);
	/* Every thread that logs is gone: jlog may go. */
	msg_set_output(msg_syslog, NULL);
	jlog_free(d.jlog);
	remove_pidfile(d.conf->pidfile, d.conf->user);
	conf_unref(d.conf);
	free(d.conf_abs);
	return status;
}

/*
 * milterbench.c - milter overhead at the protocol level: drives several
 * filters (mtasts-milter and the null milter, say) through full sessions
 * (mproto.c: negotiate, connect, helo, mail, rcpt, 5 header fields, end of
 * message, quit; a new connection per message, as Postfix makes one per
 * SMTP session) with 1, 16, 256... concurrent connections, in interleaved
 * rounds in one run: each round runs every filter once, starting one
 * further along each time, so that the load of a busy host falls on all
 * of them alike. No MTA is involved.
 *
 * Usage: milterbench [-c CONNS[,CONNS...]] [-m MESSAGES] [-r ROUNDS]
 *            [-t mix|tls13|plain] [-w WARMUP] LABEL:PID:SOCKET...
 *   CONNS      concurrent connections (default 1,16,256)
 *   MESSAGES   messages per filter per round (default 2000)
 *   ROUNDS     rounds per connection count (default 5)
 *   -t         the TLS facts sent: "mix" (default) is 2 of 4 sessions TLS
 *              1.3, 1 TLS 1.2, 1 plaintext
 *   WARMUP     messages to each filter before the first round (default 200)
 *   LABEL:PID:SOCKET  the filter's name in the output, its process id
 *              ("-" if unknown: no CPU figure) and its socket (unix:/path,
 *              inet:PORT@127.0.0.1). The first filter is the baseline.
 *
 * Measured per filter and connection count: messages/s over all its rounds
 * (and each round's ratio to the baseline's run of the same round), the
 * 50th and 99th percentile of the whole session's duration, and the
 * filter process's CPU time per message (utime + stime from /proc/PID/stat,
 * which include exited threads; clock-tick resolution, so rounds of a
 * second or more). Each round line carries the 1-minute load average.
 * Output: round lines, a table, and one machine-readable line per filter:
 *   RESULT CONNS LABEL MSG_PER_S P50_US P99_US CPU_US_PER_MSG RATIO
 * Exit: 0 done, 1 a session failed (protocol, socket), 2 usage.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mproto.h"
#include "samples.h"

#define FILTERS_MAX	8
#define CONNS_MAX	4096
#define ROUNDS_MAX	1000

struct filter {
	const char	*label;
	long		 pid;		/* -1: unknown */
	const char	*socket;
	/* per connection count */
	struct samples	 session;	/* whole-session durations, us */
	double		 seconds;
	long		 messages;
	long		 ticks;		/* CPU clock ticks over the rounds */
	double		 rate[ROUNDS_MAX];	/* msg/s of each round */
};

struct run {
	struct filter	*f;
	long		 messages;
	enum mproto_tls	 tls_fixed;	/* when !mix */
	int		 mix;
	atomic_long	 next;		/* the next message to send */
	atomic_int	 failed;
};

struct worker {
	pthread_t	 thread;
	struct run	*run;
	struct samples	 session;
};

static enum mproto_tls
tls_of(const struct run *r, long i)
{
	static const enum mproto_tls mix[4] = { MP_TLS13, MP_TLS12, MP_TLS13,
	    MP_PLAIN };

	return r->mix ? mix[i % 4] : r->tls_fixed;
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct run *r = w->run;
	long	i;
	double	t0;
	int	fd;

	while (!atomic_load(&r->failed) &&
	    (i = atomic_fetch_add(&r->next, 1)) < r->messages) {
		t0 = mproto_now_us();
		if ((fd = mproto_connect(r->f->socket)) == -1 ||
		    mproto_session(fd, tls_of(r, i), NULL, NULL) == -1) {
			fprintf(stderr, "milterbench: session with %s (%s) "
			    "failed\n", r->f->label, r->f->socket);
			atomic_store(&r->failed, 1);
		} else
			samples_add(&w->session, mproto_now_us() - t0);
		if (fd != -1)
			close(fd);
	}
	return NULL;
}

/* CPU time of a process so far, in clock ticks; -1 when unknown. */
static long
cpu_ticks(long pid)
{
	char	path[64], buf[1024], *p;
	unsigned long utime, stime;
	FILE	*fp;
	size_t	n;

	if (pid <= 0)
		return -1;
	snprintf(path, sizeof path, "/proc/%ld/stat", pid);
	if ((fp = fopen(path, "r")) == NULL)
		return -1;
	n = fread(buf, 1, sizeof buf - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	/* after "pid (comm) ": state is field 3, utime 14, stime 15 */
	if ((p = strrchr(buf, ')')) == NULL ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
	    &utime, &stime) != 2)
		return -1;
	return (long)(utime + stime);
}

static double
load1(void)
{
	double	l = -1;
	FILE	*fp = fopen("/proc/loadavg", "r");

	if (fp != NULL) {
		if (fscanf(fp, "%lf", &l) != 1)
			l = -1;
		fclose(fp);
	}
	return l;
}

/* Send messages to f over conns connections; 0, or -1 when one failed. */
static int
run_filter(struct filter *f, int conns, long messages, struct run *tmpl,
    double *seconds, long *ticks, struct samples *into)
{
	static struct worker workers[CONNS_MAX];
	struct run r = { .f = f, .messages = messages,
	    .tls_fixed = tmpl->tls_fixed, .mix = tmpl->mix };
	long	c0 = cpu_ticks(f->pid), c1;
	double	t0 = mproto_now_us();
	int	i, started = 0;

	for (i = 0; i < conns; i++) {
		workers[i].run = &r;
		samples_clear(&workers[i].session);
		if (pthread_create(&workers[i].thread, NULL, worker_main,
		    &workers[i]) != 0) {
			fprintf(stderr, "milterbench: pthread_create: %s\n",
			    strerror(errno));
			atomic_store(&r.failed, 1);
			break;
		}
		started++;
	}
	for (i = 0; i < started; i++) {
		pthread_join(workers[i].thread, NULL);
		if (into != NULL)
			samples_merge(into, &workers[i].session);
	}
	*seconds = (mproto_now_us() - t0) / 1e6;
	c1 = cpu_ticks(f->pid);
	*ticks = c0 >= 0 && c1 >= 0 ? c1 - c0 : -1;
	return atomic_load(&r.failed) ? -1 : 0;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void
report(struct filter *fs, int nf, int conns, int rounds, double load_sum)
{
	double	hz = (double)sysconf(_SC_CLK_TCK), base_rate = 0, base_cpu = 0;
	double	base_p99 = 0, ratios[ROUNDS_MAX];
	int	i, k;

	printf("\n%d connection%s, %d rounds, load average %.2f (mean of the "
	    "rounds)\n", conns, conns == 1 ? "" : "s", rounds,
	    load_sum / rounds);
	printf("%-10s %9s %7s %7s %9s  %s\n", "filter", "msg/s", "p50 ms",
	    "p99 ms", "CPU us/msg", "vs baseline: msg/s (rounds min..max), "
	    "p99, CPU");
	for (i = 0; i < nf; i++) {
		struct filter *f = &fs[i];
		double	rate = f->messages / f->seconds, p50, p99, cpu = -1;

		samples_sort(&f->session);
		p50 = samples_quantile(&f->session, 0.5);
		p99 = samples_quantile(&f->session, 0.99);
		if (f->ticks >= 0)
			cpu = f->ticks / hz * 1e6 / f->messages;
		printf("%-10s %9.0f %7.3f %7.3f %9.0f", f->label, rate,
		    p50 / 1e3, p99 / 1e3, cpu);
		if (i == 0) {
			base_rate = rate;
			base_p99 = p99;
			base_cpu = cpu;
			printf("  (baseline)\n");
		} else {
			for (k = 0; k < rounds; k++)
				ratios[k] = f->rate[k] / fs[0].rate[k];
			qsort(ratios, (size_t)rounds, sizeof *ratios,
			    cmp_double);
			printf("  %.2fx (%.2f..%.2f), %+.3f ms, %+.0f us\n",
			    rate / base_rate, ratios[0], ratios[rounds - 1],
			    (p99 - base_p99) / 1e3,
			    cpu >= 0 && base_cpu >= 0 ? cpu - base_cpu : 0);
		}
		printf("RESULT %d %s %.1f %.1f %.1f %.1f %.3f\n", conns,
		    f->label, rate, p50, p99, cpu, rate / base_rate);
	}
	fflush(stdout);
}

static int
parse_filter(char *arg, struct filter *f)
{
	char	*pid, *sock, *end;

	if ((pid = strchr(arg, ':')) == NULL ||
	    (sock = strchr(pid + 1, ':')) == NULL)
		return -1;
	*pid++ = '\0';
	*sock++ = '\0';
	memset(f, 0, sizeof *f);
	f->label = arg;
	f->socket = sock;
	f->pid = -1;
	if (strcmp(pid, "-") != 0 &&
	    ((f->pid = strtol(pid, &end, 10)) <= 0 || *end != '\0'))
		return -1;
	return 0;
}

static long
number(const char *s, long max)
{
	char	*end;
	long	 v = strtol(s, &end, 10);

	return end != s && *end == '\0' && v >= 0 && v <= max ? v : -1;
}

static void
usage(void)
{
	fprintf(stderr, "usage: milterbench [-c CONNS[,CONNS...]] "
	    "[-m MESSAGES] [-r ROUNDS] [-t mix|tls13|plain] [-w WARMUP] "
	    "LABEL:PID:SOCKET...\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct filter fs[FILTERS_MAX];
	struct run tmpl = { .mix = 1 };
	const char *conns_arg = "1,16,256";
	long	messages = 2000, rounds = 5, warmup = 200, ticks;
	int	conns[32], nconns = 0, nf = 0, ch, i, k, r;
	double	secs, load_sum;
	char	*list, *tok, *save;

	while ((ch = getopt(argc, argv, "c:m:r:t:w:")) != -1) {
		switch (ch) {
		case 'c': conns_arg = optarg; break;
		case 'm': messages = number(optarg, 100000000); break;
		case 'r': rounds = number(optarg, ROUNDS_MAX); break;
		case 'w': warmup = number(optarg, 100000000); break;
		case 't':
			tmpl.mix = strcmp(optarg, "mix") == 0;
			if (strcmp(optarg, "tls13") == 0)
				tmpl.tls_fixed = MP_TLS13;
			else if (strcmp(optarg, "plain") == 0)
				tmpl.tls_fixed = MP_PLAIN;
			else if (!tmpl.mix)
				usage();
			break;
		default: usage();
		}
	}
	if (messages <= 0 || rounds <= 0 || warmup < 0 || optind == argc ||
	    argc - optind > FILTERS_MAX)
		usage();
	if ((list = strdup(conns_arg)) == NULL)
		return 1;
	for (tok = strtok_r(list, ",", &save); tok != NULL && nconns < 32;
	    tok = strtok_r(NULL, ",", &save)) {
		long c = number(tok, CONNS_MAX);

		if (c <= 0)
			usage();
		conns[nconns++] = (int)c;
	}
	for (i = optind; i < argc; i++)
		if (parse_filter(argv[i], &fs[nf++]) == -1)
			usage();

	for (i = 0; i < nf && warmup > 0; i++)
		if (run_filter(&fs[i], 1, warmup, &tmpl, &secs, &ticks,
		    NULL) == -1)
			return 1;
	printf("milterbench: %ld messages per filter per round, TLS %s, a new "
	    "connection per message\n", messages, tmpl.mix ? "mix" :
	    tmpl.tls_fixed == MP_TLS13 ? "1.3" : "none");
	for (k = 0; k < nconns; k++) {
		load_sum = 0;
		for (i = 0; i < nf; i++) {
			samples_clear(&fs[i].session);
			fs[i].seconds = 0;
			fs[i].messages = 0;
			fs[i].ticks = 0;
		}
		for (r = 0; r < rounds; r++) {
			double l = load1();

			load_sum += l;
			for (i = 0; i < nf; i++) {
				struct filter *f = &fs[(r + i) % nf];

				if (run_filter(f, conns[k], messages, &tmpl,
				    &secs, &ticks, &f->session) == -1)
					return 1;
				f->seconds += secs;
				f->messages += messages;
				f->rate[r] = messages / secs;
				if (ticks < 0 || f->ticks < 0)
					f->ticks = -1;
				else
					f->ticks += ticks;
				printf("round %ld/%ld conns %d %-8s %6.0f msg/s"
				    "  CPU %5.0f us/msg  load %.2f\n",
				    (long)r + 1, rounds, conns[k], f->label,
				    messages / secs, ticks < 0 ? -1.0 :
				    ticks * 1e6 / (double)sysconf(_SC_CLK_TCK) /
				    (double)messages, l);
				fflush(stdout);
			}
		}
		report(fs, nf, conns[k], (int)rounds, load_sum);
	}
	free(list);
	return 0;
}

/*
 * milterlat.c - per-callback latency of a milter, for bench-milter.sh: plays
 * the MTA side of the milter protocol (mproto.c) over a unix socket, N
 * sessions one after the other, and times each request/reply round trip
 * (negotiate, connect, helo, mail, rcpt, header, eom) plus the whole
 * session. No MTA is involved, so the numbers are the filter's own cost
 * plus one socket round trip; run it against the null milter in the same
 * run for the baseline.
 *
 * Usage: milterlat SOCKET SESSIONS [LABEL]
 * SESSIONS 0: a session every PACE_MS until SIGTERM or SIGINT, then the
 * figures (bench-scale.sh samples the callbacks for as long as a policy
 * refresh runs, without taking a core from it).
 * Each session is a TLS 1.3 client (macros as Postfix sends them after
 * STARTTLS) with one message from bench@client.example.test to
 * bench@example.test carrying 5 header fields.
 * Output: one line per stage: LABEL STAGE median_us p90_us p99_us mean_us.
 * Exit: 0 done, 1 protocol or socket error, 2 usage.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "mproto.h"
#include "samples.h"

#define PACE_MS	10

static struct samples stages[MP_STAGES];
static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void
on_stage(void *arg, enum mproto_stage st, double us)
{
	(void)arg;
	samples_add(&stages[st], us);
}

/* Open, run a session, wait for the filter to close. */
static int
run_one(const char *spec)
{
	double	t0 = mproto_now_us();
	int	fd, rc;

	if ((fd = mproto_connect(spec)) == -1)
		return -1;
	rc = mproto_session(fd, MP_TLS13, on_stage, NULL);
	close(fd);
	if (rc == -1)
		fprintf(stderr, "milterlat: talking to %s failed\n", spec);
	else
		samples_add(&stages[MP_SESSION], mproto_now_us() - t0);
	return rc;
}

int
main(int argc, char **argv)
{
	const char *label = argc > 3 ? argv[3] : "milter";
	long	n, i;
	char	*end;

	if (argc < 3 || argc > 4 || (n = strtol(argv[2], &end, 10)) < 0 ||
	    *end != '\0') {
		fprintf(stderr, "usage: milterlat SOCKET SESSIONS [LABEL]\n");
		return 2;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	for (i = 0; (n == 0 || i < n) && !stop; i++) {
		if (run_one(argv[1]) == -1)
			return 1;
		if (n == 0)
			usleep(PACE_MS * 1000);
	}
	for (i = 0; i < MP_STAGES; i++) {
		struct samples *s = &stages[i];

		if (s->n == 0)
			continue;
		samples_sort(s);
		printf("%s %s %.1f %.1f %.1f %.1f\n", label,
		    mproto_stage_names[i], samples_quantile(s, 0.5),
		    samples_quantile(s, 0.9), samples_quantile(s, 0.99),
		    samples_mean(s));
	}
	return 0;
}

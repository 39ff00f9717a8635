/*
 * genlog.c - write realistic mtasts-milter JSON log lines (DESIGN.md 8,
 * as common/auditreport.c, audit.c and pendrec.c write them) for the
 * mtasts-report benchmark and tests.
 *
 * usage: genlog LINES [SEED [START-DATE [DAYS]]]   (DAYS: 30 by default)
 *
 * Deterministic for a given seed. The log of four MX hosts
 * (mx1-mx4.example.com, the "host" of each record) of a provider that
 * receives mail for RDOMS recipient domains from ORGS sending
 * organisations, both with a skewed volume (a few send or receive most of
 * the mail; every one of them appears in a million lines):
 *   example.com  the largest; mode testing, id 20240101 (mx1/mx2/mx4
 *                match, mx3 does not)
 *   example.net  mode enforce, id 20231201
 *   example.org  no policy
 *   RDOMS - 3 more (rcpt<N>.<tld>): about half without a policy, the
 *                others testing or enforce, some of them as a draft
 *                (with the "published" verdict next to it), some whose
 *                policy id changes halfway, some whose patterns leave
 *                out mx4.
 * Each organisation has a fixed TLS behaviour (plaintext, TLSv1, TLSv1.1,
 * TLSv1.2, TLSv1.3), so the would-fail senders are a stable set. On the
 * fifth day, 10:00-14:00 UTC, half the sessions reach the backup mx3, whose
 * name matches no pattern of example.com and whose certificate has expired;
 * on the ninth day, 03:00-04:00 UTC, example.com's policy cannot be
 * fetched. About 2% of lines are connections without a message, 4% are
 * messages from authenticated sessions ("domains":[], "skipped"), 1% of
 * verdicts are "pending" (half of those completed later, "deferred"), 1%
 * of messages have a null sender, 0.3% were aborted.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utctime.h"

#define ORGS	5000	/* sending organisations */
#define RDOMS	2000	/* recipient domains, example.com/net/org included */
#define HOSTS	4

static uint64_t rng_state;
static long long start_day;
static unsigned long span_days;

static uint64_t
rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* A uniform double in [0, 1). */
static double
rng_unit(void)
{
	return (double)(rng() >> 11) / 9007199254740992.0;
}

static unsigned
hash(unsigned x)
{
	x ^= x >> 16;
	x *= 0x45d9f3bu;
	x ^= x >> 16;
	x *= 0x45d9f3bu;
	return x ^ (x >> 16);
}

/* TLS version of organisation i, NULL for plaintext. */
static const char *
org_tls(unsigned i)
{
	unsigned r = hash(i * 7 + 1) % 1000;

	if (r < 8)
		return NULL;
	if (r < 18)
		return "TLSv1";
	if (r < 30)
		return "TLSv1.1";
	if (r < 450)
		return "TLSv1.2";
	return "TLSv1.3";
}

/* The sending host: address, PTR (NULL when none) and HELO. */
static void
org_host(unsigned i, unsigned k, char *ip, size_t iplen, char *ptr,
    size_t ptrlen, char *helo, size_t helolen)
{
	unsigned h = hash(i * 31 + k);

	if (h % 10 == 0)
		snprintf(ip, iplen, "2001:db8:%x::%x", i, k + 1);
	else
		snprintf(ip, iplen, "%u.%u.%u.%u", 11 + i % 180, (i / 180) % 250,
		    h % 250, 10 + k);
	if (h % 20 == 1)
		ptr[0] = '\0';
	else if (i % 10 == 3)
		snprintf(ptr, ptrlen, "out%u.relay%u.mailhost.co.uk", k, i % 7);
	else
		snprintf(ptr, ptrlen, "mail%u.sender%u.example", k, i);
	if (ptr[0] != '\0')
		snprintf(helo, helolen, "%s", ptr);
	else if (h % 3 == 0)
		snprintf(helo, helolen, "[%s]", ip);
	else
		snprintf(helo, helolen, "localhost");
}

static void
write_tls(const char *v, unsigned r)
{
	static const char *ciphers[] = {
		"TLS_AES_256_GCM_SHA384", "ECDHE-RSA-AES256-GCM-SHA384",
		"ECDHE-RSA-AES256-SHA"
	};
	const char *c;

	if (v == NULL) {
		fputs("\"tls\":null,", stdout);
		return;
	}
	c = strcmp(v, "TLSv1.3") == 0 ? ciphers[0] :
	    strcmp(v, "TLSv1.2") == 0 ? ciphers[1] : ciphers[2];
	printf("\"tls\":{\"version\":\"%s\",\"cipher\":\"%s\",\"bits\":256,"
	    "\"client_cert_subject\":%s,\"client_cert_issuer\":%s,"
	    "\"sni\":%s},", v, c,
	    r % 50 == 0 ? "\"CN=client.example\"" : "null",
	    r % 50 == 0 ? "\"CN=Example CA\"" : "null",
	    r % 7 == 0 ? "\"mx1.example.com\"" : "null");
}

/* The policy state of recipient domain d (0-2: the fixture's). */
struct rdom {
	char		 name[48];
	int		 mode;		/* 0 none, 1 testing, 2 enforce */
	int		 draft;		/* evaluated against a draft */
	int		 id_changes;	/* a new id from the middle day on */
	int		 no_mx4;	/* mx4 matches no pattern */
	unsigned	 id;
};

static void
rdom_of(unsigned d, struct rdom *rd)
{
	static const char *tlds[] = { "example", "co.uk", "de", "fr", "nl",
	    "org", "net", "com.au" };
	unsigned h = hash(d * 131 + 7);

	memset(rd, 0, sizeof(*rd));
	if (d < 3) {
		static const char *names[] = { "example.com", "example.net",
		    "example.org" };

		snprintf(rd->name, sizeof(rd->name), "%s", names[d]);
		rd->mode = d == 0 ? 1 : d == 1 ? 2 : 0;
		rd->id = d == 0 ? 20240101 : 20231201;
		return;
	}
	snprintf(rd->name, sizeof(rd->name), "rcpt%u.%s", d, tlds[h % 8]);
	h /= 8;
	rd->mode = h % 100 < 50 ? 0 : h % 100 < 80 ? 1 : 2;
	h /= 100;
	rd->draft = rd->mode != 0 && h % 20 == 0;
	rd->id_changes = rd->mode != 0 && h % 20 == 1;
	rd->no_mx4 = rd->mode != 0 && h % 20 == 2;
	rd->id = 20250000 + h % 10000;
}

static void
write_policy(const struct rdom *rd, unsigned id, const char *source)
{
	printf("{\"mode\":\"%s\",\"id\":\"%u\",\"source\":\"%s\"}",
	    rd->mode == 1 ? "testing" : "enforce", id, source);
}

static void
write_reasons(unsigned bits)
{
	static const char *names[] = { "starttls-not-supported",
	    "tls-version", "mx-mismatch", "certificate-expired" };
	int first = 1;

	fputc('[', stdout);
	for (unsigned i = 0; i < 4; i++) {
		if (bits & (1u << i)) {
			printf("%s\"%s\"", first ? "" : ",", names[i]);
			first = 0;
		}
	}
	fputc(']', stdout);
}

/*
 * One "domains" entry: the verdict a conforming sender would reach.
 * mx: the MX host the session reached (1-4), pend: 0, or 1 still pending,
 * 2 completed later.
 */
static void
write_domain(unsigned d, const char *tls, int mx, long long day,
    int fetch_error, unsigned rcpts, int pend)
{
	struct rdom rd;
	unsigned reasons = 0, id;

	rdom_of(d, &rd);
	printf("{\"domain\":\"%s\",\"rcpts\":%u,", rd.name, rcpts);
	if (rd.mode == 0) {
		fputs("\"result\":\"no-policy\",\"reasons\":[],\"policy\":null}",
		    stdout);
		return;
	}
	if (pend == 1) {
		fputs("\"result\":\"pending\",\"reasons\":[],\"policy\":null}",
		    stdout);
		return;
	}
	if (d == 0 && fetch_error) {
		fputs("\"result\":\"policy-error\",\"reasons\":"
		    "[\"sts-policy-fetch-error\"],\"policy\":"
		    "{\"mode\":\"unknown\",\"id\":null,\"source\":\"published\"}}",
		    stdout);
		return;
	}
	if (tls == NULL)
		reasons |= 1;
	else if (strcmp(tls, "TLSv1") == 0 || strcmp(tls, "TLSv1.1") == 0)
		reasons |= 2;
	if ((mx == 3 && d == 0) || (mx == 4 && rd.no_mx4))
		reasons |= 4;
	if (mx == 3)
		reasons |= 8;
	id = rd.id + (rd.id_changes && day >= (long long)span_days / 2);
	printf("\"result\":\"%s\",\"reasons\":", reasons ? "would-fail" : "pass");
	write_reasons(reasons);
	fputs(",\"policy\":", stdout);
	if (rd.draft) {
		write_policy(&rd, 0, "draft");
		printf(",\"published\":{\"result\":\"%s\",\"reasons\":",
		    reasons ? "would-fail" : "pass");
		write_reasons(reasons);
		fputs(",\"policy\":", stdout);
		rd.mode = 1;
		write_policy(&rd, id, "published");
		fputc('}', stdout);
	} else
		write_policy(&rd, id, "published");
	fputs(pend == 2 ? ",\"deferred\":true}" : "}", stdout);
}

/* A recipient domain: example.com 15%, .net 8%, .org 5%, the rest skewed. */
static unsigned
pick_rdom(void)
{
	double u = rng_unit();

	if (u < 0.15)
		return 0;
	if (u < 0.23)
		return 1;
	if (u < 0.28)
		return 2;
	u = rng_unit();
	return 3 + (unsigned)((RDOMS - 3) * u * u * u);
}

static void
write_line(unsigned long n, long long ts)
{
	char ip[48], ptr[80], helo[80], stamp[UTCTIME_STAMP_LEN];
	uint64_t r = rng();
	double u = rng_unit();
	unsigned org = (unsigned)(ORGS * u * u * u), k = (r >> 3) % 3;
	unsigned rr = (unsigned)(r >> 20), ndom, doms[3], i;
	const char *tls = org_tls(org);
	long long tod = ts % UTCTIME_DAY, day = ts / UTCTIME_DAY - start_day;
	int host = (int)((r >> 8) % HOSTS) + 1;
	int mx3 = day == 4 && tod >= 36000 && tod < 50400 && (r >> 60) & 1;
	int fetch_error = day == 8 && tod >= 10800 && tod < 14400;
	int conn = rr % 50 == 1, auth = !conn && rr % 25 == 2;

	if (mx3)
		host = 3;
	if (auth) {
		snprintf(ip, sizeof(ip), "10.%u.%u.%u", rr % 4, (rr >> 2) % 250,
		    1 + (rr >> 10) % 250);
		snprintf(ptr, sizeof(ptr), "client%u.office.example.com",
		    (rr >> 2) % 500);
		snprintf(helo, sizeof(helo), "[%s]", ip);
		tls = "TLSv1.3";
	} else
		org_host(org, k, ip, sizeof(ip), ptr, sizeof(ptr), helo,
		    sizeof(helo));
	printf("{\"ts\":\"%s\",\"host\":\"mx%d.example.com\",\"event\":\"%s\",",
	    utctime_format_stamp(ts, stamp, sizeof(stamp)), host,
	    conn ? "connection" : "message");
	if (!conn)
		printf("\"queue_id\":\"%lX\",", n + 0x4A0000);
	printf("\"client\":{\"ip\":\"%s\",\"ptr\":", ip);
	printf(ptr[0] != '\0' ? "\"%s\"" : "null", ptr);
	printf(",\"helo\":\"%s\"},", helo);
	if (auth)
		fputs("\"mail_from_domain\":\"example.com\",", stdout);
	else if (!conn && rr % 100 == 3)
		fputs("\"mail_from_domain\":null,", stdout);
	else if (!conn)
		printf("\"mail_from_domain\":\"sender%u.example\",", org);
	write_tls(tls, rr);
	printf("\"mx\":{\"name\":\"mx%d.example.com\",\"source\":\"config\"}",
	    host);
	if (conn) {
		fputs("}\n", stdout);
		return;
	}
	if (auth) {
		fputs(",\"domains\":[],\"aborted\":false,"
		    "\"skipped\":\"authenticated\"}\n", stdout);
		return;
	}
	ndom = rr % 29 == 0 ? 3 : rr % 9 == 0 ? 2 : 1;
	for (i = 0; i < ndom; i++) {
		doms[i] = pick_rdom();
		for (unsigned j = 0; j < i; j++) {
			if (doms[j] == doms[i]) {	/* distinct domains */
				doms[i] = (doms[i] + 1) % RDOMS;
				j = (unsigned)-1;
			}
		}
	}
	fputs(",\"domains\":[", stdout);
	for (i = 0; i < ndom; i++) {
		unsigned x = (unsigned)(rng() >> 40);

		if (i > 0)
			fputc(',', stdout);
		write_domain(doms[i], tls, host, day, fetch_error,
		    x % 10 < 7 ? 1 : x % 10 < 9 ? 2 : 3 + x % 17,
		    x % 200 == 5 ? 1 : x % 200 == 6 ? 2 : 0);
	}
	printf("],\"aborted\":%s}\n", rr % 300 == 7 ? "true" : "false");
}

int
main(int argc, char *argv[])
{
	static char obuf[1 << 20];
	unsigned long lines, n;
	long long start, span;
	unsigned long days = 30;

	if (argc < 2 || argc > 5) {
		fprintf(stderr, "usage: genlog LINES [SEED [START-DATE [DAYS]]]\n");
		return 2;
	}
	lines = strtoul(argv[1], NULL, 10);
	rng_state = argc > 2 ? strtoull(argv[2], NULL, 10) * 2654435761u + 1 : 1;
	if (argc > 3 && utctime_parse_date(argv[3], &start) == -1) {
		fprintf(stderr, "genlog: bad date: %s\n", argv[3]);
		return 2;
	} else if (argc <= 3)
		start = utctime_from_date(2026, 1, 1);
	if (argc > 4)
		days = strtoul(argv[4], NULL, 10);
	if (lines == 0 || days == 0) {
		fprintf(stderr, "genlog: LINES and DAYS must be positive\n");
		return 2;
	}
	setvbuf(stdout, obuf, _IOFBF, sizeof(obuf));
	start_day = start / UTCTIME_DAY;
	span_days = days;
	span = (long long)days * UTCTIME_DAY;
	for (n = 0; n < lines; n++)
		write_line(n, start + (long long)((double)n / lines * span));
	return fflush(stdout) == 0 ? 0 : 1;
}

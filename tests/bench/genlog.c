/*
 * genlog.c - write realistic mtasts-milter JSON log lines (DESIGN.md 8)
 * for the mtasts-report benchmark and tests.
 *
 * usage: genlog LINES [SEED [START-DATE [DAYS]]]
 *
 * Deterministic for a given seed. Traffic from a few thousand sending
 * organisations with a skewed volume (a few send most of the mail), to
 * three recipient domains on two MX hosts:
 *   example.com  mode testing, id 20240101 (mx1/mx2 match, mx3 does not)
 *   example.net  mode enforce, id 20231201
 *   example.org  no policy
 * Each organisation has a fixed TLS behaviour (plaintext, TLSv1, TLSv1.1,
 * TLSv1.2, TLSv1.3), so the would-fail senders are a stable set. On the
 * fifth day, 10:00-14:00 UTC, half the sessions reach the backup mx3, whose
 * name matches no pattern of example.com and whose certificate has expired;
 * on the ninth day, 03:00-04:00 UTC, example.com's policy cannot be
 * fetched. About 2% of lines are connections without a message.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utctime.h"

#define ORGS	3000

static uint64_t rng_state;
static long long start_day;

static uint64_t
rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
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
	snprintf(helo, helolen, "%s", ptr[0] != '\0' ? ptr : "localhost");
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
	    "\"sni\":null},", v, c,
	    r % 50 == 0 ? "\"CN=client.example\"" : "null",
	    r % 50 == 0 ? "\"CN=Example CA\"" : "null");
}

/* One "domains" entry: the verdict a conforming sender would reach. */
static void
write_domain(int dom, const char *tls, int mx3, int fetch_error,
    unsigned rcpts)
{
	static const char *names[] = { "example.com", "example.net",
	    "example.org" };
	static const char *policies[] = {
		"{\"mode\":\"testing\",\"id\":\"20240101\",\"source\":\"published\"}",
		"{\"mode\":\"enforce\",\"id\":\"20231201\",\"source\":\"published\"}"
	};
	char reasons[160] = "";

	printf("{\"domain\":\"%s\",\"rcpts\":%u,", names[dom], rcpts);
	if (dom == 2) {
		fputs("\"result\":\"no-policy\",\"reasons\":[],\"policy\":null}",
		    stdout);
		return;
	}
	if (dom == 0 && fetch_error) {
		fputs("\"result\":\"policy-error\",\"reasons\":"
		    "[\"sts-policy-fetch-error\"],\"policy\":null}", stdout);
		return;
	}
	if (tls == NULL)
		strcat(reasons, ",\"starttls-not-supported\"");
	else if (strcmp(tls, "TLSv1") == 0 || strcmp(tls, "TLSv1.1") == 0)
		strcat(reasons, ",\"tls-version\"");
	if (mx3 && dom == 0)
		strcat(reasons, ",\"mx-mismatch\"");
	if (mx3)
		strcat(reasons, ",\"certificate-expired\"");
	printf("\"result\":\"%s\",\"reasons\":[%s],\"policy\":%s}",
	    reasons[0] != '\0' ? "would-fail" : "pass",
	    reasons[0] != '\0' ? reasons + 1 : "", policies[dom]);
}

static void
write_line(unsigned long n, long long ts)
{
	char ip[48], ptr[80], helo[80], stamp[UTCTIME_STAMP_LEN];
	uint64_t r = rng();
	double u = (double)(r >> 11) / 9007199254740992.0;
	unsigned org = (unsigned)(ORGS * u * u * u), k = (r >> 3) % 3;
	unsigned rr = (unsigned)(r >> 20);
	const char *tls = org_tls(org);
	long long tod = ts % UTCTIME_DAY, day = ts / UTCTIME_DAY - start_day;
	int host = (r >> 8) & 1;
	int mx3 = day == 4 && tod >= 36000 && tod < 50400 && (r >> 60) & 1;
	int fetch_error = day == 8 && tod >= 10800 && tod < 14400;
	int dom = rr % 10 < 6 ? 0 : rr % 10 < 9 ? 1 : 2;

	org_host(org, k, ip, sizeof(ip), ptr, sizeof(ptr), helo, sizeof(helo));
	printf("{\"ts\":\"%s\",\"host\":\"mx%d.example.com\",\"event\":\"%s\",",
	    utctime_format_stamp(ts, stamp, sizeof(stamp)), host + 1,
	    rr % 50 == 1 ? "connection" : "message");
	if (rr % 50 != 1)
		printf("\"queue_id\":\"%lX\",", n + 0x4A0000);
	printf("\"client\":{\"ip\":\"%s\",\"ptr\":", ip);
	printf(ptr[0] != '\0' ? "\"%s\"" : "null", ptr);
	printf(",\"helo\":\"%s\"},", helo);
	if (rr % 50 != 1)
		printf("\"mail_from_domain\":\"sender%u.example\",", org);
	write_tls(tls, rr);
	printf("\"mx\":{\"name\":\"mx%d.example.com\",\"source\":\"config\"}",
	    mx3 ? 3 : host + 1);
	if (rr % 50 == 1) {
		fputs("}\n", stdout);
		return;
	}
	fputs(",\"domains\":[", stdout);
	write_domain(dom, tls, mx3, fetch_error, 1 + rr % 3);
	if (rr % 17 == 0 && dom != 2) {
		fputc(',', stdout);
		write_domain(2, tls, mx3, fetch_error, 1);
	}
	fputs("]}\n", stdout);
}

int
main(int argc, char *argv[])
{
	static char obuf[1 << 20];
	unsigned long lines, n;
	long long start, span;
	unsigned long days = 14;

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
	span = (long long)days * UTCTIME_DAY;
	for (n = 0; n < lines; n++)
		write_line(n, start + (long long)((double)n / lines * span));
	return fflush(stdout) == 0 ? 0 : 1;
}

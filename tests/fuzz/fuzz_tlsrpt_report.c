/*
 * fuzz_tlsrpt_report.c - libFuzzer target for the received TLS-RPT report
 * reader (tools/tlsrpt_read.c, tools/gzip_buf.c): any bytes, JSON or gzip.
 * A report is either rejected with a printable one-line reason, or decoded
 * within every bound: texts printable and at most TLSRPT_TEXT_MAX - 1
 * bytes, counts of policies, lines and failure details bounded, the sum of
 * the detail counts right, a date range that came from the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tlsrpt_read.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check_text(const char *s, int nullable)
{
	if (s == NULL) {
		if (!nullable)
			abort();
		return;
	}
	if (strlen(s) >= TLSRPT_TEXT_MAX)
		abort();
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			abort();
}

static void
check_policy(const struct tlsrpt_policy *p)
{
	unsigned long sum = 0;

	check_text(p->type, 1);
	check_text(p->domain, 1);
	check_text(p->mode, 1);
	if (p->nstrings > TLSRPT_STRINGS_MAX || p->nmx > TLSRPT_STRINGS_MAX ||
	    p->nfailures > TLSRPT_FAILURES_MAX)
		abort();
	for (size_t i = 0; i < p->nstrings; i++)
		check_text(p->strings[i], 0);
	for (size_t i = 0; i < p->nmx; i++)
		check_text(p->mx_host[i], 0);
	for (size_t i = 0; i < p->nfailures; i++) {
		const struct tlsrpt_failure *f = &p->failures[i];

		check_text(f->result_type, 0);
		check_text(f->sending_ip, 1);
		check_text(f->receiving_mx, 1);
		check_text(f->receiving_ip, 1);
		check_text(f->receiving_helo, 1);
		check_text(f->reason_code, 1);
		check_text(f->additional, 1);
		sum += f->count;
	}
	if (sum != p->failed_in_details)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tlsrpt_report r;
	char err[TLSRPT_ERROR_MAX];
	int rc;

	err[0] = '\0';
	rc = tlsrpt_read(data, size, &r, err, sizeof(err));
	if (rc != 0) {
		if (r.org != NULL || r.policies != NULL || err[0] == '\0')
			abort();
		check_text(err, 0);
		return 0;
	}
	check_text(r.org, 0);
	check_text(r.report_id, 0);
	check_text(r.contact, 1);
	if (r.npolicies > TLSRPT_POLICIES_MAX)
		abort();
	for (size_t i = 0; i < r.npolicies; i++)
		check_policy(&r.policies[i]);
	(void)tlsrpt_day(&r);
	tlsrpt_free(&r);
	return 0;
}

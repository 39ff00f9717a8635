/*
 * check_record.c - "mtasts-check record" and "mtasts-check tlsrpt": lint a
 * DNS TXT RRset, one argument per record, as a sender would read it: select
 * the one record of the right version, then parse it.
 *
 * Exit 0 when senders find exactly one valid record, 1 otherwise.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "check.h"
#include "check_output.h"
#include "diag.h"
#include "printable.h"
#include "record.h"

/* The records given on the command line. */
struct rrset {
	const char *const	*txt;	/* pointers into argv */
	size_t			*len;
	size_t			 count;
	int			 json;
};

/* Returns 0, or -1 after reporting a usage error. */
static int
rrset_from_args(const char *subcommand, const struct check_args *args,
    struct rrset *rrset)
{
	size_t i;

	memset(rrset, 0, sizeof(*rrset));
	if (args->operand_count == 0)
		return check_usage_error("%s: give the TXT records, one "
		    "argument each", subcommand);
	rrset->json = args->json;
	rrset->count = args->operand_count;
	rrset->txt = (const char *const *)args->operands;
	if ((rrset->len = calloc(rrset->count, sizeof(*rrset->len))) == NULL)
		return check_oom();
	for (i = 0; i < rrset->count; i++)
		rrset->len[i] = strlen(rrset->txt[i]);
	return 0;
}

static void
print_verdict(const char *where, int valid, const char *what,
    const struct diag_list *diags)
{
	char tally[64];

	printf("%s: %s: %s; %s\n", where, valid ? "valid" : "invalid", what,
	    out_tally(tally, sizeof(tally), diags));
}

static int
report_sts(const struct rrset *rrset)
{
	struct sts_record record;
	struct diag_list diags;
	char what[OUT_TEXT_MAX], id[OUT_TEXT_MAX];
	long idx;
	int valid = 0;

	memset(&record, 0, sizeof(record));
	diag_init(&diags);
	idx = sts_record_select(rrset->txt, rrset->len, rrset->count, &diags);
	if (idx >= 0)
		valid = sts_record_parse(rrset->txt[idx], rrset->len[idx],
		    STS_STRICT, &record, &diags);
	if (rrset->json) {
		if (out_json_finish(json_pack("{s:b, s:o}", "valid", valid,
		    "id", record.id[0] != '\0' ? out_json_text(record.id) :
		    json_null()), &diags) == -1)
			return CHECK_FAILURE;
	} else {
		if (valid)
			snprintf(what, sizeof(what), "policy id %s",
			    printable_copy(id, sizeof(id), record.id));
		else if (record.lenient)
			snprintf(what, sizeof(what), "strict senders find no "
			    "MTA-STS policy for this domain; lenient ones use "
			    "policy id %s", printable_copy(id, sizeof(id),
			    record.id));
		else
			snprintf(what, sizeof(what), "senders find no "
			    "MTA-STS policy for this domain");
		out_diags_text("_mta-sts", &diags);
		print_verdict("_mta-sts", valid, what, &diags);
	}
	return valid ? CHECK_OK : CHECK_PROBLEMS;
}

static void
print_rua(const struct tlsrpt_record *record)
{
	char uri[OUT_TEXT_MAX];
	size_t i;

	for (i = 0; i < record->rua_count; i++)
		printf("_smtp._tls: rua %s\n",
		    printable_copy(uri, sizeof(uri), record->rua[i]));
}

static int
report_tlsrpt(const struct rrset *rrset)
{
	struct tlsrpt_record record;
	struct diag_list diags;
	long idx;
	int valid = 0, status;

	memset(&record, 0, sizeof(record));
	diag_init(&diags);
	idx = tlsrpt_record_select(rrset->txt, rrset->len, rrset->count,
	    &diags);
	if (idx >= 0)
		valid = tlsrpt_record_parse(rrset->txt[idx], rrset->len[idx],
		    &record, &diags);
	status = valid ? CHECK_OK : CHECK_PROBLEMS;
	if (rrset->json) {
		if (out_json_finish(json_pack("{s:b, s:o}", "valid", valid,
		    "rua", out_json_texts(record.rua, record.rua_count)), &diags) == -1)
			status = CHECK_FAILURE;
	} else {
		out_diags_text("_smtp._tls", &diags);
		print_verdict("_smtp._tls", valid, valid ?
		    "reports go to the rua below" :
		    "senders send no TLS reports for this domain", &diags);
		print_rua(&record);
	}
	tlsrpt_record_free(&record);
	return status;
}

/* Run one of the two reports on the RRset given on the command line. */
static int
check_rrset(int argc, char **argv, int (*report)(const struct rrset *))
{
	struct check_args args;
	struct rrset rrset;
	int rc, status;

	memset(&rrset, 0, sizeof(rrset));
	if ((rc = check_getopt(argc, argv, 0, &args)) != 0)
		status = rc > 0 ? CHECK_OK : CHECK_FAILURE;
	else if (rrset_from_args(argv[0], &args, &rrset) == -1)
		status = CHECK_FAILURE;
	else
		status = report(&rrset);
	free(rrset.len);
	check_args_free(&args);
	return status;
}

int
check_record_main(int argc, char **argv)
{
	return check_rrset(argc, argv, report_sts);
}

int
check_tlsrpt_main(int argc, char **argv)
{
	return check_rrset(argc, argv, report_tlsrpt);
}

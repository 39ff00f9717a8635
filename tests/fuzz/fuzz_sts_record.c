/*
 * fuzz_sts_record.c - libFuzzer target for the "_mta-sts" TXT parser, in
 * both grammars, and RRset selection: the input is one record for
 * sts_record_parse(), and, split on LF, an RRset for sts_record_select().
 */
#include <stdlib.h>
#include <string.h>

#include "fuzzcheck.h"
#include "record.h"
#include "stslex.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* A parsed id: at most 32 letters and digits; set when valid. */
static void
check_id(const struct sts_record *rec, int valid, const uint8_t *data,
    size_t size)
{
	size_t n, i;

	n = strlen(rec->id);
	if (n > STS_ID_MAX || (valid && (n == 0 || size < 7 ||
	    memcmp(data, "v=STSv1", 7) != 0)))
		abort();
	for (i = 0; i < n; i++)
		if (!lex_is_alnum((unsigned char)rec->id[i]))
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sts_record rec, lrec;
	struct diag_list dl, ldl;
	int valid, lvalid;

	diag_init(&dl);
	valid = sts_record_parse((const char *)data, size, STS_STRICT, &rec,
	    &dl);
	fuzz_check_diags(&dl, valid);
	check_id(&rec, valid, data, size);

	/* The grammars differ only in severity (see fuzz_policy.c). */
	diag_init(&ldl);
	lvalid = sts_record_parse((const char *)data, size, STS_LENIENT,
	    &lrec, &ldl);
	fuzz_check_diags(&ldl, lvalid);
	check_id(&lrec, lvalid, data, size);
	if (strcmp(rec.id, lrec.id) != 0 || rec.lenient != lrec.lenient ||
	    (rec.lenient & ~LENIENT_ALL) != 0 ||
	    (valid && (!lvalid || rec.lenient != 0)) ||
	    (!valid && lvalid != (lrec.lenient != 0)))
		abort();

	fuzz_check_select(sts_record_select, "v=STSv1", data, size);
	return 0;
}

/*
 * fuzz_sts_record.c - libFuzzer target for the "_mta-sts" TXT parser and
 * RRset selection: the input is one record for sts_record_parse(), and,
 * split on LF, an RRset for sts_record_select().
 */
#include <stdlib.h>
#include <string.h>

#include "fuzzcheck.h"
#include "record.h"
#include "stslex.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sts_record rec;
	struct diag_list dl;
	size_t n, i;
	int valid;

	diag_init(&dl);
	valid = sts_record_parse((const char *)data, size, STS_STRICT, &rec, &dl);
	fuzz_check_diags(&dl, valid);
	n = strlen(rec.id);
	if (n > STS_ID_MAX || (valid && (n == 0 || size < 7 ||
	    memcmp(data, "v=STSv1", 7) != 0)))
		abort();
	for (i = 0; i < n; i++)
		if (!lex_is_alnum((unsigned char)rec.id[i]))
			abort();

	fuzz_check_select(sts_record_select, "v=STSv1", data, size);
	return 0;
}

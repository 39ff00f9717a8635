/*
 * fuzz_tlsrpt_record.c - libFuzzer target for the "_smtp._tls" TXT parser
 * and RRset selection: every URI kept must be a mailto: or https: URI with
 * no list or field separator left in it.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzzcheck.h"
#include "record.h"
#include "stslex.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check_rua(const struct tlsrpt_record *rec)
{
	const char *u;
	size_t i;

	if (rec->rua_count > TLSRPT_RUA_MAX)
		abort();
	for (i = 0; i < rec->rua_count; i++) {
		u = rec->rua[i];
		if (!lex_eq_nocase(u, "mailto:", 7) &&
		    !lex_eq_nocase(u, "https://", 8))
			abort();
		if (strpbrk(u, ",;! \t") != NULL)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tlsrpt_record rec;
	struct diag_list dl;
	int valid;

	diag_init(&dl);
	valid = tlsrpt_record_parse((const char *)data, size, &rec, &dl);
	fuzz_check_diags(&dl, valid);
	if (valid && rec.rua_count == 0)
		abort();
	check_rua(&rec);
	tlsrpt_record_free(&rec);

	fuzz_check_select(tlsrpt_record_select, "v=TLSRPTv1", data, size);
	return 0;
}

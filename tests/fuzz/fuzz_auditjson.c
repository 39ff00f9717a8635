/*
 * fuzz_auditjson.c - libFuzzer target for the JSON record written as text
 * (common/auditjson.c), differential against the jansson tree the record
 * used to be (tests/unit/recordtree.c): the input becomes a record's
 * facts (tests/unit/recordgen.c: session text made printable as the
 * milter makes it, verdicts, policies, drafts, pending entries), and the
 * record, each entry completed, and the record put back together with
 * completed entries must be byte for byte what json_dumps writes of the
 * tree. A difference aborts, with both texts on stderr.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "recordgen.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct recordgen g;
	char	*want = NULL, *got = NULL;
	const char *what;

	recordgen_fill(&g, data, size);
	if ((what = recordgen_differs(&g, &want, &got)) != NULL) {
		fprintf(stderr, "%s differs:\n tree %s\n text %s\n", what, want,
		    got);
		abort();
	}
	return 0;
}

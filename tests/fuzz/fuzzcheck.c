/*
 * fuzzcheck.c - invariants shared by the libFuzzer targets: every
 * diagnostic has a code and a printable one-line message, the list stays
 * within DIAG_MAX, and "valid" means "no error was reported".
 */
#include <stdlib.h>
#include <string.h>

#include "fuzzcheck.h"

void
fuzz_check_diags(const struct diag_list *dl, int valid)
{
	const unsigned char *m;
	size_t i;

	if (dl->count > DIAG_MAX || (valid != 0) != (dl->errors == 0))
		abort();
	if (dl->dropped > 0 && dl->count != DIAG_MAX)
		abort();
	for (i = 0; i < dl->count; i++) {
		if (dl->items[i].code == NULL || dl->items[i].code[0] == '\0')
			abort();
		m = (const unsigned char *)dl->items[i].message;
		if (*m == '\0' || strlen((const char *)m) >= DIAG_MSG_MAX)
			abort();
		for (; *m != '\0'; m++)
			if (*m < 0x20 || *m > 0x7e)
				abort();
	}
}

static size_t
split_rrset(const uint8_t *data, size_t size, const char **txt, size_t *len)
{
	const uint8_t *nl;
	size_t n;

	for (n = 0; n < FUZZ_RRSET_MAX; n++) {
		txt[n] = (const char *)data;
		nl = memchr(data, '\n', size);
		len[n] = nl != NULL ? (size_t)(nl - data) : size;
		if (nl == NULL)
			return n + 1;
		size -= len[n] + 1;
		data = nl + 1;
	}
	return n;
}

void
fuzz_check_select(fuzz_select_fn select, const char *tag, const uint8_t *data,
    size_t size)
{
	const char *txt[FUZZ_RRSET_MAX];
	size_t len[FUZZ_RRSET_MAX], n, taglen = strlen(tag);
	struct diag_list dl;
	long sel;

	n = split_rrset(data, size, txt, len);
	diag_init(&dl);
	sel = select(txt, len, n, &dl);
	fuzz_check_diags(&dl, sel >= 0);
	if (sel < -2 || sel >= (long)n)
		abort();
	if (sel >= 0 && (len[sel] < taglen ||
	    memcmp(txt[sel], tag, taglen) != 0))
		abort();
}

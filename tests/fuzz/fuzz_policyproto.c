/*
 * fuzz_policyproto.c - libFuzzer target for the policy delegation protocol
 * reader. The first input byte picks a read size (1-256); the rest is read
 * whole and again in reads of that size: both must give the same sequence
 * of outcomes (a request's end never depends on how the bytes arrived),
 * every read must take at least one byte or end a request, and every
 * attribute of a well-formed request must have a non-empty name without
 * "=" inside the reader's buffer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policyproto.h"

#define OUTCOMES_MAX	4096

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

struct outcome {
	enum policy_read res;
	enum policy_fault fault;
	size_t	count;
};

static void
check_attrs(const struct policy_reader *r)
{
	size_t	i;
	const char *name;

	for (i = 0; i < r->count; i++) {
		name = r->text + r->name_at[i];
		if (name[0] == '\0' || strchr(name, '=') != NULL ||
		    r->value_at[i] > r->used)
			abort();
		if (policy_attr(r, name) == NULL)
			abort();
	}
}

static size_t
read_all(struct policy_reader *r, const char *data, size_t len,
    size_t step, struct outcome *out)
{
	size_t	off = 0, end, taken, n = 0;
	enum policy_read res;

	policy_reader_init(r);
	while (off < len) {
		end = off + step < len ? off + step : len;
		while (off < end) {
			res = policy_read(r, data + off, end - off, &taken);
			if (taken > end - off ||
			    (taken == 0 && res == POLICY_READ_MORE))
				abort();
			off += taken;
			if (res == POLICY_READ_MORE)
				continue;
			if (res == POLICY_READ_REQUEST)
				check_attrs(r);
			if (n < OUTCOMES_MAX) {
				out[n].res = res;
				out[n].fault = r->fault;
				out[n].count = r->count;
				n++;
			}
		}
	}
	return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct policy_reader r;
	static struct outcome whole[OUTCOMES_MAX], split[OUTCOMES_MAX];
	size_t	step, nw, ns;

	if (size < 1)
		return 0;
	step = (size_t)data[0] + 1;
	nw = read_all(&r, (const char *)data + 1, size - 1, size, whole);
	ns = read_all(&r, (const char *)data + 1, size - 1, step, split);
	if (nw != ns || memcmp(whole, split, nw * sizeof(whole[0])) != 0)
		abort();
	return 0;
}

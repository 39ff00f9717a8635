/*
 * fuzz_authhdr.c - libFuzzer target for authhdr_format(). The input's
 * first three bytes pick the result, the header name's length (0-64, what
 * conf allows), the reasons and a buffer size; the rest, split on NUL,
 * gives the seven text fields (missing ones are NULL). The value must fit
 * AUTHHDR_MAX, have the shape of DESIGN.md 7 (tests/unit/hdrshape.c), and
 * come out the same, or as -1 and "", in a buffer of any smaller size,
 * allocated exactly so ASan sees a write past it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "authhdr.h"
#include "hdrshape.h"

#define NAME_LEN_MAX	64
#define NFIELDS		7

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Point field[i] at the NUL-separated texts of s (size bytes, NUL-ended). */
static void
split_fields(const char *s, size_t size, const char **field)
{
	size_t	i, off = 0;

	for (i = 0; i < NFIELDS; i++) {
		if (off >= size) {
			field[i] = NULL;
			continue;
		}
		field[i] = s + off;
		off += strlen(s + off) + 1;
	}
}

static void
check_small(const struct authhdr_fields *h, size_t name_len,
    const char *full, size_t size)
{
	char	*buf = malloc(size);
	int	rc;

	if (buf == NULL)
		return;
	rc = authhdr_format(h, name_len, buf, size);
	if ((rc == 0 && strcmp(buf, full) != 0) ||
	    (rc == -1 && (size == 0 ? 0 : buf[0] != '\0')) ||
	    (rc == 0) != (size > strlen(full)))
		abort();
	free(buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct authhdr_fields h;
	const char *field[NFIELDS];
	char	*s, full[AUTHHDR_MAX];
	size_t	name_len;

	if (size < 3 || (s = malloc(size - 3 + 1)) == NULL)
		return 0;
	memcpy(s, data + 3, size - 3);
	s[size - 3] = '\0';
	split_fields(s, size - 3 + 1, field);
	if (field[0] == NULL || field[0][0] == '\0')
		field[0] = "localhost";	/* callers always name one */
	h = (struct authhdr_fields){ field[0], field[1],
	    (enum verdict_result)(data[0] % 4),
	    ((unsigned)data[1] << 8 | data[2]) & ((1u << REASON_COUNT) - 1),
	    field[2], field[3], field[4], field[5], field[6] };
	name_len = data[0] / 4 % (NAME_LEN_MAX + 1);
	if (authhdr_format(&h, name_len, full, sizeof(full)) != 0 ||
	    hdrshape_problem(full, name_len, h.reasons != 0) != NULL)
		abort();
	check_small(&h, name_len, full, ((size_t)data[1] << 8 | data[2]) %
	    (strlen(full) + 2));
	free(s);
	return 0;
}

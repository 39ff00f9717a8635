/*
 * fuzz_jsonbuf.c - libFuzzer target for the JSON log's writer (jsonbuf.c),
 * differential against jansson. The input as a string: the output must be
 * ASCII without control bytes (DEL passes, as in jansson) that jansson
 * reads back as one string, the input itself when the input is valid UTF-8
 * (and then byte for byte what json_dumps writes). The input as JSON text: when jansson reads a value, jsonbuf
 * must write it exactly as json_dumps(COMPACT | ENSURE_ASCII) does; and in
 * a buffer too small for it, fail with JSONBUF_TOO_LONG, never overrun.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "jsonbuf.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check_string(const char *s, size_t n)
{
	struct jsonbuf b;
	json_error_t err;
	json_t	*in, *back;
	char	*want;
	size_t	i;

	jsonbuf_init(&b, 16 * n + 16);
	jsonbuf_string(&b, s, n);
	if (b.error != JSONBUF_OK)
		abort();
	for (i = 0; i < b.len; i++)	/* DEL passes, as in jansson */
		if ((unsigned char)b.buf[i] < 0x20 ||
		    (unsigned char)b.buf[i] > 0x7f)
			abort();
	back = json_loadb(b.buf, b.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
	if (!json_is_string(back))
		abort();
	if ((in = json_stringn(s, n)) != NULL) {
		want = json_dumps(in, JSON_ENCODE_ANY | JSON_ENSURE_ASCII);
		if (want == NULL || strcmp(want, b.buf) != 0 ||
		    json_string_length(back) != n ||
		    memcmp(json_string_value(back), s, n) != 0)
			abort();
		free(want);
		json_decref(in);
	}
	json_decref(back);
	jsonbuf_free(&b);
}

static void
check_value(const char *s, size_t n)
{
	const size_t flags = JSON_COMPACT | JSON_ENSURE_ASCII |
	    JSON_ENCODE_ANY;
	struct jsonbuf b;
	json_error_t err;
	json_t	*v = json_loadb(s, n, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
	char	*want;
	size_t	len;

	if (v == NULL)
		return;
	if ((want = json_dumps(v, flags)) == NULL) {
		json_decref(v);
		return;
	}
	len = strlen(want);
	jsonbuf_init(&b, len);
	jsonbuf_value(&b, v);
	if (b.error == JSONBUF_OK && strcmp(b.buf, want) != 0)
		abort();
	if (b.error != JSONBUF_OK && b.error != JSONBUF_TOO_DEEP)
		abort();
	jsonbuf_free(&b);
	if (len > 0) {		/* one byte short: refused, within bounds */
		jsonbuf_init(&b, len - 1);
		jsonbuf_value(&b, v);
		if (b.error == JSONBUF_OK || b.len > len - 1)
			abort();
		jsonbuf_free(&b);
	}
	free(want);
	json_decref(v);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_string((const char *)data, size);
	check_value((const char *)data, size);
	return 0;
}

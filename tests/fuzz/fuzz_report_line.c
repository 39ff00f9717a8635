/*
 * fuzz_report_line.c - differential libFuzzer target for the mtasts-report
 * log line decoder (tools/report_jscan.c, tools/report_record.c).
 *
 * jansson is the reference: the scanner must accept exactly the objects
 * json_loadb() accepts, except that it rejects nesting deeper than
 * JS_DEPTH_MAX (its documented limit), and any NUL byte: RFC 8259 allows
 * none, but jansson 2.14 skips one right after a number or a literal
 * (akheron/jansson#331, "n_multidigit_number_then_00"). rec_parse() may
 * refuse a valid object for what it holds, never accept an invalid one,
 * and what it keeps must agree with jansson's reading. A string input
 * checks the decoders that write straight into the record against
 * js_string + printable_copy. rec_parse_fast must decline a line or
 * decode it as rec_parse_full does (recsame.c). Any disagreement aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "printable.h"
#include "recsame.h"
#include "report_jscan.h"
#include "report_record.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/*
 * Deepest nesting of the text (0 for a scalar), counted on the bytes: with
 * duplicate keys jansson keeps only the last value, so its tree can be
 * shallower than what the scanner has to walk. Only called on text jansson
 * accepted, so brackets inside strings are the only trap.
 */
static int
text_depth(const uint8_t *data, size_t size)
{
	size_t	i;
	int	d = 0, max = 0, in_string = 0;

	for (i = 0; i < size; i++) {
		if (in_string) {
			if (data[i] == '\\')
				i++;
			else if (data[i] == '"')
				in_string = 0;
		} else if (data[i] == '"')
			in_string = 1;
		else if (data[i] == '{' || data[i] == '[') {
			if (++d > max)
				max = d;
		} else if (data[i] == '}' || data[i] == ']')
			d--;
	}
	return max;
}

static int
scanner_accepts(const uint8_t *data, size_t size)
{
	struct jscan js;

	js_init(&js, (const char *)data, size);
	return js_peek(&js) == JS_OBJECT && js_skip(&js) == 0 &&
	    js_finish(&js) == 0;
}

/*
 * An ASCII "client"."helo" jansson read must come out of rec_parse() the
 * same (the report does not keep "host").
 */
static void
check_host(const json_t *j, const struct rec *r)
{
	const char *host = json_string_value(json_object_get(
	    json_object_get(j, "client"), "helo"));
	char	want[REC_NAME_MAX];
	size_t	i;

	if (host == NULL)
		return;
	for (i = 0; host[i] != '\0'; i++)
		if ((unsigned char)host[i] >= 0x80)
			return;
	printable_copy(want, sizeof(want), host);
	if (strcmp(want, r->helo) != 0)
		abort();
}

/*
 * An input that is a JSON string: js_string_printable must give what
 * js_string into a buffer and printable_copy gave, at every size the
 * record uses and the edges, and js_view what js_string gives into a
 * JS_VIEW_MAX buffer (a plain view may run past it: the caller cuts).
 */
static void
check_string(const uint8_t *data, size_t size)
{
	static const size_t sizes[] = { 1, 2, 63, REC_SHORT_MAX, 200,
	    REC_NAME_MAX };
	char	raw[REC_NAME_MAX], want[REC_NAME_MAX], got[REC_NAME_MAX];
	char	view[JS_VIEW_MAX];
	struct jscan js;
	const char *v;
	size_t	len;
	int	rc;

	js_init(&js, (const char *)data, size);
	if (js_peek(&js) != JS_STRING)
		return;
	rc = js_string(&js, raw, sizeof(raw));
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		js_init(&js, (const char *)data, size);
		if (js_string_printable(&js, got, sizes[k], sizeof(raw)) != rc)
			abort();
		printable_copy(want, sizes[k], raw);
		if (rc == 0 && strcmp(got, want) != 0)
			abort();
	}
	js_init(&js, (const char *)data, size);
	rc = js_string(&js, view, sizeof(view));
	js_init(&js, (const char *)data, size);
	if (js_view(&js, &v, &len) != rc)
		abort();
	if (rc == 0 && (len < strlen(view) || memcmp(v, view, strlen(view)) ||
	    (v == js.view && len != strlen(view))))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_error_t error;
	json_t	*j;
	struct rec *r;
	char	err[REC_ERROR_MAX] = "";
	int	valid, scanned, fast;

	check_string(data, size);
	if (!rec_same((const char *)data, size, &fast, err, sizeof(err)))
		abort();
	err[0] = '\0';
	j = json_loadb((const char *)data, size, 0, &error);
	valid = j != NULL && json_is_object(j);
	scanned = scanner_accepts(data, size);
	if (valid && (text_depth(data, size) > JS_DEPTH_MAX ||
	    memchr(data, '\0', size)))
		valid = 0;
	if (scanned != valid)
		abort();
	if ((r = malloc(sizeof(*r))) != NULL) {
		if (rec_parse((const char *)data, size, r, err,
		    sizeof(err)) == 0) {
			if (!valid)
				abort();
			check_host(j, r);
		}
		if (strlen(err) >= sizeof(err))
			abort();
		free(r);
	}
	json_decref(j);
	return 0;
}

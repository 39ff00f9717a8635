/*
 * report_jscan.h - a strict, allocation-free pull scanner for one JSON text
 * (RFC 8259) held in a buffer: the hot path of mtasts-report.
 *
 * Why not jansson here: building a jansson tree for every log line ran at
 * about 160k lines/s, under twice jq's speed; the report must read a million
 * lines many times faster than jq. The scanner checks the whole grammar
 * (strings, escapes and surrogate pairs, UTF-8, numbers, literals, depth)
 * and decodes only the values the caller asks for, straight into the
 * caller's buffer (it allocates only to range-check a real number over
 * 127 bytes long); keys and short values can be compared in place. jansson still writes
 * every JSON output, and the unit test checks that this scanner accepts
 * exactly what json_loadb() accepts.
 */
#ifndef MTASTS_REPORT_JSCAN_H
#define MTASTS_REPORT_JSCAN_H

#include <stddef.h>

#define JS_DEPTH_MAX	32
#define JS_VIEW_MAX	64	/* js_view's buffer for an escaped string */

enum js_type {
	JS_ERROR = 0,
	JS_OBJECT,
	JS_ARRAY,
	JS_STRING,
	JS_NUMBER,
	JS_TRUE,
	JS_FALSE,
	JS_NULL
};

struct jscan {
	const unsigned char *p;
	const unsigned char *end;
	int		 depth;
	unsigned char	 first[JS_DEPTH_MAX + 1];	/* no item yet */
	const char	*error;		/* static text, set at the first error */
	size_t		 error_at;	/* byte offset of the error */
	const unsigned char *start;
	char		 view[JS_VIEW_MAX];	/* see js_view */
};

void	js_init(struct jscan *, const char *buf, size_t len);
/* Type of the next value (after whitespace), JS_ERROR at a bad byte. */
enum js_type js_peek(struct jscan *);
/* Consume the '{' or '[' of the next value; -1 on error. */
int	js_enter(struct jscan *, enum js_type);
/*
 * Step through the members of the object just entered: 1 with the key
 * decoded into key (truncated to size - 1, NUL-terminated), 0 after the
 * closing '}', -1 on error. The caller must consume each member's value.
 */
int	js_member(struct jscan *, char *key, size_t size);
/*
 * Same, but the key is handed over as js_view hands over a string: no
 * copy for a key without escapes, the hot path of the report.
 */
int	js_member_view(struct jscan *, const char **key, size_t *len);
/* Same for array elements: 1 when an element follows, 0 after ']'. */
int	js_element(struct jscan *);
/*
 * Decode the next string into buf (truncated to size - 1 bytes on a UTF-8
 * boundary, NUL-terminated). Returns 0, or -1 when the value is not a valid
 * string.
 */
int	js_string(struct jscan *, char *buf, size_t size);
/*
 * The next string as *s, *len (not NUL-terminated): its own bytes in the
 * text when it holds no escape, else decoded into js->view as js_string
 * would into a JS_VIEW_MAX buffer (valid until the next call).
 */
int	js_view(struct jscan *, const char **s, size_t *len);
/*
 * Decode the next string straight into buf, made printable: the bytes
 * printable_copy(buf, size, raw) gives after js_string(js, raw, raw_size),
 * without raw (size <= raw_size). Returns 0 or -1 as js_string.
 */
int	js_string_printable(struct jscan *, char *buf, size_t size,
	    size_t raw_size);
/* The next value as a non-negative integer (clamped); -1 otherwise. */
int	js_uint(struct jscan *, unsigned long *);
/* Check and skip any value. */
int	js_skip(struct jscan *);
/* 0 when only whitespace is left, -1 otherwise. */
int	js_finish(struct jscan *);

#endif

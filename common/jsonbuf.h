/*
 * jsonbuf.h - a JSON value written into one growing, bounded buffer: what
 * json_dumps(v, JSON_COMPACT | JSON_ENSURE_ASCII) writes, byte for byte,
 * without its per-fragment callbacks and allocations. The JSON log's lines
 * are written with it (jlog.c); jansson still builds and reads the trees.
 *
 * Strings come out quoted and escaped as jansson escapes them: '"' and '\'
 * with a backslash, \b \f \n \r \t, other control bytes as \u00XX, every
 * code point above U+007F as \uXXXX (a surrogate pair above U+FFFF). A byte
 * that is not part of valid UTF-8 (jansson's own strings never have one)
 * becomes \uFFFD rather than passing through.
 */
#ifndef MTASTS_JSONBUF_H
#define MTASTS_JSONBUF_H

#include <stddef.h>

#include <jansson.h>

#define JSONBUF_DEPTH_MAX	64	/* nested arrays and objects */

enum jsonbuf_error { JSONBUF_OK = 0, JSONBUF_TOO_LONG, JSONBUF_NO_MEMORY,
	JSONBUF_TOO_DEEP };

struct jsonbuf {
	char		*buf;		/* NUL-terminated; NULL until written */
	size_t		 len;
	size_t		 cap;
	size_t		 max;		/* bytes allowed in buf, NUL excluded */
	enum jsonbuf_error error;	/* the first failure; writes stop */
};

/* An empty buffer that refuses to grow past max bytes. */
void	jsonbuf_init(struct jsonbuf *, size_t max);
void	jsonbuf_free(struct jsonbuf *);
/* Back to the first len bytes (len <= b->len), the error forgotten. */
void	jsonbuf_truncate(struct jsonbuf *, size_t len);
/* n bytes as they are. */
void	jsonbuf_raw(struct jsonbuf *, const char *s, size_t n);
/* n bytes of s as a quoted, escaped JSON string. */
void	jsonbuf_string(struct jsonbuf *, const char *s, size_t n);
/* The value compact, as json_dumps does (JSON_COMPACT|JSON_ENSURE_ASCII). */
void	jsonbuf_value(struct jsonbuf *, const json_t *);

#endif

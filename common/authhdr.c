/*
 * authhdr.c - build the MTA-STS-Audit header field value (DESIGN.md 7).
 *
 * The value is a list of "key=value;" tokens after the authserv-id, in the
 * contract order. It is folded between tokens with "\n\t" (never CR: the
 * MTA supplies the CR) once a line would pass 78 columns; tokens are
 * bounded, so no line comes near the 998-byte limit of RFC 5322. Values
 * may come from the peer ({tls_sni}, HELO-derived names): besides being made
 * printable (as printable_copy does: other bytes become '?'), a space, ';', quote, parenthesis or backslash in one becomes
 * '?', so a value can never add a key or a comment to the field.
 */
#include <string.h>

#include "authhdr.h"

#define FOLD_COLUMN	78
#define TAB_WIDTH	8
#define VALUE_MAX	255	/* bytes of a value: a host name's */
#define TOKEN_MAX	320	/* "key=" + VALUE_MAX + ";" */

struct fold {
	char	*buf;
	size_t	 size;
	size_t	 len;
	size_t	 column;
	int	 overflow;
};

static void
fold_append(struct fold *f, const char *token, size_t tlen)
{
	const char *sep = " ";
	size_t	slen = 1;

	if (f->len == 0) {
		sep = "";
		slen = 0;
	} else if (f->column + 1 + tlen > FOLD_COLUMN) {
		sep = "\n\t";
		slen = 2;
	}
	if (f->len + slen + tlen + 1 > f->size) {
		f->overflow = 1;
		return;
	}
	memcpy(f->buf + f->len, sep, slen);
	memcpy(f->buf + f->len + slen, token, tlen);
	f->len += slen + tlen;
	f->buf[f->len] = '\0';
	f->column = (slen == 2 ? TAB_WIDTH : f->column + slen) + tlen;
}

/*
 * value as one printable token of the field (see the top of the file),
 * at most VALUE_MAX bytes, into dst; returns its length.
 */
static size_t
token_value(char *dst, const char *value)
{
	size_t	i;
	unsigned char c;

	for (i = 0; value != NULL && value[i] != '\0' && i < VALUE_MAX; i++) {
		c = (unsigned char)value[i];
		switch (c) {
		case ' ': case ';': case '"': case '(': case ')': case '\\':
			c = '?';
			break;
		default:
			if (c < 0x20 || c > 0x7e)
				c = '?';
			break;
		}
		dst[i] = (char)c;
	}
	return i;
}

/* Append "key=value" (plus ';' unless last) with value made a token. */
static void
fold_pair(struct fold *f, const char *key, const char *value, int last)
{
	char	token[TOKEN_MAX];
	size_t	klen = strlen(key), len;

	memcpy(token, key, klen);
	token[klen] = '=';
	len = klen + 1 + token_value(token + klen + 1, value);
	if (!last)
		token[len++] = ';';
	fold_append(f, token, len);
}

int
authhdr_format(const struct authhdr_fields *h, size_t name_len, char *buf,
    size_t size)
{
	struct fold f = { buf, size, 0, name_len + 2, 0 };
	char	token[TOKEN_MAX], reasons[256];
	size_t	len;

	if (size == 0)
		return -1;
	buf[0] = '\0';
	len = token_value(token, h->authserv_id);
	token[len++] = ';';
	fold_append(&f, token, len);
	fold_pair(&f, "domain", h->domain, 0);
	fold_pair(&f, "result", verdict_result_name(h->result), 0);
	if (h->reasons != 0)
		fold_pair(&f, "reasons", verdict_reasons_format(h->reasons,
		    reasons, sizeof(reasons)), 0);
	fold_pair(&f, "mode", h->mode, 0);
	fold_pair(&f, "id", h->id, 0);
	fold_pair(&f, "source", h->source, 0);
	fold_pair(&f, "tls", h->tls != NULL && h->tls[0] != '\0' ? h->tls :
	    "none", 0);
	fold_pair(&f, "mx", h->mx != NULL && h->mx[0] != '\0' ? h->mx :
	    "unknown", 1);
	if (f.overflow) {
		buf[0] = '\0';
		return -1;
	}
	return 0;
}

/*
 * policyproto.c - the policy delegation protocol, read incrementally.
 *
 * Each line is copied into text[] as it arrives (bounded by the line and
 * request limits); at its newline it is split at the first "=" into a
 * NUL-ended name and value. Once a rule is broken nothing more is kept,
 * but bytes are still counted up to the empty line that ends the request.
 * A CR before the LF is dropped, as Postfix's own readers do.
 */
#include <string.h>

#include "policyproto.h"

static const char *const fault_names[] = {
	[POLICY_FAULT_NONE] = "none",
	[POLICY_FAULT_EMPTY] = "empty request",
	[POLICY_FAULT_SYNTAX] = "line without name=value",
	[POLICY_FAULT_NUL] = "NUL byte",
	[POLICY_FAULT_LINE_TOO_LONG] = "line too long",
	[POLICY_FAULT_TOO_BIG] = "request too big",
	[POLICY_FAULT_TOO_MANY] = "too many attributes",
};

void
policy_reader_init(struct policy_reader *r)
{
	r->ended = 0;
	r->fault = POLICY_FAULT_NONE;
	r->size = 0;
	r->line_len = 0;
	r->line_start = 0;
	r->line_last = '\0';
	r->used = 0;
	r->count = 0;
}

static void
fault(struct policy_reader *r, enum policy_fault f)
{
	if (r->fault == POLICY_FAULT_NONE)
		r->fault = f;
}

/* Append one chunk of the current line (no newline in it). */
static void
line_append(struct policy_reader *r, const char *p, size_t n)
{
	if (n == 0)
		return;
	r->line_len += n;
	r->line_last = p[n - 1];
	if (r->line_len > POLICY_LINE_MAX)
		fault(r, POLICY_FAULT_LINE_TOO_LONG);
	if (memchr(p, '\0', n) != NULL)
		fault(r, POLICY_FAULT_NUL);
	if (r->fault != POLICY_FAULT_NONE)
		return;
	/* size bounds the request, newlines included: text[] holds it. */
	memcpy(r->text + r->used, p, n);
	r->used += n;
}

/* The line in text[] ended: split it into a NUL-ended name and value. */
static void
line_end(struct policy_reader *r)
{
	char	*line = r->text + r->line_start, *eq;
	size_t	 len = r->used - r->line_start;

	if (len > 0 && line[len - 1] == '\r')
		len--;
	line[len] = '\0';
	r->used = r->line_start + len + 1;
	if ((eq = strchr(line, '=')) == NULL || eq == line) {
		fault(r, POLICY_FAULT_SYNTAX);
		return;
	}
	if (r->count == POLICY_ATTRS_MAX) {
		fault(r, POLICY_FAULT_TOO_MANY);
		return;
	}
	*eq = '\0';
	r->name_at[r->count] = r->line_start;
	r->value_at[r->count] = (size_t)(eq + 1 - r->text);
	r->count++;
}

enum policy_read
policy_read(struct policy_reader *r, const char *data, size_t len,
    size_t *taken)
{
	const char *nl;
	size_t	 off = 0, n;

	if (r->ended)
		policy_reader_init(r);
	while (off < len) {
		nl = memchr(data + off, '\n', len - off);
		n = (nl != NULL ? (size_t)(nl - data) : len) - off;
		if (r->line_len == 0)
			r->line_start = r->used;
		/* The newline counts towards the request's size too. */
		if (r->size + n + (nl != NULL) > POLICY_REQUEST_MAX)
			fault(r, POLICY_FAULT_TOO_BIG);
		r->size += n + (nl != NULL);
		line_append(r, data + off, n);
		off += n;
		if (nl == NULL)
			break;
		off++;
		if (r->line_len == 0 || (r->line_len == 1 &&
		    r->line_last == '\r')) {
			r->ended = 1;
			*taken = off;
			if (r->count == 0)
				fault(r, POLICY_FAULT_EMPTY);
			return r->fault == POLICY_FAULT_NONE ?
			    POLICY_READ_REQUEST : POLICY_READ_MALFORMED;
		}
		if (r->fault == POLICY_FAULT_NONE)
			line_end(r);
		r->line_len = 0;
	}
	*taken = off;
	return POLICY_READ_MORE;
}

const char *
policy_attr(const struct policy_reader *r, const char *name)
{
	size_t	i;

	if (!r->ended || r->fault != POLICY_FAULT_NONE)
		return NULL;
	for (i = 0; i < r->count; i++)
		if (strcmp(r->text + r->name_at[i], name) == 0)
			return r->text + r->value_at[i];
	return NULL;
}

const char *
policy_fault_name(enum policy_fault f)
{
	return fault_names[f];
}

int
policy_reader_partial(const struct policy_reader *r)
{
	return !r->ended && r->size > 0;
}

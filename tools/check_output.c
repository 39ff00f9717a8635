/*
 * check_output.c - print mtasts-check findings for people (one line each)
 * and for scripts (JSON, DESIGN.md section 10).
 */
#include "config.h"

#include <err.h>
#include <stdio.h>

#include <jansson.h>

#include "check_output.h"
#include "diag.h"
#include "printable.h"

void
out_diags_text(const char *where, const struct diag_list *diags)
{
	const struct diag *d;
	size_t i;

	for (i = 0; i < diags->count; i++) {
		d = &diags->items[i];
		if (d->line != 0)
			printf("%s:%u: ", where, d->line);
		else
			printf("%s: ", where);
		printf("%s: %s [%s]\n", diag_severity_name(d->severity),
		    d->message, d->code);
	}
	if (diags->dropped != 0)
		printf("%s: %zu more finding(s) not shown (at most %d are "
		    "kept)\n", where, diags->dropped, DIAG_MAX);
}

char *
out_tally(char *buf, size_t size, const struct diag_list *diags)
{
	snprintf(buf, size, "%zu error(s), %zu warning(s)",
	    diag_count(diags, DIAG_ERROR), diag_count(diags, DIAG_WARNING));
	return buf;
}

json_t *
out_json_text(const char *s)
{
	char safe[OUT_TEXT_MAX];
	json_t *j;

	/* json_string refuses invalid UTF-8; show such text as printable. */
	if ((j = json_string(s)) != NULL)
		return j;
	return json_string(printable_copy(safe, sizeof(safe), s));
}

json_t *
out_json_texts(char *const *items, size_t count)
{
	json_t *list;
	size_t i;

	if ((list = json_array()) == NULL)
		return NULL;
	for (i = 0; i < count; i++) {
		if (json_array_append_new(list, out_json_text(items[i])) == -1) {
			json_decref(list);
			return NULL;
		}
	}
	return list;
}

static json_t *
diag_json(const struct diag *d)
{
	return json_pack("{s:s, s:s, s:o, s:o}",
	    "severity", diag_severity_name(d->severity),
	    "code", d->code,
	    "line", d->line != 0 ? json_integer(d->line) : json_null(),
	    "message", out_json_text(d->message));
}

static json_t *
diags_json(const struct diag_list *diags)
{
	json_t *list;
	size_t i;

	if ((list = json_array()) == NULL)
		return NULL;
	for (i = 0; i < diags->count; i++) {
		if (json_array_append_new(list, diag_json(&diags->items[i]))
		    == -1) {
			json_decref(list);
			return NULL;
		}
	}
	return list;
}

int
out_json_finish(json_t *root, const struct diag_list *diags)
{
	int rc = -1;

	if (root == NULL ||
	    json_object_set_new(root, "diagnostics", diags_json(diags)) == -1 ||
	    json_object_set_new(root, "diagnostics_dropped",
	    json_integer((json_int_t)diags->dropped)) == -1)
		warnx("out of memory building the JSON output");
	else if (json_dumpf(root, stdout, JSON_COMPACT | JSON_ENSURE_ASCII)
	    == -1 || putchar('\n') == EOF)
		warnx("cannot write the JSON output");
	else
		rc = 0;
	json_decref(root);
	return rc;
}

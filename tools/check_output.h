/*
 * check_output.h - how mtasts-check prints findings: one human line per
 * diagnostic, or JSON documents built with jansson. Every string that came
 * from the input or the command line is made printable before it is shown.
 */
#ifndef MTASTS_CHECK_OUTPUT_H
#define MTASTS_CHECK_OUTPUT_H

#include <stddef.h>

#include <jansson.h>

#include "diag.h"

/* Room for a printable copy of a name or value shown to the user. */
#define OUT_TEXT_MAX	1024

/*
 * Print every diagnostic as "where:LINE: severity: message [code]" (":LINE"
 * left out when the finding has no line), then a line for findings dropped
 * past the list's cap.
 */
void	out_diags_text(const char *where, const struct diag_list *);
/* "no errors, 2 warnings" style tally into buf. Returns buf. */
char	*out_tally(char *buf, size_t size, const struct diag_list *);
/* A JSON string for untrusted text; unprintable bytes become '?'. */
json_t	*out_json_text(const char *);
/* A JSON array of out_json_text strings. */
json_t	*out_json_texts(char *const *items, size_t count);
/*
 * Add "diagnostics" and "diagnostics_dropped" to root (last, after the
 * subcommand's own keys), print root as one line of ASCII on stdout and
 * release it. Returns 0, or -1 (reported) when root is NULL, memory runs
 * out or stdout cannot be written.
 */
int	out_json_finish(json_t *root, const struct diag_list *);

#endif

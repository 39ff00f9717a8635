/*
 * recsame.h - for the tests of mtasts-report's line decoder: whether
 * rec_parse_fast and rec_parse_full agree on one line.
 */
#ifndef MTASTS_RECSAME_H
#define MTASTS_RECSAME_H

#include <stddef.h>

/*
 * 1 when rec_parse_fast either declines the line (returns 1) or decodes
 * it as rec_parse_full does (which must accept it): every field the
 * report reads equal. *fast gets rec_parse_fast's result. 0 otherwise,
 * with what differs in why.
 */
int	rec_same(const char *line, size_t len, int *fast, char *why,
	    size_t whysize);

#endif

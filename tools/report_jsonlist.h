/*
 * report_jsonlist.h - JSON arrays the mtasts-report outputs share: a list
 * of distinct strings, and the names of a set of reason bits.
 */
#ifndef MTASTS_REPORT_JSONLIST_H
#define MTASTS_REPORT_JSONLIST_H

#include <jansson.h>

#include "report_map.h"

json_t	*report_json_strings(const struct strlist *);
/* REASON_* and REC_REASON_OTHER bits as their names, lowest bit first. */
json_t	*report_json_reasons(unsigned bits);

#endif

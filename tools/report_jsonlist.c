/*
 * report_jsonlist.c - JSON arrays shared by the impact report and the
 * received-reports join (see report_jsonlist.h).
 */
#include "report_jsonlist.h"
#include "report_record.h"

json_t *
report_json_strings(const struct strlist *l)
{
	json_t *a = json_array();

	for (size_t i = 0; i < l->n; i++)
		json_array_append_new(a, json_string(l->v[i]));
	return a;
}

json_t *
report_json_reasons(unsigned bits)
{
	json_t *a = json_array();

	for (unsigned i = 0; i < REC_REASONS; i++) {
		if (bits & (1u << i))
			json_array_append_new(a,
			    json_string(rec_reason_name(1u << i)));
	}
	return a;
}

/*
 * recordtree.h - the JSON record as it was built before auditjson.c: a
 * jansson tree (the code of common/audit.c audit_domain_json and
 * common/auditreport.c record_new up to 2026-12-03), kept as the
 * reference that auditjson's text is compared with, byte for byte, after
 * json_dumps (check_auditjson, fuzz_auditjson).
 */
#ifndef MTASTS_RECORDTREE_H
#define MTASTS_RECORDTREE_H

#include <jansson.h>

#include "auditjson.h"

/* The domains[] entry; deferred adds "deferred":true as pendrec did. */
json_t	*recordtree_domain(const struct audit_domain *, int deferred);
/* The whole record, domains[] filled. */
json_t	*recordtree_record(const struct auditjson_record *);
/* json_dumps(JSON_COMPACT | JSON_ENSURE_ASCII), or NULL; free() it. */
char	*recordtree_dump(json_t *);

#endif

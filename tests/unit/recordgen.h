/*
 * recordgen.h - a JSON record's facts made from arbitrary bytes, and the
 * comparison of auditjson's text with the old jansson tree's (recordtree.h)
 * for them: the whole record, every domains[] entry completed (deferred),
 * and the record with some entries replaced as pendrec completes them.
 * Shared by check_auditjson (tables, seeded random bytes) and
 * fuzz_auditjson.
 *
 * Text goes through printable_copy, as every string of a conn_ctx does in
 * the milter (context.c), so it is printable ASCII with '"' and '\'.
 */
#ifndef MTASTS_RECORDGEN_H
#define MTASTS_RECORDGEN_H

#include <stddef.h>
#include <stdint.h>

#include "auditjson.h"

struct recordgen {
	struct conn_ctx	 c;
	struct rcpt_domain domains[CTX_RCPT_DOMAINS_MAX];	/* c.msg.domains */
	char		 ts[32];
	char		 host[CTX_NAME_MAX];
	char		 mx_name[CTX_NAME_MAX];
	char		 skipped[32];
	struct store_domain sd[CTX_RCPT_DOMAINS_MAX];
	struct store_domain pub[CTX_RCPT_DOMAINS_MAX];
	char		 id[CTX_RCPT_DOMAINS_MAX][40];
	char		 pub_id[CTX_RCPT_DOMAINS_MAX][40];
	struct audit_domain ev[CTX_RCPT_DOMAINS_MAX];
	int		 replace[CTX_RCPT_DOMAINS_MAX];	/* completed later */
	struct auditjson_record rec;
};

/* Fill g from data (what runs out reads as zero bytes). */
void	recordgen_fill(struct recordgen *g, const uint8_t *data, size_t size);
/*
 * NULL when auditjson writes what the tree dumps, for every form; else
 * which form differs ("record", "domain", "assembled"), with both texts
 * in want and got (free() them).
 */
const char *recordgen_differs(const struct recordgen *g, char **want,
	    char **got);

#endif

/*
 * auditjson.h - the JSON record of one message or connection (DESIGN.md 8)
 * written straight into a jsonbuf, without building a jansson tree: the
 * same bytes json_dumps(JSON_COMPACT | JSON_ENSURE_ASCII) wrote of the
 * tree the record used to be (member order, escaping, null for "").
 *
 * A record with pending domains is completed later (pendrec.h): the
 * places of its domains[] entries are noted while it is written, and
 * auditjson_assemble puts the record back together with some entries
 * replaced by their completed text.
 */
#ifndef MTASTS_AUDITJSON_H
#define MTASTS_AUDITJSON_H

#include <stddef.h>

#include "audit.h"
#include "context.h"
#include "jsonbuf.h"

/* What one record says. */
struct auditjson_record {
	const char	*ts;		/* UTC, "2026-12-03T17:37:07Z" */
	const char	*host;		/* the authserv-id; "" = null */
	const char	*event;		/* "message" or "connection" */
	const struct conn_ctx *c;	/* a message's fields when c->msg.active */
	const char	*mx_name;	/* "" = null */
	const char	*mx_source;	/* mx_source_name() */
	const char	*skipped;	/* NULL = judged */
	int		 aborted;
	const struct audit_domain *domains;
	size_t		 n;		/* <= CTX_RCPT_DOMAINS_MAX */
};

/* Where the domains[] entries of a written record are (byte offsets). */
struct auditjson_places {
	size_t	 domains_at;	/* the first entry's; 0 = no domains[] */
	size_t	 n;
	size_t	 entry_end[CTX_RCPT_DOMAINS_MAX];	/* just past entry i */
};

/* The record as one JSON object at the end of b; places may be NULL. */
void	auditjson_record(struct jsonbuf *b, const struct auditjson_record *,
	    struct auditjson_places *places);
/* One domains[] entry; deferred adds "deferred":true (completed later). */
void	auditjson_domain(struct jsonbuf *b, const struct audit_domain *,
	    int deferred);
/*
 * The record line (len bytes, written with places) at the end of b, each
 * entry i for which replaced[i] is not NULL replaced by that text.
 */
void	auditjson_assemble(struct jsonbuf *b, const char *line, size_t len,
	    const struct auditjson_places *places,
	    const char *const *replaced);

#endif

/*
 * recordgen.c - record facts from bytes, and the old tree against the new
 * text for them (see recordgen.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "printable.h"
#include "recordgen.h"
#include "recordtree.h"

struct reader {
	const uint8_t	*p;
	size_t		 left;
};

static unsigned
byte(struct reader *r)
{
	if (r->left == 0)
		return 0;
	r->left--;
	return *r->p++;
}

/* A length byte, then that many bytes (cut to size - 1), printable. */
static void
text(struct reader *r, char *dst, size_t size)
{
	char	raw[512];
	size_t	n = byte(r), i;

	if (n >= size)
		n = size - 1;
	for (i = 0; i < n; i++)
		raw[i] = (char)(byte(r) | 1);	/* no NUL inside */
	raw[n] = '\0';
	printable_copy(dst, size, raw);
}

static void
verdict(struct reader *r, struct verdict *v)
{
	v->result = (enum verdict_result)(byte(r) % 5);
	v->reasons = (byte(r) | byte(r) << 8) & ((1u << REASON_COUNT) - 1);
	v->mode = (enum sts_mode)(byte(r) % 4);
}

static void
policy_facts(struct reader *r, struct store_domain *sd, char *id,
    size_t idsize, unsigned flags)
{
	text(r, id, idsize);
	sd->id = (flags & 1) != 0 ? id : NULL;
	sd->source = (enum policy_source)(byte(r) % 3);
	sd->body_changed = (flags & 2) != 0;
	sd->lenient = (flags & 4) != 0;
	sd->pending = (flags & 8) != 0;
}

static void
domain(struct recordgen *g, struct reader *r, size_t i)
{
	struct audit_domain *e = &g->ev[i];
	unsigned flags = byte(r);

	text(r, g->c.msg.domains[i].domain, sizeof(g->c.msg.domains[i].domain));
	e->domain = g->c.msg.domains[i].domain;
	e->rcpts = byte(r) | byte(r) << 8 | (unsigned)byte(r) << 24;
	verdict(r, &e->v);
	policy_facts(r, &g->sd[i], g->id[i], sizeof(g->id[i]), flags);
	g->sd[i].published = NULL;
	if ((flags & 16) != 0) {
		policy_facts(r, &g->pub[i], g->pub_id[i], sizeof(g->pub_id[i]),
		    byte(r));
		g->sd[i].published = &g->pub[i];
		verdict(r, &e->published);
	}
	e->sd = &g->sd[i];
	g->replace[i] = (flags & 32) != 0;
}

void
recordgen_fill(struct recordgen *g, const uint8_t *data, size_t size)
{
	struct reader r = { data, size };
	struct conn_ctx *c = &g->c;
	unsigned flags = byte(&r) | byte(&r) << 8;
	size_t	 i;

	memset(g, 0, sizeof(*g));
	c->msg.domains = g->domains;
	c->msg.domains_cap = CTX_RCPT_DOMAINS_MAX;
	c->msg.active = (flags & 1) != 0;
	c->msg.has_from_domain = (flags & 2) != 0;
	c->tls.present = (flags & 4) != 0;
	g->rec.aborted = (flags & 8) != 0;
	text(&r, g->ts, sizeof(g->ts));
	text(&r, g->host, sizeof(g->host));
	text(&r, c->msg.queue_id, sizeof(c->msg.queue_id));
	text(&r, c->client_ip, sizeof(c->client_ip));
	text(&r, c->client_ptr, sizeof(c->client_ptr));
	text(&r, c->helo, sizeof(c->helo));
	text(&r, c->msg.from_domain, sizeof(c->msg.from_domain));
	text(&r, c->tls.version, sizeof(c->tls.version));
	text(&r, c->tls.cipher, sizeof(c->tls.cipher));
	c->tls.bits = (long)(byte(&r) | byte(&r) << 8) - 2;
	text(&r, c->tls.cert_subject, sizeof(c->tls.cert_subject));
	text(&r, c->tls.cert_issuer, sizeof(c->tls.cert_issuer));
	text(&r, c->tls.sni, sizeof(c->tls.sni));
	text(&r, g->mx_name, sizeof(g->mx_name));
	text(&r, g->skipped, sizeof(g->skipped));
	c->msg.domains_dropped = (flags & 16) != 0 ?
	    byte(&r) | (unsigned long)byte(&r) << 40 : 0;
	g->rec.n = byte(&r) % (CTX_RCPT_DOMAINS_MAX + 1);
	for (i = 0; i < g->rec.n; i++)
		domain(g, &r, i);
	c->msg.domain_count = g->rec.n;
	g->rec.ts = g->ts;
	g->rec.host = g->host;
	g->rec.event = c->msg.active ? "message" : "connection";
	g->rec.c = c;
	g->rec.mx_name = g->mx_name;
	g->rec.mx_source = (flags & 32) != 0 ? "sni" : "macro";
	g->rec.skipped = (flags & 64) != 0 ? g->skipped : NULL;
	g->rec.domains = g->ev;
}

/* The text auditjson writes of what f says; "" on failure. */
static char *
take(struct jsonbuf *b)
{
	char	*s = b->error == JSONBUF_OK && b->buf != NULL ? b->buf :
	    strdup("");

	if (s != b->buf)
		jsonbuf_free(b);
	return s;
}

static int
differ(char *want, char *got, char **want_out, char **got_out)
{
	if (want != NULL && strcmp(want, got) == 0) {
		free(want);
		free(got);
		return 0;
	}
	*want_out = want != NULL ? want : strdup("(no tree)");
	*got_out = got;
	return 1;
}

/* The tree with the replaced entries completed, as pendrec did. */
static json_t *
tree_completed(const struct recordgen *g)
{
	json_t	*o = recordtree_record(&g->rec);
	json_t	*domains = json_object_get(o, "domains");
	size_t	 i;

	for (i = 0; domains != NULL && i < g->rec.n; i++)
		if (g->replace[i])
			json_array_set_new(domains, i,
			    recordtree_domain(&g->ev[i], 1));
	return o;
}

const char *
recordgen_differs(const struct recordgen *g, char **want, char **got)
{
	struct auditjson_places places;
	struct jsonbuf b, done[CTX_RCPT_DOMAINS_MAX];
	const char *replaced[CTX_RCPT_DOMAINS_MAX];
	char	*line;
	size_t	 i, n = g->c.msg.active ? g->rec.n : 0;
	const char *what = NULL;

	jsonbuf_init(&b, 1 << 24);
	auditjson_record(&b, &g->rec, &places);
	line = take(&b);
	if (differ(recordtree_dump(recordtree_record(&g->rec)), strdup(line),
	    want, got))
		what = "record";
	for (i = 0; i < n; i++) {
		jsonbuf_init(&done[i], 1 << 20);
		auditjson_domain(&done[i], &g->ev[i], 1);
		replaced[i] = g->replace[i] ? done[i].buf : NULL;
		if (what == NULL && differ(recordtree_dump(
		    recordtree_domain(&g->ev[i], 1)), strdup(done[i].buf),
		    want, got))
			what = "domain";
	}
	jsonbuf_init(&b, 1 << 24);
	auditjson_assemble(&b, line, strlen(line), &places, replaced);
	if (what == NULL && differ(recordtree_dump(tree_completed(g)),
	    take(&b), want, got))
		what = "assembled";
	else if (what != NULL)
		jsonbuf_free(&b);
	for (i = 0; i < n; i++)
		jsonbuf_free(&done[i]);
	free(line);
	return what;
}

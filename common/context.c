/*
 * context.c - per-connection and per-message facts, copied out of the
 * MTA's macros into bounded printable buffers.
 *
 * TLS facts are replaced wholesale at every capture: a second EHLO after
 * STARTTLS brings the TLS macros, and a capture that finds none means the
 * session is in plaintext. The parsing of addresses, names and DNs lives in
 * common/addr.c; this file only decides what goes where.
 */
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "context.h"
#include "printable.h"

static const char *const mx_source_names[] = {
	[MX_SOURCE_NONE] = "none",
	[MX_SOURCE_SNI] = "sni",
	[MX_SOURCE_LISTENER] = "listener",
	[MX_SOURCE_CONFIG] = "config",
	[MX_SOURCE_MACRO] = "macro",
};

/* Every fact of the message cleared, but not the recipient domains' text. */
static void
msg_clear(struct msg_facts *m)
{
	memset(m, 0, offsetof(struct msg_facts, domains));
}

struct conn_ctx *
ctx_new(void)
{
	struct conn_ctx *c;

	if ((c = malloc(sizeof(*c))) == NULL)
		return NULL;
	memset(c, 0, offsetof(struct conn_ctx, msg));
	msg_clear(&c->msg);
	c->msg.domains = NULL;
	c->msg.domains_cap = 0;
	c->tls.bits = -1;
	return c;
}

void
ctx_free(struct conn_ctx *c)
{
	if (c == NULL)
		return;
	free(c->msg.domains);
	free(c);
}

/* Room for one more recipient domain: 0, or -1 (full, or no memory). */
static int
domains_room(struct msg_facts *m)
{
	struct rcpt_domain *p;
	size_t	cap;

	if (m->domain_count < m->domains_cap)
		return 0;
	if (m->domains_cap >= CTX_RCPT_DOMAINS_MAX)
		return -1;
	cap = m->domains_cap == 0 ? CTX_RCPT_DOMAINS_FIRST : 2 * m->domains_cap;
	if (cap > CTX_RCPT_DOMAINS_MAX)
		cap = CTX_RCPT_DOMAINS_MAX;
	if ((p = realloc(m->domains, cap * sizeof(*p))) == NULL)
		return -1;
	m->domains = p;
	m->domains_cap = cap;
	return 0;
}

/*
 * A client host name that is a name: not empty, not Postfix's "unknown",
 * not the "[address]" both MTAs write (Sendmail in {client_ptr} too) when
 * the client's address has no PTR record.
 */
static int
is_host_name(const char *s)
{
	return s != NULL && s[0] != '\0' && s[0] != '[' &&
	    strcmp(s, "unknown") != 0;
}

void
ctx_set_client(struct conn_ctx *c, const char *hostname, const char *ip,
    const char *client_ptr, const char *client_addr)
{
	printable_copy(c->client_ip, sizeof(c->client_ip),
	    ip != NULL && ip[0] != '\0' ? ip : client_addr);
	if (is_host_name(client_ptr))
		addr_host_copy(c->client_ptr, sizeof(c->client_ptr),
		    client_ptr);
	else if (is_host_name(hostname))
		addr_host_copy(c->client_ptr, sizeof(c->client_ptr),
		    hostname);
	else
		c->client_ptr[0] = '\0';
}

void
ctx_set_connect_macros(struct conn_ctx *c, const char *j,
    const char *daemon_addr, const char *if_addr)
{
	addr_host_copy(c->j, sizeof(c->j), j);
	printable_copy(c->daemon_addr, sizeof(c->daemon_addr), daemon_addr);
	printable_copy(c->if_addr, sizeof(c->if_addr), if_addr);
}

void
ctx_set_helo(struct conn_ctx *c, const char *helo)
{
	printable_copy(c->helo, sizeof(c->helo), helo);
}

static long
parse_bits(const char *s)
{
	long	v = 0;

	if (s == NULL || *s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9' || v > 100000)
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v;
}

void
ctx_capture_tls(struct conn_ctx *c, const char *version, const char *cipher,
    const char *bits, const char *subject, const char *issuer, const char *sni)
{
	struct tls_facts *t = &c->tls;

	memset(t, 0, sizeof(*t));
	t->bits = -1;
	if (version == NULL || version[0] == '\0')
		return;
	t->present = 1;
	printable_copy(t->version, sizeof(t->version), version);
	printable_copy(t->cipher, sizeof(t->cipher), cipher);
	t->bits = parse_bits(bits);
	addr_dn_copy(t->cert_subject, sizeof(t->cert_subject), subject);
	addr_dn_copy(t->cert_issuer, sizeof(t->cert_issuer), issuer);
	addr_host_copy(t->sni, sizeof(t->sni), sni);
}

void
ctx_message_begin(struct conn_ctx *c, const char *mail_from,
    const char *auth_authen, const char *audit_name)
{
	msg_clear(&c->msg);
	c->msg.active = 1;
	c->msg.authenticated = auth_authen != NULL && auth_authen[0] != '\0';
	if (audit_name != NULL && strlen(audit_name) < sizeof(c->msg.audit_name))
		strcpy(c->msg.audit_name, audit_name);
	c->msg.has_from_domain = addr_domain(mail_from, c->msg.from_domain,
	    sizeof(c->msg.from_domain));
	c->messages++;
}

void
ctx_add_rcpt(struct conn_ctx *c, const char *rcpt)
{
	struct msg_facts *m = &c->msg;
	char	domain[CTX_NAME_MAX];
	size_t	i;

	if (!addr_domain(rcpt, domain, sizeof(domain)))
		return;
	for (i = 0; i < m->domain_count; i++) {
		if (strcmp(m->domains[i].domain, domain) == 0) {
			m->domains[i].rcpts++;
			return;
		}
	}
	if (domains_room(m) == -1) {
		m->domains_dropped++;
		return;
	}
	memcpy(m->domains[m->domain_count].domain, domain, sizeof(domain));
	m->domains[m->domain_count].rcpts = 1;
	m->domain_count++;
}

void
ctx_set_queue_id(struct conn_ctx *c, const char *queue_id)
{
	if (queue_id != NULL && queue_id[0] != '\0')
		printable_copy(c->msg.queue_id, sizeof(c->msg.queue_id),
		    queue_id);
}

void
ctx_note_header(struct conn_ctx *c, const char *name)
{
	size_t	len = strlen(c->msg.audit_name);

	if (name == NULL || len == 0 ||
	    strncasecmp(name, c->msg.audit_name, len) != 0)
		return;
	name += len;
	while (*name == ' ' || *name == '\t')
		name++;
	/* Every one is removed: the count only stops where the index would. */
	if (*name == '\0' && c->msg.forged_headers < INT_MAX)
		c->msg.forged_headers++;
}

void
ctx_message_end(struct conn_ctx *c)
{
	msg_clear(&c->msg);
}

const char *
ctx_mx_name(const struct conn_ctx *c, const struct conf *conf,
    enum mx_source *source)
{
	const struct conf_listener *l;

	if (c->tls.sni[0] != '\0') {
		*source = MX_SOURCE_SNI;
		return c->tls.sni;
	}
	/*
	 * {if_addr} (Sendmail) is the address the client reached; Sendmail's
	 * {daemon_addr} is the one it is bound to, 0.0.0.0 for all of them,
	 * so the former comes first. Postfix has only {daemon_addr}, the
	 * address reached.
	 */
	if ((l = conf_find_listener(conf, c->if_addr)) == NULL)
		l = conf_find_listener(conf, c->daemon_addr);
	if (l != NULL && l->mx_name[0] != '\0') {
		*source = MX_SOURCE_LISTENER;
		return l->mx_name;
	}
	if (conf->mx_name[0] != '\0') {
		*source = MX_SOURCE_CONFIG;
		return conf->mx_name;
	}
	*source = c->j[0] != '\0' ? MX_SOURCE_MACRO : MX_SOURCE_NONE;
	return c->j;
}

const char *
mx_source_name(enum mx_source s)
{
	return mx_source_names[s];
}

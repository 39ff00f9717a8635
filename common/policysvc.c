/*
 * policysvc.c - policy delegation requests turned into the session facts
 * of a message, judged by the audit path the milter uses.
 *
 * Instances live in a fixed table (POLICYSVC_INSTANCES_MAX), found by
 * their key with a linear scan: the table is small, the scan is in memory,
 * and a request never waits for anything else. A full table drops the
 * instance idle longest (its record is written as it is), so a flood of
 * made-up instances costs old records their completeness, never mail.
 *
 * The session facts come from the first request of an instance; they do
 * not change within a message.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "addr.h"
#include "msg.h"
#include "policysvc.h"
#include "printable.h"

#define INSTANCE_KEY_MAX	128

struct instance {
	int		 used;
	char		 key[INSTANCE_KEY_MAX];
	time_t		 last;		/* of its latest request */
	struct conn_ctx	*c;
	/* domains[i] of c->msg was answered for already */
	unsigned char	 seen[CTX_RCPT_DOMAINS_MAX];
};

struct policysvc {
	const struct audit_deps *deps;
	struct servedcert *served;
	struct instance	 inst[POLICYSVC_INSTANCES_MAX];
	time_t		 complained;	/* last malformed-request log line */
	unsigned long	 malformed;	/* since then */
};

struct policysvc *
policysvc_new(const struct audit_deps *deps, struct servedcert *served)
{
	struct policysvc *p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	p->deps = deps;
	p->served = served;
	return p;
}

static void
answer_dunno(char *answer, size_t size)
{
	snprintf(answer, size, "action=DUNNO\n\n");
}

static const char *
attr(const struct policy_reader *r, const char *name)
{
	const char *v = policy_attr(r, name);

	return v != NULL ? v : "";
}

/*
 * The message of i is over (or given up: aborted, as the milter's record
 * of a message that never reached its end): write its record, free it.
 */
static void
instance_close(struct policysvc *p, struct instance *i, int aborted)
{
	struct audit_report r;

	if (i->c->msg.active && audit_report_begin(&r, p->deps, i->c,
	    "message", aborted, NULL) == 0)
		audit_report_log(&r);
	ctx_free(i->c);
	memset(i, 0, sizeof(*i));
}

/* The instance called key, made (dropping the idlest if need be) or found. */
static struct instance *
instance_of(struct policysvc *p, const char *key, time_t now)
{
	struct instance *i, *free_slot = NULL, *idlest = NULL;
	size_t	 n;

	for (n = 0; n < POLICYSVC_INSTANCES_MAX; n++) {
		i = &p->inst[n];
		if (!i->used) {
			if (free_slot == NULL)
				free_slot = i;
			continue;
		}
		if (strcmp(i->key, key) == 0)
			return i;
		if (idlest == NULL || i->last < idlest->last)
			idlest = i;
	}
	if (free_slot == NULL) {
		instance_close(p, idlest, 1);
		free_slot = idlest;
	}
	if ((free_slot->c = ctx_new()) == NULL)
		return NULL;
	free_slot->used = 1;
	snprintf(free_slot->key, sizeof(free_slot->key), "%s", key);
	free_slot->last = now;
	return free_slot;
}

/*
 * GnuTLS (Exim on Debian) names versions "TLS1.2"; the header, the log
 * and the verdict use the OpenSSL and Postfix form "TLSv1.2".
 */
static void
tls_version_name(const char *v, char *out, size_t size)
{
	if (strncmp(v, "TLS", 3) == 0 && v[3] >= '0' && v[3] <= '9')
		snprintf(out, size, "TLSv%s", v + 3);
	else
		snprintf(out, size, "%s", v);
}

/*
 * The session facts, from the first request of the instance (Postfix
 * repeats them in every request; Exim's END-OF-MESSAGE request need not):
 * client, HELO, TLS, server address, sender, SASL name. The queue id and
 * the served certificate's judgement are taken whenever they come.
 */
static void
take_facts(struct policysvc *p, struct instance *i,
    const struct policy_reader *r, time_t now)
{
	struct conn_ctx *c = i->c;
	struct store_snapshot *snap;
	char	version[32];
	enum mx_source src;
	const char *mx;

	if ((snap = store_acquire(p->deps->store)) == NULL)
		return;
	if (!c->msg.active) {
		ctx_set_client(c, attr(r, "client_name"),
		    attr(r, "client_address"), NULL, NULL);
		ctx_set_connect_macros(c, NULL, attr(r, "server_address"),
		    NULL);
		ctx_set_helo(c, attr(r, "helo_name"));
		tls_version_name(attr(r, "encryption_protocol"), version,
		    sizeof(version));
		ctx_capture_tls(c, version, attr(r, "encryption_cipher"),
		    attr(r, "encryption_keysize"), attr(r, "ccert_subject"),
		    attr(r, "ccert_issuer"), attr(r, "tls_sni"));
		ctx_message_begin(c, attr(r, "sender"),
		    attr(r, "sasl_username"), snap->conf->header_name);
	}
	ctx_set_queue_id(c, attr(r, "queue_id"));
	/* The certificate the MTA says it served judges the session. */
	if (c->tls.present && p->served != NULL &&
	    attr(r, "tls_ourcert")[0] != '\0') {
		mx = ctx_mx_name(c, snap->conf, &src);
		if (servedcert_health(p->served, attr(r, "tls_ourcert"), mx,
		    snap->conf->ca_file, now, &c->tls.served_health))
			c->tls.served_known = 1;
	}
	store_release(snap);
}

/* The domain of the recipient just added, if it is in c->msg. */
static size_t
rcpt_index(const struct conn_ctx *c, const char *rcpt, char *domain,
    size_t size)
{
	size_t	n;

	if (!addr_domain(rcpt, domain, size))
		return CTX_RCPT_DOMAINS_MAX;
	for (n = 0; n < c->msg.domain_count; n++)
		if (strcmp(c->msg.domains[n].domain, domain) == 0)
			return n;
	return CTX_RCPT_DOMAINS_MAX;
}

/* "\n\t" folding (authhdr.h) is for libmilter; an answer is one line. */
static void
unfold(char *s)
{
	char	*w = s;

	for (; *s != '\0'; s++) {
		if (*s == '\n')
			continue;
		*w++ = *s == '\t' ? ' ' : *s;
	}
	*w = '\0';
}

static void
answer_rcpt(struct policysvc *p, struct instance *i,
    const struct policy_reader *r, char *answer, size_t size)
{
	struct audit_report rep;
	char	domain[CTX_NAME_MAX], value[AUTHHDR_MAX];
	size_t	n;
	int	prepend = 0;

	answer_dunno(answer, size);
	ctx_add_rcpt(i->c, attr(r, "recipient"));
	n = rcpt_index(i->c, attr(r, "recipient"), domain, sizeof(domain));
	if (n == CTX_RCPT_DOMAINS_MAX || i->seen[n])
		return;
	i->seen[n] = 1;
	if (audit_report_begin(&rep, p->deps, i->c, "message", 0,
	    domain) == -1)
		return;
	if (rep.n == 1 && i->c->msg.audit_name[0] != '\0' &&
	    audit_report_header(&rep, 0, value, sizeof(value)))
		prepend = 1;
	audit_report_end(&rep);
	if (!prepend)
		return;
	unfold(value);
	snprintf(answer, size, "action=PREPEND %s: %s\n\n",
	    i->c->msg.audit_name, value);
}

void
policysvc_answer(struct policysvc *p, const struct policy_reader *r,
    time_t now, char *answer, size_t size)
{
	const char *state = attr(r, "protocol_state"), *req = attr(r, "request");
	char	key[INSTANCE_KEY_MAX];
	struct instance *i;

	answer_dunno(answer, size);
	printable_copy(key, sizeof(key), attr(r, "instance"));
	if ((req[0] != '\0' && strcmp(req, "smtpd_access_policy") != 0) ||
	    key[0] == '\0')
		return;
	if (strcmp(state, "RCPT") != 0 && strcmp(state, "END-OF-MESSAGE") != 0)
		return;
	if ((i = instance_of(p, key, now)) == NULL)
		return;
	i->last = now;
	take_facts(p, i, r, now);
	if (strcmp(state, "RCPT") == 0)
		answer_rcpt(p, i, r, answer, size);
	else
		instance_close(p, i, 0);
}

void
policysvc_malformed(struct policysvc *p, enum policy_fault f,
    const char *peer, time_t now, char *answer, size_t size)
{
	answer_dunno(answer, size);
	p->malformed++;
	if (now - p->complained < POLICYSVC_COMPLAINT_SECONDS)
		return;
	msg_warn("policy service: malformed request from %s (%s), answered "
	    "DUNNO; %lu malformed since the last such line", peer,
	    policy_fault_name(f), p->malformed);
	p->complained = now;
	p->malformed = 0;
}

void
policysvc_expire(struct policysvc *p, time_t now)
{
	size_t	n;

	for (n = 0; n < POLICYSVC_INSTANCES_MAX; n++)
		if (p->inst[n].used &&
		    now - p->inst[n].last >= POLICYSVC_INSTANCE_SECONDS)
			instance_close(p, &p->inst[n], 1);
}

void
policysvc_free(struct policysvc *p)
{
	size_t	n;

	if (p == NULL)
		return;
	for (n = 0; n < POLICYSVC_INSTANCES_MAX; n++)
		if (p->inst[n].used)
			instance_close(p, &p->inst[n], 1);
	free(p);
}

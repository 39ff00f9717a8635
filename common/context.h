/*
 * context.h - the session facts: what a front end remembers about one MTA
 * connection (milter) or one message (policy service instance) and the
 * message in progress on it.
 *
 * Everything here is a bounded, printable copy of what the MTA sent: macro
 * pointers from libmilter do not survive the callback, and macro text and
 * policy attributes come from the SMTP peer. No libmilter types appear
 * here; the parsing of addresses and macro text is in common/addr.h.
 */
#ifndef MTASTS_CONTEXT_H
#define MTASTS_CONTEXT_H

#include <stddef.h>

#include "conf.h"
#include "verdict.h"

#define CTX_NAME_MAX		256	/* host names: 255 bytes + NUL */
#define CTX_TEXT_MAX		256	/* other macro values */
#define CTX_ADDR_MAX		64	/* textual IP addresses */
#define CTX_QUEUE_ID_MAX	64
#define CTX_RCPT_DOMAINS_MAX	100	/* distinct recipient domains per message */
#define CTX_RCPT_DOMAINS_FIRST	4	/* allocated at the first recipient */

struct tls_facts {
	int	present;			/* {tls_version} was set */
	char	version[32];
	char	cipher[CTX_TEXT_MAX];
	long	bits;				/* -1 = not sent */
	char	cert_subject[CTX_TEXT_MAX];	/* "" = not sent */
	char	cert_issuer[CTX_TEXT_MAX];
	char	sni[CTX_NAME_MAX];		/* lower case, "" = not sent */
	/*
	 * The certificate the MTA says it served (a policy request's
	 * tls_ourcert), judged: when known, the session's certificate.
	 */
	int	served_known;
	struct cert_health served_health;
};

struct rcpt_domain {
	char		domain[CTX_NAME_MAX];	/* lower case, no trailing dot */
	unsigned	rcpts;
};

struct msg_facts {
	int		 active;		/* MAIL FROM seen */
	char		 queue_id[CTX_QUEUE_ID_MAX];
	int		 has_from_domain;	/* 0 for <> or no domain */
	char		 from_domain[CTX_NAME_MAX];
	size_t		 domain_count;
	unsigned long	 domains_dropped;	/* past CTX_RCPT_DOMAINS_MAX, or no memory */
	int		 authenticated;		/* {auth_authen} was set */
	/*
	 * The audit header name when the message began: incoming fields are
	 * counted, removed and replaced under this one name, even when a
	 * reload changes header_name before the end of the message.
	 */
	char		 audit_name[HEADER_NAME_MAX + 1];
	unsigned	 forged_headers;	/* fields named audit_name */
	/*
	 * Last, and not cleared between messages: only the first domain_count
	 * entries are ever read, each written whole when added. Allocated at
	 * the first recipient and grown as distinct domains come, up to
	 * CTX_RCPT_DOMAINS_MAX (26 KB in all): most sessions carry one or two,
	 * and 256 sessions at once each touching 26 KB cost page faults and
	 * cache misses. domains_cap entries are allocated; ctx_free frees them.
	 */
	struct rcpt_domain *domains;
	size_t		 domains_cap;
};

enum mx_source {
	MX_SOURCE_NONE = 0,
	MX_SOURCE_SNI,
	MX_SOURCE_LISTENER,
	MX_SOURCE_CONFIG,
	MX_SOURCE_MACRO
};

struct conn_ctx {
	int		 can_edit_headers;	/* ADDHDRS and CHGHDRS granted */
	char		 client_ip[CTX_ADDR_MAX];
	char		 client_ptr[CTX_NAME_MAX];	/* "" = unknown */
	char		 helo[CTX_NAME_MAX];
	char		 j[CTX_NAME_MAX];		/* the MTA's host name */
	char		 daemon_addr[CTX_ADDR_MAX];
	char		 if_addr[CTX_ADDR_MAX];
	struct tls_facts tls;
	unsigned long	 messages;
	struct msg_facts msg;		/* last: see its domains */
};

struct conn_ctx	*ctx_new(void);
void		 ctx_free(struct conn_ctx *);

/* hostname and ip from the connect callback; ptr and addr macros may be NULL. */
void	ctx_set_client(struct conn_ctx *, const char *hostname, const char *ip,
	    const char *client_ptr, const char *client_addr);
void	ctx_set_connect_macros(struct conn_ctx *, const char *j,
	    const char *daemon_addr, const char *if_addr);
void	ctx_set_helo(struct conn_ctx *, const char *helo);
/* Replace the TLS facts; version NULL or "" = plaintext. */
void	ctx_capture_tls(struct conn_ctx *, const char *version,
	    const char *cipher, const char *bits, const char *subject,
	    const char *issuer, const char *sni);
/*
 * Start a message: mail_from is the MAIL FROM address as the MTA gave it,
 * auth_authen the {auth_authen} macro (NULL or "" when the client did not
 * authenticate), audit_name the configured header_name.
 */
void	ctx_message_begin(struct conn_ctx *, const char *mail_from,
	    const char *auth_authen, const char *audit_name);
void	ctx_add_rcpt(struct conn_ctx *, const char *rcpt);
void	ctx_set_queue_id(struct conn_ctx *, const char *queue_id);
/*
 * Count an incoming header field that carries the audit name: the name
 * matched as the MTA matches it when asked to delete it (any case,
 * whitespace before the colon allowed).
 */
void	ctx_note_header(struct conn_ctx *, const char *name);
void	ctx_message_end(struct conn_ctx *);

/*
 * The MX name the sender reached: {tls_sni}, else the listener matching
 * {daemon_addr}/{if_addr}, else mx_name, else j. Returns the name ("" when
 * nothing is known) and sets *source.
 */
const char *ctx_mx_name(const struct conn_ctx *, const struct conf *,
	    enum mx_source *source);
const char *mx_source_name(enum mx_source);

#endif

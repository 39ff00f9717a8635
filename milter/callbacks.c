/*
 * callbacks.c - libmilter callbacks: collect session facts, and at the end
 * of each message evaluate every recipient domain, add the audit header and
 * queue the log record.
 *
 * Rules: every callback answers SMFIS_CONTINUE whatever goes wrong (this
 * filter must never cost a message); no file or network I/O here, only the
 * in-memory store snapshot and the log queue; the TLS macros are read at
 * HELO and MAIL FROM, where the MTA has them, never at end of message.
 * A recipient domain that discovery has not looked up yet is pending (no
 * header, "result":"pending" in the log) and handed to discovery
 * afterwards. Mail of authenticated clients is outbound: it is not judged
 * (unless audit_authenticated is set) and its domains are not looked up.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>

#include <libmilter/mfapi.h>

#include "auditreport.h"
#include "authhdr.h"
#include "callbacks.h"
#include "context.h"
#include "metrics.h"
#include "mxprobe.h"
#include "verdict.h"

#define MACROS_CONNECT	"j _ {daemon_name} {daemon_addr} {daemon_port} " \
			"{if_addr} {client_addr} {client_ptr}"
#define MACROS_TLS	"{tls_version} {cipher} {cipher_bits} {cert_subject} " \
			"{cert_issuer} {tls_sni}"
#define MACROS_ENVFROM	"i {auth_type} {auth_authen} {auth_author} " \
			"{mail_addr} {mail_host} {mail_mailer} " MACROS_TLS
#define MACROS_EOM	"i"

static struct audit_deps deps;

static const char *
macro(SMFICTX *ctx, const char *name)
{
	return smfi_getsymval(ctx, (char *)name);
}

static void
capture_tls(SMFICTX *ctx, struct conn_ctx *c)
{
	ctx_capture_tls(c, macro(ctx, "{tls_version}"), macro(ctx, "{cipher}"),
	    macro(ctx, "{cipher_bits}"), macro(ctx, "{cert_subject}"),
	    macro(ctx, "{cert_issuer}"), macro(ctx, "{tls_sni}"));
}

static struct conn_ctx *
context_of(SMFICTX *ctx)
{
	struct conn_ctx *c = smfi_getpriv(ctx);

	if (c == NULL && (c = ctx_new()) != NULL) {
		c->can_edit_headers = 1;
		smfi_setpriv(ctx, c);
	}
	return c;
}

static void
insert_header(SMFICTX *ctx, const struct audit_report *r, size_t i,
    char *value)
{
	if (audit_report_header(r, i, value, AUTHHDR_MAX))
		smfi_insheader(ctx, 0, (char *)r->c->msg.audit_name, value);
}

/* Every incoming field under the name the message began with goes. */
static void
remove_forged_headers(SMFICTX *ctx, const struct conn_ctx *c)
{
	int	i;

	for (i = (int)c->msg.forged_headers; i >= 1; i--)
		smfi_chgheader(ctx, (char *)c->msg.audit_name, i, NULL);
}

static void
add_headers(SMFICTX *ctx, const struct audit_report *r)
{
	size_t	n = r->n;
	char	*value;

	if (!r->c->can_edit_headers || r->c->msg.audit_name[0] == '\0')
		return;
	remove_forged_headers(ctx, r->c);
	/*
	 * The value's 4 KB on the heap, not the stack: at 256 connections
	 * most session threads have a new stack, where a page is a fault.
	 */
	if (n == 0 || (value = malloc(AUTHHDR_MAX)) == NULL)
		return;
	/* Each field goes to the top: insert backwards to keep rcpt order. */
	while (n-- > 0)
		insert_header(ctx, r, n, value);
	free(value);
}

/* Evaluate and log what the connection carried; ctx != NULL adds headers. */
static void
finish(SMFICTX *ctx, struct conn_ctx *c, const char *event, int aborted)
{
	struct audit_report r;

	if (audit_report_begin(&r, &deps, c, event, aborted, NULL) == -1)
		return;
	if (ctx != NULL)
		add_headers(ctx, &r);
	audit_report_log(&r);
}

static sfsistat
cb_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
    unsigned long f2, unsigned long f3, unsigned long *pf0,
    unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	const unsigned long edit = SMFIF_ADDHDRS | SMFIF_CHGHDRS;
	const unsigned long skip = SMFIP_NOBODY | SMFIP_NOEOH |
	    SMFIP_NOUNKNOWN | SMFIP_NODATA;
	struct conn_ctx *c;

	(void)f2;
	(void)f3;
	*pf0 = f0 & edit;
	*pf1 = f1 & skip;
	*pf2 = 0;
	*pf3 = 0;
	if ((c = context_of(ctx)) != NULL)
		c->can_edit_headers = (f0 & edit) == edit;
#ifdef HAVE_SMFI_SETSYMLIST
	if ((f0 & SMFIF_SETSYMLIST) != 0) {
		*pf0 |= SMFIF_SETSYMLIST;
		smfi_setsymlist(ctx, SMFIM_CONNECT, MACROS_CONNECT);
		smfi_setsymlist(ctx, SMFIM_HELO, MACROS_TLS);
		smfi_setsymlist(ctx, SMFIM_ENVFROM, MACROS_ENVFROM);
		smfi_setsymlist(ctx, SMFIM_EOM, MACROS_EOM);
	}
#endif
	return SMFIS_CONTINUE;
}

static sfsistat
cb_connect(SMFICTX *ctx, char *hostname, _SOCK_ADDR *hostaddr)
{
	struct conn_ctx *c = context_of(ctx);
	char	ip[CTX_ADDR_MAX] = "";
	const void *a = NULL;

	if (c == NULL)
		return SMFIS_CONTINUE;
	if (hostaddr != NULL && hostaddr->sa_family == AF_INET)
		a = &((struct sockaddr_in *)(void *)hostaddr)->sin_addr;
	else if (hostaddr != NULL && hostaddr->sa_family == AF_INET6)
		a = &((struct sockaddr_in6 *)(void *)hostaddr)->sin6_addr;
	if (a != NULL && inet_ntop(hostaddr->sa_family, a, ip,
	    sizeof(ip)) == NULL)
		ip[0] = '\0';
	ctx_set_client(c, hostname, ip, macro(ctx, "{client_ptr}"),
	    macro(ctx, "{client_addr}"));
	ctx_set_connect_macros(c, macro(ctx, "j"), macro(ctx, "{daemon_addr}"),
	    macro(ctx, "{if_addr}"));
	return SMFIS_CONTINUE;
}

static sfsistat
cb_helo(SMFICTX *ctx, char *helo)
{
	struct conn_ctx *c = context_of(ctx);

	if (c != NULL) {
		ctx_set_helo(c, helo);
		capture_tls(ctx, c);
	}
	return SMFIS_CONTINUE;
}

static sfsistat
cb_envfrom(SMFICTX *ctx, char **argv)
{
	struct conn_ctx *c = context_of(ctx);
	struct store_snapshot *snap;

	if (c == NULL)
		return SMFIS_CONTINUE;
	if (c->msg.active)
		finish(NULL, c, "message", 1);
	capture_tls(ctx, c);
	snap = store_acquire(deps.store);
	ctx_message_begin(c, argv != NULL ? argv[0] : NULL,
	    macro(ctx, "{auth_authen}"),
	    snap != NULL ? snap->conf->header_name : NULL);
	store_release(snap);
	ctx_set_queue_id(c, macro(ctx, "i"));
	return SMFIS_CONTINUE;
}

static sfsistat
cb_envrcpt(SMFICTX *ctx, char **argv)
{
	struct conn_ctx *c = context_of(ctx);

	if (c != NULL && argv != NULL)
		ctx_add_rcpt(c, argv[0]);
	return SMFIS_CONTINUE;
}

static sfsistat
cb_header(SMFICTX *ctx, char *name, char *value)
{
	struct conn_ctx *c = context_of(ctx);

	(void)value;
	if (c != NULL)
		ctx_note_header(c, name);
	return SMFIS_CONTINUE;
}

static sfsistat
cb_eom(SMFICTX *ctx)
{
	struct conn_ctx *c = context_of(ctx);

	if (c == NULL)
		return SMFIS_CONTINUE;
	ctx_set_queue_id(c, macro(ctx, "i"));
	if (c->msg.active)
		finish(ctx, c, "message", 0);
	ctx_message_end(c);
	return SMFIS_CONTINUE;
}

static sfsistat
cb_abort(SMFICTX *ctx)
{
	struct conn_ctx *c = smfi_getpriv(ctx);

	if (c == NULL)
		return SMFIS_CONTINUE;
	if (c->msg.active)
		finish(NULL, c, "message", 1);
	ctx_message_end(c);
	return SMFIS_CONTINUE;
}

static sfsistat
cb_close(SMFICTX *ctx)
{
	struct conn_ctx *c = smfi_getpriv(ctx);

	if (c == NULL)
		return SMFIS_CONTINUE;
	if (!mxprobe_is_probe(c->helo))
		metrics_count(METRIC_SESSIONS);
	if (c->msg.active)
		finish(NULL, c, "message", 1);
	else if (c->messages == 0 && c->client_ip[0] != '\0' &&
	    !mxprobe_is_probe(c->helo))
		finish(NULL, c, "connection", 0);
	smfi_setpriv(ctx, NULL);
	ctx_free(c);
	return SMFIS_CONTINUE;
}

/*
 * Each callback timed from entry to exit (CLOCK_MONOTONIC), for the
 * latency histogram: what the MTA waits for at each step.
 */
static sfsistat
timed_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
    unsigned long f2, unsigned long f3, unsigned long *pf0,
    unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	uint64_t t0 = metrics_clock_ns();
	sfsistat rc = cb_negotiate(ctx, f0, f1, f2, f3, pf0, pf1, pf2, pf3);

	metrics_callback_done(METRICS_CB_NEGOTIATE, t0);
	return rc;
}

static sfsistat
timed_connect(SMFICTX *ctx, char *hostname, _SOCK_ADDR *hostaddr)
{
	uint64_t t0 = metrics_clock_ns();
	sfsistat rc = cb_connect(ctx, hostname, hostaddr);

	metrics_callback_done(METRICS_CB_CONNECT, t0);
	return rc;
}

static sfsistat
timed_helo(SMFICTX *ctx, char *helo)
{
	uint64_t t0 = metrics_clock_ns();
	sfsistat rc = cb_helo(ctx, helo);

	metrics_callback_done(METRICS_CB_HELO, t0);
	return rc;
}

static sfsistat
timed_envfrom(SMFICTX *ctx, char **argv)
{
	uint64_t t0 = metrics_clock_ns();
	sfsistat rc = cb_envfrom(ctx, argv);

	metrics_callback_done(METRICS_CB_ENVFROM, t0);
	return rc;
}

static sfsistat
timed_envrcpt(SMFICTX *ctx, char **argv)
{
	uint64_t t0 = metrics_clock_ns();
	sfsistat rc = cb_envrcpt(ctx, argv);

	metrics_callback_done(METRICS_CB_ENVRCPT, t0);
	return rc;
}

static sfsistat
timed_header(SMFICTX *ctx, char *name, char *value)
{
	uint64_t t0 = metrics_clock_ns();
	sfsistat rc = cb_header(ctx, name, value);

	metrics_callback_done(METRICS_CB_HEADER, t0);
	return rc;
}

static sfsistat
timed_eom(SMFICTX *ctx)
{
	uint64_t t0 = metrics_clock_ns();
	sfsistat rc = cb_eom(ctx);

	metrics_callback_done(METRICS_CB_EOM, t0);
	return rc;
}

static sfsistat
timed_abort(SMFICTX *ctx)
{
	uint64_t t0 = metrics_clock_ns();
	sfsistat rc = cb_abort(ctx);

	metrics_callback_done(METRICS_CB_ABORT, t0);
	return rc;
}

static sfsistat
timed_close(SMFICTX *ctx)
{
	uint64_t t0 = metrics_clock_ns();
	sfsistat rc = cb_close(ctx);

	metrics_callback_done(METRICS_CB_CLOSE, t0);
	return rc;
}

void
callbacks_attach(struct store *s, struct jlog *j, struct discovery *d,
    struct pendrec *p)
{
	deps.store = s;
	deps.jlog = j;
	deps.discovery = d;
	deps.pendrec = p;
}

int
callbacks_register(void)
{
	static struct smfiDesc desc = {
		.xxfi_name = MILTER_NAME,
		.xxfi_version = SMFI_VERSION,
		.xxfi_flags = SMFIF_ADDHDRS | SMFIF_CHGHDRS,
		.xxfi_connect = timed_connect,
		.xxfi_helo = timed_helo,
		.xxfi_envfrom = timed_envfrom,
		.xxfi_envrcpt = timed_envrcpt,
		.xxfi_header = timed_header,
		.xxfi_eom = timed_eom,
		.xxfi_abort = timed_abort,
		.xxfi_close = timed_close,
		.xxfi_negotiate = timed_negotiate,
	};

	return smfi_register(desc) == MI_SUCCESS ? 0 : -1;
}

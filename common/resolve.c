/*
 * resolve.c - DNS lookups with c-ares for policy discovery and the checks.
 *
 * Each call runs one query on the resolver's channel and waits for it with
 * poll(), so the time spent is bounded by the channel's timeout and tries.
 * The recursive server follows CNAME chains; the parsers below keep only the
 * records of the asked type, which is what RFC 8461 3.1 asks of senders.
 */
#include "config.h"

#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <arpa/nameser.h>

#include <ares.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resolve.h"
#include "stslex.h"

struct resolver {
	ares_channel	channel;
};

struct query_result {
	int		 done;
	int		 status;
	unsigned char	*abuf;
	int		 alen;
};

static pthread_once_t library_once = PTHREAD_ONCE_INIT;
static int library_status;

static void
library_init(void)
{
	library_status = ares_library_init(ARES_LIB_INIT_ALL);
}

struct resolver *
resolver_new(const char *servers, int timeout_ms, int tries, char *err,
    size_t errlen)
{
	struct ares_options opts;
	struct resolver *r;
	int rc;

	pthread_once(&library_once, library_init);
	if (library_status != ARES_SUCCESS) {
		snprintf(err, errlen, "c-ares: %s", ares_strerror(library_status));
		return NULL;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	memset(&opts, 0, sizeof(opts));
	opts.timeout = timeout_ms > 0 ? timeout_ms : 2000;
	opts.tries = tries > 0 ? tries : 2;
	rc = ares_init_options(&r->channel, &opts,
	    ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES);
	if (rc != ARES_SUCCESS) {
		snprintf(err, errlen, "c-ares: %s", ares_strerror(rc));
		free(r);
		return NULL;
	}
	if (servers != NULL && *servers != '\0' &&
	    (rc = ares_set_servers_ports_csv(r->channel, servers)) !=
	    ARES_SUCCESS) {
		snprintf(err, errlen, "dns_servers \"%s\": %s", servers,
		    ares_strerror(rc));
		ares_destroy(r->channel);
		free(r);
		return NULL;
	}
	return r;
}

void
resolver_free(struct resolver *r)
{
	if (r == NULL)
		return;
	ares_destroy(r->channel);
	free(r);
}

static void
query_done(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct query_result *q = arg;

	(void)timeouts;
	q->done = 1;
	q->status = status;
	if (status == ARES_SUCCESS && abuf != NULL && alen > 0 &&
	    (q->abuf = malloc((size_t)alen)) != NULL) {
		memcpy(q->abuf, abuf, (size_t)alen);
		q->alen = alen;
	}
}

/* Drive the channel until the query has answered or timed out. */
static void
wait_for(struct resolver *r, struct query_result *q)
{
	ares_socket_t socks[ARES_GETSOCK_MAXNUM];
	struct pollfd pfd[ARES_GETSOCK_MAXNUM];
	struct timeval tv, *tvp;
	unsigned bits, readable, writable;
	int i, n, timeout_ms;

	while (!q->done) {
		/*
		 * c-ares's ARES_GETSOCK_WRITABLE shifts a signed 1 into the
		 * sign bit for the last socket: test the bits unsigned.
		 */
		bits = (unsigned)ares_getsock(r->channel, socks,
		    ARES_GETSOCK_MAXNUM);
		for (i = n = 0; i < ARES_GETSOCK_MAXNUM; i++) {
			readable = bits & (1u << i);
			writable = bits & (1u << (i + ARES_GETSOCK_MAXNUM));
			if (!readable && !writable)
				continue;
			pfd[n].fd = socks[i];
			pfd[n].events = (readable ? POLLIN : 0) |
			    (writable ? POLLOUT : 0);
			pfd[n].revents = 0;
			n++;
		}
		if (n == 0)
			break;
		tvp = ares_timeout(r->channel, NULL, &tv);
		timeout_ms = tvp ? (int)(tvp->tv_sec * 1000 +
		    tvp->tv_usec / 1000) : 1000;
		(void)poll(pfd, (nfds_t)n, timeout_ms);
		for (i = 0; i < n; i++) {
			ares_process_fd(r->channel,
			    pfd[i].revents & (POLLIN | POLLERR | POLLHUP) ?
			    pfd[i].fd : ARES_SOCKET_BAD,
			    pfd[i].revents & POLLOUT ? pfd[i].fd :
			    ARES_SOCKET_BAD);
		}
		/* Lets c-ares notice timeouts when nothing was readable. */
		ares_process_fd(r->channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	}
}

static enum resolve_status
status_from_ares(int status)
{
	switch (status) {
	case ARES_SUCCESS:
		return RESOLVE_OK;
	case ARES_ENOTFOUND:
		return RESOLVE_NXDOMAIN;
	case ARES_ENODATA:
		return RESOLVE_NODATA;
	case ARES_ESERVFAIL:
	case ARES_EREFUSED:
		return RESOLVE_SERVFAIL;
	case ARES_ETIMEOUT:
		return RESOLVE_TIMEOUT;
	case ARES_ECONNREFUSED:
		/*
		 * c-ares skips a server that answers SERVFAIL, REFUSED or
		 * NOTIMP and tries the next; when none is left the query ends
		 * with ECONNREFUSED, as for a refused connection.
		 */
		return RESOLVE_NOSERVER;
	default:
		return RESOLVE_ERROR;
	}
}

static enum resolve_status
run_query(struct resolver *r, const char *name, int type,
    struct query_result *q)
{
	memset(q, 0, sizeof(*q));
	if (name == NULL || *name == '\0')
		return RESOLVE_ERROR;
	/* Longer than 253 octets: no such name can exist. */
	if (strnlen(name, RESOLVE_NAME_MAX) >= RESOLVE_NAME_MAX)
		return RESOLVE_NXDOMAIN;
	ares_query(r->channel, name, C_IN, type, query_done, q);
	wait_for(r, q);
	if (!q->done) {
		ares_cancel(r->channel);
		return RESOLVE_TIMEOUT;
	}
	if (q->status == ARES_SUCCESS && q->abuf == NULL)
		return RESOLVE_ERROR;
	return status_from_ares(q->status);
}

enum resolve_status
resolve_txt(struct resolver *r, const char *name, struct txt_rrset *out)
{
	struct ares_txt_ext *txt, *t;
	struct query_result q;
	enum resolve_status st;
	size_t cur = 0, n;
	char *p;
	int first = 1;

	memset(out, 0, sizeof(*out));
	if ((st = run_query(r, name, T_TXT, &q)) != RESOLVE_OK)
		return st;
	if (ares_parse_txt_reply_ext(q.abuf, q.alen, &txt) != ARES_SUCCESS) {
		free(q.abuf);
		return RESOLVE_ERROR;
	}
	free(q.abuf);
	/* record_start marks the first string of each RR: concatenate the rest. */
	for (t = txt; t != NULL; t = t->next) {
		if (t->record_start) {
			if (!first)
				cur++;
			first = 0;
			if (cur >= RESOLVE_TXT_MAX)
				break;
		} else if (first)
			continue;
		n = out->len[cur] + t->length;
		if ((p = realloc(out->txt[cur], n + 1)) == NULL)
			break;
		memcpy(p + out->len[cur], t->txt, t->length);
		p[n] = '\0';
		out->txt[cur] = p;
		out->len[cur] = n;
	}
	if (!first)
		out->count = cur < RESOLVE_TXT_MAX ? cur + 1 : RESOLVE_TXT_MAX;
	/* A record of zero strings would leave a NULL slot: make it "". */
	for (n = 0; n < out->count; n++)
		if (out->txt[n] == NULL)
			out->txt[n] = strdup("");
	ares_free_data(txt);
	return out->count > 0 ? RESOLVE_OK : RESOLVE_NODATA;
}

void
txt_rrset_free(struct txt_rrset *set)
{
	size_t i;

	for (i = 0; i < RESOLVE_TXT_MAX; i++)
		free(set->txt[i]);
	memset(set, 0, sizeof(*set));
}

/* Lower-case copy without a trailing dot; 0 when it does not fit. */
static int
copy_host(char *dst, size_t size, const char *src)
{
	size_t len = strlen(src);

	if (len > 0 && src[len - 1] == '.')
		len--;
	if (len >= size)
		return 0;
	memcpy(dst, src, len);
	dst[len] = '\0';
	lex_lower_str(dst);
	return 1;
}

static int
mx_cmp(const void *a, const void *b)
{
	const struct mx_host *x = a, *y = b;

	if (x->pref != y->pref)
		return x->pref < y->pref ? -1 : 1;
	return strcmp(x->name, y->name);
}

enum resolve_status
resolve_mx(struct resolver *r, const char *domain, struct mx_rrset *out)
{
	struct ares_mx_reply *mx, *m;
	struct query_result q;
	enum resolve_status st;

	memset(out, 0, sizeof(*out));
	st = run_query(r, domain, T_MX, &q);
	if (st == RESOLVE_NODATA) {
		/* RFC 5321 5.1: no MX RRset, the domain itself is the MX. */
		if (!copy_host(out->hosts[0].name, RESOLVE_NAME_MAX, domain))
			return RESOLVE_ERROR;
		out->count = 1;
		out->implicit = 1;
		return RESOLVE_OK;
	}
	if (st != RESOLVE_OK)
		return st;
	if (ares_parse_mx_reply(q.abuf, q.alen, &mx) != ARES_SUCCESS) {
		free(q.abuf);
		return RESOLVE_ERROR;
	}
	free(q.abuf);
	for (m = mx; m != NULL && out->count < RESOLVE_MX_MAX; m = m->next) {
		if (m->host[0] == '\0' || strcmp(m->host, ".") == 0) {
			out->null_mx = 1;
			continue;
		}
		if (copy_host(out->hosts[out->count].name, RESOLVE_NAME_MAX,
		    m->host)) {
			out->hosts[out->count].pref = m->priority;
			out->count++;
		}
	}
	ares_free_data(mx);
	qsort(out->hosts, out->count, sizeof(out->hosts[0]), mx_cmp);
	return out->count > 0 || out->null_mx ? RESOLVE_OK : RESOLVE_NODATA;
}

static void
add_addrs(struct addr_set *out, const struct query_result *q, int family)
{
	struct ares_addrttl a4[RESOLVE_ADDR_MAX];
	struct ares_addr6ttl a6[RESOLVE_ADDR_MAX];
	int i, n = RESOLVE_ADDR_MAX;

	if (family == AF_INET &&
	    ares_parse_a_reply(q->abuf, q->alen, NULL, a4, &n) == ARES_SUCCESS)
		for (i = 0; i < n && out->count < RESOLVE_ADDR_MAX; i++)
			inet_ntop(AF_INET, &a4[i].ipaddr,
			    out->addr[out->count++], sizeof(out->addr[0]));
	if (family == AF_INET6 &&
	    ares_parse_aaaa_reply(q->abuf, q->alen, NULL, a6, &n) ==
	    ARES_SUCCESS)
		for (i = 0; i < n && out->count < RESOLVE_ADDR_MAX; i++)
			inet_ntop(AF_INET6, &a6[i].ip6addr,
			    out->addr[out->count++], sizeof(out->addr[0]));
}

enum resolve_status
resolve_addrs(struct resolver *r, const char *host, struct addr_set *out)
{
	static const struct { int type, family; } kinds[] = {
		{ T_A, AF_INET }, { T_AAAA, AF_INET6 }
	};
	enum resolve_status st, first = RESOLVE_NODATA;
	struct query_result q;
	size_t i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		st = run_query(r, host, kinds[i].type, &q);
		if (st == RESOLVE_OK)
			add_addrs(out, &q, kinds[i].family);
		else if (i == 0)
			first = st;
		free(q.abuf);
	}
	return out->count > 0 ? RESOLVE_OK : first;
}

const char *
resolve_status_name(enum resolve_status st)
{
	switch (st) {
	case RESOLVE_OK:
		return "ok";
	case RESOLVE_NXDOMAIN:
		return "NXDOMAIN";
	case RESOLVE_NODATA:
		return "no such record";
	case RESOLVE_SERVFAIL:
		return "server failure";
	case RESOLVE_TIMEOUT:
		return "no answer (timeout)";
	case RESOLVE_NOSERVER:
		return "no usable answer (every DNS server answered SERVFAIL, "
		    "REFUSED or NOTIMP, or refused the connection)";
	default:
		return "error";
	}
}

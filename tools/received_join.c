/*
 * received_join.c - TLS-RPT reports joined with the milter's logs (see
 * received_join.h). The log side is kept per policy domain and sender
 * (the registered domain of the client's PTR, else of its HELO, else its
 * IP): messages, would-fail messages, reasons, IPs, MX names, days. The
 * report side is read from the reports already collected. The result is
 * built once as JSON; the text writer prints that same object.
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "received_join.h"
#include "report_jsonlist.h"
#include "regdomain.h"
#include "report_input.h"
#include "report_record.h"
#include "stslex.h"
#include "utctime.h"

#define JOIN_LIST_CAP	64	/* IPs, MX names, days kept per sender */
#define JOIN_NAME_MAX	256

struct jday {
	unsigned long	 msgs, wf_msgs;
};

struct jsender {
	char		*key;
	char		 ptr_reg[JOIN_NAME_MAX], helo_reg[JOIN_NAME_MAX];
	unsigned long	 msgs, wf_msgs;
	unsigned	 reasons;
	struct strlist	 ips, wf_ips, mxs, days;
	struct strmap	 per_day;	/* "YYYY-MM-DD": struct jday */
	const char	*match;		/* "ip", "domain" or NULL: see below */
	const char	*match_org;	/* the reporter it was matched to */
};

struct jdomain {
	struct strmap	 senders;	/* values: struct jsender */
	struct strmap	 days;		/* "YYYY-MM-DD": struct jday */
	struct strlist	 mxs;		/* MX names senders reached */
};

struct rcv_join {
	struct strmap	 doms;		/* values: struct jdomain */
	unsigned long	 lines, records, malformed;
	const struct received *rc;
	struct rec	 rec;
	int		 nomem;
};

struct rcv_join *
received_join_new(void)
{
	struct rcv_join *j = calloc(1, sizeof(*j));

	if (j != NULL)
		strmap_init(&j->doms);
	return j;
}

static void *
slot_new(struct strmap *m, const char *key, size_t size)
{
	void **slot = strmap_slot(m, key, strlen(key));

	if (slot == NULL)
		return NULL;
	if (*slot == NULL)
		*slot = calloc(1, size);
	return *slot;
}

static int
add_domain_entry(struct rcv_join *j, const struct rec *r,
    const struct rec_domain *rd, const char *date)
{
	char ptr_reg[JOIN_NAME_MAX], helo_reg[JOIN_NAME_MAX];
	const char *key;
	struct jdomain *d;
	struct jsender *s;
	struct jday *day, *sday;
	int wf = rd->result == VERDICT_WOULD_FAIL;

	if ((d = slot_new(&j->doms, rd->domain, sizeof(*d))) == NULL)
		return -1;
	regdomain_of(r->ptr, ptr_reg, sizeof(ptr_reg));
	regdomain_of(r->helo, helo_reg, sizeof(helo_reg));
	key = ptr_reg[0] != '\0' ? ptr_reg : helo_reg[0] != '\0' ? helo_reg :
	    r->ip;
	if ((s = slot_new(&d->senders, key, sizeof(*s))) == NULL ||
	    (day = slot_new(&d->days, date, sizeof(*day))) == NULL ||
	    (sday = slot_new(&s->per_day, date, sizeof(*sday))) == NULL)
		return -1;
	if (s->key == NULL) {
		if ((s->key = strdup(key)) == NULL)
			return -1;
		memcpy(s->ptr_reg, ptr_reg, sizeof(ptr_reg));
		memcpy(s->helo_reg, helo_reg, sizeof(helo_reg));
	}
	s->msgs++;
	day->msgs++;
	sday->msgs++;
	if (wf) {
		s->wf_msgs++;
		day->wf_msgs++;
		sday->wf_msgs++;
		s->reasons |= rd->reasons;
		if (strlist_add(&s->wf_ips, r->ip, JOIN_LIST_CAP) == -1 ||
		    strlist_add(&s->days, date, JOIN_LIST_CAP) == -1)
			return -1;
	}
	if (strlist_add(&s->ips, r->ip, JOIN_LIST_CAP) == -1 ||
	    (r->mx[0] != '\0' && (strlist_add(&s->mxs, r->mx,
	    JOIN_LIST_CAP) == -1 || strlist_add(&d->mxs, r->mx,
	    JOIN_LIST_CAP) == -1)))
		return -1;
	return 0;
}

static void
on_line(void *arg, const struct input_line *l)
{
	struct rcv_join *j = arg;
	const struct received *rc = j->rc;
	char why[REC_ERROR_MAX], date[UTCTIME_DATE_LEN];

	j->lines++;
	if (j->nomem)
		return;
	if (l->too_long || rec_parse(l->text, l->len, &j->rec, why,
	    sizeof(why)) == -1) {
		j->malformed++;
		return;
	}
	if (j->rec.event == REC_OTHER ||
	    (rc->has_since && j->rec.ts < rc->since) ||
	    (rc->has_until && j->rec.ts >= rc->until))
		return;
	j->records++;
	utctime_format_date(j->rec.ts, date, sizeof(date));
	for (size_t i = 0; i < j->rec.ndomains; i++) {
		if (!received_domain_wanted(rc, j->rec.domains[i].domain))
			continue;
		if (add_domain_entry(j, &j->rec, &j->rec.domains[i], date) ==
		    -1)
			j->nomem = 1;
	}
}

int
received_join_read(struct rcv_join *j, const struct received *rc,
    const char *path, char *err, size_t errsize)
{
	j->rc = rc;
	if (input_read(path, on_line, j, err, errsize) == -1)
		return -1;
	if (j->nomem) {
		snprintf(err, errsize, "%s: out of memory", path);
		return -1;
	}
	return 0;
}

int
received_join_is_log(const char *path)
{
	char why[REC_ERROR_MAX], *line, *nl;
	struct stat st;
	struct rec *r;
	gzFile gz;
	int n, is_log = 0;

	/* What cannot be read twice (a FIFO, <(zcat ...)) is not looked into. */
	if (stat(path, &st) == -1 || !S_ISREG(st.st_mode) ||
	    (gz = gzopen(path, "rb")) == NULL)
		return 0;
	line = malloc(INPUT_LINE_MAX + 1);
	r = malloc(sizeof(*r));
	if (line != NULL && r != NULL &&
	    (n = gzread(gz, line, INPUT_LINE_MAX)) > 0) {
		line[n] = '\0';
		if ((nl = memchr(line, '\n', (size_t)n)) != NULL)
			n = (int)(nl - line);
		is_log = rec_parse(line, (size_t)n, r, why, sizeof(why)) == 0;
	}
	free(line);
	free(r);
	gzclose(gz);
	return is_log;
}

/* --- the report side ---------------------------------------------------- */

/* The registered domains a reporter names: contact-info, organisation. */
static void
reporter_domains(const struct tlsrpt_report *r, char a[JOIN_NAME_MAX],
    char b[JOIN_NAME_MAX])
{
	const char *at = r->contact != NULL ? strrchr(r->contact, '@') : NULL;

	a[0] = b[0] = '\0';
	if (at != NULL)
		regdomain_of(at + 1, a, JOIN_NAME_MAX);
	if (strchr(r->org, '.') != NULL)
		regdomain_of(r->org, b, JOIN_NAME_MAX);
	if (strcmp(a, b) == 0)
		b[0] = '\0';
}

static int
has(const struct strlist *l, const char *s)
{
	for (size_t i = 0; s != NULL && i < l->n; i++) {
		if (strcmp(l->v[i], s) == 0)
			return 1;
	}
	return 0;
}

/*
 * Reporters whose mail leaves from another registered domain than the one
 * they report from: Microsoft reports as microsoft.com and sends from
 * *.outbound.protection.outlook.com.
 */
static const struct {
	const char	*reporter, *sender;
} domain_aliases[] = {
	{ "microsoft.com", "outlook.com" }
};

/* 1 when a sender's registered domain r is the reporter's domain d. */
static int
domain_is(const char *r, const char *d)
{
	if (r[0] == '\0' || d[0] == '\0')
		return 0;
	if (strcmp(r, d) == 0)
		return 1;
	for (size_t i = 0; i < sizeof(domain_aliases) /
	    sizeof(domain_aliases[0]); i++) {
		if (strcmp(d, domain_aliases[i].reporter) == 0 &&
		    strcmp(r, domain_aliases[i].sender) == 0)
			return 1;
	}
	return 0;
}

static int
same_domain(const struct jsender *s, const char *a, const char *b)
{
	return domain_is(s->ptr_reg, a) || domain_is(s->ptr_reg, b) ||
	    domain_is(s->helo_reg, a) || domain_is(s->helo_reg, b);
}

/*
 * The join of one policy domain: its log side, its senders sorted by key,
 * and every IP address those senders used.
 */
struct jctx {
	const struct received *rc;
	const char	*name;
	const struct jdomain *d;	/* NULL: no log names the domain */
	struct jsender	**sv;
	size_t		 n;
	struct strmap	 by_ip;		/* IP: struct jsender */
};

/* Loops over every policy (p, of report r) about policy domain name. */
#define FOR_POLICIES(rc, name, r, p) \
	for (size_t ri_ = 0; ri_ < (rc)->nreports; ri_++) \
		for (size_t pi_ = 0; pi_ < (rc)->reports[ri_].r.npolicies; \
		    pi_++) \
			if (((r) = &(rc)->reports[ri_].r, \
			    (p) = &(r)->policies[pi_], \
			    (p)->domain != NULL && \
			    strcmp((p)->domain, (name)) == 0))

static struct jsender *
sender_by_ip(const struct jctx *c, const char *ip)
{
	return ip != NULL ? strmap_get(&c->by_ip, ip, strlen(ip)) : NULL;
}

/*
 * Match each sender to a reporter, and say how sure that is: "ip" when a
 * failure in the report names one of the sender's addresses (the first
 * such report wins), else "domain" when the reporter's domain is the
 * sender's PTR or HELO registered domain (the first such reporter), else
 * none. -1 when memory runs out.
 */
static int
compute_matches(struct jctx *c)
{
	const struct tlsrpt_report *r;
	const struct tlsrpt_policy *p;
	struct strmap seen;
	char a[JOIN_NAME_MAX], b[JOIN_NAME_MAX];
	void **slot;

	for (size_t i = 0; i < c->n; i++) {
		c->sv[i]->match = c->sv[i]->match_org = NULL;
		for (size_t k = 0; k < c->sv[i]->ips.n; k++) {
			const char *ip = c->sv[i]->ips.v[k];

			if ((slot = strmap_slot(&c->by_ip, ip, strlen(ip))) ==
			    NULL)
				return -1;
			if (*slot == NULL)
				*slot = c->sv[i];
		}
	}
	FOR_POLICIES(c->rc, c->name, r, p) {
		for (size_t k = 0; k < p->nfailures; k++) {
			struct jsender *s = sender_by_ip(c,
			    p->failures[k].sending_ip);

			if (s != NULL && s->match == NULL) {
				s->match = "ip";
				s->match_org = r->org;
			}
		}
	}
	strmap_init(&seen);
	FOR_POLICIES(c->rc, c->name, r, p) {
		if ((slot = strmap_slot(&seen, r->org, strlen(r->org))) ==
		    NULL) {
			strmap_free(&seen, NULL);
			return -1;
		}
		if (*slot != NULL)
			continue;
		*slot = (void *)r;
		reporter_domains(r, a, b);
		for (size_t i = 0; i < c->n; i++) {
			if (c->sv[i]->match == NULL &&
			    same_domain(c->sv[i], a, b)) {
				c->sv[i]->match = "domain";
				c->sv[i]->match_org = r->org;
			}
		}
	}
	strmap_free(&seen, NULL);
	return 0;
}

/* Result types a session with this MX can show (what the milter judges). */
static int
session_level(const char *type)
{
	static const char *const types[] = {
		"starttls-not-supported", "certificate-host-mismatch",
		"certificate-expired", "certificate-not-trusted",
		"validation-failure"
	};

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		if (strcmp(type, types[i]) == 0)
			return 1;
	}
	return 0;
}

/* NULL when the milter saw this failure, else where to look. */
static const char *
unseen_where(const struct jctx *c, const struct jsender *matched,
    const struct tlsrpt_failure *f, char *buf, size_t size)
{
	const char *t = f->result_type, *name = c->name;
	const struct jdomain *d = c->d;
	const struct jsender *s;

	if (strncmp(t, "sts-", 4) == 0) {
		snprintf(buf, size, "the policy: the _mta-sts.%s TXT record "
		    "and https://mta-sts.%s/.well-known/mta-sts.txt (its "
		    "certificate)", name, name);
		return buf;
	}
	if (strcmp(t, "tlsa-invalid") == 0 || strcmp(t, "dnssec-invalid") ==
	    0 || strcmp(t, "dane-required") == 0)
		return "DNS: DNSSEC and the TLSA records of the MX";
	if (f->receiving_mx != NULL && d != NULL && d->mxs.n > 0 &&
	    !has(&d->mxs, f->receiving_mx)) {
		snprintf(buf, size, "another MX: %s (not in these logs)",
		    f->receiving_mx);
		return buf;
	}
	if (!session_level(t))
		return "a result type the milter does not judge: see the "
		    "failure reason code and additional information";
	if (d == NULL)
		return "no log of this domain: this MX saw none of its mail";
	if (matched != NULL && matched->wf_msgs > 0 &&
	    (f->sending_ip == NULL || has(&matched->wf_ips, f->sending_ip)))
		return NULL;
	if ((s = sender_by_ip(c, f->sending_ip)) != NULL &&
	    has(&s->wf_ips, f->sending_ip))
		return NULL;
	return "the TLS this sender met: the milter saw no failing session "
	    "from it (another path to the MX, or a certificate the milter "
	    "did not see)";
}

/* --- building the JSON --------------------------------------------------- */

static json_t *
sender_json(const struct jsender *s)
{
	return json_pack("{ss sI sI so so so}", "sender", s->key,
	    "messages", (json_int_t)s->msgs,
	    "would_fail_messages", (json_int_t)s->wf_msgs,
	    "reasons", report_json_reasons(s->reasons),
	    "ips", report_json_strings(&s->ips),
	    "days", report_json_strings(&s->days));
}

static int
cmp_key(const void *x, const void *y)
{
	return strcmp((*(struct jsender *const *)x)->key,
	    (*(struct jsender *const *)y)->key);
}

/* The senders of a domain sorted by key (NULL-terminated; free it). */
static struct jsender **
senders_of(const struct jdomain *d, size_t *n)
{
	struct jsender **v;

	*n = 0;
	if (d == NULL)
		return calloc(1, sizeof(*v));
	if ((v = (struct jsender **)strmap_values(&d->senders)) == NULL)
		return NULL;
	*n = d->senders.count;
	qsort(v, *n, sizeof(*v), cmp_key);
	return v;
}

static int
cmp_str(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

/* Every policy domain named by logs or reports, sorted (free it). */
static char **
all_domains(const struct rcv_join *j, const struct received *rc, size_t *n)
{
	struct strmap names;
	char **v;
	size_t k = 0;

	strmap_init(&names);
	for (size_t i = 0; i < j->doms.cap; i++) {
		if (j->doms.slots[i].key != NULL)
			strmap_slot(&names, j->doms.slots[i].key,
			    j->doms.slots[i].len);
	}
	for (size_t i = 0; i < rc->nreports; i++) {
		for (size_t p = 0; p < rc->reports[i].r.npolicies; p++) {
			const char *d = rc->reports[i].r.policies[p].domain;

			if (d != NULL)
				strmap_slot(&names, d, strlen(d));
		}
	}
	if ((v = calloc(names.count + 1, sizeof(*v))) != NULL) {
		for (size_t i = 0; i < names.cap; i++) {
			if (names.slots[i].key != NULL)
				v[k++] = strdup(names.slots[i].key);
		}
		qsort(v, k, sizeof(*v), cmp_str);
	}
	*n = k;
	strmap_free(&names, NULL);
	return v;
}

static const struct jdomain *
find_domain(const struct rcv_join *j, const char *name)
{
	for (size_t i = 0; i < j->doms.cap; i++) {
		if (j->doms.slots[i].key != NULL &&
		    strcmp(j->doms.slots[i].key, name) == 0)
			return j->doms.slots[i].value;
	}
	return NULL;
}

/* The would-fail sender a reporter's failures are best explained by. */
static const struct jsender *
sender_of_reporter(const struct jctx *c, const char *org)
{
	const struct jsender *found = NULL;

	for (size_t i = 0; i < c->n; i++) {
		const struct jsender *s = c->sv[i];

		if (s->wf_msgs == 0 || s->match == NULL ||
		    strcmp(s->match_org, org) != 0)
			continue;
		if (found == NULL || strcmp(s->match, "ip") == 0)
			found = s;
	}
	return found;
}

#define JOIN_UNSEEN_MAX	500

static json_t *
unseen_json(const struct jctx *c, int *truncated)
{
	const struct tlsrpt_report *r;
	const struct tlsrpt_policy *p;
	char buf[3 * JOIN_NAME_MAX], date[UTCTIME_DATE_LEN];
	json_t *a = json_array();
	const char *where;

	*truncated = 0;
	FOR_POLICIES(c->rc, c->name, r, p) {
		const struct jsender *s = sender_of_reporter(c, r->org);

		for (size_t i = 0; i < p->nfailures; i++) {
			const struct tlsrpt_failure *f = &p->failures[i];

			if ((where = unseen_where(c, s, f, buf,
			    sizeof(buf))) == NULL)
				continue;
			if (json_array_size(a) >= JOIN_UNSEEN_MAX) {
				*truncated = 1;
				continue;
			}
			json_array_append_new(a, json_pack("{ss ss ss so so "
			    "sI ss}", "organization", r->org,
			    "date", utctime_format_date(tlsrpt_day(r) *
			    UTCTIME_DAY, date, sizeof(date)),
			    "result_type", f->result_type,
			    "receiving_mx", f->receiving_mx != NULL ?
			    json_string(f->receiving_mx) : json_null(),
			    "sending_ip", f->sending_ip != NULL ?
			    json_string(f->sending_ip) : json_null(),
			    "count", (json_int_t)f->count, "where", where));
		}
	}
	return a;
}

/* Add n to the integer member key of o. */
static void
add_to(json_t *o, const char *key, unsigned long n)
{
	json_object_set_new(o, key, json_integer((json_int_t)tlsrpt_sum(
	    (unsigned long)json_integer_value(json_object_get(o, key)), n)));
}

/* The entry of date in map, created with zero counts. */
static json_t *
day_entry(json_t *map, const char *date, int with_reporters)
{
	json_t *e = json_object_get(map, date);

	if (e != NULL)
		return e;
	e = json_pack("{ss sI sI sI sI}", "date", date,
	    "milter_messages", (json_int_t)0,
	    "milter_would_fail", (json_int_t)0,
	    "reported_successful", (json_int_t)0,
	    "reported_failed", (json_int_t)0);
	if (with_reporters)
		json_object_set_new(e, "reporters", json_array());
	json_object_set_new(map, date, e);
	return e;
}

/* The milter's counts of one day into its entry. */
static void
add_milter_days(json_t *map, const struct strmap *per_day, int with_reporters)
{
	for (size_t i = 0; i < per_day->cap; i++) {
		const struct jday *day = per_day->slots[i].value;
		json_t *e;

		if (per_day->slots[i].key == NULL)
			continue;
		e = day_entry(map, per_day->slots[i].key, with_reporters);
		add_to(e, "milter_messages", day->msgs);
		add_to(e, "milter_would_fail", day->wf_msgs);
	}
}

/* A report policy's counts into the entry of its day. */
static json_t *
add_reported_day(json_t *map, const struct tlsrpt_report *r,
    const struct tlsrpt_policy *p, int with_reporters)
{
	char date[UTCTIME_DATE_LEN];
	json_t *e;

	utctime_format_date(tlsrpt_day(r) * UTCTIME_DAY, date, sizeof(date));
	e = day_entry(map, date, with_reporters);
	add_to(e, "reported_successful", p->successful);
	add_to(e, "reported_failed", p->failed);
	return e;
}

/* The entries of a date map as an array in date order; map is released. */
static json_t *
sorted_days(json_t *map)
{
	json_t *list = json_array(), *e;
	const char **keys = calloc(json_object_size(map) + 1, sizeof(*keys));
	const char *k;
	size_t nk = 0;

	json_object_foreach(map, k, e) {
		if (keys != NULL)
			keys[nk++] = k;
	}
	if (keys != NULL) {
		qsort(keys, nk, sizeof(*keys), cmp_str);
		for (size_t i = 0; i < nk; i++)
			json_array_append(list, json_object_get(map, keys[i]));
	}
	free(keys);
	json_decref(map);
	return list;
}

/*
 * Per reporter organisation: its domains, the senders it maps to and how
 * sure that is, its totals, and per UTC day what it reported beside what
 * the milter saw of those senders (the same day and sender, side by side).
 */
static json_t *
orgs_json(const struct jctx *c)
{
	const struct tlsrpt_report *r;
	const struct tlsrpt_policy *p;
	json_t *by_org = json_object(), *org_days = json_object();
	json_t *list = json_array(), *o, *e;
	const char *k;
	char a[JOIN_NAME_MAX], b[JOIN_NAME_MAX];

	FOR_POLICIES(c->rc, c->name, r, p) {
		if ((o = json_object_get(by_org, r->org)) == NULL) {
			json_t *senders = json_array(), *days = json_object();
			const char *sure = "none";

			for (size_t i = 0; i < c->n; i++) {
				const struct jsender *s = c->sv[i];

				if (s->match == NULL ||
				    strcmp(s->match_org, r->org) != 0)
					continue;
				json_array_append_new(senders,
				    json_string(s->key));
				add_milter_days(days, &s->per_day, 0);
				if (strcmp(sure, "ip") != 0)
					sure = s->match;
			}
			reporter_domains(r, a, b);
			o = json_pack("{ss s[] ss so sI sI}", "organization",
			    r->org, "reporter_domains", "match", sure,
			    "senders", senders, "reported_successful",
			    (json_int_t)0, "reported_failed", (json_int_t)0);
			if (a[0] != '\0')
				json_array_append_new(json_object_get(o,
				    "reporter_domains"), json_string(a));
			if (b[0] != '\0')
				json_array_append_new(json_object_get(o,
				    "reporter_domains"), json_string(b));
			json_object_set_new(by_org, r->org, o);
			json_object_set_new(org_days, r->org, days);
			json_array_append(list, o);
		}
		add_to(o, "reported_successful", p->successful);
		add_to(o, "reported_failed", p->failed);
		add_reported_day(json_object_get(org_days, r->org), r, p, 0);
	}
	json_object_foreach(by_org, k, o) {
		e = json_object_get(org_days, k);
		json_object_set_new(o, "days", sorted_days(json_incref(e)));
	}
	json_decref(org_days);
	json_decref(by_org);
	return list;
}

static int
in_array(const json_t *a, const char *s)
{
	const json_t *v;
	size_t i;

	json_array_foreach(a, i, v) {
		if (strcmp(json_string_value(v), s) == 0)
			return 1;
	}
	return 0;
}

/* Per UTC day: what the milter saw and what the reporters said. */
static json_t *
days_json(const struct received *rc, const char *name,
    const struct jdomain *d)
{
	const struct tlsrpt_report *r;
	const struct tlsrpt_policy *p;
	json_t *map = json_object(), *e;

	if (d != NULL)
		add_milter_days(map, &d->days, 1);
	FOR_POLICIES(rc, name, r, p) {
		e = add_reported_day(map, r, p, 1);
		if (!in_array(json_object_get(e, "reporters"), r->org))
			json_array_append_new(json_object_get(e, "reporters"),
			    json_string(r->org));
	}
	return sorted_days(map);
}

static json_t *
domain_json(const struct rcv_join *j, const struct received *rc,
    const char *name)
{
	struct jctx c = { .rc = rc, .name = name, .d = find_domain(j, name) };
	json_t *aware, *unaware, *o, *unseen;
	char text[300];
	int truncated;

	strmap_init(&c.by_ip);
	if ((c.sv = senders_of(c.d, &c.n)) == NULL ||
	    compute_matches(&c) == -1) {
		free(c.sv);
		strmap_free(&c.by_ip, NULL);
		return NULL;
	}
	aware = json_array();
	unaware = json_array();
	for (size_t i = 0; i < c.n; i++) {
		const struct jsender *s = c.sv[i];

		if (s->wf_msgs == 0)
			continue;
		o = sender_json(s);
		json_object_set_new(o, "match", json_string(s->match != NULL ?
		    s->match : "none"));
		if (s->match != NULL) {
			json_object_set_new(o, "organization",
			    json_string(s->match_org));
			json_array_append_new(aware, o);
		} else
			json_array_append_new(unaware, o);
	}
	unseen = unseen_json(&c, &truncated);
	if (json_array_size(aware) > 0)
		snprintf(text, sizeof(text), "%zu sender%s that send%s "
		    "TLS-RPT reports (so apply MTA-STS) would fail: they stop "
		    "delivering once the policy is enforce",
		    json_array_size(aware), json_array_size(aware) == 1 ?
		    "" : "s", json_array_size(aware) == 1 ? "s" : "");
	else if (c.d == NULL)
		snprintf(text, sizeof(text), "no log of this domain: "
		    "only the reports speak for it");
	else
		snprintf(text, sizeof(text), "no sender that reports would "
		    "fail; %zu sender%s with no sign of MTA-STS would fail "
		    "(they will not notice)", json_array_size(unaware),
		    json_array_size(unaware) == 1 ? "" : "s");
	o = json_pack("{ss s{ss ss} so so so so so sb}", "domain", name,
	    "verdict", "status", json_array_size(aware) > 0 ? "not-ready" :
	    c.d == NULL ? "no-logs" : "ready", "text", text,
	    "days", days_json(rc, name, c.d),
	    "organizations", orgs_json(&c),
	    "aware_failing", aware, "unaware_failing", unaware,
	    "unseen_failures", unseen, "unseen_failures_truncated",
	    truncated);
	free(c.sv);
	strmap_free(&c.by_ip, NULL);
	return o;
}

json_t *
received_join_json(const struct rcv_join *j, const struct received *rc)
{
	json_t *list = json_array(), *dj;
	char **names;
	size_t n;

	if ((names = all_domains(j, rc, &n)) == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (names[i] != NULL && (dj = domain_json(j, rc,
		    names[i])) != NULL)
			json_array_append_new(list, dj);
		free(names[i]);
	}
	free(names);
	return json_pack("{s{sI sI sI} so}", "logs",
	    "lines", (json_int_t)j->lines, "records", (json_int_t)j->records,
	    "malformed", (json_int_t)j->malformed, "domains", list);
}

/* --- text ---------------------------------------------------------------- */

static void
text_names(FILE *f, const json_t *a)
{
	const json_t *v;
	size_t i;

	json_array_foreach(a, i, v)
		fprintf(f, "%s%s", i > 0 ? "," : "", json_string_value(v));
}

static void
text_senders(FILE *f, const char *title, const json_t *a)
{
	const json_t *s;
	size_t i;

	fprintf(f, "  %s: %zu\n", title, json_array_size(a));
	json_array_foreach(a, i, s) {
		fprintf(f, "    %s: %lld of %lld messages would fail (",
		    json_string_value(json_object_get(s, "sender")),
		    (long long)json_integer_value(json_object_get(s,
		    "would_fail_messages")),
		    (long long)json_integer_value(json_object_get(s,
		    "messages")));
		text_names(f, json_object_get(s, "reasons"));
		fputs("); IPs ", f);
		text_names(f, json_object_get(s, "ips"));
		if (json_object_get(s, "organization") != NULL)
			fprintf(f, "; reports as \"%s\" (match: %s)",
			    json_string_value(json_object_get(s,
			    "organization")), json_string_value(
			    json_object_get(s, "match")));
		fputc('\n', f);
	}
}

int
received_join_text(FILE *f, const json_t *join)
{
	const json_t *d, *e, *day;
	size_t i, j, k;

	fprintf(f, "\njoined with the milter's logs: %lld lines, %lld "
	    "records, %lld malformed\n", (long long)json_integer_value(
	    json_object_get(json_object_get(join, "logs"), "lines")),
	    (long long)json_integer_value(json_object_get(json_object_get(
	    join, "logs"), "records")), (long long)json_integer_value(
	    json_object_get(json_object_get(join, "logs"), "malformed")));
	json_array_foreach(json_object_get(join, "domains"), i, d) {
		const json_t *v = json_object_get(d, "verdict");

		fprintf(f, "\n%s: %s: %s\n", json_string_value(
		    json_object_get(d, "domain")), json_string_value(
		    json_object_get(v, "status")), json_string_value(
		    json_object_get(v, "text")));
		json_array_foreach(json_object_get(d, "days"), k, e) {
			fprintf(f, "  %s: milter %lld messages, %lld would "
			    "fail; reporters (", json_string_value(
			    json_object_get(e, "date")),
			    (long long)json_integer_value(json_object_get(e,
			    "milter_messages")), (long long)json_integer_value(
			    json_object_get(e, "milter_would_fail")));
			if (json_array_size(json_object_get(e, "reporters")) ==
			    0)
				fputs("no report", f);
			text_names(f, json_object_get(e, "reporters"));
			fprintf(f, ") %lld ok, %lld failed\n",
			    (long long)json_integer_value(json_object_get(e,
			    "reported_successful")),
			    (long long)json_integer_value(json_object_get(e,
			    "reported_failed")));
		}
		json_array_foreach(json_object_get(d, "organizations"), k, e) {
			fprintf(f, "  reporter %s -> ", json_string_value(
			    json_object_get(e, "organization")));
			if (json_array_size(json_object_get(e, "senders")) == 0)
				fputs("no sender in the logs", f);
			text_names(f, json_object_get(e, "senders"));
			fprintf(f, " (match: %s)\n", json_string_value(
			    json_object_get(e, "match")));
			json_array_foreach(json_object_get(e, "days"), j, day)
				fprintf(f, "    %s: reported %lld ok, %lld "
				    "failed; milter %lld messages, %lld would "
				    "fail\n", json_string_value(json_object_get(
				    day, "date")), (long long)json_integer_value(
				    json_object_get(day, "reported_successful")),
				    (long long)json_integer_value(json_object_get(
				    day, "reported_failed")),
				    (long long)json_integer_value(json_object_get(
				    day, "milter_messages")),
				    (long long)json_integer_value(json_object_get(
				    day, "milter_would_fail")));
		}
		text_senders(f, "1. reporting senders that would fail (stop "
		    "delivering at enforce)", json_object_get(d,
		    "aware_failing"));
		text_senders(f, "2. would-fail senders with no sign of MTA-STS",
		    json_object_get(d, "unaware_failing"));
		fprintf(f, "  3. failures reporters saw that this MX did not: "
		    "%zu\n", json_array_size(json_object_get(d,
		    "unseen_failures")));
		json_array_foreach(json_object_get(d, "unseen_failures"), k,
		    e) {
			const json_t *mx = json_object_get(e, "receiving_mx");
			const json_t *ip = json_object_get(e, "sending_ip");

			fprintf(f, "    %s %s: %s x%lld (MX %s, from %s): look "
			    "at %s\n", json_string_value(json_object_get(e,
			    "date")), json_string_value(json_object_get(e,
			    "organization")), json_string_value(
			    json_object_get(e, "result_type")),
			    (long long)json_integer_value(json_object_get(e,
			    "count")), json_is_string(mx) ?
			    json_string_value(mx) : "-", json_is_string(ip) ?
			    json_string_value(ip) : "-", json_string_value(
			    json_object_get(e, "where")));
		}
	}
	return ferror(f) ? -1 : 0;
}

static void
free_sender(void *p)
{
	struct jsender *s = p;

	free(s->key);
	strlist_free(&s->ips);
	strlist_free(&s->wf_ips);
	strlist_free(&s->mxs);
	strlist_free(&s->days);
	strmap_free(&s->per_day, free);
	free(s);
}

static void
free_domain(void *p)
{
	struct jdomain *d = p;

	strmap_free(&d->senders, free_sender);
	strmap_free(&d->days, free);
	strlist_free(&d->mxs);
	free(d);
}

void
received_join_free(struct rcv_join *j)
{
	if (j == NULL)
		return;
	strmap_free(&j->doms, free_domain);
	free(j);
}

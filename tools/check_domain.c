/*
 * check_domain.c - "mtasts-check domain": the self-check. Looks at a domain
 * the way a conforming sender does (DNS TXT, HTTPS policy fetch, MX
 * lookup, STARTTLS to every MX) and reports one line per check with a
 * verdict (DESIGN.md section 10). The judgements live in domain_rules.c;
 * this file gathers the facts and prints.
 *
 * Check ids (stable): sts-record policy-fetch policy-host-cert
 * policy-syntax mx-coverage mx-tls (one per MX host) tlsrpt-record max-age
 * mode change. Exit 0 when no check fails, 1 otherwise, 2 on usage error.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "check.h"
#include "check_output.h"
#include "domain_rules.h"
#include "fetch.h"
#include "mxmatch.h"
#include "policy.h"
#include "printable.h"
#include "record.h"
#include "resolve.h"
#include "stslex.h"
#include "stsstate.h"
#include "tlsprobe.h"

#define DOMAIN_CHECKS_MAX	(10 + RESOLVE_MX_MAX)
#define DOMAIN_TIMEOUT_DEFAULT	10	/* seconds per connection or fetch */
#define DOMAIN_SLOW_FETCH_MS	5000	/* a fetch slower than this warns, */
					/* or than half the timeout */
#define TARGET_MAX		(RESOLVE_NAME_MAX + 64)
#define TARGET_COLUMN_MAX	40

struct check_item {
	const char	*id;
	enum rule_status status;
	char		 target[TARGET_MAX];
	char		 message[RULE_MSG_MAX];
};

/* Everything one run has learnt, check after check. */
struct domain_run {
	const struct check_args *args;
	char		 domain[RESOLVE_NAME_MAX];
	char		 policy_host[RESOLVE_NAME_MAX + 8];	/* mta-sts. */
	time_t		 now;
	struct resolver	*res;
	struct tlsprobe_options probe;
	int		 txt_present;
	struct sts_record record;
	struct fetch_result fetch;
	int		 fetched;
	struct sts_policy policy;
	struct diag_list pdiags;
	int		 parsed, valid;
	struct mx_rrset	 mx;
	enum resolve_status mx_status;
	enum rule_status coverage;
	struct check_item items[DOMAIN_CHECKS_MAX];
	size_t		 count;
};

static struct check_item *
add_item(struct domain_run *run, const char *id, const char *target)
{
	struct check_item *it = &run->items[run->count];

	if (run->count < DOMAIN_CHECKS_MAX - 1)
		run->count++;
	memset(it, 0, sizeof(*it));
	it->id = id;
	printable_copy(it->target, sizeof(it->target), target);
	return it;
}

static void set_item(struct check_item *, enum rule_status, const char *,
	    ...) __attribute__((format(printf, 3, 4)));

static void
set_item(struct check_item *it, enum rule_status st, const char *fmt, ...)
{
	char raw[RULE_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	it->status = st;
	printable_copy(it->message, sizeof(it->message), raw);
}

/* Diagnostics as "line N: message" items appended to msg. */
static enum rule_status
diags_text(const struct diag_list *diags, int (*skip)(const char *),
    char *msg, size_t size)
{
	enum rule_status st = RULE_PASS;
	const struct diag *d;
	size_t i;

	for (i = 0; i < diags->count; i++) {
		d = &diags->items[i];
		if (skip != NULL && skip(d->code))
			continue;
		if (d->line != 0)
			rule_append(msg, size, "line %u: %s [%s]", d->line,
			    d->message, d->code);
		else
			rule_append(msg, size, "%s [%s]", d->message, d->code);
		if (d->severity == DIAG_ERROR)
			st = RULE_FAIL;
		else if (st == RULE_PASS)
			st = RULE_WARN;
	}
	return st;
}

/* The summaries that the lenient-only message of a check already says. */
static int
is_lenient_code(const char *code)
{
	return strcmp(code, "record-lenient-only") == 0 ||
	    strcmp(code, "policy-lenient-only") == 0;
}

static int
skip_policy_code(const char *code)
{
	return rule_is_max_age_code(code) || is_lenient_code(code);
}

/* ---- sts-record and tlsrpt-record ----------------------------------- */

static int
resolve_rrset(struct domain_run *run, const char *name,
    struct txt_rrset *txt, struct check_item *it, enum rule_status missing,
    const char *advice)
{
	enum resolve_status st = resolve_txt(run->res, name, txt);

	if (st == RESOLVE_OK)
		return 0;
	if (st == RESOLVE_NXDOMAIN || st == RESOLVE_NODATA)
		set_item(it, missing, "no TXT record at %s: %s", name, advice);
	else
		set_item(it, RULE_FAIL, "DNS lookup of %s failed: %s", name,
		    resolve_status_name(st));
	return -1;
}

static void
check_sts_record(struct domain_run *run)
{
	char name[TARGET_MAX], msg[RULE_MSG_MAX] = "", who[RULE_MSG_MAX];
	struct check_item *it;
	struct txt_rrset txt;
	struct diag_list diags;
	enum rule_status st;
	long idx;
	int valid = 0;

	snprintf(name, sizeof(name), "_mta-sts.%s", run->domain);
	it = add_item(run, "sts-record", name);
	if (resolve_rrset(run, name, &txt, it, RULE_FAIL, "senders see no "
	    "MTA-STS policy; publish \"v=STSv1; id=20240101T000000\"") == -1)
		return;
	diag_init(&diags);
	idx = sts_record_select((const char *const *)txt.txt, txt.len,
	    txt.count, &diags);
	if (idx >= 0)
		valid = sts_record_parse(txt.txt[idx], txt.len[idx],
		    STS_STRICT, &run->record, &diags);
	/* Lenient senders go on to fetch the policy: so do the checks. */
	run->txt_present = valid || run->record.lenient != 0;
	st = diags_text(&diags, is_lenient_code, msg, sizeof(msg));
	if (valid)
		set_item(it, st, "id %s%s%s", run->record.id, *msg ? "; " : "",
		    msg);
	else if (run->record.lenient) {
		st = rule_lenient_only(run->record.lenient, "record", who,
		    sizeof(who));
		set_item(it, st, "id %s: %s: %s", run->record.id, who, msg);
	} else
		set_item(it, RULE_FAIL, "senders find no usable record: %s",
		    msg);
	txt_rrset_free(&txt);
}

static void
check_tlsrpt_record(struct domain_run *run)
{
	char name[TARGET_MAX], msg[RULE_MSG_MAX] = "";
	struct tlsrpt_record record;
	struct check_item *it;
	struct txt_rrset txt;
	struct diag_list diags;
	enum rule_status st;
	long idx;
	size_t i;
	int valid = 0;

	snprintf(name, sizeof(name), "_smtp._tls.%s", run->domain);
	it = add_item(run, "tlsrpt-record", name);
	if (resolve_rrset(run, name, &txt, it, RULE_WARN, "the domain gets "
	    "no TLS reports; publish \"v=TLSRPTv1; rua=mailto:ADDRESS\"") ==
	    -1)
		return;
	memset(&record, 0, sizeof(record));
	diag_init(&diags);
	idx = tlsrpt_record_select((const char *const *)txt.txt, txt.len,
	    txt.count, &diags);
	if (idx >= 0)
		valid = tlsrpt_record_parse(txt.txt[idx], txt.len[idx],
		    &record, &diags);
	st = diags_text(&diags, NULL, msg, sizeof(msg));
	if (valid) {
		for (i = 0; i < record.rua_count; i++)
			rule_append(msg, sizeof(msg), "reports go to %s",
			    record.rua[i]);
		set_item(it, st, "%s", msg);
	} else
		set_item(it, RULE_FAIL, "senders send no TLS reports: %s", msg);
	tlsrpt_record_free(&record);
	txt_rrset_free(&txt);
}

/* ---- the policy ------------------------------------------------------- */

static void
check_policy_fetch(struct domain_run *run)
{
	struct fetch_options fo;
	struct check_item *it;
	struct fetch_result *f = &run->fetch;

	memset(&fo, 0, sizeof(fo));
	fo.ca_file = run->args->ca_file;
	fo.connect_to = run->args->connect_to;
	fo.connect_to_count = run->args->connect_to_count;
	fo.timeout_ms = (long)run->probe.timeout_ms;
	long slow = fo.timeout_ms / 2 < DOMAIN_SLOW_FETCH_MS ?
	    fo.timeout_ms / 2 : DOMAIN_SLOW_FETCH_MS;

	fetch_policy(run->domain, &fo, f);
	it = add_item(run, "policy-fetch", run->policy_host);
	if (f->status == FETCH_OK) {
		run->fetched = 1;
		set_item(it, f->elapsed_ms > slow ? RULE_WARN : RULE_PASS,
		    "%s: HTTP %ld, %s, %zu bytes in %ld ms%s", f->url,
		    f->http_code, f->content_type, f->body_len, f->elapsed_ms,
		    f->elapsed_ms > slow ? ": slow, senders may give up; "
		    "serve it faster" : "");
	} else if (!run->txt_present)
		set_item(it, RULE_SKIP, "no policy served (%s), and no TXT "
		    "record announces one", f->error);
	else
		set_item(it, RULE_FAIL, "%s%s: senders cannot get the policy",
		    f->status == FETCH_WEBPKI_INVALID ? "certificate rejected: "
		    : "", f->error);
}

static void
check_policy_host_cert(struct domain_run *run)
{
	const char *host = run->policy_host;
	char msg[RULE_MSG_MAX] = "";
	struct tlsprobe_result r;
	struct check_item *it;
	enum rule_status st;

	it = add_item(run, "policy-host-cert", host);
	tlsprobe_tls(host, TLSPROBE_HTTPS_PORT, &run->probe, &r);
	if (!r.reached || !r.tls.ok) {
		set_item(it, run->txt_present || run->fetched ? RULE_FAIL :
		    RULE_SKIP, "no TLS handshake with %s: %s", host, r.error);
		return;
	}
	st = rule_certificate(&r, run->now, msg, sizeof(msg));
	set_item(it, st, "%s; %s via %s", msg, r.tls.version, r.peer);
}

static void
check_policy_syntax(struct domain_run *run)
{
	struct check_item *it = add_item(run, "policy-syntax",
	    run->policy_host);
	char msg[RULE_MSG_MAX] = "", who[RULE_MSG_MAX];
	enum rule_status st;

	if (!run->fetched) {
		set_item(it, RULE_SKIP, "no policy to check (policy-fetch)");
		return;
	}
	diag_init(&run->pdiags);
	run->valid = policy_parse(run->fetch.body, run->fetch.body_len,
	    STS_STRICT, &run->policy, &run->pdiags);
	run->parsed = 1;
	st = diags_text(&run->pdiags, skip_policy_code, msg, sizeof(msg));
	if (!run->valid && run->policy.lenient) {
		st = rule_lenient_only(run->policy.lenient, "policy", who,
		    sizeof(who));
		set_item(it, st, "%s: %s", who, *msg ? msg : "see max-age");
	} else if (!run->valid)
		set_item(it, RULE_FAIL, "invalid, senders ignore it: %s", *msg ?
		    msg : "see max-age");
	else
		set_item(it, st, "valid: mode %s, %zu mx pattern%s%s%s",
		    sts_mode_name(run->policy.mode), run->policy.mx_count,
		    run->policy.mx_count == 1 ? "" : "s", *msg ? "; " : "",
		    msg);
}

/* Some sender applies the fetched policy (maybe only lenient ones). */
static int
policy_applied(const struct domain_run *run)
{
	return run->parsed && (run->valid || run->policy.lenient != 0);
}

static void
check_max_age(struct domain_run *run)
{
	struct check_item *it = add_item(run, "max-age", run->domain);
	char msg[RULE_MSG_MAX];
	enum rule_status st;

	if (!run->parsed) {
		set_item(it, RULE_SKIP, "no policy to check (policy-fetch)");
		return;
	}
	st = rule_max_age(&run->policy, &run->pdiags, msg, sizeof(msg));
	set_item(it, st, "%s", msg);
}

static void
check_mode(struct domain_run *run)
{
	struct check_item *it = add_item(run, "mode", run->domain);

	if (!run->parsed)
		set_item(it, RULE_SKIP, "no policy to check (policy-fetch)");
	else if (run->policy.mode == STS_MODE_TESTING)
		set_item(it, RULE_PASS, "testing: senders deliver even when "
		    "validation fails and report it (TLS-RPT); switch to "
		    "enforce once every check passes");
	else if (run->policy.mode == STS_MODE_ENFORCE)
		set_item(it, RULE_PASS, "enforce: conforming senders refuse "
		    "MX hosts that fail validation");
	else if (run->policy.mode == STS_MODE_NONE)
		set_item(it, RULE_WARN, "none: senders apply no policy%s",
		    run->txt_present ? "; to finish removing MTA-STS (RFC "
		    "8461 8.3) keep this policy served under a new TXT id "
		    "until every earlier policy has expired (when it was "
		    "last served + its max_age), then remove the TXT record "
		    "and the policy host" : "");
	else
		set_item(it, RULE_FAIL, "no valid mode: write \"mode: "
		    "testing\", enforce or none");
}

/* ---- MX hosts ---------------------------------------------------------- */

static void
mx_names(const struct domain_run *run, const char **names)
{
	size_t i;

	for (i = 0; i < run->mx.count; i++)
		names[i] = run->mx.hosts[i].name;
}

/* 0 when there are MX hosts to look at; else an item says why not. */
static int
mx_usable(struct domain_run *run, struct check_item *it)
{
	if (run->mx_status != RESOLVE_OK) {
		set_item(it, RULE_FAIL, "MX lookup failed: %s",
		    resolve_status_name(run->mx_status));
		return -1;
	}
	if (run->mx.count == 0) {
		set_item(it, RULE_FAIL, "null MX (RFC 7505): the domain "
		    "accepts no mail, MTA-STS has nothing to protect");
		return -1;
	}
	return 0;
}

static void
check_mx_coverage(struct domain_run *run)
{
	struct check_item *it = add_item(run, "mx-coverage", run->domain);
	const char *names[RESOLVE_MX_MAX];
	char msg[RULE_MSG_MAX];
	enum rule_status st;

	run->coverage = RULE_SKIP;
	run->mx_status = resolve_mx(run->res, run->domain, &run->mx);
	if (mx_usable(run, it) == -1)
		return;
	if (!policy_applied(run)) {
		set_item(it, RULE_SKIP, "no valid policy to match the MX "
		    "hosts against");
		return;
	}
	mx_names(run, names);
	st = rule_mx_coverage(&run->policy, names, run->mx.count, msg,
	    sizeof(msg));
	run->coverage = st;
	set_item(it, st, "%s%s", run->mx.implicit ? "no MX record, the "
	    "domain is its own (implicit) MX; " : "", msg);
}

static void
check_mx_tls(struct domain_run *run)
{
	struct tlsprobe_result *r;
	const char *names[RESOLVE_MX_MAX];
	char msg[RULE_MSG_MAX];
	struct check_item *it;
	size_t i;

	if (run->mx_status != RESOLVE_OK || run->mx.count == 0) {
		it = add_item(run, "mx-tls", run->domain);
		set_item(it, RULE_SKIP, "no MX host to probe (mx-coverage)");
		return;
	}
	if ((r = calloc(run->mx.count, sizeof(*r))) == NULL) {
		it = add_item(run, "mx-tls", run->domain);
		set_item(it, RULE_FAIL, "out of memory");
		return;
	}
	mx_names(run, names);
	tlsprobe_run(names, run->mx.count, &run->probe, r);
	for (i = 0; i < run->mx.count; i++) {
		it = add_item(run, "mx-tls", names[i]);
		set_item(it, rule_mx_tls(&r[i], run->now, msg, sizeof(msg)),
		    "%s", msg);
	}
	free(r);
}

/* ---- change -------------------------------------------------------------- */

static void
observe(const struct domain_run *run, struct stsstate_obs *obs)
{
	size_t i;

	memset(obs, 0, sizeof(*obs));
	obs->when = (long long)run->now;
	obs->txt_present = run->txt_present;
	snprintf(obs->id, sizeof(obs->id), "%s", run->record.id);
	obs->policy_ok = policy_applied(run) &&
	    stsstate_hash(run->fetch.body, run->fetch.body_len, obs->hash) == 0;
	obs->max_age = run->policy.max_age;
	obs->mx_ok = run->mx_status == RESOLVE_OK;
	for (i = 0; obs->mx_ok && i < run->mx.count; i++)
		snprintf(obs->mx[i], sizeof(obs->mx[i]), "%s",
		    run->mx.hosts[i].name);
	obs->mx_count = obs->mx_ok ? run->mx.count : 0;
	stsstate_obs_sort_mx(obs);
}

static void
check_change(struct domain_run *run)
{
	const char *dir = run->args->state_dir;
	struct check_item *it = add_item(run, "change", run->domain);
	struct stsstate *st;
	struct stsstate_obs obs;
	struct stsstate_change ch;
	char msg[RULE_MSG_MAX], err[512] = "";
	enum rule_status status;

	if (dir == NULL) {
		set_item(it, RULE_SKIP, "no earlier run to compare with: give "
		    "--state-dir DIR to record runs");
		return;
	}
	if ((st = malloc(sizeof(*st))) == NULL) {
		set_item(it, RULE_FAIL, "out of memory");
		return;
	}
	(void)stsstate_load(dir, run->domain, st, err, sizeof(err));
	observe(run, &obs);
	stsstate_compare(st, &obs, &ch);
	status = rule_change(st, &obs, &ch, run->coverage == RULE_PASS, msg,
	    sizeof(msg));
	stsstate_update(st, &obs);
	if (*err != '\0')
		rule_append(msg, sizeof(msg), "%s", err);
	if (stsstate_save(dir, run->domain, st, err, sizeof(err)) == -1) {
		rule_append(msg, sizeof(msg), "state not saved: %s", err);
		status = status > RULE_WARN ? status : RULE_WARN;
	}
	set_item(it, status, "%s", msg);
	free(st);
}

/* ---- output -------------------------------------------------------------- */

static enum rule_status
run_verdict(const struct domain_run *run)
{
	enum rule_status st[DOMAIN_CHECKS_MAX];
	size_t i;

	for (i = 0; i < run->count; i++)
		st[i] = run->items[i].status;
	return rule_verdict(st, run->count);
}

static const char *
status_colour(enum rule_status st)
{
	static const char *const colours[] = {
		"\033[32m", "\033[2m", "\033[33m", "\033[31m"
	};

	return colours[st <= RULE_FAIL ? st : RULE_FAIL];
}

static void
print_status(enum rule_status st, int colour, int width)
{
	const char *name = rule_status_name(st);

	if (colour)
		printf("%s%s\033[0m", status_colour(st), name);
	else
		printf("%s", name);
	printf("%*s", width - (int)strlen(name) + 2, "");
}

static void
print_text(const struct domain_run *run)
{
	const struct check_item *it;
	int colour, idw = 5, tw = 6, n;
	size_t i, counts[RULE_FAIL + 1] = { 0 };

	colour = isatty(STDOUT_FILENO) && getenv("NO_COLOR") == NULL;
	for (i = 0; i < run->count; i++) {
		it = &run->items[i];
		if ((n = (int)strlen(it->id)) > idw)
			idw = n;
		if ((n = (int)strlen(it->target)) > tw)
			tw = n < TARGET_COLUMN_MAX ? n : TARGET_COLUMN_MAX;
	}
	printf("%-6s  %-*s  %-*s  %s\n", "STATUS", idw, "CHECK", tw, "TARGET",
	    "FINDINGS");
	for (i = 0; i < run->count; i++) {
		it = &run->items[i];
		counts[it->status]++;
		print_status(it->status, colour, 6);
		printf("%-*s  %-*s  %s\n", idw, it->id, tw, it->target,
		    it->message);
	}
	printf("verdict: %s (%zu fail, %zu warn, %zu pass, %zu skip)\n",
	    rule_status_name(run_verdict(run)), counts[RULE_FAIL],
	    counts[RULE_WARN], counts[RULE_PASS], counts[RULE_SKIP]);
}

static int
print_json(const struct domain_run *run)
{
	const struct check_item *it;
	json_t *root, *checks;
	size_t i;
	int rc = -1;

	checks = json_array();
	for (i = 0; checks != NULL && i < run->count; i++) {
		it = &run->items[i];
		json_array_append_new(checks, json_pack("{s:s, s:s, s:o, s:o}",
		    "id", it->id, "status", rule_status_name(it->status),
		    "target", out_json_text(it->target),
		    "message", out_json_text(it->message)));
	}
	root = json_pack("{s:o, s:s, s:o*}", "domain",
	    out_json_text(run->domain), "verdict",
	    rule_status_name(run_verdict(run)), "checks", checks);
	if (root == NULL)
		fprintf(stderr, "mtasts-check: out of memory building the "
		    "JSON output\n");
	else if (json_dumpf(root, stdout, JSON_COMPACT | JSON_ENSURE_ASCII)
	    == 0 && putchar('\n') != EOF)
		rc = 0;
	json_decref(root);
	return rc;
}

/* ---- the run ------------------------------------------------------------- */

/* Lower case, no trailing dot, a valid domain name; 0 or -1. */
static int
normalise_domain(const char *arg, char *out, size_t size)
{
	size_t len = strlen(arg);

	if (len > 1 && arg[len - 1] == '.')
		len--;
	if (len >= size || !domain_valid(arg, len))
		return check_usage_error("domain: \"%s\" is not a domain name",
		    arg);
	memcpy(out, arg, len);
	out[len] = '\0';
	lex_lower_str(out);
	return 0;
}

static int
run_setup(struct domain_run *run, const struct check_args *args)
{
	char err[256];
	int timeout = args->timeout > 0 ? args->timeout :
	    DOMAIN_TIMEOUT_DEFAULT;

	run->args = args;
	run->now = time(NULL);
	snprintf(run->policy_host, sizeof(run->policy_host), "mta-sts.%s",
	    run->domain);
	run->probe.ca_file = args->ca_file;
	run->probe.dns_servers = args->dns_server;
	run->probe.connect_to = args->connect_to;
	run->probe.connect_to_count = args->connect_to_count;
	run->probe.timeout_ms = timeout * 1000;
	run->probe.now = run->now;
	if ((run->res = resolver_new(args->dns_server, timeout * 500, 2, err,
	    sizeof(err))) == NULL)
		return check_usage_error("domain: %s", err);
	return 0;
}

static void
run_checks(struct domain_run *run)
{
	check_sts_record(run);
	check_policy_fetch(run);
	check_policy_host_cert(run);
	check_policy_syntax(run);
	check_mx_coverage(run);
	check_mx_tls(run);
	check_tlsrpt_record(run);
	check_max_age(run);
	check_mode(run);
	check_change(run);
}

static int
self_check(const struct check_args *args)
{
	struct domain_run *run;
	int status;

	if ((run = calloc(1, sizeof(*run))) == NULL) {
		check_oom();
		return CHECK_FAILURE;
	}
	if (normalise_domain(args->operands[0], run->domain,
	    sizeof(run->domain)) == -1 || run_setup(run, args) == -1) {
		free(run);
		return CHECK_FAILURE;
	}
	run_checks(run);
	status = run_verdict(run) == RULE_FAIL ? CHECK_PROBLEMS : CHECK_OK;
	if (args->json) {
		if (print_json(run) == -1)
			status = CHECK_FAILURE;
	} else
		print_text(run);
	resolver_free(run->res);
	fetch_result_free(&run->fetch);
	policy_free(&run->policy);
	free(run);
	return status;
}

int
check_domain_main(int argc, char **argv)
{
	struct check_args args;
	int rc, status;

	if ((rc = check_getopt(argc, argv, CHECK_OPT_ONLINE, &args)) != 0)
		status = rc > 0 ? CHECK_OK : CHECK_FAILURE;
	else if (args.operand_count != 1) {
		check_usage_error("domain: give exactly one DOMAIN");
		status = CHECK_FAILURE;
	} else
		status = self_check(&args);
	check_args_free(&args);
	return status;
}

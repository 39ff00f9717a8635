/*
 * check_conf.c - unit tests for conf_load: configuration texts written to a
 * temporary directory either load into the values DESIGN.md 9 promises, or
 * fail with every expected "FILE:LINE: what; the fix" message and no conf.
 *
 * A loaded conf is compared through a dump, one "key=value" per line, so a
 * table row names only the lines it is about. "@DIR@" in a text stands for
 * the temporary directory, "@FILE@" in a message for the config file.
 * Messages are caught with a msg output (msg.h), as the daemon's would be.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "conf.h"
#include "msg.h"
#include "unit.h"

#define NCASES(t)	((int)(sizeof(t) / sizeof((t)[0])))
#define TEXT_MAX	8192
#define DUMP_MAX	8192
#define ERRORS_MAX	8192
#define WANT_MAX	16

static const char good_policy[] =
    "version: STSv1\nmode: testing\nmx: mx1.example.com\nmx: *.example.net\n"
    "max_age: 86400\n";
static const char bad_policy[] = "version: STSv1\nmode: sometimes\n";

struct fixture {
	char	dir[64];
	char	conf[128];
	char	good[128];
	char	bad[128];
	char	link[128];		/* a symbolic link to bad */
	char	fifo[128];
	char	errors[ERRORS_MAX];
	size_t	nerrors;
};

static void
write_file(const char *path, const char *text)
{
	FILE	*fp = fopen(path, "w");

	ck_assert_msg(fp != NULL, "cannot write %s", path);
	ck_assert_uint_eq(fwrite(text, 1, strlen(text), fp), strlen(text));
	ck_assert_int_eq(fclose(fp), 0);
}

/* Copy src into dst replacing every from with to. */
static void
substitute(char *dst, size_t size, const char *src, const char *from,
    const char *to)
{
	size_t	len = 0, flen = strlen(from), tlen = strlen(to);
	const char *hit;

	while ((hit = strstr(src, from)) != NULL) {
		ck_assert_uint_lt(len + (size_t)(hit - src) + tlen, size);
		memcpy(dst + len, src, (size_t)(hit - src));
		len += (size_t)(hit - src);
		memcpy(dst + len, to, tlen);
		len += tlen;
		src = hit + flen;
	}
	ck_assert_uint_lt(len + strlen(src), size);
	memcpy(dst + len, src, strlen(src) + 1);
}

/* The fixture the msg output collects into (one address: see msg.h). */
static struct fixture *collecting;

static void
collect_error(void *arg, int priority, const char *message)
{
	struct fixture *f = *(struct fixture **)arg;
	size_t	len = strlen(f->errors);

	ck_assert_int_eq(priority, LOG_ERR);
	ck_assert_msg(strchr(message, '\n') == NULL, "newline in \"%s\"",
	    message);
	snprintf(f->errors + len, sizeof(f->errors) - len, "%s\n", message);
	f->nerrors++;
}

static void
fixture_init(struct fixture *f)
{
	memset(f, 0, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/check_conf.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(f->dir));
	snprintf(f->conf, sizeof(f->conf), "%s/milter.conf", f->dir);
	snprintf(f->good, sizeof(f->good), "%s/good.txt", f->dir);
	snprintf(f->bad, sizeof(f->bad), "%s/bad.txt", f->dir);
	snprintf(f->link, sizeof(f->link), "%s/link.txt", f->dir);
	snprintf(f->fifo, sizeof(f->fifo), "%s/fifo.txt", f->dir);
	write_file(f->good, good_policy);
	write_file(f->bad, bad_policy);
	ck_assert_int_eq(symlink(f->bad, f->link), 0);
	ck_assert_int_eq(mkfifo(f->fifo, 0600), 0);
	collecting = f;
	ck_assert_int_eq(msg_set_output(collect_error, &collecting), 0);
}

static void
fixture_done(struct fixture *f)
{
	msg_set_output(NULL, NULL);
	collecting = NULL;
	unlink(f->conf);
	unlink(f->good);
	unlink(f->bad);
	unlink(f->link);
	unlink(f->fifo);
	rmdir(f->dir);
}

/* Write text (after @DIR@ substitution) as the config file and load it. */
static struct conf *
load_text(struct fixture *f, const char *text)
{
	char	buf[TEXT_MAX];

	substitute(buf, sizeof(buf), text, "@DIR@", f->dir);
	write_file(f->conf, buf);
	return conf_load(f->conf);
}

static size_t
dump_list(char *out, size_t size, const char *key, char **list, size_t n)
{
	size_t	len, i;

	len = (size_t)snprintf(out, size, "%s=", key);
	for (i = 0; i < n && len < size; i++)
		len += (size_t)snprintf(out + len, size - len, "%s%s",
		    i > 0 ? "," : "", list[i]);
	if (len < size)
		len += (size_t)snprintf(out + len, size - len, "\n");
	return len;
}

static size_t
dump_sections(char *out, size_t size, const struct conf *c)
{
	const struct conf_listener *l;
	const struct conf_draft *d;
	size_t	len = 0, i;

	for (i = 0; i < c->listener_count && len < size; i++) {
		l = &c->listeners[i];
		len += (size_t)snprintf(out + len, size - len,
		    "listener=%s,%s,%s,%s\n", l->addr,
		    l->family == AF_INET6 ? "inet6" : "inet", l->mx_name,
		    l->tls_cert_file);
	}
	for (i = 0; i < c->draft_count && len < size; i++) {
		d = &c->drafts[i];
		len += (size_t)snprintf(out + len, size - len,
		    "draft=%s,%s,%s,%s,%zu\n", d->domain, d->policy_file,
		    d->id, sts_mode_name(d->policy.mode), d->policy.mx_count);
	}
	return len;
}

/* Every field of c as "\nkey=value\n" lines; the directory shows as @DIR@. */
static void
dump(char *out, size_t size, const struct conf *c, const char *dir)
{
	char	raw[DUMP_MAX];
	size_t	len;

	len = (size_t)snprintf(raw, sizeof(raw), "\nsocket=%s\n"
	    "policy_socket=%s\nuser=%s\n"
	    "pidfile=%s\nsyslog_facility=%d\njson_log=%s\nstate_dir=%s\n"
	    "header_name=%s\nadd_header=%s\nlog_verdicts=%s\nmx_name=%s\n"
	    "tls_cert_file=%s\n"
	    "ca_file=%s\ndns_servers=%s\nauthserv_id=%s\n"
	    "refresh_interval=%ld\nmax_domains=%ld\nlisteners=%zu\n"
	    "drafts=%zu\nprobe_interval=%ld\nfetch_timeout=%ld\n"
	    "metrics_file=%s\nmetrics_interval=%ld\n", c->socket,
	    c->policy_socket, c->user, c->pidfile,
	    c->syslog_facility, c->json_log, c->state_dir, c->header_name,
	    conf_add_header_name(c->add_header),
	    conf_log_verdicts_name(c->log_verdicts), c->mx_name,
	    c->tls_cert_file,
	    c->ca_file, c->dns_servers, c->authserv_id, c->refresh_interval,
	    c->max_domains, c->listener_count, c->draft_count,
	    c->probe_interval, c->fetch_timeout, c->metrics_file,
	    c->metrics_interval);
	if (len < sizeof(raw))
		len += dump_list(raw + len, sizeof(raw) - len, "domains",
		    c->domains, c->domain_count);
	if (len < sizeof(raw))
		len += dump_list(raw + len, sizeof(raw) - len, "connect_to",
		    c->connect_to, c->connect_to_count);
	if (len < sizeof(raw))
		dump_sections(raw + len, sizeof(raw) - len, c);
	substitute(out, size, raw, dir, "@DIR@");
}

struct load_case {
	const char	*name;
	const char	*text;
	const char	*want[WANT_MAX];	/* lines of the dump */
};

static const struct load_case load_cases[] = {
	{ "empty file: every default of DESIGN.md 9", "", {
	    "socket=unix:/run/mtasts-milter/mtasts-milter.sock",
	    "policy_socket=", "user=",
	    "pidfile=/run/mtasts-milter/mtasts-milter.pid",
	    "json_log=/var/log/mtasts-milter/sessions.jsonl",
	    "state_dir=/var/lib/mtasts-milter", "header_name=MTA-STS-Audit",
	    "add_header=would-fail", "log_verdicts=all", "domains=",
	    "mx_name=",
	    "refresh_interval=3600", "max_domains=10000",
	    "probe_interval=3600", "fetch_timeout=60" } },
	{ "metrics are off by default, every 15 s when on", "",
	    { "metrics_file=", "metrics_interval=15" } },
	{ "metrics_file and metrics_interval set",
	    "metrics_file = \"@DIR@/m.prom\"\nmetrics_interval = 3600\n",
	    { "metrics_file=@DIR@/m.prom", "metrics_interval=3600" } },
	{ "probe_interval 0 turns the MX probe off", "probe_interval = 0\n",
	    { "probe_interval=0" } },
	{ "every integer key at its maximum",
	    "refresh_interval = 31557600\nmax_domains = 1000000\n"
	    "fetch_timeout = 600\nprobe_interval = 604800\n", {
	    "refresh_interval=31557600", "max_domains=1000000",
	    "fetch_timeout=600", "probe_interval=604800" } },
	{ "every integer key at its minimum",
	    "refresh_interval = 1\nmax_domains = 1\nfetch_timeout = 1\n"
	    "probe_interval = 0\n", {
	    "refresh_interval=1", "max_domains=1", "fetch_timeout=1",
	    "probe_interval=0" } },
	{ "a quoted decimal number is a number", "fetch_timeout = \"30\"\n",
	    { "fetch_timeout=30" } },
	{ "more defaults", "\n\n", {
	    "tls_cert_file=", "ca_file=", "dns_servers=", "authserv_id=",
	    "connect_to=", "listeners=0", "drafts=0" } },
	{ "syslog_facility default is mail", "", { "syslog_facility=16" } },
	{ "every key set",
	    "socket = \"inet:8891@127.0.0.1\"\nuser = \"mtasts\"\n"
	    "pidfile = \"\"\nsyslog_facility = \"local3\"\n"
	    "json_log = \"@DIR@/s.jsonl\"\nstate_dir = \"@DIR@\"\n"
	    "header_name = \"X-Audit\"\nadd_header = \"always\"\n"
	    "domains = {\"Example.COM\", \"example.net\"}\n"
	    "mx_name = \"MX1.Example.com\"\ntls_cert_file = \"/etc/ssl/a.pem\"\n"
	    "ca_file = \"/etc/ssl/ca.pem\"\ndns_servers = \"127.0.0.1:5353\"\n"
	    "connect_to = {\"a.test:443:127.0.0.1:8443\", "
	    "\"b.test:443:[::1]:8443\", \"::127.0.0.1:\"}\n"
	    "authserv_id = \"mx1.example.com\"\nrefresh_interval = 1\n"
	    "max_domains = 5\n", {
	    "socket=inet:8891@127.0.0.1", "user=mtasts", "pidfile=",
	    "syslog_facility=152", "json_log=@DIR@/s.jsonl",
	    "header_name=X-Audit", "add_header=always",
	    "domains=example.com,example.net", "mx_name=mx1.example.com",
	    "connect_to=a.test:443:127.0.0.1:8443,b.test:443:[::1]:8443,"
	    "::127.0.0.1:",
	    "refresh_interval=1", "max_domains=5" } },
	{ "dns_servers: every form c-ares reads",
	    "dns_servers = \"127.0.0.1:5353,192.0.2.1,[::1]:53,2001:db8::1\"\n",
	    { "dns_servers=127.0.0.1:5353,192.0.2.1,[::1]:53,2001:db8::1" } },
	{ "empty paths keep their meaning",
	    "json_log = \"\"\nstate_dir = \"\"\ntls_cert_file = \"\"\n"
	    "ca_file = \"\"\n", { "json_log=", "state_dir=", "tls_cert_file=",
	    "ca_file=" } },
	{ "socket forms", "socket = \"unix:/run/m.sock\"\n",
	    { "socket=unix:/run/m.sock" } },
	{ "local socket", "socket = \"local:/run/m.sock\"\n",
	    { "socket=local:/run/m.sock" } },
	{ "inet6 socket", "socket = \"inet6:8891@[::1]\"\n",
	    { "socket=inet6:8891@[::1]" } },
	{ "policy socket, unix", "policy_socket = \"unix:/run/p.sock\"\n",
	    { "policy_socket=unix:/run/p.sock" } },
	{ "policy socket, inet", "policy_socket = \"inet:10040@127.0.0.1\"\n",
	    { "policy_socket=inet:10040@127.0.0.1" } },
	{ "header names near the taken ones are free",
	    "header_name = \"X-Received\"\n", { "header_name=X-Received" } },
	{ "a prefix alone is not a taken name",
	    "header_name = \"Content\"\n", { "header_name=Content" } },
	{ "add_header never", "add_header = \"never\"\n",
	    { "add_header=never" } },
	{ "log_verdicts would-fail", "log_verdicts = \"would-fail\"\n",
	    { "log_verdicts=would-fail" } },
	{ "log_verdicts none", "log_verdicts = \"none\"\n",
	    { "log_verdicts=none" } },
	{ "listener sections",
	    "listener \"203.0.113.10\" {\n mx_name = \"MX2.example.com\"\n"
	    " tls_cert_file = \"/etc/ssl/mx2.pem\"\n}\n"
	    "listener \"IPv6:2001:db8::1\" { }\n", {
	    "listeners=2",
	    "listener=203.0.113.10,inet,mx2.example.com,/etc/ssl/mx2.pem",
	    "listener=IPv6:2001:db8::1,inet6,," } },
	{ "draft sections",
	    "draft \"Example.com\" {\n policy_file = \"@DIR@/good.txt\"\n"
	    " id = \"next1\"\n}\n"
	    "draft \"example.org\" { policy_file = \"@DIR@/good.txt\" }\n", {
	    "drafts=2", "draft=example.com,@DIR@/good.txt,next1,testing,2",
	    "draft=example.org,@DIR@/good.txt,draft,testing,2" } },
	{ "comments of every kind",
	    "# a comment\n// another\n/* a block\n over lines */\n"
	    "domains = { \"a.test\", # first\n \"b.test\" // second\n}\n"
	    "header_name = \"X-#-not-a-comment\" # trailing\n"
	    "user = \"a//b\" /* inline */\n", {
	    "domains=a.test,b.test", "header_name=X-#-not-a-comment",
	    "user=a//b" } },
	{ "an escaped quote inside single quotes does not end the string",
	    "user = 'a\\'#b' # comment\nheader_name = 'X-\\'//'\n", {
	    "user=a'#b", "header_name=X-'//" } },
};

START_TEST(test_load)
{
	const struct load_case *lc = &load_cases[_i];
	struct fixture f;
	struct conf *c;
	char	got[DUMP_MAX], want[512];
	size_t	i;

	fixture_init(&f);
	c = load_text(&f, lc->text);
	ck_assert_msg(c != NULL, "%s: not loaded:\n%s", lc->name, f.errors);
	ck_assert_uint_eq(f.nerrors, 0);
	dump(got, sizeof(got), c, f.dir);
	for (i = 0; i < WANT_MAX && lc->want[i] != NULL; i++) {
		snprintf(want, sizeof(want), "\n%s\n", lc->want[i]);
		ck_assert_msg(strstr(got, want) != NULL, "%s: no \"%s\" in:%s",
		    lc->name, lc->want[i], got);
	}
	conf_unref(c);
	fixture_done(&f);
}
END_TEST

struct error_case {
	const char	*name;
	const char	*text;
	const char	*want[WANT_MAX];	/* substrings of the messages */
};

static const struct error_case error_cases[] = {
	{ "unknown key", "user = \"a\"\nsokcet = \"unix:/x\"\n",
	    { "@FILE@:2: ", "sokcet", "see mtasts-milter.conf(5)" } },
	{ "bad add_header", "\nadd_header = \"sometimes\"\n",
	    { "@FILE@:2: add_header = \"sometimes\" is not valid",
	    "\"would-fail\", \"always\" or \"never\"" } },
	{ "bad log_verdicts", "log_verdicts = \"fail\"\n",
	    { "@FILE@:1: log_verdicts = \"fail\" is not valid",
	    "\"all\", \"would-fail\" or \"none\"" } },
	{ "unknown socket type", "socket = \"tcp:25\"\n",
	    { "@FILE@:1: socket = \"tcp:25\": unknown socket type",
	    "unix:/ABSOLUTE/PATH" } },
	{ "inet socket without host", "socket = \"inet:8891\"\n",
	    { "@FILE@:1: ", "no @HOST" } },
	{ "inet socket bad port", "socket = \"inet:0@127.0.0.1\"\n",
	    { "@FILE@:1: ", "1 to 65535" } },
	{ "relative unix socket", "socket = \"unix:run/m.sock\"\n",
	    { "@FILE@:1: ", "must be absolute" } },
	{ "policy socket without host", "\npolicy_socket = \"inet:10040\"\n",
	    { "@FILE@:2: policy_socket = \"inet:10040\": no @HOST",
	    "or \"\" (off)" } },
	{ "policy socket the same as socket",
	    "socket = \"unix:/run/a.sock\"\npolicy_socket = \"unix:/run/a.sock\"\n",
	    { "@FILE@: policy_socket and socket are both \"unix:/run/a.sock\"" } },
	{ "policy socket of unknown type", "policy_socket = \"tcp:1\"\n",
	    { "@FILE@:1: policy_socket = \"tcp:1\": unknown socket type" } },
	{ "refresh_interval 0", "\n\nrefresh_interval = 0\n",
	    { "@FILE@:3: refresh_interval = 0 is out of range; use 1 to "
	    "31557600 (seconds between TXT record checks)" } },
	{ "refresh_interval LONG_MAX",
	    "refresh_interval = 9223372036854775807\n",
	    { "@FILE@:1: refresh_interval = 9223372036854775807 is out of "
	    "range; use 1 to 31557600" } },
	{ "refresh_interval past LONG_MAX",
	    "refresh_interval = 99999999999999999999\n",
	    { "@FILE@:1: refresh_interval = 99999999999999999999 is out of "
	    "range; use 1 to 31557600" } },
	{ "refresh_interval past LONG_MIN",
	    "refresh_interval = -9223372036854775809\n",
	    { "@FILE@:1: refresh_interval = -9223372036854775809 is out of "
	    "range" } },
	{ "refresh_interval over a year", "refresh_interval = 31557601\n",
	    { "@FILE@:1: refresh_interval = 31557601 is out of range" } },
	{ "negative probe_interval", "probe_interval = -5\n",
	    { "@FILE@:1: probe_interval = -5 is out of range; use 0 to 604800 "
	    "(seconds between MX probes, 0 = off)" } },
	{ "metrics_interval 0", "metrics_interval = 0\n",
	    { "@FILE@:1: metrics_interval = 0 is out of range; use 1 to 3600 "
	    "(seconds between metrics_file writes)" } },
	{ "metrics_interval over an hour", "metrics_interval = 3601\n",
	    { "@FILE@:1: metrics_interval = 3601 is out of range" } },
	{ "metrics_file relative", "metrics_file = \"m.prom\"\n",
	    { "@FILE@:1: metrics_file = \"m.prom\" is not an absolute path" } },
	{ "metrics_file is the JSON log",
	    "metrics_file = \"/var/log/mtasts-milter/sessions.jsonl\"\n",
	    { "@FILE@: metrics_file = \"/var/log/mtasts-milter/sessions.jsonl\" "
	    "is json_log too; name a file of its own, such as "
	    "/var/lib/mtasts-milter/mtasts-milter.prom" } },
	{ "metrics_file is the pid file",
	    "pidfile = \"/run/m.pid\"\nmetrics_file = \"/run/m.pid\"\n",
	    { "@FILE@: metrics_file = \"/run/m.pid\" is pidfile too" } },
	{ "metrics_file is the policy state",
	    "state_dir = \"/var/lib/m\"\n"
	    "metrics_file = \"/var/lib/m/policies.json\"\n",
	    { "@FILE@: metrics_file = \"/var/lib/m/policies.json\" is the "
	    "policy state file too; name a file of its own, such as "
	    "/var/lib/m/mtasts-milter.prom" } },
	{ "probe_interval over a week", "probe_interval = 604801\n",
	    { "@FILE@:1: probe_interval = 604801 is out of range" } },
	{ "negative max_domains", "max_domains = -1\n",
	    { "@FILE@:1: max_domains = -1 is out of range; use 1 to 1000000" } },
	{ "max_domains 0", "max_domains = 0\n",
	    { "@FILE@:1: max_domains = 0 is out of range" } },
	{ "max_domains over a million", "max_domains = 1000001\n",
	    { "@FILE@:1: max_domains = 1000001 is out of range" } },
	{ "fetch_timeout 0", "fetch_timeout = 0\n",
	    { "@FILE@:1: fetch_timeout = 0 is out of range; use 1 to 600" } },
	{ "fetch_timeout over 10 minutes", "fetch_timeout = 601\n",
	    { "@FILE@:1: fetch_timeout = 601 is out of range" } },
	{ "hexadecimal", "fetch_timeout = 0x10\n",
	    { "@FILE@:1: fetch_timeout = 0x10 is not a decimal number; use 1 "
	    "to 600" } },
	{ "leading zero (octal to libconfuse)", "fetch_timeout = 010\n",
	    { "@FILE@:1: fetch_timeout = 010 has a leading zero" } },
	{ "exponent", "max_domains = 1e3\n",
	    { "@FILE@:1: max_domains = 1e3 is not a decimal number" } },
	{ "empty string", "max_domains = \"\"\n",
	    { "@FILE@:1: max_domains =  is not a decimal number" } },
	{ "space inside quotes", "max_domains = \" 5\"\n",
	    { "@FILE@:1: max_domains =  5 is not a decimal number" } },
	{ "lone minus", "probe_interval = \"-\"\n",
	    { "@FILE@:1: probe_interval = - is not a decimal number" } },
	{ "every integer problem reported",
	    "refresh_interval = 0\nmax_domains = 0\nfetch_timeout = 0\n"
	    "probe_interval = -1\n", { "@FILE@:1: refresh_interval",
	    "@FILE@:2: max_domains", "@FILE@:3: fetch_timeout",
	    "@FILE@:4: probe_interval" } },
	{ "bad facility", "syslog_facility = \"kern\"\n",
	    { "@FILE@:1: syslog_facility = \"kern\" is unknown" } },
	{ "header name with colon", "header_name = \"X-A:b\"\n",
	    { "@FILE@:1: header_name = \"X-A:b\" is not a header field name" } },
	{ "header name that would remove every Received",
	    "header_name = \"received\"\n",
	    { "@FILE@:1: header_name = \"received\" is a field other software "
	    "writes, and incoming fields of this name are removed" } },
	{ "header name of another filter's verdict",
	    "header_name = \"Authentication-Results\"\n",
	    { "@FILE@:1: header_name = \"Authentication-Results\" is a field" } },
	{ "header name of a MIME field", "header_name = \"Content-Type\"\n",
	    { "@FILE@:1: header_name = \"Content-Type\" is a field" } },
	{ "header name of a resent field", "header_name = \"RESENT-FROM\"\n",
	    { "@FILE@:1: header_name = \"RESENT-FROM\" is a field" } },
	{ "bad domain in list", "domains = {\"a.test\", \"b_c.test\"}\n",
	    { "@FILE@:1: domains: \"b_c.test\" is not a domain name" } },
	{ "bad mx_name", "mx_name = \"mx1.example.com.\"\n",
	    { "@FILE@:1: mx_name = \"mx1.example.com.\" is not a host name" } },
	{ "bad connect_to", "connect_to = {\"a.test:443:127.0.0.1\"}\n",
	    { "@FILE@:1: connect_to: \"a.test:443:127.0.0.1\" has fewer than "
	    "four fields; write \"HOST:PORT:ADDRESS:PORT\"" } },
	{ "connect_to port out of range",
	    "connect_to = {\"a.test:443:127.0.0.1:8443\",\n"
	    "\"a.test:443:127.0.0.1:65536\"}\n",
	    { "@FILE@:2: connect_to: \"a.test:443:127.0.0.1:65536\" has a port "
	    "that is not 1 to 65535" } },
	{ "connect_to IPv6 without brackets",
	    "connect_to = {\"a.test:443:::1:8443\"}\n",
	    { "@FILE@:1: connect_to: \"a.test:443:::1:8443\" has more than "
	    "four fields" } },
	{ "relative paths",
	    "pidfile = \"m.pid\"\njson_log = \"log/s.jsonl\"\n"
	    "state_dir = \"./state\"\ntls_cert_file = \"mx1.pem\"\n"
	    "ca_file = \"../ca.pem\"\n"
	    "listener \"192.0.2.1\" {\n tls_cert_file = \"mx2.pem\"\n}\n"
	    "draft \"example.com\" {\n policy_file = \"good.txt\"\n}\n", {
	    "@FILE@:1: pidfile = \"m.pid\" is not an absolute path; write it "
	    "from /", "@FILE@:2: json_log = \"log/s.jsonl\" is not an absolute",
	    "@FILE@:3: state_dir = \"./state\" is not",
	    "@FILE@:4: tls_cert_file = \"mx1.pem\" is not",
	    "@FILE@:5: ca_file = \"../ca.pem\" is not",
	    "@FILE@:7: tls_cert_file = \"mx2.pem\" is not",
	    "@FILE@:10: policy_file = \"good.txt\" is not" } },
	{ "dns_servers: a name", "dns_servers = \"localhost\"\n",
	    { "@FILE@:1: dns_servers = \"localhost\": \"localhost\" is not a "
	    "server; write IP addresses" } },
	{ "dns_servers: port 0", "dns_servers = \"127.0.0.1:53,127.0.0.1:0\"\n",
	    { "@FILE@:1: dns_servers = \"127.0.0.1:53,127.0.0.1:0\": "
	    "\"127.0.0.1:0\" is not a server" } },
	{ "dns_servers: trailing comma", "dns_servers = \"127.0.0.1,\"\n",
	    { "@FILE@:1: dns_servers = \"127.0.0.1,\": \"\" is not a server" } },
	{ "dns_servers: space", "dns_servers = \"127.0.0.1, ::1\"\n",
	    { "\" ::1\" is not a server" } },
	{ "dns_servers: open bracket", "dns_servers = \"[::1:53\"\n",
	    { "\"[::1:53\" is not a server" } },
	{ "dns_servers: junk after bracket", "dns_servers = \"[::1]53\"\n",
	    { "\"[::1]53\" is not a server" } },
	{ "dns_servers: brackets without a port (c-ares refuses it)",
	    "dns_servers = \"[2001:db8::1]\"\n",
	    { "\"[2001:db8::1]\" is not a server" } },
	{ "dns_servers: IPv4 in brackets", "dns_servers = \"[127.0.0.1]:53\"\n",
	    { "\"[127.0.0.1]:53\" is not a server" } },
	{ "same draft domain in another case",
	    "draft \"example.com\" { policy_file = \"@DIR@/good.txt\" }\n"
	    "draft \"Example.COM\" { policy_file = \"@DIR@/good.txt\" }\n",
	    { "@FILE@:2: draft \"Example.COM\": a second draft for the domain "
	    "of draft \"example.com\"" } },
	{ "same listener address written twice",
	    "listener \"2001:db8::1\" { }\nlistener \"IPv6:2001:DB8:0::1\" { }\n",
	    { "@FILE@:2: listener \"IPv6:2001:DB8:0::1\": the same address as "
	    "listener \"2001:db8::1\"" } },
	{ "authserv_id with a space", "authserv_id = \"mx 1\"\n",
	    { "@FILE@:1: authserv_id = \"mx 1\" is not valid" } },
	{ "bad listener address", "listener \"mx1.example.com\" { }\n",
	    { "@FILE@:1: listener \"mx1.example.com\": not a numeric IP "
	    "address" } },
	{ "bad listener mx_name",
	    "listener \"192.0.2.1\" {\n mx_name = \"-bad\"\n}\n",
	    { "@FILE@:2: mx_name = \"-bad\" is not a host name" } },
	{ "draft file missing",
	    "draft \"example.com\" {\n policy_file = \"@DIR@/nowhere.txt\"\n}\n",
	    { "@FILE@:3: draft \"example.com\": cannot read policy_file",
	    "nowhere.txt", "No such file or directory" } },
	{ "draft policy_file a symbolic link",
	    "draft \"example.com\" {\n policy_file = \"@DIR@/link.txt\"\n}\n",
	    { "@FILE@:3: draft \"example.com\": policy_file \"",
	    "/link.txt\" is a symbolic link; it is read as root, so name the "
	    "file itself" } },
	{ "draft policy_file a FIFO: refused at once",
	    "draft \"example.com\" {\n policy_file = \"@DIR@/fifo.txt\"\n}\n",
	    { "@FILE@:3: draft \"example.com\": policy_file \"",
	    "/fifo.txt\" is not a regular file (a FIFO, a device or a "
	    "directory); name the policy file itself" } },
	{ "draft policy_file a directory",
	    "draft \"example.com\" {\n policy_file = \"@DIR@\"\n}\n",
	    { "@FILE@:3: draft \"example.com\": policy_file \"",
	    "\" is not a regular file (a FIFO, a device or a directory)" } },
	{ "draft policy invalid",
	    "\ndraft \"example.com\" { policy_file = \"@DIR@/bad.txt\" }\n",
	    { "/bad.txt:2: error: ", "@FILE@:2: draft \"example.com\": "
	    "policy_file", "is not a valid MTA-STS policy" } },
	{ "draft without policy_file", "draft \"example.com\" { id = \"x\" }\n",
	    { "@FILE@:1: draft \"example.com\": policy_file is missing" } },
	{ "draft bad id",
	    "draft \"example.com\" {\n policy_file = \"@DIR@/good.txt\"\n"
	    " id = \"not-alnum\"\n}\n",
	    { "@FILE@:4: draft \"example.com\": id = \"not-alnum\" is not "
	    "valid" } },
	{ "draft bad domain",
	    "draft \"*.example.com\" { policy_file = \"@DIR@/good.txt\" }\n",
	    { "@FILE@:1: draft \"*.example.com\": not a domain name" } },
	{ "line counted after comments",
	    "# one\n# two\n/* three\n four */\nadd_header = \"x\"\n",
	    { "@FILE@:5: add_header = \"x\"" } },
	{ "every problem reported",
	    "add_header = \"x\"\nrefresh_interval = 0\nsocket = \"x\"\n",
	    { "@FILE@:1: add_header", "@FILE@:2: refresh_interval",
	    "@FILE@:3: socket" } },
	{ "syntax error", "user = \n", { "@FILE@" } },
	{ "unterminated string", "user = \"abc\n", { "@FILE@" } },
	{ "wrong type", "refresh_interval = \"soon\"\n",
	    { "@FILE@:1: refresh_interval = soon is not a decimal number" } },
	{ "newline in a quoted key stays one line", "\"a\nb\" = 1\n",
	    { "@FILE@:2: no such option 'a?b'" } },
	{ "control bytes in a value", "add_header = \"\x1b[2J\"\n",
	    { "@FILE@:1: add_header = \"?[2J\" is not valid" } },
};

START_TEST(test_error)
{
	const struct error_case *ec = &error_cases[_i];
	struct fixture f;
	struct conf *c;
	char	want[512];
	size_t	i;

	fixture_init(&f);
	c = load_text(&f, ec->text);
	ck_assert_msg(c == NULL, "%s: loaded", ec->name);
	ck_assert_msg(f.nerrors > 0, "%s: NULL without a message", ec->name);
	for (i = 0; i < WANT_MAX && ec->want[i] != NULL; i++) {
		substitute(want, sizeof(want), ec->want[i], "@FILE@", f.conf);
		ck_assert_msg(strstr(f.errors, want) != NULL,
		    "%s: no \"%s\" in:\n%s", ec->name, want, f.errors);
	}
	fixture_done(&f);
}
END_TEST

/*
 * A link to an invalid policy (think /etc/shadow) is not read: nothing of
 * its text reaches a message, where the file itself is quoted.
 */
START_TEST(test_link_not_quoted)
{
	struct fixture f;
	char	text[512];

	fixture_init(&f);
	snprintf(text, sizeof(text), "draft \"example.com\" { policy_file = "
	    "\"%s\" }\n", f.bad);
	ck_assert_ptr_null(load_text(&f, text));
	ck_assert_msg(strstr(f.errors, "sometimes") != NULL, "got %s",
	    f.errors);
	f.errors[0] = '\0';
	snprintf(text, sizeof(text), "draft \"example.com\" { policy_file = "
	    "\"%s\" }\n", f.link);
	ck_assert_ptr_null(load_text(&f, text));
	ck_assert_msg(strstr(f.errors, "is a symbolic link") != NULL &&
	    strstr(f.errors, "sometimes") == NULL, "got %s", f.errors);
	fixture_done(&f);
}
END_TEST

/* A path one byte over the limit; one at it passes the check. */
START_TEST(test_long_path)
{
	struct fixture f;
	struct conf *c;
	char	text[TEXT_MAX], path[4097];

	fixture_init(&f);
	memset(path, 'p', sizeof(path) - 1);
	path[0] = '/';
	path[sizeof(path) - 1] = '\0';
	snprintf(text, sizeof(text), "json_log = \"%s\"\n", path);
	ck_assert_ptr_null(load_text(&f, text));
	ck_assert_msg(strstr(f.errors, "is longer than 4095 bytes") != NULL,
	    "got %s", f.errors);
	path[4095] = '\0';
	snprintf(text, sizeof(text), "json_log = \"%s\"\n", path);
	f.errors[0] = '\0';
	ck_assert_ptr_nonnull(c = load_text(&f, text));
	ck_assert_uint_eq(strlen(c->json_log), 4095);
	conf_unref(c);
	fixture_done(&f);
}
END_TEST

/* A NUL byte used to end the file for libconfuse: the rest went unread. */
START_TEST(test_nul_byte)
{
	static const char text[] = "user = \"a\"\n\n\0refresh_interval = 0\n";
	struct fixture f;
	FILE	*fp;
	char	want[256];

	fixture_init(&f);
	ck_assert_ptr_nonnull(fp = fopen(f.conf, "w"));
	ck_assert_uint_eq(fwrite(text, 1, sizeof(text) - 1, fp),
	    sizeof(text) - 1);
	ck_assert_int_eq(fclose(fp), 0);
	ck_assert_ptr_null(conf_load(f.conf));
	snprintf(want, sizeof(want), "%s:3: a NUL byte (offset 12): this is "
	    "not a text file", f.conf);
	ck_assert_msg(strstr(f.errors, want) != NULL, "got %s", f.errors);
	fixture_done(&f);
}
END_TEST

START_TEST(test_missing_file)
{
	struct fixture f;
	char	want[256];

	fixture_init(&f);
	ck_assert_ptr_null(conf_load(f.conf));
	snprintf(want, sizeof(want), "%s: cannot read: No such file", f.conf);
	ck_assert_msg(strstr(f.errors, want) != NULL, "got %s", f.errors);
	fixture_done(&f);
}
END_TEST

/* The lookups the milter makes on a loaded conf. */
START_TEST(test_lookups)
{
	struct fixture f;
	struct conf *c;

	fixture_init(&f);
	c = load_text(&f, "domains = {\"a.test\"}\n"
	    "listener \"192.0.2.1\" { mx_name = \"mx2.test\" }\n"
	    "listener \"2001:db8::1\" { }\n");
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(conf_domain_wanted(c, "a.test"), 1);
	ck_assert_int_eq(conf_domain_wanted(c, "b.test"), 0);
	ck_assert_ptr_eq(conf_find_listener(c, "192.0.2.1"), &c->listeners[0]);
	ck_assert_ptr_eq(conf_find_listener(c, "IPv6:2001:DB8:0::1"),
	    &c->listeners[1]);
	ck_assert_ptr_null(conf_find_listener(c, "192.0.2.2"));
	ck_assert_ptr_null(conf_find_listener(c, "garbage"));
	ck_assert_ptr_null(conf_find_listener(c, NULL));
	ck_assert_ptr_eq(conf_ref(c), c);
	conf_unref(c);
	conf_unref(c);
	c = load_text(&f, "");
	ck_assert_int_eq(conf_domain_wanted(c, "anything.test"), 1);
	conf_unref(c);
	/* A list out of order, upper case, a name twice: each one found. */
	c = load_text(&f, "domains = {\"m.test\", \"Z.test\", \"a.test\", "
	    "\"b.a.test\", \"m.test\", \"y.test\"}\n");
	ck_assert_ptr_nonnull(c);
	ck_assert_str_eq(c->domains[1], "z.test");	/* order kept */
	ck_assert_int_eq(conf_domain_wanted(c, "z.test"), 1);
	ck_assert_int_eq(conf_domain_wanted(c, "a.test"), 1);
	ck_assert_int_eq(conf_domain_wanted(c, "b.a.test"), 1);
	ck_assert_int_eq(conf_domain_wanted(c, "m.test"), 1);
	ck_assert_int_eq(conf_domain_wanted(c, "y.test"), 1);
	ck_assert_int_eq(conf_domain_wanted(c, "a.a.test"), 0);
	ck_assert_int_eq(conf_domain_wanted(c, "zz.test"), 0);
	ck_assert_int_eq(conf_domain_wanted(c, ""), 0);
	conf_unref(c);
	fixture_done(&f);
}
END_TEST

/* Which verdicts log_verdicts lets through to syslog. */
START_TEST(test_log_verdict)
{
	static const struct {
		enum log_verdicts_mode mode;
		int	would_fail, logged;
	} cases[] = {
		{ LOG_VERDICTS_ALL, 0, 1 }, { LOG_VERDICTS_ALL, 1, 1 },
		{ LOG_VERDICTS_WOULD_FAIL, 0, 0 },
		{ LOG_VERDICTS_WOULD_FAIL, 1, 1 },
		{ LOG_VERDICTS_NONE, 0, 0 }, { LOG_VERDICTS_NONE, 1, 0 },
	};
	struct conf c;
	size_t	i;

	memset(&c, 0, sizeof(c));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		c.log_verdicts = cases[i].mode;
		ck_assert_msg(conf_log_verdict(&c, cases[i].would_fail) ==
		    cases[i].logged, "log_verdicts=%s would_fail=%d",
		    conf_log_verdicts_name(cases[i].mode),
		    cases[i].would_fail);
	}
}
END_TEST

Suite *
unit_suite(void)
{
	Suite	*s = suite_create("conf");
	TCase	*tc = tcase_create("load");

	tcase_add_loop_test(tc, test_load, 0, NCASES(load_cases));
	tcase_add_loop_test(tc, test_error, 0, NCASES(error_cases));
	tcase_add_test(tc, test_missing_file);
	tcase_add_test(tc, test_long_path);
	tcase_add_test(tc, test_link_not_quoted);
	tcase_add_test(tc, test_nul_byte);
	tcase_add_test(tc, test_lookups);
	tcase_add_test(tc, test_log_verdict);
	suite_add_tcase(s, tc);
	return s;
}

/*
 * conf.c - load and validate the mtasts-milter configuration with libconfuse.
 *
 * Every key of DESIGN.md 9 is declared here with its default. Values are
 * checked by libconfuse validation callbacks, so each error carries the
 * file and line it came from; checks keep going after the first problem so
 * one run of "mtasts-milter -n" shows them all. Draft policy files are read
 * and parsed here too: a draft that a sender would reject is a config error.
 * The result is copied out of libconfuse into a plain struct that nothing
 * modifies afterwards, which is what makes swapping it on reload safe.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <confuse.h>

#include "atomicfile.h"
#include "conf.h"
#include "connectto.h"
#include "diag.h"
#include "msg.h"
#include "mxmatch.h"
#include "policy.h"
#include "statefile.h"
#include "stslex.h"

#define CONF_ERROR_MAX		1024
#define CONF_DRAFT_MAX		1024
#define CONF_FILE_MAX		(1024 * 1024)
#define AUTHSERV_ID_MAX		255
#define DRAFT_ID_MAX		32
#define SUN_PATH_MAX		107	/* sizeof sun_path - 1 on Linux */
#define CONF_PATH_MAX		4095	/* PATH_MAX - 1 on Linux */
#define DNS_SERVERS_MAX		1024

/* State of the one parse running on this thread (libconfuse has no user pointer). */
struct conf_parse {
	const char	*path;
	int		 failed;
	unsigned	 draft_line[CONF_DRAFT_MAX];
	size_t		 draft_count;
	cfg_opt_t	*list_opt;	/* list element validated last */
	unsigned	 list_size;
};

static _Thread_local struct conf_parse *parsing;

static void	report_error(cfg_t *, const char *, va_list)
		    __attribute__((format(printf, 2, 0)));
static void	report_at(const char *, unsigned, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

static const struct {
	const char	*name;
	int		 facility;
} facilities[] = {
	{ "mail", LOG_MAIL }, { "daemon", LOG_DAEMON }, { "user", LOG_USER },
	{ "local0", LOG_LOCAL0 }, { "local1", LOG_LOCAL1 },
	{ "local2", LOG_LOCAL2 }, { "local3", LOG_LOCAL3 },
	{ "local4", LOG_LOCAL4 }, { "local5", LOG_LOCAL5 },
	{ "local6", LOG_LOCAL6 }, { "local7", LOG_LOCAL7 },
};

static const char *const add_header_names[] = {
	[ADD_HEADER_WOULD_FAIL] = "would-fail",
	[ADD_HEADER_ALWAYS] = "always",
	[ADD_HEADER_NEVER] = "never",
};

static const char *const log_verdicts_names[] = {
	[LOG_VERDICTS_ALL] = "all",
	[LOG_VERDICTS_WOULD_FAIL] = "would-fail",
	[LOG_VERDICTS_NONE] = "none",
};

/*
 * Report one message; msg makes it one printable line (libconfuse quotes
 * the offending text, which may hold a newline or control bytes).
 */
static void
emit(const char *line)
{
	parsing->failed = 1;
	msg_error("%s", line);
}

static void
report_error(cfg_t *cfg, const char *fmt, va_list ap)
{
	char	msg[CONF_ERROR_MAX], line[CONF_ERROR_MAX + 64];
	const char *hint = "";

	if (parsing == NULL)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (strncmp(msg, "no such option", 14) == 0)
		hint = "; see mtasts-milter.conf(5) for the valid keys";
	if (cfg != NULL && cfg->line > 0)
		snprintf(line, sizeof(line), "%s:%d: %s%s", parsing->path,
		    cfg->line, msg, hint);
	else
		snprintf(line, sizeof(line), "%s: %s%s", parsing->path, msg, hint);
	emit(line);
}

/* An error not tied to a libconfuse position: "path:line: ..." or "path: ...". */
static void
report_at(const char *path, unsigned line, const char *fmt, ...)
{
	char	msg[CONF_ERROR_MAX], out[CONF_ERROR_MAX + 64];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line > 0)
		snprintf(out, sizeof(out), "%s:%u: %s", path, line, msg);
	else
		snprintf(out, sizeof(out), "%s: %s", path, msg);
	emit(out);
}

static const char *
last_str(cfg_opt_t *opt)
{
	unsigned n = cfg_opt_size(opt);

	return n == 0 ? NULL : cfg_opt_getnstr(opt, n - 1);
}

static int
facility_from_name(const char *name, int *facility)
{
	size_t	i;

	for (i = 0; i < sizeof(facilities) / sizeof(facilities[0]); i++) {
		if (strcmp(facilities[i].name, name) == 0) {
			*facility = facilities[i].facility;
			return 0;
		}
	}
	return -1;
}

/* The index of name in names[n], or -1. */
static int
name_index(const char *const *names, size_t n, const char *name)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return (int)i;
	return -1;
}

static int
add_header_from_name(const char *name, enum add_header_mode *mode)
{
	int	i = name_index(add_header_names, sizeof(add_header_names) /
	    sizeof(add_header_names[0]), name);

	if (i >= 0)
		*mode = (enum add_header_mode)i;
	return i >= 0 ? 0 : -1;
}

static int
log_verdicts_from_name(const char *name, enum log_verdicts_mode *mode)
{
	int	i = name_index(log_verdicts_names, sizeof(log_verdicts_names) /
	    sizeof(log_verdicts_names[0]), name);

	if (i >= 0)
		*mode = (enum log_verdicts_mode)i;
	return i >= 0 ? 0 : -1;
}

static int
port_valid(const char *s, size_t len)
{
	unsigned long port = 0;
	size_t	i;

	if (len == 0 || len > 5)
		return 0;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		port = port * 10 + (unsigned long)(s[i] - '0');
	}
	return port >= 1 && port <= 65535;
}

const char *
conf_socket_unix_path(const char *spec)
{
	if (strncmp(spec, "unix:", 5) == 0)
		return spec + 5;
	if (strncmp(spec, "local:", 6) == 0)
		return spec + 6;
	return spec[0] == '/' ? spec : NULL;
}

/* Returns NULL when spec is a socket libmilter can open, else what is wrong. */
static const char *
socket_spec_problem(const char *spec)
{
	const char *path = conf_socket_unix_path(spec), *at;

	if (path != NULL) {
		if (path[0] != '/')
			return "the socket path must be absolute";
		if (strlen(path) > SUN_PATH_MAX)
			return "the socket path is longer than 107 bytes";
		return NULL;
	}
	if (strncmp(spec, "inet:", 5) == 0)
		spec += 5;
	else if (strncmp(spec, "inet6:", 6) == 0)
		spec += 6;
	else
		return "unknown socket type";
	if ((at = strchr(spec, '@')) == NULL)
		return "no @HOST: it would listen on every address";
	if (!port_valid(spec, (size_t)(at - spec)))
		return "the port must be a number from 1 to 65535";
	if (at[1] == '\0')
		return "the host after @ is empty";
	return NULL;
}

/*
 * Fields that carry the message itself, its trace or other filters'
 * verdicts. Incoming fields of header_name are removed, so using one of
 * these would delete every Received: or DKIM-Signature: of every message.
 */
static const char *const header_names_taken[] = {
	"Return-Path", "Received", "Date", "From", "Sender", "Reply-To", "To",
	"Cc", "Bcc", "Message-ID", "In-Reply-To", "References", "Subject",
	"Comments", "Keywords", "MIME-Version", "Authentication-Results",
	"Received-SPF", "DKIM-Signature", "ARC-Seal", "ARC-Message-Signature",
	"ARC-Authentication-Results", "Delivered-To", "List-Id",
	"List-Unsubscribe", "List-Unsubscribe-Post",
};
static const char *const header_prefixes_taken[] = { "Content-", "Resent-" };

static int
header_name_taken(const char *s)
{
	size_t	len = strlen(s), i, n;

	for (i = 0; i < sizeof(header_names_taken) /
	    sizeof(header_names_taken[0]); i++)
		if (strlen(header_names_taken[i]) == len &&
		    lex_eq_nocase(header_names_taken[i], s, len))
			return 1;
	for (i = 0; i < sizeof(header_prefixes_taken) /
	    sizeof(header_prefixes_taken[0]); i++) {
		n = strlen(header_prefixes_taken[i]);
		if (len >= n && lex_eq_nocase(header_prefixes_taken[i], s, n))
			return 1;
	}
	return 0;
}

static int
header_name_valid(const char *s)
{
	size_t	len = strlen(s), i;

	if (len == 0 || len > HEADER_NAME_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if (s[i] < 33 || s[i] > 126 || s[i] == ':')
			return 0;
	return 1;
}

/* An authserv-id is a token: printable, no space, no ';' or quotes. */
static int
authserv_id_valid(const char *s)
{
	size_t	len = strlen(s), i;

	if (len > AUTHSERV_ID_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if (s[i] < 33 || s[i] > 126 || strchr(";\"()\\", s[i]) != NULL)
			return 0;
	return 1;
}

/* RFC 8461 3.1: id = 1*32(ALPHA / DIGIT) */
static int
draft_id_valid(const char *s)
{
	size_t	len = strlen(s), i;

	if (len == 0 || len > DRAFT_ID_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9')))
			return 0;
	return 1;
}

static int
address_parse(const char *addr, int *family, unsigned char bin[16])
{
	if (strncasecmp(addr, "IPv6:", 5) == 0)
		addr += 5;
	if (inet_pton(AF_INET, addr, bin) == 1) {
		*family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, addr, bin) == 1) {
		*family = AF_INET6;
		return 0;
	}
	return -1;
}

/* "IPv4[:PORT]", "IPv6" or "[IPv6]:PORT", as c-ares 1.18 reads them; 1 when so. */
static int
dns_server_valid(const char *s, size_t len)
{
	char	addr[64];
	unsigned char bin[16];
	const char *end = s + len, *colon, *close;

	if (len > 0 && s[0] == '[') {
		if ((close = memchr(s, ']', len)) == NULL ||
		    (size_t)(close - s - 1) >= sizeof(addr))
			return 0;
		memcpy(addr, s + 1, (size_t)(close - s - 1));
		addr[close - s - 1] = '\0';
		if (inet_pton(AF_INET6, addr, bin) != 1)
			return 0;
		return close + 1 < end && close[1] == ':' &&
		    port_valid(close + 2, (size_t)(end - close - 2));
	}
	if (len >= sizeof(addr))
		return 0;
	memcpy(addr, s, len);
	addr[len] = '\0';
	if (inet_pton(AF_INET6, addr, bin) == 1)
		return 1;
	if ((colon = strchr(addr, ':')) != NULL) {
		if (!port_valid(colon + 1, strlen(colon + 1)))
			return 0;
		addr[colon - addr] = '\0';
	}
	return inet_pton(AF_INET, addr, bin) == 1;
}

/* NULL when list is "" or servers separated by ',', else the bad one. */
static const char *
dns_servers_problem(const char *list, char *bad, size_t size)
{
	const char *s = list, *comma;
	size_t	len;

	if (*list == '\0')
		return NULL;
	if (strlen(list) > DNS_SERVERS_MAX)
		return "is too long";
	for (;;) {
		comma = strchr(s, ',');
		len = comma != NULL ? (size_t)(comma - s) : strlen(s);
		if (!dns_server_valid(s, len)) {
			snprintf(bad, size, "%.*s", (int)len, s);
			return bad;
		}
		if (comma == NULL)
			break;
		s = comma + 1;
	}
	return NULL;
}

static int
validate_dns_servers(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *list = last_str(opt), *problem;
	char	bad[DNS_SERVERS_MAX + 1];

	if (list == NULL ||
	    (problem = dns_servers_problem(list, bad, sizeof(bad))) == NULL)
		return 0;
	if (problem == bad)
		cfg_error(cfg, "dns_servers = \"%s\": \"%s\" is not a server; "
		    "write IP addresses with an optional port, separated by "
		    "',' (\"127.0.0.1:5353,[::1]:53\")", list, bad);
	else
		cfg_error(cfg, "dns_servers = \"%s\" %s; list at most a few "
		    "servers", list, problem);
	return 0;
}

/*
 * The daemon works in / once started and re-reads paths on reload, so a
 * relative path would mean one file to -n and another to the daemon.
 */
static int
validate_path(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *path = last_str(opt);

	if (path == NULL || path[0] == '\0')
		return 0;
	if (path[0] != '/')
		cfg_error(cfg, "%s = \"%s\" is not an absolute path; write it "
		    "from / (the daemon runs in /)", opt->name, path);
	else if (strlen(path) > CONF_PATH_MAX)
		cfg_error(cfg, "%s = \"%.64s...\" is longer than %d bytes; use "
		    "a shorter path", opt->name, path, CONF_PATH_MAX);
	return 0;
}

static int
validate_socket(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *spec = last_str(opt), *problem;

	if (spec != NULL && (problem = socket_spec_problem(spec)) != NULL)
		cfg_error(cfg, "socket = \"%s\": %s; write \"unix:/ABSOLUTE/PATH\" "
		    "or \"inet:PORT@127.0.0.1\"", spec, problem);
	return 0;
}

static int
validate_policy_socket(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *spec = last_str(opt), *problem;

	if (spec != NULL && spec[0] != '\0' &&
	    (problem = socket_spec_problem(spec)) != NULL)
		cfg_error(cfg, "policy_socket = \"%s\": %s; write "
		    "\"unix:/ABSOLUTE/PATH\", \"inet:PORT@127.0.0.1\" or \"\" "
		    "(off)", spec, problem);
	return 0;
}

static int
validate_facility(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *name = last_str(opt);
	int	facility;

	if (name != NULL && facility_from_name(name, &facility) == -1)
		cfg_error(cfg, "syslog_facility = \"%s\" is unknown; use \"mail\", "
		    "\"daemon\", \"user\" or \"local0\" to \"local7\"", name);
	return 0;
}

static int
validate_header_name(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *name = last_str(opt);

	if (name != NULL && !header_name_valid(name))
		cfg_error(cfg, "header_name = \"%s\" is not a header field name; "
		    "use 1 to %d printable ASCII characters without ':' or space",
		    name, HEADER_NAME_MAX);
	else if (name != NULL && header_name_taken(name))
		cfg_error(cfg, "header_name = \"%s\" is a field other software "
		    "writes, and incoming fields of this name are removed; "
		    "choose a name of your own, e.g. \"MTA-STS-Audit\"", name);
	return 0;
}

static int
validate_add_header(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *name = last_str(opt);
	enum add_header_mode mode;

	if (name != NULL && add_header_from_name(name, &mode) == -1)
		cfg_error(cfg, "add_header = \"%s\" is not valid; use "
		    "\"would-fail\", \"always\" or \"never\"", name);
	return 0;
}

static int
validate_log_verdicts(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *name = last_str(opt);
	enum log_verdicts_mode mode;

	if (name != NULL && log_verdicts_from_name(name, &mode) == -1)
		cfg_error(cfg, "log_verdicts = \"%s\" is not valid; use "
		    "\"all\", \"would-fail\" or \"none\"", name);
	return 0;
}

/*
 * libconfuse validates a list after each element it appends and once more
 * at the end: check each new element once.
 */
static const char *
new_list_element(cfg_opt_t *opt)
{
	if (parsing->list_opt == opt && parsing->list_size == cfg_opt_size(opt))
		return NULL;
	parsing->list_opt = opt;
	parsing->list_size = cfg_opt_size(opt);
	return last_str(opt);
}

static int
validate_domains(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *d = new_list_element(opt);

	if (d != NULL && !domain_valid(d, strlen(d)))
		cfg_error(cfg, "domains: \"%s\" is not a domain name; write it "
		    "in A-labels without a trailing dot", d);
	return 0;
}

static int
validate_mx_name(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *name = last_str(opt);

	if (name != NULL && name[0] != '\0' && !domain_valid(name, strlen(name)))
		cfg_error(cfg, "mx_name = \"%s\" is not a host name; write the "
		    "MX host name in A-labels without a trailing dot", name);
	return 0;
}

static int
validate_connect_to(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *s = new_list_element(opt), *problem;
	struct connect_to ct;

	if (s != NULL && (problem = connect_to_parse(s, &ct)) != NULL)
		cfg_error(cfg, "connect_to: \"%s\" %s; write "
		    "\"HOST:PORT:ADDRESS:PORT\" as for curl --connect-to", s,
		    problem);
	return 0;
}

static int
validate_authserv_id(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *id = last_str(opt);

	if (id != NULL && !authserv_id_valid(id))
		cfg_error(cfg, "authserv_id = \"%s\" is not valid; use a host "
		    "name (no space, ';' or quotes)", id);
	return 0;
}

/*
 * Every integer key and its range (mtasts-milter.conf(5)). libconfuse's own
 * integer parser takes strtol() base 0 ("010" is 8, "0x10" is 16) and any
 * long, so these keys are parsed here: decimal only, checked against the
 * range before anything multiplies them.
 */
static const struct int_key {
	const char	*name;
	long		 min;
	long		 max;
	const char	*meaning;
} int_keys[] = {
	{ "refresh_interval", 1, 31557600, "seconds between TXT record checks" },
	{ "max_domains", 1, 1000000, "domains tracked" },
	{ "fetch_timeout", 1, 600, "seconds per policy fetch" },
	{ "probe_interval", 0, 604800, "seconds between MX probes, 0 = off" },
	{ "metrics_interval", 1, 3600, "seconds between metrics_file writes" },
};

/*
 * "[-]DIGITS" without a leading zero into *v, saturating far beyond any
 * range. NULL when it is such a number, else what it is instead.
 */
static const char *
decimal_parse(const char *s, long *v)
{
	int	negative = 0;

	*v = 0;
	if (*s == '-') {
		negative = 1;
		s++;
	}
	if (*s < '0' || *s > '9')
		return "is not a decimal number";
	if (s[0] == '0' && s[1] >= '0' && s[1] <= '9')
		return "has a leading zero";
	for (; *s >= '0' && *s <= '9'; s++)
		if (*v < 1000000000L)
			*v = *v * 10 + (*s - '0');
		else
			*v = 1000000000L;
	if (*s != '\0')
		return "is not a decimal number";
	if (negative)
		*v = -*v;
	return NULL;
}

static int
parse_int_key(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	const struct int_key *k = NULL;
	const char *problem;
	size_t	i;
	long	v;

	for (i = 0; i < sizeof(int_keys) / sizeof(int_keys[0]); i++)
		if (strcmp(int_keys[i].name, opt->name) == 0)
			k = &int_keys[i];
	if (k == NULL)
		return -1;
	if ((problem = decimal_parse(value, &v)) == NULL &&
	    (v < k->min || v > k->max))
		problem = "is out of range";
	if (problem != NULL) {
		cfg_error(cfg, "%s = %s %s; use %ld to %ld (%s)", k->name,
		    value, problem, k->min, k->max, k->meaning);
		v = k->min;	/* parsing goes on to report the rest */
	}
	*(long *)result = v;
	return 0;
}

/* The earlier listener with the same address as the last one, or NULL. */
static const char *
listener_twin(cfg_opt_t *opt, int family, const unsigned char bin[16])
{
	unsigned n = cfg_opt_size(opt), i;
	unsigned char other[16];
	const char *title;
	int	f;

	for (i = 0; i + 1 < n; i++) {
		title = cfg_title(cfg_opt_getnsec(opt, i));
		if (address_parse(title, &f, other) == 0 && f == family &&
		    memcmp(other, bin, family == AF_INET ? 4 : 16) == 0)
			return title;
	}
	return NULL;
}

static int
validate_listener(cfg_t *cfg, cfg_opt_t *opt)
{
	cfg_t	*sec = cfg_opt_getnsec(opt, cfg_opt_size(opt) - 1);
	unsigned char bin[16];
	const char *twin;
	int	family;

	if (address_parse(cfg_title(sec), &family, bin) == -1)
		cfg_error(cfg, "listener \"%s\": not a numeric IP address; write "
		    "the address the MTA listens on, e.g. \"203.0.113.10\"",
		    cfg_title(sec));
	else if ((twin = listener_twin(opt, family, bin)) != NULL)
		cfg_error(cfg, "listener \"%s\": the same address as listener "
		    "\"%s\"; keep one of them", cfg_title(sec), twin);
	return 0;
}

/* The earlier draft for the same domain (any case) as the last, or NULL. */
static const char *
draft_twin(cfg_opt_t *opt, const char *domain)
{
	unsigned n = cfg_opt_size(opt), i;
	size_t	len = strlen(domain);
	const char *title;

	for (i = 0; i + 1 < n; i++) {
		title = cfg_title(cfg_opt_getnsec(opt, i));
		if (strlen(title) == len && lex_eq_nocase(title, domain, len))
			return title;
	}
	return NULL;
}

static int
validate_draft(cfg_t *cfg, cfg_opt_t *opt)
{
	cfg_t	*sec = cfg_opt_getnsec(opt, cfg_opt_size(opt) - 1);
	const char *domain = cfg_title(sec), *twin;

	if (parsing->draft_count < CONF_DRAFT_MAX)
		parsing->draft_line[parsing->draft_count++] =
		    (unsigned)cfg->line;
	else
		cfg_error(cfg, "more than %d draft sections; keep the ones "
		    "you are preparing", CONF_DRAFT_MAX);
	if (!domain_valid(domain, strlen(domain)))
		cfg_error(cfg, "draft \"%s\": not a domain name; write it in "
		    "A-labels without a trailing dot", domain);
	else if ((twin = draft_twin(opt, domain)) != NULL)
		cfg_error(cfg, "draft \"%s\": a second draft for the domain of "
		    "draft \"%s\"; keep one of them", domain, twin);
	if (cfg_getstr(sec, "policy_file")[0] == '\0')
		cfg_error(cfg, "draft \"%s\": policy_file is missing; add "
		    "policy_file = \"/path/to/mta-sts.txt\"", domain);
	if (!draft_id_valid(cfg_getstr(sec, "id")))
		cfg_error(cfg, "draft \"%s\": id = \"%s\" is not valid; use 1 to "
		    "32 letters and digits", domain, cfg_getstr(sec, "id"));
	return 0;
}

static cfg_t *
conf_parser_new(void)
{
	static cfg_opt_t listener_opts[] = {
		CFG_STR("mx_name", "", CFGF_NONE),
		CFG_STR("tls_cert_file", "", CFGF_NONE),
		CFG_END()
	};
	static cfg_opt_t draft_opts[] = {
		CFG_STR("policy_file", "", CFGF_NONE),
		CFG_STR("id", "draft", CFGF_NONE),
		CFG_END()
	};
	static cfg_opt_t opts[] = {
		CFG_STR("socket", "unix:/run/mtasts-milter/mtasts-milter.sock",
		    CFGF_NONE),
		CFG_STR("policy_socket", "", CFGF_NONE),
		CFG_STR("user", "", CFGF_NONE),
		CFG_STR("pidfile", "/run/mtasts-milter/mtasts-milter.pid",
		    CFGF_NONE),
		CFG_STR("syslog_facility", "mail", CFGF_NONE),
		CFG_STR("json_log", "/var/log/mtasts-milter/sessions.jsonl",
		    CFGF_NONE),
		CFG_STR("state_dir", "/var/lib/mtasts-milter", CFGF_NONE),
		CFG_STR("header_name", "MTA-STS-Audit", CFGF_NONE),
		CFG_STR("add_header", "would-fail", CFGF_NONE),
		CFG_STR("log_verdicts", "all", CFGF_NONE),
		CFG_BOOL("audit_authenticated", cfg_false, CFGF_NONE),
		CFG_STR_LIST("domains", "{}", CFGF_NONE),
		CFG_STR("mx_name", "", CFGF_NONE),
		CFG_STR("tls_cert_file", "", CFGF_NONE),
		CFG_STR("ca_file", "", CFGF_NONE),
		CFG_STR("dns_servers", "", CFGF_NONE),
		CFG_STR_LIST("connect_to", "{}", CFGF_NONE),
		CFG_SEC("listener", listener_opts,
		    CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES),
		CFG_SEC("draft", draft_opts,
		    CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES),
		CFG_STR("authserv_id", "", CFGF_NONE),
		CFG_INT_CB("refresh_interval", 3600, CFGF_NONE, parse_int_key),
		CFG_INT_CB("max_domains", 10000, CFGF_NONE, parse_int_key),
		CFG_INT_CB("fetch_timeout", 60, CFGF_NONE, parse_int_key),
		CFG_INT_CB("probe_interval", 3600, CFGF_NONE, parse_int_key),
		CFG_STR("metrics_file", "", CFGF_NONE),
		CFG_INT_CB("metrics_interval", 15, CFGF_NONE, parse_int_key),
		CFG_END()
	};
	static const struct {
		const char *name;
		cfg_validate_callback_t fn;
	} validators[] = {
		{ "socket", validate_socket },
		{ "policy_socket", validate_policy_socket },
		{ "syslog_facility", validate_facility },
		{ "header_name", validate_header_name },
		{ "add_header", validate_add_header },
		{ "log_verdicts", validate_log_verdicts },
		{ "domains", validate_domains },
		{ "mx_name", validate_mx_name },
		{ "listener|mx_name", validate_mx_name },
		{ "connect_to", validate_connect_to },
		{ "authserv_id", validate_authserv_id },
		{ "dns_servers", validate_dns_servers },
		{ "pidfile", validate_path },
		{ "json_log", validate_path },
		{ "state_dir", validate_path },
		{ "metrics_file", validate_path },
		{ "tls_cert_file", validate_path },
		{ "ca_file", validate_path },
		{ "listener|tls_cert_file", validate_path },
		{ "draft|policy_file", validate_path },
		{ "listener", validate_listener },
		{ "draft", validate_draft },
	};
	cfg_t	*cfg;
	size_t	 i;

	if ((cfg = cfg_init(opts, CFGF_NONE)) == NULL)
		return NULL;
	cfg_set_error_function(cfg, report_error);
	for (i = 0; i < sizeof(validators) / sizeof(validators[0]); i++)
		cfg_set_validate_func(cfg, validators[i].name, validators[i].fn);
	return cfg;
}

static char *
lower_dup(const char *s)
{
	char	*d;

	return (d = strdup(s)) == NULL ? NULL : lex_lower_str(d);
}

static char **
list_dup(cfg_t *cfg, const char *name, size_t *count, int lower)
{
	size_t	 n = cfg_size(cfg, name), i;
	char	**list;

	*count = 0;
	if ((list = calloc(n + 1, sizeof(*list))) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		list[i] = lower ? lower_dup(cfg_getnstr(cfg, name, i)) :
		    strdup(cfg_getnstr(cfg, name, i));
		if (list[i] == NULL)
			return list;
		*count = i + 1;
	}
	return list;
}

static void
list_free(char **list, size_t count)
{
	size_t	i;

	if (list == NULL)
		return;
	for (i = 0; i < count; i++)
		free(list[i]);
	free(list);
}

static int
cmp_string(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The n strings of list (not copied), sorted; NULL when out of memory. */
static char **
sorted_view(char *const *list, size_t n)
{
	char	**v;

	if (list == NULL || (v = calloc(n > 0 ? n : 1, sizeof(*v))) == NULL)
		return NULL;
	memcpy(v, list, n * sizeof(*v));
	qsort(v, n, sizeof(*v), cmp_string);
	return v;
}

/*
 * Read at most POLICY_MAX_BYTES + 1 bytes so an oversized file is seen as
 * such. The file is read as root at start, and its parse errors quote it:
 * a symbolic link planted in a directory the user can write (to
 * /etc/shadow, say) must not bring root-only text to stderr or syslog,
 * and a FIFO must not hang a start or a reload. So it must be a regular
 * file named directly: NULL with errno ELOOP for a link, EINVAL for
 * anything but a regular file (atomicfile_open_regular).
 */
static char *
read_policy_file(const char *path, size_t *len)
{
	struct stat st;
	char	 cause[128], *buf;
	FILE	*fp;
	int	 fd;

	if ((fd = atomicfile_open_regular(path, &st, cause,
	    sizeof(cause))) == -1)
		return NULL;
	if ((fp = fdopen(fd, "rb")) == NULL) {
		close(fd);
		return NULL;
	}
	if ((buf = malloc(POLICY_MAX_BYTES + 1)) == NULL) {
		fclose(fp);
		return NULL;
	}
	*len = fread(buf, 1, POLICY_MAX_BYTES + 1, fp);
	if (ferror(fp)) {
		free(buf);
		fclose(fp);
		errno = EIO;
		return NULL;
	}
	fclose(fp);
	return buf;
}

static int
draft_load(struct conf_draft *d, const char *conf_path, unsigned conf_line)
{
	struct diag_list diags;
	const struct diag *dg;
	char	*buf;
	size_t	 len, i;
	int	 valid;

	if ((buf = read_policy_file(d->policy_file, &len)) == NULL &&
	    (errno == ELOOP || errno == EINVAL)) {
		report_at(conf_path, conf_line, "draft \"%s\": policy_file "
		    "\"%s\" %s", d->domain, d->policy_file, errno == ELOOP ?
		    "is a symbolic link; it is read as root, so name the file "
		    "itself" : "is not a regular file (a FIFO, a device or a "
		    "directory); name the policy file itself");
		return -1;
	}
	if (buf == NULL) {
		report_at(conf_path, conf_line, "draft \"%s\": cannot read "
		    "policy_file \"%s\": %s; fix the path or the permissions",
		    d->domain, d->policy_file, strerror(errno));
		return -1;
	}
	diag_init(&diags);
	valid = policy_parse(buf, len, STS_STRICT, &d->policy, &diags);
	free(buf);
	if (valid)
		return 0;
	for (i = 0; i < diags.count; i++) {
		dg = &diags.items[i];
		if (dg->severity != DIAG_ERROR)
			continue;
		report_at(d->policy_file, dg->line, "error: %s [%s]",
		    dg->message, dg->code);
	}
	report_at(conf_path, conf_line, "draft \"%s\": policy_file \"%s\" is "
	    "not a valid MTA-STS policy (errors above); fix the policy file",
	    d->domain, d->policy_file);
	return -1;
}

static void
listener_fill(struct conf_listener *l, cfg_t *sec)
{
	l->addr = strdup(cfg_title(sec));
	l->mx_name = lower_dup(cfg_getstr(sec, "mx_name"));
	l->tls_cert_file = strdup(cfg_getstr(sec, "tls_cert_file"));
	if (l->addr != NULL)
		address_parse(l->addr, &l->family, l->bin);
}

static void
draft_fill(struct conf_draft *d, cfg_t *sec)
{
	d->domain = lower_dup(cfg_title(sec));
	d->policy_file = strdup(cfg_getstr(sec, "policy_file"));
	d->id = strdup(cfg_getstr(sec, "id"));
}

static int
sections_fill(struct conf *c, cfg_t *cfg)
{
	size_t	i;

	c->listener_count = cfg_size(cfg, "listener");
	c->draft_count = cfg_size(cfg, "draft");
	c->listeners = calloc(c->listener_count + 1, sizeof(*c->listeners));
	c->drafts = calloc(c->draft_count + 1, sizeof(*c->drafts));
	if (c->listeners == NULL || c->drafts == NULL)
		return -1;
	for (i = 0; i < c->listener_count; i++) {
		listener_fill(&c->listeners[i], cfg_getnsec(cfg, "listener", i));
		if (c->listeners[i].addr == NULL ||
		    c->listeners[i].mx_name == NULL ||
		    c->listeners[i].tls_cert_file == NULL)
			return -1;
	}
	for (i = 0; i < c->draft_count; i++) {
		draft_fill(&c->drafts[i], cfg_getnsec(cfg, "draft", i));
		if (c->drafts[i].domain == NULL ||
		    c->drafts[i].policy_file == NULL || c->drafts[i].id == NULL)
			return -1;
	}
	return 0;
}

static int
scalars_fill(struct conf *c, cfg_t *cfg, const char *path)
{
	c->path = strdup(path);
	c->socket = strdup(cfg_getstr(cfg, "socket"));
	c->policy_socket = strdup(cfg_getstr(cfg, "policy_socket"));
	c->user = strdup(cfg_getstr(cfg, "user"));
	c->pidfile = strdup(cfg_getstr(cfg, "pidfile"));
	c->json_log = strdup(cfg_getstr(cfg, "json_log"));
	c->state_dir = strdup(cfg_getstr(cfg, "state_dir"));
	c->metrics_file = strdup(cfg_getstr(cfg, "metrics_file"));
	c->header_name = strdup(cfg_getstr(cfg, "header_name"));
	c->mx_name = lower_dup(cfg_getstr(cfg, "mx_name"));
	c->tls_cert_file = strdup(cfg_getstr(cfg, "tls_cert_file"));
	c->ca_file = strdup(cfg_getstr(cfg, "ca_file"));
	c->dns_servers = strdup(cfg_getstr(cfg, "dns_servers"));
	c->authserv_id = strdup(cfg_getstr(cfg, "authserv_id"));
	c->domains = list_dup(cfg, "domains", &c->domain_count, 1);
	c->domains_sorted = sorted_view(c->domains, c->domain_count);
	c->connect_to = list_dup(cfg, "connect_to", &c->connect_to_count, 0);
	c->refresh_interval = cfg_getint(cfg, "refresh_interval");
	c->max_domains = cfg_getint(cfg, "max_domains");
	c->fetch_timeout = cfg_getint(cfg, "fetch_timeout");
	c->probe_interval = cfg_getint(cfg, "probe_interval");
	c->metrics_interval = cfg_getint(cfg, "metrics_interval");
	facility_from_name(cfg_getstr(cfg, "syslog_facility"),
	    &c->syslog_facility);
	add_header_from_name(cfg_getstr(cfg, "add_header"), &c->add_header);
	log_verdicts_from_name(cfg_getstr(cfg, "log_verdicts"),
	    &c->log_verdicts);
	c->audit_authenticated = cfg_getbool(cfg, "audit_authenticated");
	if (c->path == NULL || c->socket == NULL || c->user == NULL ||
	    c->policy_socket == NULL ||
	    c->pidfile == NULL || c->json_log == NULL || c->state_dir == NULL ||
	    c->metrics_file == NULL ||
	    c->header_name == NULL || c->mx_name == NULL ||
	    c->tls_cert_file == NULL || c->ca_file == NULL ||
	    c->dns_servers == NULL || c->authserv_id == NULL ||
	    c->domains == NULL || c->domains_sorted == NULL ||
	    c->connect_to == NULL ||
	    c->domain_count != cfg_size(cfg, "domains") ||
	    c->connect_to_count != cfg_size(cfg, "connect_to"))
		return -1;
	return 0;
}

static void
conf_free(struct conf *c)
{
	size_t	i;

	for (i = 0; c->listeners != NULL && i < c->listener_count; i++) {
		free(c->listeners[i].addr);
		free(c->listeners[i].mx_name);
		free(c->listeners[i].tls_cert_file);
	}
	for (i = 0; c->drafts != NULL && i < c->draft_count; i++) {
		free(c->drafts[i].domain);
		free(c->drafts[i].policy_file);
		free(c->drafts[i].id);
		policy_free(&c->drafts[i].policy);
	}
	free(c->listeners);
	free(c->drafts);
	list_free(c->domains, c->domain_count);
	free(c->domains_sorted);
	list_free(c->connect_to, c->connect_to_count);
	free(c->path);
	free(c->socket);
	free(c->policy_socket);
	free(c->user);
	free(c->pidfile);
	free(c->json_log);
	free(c->state_dir);
	free(c->metrics_file);
	free(c->header_name);
	free(c->mx_name);
	free(c->tls_cert_file);
	free(c->ca_file);
	free(c->dns_servers);
	free(c->authserv_id);
	free(c);
}

/* The metrics file replaces what it names: never another file of ours. */
static void
check_metrics_file(const struct conf *c, const char *path)
{
	char	state[CONF_PATH_MAX + sizeof(STATEFILE_NAME) + 2];
	const char *m = c->metrics_file, *clash = NULL;

	if (m[0] == '\0')
		return;
	snprintf(state, sizeof(state), "%s/%s", c->state_dir, STATEFILE_NAME);
	if (strcmp(m, c->json_log) == 0)
		clash = "json_log";
	else if (strcmp(m, c->pidfile) == 0)
		clash = "pidfile";
	else if (c->state_dir[0] != '\0' && strcmp(m, state) == 0)
		clash = "the policy state file";
	if (clash != NULL)
		report_at(path, 0, "metrics_file = \"%s\" is %s too; name a file "
		    "of its own, such as %s/mtasts-milter.prom", m, clash,
		    c->state_dir[0] != '\0' ? c->state_dir : "/var/lib/mtasts-milter");
}

static struct conf *
conf_build(cfg_t *cfg, const char *path)
{
	struct conf *c;
	size_t	i;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	atomic_init(&c->refs, 1);
	if (scalars_fill(c, cfg, path) == -1 || sections_fill(c, cfg) == -1) {
		report_at(path, 0, "out of memory while loading the configuration");
		conf_free(c);
		return NULL;
	}
	for (i = 0; i < c->draft_count; i++)
		draft_load(&c->drafts[i], path, parsing->draft_line[i]);
	check_metrics_file(c, path);
	/* One socket cannot speak both protocols. */
	if (strcmp(c->policy_socket, c->socket) == 0) {
		report_at(path, 0, "policy_socket and socket are both \"%s\"; "
		    "give the policy service a socket of its own", c->socket);
		parsing->failed = 1;
	}
	if (parsing->failed) {
		conf_free(c);
		return NULL;
	}
	return c;
}

/*
 * Blank out comments, keeping every newline. libconfuse 3.3 miscounts lines
 * after a comment (so errors would name the wrong line) and cannot parse a
 * comment inside a list; without comments it has neither problem.
 */
static void
strip_comments(char *s)
{
	char	quote = 0;

	for (; *s != '\0'; s++) {
		if (quote != 0) {
			if (*s == '\\' && s[1] != '\0')
				s++;
			else if (*s == quote)
				quote = 0;
		} else if (*s == '"' || *s == '\'') {
			quote = *s;
		} else if (*s == '#' || (s[0] == '/' && s[1] == '/')) {
			for (; *s != '\0' && *s != '\n'; s++)
				*s = ' ';
			if (*s == '\0')
				return;
		} else if (s[0] == '/' && s[1] == '*') {
			for (; *s != '\0' && !(s[0] == '*' && s[1] == '/'); s++)
				if (*s != '\n')
					*s = ' ';
			if (*s == '\0')
				return;
			s[0] = s[1] = ' ';
			s++;
		}
	}
}

/* The whole file as a string of *len bytes, at most CONF_FILE_MAX. */
static char *
read_conf_file(const char *path, size_t *len)
{
	FILE	*fp;
	char	*buf;

	if ((fp = fopen(path, "r")) == NULL)
		return NULL;
	if ((buf = malloc(CONF_FILE_MAX + 1)) == NULL) {
		fclose(fp);
		return NULL;
	}
	*len = fread(buf, 1, CONF_FILE_MAX + 1, fp);
	if (ferror(fp) || *len > CONF_FILE_MAX) {
		errno = ferror(fp) ? EIO : EFBIG;
		free(buf);
		fclose(fp);
		return NULL;
	}
	fclose(fp);
	buf[*len] = '\0';
	return buf;
}

/*
 * A NUL byte would end the text libconfuse sees, silently dropping the
 * rest of the file: report its line instead. 0, or -1 after reporting.
 */
static int
text_check(const char *path, const char *text, size_t len)
{
	const char *nul = memchr(text, '\0', len), *p;
	unsigned line = 1;

	if (nul == NULL)
		return 0;
	for (p = text; p < nul; p++)
		if (*p == '\n')
			line++;
	report_at(path, line, "a NUL byte (offset %zu): this is not a text "
	    "file; remove the byte or restore the file", (size_t)(nul - text));
	return -1;
}

static int
parse_text(cfg_t *cfg, char *text)
{
	FILE	*fp;
	int	 rc;

	strip_comments(text);
	if ((fp = fmemopen(text, strlen(text), "r")) == NULL)
		return CFG_FILE_ERROR;
	rc = cfg_parse_fp(cfg, fp);
	fclose(fp);
	return rc;
}

struct conf *
conf_load(const char *path)
{
	struct conf_parse ctx = { .path = path };
	struct conf *c = NULL;
	cfg_t	*cfg;
	char	*text;
	size_t	 len;

	parsing = &ctx;
	if ((text = read_conf_file(path, &len)) == NULL) {
		report_at(path, 0, "cannot read: %s; check the path given with -c",
		    strerror(errno));
		parsing = NULL;
		return NULL;
	}
	if (text_check(path, text, len) == -1) {
		free(text);
		parsing = NULL;
		return NULL;
	}
	if ((cfg = conf_parser_new()) == NULL)
		report_at(path, 0, "cannot initialise the parser");
	else if (parse_text(cfg, text) == CFG_SUCCESS && !ctx.failed)
		c = conf_build(cfg, path);
	else if (!ctx.failed)
		report_at(path, 0, "syntax error");
	if (cfg != NULL)
		cfg_free(cfg);
	free(text);
	parsing = NULL;
	return c;
}

struct conf *
conf_ref(struct conf *c)
{
	atomic_fetch_add(&c->refs, 1);
	return c;
}

void
conf_unref(struct conf *c)
{
	if (c != NULL && atomic_fetch_sub(&c->refs, 1) == 1)
		conf_free(c);
}

const char *
conf_add_header_name(enum add_header_mode mode)
{
	return add_header_names[mode];
}

const char *
conf_log_verdicts_name(enum log_verdicts_mode mode)
{
	return log_verdicts_names[mode];
}

int
conf_log_verdict(const struct conf *c, int would_fail)
{
	return c->log_verdicts == LOG_VERDICTS_ALL ||
	    (c->log_verdicts == LOG_VERDICTS_WOULD_FAIL && would_fail);
}

const struct conf_listener *
conf_find_listener(const struct conf *c, const char *addr)
{
	unsigned char bin[16];
	int	family;
	size_t	i, len;

	if (addr == NULL || address_parse(addr, &family, bin) == -1)
		return NULL;
	len = family == AF_INET ? 4 : 16;
	for (i = 0; i < c->listener_count; i++)
		if (c->listeners[i].family == family &&
		    memcmp(c->listeners[i].bin, bin, len) == 0)
			return &c->listeners[i];
	return NULL;
}

int
conf_domain_wanted(const struct conf *c, const char *domain)
{
	if (c->domain_count == 0)
		return 1;
	return bsearch(&domain, c->domains_sorted, c->domain_count,
	    sizeof(*c->domains_sorted), cmp_string) != NULL;
}

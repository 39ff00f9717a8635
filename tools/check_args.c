/*
 * check_args.c - the options of the mtasts-check subcommands, parsed in one
 * place so that --json and --help mean the same everywhere and a misplaced
 * option (--mx after "record") is named as such.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "connectto.h"

enum {
	OPT_JSON = 256, OPT_MX, OPT_DNS_SERVER, OPT_CA_FILE, OPT_CONNECT_TO,
	OPT_STATE_DIR, OPT_TIMEOUT
};

static const struct option check_options[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "mx", required_argument, NULL, OPT_MX },
	{ "dns-server", required_argument, NULL, OPT_DNS_SERVER },
	{ "ca-file", required_argument, NULL, OPT_CA_FILE },
	{ "connect-to", required_argument, NULL, OPT_CONNECT_TO },
	{ "state-dir", required_argument, NULL, OPT_STATE_DIR },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ NULL, 0, NULL, 0 }
};

/* The longest --timeout accepted, in seconds. */
#define CHECK_TIMEOUT_MAX	600

static int
add_host(struct check_args *args, unsigned allowed, const char *subcommand,
    char *host)
{
	if ((allowed & CHECK_OPT_MX) == 0)
		return check_usage_error("%s: --mx applies to the policy "
		    "subcommand only", subcommand);
	args->hosts[args->host_count++] = host;
	return 0;
}

static int
set_timeout(struct check_args *args, const char *value)
{
	char *end;
	long v;

	v = strtol(value, &end, 10);
	if (*value == '\0' || *end != '\0' || v < 1 || v > CHECK_TIMEOUT_MAX)
		return check_usage_error("--timeout: \"%s\" is not a number "
		    "of seconds from 1 to %d", value, CHECK_TIMEOUT_MAX);
	args->timeout = (int)v;
	return 0;
}

/* The rules of connect_to in mtasts-milter.conf, checked before any lookup. */
static int
add_connect_to(struct check_args *args, char *value)
{
	struct connect_to ct;
	const char *problem;

	if ((problem = connect_to_parse(value, &ct)) != NULL)
		return check_usage_error("--connect-to: \"%s\" %s; write "
		    "HOST:PORT:ADDRESS:PORT as for curl --connect-to", value,
		    problem);
	args->connect_to[args->connect_to_count++] = value;
	return 0;
}

/* The options of "domain"; 0, or -1 after a usage error. */
static int
online_option(struct check_args *args, unsigned allowed, const char *subcommand,
    int ch, char *value)
{
	if ((allowed & CHECK_OPT_ONLINE) == 0)
		return check_usage_error("%s: this option applies to the "
		    "domain subcommand only", subcommand);
	switch (ch) {
	case OPT_DNS_SERVER:
		args->dns_server = value;
		return 0;
	case OPT_CA_FILE:
		args->ca_file = value;
		return 0;
	case OPT_CONNECT_TO:
		return add_connect_to(args, value);
	case OPT_STATE_DIR:
		args->state_dir = value;
		return 0;
	default:
		return set_timeout(args, value);
	}
}

int
check_getopt(int argc, char **argv, unsigned allowed, struct check_args *args)
{
	int ch;

	memset(args, 0, sizeof(*args));
	/* argc bounds the number of --mx and --connect-to options. */
	if ((args->hosts = calloc((size_t)argc, sizeof(*args->hosts))) == NULL ||
	    (args->connect_to = calloc((size_t)argc,
	    sizeof(*args->connect_to))) == NULL)
		return check_oom();
	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", check_options, NULL)) != -1) {
		switch (ch) {
		case 'h':
			check_usage(stdout);
			return 1;
		case OPT_JSON:
			args->json = 1;
			break;
		case OPT_MX:
			if (add_host(args, allowed, argv[0], optarg) == -1)
				return -1;
			break;
		case OPT_DNS_SERVER:
		case OPT_CA_FILE:
		case OPT_CONNECT_TO:
		case OPT_STATE_DIR:
		case OPT_TIMEOUT:
			if (online_option(args, allowed, argv[0], ch,
			    optarg) == -1)
				return -1;
			break;
		default:
			/* getopt_long has said what is wrong. */
			return check_usage_hint();
		}
	}
	args->operands = argv + optind;
	args->operand_count = (size_t)(argc - optind);
	return 0;
}

void
check_args_free(struct check_args *args)
{
	free(args->hosts);
	args->hosts = NULL;
	free(args->connect_to);
	args->connect_to = NULL;
}

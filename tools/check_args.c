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

enum { OPT_JSON = 256, OPT_MX };

static const struct option check_options[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "mx", required_argument, NULL, OPT_MX },
	{ NULL, 0, NULL, 0 }
};

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

int
check_getopt(int argc, char **argv, unsigned allowed, struct check_args *args)
{
	int ch;

	memset(args, 0, sizeof(*args));
	/* argc bounds the number of --mx options. */
	if ((args->hosts = calloc((size_t)argc, sizeof(*args->hosts))) == NULL)
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
}

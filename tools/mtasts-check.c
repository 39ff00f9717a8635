/*
 * mtasts-check.c - the mtasts-check command: usage, version and dispatch to
 * the subcommands (check_policy.c, check_record.c, check_domain.c).
 *
 * The subcommand comes first; each subcommand parses its own options, so
 * "mtasts-check policy FILE --json" and "mtasts-check policy --json FILE"
 * both work.
 */
#include "config.h"

#include <err.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "printable.h"

struct subcommand {
	const char	*name;
	int		(*run)(int, char **);
};

static const struct subcommand subcommands[] = {
	{ "policy", check_policy_main },
	{ "record", check_record_main },
	{ "tlsrpt", check_tlsrpt_main },
	{ "domain", check_domain_main },
};

void
check_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: mtasts-check policy FILE|- [--mx HOST]... [--json]\n"
	    "       mtasts-check record TXT... [--json]\n"
	    "       mtasts-check tlsrpt TXT... [--json]\n"
	    "       mtasts-check domain DOMAIN [--json] [--dns-server ADDR[:PORT]]\n"
	    "                    [--ca-file FILE] [--connect-to HOST:PORT:ADDR:PORT]...\n"
	    "                    [--state-dir DIR] [--timeout SECONDS]\n"
	    "       mtasts-check -h | --help\n"
	    "       mtasts-check -V | --version\n"
	    "\n"
	    "  policy  lint an MTA-STS policy file (- reads standard input);\n"
	    "          --mx HOST: which mx pattern covers HOST (repeatable)\n"
	    "  record  lint the _mta-sts TXT RRset, one argument per record\n"
	    "  tlsrpt  lint the _smtp._tls TXT RRset, one argument per record\n"
	    "  domain  self-check a domain online as a sending MTA sees it: TXT\n"
	    "          records, policy fetch, certificates, MX coverage, STARTTLS\n"
	    "  --json  one JSON object on standard output\n"
	    "\n"
	    "Exit status: 0 conforming (warnings allowed), 1 problems found,\n"
	    "2 usage or internal error.\n");
}

int
check_usage_hint(void)
{
	fprintf(stderr, "Try 'mtasts-check --help' for usage.\n");
	return -1;
}

int
check_usage_error(const char *fmt, ...)
{
	char raw[1024], safe[1024];
	va_list ap;

	/* The message quotes the command line: keep escapes off the terminal. */
	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	warnx("%s", printable_copy(safe, sizeof(safe), raw));
	return check_usage_hint();
}

int
check_oom(void)
{
	warnx("out of memory");
	return -1;
}

static int
run_subcommand(int argc, char **argv)
{
	size_t i;

	for (i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		if (strcmp(argv[0], subcommands[i].name) == 0)
			return subcommands[i].run(argc, argv);
	if (argv[0][0] == '-')
		check_usage_error("unknown option: %s", argv[0]);
	else
		check_usage_error("unknown subcommand: %s", argv[0]);
	return CHECK_FAILURE;
}

int
main(int argc, char **argv)
{
	int status;

	if (argc < 2) {
		check_usage(stderr);
		return CHECK_FAILURE;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		check_usage(stdout);
		return CHECK_OK;
	}
	if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0) {
		printf("mtasts-check %s\n", PACKAGE_VERSION);
		return CHECK_OK;
	}
	status = run_subcommand(argc - 1, argv + 1);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		warn("standard output");
		return CHECK_FAILURE;
	}
	return status;
}

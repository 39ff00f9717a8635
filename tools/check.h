/*
 * check.h - what the mtasts-check subcommands share: exit statuses, the
 * subcommand entry points and the usage text.
 */
#ifndef MTASTS_CHECK_H
#define MTASTS_CHECK_H

#include <stdio.h>

/* Exit statuses (DESIGN.md section 10). */
enum check_status {
	CHECK_OK = 0,		/* conforming; warnings allowed */
	CHECK_PROBLEMS = 1,	/* the input has problems */
	CHECK_FAILURE = 2	/* usage or internal error */
};

/* Options that only some subcommands take. */
#define CHECK_OPT_MX	0x01		/* --mx HOST, repeatable */
#define CHECK_OPT_ONLINE 0x02		/* domain: --dns-server ... --timeout */

/* A subcommand's command line once its options are parsed. */
struct check_args {
	int		  json;		/* --json */
	char		**hosts;	/* --mx values, pointers into argv */
	size_t		  host_count;
	char		**operands;	/* what follows the options */
	size_t		  operand_count;
	const char	 *dns_server;	/* --dns-server, NULL: system */
	const char	 *ca_file;	/* --ca-file, NULL: system store */
	const char	**connect_to;	/* --connect-to values, repeatable */
	size_t		  connect_to_count;
	const char	 *state_dir;	/* --state-dir, NULL: no comparison */
	int		  timeout;	/* --timeout seconds, 0: default */
};

/*
 * Parse argv (argv[0] is the subcommand name), accepting --json, -h and the
 * options in allowed. Returns 0 to go on, 1 after printing help, -1 after
 * reporting a usage error. Call check_args_free afterwards in every case.
 */
int	check_getopt(int argc, char **argv, unsigned allowed,
	    struct check_args *);
void	check_args_free(struct check_args *);

/* Subcommands: argv[0] is the subcommand name. Return a check_status. */
int	check_policy_main(int argc, char **argv);
int	check_record_main(int argc, char **argv);
int	check_tlsrpt_main(int argc, char **argv);
int	check_domain_main(int argc, char **argv);

/* Usage text for every subcommand. */
void	check_usage(FILE *);
/*
 * Report a usage error (printf-style), point to --help after getopt_long
 * has reported one, or report an allocation failure. All return -1, what
 * the option parsers return for "stop with CHECK_FAILURE".
 */
int	check_usage_error(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));
int	check_usage_hint(void);
int	check_oom(void);

#endif

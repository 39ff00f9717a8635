/*
 * nullmilter.c - the baseline for the milter benchmark (bench-milter.sh): a
 * libmilter filter that registers the same callbacks as mtasts-milter
 * (connect, helo, envfrom, envrcpt, header, eom, abort, close) and
 * negotiates the same protocol steps (no body, no EOH, no DATA, no unknown
 * commands), but does nothing: every callback answers SMFIS_CONTINUE. The
 * difference between a run through this filter and one through
 * mtasts-milter is the cost of mtasts-milter's own work.
 *
 * With -H it also inserts one header field at the end of each message, as
 * mtasts-milter does with add_header = always (the same name and a value
 * of the same shape): the milter protocol's cost of that header (one more
 * action the MTA reads before the final reply), without any evaluation.
 *
 * Usage: nullmilter [-H] SOCKET  e.g. unix:/tmp/null.sock, inet:8892@127.0.0.1
 * Runs in the foreground until SIGTERM, SIGINT or SIGHUP (libmilter stops
 * smfi_main on those).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libmilter/mfapi.h>

static sfsistat
null_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
    unsigned long f2, unsigned long f3, unsigned long *pf0,
    unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	/* The same steps as mtasts-milter skips, so the MTA sends the same. */
	const unsigned long skip = SMFIP_NOBODY | SMFIP_NOEOH |
	    SMFIP_NOUNKNOWN | SMFIP_NODATA;

	(void)ctx;
	(void)f2;
	(void)f3;
	*pf0 = f0 & (SMFIF_ADDHDRS | SMFIF_CHGHDRS);
	*pf1 = f1 & skip;
	*pf2 = 0;
	*pf3 = 0;
	return SMFIS_CONTINUE;
}

static sfsistat
null_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *addr)
{
	(void)ctx;
	(void)host;
	(void)addr;
	return SMFIS_CONTINUE;
}

static sfsistat
null_args(SMFICTX *ctx, char **argv)
{
	(void)ctx;
	(void)argv;
	return SMFIS_CONTINUE;
}

static sfsistat
null_helo(SMFICTX *ctx, char *name)
{
	(void)ctx;
	(void)name;
	return SMFIS_CONTINUE;
}

static sfsistat
null_header(SMFICTX *ctx, char *name, char *value)
{
	(void)ctx;
	(void)name;
	(void)value;
	return SMFIS_CONTINUE;
}

/* The header field of a bench message's verdict, as mtasts-milter adds it. */
#define HEADER_NAME	"MTA-STS-Audit"
#define HEADER_VALUE	"mx1.example.test; domain=example.test; result=pass;" \
			"\n\tmode=enforce; id=bench1; source=draft; " \
			"tls=TLSv1.3; mx=mx1.example.test"

static int add_header;

static sfsistat
null_eom(SMFICTX *ctx)
{
	if (add_header)
		smfi_insheader(ctx, 0, HEADER_NAME, HEADER_VALUE);
	return SMFIS_CONTINUE;
}

static sfsistat
null_step(SMFICTX *ctx)
{
	(void)ctx;
	return SMFIS_CONTINUE;
}

static int
null_register(void)
{
	static struct smfiDesc desc = {
		.xxfi_name = "nullmilter",
		.xxfi_version = SMFI_VERSION,
		.xxfi_flags = SMFIF_ADDHDRS | SMFIF_CHGHDRS,
		.xxfi_connect = null_connect,
		.xxfi_helo = null_helo,
		.xxfi_envfrom = null_args,
		.xxfi_envrcpt = null_args,
		.xxfi_header = null_header,
		.xxfi_eom = null_eom,
		.xxfi_abort = null_step,
		.xxfi_close = null_step,
		.xxfi_negotiate = null_negotiate,
	};

	return smfi_register(desc) == MI_SUCCESS ? 0 : -1;
}

int
main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "-H") == 0) {
		add_header = 1;
		argv++;
		argc--;
	}
	if (argc != 2) {
		fprintf(stderr, "usage: nullmilter [-H] SOCKET "
		    "(unix:/path or inet:port@127.0.0.1)\n");
		return 2;
	}
	if (null_register() == -1) {
		fprintf(stderr, "nullmilter: smfi_register failed\n");
		return 1;
	}
	if (smfi_setconn(argv[1]) != MI_SUCCESS ||
	    smfi_opensocket(1) != MI_SUCCESS) {
		fprintf(stderr, "nullmilter: cannot listen on %s (does its "
		    "directory exist? is it in use?)\n", argv[1]);
		return 1;
	}
	return smfi_main() == MI_SUCCESS ? 0 : 1;
}

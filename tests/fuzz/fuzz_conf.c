/*
 * fuzz_conf.c - libFuzzer target for conf_load(): the input is a
 * configuration file, optionally followed by a line "%%" and the text every
 * draft policy_file then reads as. No file is touched: the target is
 * linked with -Wl,--wrap=fopen,--wrap=open, and while conf_load() runs,
 * fopen() serves the configuration and open() the policy text from memory
 * (any other path does not exist), so a path in the input can never make
 * the fuzzer read a device or a host file.
 *
 * Invariants: every error is one line (reported through msg.h at LOG_ERR)
 * starting with the file name; a conf is returned exactly when no error
 * was reported, and holds only values the validators allow. Leaks are
 * caught by libFuzzer's leak checker.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <syslog.h>
#include <unistd.h>

#include "conf.h"
#include "msg.h"
#include "mxmatch.h"

#define CONF_PATH	"/fuzz/mtasts-milter.conf"
#define SEPARATOR	"\n%%\n"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);
FILE	*__real_fopen(const char *, const char *);
FILE	*__wrap_fopen(const char *, const char *);
int	 __real_open(const char *, int, ...);
int	 __wrap_open(const char *, int, ...);

static struct {
	int		 armed;		/* inside conf_load() */
	const char	*conf, *policy;	/* policy NULL: no draft file exists */
	size_t		 conf_len, policy_len;
	unsigned	 errors;
} fz;

FILE *
__wrap_fopen(const char *path, const char *mode)
{
	if (!fz.armed || mode[0] != 'r')	/* libFuzzer writes artifacts */
		return __real_fopen(path, mode);
	if (strcmp(path, CONF_PATH) == 0)
		return fmemopen((void *)fz.conf, fz.conf_len, "r");
	errno = ENOENT;
	return NULL;
}

/* The policy file: a memfd (a regular file to fstat) holding the text. */
int
__wrap_open(const char *path, int flags, ...)
{
	va_list	ap;
	int	fd, mode;

	va_start(ap, flags);
	mode = va_arg(ap, int);
	va_end(ap);
	if (!fz.armed)
		return __real_open(path, flags, mode);
	if (fz.policy == NULL) {
		errno = ENOENT;
		return -1;
	}
	if ((fd = memfd_create("policy", MFD_CLOEXEC)) == -1)
		abort();
	if ((fz.policy_len > 0 && write(fd, fz.policy, fz.policy_len) !=
	    (ssize_t)fz.policy_len) || lseek(fd, 0, SEEK_SET) != 0)
		abort();
	return fd;
}

static void
check_error(void *arg, int priority, const char *message)
{
	(void)arg;
	if (priority != LOG_ERR)
		abort();
	if (strncmp(message, CONF_PATH ":", sizeof(CONF_PATH)) != 0 &&
	    strstr(message, ": error: ") == NULL)
		abort();
	if (strchr(message, '\n') != NULL || strchr(message, '\r') != NULL)
		abort();
	fz.errors++;
}

static void
check_conf(const struct conf *c)
{
	size_t	i;

	/* The ranges of mtasts-milter.conf(5): nothing wraps or escapes them. */
	if (fz.errors != 0 || c->refresh_interval < 1 ||
	    c->refresh_interval > 31557600 || c->max_domains < 1 ||
	    c->max_domains > 1000000 || c->fetch_timeout < 1 ||
	    c->fetch_timeout > 600 || c->probe_interval < 0 ||
	    c->probe_interval > 604800 ||
	    c->header_name[0] == '\0' || strchr(c->header_name, ':') != NULL)
		abort();
	for (i = 0; i < c->domain_count; i++)
		if (!domain_valid(c->domains[i], strlen(c->domains[i])))
			abort();
	for (i = 0; i < c->draft_count; i++)
		if (c->drafts[i].policy.mode == STS_MODE_UNSET)
			abort();
	for (i = 0; i < c->listener_count; i++)
		if (conf_find_listener(c, c->listeners[i].addr) == NULL)
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data, *sep;
	struct conf *c;

	fz.conf = text;
	fz.conf_len = size;
	fz.policy = NULL;
	fz.errors = 0;
	sep = memmem(text, size, SEPARATOR, strlen(SEPARATOR));
	if (sep != NULL) {
		fz.conf_len = (size_t)(sep - text) + 1;
		fz.policy = sep + strlen(SEPARATOR);
		fz.policy_len = size - (size_t)(fz.policy - text);
	}
	if (msg_set_output(check_error, NULL) == -1)
		abort();
	fz.armed = 1;
	c = conf_load(CONF_PATH);
	fz.armed = 0;
	if (c == NULL) {
		if (fz.errors == 0)
			abort();
		return 0;
	}
	check_conf(c);
	conf_unref(c);
	return 0;
}

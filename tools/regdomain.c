/*
 * regdomain.c - registered domains by libpsl (see regdomain.h). The list
 * is loaded once, on first use (pthread_once: mtasts-report's threads
 * share it); names are lower-cased and stripped of a
 * final dot first, and anything with a character a host name cannot hold
 * (an address literal such as "[192.0.2.1]", a space) has no registered
 * domain.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <libpsl.h>

#include "regdomain.h"
#include "stslex.h"

#define REGDOMAIN_NAME_MAX	256

static const psl_ctx_t *psl_ctx;
static pthread_once_t psl_once = PTHREAD_ONCE_INIT;

static void
psl_load(void)
{
	psl_ctx = psl_latest(NULL);
	if (psl_ctx == NULL)
		psl_ctx = psl_builtin();
}

static const psl_ctx_t *
psl(void)
{
	pthread_once(&psl_once, psl_load);
	return psl_ctx;
}

int
regdomain_of(const char *host, char *out, size_t size)
{
	char name[REGDOMAIN_NAME_MAX];
	const char *reg;
	size_t n;

	out[0] = '\0';
	if (host == NULL || (n = strlen(host)) == 0 || n >= sizeof(name))
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)host[i];

		if (!lex_is_alnum(c) && c != '-' && c != '.' && c != '_')
			return -1;
	}
	memcpy(name, host, n + 1);
	lex_lower_str(name);
	if (name[n - 1] == '.')
		name[--n] = '\0';
	/* An IPv4 address ends in digits; no top-level domain does. */
	if (n > 0 && lex_is_digit((unsigned char)name[n - 1]))
		return -1;
	if (psl() == NULL ||
	    (reg = psl_registrable_domain(psl(), name)) == NULL)
		return -1;
	snprintf(out, size, "%s", reg);
	return 0;
}

/*
 * regdomain.h - the registered domain of a host name (google.com for
 * mail-sor-f41.google.com, example.co.uk for mx.example.co.uk) by the
 * Public Suffix List (libpsl, the newest of its built-in list and the
 * system's publicsuffix package).
 */
#ifndef MTASTS_REGDOMAIN_H
#define MTASTS_REGDOMAIN_H

#include <stddef.h>

/*
 * The registered domain of host (lower case, no final dot) into out;
 * 0, or -1 and out "" when host has none (an address, a bare suffix,
 * not a name).
 */
int	regdomain_of(const char *host, char *out, size_t size);

#endif

/*
 * certhealth.h - judge a server certificate chain for an MX name the way a
 * sending MTA applying MTA-STS would (RFC 8461 4.2): PKIX chain to a trusted
 * root (ca_file, or the system store when ca_file is NULL or ""), not
 * expired, a SAN dNSName matching the name (RFC 6125; wildcard only as the
 * whole left-most label; CN never used).
 *
 * Does file I/O and parsing: call from startup, reload or a background
 * thread, never from a milter callback.
 */
#ifndef MTASTS_CERTHEALTH_H
#define MTASTS_CERTHEALTH_H

#include <time.h>

#include <openssl/x509.h>

#include "verdict.h"

struct certhealth_result {
	struct cert_health health;	/* known=1 when the chain was read */
	time_t	not_after;		/* leaf expiry, 0 when unknown */
	char	error[256];		/* why the chain could not be judged */
	char	detail[256];		/* what failed (OpenSSL's reason), "" when good */
};

/*
 * Read a PEM chain (leaf first) from chain_file and judge it for mx_name at
 * time now. Returns 0 when judged (see health), -1 when the file cannot be
 * read or holds no certificate (error says why; health.known = 0).
 */
int	certhealth_check_file(const char *chain_file, const char *ca_file,
	    const char *mx_name, time_t now, struct certhealth_result *out);
/*
 * The same judgement for a chain already in memory (leaf first), such as
 * the one a TLS server sent. Returns 0 when judged, -1 when chain is empty,
 * mx_name is missing or the trust store cannot be loaded (error says why).
 */
int	certhealth_check_chain(STACK_OF(X509) *chain, const char *ca_file,
	    const char *mx_name, time_t now, struct certhealth_result *out);

/*
 * The PEM chain in path (leaf first), or NULL with out->error saying why;
 * free with sk_X509_pop_free(chain, X509_free).
 */
STACK_OF(X509) *certhealth_read_chain(const char *path,
	    struct certhealth_result *out);

/*
 * The dNSName entries of the leaf certificate (the first one) in
 * chain_file, at most max of them: the names this certificate lets the MX
 * answer for. Returns a malloc'd array of malloc'd strings (free with
 * certhealth_names_free) and sets *n; NULL with *n = 0 when the file cannot
 * be read or names none.
 */
char	**certhealth_leaf_names(const char *chain_file, size_t max, size_t *n);
void	 certhealth_names_free(char **names, size_t n);

#endif

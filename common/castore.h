/*
 * castore.h - the parsed trust store of a CA file, one for the process,
 * shared by every policy fetch (each of discovery's workers, a CLI's
 * fetch). Parsing a CA file costs about 1.5 million instructions a
 * certificate with OpenSSL 3 (the system bundle: ~150 of them, 27 ms),
 * and a parsed bundle takes ~0.9 MB: once, not once per fetch or per
 * worker. The store is read-only once made; OpenSSL locks its own use of
 * it, so concurrent handshakes may share it.
 */
#ifndef MTASTS_CASTORE_H
#define MTASTS_CASTORE_H

#include <time.h>

#include <openssl/x509.h>

/* How long a parsed file is used before it is read again. */
#define CASTORE_SECONDS	3600

/*
 * A reference to the store of path as parsed at most CASTORE_SECONDS
 * before now (read now when not: first use, another path, older), with
 * the verification flags libcurl gives its own (trusted first, partial
 * chains); NULL when path cannot be read or holds no certificate
 * (nothing is kept then: the next call tries again). Release it with
 * castore_put.
 */
X509_STORE *castore_get(const char *path, time_t now);
void	castore_put(X509_STORE *);

#endif

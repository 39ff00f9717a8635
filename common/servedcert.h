/*
 * servedcert.h - the certificate an MTA says it served (an Exim policy
 * request's tls_ourcert: the certificate as PEM, or its SHA-256
 * fingerprint), judged for an MX name as a sender would (certhealth.h).
 *
 * Judging loads trust stores and files: it happens in a thread of its own,
 * never on the request path. A request only looks up what was judged
 * (under a short mutex) and queues an unknown PEM certificate; until it is
 * judged the session is judged with the store's certificate of that MX
 * name, as a milter session is. A fingerprint alone can only be matched:
 * against certificates judged before, and the leaf of every tls_cert_file
 * of the configuration (judged with that file's chain).
 */
#ifndef MTASTS_SERVEDCERT_H
#define MTASTS_SERVEDCERT_H

#include <time.h>

#include "conf.h"
#include "verdict.h"

#define SERVEDCERT_MAX		256	/* judged (certificate, MX name) pairs */
#define SERVEDCERT_QUEUE_MAX	16	/* certificates waiting to be judged */
#define SERVEDCERT_DER_MAX	16384	/* bytes of one certificate */

struct servedcert;

struct servedcert *servedcert_new(void);
int	servedcert_start(struct servedcert *);
/* Judge the tls_cert_file of conf (and of each listener) in the background. */
void	servedcert_configure(struct servedcert *, const struct conf *);
/*
 * The health of the certificate text names (PEM, on one line or not, or
 * 64 hex digits with or without colons) for mx_name at now: 1 with *out
 * set when judged, 0 when not (a PEM one is then queued, judged against
 * ca_file).
 */
int	servedcert_health(struct servedcert *, const char *text,
	    const char *mx_name, const char *ca_file, time_t now,
	    struct cert_health *out);
/* Stop the thread and free. */
void	servedcert_free(struct servedcert *);

#endif

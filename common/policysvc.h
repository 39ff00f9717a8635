/*
 * policysvc.h - the policy-service front end (DESIGN.md 14): one request
 * of the Postfix policy delegation protocol in, one "action=" answer out.
 *
 * A thin adapter, as the libmilter callbacks are: the attributes of a
 * request become the session facts of its message (context.h), keyed by
 * the request's "instance" (Postfix sends one per message; an Exim ACL
 * sends whatever it keeps per message), and auditreport.h judges them,
 * formats the header value and writes the record. RCPT requests answer
 * "PREPEND <header_name>: <value>" the first time a recipient domain is
 * seen for the instance (when add_header wants a field for its verdict),
 * every other request "DUNNO". The JSON record is written at
 * END-OF-MESSAGE, or when the instance is dropped unfinished (expired,
 * evicted to make room, or open at the stop: then "aborted":true).
 *
 * Not thread-safe: one thread (the listener's) calls all of it. No I/O on
 * the request path but the log queue; unknown domains go to discovery.
 */
#ifndef MTASTS_POLICYSVC_H
#define MTASTS_POLICYSVC_H

#include <stddef.h>
#include <time.h>

#include "auditreport.h"
#include "authhdr.h"
#include "policyproto.h"
#include "servedcert.h"

#define POLICYSVC_INSTANCES_MAX		1024	/* messages followed at once */
#define POLICYSVC_INSTANCE_SECONDS	1800	/* idle time before one is dropped */
#define POLICYSVC_ANSWER_MAX		(AUTHHDR_MAX + 128)
#define POLICYSVC_COMPLAINT_SECONDS	60	/* malformed requests: one log line */

struct policysvc;

struct policysvc *policysvc_new(const struct audit_deps *,
		    struct servedcert *);
/*
 * Answer the request r holds (a well-formed one) into answer:
 * "action=...\n\n". Never fails: anything unexpected answers DUNNO.
 */
void	policysvc_answer(struct policysvc *, const struct policy_reader *r,
	    time_t now, char *answer, size_t size);
/* The answer to a malformed request, logged at most once a minute. */
void	policysvc_malformed(struct policysvc *, enum policy_fault,
	    const char *peer, time_t now, char *answer, size_t size);
/* Drop instances idle for POLICYSVC_INSTANCE_SECONDS, writing their records. */
void	policysvc_expire(struct policysvc *, time_t now);
/* Write the record of every instance still open, and free. */
void	policysvc_free(struct policysvc *);

#endif

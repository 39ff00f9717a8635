/*
 * pendrec.h - JSON records of messages that had a recipient domain still
 * pending at the end of the message (discovery had not answered yet).
 *
 * The message has gone on without a header (callbacks never wait), but its
 * record can still say what a sender would have got: it is held, bounded
 * in number and time, re-judged once a second against the store's current
 * snapshot, and written as soon as discovery has answered for every
 * pending domain (each such domain entry then carries "deferred":true), or
 * as it is after PENDREC_WAIT_SECONDS, when the holding space is full, or
 * at shutdown.
 */
#ifndef MTASTS_PENDREC_H
#define MTASTS_PENDREC_H

#include "audit.h"
#include "auditjson.h"
#include "jlog.h"
#include "jsonbuf.h"
#include "store.h"

#define PENDREC_MAX		1024	/* records held at once */
#define PENDREC_WAIT_SECONDS	120	/* the longest a record is held */

struct pendrec;

struct pendrec	*pendrec_new(struct store *, struct jlog *);
int		 pendrec_start(struct pendrec *);
/*
 * Hold line (a message record written by auditjson_record with places,
 * its entries judged as ev[0 .. places->n), some of them pending) until it
 * can be completed. s gives the session's TLS version and MX name (the
 * certificate is looked up again when judging). Returns 0 when the line
 * was taken over (line is left empty); -1 when it was not (full, not
 * started, out of memory): the caller writes it as it is.
 */
int		 pendrec_hold(struct pendrec *, struct jsonbuf *line,
		    const struct auditjson_places *places,
		    const struct audit_domain *ev, const char *queue_id,
		    const char *client_ip, const struct audit_session *s);
/* Stop the thread, write every held record as it is, and free. */
void		 pendrec_free(struct pendrec *);

#endif

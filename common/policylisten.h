/*
 * policylisten.h - the socket of the policy service (policy_socket): one
 * thread polls the listening socket and every client connection, reads
 * requests (policyproto.h), and writes the answers policysvc.h gives.
 *
 * Bounds: POLICYLISTEN_CLIENTS_MAX connections (when full, the connection
 * idle longest between requests makes room; if every one is inside a
 * request, the new one is closed, logged once a minute); a request must
 * be complete within POLICYLISTEN_REQUEST_SECONDS of its first byte, or
 * the connection is dropped (that client only: nothing here waits on a
 * client); a connection idle POLICYLISTEN_IDLE_SECONDS between requests
 * is closed.
 * A client that half-closes (Exim's ${readsocket}) gets the answers of its
 * requests, and an unfinished request is answered DUNNO, before the close.
 */
#ifndef MTASTS_POLICYLISTEN_H
#define MTASTS_POLICYLISTEN_H

#include <stddef.h>

#include "policysvc.h"

#define POLICYLISTEN_CLIENTS_MAX	256
#define POLICYLISTEN_REQUEST_SECONDS	10
#define POLICYLISTEN_IDLE_SECONDS	600
#define POLICYLISTEN_BACKLOG		64

struct policylisten;

/*
 * Open the listening socket of spec ("unix:/PATH", "local:/PATH", "/PATH",
 * "inet:PORT@HOST", "inet6:PORT@HOST"; the host a numeric address or a
 * name resolved now). A unix socket is made with the caller's identity and
 * umask (a stale one left by a stopped daemon is replaced; one a live
 * process answers on is not). Returns the descriptor, or -1 with err set.
 */
int	policylisten_open(const char *spec, char *err, size_t size);
/* Serve fd with svc in a new thread (created by the caller's start). */
struct policylisten *policylisten_new(int fd, const char *spec,
	    struct policysvc *svc);
void	*policylisten_run(void *);	/* the thread: pass the policylisten */
/* Stop the thread (the caller joins it), close every connection. */
void	policylisten_stop(struct policylisten *);
/* After the join: close the socket, remove a unix socket's file, free. */
void	policylisten_free(struct policylisten *);

#endif

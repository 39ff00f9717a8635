/*
 * mproto.h - the MTA side of the milter protocol (version 6) for the
 * benchmarks milterlat and milterbench: connect to a filter's socket, run
 * one full session (negotiate, connect, helo, mail, rcpt, 5 header fields,
 * end of message, quit) and report how long each step took. One struct
 * mproto_conn per connection, so several threads may drive sessions at once.
 */
#ifndef MPROTO_H
#define MPROTO_H

#include <stddef.h>

enum mproto_stage { MP_NEG, MP_CONN, MP_HELO, MP_MAIL, MP_RCPT, MP_HDR,
	MP_EOM, MP_SESSION, MP_STAGES };

/* What the client says about TLS, as Postfix's macros after STARTTLS. */
enum mproto_tls { MP_TLS13, MP_TLS12, MP_PLAIN };

extern const char *const mproto_stage_names[MP_STAGES];

/* Called after each timed step (not MP_SESSION: the caller times that). */
typedef void mproto_stage_fn(void *arg, enum mproto_stage, double us);

double	mproto_now_us(void);

/*
 * "unix:/path", "local:/path", "/path", "inet:PORT@127.0.0.1" or
 * "inet:PORT" (127.0.0.1). Returns a connected socket, or -1 with a message
 * on stderr.
 */
int	mproto_connect(const char *socket_spec);

/*
 * One whole session on a connected socket: negotiation, one message with
 * the given TLS facts, quit; then waits until the filter closes. 0 done,
 * -1 protocol or socket error (message on stderr). fd is not closed.
 */
int	mproto_session(int fd, enum mproto_tls tls, mproto_stage_fn *fn,
	    void *arg);

#endif

/*
 * nodelay.h - TCP_NODELAY on the TCP socket libmilter listens on.
 *
 * At the end of a message libmilter writes the header action and the
 * final reply as two small packets. Over TCP, Nagle's algorithm holds the
 * second until the first is acknowledged, and the MTA, still waiting for
 * the reply, delays that acknowledgement (40 ms on Linux): about 40 ms per
 * message. libmilter gives no access to its sockets, but on Linux an
 * accepted socket inherits TCP_NODELAY from the listening one, so setting
 * it there, before libmilter accepts, covers every connection.
 */
#ifndef MTASTS_NODELAY_H
#define MTASTS_NODELAY_H

/*
 * Set TCP_NODELAY on every listening TCP socket of the process: called
 * right after smfi_opensocket() and before any other thread or socket
 * exists, that is libmilter's. Returns how many were set, -1 on an error.
 */
int	nodelay_listeners(void);

#endif

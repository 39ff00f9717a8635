/*
 * mxprobe.h - the milter's background self-probe: connect to each MX name
 * it serves as a sender would (tlsprobe: port 25, STARTTLS, SNI = the name,
 * ca_file as trust store, connect_to honoured) and hand the judgement of
 * the chain really served to the store, where it takes precedence over
 * tls_cert_file.
 *
 * The names are those of the current snapshot: mx_name, the listeners'
 * mx_name and the names learned from traffic (j, SNI). All of them are
 * probed every probe_interval seconds (0: never) and right after a reload;
 * a name learned meanwhile is probed at the next turn. The same thread warns once
 * a day per name when a probed or configured certificate expires within
 * MXPROBE_EXPIRY_DAYS days, also when probing is off.
 */
#ifndef MTASTS_MXPROBE_H
#define MTASTS_MXPROBE_H

#include "store.h"

#define MXPROBE_TURN_SECONDS	60	/* new names, expiry warnings */
#define MXPROBE_EXPIRY_DAYS	14	/* warn this long before expiry */
#define MXPROBE_WARN_SECONDS	86400	/* once a day per name */
#define MXPROBE_NAMES_MAX	128	/* names probed per turn */
#define MXPROBE_RETRY_SECONDS	300	/* after a probe that judged nothing */
#define MXPROBE_TIMEOUT_MS	5000	/* per connection */

struct mxprobe;

/*
 * The EHLO name of this process's probe sessions. The milter sees its own
 * probes arrive through the MTA and leaves them out of the JSON log (they
 * carry no mail); the name holds 128 random bits drawn once per process,
 * so a client cannot claim to be the probe and keep itself out of the log.
 */
const char	*mxprobe_ehlo_name(void);
/* 1 when helo is this process's probe EHLO name (case-insensitive). */
int		 mxprobe_is_probe(const char *helo);

/* What it finds goes to msg.h. */
struct mxprobe	*mxprobe_new(struct store *);
/* Start the thread; its first turn probes every name at once. */
int		 mxprobe_start(struct mxprobe *);
/* Probe every name again now: the configuration was reloaded. */
void		 mxprobe_kick(struct mxprobe *);
/* Stop the thread (after the probe in progress, if any) and free. */
void		 mxprobe_free(struct mxprobe *);

#endif

/*
 * mime_walk.h - find the TLS-RPT reports in an INPUT of mtasts-report
 * received (DESIGN.md 13): a report file (JSON or gzip, "-" = standard
 * input), an RFC 5322 message, an mbox, or a Maildir (cur/ and new/). The
 * kind is decided from the content (a JSON object, an mbox "From " line,
 * else a message; a gzip'd file by what its first inflated bytes are), a
 * directory is a Maildir. MIME is gmime 3's.
 *
 * Every report found is handed to ops->report with its source ("FILE",
 * "MBOX:N" for the Nth message of an mbox, the file of a Maildir message)
 * and, inside a message, the part it came from and the message's
 * TLS-Report-Domain (RFC 8460 5.3: the policy domain, a host name made
 * lower case, or NULL when absent or not a name); every input that cannot be
 * used goes to ops->reject with a one-line reason. Nothing is fatal.
 */
#ifndef MTASTS_MIME_WALK_H
#define MTASTS_MIME_WALK_H

#include <stddef.h>

#define WALK_MESSAGE_MAX	(15 * 1024 * 1024)	/* one message */
#define WALK_FILE_MAX		(512 * 1024 * 1024)	/* one mbox or file */
#define WALK_DEPTH_MAX		16	/* nested multiparts and messages */
#define WALK_PARTS_MAX		64	/* report parts taken per message */
#define WALK_MAILDIR_MAX	100000	/* messages per Maildir */
#define WALK_SOURCE_MAX		1100
#define WALK_PART_MAX		200
#define WALK_DOMAIN_MAX		254

struct walk_part {
	const char	*source;
	const char	*part;		/* the MIME part, NULL for a file */
	const char	*report_domain;	/* TLS-Report-Domain, or NULL */
	const unsigned char *data;	/* never NULL; transfer encoding undone,
					   maybe gzip */
	size_t		 len;
};

struct walk_ops {
	void	(*report)(void *arg, const struct walk_part *);
	void	(*reject)(void *arg, const char *source, const char *why);
	void	*arg;
};

/* Read one INPUT (path, "-", or a Maildir directory). */
void	mime_walk_input(const char *path, const struct walk_ops *);

/* The content of one INPUT file held in memory, named path. */
void	mime_walk_buffer(const char *data, size_t len, const char *path,
	    const struct walk_ops *);

/* One RFC 5322 message held in memory, named source. */
void	mime_walk_message(const char *data, size_t len, const char *source,
	    const struct walk_ops *);

#endif

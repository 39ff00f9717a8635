/*
 * gzip_buf.h - gzip in memory with a hard bound on the output: a report
 * attachment is recognised by its magic bytes (RFC 1952, 0x1f 0x8b), not by
 * its name, and inflating stops as soon as the bound is passed, so a gzip
 * bomb is refused without being expanded.
 */
#ifndef MTASTS_GZIP_BUF_H
#define MTASTS_GZIP_BUF_H

#include <stddef.h>

/* 1 when data starts with the gzip magic bytes. */
int	gzip_buf_is_gzip(const unsigned char *data, size_t len);

/*
 * Inflate the gzip stream(s) in data into a new buffer *out (NUL-terminated,
 * *outlen bytes before the NUL; free it). Returns 0, or -1 with a one-line
 * reason in err: corrupt, truncated, or more than max bytes decompressed.
 */
int	gzip_buf_inflate(const unsigned char *data, size_t len, size_t max,
	    unsigned char **out, size_t *outlen, char *err, size_t errsize);

/*
 * The first n bytes (n > 0) that data inflates to, or fewer when the stream
 * is shorter or cut short: enough to tell what a compressed file holds
 * without inflating all of it. Returns 0 (*out NUL-terminated, free it), or
 * -1 when not even a byte can be inflated.
 */
int	gzip_buf_head(const unsigned char *data, size_t len, size_t n,
	    unsigned char **out, size_t *outlen);

#endif

/*
 * gzip_buf.c - bounded in-memory gunzip (see gzip_buf.h). The output grows
 * in steps and never beyond max + 1 bytes: one byte past the bound is
 * enough to know the stream is too large, so nothing more is inflated.
 * Concatenated members (RFC 1952 2.2) are read as one stream, as gzip(1)
 * does.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "gzip_buf.h"

#define GZIP_STEP	(64 * 1024)

int
gzip_buf_is_gzip(const unsigned char *data, size_t len)
{
	return len >= 2 && data[0] == 0x1f && data[1] == 0x8b;
}

/* Room for at least one more byte, never more than max + 1 in all. */
static int
grow(unsigned char **buf, size_t *cap, size_t used, size_t max)
{
	size_t want = *cap == 0 ? GZIP_STEP : *cap * 2;
	unsigned char *p;

	if (want > max + 2)
		want = max + 2;
	if (want <= used + 1)
		return -1;
	if ((p = realloc(*buf, want)) == NULL)
		return -1;
	*buf = p;
	*cap = want;
	return 0;
}

static int
fail(z_stream *z, unsigned char *buf, char *err, size_t errsize,
    const char *why)
{
	inflateEnd(z);
	free(buf);
	snprintf(err, errsize, "%s", why);
	return -1;
}

/*
 * head 0: all of the stream, at most max bytes, else an error. head 1: the
 * first max bytes, or fewer when the stream ends (or is cut) before them;
 * only data that cannot be inflated at all is an error.
 */
static int
inflate_bounded(const unsigned char *data, size_t len, size_t max, int head,
    unsigned char **out, size_t *outlen, char *err, size_t errsize)
{
	z_stream z;
	unsigned char *buf = NULL;
	size_t cap = 0, used = 0;
	int zrc = Z_OK;

	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) {
		snprintf(err, errsize, "cannot start gunzip");
		return -1;
	}
	z.next_in = (unsigned char *)(uintptr_t)data;
	z.avail_in = len > UINT32_MAX ? UINT32_MAX : (uInt)len;
	for (;;) {
		if (used + 1 >= cap && grow(&buf, &cap, used, max) == -1) {
			if (used > max)
				break;
			return fail(&z, buf, err, errsize, "out of memory");
		}
		z.next_out = buf + used;
		z.avail_out = (uInt)(cap - 1 - used);
		zrc = inflate(&z, Z_NO_FLUSH);
		used = cap - 1 - z.avail_out;
		if (used > max || (head && used == max))
			break;
		if (zrc == Z_STREAM_END) {
			/* Another member may follow (gzip -c a b). */
			if (z.avail_in >= 2 && z.next_in[0] == 0x1f &&
			    z.next_in[1] == 0x8b) {
				inflateReset(&z);
				continue;
			}
			break;
		}
		if (head && used > 0 && (zrc != Z_OK || z.avail_in == 0))
			break;	/* cut or corrupt further on: the head is here */
		if (zrc == Z_BUF_ERROR && z.avail_in == 0)
			return fail(&z, buf, err, errsize,
			    "truncated gzip data (unexpected end)");
		if (zrc != Z_OK && zrc != Z_BUF_ERROR) {
			char why[160];

			snprintf(why, sizeof(why), "corrupt gzip data (%s)",
			    z.msg != NULL ? z.msg : "inflate error");
			return fail(&z, buf, err, errsize, why);
		}
		if (z.avail_in == 0 && z.avail_out > 0)
			return fail(&z, buf, err, errsize,
			    "truncated gzip data (unexpected end)");
	}
	if (head && used > max)
		used = max;
	else if (used > max) {
		char why[160];

		snprintf(why, sizeof(why), "decompresses to more than %zu "
		    "bytes (gzip bomb?): not expanded further", max);
		return fail(&z, buf, err, errsize, why);
	}
	inflateEnd(&z);
	buf[used] = '\0';
	*out = buf;
	*outlen = used;
	return 0;
}

int
gzip_buf_inflate(const unsigned char *data, size_t len, size_t max,
    unsigned char **out, size_t *outlen, char *err, size_t errsize)
{
	return inflate_bounded(data, len, max, 0, out, outlen, err, errsize);
}

int
gzip_buf_head(const unsigned char *data, size_t len, size_t n,
    unsigned char **out, size_t *outlen)
{
	char err[160];

	return inflate_bounded(data, len, n, 1, out, outlen, err, sizeof(err));
}

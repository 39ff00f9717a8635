/*
 * mime_walk.c - the INPUTs of mtasts-report received, opened and walked to
 * the report parts they carry (see mime_walk.h). gmime parses messages and
 * mboxes; this file decides which parts are reports:
 *   - application/tlsrpt+json, application/tlsrpt+gzip, application/tlsrpt
 *     (and any other application/tlsrpt*), application/json,
 *     application/gzip, application/x-gzip;
 *   - any other part, application/octet-stream included, whose file name
 *     ends in .json, .json.gz, .gz or .gzip (some reporters name the part
 *     and nothing else).
 * Text parts (the human-readable text/plain or text/html) are not reports
 * unless so named; but in a message with no report part, the first
 * text/plain part that is a JSON object naming a TLS-RPT member
 * ("report-id" or "organization-name") is a report sent inline, and taken. A
 * message that is itself the report (its body typed as above) is handled
 * the same way. A gzip'd file is looked into: a gzip'd message or mbox
 * (.eml.gz, .mbox.gz) is inflated and walked, anything else is a report. Nested
 * multiparts and attached messages (message/rfc822) are walked.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gmime/gmime.h>

#include "atomicfile.h"
#include "gzip_buf.h"
#include "mime_walk.h"
#include "printable.h"
#include "stslex.h"

struct walk {
	const struct walk_ops *ops;
	const char	*source;
	const char	*report_domain;	/* of the innermost message, or NULL */
	unsigned	 found;		/* report parts handed over */
	int		 too_deep;
	int		 too_many;	/* report parts past WALK_PARTS_MAX */
	int		 inline_pass;	/* looking for a report in the text */
};

static void
gmime_once(void)
{
	static int done;

	if (!done) {
		g_mime_init();
		done = 1;
	}
}

static int
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && lex_eq_nocase(s + n - m, suffix, m);
}

/* 1 when a part of this type and file name holds a report. */
static int
is_report_part(GMimeContentType *ct, const char *name)
{
	static const char *const types[] = {
		"json", "gzip", "x-gzip"
	};
	static const char *const names[] = {
		".json", ".json.gz", ".gz", ".gzip"
	};
	const char *type = ct != NULL ? g_mime_content_type_get_media_type(ct) :
	    NULL;
	const char *sub = ct != NULL ?
	    g_mime_content_type_get_media_subtype(ct) : NULL;

	if (type != NULL && sub != NULL &&
	    g_ascii_strcasecmp(type, "application") == 0) {
		if (g_ascii_strncasecmp(sub, "tlsrpt", 6) == 0)
			return 1;
		for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
			if (g_ascii_strcasecmp(sub, types[i]) == 0)
				return 1;
		}
	}
	for (size_t i = 0; name != NULL && i < sizeof(names) /
	    sizeof(names[0]); i++) {
		if (ends_with(name, names[i]))
			return 1;
	}
	return 0;
}

/* "part 1.2 (application/tlsrpt+gzip, report.json.gz)", printable. */
static void
part_label(GMimeObject *o, const char *path, char *buf, size_t size)
{
	GMimeContentType *ct = g_mime_object_get_content_type(o);
	char *type = ct != NULL ? g_mime_content_type_get_mime_type(ct) : NULL;
	const char *name = GMIME_IS_PART(o) ?
	    g_mime_part_get_filename(GMIME_PART(o)) : NULL;
	char raw[WALK_PART_MAX];

	snprintf(raw, sizeof(raw), "part %s (%s%s%s)", path,
	    type != NULL ? type : "no type", name != NULL ? ", " : "",
	    name != NULL ? name : "");
	printable_copy(buf, size, raw);
	g_free(type);
}

/* The decoded content of part (transfer encoding undone), or NULL. */
static GMimeStream *
part_content(GMimePart *part)
{
	GMimeDataWrapper *content = g_mime_part_get_content(part);
	GMimeStream *mem;

	if (content == NULL)
		return NULL;
	mem = g_mime_stream_mem_new();
	g_mime_data_wrapper_write_to_stream(content, mem);
	return mem;
}

static void
take_part(struct walk *w, GMimePart *part, const char *path)
{
	GMimeStream *mem;
	GByteArray *bytes;
	char label[WALK_PART_MAX];
	struct walk_part wp = { .source = w->source, .part = label,
	    .report_domain = w->report_domain,
	    .data = (const unsigned char *)"" };

	if (w->found >= WALK_PARTS_MAX) {
		w->too_many = 1;
		return;
	}
	w->found++;
	part_label(GMIME_OBJECT(part), path, label, sizeof(label));
	if ((mem = part_content(part)) == NULL) {
		w->ops->report(w->ops->arg, &wp);
		return;
	}
	bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	if (bytes->len > 0) {		/* an empty GByteArray has no data */
		wp.data = bytes->data;
		wp.len = bytes->len;
	}
	w->ops->report(w->ops->arg, &wp);
	g_object_unref(mem);
}

/* 1 when the part is text/plain (the type of a part without one). */
static int
is_text_plain(GMimeObject *o)
{
	GMimeContentType *ct = g_mime_object_get_content_type(o);

	return ct == NULL || g_mime_content_type_is_type(ct, "text", "plain");
}

/*
 * 1 when a text/plain part's decoded content is a report sent inline: a
 * JSON object (after a BOM and white space) that names a TLS-RPT member.
 */
static int
is_inline_report(GMimePart *part)
{
	GMimeStream *mem = part_content(part);
	GByteArray *b;
	size_t i = 0;
	int yes;

	if (mem == NULL)
		return 0;
	b = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	if (b->len >= 3 && b->data[0] == 0xef && b->data[1] == 0xbb &&
	    b->data[2] == 0xbf)
		i = 3;
	while (i < b->len && (b->data[i] == ' ' || b->data[i] == '\t' ||
	    b->data[i] == '\r' || b->data[i] == '\n'))
		i++;
	yes = i < b->len && b->data[i] == '{' &&
	    (g_strstr_len((const char *)b->data, (gssize)b->len,
	    "\"report-id\"") != NULL ||
	    g_strstr_len((const char *)b->data, (gssize)b->len,
	    "\"organization-name\"") != NULL);
	g_object_unref(mem);
	return yes;
}

/*
 * The TLS-Report-Domain of m as a host name (lower case, no final dot):
 * 0, or -1 when absent or anything but letters, digits, '-' and '.'.
 */
static int
header_domain(GMimeMessage *m, char *out, size_t size)
{
	const char *v = g_mime_object_get_header(GMIME_OBJECT(m),
	    "TLS-Report-Domain");
	size_t n = 0;

	if (v == NULL)
		return -1;
	while (*v == ' ' || *v == '\t')
		v++;
	for (; v[n] != '\0' && v[n] != ' ' && v[n] != '\t' &&
	    v[n] != '\r' && v[n] != '\n'; n++) {
		unsigned char c = (unsigned char)v[n];

		if ((!lex_is_alnum(c) && c != '-' && c != '.') ||
		    n + 1 >= size)
			return -1;
		out[n] = (char)lex_lower(c);
	}
	if (n > 0 && out[n - 1] == '.')
		n--;
	out[n] = '\0';
	return n > 0 ? 0 : -1;
}

static void
walk_object(struct walk *w, GMimeObject *o, const char *path, int depth)
{
	char sub[WALK_PART_MAX];

	if (depth > WALK_DEPTH_MAX) {
		w->too_deep = 1;
		return;
	}
	if (GMIME_IS_MULTIPART(o)) {
		GMimeMultipart *mp = GMIME_MULTIPART(o);
		int n = g_mime_multipart_get_count(mp);

		for (int i = 0; i < n; i++) {
			snprintf(sub, sizeof(sub), "%s%s%d", path,
			    path[0] != '\0' ? "." : "", i + 1);
			walk_object(w, g_mime_multipart_get_part(mp, i), sub,
			    depth + 1);
		}
	} else if (GMIME_IS_MESSAGE_PART(o)) {
		GMimeMessage *m = g_mime_message_part_get_message(
		    GMIME_MESSAGE_PART(o));
		const char *outer = w->report_domain;
		char domain[WALK_DOMAIN_MAX];

		if (m == NULL || g_mime_message_get_mime_part(m) == NULL)
			return;
		if (header_domain(m, domain, sizeof(domain)) == 0)
			w->report_domain = domain;
		walk_object(w, g_mime_message_get_mime_part(m), path,
		    depth + 1);
		w->report_domain = outer;
	} else if (GMIME_IS_PART(o) && !w->inline_pass &&
	    is_report_part(g_mime_object_get_content_type(o),
	    g_mime_part_get_filename(GMIME_PART(o))))
		take_part(w, GMIME_PART(o), path[0] != '\0' ? path : "1");
	else if (GMIME_IS_PART(o) && w->inline_pass && w->found == 0 &&
	    is_text_plain(o) && is_inline_report(GMIME_PART(o)))
		take_part(w, GMIME_PART(o), path[0] != '\0' ? path : "1");
}

static void
walk_parsed(GMimeMessage *m, const char *source, const struct walk_ops *ops)
{
	struct walk w = { .ops = ops, .source = source };
	GMimeObject *body = m != NULL ? g_mime_message_get_mime_part(m) : NULL;
	char domain[WALK_DOMAIN_MAX];

	if (m != NULL && header_domain(m, domain, sizeof(domain)) == 0)
		w.report_domain = domain;

	if (body == NULL) {
		ops->reject(ops->arg, source, "not an RFC 5322 message with a "
		    "body");
		return;
	}
	walk_object(&w, body, "", 0);
	/* No attachment: the first text/plain part that is a report inline. */
	if (w.found == 0 && !w.too_deep) {
		w.inline_pass = 1;
		walk_object(&w, body, "", 0);
	}
	if (w.too_many)
		ops->reject(ops->arg, source, "more than 64 report parts: the "
		    "rest not read");
	if (w.found == 0)
		ops->reject(ops->arg, source, w.too_deep ?
		    "MIME parts nested deeper than 16 levels" :
		    "no TLS-RPT report in the message (no application/tlsrpt, "
		    "gzip or json part, nor a *.json or *.gz file)");
}

static GMimeMessage *
parse_stream(GMimeStream *s)
{
	GMimeParser *p = g_mime_parser_new_with_stream(s);
	GMimeMessage *m;

	g_mime_parser_set_format(p, GMIME_FORMAT_MESSAGE);
	m = g_mime_parser_construct_message(p, NULL);
	g_object_unref(p);
	return m;
}

void
mime_walk_message(const char *data, size_t len, const char *source,
    const struct walk_ops *ops)
{
	GMimeStream *s;
	GMimeMessage *m;

	if (len > WALK_MESSAGE_MAX) {
		ops->reject(ops->arg, source, "message larger than 15 MB");
		return;
	}
	gmime_once();
	s = g_mime_stream_mem_new_with_buffer(data, len);
	m = parse_stream(s);
	walk_parsed(m, source, ops);
	if (m != NULL)
		g_object_unref(m);
	g_object_unref(s);
}

static void
walk_mbox(const char *data, size_t len, const char *path,
    const struct walk_ops *ops)
{
	GMimeStream *s;
	GMimeParser *p;
	GMimeMessage *m;
	char source[WALK_SOURCE_MAX];
	unsigned long n = 0;

	gmime_once();
	s = g_mime_stream_mem_new_with_buffer(data, len);
	p = g_mime_parser_new_with_stream(s);
	g_mime_parser_set_format(p, GMIME_FORMAT_MBOX);
	while (!g_mime_parser_eos(p)) {
		gint64 start;

		if ((m = g_mime_parser_construct_message(p, NULL)) == NULL)
			break;
		start = g_mime_parser_get_mbox_marker_offset(p);
		snprintf(source, sizeof(source), "%s:%lu", path, ++n);
		if (g_mime_parser_tell(p) - start > WALK_MESSAGE_MAX)
			ops->reject(ops->arg, source,
			    "message larger than 15 MB");
		else
			walk_parsed(m, source, ops);
		g_object_unref(m);
	}
	if (n == 0)
		ops->reject(ops->arg, path, "no message in the mbox");
	g_object_unref(p);
	g_object_unref(s);
}

static int
read_path(const char *path, int fd, size_t max, char **out, size_t *len,
    const struct walk_ops *ops)
{
	char why[300];
	int rc;

	if ((rc = atomicfile_read_fd(fd, max, out, len)) == 0)
		return 0;
	if (rc == 1)
		snprintf(why, sizeof(why), "larger than %zu MB",
		    max / (1024 * 1024));
	else
		snprintf(why, sizeof(why), "cannot read: %s", strerror(errno));
	ops->reject(ops->arg, path, why);
	return -1;
}

enum kind { KIND_REPORT, KIND_MBOX, KIND_MESSAGE, KIND_OTHER };

/* 1 when data starts with an RFC 5322 header field name and its colon. */
static int
starts_with_field(const unsigned char *u, size_t len)
{
	size_t i = 0;

	while (i < len && u[i] > 32 && u[i] < 127 && u[i] != ':')
		i++;
	if (i == 0)
		return 0;
	while (i < len && (u[i] == ' ' || u[i] == '\t'))
		i++;		/* obsolete syntax: space before the colon */
	return i < len && u[i] == ':';
}

/* What data holds, from its first bytes. */
static enum kind
kind_of(const unsigned char *u, size_t len)
{
	size_t i = 0;

	if (len >= 3 && u[0] == 0xef && u[1] == 0xbb && u[2] == 0xbf)
		i = 3;
	while (i < len && (u[i] == ' ' || u[i] == '\t' || u[i] == '\r' ||
	    u[i] == '\n'))
		i++;
	if (len == 0 || (i < len && (u[i] == '{' || u[i] == '[')))
		return KIND_REPORT;
	if (len >= 5 && memcmp(u, "From ", 5) == 0)
		return KIND_MBOX;
	return starts_with_field(u, len) ? KIND_MESSAGE : KIND_OTHER;
}

#define WALK_GZIP_HEAD	4096	/* inflated to tell what a .gz holds */

/*
 * A gzip'd file: a report (left to the report reader, which inflates it
 * within its own bound), or a whole message or mbox (message.eml.gz,
 * archive.mbox.gz), inflated here within the bound of its kind.
 */
static void
walk_gzip(const unsigned char *u, size_t len, const char *path,
    const struct walk_ops *ops)
{
	unsigned char *head, *plain;
	size_t n, max;
	enum kind kind;
	char err[200], why[260];

	if (gzip_buf_head(u, len, WALK_GZIP_HEAD, &head, &n) == -1)
		kind = KIND_REPORT;	/* the reader names the gzip error */
	else {
		kind = kind_of(head, n);
		free(head);
	}
	if (kind != KIND_MBOX && kind != KIND_MESSAGE) {
		ops->report(ops->arg, &(struct walk_part){ .source = path,
		    .data = u, .len = len });
		return;
	}
	max = kind == KIND_MBOX ? WALK_FILE_MAX : WALK_MESSAGE_MAX;
	if (gzip_buf_inflate(u, len, max, &plain, &n, err, sizeof(err)) ==
	    -1) {
		snprintf(why, sizeof(why), "gzip: %s", err);
		ops->reject(ops->arg, path, why);
		return;
	}
	if (kind == KIND_MBOX)
		walk_mbox((const char *)plain, n, path, ops);
	else
		mime_walk_message((const char *)plain, n, path, ops);
	free(plain);
}

void
mime_walk_buffer(const char *data, size_t len, const char *path,
    const struct walk_ops *ops)
{
	const unsigned char *u = (const unsigned char *)data;

	if (gzip_buf_is_gzip(u, len))
		walk_gzip(u, len, path, ops);
	else if (kind_of(u, len) == KIND_REPORT)
		ops->report(ops->arg, &(struct walk_part){ .source = path,
		    .data = u, .len = len });
	else if (kind_of(u, len) == KIND_MBOX)
		walk_mbox(data, len, path, ops);
	else
		mime_walk_message(data, len, path, ops);
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The message files of DIR/sub, sorted by name. */
static void
walk_maildir_sub(const char *dir, const char *sub, const struct walk_ops *ops)
{
	char path[WALK_SOURCE_MAX], **names = NULL, **p;
	size_t n = 0, cap = 0;
	struct dirent *e;
	DIR *d;

	snprintf(path, sizeof(path), "%s/%s", dir, sub);
	if ((d = opendir(path)) == NULL)
		return;
	while ((e = readdir(d)) != NULL && n < WALK_MAILDIR_MAX) {
		if (e->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap == 0 ? 64 : cap * 2;
			if ((p = realloc(names, cap * sizeof(*p))) == NULL)
				break;
			names = p;
		}
		if ((names[n] = strdup(e->d_name)) == NULL)
			break;
		n++;
	}
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof(*names), cmp_names);
	for (size_t i = 0; i < n; i++) {
		struct stat st;
		char *data;
		size_t len;
		int fd;

		snprintf(path, sizeof(path), "%s/%s/%s", dir, sub, names[i]);
		free(names[i]);
		/*
		 * The Maildir's owner chose these names: no link followed, and
		 * no FIFO opened (O_NONBLOCK) and read, which would wait for
		 * a writer for ever.
		 */
		if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW |
		    O_NONBLOCK)) == -1) {
			char why[200];

			snprintf(why, sizeof(why), "cannot open: %s",
			    strerror(errno));
			ops->reject(ops->arg, path, why);
			continue;
		}
		if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
			ops->reject(ops->arg, path, "not a regular file");
			close(fd);
			continue;
		}
		if (read_path(path, fd, WALK_MESSAGE_MAX, &data, &len,
		    ops) == 0) {
			mime_walk_message(data, len, path, ops);
			free(data);
		}
		close(fd);
	}
	free(names);
}

static void
walk_maildir(const char *dir, const struct walk_ops *ops)
{
	char sub[WALK_SOURCE_MAX];
	struct stat st;
	int subs = 0;

	for (int i = 0; i < 2; i++) {
		snprintf(sub, sizeof(sub), "%s/%s", dir, i == 0 ? "cur" : "new");
		if (stat(sub, &st) == 0 && S_ISDIR(st.st_mode))
			subs++;
	}
	if (subs == 0) {
		ops->reject(ops->arg, dir, "a directory but not a Maildir "
		    "(no cur/ or new/)");
		return;
	}
	walk_maildir_sub(dir, "cur", ops);
	walk_maildir_sub(dir, "new", ops);
}

void
mime_walk_input(const char *path, const struct walk_ops *ops)
{
	const char *name = strcmp(path, "-") == 0 ? "(stdin)" : path;
	struct stat st;
	char *data, why[300];
	size_t len;
	int fd;

	if (strcmp(path, "-") == 0)
		fd = dup(STDIN_FILENO);
	else
		fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1 || fstat(fd, &st) == -1) {
		snprintf(why, sizeof(why), "cannot open: %s", strerror(errno));
		ops->reject(ops->arg, name, why);
		if (fd != -1)
			close(fd);
		return;
	}
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		walk_maildir(path, ops);
		return;
	}
	if (read_path(name, fd, WALK_FILE_MAX, &data, &len, ops) == 0) {
		mime_walk_buffer(data, len, name, ops);
		free(data);
	}
	close(fd);
}

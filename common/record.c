/*
 * record.c - the "_mta-sts" (RFC 8461 3.1) and "_smtp._tls" (RFC 8460 3)
 * TXT record parsers and their RRset selection.
 *
 * Both grammars have one shape, handled once here:
 *   record = version 1*(delim field) [delim]      delim = *WSP ";" *WSP
 *   field  = known-field / ext-name "=" ext-value
 *   ext-name  = (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".")
 *   ext-value = 1*(%x21-3A / %x3C / %x3E-7E)
 * A struct txt_kind gives the version tag, the diagnostic codes and the
 * handler for the known fields: "id=" 1*32(ALPHA / DIGIT) for MTA-STS;
 * "rua=" URI *(*WSP "," *WSP URI) for TLS-RPT.
 *
 * Selection: records that do not begin with the version tag are discarded
 * ("v=STSv10" does not begin with "v=STSv1": the tag must be followed by
 * ";", whitespace or the end). "v=STSv1 ;" is kept, with a warning, as the
 * ABNF allows it although the RFC's prose says "v=STSv1;" (erratum 6285).
 *
 * Decisions the RFCs leave open:
 * - A repeated id is an error (the record is invalid): strict senders
 *   such as mox reject it, dictionary-based ones keep the first or the last
 *   value, so no id is reliably meant. The first value is returned.
 * - A rua URI with a scheme other than mailto: or https: is ignored (a
 *   warning): senders skip URIs they cannot use. The record is invalid only
 *   when no usable URI remains (tlsrpt-no-usable-rua).
 * - Trailing whitespace without a final ";" is an error: the ABNF allows
 *   whitespace only around ";" and strict parsers reject the leftover.
 * Diagnostics of a single record use line 0; those of selection use the
 * record's 1-based position in the RRset as the line.
 *
 * Codes marked T are tolerable for "_mta-sts" (leniency.h): errors in the
 * strict grammar, warnings in the lenient one, as postfix-mta-sts-resolver
 * (fields split on ';' and strip()ped, empty ones dropped, any name=value
 * kept) and mailauth (the record trimmed, empty parts dropped) read them;
 * leniency.c says where. The version, the id and its syntax stay strict in
 * both: the id goes into headers and state files as it is. "_smtp._tls"
 * records are always strict (the lenient MTA-STS senders are no TLS-RPT
 * reference).
 *
 * Diagnostic codes (E = error, W = warning), for "_mta-sts":
 *   record-none                  E  no record begins with v=STSv1
 *   record-multiple              E  several records begin with v=STSv1
 *   record-discarded             W  a record that looks meant as MTA-STS but
 *                                   does not begin with v=STSv1
 *   record-version               E  the record does not begin with v=STSv1;
 *   record-space-before-semicolon W "v=STSv1 ;" (erratum 6285 ambiguity)
 *   record-empty-field           T  ";;" (an empty field)
 *   record-trailing-space        T  whitespace at the end without ";"
 *   record-field-syntax          T  a field that is not name=value, a bad
 *                                   extension name or value
 *   record-duplicate-field       W  an extension repeated
 *   record-id-syntax             E  id not 1-32 letters and digits
 *   record-duplicate-id          E  id repeated
 *   record-missing-id            E  no id field
 *   record-lenient-only          W  strict grammar: only lenient senders
 *                                   accept it (they are named)
 * and for "_smtp._tls" the same first nine with the prefix "tlsrpt-"
 * (tlsrpt-none, tlsrpt-multiple, tlsrpt-discarded, tlsrpt-version,
 * tlsrpt-space-before-semicolon, tlsrpt-empty-field, tlsrpt-trailing-space,
 * tlsrpt-field-syntax, tlsrpt-duplicate-field), plus:
 *   tlsrpt-missing-rua           E  no rua field
 *   tlsrpt-rua-empty             E  "rua=", "rua=,,": an empty URI
 *   tlsrpt-rua-syntax            E  not a URI (no scheme, bad character,
 *                                   mailto: without address, https: without
 *                                   host)
 *   tlsrpt-rua-unencoded         E  a raw "!" ("," and ";" split the list)
 *   tlsrpt-rua-percent           E  "%" not followed by two hex digits
 *   tlsrpt-rua-scheme            W  a scheme other than mailto: and https:
 *   tlsrpt-rua-too-many          W  more than TLSRPT_RUA_MAX URIs (rest unused)
 *   tlsrpt-no-usable-rua         E  no mailto: or https: URI remains
 *   tlsrpt-no-memory             E  allocation failed
 */
#include <string.h>

#include "leniency.h"
#include "record.h"
#include "stslex.h"

#define QUOTE_MAX	48	/* input quoted in a message */
#define QLEN(n)		((int)((n) < QUOTE_MAX ? (n) : QUOTE_MAX))
#define SEEN_MAX	16	/* extension names remembered for duplicates */
#define TXT_SENDERS	(LENIENT_PMSR | LENIENT_MAILAUTH)	/* see above */

struct txt_kind;

/* One field of a record, whitespace around it removed. */
struct txt_field {
	const char *s;
	size_t	 n;
	int	 delim;		/* followed by ";" */
	int	 space_before;	/* whitespace between the field and ";" */
	int	 trailing;	/* whitespace at the end, no ";" */
};

/* What the handler of the known fields sees. */
struct txt_parse {
	const struct txt_kind *kind;
	struct diag_list *diags;
	struct leniency lenient;
	void	*out;
	int	 known_seen;	/* the known field (id, rua) occurred */
	int	 full;		/* storage for it full, reported once */
	size_t	 cap;		/* room in the vector it fills */
};

struct txt_kind {
	const char *tag;		/* "v=STSv1" */
	const char *what;		/* "MTA-STS", for messages */
	const char *known;		/* "id", "rua" */
	const char *no_eq_hint;		/* added when a field has no "=" */
	const char *code_none;
	const char *code_multiple;
	const char *code_discarded;
	const char *code_version;
	const char *code_space;
	const char *code_empty;
	const char *code_trailing;
	const char *code_syntax;
	const char *code_dup;
	const char *code_lenient;	/* NULL: always strict */
	/* Parses the value of the known field. */
	void	(*parse_known)(struct txt_parse *, const char *, size_t);
	/* Checks the whole record once every field is read. */
	void	(*finish)(struct txt_parse *);
};

static void sts_parse_id(struct txt_parse *, const char *, size_t);
static void sts_finish(struct txt_parse *);
static void tlsrpt_parse_rua(struct txt_parse *, const char *, size_t);
static void tlsrpt_finish(struct txt_parse *);

static const struct txt_kind sts_kind = {
	"v=STSv1", "MTA-STS", "id", "",
	"record-none", "record-multiple", "record-discarded",
	"record-version", "record-space-before-semicolon",
	"record-empty-field", "record-trailing-space", "record-field-syntax",
	"record-duplicate-field", "record-lenient-only", sts_parse_id,
	sts_finish
};

static const struct txt_kind tlsrpt_kind = {
	"v=TLSRPTv1", "TLS-RPT", "rua", " (write a ';' inside a URI as %3B)",
	"tlsrpt-none", "tlsrpt-multiple", "tlsrpt-discarded",
	"tlsrpt-version", "tlsrpt-space-before-semicolon",
	"tlsrpt-empty-field", "tlsrpt-trailing-space", "tlsrpt-field-syntax",
	"tlsrpt-duplicate-field", NULL, tlsrpt_parse_rua, tlsrpt_finish
};

/* The tag followed by ";", whitespace or the end: "v=STSv10" is not STS. */
static int
begins_with_tag(const struct txt_kind *k, const char *txt, size_t len)
{
	size_t n = strlen(k->tag);

	if (len < n || memcmp(txt, k->tag, n) != 0)
		return 0;
	return len == n || txt[n] == ';' || lex_is_wsp((unsigned char)txt[n]);
}

/*
 * The field tokenizer shared by both grammars: the next field from *pos,
 * up to ";" or the end. Returns 0 when only whitespace is left.
 */
static int
txt_next_field(const char *txt, size_t len, size_t *pos, struct txt_field *f)
{
	size_t i = *pos, e, end;

	while (i < len && lex_is_wsp((unsigned char)txt[i]))
		i++;
	if (i == len) {
		*pos = len;
		return 0;
	}
	for (end = i; end < len && txt[end] != ';'; end++)
		;
	for (e = end; e > i && lex_is_wsp((unsigned char)txt[e - 1]); e--)
		;
	f->s = txt + i;
	f->n = e - i;
	f->delim = end < len;
	f->space_before = f->delim && e < end;
	f->trailing = !f->delim && e < end;
	*pos = f->delim ? end + 1 : len;
	return 1;
}

/* ext-value = 1*(%x21-3A / %x3C / %x3E-7E): no "=", ";", space, CTLs. */
static int
ext_value_valid(const char *v, size_t n)
{
	unsigned char c;
	size_t i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++) {
		c = (unsigned char)v[i];
		if (c < 0x21 || c > 0x7e || c == '=' || c == ';')
			return 0;
	}
	return 1;
}

static void
parse_extension(struct txt_parse *tp, const struct txt_field *f,
    size_t eq, const char (*seen)[LEX_EXT_NAME_MAX + 1], size_t nseen)
{
	const struct txt_kind *k = tp->kind;
	const char *why;
	size_t i;

	if ((why = lex_ext_name_problem(f->s, eq)) != NULL) {
		leniency_note(&tp->lenient, tp->diags, TXT_SENDERS,
		    k->code_syntax, 0, "field name '%.*s' %s: names are 1-32 "
		    "letters, digits, '_', '-' or '.'", QLEN(eq), f->s, why);
		return;
	}
	if (!ext_value_valid(f->s + eq + 1, f->n - eq - 1)) {
		leniency_note(&tp->lenient, tp->diags, TXT_SENDERS,
		    k->code_syntax, 0, "field '%.*s' has an empty value or "
		    "one with spaces, '=', control or non-ASCII characters: "
		    "fix or remove it", QLEN(f->n), f->s);
		return;
	}
	for (i = 0; i < nseen; i++)
		if (strlen(seen[i]) == eq && memcmp(seen[i], f->s, eq) == 0) {
			diag_warning(tp->diags, k->code_dup, 0, "field '%.*s' "
			    "appears more than once: senders may use either "
			    "value; keep one", QLEN(eq), f->s);
			return;
		}
}

static void
parse_field(struct txt_parse *tp, const struct txt_field *f,
    char (*seen)[LEX_EXT_NAME_MAX + 1], size_t *nseen)
{
	const struct txt_kind *k = tp->kind;
	const char *eq;
	size_t klen;

	if ((eq = memchr(f->s, '=', f->n)) == NULL) {
		leniency_note(&tp->lenient, tp->diags, TXT_SENDERS,
		    k->code_syntax, 0, "field '%.*s' has no '=': fields are "
		    "name=value separated by ';'%s", QLEN(f->n), f->s,
		    k->no_eq_hint);
		return;
	}
	klen = strlen(k->known);
	if ((size_t)(eq - f->s) == klen && memcmp(f->s, k->known, klen) == 0) {
		k->parse_known(tp, eq + 1, f->n - klen - 1);
		tp->known_seen = 1;
		return;
	}
	parse_extension(tp, f, (size_t)(eq - f->s),
	    (const char (*)[LEX_EXT_NAME_MAX + 1])seen, *nseen);
	if (*nseen < SEEN_MAX && (size_t)(eq - f->s) <= LEX_EXT_NAME_MAX) {
		memcpy(seen[*nseen], f->s, (size_t)(eq - f->s));
		seen[*nseen][eq - f->s] = '\0';
		(*nseen)++;
	}
}

/* The version field: exactly the tag, then ";" (or the end). */
static int
parse_version(struct txt_parse *tp, const struct txt_field *f)
{
	const struct txt_kind *k = tp->kind;

	if (f->n != strlen(k->tag)) {
		diag_error(tp->diags, k->code_version, 0, "'%s' must be "
		    "followed by ';': write '%s; ...'", k->tag, k->tag);
		return 0;
	}
	if (f->space_before)
		diag_warning(tp->diags, k->code_space, 0, "space before the "
		    "';' after '%s': the ABNF allows it but the RFC says "
		    "records begin with '%s;' and some senders discard it; "
		    "write '%s;'", k->tag, k->tag, k->tag);
	return 1;
}

static int
txt_parse(const struct txt_kind *k, const char *txt, size_t len,
    enum sts_grammar grammar, void *out, unsigned *lenient,
    struct diag_list *diags)
{
	char seen[SEEN_MAX][LEX_EXT_NAME_MAX + 1];
	struct txt_parse tp;
	struct txt_field f;
	size_t pos, nseen;

	tp.kind = k;
	tp.diags = diags;
	leniency_init(&tp.lenient, k->code_lenient != NULL ? grammar :
	    STS_STRICT, diags);
	tp.out = out;
	tp.known_seen = 0;
	tp.full = 0;
	tp.cap = 0;
	*lenient = 0;
	if (!begins_with_tag(k, txt, len)) {
		diag_error(diags, k->code_version, 0, "the record does not "
		    "begin with '%s;', so senders do not read it as the %s "
		    "record: start it with '%s;'", k->tag, k->what, k->tag);
		return 0;
	}
	pos = 0;
	nseen = 0;
	if (!txt_next_field(txt, len, &pos, &f) || !parse_version(&tp, &f))
		return 0;
	while (txt_next_field(txt, len, &pos, &f)) {
		if (f.n == 0)
			leniency_note(&tp.lenient, diags, TXT_SENDERS,
			    k->code_empty, 0, "empty field (';;'): remove the "
			    "extra ';'");
		else
			parse_field(&tp, &f, seen, &nseen);
		if (f.trailing)
			leniency_note(&tp.lenient, diags, TXT_SENDERS,
			    k->code_trailing, 0, "whitespace at the end of the "
			    "record is only allowed after ';': remove it");
	}
	k->finish(&tp);
	return leniency_finish(&tp.lenient, diags, k->code_lenient, "record",
	    lenient);
}

/* A record that was probably meant as this kind: say why it was dropped. */
static void
explain_discarded(const struct txt_kind *k, const char *txt, size_t len,
    unsigned line, struct diag_list *diags)
{
	size_t i, n = strlen(k->tag);
	const char *why;

	for (i = 0; i + n <= len; i++)
		if (lex_eq_nocase(txt + i, k->tag, n))
			break;
	if (i + n > len)
		return;
	if (memcmp(txt + i, k->tag, n) != 0)
		why = "the tag is case-sensitive";
	else if (i > 0 && lex_is_wsp((unsigned char)txt[0]))
		why = "it begins with whitespace";
	else if (i > 0)
		why = "the version is not the first field";
	else
		why = "the version tag is followed by other characters";
	diag_warning(diags, k->code_discarded, line, "senders ignore '%.*s' "
	    "because it does not begin with '%s;' (%s): fix it if it is meant "
	    "as the %s record", QLEN(len), txt, k->tag, why, k->what);
}

static long
txt_select(const struct txt_kind *k, const char *const *txt,
    const size_t *len, size_t n, struct diag_list *diags)
{
	size_t i, kept, first, second;

	kept = 0;
	first = second = 0;
	for (i = 0; i < n; i++) {
		if (!begins_with_tag(k, txt[i], len[i])) {
			explain_discarded(k, txt[i], len[i], (unsigned)i + 1,
			    diags);
			continue;
		}
		if (kept == 0)
			first = i;
		else if (kept == 1)
			second = i;
		kept++;
	}
	if (kept == 1)
		return (long)first;
	if (kept == 0) {
		diag_error(diags, k->code_none, 0, "no TXT record begins with "
		    "'%s;': senders see no %s; publish one", k->tag, k->what);
		return -1;
	}
	diag_error(diags, k->code_multiple, (unsigned)second + 1, "%zu TXT "
	    "records begin with '%s' (records %zu and %zu at least): senders "
	    "then see no %s at all; publish exactly one", kept, k->tag,
	    first + 1, second + 1, k->what);
	return -2;
}

/* --- MTA-STS: id --- */

static void
sts_parse_id(struct txt_parse *tp, const char *v, size_t n)
{
	struct sts_record *rec = tp->out;
	size_t i;

	if (tp->known_seen) {
		diag_error(tp->diags, "record-duplicate-id", 0, "id appears "
		    "more than once: senders disagree on which one counts and "
		    "strict ones reject the record; keep one id");
		return;
	}
	for (i = 0; i < n && lex_is_alnum((unsigned char)v[i]); i++)
		;
	if (n == 0 || n > STS_ID_MAX || i < n) {
		diag_error(tp->diags, "record-id-syntax", 0, "id '%.*s' is "
		    "not 1-32 letters and digits%s: use e.g. a timestamp like "
		    "id=20240101T120000", QLEN(n), v,
		    i < n ? " (no '-', '_', ':', '.' or spaces)" : "");
		return;
	}
	memcpy(rec->id, v, n);
	rec->id[n] = '\0';
}

static void
sts_finish(struct txt_parse *tp)
{
	if (!tp->known_seen)
		diag_error(tp->diags, "record-missing-id", 0, "the record has "
		    "no id field: add one, e.g. 'v=STSv1; id=20240101'");
}

int
sts_record_parse(const char *txt, size_t len, enum sts_grammar grammar,
    struct sts_record *out, struct diag_list *diags)
{
	memset(out, 0, sizeof(*out));
	return txt_parse(&sts_kind, txt, len, grammar, out, &out->lenient,
	    diags);
}

long
sts_record_select(const char *const *txt, const size_t *len, size_t n,
    struct diag_list *diags)
{
	return txt_select(&sts_kind, txt, len, n, diags);
}

/* --- TLS-RPT: rua --- */

/* RFC 3986 characters, "%" excepted (checked separately). */
static int
is_uri_char(unsigned char c)
{
	return lex_is_alnum(c) || (c != '\0' &&
	    strchr("-._~:/?#[]@!$&'()*+,;=", c) != NULL);
}

/* Length of the RFC 3986 scheme at the start of u, 0 when none. */
static size_t
uri_scheme_len(const char *u, size_t n)
{
	size_t i;

	if (n == 0 || !lex_is_alnum((unsigned char)u[0]) ||
	    lex_is_digit((unsigned char)u[0]))
		return 0;
	for (i = 1; i < n; i++) {
		if (u[i] == ':')
			return i;
		if (!lex_is_alnum((unsigned char)u[i]) && u[i] != '+' &&
		    u[i] != '-' && u[i] != '.')
			return 0;
	}
	return 0;
}

/* Character-level URI checks; 1 when the URI can be used at all. */
static int
check_uri_chars(struct txt_parse *tp, const char *u, size_t n)
{
	unsigned char c;
	size_t i;

	for (i = 0; i < n; i++) {
		c = (unsigned char)u[i];
		if (c == '%') {
			if (i + 2 >= n ||
			    lex_hex_value((unsigned char)u[i + 1]) < 0 ||
			    lex_hex_value((unsigned char)u[i + 2]) < 0) {
				diag_error(tp->diags, "tlsrpt-rua-percent", 0,
				    "rua URI '%.*s' has a '%%' not followed "
				    "by two hex digits: write a literal '%%' "
				    "as %%25", QLEN(n), u);
				return 0;
			}
			continue;
		}
		if (c == '!') {
			diag_error(tp->diags, "tlsrpt-rua-unencoded", 0, "rua "
			    "URI '%.*s' contains '!', which RFC 8460 requires "
			    "to be written %%21 (DMARC-style size limits do "
			    "not apply)", QLEN(n), u);
			return 0;
		}
		if (!is_uri_char(c)) {
			diag_error(tp->diags, "tlsrpt-rua-syntax", 0, "rua "
			    "URI '%.*s' contains %s (0x%02x): %%-encode it, "
			    "or separate URIs with ','", QLEN(n), u,
			    lex_is_wsp(c) ? "whitespace" : "a non-URI byte", c);
			return 0;
		}
	}
	return 1;
}

/* 1 when u is a usable mailto: or https: URI. */
static int
check_uri(struct txt_parse *tp, const char *u, size_t n)
{
	size_t slen;

	if (!check_uri_chars(tp, u, n))
		return 0;
	if ((slen = uri_scheme_len(u, n)) == 0) {
		diag_error(tp->diags, "tlsrpt-rua-syntax", 0, "rua '%.*s' has "
		    "no URI scheme: write 'mailto:reports@example.com' or "
		    "'https://reports.example.com/tlsrpt'", QLEN(n), u);
		return 0;
	}
	if (slen == 6 && lex_eq_nocase(u, "mailto", 6)) {
		if (memchr(u + 7, '@', n - 7) != NULL)
			return 1;
		diag_error(tp->diags, "tlsrpt-rua-syntax", 0, "rua URI '%.*s' "
		    "has no address: write 'mailto:reports@example.com'",
		    QLEN(n), u);
		return 0;
	}
	if (slen == 5 && lex_eq_nocase(u, "https", 5)) {
		if (n > 8 && u[6] == '/' && u[7] == '/' && u[8] != '/')
			return 1;
		diag_error(tp->diags, "tlsrpt-rua-syntax", 0, "rua URI '%.*s' "
		    "has no host: write 'https://reports.example.com/path'",
		    QLEN(n), u);
		return 0;
	}
	diag_warning(tp->diags, "tlsrpt-rua-scheme", 0, "rua URI '%.*s' uses "
	    "the scheme '%.*s', which senders do not support and skip: use "
	    "mailto: or https:", QLEN(n), u, (int)slen, u);
	return 0;
}

static void
rua_append(struct txt_parse *tp, const char *u, size_t n)
{
	struct tlsrpt_record *rec = tp->out;

	if (rec->rua_count == TLSRPT_RUA_MAX) {
		if (!tp->full)
			diag_warning(tp->diags, "tlsrpt-rua-too-many", 0,
			    "more than %d rua URIs: only the first %d are "
			    "used; list fewer", TLSRPT_RUA_MAX, TLSRPT_RUA_MAX);
		tp->full = 1;
		return;
	}
	if (lex_strings_append(&rec->rua, &rec->rua_count, &tp->cap, u, n) ==
	    -1)
		diag_error(tp->diags, "tlsrpt-no-memory", 0,
		    "out of memory while storing rua URIs");
}

/* rua = URI *(*WSP "," *WSP URI): ";" cannot occur (it ends the field). */
static void
tlsrpt_parse_rua(struct txt_parse *tp, const char *v, size_t n)
{
	size_t start, comma, s, e;
	int empty_reported;

	empty_reported = 0;
	for (start = 0; start <= n; start = comma + 1) {
		for (comma = start; comma < n && v[comma] != ','; comma++)
			;
		for (s = start; s < comma && lex_is_wsp((unsigned char)v[s]);
		    s++)
			;
		for (e = comma; e > s && lex_is_wsp((unsigned char)v[e - 1]);
		    e--)
			;
		if (s < e) {
			if (check_uri(tp, v + s, e - s))
				rua_append(tp, v + s, e - s);
		} else if (!empty_reported) {
			diag_error(tp->diags, "tlsrpt-rua-empty", 0, "rua has "
			    "an empty URI ('rua=' or ',,'): write "
			    "'rua=mailto:reports@example.com'");
			empty_reported = 1;
		}
	}
}

static void
tlsrpt_finish(struct txt_parse *tp)
{
	struct tlsrpt_record *rec = tp->out;

	if (!tp->known_seen)
		diag_error(tp->diags, "tlsrpt-missing-rua", 0, "the record "
		    "has no rua field: add e.g. "
		    "'rua=mailto:tlsrpt@example.com'");
	else if (rec->rua_count == 0)
		diag_error(tp->diags, "tlsrpt-no-usable-rua", 0, "no rua URI "
		    "is a usable mailto: or https: URI, so senders cannot "
		    "deliver reports: add one");
}

int
tlsrpt_record_parse(const char *txt, size_t len, struct tlsrpt_record *out,
    struct diag_list *diags)
{
	unsigned lenient;

	memset(out, 0, sizeof(*out));
	return txt_parse(&tlsrpt_kind, txt, len, STS_STRICT, out, &lenient,
	    diags);
}

void
tlsrpt_record_free(struct tlsrpt_record *rec)
{
	if (rec == NULL)
		return;
	lex_strings_free(rec->rua, rec->rua_count);
	memset(rec, 0, sizeof(*rec));
}

long
tlsrpt_record_select(const char *const *txt, const size_t *len, size_t n,
    struct diag_list *diags)
{
	return txt_select(&tlsrpt_kind, txt, len, n, diags);
}

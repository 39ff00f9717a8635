/*
 * policy.c - the MTA-STS policy file parser (RFC 8461 section 3.2), strict
 * enough to say whether every conforming sender accepts a policy, and
 * talkative enough to say why not, line by line, in one run.
 *
 * The grammar (RFC 7405 %s = case-sensitive):
 *   record = field *WSP *(term field *WSP) [term]      term = LF / CRLF
 *   field  = "version" ":" *WSP "STSv1" / "mode" ":" *WSP ("testing" /
 *            "enforce" / "none") / "max_age" ":" *WSP 1*10DIGIT /
 *            "mx" ":" *WSP ["*."] Domain / ext-name ":" *WSP ext-value
 * Every key but mx counts once (the first wins); mx repeats; mx is needed
 * unless mode is none. Unknown keys are extensions, ignored by senders.
 *
 * After an error the parser resynchronises on the next line (a bare CR also
 * ends a line for this purpose, after it is reported) so one run reports
 * every problem. The result is valid only when no error was reported.
 *
 * Codes marked T below are tolerable (leniency.h): errors in the strict
 * grammar, warnings in the lenient one, which accepts the text as the
 * lenient senders named after each one do (leniency.c says how they read
 * it; PMSR = postfix-mta-sts-resolver):
 *   policy-bom            mailauth (JavaScript trim() removes U+FEFF)
 *   policy-bare-cr        PMSR (splitlines); a CR followed only by
 *                         whitespace up to LF: all three (they strip it)
 *   policy-blank-line     all three (an empty key, or no ':', is skipped)
 *   policy-comment        PMSR, mailauth; Stalwart too when it has a ':'
 *   policy-no-colon       PMSR, mailauth (Stalwart loses the next key)
 *   policy-leading-space, policy-space-before-colon
 *                         Stalwart, mailauth (they trim keys); all three
 *                         on an extension line (PMSR ignores the key)
 *   policy-key-syntax, policy-ext-value-empty, policy-ext-value-syntax
 *                         all three (unknown keys are ignored)
 *   policy-ext-utf8, and a key that is not UTF-8
 *                         mailauth (Node.js decodes bad bytes to U+FFFD;
 *                         PMSR decodes with aiohttp's strict text())
 * What no sender accepts stays an error in both grammars: a missing or
 * wrong version, mode or max_age, no mx unless mode is none, a bad mx
 * pattern, a body over 64 KiB.
 *
 * Diagnostic codes (severity, what it means):
 *   policy-empty               E  the body is empty
 *   policy-too-large           E  body over 65536 bytes (the rest is unread)
 *   policy-large               W  body over 10240 bytes (some read only 10 KiB)
 *   policy-bom                 T  body starts with a UTF-8 byte order mark
 *   policy-bare-cr             T  a CR not followed by LF (first one reported)
 *   policy-blank-line          T  empty or whitespace-only line, or extra
 *                                 line ends at the end of the body
 *   policy-comment             T  a line starting with '#'
 *   policy-leading-space       T  a line starting with SP or HTAB
 *   policy-no-colon            T  a line without ':'
 *   policy-space-before-colon  T  whitespace between key and ':'
 *   policy-key-syntax          T  key is not (ALPHA/DIGIT) *31(ALPHA/DIGIT/_-.)
 *   policy-key-near-miss       W  unknown key that looks like a known one
 *                                 ("Version", "nmx", "max-age")
 *   policy-duplicate-key       W  a non-mx key repeated (first one used)
 *   policy-version-value       E  version is not exactly STSv1
 *   policy-version-not-first   W  version is not on the first line
 *   policy-mode-value          E  mode is not testing, enforce or none
 *   policy-max-age-syntax      E  max_age is not 1-10 digits
 *   policy-max-age-range       E  max_age above 31557600
 *   policy-max-age-zero        W  max_age 0 (no caching; some senders reject)
 *   policy-max-age-testing-long W mode testing with max_age above 86400
 *   policy-max-age-short       W  mode enforce with max_age below 86400
 *   policy-max-age-long        W  mode enforce with max_age above 1209600
 *   policy-mx-syntax           E  mx pattern is not ["*."] Domain
 *   policy-mx-leading-dot      E  ".example.net" (old draft syntax)
 *   policy-mx-trailing-dot     E  "mail.example.com."
 *   policy-mx-ulabel           E  non-ASCII (U-label) mx pattern
 *   policy-mx-too-many         E  more than POLICY_MX_MAX mx lines
 *   policy-mx-duplicate        W  the same mx pattern twice
 *   policy-mx-wildcard-tld     W  "*.tld": a wildcard over a single label
 *   policy-mx-ip-address       W  pattern looks like an IP address
 *   policy-ext-value-empty     T  extension with an empty value
 *   policy-ext-value-syntax    T  extension value with control characters
 *   policy-ext-utf8            T  extension value that is not valid UTF-8
 *   policy-missing-version     E  no version line
 *   policy-missing-mode        E  no mode line
 *   policy-missing-max-age     E  no max_age line
 *   policy-missing-mx          E  no mx line and mode is not none
 *   policy-no-memory           E  allocation failed
 *   policy-lenient-only        W  strict grammar: only lenient senders
 *                                 accept it (they are named)
 *                              E  lenient grammar: tolerable problems that
 *                                 no known sender accepts together
 */
#include <string.h>

#include "mxmatch.h"
#include "policy.h"
#include "stslex.h"

#define POLICY_SOFT_BYTES	10240	/* some senders read only this much */
#define QUOTE_MAX		48	/* input quoted in a message */
#define QLEN(n)			((int)((n) < QUOTE_MAX ? (n) : QUOTE_MAX))
#define DAY			86400u
#define TWO_WEEKS		1209600u

enum policy_key {
	KEY_VERSION = 0,
	KEY_MODE,
	KEY_MAX_AGE,
	KEY_MX,
	KEY_COUNT
};

static const char *const key_names[KEY_COUNT] = {
	"version", "mode", "max_age", "mx"
};

struct parser {
	struct sts_policy *out;
	struct diag_list *diags;
	struct leniency lenient;
	size_t	 mx_alloc;
	int	 mx_overflow;		/* POLICY_MX_MAX reached, reported */
	unsigned first_line;		/* first line holding a field */
	unsigned seen[KEY_COUNT];	/* line of the first occurrence */
	unsigned max_age_line;		/* line of the valid max_age used */
	unsigned hint_line[KEY_COUNT];	/* first near-miss key, for hints */
	char	 hint_key[KEY_COUNT][LEX_EXT_NAME_MAX + 1];
};

/* A line after splitting: text without its line end. */
struct line {
	const char *s;
	size_t	 n;
	unsigned no;
};

static int
is_exactly(const char *s, size_t n, const char *word)
{
	return strlen(word) == n && memcmp(s, word, n) == 0;
}

static int
is_nocase(const char *s, size_t n, const char *word)
{
	return strlen(word) == n && lex_eq_nocase(s, word, n);
}

/*
 * The lenient senders that read a line whose key has stray whitespace as
 * this parser does: all of them for an extension (PMSR ignores the key as
 * any extension), only those that trim keys for a known one.
 */
static unsigned
stray_space_senders(const char *key, size_t kn)
{
	enum policy_key k;

	for (k = 0; k < KEY_COUNT; k++)
		if (is_exactly(key, kn, key_names[k]))
			return LENIENT_STALWART | LENIENT_MAILAUTH;
	return LENIENT_ALL;
}

/*
 * 1 when a and b differ by at most one edit (ignoring ASCII case):
 * one substitution, insertion, deletion or swap of neighbours.
 */
static int
within_one_edit(const char *a, size_t an, const char *b, size_t bn)
{
	size_t i;

	for (i = 0; i < an && i < bn && lex_eq_nocase(a + i, b + i, 1); i++)
		;
	if (an == bn) {
		if (i == an || lex_eq_nocase(a + i + 1, b + i + 1, an - i - 1))
			return 1;
		return i + 1 < an && lex_eq_nocase(a + i, b + i + 1, 1) &&
		    lex_eq_nocase(a + i + 1, b + i, 1) &&
		    lex_eq_nocase(a + i + 2, b + i + 2, an - i - 2);
	}
	if (an == bn + 1)
		return lex_eq_nocase(a + i + 1, b + i, bn - i);
	if (bn == an + 1)
		return lex_eq_nocase(a + i, b + i + 1, an - i);
	return 0;
}

/* First occurrence of a non-repeating key? Warns about the others. */
static int
first_occurrence(struct parser *p, enum policy_key k, unsigned line)
{
	if (p->seen[k] == 0) {
		p->seen[k] = line;
		return 1;
	}
	diag_warning(p->diags, "policy-duplicate-key", line, "'%s' repeats "
	    "line %u: RFC 8461 senders use the first one but some use the "
	    "last; keep only one '%s' line", key_names[k], p->seen[k],
	    key_names[k]);
	return 0;
}

static void
parse_version(struct parser *p, const char *v, size_t n, unsigned line)
{
	int first;

	first = first_occurrence(p, KEY_VERSION, line);
	if (is_exactly(v, n, "STSv1")) {
		if (first)
			p->out->has_version = 1;
		return;
	}
	diag_error(p->diags, "policy-version-value", line, "version '%.*s' is "
	    "not 'STSv1'%s: write 'version: STSv1'", QLEN(n), v,
	    is_nocase(v, n, "STSv1") ? " (values are case-sensitive)" : "");
}

static void
parse_mode(struct parser *p, const char *v, size_t n, unsigned line)
{
	static const struct {
		const char *name;
		enum sts_mode mode;
	} modes[] = {
		{ "enforce", STS_MODE_ENFORCE },
		{ "testing", STS_MODE_TESTING },
		{ "none", STS_MODE_NONE },
	};
	size_t i;
	int first;

	first = first_occurrence(p, KEY_MODE, line);
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		if (is_exactly(v, n, modes[i].name)) {
			if (first)
				p->out->mode = modes[i].mode;
			return;
		}
		if (is_nocase(v, n, modes[i].name)) {
			diag_error(p->diags, "policy-mode-value", line, "mode "
			    "'%.*s' is not valid (values are case-sensitive): "
			    "write 'mode: %s'", QLEN(n), v, modes[i].name);
			return;
		}
	}
	if (is_exactly(v, n, "report"))
		diag_error(p->diags, "policy-mode-value", line, "mode "
		    "'report' is from an old draft and senders reject it: "
		    "write 'mode: testing'");
	else
		diag_error(p->diags, "policy-mode-value", line, "mode '%.*s' "
		    "is not valid: write 'mode: testing', 'mode: enforce' or "
		    "'mode: none'", QLEN(n), v);
}

/* Strict: DIGIT only, no sign, no space, no unit (strtol would accept). */
static void
parse_max_age(struct parser *p, const char *v, size_t n, unsigned line)
{
	uint64_t age;
	size_t i;
	int first;

	first = first_occurrence(p, KEY_MAX_AGE, line);
	age = 0;
	for (i = 0; i < n && lex_is_digit((unsigned char)v[i]); i++)
		if (i < 10)
			age = age * 10 + (uint64_t)(v[i] - '0');
	if (n == 0 || i < n) {
		diag_error(p->diags, "policy-max-age-syntax", line, "max_age "
		    "'%.*s' is not a number of seconds: write digits only, "
		    "e.g. 'max_age: 604800' (one week)", QLEN(n), v);
		return;
	}
	if (n > 10) {
		diag_error(p->diags, "policy-max-age-syntax", line, "max_age "
		    "has %zu digits, more than the 10 allowed: write at most "
		    "31557600 without leading zeros", n);
		return;
	}
	if (age > POLICY_MAX_AGE_LIMIT) {
		diag_error(p->diags, "policy-max-age-range", line, "max_age "
		    "%llu is above the RFC 8461 maximum of 31557600 (one "
		    "year) and senders reject it: use at most 31557600",
		    (unsigned long long)age);
		return;
	}
	if (first) {
		p->out->has_max_age = 1;
		p->out->max_age = age;
		p->max_age_line = line;
	}
}

/* Reports a syntactically invalid mx pattern with the most useful code. */
static void
report_mx_problem(struct parser *p, const char *v, size_t n, unsigned line)
{
	enum domain_problem prob;
	size_t where;

	if (n == 0) {
		diag_error(p->diags, "policy-mx-syntax", line, "mx line has "
		    "no pattern: write 'mx: mail.example.com' or remove the "
		    "line");
		return;
	}
	if (v[0] == '.') {
		diag_error(p->diags, "policy-mx-leading-dot", line, "mx "
		    "pattern '%.*s' uses the old draft syntax: write '*%.*s' "
		    "to match one label under that domain", QLEN(n), v, QLEN(n),
		    v);
		return;
	}
	prob = mx_pattern_check(v, n, &where);
	if (prob == DOMAIN_EMPTY_LABEL && where == n) {
		diag_error(p->diags, "policy-mx-trailing-dot", line, "mx "
		    "pattern '%.*s' ends with '.': write it without the "
		    "trailing dot", QLEN(n), v);
		return;
	}
	if (prob == DOMAIN_NON_ASCII && !lex_utf8_valid(v, n, &where)) {
		diag_error(p->diags, "policy-mx-ulabel", line, "mx pattern "
		    "'%.*s' contains bytes that are not UTF-8 (byte 0x%02x): "
		    "save the file as UTF-8 and write the name in its A-label "
		    "form (xn--...)", QLEN(n), v, (unsigned char)v[where]);
		return;
	}
	if (prob == DOMAIN_NON_ASCII) {
		diag_error(p->diags, "policy-mx-ulabel", line, "mx pattern "
		    "'%.*s' contains non-ASCII bytes (a U-label): write the "
		    "A-label form (xn--...), e.g. from 'idn2'", QLEN(n), v);
		return;
	}
	if (prob == DOMAIN_BAD_CHAR && lex_is_wsp((unsigned char)v[where])) {
		diag_error(p->diags, "policy-mx-syntax", line, "mx value "
		    "'%.*s' contains whitespace: write one pattern per 'mx:' "
		    "line, with no comment after it", QLEN(n), v);
		return;
	}
	diag_error(p->diags, "policy-mx-syntax", line, "mx pattern '%.*s' %s: "
	    "write a host name like 'mail.example.com' or '*.example.com'",
	    QLEN(n), v, domain_problem_text(prob));
}

/* Warnings for valid patterns that cannot do what the author wants. */
static void
check_mx_meaning(struct parser *p, const char *v, size_t n, unsigned line)
{
	const char *last;
	size_t i, lastlen;

	for (i = 0; i < p->out->mx_count; i++) {
		if (strlen(p->out->mx[i]) == n &&
		    lex_eq_nocase(p->out->mx[i], v, n)) {
			diag_warning(p->diags, "policy-mx-duplicate", line,
			    "mx pattern '%.*s' is listed twice: remove one",
			    QLEN(n), v);
			break;
		}
	}
	if (n > 2 && v[0] == '*' && memchr(v + 2, '.', n - 2) == NULL)
		diag_warning(p->diags, "policy-mx-wildcard-tld", line, "mx "
		    "pattern '%.*s' accepts any host directly under a "
		    "top-level domain: list your own MX host names instead",
		    QLEN(n), v);
	last = v + n;
	while (last > v && last[-1] != '.')
		last--;
	lastlen = (size_t)(v + n - last);
	for (i = 0; i < lastlen && lex_is_digit((unsigned char)last[i]); i++)
		;
	if (i == lastlen)
		diag_warning(p->diags, "policy-mx-ip-address", line, "mx "
		    "pattern '%.*s' looks like an IP address: senders match "
		    "MX host names, never addresses, so it matches nothing; "
		    "list the MX host name", QLEN(n), v);
}

static void
parse_mx(struct parser *p, const char *v, size_t n, unsigned line)
{
	if (p->seen[KEY_MX] == 0)
		p->seen[KEY_MX] = line;
	if (!mx_pattern_valid(v, n)) {
		report_mx_problem(p, v, n, line);
		return;
	}
	if (p->out->mx_count == POLICY_MX_MAX) {
		if (!p->mx_overflow)
			diag_error(p->diags, "policy-mx-too-many", line, "more "
			    "than %d mx lines: use wildcard patterns "
			    "('*.example.com') to list fewer", POLICY_MX_MAX);
		p->mx_overflow = 1;
		return;
	}
	check_mx_meaning(p, v, n, line);
	if (lex_strings_append(&p->out->mx, &p->out->mx_count, &p->mx_alloc,
	    v, n) == -1)
		diag_error(p->diags, "policy-no-memory", line, "out of memory "
		    "while storing mx patterns");
}

/* The note that explains why "Version" is not "version". */
static const char *
case_note(const char *key, size_t kn, enum policy_key k)
{
	return is_nocase(key, kn, key_names[k]) ?
	    " (keys are case-sensitive)" : "";
}

/* An unknown key that is one typo away from a known one deserves a hint. */
static void
check_near_miss(struct parser *p, const char *key, size_t kn, unsigned line)
{
	enum policy_key k;

	if (kn < 2)
		return;
	for (k = 0; k < KEY_COUNT; k++) {
		if (!within_one_edit(key, kn, key_names[k],
		    strlen(key_names[k])))
			continue;
		diag_warning(p->diags, "policy-key-near-miss", line, "'%.*s' "
		    "is an unknown key that senders ignore%s: did you mean "
		    "'%s'?", QLEN(kn), key, case_note(key, kn, k),
		    key_names[k]);
		if (p->hint_line[k] == 0) {
			p->hint_line[k] = line;
			memcpy(p->hint_key[k], key, kn);
			p->hint_key[k][kn] = '\0';
		}
		return;
	}
}

static void
parse_extension(struct parser *p, const char *key, size_t kn, const char *v,
    size_t n, unsigned line)
{
	unsigned char c;
	size_t i, bad;

	check_near_miss(p, key, kn, line);
	if (n == 0) {
		leniency_note(&p->lenient, p->diags, LENIENT_ALL,
		    "policy-ext-value-empty", line, "'%.*s' has an empty value "
		    "and strict senders reject the policy: give it a value or "
		    "remove the line", QLEN(kn), key);
		return;
	}
	for (i = 0; i < n; i++) {
		c = (unsigned char)v[i];
		if (c < 0x20 || c == 0x7f) {
			leniency_note(&p->lenient, p->diags, LENIENT_ALL,
			    "policy-ext-value-syntax", line, "'%.*s' value "
			    "contains the control character 0x%02x: use only "
			    "printable characters and spaces", QLEN(kn), key,
			    c);
			return;
		}
	}
	if (!lex_utf8_valid(v, n, &bad))
		leniency_note(&p->lenient, p->diags, LENIENT_MAILAUTH,
		    "policy-ext-utf8", line, "'%.*s' value is not valid UTF-8 "
		    "(byte 0x%02x): save the file as UTF-8", QLEN(kn), key,
		    (unsigned char)v[bad]);
}

static void
parse_field(struct parser *p, const char *key, size_t kn, const char *v,
    size_t n, unsigned line)
{
	const char *why;
	size_t bad;

	if (is_exactly(key, kn, "version"))
		parse_version(p, v, n, line);
	else if (is_exactly(key, kn, "mode"))
		parse_mode(p, v, n, line);
	else if (is_exactly(key, kn, "max_age"))
		parse_max_age(p, v, n, line);
	else if (is_exactly(key, kn, "mx"))
		parse_mx(p, v, n, line);
	else if ((why = lex_ext_name_problem(key, kn)) != NULL)
		leniency_note(&p->lenient, p->diags, lex_utf8_valid(key, kn,
		    &bad) ? LENIENT_ALL : LENIENT_MAILAUTH,
		    "policy-key-syntax", line, "key '%.*s' %s: keys are 1-32 "
		    "letters, digits, '_', '-' or '.', starting with a letter "
		    "or digit", QLEN(kn), key, why);
	else
		parse_extension(p, key, kn, v, n, line);
}

static void
parse_line(struct parser *p, const struct line *l)
{
	const char *s = l->s, *colon;
	size_t i, n = l->n, kend, vs, ve;

	if (s[0] == '#') {
		leniency_note(&p->lenient, p->diags, memchr(s, ':', n) != NULL ?
		    LENIENT_ALL : LENIENT_PMSR | LENIENT_MAILAUTH,
		    "policy-comment", l->no, "comment lines are not part of "
		    "the policy grammar and strict senders reject the policy: "
		    "remove the line");
		return;
	}
	if (p->first_line == 0)
		p->first_line = l->no;
	for (i = 0; i < n && lex_is_wsp((unsigned char)s[i]); i++)
		;
	if ((colon = memchr(s + i, ':', n - i)) == NULL) {
		if (i > 0)
			leniency_note(&p->lenient, p->diags, LENIENT_ALL,
			    "policy-leading-space", l->no, "line starts with "
			    "whitespace, which strict senders reject: remove "
			    "it");
		leniency_note(&p->lenient, p->diags, LENIENT_PMSR |
		    LENIENT_MAILAUTH, "policy-no-colon", l->no, "line '%.*s' "
		    "has no ':': every line must be 'key: value'%s",
		    QLEN(n - i), s + i,
		    memchr(s + i, '=', n - i) != NULL ? " (':' not '=')" : "");
		return;
	}
	kend = (size_t)(colon - s);
	while (kend > i && lex_is_wsp((unsigned char)s[kend - 1]))
		kend--;
	if (i > 0)
		leniency_note(&p->lenient, p->diags, stray_space_senders(s + i,
		    kend - i), "policy-leading-space", l->no, "line starts "
		    "with whitespace, which strict senders reject: remove "
		    "it");
	if (kend < (size_t)(colon - s))
		leniency_note(&p->lenient, p->diags, stray_space_senders(s + i,
		    kend - i), "policy-space-before-colon", l->no,
		    "whitespace between '%.*s' and ':' makes strict senders "
		    "reject the policy: write '%.*s:'", QLEN(kend - i), s + i,
		    QLEN(kend - i), s + i);
	vs = (size_t)(colon - s) + 1;
	while (vs < n && lex_is_wsp((unsigned char)s[vs]))
		vs++;
	ve = n;
	while (ve > vs && lex_is_wsp((unsigned char)s[ve - 1]))
		ve--;
	parse_field(p, s + i, kend - i, s + vs, ve - vs, l->no);
}

static int
is_blank(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!lex_is_wsp((unsigned char)s[i]))
			return 0;
	return 1;
}

/* Nothing but whitespace and line ends from s on? */
static int
rest_is_blank(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!lex_is_wsp((unsigned char)s[i]) && s[i] != '\r' &&
		    s[i] != '\n')
			return 0;
	return 1;
}

/*
 * Where the line that ends at a CR not followed by LF really ends: after
 * the LF when only whitespace follows the CR up to it (a CRLF with stray
 * spaces, which every lenient sender strips), else right after the CR.
 * *senders gets the lenient senders that split the line there.
 */
static size_t
bare_cr_end(const char *buf, size_t len, size_t cr, unsigned *senders)
{
	size_t j;

	for (j = cr + 1; j < len && lex_is_wsp((unsigned char)buf[j]); j++)
		;
	if (j == len || buf[j] == '\n') {
		*senders = LENIENT_ALL;
		return j < len ? j + 1 : j;
	}
	*senders = LENIENT_PMSR;
	return cr + 1;
}

/*
 * Splits body into lines (LF and CRLF end a line; a bare CR is reported
 * once and then also ends a line, to resynchronise) and parses each.
 */
static void
parse_lines(struct parser *p, const char *buf, size_t len)
{
	struct line l;
	size_t pos, e, next;
	unsigned senders;
	int cr_reported;

	cr_reported = 0;
	l.no = 1;
	for (pos = 0; pos < len; pos = next, l.no++) {
		for (e = pos; e < len && buf[e] != '\n' && buf[e] != '\r'; e++)
			;
		next = e;
		if (e < len && buf[e] == '\r' && e + 1 < len &&
		    buf[e + 1] == '\n')
			next += 2;
		else if (e < len && buf[e] == '\r') {
			next = bare_cr_end(buf, len, e, &senders);
			if (!cr_reported)
				leniency_note(&p->lenient, p->diags, senders,
				    "policy-bare-cr", l.no, "line ends with a "
				    "bare CR (0x0D): RFC 8461 lines end with "
				    "LF or CRLF; save the file with LF or "
				    "CRLF line ends");
			else
				p->lenient.senders &= senders;
			cr_reported = 1;
		} else if (e < len)
			next++;
		l.s = buf + pos;
		l.n = e - pos;
		if (!is_blank(l.s, l.n)) {
			parse_line(p, &l);
			continue;
		}
		if (rest_is_blank(buf + pos, len - pos)) {
			leniency_note(&p->lenient, p->diags, LENIENT_ALL,
			    "policy-blank-line", l.no, "extra empty line at "
			    "the end: only one final line end is allowed and "
			    "some senders reject the policy; remove it");
			return;
		}
		leniency_note(&p->lenient, p->diags, LENIENT_ALL,
		    "policy-blank-line", l.no, "empty line: the grammar has no "
		    "blank lines and some senders reject the policy; remove "
		    "it");
	}
}

static void
check_missing(struct parser *p, enum policy_key k, const char *fix)
{
	static const char *const codes[KEY_COUNT] = {
		"policy-missing-version", "policy-missing-mode",
		"policy-missing-max-age", "policy-missing-mx"
	};

	if (p->seen[k] != 0)
		return;
	if (p->hint_line[k] == 0) {
		diag_error(p->diags, codes[k], 0, "no '%s' line: %s",
		    key_names[k], fix);
		return;
	}
	diag_error(p->diags, codes[k], 0, "no '%s' line: line %u has '%s', "
	    "which senders ignore%s; did you mean '%s'?", key_names[k],
	    p->hint_line[k], p->hint_key[k], case_note(p->hint_key[k],
	    strlen(p->hint_key[k]), k), key_names[k]);
}

/* Checks that need the whole policy: required keys, order, max_age sense. */
static void
check_policy(struct parser *p)
{
	const struct sts_policy *out = p->out;
	unsigned long long age = (unsigned long long)out->max_age;

	check_missing(p, KEY_VERSION, "add 'version: STSv1' as the first line");
	check_missing(p, KEY_MODE, "add 'mode: testing' (or enforce, or none)");
	check_missing(p, KEY_MAX_AGE, "add e.g. 'max_age: 604800' (one week)");
	if (out->mode == STS_MODE_ENFORCE || out->mode == STS_MODE_TESTING ||
	    p->seen[KEY_MODE] == 0)
		check_missing(p, KEY_MX, "add one 'mx:' line per MX host (e.g. "
		    "'mx: mail.example.com'), or use 'mode: none'");
	if (p->seen[KEY_VERSION] != 0 && p->seen[KEY_VERSION] != p->first_line)
		diag_warning(p->diags, "policy-version-not-first",
		    p->seen[KEY_VERSION], "'version' is not on the first "
		    "line: the RFC allows any order but some guides and "
		    "checkers expect it first; move it to line 1");
	if (!out->has_max_age)
		return;
	if (age == 0)
		diag_warning(p->diags, "policy-max-age-zero", p->max_age_line,
		    "max_age 0 means senders do not cache the policy (and "
		    "some reject 0): use at least 86400 (one day)");
	else if (out->mode == STS_MODE_TESTING && age > DAY)
		diag_warning(p->diags, "policy-max-age-testing-long",
		    p->max_age_line, "max_age %llu is over one day in testing "
		    "mode: a mistake stays cached that long; while testing "
		    "keep about one day (86400)", age);
	else if (out->mode == STS_MODE_ENFORCE && age < DAY)
		diag_warning(p->diags, "policy-max-age-short", p->max_age_line,
		    "max_age %llu is under one day in enforce mode: the RFC "
		    "expects weeks; use 604800 to 1209600 (one to two weeks)",
		    age);
	else if (out->mode == STS_MODE_ENFORCE && age > TWO_WEEKS)
		diag_warning(p->diags, "policy-max-age-long", p->max_age_line,
		    "max_age %llu is over 14 days in enforce mode: a mistake "
		    "stays cached that long; guides suggest 604800 to 1209600",
		    age);
}

int
policy_parse(const char *buf, size_t len, enum sts_grammar grammar,
    struct sts_policy *out, struct diag_list *diags)
{
	struct parser p;
	size_t start;

	memset(out, 0, sizeof(*out));
	memset(&p, 0, sizeof(p));
	p.out = out;
	p.diags = diags;
	leniency_init(&p.lenient, grammar, diags);
	if (len > POLICY_MAX_BYTES) {
		diag_error(diags, "policy-too-large", 0, "the policy is %zu "
		    "bytes, over the 65536-byte limit senders apply: shorten "
		    "it (only the first 65536 bytes were checked)", len);
		len = POLICY_MAX_BYTES;
		while (len > 0 && buf[len - 1] != '\n')
			len--;
		if (len == 0)
			return 0;
	} else if (len > POLICY_SOFT_BYTES)
		diag_warning(diags, "policy-large", 0, "the policy is %zu "
		    "bytes: some senders read only the first 10 KiB; keep it "
		    "under 10240 bytes", len);
	start = 0;
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0) {
		leniency_note(&p.lenient, diags, LENIENT_MAILAUTH,
		    "policy-bom", 1, "the file starts with a UTF-8 byte order "
		    "mark (EF BB BF) that breaks the first key: save it as "
		    "UTF-8 without BOM");
		start = 3;
	}
	if (len == start) {
		diag_error(diags, "policy-empty", 0, "the policy is empty: it "
		    "needs version, mode, max_age and mx lines");
		return 0;
	}
	parse_lines(&p, buf + start, len - start);
	check_policy(&p);
	return leniency_finish(&p.lenient, diags, "policy-lenient-only",
	    "policy", &out->lenient);
}

void
policy_free(struct sts_policy *pol)
{
	if (pol == NULL)
		return;
	lex_strings_free(pol->mx, pol->mx_count);
	memset(pol, 0, sizeof(*pol));
}

int
policy_copy(struct sts_policy *dst, const struct sts_policy *src)
{
	size_t i, cap;

	*dst = *src;
	dst->mx = NULL;
	dst->mx_count = 0;
	cap = 0;
	for (i = 0; i < src->mx_count; i++) {
		if (lex_strings_append(&dst->mx, &dst->mx_count, &cap,
		    src->mx[i], strlen(src->mx[i])) == -1) {
			policy_free(dst);
			return -1;
		}
	}
	return 0;
}

const char *
sts_mode_name(enum sts_mode mode)
{
	switch (mode) {
	case STS_MODE_ENFORCE:
		return "enforce";
	case STS_MODE_TESTING:
		return "testing";
	case STS_MODE_NONE:
		return "none";
	case STS_MODE_UNSET:
		break;
	}
	return "unset";
}

long
policy_match_mx(const struct sts_policy *pol, const char *host)
{
	size_t i;

	for (i = 0; i < pol->mx_count; i++)
		if (mx_match(pol->mx[i], host))
			return (long)i;
	return -1;
}

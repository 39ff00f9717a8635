/*
 * check_policy.c - unit tests of the MTA-STS policy file parser: one table
 * row per edge case of RFC 8461 3.2 (the RFC's and the guides' examples,
 * and the cases real senders disagree on), each with the expected
 * validity, the exact set of diagnostic codes, and what was parsed.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parsecheck.h"
#include "policy.h"
#include "unit.h"

#define ANY_MODE	(-1)
#define ANY_AGE		(-1LL)

struct policy_case {
	const char *name;
	const char *text;
	size_t	 len;		/* 0: strlen(text) */
	int	 valid;
	const char *codes;	/* exact set, see expect_codes() */
	int	 mode;		/* enum sts_mode, or ANY_MODE */
	long long max_age;	/* or ANY_AGE; -2: has_max_age must be 0 */
	const char *mx;		/* comma-separated; NULL: not checked */
};

#define RFC_BODY "version: STSv1\nmode: enforce\nmx: mail.example.com\n" \
	"mx: *.example.net\nmx: backupmx.example.com\nmax_age: 604800\n"
#define RFC_MX "mail.example.com,*.example.net,backupmx.example.com"
#define HEAD "version: STSv1\nmode: enforce\n"
#define TAIL "mx: mail.example.com\nmax_age: 604800\n"

static const struct policy_case cases[] = {
	/* The examples: RFC 8461 3.2, Google Workspace help, SNA tests. */
	{ "rfc example", RFC_BODY, 0, 1, "", STS_MODE_ENFORCE, 604800,
	    RFC_MX },
	{ "rfc example crlf", "version: STSv1\r\nmode: enforce\r\n"
	    "mx: mail.example.com\r\nmx: *.example.net\r\n"
	    "mx: backupmx.example.com\r\nmax_age: 604800\r\n", 0, 1, "",
	    STS_MODE_ENFORCE, 604800, RFC_MX },
	{ "google enforce", "version: STSv1\nmode: enforce\n"
	    "mx: mail.solarmora.com\nmx: *.solarmora.net\n"
	    "mx: backupmx.solarmora.com\nmax_age: 604800\n", 0, 1, "",
	    STS_MODE_ENFORCE, 604800,
	    "mail.solarmora.com,*.solarmora.net,backupmx.solarmora.com" },
	{ "google testing", "version: STSv1\r\nmode: testing\r\n"
	    "mx: aspmx.l.google.com\r\nmx: *.aspmx.l.google.com\r\n"
	    "max_age: 86400\r\n", 0, 1, "", STS_MODE_TESTING, 86400,
	    "aspmx.l.google.com,*.aspmx.l.google.com" },
	{ "sna good no final newline", "version: STSv1\nmode: enforce\n"
	    "mx: mail.loc\nmax_age: 86400", 0, 1, "", STS_MODE_ENFORCE, 86400,
	    "mail.loc" },

	/* 18-20: line ends. */
	{ "mixed lf and crlf", "version:STSv1\r\nmode:\tenforce\r\n"
	    "mx: *.example.com\nmax_age: 604800\n", 0, 1, "",
	    STS_MODE_ENFORCE, 604800, "*.example.com" },
	{ "bare cr line ends", "version: STSv1\rmode: enforce\r"
	    "mx: mail.example.com\rmax_age: 604800\r", 0, 0,
	    "policy-bare-cr@1 "
	    "policy-lenient-only", STS_MODE_ENFORCE, 604800,
	    "mail.example.com" },
	{ "bare cr inside a value", HEAD "mx: mail.exa\rmple.com\n"
	    "max_age: 604800\n", 0, 0, "policy-bare-cr@3 policy-no-colon@4 "
	    "policy-lenient-only",
	    STS_MODE_ENFORCE, 604800, "mail.exa" },
	{ "one final crlf", HEAD TAIL, 0, 1, "", STS_MODE_ENFORCE, 604800,
	    "mail.example.com" },

	/* 21: blank lines. */
	{ "blank line inside", "version: STSv1\nmode: enforce\n\n" TAIL, 0, 0,
	    "policy-blank-line@3 policy-lenient-only", STS_MODE_ENFORCE, 604800,
	    "mail.example.com" },
	{ "whitespace-only line", "version: STSv1\nmode: enforce\n \t\n" TAIL,
	    0, 0, "policy-blank-line@3 "
	    "policy-lenient-only", STS_MODE_ENFORCE, 604800, NULL },
	{ "two final lf", HEAD TAIL "\n", 0, 0, "policy-blank-line@5 "
	    "policy-lenient-only",
	    STS_MODE_ENFORCE, 604800, "mail.example.com" },
	{ "three final crlf", "version: STSv1\r\nmode: none\r\n"
	    "max_age: 86400\r\n\r\n\r\n", 0, 0, "policy-blank-line@4 "
	    "policy-lenient-only",
	    STS_MODE_NONE, 86400, "" },
	{ "blank first line", "\n" HEAD TAIL, 0, 0,
	    "policy-blank-line@1 "
	    "policy-lenient-only", STS_MODE_ENFORCE, 604800, NULL },

	/* 22-24: whitespace around keys and values. */
	{ "leading space", " version: STSv1\nmode: enforce\n" TAIL, 0, 0,
	    "policy-leading-space@1 "
	    "policy-lenient-only", STS_MODE_ENFORCE, 604800, NULL },
	{ "leading tab on mx", HEAD "\tmx: mail.example.com\n"
	    "max_age: 604800\n", 0, 0, "policy-leading-space@3 "
	    "policy-lenient-only",
	    STS_MODE_ENFORCE, 604800, "mail.example.com" },
	{ "trailing whitespace (mox)", "version: STSv1 \nmode: enforce\t\n"
	    "mx: *.example.com \nmax_age: 604800 \n", 0, 1, "",
	    STS_MODE_ENFORCE, 604800, "*.example.com" },
	{ "tab after colon, no space", "version:\tSTSv1\nmode:enforce\n"
	    "mx:mail.example.com\nmax_age:\t \t604800\n", 0, 1, "",
	    STS_MODE_ENFORCE, 604800, "mail.example.com" },
	{ "space before colon", "version : STSv1\nmode: enforce\n" TAIL, 0, 0,
	    "policy-space-before-colon@1 "
	    "policy-lenient-only", STS_MODE_ENFORCE, 604800, NULL },

	/* 25: byte order mark. */
	{ "utf-8 bom", "\xef\xbb\xbfversion: STSv1\nmode: enforce\n" TAIL, 0,
	    0, "policy-bom@1 "
	    "policy-lenient-only", STS_MODE_ENFORCE, 604800,
	    "mail.example.com" },
	{ "only a bom", "\xef\xbb\xbf", 0, 0, "policy-bom@1 policy-empty",
	    STS_MODE_UNSET, -2, "" },
	{ "empty body", "", 0, 0, "policy-empty", STS_MODE_UNSET, -2, "" },

	/* 26-28: case, required fields. */
	{ "Version upper-case key", "Version: STSv1\nmode: enforce\n" TAIL, 0,
	    0, "policy-key-near-miss@1 policy-missing-version",
	    STS_MODE_ENFORCE, 604800, NULL },
	{ "MX upper-case key", HEAD "MX: mail.example.com\nmax_age: 604800\n",
	    0, 0, "policy-key-near-miss@3 policy-missing-mx", STS_MODE_ENFORCE,
	    604800, "" },
	{ "mode Enforce", "version: STSv1\nmode: Enforce\n" TAIL, 0, 0,
	    "policy-mode-value@2", STS_MODE_UNSET, 604800, NULL },
	{ "mode ENFORCE, no mx", "version: STSv1\nmode: ENFORCE\n"
	    "max_age: 604800\n", 0, 0, "policy-mode-value@2", STS_MODE_UNSET,
	    604800, "" },
	{ "mode report (draft)", "version: STSv1\nmode: report\n" TAIL, 0, 0,
	    "policy-mode-value@2", STS_MODE_UNSET, 604800, NULL },
	{ "mode doubt (sna bad-policy8)", "version: STSv1\nmode: doubt\n" TAIL,
	    0, 0, "policy-mode-value@2", STS_MODE_UNSET, 604800, NULL },
	{ "version stsv1", "version: stsv1\nmode: enforce\n" TAIL, 0, 0,
	    "policy-version-value@1", STS_MODE_ENFORCE, 604800, NULL },
	{ "version STSv2", "version: STSv2\nmode: enforce\n" TAIL, 0, 0,
	    "policy-version-value@1", STS_MODE_ENFORCE, 604800, NULL },
	{ "missing version", "mode: enforce\n" TAIL, 0, 0,
	    "policy-missing-version", STS_MODE_ENFORCE, 604800, NULL },
	{ "missing mode (sna bad-policy7)", "version: STSv1\n" TAIL, 0, 0,
	    "policy-missing-mode", STS_MODE_UNSET, 604800, NULL },
	{ "missing max_age", HEAD "mx: mail.example.com\n", 0, 0,
	    "policy-missing-max-age", STS_MODE_ENFORCE, -2, NULL },
	{ "missing mx, enforce (sna bad-policy2)", HEAD "max_age: 604800\n", 0,
	    0, "policy-missing-mx", STS_MODE_ENFORCE, 604800, "" },
	{ "missing mx, testing", "version: STSv1\nmode: testing\n"
	    "max_age: 86400\n", 0, 0, "policy-missing-mx", STS_MODE_TESTING,
	    86400, "" },
	{ "mode none without mx", "version: STSv1\nmode: none\n"
	    "max_age: 86400\n", 0, 1, "", STS_MODE_NONE, 86400, "" },
	{ "mode none with mx", "version: STSv1\nmode: none\n" TAIL, 0, 1, "",
	    STS_MODE_NONE, 604800, "mail.example.com" },
	{ "nothing but an mx", "mx: mail.example.com\n", 0, 0,
	    "policy-missing-version policy-missing-mode policy-missing-max-age",
	    STS_MODE_UNSET, -2, "mail.example.com" },

	/* 29: duplicates, order. */
	{ "duplicate mode, first wins", HEAD "mode: testing\n" TAIL, 0, 1,
	    "policy-duplicate-key@3", STS_MODE_ENFORCE, 604800, NULL },
	{ "duplicate max_age, first wins", HEAD TAIL "max_age: 86400\n", 0, 1,
	    "policy-duplicate-key@5", STS_MODE_ENFORCE, 604800, NULL },
	{ "duplicate version", HEAD "version: STSv1\n" TAIL, 0, 1,
	    "policy-duplicate-key@3", STS_MODE_ENFORCE, 604800, NULL },
	{ "invalid duplicate still an error", HEAD "mode: Testing\n" TAIL, 0,
	    0, "policy-duplicate-key@3 policy-mode-value@3", STS_MODE_ENFORCE,
	    604800, NULL },
	{ "version not first", "mode: enforce\nversion: STSv1\n" TAIL, 0, 1,
	    "policy-version-not-first@2", STS_MODE_ENFORCE, 604800, NULL },
	{ "every mx kept, in order", HEAD "mx: b.example.com\n"
	    "mx: a.example.com\nmax_age: 604800\nmx: c.example.com\n", 0, 1, "",
	    STS_MODE_ENFORCE, 604800,
	    "b.example.com,a.example.com,c.example.com" },
	{ "same mx twice", HEAD "mx: mail.example.com\nmx: MAIL.example.com\n"
	    "max_age: 604800\n", 0, 1, "policy-mx-duplicate@4",
	    STS_MODE_ENFORCE, 604800, "mail.example.com,MAIL.example.com" },

	/* 30-31: extensions, comments. */
	{ "unknown key ignored", HEAD TAIL "foo: bar\n", 0, 1, "",
	    STS_MODE_ENFORCE, 604800, "mail.example.com" },
	{ "extension value with ':' and spaces", HEAD TAIL
	    "info: see https://example.com/mta-sts for details\n", 0, 1, "",
	    STS_MODE_ENFORCE, 604800, NULL },
	{ "extension value in utf-8", HEAD TAIL "contact: J\xc3\xbcrgen "
	    "\xe2\x82\xac \xf0\x9f\x93\xa7\n", 0, 1, "", STS_MODE_ENFORCE,
	    604800, NULL },
	{ "extension value bad utf-8", HEAD TAIL "contact: J\xfcrgen\n", 0, 0,
	    "policy-ext-utf8@5 "
	    "policy-lenient-only", STS_MODE_ENFORCE, 604800, NULL },
	{ "extension value overlong utf-8", HEAD TAIL "x: \xc0\xaf\n", 0, 0,
	    "policy-ext-utf8@5 "
	    "policy-lenient-only", STS_MODE_ENFORCE, 604800, NULL },
	{ "extension value utf-8 surrogate", HEAD TAIL "x: \xed\xa0\x80\n", 0,
	    0, "policy-ext-utf8@5 "
	    "policy-lenient-only", STS_MODE_ENFORCE, 604800, NULL },
	{ "extension empty value", HEAD TAIL "ext:\n", 0, 0,
	    "policy-ext-value-empty@5 "
	    "policy-lenient-only", STS_MODE_ENFORCE, 604800, NULL },
	{ "extension only whitespace value", HEAD TAIL "ext: \t \n", 0, 0,
	    "policy-ext-value-empty@5 "
	    "policy-lenient-only", STS_MODE_ENFORCE, 604800, NULL },
	{ "extension tab inside value", HEAD TAIL "ext: a\tb\n", 0, 0,
	    "policy-ext-value-syntax@5 "
	    "policy-lenient-only", STS_MODE_ENFORCE, 604800, NULL },
	{ "nul byte in extension", HEAD TAIL "ext: a\0b\n", sizeof(HEAD TAIL
	    "ext: a\0b\n") - 1, 0, "policy-ext-value-syntax@5 "
	    "policy-lenient-only",
	    STS_MODE_ENFORCE, 604800, NULL },
	{ "extension name _bad", HEAD TAIL "_bad: x\n", 0, 0,
	    "policy-key-syntax@5 "
	    "policy-lenient-only", STS_MODE_ENFORCE, 604800, NULL },
	{ "extension name 32 chars", HEAD TAIL
	    "abcdefghijklmnopqrstuvwxyz012345: x\n", 0, 1, "",
	    STS_MODE_ENFORCE, 604800, NULL },
	{ "extension name 33 chars", HEAD TAIL
	    "abcdefghijklmnopqrstuvwxyz0123456: x\n", 0, 0,
	    "policy-key-syntax@5 "
	    "policy-lenient-only", STS_MODE_ENFORCE, 604800, NULL },
	{ "extension name with dots", HEAD TAIL "x-ext_1.a: x\n", 0, 1, "",
	    STS_MODE_ENFORCE, 604800, NULL },
	{ "key with 8-bit byte", HEAD TAIL "m\xc3\xb8" "de: x\n", 0, 0,
	    "policy-key-syntax@5 "
	    "policy-lenient-only", STS_MODE_ENFORCE, 604800, NULL },
	{ "line without key", HEAD TAIL ": x\n", 0, 0, "policy-key-syntax@5 "
	    "policy-lenient-only",
	    STS_MODE_ENFORCE, 604800, NULL },
	{ "comment line", "# MTA-STS policy\n" HEAD TAIL, 0, 0,
	    "policy-comment@1 policy-lenient-only", STS_MODE_ENFORCE, 604800,
	    NULL },
	{ "key=value line", HEAD TAIL "mode=testing\n", 0, 0,
	    "policy-no-colon@5 "
	    "policy-lenient-only", STS_MODE_ENFORCE, 604800, NULL },
	{ "line without colon", HEAD TAIL "junk\n", 0, 0, "policy-no-colon@5 "
	    "policy-lenient-only",
	    STS_MODE_ENFORCE, 604800, NULL },

	/* 32-36: max_age. */
	{ "max_age 0 (mox test)", HEAD "mx: *.example.com \nmax_age: 0 \n", 0,
	    1, "policy-max-age-zero@4", STS_MODE_ENFORCE, 0, NULL },
	{ "max_age maximum", HEAD "mx: mail.example.com\nmax_age: 31557600\n",
	    0, 1, "policy-max-age-long@4", STS_MODE_ENFORCE, 31557600, NULL },
	{ "max_age maximum, mode none", "version: STSv1\nmode: none\n"
	    "max_age: 31557600\n", 0, 1, "", STS_MODE_NONE, 31557600, NULL },
	{ "max_age one over (sna bad-policy6)", HEAD "mx: mail.example.com\n"
	    "max_age: 31557601\n", 0, 0, "policy-max-age-range@4",
	    STS_MODE_ENFORCE, -2, NULL },
	{ "max_age 9999999999", HEAD "mx: mail.example.com\n"
	    "max_age: 9999999999\n", 0, 0, "policy-max-age-range@4",
	    STS_MODE_ENFORCE, -2, NULL },
	{ "max_age leading zeros", HEAD "mx: mail.example.com\n"
	    "max_age: 0086400\n", 0, 1, "", STS_MODE_ENFORCE, 86400, NULL },
	{ "max_age 10 digits with zeros", HEAD "mx: mail.example.com\n"
	    "max_age: 0000604800\n", 0, 1, "", STS_MODE_ENFORCE, 604800, NULL },
	{ "max_age 11 digits (mox test)", HEAD "mx: mail.example.com\n"
	    "max_age: 01234567890\n", 0, 0, "policy-max-age-syntax@4",
	    STS_MODE_ENFORCE, -2, NULL },
	{ "max_age 20 digits", HEAD "mx: mail.example.com\n"
	    "max_age: 99999999999999999999\n", 0, 0, "policy-max-age-syntax@4",
	    STS_MODE_ENFORCE, -2, NULL },
	{ "max_age +86400", HEAD "mx: a.example\nmax_age: +86400\n", 0, 0,
	    "policy-max-age-syntax@4", STS_MODE_ENFORCE, -2, NULL },
	{ "max_age -1", HEAD "mx: a.example\nmax_age: -1\n", 0, 0,
	    "policy-max-age-syntax@4", STS_MODE_ENFORCE, -2, NULL },
	{ "max_age 86_400", HEAD "mx: a.example\nmax_age: 86_400\n", 0, 0,
	    "policy-max-age-syntax@4", STS_MODE_ENFORCE, -2, NULL },
	{ "max_age 8.64e4", HEAD "mx: a.example\nmax_age: 8.64e4\n", 0, 0,
	    "policy-max-age-syntax@4", STS_MODE_ENFORCE, -2, NULL },
	{ "max_age 86400s", HEAD "mx: a.example\nmax_age: 86400s\n", 0, 0,
	    "policy-max-age-syntax@4", STS_MODE_ENFORCE, -2, NULL },
	{ "max_age 86 400", HEAD "mx: a.example\nmax_age: 86 400\n", 0, 0,
	    "policy-max-age-syntax@4", STS_MODE_ENFORCE, -2, NULL },
	{ "max_age fullwidth digits", HEAD "mx: a.example\n"
	    "max_age: \xef\xbc\x98\xef\xbc\x96\n", 0, 0,
	    "policy-max-age-syntax@4", STS_MODE_ENFORCE, -2, NULL },
	{ "max_age xxx (sna bad-policy5)", HEAD "mx: a.example\nmax_age: xxx\n",
	    0, 0, "policy-max-age-syntax@4", STS_MODE_ENFORCE, -2, NULL },
	{ "max_age empty", HEAD "mx: a.example\nmax_age:\n", 0, 0,
	    "policy-max-age-syntax@4", STS_MODE_ENFORCE, -2, NULL },
	{ "testing max_age over a day", "version: STSv1\nmode: testing\n" TAIL,
	    0, 1, "policy-max-age-testing-long@4", STS_MODE_TESTING, 604800,
	    NULL },
	{ "enforce max_age under a day", HEAD "mx: a.example\nmax_age: 3600\n",
	    0, 1, "policy-max-age-short@4", STS_MODE_ENFORCE, 3600, NULL },
	{ "enforce max_age two weeks", HEAD "mx: a.example\n"
	    "max_age: 1209600\n", 0, 1, "", STS_MODE_ENFORCE, 1209600, NULL },
	{ "enforce max_age over two weeks", HEAD "mx: a.example\n"
	    "max_age: 1209601\n", 0, 1, "policy-max-age-long@4",
	    STS_MODE_ENFORCE, 1209601, NULL },
	{ "enforce max_age one day", HEAD "mx: a.example\nmax_age: 86400\n", 0,
	    1, "", STS_MODE_ENFORCE, 86400, NULL },

	/* 37-43: mx patterns. */
	{ "mx old draft .example.net", HEAD "mx: .example.net\n"
	    "max_age: 604800\n", 0, 0, "policy-mx-leading-dot@3",
	    STS_MODE_ENFORCE, 604800, "" },
	{ "mx *.*.example", HEAD "mx: *.*.example\nmax_age: 604800\n", 0, 0,
	    "policy-mx-syntax@3", STS_MODE_ENFORCE, 604800, "" },
	{ "mx **.example", HEAD "mx: **.example\nmax_age: 604800\n", 0, 0,
	    "policy-mx-syntax@3", STS_MODE_ENFORCE, 604800, "" },
	{ "mx *example.com", HEAD "mx: *example.com\nmax_age: 604800\n", 0, 0,
	    "policy-mx-syntax@3", STS_MODE_ENFORCE, 604800, "" },
	{ "mx mail*.example.com", HEAD "mx: mail*.example.com\n"
	    "max_age: 604800\n", 0, 0, "policy-mx-syntax@3", STS_MODE_ENFORCE,
	    604800, "" },
	{ "mx bare *", HEAD "mx: *\nmax_age: 604800\n", 0, 0,
	    "policy-mx-syntax@3", STS_MODE_ENFORCE, 604800, "" },
	{ "mx *.", HEAD "mx: *.\nmax_age: 604800\n", 0, 0,
	    "policy-mx-syntax@3", STS_MODE_ENFORCE, 604800, "" },
	{ "mx *.com (weak)", HEAD "mx: *.com\nmax_age: 604800\n", 0, 1,
	    "policy-mx-wildcard-tld@3", STS_MODE_ENFORCE, 604800, "*.com" },
	{ "mx trailing dot", HEAD "mx: mail.example.com.\nmax_age: 604800\n",
	    0, 0, "policy-mx-trailing-dot@3", STS_MODE_ENFORCE, 604800, "" },
	{ "mx empty label", HEAD "mx: mail..example.com\nmax_age: 604800\n",
	    0, 0, "policy-mx-syntax@3", STS_MODE_ENFORCE, 604800, "" },
	{ "mx trailing hyphen in label", HEAD "mx: mail-.example.com\n"
	    "max_age: 604800\n", 0, 0, "policy-mx-syntax@3", STS_MODE_ENFORCE,
	    604800, "" },
	{ "mx u-label", HEAD "mx: m\xc3\xb8x.example\nmax_age: 604800\n", 0, 0,
	    "policy-mx-ulabel@3", STS_MODE_ENFORCE, 604800, "" },
	{ "mx a-label", HEAD "mx: xn--mx-lka.example\nmax_age: 604800\n", 0, 1,
	    "", STS_MODE_ENFORCE, 604800, "xn--mx-lka.example" },
	{ "mx underscore", HEAD "mx: mail_1.example.com\nmax_age: 604800\n", 0,
	    0, "policy-mx-syntax@3", STS_MODE_ENFORCE, 604800, "" },
	{ "mx ipv4 (tlspol #70)", HEAD "mx: 212.114.86.56\nmx: mail.example.com"
	    "\nmax_age: 604800\n", 0, 1, "policy-mx-ip-address@3",
	    STS_MODE_ENFORCE, 604800, "212.114.86.56,mail.example.com" },
	{ "mx ipv6", HEAD "mx: 2001:db8::25\nmax_age: 604800\n", 0, 0,
	    "policy-mx-syntax@3", STS_MODE_ENFORCE, 604800, "" },
	{ "mx with comment", HEAD "mx: mail.example.com # primary\n"
	    "max_age: 604800\n", 0, 0, "policy-mx-syntax@3", STS_MODE_ENFORCE,
	    604800, "" },
	{ "mx two patterns on a line", HEAD "mx: a.example.com b.example.com\n"
	    "max_age: 604800\n", 0, 0, "policy-mx-syntax@3", STS_MODE_ENFORCE,
	    604800, "" },
	{ "mx empty", HEAD "mx:\nmax_age: 604800\n", 0, 0,
	    "policy-mx-syntax@3", STS_MODE_ENFORCE, 604800, "" },
	{ "misspelled nmx (tlspol #95)", HEAD "nmx: mx0.example.com\n"
	    "max_age: 604800\n", 0, 0,
	    "policy-key-near-miss@3 policy-missing-mx", STS_MODE_ENFORCE,
	    604800, "" },
	{ "max-age instead of max_age", HEAD "mx: a.example.com\n"
	    "max-age: 604800\n", 0, 0,
	    "policy-key-near-miss@4 policy-missing-max-age", STS_MODE_ENFORCE,
	    -2, NULL },
	{ "every problem in one run", "\xef\xbb\xbf version : STSv1\n"
	    "mode: Testing\n\n# c\nmx: .example.net\nmax_age: 86400s\n\n", 0, 0,
	    "policy-bom@1 policy-leading-space@1 policy-space-before-colon@1 "
	    "policy-mode-value@2 policy-blank-line@3 policy-comment@4 "
	    "policy-mx-leading-dot@5 policy-max-age-syntax@6 "
	    "policy-blank-line@7", STS_MODE_UNSET, -2, "" },
};

START_TEST(test_policy_table)
{
	const struct policy_case *c = &cases[_i];
	struct sts_policy pol;
	struct diag_list dl;
	size_t len;
	int valid;

	len = c->len != 0 ? c->len : strlen(c->text);
	diag_init(&dl);
	valid = policy_parse(c->text, len, STS_STRICT, &pol, &dl);
	ck_assert_msg(valid == c->valid, "%s: valid %d", c->name, valid);
	ck_assert_msg(valid == (dl.errors == 0), "%s: validity vs errors",
	    c->name);
	expect_codes(c->name, &dl, c->codes);
	if (c->mode != ANY_MODE)
		ck_assert_msg(pol.mode == (enum sts_mode)c->mode,
		    "%s: mode %s", c->name, sts_mode_name(pol.mode));
	if (c->max_age == -2)
		ck_assert_msg(!pol.has_max_age, "%s: has max_age", c->name);
	else if (c->max_age != ANY_AGE)
		ck_assert_msg(pol.has_max_age &&
		    pol.max_age == (uint64_t)c->max_age, "%s: max_age %llu",
		    c->name, (unsigned long long)pol.max_age);
	if (c->valid)
		ck_assert_msg(pol.has_version, "%s: no version", c->name);
	if (c->mx != NULL)
		expect_list(c->name, pol.mx, pol.mx_count, c->mx);
	policy_free(&pol);
	ck_assert_ptr_null(pol.mx);
}
END_TEST

/* Builds HEAD, n mx lines, max_age, then pad bytes of an extension. */
static char *
build_policy(size_t n_mx, size_t pad, size_t *len)
{
	size_t cap, i, off;
	char *buf;

	cap = 64 + n_mx * 32 + pad + 64;
	buf = malloc(cap);
	ck_assert_ptr_nonnull(buf);
	off = (size_t)snprintf(buf, cap, "version: STSv1\nmode: enforce\n"
	    "max_age: 604800\n");
	for (i = 0; i < n_mx; i++)
		off += (size_t)snprintf(buf + off, cap - off,
		    "mx: mx%zu.example.com\n", i);
	if (pad > 0) {
		off += (size_t)snprintf(buf + off, cap - off, "pad: ");
		memset(buf + off, 'x', pad);
		off += pad;
		buf[off++] = '\n';
	}
	*len = off;
	return buf;
}

START_TEST(test_policy_size_limits)
{
	struct sts_policy pol;
	struct diag_list dl;
	size_t len;
	char *buf;

	buf = build_policy(1, 10300, &len);
	diag_init(&dl);
	ck_assert_int_eq(policy_parse(buf, len, STS_STRICT, &pol, &dl), 1);
	expect_codes("over 10 KiB", &dl, "policy-large");
	policy_free(&pol);
	free(buf);

	buf = build_policy(1, POLICY_MAX_BYTES, &len);
	ck_assert_uint_gt(len, POLICY_MAX_BYTES);
	diag_init(&dl);
	ck_assert_int_eq(policy_parse(buf, len, STS_STRICT, &pol, &dl), 0);
	ck_assert_ptr_nonnull(diag_find(&dl, "policy-too-large"));
	policy_free(&pol);
	free(buf);

	buf = build_policy(1, POLICY_MAX_BYTES - 200, &len);
	ck_assert_uint_le(len, POLICY_MAX_BYTES);
	diag_init(&dl);
	ck_assert_int_eq(policy_parse(buf, len, STS_STRICT, &pol, &dl), 1);
	expect_codes("just under 64 KiB", &dl, "policy-large");
	policy_free(&pol);
	free(buf);
}
END_TEST

START_TEST(test_policy_mx_cap)
{
	struct sts_policy pol;
	struct diag_list dl;
	size_t len;
	char *buf;

	buf = build_policy(POLICY_MX_MAX, 0, &len);
	diag_init(&dl);
	ck_assert_int_eq(policy_parse(buf, len, STS_STRICT, &pol, &dl), 1);
	ck_assert_uint_eq(pol.mx_count, POLICY_MX_MAX);
	policy_free(&pol);
	free(buf);

	buf = build_policy(POLICY_MX_MAX + 10, 0, &len);
	diag_init(&dl);
	ck_assert_int_eq(policy_parse(buf, len, STS_STRICT, &pol, &dl), 0);
	expect_codes("too many mx", &dl, "policy-mx-too-many@260");
	ck_assert_uint_eq(pol.mx_count, POLICY_MX_MAX);
	ck_assert_str_eq(pol.mx[POLICY_MX_MAX - 1], "mx255.example.com");
	policy_free(&pol);
	free(buf);
}
END_TEST

/* Past DIAG_MAX findings are counted, and still make the policy invalid. */
START_TEST(test_policy_diag_overflow)
{
	struct sts_policy pol;
	struct diag_list dl;
	char buf[4096];
	size_t i, off;

	off = (size_t)snprintf(buf, sizeof(buf), "version: STSv1\n");
	for (i = 0; i < DIAG_MAX + 10; i++)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off, "x\n");
	diag_init(&dl);
	ck_assert_int_eq(policy_parse(buf, off, STS_STRICT, &pol, &dl), 0);
	ck_assert_uint_eq(dl.count, DIAG_MAX);
	ck_assert_uint_gt(dl.dropped, 0);
	/* every "x" line, then no mode, max_age or mx */
	ck_assert_uint_eq(dl.errors, DIAG_MAX + 10 + 3);
	policy_free(&pol);
}
END_TEST

START_TEST(test_policy_copy_and_match)
{
	struct sts_policy pol, copy;
	struct diag_list dl;

	diag_init(&dl);
	ck_assert_int_eq(policy_parse(RFC_BODY, strlen(RFC_BODY), STS_STRICT,
	    &pol, &dl),
	    1);
	ck_assert_int_eq(policy_copy(&copy, &pol), 0);
	policy_free(&pol);
	ck_assert_uint_eq(copy.mx_count, 3);
	ck_assert_int_eq(copy.mode, STS_MODE_ENFORCE);
	ck_assert_int_eq(policy_match_mx(&copy, "mail.example.com"), 0);
	ck_assert_int_eq(policy_match_mx(&copy, "MX1.Example.NET."), 1);
	ck_assert_int_eq(policy_match_mx(&copy, "backupmx.example.com"), 2);
	ck_assert_int_eq(policy_match_mx(&copy, "example.net"), -1);
	ck_assert_int_eq(policy_match_mx(&copy, "a.b.example.net"), -1);
	ck_assert_int_eq(policy_match_mx(&copy, "evil.example.com"), -1);
	policy_free(&copy);
	ck_assert_int_eq(policy_match_mx(&copy, "mail.example.com"), -1);
	ck_assert_str_eq(sts_mode_name(STS_MODE_TESTING), "testing");
	ck_assert_str_eq(sts_mode_name(STS_MODE_NONE), "none");
	ck_assert_str_eq(sts_mode_name(STS_MODE_ENFORCE), "enforce");
	ck_assert_str_eq(sts_mode_name(STS_MODE_UNSET), "unset");
}
END_TEST

/* The body need not be NUL-terminated: only len bytes are read. */
START_TEST(test_policy_not_terminated)
{
	struct sts_policy pol;
	struct diag_list dl;
	size_t len = strlen(RFC_BODY) - 1;	/* drop the final LF */
	char *buf;

	buf = malloc(len);
	ck_assert_ptr_nonnull(buf);
	memcpy(buf, RFC_BODY, len);
	diag_init(&dl);
	ck_assert_int_eq(policy_parse(buf, len, STS_STRICT, &pol, &dl), 1);
	ck_assert_uint_eq(pol.max_age, 604800);
	policy_free(&pol);
	free(buf);
}
END_TEST

/*
 * The same texts in both grammars: what the lenient one accepts (and the
 * senders that accept it), and that the strict one rejects exactly those
 * and says which lenient senders would accept them.
 */
struct lenient_case {
	const char *name;
	const char *text;
	size_t	 len;		/* 0: strlen(text) */
	int	 valid;		/* in the lenient grammar */
	unsigned senders;	/* out->lenient in both grammars */
	const char *codes;	/* lenient grammar, exact set */
	int	 mode;		/* enum sts_mode, or ANY_MODE */
	const char *mx;		/* comma-separated; NULL: not checked */
};

#define PMSR		LENIENT_PMSR
#define STALWART	LENIENT_STALWART
#define MAILAUTH	LENIENT_MAILAUTH

static const struct lenient_case lenient_cases[] = {
	{ "strict-valid", RFC_BODY, 0, 1, 0, "", STS_MODE_ENFORCE, RFC_MX },
	/* The examples. */
	{ "trailing blank line", HEAD TAIL "\n", 0, 1, LENIENT_ALL,
	    "policy-blank-line@5", STS_MODE_ENFORCE, "mail.example.com" },
	{ "blank line inside, crlf", "version: STSv1\r\n\r\nmode: enforce\r\n"
	    TAIL, 0, 1, LENIENT_ALL, "policy-blank-line@2", STS_MODE_ENFORCE,
	    "mail.example.com" },
	{ "comment line", "# our policy\n" HEAD TAIL, 0, 1, PMSR | MAILAUTH,
	    "policy-comment@1", STS_MODE_ENFORCE, "mail.example.com" },
	{ "comment with a colon", HEAD "# see: https://example.com\n" TAIL, 0,
	    1, LENIENT_ALL, "policy-comment@3", STS_MODE_ENFORCE,
	    "mail.example.com" },
	{ "mode : enforce", "version: STSv1\nmode : enforce\n" TAIL, 0, 1,
	    STALWART | MAILAUTH, "policy-space-before-colon@2",
	    STS_MODE_ENFORCE, "mail.example.com" },
	{ "empty extension value", HEAD TAIL "ext:\n", 0, 1, LENIENT_ALL,
	    "policy-ext-value-empty@5", STS_MODE_ENFORCE, "mail.example.com" },
	{ "crlf with stray spaces", "version: STSv1\r \nmode: enforce\r\t\n"
	    "mx: mail.example.com \r \nmax_age: 604800\r\n", 0, 1,
	    LENIENT_ALL, "policy-bare-cr@1", STS_MODE_ENFORCE,
	    "mail.example.com" },
	{ "cr then spaces at the end", HEAD TAIL "x: 1\r  ", 0, 1,
	    LENIENT_ALL, "policy-bare-cr@5", STS_MODE_ENFORCE, NULL },
	/* Each other tolerable deviation, and who accepts it. */
	{ "bare cr line ends", "version: STSv1\rmode: enforce\r"
	    "mx: mail.example.com\rmax_age: 604800\r", 0, 1, PMSR,
	    "policy-bare-cr@1", STS_MODE_ENFORCE, "mail.example.com" },
	{ "leading space on mx", HEAD " mx: mail.example.com\n"
	    "max_age: 604800\n", 0, 1, STALWART | MAILAUTH,
	    "policy-leading-space@3", STS_MODE_ENFORCE, "mail.example.com" },
	{ "leading space on an extension", HEAD TAIL "\tx: 1\n", 0, 1,
	    LENIENT_ALL, "policy-leading-space@5", STS_MODE_ENFORCE, NULL },
	{ "space before colon of an extension", HEAD TAIL "x : 1\n", 0, 1,
	    LENIENT_ALL, "policy-space-before-colon@5", STS_MODE_ENFORCE,
	    NULL },
	{ "line without colon", HEAD "mail.example.com\n" TAIL, 0, 1,
	    PMSR | MAILAUTH, "policy-no-colon@3", STS_MODE_ENFORCE,
	    "mail.example.com" },
	{ "bad key", HEAD TAIL "my key: 1\n", 0, 1, LENIENT_ALL,
	    "policy-key-syntax@5", STS_MODE_ENFORCE, NULL },
	{ "extension with a control byte", HEAD TAIL "x: a\x01b\n", 0, 1,
	    LENIENT_ALL, "policy-ext-value-syntax@5", STS_MODE_ENFORCE, NULL },
	{ "extension not utf-8", HEAD TAIL "contact: J\xfcrgen\n", 0, 1,
	    MAILAUTH, "policy-ext-utf8@5", STS_MODE_ENFORCE, NULL },
	{ "key not utf-8", HEAD TAIL "k\xfc: 1\n", 0, 1, MAILAUTH,
	    "policy-key-syntax@5", STS_MODE_ENFORCE, NULL },
	{ "utf-8 bom", "\xef\xbb\xbf" HEAD TAIL, 0, 1, MAILAUTH,
	    "policy-bom@1", STS_MODE_ENFORCE, "mail.example.com" },
	/* The senders narrow down: accepted only when one accepts all. */
	{ "comment and mode : enforce", "# x\nversion: STSv1\n"
	    "mode : enforce\n" TAIL, 0, 1, MAILAUTH,
	    "policy-comment@1 policy-space-before-colon@3", STS_MODE_ENFORCE,
	    NULL },
	{ "bare cr and a leading space", "version: STSv1\r mode: enforce\n"
	    TAIL, 0, 0, 0, "policy-bare-cr@1 policy-leading-space@2 "
	    "policy-lenient-only", STS_MODE_ENFORCE, NULL },
	/* Warnings stay warnings; duplicates keep the first value. */
	{ "duplicate mode and a blank line", HEAD "mode: testing\n\n" TAIL,
	    0, 1, LENIENT_ALL, "policy-duplicate-key@3 policy-blank-line@4",
	    STS_MODE_ENFORCE, "mail.example.com" },
	/* What no sender accepts stays invalid in both grammars. */
	{ "no mode", "version: STSv1\n\n" TAIL, 0, 0, 0,
	    "policy-blank-line@2 policy-missing-mode", STS_MODE_UNSET, NULL },
	{ "bad mode", "version: STSv1\nmode: enforced\n\n" TAIL, 0, 0, 0,
	    "policy-mode-value@2 policy-blank-line@3", STS_MODE_UNSET, NULL },
	{ "mode in upper case", "version: STSv1\nmode : Enforce\n" TAIL, 0,
	    0, 0, "policy-space-before-colon@2 policy-mode-value@2",
	    STS_MODE_UNSET, NULL },
	{ "enforce without mx", HEAD "max_age: 604800\n\n", 0, 0, 0,
	    "policy-blank-line@4 policy-missing-mx", STS_MODE_ENFORCE, "" },
	{ "testing without mx", "version: STSv1\nmode: testing\n"
	    "max_age: 86400\n# x\n", 0, 0, 0,
	    "policy-comment@4 policy-missing-mx", STS_MODE_TESTING, "" },
	{ "max_age out of range", HEAD "mx: mail.example.com\n"
	    "max_age: 31557601\n\n", 0, 0, 0,
	    "policy-max-age-range@4 policy-blank-line@5", STS_MODE_ENFORCE,
	    NULL },
	{ "version STSv2", "version: STSv2\nmode: enforce\n" TAIL "\n", 0, 0,
	    0, "policy-version-value@1 policy-blank-line@5", STS_MODE_ENFORCE,
	    NULL },
	{ "bad mx pattern", HEAD "mx: .example.com\nmax_age: 604800\n\n", 0,
	    0, 0, "policy-mx-leading-dot@3 policy-blank-line@5",
	    STS_MODE_ENFORCE, "" },
};

START_TEST(test_policy_lenient_table)
{
	const struct lenient_case *c = &lenient_cases[_i];
	struct sts_policy pol, strict;
	struct diag_list dl, sdl;
	size_t len;
	int valid, svalid;

	len = c->len != 0 ? c->len : strlen(c->text);
	diag_init(&dl);
	valid = policy_parse(c->text, len, STS_LENIENT, &pol, &dl);
	ck_assert_msg(valid == c->valid, "%s: valid %d", c->name, valid);
	ck_assert_msg(valid == (dl.errors == 0), "%s: validity vs errors",
	    c->name);
	ck_assert_msg(pol.lenient == c->senders, "%s: lenient %#x", c->name,
	    pol.lenient);
	expect_codes(c->name, &dl, c->codes);
	if (c->mode != ANY_MODE)
		ck_assert_msg(pol.mode == (enum sts_mode)c->mode,
		    "%s: mode %s", c->name, sts_mode_name(pol.mode));
	if (c->mx != NULL)
		expect_list(c->name, pol.mx, pol.mx_count, c->mx);

	diag_init(&sdl);
	svalid = policy_parse(c->text, len, STS_STRICT, &strict, &sdl);
	ck_assert_msg(svalid == (c->valid && c->senders == 0),
	    "%s: strict valid %d", c->name, svalid);
	ck_assert_msg(strict.lenient == c->senders, "%s: strict lenient %#x",
	    c->name, strict.lenient);
	ck_assert_msg((diag_find(&sdl, "policy-lenient-only") != NULL) ==
	    (c->senders != 0), "%s: strict summary", c->name);
	ck_assert_uint_eq(strict.mx_count, pol.mx_count);
	policy_free(&strict);
	policy_free(&pol);
}
END_TEST

/* The summary names the senders that accept what strict ones reject. */
START_TEST(test_policy_lenient_summary)
{
	static const char text[] = "version: STSv1\nmode : enforce\n" TAIL;
	const struct diag *d;
	struct sts_policy pol;
	struct diag_list dl;

	diag_init(&dl);
	ck_assert_int_eq(policy_parse(text, strlen(text), STS_STRICT, &pol,
	    &dl), 0);
	d = diag_find(&dl, "policy-lenient-only");
	ck_assert_ptr_nonnull(d);
	ck_assert_int_eq(d->severity, DIAG_WARNING);
	ck_assert_str_eq(d->message, "lenient senders (e.g. Stalwart, "
	    "mailauth) would accept this policy; strict ones (e.g. mox) "
	    "reject it: fix the errors above so that every sender applies it");
	ck_assert_int_eq(diag_find(&dl, "policy-space-before-colon")->severity,
	    DIAG_ERROR);
	policy_free(&pol);
	diag_init(&dl);
	ck_assert_int_eq(policy_parse(text, strlen(text), STS_LENIENT, &pol,
	    &dl), 1);
	ck_assert_int_eq(diag_find(&dl, "policy-space-before-colon")->severity,
	    DIAG_WARNING);
	policy_free(&pol);
}
END_TEST

Suite *
unit_suite(void)
{
	Suite *s = suite_create("policy");
	TCase *tc = tcase_create("parse");

	tcase_add_loop_test(tc, test_policy_table, 0,
	    (int)(sizeof(cases) / sizeof(cases[0])));
	tcase_add_loop_test(tc, test_policy_lenient_table, 0,
	    (int)(sizeof(lenient_cases) / sizeof(lenient_cases[0])));
	tcase_add_test(tc, test_policy_lenient_summary);
	tcase_add_test(tc, test_policy_size_limits);
	tcase_add_test(tc, test_policy_mx_cap);
	tcase_add_test(tc, test_policy_diag_overflow);
	tcase_add_test(tc, test_policy_copy_and_match);
	tcase_add_test(tc, test_policy_not_terminated);
	suite_add_tcase(s, tc);
	return s;
}

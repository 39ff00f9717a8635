#!/bin/sh
# tests/cli/mx.sh - mtasts-check policy --mx: which pattern covers an MX
# host, wildcard depth, case and trailing dot, exit status when uncovered.
. "$(dirname "$0")/lib.sh"
P=$DATA/policies

run "exact pattern" 0 policy "$P/rfc-example.txt" --mx mail.example.com --json
json '.mx_coverage == [{"host": "mail.example.com", "covered": true, "pattern": "mail.example.com"}]'

run "wildcard covers one label" 0 policy "$P/rfc-example.txt" --mx mx7.example.net --json
json '.mx_coverage[0].covered and .mx_coverage[0].pattern == "*.example.net"'

run "wildcard does not cover two labels" 1 policy "$P/rfc-example.txt" --mx a.b.example.net --json
json '.valid and .mx_coverage[0].covered == false and .mx_coverage[0].pattern == null'

run "wildcard does not cover the parent" 1 policy "$P/rfc-example.txt" --mx example.net --json
json '.mx_coverage[0].covered == false'

run "case and trailing dot" 0 policy "$P/rfc-example.txt" --mx MAIL.Example.COM. --json
json '.mx_coverage[0].pattern == "mail.example.com"'

run "several hosts, one uncovered" 1 policy "$P/rfc-example.txt" \
    --mx mail.example.com --mx other.example.org --mx backupmx.example.com --json
json '[.mx_coverage[].covered] == [true, false, true]'
json '.mx_coverage[1].host == "other.example.org"'

run "uncovered, human output names the fix" 1 policy "$P/rfc-example.txt" --mx mx9.example.org
stdout_has 'mx mx9.example.org: not covered'
stdout_has 'add "mx: mx9.example.org" or "mx: *.example.org"'

run "options before the file" 0 policy --json --mx mail.example.com "$P/rfc-example.txt"
json '.mx_coverage[0].covered'

run "mode none: uncovered is not a problem" 0 policy "$P/none-no-mx.txt" --mx mail.example.com --json
json '.mx_coverage[0].covered == false'

run "invalid policy and covered host" 1 policy "$P/blank-line.txt" --mx mail.example.com --json
json '.valid == false and .mx_coverage[0].covered'

run "unprintable host is not echoed" 1 policy "$P/rfc-example.txt" --mx "$(printf 'a\033[2Jb.example.com')"
printable

run "host that is not UTF-8, JSON" 1 policy "$P/rfc-example.txt" --mx "$(printf '\377.example.com')" --json
json '.mx_coverage[0].host == "?.example.com"'

finish

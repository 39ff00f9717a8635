#!/bin/sh
# tests/cli/record.sh - mtasts-check record: RRset selection and _mta-sts
# record grammar.
. "$(dirname "$0")/lib.sh"

run "RFC 8461 example" 0 record 'v=STSv1; id=20160831085700Z;' --json
json '.valid and .id == "20160831085700Z" and .diagnostics == []'

run "human output" 0 record 'v=STSv1; id=20160831085700Z;'
stdout_has '_mta-sts: valid: policy id 20160831085700Z'

run "other TXT records are ignored" 0 record 'google-site-verification=abc' 'v=STSv1; id=1' --json
json '.valid and .id == "1"'

run "two STS records: no policy" 1 record 'v=STSv1; id=1' 'v=STSv1; id=2' --json
json '.valid == false and .id == null'
has_code record-multiple

run "selection findings name the record" 1 record 'v=STSv1; id=1' 'x' 'v=STSv1; id=2'
stdout_has '_mta-sts:3: error: '

run "no STS record" 1 record 'v=spf1 -all' --json
json '.valid == false and .id == null'
has_code record-none

run "id with a dash" 1 record 'v=STSv1; id=2024-01-01' --json
json '.valid == false'
json 'any(.diagnostics[]; .severity == "error" and .line == null)'
has_code record-id-syntax

run "space before the semicolon: warning" 0 record 'v=STSv1 ; id=abc' --json
json '.valid and .id == "abc"'
json 'any(.diagnostics[]; .severity == "warning")'
has_code record-space-before-semicolon

# Only lenient senders accept it: strict errors, and a warning naming them.
run "trailing space and ;;: lenient senders only" 1 record 'v=STSv1;; id=abc ' --json
json '.valid == false and .id == "abc"'
json 'any(.diagnostics[]; .code == "record-empty-field" and .severity == "error")'
json 'any(.diagnostics[]; .code == "record-trailing-space" and .severity == "error")'
json '[.diagnostics[] | select(.code == "record-lenient-only")][0] | .severity == "warning" and (.message | startswith("lenient senders (e.g. postfix-mta-sts-resolver, mailauth) would accept this record; strict ones (e.g. mox) reject it"))'
run "lenient senders only, human output" 1 record 'v=STSv1; id=abc '
stdout_has '_mta-sts: warning: lenient senders (e.g. postfix-mta-sts-resolver, mailauth) would accept this record'
stdout_has 'strict senders find no MTA-STS policy for this domain; lenient ones use policy id abc'
run "bad id: no lenient warning" 1 record 'v=STSv1; id=a-b ' --json
json 'all(.diagnostics[]; .code != "record-lenient-only")'

run "control bytes are not echoed" 1 record "$(printf 'v=STSv1; id=a\033[2Jb')"
printable

run "a record that looks like an option, after --" 1 record --json -- '-v=STSv1'
json '.valid == false'

finish

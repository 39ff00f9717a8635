#!/bin/sh
# tests/cli/policy.sh - mtasts-check policy: valid and invalid policy files,
# human and JSON output, exit statuses.
. "$(dirname "$0")/lib.sh"
P=$DATA/policies

run "RFC 8461 example" 0 policy "$P/rfc-example.txt" --json
json '.valid == true and .policy.version == "STSv1"'
json '.policy.mode == "enforce" and .policy.max_age == 604800'
json '.policy.mx == ["mail.example.com", "*.example.net", "backupmx.example.com"]'
json '.diagnostics == [] and .diagnostics_dropped == 0 and .mx_coverage == []'

run "RFC example, human output" 0 policy "$P/rfc-example.txt"
stdout_has "rfc-example.txt: valid policy: mode enforce, max_age 604800, 3 mx pattern(s)"

run "CRLF line ends" 0 policy "$P/crlf.txt" --json
json '.valid and .policy.mode == "testing" and .policy.mx == ["mx1.example.com"]'

run "no final line end" 0 policy "$P/no-final-newline.txt" --json
json '.valid and .policy.max_age == 86400'

run "blank line" 1 policy "$P/blank-line.txt" --json
json '.valid == false'
json 'any(.diagnostics[]; .severity == "error" and .line == 3)'
has_code policy-blank-line

run "blank line, human output" 1 policy "$P/blank-line.txt"
stdout_has "blank-line.txt:3: error: "
stdout_has "blank-line.txt: invalid policy"

run "UTF-8 byte order mark" 1 policy "$P/bom.txt" --json
json '.valid == false'
json 'any(.diagnostics[]; .severity == "error" and .line == 1)'
has_code policy-bom

run "enforce without mx" 1 policy "$P/enforce-no-mx.txt" --json
json '.valid == false and .policy.mx == []'
has_code policy-missing-mx

run "mode none without mx" 0 policy "$P/none-no-mx.txt" --json
json '.valid and .policy.mode == "none"'

run "max_age over the limit" 1 policy "$P/max-age-over-limit.txt" --json
json '.valid == false'
json 'any(.diagnostics[]; .severity == "error" and .line == 4)'
has_code policy-max-age-range

run "max_age at the limit" 0 policy "$P/max-age-at-limit.txt" --json
json '.valid and .policy.max_age == 31557600'

run "duplicate mode: first wins, warning" 0 policy "$P/duplicate-mode.txt" --json
json '.valid and .policy.mode == "testing"'
json 'any(.diagnostics[]; .severity == "warning" and .line == 3)'
has_code policy-duplicate-key

run "duplicate mode, human output" 0 policy "$P/duplicate-mode.txt"
stdout_has "duplicate-mode.txt:3: warning: "

run "control bytes are not echoed" 1 policy "$P/control-bytes.txt"
printable
run "control bytes, JSON" 1 policy "$P/control-bytes.txt" --json
printable
json '.valid == false'
has_code policy-ext-value-syntax

# Only lenient senders accept it: strict errors, and a warning naming them.
run "lenient-only policy" 1 policy "$P/mode-space-colon.txt" --json
json '.valid == false and .policy.mode == "enforce"'
json 'any(.diagnostics[]; .code == "policy-space-before-colon" and .severity == "error" and .line == 2)'
json 'any(.diagnostics[]; .code == "policy-blank-line" and .severity == "error" and .line == 5)'
json 'any(.diagnostics[]; .code == "policy-lenient-only" and .severity == "warning" and .line == null)'
json '[.diagnostics[] | select(.code == "policy-lenient-only")][0].message | startswith("lenient senders (e.g. Stalwart, mailauth) would accept this policy; strict ones (e.g. mox) reject it")'
run "lenient-only policy, human output" 1 policy "$P/mode-space-colon.txt"
stdout_has "mode-space-colon.txt: warning: lenient senders (e.g. Stalwart, mailauth) would accept this policy"
stdout_has "mode-space-colon.txt: invalid policy"
run "invalid for every sender: no lenient warning" 1 policy "$P/enforce-no-mx.txt" --json
json 'all(.diagnostics[]; .code != "policy-lenient-only")'

# A file that is no text is an invalid policy (senders reject it), not a
# usage error: JSON and exit 1, one line for humans.
run "binary file, JSON" 1 policy "$P/binary.gz" --json
json '.valid == false and .policy.mode == null and .policy.mx == []'
json '.diagnostics | length == 1'
json '.diagnostics[0] | .severity == "error" and .code == "policy-not-text" and .line == 1'
printable
run "binary file, human output" 1 policy "$P/binary.gz"
stdout_has "binary.gz:1: error: not a text file (NUL byte at offset 3)"
[ "$(wc -l <"$out")" -eq 1 ] || fail "more than one line for a binary file"
[ -s "$err" ] && fail "stderr written for a binary file"
run "NUL byte in a policy" 1 policy "$P/nul-byte.txt" --json
json '.diagnostics[0] | .code == "policy-not-text" and .line == 3'
json '.diagnostics[0].message | contains("offset 29")'
run "NUL byte with --mx" 1 policy "$P/nul-byte.txt" --mx mail.example.com --json
json '.mx_coverage == [{"host":"mail.example.com","covered":false,"pattern":null}]'
run "Latin-1 file: the parser names the line" 1 policy "$P/latin1.txt" --json
json '.valid == false'
json 'any(.diagnostics[]; .severity == "error" and .line == 3 and (.message | contains("not UTF-8 (byte 0xe9)")))'
head -c 70000 /dev/urandom | tr -d '\n' | { printf '\037\213\010\000'; cat; } >"$work/big.bin"
run "binary over 64 KiB" 1 policy "$work/big.bin" --json
json '.valid == false and (.diagnostics[0].code == "policy-not-text")'

run_stdin "$P/rfc-example.txt" "policy from standard input" 0 policy - --json
json '.valid and (.policy.mx | length) == 3'
run_stdin "$P/blank-line.txt" "standard input is named <stdin>" 1 policy -
stdout_has "<stdin>:3: error: "

# One byte over the 64 KiB limit: the parser reports the size. Not UTF-8
# at the cut: still the size, the cut sequence is not parsed.
big=$work/big.txt
cp "$P/rfc-example.txt" "$big"
awk 'BEGIN { for (i = 0; i < 3000; i++) print "x" i ": padding-padding-padding" }' >>"$big"
head -c 65537 "$big" >"$big.cut"
run "over 64 KiB" 1 policy "$big.cut" --json
json '.valid == false'
has_code policy-too-large
{ cat "$P/rfc-example.txt"; head -c 70000 /dev/zero | tr '\0' '\351'; } >"$work/big.latin1"
run "over 64 KiB, not UTF-8" 1 policy "$work/big.latin1" --json
json '.valid == false and .policy.mode == "enforce"'
has_code policy-too-large

# More findings than the list keeps: the rest are counted and said.
many=$work/many.txt
cp "$P/rfc-example.txt" "$many"
awk 'BEGIN { for (i = 0; i < 80; i++) print "# comment " i }' >>"$many"
run "findings past the cap, JSON" 1 policy "$many" --json
json '(.diagnostics | length) == 64 and .diagnostics_dropped > 0'
run "findings past the cap, human output" 1 policy "$many"
stdout_has 'more finding(s) not shown (at most 64 are kept)'

finish

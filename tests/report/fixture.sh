#!/bin/sh
# fixture.sh - mtasts-report on a hand-made log with known answers:
# counts, shares, sender grouping, verdicts, windowing, domain filter,
# malformed lines with file:line, unknown fields and events, exit codes.
. "${HERE:-$(dirname "$0")}/lib.sh"

F=$DATA/small.jsonl
expect_rc 0 "fixture reads with malformed lines" "$R" -f json -o "$T/r.json" "$F"
grep -q "small.jsonl:7: malformed line" "$T/err" &&
grep -q "small.jsonl:8: malformed line: not a JSON object" "$T/err" &&
grep -q "small.jsonl:11: malformed line: no valid \"ts\"" "$T/err" &&
    ok "malformed lines named with file:line" ||
    fail "malformed lines: $(cat "$T/err")"

J=$T/r.json
expect_jq "$J" '.input | [.lines,.records,.malformed,.ignored_events,.sessions_without_domain] | @csv' \
    '12,9,3,1,1' "input counts"
expect_jq "$J" '[.input.malformed_examples[] | "\(.line)"] | join(",")' '7,8,11' \
    "malformed examples"
expect_jq "$J" '[.domains[].domain] | join(",")' 'a.example,b.example' "domains, lower-cased"
A='.domains[] | select(.domain == "a.example")'
expect_jq "$J" "$A | .messages | [.total,.pass,.would_fail,.no_policy,.policy_error] | @csv" \
    '6,3,3,0,0' "a.example messages by result"
expect_jq "$J" "$A | .rcpts" '9' "a.example recipients"
expect_jq "$J" "$A | [.senders.total, .senders.would_fail] | @csv" '3,2' "a.example senders"
expect_jq "$J" "$A | [.would_fail_share.messages, .would_fail_share.senders] | @csv" \
    '50,66.67' "a.example shares"
expect_jq "$J" "$A | [.reasons[] | \"\(.reason)=\(.messages)/\(.senders)\"] | join(\" \")" \
    'starttls-not-supported=1/1 tls-version=2/1' "a.example reasons"
expect_jq "$J" "$A | [.failing_senders[].sender] | join(\"|\")" \
    'shop.example via mailhost.co.uk|old.example (no PTR)' "senders grouped, largest first"
S="$A | .failing_senders[0]"
expect_jq "$J" "$S | [(.ips|join(\" \")), (.tls_versions|join(\" \")), .first_seen, .last_seen] | join(\"|\")" \
    '198.51.100.7 198.51.100.8|TLSv1.1 TLSv1|2026-03-01T10:00:00Z|2026-03-02T10:00:00Z' \
    "sender details"
expect_jq "$J" "$A | .failing_senders[1].helos[0]" '[203.0.113.9]?<b>' "HELO made printable"
expect_jq "$J" "$A | [.days[] | \"\(.date):\(.messages):\(.would_fail):\(.would_fail_share)\"] | join(\" \")" \
    '2026-03-01:3:1:33.33 2026-03-02:2:2:100 2026-03-03:1:0:0' "daily trend"
expect_jq "$J" "$A | .verdict.status" 'not-ready' "a.example not ready"
expect_jq "$J" "$A | .verdict.text" \
    'not ready: 2 senders (50.0% of messages) would fail; largest: shop.example via mailhost.co.uk (2 messages, tls-version)' \
    "a.example verdict text"
B='.domains[] | select(.domain == "b.example")'
expect_jq "$J" "$B | [.verdict.status, .policy.mode, .messages.no_policy] | @csv" \
    '"enforced","enforce",1' "b.example enforced"

# A draft in mode enforce is a what-if: its would-fail senders mean "not ready".
printf '%s\n' '{"ts":"2026-03-01T10:00:00Z","event":"message","client":{"ip":"192.0.2.1","ptr":null,"helo":"h"},"mail_from_domain":"s.example","tls":{"version":"TLSv1.1"},"mx":{"name":"mx1.d.example"},"domains":[{"domain":"d.example","rcpts":1,"result":"would-fail","reasons":["tls-version"],"policy":{"mode":"enforce","id":"next","source":"draft"}}]}' > "$T/draft.jsonl"
expect_rc 0 "draft log" "$R" -f json -o "$T/draft.json" "$T/draft.jsonl"
expect_jq "$T/draft.json" '.domains[0] | [.verdict.status, .policy.source] | @csv' \
    '"not-ready","draft"' "draft enforce policy is a what-if, not enforced"

expect_rc 0 "window of one day" "$R" -f json --since 2026-03-02 --until 2026-03-02 \
    -o "$T/w.json" "$F"
expect_jq "$T/w.json" '[.input.outside_window, (.domains[0].messages.total), .window.days] | @csv' \
    '5,2,1' "window keeps 2026-03-02 only"
expect_jq "$T/w.json" "$B | .verdict.status" 'no-policy' "b.example without a policy that day"
expect_rc 0 "window by timestamps" "$R" -f json --since 2026-03-01T09:30:00Z \
    --until 2026-03-02T10:00:00Z -o "$T/t.json" "$F"
expect_jq "$T/t.json" "$A | .messages.total" '1' "since inclusive, until exclusive"
expect_rc 0 "domain filter" "$R" -f json --domain B.EXAMPLE. -o "$T/d.json" "$F"
expect_jq "$T/d.json" '[.domains[].domain] | join(",")' 'b.example' "only b.example"
expect_rc 0 "top 1" "$R" -f json --top 1 -o "$T/top.json" "$F"
expect_jq "$T/top.json" "$A | [(.failing_senders | length), .failing_senders_total] | @csv" \
    '1,2' "--top limits the list, not the total"

expect_rc 0 "text report" "$R" "$F"
grep -q '^  verdict: not ready: 2 senders (50.0% of messages) would fail' "$T/out" &&
grep -q '^  shop.example via mailhost.co.uk  *2  *2  2026-03-01T10:00:00Z' "$T/out" &&
    ok "text tables" || fail "text tables: $(head -20 "$T/out")"

expect_rc 0 "stdin" sh -c "\"$R\" -f json < \"$F\" > \"$T/s.json\""
expect_jq "$T/s.json" '.input.malformed_examples[0].file' '(stdin)' "stdin named (stdin)"
expect_rc 1 "missing file: exit 1, rest reported" "$R" -f json "$T/none.jsonl" "$F"
expect_jq "$T/out" '[.input.unreadable, .domains[0].messages.total] | @csv' '1,6' \
    "missing file counted, others read"
expect_rc 2 "bad format" "$R" -f xml "$F"
expect_rc 2 "bad --since" "$R" --since lastweek "$F"
expect_rc 2 "bad --top" "$R" --top x "$F"
expect_rc 2 "empty window" "$R" --since 2026-03-02 --until 2026-03-01 "$F"
expect_rc 2 "unknown option" "$R" --frobnicate "$F"
expect_rc 0 "--help" "$R" --help
expect_rc 0 "durations back from now" "$R" -f json --since 10000d -o "$T/rel.json" "$F"
expect_jq "$T/rel.json" '.input.outside_window' '0' "--since 10000d keeps all"
expect_rc 0 "durations back from now" "$R" -f json --until 10000d -o "$T/rel.json" "$F"
expect_jq "$T/rel.json" '[.input.outside_window, (.domains | length)] | @csv' '9,0' \
    "--until 10000d keeps nothing"
finish

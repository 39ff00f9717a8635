#!/bin/sh
# tlsrpt.sh - `mtasts-report --format tlsrpt`: one RFC 8460 report per line,
# per domain and UTC day, valid against the RFC field list (tlsrpt.jq),
# with the known sessions of the fixture and totals that match the JSON
# report on a generated log.
. "${HERE:-$(dirname "$0")}/lib.sh"
: "${GENLOG:?}"

# valid FILE WHAT: every line passes tlsrpt.jq; report-ids are unique.
valid() {
	"$JQ" -r -f "$HERE/tlsrpt.jq" "$1" > "$T/problems" || echo "not JSON" >> "$T/problems"
	if [ -s "$T/problems" ]; then
		fail "$2: $(sort -u "$T/problems" | head -5)"
	else
		ok "$2: every report valid"
	fi
	dups=$("$JQ" -r '."report-id"' "$1" | sort | uniq -d | wc -l)
	[ "$dups" -eq 0 ] && ok "$2: report-ids unique" || fail "$2: duplicate report-ids"
}

F=$DATA/small.jsonl
expect_rc 0 "fixture" "$R" -f tlsrpt --org-name "Test Org" --contact tls@example.test \
    -o "$T/r.jsonl" "$F"
valid "$T/r.jsonl" "fixture"
expect_jq "$T/r.jsonl" '"\(.policies[0].policy."policy-domain") \(."date-range"."start-datetime"[0:10])"' \
    "a.example 2026-03-01
a.example 2026-03-02
a.example 2026-03-03
b.example 2026-03-02
b.example 2026-03-03" "one report per domain and UTC day"
first='select(."date-range"."start-datetime" == "2026-03-01T00:00:00Z")'
expect_jq "$T/r.jsonl" "$first | [.\"organization-name\", .\"contact-info\"] | @csv" \
    '"Test Org","tls@example.test"' "organisation and contact from options"
expect_jq "$T/r.jsonl" "$first | .policies[0] | [.policy.\"policy-type\", (.policy.\"policy-string\" | join(\";\")), .summary.\"total-successful-session-count\", .summary.\"total-failure-session-count\"] | @csv" \
    '"sts","version: STSv1;mode: testing",2,1' "policy block and summary"
expect_jq "$T/r.jsonl" "$first | .policies[0].\"failure-details\"[0] | [.\"result-type\", .\"sending-mta-ip\", .\"receiving-mx-hostname\", .\"failed-session-count\", .\"failure-reason-code\"] | @csv" \
    '"validation-failure","198.51.100.7","mx2.example.test",1,"tls-version: TLSv1.1 is below TLS 1.2"' \
    "failure details"
expect_jq "$T/r.jsonl" 'select(.policies[0].policy."policy-domain" == "b.example" and ."date-range"."start-datetime" == "2026-03-02T00:00:00Z") | .policies[0] | [.policy."policy-type", .summary."total-successful-session-count"] | @csv' \
    '"no-policy-found",1' "no-policy sessions under no-policy-found"
expect_jq "$T/r.jsonl" 'select(."date-range"."start-datetime" == "2026-03-02T00:00:00Z" and .policies[0].policy."policy-domain" == "a.example") | [.policies[0]."failure-details"[]."result-type"] | sort | join(",")' \
    'starttls-not-supported,validation-failure' "plaintext session as starttls-not-supported"

"$GENLOG" 30000 3 2026-02-01 10 > "$T/g.jsonl"
expect_rc 0 "generated log" "$R" -f tlsrpt -o "$T/g.tlsrpt" "$T/g.jsonl"
valid "$T/g.tlsrpt" "generated"
expect_rc 0 "generated log as JSON" "$R" -f json -o "$T/g.json" "$T/g.jsonl"
for d in example.com example.net example.org; do
	"$JQ" -s -r --arg d "$d" '[.[] | select(.policies[0].policy."policy-domain" == $d)
	    | .policies[].summary] | [(map(."total-successful-session-count") | add),
	    (map(."total-failure-session-count") | add)] | @csv' "$T/g.tlsrpt" > "$T/a"
	"$JQ" -r --arg d "$d" '.domains[] | select(.domain == $d) | .sessions
	    | [.pass + .no_policy, .would_fail + .policy_error] | @csv' "$T/g.json" > "$T/b"
	cmp -s "$T/a" "$T/b" && ok "$d: session totals match the JSON report" ||
	    fail "$d: tlsrpt $(cat "$T/a") vs json $(cat "$T/b")"
done
finish

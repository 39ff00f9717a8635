#!/bin/sh
# join.sh - `mtasts-report received --with-logs`: reports joined with the
# milter's log of the same days (tests/data/received/join.jsonl), with known
# answers: reporter organisations mapped to logged senders by IP, by domain,
# or not at all, and each of the three lists non-empty.
. "${HERE:-$(dirname "$0")}/lib.sh"
D=$DATA/../received

gzip -n -c "$D/tlsa.json" > "$T/tlsa.gz"
expect_rc 0 "join" "$R" received -f json -o "$T/j.json" --with-logs "$D/join.jsonl" \
    "$D/google.json" "$D/microsoft.json" "$D/overcount.json" "$T/tlsa.gz"
J=$T/j.json
d='.join.domains[] | select(.domain == "example.test")'
expect_jq "$J" '.join.logs | [.lines, .records, .malformed] | @csv' "7,7,0" "log lines read"
expect_jq "$J" "$d | .verdict.status" "not-ready" "not ready while a reporting sender fails"
expect_jq "$J" "$d | .organizations | map(\"\(.organization)=\(.match):\(.senders | join(\"+\"))\") | join(\",\")" \
    "Google Inc.=ip:google.com,Microsoft Corporation=none:,Counting Mailer=ip:counting.example,DANE Mailer=domain:dane.example" \
    "organisations mapped by ip, domain (contact-info vs PTR), or none"
expect_jq "$J" "$d | .aware_failing | map(\"\(.sender) \(.match) \(.organization) \(.would_fail_messages) \(.reasons | join(\"+\"))\") | join(\",\")" \
    "dane.example domain DANE Mailer 1 starttls-not-supported,google.com ip Google Inc. 2 certificate-expired" \
    "list 1: reporting senders that would fail"
expect_jq "$J" "$d | .unaware_failing | map(\"\(.sender) \(.match) \(.would_fail_messages) \(.ips | join(\"+\")) \(.days | join(\"+\"))\") | join(\",\")" \
    "legacy.example none 2 198.51.100.99 2026-03-02+2026-03-03" \
    "list 2: would-fail senders with no sign of MTA-STS"
expect_jq "$J" "$d | .unseen_failures | map(\"\(.organization)|\(.result_type)|\(.receiving_mx)|\(.sending_ip)|\(.count)|\(.where | split(\":\")[0])\") | .[]" \
"Microsoft Corporation|sts-policy-fetch-error|null|null|5|the policy
Counting Mailer|starttls-not-supported|mx1.example.test|198.51.100.20|2|the TLS this sender met
Counting Mailer|certificate-not-trusted|mx1.example.test|198.51.100.20|3|the TLS this sender met
DANE Mailer|tlsa-invalid|mx1.example.test|203.0.113.5|1|DNS
DANE Mailer|some-new-result|mx2.example.test|203.0.113.5|1|another MX" \
    "list 3: failures this MX did not see, and where to look"
expect_jq "$J" "$d | .days | map(\"\(.date) \(.milter_messages) \(.milter_would_fail) \(.reporters | join(\"+\")) \(.reported_successful) \(.reported_failed)\") | join(\",\")" \
    "2026-03-02 5 4 Google Inc.+Microsoft Corporation+DANE Mailer 172 10,2026-03-03 2 1 Counting Mailer 5 2" \
    "per UTC day: the milter's counts beside the reporters'"

expect_jq "$J" "$d | .organizations | map(select(.days | length > 0) | \"\(.organization): \(.days | map(\"\(.date) \(.milter_messages)/\(.milter_would_fail) \(.reported_successful)/\(.reported_failed)\") | join(\";\"))\") | .[]" \
"Google Inc.: 2026-03-02 2/2 120/3
Microsoft Corporation: 2026-03-02 0/0 40/5
Counting Mailer: 2026-03-03 1/0 5/2
DANE Mailer: 2026-03-02 1/1 12/2" \
    "per organisation and day: the milter's messages beside the reported sessions"

# Microsoft reports as microsoft.com and sends from outlook.com.
sed 's/"contact-info":null/"contact-info":"tlsrpt-noreply@microsoft.com"/' "$D/microsoft.json" > "$T/ms.json"
sed -n 4p "$D/join.jsonl" | sed 's/198.51.100.99/40.107.1.2/; s/smtp.legacy.example/mail-dm6nam10on2001.outbound.protection.outlook.com/g' > "$T/ms.jsonl"
expect_rc 0 "microsoft join" "$R" received -f json -o "$T/ms.out" --with-logs "$T/ms.jsonl" "$T/ms.json"
expect_jq "$T/ms.out" "$d | .aware_failing | map(\"\(.sender) \(.match) \(.organization)\") | join(\",\")" \
    "outlook.com domain Microsoft Corporation" "microsoft.com reporter matched to outlook.com senders"

# Both kinds of input together: a (gzip) milter log among the INPUTs.
gzip -n -c "$D/join.jsonl" > "$T/join.jsonl.gz"
expect_rc 0 "log as an INPUT" "$R" received -f json -o "$T/mixed.json" \
    "$D/google.json" "$T/join.jsonl.gz" "$D/microsoft.json" "$D/overcount.json" "$T/tlsa.gz"
expect_jq "$T/mixed.json" '[(.reports | length), (.rejected | length), .join.logs.records] | @csv' \
    "4,0,7" "log as an INPUT: read as a log, not rejected as a report"
"$JQ" -S .join "$J" > "$T/a"
"$JQ" -S .join "$T/mixed.json" > "$T/b"
cmp -s "$T/a" "$T/b" && ok "log as an INPUT: the same join as --with-logs" ||
    fail "log as an INPUT: join differs"

# Without the Google report, Google is no longer known to apply MTA-STS.
expect_rc 0 "join without the Google report" "$R" received -f json -o "$T/j2.json" \
    --with-logs "$D/join.jsonl" "$D/microsoft.json"
expect_jq "$T/j2.json" "$d | [.verdict.status, (.unaware_failing | map(.sender) | join(\",\"))] | @csv" \
    '"ready","dane.example,google.com,legacy.example"' "ready when no reporting sender fails"

expect_rc 0 "text join" "$R" received --with-logs "$D/join.jsonl" "$D/google.json"
grep -q '^example.test: not-ready: 1 sender that sends TLS-RPT' "$T/out" && ok "text: verdict" ||
    fail "text verdict: $(grep -m1 'example.test:' "$T/out")"
grep -q 'google.com: 2 of 2 messages would fail (certificate-expired); IPs 209.85.220.41; reports as "Google Inc." (match: ip)' "$T/out" &&
    ok "text: list 1" || fail "text list 1"
expect_rc 1 "unreadable log: exit 1" "$R" received -f json -o "$T/j3.json" \
    --with-logs "$T/none.jsonl" "$D/google.json"
expect_jq "$T/j3.json" '.rejected[0].source' "$T/none.jsonl" "unreadable log rejected"

# HTML: the same join, self-contained, well-formed, and it renders.
expect_rc 0 "html join" "$R" received -f html -o "$T/j.html" --with-logs "$D/join.jsonl" \
    "$D/google.json" "$D/microsoft.json" "$D/overcount.json" "$T/tlsa.gz"
H=$T/j.html
if grep -Eiq 'src=|href="[^#]|url\(|<script|<link' "$H"; then
	fail "html: external asset or script"
else
	ok "html: self-contained"
fi
grep -q '<td class="v v-not-ready">not-ready</td><td class="n">2</td><td class="n">1</td><td class="n">5</td><td class="n">2</td>' "$H" &&
    ok "html: overview row (verdict, the three lists, days)" || fail "html: overview row"
for h in '1. Reporting senders that would fail (they stop delivering at enforce): 2' \
    '2. Would-fail senders with no sign of MTA-STS (they will not notice): 1' \
    '3. Failures reporters saw that this MX did not: 5'; do
	grep -qF "<h3>$h</h3>" "$H" && ok "html: $h" || fail "html: no \"$h\""
done
if command -v python3 >/dev/null 2>&1; then
	python3 -c 'import sys, xml.dom.minidom as m; m.parse(sys.argv[1])' "$H" 2> "$T/xml" &&
	    ok "html: well-formed" || fail "html: not well-formed: $(tail -1 "$T/xml")"
	chromium=$(command -v chromium || command -v chromium-browser || true)
	if [ -n "$chromium" ]; then
		"$chromium" --headless --no-sandbox --disable-gpu --hide-scrollbars \
		    --user-data-dir="$T/profile" --window-size=1000,800 \
		    --screenshot="$T/shot.png" "file://$H" > "$T/chromium.log" 2>&1
		set -- $(python3 "$HERE/png_colours.py" "$T/shot.png" cc3333)
		[ "${3:-0}" -gt 100 ] && ok "html: rendered, not-ready marks visible ($3 px)" ||
		    fail "html render: ${3:-no} red pixels"
	fi
fi
finish

#!/bin/sh
# received.sh - `mtasts-report received`: the TLS-RPT fixtures of
# tests/data/received (written from the RFC 8460 field list, with the quirks
# real reporters send) wrapped as plain JSON, gzip, email (base64,
# quoted-printable and 7bit, nested multipart, an attached message), mbox
# and Maildir; the JSON output checked field by field, duplicates counted
# once, malformed inputs rejected with a one-line reason and exit 1 while
# the rest is reported.
. "${HERE:-$(dirname "$0")}/lib.sh"
D=$DATA/../received

# msg FILE SUBJECT BODY...: an RFC 5322 message (CRLF) with the given body.
msg() {
	out=$1 subject=$2
	shift 2
	{
		printf 'From: TLS reporting <noreply@reporter.example>\n'
		printf 'To: tlsrpt@example.test\n'
		printf 'Subject: %s\n' "$subject"
		printf 'Date: Tue, 03 Mar 2026 01:02:03 +0000\n'
		printf 'Message-ID: <%s@reporter.example>\n' "$(basename "$out")"
		printf 'TLS-Report-Domain: example.test\n'
		printf 'TLS-Report-Submitter: reporter.example\n'
		printf 'MIME-Version: 1.0\n'
		cat "$@"
	} | sed 's/$/\r/' > "$out"
}

# Google: multipart/report, the report gzip'd and base64, a Subject whose
# report-id is not the body's.
{
	printf 'Content-Type: multipart/report; report-type="tlsrpt"; boundary="b1"\n\n'
	printf -- '--b1\nContent-Type: text/plain; charset=us-ascii\n\nThis is an aggregate TLS report.\n'
	printf -- '--b1\nContent-Type: application/tlsrpt+gzip\nContent-Transfer-Encoding: base64\n'
	printf 'Content-Disposition: attachment; filename="google.com!example.test!1772409600!1772495999.json.gz"\n\n'
	gzip -n -c "$D/google.json" | base64
	printf -- '--b1--\n'
} > "$T/google.body"
msg "$T/google.eml" "Report Domain: example.test Submitter: google.com Report-ID: <other-id@google.com>" "$T/google.body"

# Microsoft: nested multipart (mixed > alternative with text/html), the
# report typed application/tlsrpt without +json, not encoded.
{
	printf 'Content-Type: multipart/mixed; boundary="outer"\n\n'
	printf -- '--outer\nContent-Type: multipart/alternative; boundary="inner"\n\n'
	printf -- '--inner\nContent-Type: text/plain\n\nTLS report\n'
	printf -- '--inner\nContent-Type: text/html\n\n<p>TLS report</p>\n'
	printf -- '--inner--\n'
	printf -- '--outer\nContent-Type: application/tlsrpt\nContent-Transfer-Encoding: 7bit\n\n'
	cat "$D/microsoft.json"
	printf -- '--outer--\n'
} > "$T/microsoft.body"
msg "$T/microsoft.eml" "Report Domain: example.test Submitter: microsoft.com" "$T/microsoft.body"

# DANE mailer: only the file name says it is a report.
{
	printf 'Content-Type: multipart/mixed; boundary="x"\n\n'
	printf -- '--x\nContent-Type: text/plain\n\nsee attachment\n'
	printf -- '--x\nContent-Type: application/octet-stream; name="dane.example!example.test.json.gz"\n'
	printf 'Content-Transfer-Encoding: base64\n\n'
	gzip -n -c "$D/tlsa.json" | base64
	printf -- '--x--\n'
} > "$T/tlsa.body"
msg "$T/tlsa.eml" "Report Domain: example.test Submitter: dane.example" "$T/tlsa.body"

# Postfix: the report in a message attached to a forward (message/rfc822),
# quoted-printable (soft line breaks every 60 characters).
{
	printf 'Content-Type: multipart/report; report-type="tlsrpt"; boundary="p"\n\n'
	printf -- '--p\nContent-Type: text/plain\n\nreport\n'
	printf -- '--p\nContent-Type: application/tlsrpt+json\n'
	printf 'Content-Transfer-Encoding: quoted-printable\n\n'
	tr -d '\n' < "$D/postfix.json" | sed 's/=/=3D/g' | fold -w 60 | sed '$!s/$/=/'
	printf '\n--p--\n'
} > "$T/postfix.inner"
msg "$T/postfix.inner.eml" "Report Domain: example.test Submitter: small.example" "$T/postfix.inner"
{
	printf 'Content-Type: multipart/mixed; boundary="fw"\n\n'
	printf -- '--fw\nContent-Type: text/plain\n\nforwarded\n'
	printf -- '--fw\nContent-Type: message/rfc822\n\n'
	tr -d '\r' < "$T/postfix.inner.eml"
	printf -- '--fw--\n'
} > "$T/fwd.body"
msg "$T/fwd.eml" "Fwd: TLS report" "$T/fwd.body"

printf 'Content-Type: text/plain\n\nno report here\n' > "$T/none.body"
msg "$T/none.eml" "hello" "$T/none.body"

# An mbox: the Google report again (a duplicate) and the forward.
{
	printf 'From noreply@google.com Tue Mar  3 01:02:03 2026\n'
	tr -d '\r' < "$T/google.eml"
	printf '\nFrom noreply@small.example Tue Mar  3 01:02:04 2026\n'
	tr -d '\r' < "$T/fwd.eml"
	printf '\n'
} > "$T/box.mbox"

mkdir -p "$T/Maildir/cur" "$T/Maildir/new" "$T/Maildir/tmp"
cp "$T/microsoft.eml" "$T/Maildir/cur/1772500000.M1P1.mx:2,S"
cp "$T/tlsa.eml" "$T/Maildir/new/1772500001.M2P2.mx"
cp "$T/none.eml" "$T/Maildir/new/1772500002.M3P3.mx"
cp "$T/google.eml" "$T/Maildir/tmp/ignored"

cp "$D/google.json" "$T/google.json"
gzip -n -c "$D/overcount.json" > "$T/overcount.bin"

expect_rc 0 "good inputs: exit 0" "$R" received -f json -o "$T/good.json" \
    "$T/google.json" "$T/overcount.bin" "$T/box.mbox" "$T/Maildir/cur/1772500000.M1P1.mx:2,S" \
    "$T/tlsa.eml"
G=$T/good.json
expect_jq "$G" '[.reports[].organization] | join(",")' \
    "Google Inc.,Counting Mailer,mail.small.example,Microsoft Corporation,DANE Mailer" \
    "five reports, in input order"
expect_jq "$G" '[.reports[].source] | join(",")' \
    "$T/google.json,$T/overcount.bin,$T/box.mbox:2,$T/Maildir/cur/1772500000.M1P1.mx:2,S,$T/tlsa.eml" \
    "sources: file, mbox:N, Maildir file"
expect_jq "$G" '.duplicates | map("\(.source) \(.report_id)") | join(",")' \
    "$T/box.mbox:1 2026-03-02T00:00:00Z_example.test" \
    "the emailed Google report is a duplicate (body id, not Subject)"
expect_jq "$G" '.rejected | length' "0" "nothing rejected"

g='.reports[] | select(.organization == "Google Inc.")'
expect_jq "$G" "$g | [.report_id, .contact, .start, .end] | @csv" \
    '"2026-03-02T00:00:00Z_example.test","smtp-tls-reporting@google.com","2026-03-02T00:00:00Z","2026-03-02T23:59:59Z"' \
    "google: id, contact, date range"
expect_jq "$G" "$g | .policies[0] | [.type, .domain, .mode, (.policy_string | join(\"|\")), (.mx_host | join(\",\")), .successful, .failed] | @csv" \
    '"sts","example.test","testing","version: STSv1|mode: testing|mx: mx1.example.test|max_age: 604800","mx1.example.test",120,3' \
    "google: policy lines without the trailing CR"
expect_jq "$G" "$g | .policies[0].failures[0] | [.result_type, .sending_mta_ip, .receiving_mx_hostname, .receiving_ip, .count] | @csv" \
    '"certificate-expired","209.85.220.41","mx1.example.test","192.0.2.25",3' \
    "google: failure details (MX name lower case, no final dot)"

m='.reports[] | select(.organization == "Microsoft Corporation")'
expect_jq "$G" "$m | [.contact, .start, .end, (.policies[0].mx_host | join(\",\"))] | @csv" \
    ',"2026-03-02T00:00:00Z","2026-03-02T23:59:59Z","mx1.example.test"' \
    "microsoft: contact null, zone-less times as UTC, mx-host string"
expect_jq "$G" "$m | .policies[0].failures[0] | [.result_type, .sending_mta_ip, .receiving_mx_hostname, .count, .failure_reason_code] | @csv" \
    '"sts-policy-fetch-error",,,5,"HTTP 404"' "microsoft: failure without IP or MX"
expect_jq "$G" "$m | .part" "part 2 (application/tlsrpt)" "microsoft: the part in nested multipart"

p='.reports[] | select(.organization == "mail.small.example")'
expect_jq "$G" "$p | .policies[0] | [.type, .domain, .domain_from_header, .successful, .failed, (.failures | length)] | @csv" \
    '"no-policy-found","example.test",true,7,0,0' \
    "postfix: no-policy-found without a policy domain takes the TLS-Report-Domain"
expect_jq "$G" "$p | .part" "part 2.2 (application/tlsrpt+json)" "postfix: found in the attached message"

t='.reports[] | select(.organization == "DANE Mailer")'
expect_jq "$G" "$t | .policies[0] | [.type, (.policy_string | join(\"|\"))] | @csv" \
    '"tlsa","3 1 1 0123456789ABCDEF|3 1 1 FEDCBA9876543210"' \
    "tlsa: a policy-string holding a JSON array"
expect_jq "$G" "$t | [.policies[1].type, .policies[1].failures[0].result_type, .policies[1].failures[0].additional] | @csv" \
    '"future-policy","some-new-result","https://dane.example/why"' "unknown policy and result types kept"
expect_jq "$G" "$t | [.start, .part] | @csv" \
    '"2026-03-01T23:00:00Z","part 2 (application/octet-stream, dane.example!example.test.json.gz)"' \
    "tlsa: offset time, part found by its name only"

c='.reports[] | select(.organization == "Counting Mailer")'
expect_jq "$G" "$c | .policies[0] | [.domain, .mode, .failed, .failed_in_details, .counts_disagree] | @csv" \
    '"example.test","enforce",2,5,true' "detail counts above the total: both reported"

expect_jq "$G" '.domains | map("\(.domain) \(.date) \(.reports) \(.successful) \(.failed) \(.failed_in_details)") | join(",")' \
    "example.test 2026-03-02 5 179 10 10,example.test 2026-03-03 1 5 2 5" \
    "domains per policy domain and UTC day"
day='.domains[] | select(.domain == "example.test" and .date == "2026-03-02")'
expect_jq "$G" "$day | .organizations | sort | join(\",\")" \
    "DANE Mailer,Google Inc.,Microsoft Corporation,mail.small.example" "day: organisations"
expect_jq "$G" "$day | .result_types | to_entries | map(\"\(.key)=\(.value)\") | join(\",\")" \
    "sts-policy-fetch-error=5,certificate-expired=3,some-new-result=1,tlsa-invalid=1" "day: failures by result type"
expect_jq "$G" "$day | [.receiving_mx[\"mx1.example.test\"], .receiving_mx.unknown, .receiving_mx[\"mx2.example.test\"], .sending_ip[\"209.85.220.41\"], .sending_ip[\"203.0.113.5\"]] | @csv" \
    "4,5,1,3,2" "day: by receiving MX and sending IP"

# --domain and the window.
expect_rc 0 "--domain" "$R" received -f json --domain EXAMPLE.test. -o "$T/dom.json" \
    "$T/google.json" "$T/box.mbox"
expect_jq "$T/dom.json" '[.reports[].organization] | join(",")' "Google Inc.,mail.small.example" \
    "--domain keeps the reports for that domain"
expect_rc 0 "--domain, another" "$R" received -f json --domain other.test -o "$T/dom2.json" \
    "$T/google.json" "$T/box.mbox"
expect_jq "$T/dom2.json" '.reports | length' "0" "--domain drops reports for other domains"

# A report file has no header: a policy without a domain stays without one.
expect_rc 0 "no policy domain" "$R" received -f json -o "$T/nd.json" "$D/postfix.json"
expect_jq "$T/nd.json" '[.reports[0].policies[0].domain, .reports[0].policies[0].domain_from_header, (.domains | map("\(.domain) \(.date) \(.successful)") | join(","))] | @csv' \
    ',false,"null 2026-03-02 7"' "a report file: domain null, its own day row"
expect_rc 0 "--since/--until" "$R" received -f json --since 2026-03-03 --until 2026-03-03 \
    -o "$T/win.json" "$T/google.json" "$T/overcount.bin"
expect_jq "$T/win.json" '[.reports[].organization] | join(",")' "Counting Mailer" \
    "the window keeps the reports of its days"

# A gzip'd mbox and a gzip'd message are inflated and walked; reports sent
# inline (the JSON as a text/plain body, or in a later text/plain part of a
# multipart) are read when the message has no report attachment.
gzip -n -c "$T/box.mbox" > "$T/box.mbox.gz"
gzip -n -c "$T/tlsa.eml" > "$T/tlsa.eml.gz"
{
	printf 'Content-Type: text/plain; charset=utf-8\n'
	printf 'Content-Transfer-Encoding: base64\n\n'
	base64 < "$D/microsoft.json"
} > "$T/inline.body"
msg "$T/inline.eml" "Report Domain: example.test Submitter: microsoft.com" "$T/inline.body"
{
	printf 'Content-Type: multipart/mixed; boundary="t"\n\n'
	printf -- '--t\nContent-Type: text/plain\n\nThe report follows. {not json}\n'
	printf -- '--t\nContent-Type: text/html\n\n<pre>{"report-id": "x"}</pre>\n'
	printf -- '--t\nContent-Type: text/plain\n\n'
	cat "$D/overcount.json"
	printf -- '--t--\n'
} > "$T/inline2.body"
msg "$T/inline2.eml" "Report Domain: example.test Submitter: counting.example" "$T/inline2.body"
expect_rc 0 "gzip'd mbox and message, inline reports" "$R" received -f json -o "$T/gzi.json" \
    "$T/box.mbox.gz" "$T/tlsa.eml.gz" "$T/inline.eml" "$T/inline2.eml"
expect_jq "$T/gzi.json" '[.reports[] | "\(.source | sub(".*/"; "")) \(.organization) \(.part)"] | join(",")' \
    "box.mbox.gz:1 Google Inc. part 2 (application/tlsrpt+gzip, google.com!example.test!1772409600!1772495999.json.gz),box.mbox.gz:2 mail.small.example part 2.2 (application/tlsrpt+json),tlsa.eml.gz DANE Mailer part 2 (application/octet-stream, dane.example!example.test.json.gz),inline.eml Microsoft Corporation part 1 (text/plain),inline2.eml Counting Mailer part 3 (text/plain)" \
    "sources, organisations and parts"
expect_jq "$T/gzi.json" '[(.rejected | length), (.reports[] | select(.organization == "Microsoft Corporation") | .policies[0].failures[0].count)] | @csv' \
    "0,5" "inline report read in full, nothing rejected"
gzip -n -c "$T/none.eml" > "$T/none.eml.gz"
printf 'just some text\n' | gzip -n > "$T/text.gz"
head -c 300 "$T/box.mbox.gz" > "$T/cut.mbox.gz"
expect_rc 1 "gzip'd inputs without a report" "$R" received -f json -o "$T/gzb.json" \
    "$T/none.eml.gz" "$T/text.gz" "$T/cut.mbox.gz"
expect_jq "$T/gzb.json" '.rejected | map("\(.source | sub(".*/"; "")): \(.error)") | .[]' \
"none.eml.gz: no TLS-RPT report in the message (no application/tlsrpt, gzip or json part, nor a *.json or *.gz file)
text.gz: not JSON: line 1 column 4: '[' or '{' expected near 'just'
cut.mbox.gz: gzip: truncated gzip data (unexpected end)" "one-line reasons for gzip'd inputs"

# Malformed inputs: each rejected with one line, the rest still reported.
head -c 200 "$T/overcount.bin" > "$T/truncated.json.gz"
head -c 200000000 /dev/zero | gzip -1 -n > "$T/bomb.json.gz"
{ i=0; while [ $i -lt 2000 ]; do printf '['; i=$((i + 1)); done; } > "$T/deep.json"
expect_rc 1 "malformed inputs: exit 1" "$R" received -f json -o "$T/bad.json" \
    "$T/google.json" "$D/bad-no-end.json" "$D/bad-no-id.json" "$D/bad-org-type.json" \
    "$D/bad-policies-type.json" "$D/bad-date.json" "$D/bad-truncated.json" \
    "$T/truncated.json.gz" "$T/bomb.json.gz" "$T/deep.json" "$T/Maildir" \
    "$T/none.eml" "$T/nonexistent.json"
B=$T/bad.json
expect_jq "$B" '[.reports[].organization] | join(",")' \
    "Google Inc.,Microsoft Corporation,DANE Mailer" "good reports still read"
expect_jq "$B" '.rejected | map(.error) | .[]' \
"date-range has no end-datetime
missing report-id
organization-name is not a string
policies is not an array
date-range start-datetime \"yesterday\" is not an RFC 3339 date-time
not JSON: line 2 column 0: string or '}' expected near end of file
gzip: truncated gzip data (unexpected end)
gzip: decompresses to more than 20971520 bytes (gzip bomb?): not expanded further
JSON nested deeper than 16 levels
no TLS-RPT report in the message (no application/tlsrpt, gzip or json part, nor a *.json or *.gz file)
no TLS-RPT report in the message (no application/tlsrpt, gzip or json part, nor a *.json or *.gz file)
cannot open: No such file or directory" "one-line reasons"
expect_jq "$B" '.rejected | map(.source | sub(".*/"; "")) | join(",")' \
    "bad-no-end.json,bad-no-id.json,bad-org-type.json,bad-policies-type.json,bad-date.json,bad-truncated.json,truncated.json.gz,bomb.json.gz,deep.json,1772500002.M3P3.mx,none.eml,nonexistent.json" \
    "rejected sources"
n=$(grep -c 'mtasts-report received: ' "$T/err")
[ "$n" -eq 12 ] && ok "one stderr line per rejected input" || fail "stderr lines: $n, want 12"

# The text format names the same things.
expect_rc 0 "text format" "$R" received "$T/google.json" "$T/overcount.bin"
grep -q '^example.test 2026-03-03: 1 report, 5 sessions ok, 2 failed (failure details add up to 5)' "$T/out" &&
    ok "text: per day with both counts" || fail "text: $(head -5 "$T/out")"
# A Maildir's owner cannot stall the reader: a FIFO (or anything but a
# regular file) in cur/ or new/ is rejected, not opened and waited on.
mkdir -p "$T/Fifo/cur" "$T/Fifo/new"
cp "$T/microsoft.eml" "$T/Fifo/new/1772500000.M1P1.mx"
mkfifo "$T/Fifo/cur/1772500001.M2P2.mx"
expect_rc 1 "a FIFO in a Maildir: rejected, not waited on" \
    timeout 20 "$R" received -f json -o "$T/fifo.json" "$T/Fifo"
expect_jq "$T/fifo.json" '[.reports[].organization, (.rejected[] | .error)] | join(",")' \
    "Microsoft Corporation,not a regular file" "the FIFO named, the message read"

# An INPUT that can be read only once (a FIFO, <(zcat ...)) is read as
# it is: not looked into first to tell a milter log, which ate its start.
mkfifo "$T/in.fifo"
cat "$T/google.json" > "$T/in.fifo" &
expect_rc 0 "a FIFO as an INPUT" timeout 20 "$R" received -f json -o "$T/fifo-in.json" "$T/in.fifo"
wait
expect_jq "$T/fifo-in.json" '[.reports[].organization, .rejected[].error] | join(",")' \
    "Google Inc." "the report through a FIFO read whole"

# A file name that is not UTF-8 is shown printable, not dropped from the
# JSON (jansson refuses such a string: the report vanished, exit 0).
odd=$(printf '%s/g\377.json' "$T")
cp "$T/google.json" "$odd"
expect_rc 1 "a file name that is not UTF-8" "$R" received -f json -o "$T/odd.json" \
    "$odd" "$(printf '%s/gone\377.json' "$T")"
expect_jq "$T/odd.json" '[.reports[].source, .rejected[].source] | map(sub(".*/"; "")) | join(",")' \
    "g?.json,gone?.json" "its report and its rejection listed, the name printable"

# Report parts past the bound of a message are not dropped in silence.
{
	printf 'Content-Type: multipart/report; report-type="tlsrpt"; boundary="p"\n\n'
	i=0
	while [ $i -lt 65 ]; do
		printf -- '--p\nContent-Type: application/tlsrpt+json\n\n'
		sed "s/\"report-id\": *\"[^\"]*\"/\"report-id\":\"part$i\"/" "$T/google.json"
		i=$((i + 1))
	done
	printf -- '--p--\n'
} > "$T/parts.body"
msg "$T/parts.eml" "65 reports" "$T/parts.body"
expect_rc 1 "65 report parts in one message" "$R" received -f json -o "$T/parts.json" "$T/parts.eml"
expect_jq "$T/parts.json" '[(.reports | length), (.reports | map(.report_id) | unique | length), (.rejected[] | .error)] | map(tostring) | join(",")' \
    "64,64,more than 64 report parts: the rest not read" "64 read, the rest rejected"

# Counts a reporter makes up cannot wrap the totals: an integer above the
# bound is read as 0 (as a real or a string of digits is), and sums stop
# at their bound instead of wrapping (to a negative, or a small number).
huge() {
	printf '{"organization-name":"Huge %s","report-id":"h%s","date-range":' "$1" "$1"
	printf '{"start-datetime":"2026-03-04T00:00:00Z","end-datetime":"2026-03-04T23:59:59Z"},'
	printf '"policies":[{"policy":{"policy-type":"sts","policy-domain":"huge.test"},'
	printf '"summary":{"total-successful-session-count":%s,"total-failure-session-count":%s},' "$2" "$2"
	printf '"failure-details":[{"result-type":"x","failed-session-count":%s},' "$2"
	printf '{"result-type":"x","failed-session-count":%s}]}]}\n' "$2"
}
huge 1 9223372036854775807 > "$T/huge1.json"
huge 2 1000000000000000 > "$T/huge2.json"
huge 3 1000000000000000 > "$T/huge3.json"
expect_rc 0 "absurd counts" "$R" received -f json -o "$T/huge.json" \
    "$T/huge1.json" "$T/huge2.json" "$T/huge3.json"
expect_jq "$T/huge.json" '[.reports[].policies[0].successful] | map(tostring) | join(",")' \
    "0,1000000000000000,1000000000000000" "an integer count above 10^15 is read as 0"
expect_jq "$T/huge.json" '.domains[0] | [.successful, .failed, .failed_in_details] | map(tostring) | join(",")' \
    "2000000000000000,2000000000000000,4000000000000000" "totals of bounded counts"
many() {
	printf '{"organization-name":"Many","report-id":"%s","date-range":{"start-datetime":"2026-03-04T00:00:00Z","end-datetime":"2026-03-04T23:59:59Z"},"policies":[{"policy":{"policy-type":"sts","policy-domain":"huge.test"},"failure-details":[' "$1"
	i=0; while [ $i -lt 9999 ]; do printf '{"result-type":"x","failed-session-count":1000000000000000},'; i=$((i + 1)); done
	printf '{"result-type":"x","failed-session-count":1000000000000000}]}]}\n'
}
many m1 > "$T/many1.json"
many m2 > "$T/many2.json"
expect_rc 0 "10000 failures of 10^15" "$R" received -f json -o "$T/many.out" \
    "$T/many1.json" "$T/many2.json" "$T/huge2.json"
expect_jq "$T/many.out" '[.reports[0].policies[0].failed_in_details, .domains[0].failed_in_details, .domains[0].result_types.x, .domains[0].receiving_mx.unknown] | map(. >= 1000000000000000000) | join(",")' \
    "true,true,true,true" "sums saturate instead of wrapping"
expect_rc 2 "usage error" "$R" received --format pdf x
finish

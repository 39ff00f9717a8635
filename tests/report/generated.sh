#!/bin/sh
# generated.sh - mtasts-report on generated logs against jq as reference:
# per-domain/result/reason counts, the merge of two hosts' logs (one of
# them gzip) equal to the single log, windowing, a truncated gzip file.
. "${HERE:-$(dirname "$0")}/lib.sh"
: "${GENLOG:?}" "${BENCH:?}"

"$GENLOG" 50000 7 2026-02-01 10 > "$T/all.jsonl"

# same_counts REPORT-JSON LOG WHAT: message counts agree with counts.jq.
same_counts() {
	"$JQ" -S -f "$BENCH/report-counts.jq" "$1" > "$T/got"
	"$JQ" -n -S -f "$BENCH/counts.jq" "$2" > "$T/want"
	if cmp -s "$T/got" "$T/want"; then
		ok "$3"
	else
		fail "$3: $(diff "$T/got" "$T/want" | head -10)"
	fi
}

expect_rc 0 "generated log" "$R" -f json -o "$T/all.json" "$T/all.jsonl"
same_counts "$T/all.json" "$T/all.jsonl" "counts agree with jq"
conns=$(grep -c '"event":"connection"' "$T/all.jsonl")
expect_jq "$T/all.json" '.input.sessions_without_domain' "$conns" "connections counted"
expect_jq "$T/all.json" '.domains[] | select(.domain == "example.com") | .days | length' \
    '10' "ten days"

# Two hosts: the merge must equal the single log (list order aside).
grep '"host":"mx1.example.com"' "$T/all.jsonl" > "$T/mx1.jsonl"
grep -v '"host":"mx1.example.com"' "$T/all.jsonl" | gzip -c > "$T/mx2.jsonl.gz"
expect_rc 0 "merge of mx1 (plain) and mx2 (gzip)" "$R" -f json -o "$T/merged.json" \
    "$T/mx1.jsonl" "$T/mx2.jsonl.gz"
norm='del(.generated) | walk(if type == "array" then sort else . end)'
"$JQ" -S "$norm" "$T/all.json" > "$T/a"
"$JQ" -S "$norm" "$T/merged.json" > "$T/b"
cmp -s "$T/a" "$T/b" && ok "merged report equals the single-log report" ||
    fail "merge differs: $(diff "$T/a" "$T/b" | head -10)"
expect_jq "$T/merged.json" '.input.lines' 50000 "all lines of both files read"

# Window: --until DATE includes that whole day.
expect_rc 0 "window" "$R" -f json --since 2026-02-03 --until 2026-02-05 \
    -o "$T/w.json" "$T/all.jsonl"
"$JQ" -c 'select(.ts >= "2026-02-03" and .ts < "2026-02-06")' "$T/all.jsonl" > "$T/w.jsonl"
same_counts "$T/w.json" "$T/w.jsonl" "windowed counts agree with jq"
expect_jq "$T/w.json" '[.window.days, (.domains[0].days | map(.date) | join(" "))] | @csv' \
    '3,"2026-02-03 2026-02-04 2026-02-05"' "window days"

# A truncated gzip file: reported, exit 1, the lines before it counted.
gzip -c "$T/all.jsonl" | head -c 200000 > "$T/cut.jsonl.gz"
expect_rc 1 "truncated gzip" "$R" -f json "$T/cut.jsonl.gz"
grep -q 'truncated gzip' "$T/err" && ok "truncation named" ||
    fail "truncation message: $(cat "$T/err")"
lines=$("$JQ" -r '.input.lines' "$T/out")
[ "$lines" -gt 1000 ] && [ "$lines" -lt 50000 ] && ok "lines before the cut read ($lines)" ||
    fail "lines read from the truncated file: $lines"
finish

#!/bin/sh
# bench.sh - mtasts-report against jq on BENCH_LINES (default 1,000,000)
# generated log lines: both compute the per-domain, per-result and
# per-reason message counts, which must agree; prints lines/s and peak RSS
# of each. Fails when mtasts-report is not 10x faster than jq or needs
# 200 MB or more. Exit 77 (skipped) without jq or /usr/bin/time.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
lines=${BENCH_LINES:-1000000}
genlog=${GENLOG:-./genlog}
report=${MTASTS_REPORT:?set MTASTS_REPORT to the mtasts-report binary}
jq=${JQ:-jq}
command -v "$jq" >/dev/null 2>&1 || { echo "bench: jq not found"; exit 77; }
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time not found"; exit 77; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

"$genlog" "$lines" 1 > "$tmp/log.jsonl"
echo "bench: $lines lines, $(($(wc -c < "$tmp/log.jsonl") / 1048576)) MiB"

# measure NAME OUTPUT CMD...: runs CMD, leaves "seconds kilobytes" in NAME.time
measure() {
	name=$1 out=$2
	shift 2
	/usr/bin/time -f '%e %M' -o "$tmp/$name.time" "$@" > "$out"
}

measure report "$tmp/report.json" "$report" --format json "$tmp/log.jsonl"
measure jq "$tmp/jq.json" "$jq" -n -c -f "$here/counts.jq" "$tmp/log.jsonl"

"$jq" -S -f "$here/report-counts.jq" "$tmp/report.json" > "$tmp/a"
"$jq" -S . "$tmp/jq.json" > "$tmp/b"
if ! cmp -s "$tmp/a" "$tmp/b"; then
	echo "bench: FAIL: mtasts-report and jq disagree:"
	diff "$tmp/a" "$tmp/b" | head -20
	exit 1
fi

awk -v lines="$lines" -v r="$(cat "$tmp/report.time")" \
    -v j="$(cat "$tmp/jq.time")" 'BEGIN {
	split(r, rt, " "); split(j, jt, " ")
	rs = rt[1] > 0 ? rt[1] : 0.01; js = jt[1] > 0 ? jt[1] : 0.01
	printf "bench: mtasts-report %.2f s, %d lines/s, peak RSS %.1f MB\n",
	    rs, lines / rs, rt[2] / 1024
	printf "bench: jq            %.2f s, %d lines/s, peak RSS %.1f MB\n",
	    js, lines / js, jt[2] / 1024
	printf "bench: speed-up %.1fx (goal >= 10x), counts agree\n", js / rs
	bad = 0
	if (js / rs < 10) { print "bench: FAIL: less than 10x faster than jq"; bad = 1 }
	if (rt[2] >= 200 * 1024) { print "bench: FAIL: 200 MB or more"; bad = 1 }
	exit bad
}'

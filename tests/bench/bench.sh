#!/bin/sh
# bench.sh - mtasts-report against jq (and DuckDB when it is installed) on
# BENCH_LINES (default 1,000,000) generated log lines (genlog: 5,000
# senders, 2,000 recipient domains, 4 hosts, 30 days): mtasts-report with
# --threads 1 and with its default threads, jq computing the per-domain
# message counts by result and by reason and the recipients (which must
# agree with the report's), DuckDB the per-domain/sender/day/result/
# reasons aggregation (its per-domain counts must agree too). BENCH_ROUNDS rounds (3), each running
# every contender once, starting one further along each round, so that
# the host's other load falls on all alike (jq runs once: it is slow).
# Prints the median wall time, the median user+sys CPU time and the peak
# RSS of each, and the load average of each round.
#   BENCH_OTHER_REPORT=/path/to/an/older/mtasts-report: "before" contender
#   BENCH_DUCKDB=DIR: DIR/node_modules has @duckdb/node-api (npm install
#     @duckdb/node-api in DIR, outside the source tree); node on PATH
# Fails when mtasts-report needs more than a tenth of jq's CPU time (CPU,
# not wall: on a shared host the wall time of a single jq run swings with
# the load), needs 200 MB or more, or its --threads 1 report differs from
# the threaded one. Exit 77
# (skipped) without jq or /usr/bin/time.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
lines=${BENCH_LINES:-1000000}
rounds=${BENCH_ROUNDS:-3}
genlog=${GENLOG:-./genlog}
report=${MTASTS_REPORT:?set MTASTS_REPORT to the mtasts-report binary}
other=${BENCH_OTHER_REPORT:-}
duckdb=${BENCH_DUCKDB:-}
jq=${JQ:-jq}
command -v "$jq" >/dev/null 2>&1 || { echo "bench: jq not found"; exit 77; }
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time not found"; exit 77; }
if [ -n "$duckdb" ] && { ! command -v node >/dev/null 2>&1 ||
    [ ! -d "$duckdb/node_modules/@duckdb/node-api" ]; }; then
	echo "bench: no node or no $duckdb/node_modules/@duckdb/node-api: DuckDB left out"
	duckdb=
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

"$genlog" "$lines" 1 > "$tmp/log.jsonl"
echo "bench: $lines lines, $(($(wc -c < "$tmp/log.jsonl") / 1048576)) MiB," \
    "$(getconf _NPROCESSORS_ONLN) CPUs"

# run NAME: one timed run of contender NAME; appends "wall cpu kB" to
# NAME.times and leaves its output in NAME.out.
run() {
	case $1 in
	report-1) set -- "$1" "$report" --threads 1 --format json "$tmp/log.jsonl" ;;
	report) set -- "$1" "$report" --format json "$tmp/log.jsonl" ;;
	before) set -- "$1" "$other" --format json "$tmp/log.jsonl" ;;
	duckdb) set -- "$1" env NODE_PATH="$duckdb/node_modules" node \
	    "$here/duckdb-agg.cjs" "$tmp/log.jsonl" "$(getconf _NPROCESSORS_ONLN)" ;;
	jq) set -- "$1" "$jq" -n -c -f "$here/counts.jq" "$tmp/log.jsonl" ;;
	esac
	name=$1
	shift
	/usr/bin/time -f '%e %U %S %M' -o "$tmp/t" "$@" > "$tmp/$name.out"
	awk '{ printf "%s %.2f %s\n", $1, $2 + $3, $4 }' "$tmp/t" >> "$tmp/$name.times"
}

set -- report report-1
[ -n "$other" ] && set -- "$@" before
[ -n "$duckdb" ] && set -- "$@" duckdb
n=$#
for r in $(seq 1 "$rounds"); do
	echo "bench: round $r, load average $(cut -d' ' -f1-3 /proc/loadavg)"
	i=0
	while [ $i -lt $n ]; do
		k=$(( (i + r - 1) % n + 1 ))
		eval "run \${$k}"
		i=$((i + 1))
	done
done
run jq

fail=0
"$jq" -S -f "$here/report-counts.jq" "$tmp/report.out" > "$tmp/a"
"$jq" -S . "$tmp/jq.out" > "$tmp/b"
if ! cmp -s "$tmp/a" "$tmp/b"; then
	echo "bench: FAIL: mtasts-report and jq disagree:"
	diff "$tmp/a" "$tmp/b" | head -20
	fail=1
fi
grep -v '"generated"' "$tmp/report.out" > "$tmp/a"
grep -v '"generated"' "$tmp/report-1.out" > "$tmp/b"
cmp -s "$tmp/a" "$tmp/b" || { echo "bench: FAIL: --threads 1 differs"; fail=1; }
if [ -n "$duckdb" ]; then
	"$jq" -S -f "$here/report-counts.jq" "$tmp/report.out" > "$tmp/a"
	"$jq" -S . "$tmp/duckdb.out" > "$tmp/b"
	cmp -s "$tmp/a" "$tmp/b" ||
	    { echo "bench: FAIL: DuckDB and mtasts-report disagree"; fail=1; }
fi

# med COLUMN FILE: the median of one column of FILE.
med() {
	sort -n -k"$1" "$2" | awk -v c="$1" '{ v[NR] = $c }
	    END { print v[int((NR + 1) / 2)] }'
}
for name in "$@" jq; do
	echo "$name $(med 1 "$tmp/$name.times") $(med 2 "$tmp/$name.times")" \
	    "$(sort -n -k3 "$tmp/$name.times" | tail -1 | cut -d' ' -f3)" \
	    > "$tmp/$name.med"
done
cat "$tmp"/*.med | awk -v lines="$lines" -v fail="$fail" '
{ name[NR] = $1; wall[$1] = $2 > 0 ? $2 : 0.01; cpu[$1] = $3; rss[$1] = $4 }
END {
	for (i = 1; i <= NR; i++) {
		k = name[i]
		printf "bench: %-9s %6.2f s wall, %6.2f s CPU, %8d lines/s, peak RSS %6.1f MB\n",
		    k, wall[k], cpu[k], lines / wall[k], rss[k] / 1024
	}
	r = wall["report"]
	c = cpu["report"] > 0 ? cpu["report"] : 0.01
	printf "bench: over jq %.1fx wall, %.1fx CPU (goal >= 10x CPU), counts agree\n",
	    wall["jq"] / r, cpu["jq"] / c
	printf "bench: threads: %.2fx of --threads 1\n", wall["report-1"] / r
	if ("before" in wall)
		printf "bench: before/after: %.2fx\n", wall["before"] / r
	if ("duckdb" in wall)
		printf "bench: over DuckDB: %.2fx wall, %.2fx CPU (goal >= 1.5x wall)\n",
		    wall["duckdb"] / r, cpu["duckdb"] / c
	bad = fail
	if (cpu["jq"] / c < 10) { print "bench: FAIL: more than a tenth of jq'"'"'s CPU time"; bad = 1 }
	if (rss["report"] >= 200 * 1024) { print "bench: FAIL: 200 MB or more"; bad = 1 }
	exit bad
}'

#!/bin/sh
# report-diff.sh - differential check of two mtasts-report binaries: OLD
# (a build before a change) and NEW must write the same bytes (standard
# output, standard error, exit status) for every format, --threads 1 and
# the default, windows, --domain filters and --top, on generated logs
# (genlog; one with malformed, over-long, CRLF and empty lines), subsets
# of DIFF_LOG (a big log, e.g. bench.sh's 1M lines), the fixture, gzip
# and standard input. "generated" and the TLS-RPT report-id (the time
# and pid of the run) are blanked.
#   OLD=old/mtasts-report NEW=new/mtasts-report GENLOG=genlog \
#   DATA=tests/data/report [DIFF_LOG=/path/1m.jsonl] sh report-diff.sh
set -u
: "${OLD:?}" "${NEW:?}" "${GENLOG:?}" "${DATA:?}"
big=${DIFF_LOG:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
runs=0 bad=0

# one LABEL ARGS...: run both binaries, compare.
one() {
	label=$1
	shift
	for b in old new; do
		[ $b = old ] && bin=$OLD || bin=$NEW
		"$bin" "$@" < "${STDIN:-/dev/null}" 2> "$tmp/$b.err" |
		    sed -e 's/"generated": "[^"]*"/"generated": ""/' \
		    -e 's/_[0-9]*@mtasts-report/_@mtasts-report/g' > "$tmp/$b.out"
		echo "exit $?" >> "$tmp/$b.err"
	done
	runs=$((runs + 1))
	if ! cmp -s "$tmp/old.out" "$tmp/new.out" ||
	    ! cmp -s "$tmp/old.err" "$tmp/new.err"; then
		bad=$((bad + 1))
		echo "DIFF: $label: $*"
		cmp "$tmp/old.out" "$tmp/new.out" | head -2
		cmp "$tmp/old.err" "$tmp/new.err" | head -2
	fi
}

# matrix FILE... : every format x threads x option set.
matrix() {
	for opts in "" "--since 2026-01-05 --until 2026-01-20T12:00:00Z" \
	    "--domain example.com --domain rcpt3.fr --domain a.example" \
	    "--top 0" "--top 3" "--top 1000000" \
	    "--since 2026-03-02 --domain b.example --top 1"; do
		for f in text json tlsrpt html; do
			for t in "--threads 1" "" "--threads 3"; do
				# shellcheck disable=SC2086
				one "$f" $t $opts -f "$f" "$@"
			done
		done
	done
}

"$GENLOG" 60000 40 2026-01-01 3 | awk '
	NR % 7001 == 0 { print "{\"ts\":\"broken " NR "\"" }
	NR == 31000 { s = "{\"x\":\""; while (length(s) < 70000) s = s s; print s }
	NR % 5003 == 0 { printf "%s\r\n", $0; print ""; next }
	{ print }' > "$tmp/gen.jsonl"
"$GENLOG" 30000 5 2026-03-01 > "$tmp/gen2.jsonl"
gzip -c "$DATA/small.jsonl" > "$tmp/small.jsonl.gz"
matrix "$DATA/small.jsonl"
matrix "$tmp/gen.jsonl"
matrix "$tmp/gen2.jsonl" "$tmp/small.jsonl.gz" "$DATA/small.jsonl"
STDIN=$tmp/gen2.jsonl one "stdin json" -f json
STDIN=$tmp/gen2.jsonl one "stdin text" -f text -
if [ -n "$big" ]; then
	head -n 1000 "$big" > "$tmp/b1k.jsonl"
	head -n 100000 "$big" > "$tmp/b100k.jsonl"
	matrix "$tmp/b1k.jsonl"
	for f in text json tlsrpt html; do
		for t in "--threads 1" ""; do
			# shellcheck disable=SC2086
			one "$f 100k" $t -f $f "$tmp/b100k.jsonl"
			# shellcheck disable=SC2086
			one "$f big" $t -f $f "$big"
		done
	done
	one "json big window" --since 2026-01-10 --until 2026-01-12 -f json "$big"
	one "json big domain" --domain rcpt3.fr --top 50 -f json "$big"
fi
echo "report-diff: $runs runs, $bad differ"
[ "$bad" -eq 0 ]

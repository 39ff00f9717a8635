#!/bin/sh
# threads.sh - mtasts-report --threads N: a file read in N parts by N
# threads gives byte for byte the report and the messages of one pass, in
# every format, on the fixture and on generated logs with malformed,
# over-long, CRLF and empty lines spread over the parts, several files
# (one of them gzip, read whole), a window and a --domain filter.
. "${HERE:-$(dirname "$0")}/lib.sh"
: "${GENLOG:?}"

# The generated log: 60,000 records, a malformed line every 7,001 lines
# (so that the quoted examples come from several parts), one line over
# the 65,536-byte limit, CRLF and empty lines, no newline at the end.
"$GENLOG" 60000 5 2026-03-01 12 | awk '
	NR % 7001 == 0 { print "{\"ts\":\"broken " NR "\"" }
	NR == 31000 { s = "{\"x\":\""; while (length(s) < 70000) s = s s; print s }
	NR % 5003 == 0 { printf "%s\r\n", $0; print ""; next }
	{ print }' > "$T/gen.jsonl"
printf '{"ts":"no newline at the end"' >> "$T/gen.jsonl"
gzip -c "$DATA/small.jsonl" > "$T/small.jsonl.gz"

# same_output DESCRIPTION ARGS...: --threads 1 and 2, 3 and 7 agree on
# standard output and standard error, in every format.
same_output() {
	what=$1
	shift
	for format in text json html tlsrpt; do
		for n in 1 2 3 7; do
			"$R" --threads "$n" -f "$format" "$@" 2> "$T/err.$n" |
			    sed -e 's/"generated": "[^"]*"/"generated": ""/' \
			    -e 's/_[0-9]*@mtasts-report/_@mtasts-report/g' \
			    > "$T/out.$n"
			echo "exit $?" >> "$T/err.$n"
		done
		bad=
		for n in 2 3 7; do
			cmp -s "$T/out.1" "$T/out.$n" && cmp -s "$T/err.1" "$T/err.$n" ||
			    bad="$bad $n"
		done
		first=${bad# }
		first=${first%% *}
		if [ -z "$bad" ] && [ -s "$T/out.1" ]; then
			ok "$what, $format: one thread equals 2, 3, 7"
		else
			fail "$what, $format: differs with threads$bad:" \
			    "$(diff "$T/out.1" "$T/out.${first:-1}" | head -5)" \
			    "$(diff "$T/err.1" "$T/err.${first:-1}" | head -5)"
		fi
	done
}

same_output "fixture" "$DATA/small.jsonl"
same_output "generated" "$T/gen.jsonl"
same_output "window and domain" --since 2026-03-03 --until 2026-03-09 \
    --domain example.com "$T/gen.jsonl"
same_output "several files" "$DATA/small.jsonl" "$T/gen.jsonl" \
    "$T/small.jsonl.gz" "$T/gen.jsonl"

# The parts really are read: the malformed lines are quoted with their
# line in the whole file, and every line is counted.
"$R" --threads 3 -f json -o "$T/g.json" "$T/gen.jsonl" 2> "$T/err"
grep -n -E '^\{"(ts":"broken|x":")' "$T/gen.jsonl" | head -5 | cut -d: -f1 > "$T/want"
sed -n 's/.*gen\.jsonl:\([0-9]*\): malformed.*/\1/p' "$T/err" > "$T/got"
cmp -s "$T/got" "$T/want" && [ "$(wc -l < "$T/want")" -eq 5 ] &&
    ok "malformed lines quoted with their line in the file" ||
    fail "malformed line numbers: $(cat "$T/got" | tr '\n' ' '), want $(cat "$T/want" | tr '\n' ' ')"
expect_jq "$T/g.json" '.input.lines' "$(grep -c . "$T/gen.jsonl")" \
    "every non-empty line counted"

expect_rc 2 "--threads 0 refused" "$R" --threads 0 "$DATA/small.jsonl"
grep -q 'bad --threads "0"' "$T/err" && ok "--threads 0 named" ||
    fail "--threads 0 message: $(cat "$T/err")"
expect_rc 2 "--threads 17 refused" "$R" --threads 17 "$DATA/small.jsonl"
finish

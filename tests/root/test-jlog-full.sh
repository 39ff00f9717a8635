#!/usr/bin/env bash
# test-jlog-full.sh - the JSON log on a full disk (a 64 KiB tmpfs): every
# line in the file stays one valid JSON object (a line cut short is taken
# back, the next record is never glued to it); the records lost are all
# counted, and the report names ENOSPC, not EIO; once space comes back
# (a filler file removed) the writer resumes with whole lines. With strace,
# the same again with ftruncate failing: the fragment of the cut line must
# then stand alone on one line, and nothing else be lost or glued.
set -u
. "$(dirname "$0")/lib.sh"
JQ=${JQ:-jq}
JLOGFILL=${JLOGFILL:-./jlogfill}
root_setup "$JQ"
[ -x "$JLOGFILL" ] || { echo "FAIL: $JLOGFILL not built"; exit 1; }

# Every line parses on its own as an object (jq -R: a glued line would not).
valid_count() { "$JQ" -R 'fromjson? | objects | .seq' "$1" | wc -l; }
ends_whole() { [ "$(tail -c 1 "$1" | od -An -c | tr -d ' ')" = '\n' ]; }
first=300 second=40 size=200

# fill NAME [LAUNCHER...]: a 64 KiB disk, half taken by a filler that is
# removed halfway through; sets log, lines, valid.
fill() {
	local name=$1 disk=$WORK/$1
	shift
	root_tmpfs "$disk" 64k
	dd if=/dev/zero of="$disk/filler" bs=4096 count=8 status=none
	log=$disk/sessions.jsonl
	"$@" "$JLOGFILL" "$log" $first $size "$disk/filler" $second \
	    2>"$WORK/$name.syslog"
	check "$name: jlogfill ran" test $? = 0
	lines=$(wc -l <"$log")
	valid=$(valid_count "$log")
	check "$name: the disk filled up: $valid of $((first + second)) records written" \
		test "$valid" -gt 0 -a "$valid" -lt $((first + second))
	check "$name: the file ends with a whole line" ends_whole "$log"
	check "$name: no record written twice" test \
		"$("$JQ" -R 'fromjson? | .seq' "$log" | sort -n | uniq | wc -l)" = "$valid"
	resumed=$("$JQ" -R "fromjson? | select(.seq >= $first)" "$log" | "$JQ" -s length)
	check "$name: after space came back all $second new records were written ($resumed)" \
		test "$resumed" = $second
	report=$(grep 'records lost since start' "$WORK/$name.syslog" | tail -n 1)
	echo "$name: report: $report"
	lost=$((first + second - valid))
	check "$name: the report counts all $lost lost records and names ENOSPC" \
		grep -q "$lost records lost since start: $lost not written (last error: No space left on device), 0 dropped" <<<"$report"
	check "$name: syslog says when writing resumes" \
		grep -q 'writing again' "$WORK/$name.syslog"
}

fill truncated
check "truncated: every line is one JSON object" test "$valid" = "$lines"

if command -v strace >/dev/null 2>&1 &&
    strace -o /dev/null -e inject=ftruncate:error=EIO true 2>/dev/null; then
	fill fragment env "ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
	    strace -f -o /dev/null -e trace=ftruncate -e inject=ftruncate:error=EIO
	check "fragment: one line holds the fragment, alone; the rest are objects" \
		test "$lines" = $((valid + 1))
else
	echo "SKIP: strace cannot make ftruncate fail here"
fi
root_done

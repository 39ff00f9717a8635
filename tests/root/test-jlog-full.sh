#!/usr/bin/env bash
# test-jlog-full.sh - the JSON log on a full disk (a 64 KiB tmpfs): every
# line in the file stays one valid JSON object (a line cut short is taken
# back, the next record is never glued to it); the records lost are all
# counted, and the report names ENOSPC, not EIO; once space comes back
# (a filler file removed) the writer resumes with whole lines.
set -u
. "$(dirname "$0")/lib.sh"
JQ=${JQ:-jq}
JLOGFILL=${JLOGFILL:-./jlogfill}
root_setup "$JQ"
[ -x "$JLOGFILL" ] || { echo "FAIL: $JLOGFILL not built"; exit 1; }

disk=$WORK/disk
root_tmpfs "$disk" 64k
# Leave about half the disk free; the filler is the space given back later.
dd if=/dev/zero of="$disk/filler" bs=4096 count=8 status=none
log=$disk/sessions.jsonl
first=300 second=40 size=200

# Every line parses on its own as an object (jq -R: a glued line would not).
valid_lines() {
	[ "$("$JQ" -R 'fromjson? | objects | .seq' "$1" | wc -l)" = "$(wc -l <"$1")" ]
}
ends_whole() { [ "$(tail -c 1 "$1" | od -An -c | tr -d ' ')" = '\n' ]; }

"$JLOGFILL" "$log" $first $size "$disk/filler" $second 2>"$WORK/syslog"
check "jlogfill ran" test $? = 0

lines=$(wc -l <"$log")
check "the disk filled up: $lines of $((first + second)) records written" \
	test "$lines" -gt 0 -a "$lines" -lt $((first + second))
check "every line is one JSON object" valid_lines "$log"
check "the file ends with a whole line" ends_whole "$log"
# Unique sequence numbers: nothing written twice.
check "no record written twice" test \
	"$("$JQ" -R 'fromjson? | .seq' "$log" | sort -n | uniq | wc -l)" = "$lines"
resumed=$("$JQ" -R "fromjson? | select(.seq >= $first)" "$log" | "$JQ" -s length)
check "after space came back all $second new records were written ($resumed)" \
	test "$resumed" = $second

report=$(grep 'records lost since start' "$WORK/syslog" | tail -n 1)
echo "report: $report"
lost=$((first + second - lines))
check "the report counts all $lost lost records and names ENOSPC" \
	grep -q "$lost records lost since start: $lost not written (last error: No space left on device), 0 dropped" <<<"$report"
check "syslog says when writing resumes" grep -q 'writing again' "$WORK/syslog"
root_done

#!/bin/bash
# tests/lab/test-milter-concurrency.sh - 1,000 concurrent SMTP sessions
# through the lab Postfix and the milter (issue 13, "Scale and endurance"):
# smtpburst.py opens them all, takes each to RCPT TO, and only once all
# are there sends the messages, one per session. Every message must
# be delivered with its MTA-STS-Audit header and have one JSON record, no
# milter connection may fail (Postfix would log a milter warning and
# deliver without a header), the milter logs no error, and its RSS stays
# bounded. The peak number of the milter's open files (one socket per
# session: all 1,000 must be there at once), of its threads (libmilter's
# worker pool, not one per session) and its peak RSS are printed.
#
# Only this test raises the lab Postfix's process limits (in its private
# main.cf), so that 1,000 smtpd processes may run at once.
#
# Exit: 0 pass, 1 fail, 77 skip.
set -eu

. "$(dirname "$0")/lib.sh"

SESSIONS=1000
PEAK_RSS_LIMIT_KB=262144	# generous: 256 MiB for 1,000 sessions at once
RSS_GROWTH_LIMIT_KB=65536	# after the burst, against before it

proc_field() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status" 2>/dev/null; }

# sample_milter PID OUT: every 0.1 s, "threads rss_kb open_files" of PID,
# until it ends or $LAB/sampling is removed.
sample_milter() {
	while [ -e "$LAB/sampling" ] && kill -0 "$1" 2>/dev/null; do
		printf '%s %s %s\n' "$(proc_field "$1" Threads)" "$(proc_field "$1" VmRSS)" \
			"$(find "/proc/$1/fd" -mindepth 1 2>/dev/null | wc -l)" >>"$2"
		sleep 0.1
	done
}

# raise_limits: 1,000 smtpd processes may run at once. Set before Postfix
# starts: the SMTP socket's listen backlog follows the process limit then
# (a reload keeps the socket, and with it a backlog of 100).
raise_limits() {
	postconf -c "$LAB/pf" -e "default_process_limit = $((SESSIONS + 100))" \
		"smtpd_timeout = 120s" "in_flow_delay = 0" 2>>"$LAB/postfix-cmd.log"
}

burst() {
	python3 "$(dirname "$0")/smtpburst.py" 127.0.0.1 "$LAB_SMTP_PORT" "$SESSIONS" \
		user@example.test 180 >"$LAB/smtpburst.log" 2>&1
}

peak() { awk -v c="$1" 'max < $c { max = $c } END { print max + 0 }' "$LAB/samples"; }
records() { jq -c 'select(.event == "message")' "$LAB/sessions.jsonl" 2>/dev/null | wc -l; }
records_at_least() { [ "$(records)" -ge "$1" ]; }
without_header() { grep -L -i '^MTA-STS-Audit:' "$LAB"/mail/inbox/new/* 2>/dev/null | wc -l; }

main() {
	local rss_before rss_after threads rss_peak files start elapsed sampler
	lab_require
	command -v python3 >/dev/null || lab_skip "python3 not found (Debian: python3)"
	lab_init concurrency
	lab_start raise_limits

	lab_send warm plain --to user@example.test >/dev/null
	lab_wait_mail 1 || lab_die "the warm-up message was not delivered"
	lab_wait 10 "the warm-up record" records_at_least 1 || true
	rss_before=$(proc_field "$LAB_MILTER_PID" VmRSS)

	: >"$LAB/sampling"
	sample_milter "$LAB_MILTER_PID" "$LAB/samples" &
	sampler=$!
	start=$SECONDS
	check "smtpburst: $SESSIONS sessions at once, each message accepted" burst
	sed 's/^/  smtpburst: /' "$LAB/smtpburst.log"
	check "every message delivered" lab_wait_mail $((SESSIONS + 1)) 240
	elapsed=$((SECONDS - start))
	check "one JSON record per message" lab_wait 60 "$((SESSIONS + 1)) records" \
		records_at_least $((SESSIONS + 1))
	rm -f "$LAB/sampling"
	wait "$sampler" || true
	rss_after=$(proc_field "$LAB_MILTER_PID" VmRSS)
	threads=$(peak 1)
	rss_peak=$(peak 2)
	files=$(peak 3)
	printf 'concurrency: %d sessions delivered in %d s; milter peaks: %d open files, %d threads; RSS %d kB before, %d kB peak, %d kB after\n' \
		"$SESSIONS" "$elapsed" "$files" "$threads" "$rss_before" "$rss_peak" "$rss_after"

	check "no more files than sent" test "$(lab_mail_count)" -eq $((SESSIONS + 1))
	check "no more records than sent" test "$(records)" -eq $((SESSIONS + 1))
	check "every message has the MTA-STS-Audit header" test "$(without_header)" -eq 0
	check "all $SESSIONS were open at once" grep -qx "sent $SESSIONS of $SESSIONS, at once $SESSIONS" \
		"$LAB/smtpburst.log"
	check "Postfix logged no milter trouble" eval \
		"! grep -iE 'milter' '$LAB/maillog' | grep -qiE 'warning|error|fatal'"
	check "the milter logged no error" eval "! grep -qiE 'error|crit|alert|emerg' '$LAB/milter.log'"
	check "the milter is still running" lab_alive "$LAB_MILTER_PID"
	check "the milter had all $SESSIONS sessions open at once ($files open files)" \
		test "$files" -ge "$SESSIONS"
	check "rss: peak under $PEAK_RSS_LIMIT_KB kB" test "$rss_peak" -lt "$PEAK_RSS_LIMIT_KB"
	check "rss: after the burst within $RSS_GROWTH_LIMIT_KB kB of before" \
		test $((rss_after - rss_before)) -lt "$RSS_GROWTH_LIMIT_KB"
	if [ "$FAILURES" -ne 0 ]; then
		grep -iE 'milter' "$LAB/maillog" | grep -iE 'warning|error|fatal' | sort | uniq -c | head -n 5 >&2 || true
		lab_log "$FAILURES check(s) failed; lab files kept in $LAB"
		exit 1
	fi
	lab_log "all checks passed in $SECONDS s"
}

main "$@"

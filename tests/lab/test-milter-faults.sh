#!/bin/bash
# tests/lab/test-milter-faults.sh - faults around a running milter behind the
# lab Postfix (issue 13, "Scale and endurance"). For each fault: every
# message sent is delivered and has one JSON record (sent vs delivered vs
# logged), the problem is logged once with a clear message, and the
# milter's RSS stays bounded.
#
#  1. DNS: the _mta-sts TXT of a domain with a fetched policy answers
#     SERVFAIL (dnsmasq forwards it to badpublisher.py): the cached policy
#     stays in use (source=cached). Then dnsmasq is stopped: the cached
#     policy is used again, a never-seen domain is pending / completed as
#     no-policy, and each failure is logged once, not at every refresh.
#  2. HTTPS: a policy host that completes TLS and never answers gives
#     sts-policy-fetch-error after fetch_timeout; one that sends an endless
#     body is cut at 64 KiB at once (the client goes within the fetch time,
#     having let the server write no more than the socket buffers hold).
#  3. state_dir made read-only (a read-only bind mount over it) while
#     running: the failed save is logged once however many changes follow;
#     once writable again the state is saved.
#  4. Reload (SIGUSR1) with a broken file while messages are being sent:
#     the error names the file and line, the old configuration stays in
#     use (the header is still added), mail flows.
# (DNS and HTTPS down at a restart, blackholed TCP listeners and a slow
# host are in test-discovery.sh; the killed milter in test-milter-killed.sh.)
#
# Exit: 0 pass, 1 fail, 77 skip.
set -eu

. "$(dirname "$0")/lib.sh"

TLS=TLSv1.3
LAB_SERVFAIL_DNS_PORT=5354
LAB_STALL_PORT=8445
LAB_ENDLESS_PORT=8446
FETCH_TIMEOUT=6
REFRESH=2
RSS_GROWTH_LIMIT_KB=32768	# generous: the faults must not leak per message
ENDLESS_READ_LIMIT=33554432	# bytes the endless host may write before the cut: the
				# loopback socket buffers (autotuned, several MiB) count;
				# read to the end it would be gigabytes in the fetch time

faults_conf() {
	echo "# mtasts-milter.conf for the fault lab (tests/lab/test-milter-faults.sh)"
	lab_milter_conf_common
	cat <<EOF
connect_to    = {"mta-sts.stall.example.test:443:127.0.0.1:$LAB_STALL_PORT",
                 "mta-sts.endless.example.test:443:127.0.0.1:$LAB_ENDLESS_PORT",
                 ":443:127.0.0.1:$LAB_HTTPS_PORT"}
refresh_interval = $REFRESH
fetch_timeout = $FETCH_TIMEOUT
EOF
}

# --- bookkeeping: what was sent must be delivered and logged ------------------

SENT_QIDS=()
EXPECTED_FILES=0

rcpts() {
	local d out=""
	for d in "$@"; do out="$out${out:+,}user@$d"; done
	printf '%s' "$out"
}

# send CASE DOMAIN...: one message to user@ each domain; waits for its
# delivery (one file per recipient) and sets QID.
send() {
	local case=$1
	shift
	QID=$(lab_send "$case" "$TLS" --to "$(rcpts "$@")")
	SENT_QIDS+=("$QID")
	EXPECTED_FILES=$((EXPECTED_FILES + $#))
	lab_wait_mail "$EXPECTED_FILES" 30 || lab_die "case $case not delivered (see $LAB/maillog)"
}

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$LAB_MILTER_PID/status"; }

# log_count PATTERN: lines of the milter's log matching PATTERN (grep -E).
log_count() { grep -cE -- "$1" "$LAB/milter.log" || true; }
logged() { [ "$(log_count "$1")" -ge 1 ]; }
logged_once() { [ "$(log_count "$1")" -eq 1 ]; }

wait_logged() {
	lab_wait "${2:-20}" "milter log line /$1/" logged "$1" ||
		{ FAILURES=$((FAILURES + 1)); printf 'FAIL milter never logged /%s/\n' "$1"; }
}

# field_of MSG DOMAIN: the unfolded MTA-STS-Audit value for DOMAIN.
field_of() { lab_header_values "$1" MTA-STS-Audit | grep -F "; domain=$2;" || true; }
field_is() { [ "$(field_of "$(lab_message "$1")" "$2")" = "$3" ]; }
no_field() { [ -z "$(field_of "$(lab_message "$1")" "$2")" ]; }

json_written() { [ -n "$(lab_json "$1")" ]; }
# json_domain QID DOMAIN JQ-FILTER: the record's entry for DOMAIN satisfies it.
json_domain() {
	json_written "$1" || lab_wait 30 "the record of $1" json_written "$1" || return 1
	lab_json "$1" | jq -e --arg d "$2" \
		"[.domains[] | select(.domain == \$d)] | length == 1 and (.[0] | $3)" >/dev/null
}

published_field() {
	printf '%s; domain=%s; result=pass; mode=enforce; id=%s; source=%s; tls=%s; mx=%s' \
		"$LAB_MX" "$1" "$2" "$3" "$TLS" "$LAB_MX"
}

# badpublisher MODE PORT: start tests/lab/badpublisher.py in MODE.
badpublisher() {
	python3 "$(dirname "$0")/badpublisher.py" "$1" "$2" "$LAB/pki/mta-sts-lab.chain.pem" \
		"$LAB/pki/mta-sts-lab.key" "$LAB/$1.log" >>"$LAB/$1.stderr" 2>&1 9>&- &
	lab_track "$1" $!
	lab_wait 5 "badpublisher $1 on port $2" grep -qs "listening on $2" "$LAB/$1.log" ||
		lab_die "badpublisher.py $1 did not start (see $LAB/$1.stderr)"
}

# --- 1. DNS: SERVFAIL, then no DNS server at all ------------------------------

phase_dns() {
	printf -- '--- 1. DNS: SERVFAIL for one _mta-sts TXT, then dnsmasq stopped\n'
	send warm example.test servfail.example.test
	wait_logged 'servfail\.example\.test: policy id servfail1 fetched'
	wait_logged ': example\.test: policy id 20240101 fetched'
	RSS_START=$(rss_kb)

	badpublisher servfail "$LAB_SERVFAIL_DNS_PORT"
	LAB_SERVFAIL_PORT=$LAB_SERVFAIL_DNS_PORT lab_dns_restart
	wait_logged 'servfail\.example\.test: _mta-sts TXT dns-failure: .*; the cached policy stays in use'
	sleep 1
	send servfail servfail.example.test
	check "servfail: the cached policy is used" field_is servfail servfail.example.test \
		"$(published_field servfail.example.test servfail1 cached)"
	check "servfail: JSON pass, source cached" json_domain "$QID" servfail.example.test \
		'.result == "pass" and .policy.source == "cached"'

	lab_dns_stop
	wait_logged ': example\.test: _mta-sts TXT dns-failure: .*; the cached policy stays in use'
	sleep 1
	send dns-down example.test quick1.example.test
	DOWN_QID=$QID
	check "dns down: the cached policy is used" field_is dns-down example.test \
		"$(published_field example.test 20240101 cached)"
	check "dns down: a never-seen domain has no header (pending)" no_field dns-down quick1.example.test
	check "dns down: its record is completed as no-policy" json_domain "$DOWN_QID" \
		quick1.example.test '.result == "no-policy" and .deferred == true'
	# Several refresh rounds pass with DNS still down: the failures are not
	# logged again.
	sleep $((REFRESH * 4))
	send dns-down2 example.test servfail.example.test
	check "dns down: still cached" field_is dns-down2 servfail.example.test \
		"$(published_field servfail.example.test servfail1 cached)"
	check "log: SERVFAIL logged once" logged_once 'servfail\.example\.test: _mta-sts TXT dns-failure'
	check "log: the SERVFAIL is named, not called a timeout" \
		grep -q 'servfail\.example\.test: _mta-sts TXT dns-failure: no usable answer (every DNS server answered SERVFAIL' "$LAB/milter.log"
	check "log: DNS down logged once" logged_once ': example\.test: _mta-sts TXT dns-failure'
	grep -E '_mta-sts TXT dns-failure' "$LAB/milter.log" | sed 's/^/  log: /'

	lab_dns_start
	wait_logged ': example\.test: _mta-sts TXT id 20240101' 20
}

# --- 2. HTTPS: silent after TLS, endless body ----------------------------------

endless_closed() { grep -q 'endless closed after' "$LAB/endless.log"; }
endless_bytes() { sed -n 's/^endless closed after \([0-9]*\) bytes$/\1/p' "$LAB/endless.log" | sort -n | tail -n 1; }

phase_https() {
	local start elapsed
	printf -- '--- 2. HTTPS: a host silent after TLS, a host sending an endless body\n'
	badpublisher stall "$LAB_STALL_PORT"
	badpublisher endless "$LAB_ENDLESS_PORT"
	start=$SECONDS
	send https-first stall.example.test endless.example.test
	wait_logged 'endless\.example\.test: policy id endless1 at https://mta-sts\.endless\.example\.test/.*: sts-policy-fetch-error: .*larger than 65536 bytes' \
		$((FETCH_TIMEOUT - 1))
	elapsed=$((SECONDS - start))
	check "endless: the client went away" lab_wait 5 "the endless host to see the cut" endless_closed
	printf 'endless: cut after %s s; the host had sent %s bytes\n' "$elapsed" "$(endless_bytes)"
	check "endless: cut before the fetch timeout (${FETCH_TIMEOUT}s)" test "$elapsed" -lt "$FETCH_TIMEOUT"
	check "endless: at most $ENDLESS_READ_LIMIT bytes sent before the cut" \
		test "$(endless_bytes)" -le "$ENDLESS_READ_LIMIT"
	wait_logged 'stall\.example\.test: policy id stall1 at https://mta-sts\.stall\.example\.test/.*: sts-policy-fetch-error: .*[Tt]imed? ?out' \
		$((FETCH_TIMEOUT + 10))
	check "https-first: the record is completed" json_domain "${SENT_QIDS[-1]}" stall.example.test \
		'.result == "policy-error" and .deferred == true'
	sleep 1
	send https-second stall.example.test endless.example.test
	for d in stall endless; do
		check "https-second: $d: policy-error sts-policy-fetch-error" field_is https-second \
			"$d.example.test" \
			"$LAB_MX; domain=$d.example.test; result=policy-error; reasons=sts-policy-fetch-error; mode=unknown; id=${d}1; source=published; tls=$TLS; mx=$LAB_MX"
		check "https-second: $d: JSON" json_domain "$QID" "$d.example.test" \
			'.result == "policy-error" and .reasons == ["sts-policy-fetch-error"]'
	done
	sleep $((REFRESH * 3))
	check "log: the stalled fetch logged once" logged_once 'stall\.example\.test: policy id stall1 at'
	check "log: the endless fetch logged once" logged_once 'endless\.example\.test: policy id endless1 at'
	grep -E '(stall|endless)\.example\.test: policy id' "$LAB/milter.log" | sed 's/^/  log: /'
}

# --- 3. state_dir read-only ----------------------------------------------------

STATE_RO=no
state_ro() { mount --bind -o ro "$LAB/state" "$LAB/state" && STATE_RO=yes; }
state_rw() { [ "$STATE_RO" = no ] || { umount "$LAB/state" && STATE_RO=no; }; }
saved_with() { jq -e --arg d "$1" '[.domains[] | select(.domain == $d)] | length == 1' \
	"$LAB/state/policies.json" >/dev/null 2>&1; }

phase_state_ro() {
	printf -- '--- 3. state_dir read-only while running\n'
	state_ro || { printf 'SKIP state_dir read-only: mount --bind -o ro failed\n'; return 0; }
	send ro1 quick2.example.test
	wait_logged 'cannot save the policy state: .*Read-only file system' 20
	send ro2 quick3.example.test
	wait_logged 'quick3\.example\.test: policy id quick31 fetched'
	send ro3 quick4.example.test
	wait_logged 'quick4\.example\.test: policy id quick41 fetched'
	# Past two more save intervals (5 s each) with changes to save.
	sleep 12
	check "log: the failed save logged once" logged_once 'cannot save the policy state'
	grep -E 'cannot save the policy state' "$LAB/milter.log" | sed 's/^/  log: /'
	check "state: nothing written while read-only" eval '! saved_with quick4.example.test'
	state_rw
	send rw quick5.example.test
	check "state: saved again once writable" lab_wait 20 "quick5 in the state file" \
		saved_with quick5.example.test
	check "state: the changes made while read-only are saved too" saved_with quick4.example.test
}

# --- 4. reload with a broken file, under load -----------------------------------

# sender_loop N: N messages one after the other, in the background; each
# queue id is appended to $LAB/loop.qids.
sender_loop() {
	local i qid
	for i in $(seq "$1"); do
		qid=$(lab_send "loop$i" "$TLS" --to user@example.test) || return 1
		echo "$qid" >>"$LAB/loop.qids"
	done
}

broken_conf() {
	faults_conf | sed 's/^add_header .*/add_header    = "never"/'
	echo 'refresh_interval = "soon"'
}

phase_reload() {
	local pid i n line qid
	printf -- '--- 4. reload with a broken file while mail is sent\n'
	: >"$LAB/loop.qids"
	sender_loop 10 >"$LAB/loop.log" 2>&1 &
	pid=$!
	cp "$LAB/mtasts-milter.conf" "$LAB/good.conf"
	broken_conf >"$LAB/mtasts-milter.conf"
	line=$(wc -l <"$LAB/mtasts-milter.conf")
	for i in 1 2 3; do
		kill -USR1 "$LAB_MILTER_PID"
		check "reload $i: failure logged" lab_wait 10 "the failed reload $i" eval \
			"[ \"\$(log_count 'reload of $LAB/mtasts-milter.conf failed')\" -ge $i ]"
		sleep 1
	done
	check "reload: the error names file and line" logged "^.*$LAB/mtasts-milter\.conf:$line: .*refresh_interval"
	grep -E "mtasts-milter\.conf:[0-9]+:|reload" "$LAB/milter.log" | sed 's/^/  log: /'
	cp "$LAB/good.conf" "$LAB/mtasts-milter.conf"
	kill -USR1 "$LAB_MILTER_PID"
	check "reload: the good file is taken" lab_wait 10 "the good reload" logged 'configuration reloaded from'
	check "reload: the sender loop succeeded" wait "$pid"
	n=$(wc -l <"$LAB/loop.qids")
	EXPECTED_FILES=$((EXPECTED_FILES + n))
	while read -r qid; do SENT_QIDS+=("$qid"); done <"$LAB/loop.qids"
	check "reload: 10 messages sent during the reloads" test "$n" -eq 10
	lab_wait_mail "$EXPECTED_FILES" 60 || true
	for i in $(seq 10); do
		check "reload: loop$i kept its header (old configuration in use)" \
			eval "[ -n \"\$(field_of \"\$(lab_message loop$i)\" example.test)\" ]"
	done
}

# --- the totals ------------------------------------------------------------------

one_record_each() {
	local qid
	for qid in "${SENT_QIDS[@]}"; do
		[ "$(lab_json "$qid" | wc -l)" -eq 1 ] || { lab_log "no single record for $qid"; return 1; }
	done
}

phase_totals() {
	local rss
	printf -- '--- totals\n'
	check "every message delivered ($EXPECTED_FILES files)" lab_wait_mail "$EXPECTED_FILES" 30
	check "no more files than sent" test "$(lab_mail_count)" -eq "$EXPECTED_FILES"
	check "one JSON record per message (${#SENT_QIDS[@]})" lab_wait 30 "every record" one_record_each
	check "JSON records = messages sent" test \
		"$(jq -c 'select(.event == "message")' "$LAB/sessions.jsonl" | wc -l)" -eq "${#SENT_QIDS[@]}"
	check "the milter is still running" lab_alive "$LAB_MILTER_PID"
	rss=$(rss_kb)
	printf 'rss: %s kB after warm-up, %s kB at the end\n' "$RSS_START" "$rss"
	check "rss: grew by less than $RSS_GROWTH_LIMIT_KB kB" test $((rss - RSS_START)) -lt "$RSS_GROWTH_LIMIT_KB"
	check "log: no milter error other than the faults'" eval \
		"! grep -iE 'error|crit|alert' '$LAB/milter.log' | grep -vE 'cannot save the policy state|mtasts-milter\.conf|sts-policy-fetch-error|dns-failure'"
}

main() {
	lab_require
	command -v python3 >/dev/null || lab_skip "python3 not found (Debian: python3)"
	lab_init faults
	trap 'rc=$?; state_rw; (exit $rc); lab_cleanup' EXIT
	faults_conf >"$LAB/mtasts-milter.conf"
	lab_start
	SECONDS=0
	phase_dns
	phase_https
	phase_state_ro
	phase_reload
	phase_totals
	if [ "$FAILURES" -ne 0 ]; then
		lab_log "$FAILURES check(s) failed; lab files kept in $LAB (milter.log, sessions.jsonl, mail/)"
		exit 1
	fi
	lab_log "all checks passed in $SECONDS s"
}

main "$@"

#!/bin/bash
# tests/lab/test-discovery.sh - live MTA-STS policy discovery behind a real
# Postfix: the milter learns recipient domains from traffic, looks up their
# _mta-sts TXT records in the lab's dnsmasq and fetches their policies from
# the lab's nginx, exactly as a sender would (RFC 8461 3), and each delivered
# message carries the verdict against what senders see.
#
#  1. A first message to every lab domain is pending (no header); its JSON
#     record is completed (each domain "deferred") once discovery answers.
#  2. Once discovery has run, one domain per publishing mistake gets its
#     result: no TXT, two TXT, a bad id, mode none (no-policy); 404,
#     text/html, redirect, oversize body, slow server (sts-policy-fetch-error);
#     wrong certificate name, expired certificate, untrusted CA
#     (sts-webpki-invalid); an invalid policy (sts-policy-invalid); a
#     multi-string TXT record (pass); a draft over a published policy; a
#     record and policy only lenient senders read, judged as they apply it
#     (would-fail, "lenient":true).
#  3. The publisher changes things, as a sender would notice them: a new id
#     is fetched; a TXT record that disappears leaves the cached policy in
#     use; a body changed under the same id is reported and not used until
#     the cached copy expires, and then it is.
#  4. With dnsmasq and nginx stopped, a restarted milter still has its
#     cached policies, and answers every callback within milliseconds (the
#     figure is printed).
#  5. Started with only domains = {"example.test"} and the lab's DNS, CA and
#     connect_to, it evaluates traffic against the published policy.
#  6. Three policy hosts accept TCP and never answer (a blackhole listener):
#     five good domains in the same message still get their policies within
#     seconds, long before the blackholed fetches time out.
#
# The milter's clock moves for real: refresh_interval = 2 and policies with
# a max_age of 20 seconds make the changes show within the test's time.
#
# Exit: 0 pass, 1 fail, 77 skip.
set -eu

. "$(dirname "$0")/lib.sh"

TLS=TLSv1.3
# Most time any SMTP round trip may take while DNS and HTTPS are down.
LATENCY_LIMIT_MS=500

discovery_conf() {
	echo "# mtasts-milter.conf for the discovery lab (tests/lab/test-discovery.sh)"
	lab_milter_conf_common
	cat <<EOF
connect_to    = {":443:127.0.0.1:$LAB_HTTPS_PORT"}
refresh_interval = 2
fetch_timeout = 3
draft "drafted.example.test" { policy_file = "$LAB/draft-drafted.txt" id = "next" }
EOF
}

# The configuration of "done when": the published policy of one domain.
minimal_conf() {
	cat <<EOF
socket      = "unix:$LAB/milter.sock"
pidfile     = "$LAB/milter.pid"
json_log    = "$LAB/sessions.jsonl"
state_dir   = "$LAB/state-minimal"
domains     = {"example.test"}
dns_servers = "127.0.0.1:$LAB_DNS_PORT"
ca_file     = "$LAB/pki/ca.crt"
connect_to  = {"mta-sts.example.test:443:127.0.0.1:$LAB_HTTPS_PORT"}
EOF
}

rcpts() {
	local d out=""
	for d in "$@"; do out="$out${out:+,}user@$d"; done
	printf '%s' "$out"
}

# logged PATTERN: the milter (the one started last) has logged a line
# matching PATTERN (grep -E).
LOG_FROM=1
logged() { tail -n "+$LOG_FROM" "$LAB/milter.log" | grep -qE -- "$1"; }

wait_logged() {
	lab_wait "${2:-20}" "milter log line /$1/" logged "$1" ||
		{ FAILURES=$((FAILURES + 1)); printf 'FAIL milter never logged /%s/\n' "$1"; }
}

# field_of MSG DOMAIN: the unfolded MTA-STS-Audit value for DOMAIN.
field_of() {
	lab_header_values "$1" MTA-STS-Audit | grep -F "; domain=$2;" || true
}

field_is() { [ "$(field_of "$1" "$2")" = "$3" ]; }
no_field() { [ -z "$(field_of "$1" "$2")" ]; }

# json_domain QID DOMAIN JQ-FILTER [ARGS]: the domains[] entry satisfies it.
# A record with a pending domain is written only once discovery answers:
# wait for it (at most the fetch timeout of the holes phase, and then some).
json_written() { [ -n "$(lab_json "$1")" ]; }
json_domain() {
	local qid=$1 d=$2 filter=$3
	shift 3
	json_written "$qid" || lab_wait 20 "the record of $qid" json_written "$qid" || return 1
	lab_json "$qid" | jq -e --arg d "$d" "$@" \
		"[.domains[] | select(.domain == \$d)] | length == 1 and (.[0] | $filter)" >/dev/null
}

# expect CASE QID DOMAIN RESULT [REASONS MODE ID SOURCE]: the header field
# and the JSON entry of DOMAIN in the message of CASE (REASONS "-" = none).
expect() {
	local case=$1 qid=$2 d=$3 r=$4 why=${5:-} m=${6:-} id=${7:-} src=${8:-} msg want
	msg=$(lab_message "$case")
	[ "$why" != - ] || why=
	if [ "$r" = no-policy ]; then
		check "$case: $d: no header field" no_field "$msg" "$d"
		check "$case: $d: JSON no-policy" json_domain "$qid" "$d" \
			'.result == "no-policy" and .policy == null'
		return 0
	fi
	want="$LAB_MX; domain=$d; result=$r;${why:+ reasons=$why;} mode=$m; id=$id; source=$src; tls=$TLS; mx=$LAB_MX"
	check "$case: $d: result=$r ${why:+reasons=$why }mode=$m id=$id source=$src" \
		field_is "$msg" "$d" "$want"
	check "$case: $d: JSON" json_domain "$qid" "$d" \
		'.result == $r and (.reasons | join(",")) == $why and .policy.mode == $m and
		 (.policy.id // "none") == $id and .policy.source == $src' \
		--arg r "$r" --arg why "$why" --arg m "$m" --arg id "$id" --arg src "$src"
}

# send CASE DOMAIN...: one TLS 1.3 message to user@ each domain; waits for
# its delivery and prints its queue id.
send() {
	local case=$1 qid before
	shift
	before=$(lab_mail_count)
	qid=$(lab_send "$case" "$TLS" --to "$(rcpts "$@")")
	lab_wait_mail $((before + $#)) >&2 || lab_die "case $case not delivered (see $LAB/maillog)"
	printf '%s\n' "$qid"
}

# --- 1. first sight: pending ------------------------------------------------

ALL="example.test notxt.example.test twotxt.example.test badid.example.test
multi.example.test none.example.test notfound.example.test html.example.test
redirect.example.test wrongname.example.test expired.example.test
untrusted.example.test invalid.example.test oversize.example.test
slow.example.test changed.example.test idchange.example.test
removed.example.test drafted.example.test lenient.example.test"

FIRST_QID=
phase_pending() {
	local d
	printf -- '--- 1. first message: every domain pending\n'
	# shellcheck disable=SC2086
	FIRST_QID=$(send first $ALL)
	for d in $ALL; do
		[ "$d" != drafted.example.test ] || continue
		check "first: $d: pending, no header field" no_field "$(lab_message first)" "$d"
	done
	check "first: the drafted domain is judged at once" field_is "$(lab_message first)" \
		drafted.example.test "$LAB_MX; domain=drafted.example.test; result=would-fail; reasons=mx-mismatch; mode=enforce; id=next; source=draft; tls=$TLS; mx=$LAB_MX"
}

# The first message's record waits until discovery has answered for all its
# domains, then says what senders would have got, each marked deferred.
first_record_written() { [ -n "$(lab_json "$FIRST_QID")" ]; }
phase_pending_completed() {
	local d
	lab_wait 30 "the first message's record" first_record_written ||
		{ FAILURES=$((FAILURES + 1)); echo "FAIL first: record never written"; return 0; }
	check "first: one record" test "$(lab_json "$FIRST_QID" | wc -l)" -eq 1
	check "first: example.test completed: pass, deferred" json_domain "$FIRST_QID" example.test \
		'.result == "pass" and .deferred == true and .policy.id == "20240101"'
	for d in notxt none; do
		check "first: $d completed: no-policy, deferred" json_domain "$FIRST_QID" "$d.example.test" \
			'.result == "no-policy" and .deferred == true'
	done
	check "first: invalid completed: policy-error, deferred" json_domain "$FIRST_QID" invalid.example.test \
		'.result == "policy-error" and .reasons == ["sts-policy-invalid"] and .deferred == true'
	check "first: wrongname completed: sts-webpki-invalid" json_domain "$FIRST_QID" wrongname.example.test \
		'.result == "policy-error" and .reasons == ["sts-webpki-invalid"] and .deferred == true'
	check "first: nothing left pending" bash -c \
		'! jq -e ".domains[] | select(.result == \"pending\")" >/dev/null <<<"$1"' _ "$(lab_json "$FIRST_QID")"
	check "first: the draft was never deferred" json_domain "$FIRST_QID" drafted.example.test \
		'.result == "would-fail" and has("deferred") == false'
}

# --- 2. one domain per failure ----------------------------------------------

wait_discovered() {
	local d
	for d in example.test multi.example.test none.example.test changed.example.test \
		idchange.example.test removed.example.test drafted.example.test \
		lenient.example.test; do
		wait_logged "^.*: ${d//./\\.}: policy id [a-z0-9]+ fetched"
	done
	wait_logged ': notxt\.example\.test: _mta-sts TXT absent'
	for d in twotxt badid; do wait_logged ": $d\\.example\\.test: _mta-sts TXT invalid"; done
	for d in notfound html redirect wrongname expired untrusted invalid oversize slow; do
		wait_logged ": $d\\.example\\.test: policy id ${d}1 at https://mta-sts\\.$d\\.example\\.test/"
	done
	# The snapshot is published when the batch ends; give it that moment.
	sleep 1
}

phase_failures() {
	local qid d
	printf -- '--- 2. one domain per failure\n'
	wait_discovered
	phase_pending_completed
	# shellcheck disable=SC2086
	qid=$(send second $ALL)
	expect second "$qid" example.test pass - enforce 20240101 published
	expect second "$qid" multi.example.test pass - enforce multi1 published
	for d in notxt twotxt badid none; do
		expect second "$qid" "$d.example.test" no-policy
	done
	for d in notfound html redirect oversize slow; do
		expect second "$qid" "$d.example.test" policy-error sts-policy-fetch-error unknown "${d}1" published
	done
	for d in wrongname expired untrusted; do
		expect second "$qid" "$d.example.test" policy-error sts-webpki-invalid unknown "${d}1" published
	done
	expect second "$qid" invalid.example.test policy-error sts-policy-invalid unknown invalid1 published
	expect second "$qid" changed.example.test pass - enforce changed1 published
	expect second "$qid" idchange.example.test pass - testing idchange1 published
	expect second "$qid" removed.example.test pass - enforce removed1 published
	expect second "$qid" drafted.example.test would-fail mx-mismatch enforce next draft
	expect second "$qid" lenient.example.test would-fail mx-mismatch enforce lenient1 published
	check "second: lenient: JSON lenient:true" json_domain "$qid" lenient.example.test \
		'.policy.lenient == true'
	check "second: example.test: no lenient in JSON" json_domain "$qid" example.test \
		'.policy | has("lenient") | not'
	check "log: lenient policy named" logged \
		'lenient.example.test: policy id lenient1 at .* is judged as lenient senders \(Stalwart, mailauth\) read it'
	check "log: lenient TXT named" logged \
		'lenient.example.test: _mta-sts TXT id lenient1: strict senders ignore it'
	check "second: drafted: the published policy is logged next to the draft" \
		json_domain "$qid" drafted.example.test \
		'.published == {"result":"pass","reasons":[],"policy":{"mode":"testing","id":"drafted1","source":"published"}}'
	# Why each failure was classified so, in the milter's log.
	check "log: 404 named" logged 'notfound.example.test: .*HTTP status 404'
	check "log: text/html named" logged 'html.example.test: .*Content-Type "text/html"'
	check "log: redirect named" logged 'redirect.example.test: .*HTTP 301 redirect'
	check "log: oversize named" logged 'oversize.example.test: .*larger than 65536 bytes'
	check "log: slow server timed out" logged 'slow.example.test: .*[Tt]imed? ?out'
	check "log: two TXT records named" logged 'twotxt.example.test: _mta-sts TXT invalid'
}

# --- 3. the publisher changes things ----------------------------------------

phase_changes() {
	local qid
	printf -- '--- 3. policy changes, as a sender sees them\n'
	lab_discovery_policy changed "version: STSv1\nmode: testing\nmx: mx9.example.test\nmax_age: 20\n"
	lab_discovery_policy idchange "version: STSv1\nmode: enforce\nmx: $LAB_MX\nmax_age: 86400\n"
	LAB_IDCHANGE_ID=idchange2 LAB_REMOVED_TXT=no lab_dns_restart
	wait_logged 'idchange\.example\.test: policy id idchange2 fetched'
	wait_logged 'removed\.example\.test: _mta-sts TXT absent.*cached policy stays in use'
	wait_logged 'changed\.example\.test: the policy at .* changed but the TXT id is still changed1' 25
	sleep 1
	qid=$(send third changed.example.test idchange.example.test removed.example.test)
	expect third "$qid" idchange.example.test pass - enforce idchange2 published
	expect third "$qid" removed.example.test pass - enforce removed1 cached
	expect third "$qid" changed.example.test pass - enforce changed1 published
	check "third: changed: JSON body_changed" json_domain "$qid" changed.example.test \
		'.policy.body_changed == true'
	# The cached copy expires (max_age 20): now senders fetch the new body.
	wait_logged 'changed\.example\.test: policy id changed1 fetched: mode testing' 30
	sleep 1
	qid=$(send fourth changed.example.test)
	expect fourth "$qid" changed.example.test would-fail mx-mismatch testing changed1 published
	check "fourth: changed: no body_changed any more" json_domain "$qid" changed.example.test \
		'.policy.body_changed == null'
}

# --- 4. DNS and HTTPS down: restart with the saved state; latency ------------

milter_restart() {
	lab_stop_pid milter "$LAB_MILTER_PID"
	rm -f "$LAB/milter.sock"
	LOG_FROM=$(($(wc -l <"$LAB/milter.log") + 1))
	lab_milter_start
}

# lapses CASE: every command/reply time lapse swaks printed, in ms.
lapses() {
	sed -n 's/^=== response in \([0-9.]*\)s$/\1/p' "$LAB/swaks-$1.log" |
		awk '{ printf "%d\n", $1 * 1000 }'
}

phase_down() {
	local qid i max=0 n=0 ms
	printf -- '--- 4. dnsmasq and nginx stopped, milter restarted\n'
	lab_dns_stop
	lab_https_stop
	check "state file written" eval "jq -e '.version == 1 and (.domains | length) >= 19' \
		'$LAB/state/policies.json' >/dev/null"
	milter_restart
	# The socket (what lab_milter_start waits for) comes before the state
	# is loaded: wait for the line.
	check "state restored at start" lab_wait 10 "the state restored" \
		logged 'policy discovery: [0-9]+ domain\(s\) restored'
	# The saved state already holds the DNS failures seen before the restart.
	qid=$(send down example.test removed.example.test fresh.example.test)
	expect down "$qid" example.test pass - enforce 20240101 cached
	expect down "$qid" removed.example.test pass - enforce removed1 cached
	# Never seen before: pending (no header) until discovery answers.
	check "down: fresh.example.test: pending, no header field" no_field "$(lab_message down)" fresh.example.test
	# Callback latency: swaks times every command; RCPT and the end of DATA
	# are answered only once the milter has answered Postfix.
	for i in 1 2 3 4 5; do
		lab_send "latency$i" "$TLS" -stl --to "$(rcpts example.test fresh.example.test "new$i.example.test")" \
			>/dev/null
		for ms in $(lapses "latency$i"); do
			n=$((n + 1))
			[ "$ms" -le "$max" ] || max=$ms
		done
	done
	printf 'latency: slowest of %d SMTP round trips (each through Postfix and the milter) with DNS and HTTPS down: %d ms\n' \
		"$n" "$max"
	check "latency: measured" test "$n" -gt 20
	check "latency: every round trip under $LATENCY_LIMIT_MS ms" test "$max" -lt "$LATENCY_LIMIT_MS"
}

# --- 5. done when: only domains = {"example.test"} ---------------------------

phase_minimal() {
	local qid qplain
	printf -- '--- 5. only domains = {"example.test"}\n'
	lab_dns_start
	lab_https_start
	mkdir -p "$LAB/state-minimal"
	minimal_conf >"$LAB/mtasts-milter.conf"
	milter_restart
	wait_logged 'example\.test: policy id 20240101 fetched: mode enforce'
	sleep 1
	qid=$(send minimal example.test notxt.example.test)
	check "minimal: TLS 1.3 passes the published policy" json_domain "$qid" example.test \
		'.result == "pass" and .policy == {"mode":"enforce","id":"20240101","source":"published"}'
	check "minimal: only the listed domain is evaluated" eval \
		"lab_json $qid | jq -e '.domains | length == 1' >/dev/null"
	check "minimal: no header for a pass (add_header = would-fail)" no_field \
		"$(lab_message minimal)" example.test
	TLS=plain
	qplain=$(send minimal-plain example.test)
	TLS=none
	expect minimal-plain "$qplain" example.test would-fail starttls-not-supported \
		enforce 20240101 published
}

# --- 6. blackholed policy hosts delay only their own domains -----------------

LAB_BLACKHOLE_PORT=8444
HOLE_TIMEOUT=12		# fetch_timeout of phase 6
QUICK_LIMIT=6		# seconds the good domains may take, all together
HOLES="hole1.example.test hole2.example.test hole3.example.test"
QUICK="quick1.example.test quick2.example.test quick3.example.test
quick4.example.test quick5.example.test"

# A TCP listener that accepts connections and never reads or writes.
blackhole_start() {
	! lab_tcp_listening "$LAB_BLACKHOLE_PORT" ||
		lab_die "127.0.0.1:$LAB_BLACKHOLE_PORT is already in use"
	python3 -c '
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(64)
held = []
while True:
	held.append(s.accept()[0])
' "$LAB_BLACKHOLE_PORT" "$LAB/blackhole" >>"$LAB/blackhole.log" 2>&1 9>&- &
	lab_track blackhole $!
	lab_wait 5 "the blackhole on 127.0.0.1:$LAB_BLACKHOLE_PORT" \
		lab_tcp_listening "$LAB_BLACKHOLE_PORT" ||
		lab_die "the blackhole listener did not start (see $LAB/blackhole.log)"
}

holes_conf() {
	local d hole=""
	echo "# mtasts-milter.conf for phase 6 of tests/lab/test-discovery.sh"
	lab_milter_conf_common | sed "s|^state_dir .*|state_dir     = \"$LAB/state-holes\"|"
	for d in $HOLES; do
		hole="$hole\"mta-sts.$d:443:127.0.0.1:$LAB_BLACKHOLE_PORT\", "
	done
	cat <<EOF
connect_to    = {$hole":443:127.0.0.1:$LAB_HTTPS_PORT"}
refresh_interval = 600
fetch_timeout = $HOLE_TIMEOUT
EOF
}

# all_fetched DOMAIN...: the milter logged a fetched policy for each.
all_fetched() {
	local d
	for d in "$@"; do
		logged "^.*: ${d//./\\.}: policy id [a-z0-9]+ fetched" || return 1
	done
}

# hole_failed: some blackholed fetch has ended (been logged as failed).
hole_failed() {
	local d
	for d in $HOLES; do
		! logged ": ${d//./\\.}: policy id .* at " || return 0
	done
	return 1
}

phase_holes() {
	local qid start elapsed d
	printf -- '--- 6. three blackholed policy hosts among five good ones\n'
	TLS=TLSv1.3
	blackhole_start
	mkdir -p "$LAB/state-holes"
	holes_conf >"$LAB/mtasts-milter.conf"
	milter_restart
	start=$(date +%s%N)
	# The blackholed domains come first: a serial lookup would do them first.
	# shellcheck disable=SC2086
	send holes $HOLES $QUICK >/dev/null
	# shellcheck disable=SC2086
	check "holes: the good domains were fetched within $QUICK_LIMIT s" \
		lab_wait "$QUICK_LIMIT" "the good domains' policies" all_fetched $QUICK
	elapsed=$((($(date +%s%N) - start) / 1000000))
	printf 'holes: five good policies fetched %d ms after the message was sent; fetch_timeout %d s\n' \
		"$elapsed" "$HOLE_TIMEOUT"
	check "holes: no blackholed fetch had ended by then" eval '! hole_failed'
	sleep 1
	# shellcheck disable=SC2086
	qid=$(send holes2 $QUICK hole1.example.test)
	for d in $QUICK; do
		expect holes2 "$qid" "$d" pass - enforce "${d%%.*}1" published
	done
	# Its fetch is still out: pending, and the record waits for the answer.
	check "holes2: hole1.example.test: pending, no header field" no_field "$(lab_message holes2)" hole1.example.test
	for d in $HOLES; do
		wait_logged ": ${d//./\\.}: policy id ${d%%.*}1 at .*: sts-policy-fetch-error: .*[Tt]imed? ?out.*next try in 5 minutes" \
			$((HOLE_TIMEOUT + 10))
	done
	HOLES2_QID=$qid
	check "holes2: the record is completed once the fetch failed" lab_wait 5 "the holes2 record" holes2_completed
}

holes2_completed() {
	json_domain "$HOLES2_QID" hole1.example.test \
		'.result == "policy-error" and .reasons == ["sts-policy-fetch-error"] and .deferred == true and .policy.id == "hole11"'
}

main() {
	lab_require
	lab_init discovery
	discovery_conf >"$LAB/mtasts-milter.conf"
	printf 'version: STSv1\nmode: enforce\nmx: mx9.example.test\nmax_age: 86400\n' \
		>"$LAB/draft-drafted.txt"
	lab_start
	SECONDS=0
	phase_pending
	phase_failures
	phase_changes
	phase_down
	phase_minimal
	phase_holes
	if [ "$FAILURES" -ne 0 ]; then
		lab_log "$FAILURES check(s) failed; lab files kept in $LAB (milter.log, sessions.jsonl, mail/)"
		exit 1
	fi
	lab_log "all checks passed in $SECONDS s"
}

main "$@"

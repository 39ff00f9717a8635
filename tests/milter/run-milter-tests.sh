#!/bin/sh
# run-milter-tests.sh - end-to-end tests of the mtasts-milter daemon with
# miltertest: builds a test CA and MX certificate with the openssl CLI,
# writes draft policies and configs into the build directory, runs the Lua
# scripts against the built daemon, checks reload by signal and -n, and
# checks the JSON log the sessions left with jq and the metrics file of
# t-inbound. Exit 77 = skipped.
set -u

srcdir=${srcdir:-.}
srcdir=$(cd "$srcdir" && pwd)
daemon=${MTASTS_MILTER:-$(pwd)/../../milter/mtasts-milter}
MILTERTEST=${MILTERTEST:-miltertest}
OPENSSL=${OPENSSL_BIN:-openssl}
JQ=${JQ:-jq}

for tool in "$MILTERTEST" "$OPENSSL" "$JQ"; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "SKIP: $tool not found"
		exit 77
	fi
done
test -x "$daemon" || { echo "FAIL: $daemon not built"; exit 1; }

# The socket lives in the build directory unless its path is too long.
work=$(pwd)/milter-work
case ${#work} in
?|??|???|????|?????|??????|???????|????????) ;;
*) work=$(mktemp -d "${TMPDIR:-/tmp}/mtasts-mt.XXXXXX") ;;
esac
rm -rf "$work"
mkdir -p "$work" || exit 1
failed=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; failed=1; }

make_pki() {
	(cd "$work" &&
	"$OPENSSL" req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt \
	    -days 3650 -subj "/CN=mtasts-milter test CA" \
	    -addext "basicConstraints=critical,CA:TRUE" \
	    -addext "keyUsage=critical,keyCertSign,cRLSign" &&
	"$OPENSSL" req -newkey rsa:2048 -nodes -keyout mx1.key -out mx1.csr \
	    -subj "/CN=mx1.example.test" &&
	printf 'subjectAltName=DNS:mx1.example.test\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >mx1.ext &&
	"$OPENSSL" x509 -req -in mx1.csr -CA ca.crt -CAkey ca.key \
	    -CAcreateserial -out mx1.crt -days 825 -sha256 -extfile mx1.ext &&
	cat mx1.crt ca.crt >mx1.pem &&
	"$OPENSSL" req -newkey rsa:2048 -nodes -keyout wild.key -out wild.csr \
	    -subj "/CN=mx1.example.test" &&
	printf 'subjectAltName=DNS:mx1.example.test,DNS:*.example.test\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >wild.ext &&
	"$OPENSSL" x509 -req -in wild.csr -CA ca.crt -CAkey ca.key \
	    -CAcreateserial -out wild.crt -days 825 -sha256 -extfile wild.ext &&
	cat wild.crt ca.crt >wild.pem) >"$work/pki.log" 2>&1
}

# write_conf NAME [EXTRA-LINE...]
write_conf() {
	name=$1
	shift
	{
		echo "# written by run-milter-tests.sh"
		echo "socket = \"unix:$work/milter.sock\""
		echo "pidfile = \"$work/milter.pid\""
		echo "json_log = \"$work/sessions.jsonl\""
		echo "mx_name = \"mx1.example.test\""
		echo "tls_cert_file = \"$work/mx1.pem\""
		echo "ca_file = \"$work/ca.crt\""
		echo "draft \"Example.TEST\" { policy_file = \"$work/example.test.txt\" id = \"next1\" }"
		echo "draft \"example.net\" { policy_file = \"$work/example.net.txt\" }"
		for line in "$@"; do
			echo "$line"
		done
		# discovery: state in the work directory, DNS to a closed port
		echo "state_dir = \"$work\""
		echo "dns_servers = \"127.0.0.1:9\""
	} >"$work/$name"
}

# A daemon left behind by a crashed miltertest is stopped through its pid file.
stop_leftover() {
	if [ -s "$work/milter.pid" ]; then
		kill "$(cat "$work/milter.pid")" 2>/dev/null
		rm -f "$work/milter.pid"
	fi
}

run_lua() {
	script=$1
	shift
	if "$MILTERTEST" -D binary="$daemon" -D sock="$work/milter.sock" \
	    -D srcdir="$srcdir" "$@" -s "$srcdir/$script" >"$work/$script.out" 2>&1; then
		pass "$script $*"
	else
		fail "$script $*"
		cat "$work/$script.out"
	fi
	case "$*" in *expect=*) ;; *) stop_leftover ;; esac
}

# check_json DESCRIPTION JQ-EXPRESSION: true on the slurped log
check_json() {
	if cat "$work/sessions.jsonl.1" "$work/sessions.jsonl" |
	    "$JQ" -e -s "$2" >/dev/null 2>&1; then
		pass "json: $1"
	else
		fail "json: $1 ($2)"
	fi
}

# metric_is SAMPLE VALUE: the metrics file has the sample with this value.
metric_is() {
	awk -v s="$1" -v v="$2" '$1 == s && $2 == v { found = 1 } END { exit !found }' \
	    "$work/inbound.prom" 2>/dev/null
}

# check_metric DESCRIPTION SAMPLE VALUE: within 5 s (metrics_interval 1).
check_metric() {
	i=0
	while [ $i -lt 50 ] && ! metric_is "$2" "$3"; do
		sleep 0.1
		i=$((i + 1))
	done
	if metric_is "$2" "$3"; then
		pass "metrics: $1"
	else
		fail "metrics: $1 ($2 $3)"
	fi
}

wait_for() {
	i=0
	while [ $i -lt 100 ]; do
		grep -q "$1" "$work/daemon.log" 2>/dev/null && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

make_pki || { cat "$work/pki.log"; echo "FAIL: cannot make the test PKI"; exit 1; }
printf 'version: STSv1\nmode: enforce\nmx: mx1.example.test\nmax_age: 86400\n' \
    >"$work/example.test.txt"
printf 'version: STSv1\r\nmode: testing\r\nmx: *.example.net\r\nmax_age: 86400\r\n' \
    >"$work/example.net.txt"
printf 'version: STSv1\nmode: enforce\nmx: mx1..example.test\nmax_age: 86400\n' \
    >"$work/broken-policy.txt"

# -n: a good config passes, broken ones fail naming file:line and the fix.
write_conf default.conf
if "$daemon" -n -c "$work/default.conf" >/dev/null 2>&1; then
	pass "-n good config"
else
	fail "-n good config"
fi
if "$daemon" -n -c "$srcdir/../../etc/mtasts-milter.conf" >/dev/null 2>&1; then
	pass "-n sample config"
else
	fail "-n sample config"
fi
# expect_bad_conf NAME PATTERN... : -n exits 1 and prints every PATTERN
expect_bad_conf() {
	name=$1
	shift
	out=$("$daemon" -n -c "$work/$name" 2>&1)
	if [ $? -ne 1 ]; then
		fail "-n $name: exit status is not 1"
		return
	fi
	for pattern in "$@"; do
		if ! echo "$out" | grep -q -- "$pattern"; then
			fail "-n $name: no [$pattern] in: $out"
			return
		fi
	done
	pass "-n $name"
}
write_conf bad-value.conf 'add_header = "sometimes"'
expect_bad_conf bad-value.conf \
    "bad-value.conf:10: add_header = \"sometimes\" is not valid; use"
write_conf bad-key.conf 'refresh_interval = 0' '# comment' 'no_such_key = 1'
expect_bad_conf bad-key.conf "bad-key.conf:10: refresh_interval = 0 is out of range" \
    "bad-key.conf:12: .*no_such_key"
# integers past a long, or past a key's range, are refused, not wrapped
write_conf bad-int.conf 'refresh_interval = 9223372036854775807' \
    'max_domains = 99999999999999999999' 'fetch_timeout = 0x10'
expect_bad_conf bad-int.conf \
    "bad-int.conf:10: refresh_interval = 9223372036854775807 is out of range; use 1 to 31557600" \
    "bad-int.conf:11: max_domains = 99999999999999999999 is out of range; use 1 to 1000000" \
    "bad-int.conf:12: fetch_timeout = 0x10 is not a decimal number; use 1 to 600"
write_conf bad-draft.conf "draft \"example.org\" { policy_file = \"$work/broken-policy.txt\" }"
expect_bad_conf bad-draft.conf "broken-policy.txt:3: error: " \
    "bad-draft.conf:10: draft \"example.org\": policy_file"
write_conf bad-socket.conf 'socket = "inet:8891"'
expect_bad_conf bad-socket.conf "bad-socket.conf:10: socket"

# miltertest scripts, each starting the daemon with its own config.
rm -f "$work/sessions.jsonl"
run_lua t-headers.lua -D conf="$work/default.conf"
write_conf always.conf 'add_header = "always"' 'authserv_id = "audit.example.test"'
run_lua t-always.lua -D conf="$work/always.conf"
write_conf never.conf 'add_header = "never"'
run_lua t-never.lua -D conf="$work/never.conf"
write_conf inbound.conf 'add_header = "always"' \
    'authserv_id = "audit.example.test"' "metrics_file = \"$work/inbound.prom\"" \
    'metrics_interval = 1'
run_lua t-inbound.lua -D conf="$work/inbound.conf"
check_metric "authenticated message counted as skipped" \
    'mtasts_messages_skipped_total{reason="authenticated"}' 1
check_metric "three messages" mtasts_messages_total 3
check_metric "five sessions (probe-like names are not the probe)" \
    mtasts_sessions_total 5
check_metric "the unauthenticated one judged" \
    'mtasts_verdicts_total{domain="example.test",result="pass"}' 1
check_metric "the new domain pending" \
    'mtasts_verdicts_total{domain="pending.example",result="pending"}' 1
write_conf audit-auth.conf 'add_header = "always"' \
    'authserv_id = "audit.example.test"' 'audit_authenticated = true'
run_lua t-inbound.lua -D conf="$work/audit-auth.conf" -D audit=yes
# Sendmail's macro forms; the listeners take the wildcard certificate.
write_conf sendmail.conf 'add_header = "always"' \
    "listener \"192.0.2.25\" { mx_name = \"mx2.example.test\" tls_cert_file = \"$work/wild.pem\" }" \
    "listener \"2001:db8::25\" { mx_name = \"mx6.example.test\" tls_cert_file = \"$work/wild.pem\" }"
run_lua t-sendmail.lua -D conf="$work/sendmail.conf"

# A daemon (forked, so it has done chdir /) started with a relative -c
# still finds its configuration on reload.
write_conf relative.conf 'add_header = "never"' "pidfile = \"$work/relative.pid\""
(cd "$work" && "$daemon" -c relative.conf)
i=0
while [ $i -lt 100 ] && ! [ -s "$work/relative.pid" ]; do
	sleep 0.1
	i=$((i + 1))
done
if [ -s "$work/relative.pid" ]; then
	run_lua t-reload.lua -D conf=unused -D expect=none -D qid=D1
	echo 'add_header = "always"' >>"$work/relative.conf"
	kill -USR1 "$(cat "$work/relative.pid")"
	sleep 1
	run_lua t-reload.lua -D conf=unused -D expect=header -D qid=D2
	kill -TERM "$(cat "$work/relative.pid")"
	i=0
	while [ $i -lt 100 ] && [ -e "$work/relative.pid" ]; do
		sleep 0.1
		i=$((i + 1))
	done
else
	fail "daemon with a relative -c did not start"
fi

# Reload: SIGUSR1 applies a new config, and with a broken one keeps it;
# SIGHUP, even mixed with SIGUSR1, neither reloads nor stops.
cp "$work/never.conf" "$work/reload.conf"
"$daemon" -f -c "$work/reload.conf" >"$work/daemon.log" 2>&1 &
pid=$!
if wait_for "started"; then
	run_lua t-reload.lua -D conf=unused -D expect=none -D qid=R1
	cp "$work/default.conf" "$work/reload.conf"
	echo 'add_header = "always"' >>"$work/reload.conf"
	# A burst of SIGHUPs with SIGUSR1s in between (one used to stop it).
	for i in $(seq 200); do
		kill -HUP $pid; kill -USR1 $pid; kill -HUP $pid
	done
	kill -0 $pid 2>/dev/null || fail "a SIGHUP stopped the filter"
	grep -q "stopped" "$work/daemon.log" && fail "a SIGHUP stopped the filter"
	wait_for "configuration reloaded" || fail "no reload after SIGUSR1"
	run_lua t-reload.lua -D conf=unused -D expect=header -D qid=R2
	echo 'add_header = "bogus"' >>"$work/reload.conf"
	mv "$work/sessions.jsonl" "$work/sessions.jsonl.1"	# as logrotate does
	kill -USR1 $pid
	wait_for "running configuration stays in use" || fail "bad reload not reported"
	run_lua t-reload.lua -D conf=unused -D expect=header -D qid=R3
	kill -TERM $pid
	if wait $pid; then
		pass "SIGTERM stops cleanly"
	else
		fail "exit status after SIGTERM"
	fi
	test -e "$work/milter.pid" && fail "pid file left behind"
else
	fail "daemon did not start"
	cat "$work/daemon.log"
	kill $pid 2>/dev/null
fi

# Stress: reloads (SIGUSR1) every 10 ms while two clients run sessions with
# random SNI names that the configured (wildcard) certificate covers. Under
# the sanitizer build any out-of-bounds write kills the daemon with a report.
# MTASTS_STRESS_SECONDS sets how long. SIGHUPs come in between: ignored,
# they must not stop the filter (libmilter's own thread would take one as
# "stop", see mtasts-milter(8), SIGNALS).
stress=${MTASTS_STRESS_SECONDS:-10}
write_conf stress.conf "tls_cert_file = \"$work/wild.pem\"" \
    'json_log = ""' "pidfile = \"$work/stress.pid\""
"$daemon" -f -c "$work/stress.conf" >"$work/stress.log" 2>&1 &
pid=$!
i=0
while [ $i -lt 100 ] && ! grep -q started "$work/stress.log"; do
	sleep 0.1
	i=$((i + 1))
done
(
	end=$(($(date +%s) + stress))
	while [ "$(date +%s)" -lt "$end" ]; do
		kill -USR1 $pid 2>/dev/null || exit 0
		kill -HUP $pid 2>/dev/null || exit 0
		sleep 0.01
	done
) &
reloader=$!
clients=
for seed in 1 2; do
	"$MILTERTEST" -D binary="$daemon" -D sock="$work/milter.sock" \
	    -D srcdir="$srcdir" -D seconds="$stress" -D seed=$seed \
	    -s "$srcdir/t-stress.lua" >"$work/t-stress-$seed.out" 2>&1 &
	clients="$clients $!"
done
client_failed=0
for c in $clients; do
	wait $c || client_failed=1
done
wait $reloader
sessions=0
for n in $(sed -n 's/.*sessions: //p' "$work"/t-stress-*.out); do
	sessions=$((sessions + n))
done
if [ $client_failed -ne 0 ]; then
	fail "stress: a client session failed"
	cat "$work"/t-stress-*.out | tail -n 20
fi
if kill -0 $pid 2>/dev/null && kill -TERM $pid && wait $pid &&
    ! grep -q -e "Sanitizer" -e "runtime error" "$work/stress.log"; then
	pass "stress: ${stress}s of reloads with random SNI names ($sessions sessions)"
else
	fail "stress: daemon died or reported an error"
	tail -n 40 "$work/stress.log"
fi

# The JSON log: one line per message (and per message-less connection).
check_json "valid JSON, expected line count" 'length == 32'
check_json "one line per queue id" \
    '[.[] | select(.queue_id != null) | .queue_id] | (length == (unique | length))'
check_json "TLSv1.3 pass" \
    '.[] | select(.queue_id == "H1") | .domains == [{"domain":"example.test","rcpts":1,"result":"pass","reasons":[],"policy":{"mode":"enforce","id":"next1","source":"draft"}}]'
check_json "client certificate: xtext DN decoded, CN kept" \
    '.[] | select(.queue_id == "H1") | .tls.client_cert_subject == "/C=US/CN=client.sender.test" and .tls.client_cert_issuer == "Sender CA+2B1"'
check_json "TLSv1.1 would-fail" \
    '.[] | select(.queue_id == "H2") | .domains[0].result == "would-fail" and .domains[0].reasons == ["tls-version"] and .tls.version == "TLSv1.1" and .tls.bits == 256'
check_json "cipher version: raw in tls.version, no tls-version" \
    '.[] | select(.queue_id == "H11") | .tls.version == "TLSv1/SSLv3" and .domains[0].result == "pass" and .domains[0].reasons == []'
check_json "plaintext: tls null, null sender" \
    '.[] | select(.queue_id == "H3") | .tls == null and .mail_from_domain == null and .domains[0].reasons == ["starttls-not-supported"]'
check_json "two messages on one connection" \
    '[.[] | select(.queue_id == "H4" or .queue_id == "H5")] | length == 2 and .[1].domains[0].rcpts == 2'
check_json "TLS at MAIL only" \
    '.[] | select(.queue_id == "H6") | .tls.version == "TLSv1.2" and .domains[0].result == "pass"'
check_json "multi-domain counts and results" \
    '.[] | select(.queue_id == "H7") | [.domains[] | [.domain, .rcpts, .result]] == [["example.test",3,"pass"],["example.net",2,"would-fail"],["example.org",1,.domains[2].result]] and .domains[2].policy == null and .domains[2].reasons == [] and (.domains[2].result == "pending" or (.domains[2].result == "no-policy" and .domains[2].deferred))'
check_json "abort" \
    '.[] | select(.queue_id == "H8") | .aborted == true and .domains[0].result == "would-fail"'
check_json "sni" \
    '.[] | select(.queue_id == "H9") | .mx == {"name":"mx2.example.test","source":"sni"} and .tls.sni == "mx2.example.test"'
check_json "hostile macros made printable and bounded" \
    '.[] | select(.queue_id == "H10") | (.tls.version == "TLSv1.3??X-Injected: 1") and (.tls.cipher | length) == 255 and (.tls.client_cert_subject | test("^/CN=[?]{4}s+$")) and .tls.bits == null and (.host | length) == 255'
check_json "connection without message" \
    '[.[] | select(.event == "connection" and .client.helo == "mail.sender.test")] | length == 1 and .[0].tls.version == "TLSv1.2" and .[0].mx.source == "config"'
check_json "Sendmail: {if_addr} finds the listener under a wildcard {daemon_addr}" \
    '[.[] | select(.queue_id == "S1" or .queue_id == "S4" or .queue_id == "S6") | .mx] == [range(3) | {"name":"mx2.example.test","source":"listener"}]'
check_json "Sendmail: loopback (no {if_addr}) falls back to mx_name" \
    '.[] | select(.queue_id == "S2") | .mx == {"name":"mx1.example.test","source":"config"} and .tls == null'
check_json "Sendmail: IPv6-tagged {if_addr}" \
    '.[] | select(.queue_id == "S3") | .mx == {"name":"mx6.example.test","source":"listener"}'
check_json "Sendmail: xtext DNs decoded, CR LF made printable" \
    '.[] | select(.queue_id == "S5") | .tls.client_cert_subject == "/O=Lab \\+ Co/CN=client two.example.test" and .tls.client_cert_issuer == "/CN=MTA-STS Lab Test CA??X-Injected: 1" and .tls.version == "TLSv1.2" and .domains[0].result == "pass"'
check_json "Sendmail: a bracketed {client_ptr} is no PTR name" \
    '.[] | select(.queue_id == "S7") | .client == {"ip":"192.0.2.7","ptr":"mail.sender.test","helo":"mail.sender.test"}'
check_json "authenticated: not judged, domains not looked up" \
    '.[] | select(.queue_id == "I1") | .domains == [] and .skipped == "authenticated"'
check_json "audit_authenticated: judged" \
    '.[] | select(.queue_id == "I1A") | .domains[0].result == "pass" and .skipped == null'
check_json "unauthenticated: judged" \
    '.[] | select(.queue_id == "I2") | .domains[0].result == "pass" and .skipped == null'
# I3 is written once discovery answers (DNS to a closed port: no policy,
# "deferred"), or as it was when the daemon stops first.
check_json "pending domain, completed once discovery answers" \
    '[.[] | select(.queue_id == "I3")] | length == 1 and (.[0].domains == [{"domain":"pending.example","rcpts":1,"result":"pending","reasons":[],"policy":null}] or .[0].domains == [{"domain":"pending.example","rcpts":1,"result":"no-policy","reasons":[],"policy":null,"deferred":true}])'
check_json "clients named like the probe are logged" \
    '[.[] | select(.event == "connection" and (.client.helo | startswith("mtasts-milter-probe")))] | length == 2'
check_json "add_header=always run" \
    '.[] | select(.queue_id == "A1") | .host == "audit.example.test"'
check_json "reload kept logging" \
    '[.[] | select(.queue_id == "R1" or .queue_id == "R2" or .queue_id == "R3")] | length == 3'

# The log writer batches (up to 5 ms) and follows a renamed file by its
# name, so R2, finished just before the rename, may land in either file;
# R3 must be in the new one, and nothing older than R2.
if [ "$("$JQ" -r .queue_id "$work/sessions.jsonl" 2>/dev/null | tr '\n' ' ')" = "R3 " ] ||
   [ "$("$JQ" -r .queue_id "$work/sessions.jsonl" 2>/dev/null | tr '\n' ' ')" = "R2 R3 " ]; then
	pass "json log reopened on reload"
else
	fail "json log not reopened on reload"
fi

if [ $failed -eq 0 ]; then
	rm -rf "$work"
	exit 0
fi
echo "work files kept in $work"
exit 1

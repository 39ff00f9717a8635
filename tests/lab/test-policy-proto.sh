#!/bin/bash
# test-policy-proto.sh - the policy service (policy_socket) of mtasts-milter
# speaking the policy delegation protocol with a scripted client
# (policyclient.py): answers, split and pipelined requests, malformed and
# oversize ones, a client that never finishes, Exim's half-close, the
# certificate Exim served (tls_ourcert), the JSON records, the once-a-minute
# log line, reload and stop. Uses the lab's lock and PKI; no Postfix.
set -eu
srcdir=${srcdir:-$(dirname "$0")}
. "$srcdir/lib.sh"
lab_require
command -v python3 >/dev/null || lab_skip "python3 not found"
lab_init policy-proto

lab_mkpki
lab_issue_dated "$LAB_MX-expired" "DNS:$LAB_MX" 20200101000000Z 20200201000000Z
{
	echo "# mtasts-milter.conf for test-policy-proto.sh"
	lab_milter_conf_common
	echo "policy_socket = \"unix:$LAB/policy.sock\""
	echo "draft \"example.test\" { policy_file = \"$LAB/draft-example.test.txt\" id = \"lab1\" }"
} | sed 's/^add_header .*/add_header = "would-fail"/' >"$LAB/mtasts-milter.conf"
lab_milter_start
lab_wait 5 "the policy socket" test -S "$LAB/policy.sock" ||
	lab_die "no policy socket (see $LAB/milter.log)"
check "policy socket mode and owner like the milter socket's" \
	test "$(stat -c %a "$LAB/policy.sock")" = 770

check "protocol checks (policyclient.py)" \
	python3 "$srcdir/policyclient.py" "$LAB/policy.sock" "$LAB/sessions.jsonl" \
	"$LAB/pki/$LAB_MX-expired.crt"
check "malformed requests: one log line a minute" \
	test "$(grep -c 'policy service: malformed request' "$LAB/milter.log")" = 1

kill -USR1 "$LAB_MILTER_PID"
lab_wait 5 "the reload" grep -q 'configuration reloaded' "$LAB/milter.log" || true
check "reload (SIGUSR1): still answering" \
	python3 -c 'import socket,sys
s = socket.socket(socket.AF_UNIX); s.settimeout(5); s.connect(sys.argv[1])
s.sendall(b"request=smtpd_access_policy\nprotocol_state=DATA\ninstance=r1\n\n")
sys.exit(s.recv(100) != b"action=DUNNO\n\n")' "$LAB/policy.sock"
lab_stop_pid milter "$LAB_MILTER_PID"
check "stop: clean exit, socket removed" \
	eval "grep -q 'stopped' '$LAB/milter.log' && ! test -e '$LAB/policy.sock'"

[ "$FAILURES" -eq 0 ] || { lab_log "$FAILURES check(s) failed; see $LAB"; exit 1; }

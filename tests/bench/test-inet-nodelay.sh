#!/bin/bash
# tests/bench/test-inet-nodelay.sh - mtasts-milter on an inet socket answers
# without the 40 ms Nagle/delayed-ACK stall per message (milter/nodelay.h):
# milterbench sends 20 messages, one connection at a time, each with the
# audit header (add_header = always), and the median session must stay
# under 20 ms. With the stall every session takes 40 ms or more, so a
# busy host (a slow session now and then) does not make this fail: only
# the median counts. Takes the lab lock (tests/lab/lib.sh) for its fixed
# loopback port.
# Environment: MTASTS_MILTER, MILTERBENCH. Exit 77: a tool missing.
set -eu

. "$(dirname "$0")/../lab/lib.sh"

PORT=18893
LIMIT_US=20000

for v in MTASTS_MILTER MILTERBENCH; do
	[ -x "${!v:-}" ] || lab_skip "$v is not set or not built: ${!v:-unset}"
done
command -v flock >/dev/null || lab_skip "flock not found"

lab_init inet-nodelay
if command -v ss >/dev/null && ss -Hltn "sport = :$PORT" | grep -q .; then
	lab_die "TCP port $PORT is in use (ss -ltnp 'sport = :$PORT')"
fi
printf 'version: STSv1\nmode: enforce\nmx: mx1.example.test\nmax_age: 86400\n' \
	>"$LAB/example.test.txt"
mkdir -p "$LAB/state"
cat >"$LAB/mtasts-milter.conf" <<CONF
socket = "inet:$PORT@127.0.0.1"
pidfile = "$LAB/milter.pid"
json_log = "$LAB/sessions.jsonl"
state_dir = "$LAB/state"
mx_name = "mx1.example.test"
add_header = "always"
draft "example.test" { policy_file = "$LAB/example.test.txt" id = "nodelay1" }
dns_servers = "127.0.0.1:9"
CONF
"$MTASTS_MILTER" -f -c "$LAB/mtasts-milter.conf" >"$LAB/milter.log" 2>&1 9>&- &
pid=$!
lab_track mtasts-milter "$pid"
lab_wait 10 "mtasts-milter on 127.0.0.1:$PORT" lab_tcp_listening "$PORT" ||
	lab_die "mtasts-milter did not listen on $PORT (see $LAB/milter.log)"

"$MILTERBENCH" -c 1 -m 20 -r 1 -w 2 -t tls13 "mtasts:$pid:inet:$PORT@127.0.0.1" \
	>"$LAB/bench.txt" || lab_die "milterbench failed (see $LAB/bench.txt)"
p50=$(awk '$1 == "RESULT" { printf "%d", $5 }' "$LAB/bench.txt")
[ -n "$p50" ] || lab_die "no RESULT line in $LAB/bench.txt"
check "20 messages over inet: median session ${p50} us < $LIMIT_US us (no 40 ms Nagle stall)" \
	test "$p50" -lt "$LIMIT_US"
# The JSON writer batches (a few ms): wait for the records, don't race them.
logged() {
	headers=$(grep -c '"result":"' "$LAB/sessions.jsonl" 2>/dev/null || true)
	[ "${headers:-0}" -eq 22 ]
}
lab_wait 10 "22 JSON records" logged || true
check "22 messages logged (got $headers)" test "$headers" -eq 22
lab_log "done"
[ "$FAILURES" -eq 0 ]

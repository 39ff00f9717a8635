#!/bin/bash
# tests/bench/bench-callgrind.sh - instructions per message of mtasts-milter
# and of the null milter, counted by valgrind --tool=callgrind: unlike
# time, the count does not depend on the host's load. Each filter runs
# twice under callgrind, serving LOW and then HIGH sessions (milterbench,
# 1 connection, TLS mix, the configuration of bench-proto.sh); the
# difference divided by HIGH - LOW is the cost of one message without the
# start and stop. The profile of the HIGH run of mtasts-milter stays in
# BENCH_DIR/callgrind.mtasts for callgrind_annotate.
#
# Environment: as bench-proto.sh (MTASTS_MILTER, NULLMILTER, MILTERBENCH,
# BENCH_DIR, BENCH_MTASTS_CONF_EXTRA); BENCH_LOW (200), BENCH_HIGH (1200).
# Exit: 0 done, 1 error, 77 skipped (valgrind missing).
set -eu

DIR=${BENCH_DIR:-$PWD/run/callgrind}
LOW=${BENCH_LOW:-200}
HIGH=${BENCH_HIGH:-1200}
PID=

command -v valgrind >/dev/null || { echo "bench-callgrind: SKIP: valgrind not found" >&2; exit 77; }
for v in MTASTS_MILTER NULLMILTER MILTERBENCH; do
	[ -x "${!v:-}" ] || { echo "bench-callgrind: SKIP: $v not set" >&2; exit 77; }
done
trap '[ -z "$PID" ] || kill "$PID" 2>/dev/null || true' EXIT
mkdir -p "$DIR/state"
DIR=$(cd "$DIR" && pwd)
printf 'version: STSv1\nmode: enforce\nmx: mx1.example.test\nmax_age: 86400\n' >"$DIR/example.test.txt"

# write_conf SOCKET: mtasts-milter's config (a socket of its own per run, so
# that a run never meets the one before it still going away).
write_conf() {
	cat >"$DIR/mtasts-milter.conf" <<CONF
socket = "unix:$1"
pidfile = "$DIR/mtasts.pid"
json_log = "$DIR/sessions.jsonl"
state_dir = "$DIR/state"
mx_name = "mx1.example.test"
add_header = "always"
draft "example.test" { policy_file = "$DIR/example.test.txt" id = "bench1" }
dns_servers = "127.0.0.1:9"
${BENCH_MTASTS_CONF_EXTRA:-}
CONF
}

# instructions FILTER SESSIONS OUT: total Ir of one run of the filter.
instructions() {
	local filter=$1 n=$2 out=$3 sock cmd i
	sock=$DIR/$filter-$n.sock
	rm -f "$sock" "$out"
	case $filter in
	null) cmd=("$NULLMILTER" "unix:$sock") ;;
	mtasts) write_conf "$sock"; cmd=("$MTASTS_MILTER" -f -c "$DIR/mtasts-milter.conf") ;;
	esac
	valgrind -q --tool=callgrind --callgrind-out-file="$out" "${cmd[@]}" \
		>>"$DIR/valgrind.log" 2>&1 &
	PID=$!
	for i in $(seq 300); do
		[ -S "$sock" ] && break
		sleep 0.1
	done
	[ -S "$sock" ] || { echo "bench-callgrind: $filter did not start (see $DIR/valgrind.log)" >&2; exit 1; }
	"$MILTERBENCH" -c 1 -m "$n" -r 1 -w 0 -t mix "$filter:-:unix:$sock" >/dev/null
	kill "$PID"
	wait "$PID" || true
	PID=
	sed -n 's/^summary: *//p; s/^totals: *//p' "$out" | head -n 1
}

echo "bench-callgrind: instructions per message (callgrind; $LOW and $HIGH sessions)"
for f in null mtasts; do
	lo=$(instructions "$f" "$LOW" "$DIR/callgrind.$f.low")
	hi=$(instructions "$f" "$HIGH" "$DIR/callgrind.$f")
	echo "$f $(( (hi - lo) / (HIGH - LOW) ))"
done | awk '{ ir[$1] = $2; print } END { printf "mtasts - null: %+d instructions per message (%.2fx)\n", ir["mtasts"] - ir["null"], ir["mtasts"] / ir["null"] }'

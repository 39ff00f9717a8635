#!/bin/bash
# tests/bench/bench-proto.sh - mtasts-milter's overhead over the null milter
# at the milter-protocol level (no MTA): milterbench drives both filters in
# interleaved rounds in one run, at 1, 16 and 256 concurrent connections,
# and prints msg/s ratios, p50/p99 session latency and CPU per message.
#
# mtasts-milter runs with json_log on, add_header = always and a draft
# policy for the recipient domain (example.test, enforce, mx1.example.test),
# discovery pointed at a closed DNS port (the draft's verdict does not need
# it); the sessions mix TLS 1.3, TLS 1.2 and plaintext (milterbench -t mix).
#
# Twice, unless BENCH_SYSLOG says otherwise:
#   none   no syslog daemon (the host's /dev/log, or its absence, as it is)
#   sink   a syslog daemon listening: in a private mount namespace
#          (unshare -m) whose /dev is a fresh tmpfs with null, zero, random,
#          urandom and a log socket served by syslogsink; the host's /dev
#          and /dev/log are not touched.
# The filters run on CPU 1 and the driver on CPU 0 (taskset) when the host
# has two CPUs or more and BENCH_PIN is not 0.
#
# Environment: MTASTS_MILTER, NULLMILTER, MILTERBENCH, SYSLOGSINK (set by
# `make bench-proto`); BENCH_DIR (work directory), BENCH_CONNS ("1,16,256"),
# BENCH_MESSAGES (2000 per filter per round), BENCH_ROUNDS (5),
# BENCH_SYSLOG ("none sink"), BENCH_PIN (1), BENCH_MTASTS_CONF_EXTRA (lines
# added to mtasts-milter's config, e.g. 'log_verdicts = "none"'),
# BENCH_OTHER_MILTER (another mtasts-milter binary, an older build say, run
# as a third filter "other" in the same rounds, with the same config),
# BENCH_NULL_HEADER (1: also "nullhdr", nullmilter -H, which inserts one
# header field per message: the protocol's part of the difference; the
# ratios are still against "null").
# Exit: 0 done, 1 error, 77 skipped (a tool missing).
set -eu

DIR=${BENCH_DIR:-$PWD/run/proto}
CONNS=${BENCH_CONNS:-1,16,256}
MESSAGES=${BENCH_MESSAGES:-2000}
ROUNDS=${BENCH_ROUNDS:-5}
SYSLOG_MODES=${BENCH_SYSLOG:-none sink}
PIN=${BENCH_PIN:-1}
PIDS=()

log() { printf 'bench-proto: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
skip() { log "SKIP: $*"; exit 77; }

for v in MTASTS_MILTER NULLMILTER MILTERBENCH SYSLOGSINK; do
	[ -x "${!v:-}" ] || skip "$v is not set or not built: ${!v:-unset}"
done

cleanup() {
	local pid
	for pid in "${PIDS[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in "${PIDS[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
}

wait_socket() {
	local i
	for i in $(seq 100); do
		[ -S "$1" ] && return 0
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# pinned CPU CMD...: exec CMD (so that $! of `pinned ... &` is its pid), on
# that CPU when pinning is on.
pinned() {
	local cpu=$1
	shift
	if [ "$PIN" != 0 ] && [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null; then
		exec taskset -c "$cpu" "$@"
	else
		exec "$@"
	fi
}

write_conf() {
	local name
	printf 'version: STSv1\nmode: enforce\nmx: mx1.example.test\nmax_age: 86400\n' \
		>"$DIR/example.test.txt"
	for name in mtasts other; do
	mkdir -p "$DIR/state-$name"
	cat >"$DIR/$name.conf" <<CONF
# written by bench-proto.sh
socket = "unix:$DIR/$name.sock"
pidfile = "$DIR/$name.pid"
json_log = "$DIR/$name.jsonl"
state_dir = "$DIR/state-$name"
mx_name = "mx1.example.test"
add_header = "always"
draft "example.test" { policy_file = "$DIR/example.test.txt" id = "bench1" }
dns_servers = "127.0.0.1:9"
${BENCH_MTASTS_CONF_EXTRA:-}
CONF
	done
}

# one_mode MODE: start both filters, run milterbench, stop them.
one_mode() {
	local mode=$1 null_pid mtasts_pid other_pid nullhdr_pid sink_pid lines others=()
	rm -f "$DIR"/*.sock "$DIR"/*.jsonl
	if [ "$mode" = sink ]; then
		"$SYSLOGSINK" "$DIR/log" 2>>"$DIR/sink.log" &
		sink_pid=$!
		PIDS+=("$sink_pid")
	fi
	pinned 1 "$NULLMILTER" "unix:$DIR/null.sock" >>"$DIR/null.log" 2>&1 &
	null_pid=$!
	PIDS+=("$null_pid")
	pinned 1 "$MTASTS_MILTER" -f -c "$DIR/mtasts.conf" >>"$DIR/mtasts.log" 2>&1 &
	mtasts_pid=$!
	PIDS+=("$mtasts_pid")
	if [ -n "${BENCH_OTHER_MILTER:-}" ]; then
		pinned 1 "$BENCH_OTHER_MILTER" -f -c "$DIR/other.conf" >>"$DIR/other.log" 2>&1 &
		other_pid=$!
		PIDS+=("$other_pid")
		wait_socket "$DIR/other.sock" "$other_pid" || die "$BENCH_OTHER_MILTER did not start (see $DIR/other.log)"
		others=("other:$other_pid:unix:$DIR/other.sock")
	fi
	if [ "${BENCH_NULL_HEADER:-0}" = 1 ]; then
		pinned 1 "$NULLMILTER" -H "unix:$DIR/nullhdr.sock" >>"$DIR/nullhdr.log" 2>&1 &
		nullhdr_pid=$!
		PIDS+=("$nullhdr_pid")
		wait_socket "$DIR/nullhdr.sock" "$nullhdr_pid" || die "nullmilter -H did not start (see $DIR/nullhdr.log)"
		others+=("nullhdr:$nullhdr_pid:unix:$DIR/nullhdr.sock")
	fi
	wait_socket "$DIR/null.sock" "$null_pid" || die "nullmilter did not start (see $DIR/null.log)"
	wait_socket "$DIR/mtasts.sock" "$mtasts_pid" || die "mtasts-milter did not start (see $DIR/mtasts.log)"
	echo
	echo "== syslog: $mode; $(uptime)"
	(pinned 0 "$MILTERBENCH" -c "$CONNS" -m "$MESSAGES" -r "$ROUNDS" -t mix \
		"null:$null_pid:unix:$DIR/null.sock" \
		"mtasts:$mtasts_pid:unix:$DIR/mtasts.sock" "${others[@]}") | tee "$DIR/result-$mode.txt"
	echo "== end: $(uptime)"
	kill "$mtasts_pid" "$null_pid" ${other_pid:+"$other_pid"} ${nullhdr_pid:+"$nullhdr_pid"}
	wait "$mtasts_pid" "$null_pid" ${other_pid:+"$other_pid"} ${nullhdr_pid:+"$nullhdr_pid"} || true
	lines=$(grep -c '"event":"message"' "$DIR/mtasts.jsonl" || true)
	echo "mtasts-milter JSON log: $lines message records"
	if [ "$mode" = sink ]; then
		kill "$sink_pid"
		wait "$sink_pid" || true
		tail -n 1 "$DIR/sink.log"
	fi
}

# In the private mount namespace: a /dev of our own with a listening log.
private_dev() {
	mount -t tmpfs -o mode=755 bench-dev /dev
	mknod -m 666 /dev/null c 1 3
	mknod -m 666 /dev/zero c 1 5
	mknod -m 666 /dev/random c 1 8
	mknod -m 666 /dev/urandom c 1 9
	ln -s "$DIR/log" /dev/log
}

main() {
	local mode
	mkdir -p "$DIR/state"
	DIR=$(cd "$DIR" && pwd)
	[ ${#DIR} -le 90 ] || die "BENCH_DIR $DIR is too long for a socket path"
	write_conf
	trap cleanup EXIT
	for mode in $SYSLOG_MODES; do
		case $mode in
		none)
			[ -e /dev/log ] && log "note: /dev/log exists on this host: 'none' runs with the host's syslog"
			one_mode none ;;
		sink)
			if [ "${BENCH_IN_NS:-}" = 1 ]; then
				private_dev
				one_mode sink
			elif command -v unshare >/dev/null && unshare -m true 2>/dev/null; then
				BENCH_IN_NS=1 BENCH_SYSLOG=sink BENCH_DIR=$DIR unshare -m bash "$0"
			else
				log "SKIP syslog sink: unshare -m is not possible here (not root?)"
			fi ;;
		*) die "BENCH_SYSLOG: unknown mode '$mode' (none, sink)" ;;
		esac
	done
}

main "$@"

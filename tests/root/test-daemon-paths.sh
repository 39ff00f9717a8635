#!/usr/bin/env bash
# test-daemon-paths.sh - what mtasts-milter, started as root with
# user = "nobody", does with names in a directory that nobody may write
# (the socket's, holding the pid file and the state here too):
#   - a pid file planted as a symbolic link (or a hard link) to another
#     file: the start is refused with a clear error and the file is not
#     written;
#   - the socket is nobody's from the start, and swapping its name for a
#     link right after bind gives nobody no other file (the old chown by
#     path is delayed with strace, when available, to make the race sure);
#   - a state file that nobody may not read: an error in syslog, and the
#     file is kept as it is (not renamed .corrupt-*, not overwritten);
#   - a pid file in a directory only root may write stays behind at stop,
#     and syslog says so and why;
#   - started as a daemon with stdin and stdout closed, the pid file gets
#     the pid and SIGTERM stops it: nothing it opens (the signal pipe, the
#     socket, the pid file) may become descriptor 0 or 1, which the daemon
#     then points at /dev/null.
set -u
. "$(dirname "$0")/lib.sh"
MTASTS_MILTER=${MTASTS_MILTER:-../../milter/mtasts-milter}
root_setup getent
getent passwd nobody >/dev/null || root_skip "no user nobody"
[ -x "$MTASTS_MILTER" ] || { echo "FAIL: $MTASTS_MILTER not built"; exit 1; }

run=$WORK/run
mkdir "$run" && chown nobody "$run"
conf=$WORK/milter.conf
cat >"$conf" <<EOC
socket = "unix:$run/milter.sock"
user = "nobody"
pidfile = "$run/milter.pid"
json_log = "$run/sessions.jsonl"
state_dir = "$run"
dns_servers = "127.0.0.1:9"
mx_name = "mx1.example.test"
EOC
victim=$WORK/victim
reset_victim() { echo victim >"$victim"; chmod 644 "$victim"; }
no_sanitizer() { ! grep -A 14 'Sanitizer\|runtime error' "$1"; }
victim_intact() {
	[ "$(cat "$victim")" = victim ] && [ "$(stat -c %U "$victim")" = root ]
}

# --- a planted pid file ------------------------------------------------
planted_pidfile() {
	local how=$1 out=$WORK/planted.err rc
	reset_victim
	rm -f "$run/milter.pid"
	if [ "$how" = symlink ]; then
		runuser -u nobody -- ln -s "$victim" "$run/milter.pid"
		want="is a symbolic link; refusing to write through it"
	else
		ln "$victim" "$run/milter.pid"
		want="has other hard links; refusing to write it"
	fi
	timeout 10 "$MTASTS_MILTER" -f -c "$conf" 2>"$out"
	rc=$?
	[ $rc = 124 ] && rm -f "$run/milter.pid"
	check "pid file planted as a $how: the start fails (status $rc)" test $rc = 1
	check "pid file planted as a $how: the error says so" grep -q "$want" "$out"
	check "pid file planted as a $how: the other file is untouched" victim_intact
	check "pid file planted as a $how: no sanitizer report" no_sanitizer "$out"
	rm -f "$run/milter.pid"
}
planted_pidfile symlink
planted_pidfile hardlink

# --- the socket, and an unreadable state file ----------------------------
wait_for() {	# wait_for SECONDS COMMAND...
	local n=$(($1 * 20))
	shift
	while [ $n -gt 0 ]; do
		"$@" && return 0
		sleep 0.05
		n=$((n - 1))
	done
	return 1
}
# Swap the socket's name for a link to the victim as soon as it exists.
swap_socket() {
	wait_for 10 test -S "$run/milter.sock" || return
	stat -c '%U:%G %A' "$run/milter.sock" >"$WORK/sock.stat"
	runuser -u nobody -- ln -s "$victim" "$run/swap" &&
		runuser -u nobody -- mv -T "$run/swap" "$run/milter.sock"
}

reset_victim
rm -f "$run/milter.sock"	# left by the refused starts
echo '{"version":1,"saved":0,"domains":[]}' >"$run/policies.json"
chmod 600 "$run/policies.json"
cp "$run/policies.json" "$WORK/policies.before"
launcher=()
if command -v strace >/dev/null 2>&1 &&
    strace -o /dev/null -e inject=chown:delay_enter=1 true 2>/dev/null; then
	# (LeakSanitizer cannot work under ptrace: off for this run only)
	launcher=(env "ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
	    strace -f -o /dev/null -e trace=chown,lchown,fchownat
	    -e inject=chown,lchown,fchownat:delay_enter=2000000)
fi
swap_socket &
swapper=$!
"${launcher[@]}" "$MTASTS_MILTER" -f -c "$conf" 2>"$WORK/daemon.err" &
launched=$!
wait "$swapper"
check "the daemon started" wait_for 10 grep -q 'started' "$WORK/daemon.err"
sleep 2
check "the socket is nobody's from the start, mode 0770" \
	grep -qx 'nobody:nogroup srwxrwx---' "$WORK/sock.stat"
if [ ${#launcher[@]} -gt 0 ]; then
	check "swapping the socket's name for a link gives nobody no other file" victim_intact
else
	echo "SKIP: strace cannot delay chown here; the swap race is not forced"
fi
check "an unreadable state file is an error naming the cause" \
	grep -q "policies.json: Permission denied; starting without saved policies, and the file is kept" "$WORK/daemon.err"
[ -s "$run/milter.pid" ] && kill "$(cat "$run/milter.pid")"
wait "$launched"
check "the daemon stopped" grep -q 'stopped' "$WORK/daemon.err"
check "the daemon ran without a sanitizer report" no_sanitizer "$WORK/daemon.err"
check "the unreadable state file is not overwritten at stop" \
	cmp -s "$run/policies.json" "$WORK/policies.before"
check "the unreadable state file is not set aside" \
	test -z "$(ls "$run" | grep corrupt)"
# --- a pid file that nobody cannot remove at stop ---------------------------
rootdir=$WORK/rootrun
mkdir -m 755 "$rootdir"
sed "s|^pidfile = .*|pidfile = \"$rootdir/milter.pid\"|" "$conf" >"$WORK/rootpid.conf"
rm -f "$run/milter.sock"
timeout 3 "$MTASTS_MILTER" -f -c "$WORK/rootpid.conf" 2>"$WORK/rootpid.err"
check "a pid file nobody cannot remove: syslog says so at stop" grep -q \
	"pidfile $rootdir/milter.pid: cannot remove it: Permission denied (user \"nobody\" must be able to write its directory)" \
	"$WORK/rootpid.err"

# --- a daemon started with descriptors 0 and 1 closed ----------------------
rm -f "$run/milter.pid" "$run/milter.sock"
"$MTASTS_MILTER" -c "$conf" <&- >&- 2>"$WORK/bg.err"
check "started in the background with stdin and stdout closed" test $? = 0
pid_is_daemon() {
	local pid
	pid=$(cat "$run/milter.pid" 2>/dev/null) && [ -n "$pid" ] &&
		grep -q mtasts-milter "/proc/$pid/cmdline" 2>/dev/null
}
check "the pid file holds the daemon's pid" wait_for 10 pid_is_daemon
pid=$(cat "$run/milter.pid" 2>/dev/null)
# An empty pid file (a failure): the daemon this test started is found by
# its own configuration file.
[ -n "$pid" ] || pid=$(pgrep -f -- "-c $conf" | head -n 1)
if [ -n "$pid" ]; then
	kill "$pid"
	check "SIGTERM stops it" wait_for 10 test ! -d "/proc/$pid"
	[ -d "/proc/$pid" ] && kill -9 "$pid"
fi
root_done

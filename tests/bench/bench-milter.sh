#!/bin/bash
# tests/bench/bench-milter.sh - what mtasts-milter costs a real Postfix.
#
# In one lab run (tests/lab/lib.sh: private Postfix on 127.0.0.1:2525,
# dnsmasq, nginx, mtasts-milter with the lab's draft policies, json_log on,
# add_header = always), smtp-source sends BENCH_MESSAGES messages over
# BENCH_SESSIONS parallel sessions through three configurations:
#   none    Postfix without a milter
#   null    Postfix with nullmilter (same callbacks, does nothing)
#   mtasts  Postfix with mtasts-milter
# each with a new connection per message ("new") and with connections reused
# for many messages (smtp-source -d, "reuse"). Mail goes to discard(8) so
# delivery does not dominate. Prints messages/s per configuration, the
# milter process's CPU time per message, and mtasts-milter relative to the
# null milter. Then milterlat times each milter callback (no Postfix) for
# both milters.
#
# Plaintext only: smtp-source has no STARTTLS (milterlat sends TLS macros).
# Milters are attached with default_action=tempfail, so a milter that is
# not reached shows up as missing messages (checked) instead of as speed.
#
# Environment: MTASTS_MILTER, NULLMILTER, MILTERLAT (optional),
# MTASTS_LAB_DIR; BENCH_MESSAGES (2000), BENCH_SESSIONS (10), BENCH_SIZE
# (2048 bytes), BENCH_MODES ("new reuse"), BENCH_ROUNDS (3; the best run of
# each configuration counts: other load on the host only slows runs down),
# BENCH_CONFIGS ("none null mtasts"; each round starts one further along),
# BENCH_LAT_SESSIONS (2000).
# Exit: 0 done, 1 error (lost messages, a daemon failed), 77 skipped (not
# root, a tool missing).
set -eu

. "$(dirname "$0")/../lab/lib.sh"

MESSAGES=${BENCH_MESSAGES:-2000}
SESSIONS=${BENCH_SESSIONS:-10}
SIZE=${BENCH_SIZE:-2048}
MODES=${BENCH_MODES:-new reuse}
ROUNDS=${BENCH_ROUNDS:-3}
CONFIGS=${BENCH_CONFIGS:-none null mtasts}
LAT_SESSIONS=${BENCH_LAT_SESSIONS:-2000}
WARMUP=100
SMTP_SOURCE=/usr/sbin/smtp-source
RESULTS=
NULL_PID=
SENT_AT=

bench_require() {
	lab_require
	[ -x "$SMTP_SOURCE" ] || lab_skip "$SMTP_SOURCE not found (Debian package postfix)"
	NULLMILTER=${NULLMILTER:-}
	if [ -z "$NULLMILTER" ] || [ ! -x "$NULLMILTER" ]; then
		lab_skip "NULLMILTER is not set or not built: ${NULLMILTER:-unset}"
	fi
	MILTERLAT=${MILTERLAT:-}
	local n c
	for c in $CONFIGS; do
		case $c in none | null | mtasts) ;; *) lab_die "BENCH_CONFIGS: unknown configuration '$c' (none, null, mtasts)" ;; esac
	done
	for n in "$MESSAGES" "$SESSIONS" "$SIZE" "$ROUNDS" "$LAT_SESSIONS"; do
		case $n in '' | *[!0-9]*) lab_die "BENCH_* settings must be positive integers (got '$n')" ;; esac
	done
}

# --- the null milter --------------------------------------------------------

null_start() {
	"$NULLMILTER" "unix:$LAB/null.sock" >>"$LAB/null.log" 2>&1 9>&- &
	NULL_PID=$!
	lab_track nullmilter "$NULL_PID"
	lab_wait 10 "the null milter socket $LAB/null.sock" null_ready ||
		lab_die "nullmilter did not create $LAB/null.sock (see $LAB/null.log)"
	chmod 666 "$LAB/null.sock"
}

null_ready() {
	lab_alive "$NULL_PID" || lab_die "nullmilter exited: $(tail -n 3 "$LAB/null.log")"
	[ -S "$LAB/null.sock" ]
}

# --- Postfix ----------------------------------------------------------------

# bench_postfix_tune: every lab recipient goes to discard(8); milter errors
# tempfail the message so that a broken milter cannot look fast.
bench_postfix_tune() {
	postconf -c "$LAB/pf" -e local_transport=discard:bench \
		milter_default_action=tempfail smtpd_tls_loglevel=0
}

# bench_use CONFIG: attach no milter, the null milter or mtasts-milter.
bench_use() {
	local milters
	case $1 in
	none) milters= ;;
	null) milters="unix:$LAB/null.sock" ;;
	mtasts) milters="unix:$LAB/milter.sock" ;;
	esac
	postconf -c "$LAB/pf" -e "smtpd_milters=$milters"
	lab_postfix_run reload || lab_die "postfix reload failed (see $LAB/postfix-cmd.log)"
	sleep 0.5 # let the old smtpd processes go
}

queue_empty() {
	[ -z "$(find "$LAB/pfq/incoming" "$LAB/pfq/active" "$LAB/pfq/deferred" \
		"$LAB/pfq/maildrop" -type f -print -quit 2>/dev/null)" ]
}

# The logs grow by megabytes per run: count only what was added after a
# byte offset taken before the run.
size_of() { stat -c %s "$1" 2>/dev/null || echo 0; }
count_since() { tail -c +$(($2 + 1)) "$1" 2>/dev/null | grep -c "$3" || true; }
discarded() { count_since "$LAB/maillog" "$1" 'postfix/discard\[.*status=sent'; }
discarded_at_least() { [ "$(discarded "$1")" -ge "$2" ]; }
logged() { count_since "$LAB/sessions.jsonl" "$1" '"event":"message"'; }
logged_at_least() { [ "$(logged "$1")" -ge "$2" ]; }

# cpu_ticks PID: user + system CPU time of a process, in clock ticks.
cpu_ticks() {
	[ -n "$1" ] || { echo 0; return; }
	awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"
}

# --- one run ----------------------------------------------------------------

# send N MODE: smtp-source N messages; fails unless every one was discarded.
# SENT_AT is the time smtp-source finished (every message accepted).
send() {
	local n=$1 mode=$2 off opt=()
	[ "$mode" = reuse ] && opt=(-d)
	off=$(size_of "$LAB/maillog")
	"$SMTP_SOURCE" -s "$SESSIONS" -m "$n" -l "$SIZE" -M client.example.test \
		-f bench@client.example.test -t bench@example.test "${opt[@]}" \
		"127.0.0.1:$LAB_SMTP_PORT" 2>>"$LAB/smtp-source.log" ||
		lab_die "smtp-source failed (see $LAB/smtp-source.log)"
	SENT_AT=$(date +%s.%N)
	lab_wait 60 "$n messages discarded" discarded_at_least "$off" "$n" ||
		lab_die "only $(discarded "$off") of $n messages arrived (see $LAB/maillog, $LAB/smtp-source.log)"
	lab_wait 30 "an empty queue" queue_empty || lab_die "the queue did not drain"
}

# run CONFIG MODE ROUND MILTER-PID: one timed run; appends to $RESULTS.
run() {
	local config=$1 mode=$2 round=$3 pid=$4 t0 t1 c0 c1 l0
	l0=$(size_of "$LAB/sessions.jsonl")
	c0=$(cpu_ticks "$pid")
	t0=$(date +%s.%N)
	send "$MESSAGES" "$mode"
	t1=$SENT_AT
	if [ "$config" = mtasts ]; then
		lab_wait 10 "$MESSAGES JSON log lines" logged_at_least "$l0" "$MESSAGES" ||
			lab_die "mtasts-milter logged $(logged "$l0") of $MESSAGES messages"
	fi
	c1=$(cpu_ticks "$pid") # after the log lines: they are written in the background
	echo "$config $mode $round $t0 $t1 $((c1 - c0))" >>"$RESULTS"
	lab_log "$config/$mode round $round: $(awk -v a="$t0" -v b="$t1" -v n="$MESSAGES" \
		'BEGIN { printf "%.0f msg/s", n / (b - a) }')"
}

# rotate N WORD...: the words, starting with the Nth (cyclically), so that
# over the rounds each configuration runs in each position once.
rotate() {
	local n=$1
	shift
	local words=("$@") i
	for ((i = 0; i < ${#words[@]}; i++)); do
		printf '%s\n' "${words[(n - 1 + i) % ${#words[@]}]}"
	done
}

# --- output -----------------------------------------------------------------

# report: best run per configuration and mode, as a table.
report() {
	local hz
	hz=$(getconf CLK_TCK)
	awk -v n="$MESSAGES" -v hz="$hz" '
		{
			rate = n / ($5 - $4); key = $2 SUBSEP $1
			if (!(key in best) || rate > best[key]) { best[key] = rate; cpu[key] = $6 }
			if (!($2 in modes)) { modes[$2] = 1; order[++nm] = $2 }
		}
		function cell(m, c) { return (m SUBSEP c) in best ? sprintf("%6.0f", best[m, c]) : "     -" }
		function us(m, c) { return (m SUBSEP c) in cpu ? sprintf("%5.0f", cpu[m, c] * 1e6 / hz / n) : "    -" }
		END {
			print ""
			printf "%-28s %9s %9s %9s  %s   %s\n", "msg/s (best run)", "no milter", "null", "mtasts",
				"mtasts/null", "milter CPU us/msg null, mtasts"
			for (i = 1; i <= nm; i++) {
				m = order[i]
				label = m == "new" ? "new connection per message" : "connections reused (-d)"
				ratio = "-"
				if ((m, "null") in best && (m, "mtasts") in best) {
					r = best[m, "mtasts"] / best[m, "null"]
					ratio = sprintf("%5.2f (%+.0f%%)", r, 100 * (r - 1))
				}
				printf "%-28s    %s    %s    %s  %-13s %s, %s\n", label, cell(m, "none"),
					cell(m, "null"), cell(m, "mtasts"), ratio, us(m, "null"), us(m, "mtasts")
			}
		}' "$RESULTS"
}

# latency: milterlat against both milters, side by side (microseconds).
latency() {
	if [ -z "$MILTERLAT" ] || [ ! -x "$MILTERLAT" ]; then
		lab_log "MILTERLAT not set or not built: per-callback latency skipped"
		return 0
	fi
	"$MILTERLAT" "$LAB/null.sock" "$LAT_SESSIONS" null >"$LAB/lat.txt" ||
		lab_die "milterlat failed against nullmilter"
	"$MILTERLAT" "$LAB/milter.sock" "$LAT_SESSIONS" mtasts >>"$LAB/lat.txt" ||
		lab_die "milterlat failed against mtasts-milter"
	echo
	echo "per-callback latency, us ($LAT_SESSIONS sequential sessions, milterlat, no MTA)"
	awk '
		{ k = $2; if (!(k in seen)) { seen[k] = 1; order[++n] = k }
		  med[$1, k] = $3; p99[$1, k] = $5; mean[$1, k] = $6 }
		END {
			printf "%-10s %16s %16s %10s\n", "callback", "null med/p99", "mtasts med/p99", "+med"
			for (i = 1; i <= n; i++) {
				k = order[i]
				printf "%-10s %7.1f/%-8.1f %7.1f/%-8.1f %+10.1f\n", k, med["null", k], p99["null", k],
					med["mtasts", k], p99["mtasts", k], med["mtasts", k] - med["null", k]
			}
		}' "$LAB/lat.txt"
}

# sample_record: mtasts-milter's last log line (from the Postfix runs).
sample_record() {
	echo
	echo "a sample mtasts-milter log record:"
	jq -c '{event, tls, domains}' "$LAB/sessions.jsonl" 2>/dev/null | tail -n 1
}

main() {
	local config mode round pid
	bench_require
	lab_init bench
	lab_start
	null_start
	bench_postfix_tune
	RESULTS=$LAB/results.txt
	: >"$RESULTS"
	lab_log "$MESSAGES messages of $SIZE bytes, $SESSIONS sessions, modes: $MODES, rounds: $ROUNDS (plaintext: smtp-source has no STARTTLS)"
	for round in $(seq "$ROUNDS"); do
		# shellcheck disable=SC2086 # CONFIGS is a list of words
		for config in $(rotate "$round" $CONFIGS); do
			bench_use "$config"
			case $config in
			none) pid= ;;
			null) pid=$NULL_PID ;;
			mtasts) pid=$LAB_MILTER_PID ;;
			esac
			send "$WARMUP" new
			for mode in $MODES; do
				run "$config" "$mode" "$round" "$pid"
			done
		done
	done
	bench_use none
	report
	sample_record
	latency
	grep -q 'warning: milter' "$LAB/maillog" &&
		lab_log "Postfix logged milter warnings (see $LAB/maillog)"
	lab_log "done; lab files in $LAB"
}

main "$@"

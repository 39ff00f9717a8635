#!/bin/bash
# tests/bench/soak.sh - the soak of issue 13: SOAK_MINUTES (30) of
# continuous SMTP load through the real-Postfix lab (tests/lab/lib.sh) into
# an mtasts-milter built with AddressSanitizer, UndefinedBehaviorSanitizer
# and LeakSanitizer (configure --enable-sanitizers CC=clang), while the
# world around it changes:
#
#   every minute   new TXT ids and policy files for the published domains
#                  (dnsmasq restarted), a new draft policy and draft id in the
#                  configuration, then a reload (SIGUSR1)
#   minute 5k+1    the JSON log rotated (renamed; every other time followed
#                  by SIGUSR1, otherwise the daemon must notice it itself)
#   minute 5k+2    DNS outage (dnsmasq stopped from +5 s to +45 s)
#   minute 5k+3    HTTPS outage (nginx stopped from +0 s to +40 s, so the
#                  new ids of that minute cannot be fetched)
#   minute 10k+4   the milter restarted (SIGTERM, exit checked, started),
#                  not in the last 10 minutes (30: at minutes 4 and 14);
#                  SOAK_RESTART_EVERY sets the 10
#
# The load (soakload.py): SOAK_WORKERS sessions at once, one message each,
# plaintext and TLS 1.1 to 1.3 (with and without client certificate, and
# over TLS 1.2 with SMTP AUTH: the lab Postfix has Cyrus SASL, lab_postfix_sasl),
# 1 to 3 recipients among enforce, testing, mismatching-MX and draft
# domains. The
# milter's RSS is sampled every 10 s. Postfix has default_action=accept,
# so mail sent while the milter restarts is delivered without it.
#
# At the end, and exit 1 unless all hold:
#   - every session got 250; sent == delivered (one Maildir file per
#     recipient, every X-Soak-Id once), the Postfix queue empty;
#   - sent == logged + unlogged: one JSON record (all rotated files) per
#     message whose smtpd session met no milter failure; the unlogged are
#     exactly messages of sessions where Postfix logged a milter warning
#     (milter stopped or restarting); no duplicate or unknown records;
#     "skipped":"authenticated" in exactly the records of AUTH sessions;
#   - every stop of the milter exited 0 with no ASan/UBSan/LSan report;
#   - the milter's log holds only expected lines (each outage failure
#     logged at most once per domain and window, and every outage window
#     has its failure logged);
#   - RSS flat: the maximum of the last third of the run is within
#     SOAK_RSS_BOUND_KB of the maximum of the first third after warm-up
#     (SOAK_WARMUP_MINUTES), and likewise within each long milter lifetime.
#
# Its own ports and lock (SMTP 2545, DNS 5373, HTTPS 8463,
# /tmp/mtasts-milter-soak.lock), so that it does not hold the shared lab
# lock for half an hour and the other labs run beside it.
#
# Usage (root): make -C BUILD-SAN/tests/bench soak [SOAK_MINUTES=N]
# Environment: MTASTS_MILTER (an ASan build), MTASTS_LAB_DIR, SOAK_MINUTES,
# SOAK_WORKERS (3), SOAK_PAUSE (0.5 s), SOAK_RSS_BOUND_KB (16384),
# SOAK_WARMUP_MINUTES (2), SOAK_RESTART_EVERY (10, minutes, a multiple of 5),
# SOAK_PLAIN_OK=1 to accept a build without ASan.
# Exit: 0 pass, 1 fail, 77 skip.
set -eu

LAB_SMTP_PORT=${LAB_SMTP_PORT:-2545}
LAB_DNS_PORT=${LAB_DNS_PORT:-5373}
LAB_HTTPS_PORT=${LAB_HTTPS_PORT:-8463}
LAB_LOCK=${LAB_LOCK:-/tmp/mtasts-milter-soak.lock}
BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lab/lib.sh
. "$BENCH_DIR/../lab/lib.sh"

SOAK_MINUTES=${SOAK_MINUTES:-30}
SOAK_WORKERS=${SOAK_WORKERS:-3}
SOAK_PAUSE=${SOAK_PAUSE:-0.5}
SOAK_RSS_BOUND_KB=${SOAK_RSS_BOUND_KB:-16384}
SOAK_WARMUP_MINUTES=${SOAK_WARMUP_MINUTES:-2}
SOAK_RESTART_EVERY=${SOAK_RESTART_EVERY:-10}
case $SOAK_RESTART_EVERY in
''|*[!0-9]*) echo "soak.sh: SOAK_RESTART_EVERY=$SOAK_RESTART_EVERY: not a number of minutes" >&2; exit 2 ;;
esac
# Restarts fall in the 5-minute cycle's restart slot (minute 5k+4).
[ "$SOAK_RESTART_EVERY" -gt 0 ] && [ $((SOAK_RESTART_EVERY % 5)) -eq 0 ] ||
	{ echo "soak.sh: SOAK_RESTART_EVERY=$SOAK_RESTART_EVERY: must be a positive multiple of 5" >&2; exit 2; }

# The soak's policy domains, each CASE.example.test, published through the
# lab's dnsmasq and nginx (the lab's discovery cases are not needed here):
# enforce, testing, one whose mode flips every minute, one whose policy
# names another MX (fail), and one with a draft that changes every minute.
LAB_DISCOVERY_CASES="soakenf soaktest soakflip soakmism soakdraft"
SOAK_DOMAINS="example.test testing.example soakenf.example.test soaktest.example.test
soakflip.example.test soakmism.example.test soakdraft.example.test"

# lab_discovery_dns (lib.sh's, replaced): the TXT records with the ids of
# the current minute.
lab_discovery_dns() {
	local c
	for c in $LAB_DISCOVERY_CASES; do
		printf 'txt-record=_mta-sts.%s.example.test,"v=STSv1; id=%s%s"\n' "$c" "$c" "$SOAK_MINUTE"
	done
}

# --- the world changing -------------------------------------------------------

SOAK_MINUTE=0
DNS_UP=yes

# soak_mark TEXT: a line in the milter's log (both append), so that the log
# can be cut into the windows of the schedule.
soak_mark() {
	printf 'soak: minute %s +%ss: %s\n' "$SOAK_MINUTE" "$(minute_second)" "$*" >>"$LAB/milter.log"
	lab_log "minute $SOAK_MINUTE: $*"
}

# policies M: minute M's published policies and draft, and the configuration
# naming the draft id of minute M.
policies() {
	local m=$1 flip=enforce mx="mx: $LAB_MX\n"
	[ $((m % 2)) -eq 0 ] || flip=testing
	lab_discovery_policy soakenf "version: STSv1\nmode: enforce\n${mx}max_age: $((86400 + m))\n"
	lab_discovery_policy soaktest "version: STSv1\r\nmode: testing\r\nmx: $LAB_MX\r\nmax_age: $((86400 + m))\r\n"
	lab_discovery_policy soakflip "version: STSv1\nmode: $flip\n${mx}max_age: $((86400 + m))\n"
	lab_discovery_policy soakmism "version: STSv1\nmode: enforce\nmx: other.example.test\nmax_age: $((86400 + m))\n"
	lab_discovery_policy soakdraft "version: STSv1\nmode: testing\n${mx}max_age: $((86400 + m))\n"
	printf "version: STSv1\nmode: %s\n${mx}max_age: %s\n" "$flip" $((604800 + m)) >"$LAB/soak-draft.txt.new"
	mv "$LAB/soak-draft.txt.new" "$LAB/soak-draft.txt"
	soak_conf "$m" >"$LAB/mtasts-milter.conf.new"
	mv "$LAB/mtasts-milter.conf.new" "$LAB/mtasts-milter.conf"
}

soak_conf() {
	echo "# mtasts-milter.conf for the soak (tests/bench/soak.sh), minute $1"
	lab_milter_conf_common
	cat <<EOF
connect_to    = {"$LAB_MX:25:127.0.0.1:$LAB_SMTP_PORT", ":443:127.0.0.1:$LAB_HTTPS_PORT"}
refresh_interval = 10
fetch_timeout = 5
draft "example.test" { policy_file = "$LAB/draft-example.test.txt" id = "lab1" }
draft "testing.example" { policy_file = "$LAB/draft-testing.example.txt" }
draft "soakdraft.example.test" { policy_file = "$LAB/soak-draft.txt" id = "draft$1" }
EOF
}

# change_policies: the step of every minute.
change_policies() {
	policies "$SOAK_MINUTE"
	[ "$DNS_UP" = no ] || lab_dns_restart
	milter_signal USR1
	soak_mark "policies changed (ids *$SOAK_MINUTE), reload"
}

milter_signal() {
	if lab_alive "$LAB_MILTER_PID"; then
		kill "-$1" "$LAB_MILTER_PID"
	else
		soak_fail "the milter (pid $LAB_MILTER_PID) is gone before SIG$1"
		milter_start
	fi
}

ROTATIONS=0
rotate_log() {
	ROTATIONS=$((ROTATIONS + 1))
	mv "$LAB/sessions.jsonl" "$LAB/sessions.jsonl.$ROTATIONS"
	if [ $((ROTATIONS % 2)) -eq 1 ]; then
		milter_signal USR1
		soak_mark "JSON log rotated to sessions.jsonl.$ROTATIONS, SIGUSR1"
	else
		soak_mark "JSON log rotated to sessions.jsonl.$ROTATIONS, no signal"
	fi
}

dns_down() { DNS_UP=no; lab_dns_stop; soak_mark "DNS outage begins"; }
dns_up() { : >"$LAB/dnsmasq.log"; lab_dns_start; DNS_UP=yes; soak_mark "DNS outage ends"; }
https_down() { lab_https_stop; soak_mark "HTTPS outage begins"; }
https_up() { lab_https_start; soak_mark "HTTPS outage ends"; }

# --- the milter under the sanitizers ----------------------------------------

SOAK_FAILS=()
soak_fail() { SOAK_FAILS+=("$*"); lab_log "FAIL: $*"; }

STOPS=0
milter_start() {
	lab_milter_start
	echo "$LAB_MILTER_PID" >"$LAB/soak-milter.pid"
}

# milter_stop: SIGTERM, then its exit status (0) and no sanitizer report.
milter_stop() {
	local pid=$LAB_MILTER_PID rc=0
	STOPS=$((STOPS + 1))
	if ! lab_alive "$pid"; then
		soak_fail "the milter (pid $pid) was gone before stop $STOPS"
	else
		kill -TERM "$pid"
		for _ in $(seq 600); do
			lab_alive "$pid" || break
			sleep 0.1
		done
		lab_alive "$pid" && { soak_fail "the milter (pid $pid) ignored SIGTERM for 60 s"; kill -KILL "$pid"; }
	fi
	wait "$pid" || rc=$?
	[ "$rc" -eq 0 ] || soak_fail "the milter (pid $pid) exited with status $rc at stop $STOPS"
	[ -z "$(sanitizer_reports)" ] || soak_fail "sanitizer report(s) after stop $STOPS: $(sanitizer_reports)"
	soak_mark "milter pid $pid stopped (stop $STOPS, status $rc)"
}

sanitizer_reports() { find "$LAB/san" -type f -size +0 2>/dev/null | sort | tr '\n' ' '; }

milter_restart() {
	milter_stop
	milter_start
	soak_mark "milter restarted, pid $LAB_MILTER_PID"
}

# --- RSS --------------------------------------------------------------------

# sample_rss OUT: every 10 s "SECONDS PID RSS_KB" of the current milter,
# until $LAB/sampling is removed.
sample_rss() {
	local pid rss
	while [ -e "$LAB/sampling" ]; do
		pid=$(cat "$LAB/soak-milter.pid" 2>/dev/null || true)
		rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || true)
		[ -z "$rss" ] || echo "$(($(date +%s) - SOAK_T0)) $pid $rss" >>"$1"
		sleep 10
	done
}

# --- the schedule -------------------------------------------------------------

minute_second() { echo $((($(date +%s) - SOAK_T0) % 60)); }

# at SECOND: sleep until SECOND seconds into the current minute.
at() {
	local t=$((SOAK_T0 + SOAK_MINUTE * 60 + $1)) now
	now=$(date +%s)
	[ "$now" -ge "$t" ] || sleep $((t - now))
}

# restart_minute M: the milter is restarted in minute 4 and every
# SOAK_RESTART_EVERY (10) minutes after, but not in the last
# SOAK_RESTART_EVERY: the last lifetime is the long one whose RSS shows
# whether it stays flat (30 minutes: restarts at 4 and 14; with
# SOAK_RESTART_EVERY=30 only at 4, a 26-minute last lifetime).
restart_minute() {
	[ "$1" -eq 4 ] || { [ $((($1 - 4) % SOAK_RESTART_EVERY)) -eq 0 ] &&
		[ $(($1 + SOAK_RESTART_EVERY)) -lt "$SOAK_MINUTES" ]; }
}

soak_minute() {
	local m=$SOAK_MINUTE
	[ $((m % 5)) -ne 3 ] || https_down
	[ "$m" -eq 0 ] || change_policies
	case $((m % 5)) in
	1) at 20; rotate_log ;;
	2) at 5; dns_down; at 45; dns_up ;;
	3) at 40; https_up ;;
	4) ! restart_minute "$m" || { at 20; milter_restart; } ;;
	esac
	lab_alive "$LAB_MILTER_PID" || { soak_fail "the milter died in minute $m"; milter_start; }
}

# --- the counts -------------------------------------------------------------

# milter_failed_sessions: "QUEUE-ID 0|1" per smtpd session of the maillog,
# 1 when Postfix logged a milter warning in it (connection refused, socket
# missing, a broken reply).
milter_failed_sessions() {
	awk '
		{ if (!match($0, /smtpd\[[0-9]+\]/)) next; p = substr($0, RSTART, RLENGTH) }
		/: connect from / { q[p] = ""; f[p] = 0; next }
		/warning: .*[Mm]ilter/ { f[p] = 1; next }
		match($0, /: [0-9A-Za-z]+: client=/) { s = substr($0, RSTART + 2, RLENGTH - 11); q[p] = s; next }
		/: disconnect from / { if (q[p] != "") print q[p], f[p] + 0; q[p] = "" }
	' "$LAB/maillog"
}

queue_empty() { [ -z "$(find "$LAB/pfq/incoming" "$LAB/pfq/active" "$LAB/pfq/deferred" "$LAB/pfq/maildrop" -type f 2>/dev/null)" ]; }
sent_rcpts() { awk '$4 != "FAIL" { n += $3 } END { print n + 0 }' "$LAB/sent"; }
all_delivered() { queue_empty && [ "$(lab_mail_count)" -ge "$(sent_rcpts)" ]; }

# records: the queue id of every message record in every JSON log file.
records() { cat "$LAB"/sessions.jsonl* 2>/dev/null | jq -r 'select(.event == "message") | .queue_id'; }

# auth_mismatches: queue ids whose record says "skipped":"authenticated"
# but whose session did not authenticate, or the other way round (of the
# messages that have a record).
auth_mismatches() {
	local skipped
	skipped=$(cat "$LAB"/sessions.jsonl* 2>/dev/null |
		jq -r 'select(.event == "message" and .skipped == "authenticated") | .queue_id' | sort)
	join "$LAB/record-counts" <(awk '$4 != "FAIL" && $2 ~ /-auth$/ { print $4 }' "$LAB/sent" | sort) |
		awk '{ print $1 }' | comm -3 - <(printf '%s\n' "$skipped" | sed '/^$/d')
}

# unrecorded_good: queue ids of sessions without a milter warning that have
# no record (yet).
unrecorded_good() {
	join -v 1 <(milter_failed_sessions | awk '$2 == 0 { print $1 }' | sort -u) <(records | sort -u)
}
all_recorded() { [ -z "$(unrecorded_good)" ]; }

# EXPECTED_RE: the milter's log lines that a soak is expected to produce
# (grep -E); every other line counts as unexpected. Start and stop,
# reloads, "running as root" (the lab's user = ""), the MX probe's good
# certificate, the state restored at a restart, discovery results
# (testing.example has only a draft: no TXT) and per-domain verdict lines
# are routine; the outage failures (dns-failure, sts-policy-fetch-error)
# are expected, and checked for being logged at most once per domain and
# window by outage_repeats.
EXPECTED_RE='^soak: |^mtasts-milter(\[[0-9]+\])?: ('
EXPECTED_RE+='[0-9A-Za-z]+: domain=[a-z.]+ result=|'
EXPECTED_RE+='started, version |stopped$|configuration reloaded from |'
EXPECTED_RE+='running as root; set user|'
EXPECTED_RE+='MX probe of [a-z0-9.]+ \(127\.0\.0\.1:[0-9]+\): certificate good, |'
EXPECTED_RE+='policy discovery: [0-9]+ domain\(s\) restored from |'
EXPECTED_RE+='[a-z.]+: _mta-sts TXT (id [a-z0-9]+$|absent: NXDOMAIN$|dns-failure: )|'
EXPECTED_RE+='[a-z.]+: policy id [a-z0-9]+ (fetched: |at [^ ]+: sts-policy-fetch-error: )'
EXPECTED_RE+=')'

# outage_repeats: "WINDOW DOMAIN COUNT" for a domain whose outage failure
# was logged more than once between two marks of the schedule.
outage_repeats() {
	awk '
		/^soak: / { w++; next }
		match($0, /: [a-z0-9.]+\.(test|example): (_mta-sts TXT dns-failure|policy id [^ ]+ at [^ ]+: sts-policy-fetch-error)/) {
			k = w " " $2 " " ($0 ~ /dns-failure/ ? "dns" : "https"); n[k]++
		}
		END { for (k in n) if (n[k] > 1) print k, n[k] }' "$LAB/milter.log"
}

# outages_unseen: "dns N" / "https N" for the Nth outage window of that
# kind in which the milter logged no failure of that kind (the outage did
# not take effect, or its failure went unreported).
outages_unseen() {
	awk '
		/^soak: .*DNS outage begins/ { d = 1; nd++; seen_d = 0; next }
		/^soak: .*DNS outage ends/ { if (!seen_d) print "dns", nd; d = 0; next }
		/^soak: .*HTTPS outage begins/ { h = 1; nh++; seen_h = 0; next }
		/^soak: .*HTTPS outage ends/ { if (!seen_h) print "https", nh; h = 0; next }
		d && /_mta-sts TXT dns-failure/ { seen_d = 1 }
		h && /: sts-policy-fetch-error: / { seen_h = 1 }' "$LAB/milter.log" | tr '\n' ' '
}

# rss_check: the series summary and the flatness checks.
rss_check() {
	local samples=$LAB/rss end warm
	end=$(tail -n 1 "$samples" | cut -d ' ' -f 1)
	warm=$((SOAK_WARMUP_MINUTES * 60))
	echo "RSS of the milter (kB), sampled every 10 s; per process lifetime:"
	awk '{ if (!($2 in first)) { first[$2] = $1; order[++n] = $2; lo[$2] = $3 }
	       last[$2] = $1; lastv[$2] = $3; if ($3 > hi[$2]) hi[$2] = $3; if ($3 < lo[$2]) lo[$2] = $3; c[$2]++ }
	     END { for (i = 1; i <= n; i++) { p = order[i]
	       printf "  pid %s: %ds..%ds, %d samples, min %d, max %d, last %d\n", p, first[p], last[p], c[p], lo[p], hi[p], lastv[p] } }' "$samples"
	awk -v warm="$warm" -v end="$end" -v bound="$SOAK_RSS_BOUND_KB" '
		BEGIN { third = (end - warm) / 3 }
		$1 >= warm && $1 <= warm + third && $3 > a { a = $3 }
		$1 >= end - third && $3 > b { b = $3 }
		END {
			printf "  run: max %d kB in the first third after warm-up (%ds..%ds), %d kB in the last third (%ds..%ds), bound +%d kB\n", a, warm, warm + third, b, end - third, end, bound
			exit !(a > 0 && b <= a + bound)
		}' "$samples" || soak_fail "RSS grew: the last third's maximum exceeds the first third's by more than $SOAK_RSS_BOUND_KB kB"
	# Each lifetime of at least 2 warm-ups + 4 minutes: its second half
	# against its part between warm-up and half.
	awk -v warm="$warm" -v bound="$SOAK_RSS_BOUND_KB" '
		{ if (!($2 in t0)) { t0[$2] = $1; order[++n] = $2 } t1[$2] = $1; ts[$2, ++c[$2]] = $1; v[$2, c[$2]] = $3 }
		END {
			bad = 0
			for (i = 1; i <= n; i++) {
				p = order[i]; len = t1[p] - t0[p]
				if (len < 2 * warm + 240) continue
				half = t0[p] + warm + (len - warm) / 2; a = 0; b = 0
				for (j = 1; j <= c[p]; j++) {
					t = ts[p, j]
					if (t >= t0[p] + warm && t < half && v[p, j] > a) a = v[p, j]
					if (t >= half && v[p, j] > b) b = v[p, j]
				}
				printf "  pid %s: max %d kB after its warm-up, %d kB in its second half\n", p, a, b
				if (b > a + bound) bad = 1
			}
			exit bad
		}' "$samples" || soak_fail "RSS grew within a milter lifetime by more than $SOAK_RSS_BOUND_KB kB"
}

report() {
	local sent fails delivered files ids dup_ids logged unlogged failed_logged dup unknown aborted
	local records_total unexpected repeats unseen san lost nosession milter_failed auth_sent auth_bad
	sent=$(awk '$4 != "FAIL"' "$LAB/sent" | wc -l)
	fails=$(awk '$4 == "FAIL"' "$LAB/sent" | wc -l)
	files=$(lab_mail_count)
	ids=$(find "$LAB/mail" -path '*/new/*' -type f -print0 | xargs -0 -r grep -h -m 1 '^X-Soak-Id: ' |
		awk '{ print $2 }' | sort -n | uniq -c >"$LAB/delivered-ids"; wc -l <"$LAB/delivered-ids")
	dup_ids=$(join <(awk '$4 != "FAIL" { print $1, $3 }' "$LAB/sent" | sort) \
		<(awk '{ print $2, $1 }' "$LAB/delivered-ids" | sort) | awk '$3 > $2' | wc -l)
	delivered=$(join <(awk '$4 != "FAIL" { print $1, $3 }' "$LAB/sent" | sort) \
		<(awk '{ print $2, $1 }' "$LAB/delivered-ids" | sort) | awk '$2 == $3' | wc -l)
	awk '$4 != "FAIL" { print $4 }' "$LAB/sent" | sort >"$LAB/sent-qids"
	milter_failed_sessions | sort >"$LAB/sessions"
	records | sort | uniq -c | awk '{ print $2, $1 }' >"$LAB/record-counts"
	records_total=$(awk '{ n += $2 } END { print n + 0 }' "$LAB/record-counts")
	logged=$(join "$LAB/sent-qids" "$LAB/record-counts" | awk '$2 == 1' | wc -l)
	dup=$(join "$LAB/sent-qids" "$LAB/record-counts" | awk '$2 > 1' | wc -l)
	unknown=$(join -v 2 "$LAB/sent-qids" "$LAB/record-counts" | wc -l)
	join -v 1 "$LAB/sent-qids" "$LAB/record-counts" >"$LAB/unlogged"
	unlogged=$(wc -l <"$LAB/unlogged")
	# Unlogged and yet in a session without a milter warning: lost records.
	lost=$(join "$LAB/unlogged" "$LAB/sessions" | awk '$2 == 0' | wc -l)
	nosession=$(join -v 1 "$LAB/unlogged" "$LAB/sessions" | wc -l)
	milter_failed=$(join "$LAB/sent-qids" "$LAB/sessions" | awk '$2 == 1' | wc -l)
	failed_logged=$((milter_failed - unlogged + lost + nosession))
	aborted=$(cat "$LAB"/sessions.jsonl* | jq -c 'select(.event == "message" and .aborted == true)' | wc -l)
	auth_sent=$(awk '$4 != "FAIL" && $2 ~ /-auth$/' "$LAB/sent" | wc -l)
	auth_bad=$(auth_mismatches | wc -l)
	unexpected=$(grep -cvE "$EXPECTED_RE" "$LAB/milter.log" || true)
	repeats=$(outage_repeats)
	unseen=$(outages_unseen)
	san=$(sanitizer_reports)

	printf '\n=== soak: %s minutes, %s stops of the milter, %s rotations\n' "$SOAK_MINUTES" "$STOPS" "$ROTATIONS"
	printf 'sessions: %s accepted, %s failed\n' "$sent" "$fails"
	printf 'delivered: %s messages (%s Maildir files for %s recipients), %s delivered more than once; queue %s\n' \
		"$delivered" "$files" "$(sent_rcpts)" "$dup_ids" "$(queue_empty && echo empty || echo NOT empty)"
	printf 'JSON records: %s in %s file(s) (%s aborted); per message: %s logged once, %s twice or more, %s unknown queue ids\n' \
		"$records_total" "$(find "$LAB" -maxdepth 1 -name 'sessions.jsonl*' | wc -l)" "$aborted" "$logged" "$dup" "$unknown"
	printf 'SMTP AUTH sessions: %s; records whose "skipped":"authenticated" disagrees with the session: %s\n' \
		"$auth_sent" "$auth_bad"
	printf 'milter unavailable (Postfix milter warning in the session): %s messages, %s of them logged anyway, %s unlogged\n' \
		"$milter_failed" "$failed_logged" "$((unlogged - lost - nosession))"
	printf 'equation: sent %s = logged %s + unlogged-while-milter-unavailable %s + lost %s + session not found %s\n' \
		"$sent" "$logged" "$((unlogged - lost - nosession))" "$lost" "$nosession"
	printf 'milter log: %s lines, %s unexpected; outage failures logged:\n' "$(wc -l <"$LAB/milter.log")" "$unexpected"
	printf '  dns-failure %s, sts-policy-fetch-error %s, repeated within a window: %s\n' \
		"$(grep -c '_mta-sts TXT dns-failure' "$LAB/milter.log" || true)" \
		"$(grep -c 'sts-policy-fetch-error' "$LAB/milter.log" || true)" "${repeats:-none}"
	printf '  outage windows: %s DNS, %s HTTPS; without a failure logged: %s\n' \
		"$(grep -c '^soak: .*DNS outage begins' "$LAB/milter.log" || true)" \
		"$(grep -c '^soak: .*HTTPS outage begins' "$LAB/milter.log" || true)" "${unseen:-none}"
	printf 'sanitizer reports: %s\n' "${san:-none}"
	rss_check

	[ "$fails" -eq 0 ] || soak_fail "$fails session(s) failed (see $LAB/sent)"
	[ "$sent" -gt 0 ] || soak_fail "nothing was sent"
	if [ "$delivered" -ne "$sent" ] || [ "$ids" -ne "$sent" ] || [ "$dup_ids" -ne 0 ]; then
		soak_fail "sent $sent, delivered $delivered ($ids ids, $dup_ids more than once)"
	fi
	[ "$files" -eq "$(sent_rcpts)" ] || soak_fail "$files Maildir files for $(sent_rcpts) recipients"
	queue_empty || soak_fail "the Postfix queue is not empty"
	[ $((lost + nosession + dup + unknown)) -eq 0 ] ||
		soak_fail "records: $lost lost, $nosession without a session, $dup duplicated, $unknown unknown (see $LAB/unlogged)"
	[ "$logged" -gt 0 ] || soak_fail "no message was logged"
	[ "$auth_sent" -gt 0 ] || soak_fail "no SMTP AUTH session was sent"
	[ "$auth_bad" -eq 0 ] || soak_fail "$auth_bad record(s) whose \"skipped\":\"authenticated\" disagrees with the session: $(auth_mismatches | head -n 5 | tr '\n' ' ')"
	[ "$unexpected" -eq 0 ] || { soak_fail "$unexpected unexpected line(s) in the milter's log:"
		grep -vE "$EXPECTED_RE" "$LAB/milter.log" | sort | uniq -c | sort -rn | head -n 20; }
	[ -z "$unseen" ] || soak_fail "outage window(s) without a logged failure: $unseen"
	[ -z "$repeats" ] || soak_fail "an outage failure logged more than once in a window: $repeats"
	# shellcheck disable=SC2086 # a list of file names without blanks
	[ -z "$san" ] || { soak_fail "sanitizer reports: $san"; head -n 30 $san; }
}

# --- main ---------------------------------------------------------------------

main() {
	local loader sampler m
	lab_require
	command -v python3 >/dev/null || lab_skip "python3 not found (Debian: python3)"
	lab_require_sasl
	if ! grep -q __asan_init "$MTASTS_MILTER" && [ "${SOAK_PLAIN_OK:-}" != 1 ]; then
		lab_die "$MTASTS_MILTER is not built with AddressSanitizer: use a build configured with --enable-sanitizers CC=clang (or SOAK_PLAIN_OK=1)"
	fi
	lab_init soak
	mkdir -p "$LAB/san"
	# One log_path for all three (they share it: the last one set wins):
	# $LAB/san/report.PID. A small quarantine, so that RSS under ASan
	# levels off within the warm-up.
	export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:log_path=$LAB/san/report:quarantine_size_mb=16:malloc_context_size=20"
	export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$LAB/san/report"
	export LSAN_OPTIONS="log_path=$LAB/san/report"
	SOAK_T0=$(date +%s)
	mkdir -p "$LAB/nginx/sites"
	policies 0
	lab_mkpki
	lab_discovery_pki
	lab_dns_start
	lab_https_start
	lab_postfix_setup
	lab_postfix_sasl
	lab_postfix_start
	milter_start
	lab_log "$(date -u '+%Y-%m-%d %H:%M:%S UTC'), load average $(cut -d ' ' -f 1-3 /proc/loadavg), $(nproc) CPUs"
	lab_log "soak lab up in $LAB (SMTP 127.0.0.1:$LAB_SMTP_PORT, milter pid $LAB_MILTER_PID), $SOAK_MINUTES minutes"
	SOAK_T0=$(date +%s)

	: >"$LAB/sampling"
	sample_rss "$LAB/rss" &
	sampler=$!
	lab_track rss-sampler "$sampler"
	# shellcheck disable=SC2086
	SASL_USER=$LAB_SASL_USER SASL_PASS=$LAB_SASL_PASS python3 "$BENCH_DIR/soakload.py" 127.0.0.1 "$LAB_SMTP_PORT" "$LAB/pki/ca.crt" \
		"$LAB/pki/client.example.test.crt" "$LAB/pki/client.example.test.key" "$LAB/sent" \
		"$SOAK_WORKERS" "$SOAK_PAUSE" "$LAB/stop-load" $SOAK_DOMAINS >>"$LAB/soakload.log" 2>&1 9>&- &
	loader=$!
	lab_track soakload "$loader"

	for ((m = 0; m < SOAK_MINUTES; m++)); do
		SOAK_MINUTE=$m
		at 0
		soak_minute
		lab_log "minute $m: $(wc -l 2>/dev/null <"$LAB/sent" || echo 0) sessions so far, load $(cut -d ' ' -f 1-3 /proc/loadavg)"
	done
	SOAK_MINUTE=$SOAK_MINUTES
	at 0
	: >"$LAB/stop-load"
	wait "$loader" || soak_fail "the load generator failed: $(tail -n 3 "$LAB/soakload.log")"
	soak_mark "load stopped"
	lab_wait 180 "every message delivered" all_delivered || true
	lab_wait 150 "a record for every message of a session without milter failure" all_recorded || true
	rm -f "$LAB/sampling"
	wait "$sampler" || true
	milter_stop
	echo "load average at the end: $(cat /proc/loadavg)"
	report
	if [ ${#SOAK_FAILS[@]} -ne 0 ]; then
		printf 'FAIL %s\n' "${SOAK_FAILS[@]}"
		lab_log "${#SOAK_FAILS[@]} failure(s); lab files kept in $LAB"
		exit 1
	fi
	echo "soak passed"
}

main "$@"

#!/bin/bash
# tests/bench/bench-scale.sh - policy discovery at scale: N domains (default
# 10000) publishing MTA-STS in a generated lab, and what the milter takes to
# learn and refresh them all.
#
# The lab (tests/lab/lib.sh helpers, with a port set and lock of its own:
# SMTP 2535 unused, DNS 5363, HTTPS 8453, /tmp/mtasts-milter-scale.lock):
#   - dnsmasq publishes for each domain an _mta-sts TXT record (no MX: the
#     milter never asks for one, and dnsmasq scans its lists of local
#     records at every query: 10,000 MX records made each TXT answer cost
#     0.5 ms of dnsmasq CPU instead of 0.15 ms);
#   - nginx serves https://mta-sts.DOMAIN/.well-known/mta-sts.txt for all of
#     them: one server block per certificate, whose server_name lists its
#     100 names (SNI picks the block, and so the certificate, loaded once
#     at start). Certificates come from an OpenSSL lab CA, 100 names each
#     (Let's Encrypt's limit per certificate, the shape of a shared host's),
#     all on one shared P-256 key: N/100 openssl runs instead of N, about a
#     second for 10,000;
#   - mtasts-milter is configured through normal keys only: domains (the
#     N names), dns_servers, ca_file, connect_to, metrics_file.
# The domains are example.test (milterlat's recipient, so that the timed
# callbacks evaluate a discovered policy) and sNNNNN.scale.test.
#
# Phases, each timed and read from what the product shows operators (the
# metrics_file, rewritten every second; the state file; /proc for RSS):
#   1. baseline: a milter with one domain; its RSS once its policy is in.
#   2. discovery: a milter with N domains and empty state, from its start
#      until mtasts_domains_tracked = N, mtasts_domains_pending = 0 and N
#      policy fetches succeeded. Then, idle: RSS (per domain: minus the
#      baseline, over N), state file size, milterlat's callback latency.
#   3. refresh: every TXT id and policy body changes (dnsmasq restarted
#      with the new records while no check is due); the configuration is
#      reloaded (SIGUSR1) with refresh_interval = 1, which brings every
#      domain's next check forward to within a second; timed until N more
#      policy fetches succeeded and the state file holds the new id for all
#      N. milterlat runs against the daemon for as long as that takes.
# Peak RSS is the daemon's VmHWM at the end. The 1-minute load average is
# printed with every figure (the host is shared).
#
# Environment: MTASTS_MILTER, MILTERLAT (optional: no latency figures
# without it), MTASTS_LAB_DIR; SCALE_DOMAINS (10000), SCALE_LIMIT (seconds
# each of discovery and refresh may take before the run fails; 600),
# SCALE_LAT_SESSIONS (idle milterlat sessions; 2000), SCALE_CHECK (yes:
# a test, for make check with a few hundred domains: exit 1 unless every
# domain got its policy and its refresh within SCALE_LIMIT, no fetch or
# lookup failed, and the state file holds every new id; no goal asserted).
# Exit: 0 done, 1 error, 77 skipped (not root, a tool missing).
set -eu

LAB_SMTP_PORT=${LAB_SMTP_PORT:-2535}
LAB_DNS_PORT=${LAB_DNS_PORT:-5363}
LAB_HTTPS_PORT=${LAB_HTTPS_PORT:-8453}
LAB_LOCK=${LAB_LOCK:-/tmp/mtasts-milter-scale.lock}
. "$(dirname "$0")/../lab/lib.sh"

N=${SCALE_DOMAINS:-10000}
LIMIT=${SCALE_LIMIT:-600}
LAT_SESSIONS=${SCALE_LAT_SESSIONS:-2000}
CHECK=${SCALE_CHECK:-no}
PER_CERT=100
GOAL_REFRESH_S=60
GOAL_BYTES_PER_DOMAIN=5120
MILTER_PID=

scale_require() {
	local tool n
	[ "$(id -u)" = 0 ] || lab_skip "the scale lab needs root (dnsmasq, nginx on loopback)"
	PATH=$PATH:/usr/sbin:/sbin
	for tool in openssl dnsmasq nginx flock jq; do
		command -v "$tool" >/dev/null 2>&1 ||
			lab_skip "$tool not found (Debian: openssl dnsmasq nginx-light util-linux jq)"
	done
	[ -x "${MTASTS_MILTER:-}" ] || lab_skip "MTASTS_MILTER is not set or not built: ${MTASTS_MILTER:-unset}"
	MILTERLAT=${MILTERLAT:-}
	[ -z "$MILTERLAT" ] || [ -x "$MILTERLAT" ] || lab_skip "MILTERLAT not built: $MILTERLAT"
	for n in "$N" "$LIMIT" "$LAT_SESSIONS"; do
		case $n in '' | *[!0-9]* | 0) lab_die "SCALE_* settings must be positive integers (got '$n')" ;; esac
	done
	[ "$N" -le 99999 ] || lab_die "SCALE_DOMAINS: at most 99999 (5-digit names)"
}

load1() { cut -d ' ' -f 1 /proc/loadavg; }
now_ms() { date +%s%3N; }
seconds_since() { awk -v a="$1" -v b="$(now_ms)" 'BEGIN { printf "%.1f", (b - a) / 1000 }'; }

# all_domains: every lab domain, one a line (awk: 10,000 names at once);
# the first is milterlat's recipient.
all_domains() {
	awk -v n="$N" 'BEGIN { print "example.test"; for (i = 1; i < n; i++) printf "s%05d.scale.test\n", i }'
}

# --- the published side ------------------------------------------------------

# scale_pki: the CA, one shared leaf key, and ceil(N/100) certificates of
# 100 policy host names each, gGGG.crt covering domains 100G..100G+99.
scale_pki() {
	local d=$LAB/pki g name groups=$(((N + PER_CERT - 1) / PER_CERT))
	mkdir -p "$d"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$d/ca.key" -out "$d/ca.crt" -days 3650 -subj "/CN=MTA-STS Scale Lab CA" \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null ||
		lab_die "openssl could not create the lab CA"
	# The MX certificate lab_milter_conf_common names (tls_cert_file).
	lab_issue "$LAB_MX" "DNS:$LAB_MX" serverAuth || lab_die "openssl could not issue $LAB_MX"
	if ! openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$d/leaf.key" 2>/dev/null ||
		! openssl req -new -key "$d/leaf.key" -subj "/CN=MTA-STS scale lab" -out "$d/leaf.csr"; then
		lab_die "openssl could not make the shared leaf key"
	fi
	for ((g = 0; g < groups; g++)); do
		all_domains | awk -v g="$g" -v k="$PER_CERT" '
			NR > g * k && NR <= (g + 1) * k { s = s (s == "" ? "" : ",") "DNS:mta-sts." $0 }
			END { printf "subjectAltName=%s\nbasicConstraints=CA:FALSE\n", s
			      print "keyUsage=digitalSignature\nextendedKeyUsage=serverAuth" }' >"$d/g.ext"
		name=$(printf 'g%03d' "$g")
		openssl x509 -req -in "$d/leaf.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" \
			-set_serial "$((g + 1))" -days 825 -sha256 -extfile "$d/g.ext" \
			-out "$d/$name.crt" 2>/dev/null || lab_die "openssl could not issue $name"
	done
	# Readable by nginx's workers (user nobody) too.
	chmod 755 "$d"
	chmod 644 "$d"/*
}

# scale_dnsmasq_conf ID: every domain's records, the TXT id being ID.
scale_dnsmasq_conf() {
	lab_dnsmasq_head "the mtasts-milter scale lab (tests/bench/bench-scale.sh)"
	echo "local=/scale.test/"
	all_domains | awk -v id="$1" '{
		printf "txt-record=_mta-sts.%s,\"v=STSv1; id=%s\"\n", $0, id }'
}

scale_dns_start() {
	scale_dnsmasq_conf "$1" >"$LAB/dnsmasq.conf"
	: >"$LAB/dnsmasq.log"
	lab_dnsmasq_run 30
}

# scale_policy MAX_AGE: the policy every domain serves (one file).
scale_policy() {
	local dir=$LAB/nginx/html/.well-known
	mkdir -p "$dir"
	printf 'version: STSv1\r\nmode: testing\r\nmx: %s\r\nmax_age: %s\r\n' "$LAB_MX" "$1" \
		>"$dir/mta-sts.txt.new"
	chmod 644 "$dir/mta-sts.txt.new"
	mv "$dir/mta-sts.txt.new" "$dir/mta-sts.txt"
}

# scale_nginx_conf: one server block per certificate, its 100 names in
# server_name, as a shared host with static certificates serves them (nginx
# loads each certificate once, at start).
scale_nginx_conf() {
	lab_nginx_head "the mtasts-milter scale lab (tests/bench/bench-scale.sh)"
	printf '\taccess_log off;\n\tserver_names_hash_max_size 32768;\n'
	printf '\tserver_names_hash_bucket_size 64;\n'
	all_domains | awk -v k="$PER_CERT" -v port="$LAB_HTTPS_PORT" -v pki="$LAB/pki" \
		-v html="$LAB/nginx/html" '
		function close_block() {
			printf ";\n\t\tssl_certificate %s/g%03d.crt;\n", pki, g
			printf "\t\tssl_certificate_key %s/leaf.key;\n", pki
			print "\t\tssl_protocols TLSv1.2 TLSv1.3;"
			printf "\t\troot %s;\n", html
			print "\t\tlocation = /.well-known/mta-sts.txt { default_type text/plain; types { } charset off; }"
			print "\t\tlocation / { return 404; }\n\t}"
		}
		(NR - 1) % k == 0 {
			if (NR > 1) close_block()
			g = int((NR - 1) / k)
			printf "\tserver {\n\t\tlisten 127.0.0.1:%s ssl%s;\n\t\tserver_name", port,
				g == 0 ? " default_server" : ""
		}
		{ printf " mta-sts.%s", $0 }
		END { close_block(); print "}" }'
}

scale_https_start() {
	mkdir -p "$LAB/nginx/tmp"
	scale_policy 86400
	chmod -R a+rX "$LAB/nginx"
	scale_nginx_conf >"$LAB/nginx/nginx.conf"
	lab_nginx_run
}

# --- the milter --------------------------------------------------------------

# scale_conf COUNT REFRESH_INTERVAL: the first COUNT domains.
scale_conf() {
	echo "# mtasts-milter.conf for the scale lab (generated by tests/bench/bench-scale.sh)"
	lab_milter_conf_common
	cat <<EOF
connect_to       = {":443:127.0.0.1:$LAB_HTTPS_PORT"}
probe_interval   = 0
fetch_timeout    = 10
refresh_interval = $2
metrics_file     = "$LAB/metrics.prom"
metrics_interval = 1
EOF
	all_domains | head -n "$1" | awk '
		NR == 1 { printf "domains          = {\"%s\"", $0; next }
		{ printf ",\n\t\"%s\"", $0 }
		END { print "}" }'
}

milter_start() {
	rm -rf "$LAB/state" "$LAB/metrics.prom" "$LAB/milter.sock"
	mkdir -p "$LAB/state"
	"$MTASTS_MILTER" -f -c "$LAB/mtasts-milter.conf" >>"$LAB/milter.log" 2>&1 9>&- &
	MILTER_PID=$!
	lab_track milter "$MILTER_PID"
	lab_wait 60 "the milter socket" test -S "$LAB/milter.sock" ||
		lab_die "the milter did not start (see $LAB/milter.log)"
}

milter_stop() {
	lab_stop_pid milter "$MILTER_PID"
	MILTER_PID=
}

# metric NAME [OUTCOME]: a value from the metrics file (0 when absent).
metric() {
	awk -v name="$1" -v label="${2:+outcome=\"$2\"}" '
		$1 == name || $1 == name "{" label "}" { v = $2 }
		END { printf "%d\n", v + 0 }' "$LAB/metrics.prom" 2>/dev/null || echo 0
}

fetches_ok() { metric mtasts_policy_fetches_total ok; }

# discovered COUNT FETCHES: COUNT domains tracked, none pending, at least
# FETCHES policy fetches succeeded.
discovered() {
	lab_alive "$MILTER_PID" || lab_die "the milter exited: $(tail -n 5 "$LAB/milter.log")"
	[ "$(metric mtasts_domains_tracked)" -eq "$1" ] &&
		[ "$(metric mtasts_domains_pending)" -eq 0 ] &&
		[ "$(fetches_ok)" -ge "$2" ]
}

# cpu_s PID: the process's user + system CPU seconds so far.
TICKS=$(getconf CLK_TCK)
cpu_s() { awk -v t="$TICKS" '{ printf "%.1f", ($14 + $15) / t }' "/proc/$1/stat" 2>/dev/null || echo 0; }

# cpu_all: "milter nginx dnsmasq" CPU seconds (nginx: its worker).
cpu_all() {
	local nginx_worker
	nginx_worker=$(pgrep -P "$(lab_tracked nginx)" | head -n 1)
	echo "$(cpu_s "$MILTER_PID") $(cpu_s "${nginx_worker:-0}") $(cpu_s "$(lab_tracked dnsmasq)")"
}

# cpu_since "M N D": CPU seconds used since that cpu_all, as RESULT fields.
cpu_since() {
	# shellcheck disable=SC2046,SC2086
	set -- $1 $(cpu_all)
	awk -v m0="$1" -v n0="$2" -v d0="$3" -v m="$4" -v n="$5" -v d="$6" \
		'BEGIN { printf "cpu_s milter %.1f nginx %.1f dnsmasq %.1f", m - m0, n - n0, d - d0 }'
}

rss_kb() { awk -v k="$2" '$1 == k ":" { print $2 }' "/proc/$1/status"; }

# failures: policy fetches and TXT lookups that did not succeed.
failures() {
	local sum=0 o
	for o in sts-policy-fetch-error sts-policy-invalid sts-webpki-invalid; do
		sum=$((sum + $(metric mtasts_policy_fetches_total "$o")))
	done
	for o in absent invalid dns-failure; do
		sum=$((sum + $(metric mtasts_txt_lookups_total "$o")))
	done
	echo "$sum"
}

# state_holds ID: the state file holds a policy of id ID for every domain.
state_holds() {
	[ "$(jq --arg id "$1" '[.domains[] | select(.policy.id == $id)] | length' \
		"$LAB/state/$STATEFILE" 2>/dev/null)" = "$N" ]
}

# latency LABEL SESSIONS: milterlat's envrcpt, eom and session figures.
latency() {
	[ -n "$MILTERLAT" ] || return 0
	"$MILTERLAT" "unix:$LAB/milter.sock" "$2" "$1" >"$LAB/lat-$1.txt" ||
		lab_die "milterlat failed (see $LAB/lat-$1.txt)"
	report_latency "$1"
}

report_latency() {
	awk '$2 == "rcpt" || $2 == "eom" || $2 == "session" {
		printf "  %-8s %-8s median %7.1f us  p90 %7.1f  p99 %7.1f\n", $1, $2, $3, $4, $5 }' \
		"$LAB/lat-$1.txt"
}

result() { printf 'RESULT %s\n' "$*" | tee -a "$LAB/results.txt"; }

# --- the run -----------------------------------------------------------------

scale_require
lab_init "scale-$N"
STATEFILE=policies.json
lab_log "generating $N domains (load $(load1))"
t0=$(now_ms)
scale_pki
scale_dns_start scale1
scale_https_start
lab_log "lab up in $(seconds_since "$t0") s: $(((N + PER_CERT - 1) / PER_CERT)) certificates, $N DNS records"

# 1. baseline
scale_conf 1 3600 >"$LAB/mtasts-milter.conf"
milter_start
lab_wait 30 "the baseline policy" discovered 1 1 || lab_die "the baseline domain got no policy (see $LAB/milter.log)"
sleep 2
base_rss=$(rss_kb "$MILTER_PID" VmRSS)
result "baseline_rss_kb $base_rss load $(load1)"
milter_stop

# 2. discovery
scale_conf "$N" 3600 >"$LAB/mtasts-milter.conf"
t0=$(now_ms)
milter_start
cpu0="0 $(cpu_all | cut -d ' ' -f 2-)"
lab_log "milter up in $(seconds_since "$t0") s; waiting for $N policies"
lab_wait "$LIMIT" "$N policies" discovered "$N" "$N" ||
	lab_die "not every domain got its policy within $LIMIT s ($(fetches_ok) fetched; see $LAB/milter.log)"
discovery_s=$(seconds_since "$t0")
result "discovery_s $discovery_s domains $N $(cpu_since "$cpu0") load $(load1)"
# The state file is written at most every 5 s.
lab_wait 20 "the state file with $N policies" state_holds scale1 ||
	lab_die "the state file does not hold the policy of every domain"
sleep 3
idle_rss=$(rss_kb "$MILTER_PID" VmRSS)
per_domain=$(((idle_rss - base_rss) * 1024 / N))
result "idle_rss_kb $idle_rss bytes_per_domain $per_domain statefile_bytes $(stat -c %s "$LAB/state/$STATEFILE") load $(load1)"
latency idle "$LAT_SESSIONS"

# 3. refresh
before=$(fetches_ok)
fail_before=$(failures)
lab_stop_pid dnsmasq "$(lab_tracked dnsmasq)"
scale_dns_start scale2
scale_policy 86401
scale_conf "$N" 1 >"$LAB/mtasts-milter.conf"
lat_pid=
if [ -n "$MILTERLAT" ]; then
	"$MILTERLAT" "unix:$LAB/milter.sock" 0 refresh >"$LAB/lat-refresh.txt" 2>&1 9>&- &
	lat_pid=$!
	lab_track milterlat "$lat_pid"
fi
t0=$(now_ms)
cpu0=$(cpu_all)
kill -USR1 "$MILTER_PID"
lab_wait "$LIMIT" "$N refreshed policies" discovered "$N" $((before + N)) ||
	lab_die "not every domain was refreshed within $LIMIT s ($(($(fetches_ok) - before)) fetched; see $LAB/milter.log)"
refresh_s=$(seconds_since "$t0")
if [ -n "$lat_pid" ]; then
	kill -TERM "$lat_pid"
	wait "$lat_pid" || lab_die "milterlat failed during the refresh (see $LAB/lat-refresh.txt)"
fi
result "refresh_s $refresh_s domains $N $(cpu_since "$cpu0") txt_lookups_total $(metric mtasts_txt_lookups_total valid) load $(load1)"
check "the state file holds the new policy of every domain" \
	lab_wait 20 "the state file with $N new policies" state_holds scale2
peak=$(rss_kb "$MILTER_PID" VmHWM)
result "peak_rss_kb $peak rss_kb $(rss_kb "$MILTER_PID" VmRSS) statefile_bytes $(stat -c %s "$LAB/state/$STATEFILE") load $(load1)"
[ -z "$MILTERLAT" ] || { echo "callback latency (milterlat, one session at a time):"; report_latency idle; report_latency refresh; }
fails=$(($(failures) - fail_before))

if [ "$CHECK" = yes ]; then
	check "no TXT lookup or policy fetch failed ($fails did)" test "$fails" -eq 0
	check "no failure in the milter log" eval "! grep -E 'error|warning' '$LAB/milter.log'"
else
	result "refresh_goal $(awk -v s="$refresh_s" -v g="$GOAL_REFRESH_S" 'BEGIN { print (s < g ? "met" : "missed") }') (< ${GOAL_REFRESH_S} s)"
	result "memory_goal $([ "$per_domain" -lt "$GOAL_BYTES_PER_DOMAIN" ] && echo met || echo missed) (< $GOAL_BYTES_PER_DOMAIN bytes per domain)"
	[ "$fails" -eq 0 ] || lab_log "warning: $fails TXT lookups or fetches failed during the refresh"
fi
lab_log "done (results in $LAB/results.txt)"
[ "$FAILURES" -eq 0 ]

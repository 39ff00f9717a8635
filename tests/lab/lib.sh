# tests/lab/lib.sh - shared functions for the real-Postfix lab (sourced by the
# lab tests and demo.sh, never run on its own).
#
# The lab is a private Postfix instance, the milter under test, dnsmasq and
# nginx, all on 127.0.0.1 and all living under one directory, $LAB (default
# $PWD/run/NAME, or $MTASTS_LAB_DIR/NAME; the Makefile points it into the build
# tree). Nothing under /etc and no system service is touched. Every process the
# lab starts is recorded by PID and stopped by PID in lab_cleanup, which runs
# on every exit (pass, fail or signal).
#
# The ports are fixed (SMTP 2525, DNS 5353, HTTPS 8443), so an exclusive flock
# on $LAB_LOCK makes a second lab wait until the first one is gone. A long run
# (tests/bench soak and scale) may set LAB_SMTP_PORT, LAB_DNS_PORT,
# LAB_HTTPS_PORT and LAB_LOCK to a port set and lock of its own before
# sourcing this file, so that it does not hold the shared lock for half an hour.
#
# Usage (in a script with `set -eu`):
#   . "$srcdir/lib.sh"; lab_require; lab_init NAME; lab_start; lab_send ...
# A script may write its own $LAB/mtasts-milter.conf between lab_init and
# lab_start; otherwise lab_milter_conf's is used.
#
# Environment: MTASTS_MILTER (the daemon), MTASTS_REPORT (optional),
# MTASTS_LAB_DIR (parent of the lab directories).

# shellcheck shell=bash

LAB_SMTP_PORT=${LAB_SMTP_PORT:-2525}
LAB_DNS_PORT=${LAB_DNS_PORT:-5353}
LAB_HTTPS_PORT=${LAB_HTTPS_PORT:-8443}
LAB_LOCK=${LAB_LOCK:-/tmp/mtasts-milter-lab.lock}
LAB_MX=mx1.example.test
# Policy domains of the discovery test, each CASE.example.test: one per way
# publishing can go wrong, plus good, changing, draft and never-seen ones,
# one only lenient senders read; holeN have a policy host that never
# answers, quickN are good ones; servfail, stall and endless are the fault
# lab's (test-milter-faults.sh).
LAB_DISCOVERY_CASES="notxt twotxt badid multi none notfound html redirect
wrongname expired untrusted invalid oversize slow changed idchange removed
drafted fresh lenient hole1 hole2 hole3 quick1 quick2 quick3 quick4 quick5
servfail stall endless"
# LAB_SERVFAIL_PORT set: dnsmasq forwards _mta-sts.servfail.example.test
# there (a server answering SERVFAIL) instead of publishing its record.
LAB_SERVFAIL_PORT=
LAB_PIDS=()
LAB_POSTFIX_STARTED=no

# --- messages ---------------------------------------------------------------

lab_log() { printf '%s: %s\n' "${LAB_NAME:-lab}" "$*" >&2; }
lab_die() { lab_log "error: $*"; exit 1; }
lab_skip() { lab_log "SKIP: $*"; exit 77; }

# check DESCRIPTION COMMAND...: run one assertion, count failures in
# FAILURES, go on.
FAILURES=0
check() {
	local what=$1
	shift
	if "$@"; then
		printf 'ok   %s\n' "$what"
	else
		printf 'FAIL %s\n' "$what"
		FAILURES=$((FAILURES + 1))
	fi
}

# --- prerequisites ----------------------------------------------------------

# lab_require: skip (77) unless root with every tool the lab runs.
lab_require() {
	local tool
	[ "$(id -u)" = 0 ] || lab_skip "the lab needs root (private Postfix, dnsmasq, nginx)"
	for tool in postfix postconf swaks openssl jq dnsmasq nginx flock script; do
		command -v "$tool" >/dev/null 2>&1 ||
			PATH=$PATH:/usr/sbin:/sbin command -v "$tool" >/dev/null 2>&1 ||
			lab_skip "$tool not found (Debian: postfix swaks openssl jq dnsmasq nginx-light util-linux)"
	done
	PATH=$PATH:/usr/sbin:/sbin
	[ -f /usr/share/postfix/master.cf.dist ] ||
		lab_skip "/usr/share/postfix/master.cf.dist missing (Debian postfix package)"
	getent passwd postfix >/dev/null || lab_skip "no postfix user"
	MTASTS_MILTER=${MTASTS_MILTER:-}
	[ -n "$MTASTS_MILTER" ] || lab_skip "MTASTS_MILTER is not set (path of mtasts-milter)"
	[ -x "$MTASTS_MILTER" ] || lab_skip "milter binary not built: $MTASTS_MILTER"
}

# --- lab directory, lock, cleanup -------------------------------------------

# lab_init NAME: take the lock, create a fresh $LAB, install the cleanup trap.
lab_init() {
	LAB_NAME=$1
	local parent=${MTASTS_LAB_DIR:-$PWD/run}
	mkdir -p "$parent"
	parent=$(cd "$parent" && pwd)
	LAB=$parent/$LAB_NAME
	# sun_path is 108 bytes; Postfix and libmilter need the socket path to
	# fit. A checkout deep in the file system gets a short private directory.
	[ ${#LAB} -le 80 ] || lab_short_dir "$parent"

	exec 9>>"$LAB_LOCK"
	if ! flock -n 9; then
		lab_log "another lab is running; waiting for $LAB_LOCK"
		# make -j check: the other labs may run one after another first.
		flock -w 1800 9 || lab_die "lock $LAB_LOCK still held after 30 min"
	fi
	trap lab_cleanup EXIT
	trap 'exit 1' INT TERM HUP

	lab_reap_stale
	lab_check_ports
	rm -rf "$LAB"
	mkdir -p "$LAB"
	chmod 755 "$LAB"
	lab_check_traversable "$LAB"
}

# lab_short_dir PARENT: put the lab in /tmp/mtasts-lab-N (N from PARENT, so
# that a rerun finds what a killed run left), owned by us and writable by no
# one else, with PARENT/NAME a link to it. Refuses a name someone else made.
lab_short_dir() {
	local short
	short=/tmp/mtasts-lab-$(printf '%s' "$1" | cksum | cut -d ' ' -f 1)
	if [ -L "$short" ] || { [ -e "$short" ] && [ ! -d "$short" ]; }; then
		lab_die "$short exists and is not a directory; remove it"
	fi
	mkdir -p -m 755 "$short"
	[ "$(stat -c %u "$short")" = "$(id -u)" ] ||
		lab_die "$short belongs to another user; remove it"
	chmod go-w "$short"
	LAB=$short/$LAB_NAME
	[ -L "$1/$LAB_NAME" ] || rm -rf "${1:?}/$LAB_NAME"
	ln -sfn "$LAB" "$1/$LAB_NAME"
	lab_log "the path of $1 is too long for unix sockets; the lab runs in $LAB"
}

# lab_reap_stale: a previous run of this lab that was killed before its
# cleanup ran leaves daemons behind; stop them by the PIDs it recorded in
# $LAB/lab.pids, newest first as lab_cleanup does (only processes whose
# command line or executable names $LAB, in case a PID was reused: Sendmail
# rewrites its command line), and its Postfix with `postfix stop`.
lab_reap_stale() {
	local name pid
	[ -d "$LAB" ] || return 0
	pid=$(tr -d ' \n' 2>/dev/null <"$LAB/pfq/pid/master.pid" || true)
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && [ -f "$LAB/pf/main.cf" ]; then
		lab_log "stopping the Postfix left over from an earlier run in $LAB"
		lab_postfix_stop
	fi
	[ -f "$LAB/lab.pids" ] || return 0
	while read -r name pid; do
		kill -0 "$pid" 2>/dev/null || continue
		{ tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -qF "$LAB/" ||
			readlink "/proc/$pid/exe" 2>/dev/null | grep -qF "$LAB/"; } || continue
		lab_log "stopping $name (pid $pid) left over from an earlier run"
		lab_stop_pid "$name" "$pid"
	done < <(tac "$LAB/lab.pids")
}

# lab_check_ports: the fixed ports must be free (a leftover lab, or a system
# service, would make the results meaningless).
lab_check_ports() {
	local port
	for port in "$LAB_SMTP_PORT" "$LAB_HTTPS_PORT"; do
		! lab_tcp_listening "$port" || lab_die "127.0.0.1:$port is already in use (a leftover lab? ss -ltnp 'sport = :$port')"
	done
	if command -v ss >/dev/null && ss -Hlun "sport = :$LAB_DNS_PORT" | grep -q .; then
		lab_die "UDP port $LAB_DNS_PORT is already in use (ss -lunp 'sport = :$LAB_DNS_PORT')"
	fi
}

# lab_check_traversable DIR: Postfix (user postfix) and virtual(8) delivery
# (user nobody) must reach the lab directory (lab_require makes sure the
# Postfix labs have both; the Sendmail lab needs neither).
lab_check_traversable() {
	local user
	for user in postfix nobody; do
		getent passwd "$user" >/dev/null || continue
		runuser -u "$user" -- test -x "$1" 2>/dev/null ||
			lab_die "user $user cannot reach $1 (a parent directory is not world-searchable); set MTASTS_LAB_DIR"
	done
}

# lab_track NAME PID: remember a process for lab_cleanup.
lab_track() {
	LAB_PIDS+=("$1:$2")
	echo "$1 $2" >>"$LAB/lab.pids"
}

# lab_stop_pid NAME PID: TERM, wait up to 5 s, then KILL.
lab_stop_pid() {
	local name=$1 pid=$2 i
	kill -0 "$pid" 2>/dev/null || return 0
	kill -TERM "$pid" 2>/dev/null || true
	for i in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		lab_log "$name (pid $pid) ignored SIGTERM; killing it"
		kill -KILL "$pid" 2>/dev/null || true
	fi
	wait "$pid" 2>/dev/null || true
}

# lab_cleanup: stop everything this lab started, newest first. Runs from the
# EXIT trap, so it must not fail and keeps the script's exit status.
lab_cleanup() {
	local rc=$? i entry
	set +e
	trap - EXIT INT TERM HUP
	[ "$LAB_POSTFIX_STARTED" = yes ] && lab_postfix_stop
	for ((i = ${#LAB_PIDS[@]} - 1; i >= 0; i--)); do
		entry=${LAB_PIDS[$i]}
		lab_stop_pid "${entry%%:*}" "${entry#*:}"
	done
	LAB_PIDS=()
	exec 9>&-
	exit "$rc"
}

# --- waiting ----------------------------------------------------------------

# lab_wait SECONDS DESCRIPTION COMMAND...: poll COMMAND every 0.1 s.
lab_wait() {
	local secs=$1 what=$2 i
	shift 2
	for i in $(seq $((secs * 10))); do
		"$@" && return 0
		sleep 0.1
	done
	lab_log "timed out after ${secs}s waiting for $what"
	return 1
}

# lab_tcp_listening PORT: something listens on 127.0.0.1:PORT. ss looks
# without connecting (a probe connection would show up in the milter's log as
# a session without a message); /dev/tcp is the fallback.
lab_tcp_listening() {
	if command -v ss >/dev/null; then
		ss -Hltn "sport = :$1" | grep -q .
	else
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
	fi
}
lab_alive() { kill -0 "$1" 2>/dev/null; }
lab_mail_count() { find "$LAB/mail" -path '*/new/*' -type f 2>/dev/null | wc -l; }
lab_mail_at_least() { [ "$(lab_mail_count)" -ge "$1" ]; }

# lab_wait_mail N [SECONDS]: wait until N messages have been delivered.
lab_wait_mail() {
	lab_wait "${2:-20}" "$1 delivered message(s) in $LAB/mail" lab_mail_at_least "$1"
}

# --- PKI --------------------------------------------------------------------

# lab_issue NAME SAN EKU [SUBJECT]: a leaf certificate signed by the lab CA,
# subject /CN=NAME unless given.
lab_issue() {
	local d=$LAB/pki
	openssl req -newkey rsa:2048 -nodes -keyout "$d/$1.key" -out "$d/$1.csr" -subj "${4:-/CN=$1}" 2>/dev/null
	printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=%s\n' \
		"$2" "$3" >"$d/$1.ext"
	openssl x509 -req -in "$d/$1.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial \
		-out "$d/$1.crt" -days 825 -sha256 -extfile "$d/$1.ext" 2>/dev/null
	cat "$d/$1.crt" "$d/ca.crt" >"$d/$1.chain.pem"
}

# lab_mkpki: test CA; MX, MTA-STS web and client certificates.
lab_mkpki() {
	local d=$LAB/pki
	mkdir -p "$d"
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$d/ca.key" -out "$d/ca.crt" -days 3650 \
		-subj "/CN=MTA-STS Lab Test CA" -addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null ||
		lab_die "openssl could not create the lab CA"
	lab_issue "$LAB_MX" "DNS:$LAB_MX" serverAuth || lab_die "openssl could not issue $LAB_MX"
	lab_issue mta-sts.example.test DNS:mta-sts.example.test serverAuth ||
		lab_die "openssl could not issue mta-sts.example.test"
	lab_issue client.example.test DNS:client.example.test clientAuth ||
		lab_die "openssl could not issue client.example.test"
	chmod 644 "$d"/*.crt "$d"/*.pem
}

# lab_issue_dated NAME SAN STARTDATE ENDDATE: a server certificate from the
# lab CA through `openssl ca`, whose validity may lie in the past.
lab_issue_dated() {
	local d=$LAB/pki
	mkdir -p "$d/newcerts"
	[ -f "$d/index.txt" ] || : >"$d/index.txt"
	[ -f "$d/serial.dated" ] || echo 2000 >"$d/serial.dated"
	printf '[ca]\ndefault_ca=lab\n[lab]\ndatabase=%s\nnew_certs_dir=%s\nserial=%s\ndefault_md=sha256\npolicy=any\nunique_subject=no\n[any]\ncommonName=supplied\n' \
		"$d/index.txt" "$d/newcerts" "$d/serial.dated" >"$d/dated.cnf"
	printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' "$2" >"$d/$1.ext"
	openssl req -newkey rsa:2048 -nodes -keyout "$d/$1.key" -out "$d/$1.csr" -subj "/CN=$1" 2>/dev/null &&
		openssl ca -batch -notext -config "$d/dated.cnf" -cert "$d/ca.crt" -keyfile "$d/ca.key" \
			-in "$d/$1.csr" -out "$d/$1.crt" -extfile "$d/$1.ext" -startdate "$3" -enddate "$4" \
			>>"$LAB/openssl.log" 2>&1 || lab_die "openssl could not issue $1 (see $LAB/openssl.log)"
	cat "$d/$1.crt" "$d/ca.crt" >"$d/$1.chain.pem"
	chmod 644 "$d/$1.crt" "$d/$1.chain.pem"
}

# lab_discovery_pki: the discovery policy hosts' certificates: one for every
# good host, an expired one, and a self-signed one that nobody trusts.
lab_discovery_pki() {
	local d=$LAB/pki c sans=DNS:mta-sts.example.test
	for c in $LAB_DISCOVERY_CASES; do
		case $c in wrongname | expired | untrusted) continue ;; esac
		sans="$sans,DNS:mta-sts.$c.example.test"
	done
	lab_issue mta-sts-lab "$sans" serverAuth || lab_die "openssl could not issue mta-sts-lab"
	lab_issue_dated mta-sts.expired.example.test DNS:mta-sts.expired.example.test \
		20200101000000Z 20200201000000Z
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$d/untrusted.key" \
		-out "$d/untrusted.chain.pem" -days 30 -subj /CN=mta-sts.untrusted.example.test \
		-addext subjectAltName=DNS:mta-sts.untrusted.example.test 2>/dev/null ||
		lab_die "openssl could not make the untrusted certificate"
	chmod 644 "$d"/*.pem
}

# --- Postfix ----------------------------------------------------------------

# lab_postfix_main_cf: a private instance delivering every recipient of the lab
# domains into one Maildir ($LAB/mail/inbox/) through virtual(8).
lab_postfix_main_cf() {
	cat <<EOF
# main.cf for the mtasts-milter lab (generated by tests/lab/lib.sh)
compatibility_level = 3.6
config_directory = $LAB/pf
queue_directory = $LAB/pfq
data_directory = $LAB/pfd
mail_owner = postfix
setgid_group = postdrop
maillog_file = $LAB/maillog
maillog_file_prefixes = $LAB, /var, /dev/stdout
inet_interfaces = loopback-only
inet_protocols = ipv4
myhostname = $LAB_MX
mydomain = example.test
myorigin = \$mydomain
mydestination = example.test, testing.example, \$myhostname,
	$(lab_discovery_domains)
mynetworks = 127.0.0.0/8
smtpd_banner = \$myhostname ESMTP mtasts-milter lab
biff = no
local_recipient_maps =
local_transport = virtual
virtual_mailbox_domains =
virtual_mailbox_base = $LAB/mail
virtual_mailbox_maps = static:inbox/
virtual_uid_maps = static:65534
virtual_gid_maps = static:65534
virtual_minimum_uid = 100
smtpd_tls_security_level = may
smtpd_tls_cert_file = $LAB/pki/$LAB_MX.chain.pem
smtpd_tls_key_file = $LAB/pki/$LAB_MX.key
smtpd_tls_CAfile = $LAB/pki/ca.crt
smtpd_tls_ask_ccert = yes
smtpd_tls_protocols = >=TLSv1
smtpd_tls_ciphers = medium
tls_medium_cipherlist = DEFAULT:@SECLEVEL=0
smtpd_tls_loglevel = 1
smtpd_tls_received_header = yes
smtpd_tls_session_cache_database =
# default_action=accept: if the milter is down or dies, mail still flows.
smtpd_milters = { unix:$LAB/milter.sock, default_action=accept }
non_smtpd_milters =
milter_protocol = 6
smtpd_client_connection_count_limit = 0
smtpd_client_connection_rate_limit = 0
smtpd_client_message_rate_limit = 0
EOF
}

# lab_postfix_master_cf: Debian's master.cf with chroot off everywhere (the
# milter socket path must resolve outside a chroot), smtpd on 127.0.0.1 only,
# and no pipe(8) or lmtp services.
lab_postfix_master_cf() {
	awk -v listen="127.0.0.1:$LAB_SMTP_PORT" '
		/^#/ || /^$/ { next }
		/^[ \t]/ { if (keep) print; next }
		{
			keep = !($8 == "pipe" || $1 == "lmtp")
			if (!keep) next
			if ($1 == "smtp" && $2 == "inet") $1 = listen
			$5 = "n"
			print
		}' /usr/share/postfix/master.cf.dist
}

lab_postfix_setup() {
	mkdir -p "$LAB/pf" "$LAB/pfq" "$LAB/pfd" "$LAB/mail"
	chown postfix "$LAB/pfd"
	chmod 700 "$LAB/pfd"
	chown nobody:nogroup "$LAB/mail"
	lab_postfix_main_cf >"$LAB/pf/main.cf"
	lab_postfix_master_cf >"$LAB/pf/master.cf"
}

# SMTP AUTH for the lab Postfix (Cyrus SASL, PLAIN and LOGIN against a
# sasldb holding one user): lab_require_sasl skips without the packages;
# lab_postfix_sasl is a lab_start hook (main.cf written, Postfix not
# started yet).
LAB_SASL_USER=submit@example.test
LAB_SASL_PASS=lab-secret-1

lab_require_sasl() {
	command -v saslpasswd2 >/dev/null || lab_skip "saslpasswd2 missing (Debian package sasl2-bin)"
	ls /usr/lib/*/sasl2/libplain.so* >/dev/null 2>&1 ||
		lab_skip "Cyrus SASL's PLAIN module missing (Debian package libsasl2-modules)"
}

lab_postfix_sasl() {
	mkdir -p "$LAB/sasl" "$LAB/pf/sasl"
	printf '%s' "$LAB_SASL_PASS" |
		saslpasswd2 -p -c -f "$LAB/sasl/sasldb2" -u "${LAB_SASL_USER#*@}" "${LAB_SASL_USER%@*}" ||
		lab_die "saslpasswd2 could not create $LAB/sasl/sasldb2"
	chown postfix "$LAB/sasl/sasldb2"
	chmod 600 "$LAB/sasl/sasldb2"
	# Debian's Postfix has Cyrus read $config_directory/sasl/smtpd.conf
	# (cyrus_sasl_config_path is not used there): the file goes there.
	cat >"$LAB/pf/sasl/smtpd.conf" <<EOF
pwcheck_method: auxprop
auxprop_plugin: sasldb
mech_list: PLAIN LOGIN
sasldb_path: $LAB/sasl/sasldb2
EOF
	cat >>"$LAB/pf/main.cf" <<EOF
smtpd_sasl_auth_enable = yes
smtpd_sasl_type = cyrus
smtpd_sasl_path = smtpd
smtpd_sasl_security_options = noanonymous
smtpd_tls_auth_only = no
EOF
}

# lab_postfix_run ARGS...: postfix reports errors through postlog, which only
# writes to a terminal; `script` gives it one so the errors reach the log.
lab_postfix_run() {
	script -qec "postfix -c $LAB/pf $*" /dev/null >>"$LAB/postfix-cmd.log" 2>&1 9>&-
}

lab_postfix_start() {
	if ! lab_postfix_run start; then
		cat "$LAB/postfix-cmd.log" >&2
		lab_die "postfix -c $LAB/pf start failed (see above and $LAB/maillog)"
	fi
	LAB_POSTFIX_STARTED=yes
	lab_wait 10 "Postfix on 127.0.0.1:$LAB_SMTP_PORT" lab_tcp_listening "$LAB_SMTP_PORT" ||
		lab_die "Postfix did not listen on $LAB_SMTP_PORT (see $LAB/maillog)"
}

lab_postfix_master_pid() { tr -d ' \n' 2>/dev/null <"$LAB/pfq/pid/master.pid"; }

# lab_postfix_stop: `postfix stop`, then make sure the master is gone.
lab_postfix_stop() {
	local pid
	pid=$(lab_postfix_master_pid)
	lab_postfix_run stop || lab_log "postfix stop failed (see $LAB/postfix-cmd.log)"
	if [ -n "$pid" ] && ! lab_wait 10 "Postfix master (pid $pid) to exit" eval "! kill -0 $pid 2>/dev/null"; then
		kill -KILL "$pid" 2>/dev/null || true
	fi
	LAB_POSTFIX_STARTED=no
}

# --- DNS (dnsmasq) and HTTPS (nginx): the published side of MTA-STS ---------

# lab_dnsmasq_head WHO: the start of a dnsmasq.conf answering on
# 127.0.0.1:$LAB_DNS_PORT from its own records only (example.test among
# them); the caller adds the rest.
lab_dnsmasq_head() {
	cat <<EOF
# dnsmasq for $1 (generated)
port=$LAB_DNS_PORT
listen-address=127.0.0.1
bind-interfaces
no-resolv
no-poll
no-hosts
no-negcache
domain-needed
local=/example.test/
host-record=$LAB_MX,127.0.0.1
log-facility=-
EOF
}

lab_dnsmasq_conf() {
	lab_dnsmasq_head "the mtasts-milter lab (tests/lab/lib.sh)"
	cat <<EOF
local=/testing.example/
mx-host=example.test,$LAB_MX,10
mx-host=testing.example,$LAB_MX,10
host-record=mta-sts.example.test,127.0.0.1
txt-record=_mta-sts.example.test,"v=STSv1; id=20240101"
txt-record=_smtp._tls.example.test,"v=TLSRPTv1; rua=mailto:tlsrpt@example.test"
log-queries
EOF
	lab_discovery_dns
}

# lab_discovery_domains: the discovery test domains, comma-separated.
lab_discovery_domains() {
	local c out=""
	for c in $LAB_DISCOVERY_CASES; do out="$out${out:+, }$c.example.test"; done
	printf '%s' "$out"
}

# lab_discovery_dns: the _mta-sts records of the discovery domains. A test
# changes LAB_IDCHANGE_ID or LAB_REMOVED_TXT, then restarts dnsmasq.
lab_discovery_dns() {
	local c
	for c in $LAB_DISCOVERY_CASES; do
		case $c in
		notxt | fresh) ;;
		twotxt) printf 'txt-record=_mta-sts.twotxt.example.test,"v=STSv1; id=%s"\n' twotxt1 twotxt2 ;;
		badid) printf 'txt-record=_mta-sts.badid.example.test,"v=STSv1; id=bad-id!"\n' ;;
		multi) printf 'txt-record=_mta-sts.multi.example.test,"v=STSv1; id=","multi1"\n' ;;
		lenient) printf 'txt-record=_mta-sts.lenient.example.test,"v=STSv1; id=lenient1 "\n' ;;
		idchange) printf 'txt-record=_mta-sts.idchange.example.test,"v=STSv1; id=%s"\n' \
			"${LAB_IDCHANGE_ID:-idchange1}" ;;
		servfail) if [ -n "$LAB_SERVFAIL_PORT" ]; then
			printf 'server=/_mta-sts.servfail.example.test/127.0.0.1#%s\n' "$LAB_SERVFAIL_PORT"
		else
			printf 'txt-record=_mta-sts.servfail.example.test,"v=STSv1; id=servfail1"\n'
		fi ;;
		removed) [ "${LAB_REMOVED_TXT:-yes}" = no ] ||
			printf 'txt-record=_mta-sts.removed.example.test,"v=STSv1; id=removed1"\n' ;;
		*) printf 'txt-record=_mta-sts.%s.example.test,"v=STSv1; id=%s1"\n' "$c" "$c" ;;
		esac
	done
}

# lab_nginx_head WHO: the start of an nginx.conf that keeps every file under
# $LAB/nginx, up to and including "http {" and its paths; the caller adds the
# servers and the closing brace.
lab_nginx_head() {
	cat <<EOF
# nginx for $1 (generated)
daemon off;
user nobody nogroup;
worker_processes 1;
pid $LAB/nginx/nginx.pid;
error_log $LAB/nginx/error.log;
events { worker_connections 64; }
http {
	access_log $LAB/nginx/access.log;
	client_body_temp_path $LAB/nginx/tmp/body;
	proxy_temp_path $LAB/nginx/tmp/proxy;
	fastcgi_temp_path $LAB/nginx/tmp/fastcgi;
	uwsgi_temp_path $LAB/nginx/tmp/uwsgi;
	scgi_temp_path $LAB/nginx/tmp/scgi;
EOF
}

lab_nginx_conf() {
	lab_nginx_head "the mtasts-milter lab (tests/lab/lib.sh)"
	cat <<EOF
	server {
		listen 127.0.0.1:$LAB_HTTPS_PORT ssl;
		server_name mta-sts.example.test;
		ssl_certificate $LAB/pki/mta-sts.example.test.chain.pem;
		ssl_certificate_key $LAB/pki/mta-sts.example.test.key;
		ssl_protocols TLSv1.2 TLSv1.3;
		root $LAB/nginx/html;
		location = /.well-known/mta-sts.txt { default_type text/plain; types { } charset off; }
		location / { return 404; }
	}
EOF
	lab_discovery_nginx
	echo "}"
}

# lab_discovery_server CASE CERT [LOCATION]: the policy host of
# CASE.example.test; LOCATION replaces how the policy file is served.
lab_discovery_server() {
	local serve='default_type text/plain; types { } charset off;'
	[ $# -lt 3 ] || serve=$3
	cat <<EOF
	server {
		listen 127.0.0.1:$LAB_HTTPS_PORT ssl;
		server_name mta-sts.$1.example.test;
		ssl_certificate $LAB/pki/$2.chain.pem;
		ssl_certificate_key $LAB/pki/$2.key;
		ssl_protocols TLSv1.2 TLSv1.3;
		root $LAB/nginx/sites/$1;
		location = /.well-known/mta-sts.txt { $serve }
		location / { return 404; }
	}
EOF
}

lab_discovery_nginx() {
	local c
	for c in $LAB_DISCOVERY_CASES; do
		case $c in
		wrongname) lab_discovery_server "$c" mta-sts.example.test ;;
		expired) lab_discovery_server "$c" mta-sts.expired.example.test ;;
		untrusted) lab_discovery_server "$c" untrusted ;;
		html) lab_discovery_server "$c" mta-sts-lab "default_type text/html; types { }" ;;
		redirect) lab_discovery_server "$c" mta-sts-lab \
			"return 301 https://mta-sts.example.test/.well-known/mta-sts.txt;" ;;
		slow) lab_discovery_server "$c" mta-sts-lab \
			"default_type text/plain; types { } sendfile off; limit_rate 8;" ;;
		*) lab_discovery_server "$c" mta-sts-lab ;;
		esac
	done
}

# lab_discovery_policy CASE FORMAT: serve the printf FORMAT as the policy of
# CASE.example.test (nginx reads the file at every request).
lab_discovery_policy() {
	local dir=$LAB/nginx/sites/$1/.well-known
	mkdir -p "$dir"
	# shellcheck disable=SC2059
	printf "$2" >"$dir/mta-sts.txt.new"
	chmod 644 "$dir/mta-sts.txt.new"
	mv "$dir/mta-sts.txt.new" "$dir/mta-sts.txt"
}

# lab_discovery_policies: the first policy of every discovery domain.
lab_discovery_policies() {
	local c good="version: STSv1\nmode: enforce\nmx: $LAB_MX\nmax_age: 86400\n"
	for c in $LAB_DISCOVERY_CASES; do
		case $c in
		notfound) mkdir -p "$LAB/nginx/sites/$c" ;;
		none) lab_discovery_policy "$c" 'version: STSv1\nmode: none\nmax_age: 86400\n' ;;
		invalid) lab_discovery_policy "$c" "version: STSv1\nmode: sometimes\nmx: $LAB_MX\nmax_age: 86400\n" ;;
		# Strict senders reject it; lenient ones apply it, and fail.
		lenient) lab_discovery_policy "$c" "version: STSv1\r\nmode : enforce\r\nmx: other.example.test\r\nmax_age: 86400\r\n\r\n" ;;
		oversize) lab_discovery_policy "$c" "$good"
			head -c 70000 /dev/zero | tr '\0' x >>"$LAB/nginx/sites/$c/.well-known/mta-sts.txt" ;;
		changed) lab_discovery_policy "$c" "version: STSv1\nmode: enforce\nmx: $LAB_MX\nmax_age: 20\n" ;;
		idchange | drafted) lab_discovery_policy "$c" "version: STSv1\nmode: testing\nmx: $LAB_MX\nmax_age: 86400\n" ;;
		*) lab_discovery_policy "$c" "$good" ;;
		esac
	done
	chmod -R a+rX "$LAB/nginx/sites"
}

lab_dns_start() {
	lab_dnsmasq_conf >"$LAB/dnsmasq.conf"
	lab_dnsmasq_run
}

# lab_dnsmasq_run [SECONDS]: start dnsmasq with $LAB/dnsmasq.conf, as
# written; wait up to SECONDS (5) for it to answer.
lab_dnsmasq_run() {
	dnsmasq -k -C "$LAB/dnsmasq.conf" --user=root --pid-file="$LAB/dnsmasq.pid" \
		>>"$LAB/dnsmasq.log" 2>&1 9>&- &
	lab_track dnsmasq $!
	lab_wait "${1:-5}" "dnsmasq on 127.0.0.1:$LAB_DNS_PORT" lab_dns_ready $! ||
		lab_die "dnsmasq did not start (see $LAB/dnsmasq.log)"
}

lab_dns_ready() {
	lab_alive "$1" || lab_die "dnsmasq exited: $(tail -n 3 "$LAB/dnsmasq.log")"
	grep -q 'started, version' "$LAB/dnsmasq.log" 2>/dev/null
}

lab_https_start() {
	mkdir -p "$LAB/nginx/html/.well-known" "$LAB/nginx/tmp"
	# The published policy: CRLF line ends, as RFC 8461 servers commonly send.
	printf 'version: STSv1\r\nmode: enforce\r\nmx: %s\r\nmax_age: 86400\r\n' "$LAB_MX" \
		>"$LAB/nginx/html/.well-known/mta-sts.txt"
	chmod -R a+rX "$LAB/nginx/html"
	[ -d "$LAB/nginx/sites" ] || lab_discovery_policies
	lab_nginx_conf >"$LAB/nginx/nginx.conf"
	lab_nginx_run
}

# lab_nginx_run: start nginx with $LAB/nginx/nginx.conf, as written.
lab_nginx_run() {
	nginx -p "$LAB/nginx" -c "$LAB/nginx/nginx.conf" -e "$LAB/nginx/error.log" \
		>>"$LAB/nginx/stdout.log" 2>&1 9>&- &
	lab_track nginx $!
	lab_wait 5 "nginx on 127.0.0.1:$LAB_HTTPS_PORT" lab_tcp_listening "$LAB_HTTPS_PORT" ||
		lab_die "nginx did not start (see $LAB/nginx/error.log)"
}

# --- the milter -------------------------------------------------------------

# lab_policies: the draft policies the milter evaluates against. example.test
# is a draft enforce policy (the "what breaks if I enforce" case);
# testing.example a draft in testing mode with the default draft id.
lab_policies() {
	printf 'version: STSv1\nmode: enforce\nmx: %s\nmax_age: 86400\n' "$LAB_MX" \
		>"$LAB/draft-example.test.txt"
	printf 'version: STSv1\nmode: testing\nmx: %s\nmax_age: 86400\n' "$LAB_MX" \
		>"$LAB/draft-testing.example.txt"
}

# lab_milter_conf_common: the keys every lab milter configuration shares:
# its files under $LAB, the lab MX and its certificate, the lab CA and DNS.
lab_milter_conf_common() {
	cat <<EOF
socket        = "unix:$LAB/milter.sock"
user          = ""
pidfile       = "$LAB/milter.pid"
json_log      = "$LAB/sessions.jsonl"
state_dir     = "$LAB/state"
mx_name       = "$LAB_MX"
tls_cert_file = "$LAB/pki/$LAB_MX.chain.pem"
ca_file       = "$LAB/pki/ca.crt"
dns_servers   = "127.0.0.1:$LAB_DNS_PORT"
add_header    = "always"
EOF
}

lab_milter_conf() {
	echo "# mtasts-milter.conf for the lab (generated by tests/lab/lib.sh)"
	lab_milter_conf_common
	cat <<EOF
connect_to    = {"mta-sts.example.test:443:127.0.0.1:$LAB_HTTPS_PORT"}
draft "example.test" { policy_file = "$LAB/draft-example.test.txt" id = "lab1" }
draft "testing.example" { policy_file = "$LAB/draft-testing.example.txt" }
EOF
}

lab_milter_start() {
	mkdir -p "$LAB/state"
	lab_policies
	[ -f "$LAB/mtasts-milter.conf" ] || lab_milter_conf >"$LAB/mtasts-milter.conf"
	# A stopped milter leaves its socket behind: waiting for it would end at
	# once, and the chmod below would miss the new one (smtpd: Permission
	# denied).
	rm -f "$LAB/milter.sock"
	"$MTASTS_MILTER" -f -c "$LAB/mtasts-milter.conf" >>"$LAB/milter.log" 2>&1 9>&- &
	LAB_MILTER_PID=$!
	lab_track milter "$LAB_MILTER_PID"
	lab_wait 10 "the milter socket $LAB/milter.sock" lab_milter_ready ||
		lab_die "the milter did not create $LAB/milter.sock (see $LAB/milter.log)"
	# The milter stays root here (user = ""); let smtpd (user postfix) connect.
	chmod 666 "$LAB/milter.sock"
}

lab_milter_ready() {
	lab_alive "$LAB_MILTER_PID" || lab_die "the milter exited at startup: $(tail -n 5 "$LAB/milter.log")"
	[ -S "$LAB/milter.sock" ]
}

# lab_policy_start: the daemon with the lab configuration and the policy
# service on $LAB/policy.sock, which any local user may reach (the daemon
# stays root here: user = "").
lab_policy_start() {
	{
		lab_milter_conf
		echo "policy_socket = \"unix:$LAB/policy.sock\""
	} >"$LAB/mtasts-milter.conf"
	lab_milter_start
	lab_wait 5 "the policy socket" test -S "$LAB/policy.sock" ||
		lab_die "no policy socket (see $LAB/milter.log)"
	chmod 666 "$LAB/policy.sock"
}

# lab_tracked NAME: the PID of the newest tracked process called NAME.
lab_tracked() {
	local i entry
	for ((i = ${#LAB_PIDS[@]} - 1; i >= 0; i--)); do
		entry=${LAB_PIDS[$i]}
		[ "${entry%%:*}" != "$1" ] || { printf '%s\n' "${entry#*:}"; return 0; }
	done
	return 1
}

# lab_dns_stop, lab_https_stop: stop the published side (by PID).
lab_dns_stop() { lab_stop_pid dnsmasq "$(lab_tracked dnsmasq)"; }
lab_https_stop() { lab_stop_pid nginx "$(lab_tracked nginx)"; }

# lab_dns_restart: dnsmasq rereads only hosts files on SIGHUP, so changed
# records need a new process.
lab_dns_restart() {
	lab_dns_stop
	: >"$LAB/dnsmasq.log"
	lab_dns_start
}

# lab_start [HOOK]: everything, in dependency order; HOOK (a command) runs
# once Postfix's configuration is written, before Postfix starts.
lab_start() {
	lab_mkpki
	lab_discovery_pki
	lab_dns_start
	lab_https_start
	lab_milter_start
	lab_postfix_setup
	[ $# -eq 0 ] || "$@"
	lab_postfix_start
	lab_log "lab up in $LAB (SMTP 127.0.0.1:$LAB_SMTP_PORT, milter pid $LAB_MILTER_PID)"
}

# --- sending ----------------------------------------------------------------

# lab_send CASE MODE SWAKS-ARGS...: send one message with swaks; MODE is
# plain, TLSv1, TLSv1.1, TLSv1.2, TLSv1.3 or TLSv1.3-cert (with the lab client
# certificate, which fills {cert_subject}). The message carries
# "X-Lab-Case: CASE". Prints the MTA's queue id (Postfix, Sendmail or Exim).
# LAB_SEND_SERVER (default 127.0.0.1:$LAB_SMTP_PORT) is where it connects;
# swaks runs under the command in the array LAB_SEND_VIA, if any.
LAB_SEND_VIA=()
lab_send() {
	local case=$1 mode=$2 out qid
	shift 2
	local args=(--server "${LAB_SEND_SERVER:-127.0.0.1:$LAB_SMTP_PORT}" --helo client.example.test
		--from "sender@client.example.test" --timeout 30
		--header "Subject: mtasts-milter lab: $case" --header "X-Lab-Case: $case")
	# TLS 1.0/1.1 need SECLEVEL 0 on the client (legacy signature algorithms).
	case $mode in
	plain) ;;
	TLSv1) args+=(-tls --tls-protocol tlsv1 --tls-cipher 'DEFAULT:@SECLEVEL=0') ;;
	TLSv1.1) args+=(-tls --tls-protocol tlsv1_1 --tls-cipher 'DEFAULT:@SECLEVEL=0') ;;
	TLSv1.2) args+=(-tls --tls-protocol tlsv1_2) ;;
	TLSv1.3) args+=(-tls --tls-protocol tlsv1_3) ;;
	TLSv1.3-cert) args+=(-tls --tls-protocol tlsv1_3
		--tls-cert "$LAB/pki/client.example.test.crt" --tls-key "$LAB/pki/client.example.test.key") ;;
	*) lab_die "lab_send: unknown mode $mode" ;;
	esac
	out=$LAB/swaks-$case.log
	if ! "${LAB_SEND_VIA[@]}" swaks "${args[@]}" "$@" >"$out" 2>&1; then
		tail -n 15 "$out" >&2
		lab_die "swaks failed for case $case (full dialogue: $out)"
	fi
	# Postfix: "250 2.0.0 Ok: queued as ID"; Sendmail: "250 2.0.0 ID Message
	# accepted for delivery"; Exim: "250 OK id=ID".
	qid=$(sed -n -e 's/.*250 .*queued as \([0-9A-Za-z]*\).*/\1/p' \
		-e 's/^<[-~]  250 2\.0\.0 \([0-9A-Za-z]*\) Message accepted for delivery.*/\1/p' \
		-e 's/.*250 OK id=\([0-9A-Za-z-]*\).*/\1/p' "$out" | tail -n 1)
	[ -n "$qid" ] || lab_die "no queue id in the swaks dialogue for case $case ($out)"
	printf '%s\n' "$qid"
}

# --- reading results --------------------------------------------------------

# lab_message CASE: the first delivered file carrying "X-Lab-Case: CASE".
lab_message() {
	grep -l -x "X-Lab-Case: $1" "$LAB"/mail/inbox/new/* 2>/dev/null | sort | head -n 1
}

# lab_header_values FILE NAME: each NAME field of the header (case-insensitive,
# white space before the colon allowed, as MTAs match names), unfolded, with
# runs of white space turned into one space.
lab_header_values() {
	awk -v want="$2" '
		function flush(   n, v, name) {
			if (cur == "") return
			n = index(cur, ":")
			name = substr(cur, 1, n - 1)
			sub(/[ \t]+$/, "", name)
			if (n > 0 && tolower(name) == tolower(want)) {
				v = substr(cur, n + 1)
				gsub(/[ \t]+/, " ", v); sub(/^ /, "", v); sub(/ $/, "", v)
				print v
			}
			cur = ""
		}
		{ sub(/\r$/, "") }
		/^$/ { flush(); exit }
		/^[ \t]/ { cur = cur $0; next }
		{ flush(); cur = $0 }
		END { flush() }' "$1"
}

# lab_json QUEUE_ID: the JSON log lines for one message, compacted.
lab_json() {
	jq -c --arg q "$1" 'select(.queue_id == $q)' "$LAB/sessions.jsonl" 2>/dev/null
}

# --- checking a delivered message and its record (the milter and policy labs)

# expected_field DOMAIN RESULT REASONS MODE ID TLS: the unfolded header value.
expected_field() {
	local reasons=
	[ -z "$3" ] || reasons=" reasons=$3;"
	printf '%s; domain=%s; result=%s;%s mode=%s; id=%s; source=draft; tls=%s; mx=%s' \
		"$LAB_MX" "$1" "$2" "$reasons" "$4" "$5" "$6" "$LAB_MX"
}

# has_field FILE VALUE: the message carries exactly this MTA-STS-Audit value.
has_field() {
	lab_header_values "$1" MTA-STS-Audit | grep -qxF -- "$2"
}

field_count_is() {
	[ "$(lab_header_values "$1" MTA-STS-Audit | wc -l)" -eq "$2" ]
}

# json_is QUEUE_ID JQ-FILTER [ARGS...]: the message's log line satisfies FILTER.
json_is() {
	local qid=$1 filter=$2
	shift 2
	lab_json "$qid" | jq -e "$@" "$filter" >/dev/null
}

# json_complete_records_are N: the log holds N message records, none aborted.
json_complete_records_are() {
	[ "$(jq -c 'select(.event == "message" and .aborted == false)' "$LAB/sessions.jsonl" | wc -l)" -eq "$1" ]
}

json_one_line() { [ "$(lab_json "$1" | wc -l)" -eq 1 ]; }

# json_domain QUEUE_ID DOMAIN RESULT REASONS MODE ID: one domains[] entry.
json_domain() {
	json_is "$1" '[.domains[] | select(.domain == $d)] | length == 1 and
		(.[0] | .result == $r and (.reasons // [] | join(",")) == $why and
		 .policy.mode == $m and .policy.id == $id and .policy.source == "draft")' \
		--arg d "$2" --arg r "$3" --arg why "$4" --arg m "$5" --arg id "$6"
}

# verify CASE QUEUE_ID TLS CERT-SUBJECT "DOMAIN RESULT REASONS MODE ID"...:
# the delivered message and its JSON record for one case.
verify() {
	local case=$1 qid=$2 tls=$3 subject=$4 msg ndom spec d r why m id
	shift 4
	ndom=$#
	msg=$(lab_message "$case")
	printf -- '--- %s (queue id %s, %s)\n' "$case" "$qid" "$tls"
	check "$case: delivered" test -n "$msg"
	[ -n "$msg" ] || return 0
	lab_header_values "$msg" MTA-STS-Audit | sed 's/^/     MTA-STS-Audit: /'
	check "$case: $ndom MTA-STS-Audit field(s)" field_count_is "$msg" "$ndom"
	check "$case: one JSON log line" json_one_line "$qid"
	check "$case: JSON event, mx" json_is "$qid" \
		'.event == "message" and .mx.name == $mx and (.domains | length) == $n' \
		--arg mx "$LAB_MX" --argjson n "$ndom"
	if [ "$tls" = none ]; then
		check "$case: JSON tls is null" json_is "$qid" '.tls == null'
	else
		check "$case: JSON tls.version $tls, cipher, bits" json_is "$qid" \
			'.tls.version == $v and (.tls.cipher | type) == "string" and (.tls.bits | type) == "number"' \
			--arg v "$tls"
		if [ -n "$subject" ]; then
			check "$case: JSON client_cert_subject" json_is "$qid" \
				'.tls.client_cert_subject == $s' --arg s "$subject"
		else
			check "$case: JSON client_cert_subject null" json_is "$qid" '.tls.client_cert_subject == null'
		fi
	fi
	for spec in "$@"; do
		read -r d r why m id <<<"$spec"
		[ "$why" != - ] || why=
		check "$case: header for $d: result=$r ${why:+reasons=$why }mode=$m id=$id tls=$tls" \
			has_field "$msg" "$(expected_field "$d" "$r" "$why" "$m" "$id" "$tls")"
		check "$case: JSON domain $d" json_domain "$qid" "$d" "$r" "$why" "$m" "$id"
	done
}

#!/bin/bash
# tests/lab/test-milter-probe.sh - the milter's background MX probe: the lab
# Postfix serves an expired certificate for mx1.example.test, the milter has
# no tls_cert_file and learns the certificate only by probing
# mx1.example.test:25 (connect_to sends it to 127.0.0.1:2525, the lab CA is
# its trust store). A TLS 1.2 message to the enforce draft must then be
# would-fail with certificate-expired, in the header and the JSON log. After
# Postfix gets a good certificate and the milter is reloaded (which probes
# again at once), the same message must pass.
#
# Exit: 0 pass, 1 fail, 77 skip (not root, a tool or the milter binary missing).
set -eu

. "$(dirname "$0")/lib.sh"

DOMAIN=example.test        # draft, mode enforce, id lab1

# probe_conf: the lab configuration without tls_cert_file, probing the MX.
probe_conf() {
	echo "# mtasts-milter.conf for the MX probe test (generated)"
	lab_milter_conf_common | grep -v '^tls_cert_file'
	cat <<EOF
connect_to    = {"$LAB_MX:25:127.0.0.1:$LAB_SMTP_PORT"}
probe_interval = 3600
draft "$DOMAIN" { policy_file = "$LAB/draft-example.test.txt" id = "lab1" }
EOF
}

# probe_lines N WORDS: the milter logged at least N probe lines with WORDS.
probe_lines() {
	[ "$(grep -c "MX probe of $LAB_MX (.*$2" "$LAB/milter.log")" -ge "$1" ]
}

expected_field() {
	local reasons=
	[ -z "$2" ] || reasons=" reasons=$2;"
	printf '%s; domain=%s; result=%s;%s mode=enforce; id=lab1; source=draft; tls=TLSv1.2; mx=%s' \
		"$LAB_MX" "$DOMAIN" "$1" "$reasons" "$LAB_MX"
}

# verdict_is CASE QUEUE_ID RESULT REASONS: header and JSON log agree on it.
verdict_is() {
	local msg
	msg=$(lab_message "$1")
	[ -n "$msg" ] &&
		lab_header_values "$msg" MTA-STS-Audit | grep -qxF -- "$(expected_field "$3" "$4")" &&
		lab_json "$2" | jq -e --arg r "$3" --arg why "$4" \
			'[.domains[] | select(.domain == "example.test")] | length == 1 and
			 (.[0] | .result == $r and (.reasons // [] | join(",")) == $why)' >/dev/null
}

lab_require
lab_init milter-probe
lab_mkpki
cp "$LAB/pki/$LAB_MX.chain.pem" "$LAB/pki/good.chain.pem"
cp "$LAB/pki/$LAB_MX.key" "$LAB/pki/good.key"
lab_issue_dated "$LAB_MX" "DNS:$LAB_MX" 20200101000000Z 20200201000000Z
probe_conf >"$LAB/mtasts-milter.conf"
# Postfix first: the milter probes it as soon as it starts.
lab_postfix_setup
lab_postfix_start
lab_milter_start
lab_log "lab up in $LAB (milter pid $LAB_MILTER_PID)"

check "the first probe finds the expired certificate" \
	lab_wait 20 "the first MX probe" probe_lines 1 "would reject"
qid=$(lab_send expired TLSv1.2 --to "user@$DOMAIN")
lab_wait_mail 1
check "TLSv1.2 to an MX serving an expired certificate: would-fail, certificate-expired" \
	verdict_is expired "$qid" would-fail certificate-expired

# A good certificate, and a reload: the probe runs again at once.
cp "$LAB/pki/good.chain.pem" "$LAB/pki/$LAB_MX.chain.pem"
cp "$LAB/pki/good.key" "$LAB/pki/$LAB_MX.key"
lab_postfix_run reload || lab_die "postfix reload failed (see $LAB/postfix-cmd.log)"
# "postfix reload" returns before every smtpd that still holds the old
# certificate has gone: a probe sent at once may still meet one of them. Each
# reload of the milter probes again, so reload until a probe sees the new
# certificate (every 3 s; the first reload is at once).
reprobe_ticks=0
good_probe_after_reload() {
	probe_lines 1 "certificate good" && return 0
	[ $((reprobe_ticks++ % 30)) -eq 0 ] && kill -USR1 "$LAB_MILTER_PID"
	return 1
}
check "the probe after the reload finds the good certificate" \
	lab_wait 30 "the MX probe after the reload" good_probe_after_reload
qid=$(lab_send good TLSv1.2 --to "user@$DOMAIN")
lab_wait_mail 2
check "TLSv1.2 to an MX serving a good certificate: pass" \
	verdict_is good "$qid" pass ""

# The probe's own SMTP sessions carry no mail and stay out of the JSON log:
# every session of this test that is not a probe sent a message.
no_probe_sessions() {
	! grep -q '"event":"connection"' "$LAB/sessions.jsonl"
}
check "probe sessions are not logged as connections" no_probe_sessions

[ "$FAILURES" -eq 0 ] || { lab_log "$FAILURES check(s) failed; lab files in $LAB"; exit 1; }
lab_log "all checks passed"

#!/bin/bash
# tests/lab/test-milter-sasl.sh - authenticated (SMTP AUTH) sessions behind a
# real Postfix with Cyrus SASL (sasldb, PLAIN). Mail of an authenticated
# client is the site's own outbound mail: with audit_authenticated = false
# (the default) it is not judged, so no MTA-STS-Audit field, and its JSON
# record says "domains":[] and "skipped":"authenticated" - also over
# plaintext, which would be a would-fail if judged. An unauthenticated
# session of the same lab is judged as usual (the milter is working, and
# the macro that skips is {auth_authen}, which Postfix sends at MAIL FROM).
# After a reload with audit_authenticated = true an authenticated message
# is judged like any other.
#
# Exit: 0 pass, 1 fail, 77 skip (not root, a tool or the milter binary
# missing, or Cyrus SASL's saslpasswd2 or PLAIN module missing).
set -eu

. "$(dirname "$0")/lib.sh"

DOMAIN=example.test # draft, mode enforce, id lab1
SASL_USER=submit
SASL_PASS=lab-secret-1

# sasl_setup: a sasldb with one user and a Cyrus configuration for smtpd,
# then AUTH enabled in the lab's main.cf (the lab_start hook: the file is
# written, Postfix not started yet).
sasl_setup() {
	mkdir -p "$LAB/sasl"
	printf '%s' "$SASL_PASS" |
		saslpasswd2 -p -c -f "$LAB/sasl/sasldb2" -u "$DOMAIN" "$SASL_USER" ||
		lab_die "saslpasswd2 could not create $LAB/sasl/sasldb2"
	chown postfix "$LAB/sasl/sasldb2"
	chmod 600 "$LAB/sasl/sasldb2"
	# Debian's Postfix reads $config_directory/sasl/smtpd.conf (it passes
	# no cyrus_sasl_config_path to Cyrus): the file goes there.
	mkdir -p "$LAB/pf/sasl"
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

# send_auth CASE MODE ARGS...: lab_send as the SASL user.
send_auth() {
	local case=$1 mode=$2
	shift 2
	lab_send "$case" "$mode" --auth PLAIN --auth-user "$SASL_USER@$DOMAIN" \
		--auth-password "$SASL_PASS" "$@"
}

no_audit_field() {
	local msg
	msg=$(lab_message "$1")
	[ -n "$msg" ] && [ -z "$(lab_header_values "$msg" MTA-STS-Audit)" ]
}

# field_is CASE RESULT REASONS TLS: the one MTA-STS-Audit field of CASE's
# message, for the draft enforce policy of $DOMAIN.
field_is() {
	local msg
	msg=$(lab_message "$1")
	[ -n "$msg" ] && field_count_is "$msg" 1 &&
		has_field "$msg" "$(expected_field "$DOMAIN" "$2" "$3" enforce lab1 "$4")"
}

authenticated_in_maillog() {
	grep -q "$1: client=.*sasl_method=PLAIN, sasl_username=$SASL_USER@$DOMAIN" "$LAB/maillog"
}

main() {
	local q_tls q_plain q_anon q_audit
	lab_require
	command -v saslpasswd2 >/dev/null || lab_skip "saslpasswd2 missing (Debian package sasl2-bin)"
	ls /usr/lib/*/sasl2/libplain.so* >/dev/null 2>&1 ||
		lab_skip "Cyrus SASL's PLAIN module missing (Debian package libsasl2-modules)"
	lab_init sasl
	lab_start sasl_setup

	q_tls=$(send_auth auth-tls12 TLSv1.2 --to "a@$DOMAIN")
	q_plain=$(send_auth auth-plain plain --to "b@$DOMAIN")
	q_anon=$(lab_send anon-tls11 TLSv1.1 --to "c@$DOMAIN")
	lab_wait_mail 3 || lab_die "not every message was delivered (see $LAB/maillog)"

	check "auth-tls12: Postfix authenticated the client" authenticated_in_maillog "$q_tls"
	check "auth-plain: Postfix authenticated the client" authenticated_in_maillog "$q_plain"
	check "auth-tls12: no MTA-STS-Audit field" no_audit_field auth-tls12
	check "auth-plain: no MTA-STS-Audit field (not judged, though plaintext)" no_audit_field auth-plain
	for q in "$q_tls" "$q_plain"; do
		check "$q: one record, skipped authenticated, no domains" json_is "$q" \
			'select(.event == "message") | .skipped == "authenticated" and .domains == [] and .aborted == false'
	done
	check "$q_tls: the record keeps the session's TLS" json_is "$q_tls" '.tls.version == "TLSv1.2"'
	check "anon-tls11: judged (would-fail tls-version)" field_is anon-tls11 would-fail tls-version TLSv1.1
	check "$q_anon: record judged, not skipped" json_is "$q_anon" \
		'(has("skipped") | not) and .domains[0].result == "would-fail" and .domains[0].reasons == ["tls-version"]'

	# audit_authenticated = true: the same mail is judged.
	echo 'audit_authenticated = true' >>"$LAB/mtasts-milter.conf"
	kill -USR1 "$LAB_MILTER_PID"
	check "reload with audit_authenticated = true" lab_wait 10 "the reload" \
		grep -q 'configuration reloaded from' "$LAB/milter.log"
	q_audit=$(send_auth auth-audited plain --to "d@$DOMAIN")
	lab_wait_mail 4 || lab_die "the audited message was not delivered (see $LAB/maillog)"
	check "auth-audited: Postfix authenticated the client" authenticated_in_maillog "$q_audit"
	check "auth-audited: judged (would-fail starttls-not-supported)" \
		field_is auth-audited would-fail starttls-not-supported none
	check "$q_audit: record judged, not skipped" json_is "$q_audit" \
		'(has("skipped") | not) and .domains[0].reasons == ["starttls-not-supported"]'

	if [ "$FAILURES" -ne 0 ]; then
		lab_log "$FAILURES check(s) failed; lab files kept in $LAB (maillog, milter.log, sessions.jsonl, mail/)"
		exit 1
	fi
	lab_log "all checks passed"
}

main "$@"

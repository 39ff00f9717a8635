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
# send_auth CASE MODE ARGS...: lab_send as the SASL user.
send_auth() {
	local case=$1 mode=$2
	shift 2
	lab_send "$case" "$mode" --auth PLAIN --auth-user "$LAB_SASL_USER" \
		--auth-password "$LAB_SASL_PASS" "$@"
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
	grep -q "$1: client=.*sasl_method=PLAIN, sasl_username=$LAB_SASL_USER" "$LAB/maillog"
}

main() {
	local q_tls q_plain q_anon q_audit
	lab_require
	lab_require_sasl
	lab_init sasl
	lab_start lab_postfix_sasl

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

#!/bin/bash
# tests/lab/test-policy-postfix.sh - the policy-service front end behind a
# real Postfix: no milter, check_policy_service on the policy socket in
# smtpd_recipient_restrictions (PREPEND of the audit field) and in
# smtpd_end_of_data_restrictions (the JSON record). Mail arrives in
# plaintext and over TLS 1.1, 1.3 and 1.3 with a client certificate; each
# delivered message must carry the same MTA-STS-Audit field as through the
# milter (DESIGN 7, 14) and the JSON log one matching record (DESIGN 8).
#
# Exit: 0 pass, 1 fail, 77 skip (not root, a tool or the binary missing).
set -eu

. "$(dirname "$0")/lib.sh"
top_srcdir=$(cd "$(dirname "$0")/../.." && pwd)

DOMAIN=example.test        # draft, mode enforce, id lab1
TDOMAIN=testing.example    # draft, mode testing, default id "draft"

# policy_postfix: main.cf of the lab without the milter, with
# packaging/postfix/main.cf-policy.snippet as it ships (the lab's socket
# path in place of /run/mtasts-milter/policy.sock; later entries win).
policy_postfix() {
	postconf -c "$LAB/pf" -e "smtpd_milters ="
	sed "s|unix:/run/mtasts-milter/policy.sock|unix:$LAB/policy.sock|" \
		"$top_srcdir/packaging/postfix/main.cf-policy.snippet" >>"$LAB/pf/main.cf"
}

main() {
	local q_plain q_tls11 q_tls13 q_cert q_two
	lab_require
	lab_init policy-postfix
	lab_mkpki
	lab_discovery_pki
	lab_dns_start
	lab_policy_start
	lab_postfix_setup
	policy_postfix
	lab_postfix_start

	q_plain=$(lab_send plain plain --to "a@$DOMAIN")
	q_tls11=$(lab_send tls11 TLSv1.1 --to "c@$DOMAIN")
	q_tls13=$(lab_send tls13 TLSv1.3 --to "e@$DOMAIN")
	q_cert=$(lab_send tls13-cert TLSv1.3-cert --to "f@$DOMAIN")
	q_two=$(lab_send two TLSv1.2 --to "g@$DOMAIN,h@$DOMAIN,t@$TDOMAIN")
	# 7 files: the last message has three recipients.
	lab_wait_mail 7 || lab_die "not every message was delivered (see $LAB/maillog)"

	verify plain "$q_plain" none "" "$DOMAIN would-fail starttls-not-supported enforce lab1"
	verify tls11 "$q_tls11" TLSv1.1 "" "$DOMAIN would-fail tls-version enforce lab1"
	verify tls13 "$q_tls13" TLSv1.3 "" "$DOMAIN pass - enforce lab1"
	verify tls13-cert "$q_cert" TLSv1.3 client.example.test "$DOMAIN pass - enforce lab1"
	verify two "$q_two" TLSv1.2 "" "$DOMAIN pass - enforce lab1" \
		"$TDOMAIN pass - testing draft"
	check "two: rcpts counted per domain" json_is "$q_two" \
		'[.domains[] | .rcpts] == [2, 1]'
	check "JSON log: one record per message (5), none unfinished" \
		json_complete_records_are 5
	check "no policy service errors in the Postfix log" \
		eval "! grep -E 'policy service|problem talking' '$LAB/maillog'"

	if [ "$FAILURES" -ne 0 ]; then
		lab_log "$FAILURES check(s) failed; lab files kept in $LAB (maillog, milter.log, sessions.jsonl, mail/)"
		exit 1
	fi
	lab_log "all checks passed"
}

main "$@"

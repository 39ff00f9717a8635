#!/bin/bash
# tests/lab/test-milter-lab.sh - end-to-end test of mtasts-milter behind a real
# Postfix: mail arrives in plaintext and over TLS 1.0, 1.1, 1.2, 1.3 and 1.3
# with a client certificate; each delivered message must carry the
# MTA-STS-Audit verdict of the draft policies (DESIGN §6-§7) and the JSON log
# must hold one matching record per message (DESIGN §8). A forged
# MTA-STS-Audit header sent by the client must not survive.
#
# Exit: 0 pass, 1 fail, 77 skip (not root, a tool or the milter binary missing).
set -eu

. "$(dirname "$0")/lib.sh"

DOMAIN=example.test        # draft, mode enforce, id lab1
TDOMAIN=testing.example    # draft, mode testing, default id "draft"

# no_forged_field CASE: none of the client's forged fields reached the mailbox.
no_forged_field() {
	local msg
	msg=$(lab_message "$1")
	[ -n "$msg" ] && ! lab_header_values "$msg" MTA-STS-Audit | grep -q forged
}

json_messages_are() {
	[ "$(jq -c 'select(.event == "message")' "$LAB/sessions.jsonl" | wc -l)" -eq "$1" ]
}

# forged_fields N: N forged audit fields, in the spellings an MTA deletes
# under the one name (any case, white space before the colon).
forged_fields() {
	local i
	for ((i = 1; i <= $1; i++)); do
		case $((i % 3)) in
		0) printf 'MTA-STS-Audit: forged.example; domain=%s; result=pass; n=%d\n' "$DOMAIN" "$i" ;;
		1) printf 'mta-sts-audit: forged.example; n=%d\n' "$i" ;;
		2) printf 'MTA-STS-AUDIT : forged.example; n=%d\n' "$i" ;;
		esac
	done
}

only_our_field() {
	local msg
	msg=$(lab_message "$1")
	[ -n "$msg" ] && [ "$(lab_header_values "$msg" MTA-STS-Audit | wc -l)" -eq 1 ] &&
		! grep -q forged "$msg"
}

# dns_txt_ok, https_policy_ok: dnsmasq and nginx answer for example.test (the live
# discovery path; the draft policies take precedence in the checks above).
dns_txt_ok() {
	dig @127.0.0.1 -p "$LAB_DNS_PORT" +short +time=2 TXT "_mta-sts.$DOMAIN" | grep -q 'v=STSv1; id=20240101'
}
https_policy_ok() {
	curl -fsS --cacert "$LAB/pki/ca.crt" --connect-to "mta-sts.$DOMAIN:443:127.0.0.1:$LAB_HTTPS_PORT" \
		"https://mta-sts.$DOMAIN/.well-known/mta-sts.txt" | grep -q '^mode: enforce'
}

main() {
	local q_plain q_tls10 q_tls11 q_tls12 q_tls13 q_cert msg
	lab_require
	lab_init lab
	lab_start

	q_plain=$(lab_send plain plain --to "a@$DOMAIN")
	q_tls10=$(lab_send tls10 TLSv1 --to "b@$DOMAIN,t@$TDOMAIN")
	q_tls11=$(lab_send tls11 TLSv1.1 --to "c@$DOMAIN" \
		--add-header "MTA-STS-Audit: forged.example; domain=$DOMAIN; result=pass; mode=enforce; id=lab1; source=draft; tls=TLSv1.3; mx=$LAB_MX" \
		--add-header "mta-sts-audit: forged.example; domain=$DOMAIN; result=pass")
	q_tls12=$(lab_send tls12 TLSv1.2 --to "d@$DOMAIN")
	q_tls13=$(lab_send tls13 TLSv1.3 --to "e@$DOMAIN")
	q_cert=$(lab_send tls13-cert TLSv1.3-cert --to "f@$DOMAIN")
	# More forged fields than any fixed bound (the milter once stopped at 1000).
	q_flood=$(lab_send flood TLSv1.1 --to "g@$DOMAIN" --add-header "$(forged_fields 1500)")
	# 8 files: the TLSv1 message has two recipients.
	lab_wait_mail 8 || lab_die "not every message was delivered (see $LAB/maillog)"

	verify plain "$q_plain" none "" "$DOMAIN would-fail starttls-not-supported enforce lab1"
	verify tls10 "$q_tls10" TLSv1 "" "$DOMAIN would-fail tls-version enforce lab1" \
		"$TDOMAIN would-fail tls-version testing draft"
	verify tls11 "$q_tls11" TLSv1.1 "" "$DOMAIN would-fail tls-version enforce lab1"
	verify tls12 "$q_tls12" TLSv1.2 "" "$DOMAIN pass - enforce lab1"
	verify tls13 "$q_tls13" TLSv1.3 "" "$DOMAIN pass - enforce lab1"
	verify tls13-cert "$q_cert" TLSv1.3 client.example.test "$DOMAIN pass - enforce lab1"

	check "tls11: the client sent forged MTA-STS-Audit fields" grep -qi '^ [~-]> mta-sts-audit: forged' "$LAB/swaks-tls11.log"
	check "tls11: forged MTA-STS-Audit fields removed" no_forged_field tls11
	verify flood "$q_flood" TLSv1.1 "" "$DOMAIN would-fail tls-version enforce lab1"
	check "flood: the client sent 1500 forged fields" \
		test "$(grep -ci '^ [~-]> mta-sts-audit *: forged' "$LAB/swaks-flood.log")" -eq 1500
	check "flood: all 1500 removed, only the milter's field left" only_our_field flood
	check "JSON log: one message line per message (7)" json_messages_are 7

	if command -v dig >/dev/null; then
		check "dnsmasq: TXT _mta-sts.$DOMAIN" dns_txt_ok
	fi
	if command -v curl >/dev/null; then
		check "nginx: https://mta-sts.$DOMAIN/.well-known/mta-sts.txt" https_policy_ok
	fi

	if [ "$FAILURES" -ne 0 ]; then
		lab_log "$FAILURES check(s) failed; lab files kept in $LAB (maillog, milter.log, sessions.jsonl, mail/)"
		exit 1
	fi
	lab_log "all checks passed"
}

main "$@"

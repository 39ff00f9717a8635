#!/bin/bash
# tests/lab/test-milter-killed.sh - the milter must never cost mail: kill -9
# the milter in the middle of an SMTP session and check that Postfix still
# delivers the message.
#
# Why it works: the lab's Postfix lists the milter as
#   smtpd_milters = { unix:$LAB/milter.sock, default_action=accept }
# so when the milter connection breaks, smtpd carries on as if no milter were
# configured. The message is then delivered WITHOUT an MTA-STS-Audit header
# (nobody was left to add one) and Postfix logs a warning. Without
# default_action=accept, Postfix 3.7 answers 451 (tempfail) and newer
# releases 421 (shutdown) until the milter is back: mail is delayed.
#
# The session is scripted by hand (bash /dev/tcp) so the kill lands exactly
# between MAIL FROM and RCPT TO. A message sent before the kill shows the
# milter was working; one sent after shows new sessions are accepted too.
#
# Exit: 0 pass, 1 fail, 77 skip.
set -eu

. "$(dirname "$0")/lib.sh"

# smtp_expect CODE: read the (possibly multi-line) reply on fd 3; fail unless
# it ends with CODE. The reply is kept in SMTP_REPLY.
smtp_expect() {
	local line
	SMTP_REPLY=
	while IFS= read -r -t 15 line <&3; do
		line=${line%$'\r'}
		SMTP_REPLY+="$line"$'\n'
		case $line in
		[0-9][0-9][0-9]-*) continue ;;
		"$1"*) return 0 ;;
		*) lab_die "SMTP: expected $1, got: $line" ;;
		esac
	done
	lab_die "SMTP: no $1 reply within 15 s (got: ${SMTP_REPLY:-nothing})"
}

# smtp_cmd LINE CODE: send one command, expect its reply code.
smtp_cmd() {
	printf '%s\r\n' "$1" >&3
	smtp_expect "$2"
}

# killed_session: EHLO, MAIL FROM, kill -9 the milter, then RCPT/DATA/QUIT.
# Prints the queue id.
killed_session() {
	exec 3<>"/dev/tcp/127.0.0.1/$LAB_SMTP_PORT" || lab_die "cannot connect to 127.0.0.1:$LAB_SMTP_PORT"
	smtp_expect 220
	smtp_cmd "EHLO client.example.test" 250
	smtp_cmd "MAIL FROM:<sender@client.example.test>" 250
	lab_log "MAIL FROM accepted; kill -9 milter pid $LAB_MILTER_PID"
	kill -KILL "$LAB_MILTER_PID"
	lab_wait 5 "the milter to die" eval "! kill -0 $LAB_MILTER_PID 2>/dev/null" ||
		lab_die "the milter survived kill -9"
	smtp_cmd "RCPT TO:<killed@example.test>" 250
	smtp_cmd "DATA" 354
	printf '%s\r\n' "Subject: mtasts-milter lab: killed" "X-Lab-Case: killed" "" \
		"Sent while the milter was killed." "." >&3
	smtp_expect 250
	printf '%s' "$SMTP_REPLY" | sed -n 's/.*queued as \([0-9A-Za-z]*\).*/\1/p'
	smtp_cmd QUIT 221
	exec 3>&-
}

has_no_audit_header() { [ -z "$(lab_header_values "$1" MTA-STS-Audit)" ]; }
has_audit_header() { [ -n "$(lab_header_values "$1" MTA-STS-Audit)" ]; }

main() {
	local qid msg case failures=0
	lab_require
	lab_init killed
	lab_start

	lab_send before plain --to "before@example.test" >/dev/null
	lab_wait_mail 1 || lab_die "the message sent before the kill was not delivered"
	qid=$(killed_session)
	[ -n "$qid" ] || lab_die "no queue id after the killed session"
	lab_wait_mail 2 || lab_die "the message of the killed session (queue id $qid) was not delivered; see $LAB/maillog"
	lab_send after plain --to "after@example.test" >/dev/null
	lab_wait_mail 3 || lab_die "the message sent after the kill was not delivered; see $LAB/maillog"

	for case in before killed after; do
		msg=$(lab_message "$case")
		[ -n "$msg" ] || { lab_log "FAIL: message $case not found"; failures=$((failures + 1)); continue; }
		if [ "$case" = before ]; then
			has_audit_header "$msg" || { lab_log "FAIL: $case: no MTA-STS-Audit header (milter not working?)"; failures=$((failures + 1)); }
		else
			has_no_audit_header "$msg" || { lab_log "FAIL: $case: unexpected MTA-STS-Audit header"; failures=$((failures + 1)); }
		fi
	done

	echo "Postfix's view of the killed milter ($LAB/maillog):"
	grep -i 'milter' "$LAB/maillog" | grep -iE 'warn|error|fail' | sed 's/^/  /' || true
	if [ "$failures" -ne 0 ]; then
		lab_log "$failures check(s) failed; lab files kept in $LAB"
		exit 1
	fi
	echo "milter killed with kill -9 after MAIL FROM (queue id $qid): message delivered without MTA-STS-Audit header, because smtpd_milters has default_action=accept"
}

main "$@"

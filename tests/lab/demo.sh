#!/bin/bash
# tests/lab/demo.sh - the README demo: a private Postfix with mtasts-milter on
# 127.0.0.1, a few sample senders (plaintext, TLS 1.0, 1.1, 1.2, 1.3), the
# MTA-STS-Audit header each delivered message got, and the impact report.
#
# Builds nothing: run it as root from a built tree (the top build directory or
# tests/lab in it), or point MTASTS_MILTER / MTASTS_REPORT at the binaries.
#   sudo tests/lab/demo.sh            # or: make -C tests/lab demo
# The draft policy for example.test is "mode: enforce, mx: mx1.example.test"
# (not published anywhere: a what-if); testing.example has a draft in testing
# mode. Everything is stopped at the end; the files stay in $MTASTS_LAB_DIR/demo.
set -eu

. "$(dirname "$0")/lib.sh"

# find_build_dir: the top build directory, from the environment or $PWD.
find_build_dir() {
	local d
	for d in "$PWD" "$PWD/../.."; do
		if [ -x "$d/milter/mtasts-milter" ]; then
			(cd "$d" && pwd)
			return 0
		fi
	done
	return 1
}

# show_headers CASE LABEL: the MTA-STS-Audit field(s) as delivered (folded).
show_headers() {
	local msg
	msg=$(lab_message "$1")
	printf '\n== %s ==\n' "$2"
	if [ -z "$msg" ]; then
		echo "   (not delivered; see $LAB/maillog)"
		return 0
	fi
	awk '
		/^$/ { exit }
		/^[^ \t]/ { show = (tolower($0) ~ /^mta-sts-audit:/) }
		show { print "   " $0 }' "$msg"
}

show_report() {
	printf '\n== impact report: %s %s ==\n' "${MTASTS_REPORT##*/}" "$LAB/sessions.jsonl"
	if [ -x "${MTASTS_REPORT:-}" ]; then
		"$MTASTS_REPORT" "$LAB/sessions.jsonl" || echo "(mtasts-report exited with status $?)"
	else
		echo "mtasts-report is not built (${MTASTS_REPORT:-MTASTS_REPORT unset}); the JSON log lines instead:"
		jq -c . "$LAB/sessions.jsonl"
	fi
}

main() {
	local top
	if [ -z "${MTASTS_MILTER:-}" ]; then
		top=$(find_build_dir) || {
			echo "demo.sh: run it from the build directory, or set MTASTS_MILTER (and MTASTS_REPORT)" >&2
			exit 2
		}
		MTASTS_MILTER=$top/milter/mtasts-milter
		MTASTS_REPORT=${MTASTS_REPORT:-$top/tools/mtasts-report}
		MTASTS_LAB_DIR=${MTASTS_LAB_DIR:-$top/tests/lab/run}
	fi
	lab_require
	lab_init demo
	lab_start

	lab_send plain plain --to user@example.test >/dev/null
	lab_send tls10 TLSv1 --to user@example.test >/dev/null
	lab_send tls11 TLSv1.1 --to user@example.test,user@testing.example >/dev/null
	lab_send tls12 TLSv1.2 --to user@example.test >/dev/null
	lab_send tls13 TLSv1.3 --to user@example.test >/dev/null
	lab_wait_mail 6 || lab_log "not every message was delivered (see $LAB/maillog)"

	echo
	echo "Draft policy for example.test ($LAB/draft-example.test.txt, id lab1):"
	sed 's/^/   /' "$LAB/draft-example.test.txt"
	echo "Draft policy for testing.example: the same in mode testing (id: default \"draft\")."
	show_headers plain "plaintext session (no STARTTLS) -> would fail under enforce"
	show_headers tls10 "TLSv1 session -> would fail (TLS below 1.2)"
	show_headers tls11 "TLSv1.1 session to both domains -> would fail; one field per domain and mode"
	show_headers tls12 "TLSv1.2 session -> pass"
	show_headers tls13 "TLSv1.3 session -> pass"
	show_report
	printf '\nStopping the lab; its files stay in %s\n' "$LAB"
}

main "$@"

# tests/cli/lib.sh - helpers for the mtasts-check tests; sourced, not run.
#
# Each step runs mtasts-check once; stdout and stderr are kept in $out and
# $err so that the following assertions can look at them. A failed
# assertion is counted and the script goes on, so one run shows every
# failure; `finish` sets the exit status (77 = skipped when jq is missing).

: "${MTASTS_CHECK:?MTASTS_CHECK must name the mtasts-check binary}"
: "${DATA:?DATA must name the tests/data directory}"

if [ -z "${JQ:-}" ] || ! command -v "$JQ" >/dev/null 2>&1; then
	echo "jq not found: skipping"
	exit 77
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/mtasts-cli.XXXXXX") || exit 99
trap 'rm -rf "$work"' EXIT
out=$work/stdout
err=$work/stderr
failures=0
step=

fail() {
	echo "FAIL $step: $*"
	sed 's/^/  stdout: /' "$out"
	sed 's/^/  stderr: /' "$err"
	failures=$((failures + 1))
}

# run NAME STATUS ARG...: run mtasts-check ARG... with standard input from
# $stdin (default /dev/null); expect exit STATUS.
run() {
	step=$1
	want=$2
	shift 2
	"$MTASTS_CHECK" "$@" <"${stdin:-/dev/null}" >"$out" 2>"$err"
	got=$?
	if [ "$got" -ne "$want" ]; then
		fail "exit status $got, expected $want"
		return
	fi
	echo "ok   $step"
}

# run_stdin FILE NAME STATUS ARG...: as run, with FILE on standard input.
run_stdin() {
	stdin=$1
	shift
	run "$@"
	stdin=
}

# json FILTER: the jq FILTER is true on the last stdout.
json() {
	"$JQ" -e "$1" "$out" >/dev/null 2>&1 || fail "jq '$1' is not true"
}

# has_code CODE: the last JSON output has a diagnostic with that code.
has_code() {
	json "any(.diagnostics[]; .code == \"$1\")"
}

# stdout_has / stderr_has TEXT: fixed TEXT appears in the last output.
stdout_has() {
	grep -F -q -e "$1" "$out" || fail "stdout lacks '$1'"
}

stderr_has() {
	grep -F -q -e "$1" "$err" || fail "stderr lacks '$1'"
}

# printable: the last output holds no control byte but LF.
printable() {
	if LC_ALL=C grep -q '[[:cntrl:]]' "$out" "$err"; then
		fail "output holds control bytes"
	fi
}

finish() {
	if [ "$failures" -ne 0 ]; then
		echo "$failures failure(s)"
		exit 1
	fi
	exit 0
}

# lib.sh - shared by the mtasts-report shell tests: a scratch directory,
# pass/fail bookkeeping, and jq assertions.
set -u

: "${MTASTS_REPORT:?}" "${DATA:?}"
JQ=${JQ:-}
if [ -z "$JQ" ]; then
	echo "SKIP: jq not found"
	exit 77
fi
R=$MTASTS_REPORT
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT INT TERM
failures=0

fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}

ok() {
	echo "ok: $*"
}

# expect_jq FILE FILTER WANT DESCRIPTION: jq -r FILTER on FILE prints WANT.
expect_jq() {
	got=$("$JQ" -r "$2" "$1" 2>&1)
	if [ "$got" = "$3" ]; then
		ok "$4"
	else
		fail "$4: got '$got', want '$3'"
	fi
}

# expect_rc WANT DESCRIPTION CMD...: CMD exits with WANT.
expect_rc() {
	want=$1 what=$2
	shift 2
	"$@" > "$T/out" 2> "$T/err"
	rc=$?
	if [ "$rc" -eq "$want" ]; then
		ok "$what"
	else
		fail "$what: exit $rc, want $want; stderr: $(head -3 "$T/err")"
	fi
}

finish() {
	[ "$failures" -eq 0 ] && exit 0
	echo "$failures failure(s)"
	exit 1
}

# lib.sh - shared by the root-run tests: skip unless root, a scratch
# directory removed at exit (with anything mounted on it), pass/fail.
# Source it, then call root_setup TOOL...

root_failed=0
root_mounts=()

root_skip() { echo "SKIP: $*"; exit 77; }
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; root_failed=1; }
# check MESSAGE COMMAND...: pass or fail on the command's status.
check() {
	local msg=$1
	shift
	if "$@"; then pass "$msg"; else fail "$msg"; fi
}

root_cleanup() {
	local m
	for m in "${root_mounts[@]}"; do
		umount "$m" 2>/dev/null
	done
	[ -n "${WORK:-}" ] && rm -rf "$WORK"
}

# root_setup TOOL...: skip unless root and every tool exists; make $WORK.
root_setup() {
	local tool
	[ "$(id -u)" = 0 ] || root_skip "not root"
	for tool in "$@"; do
		command -v "$tool" >/dev/null 2>&1 || root_skip "$tool not found"
	done
	WORK=$(mktemp -d "${TMPDIR:-/tmp}/mtasts-root.XXXXXX") || exit 1
	chmod 755 "$WORK"
	trap root_cleanup EXIT
}

# root_tmpfs DIR SIZE: mount a tmpfs of SIZE on DIR (skip when impossible).
root_tmpfs() {
	mkdir -p "$1"
	mount -t tmpfs -o "size=$2,mode=0755" tmpfs "$1" 2>/dev/null ||
		root_skip "cannot mount a tmpfs (no CAP_SYS_ADMIN?)"
	root_mounts+=("$1")
}

root_done() {
	[ "$root_failed" = 0 ] && exit 0
	exit 1
}

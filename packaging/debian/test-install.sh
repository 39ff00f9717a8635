#!/bin/bash
# packaging/debian/test-install.sh - build the Debian package, install it
# and run the daemon the way its systemd unit does, on a clean Debian 12
# (CI runs it through fresh-debian12; as root, it changes the system it
# runs on). Checks: lintian has no errors; the user, group, directories and
# conffile are there; postfix was added to group mtasts; -n accepts the
# packaged config; started as user mtasts (User=, UMask=0007, the runtime
# directory as RuntimeDirectory= makes it, since systemd is not PID 1
# here), the socket appears owned by mtasts:mtasts, mode 0770; a message
# pushed through it as user postfix gets its header and JSON record.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=$(mktemp -d /tmp/mtasts-deb-out.XXXXXX)
failures=0
check() {
	local what=$1
	shift
	if "$@"; then
		echo "ok   $what"
	else
		echo "FAIL $what"
		failures=$((failures + 1))
	fi
}

export DEBIAN_FRONTEND=noninteractive
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
apt-get update -q >/dev/null
apt-get install -y -q --no-install-recommends postfix miltertest lintian jq >/dev/null

packaging/debian/build "$out" >"$out/build.log" 2>&1 ||
	{ tail -n 30 "$out/build.log"; echo "FAIL package build"; exit 1; }
deb=$(ls "$out"/mtasts-milter_*_*.deb)
echo "built $deb"

lintian_out=$(lintian "$deb" 2>&1 | grep -v 'running with root privileges' || true)
[ -z "$lintian_out" ] || printf '%s\n' "$lintian_out"
check "lintian: no errors" bash -c '! grep -q "^E: " <<<"$1"' _ "$lintian_out"

apt-get install -y -q "$deb" >"$out/install.log" 2>&1 ||
	{ cat "$out/install.log"; echo "FAIL install"; exit 1; }
grep 'added user postfix' "$out/install.log" || true

owner_mode() { stat -c '%U:%G %a' "$1"; }
check "system user mtasts" bash -c 'getent passwd mtasts | grep -q ":/usr/sbin/nologin$"'
check "postfix in group mtasts" bash -c 'id -nG postfix | grep -qw mtasts'
check "/var/lib/mtasts-milter mtasts:mtasts 750" test "$(owner_mode /var/lib/mtasts-milter)" = "mtasts:mtasts 750"
check "/var/log/mtasts-milter mtasts:mtasts 750" test "$(owner_mode /var/log/mtasts-milter)" = "mtasts:mtasts 750"
check "conffile /etc/mtasts-milter.conf" bash -c 'dpkg-query -W -f="\${Conffiles}" mtasts-milter | grep -q " /etc/mtasts-milter.conf "'
check "packaged config runs as mtasts" grep -q '^user = "mtasts"' /etc/mtasts-milter.conf
check "unit: User=mtasts" grep -q '^User=mtasts$' /lib/systemd/system/mtasts-milter.service
check "logrotate file" test -f /etc/logrotate.d/mtasts-milter
check "man pages" test -f /usr/share/man/man8/mtasts-milter.8.gz
check "mtasts-milter -n" /usr/sbin/mtasts-milter -n -c /etc/mtasts-milter.conf

# What an administrator adds: this MX's name and a draft to try.
mkdir -p /etc/mtasts-milter/drafts
printf 'version: STSv1\nmode: testing\nmx: mx1.example.com\nmax_age: 86400\n' \
	>/etc/mtasts-milter/drafts/example.com.txt
cat >>/etc/mtasts-milter.conf <<'CONF'
mx_name = "mx1.example.com"
draft "example.com" { policy_file = "/etc/mtasts-milter/drafts/example.com.txt" }
CONF
check "mtasts-milter -n with a draft" /usr/sbin/mtasts-milter -n -c /etc/mtasts-milter.conf

# ExecStart, as systemd would run it (RuntimeDirectory=, User=, UMask=).
install -d -o mtasts -g mtasts -m 0750 /run/mtasts-milter
# setpriv execs (runuser would stay in between and SIGKILL it on SIGTERM).
setpriv --reuid=mtasts --regid=mtasts --init-groups -- \
	sh -c 'umask 0007; exec /usr/sbin/mtasts-milter -f -c /etc/mtasts-milter.conf' \
	>"$out/daemon.log" 2>&1 &
pid=$!
sock=/run/mtasts-milter/mtasts-milter.sock
for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.1; done
check "socket appears" test -S "$sock"
check "socket mtasts:mtasts 770" test "$(owner_mode "$sock")" = "mtasts:mtasts 770"
check "runtime dir mtasts:mtasts 750" test "$(owner_mode /run/mtasts-milter)" = "mtasts:mtasts 750"
check "daemon runs as mtasts" test "$(stat -c %U "/proc/$pid")" = mtasts

cat >"$out/push.lua" <<'LUA'
local conn = mt.connect("unix:/run/mtasts-milter/mtasts-milter.sock", 40, 0.25)
if conn == nil then error("cannot connect") end
mt.macro(conn, SMFIC_CONNECT, "j", "mx1.example.com")
if mt.conninfo(conn, "mail.sender.example", "192.0.2.7") ~= nil then error("conninfo") end
mt.macro(conn, SMFIC_HELO, "{tls_version}", "TLSv1.1", "{cipher}", "ECDHE-RSA-AES256-SHA")
if mt.helo(conn, "mail.sender.example") ~= nil then error("helo") end
mt.macro(conn, SMFIC_MAIL, "i", "PKG1")
if mt.mailfrom(conn, "<s@sender.example>") ~= nil then error("mail") end
if mt.rcptto(conn, "<a@example.com>") ~= nil then error("rcpt") end
if mt.eom(conn) ~= nil then error("eom") end
if not mt.eom_check(conn, MT_HDRINSERT, "MTA-STS-Audit") then error("no header") end
mt.disconnect(conn)
LUA
chmod 644 "$out/push.lua"
chmod 755 "$out"
check "a message through the socket as user postfix gets its header" \
	runuser -u postfix -- miltertest -s "$out/push.lua"
log=/var/log/mtasts-milter/sessions.jsonl
for _ in $(seq 50); do grep -q PKG1 "$log" 2>/dev/null && break; sleep 0.1; done
check "JSON record written by mtasts" bash -c \
	"jq -e 'select(.queue_id == \"PKG1\") | .domains[0].result == \"would-fail\" and .domains[0].reasons == [\"tls-version\"]' $log >/dev/null && test \"\$(stat -c %U $log)\" = mtasts"

kill -TERM "$pid"
wait "$pid" || true
check "socket and pid file removed at stop" bash -c '! test -e /run/mtasts-milter/mtasts-milter.sock && ! test -e /run/mtasts-milter/mtasts-milter.pid'
if [ "$failures" -ne 0 ]; then
	echo "daemon log:"; cat "$out/daemon.log"
	echo "$failures check(s) failed"
	exit 1
fi
echo "package install test: all checks passed"

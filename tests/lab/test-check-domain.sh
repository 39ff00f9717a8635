#!/bin/bash
# tests/lab/test-check-domain.sh - "mtasts-check domain" against a lab with
# one domain per publisher mistake (tests/lab/check-domain/lib.sh): every
# check id is made to pass, warn and fail, and the verdict, the exit status
# and the JSON output are asserted. The two example policies of the
# configuration guide are among the cases: scanscope.net with the
# "mail2.scascnope.net" typo, scanscope.org written correctly.
#
# Needs root, postfix, dnsmasq, nginx, openssl and jq; exits 77 otherwise.
set -eu

srcdir=${srcdir:-$(cd "$(dirname "$0")" && pwd)}
# shellcheck source=tests/lab/lib.sh
. "$srcdir/lib.sh"
# shellcheck source=tests/lab/check-domain/lib.sh
. "$srcdir/check-domain/lib.sh"

CD_TIMEOUT=5		# seconds; a fetch over 2.5 s is "slow"
CD_SLOW_RATE=100	# bytes per second for mta-sts.slow.test
CD_NO_TLSRPT="extra.test badrpt.test"
CD_TLS_DOMAINS="nostarttls cnonly expiredmx tls12 soonmx down"

# Every domain whose policy host the web certificate covers.
CD_WEB_DOMAINS="good.test scanscope.net scanscope.org stsspace.test twotxt.test \
nohttp.test slow.test syntaxwarn.test syntaxbad.test extra.test badrpt.test \
agewarn.test agebad.test none.test change.test removed.test implicit.test lenient.test \
nostarttls.test cnonly.test expiredmx.test tls12.test soonmx.test down.test"

# MX host=port for the probes (mx.good.test goes through the lab DNS).
CD_MX_PORTS="implicit.test=$CD_PORT_GOOD mx.nostarttls.test=$CD_PORT_PLAIN \
mx.cnonly.test=$CD_PORT_CNONLY mx.expiredmx.test=$CD_PORT_EXPIRED \
mx.tls12.test=$CD_PORT_TLS12 mx.soonmx.test=$CD_PORT_SOON mx.down.test=$CD_PORT_DOWN"
for h in $CD_GOOD_MX; do
	[ "$h" = mx.good.test ] || CD_MX_PORTS="$CD_MX_PORTS $h=$CD_PORT_GOOD"
done
CD_GOOD_MX="$CD_GOOD_MX implicit.test"

TXT="v=STSv1; id=20240101"

cd_dns_records() {
	local d
	cd_domain good.test mx.good.test "$TXT"
	cd_domain scanscope.net mail.scanscope.net "$TXT"
	echo "mx-host=scanscope.net,mail2.scanscope.net,20"
	cd_domain scanscope.org mail.scanscope.org "$TXT"
	echo "mx-host=scanscope.org,mail2.scanscope.org,20"
	cd_domain stsspace.test mx.stsspace.test "v=STSv1 ; id=20240101"
	cd_domain twotxt.test mx.twotxt.test "$TXT" "v=STSv1; id=20240102"
	for d in nohttp badweb soon slow syntaxwarn syntaxbad extra badrpt \
		agewarn agebad none change; do
		cd_domain "$d.test" "mx.$d.test" "$TXT"
	done
	echo 'txt-record=_smtp._tls.badrpt.test,"v=TLSRPTv1; rua=http://report.badrpt.test/x"'
	cd_domain removed.test mx.removed.test
	cd_domain lenient.test mx.lenient.test "$TXT "
	cd_domain implicit.test - "$TXT"
	echo "host-record=implicit.test,127.0.0.1"
	for d in $CD_TLS_DOMAINS; do
		cd_domain "$d.test" "mx.$d.test" "$TXT"
	done
}

# cd_enforce DOMAIN MX...: an enforce policy listing the MX hosts.
cd_enforce() {
	local d=$1 lines=() m
	shift
	for m in "$@"; do lines+=("mx: $m"); done
	cd_policy "$d" "version: STSv1" "mode: enforce" "${lines[@]}" "max_age: 604800"
}

cd_policies() {
	local d
	cd_enforce good.test mx.good.test
	# The guide's two examples: the typo, and the correct policy.
	cd_policy scanscope.net "version: STSv1" "mode: testing" "mx: mail.scanscope.net" \
		"mx: mail2.scascnope.net" "max_age: 86400"
	cd_policy scanscope.org "version: STSv1" "mode: testing" "mx: mail.scanscope.org" \
		"mx: mail2.scanscope.org" "max_age: 86400"
	for d in stsspace twotxt badweb soon slow badrpt change; do
		cd_enforce "$d.test" "mx.$d.test"
	done
	cd_policy syntaxwarn.test "mode: enforce" "version: STSv1" "mx: mx.syntaxwarn.test" \
		"max_age: 604800"
	cd_policy syntaxbad.test "version: STSv1" "mode: enforced" "mx: mx.syntaxbad.test" \
		"max_age: 604800"
	cd_enforce extra.test mx.extra.test old.extra.test
	cd_policy agewarn.test "version: STSv1" "mode: testing" "mx: mx.agewarn.test" \
		"max_age: 1209600"
	cd_policy agebad.test "version: STSv1" "mode: enforce" "mx: mx.agebad.test" \
		"max_age: 31557601"
	cd_policy none.test "version: STSv1" "mode: none" "max_age: 86400"
	cd_policy removed.test "version: STSv1" "mode: none" "max_age: 86400"
	# Only lenient senders read it: "mode : enforce", a final blank line.
	cd_policy lenient.test "version: STSv1" "mode : enforce" "mx: mx.lenient.test" \
		"max_age: 604800" ""
	cd_enforce implicit.test implicit.test
	for d in $CD_TLS_DOMAINS; do
		cd_enforce "$d.test" "mx.$d.test"
	done
}

FAILURES=0

# expect DOMAIN VERDICT [ID[@TARGET]=STATUS]... [-- CHECK-ARGS...]
expect() {
	local domain=$1 verdict=$2 out rc want key status got args=()
	shift 2
	local wants=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do wants+=("$1"); shift; done
	[ $# -eq 0 ] || { shift; args=("$@"); }
	rc=0
	out=$(cd_check "$domain" "${args[@]}") || rc=$?
	printf '%s\n' "$out" >"$LAB/check-$domain.json"
	check_true "$domain: JSON document" jq -e . "$LAB/check-$domain.json"
	got=$(jq -r .verdict <<<"$out")
	check_eq "$domain: verdict" "$verdict" "$got"
	check_eq "$domain: exit status" "$([ "$verdict" = fail ] && echo 1 || echo 0)" "$rc"
	check_eq "$domain: domain key" "$domain" "$(jq -r .domain <<<"$out")"
	for want in "${wants[@]}"; do
		key=${want%=*}
		status=${want##*=}
		if [ "${key#*@}" != "$key" ]; then
			got=$(jq -r --arg id "${key%@*}" --arg t "${key#*@}" \
				'[.checks[] | select(.id == $id and .target == $t)][0].status' <<<"$out")
		else
			got=$(jq -r --arg id "$key" '[.checks[] | select(.id == $id)][0].status' <<<"$out")
		fi
		check_eq "$domain: $key" "$status" "$got"
	done
}

# expect_message DOMAIN ID TEXT: the check's message contains TEXT.
expect_message() {
	local msg
	msg=$(jq -r --arg id "$2" '[.checks[] | select(.id == $id)][0].message' "$LAB/check-$1.json")
	case $msg in
	*"$3"*) ;;
	*) lab_log "FAIL: $1 $2: message lacks \"$3\": $msg"; FAILURES=$((FAILURES + 1)) ;;
	esac
}

check_eq() {
	[ "$2" = "$3" ] && return 0
	lab_log "FAIL: $1: expected $2, got $3"
	FAILURES=$((FAILURES + 1))
}

check_true() {
	local what=$1
	shift
	"$@" >/dev/null 2>&1 && return 0
	lab_log "FAIL: $what"
	FAILURES=$((FAILURES + 1))
}

cd_require
LAB_SMTP_PORT=$CD_PORT_GOOD
lab_init check-domain
cd_start

ALL_PASS="sts-record=pass policy-fetch=pass policy-host-cert=pass policy-syntax=pass \
mx-coverage=pass tlsrpt-record=pass max-age=pass mode=pass change=skip"

# shellcheck disable=SC2086
expect good.test pass $ALL_PASS mx-tls@mx.good.test=pass
expect_message good.test mx-tls "still accepts TLSv1"
# shellcheck disable=SC2086
expect scanscope.org pass $ALL_PASS mx-tls@mail2.scanscope.org=pass
expect scanscope.net fail mx-coverage=fail mx-tls@mail2.scanscope.net=pass
expect_message scanscope.net mx-coverage "a typo of mail2.scanscope.net"
expect_message scanscope.net mx-coverage "MX mail2.scanscope.net matches no mx pattern"
expect implicit.test pass mx-coverage=pass mx-tls@implicit.test=pass
expect_message implicit.test mx-coverage "implicit"

# sts-record
expect stsspace.test warn sts-record=warn
expect_message stsspace.test sts-record "record-space-before-semicolon"
expect twotxt.test fail sts-record=fail
expect removed.test fail sts-record=fail

# sts-record and policy-syntax that only lenient senders accept
expect lenient.test fail sts-record=fail policy-fetch=pass policy-syntax=fail \
	mx-coverage=pass max-age=pass mode=pass mx-tls@mx.lenient.test=pass
expect_message lenient.test sts-record "only lenient ones (postfix-mta-sts-resolver, mailauth) apply it"
expect_message lenient.test sts-record "record-trailing-space"
expect_message lenient.test policy-syntax "strict senders (RFC 8461 grammar, e.g. mox) ignore this policy"
expect_message lenient.test policy-syntax "(Stalwart, mailauth)"
expect_message lenient.test policy-syntax "policy-space-before-colon"

# policy-fetch and policy-host-cert
expect nohttp.test fail policy-fetch=fail policy-host-cert=pass policy-syntax=skip \
	mx-coverage=skip max-age=skip mode=skip mx-tls=pass
expect_message nohttp.test policy-fetch "404"
expect badweb.test fail policy-fetch=fail policy-host-cert=fail
expect_message badweb.test policy-host-cert "not trusted"
expect soon.test warn policy-host-cert=warn policy-fetch=pass
expect_message soon.test policy-host-cert "expires in"
expect slow.test warn policy-fetch=warn
expect_message slow.test policy-fetch "slow"

# policy-syntax, max-age, mode
expect syntaxwarn.test warn policy-syntax=warn
expect_message syntaxwarn.test policy-syntax "policy-version-not-first"
expect syntaxbad.test fail policy-syntax=fail mode=fail mx-coverage=skip
expect agewarn.test warn max-age=warn policy-syntax=pass
expect agebad.test fail max-age=fail policy-syntax=fail
expect none.test warn mode=warn mx-coverage=pass
expect_message none.test mode "remove the TXT record"

# mx-coverage (unused pattern) and tlsrpt-record
expect extra.test warn mx-coverage=warn tlsrpt-record=warn
expect_message extra.test mx-coverage "old.extra.test"
expect badrpt.test fail tlsrpt-record=fail

# mx-tls
expect nostarttls.test fail mx-tls@mx.nostarttls.test=fail
expect_message nostarttls.test mx-tls "STARTTLS not offered"
expect cnonly.test fail mx-tls@mx.cnonly.test=fail
expect_message cnonly.test mx-tls "CN only"
expect expiredmx.test fail mx-tls@mx.expiredmx.test=fail
expect_message expiredmx.test mx-tls "expired on 2020-02-01"
expect tls12.test warn mx-tls@mx.tls12.test=warn
expect_message tls12.test mx-tls "TLS 1.3 refused"
expect soonmx.test warn mx-tls@mx.soonmx.test=warn
expect down.test fail mx-tls@mx.down.test=fail
expect_message down.test mx-tls "cannot connect"

# change: first run, same again, then the body changes under the same id.
STATE=$LAB/state
mkdir -p "$STATE"
expect change.test pass change=pass -- --state-dir "$STATE"
expect_message change.test change "first run"
expect change.test pass change=pass -- --state-dir "$STATE"
expect_message change.test change "consistent"
cd_policy change.test "version: STSv1" "mode: enforce" "mx: mx.change.test" "mx: mx2.change.test" \
	"max_age: 604800"
expect change.test fail change=fail -- --state-dir "$STATE"
expect_message change.test change "TXT id is still 20240101"
# removed.test: the TXT record is gone an hour after a week-long policy was
# last served (the state of that earlier run is written here).
now=$(date +%s)
jq -n --argjson t $((now - 3600)) '{format: 1,
	last: {when: $t, txt_present: true, id: "20231201", policy_ok: true, hash: "00",
		max_age: 604800, mx_ok: true, mx: ["mx.removed.test"]},
	policies: [{id: "20231201", hash: "00", max_age: 604800, last_seen: $t}]}' \
	>"$STATE/mtasts-check.removed.test.json"
expect removed.test fail change=warn -- --state-dir "$STATE"
expect_message removed.test change "earliest safe removal is $(date -u -d @$((now - 3600 + 604800)) +%Y-%m-%d)"

# Human output: aligned columns, a verdict line, no colour into a pipe.
mapfile -t CD_ARGS < <(cd_connect_to)
"$MTASTS_CHECK" domain good.test --dns-server "127.0.0.1:$LAB_DNS_PORT" \
	--ca-file "$LAB/pki/ca.crt" "${CD_ARGS[@]}" >"$LAB/good.txt"
check_true "text output: header" grep -q '^STATUS  CHECK ' "$LAB/good.txt"
check_true "text output: verdict line" grep -q '^verdict: pass ' "$LAB/good.txt"
if grep -q $'\033' "$LAB/good.txt"; then
	lab_log "FAIL: text output: escape codes written to a file"
	FAILURES=$((FAILURES + 1))
fi

[ "$FAILURES" -eq 0 ] || lab_die "$FAILURES check(s) failed (outputs in $LAB)"
lab_log "all cases passed"

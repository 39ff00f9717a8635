# tests/lab/check-domain/lib.sh - the lab of "mtasts-check domain": one DNS
# domain per publisher mistake, served by the shared lab's dnsmasq (port
# 5353) and nginx (port 8443), and a private Postfix with one smtpd listener
# per kind of MX (ports 2601-2606 on 127.0.0.1). Sourced by
# tests/lab/test-check-domain.sh after tests/lab/lib.sh, whose lock, process
# tracking, waiting and CA functions it uses. Two configuration generators
# of lib.sh (lab_dnsmasq_conf, lab_postfix_main_cf) are wrapped: their
# output is kept and this lab's part added. lab_nginx_conf is replaced.

# shellcheck shell=bash

CD_PORT_GOOD=2601	# trusted multi-SAN certificate, TLS 1.0 to 1.3
CD_PORT_PLAIN=2602	# no STARTTLS
CD_PORT_CNONLY=2603	# certificate without subjectAltName
CD_PORT_EXPIRED=2604	# expired certificate
CD_PORT_TLS12=2605	# TLS 1.2 only
CD_PORT_SOON=2606	# certificate that expires in 7 days
CD_PORT_DOWN=2619	# nothing listens here

# The MX hosts the good listener's certificate covers.
CD_GOOD_MX="mx.good.test mail.scanscope.net mail2.scanscope.net \
mail.scanscope.org mail2.scanscope.org mx.stsspace.test mx.twotxt.test \
mx.nohttp.test mx.badweb.test mx.soon.test mx.slow.test mx.syntaxwarn.test \
mx.syntaxbad.test mx.extra.test mx.badrpt.test mx.agewarn.test \
mx.agebad.test mx.none.test mx.change.test mx.removed.test mx.lenient.test"

# cd_require: skip (77) unless the lab can run.
cd_require() {
	local tool
	[ "$(id -u)" = 0 ] || lab_skip "the lab needs root (private Postfix, dnsmasq, nginx)"
	PATH=$PATH:/usr/sbin:/sbin
	for tool in postfix openssl jq dnsmasq nginx flock script; do
		command -v "$tool" >/dev/null 2>&1 ||
			lab_skip "$tool not found (Debian: postfix openssl jq dnsmasq nginx-light util-linux)"
	done
	[ -f /usr/share/postfix/master.cf.dist ] ||
		lab_skip "/usr/share/postfix/master.cf.dist missing (Debian postfix package)"
	getent passwd postfix >/dev/null || lab_skip "no postfix user"
	[ -x "${MTASTS_CHECK:-}" ] || lab_skip "mtasts-check not built: ${MTASTS_CHECK:-MTASTS_CHECK unset}"
}

# --- certificates -----------------------------------------------------------

# cd_issue NAME SUBJECT_CN SAN|"" VALIDITY...: a server certificate from the
# lab CA, through `openssl ca` so that the validity can lie in the past
# (VALIDITY is "-days N" or "-startdate X -enddate Y").
cd_issue() {
	local d=$LAB/pki name=$1 cn=$2 san=$3
	shift 3
	mkdir -p "$d/newcerts"
	[ -f "$d/index.txt" ] || : >"$d/index.txt"
	[ -f "$d/serial.ca" ] || echo 1000 >"$d/serial.ca"
	cat >"$d/ca.cnf" <<EOF
[ ca ]
default_ca = lab
[ lab ]
database = $d/index.txt
new_certs_dir = $d/newcerts
serial = $d/serial.ca
default_md = sha256
policy = any
unique_subject = no
[ any ]
commonName = supplied
EOF
	{
		echo "basicConstraints=CA:FALSE"
		echo "keyUsage=digitalSignature,keyEncipherment"
		echo "extendedKeyUsage=serverAuth"
		[ -z "$san" ] || echo "subjectAltName=$san"
	} >"$d/$name.ext"
	openssl req -newkey rsa:2048 -nodes -keyout "$d/$name.key" -out "$d/$name.csr" \
		-subj "/CN=$cn" 2>/dev/null &&
		openssl ca -batch -notext -config "$d/ca.cnf" -cert "$d/ca.crt" -keyfile "$d/ca.key" \
			-in "$d/$name.csr" -out "$d/$name.crt" -extfile "$d/$name.ext" "$@" \
			>>"$LAB/openssl.log" 2>&1 ||
		lab_die "openssl could not issue $name (see $LAB/openssl.log)"
	cat "$d/$name.crt" "$d/ca.crt" >"$d/$name.chain.pem"
	chmod 644 "$d/$name.crt" "$d/$name.chain.pem"
}

# cd_sans PREFIX NAME...: "DNS:PREFIXname,..."
cd_sans() {
	local prefix=$1 out="" n
	shift
	for n in "$@"; do out="$out${out:+,}DNS:$prefix$n"; done
	printf '%s' "$out"
}

cd_mkpki() {
	local d=$LAB/pki
	lab_mkpki
	# shellcheck disable=SC2086
	cd_issue mx-good mx.good.test "$(cd_sans "" $CD_GOOD_MX)" -days 400
	cd_issue mx-cnonly mx.cnonly.test "" -days 400
	cd_issue mx-expired mx.expiredmx.test DNS:mx.expiredmx.test \
		-startdate 20200101000000Z -enddate 20200201000000Z
	cd_issue mx-tls12 mx.tls12.test DNS:mx.tls12.test -days 400
	cd_issue mx-soon mx.soonmx.test DNS:mx.soonmx.test -days 7
	# shellcheck disable=SC2086
	cd_issue web "mta-sts.good.test" "$(cd_sans mta-sts. $CD_WEB_DOMAINS)" -days 400
	cd_issue web-soon mta-sts.soon.test DNS:mta-sts.soon.test -days 7
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$d/web-self.key" \
		-out "$d/web-self.chain.pem" -days 30 -subj /CN=mta-sts.badweb.test \
		-addext subjectAltName=DNS:mta-sts.badweb.test 2>/dev/null ||
		lab_die "openssl could not make the self-signed certificate"
	chmod 644 "$d"/*.pem
}

# --- DNS --------------------------------------------------------------------

# cd_domain NAME MX [TXT...]: the records of one lab domain; MX "-" for no
# MX record (the implicit MX), TXT values for _mta-sts. Every domain gets a
# TLS-RPT record unless listed in CD_NO_TLSRPT.
cd_domain() {
	local name=$1 mx=$2 txt
	shift 2
	echo "local=/$name/"
	[ "$mx" = - ] || echo "mx-host=$name,$mx,10"
	for txt in "$@"; do
		echo "txt-record=_mta-sts.$name,\"$txt\""
	done
	case " $CD_NO_TLSRPT " in
	*" $name "*) ;;
	*) echo "txt-record=_smtp._tls.$name,\"v=TLSRPTv1; rua=mailto:tlsrpt@$name\"" ;;
	esac
}

# The shared lab's dnsmasq configuration plus this lab's domains.
eval "cd_base_dnsmasq_conf() $(declare -f lab_dnsmasq_conf | tail -n +2)"
lab_dnsmasq_conf() {
	cd_base_dnsmasq_conf
	echo "host-record=mx.good.test,127.0.0.1"
	cd_dns_records
}

# --- HTTPS ------------------------------------------------------------------

# cd_policy DOMAIN LINE...: the policy nginx serves for DOMAIN (CRLF ends).
cd_policy() {
	local dir=$LAB/www/mta-sts.$1/.well-known
	shift
	mkdir -p "$dir"
	printf '%s\r\n' "$@" >"$dir/mta-sts.txt"
	chmod -R a+rX "$LAB/www"
}

cd_nginx_server() {
	cat <<EOF
	server {
		listen 127.0.0.1:$LAB_HTTPS_PORT ssl${4:-};
		server_name $1;
		ssl_certificate $LAB/pki/$2.chain.pem;
		ssl_certificate_key $LAB/pki/$2.key;
		ssl_protocols TLSv1.2 TLSv1.3;
		root $LAB/www/\$host;
		$3
		location = /.well-known/mta-sts.txt { default_type text/plain; types { } charset off; }
		location / { return 404; }
	}
EOF
}

# nginx: this lab's own configuration (the shared one needs the other
# labs' certificates).
lab_nginx_conf() {
	lab_nginx_head "the mtasts-check domain lab (tests/lab/check-domain/lib.sh)"
	cd_nginx_server _ web "" " default_server"
	cd_nginx_server mta-sts.soon.test web-soon ""
	cd_nginx_server mta-sts.badweb.test web-self ""
	cd_nginx_server mta-sts.slow.test web "limit_rate $CD_SLOW_RATE;"
	echo "}"
}

# --- Postfix: one smtpd listener per kind of MX -------------------------------

# The shared lab's main.cf without its milter, with the good MX
# certificate as the default. The replaced entries are taken out rather
# than repeated: every Postfix program warns about a repeated entry, and
# postlogd, logging that warning to itself before it has opened the log
# file, would block.
eval "cd_base_main_cf() $(declare -f lab_postfix_main_cf | tail -n +2)"
lab_postfix_main_cf() {
	cd_base_main_cf | grep -v -e '^myhostname *=' -e '^smtpd_milters *=' \
		-e '^smtpd_tls_cert_file *=' -e '^smtpd_tls_key_file *='
	cat <<EOF
# overrides for the mtasts-check domain lab (tests/lab/check-domain/lib.sh)
myhostname = mx.good.test
smtpd_milters =
smtpd_tls_cert_file = $LAB/pki/mx-good.chain.pem
smtpd_tls_key_file = $LAB/pki/mx-good.key
EOF
}

# cd_listener PORT NAME=VALUE...: an smtpd on 127.0.0.1:PORT with overrides.
cd_listener() {
	local port=$1 o
	shift
	printf '127.0.0.1:%s inet n - n - - smtpd' "$port"
	for o in "$@"; do printf ' -o %s' "$o"; done
	printf '\n'
}

cd_postfix_setup() {
	local p=$LAB/pki
	LAB_SMTP_PORT=$CD_PORT_GOOD
	lab_postfix_setup
	{
		cd_listener "$CD_PORT_PLAIN" smtpd_tls_security_level=none
		cd_listener "$CD_PORT_CNONLY" "smtpd_tls_cert_file=$p/mx-cnonly.chain.pem" \
			"smtpd_tls_key_file=$p/mx-cnonly.key"
		cd_listener "$CD_PORT_EXPIRED" "smtpd_tls_cert_file=$p/mx-expired.chain.pem" \
			"smtpd_tls_key_file=$p/mx-expired.key"
		cd_listener "$CD_PORT_TLS12" "smtpd_tls_cert_file=$p/mx-tls12.chain.pem" \
			"smtpd_tls_key_file=$p/mx-tls12.key" \
			'smtpd_tls_protocols=!SSLv2,!SSLv3,!TLSv1,!TLSv1.1,!TLSv1.3'
		cd_listener "$CD_PORT_SOON" "smtpd_tls_cert_file=$p/mx-soon.chain.pem" \
			"smtpd_tls_key_file=$p/mx-soon.key"
	} >>"$LAB/pf/master.cf"
}

cd_smtp_ready() {
	local port
	for port in $CD_PORT_GOOD $CD_PORT_PLAIN $CD_PORT_CNONLY $CD_PORT_EXPIRED \
		$CD_PORT_TLS12 $CD_PORT_SOON; do
		lab_tcp_listening "$port" || return 1
	done
}

# cd_start: certificates, DNS, HTTPS, Postfix.
cd_start() {
	cd_mkpki
	cd_policies
	lab_dns_start
	lab_https_start
	cd_postfix_setup
	lab_postfix_start
	lab_wait 10 "every smtpd listener" cd_smtp_ready ||
		lab_die "Postfix did not open every listener (see $LAB/maillog)"
	lab_log "lab up in $LAB"
}

# --- running the check ---------------------------------------------------------

# cd_connect_to: where the probes go (443 to nginx; each MX to its listener).
cd_connect_to() {
	local pair
	echo "--connect-to=:443:127.0.0.1:$LAB_HTTPS_PORT"
	# Keeps the name: mx.good.test is looked up in the lab DNS.
	echo "--connect-to=mx.good.test:25::$CD_PORT_GOOD"
	for pair in $CD_MX_PORTS; do
		echo "--connect-to=${pair%%=*}:25:127.0.0.1:${pair#*=}"
	done
}

# cd_check DOMAIN [ARGS...]: mtasts-check domain --json against the lab.
cd_check() {
	local domain=$1
	shift
	mapfile -t CD_ARGS < <(cd_connect_to)
	"$MTASTS_CHECK" domain "$domain" --json --dns-server "127.0.0.1:$LAB_DNS_PORT" \
		--ca-file "$LAB/pki/ca.crt" --timeout "$CD_TIMEOUT" "${CD_ARGS[@]}" "$@"
}

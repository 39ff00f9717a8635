#!/bin/sh
# .ci/deps.sh - install everything needed to build mtasts-milter and run all of
# its tests on Debian 12 (run as root). Used by the README commands and .ci/run.
set -eu
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# Postfix must not write /etc/postfix/main.cf or start: the lab runs private instances.
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
echo "postfix postfix/mailname string mx1.example.test" | debconf-set-selections
apt-get install -y -q --no-install-recommends \
	build-essential autoconf automake libtool pkg-config ca-certificates git \
	libmilter-dev libssl-dev libc-ares-dev libconfuse-dev libcurl4-openssl-dev \
	libjansson-dev zlib1g-dev libgmime-3.0-dev libpsl-dev publicsuffix check openssl \
	miltertest postfix sasl2-bin libsasl2-modules swaks libnet-ssleay-perl dnsmasq nginx-light bind9-dnsutils jq curl iproute2 \
	clang libclang-rt-14-dev \
	chromium python3 time strace valgrind
# The Sendmail lab (tests/lab/test-sendmail-lab.sh) runs Debian's Sendmail
# unpacked into its lab directory: sendmail-bin conflicts with postfix, so the
# packages are only downloaded here, and their libraries installed.
apt-get install -y -q --no-install-recommends \
	m4 libdb5.3 libldap-2.5-0 liblockfile1 libnsl2 libsasl2-2 libssl3 libwrap0
sendmail_debs=/var/cache/mtasts-milter-lab/sendmail
mkdir -p "$sendmail_debs"
rm -f "$sendmail_debs"/*.deb
# apt's download user must be able to write there (else it warns).
! getent passwd _apt >/dev/null || chown _apt "$sendmail_debs"
(cd "$sendmail_debs" && apt-get download -q sendmail-bin sendmail-base sendmail-cf)
# Exim for tests/lab/test-policy-exim.sh: exim4-daemon-light conflicts with
# postfix, so its package is only downloaded into a fixed cache (the test
# unpacks it with dpkg-deb -x); its libraries are installed, and the user
# its binary looks up at every start (exim4-base's postinst makes it so).
EXIM_CACHE=/var/cache/mtasts-milter-lab/exim
mkdir -p "$EXIM_CACHE"
(cd "$EXIM_CACHE" && rm -f exim4-daemon-light_*.deb &&
	apt-get download -q exim4-daemon-light 2>&1 | grep -v 'unsandboxed as root' || true)
ls "$EXIM_CACHE"/exim4-daemon-light_*.deb >/dev/null
apt-get install -y -q --no-install-recommends \
	libdb5.3 libgnutls-dane0 libgnutls30 libidn12 libidn2-0 libnsl2 libpcre2-8-0
getent passwd Debian-exim >/dev/null ||
	useradd --system --user-group --home-dir /var/spool/exim4 --no-create-home \
		--shell /usr/sbin/nologin Debian-exim

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
	libjansson-dev zlib1g-dev check openssl \
	miltertest postfix swaks libnet-ssleay-perl dnsmasq nginx-light bind9-dnsutils jq curl iproute2 \
	clang libclang-rt-14-dev \
	chromium python3 time strace
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
	adduser --system --group --quiet --allow-bad-names --home /var/spool/exim4 \
		--no-create-home Debian-exim

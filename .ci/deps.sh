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
	chromium python3 time strace valgrind

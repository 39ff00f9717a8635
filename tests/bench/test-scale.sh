#!/bin/bash
# tests/bench/test-scale.sh - bench-scale.sh as a test, so that the scale
# lab cannot rot (make check): 300 domains discovered and refreshed, every
# lookup and fetch successful, every new policy in the state file, each
# phase within 120 s. The goals (bench-scale.sh, README) are not asserted:
# a shared host makes figures, not verdicts. About 30 s; its own ports and
# lock (see bench-scale.sh), so it never waits for the Postfix labs.
# Environment: as bench-scale.sh. Exit: 0 pass, 1 fail, 77 skip.
set -eu
SCALE_DOMAINS=${SCALE_DOMAINS:-300} SCALE_LIMIT=${SCALE_LIMIT:-120} \
	SCALE_LAT_SESSIONS=${SCALE_LAT_SESSIONS:-200} SCALE_CHECK=yes \
	exec bash "$(dirname "$0")/bench-scale.sh"

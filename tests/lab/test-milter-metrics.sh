#!/bin/bash
# tests/lab/test-milter-metrics.sh - the metrics file (metrics_file) behind a
# real Postfix: a known set of sessions is sent (plaintext and TLS, two
# draft domains and two learnt ones, would-fail and pass, a session that
# aborts its message, one that sends none) while the milter's MX probe also
# connects; the numbers in the file must match what was sent and what the
# JSON log says, and the file must be valid text exposition format.
# metrics_file's directory is missing at start: the failure is logged once,
# and once more when writing works again.
#
# Exit: 0 pass, 1 fail, 77 skip (not root, a tool or the milter binary missing).
set -eu

. "$(dirname "$0")/lib.sh"

DOMAIN=example.test          # draft, mode enforce
TDOMAIN=testing.example      # draft, mode testing
LDOMAIN=notxt.example.test   # learnt from traffic: no _mta-sts record
SDOMAIN=slow.example.test    # learnt: its policy host is too slow

metrics_conf() {
	lab_milter_conf | grep -v '^connect_to'
	cat <<EOF
metrics_file  = "$LAB/metrics/mtasts-milter.prom"
metrics_interval = 1
connect_to    = {"mta-sts.example.test:443:127.0.0.1:$LAB_HTTPS_PORT",
                 "mta-sts.$SDOMAIN:443:127.0.0.1:$LAB_HTTPS_PORT",
                 "$LAB_MX:25:127.0.0.1:$LAB_SMTP_PORT"}
probe_interval = 3600
fetch_timeout = 3
EOF
}

PROM() { cat "$LAB/metrics/mtasts-milter.prom" 2>/dev/null; }

# value SAMPLE: the value of the sample written exactly so (name{labels}).
value() {
	PROM | awk -v s="$1" '$1 == s { print $2; found = 1 } END { if (!found) print "missing" }'
}

# value_is SAMPLE WANT
value_is() {
	local got
	got=$(value "$1")
	[ "$got" = "$2" ] || { printf '     %s is %s, want %s\n' "$1" "$got" "$2"; return 1; }
}

at_least() {
	local got
	got=$(value "$1")
	[ "$got" != missing ] && awk -v g="$got" -v w="$2" 'BEGIN { exit !(g + 0 >= w + 0) }'
}

value_at_least() {
	at_least "$@" || { printf '     %s is %s, want >= %s\n' "$1" "$(value "$1")" "$2"; return 1; }
}

# exposition_ok: every line a HELP or TYPE comment or "name{labels} value",
# each sample after its family's HELP and TYPE, TYPE one of the known ones,
# histogram buckets cumulative and ending in +Inf equal to _count.
exposition_ok() {
	PROM | awk '
		function fail(why) { printf "     line %d: %s: %s\n", NR, why, $0; bad = 1 }
		/^# HELP / { help[$3] = 1; next }
		/^# TYPE / {
			if ($4 !~ /^(counter|gauge|histogram)$/) fail("unknown type")
			if (!help[$3]) fail("TYPE before HELP")
			type[$3] = $4; next
		}
		/^#/ { fail("stray comment"); next }
		{
			if ($0 !~ /^mtasts_[a-z_]+(\{([a-z_]+="([^"\\]|\\.)*")(,[a-z_]+="([^"\\]|\\.)*")*\})? [0-9]+(\.[0-9]+)?$/) {
				fail("not name{labels} value"); next
			}
			name = $1; sub(/\{.*/, "", name)
			fam = name
			if (!(fam in type)) sub(/_(bucket|sum|count)$/, "", fam)
			if (!(fam in type)) fail("sample without TYPE")
			else if (type[fam] == "histogram" && name ~ /_bucket$/) {
				series = $1; sub(/,?le="[^"]*"/, "", series)
				if (series in last && $2 + 0 < last[series]) fail("bucket not cumulative")
				last[series] = $2 + 0
				if ($1 ~ /le="\+Inf"/) inf[series] = $2
			} else if (type[fam] == "histogram" && name ~ /_count$/) {
				series = $1; sub(/_count/, "_bucket", series)
				if (inf[series] != $2) fail("+Inf bucket differs from _count")
			}
			samples++
		}
		END { if (samples < 50) { print "     only " samples " samples"; bad = 1 } exit bad }'
}

# json_count JQ-FILTER: how many (message, domain) entries of the JSON log
# satisfy FILTER (applied to each domains[] entry).
json_count() {
	jq -s "[.[] | select(.event == \"message\") | .domains[] | select($1)] | length" \
		"$LAB/sessions.jsonl"
}

# metrics_agree_with_json DOMAIN RESULT: the verdict count equals the log's.
metrics_agree_with_json() {
	local want
	want=$(json_count ".domain == \"$1\" and .result == \"$2\"")
	value_is "mtasts_verdicts_total{domain=\"$1\",result=\"$2\"}" "$want"
}

reasons_agree_with_json() {
	local want
	want=$(json_count ".domain == \"$1\" and .result == \"$2\" and (.reasons | index([\"$3\"]))")
	value_is "mtasts_verdict_reasons_total{domain=\"$1\",result=\"$2\",reason=\"$3\"}" "$want"
}

json_lines() { wc -l <"$LAB/sessions.jsonl"; }

# settled: every record written and counted, discovery done.
settled() {
	[ "$(value mtasts_json_records_written_total)" = "$(json_lines)" ] &&
		[ "$(value mtasts_messages_total)" = "$1" ] &&
		[ "$(value mtasts_domains_pending)" = 0 ]
}

pending_done() {
	[ "$(value mtasts_domains_pending)" = 0 ] &&
		[ "$(value mtasts_domains_tracked)" = 4 ]
}

log_lines() { grep -c -- "$1" "$LAB/milter.log" || true; }

# quit_after STAGE TO CASE: an SMTP session that ends after STAGE.
quit_after() {
	swaks --server "127.0.0.1:$LAB_SMTP_PORT" --helo client.example.test \
		--from sender@client.example.test --to "$2" --quit-after "$1" \
		>"$LAB/swaks-$3.log" 2>&1 || lab_die "swaks failed for case $3 ($LAB/swaks-$3.log)"
}

main() {
	local version written uptime sessions=0
	lab_require
	lab_init metrics
	metrics_conf >"$LAB/mtasts-milter.conf"
	lab_start

	# The MX probe, now that Postfix is up: a reload probes at once (the
	# probe connects through Postfix: the milter sees it, not as a session).
	kill -USR1 "$LAB_MILTER_PID"
	check "the MX probe judged the certificate" \
		lab_wait 20 "the MX probe" grep -q "MX probe of $LAB_MX (.*certificate good" "$LAB/milter.log"
	# The directory is missing: one error, however many intervals and
	# reloads pass.
	sleep 2
	check "metrics_file failure logged once" test "$(log_lines 'metrics_file .*not exported')" -eq 1
	mkdir "$LAB/metrics"
	lab_wait 5 "the metrics file" test -s "$LAB/metrics/mtasts-milter.prom" ||
		lab_die "no metrics file in $LAB/metrics (see $LAB/milter.log)"
	check "metrics_file recovery logged once" test "$(log_lines 'metrics_file .*written again')" -eq 1
	check "mode 0644 (node_exporter reads it as another user)" \
		test "$(stat -c %a "$LAB/metrics/mtasts-milter.prom")" = 644

	# The slow policy host keeps its domain pending for fetch_timeout.
	lab_send slow TLSv1.2 --to "s@$SDOMAIN" >/dev/null; sessions=$((sessions + 1))
	check "a domain pending while its policy is fetched" \
		lab_wait 3 "a pending domain" at_least mtasts_domains_pending 1
	# The learnt domain first, so that discovery answers for it meanwhile.
	lab_send learnt1 TLSv1.2 --to "l1@$LDOMAIN" >/dev/null; sessions=$((sessions + 1))
	lab_send plain plain --to "a@$DOMAIN" >/dev/null; sessions=$((sessions + 1))
	lab_send tls12 TLSv1.2 --to "b@$DOMAIN" >/dev/null; sessions=$((sessions + 1))
	lab_send tls13 TLSv1.3 --to "c@$DOMAIN,d@$TDOMAIN" >/dev/null; sessions=$((sessions + 1))
	lab_send tls11 TLSv1.1 --to "e@$TDOMAIN" >/dev/null; sessions=$((sessions + 1))
	quit_after RCPT "f@$TDOMAIN" aborted; sessions=$((sessions + 1))
	quit_after EHLO "g@$TDOMAIN" nomail; sessions=$((sessions + 1))
	lab_wait 20 "discovery of $LDOMAIN in the metrics file" pending_done ||
		lab_log "domains still pending: $(value mtasts_domains_pending)"
	lab_send learnt2 TLSv1.2 --to "l2@$LDOMAIN" >/dev/null; sessions=$((sessions + 1))
	lab_wait_mail 8 || lab_die "not every message was delivered (see $LAB/maillog)"
	lab_wait 20 "the metrics file to count every message and record" settled 8 ||
		lab_log "not settled; checking what is there"
	PROM >"$LAB/metrics-final.prom"

	check "exposition format: samples, HELP, TYPE, buckets" exposition_ok
	version=$("$MTASTS_MILTER" -V | awk '{ print $2 }')
	check "build_info has version $version" value_is "mtasts_build_info{version=\"$version\"}" 1
	check "start time is recent" value_at_least mtasts_start_time_seconds "$(($(date +%s) - 600))"
	check "uptime at least 3 s" value_at_least mtasts_uptime_seconds 3

	# against what was sent
	check "sessions: $sessions (the MX probe not counted)" value_is mtasts_sessions_total "$sessions"
	check "messages: 8 (7 delivered, 1 aborted)" value_is mtasts_messages_total 8
	check "MX probe counted as a probe" value_at_least 'mtasts_mx_probes_total{outcome="judged"}' 1
	check "no message skipped" value_is 'mtasts_messages_skipped_total{reason="authenticated"}' 0
	check "$DOMAIN: 1 would-fail" value_is "mtasts_verdicts_total{domain=\"$DOMAIN\",result=\"would-fail\"}" 1
	check "$DOMAIN: 2 pass" value_is "mtasts_verdicts_total{domain=\"$DOMAIN\",result=\"pass\"}" 2
	check "$DOMAIN: would-fail for starttls-not-supported" \
		value_is "mtasts_verdict_reasons_total{domain=\"$DOMAIN\",result=\"would-fail\",reason=\"starttls-not-supported\"}" 1
	check "$TDOMAIN: 1 pass" value_is "mtasts_verdicts_total{domain=\"$TDOMAIN\",result=\"pass\"}" 1
	check "$TDOMAIN: 2 would-fail (TLS 1.1, aborted plaintext)" \
		value_is "mtasts_verdicts_total{domain=\"$TDOMAIN\",result=\"would-fail\"}" 2
	check "$TDOMAIN: tls-version once" \
		value_is "mtasts_verdict_reasons_total{domain=\"$TDOMAIN\",result=\"would-fail\",reason=\"tls-version\"}" 1
	check "$LDOMAIN: learnt, labelled: 1 pending, then 1 no-policy" \
		value_is "mtasts_verdicts_total{domain=\"$LDOMAIN\",result=\"pending\"}" 1
	check "$LDOMAIN: 1 no-policy" value_is "mtasts_verdicts_total{domain=\"$LDOMAIN\",result=\"no-policy\"}" 1
	check "$SDOMAIN: learnt, labelled: 1 pending" \
		value_is "mtasts_verdicts_total{domain=\"$SDOMAIN\",result=\"pending\"}" 1
	check "$SDOMAIN: as many verdicts as JSON entries (1)" \
		test "$(json_count ".domain == \"$SDOMAIN\"")" -eq 1
	check "other: nothing" value_is 'mtasts_verdicts_total{domain="other",result="pass"}' 0
	check "TXT lookups: $DOMAIN, $SDOMAIN valid" value_is 'mtasts_txt_lookups_total{outcome="valid"}' 2
	check "TXT lookups: $TDOMAIN, $LDOMAIN absent" value_is 'mtasts_txt_lookups_total{outcome="absent"}' 2
	check "policy fetch of $DOMAIN ok" value_is 'mtasts_policy_fetches_total{outcome="ok"}' 1
	check "policy fetch of $SDOMAIN timed out" \
		value_is 'mtasts_policy_fetches_total{outcome="sts-policy-fetch-error"}' 1
	check "domains tracked: 4" value_is mtasts_domains_tracked 4
	check "domains pending: 0" value_is mtasts_domains_pending 0
	check "eom timed once per delivered message" \
		value_is 'mtasts_callback_duration_seconds_count{callback="eom"}' 7
	check "abort timed" value_at_least 'mtasts_callback_duration_seconds_count{callback="abort"}' 1
	check "connect timed for every session and probe" \
		value_at_least 'mtasts_callback_duration_seconds_count{callback="connect"}' "$((sessions + 1))"

	# against the JSON log
	written=$(json_lines)
	check "JSON records written: $written (every line of the log)" value_is mtasts_json_records_written_total "$written"
	check "JSON records dropped: 0" value_is 'mtasts_json_records_dropped_total{reason="queue-full"}' 0
	check "JSON records lost: 0" value_is mtasts_json_records_lost_total 0
	check "messages: as many as JSON message records" \
		value_is mtasts_messages_total "$(jq -s '[.[] | select(.event == "message")] | length' "$LAB/sessions.jsonl")"
	check "$DOMAIN pass as in the JSON log" metrics_agree_with_json "$DOMAIN" pass
	check "$DOMAIN would-fail as in the JSON log" metrics_agree_with_json "$DOMAIN" would-fail
	check "$TDOMAIN pass as in the JSON log" metrics_agree_with_json "$TDOMAIN" pass
	check "$TDOMAIN would-fail as in the JSON log" metrics_agree_with_json "$TDOMAIN" would-fail
	check "$TDOMAIN tls-version as in the JSON log" reasons_agree_with_json "$TDOMAIN" would-fail tls-version
	check "$DOMAIN starttls-not-supported as in the JSON log" \
		reasons_agree_with_json "$DOMAIN" would-fail starttls-not-supported
	check "$LDOMAIN: as many verdicts as JSON entries (2)" \
		test "$(json_count ".domain == \"$LDOMAIN\"")" -eq 2
	check "no temporary file left" test "$(find "$LAB/metrics" -name '*.prom.*' | wc -l)" -eq 0

	# A reload to another file, written once an hour: it is there at once,
	# and written once more at stop.
	sed -i -e "s|mtasts-milter.prom|second.prom|" -e 's|^metrics_interval = 1$|metrics_interval = 3600|' \
		"$LAB/mtasts-milter.conf"
	kill -USR1 "$LAB_MILTER_PID"
	check "after a reload the new metrics_file is written at once" \
		lab_wait 5 "$LAB/metrics/second.prom" test -s "$LAB/metrics/second.prom"
	uptime=$(awk '$1 == "mtasts_uptime_seconds" { print $2 }' "$LAB/metrics/second.prom")
	sleep 2
	lab_stop_pid milter "$LAB_MILTER_PID"
	check "written again at stop" test "$(awk '$1 == "mtasts_uptime_seconds" { print $2 }' \
		"$LAB/metrics/second.prom")" -gt "${uptime:-0}"
	check "stopped cleanly: the milter logged its stop" grep -q 'stopped$' "$LAB/milter.log"

	if [ "$FAILURES" -ne 0 ]; then
		lab_log "$FAILURES check(s) failed; lab files kept in $LAB (metrics-final.prom, milter.log, sessions.jsonl)"
		exit 1
	fi
	lab_log "all checks passed"
}

main "$@"

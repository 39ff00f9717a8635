#!/bin/sh
# html.sh - `mtasts-report --format html`: one self-contained, well-formed
# file (no external asset) with the tables and an SVG chart per domain, and
# it renders: headless Chromium takes a screenshot in which the chart's
# bars and line are visible. The render step is skipped (77) without
# chromium or python3.
. "${HERE:-$(dirname "$0")}/lib.sh"
: "${GENLOG:?}"

# 2026-02-04 and 02-05 left out: the trend must show them as a gap.
# Five domains: the generator's three largest and the fixture's two.
"$GENLOG" 20000 5 2026-02-01 10 | grep -v '"ts":"2026-02-0[45]' > "$T/g.jsonl"
expect_rc 0 "html report" "$R" -f html --top 5 -o "$T/r.html" \
    --domain example.com --domain example.net --domain example.org \
    --domain a.example --domain b.example "$T/g.jsonl" "$DATA/small.jsonl"
H=$T/r.html
if grep -Eiq 'src=|href="[^#]|url\(|<script|<link' "$H"; then
	fail "external asset or script: $(grep -Eio 'src=[^ ]*|href="[^#][^ ]*|url\([^)]*|<script|<link' "$H" | head -3)"
else
	ok "self-contained"
fi
n=$(grep -c '<svg class="chart"' "$H")
[ "$n" -eq 5 ] && ok "one chart per domain" || fail "charts: $n, want 5"
grep -q '\[203.0.113.9\]?&lt;b&gt;' "$H" && ok "log text escaped" || fail "HELO not escaped"
grep -q 'class="verdict not-ready"' "$H" && ok "verdict shown" || fail "no verdict"
n=$(sed -n '/<table class="overview">/,/<\/table>/p' "$H" | grep -c '<tr><td><a href="#domain-')
[ "$n" -eq 5 ] && ok "overview: one row per domain" || fail "overview rows: $n, want 5"
grep -q '<td class="v v-not-ready">not-ready</td>' "$H" && ok "overview: verdict" ||
    fail "overview without verdicts"
# example.com: 8 days with data over a 10-day span, the share line broken at the gap.
sec=$(sed -n '/<h2>example.com<\/h2>/,/<\/section>/p' "$H")
n=$(printf '%s\n' "$sec" | grep -c '<polyline class="share"')
[ "$n" -eq 2 ] && ok "trend: the share line stops at days without data" ||
    fail "share polylines for example.com: $n, want 2"
n=$(printf '%s\n' "$sec" | grep -c '<rect class="vol"')
[ "$n" -eq 8 ] && ok "trend: a bar per day with data" || fail "bars: $n, want 8"
printf '%s\n' "$sec" | grep -q '>02-05</text>' && ok "trend: the missing days are on the axis" ||
    fail "no 02-05 label on the axis"
if grep -q 'msgs</text>' "$H"; then
	fail "left axis label still carries its unit (clipped at the left)"
else
	ok "left axis: numbers only, unit above the plot"
fi
printf '%s\n' "$sec" | grep -q '<svg class="reasons-chart"' && ok "reasons stacked per day" ||
    fail "no reasons chart"
n=$(printf '%s\n' "$sec" | grep -c '<rect class="reason"')
[ "$n" -ge 16 ] && ok "reasons chart: stacked bars ($n)" || fail "reason bars: $n"
printf '%s\n' "$sec" | grep -q '<h3>Organisations that would fail: ' && ok "organisations by PTR domain" ||
    fail "no organisations table"

if ! command -v python3 >/dev/null 2>&1; then
	echo "SKIP: python3 not found (well-formedness and render)"
	finish
	exit 77
fi
if python3 -c 'import sys, xml.dom.minidom as m; m.parse(sys.argv[1])' "$H" 2> "$T/xml"; then
	ok "well-formed (XML parser)"
else
	fail "not well-formed: $(cat "$T/xml" | tail -1)"
fi

chromium=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$chromium" ]; then
	echo "SKIP: chromium not found (render)"
	[ "$failures" -eq 0 ] && exit 77
	finish
fi
# Render the first domain's section only: a page with its chart on top.
"$chromium" --headless --no-sandbox --disable-gpu --hide-scrollbars \
    --user-data-dir="$T/profile" --window-size=900,1100 \
    --screenshot="$T/shot.png" "file://$H" > "$T/chromium.log" 2>&1
if [ ! -s "$T/shot.png" ]; then
	fail "no screenshot: $(tail -3 "$T/chromium.log")"
	finish
fi
set -- $(python3 "$HERE/png_colours.py" "$T/shot.png" 4a7ebb cc3333)
echo "screenshot ${1}x${2}: $3 bar pixels, $4 line pixels"
[ "$3" -gt 2000 ] && ok "chart bars rendered" || fail "bars: $3 pixels"
[ "$4" -gt 300 ] && ok "share line rendered" || fail "line: $4 pixels"
finish

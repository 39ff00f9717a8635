#!/bin/sh
# output.sh - -o FILE: a failed write (here the file size limit, as a full
# disk would) leaves the previous report and no temporary file behind;
# a complete one replaces it with fopen's mode; a FILE that is not a
# regular file (a symbolic link, /dev/stdout) is written through its name.
. "${HERE:-$(dirname "$0")}/lib.sh"

F=$DATA/small.jsonl
O=$T/impact.html

printf 'the previous report\n' > "$O"
# 1 KiB of file size at most, SIGXFSZ ignored: write(2) fails with EFBIG.
(trap '' XFSZ; ulimit -f 1; exec "$R" -f html -o "$O" "$F") > "$T/out" 2> "$T/err"
rc=$?
[ "$rc" -eq 2 ] && ok "a failed write exits 2" || fail "a failed write: exit $rc, want 2"
grep -q "cannot write the report to $O: .*left as it was" "$T/err" &&
    ok "a failed write is said, with the file" || fail "a failed write: stderr: $(cat "$T/err")"
[ "$(cat "$O")" = "the previous report" ] &&
    ok "a failed write leaves the previous report" || fail "a failed write changed $O: $(head -c 80 "$O")"
[ -z "$(find "$T" -name 'impact.html.*')" ] &&
    ok "a failed write leaves no temporary file" || fail "left: $(find "$T" -name 'impact.html.*')"

chmod 604 "$O"
(umask 077; exec "$R" -f html -o "$O" "$F") 2> "$T/err"
rc=$?
[ "$rc" -eq 0 ] && grep -q '</html>' "$O" &&
    ok "a complete write replaces the report" || fail "complete write: exit $rc, $(cat "$T/err")"
[ "$(stat -c %a "$O")" = 604 ] && ok "a replaced report keeps its mode" ||
    fail "mode $(stat -c %a "$O"), want 604 (the old file's)"
(umask 027; exec "$R" -f html -o "$T/new.html" "$F") 2> "$T/err"
[ "$(stat -c %a "$T/new.html")" = 640 ] && ok "a new report has 0666 less the umask" ||
    fail "new report: mode $(stat -c %a "$T/new.html"), want 640"
[ -z "$(find "$T" -name 'impact.html.*')" ] &&
    ok "a complete write leaves no temporary file" || fail "left: $(find "$T" -name 'impact.html.*')"

printf 'old\n' > "$T/target.json"
ln -s target.json "$T/link.json"
expect_rc 0 "-o a symbolic link" "$R" -f json -o "$T/link.json" "$F"
[ -L "$T/link.json" ] && "$JQ" -e '.domains | length == 2' "$T/target.json" > /dev/null &&
    ok "a symbolic link is written through, and stays a link" ||
    fail "symbolic link: $(ls -l "$T/link.json") target: $(head -c 80 "$T/target.json")"

"$R" -f json -o /dev/stdout "$F" 2> "$T/err" > "$T/stdout.json"
rc=$?
[ "$rc" -eq 0 ] && "$JQ" -e '.domains | length == 2' "$T/stdout.json" > /dev/null &&
    ok "-o /dev/stdout" || fail "-o /dev/stdout: exit $rc, $(cat "$T/err")"

# A writable report in a directory its writer may not create files in
# (root's): written in place, as before.
if [ "$(id -u)" -eq 0 ] && command -v setpriv > /dev/null; then
    mkdir "$T/rootdir"
    chmod 755 "$T" "$T/rootdir"
    printf 'old\n' > "$T/rootdir/r.json"
    chmod 666 "$T/rootdir/r.json"
    setpriv --reuid=65534 --regid=65534 --clear-groups \
        "$R" -f json -o "$T/rootdir/r.json" "$F" 2> "$T/err"
    rc=$?
    [ "$rc" -eq 0 ] && "$JQ" -e '.domains | length == 2' "$T/rootdir/r.json" > /dev/null &&
        ok "no file can be made beside it: written in place" ||
        fail "read-only directory: exit $rc, $(cat "$T/err")"
fi

finish

#!/bin/sh
# tests/cli/usage.sh - mtasts-check usage errors and unreadable input:
# exit 2 with a message that names the problem, never a crash. (A file that
# can be read but is no policy is a finding: see policy.sh.)
. "$(dirname "$0")/lib.sh"
P=$DATA/policies

run "--help" 0 --help
stdout_has 'usage: mtasts-check policy FILE|-'
run "-h after a subcommand" 0 policy -h
stdout_has 'mtasts-check record TXT...'
run "--version" 0 --version
stdout_has 'mtasts-check '
run "-V" 0 -V

run "no arguments" 2
stderr_has 'usage:'
run "unknown subcommand" 2 frobnicate
stderr_has 'unknown subcommand: frobnicate'
run "unknown global option" 2 --frobnicate
stderr_has 'unknown option: --frobnicate'
run "unknown policy option" 2 policy --frobnicate "$P/rfc-example.txt"
stderr_has '--help'
run "--mx without a host" 2 policy "$P/rfc-example.txt" --mx
run "policy without a file" 2 policy --json
stderr_has 'give exactly one FILE'
run "policy with two files" 2 policy "$P/rfc-example.txt" "$P/crlf.txt"
run "record without a record" 2 record --json
stderr_has 'record: give the TXT records'
run "unknown tlsrpt option" 2 tlsrpt --frobnicate 'v=TLSRPTv1; rua=mailto:a@example.com'
run "--mx after record" 2 record --mx mail.example.com 'v=STSv1; id=1'
stderr_has 'record: --mx applies to the policy subcommand only'
run "--connect-to with three fields" 2 domain example.com --connect-to a.test:443:127.0.0.1
stderr_has '--connect-to: "a.test:443:127.0.0.1" has fewer than four fields'
run "--connect-to with a bad port" 2 domain example.com --connect-to :443:127.0.0.1:99999
stderr_has 'has a port that is not 1 to 65535'

run "missing file" 2 policy "$work/does-not-exist.txt"
stderr_has 'does-not-exist.txt: No such file or directory'
run "directory" 2 policy "$P"
stderr_has 'policies: Is a directory'
run "unprintable file name" 2 policy "$work/$(printf 'x\033[2Jy')"
printable
run "unprintable subcommand" 2 "$(printf 'x\033[2Jy')"
printable
run "unprintable --timeout" 2 domain example.com --timeout "$(printf '1\033[2J')"
printable
stderr_has '--timeout: "1?[2J" is not a number'

if [ "$(id -u)" -ne 0 ]; then
	cp "$P/rfc-example.txt" "$work/secret.txt"
	chmod 000 "$work/secret.txt"
	run "unreadable file" 2 policy "$work/secret.txt"
	stderr_has 'secret.txt: Permission denied'
fi

finish

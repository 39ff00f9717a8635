#!/bin/sh
# tests/cli/tlsrpt.sh - mtasts-check tlsrpt: RRset selection and
# _smtp._tls record grammar.
. "$(dirname "$0")/lib.sh"

run "mailto rua" 0 tlsrpt 'v=TLSRPTv1; rua=mailto:tlsrpt@example.com' --json
json '.valid and .rua == ["mailto:tlsrpt@example.com"] and .diagnostics == []'

run "two URIs, human output" 0 tlsrpt 'v=TLSRPTv1;rua=mailto:a@example.com, https://r.example.com/tlsrpt'
stdout_has '_smtp._tls: valid: '
stdout_has '_smtp._tls: rua https://r.example.com/tlsrpt'

run "two URIs" 0 tlsrpt 'v=TLSRPTv1;rua=mailto:a@example.com, https://r.example.com/tlsrpt' --json
json '.rua == ["mailto:a@example.com", "https://r.example.com/tlsrpt"]'

run "http: scheme" 1 tlsrpt 'v=TLSRPTv1; rua=http://r.example.com/tlsrpt' --json
json '.valid == false'
has_code tlsrpt-rua-scheme
has_code tlsrpt-no-usable-rua

run "missing rua" 1 tlsrpt 'v=TLSRPTv1;' --json
json '.valid == false and .rua == []'
has_code tlsrpt-missing-rua

run "two TLSRPT records" 1 tlsrpt 'v=TLSRPTv1; rua=mailto:a@example.com' \
    'v=TLSRPTv1; rua=mailto:b@example.com' --json
json '.valid == false'
has_code tlsrpt-multiple

run "no TLSRPT record" 1 tlsrpt 'v=STSv1; id=1' --json
json '.valid == false and .rua == []'
has_code tlsrpt-none

finish

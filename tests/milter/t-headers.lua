-- t-headers.lua - audit header text, forged header removal, TLS versions,
-- plaintext, several domains and messages, abort, hostile macro values.
-- Runs with add_header = "would-fail" (the default). The runner checks the
-- JSON log these sessions leave (queue ids H1..H12).
dofile(srcdir .. "/lib.lua")
start_filter()

-- TLS 1.3 to an enforce draft that lists this MX: pass, so no header.
-- The client certificate DN arrives xtext-encoded, as Sendmail sends it.
local conn = open_session({ "{tls_version}", "TLSv1.3",
    "{cipher}", "TLS_AES_256_GCM_SHA384", "{cipher_bits}", "256",
    "{cert_subject}", "/C+3DUS/CN+3Dclient.sender.test",
    "{cert_issuer}", "Sender CA+2B1" })
send_message(conn, "H1", "<s@sender.test>", { "<a@example.test>" })
end_message(conn)
expect_no_header(conn, "TLSv1.3 pass")
mt.disconnect(conn)

-- TLS 1.1: would-fail on tls-version. Forged fields (any case) are removed.
conn = open_session(tls_macros("TLSv1.1"))
send_message(conn, "H2", "<s@sender.test>", { "<a@example.test>" },
    { { "MTA-STS-Audit", "forged; result=pass" },
      { "mta-sts-audit", "forged again" } })
end_message(conn)
expect_header(conn, "mx1.example.test; domain=example.test; result=would-fail;\n" ..
    "\treasons=tls-version; mode=enforce; id=next1; source=draft;\n" ..
    "\ttls=TLSv1.1; mx=mx1.example.test", "TLSv1.1")
check(mt.eom_check(conn, MT_HDRDELETE, "MTA-STS-Audit"), "forged header kept")
mt.disconnect(conn)

-- Sendmail before 8.15.1 writes the cipher's version ("TLSv1/SSLv3" with
-- OpenSSL 1.0.x) whatever the session's: TLS was used, the version is not
-- known, so no tls-version would-fail (and so no header here).
conn = open_session(tls_macros("TLSv1/SSLv3"))
send_message(conn, "H11", "<s@sender.test>", { "<a@example.test>" })
end_message(conn)
expect_no_header(conn, "TLSv1/SSLv3 (cipher version) is not a would-fail")
mt.disconnect(conn)

-- No TLS macros at all: plaintext.
conn = open_session(nil)
send_message(conn, "H3", "<>", { "<a@example.test>" })
end_message(conn)
expect_header(conn, "mx1.example.test; domain=example.test; result=would-fail;\n" ..
    "\treasons=starttls-not-supported; mode=enforce; id=next1; source=draft;\n" ..
    "\ttls=none; mx=mx1.example.test", "plaintext")
check(not mt.eom_check(conn, MT_HDRDELETE), "deleted a header that was not there")
mt.disconnect(conn)

-- TLSv1 (Postfix's name for 1.0): two messages on one connection.
conn = open_session(tls_macros("TLSv1"))
send_message(conn, "H4", "<s@sender.test>", { "<a@example.test>" })
end_message(conn)
expect_header(conn, "mx1.example.test; domain=example.test; result=would-fail;\n" ..
    "\treasons=tls-version; mode=enforce; id=next1; source=draft; tls=TLSv1;\n" ..
    "\tmx=mx1.example.test", "TLSv1 first message")
send_message(conn, "H5", "<s@sender.test>", { "<b@example.test>", "<c@example.test>" })
end_message(conn)
expect_header(conn, "mx1.example.test; domain=example.test; result=would-fail;\n" ..
    "\treasons=tls-version; mode=enforce; id=next1; source=draft; tls=TLSv1;\n" ..
    "\tmx=mx1.example.test", "TLSv1 second message")
mt.disconnect(conn)

-- TLS macros only at MAIL (Postfix with smfi_setsymlist, no HELO macros): TLS 1.2 passes.
conn = open_session(nil)
check(mt.macro(conn, SMFIC_MAIL, "i", "H6", "{tls_version}", "TLSv1.2",
    "{cipher}", "ECDHE-RSA-AES256-GCM-SHA384", "{cipher_bits}", "256") == nil,
    "mail macros")
step(conn, mt.mailfrom(conn, "<s@sender.test>"), "mail from")
step(conn, mt.rcptto(conn, "<a@example.test>"), "rcpt")
end_message(conn)
expect_no_header(conn, "TLSv1.2 at MAIL")
mt.disconnect(conn)

-- Several domains: example.test passes (3 rcpts, one in a source route, one
-- with a quoted local part), example.net (testing, *.example.net) would
-- fail on mx-mismatch, example.org is not known yet (pending: policy-error).
conn = open_session(tls_macros("TLSv1.3"))
send_message(conn, "H7", "<s@sender.test>", { "<a@example.test>",
    "<c@example.net>", "<B@EXAMPLE.TEST.>", "<d@example.org>",
    "<@relay.test,@relay2.test:e@Example.Net>", "<\"x@y\"@example.test>" })
end_message(conn)
expect_header(conn, "mx1.example.test; domain=example.net; result=would-fail;\n" ..
    "\treasons=mx-mismatch; mode=testing; id=draft; source=draft;\n" ..
    "\ttls=TLSv1.3; mx=mx1.example.test", "multi-domain example.net")
check(not mt.eom_check(conn, MT_HDRINSERT, "MTA-STS-Audit",
    "mx1.example.test; domain=example.test"), "header for a passing domain")
mt.disconnect(conn)

-- Abort after RCPT: logged as an aborted message, no header.
conn = open_session(tls_macros("TLSv1.1"))
send_message(conn, "H8", "<s@sender.test>", { "<a@example.test>" })
check(mt.abort(conn) == nil, "abort")
mt.disconnect(conn)

-- SNI names the MX the sender dialled; it is not in the policy.
conn = open_session({ "{tls_version}", "TLSv1.3", "{tls_sni}", "MX2.Example.TEST." })
send_message(conn, "H9", "<s@sender.test>", { "<a@example.test>" })
end_message(conn)
expect_header(conn, "mx1.example.test; domain=example.test; result=would-fail;\n" ..
    "\treasons=mx-mismatch; mode=enforce; id=next1; source=draft;\n" ..
    "\ttls=TLSv1.3; mx=mx2.example.test", "SNI")
mt.disconnect(conn)

-- Hostile macros: CR/LF, long strings, 8-bit bytes. Nothing may reach the
-- header unfiltered, and every line stays far below 998 bytes. (miltertest
-- 2.11 overflows its own buffer past about 1 KB per command, so "long" is
-- 600 bytes here: still more than the 255 the milter keeps.)
local long = string.rep("a", 600)
conn = open_session({ "{tls_version}", "TLSv1.3\r\nX-Injected: 1",
    "{cipher}", string.rep("c", 300), "{cipher_bits}", "99999999999999999999",
    "{cert_subject}", "/CN=\255\254\r\n" .. string.rep("s", 300) },
    { "j", long, "{daemon_addr}", "127.0.0.1\r\n" })
send_message(conn, "H10", "<s@sender.test>", { "<a@example.test>" })
end_message(conn)
expect_header(conn, string.rep("a", 255) .. ";\n" ..
    "\tdomain=example.test; result=would-fail; reasons=tls-version;\n" ..
    "\tmode=enforce; id=next1; source=draft; tls=TLSv1.3??X-Injected:?1;\n" ..
    "\tmx=mx1.example.test", "hostile macros")
mt.disconnect(conn)

-- A connection that carries no message still gets one log line.
conn = open_session(tls_macros("TLSv1.2"))
mt.disconnect(conn)

-- t-sendmail.lua - the macro forms a real Sendmail (8.15 and later) sends,
-- as the Sendmail lab (tests/lab/test-sendmail-lab.sh) saw them:
-- {daemon_addr} is the address the daemon is bound to ("0.0.0.0" when it
-- listens on every address), {if_addr} the local address the client reached
-- (absent on the loopback interface, "IPv6:..." for IPv6), {cert_subject}
-- the full DN, xtext-encoded. Runs with add_header = "always", listener
-- 192.0.2.25 -> mx2.example.test and 2001:db8::25 -> mx6.example.test (the
-- runner's sendmail.conf); the runner checks the JSON log (queue ids S1..S7).
dofile(srcdir .. "/lib.lua")
start_filter()

local tls13 = { "{tls_version}", "TLSv1.3", "{cipher}", "TLS_AES_256_GCM_SHA384",
    "{cipher_bits}", "256" }

-- field MX TLS REASONS: the header a draft-only (mx1) policy gives.
local function field(mx, tls, reasons)
	local r = reasons and ("reasons=" .. reasons .. "; ") or ""
	local result = reasons and "would-fail" or "pass"
	return "mx1.example.test; domain=example.test; result=" .. result .. "; " ..
	    r .. "mode=enforce; id=next1; source=draft; tls=" .. tls ..
	    "; mx=" .. mx
end

-- expect_field CONN VALUE WHAT: the one audit field, unfolded, is VALUE.
local function expect_field(conn, value, what)
	local got = mt.getheader(conn, "MTA-STS-Audit", 0)
	check(got ~= nil, what .. ": no MTA-STS-Audit header")
	got = got:gsub("\n\t", " ")
	check(got == value, what .. ": [" .. got .. "] is not [" .. value .. "]")
	check(mt.getheader(conn, "MTA-STS-Audit", 1) == nil,
	    what .. ": more than one MTA-STS-Audit header")
end

-- one_message QID CONNECT-MACROS HELO-MACROS: one message to example.test;
-- returns the connection (EOM done) for the header checks.
local function one_message(qid, connect_macros, helo_macros)
	local conn = open_session(helo_macros, connect_macros)
	send_message(conn, qid, "<s@sender.test>", { "<a@example.test>" })
	end_message(conn)
	return conn
end

-- A daemon on every address: {daemon_addr} is 0.0.0.0, the listener is
-- found through {if_addr}.
local conn = one_message("S1", { "j", "mx1.example.test",
    "{daemon_addr}", "0.0.0.0", "{daemon_port}", "25",
    "{if_name}", "mx2.example.test", "{if_addr}", "192.0.2.25" }, tls13)
expect_field(conn, field("mx2.example.test", "TLSv1.3", "mx-mismatch"),
    "{if_addr} under a wildcard {daemon_addr}")
mt.disconnect(conn)

-- The same daemon reached on loopback: no {if_addr}, no listener.
conn = one_message("S2", { "j", "mx1.example.test",
    "{daemon_addr}", "0.0.0.0", "{daemon_port}", "25",
    "{if_name}", "localhost" }, nil)
expect_field(conn, field("mx1.example.test", "none", "starttls-not-supported"),
    "loopback client of a wildcard daemon")
mt.disconnect(conn)

-- IPv6: Sendmail tags the address.
conn = one_message("S3", { "j", "mx1.example.test",
    "{daemon_addr}", "IPv6:::", "{if_addr}", "IPv6:2001:db8::25" }, tls13)
expect_field(conn, field("mx6.example.test", "TLSv1.3", "mx-mismatch"),
    "IPv6-tagged {if_addr}")
mt.disconnect(conn)

-- Only {if_addr} (Sendmail's default connect macro list has no
-- {daemon_addr}).
conn = one_message("S4", { "j", "mx1.example.test", "{if_addr}", "192.0.2.25" },
    tls13)
expect_field(conn, field("mx2.example.test", "TLSv1.3", "mx-mismatch"),
    "{if_addr} alone")
mt.disconnect(conn)

-- A client certificate whose DN needs xtext, as Sendmail 8.17 sent it in
-- the lab (O is "Lab + Co", which X509_NAME_oneline writes "Lab \+ Co";
-- Sendmail encodes the space, '\' and '+', not '='), and an issuer with an
-- encoded CR LF that must not survive decoding.
conn = one_message("S5", { "j", "mx1.example.test", "{daemon_addr}", "0.0.0.0" },
    { "{tls_version}", "TLSv1.2", "{cipher}", "ECDHE-RSA-AES256-GCM-SHA384",
      "{cipher_bits}", "256", "{verify}", "OK",
      "{cert_subject}", "/O=Lab+20+5C+2B+20Co/CN=client+20two.example.test",
      "{cert_issuer}", "/CN+3DMTA-STS+20Lab+20Test+20CA+0D+0AX-Injected:+201" })
expect_field(conn, field("mx1.example.test", "TLSv1.2"), "xtext client DN")
mt.disconnect(conn)

-- The TLS macros at MAIL only (the EHLO after STARTTLS did not carry them).
conn = open_session(nil, { "j", "mx1.example.test", "{if_addr}", "192.0.2.25" })
send_message(conn, "S6", "<s@sender.test>", { "<a@example.test>" }, nil, tls13)
end_message(conn)
expect_field(conn, field("mx2.example.test", "TLSv1.3", "mx-mismatch"),
    "TLS macros at MAIL")
mt.disconnect(conn)

-- A client without a PTR record: Sendmail's {client_ptr} is the bracketed
-- address, which is no name (the connect host name is used instead).
conn = one_message("S7", { "j", "mx1.example.test", "{if_addr}", "192.0.2.25",
    "{client_addr}", "192.0.2.7", "{client_ptr}", "[192.0.2.7]" }, tls13)
expect_field(conn, field("mx2.example.test", "TLSv1.3", "mx-mismatch"),
    "bracketed {client_ptr}")
mt.disconnect(conn)

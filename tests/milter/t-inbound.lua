-- t-inbound.lua - only inbound mail is judged (DESIGN.md 6): a message
-- from an authenticated client gets no verdict (unless the config sets
-- audit_authenticated, run with -D audit=yes), a domain discovery has not
-- answered for is pending (no header even with add_header = "always"), and
-- a client that names itself like the milter's own probe is still logged.
-- Runs with add_header = "always"; the runner checks the JSON log (I1..I3).
dofile(srcdir .. "/lib.lua")
start_filter()

local pass_value = "audit.example.test; domain=example.test; result=pass;\n" ..
    "\tmode=enforce; id=next1; source=draft; tls=TLSv1.3; mx=mx1.example.test"

-- A submission client (SMTP AUTH) sending to a policy domain.
local conn = open_session(tls_macros("TLSv1.3"))
send_message(conn, audit == "yes" and "I1A" or "I1", "<alice@example.test>",
    { "<a@example.test>" }, { { "MTA-STS-Audit", "forged; result=pass" } },
    { "{auth_type}", "PLAIN", "{auth_authen}", "alice" })
end_message(conn)
if audit == "yes" then
	expect_header(conn, pass_value, "authenticated, audit_authenticated")
else
	expect_no_header(conn, "authenticated")
end
check(mt.eom_check(conn, MT_HDRDELETE, "MTA-STS-Audit"),
    "authenticated: forged header kept")
mt.disconnect(conn)

if audit == "yes" then
	return
end

-- The same without AUTH: judged.
conn = open_session(tls_macros("TLSv1.3"))
send_message(conn, "I2", "<bob@sender.test>", { "<a@example.test>" })
end_message(conn)
expect_header(conn, pass_value, "unauthenticated")
mt.disconnect(conn)

-- A domain discovery has not answered for: pending, no header.
conn = open_session(tls_macros("TLSv1.3"))
send_message(conn, "I3", "<bob@sender.test>", { "<z@pending.example>" })
end_message(conn)
expect_no_header(conn, "pending")
mt.disconnect(conn)

-- Connections that say the probe's old fixed name, or look like a probe
-- name of another process: logged like any other.
conn = open_session(tls_macros("TLSv1.2"), nil, "mtasts-milter-probe.invalid")
mt.disconnect(conn)
conn = open_session(tls_macros("TLSv1.2"), nil,
    "mtasts-milter-probe-00000000000000000000000000000000.invalid")
mt.disconnect(conn)

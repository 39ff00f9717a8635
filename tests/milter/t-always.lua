-- t-always.lua - add_header = "always" with authserv_id set: a passing
-- domain gets a header too; a domain without policy never does.
dofile(srcdir .. "/lib.lua")
start_filter()

local conn = open_session(tls_macros("TLSv1.3"))
send_message(conn, "A1", "<s@sender.test>", { "<a@example.test>", "<z@example.org>" })
end_message(conn)
expect_header(conn, "audit.example.test; domain=example.test; result=pass;\n" ..
    "\tmode=enforce; id=next1; source=draft; tls=TLSv1.3; mx=mx1.example.test",
    "always, pass")
check(not mt.eom_check(conn, MT_HDRINSERT, "MTA-STS-Audit",
    "audit.example.test; domain=example.org"), "header for a no-policy domain")
mt.disconnect(conn)

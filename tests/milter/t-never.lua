-- t-never.lua - add_header = "never": no header even for a would-fail, but
-- forged fields are still removed.
dofile(srcdir .. "/lib.lua")
start_filter()

local conn = open_session(tls_macros("TLSv1.1"))
send_message(conn, "N1", "<s@sender.test>", { "<a@example.test>" },
    { { "MTA-STS-Audit", "forged" } })
end_message(conn)
expect_no_header(conn, "never")
check(mt.eom_check(conn, MT_HDRDELETE, "MTA-STS-Audit"), "forged header kept")
mt.disconnect(conn)

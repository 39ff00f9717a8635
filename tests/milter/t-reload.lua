-- t-reload.lua - talk to a daemon the runner started and reloaded; -D
-- expect=header|none says whether the reloaded config adds the header.
dofile(srcdir .. "/lib.lua")

local conn = open_session(tls_macros("TLSv1.3"))
send_message(conn, qid, "<s@sender.test>", { "<a@example.test>" })
end_message(conn)
if expect == "header" then
	expect_header(conn, "mx1.example.test; domain=example.test; result=pass;\n" ..
	    "\tmode=enforce; id=next1; source=draft; tls=TLSv1.3; mx=mx1.example.test",
	    "after reload")
else
	expect_no_header(conn, "before reload")
end
mt.disconnect(conn)

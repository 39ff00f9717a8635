-- t-stress.lua - sessions with client-chosen SNI names, as fast as they go,
-- for -D seconds=N against a daemon the runner started (and reloads all the
-- while). Every name is a fresh one under a wildcard the configured
-- certificate covers, so each could be learned; the store must keep its
-- bounds whatever the timing of the reloads. -D seed=N varies the names.
dofile(srcdir .. "/lib.lua")

math.randomseed(tonumber(seed or "1"))
local deadline = os.time() + tonumber(seconds or "10")
local n = 0
while os.time() < deadline do
	local sni = string.format("r%08x.example.test", math.random(0, 0x7fffffff))
	local macros = tls_macros("TLSv1.3")
	table.insert(macros, "{tls_sni}")
	table.insert(macros, sni)
	local conn = open_session(macros)
	send_message(conn, "S" .. n, "<s@sender.test>", { "<a@example.test>" })
	end_message(conn)
	mt.disconnect(conn)
	n = n + 1
end
mt.echo("sessions: " .. n)

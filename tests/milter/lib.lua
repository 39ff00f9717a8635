-- lib.lua - helpers shared by the mtasts-milter miltertest scripts.
--
-- The runner (run-milter-tests.sh) passes, with -D: binary (the built
-- daemon), conf (its config), sock (the socket path in that config).
-- miltertest does not print error() text, so fail() echoes it first.

function fail(msg)
	mt.echo("FAIL: " .. msg)
	error(msg)
end

function check(cond, msg)
	if not cond then
		fail(msg)
	end
end

-- A miltertest step returns nil on success; the filter must then continue.
function step(conn, rc, what)
	if rc ~= nil then
		fail(what .. ": " .. tostring(rc))
	end
	check(mt.getreply(conn) == SMFIR_CONTINUE, what .. ": reply is not continue")
end

function start_filter()
	mt.startfilter(binary, "-f", "-c", conf)
end

-- Connect as 192.0.2.7 to MTA mx1.example.test; helo_macros = nil means
-- no TLS macros at HELO (a plaintext session unless MAIL brings them).
-- helo defaults to mail.sender.test.
function open_session(helo_macros, connect_macros, helo)
	local conn = mt.connect("unix:" .. sock, 40, 0.25)
	check(conn ~= nil, "cannot connect to " .. sock)
	connect_macros = connect_macros or
	    { "j", "mx1.example.test", "{daemon_addr}", "127.0.0.1" }
	check(mt.macro(conn, SMFIC_CONNECT, table.unpack(connect_macros)) == nil,
	    "connect macros")
	step(conn, mt.conninfo(conn, "mail.sender.test", "192.0.2.7"), "conninfo")
	if helo_macros ~= nil then
		check(mt.macro(conn, SMFIC_HELO, table.unpack(helo_macros)) == nil,
		    "helo macros")
	end
	step(conn, mt.helo(conn, helo or "mail.sender.test"), "helo")
	return conn
end

function tls_macros(version)
	return { "{tls_version}", version, "{cipher}", "ECDHE-RSA-AES256-SHA",
	    "{cipher_bits}", "256" }
end

-- MAIL, RCPTs and headers of one message, up to (not including) EOM;
-- mail_macros: more MAIL macros (name, value, ...) besides i.
function send_message(conn, queue_id, from, rcpts, headers, mail_macros)
	check(mt.macro(conn, SMFIC_MAIL, "i", queue_id,
	    table.unpack(mail_macros or {})) == nil, "mail macros")
	step(conn, mt.mailfrom(conn, from), "mail from " .. from)
	for _, r in ipairs(rcpts) do
		step(conn, mt.rcptto(conn, r), "rcpt to " .. r)
	end
	for _, h in ipairs(headers or {}) do
		step(conn, mt.header(conn, h[1], h[2]), "header " .. h[1])
	end
end

function end_message(conn)
	step(conn, mt.eom(conn), "eom")
end

function expect_header(conn, value, what)
	if not mt.eom_check(conn, MT_HDRINSERT, "MTA-STS-Audit", value) then
		fail(what .. ": no MTA-STS-Audit header with value [" .. value .. "]")
	end
end

function expect_no_header(conn, what)
	if mt.eom_check(conn, MT_HDRINSERT, "MTA-STS-Audit") then
		fail(what .. ": unexpected MTA-STS-Audit header")
	end
end

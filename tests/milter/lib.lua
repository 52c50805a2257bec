-- lib.lua - helpers shared by the miltertest scripts of tests/milter.sh.
--
-- Globals from the command line (miltertest -D): sock (the milter's
-- socket), fixtures (this directory).  A script calls t.run(function ...)
-- so that a failure prints its reason: miltertest itself exits 1 silently
-- on a Lua error.

local t = {}

-- Stop the test with a reason.
function t.fail(fmt, ...)
	error(string.format(fmt, ...), 0)
end

function t.expect(cond, fmt, ...)
	if not cond then
		t.fail(fmt, ...)
	end
end

-- Run BODY; print the reason of a failure and exit 1.
function t.run(body)
	local ok, err = pcall(body)
	if not ok then
		mt.echo("FAIL: " .. tostring(err))
		os.exit(1)
	end
end

-- A new connection from client address IP (default: outside).
function t.connect(ip)
	local conn = mt.connect(sock, 40, 0.05)
	t.expect(conn ~= nil, "cannot connect to %s", sock)
	t.expect(mt.conninfo(conn, "client.example", ip or "192.0.2.1") == nil,
	         "conninfo failed")
	t.expect(mt.helo(conn, "client.example") == nil, "helo failed")
	return conn
end

-- The header fields and body of the message file NAME (in fixtures, or
-- an absolute path; LF or CRLF line ends): headers as {name, value} with
-- folding kept (LF line ends, as MTAs hand them over), the body with CRLF
-- line ends.  A value loses the one blank after the colon: miltertest
-- puts it back when the milter negotiated SMFIP_HDR_LEADSPC, as an MTA
-- would.
function t.read(name)
	local path = name:sub(1, 1) == "/" and name or fixtures .. "/" .. name
	local f = assert(io.open(path, "rb"))
	local text = f:read("*a"):gsub("\r\n", "\n")
	f:close()
	local head, body = text:match("^(.-)\n\n(.*)$")
	t.expect(head ~= nil, "%s: no header block", name)
	local hdrs = {}
	for line in (head .. "\n"):gmatch("(.-)\n") do
		if line:match("^[ \t]") then
			local h = hdrs[#hdrs]
			h[2] = h[2] .. "\n" .. line
		else
			local n, v = line:match("^([^:]+):(.*)$")
			t.expect(n ~= nil, "%s: bad header line %s", name, line)
			hdrs[#hdrs + 1] = {n, (v:gsub("^ ", ""))}
		end
	end
	return hdrs, (body:gsub("\r?\n", "\r\n"))
end

-- Send one message on CONN: envelope from OPT (from, rcpts, qid, auth),
-- then HDRS and BODY; returns the end-of-message reply.
function t.send(conn, hdrs, body, opt)
	opt = opt or {}
	if opt.auth then
		mt.macro(conn, SMFIC_MAIL, "i", opt.qid or "TESTQID",
		         "{auth_authen}", opt.auth)
	else
		mt.macro(conn, SMFIC_MAIL, "i", opt.qid or "TESTQID")
	end
	t.expect(mt.mailfrom(conn, opt.from or "<sender@outside.invalid>") == nil,
	         "mailfrom failed")
	for _, r in ipairs(opt.rcpts or {"<bob@example-corp.test>"}) do
		t.expect(mt.rcptto(conn, r) == nil, "rcptto failed")
	end
	for _, h in ipairs(hdrs) do
		t.expect(mt.header(conn, h[1], h[2]) == nil, "header %s failed",
		         h[1])
	end
	t.expect(mt.eoh(conn) == nil, "eoh failed")
	-- the milter protocol carries at most 64 KB a chunk
	local at = 1
	while at <= #body do
		t.expect(mt.bodystring(conn, body:sub(at, at + 59999)) == nil,
		         "body failed")
		at = at + 60000
	end
	t.expect(mt.eom(conn) == nil, "eom failed")
	return mt.getreply(conn)
end

-- Send the message file NAME on a new connection from IP; returns the
-- connection and the end-of-message reply.
function t.send_file(name, ip, opt)
	local conn = t.connect(ip)
	local hdrs, body = t.read(name)
	return conn, t.send(conn, hdrs, body, opt)
end

-- Our three headers were added, with these values when given.
function t.expect_verdict(conn, action, score)
	t.expect(mt.eom_check(conn, MT_HDRADD, "X-Emguard-Action", " " .. action),
	         "X-Emguard-Action %s not added (got %s)", action,
	         tostring(mt.getheader(conn, "X-Emguard-Action", 0)))
	t.expect(mt.eom_check(conn, MT_HDRADD, "X-Emguard-Score"),
	         "X-Emguard-Score not added")
	if score then
		t.expect(mt.eom_check(conn, MT_HDRADD, "X-Emguard-Score", " " .. score),
		         "X-Emguard-Score %s not added (got %s)", score,
		         tostring(mt.getheader(conn, "X-Emguard-Score", 0)))
	end
	t.expect(mt.eom_check(conn, MT_HDRADD, "X-Emguard-Symbols"),
	         "X-Emguard-Symbols not added")
end

-- The message was refused for now: 451 4.3.0 TEXT, no header added, not
-- held.
function t.expect_tempfail(conn, reply, text)
	t.expect(reply == SMFIR_REPLYCODE, "no tempfail reply: %s",
	         tostring(reply))
	t.expect(mt.eom_check(conn, MT_SMTPREPLY, "451", "4.3.0", text),
	         "no 451 4.3.0 %s", text)
	t.expect(not mt.eom_check(conn, MT_HDRADD), "headers added")
	t.expect(not mt.eom_check(conn, MT_QUARANTINE), "held")
end

return t

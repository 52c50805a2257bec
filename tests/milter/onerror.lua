-- onerror.lua - a message that cannot be scanned follows OnError.  MSG
-- (miltertest -D) is a message file, or "big" for 3 MB of random body that
-- no scan finishes within LimitScanTime 1ms; WANT is "tempfail" (451 4.3.0)
-- or "unscanned" (accepted with X-Emguard-Action: unscanned).
local t = dofile(fixtures .. "/lib.lua")
t.run(function()
	local conn = t.connect()
	local hdrs, body = t.read("clean.eml")
	if msg == "big" then
		local line = string.rep("0123456789abcdef", 4) .. "\r\n"
		body = string.rep(line, 3 * 1024 * 1024 // #line)
	end
	local reply = t.send(conn, hdrs, body, {from = "<hanako@partner.test>"})
	if want == "tempfail" then
		t.expect_tempfail(conn, reply,
		                  "Message could not be scanned, try again later")
	else
		t.expect(reply == SMFIR_CONTINUE, "not accepted: %s",
		         tostring(reply))
		t.expect(mt.eom_check(conn, MT_HDRADD, "X-Emguard-Action",
		                      " unscanned"),
		         "no X-Emguard-Action: unscanned")
	end
	mt.disconnect(conn)
end)

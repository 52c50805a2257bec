-- oversize.lua - a message past LimitMessageSize (and past
-- MilterBufferSize, so it went through the spill file) is still scanned
-- and gets an attach.unscannable finding; and an authenticated client's
-- message is logged as outbound (tests/milter.sh reads the log).
local t = dofile(fixtures .. "/lib.lua")
t.run(function()
	local conn = t.connect()
	local hdrs, body = t.read("clean.eml")
	body = string.rep("All work and no play.\r\n", 5000)
	local reply = t.send(conn, hdrs, body, {from = "<hanako@partner.test>",
	                                        qid = "OVERSIZE"})
	t.expect(reply == SMFIR_CONTINUE, "not accepted: %s", tostring(reply))
	local sym = mt.getheader(conn, "X-Emguard-Symbols", 0) or ""
	t.expect(sym:find("ATTACH_UNSCANNABLE", 1, true),
	         "no ATTACH_UNSCANNABLE in %s", sym)

	hdrs, body = t.read("clean.eml")
	t.send(conn, hdrs, body, {from = "<bob@example-corp.test>",
	                          auth = "bob", qid = "OUTBOUND",
	                          rcpts = {"<a@partner.test>", "<b@partner.test>"}})
	t.expect_verdict(conn, "accept")
	mt.disconnect(conn)
end)

-- abort.lua - a message aborted half-way leaves nothing behind: the next
-- message on the same connection is scanned on its own (the aborted one's
-- forged header is not removed from it, its bytes are not part of it).
local t = dofile(fixtures .. "/lib.lua")
t.run(function()
	local conn = t.connect()
	mt.macro(conn, SMFIC_MAIL, "i", "ABORTED")
	t.expect(mt.mailfrom(conn, "<x@attacker.invalid>") == nil, "mailfrom")
	t.expect(mt.rcptto(conn, "<bob@example-corp.test>") == nil, "rcptto")
	t.expect(mt.header(conn, "X-Emguard-Action", "accept") == nil, "header")
	t.expect(mt.header(conn, "From", "ceo@example-corp.test") == nil,
	         "header")
	t.expect(mt.eoh(conn) == nil, "eoh")
	t.expect(mt.bodystring(conn, "half a body\r\n") == nil, "body")
	t.expect(mt.abort(conn) == nil, "abort")

	local hdrs, body = t.read("clean.eml")
	local reply = t.send(conn, hdrs, body, {from = "<hanako@partner.test>"})
	t.expect(reply == SMFIR_CONTINUE, "not accepted: %s", tostring(reply))
	t.expect_verdict(conn, "accept", "0.00")
	t.expect(not mt.eom_check(conn, MT_HDRDELETE),
	         "a header of the aborted message was removed")
	mt.disconnect(conn)
end)

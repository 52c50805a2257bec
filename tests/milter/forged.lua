-- forged.lua - X-Emguard-* headers that arrive with a message (forged by
-- an attacker to look vetted) are removed, whatever their case, before
-- the milter adds its own.
local t = dofile(fixtures .. "/lib.lua")
t.run(function()
	local conn = t.connect()
	local hdrs, body = t.read("clean.eml")
	table.insert(hdrs, 1, {"X-Emguard-Action", "accept"})
	table.insert(hdrs, 2, {"X-Emguard-Score", "-100"})
	hdrs[#hdrs + 1] = {"x-emguard-action", "accept"}
	hdrs[#hdrs + 1] = {"X-Emguard-Symbols", "none"}
	local reply = t.send(conn, hdrs, body, {from = "<hanako@partner.test>"})
	t.expect(reply == SMFIR_CONTINUE, "not accepted: %s", tostring(reply))
	for _, name in ipairs({"X-Emguard-Action", "X-Emguard-Score",
	                       "X-Emguard-Symbols"}) do
		t.expect(mt.eom_check(conn, MT_HDRDELETE, name),
		         "forged %s not removed", name)
	end
	t.expect_verdict(conn, "accept", "0.00")
	mt.disconnect(conn)
end)

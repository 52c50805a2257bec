-- clean.lua - clean mail is accepted with X-Emguard-* headers added, and
-- nothing else changes.
local t = dofile(fixtures .. "/lib.lua")
t.run(function()
	local conn, reply = t.send_file("clean.eml", nil,
	                                {from = "<hanako@partner.test>"})
	t.expect(reply == SMFIR_CONTINUE or reply == SMFIR_ACCEPT,
	         "clean mail not accepted: %s", tostring(reply))
	t.expect_verdict(conn, "accept", "0.00")
	t.expect(mt.eom_check(conn, MT_HDRADD, "X-Emguard-Symbols", " none"),
	         "X-Emguard-Symbols is not none")
	t.expect(not mt.eom_check(conn, MT_HDRDELETE), "a header was removed")
	t.expect(not mt.eom_check(conn, MT_HDRCHANGE), "a header was changed")
	t.expect(not mt.eom_check(conn, MT_QUARANTINE), "quarantined")
	mt.disconnect(conn)
end)

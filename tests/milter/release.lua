-- release.lua - a message that comes back from the quarantine with its
-- release token.  MSG is the released message as the release sent it (an
-- absolute path), sent from <x@attacker.invalid> with queue id QID.
-- WANT "released": accepted whatever its score, X-Emguard-Action:
-- released, the release header kept; "invalid": the token does not hold
-- for this message (copied onto another one), the header is removed and
-- the message held as usual (run under QuarantineMode hold or both).
local t = dofile(fixtures .. "/lib.lua")
t.run(function()
	local conn = t.connect()
	local hdrs, body = t.read(msg)
	local reply = t.send(conn, hdrs, body, {from = "<x@attacker.invalid>",
	                                        qid = qid})
	t.expect(reply == SMFIR_CONTINUE, "not accepted: %s", tostring(reply))
	if want == "released" then
		t.expect_verdict(conn, "released")
		t.expect(not mt.eom_check(conn, MT_QUARANTINE), "held again")
		t.expect(not mt.eom_check(conn, MT_HDRDELETE,
		                          "X-Emguard-Released"),
		         "the valid release header was removed")
	else
		t.expect(mt.eom_check(conn, MT_QUARANTINE), "not held")
		t.expect_verdict(conn, "quarantine")
		t.expect(mt.eom_check(conn, MT_HDRDELETE, "X-Emguard-Released"),
		         "the release header was not removed")
	end
	mt.disconnect(conn)
end)

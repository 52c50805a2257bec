-- store.lua - a quarantine verdict under QuarantineMode store or both, and
-- when the store fails.  The spoofed sender (or MSG) from
-- <x@attacker.invalid> with queue id QID; BIG: that many lines of body
-- instead of its own; TOKEN: an X-Emguard-Released header to add first.
-- WANT says what must come back:
--   discard   stored, then SMFIR_DISCARD: no hold, no header changes
--   both      stored and held: MT_QUARANTINE and the verdict headers
--   hold      the store failed, QuarantineFallback hold: held as above
--   tempfail  the store failed, QuarantineFallback tempfail: 451 4.3.0
-- With TOKEN and a reply that keeps the message, the header is removed.
local t = dofile(fixtures .. "/lib.lua")
t.run(function()
	local conn = t.connect()
	local hdrs, body = t.read(msg or "spoof.eml")
	if big then
		body = string.rep("All work and no play.\r\n", tonumber(big))
	end
	if token then
		table.insert(hdrs, 1, {"X-Emguard-Released", token})
	end
	local reply = t.send(conn, hdrs, body, {from = "<x@attacker.invalid>",
	                                        qid = qid})
	if want == "discard" then
		t.expect(reply == SMFIR_DISCARD, "not discarded: %s",
		         tostring(reply))
		t.expect(not mt.eom_check(conn, MT_QUARANTINE), "also held")
		t.expect(not mt.eom_check(conn, MT_HDRADD), "headers added")
	elseif want == "tempfail" then
		t.expect_tempfail(conn, reply,
		                  "Message could not be quarantined, try again later")
	else -- both, hold
		t.expect(reply == SMFIR_CONTINUE, "not accepted for hold: %s",
		         tostring(reply))
		t.expect(mt.eom_check(conn, MT_QUARANTINE), "not held")
		t.expect_verdict(conn, "quarantine")
		if token then
			t.expect(mt.eom_check(conn, MT_HDRDELETE,
			                      "X-Emguard-Released"),
			         "the release header was not removed")
		end
	end
	mt.disconnect(conn)
end)

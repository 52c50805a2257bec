-- reject.lua - a message at or above ThresholdReject gets 550 5.7.1 with
-- RejectText and the short reasons, and no header changes.  MSG and REASONS
-- (miltertest -D) choose the message and the expected reasons.
local t = dofile(fixtures .. "/lib.lua")
t.run(function()
	local conn, reply = t.send_file(msg, "192.0.2.1",
	                                {from = "<x@attacker.invalid>"})
	t.expect(reply == SMFIR_REPLYCODE, "not rejected with a reply: %s",
	         tostring(reply))
	local text = "Message rejected by security policy (" .. reasons .. ")"
	t.expect(mt.eom_check(conn, MT_SMTPREPLY, "550", "5.7.1", text),
	         "no 550 5.7.1 %s", text)
	t.expect(not mt.eom_check(conn, MT_HDRADD), "headers added")
	t.expect(not mt.eom_check(conn, MT_QUARANTINE), "quarantined")
	mt.disconnect(conn)
end)

-- quarantine.lua - a spoofed sender (internal From from outside, free-mail
-- Reply-To) between ThresholdQuarantine and ThresholdReject is held in the
-- MTA's queue with a reason that names categories only.
local t = dofile(fixtures .. "/lib.lua")
t.run(function()
	local conn, reply = t.send_file("spoof.eml", "192.0.2.1",
	                                {from = "<x@attacker.invalid>"})
	t.expect(reply == SMFIR_CONTINUE, "not accepted for hold: %s",
	         tostring(reply))
	t.expect(mt.eom_check(conn, MT_QUARANTINE,
	                      "emguard score 11.50: spoofed sender"),
	         "not quarantined with the expected reason")
	t.expect_verdict(conn, "quarantine", "11.50")
	mt.disconnect(conn)
end)

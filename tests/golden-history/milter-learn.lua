-- milter-learn.lua - what emguard-milter learns (tests/history-cli.sh):
-- an outbound message from an internal client and an accepted inbound
-- one are recorded, a quarantined one is not.  Globals (miltertest -D):
-- sock, fixtures (the messages, LF line ends), lib (tests/milter/lib.lua).
local t = dofile(lib)
t.run(function()
	local conn, reply = t.send_file("milter-out.eml", "127.0.0.1",
	    {from = "<taro.yamada@example-corp.test>",
	     rcpts = {"<hanako.suzuki@partner.test>"}, qid = "HISTOUT"})
	t.expect(reply == SMFIR_CONTINUE or reply == SMFIR_ACCEPT,
	         "outbound mail not accepted: %s", tostring(reply))
	mt.disconnect(conn)
	conn, reply = t.send_file("milter-in.eml", "192.0.2.1",
	    {from = "<hanako.suzuki@partner.test>",
	     rcpts = {"<taro.yamada@example-corp.test>"}, qid = "HISTIN"})
	t.expect(reply == SMFIR_CONTINUE or reply == SMFIR_ACCEPT,
	         "inbound mail not accepted: %s", tostring(reply))
	t.expect_verdict(conn, "accept")
	mt.disconnect(conn)
	conn, reply = t.send_file("milter-spoof.eml", "192.0.2.1",
	    {from = "<x@attacker.invalid>", qid = "HISTSPOOF"})
	t.expect(mt.eom_check(conn, MT_QUARANTINE), "spoof not quarantined")
	mt.disconnect(conn)
end)

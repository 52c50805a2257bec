-- tag.lua - a tag-class message gets the Japanese SubjectTag as an RFC 2047
-- word in front of its folded ISO-2022-JP Subject, kept byte for byte; a
-- message without Subject gets one; a tagged Subject is not tagged again.
local t = dofile(fixtures .. "/lib.lua")
local ew_tag = "=?UTF-8?B?W+imgeazqOaEj10g?=" -- "[要注意] "
t.run(function()
	local conn, reply = t.send_file("tag.eml", "192.0.2.1",
	                                {from = "<hanako@partner.test>"})
	t.expect(reply == SMFIR_CONTINUE, "not accepted: %s", tostring(reply))
	t.expect_verdict(conn, "tag", "4.00")
	local want = " " .. ew_tag ..
	             " =?ISO-2022-JP?B?GyRCQEE1YT1xJE43bxsoQg==?=\n" ..
	             " =?ISO-2022-JP?B?GyRCJWEhPCVrGyhC?="
	t.expect(mt.eom_check(conn, MT_HDRCHANGE, "Subject", want),
	         "Subject not tagged as expected")

	-- no Subject at all: the tag becomes the Subject
	local hdrs, body = t.read("tag-nosubject.eml")
	t.send(conn, hdrs, body, {from = "<hanako@partner.test>"})
	t.expect(mt.eom_check(conn, MT_HDRADD, "Subject",
	                      " =?UTF-8?B?W+imgeazqOaEj10=?="),
	         "no tagged Subject added")

	-- already tagged: left alone
	hdrs, body = t.read("tag.eml")
	for _, h in ipairs(hdrs) do
		if h[1] == "Subject" then
			h[2] = ew_tag .. " " .. h[2]
		end
	end
	t.send(conn, hdrs, body, {from = "<hanako@partner.test>"})
	t.expect_verdict(conn, "tag")
	t.expect(not mt.eom_check(conn, MT_HDRCHANGE, "Subject"),
	         "Subject tagged twice")
	mt.disconnect(conn)
end)

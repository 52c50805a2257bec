#!/usr/bin/env python3
"""gen-history.py - the mail of tests/history-cli.sh, written into OUTDIR.

A small organisation (example-corp.test) writes to a partner
(partner.test); every address is under .test or .invalid.  Written:

  sent/            a Sent Maildir (cur/ and new/): 6 messages we sent, one
                   without Message-ID, one dated 500 days back (pruned at
                   the default retention), one with a Re: subject
  sent.mbox        the same organisation's older Sent mbox: 3 messages,
                   one of them also in sent/ (the same Message-ID)
  inbox.mbox       2 replies from the partner (--inbound), one inside a
                   thread we started (In-Reply-To and References)
  reply-genuine.eml  the partner answering our quote request from the
                   address we wrote to, inside the known thread
  reply-stolen.eml   Emotet's kind: the same thread, stolen from the
                   partner's mailbox, answered from another domain under
                   the partner's display name, quoting our message
  milter-*.eml     for the milter (LF line ends, as tests/milter/lib.lua
                   reads them): an outbound message, an inbound one that is
                   accepted, a spoofed one that is quarantined

Dates are relative to now, so that pruning by age is predictable; nothing
else in the output depends on the clock.  Usage: gen-history.py OUTDIR
"""

import os
import sys
import time
from email.utils import formatdate

DAY = 86400
NOW = time.time()


def date(days_ago):
    return formatdate(NOW - days_ago * DAY, localtime=False)


def message(headers, body):
    """One message as bytes, CRLF line ends (as on the wire)."""
    lines = ["%s: %s" % (k, v) for k, v in headers if v is not None]
    text = "\r\n".join(lines) + "\r\n\r\n" + body.replace("\n", "\r\n")
    return text.encode("utf-8")


def sent(mid, to, subject, days_ago, cc=None, refs=None):
    return message(
        [
            ("From", "Taro Yamada <taro.yamada@example-corp.test>"),
            ("To", to),
            ("Cc", cc),
            ("Subject", subject),
            ("Date", date(days_ago)),
            ("Message-ID", mid and "<%s>" % mid),
            ("In-Reply-To", refs and "<%s>" % refs[-1]),
            ("References", refs and " ".join("<%s>" % r for r in refs)),
            ("MIME-Version", "1.0"),
            ("Content-Type", "text/plain; charset=UTF-8"),
        ],
        "お世話になっております。\n山田です。\n",
    )


PARTNER = "Hanako Suzuki <hanako.suzuki@partner.test>"
SENT = [
    ("quote-1@example-corp.test", PARTNER, "お見積りのお願い", 3, None),
    ("order-2@example-corp.test", PARTNER, "注文書の送付", 10,
     "Jiro Sato <jiro.sato@partner.test>"),
    ("meeting-3@example-corp.test", "ichiro@customer.test",
     "打ち合わせの日程", 20, None),
    ("reply-4@example-corp.test", "ichiro@customer.test",
     "Re: 打ち合わせの日程", 19, None),
    (None, "ichiro@customer.test", "no message-id", 5, None),
    ("old-5@example-corp.test", PARTNER, "昨年のご案内", 500, None),
]
MBOX_SENT = [
    ("quote-1@example-corp.test", PARTNER, "お見積りのお願い", 3),
    ("archive-6@example-corp.test", PARTNER, "資料の送付", 60),
    ("archive-7@example-corp.test", "ichiro@customer.test", "御礼", 90),
]


def mbox(msgs):
    out = b""
    for m in msgs:
        out += b"From MAILER-DAEMON Thu Jan  1 00:00:00 2025\n"
        out += m.replace(b"\r\n", b"\n") + b"\n"
    return out


def lf(data):
    return data.replace(b"\r\n", b"\n")


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def reply(mid, from_, subject, refs, quote):
    return message(
        [
            ("From", from_),
            ("To", "Taro Yamada <taro.yamada@example-corp.test>"),
            ("Subject", subject),
            ("Date", date(1)),
            ("Message-ID", "<%s>" % mid),
            ("In-Reply-To", "<%s>" % refs[-1]),
            ("References", " ".join("<%s>" % r for r in refs)),
            ("MIME-Version", "1.0"),
            ("Content-Type", "text/plain; charset=UTF-8"),
        ],
        "山田様\n\nお見積りを添付いたします。\n\n" + quote,
    )


QUOTE_OURS = (
    "-----Original Message-----\n"
    "From: Taro Yamada <taro.yamada@example-corp.test>\n"
    "Sent: Monday, March 3, 2025 10:00 AM\n"
    "To: Hanako Suzuki <hanako.suzuki@partner.test>\n"
    "Subject: お見積りのお願い\n\n"
    "お見積りをお願いいたします。\n"
)
def main():
    if len(sys.argv) != 2:
        sys.exit("usage: gen-history.py OUTDIR")
    out = sys.argv[1]
    for sub in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(out, "sent", sub), exist_ok=True)
    for i, (mid, to, subj, ago, cc) in enumerate(SENT):
        refs = ["meeting-3@example-corp.test"] if subj.startswith("Re:") \
            else None
        box = "new" if i == 0 else "cur"
        name = "17000000%02d.M%dP1.host%s" % (i, i, ":2,S" if box == "cur"
                                               else "")
        write(os.path.join(out, "sent", box, name),
              sent(mid, to, subj, ago, cc, refs))
    write(os.path.join(out, "sent.mbox"),
          mbox([sent(m, t, s, a) for m, t, s, a in MBOX_SENT]))
    write(os.path.join(out, "inbox.mbox"), mbox([
        reply("p-100@partner.test", PARTNER, "Re: お見積りのお願い",
              ["quote-1@example-corp.test"], QUOTE_OURS),
        message([("From", "Jiro Sato <jiro.sato@partner.test>"),
                 ("To", "taro.yamada@example-corp.test"),
                 ("Subject", "ご挨拶"), ("Date", date(2)),
                 ("Message-ID", "<p-101@partner.test>")],
                "はじめまして。\n"),
    ]))
    write(os.path.join(out, "milter-out.eml"), lf(
        sent("m-out@example-corp.test", PARTNER, "Re: 納期の件", 0,
             refs=["p-100@partner.test"])))
    write(os.path.join(out, "milter-in.eml"), lf(message(
        [("From", PARTNER), ("To", "taro.yamada@example-corp.test"),
         ("Subject", "納期の件"), ("Date", date(0)),
         ("Message-ID", "<m-in@partner.test>")], "承知しました。\n")))
    write(os.path.join(out, "milter-spoof.eml"), lf(message(
        [("From", "Taro Yamada <taro.yamada@example-corp.test>"),
         ("Reply-To", "taro.yamada.private@freemail.test"),
         ("To", "bob@example-corp.test"), ("Subject", "urgent payment"),
         ("Date", date(0)), ("Message-ID", "<m-spoof@attacker.invalid>")],
        "Please transfer today.\n")))
    write(os.path.join(out, "reply-genuine.eml"),
          reply("p-200@partner.test", PARTNER, "RE: お見積りのお願い",
                ["quote-1@example-corp.test", "p-100@partner.test"],
                QUOTE_OURS))
    write(os.path.join(out, "reply-stolen.eml"),
          reply("x-300@mailer.invalid",
                "Hanako Suzuki <hanako.suzuki@mailer.invalid>",
                "RE: お見積りのお願い",
                ["quote-1@example-corp.test", "p-100@partner.test"],
                QUOTE_OURS))


if __name__ == "__main__":
    main()

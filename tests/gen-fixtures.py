#!/usr/bin/env python3
"""gen-fixtures.py - write the golden-test fixtures of emguard scan.

usage: gen-fixtures.py OUTDIR

Writes one inert .eml file per fixture into OUTDIR and OUTDIR/expect.tsv.
Each fixture is declared below with the symbols it MUST produce and those it
must NOT produce under tests/golden/emguard-test.conf (a trailing * in a
must-not entry matches a prefix, e.g. SPOOF_*).  expect.tsv columns:

    file  must  must_not  action  args

must / must_not are comma-separated ("-" for none); action is the verdict
the fixture must get ("-" when the test does not care, e.g. for attacks whose
total depends on tuned scores); args are extra `emguard scan` options,
space-separated ("-" for none), for the few envelope facts a header cannot
carry (an authenticated submission).

Everything is deterministic: fixed dates, boundaries and Message-IDs, no
randomness, no clock.  Only .test / .invalid / example.* domains and the
documentation networks 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24 (plus
10.0.0.0/8 for the inside) appear; attachments are inert stubs.  Every
message carries its envelope in its headers: Return-Path, Delivered-To and
a Received line from the client into mx.example-corp.test, which is the
boundary emguard derives the client address from.

Python 3 standard library only.
"""

import base64
import os
import sys

# ---- symbol names (as declared in lib/sender.c, lookalike.c, authres.c) ----
DN_ADDR = "SPOOF_DISPLAY_NAME_ADDR"
DN_KNOWN = "SPOOF_DISPLAY_NAME_KNOWN"
ENV_MISMATCH = "SPOOF_ENVELOPE_MISMATCH"
RT_DOMAIN = "SPOOF_REPLY_TO_DOMAIN"
RT_FREEMAIL = "SPOOF_REPLY_TO_FREEMAIL"
RT_NEWSLETTER = "SPOOF_REPLY_TO_NEWSLETTER"
INTERNAL_OUTSIDE = "SPOOF_INTERNAL_FROM_OUTSIDE"
LOOKALIKE = "SPOOF_LOOKALIKE_DOMAIN"
LOOKALIKE_RT = "SPOOF_LOOKALIKE_REPLY_TO"
LOOKALIKE_ENV = "SPOOF_LOOKALIKE_ENVELOPE"
ANY_LOOKALIKE = "SPOOF_LOOKALIKE_*"
AR_FORGED = "SPOOF_AUTHRES_FORGED"
SPF_FAIL = "SPOOF_AUTH_SPF_FAIL"
SPF_SOFTFAIL = "SPOOF_AUTH_SPF_SOFTFAIL"
DKIM_FAIL = "SPOOF_AUTH_DKIM_FAIL"
DMARC_FAIL = "SPOOF_AUTH_DMARC_FAIL"
ANY_SPOOF = "SPOOF_*"
ANY_AUTH = "SPOOF_AUTH_*"
ANY_REPLY_TO = "SPOOF_REPLY_TO_*"

MX = "mx.example-corp.test"
RCPT = "yamada@example-corp.test"
BASE_DAY = "Mon, 15 Jan 2024"

FIXTURES = []


def fixture(must=(), must_not=(), action="-", args=()):
    """Register the decorated function as fixture NAME (its name, with _
    turned into -); the function's docstring says what it is about."""

    def register(fn):
        FIXTURES.append({
            "name": fn.__name__.replace("_", "-"),
            "build": fn,
            "must": list(must),
            "must_not": list(must_not),
            "action": action,
            "args": list(args),
        })
        return fn

    return register


# ---- encoding helpers ------------------------------------------------------

def ew(text, charset="UTF-8"):
    """One RFC 2047 B encoded-word of TEXT in CHARSET."""
    codec = {"ISO-2022-JP": "iso2022_jp", "Shift_JIS": "shift_jis",
             "UTF-8": "utf-8"}[charset]
    raw = text.encode(codec)
    return "=?%s?B?%s?=" % (charset, base64.b64encode(raw).decode("ascii"))


def ew_split_bytes(text, cut):
    """TEXT as two UTF-8 B encoded-words split after byte CUT, i.e. in the
    middle of a character (seen from real clients; decoders must join)."""
    raw = text.encode("utf-8")
    a, b = raw[:cut], raw[cut:]
    return "=?UTF-8?B?%s?=\n =?UTF-8?B?%s?=" % (
        base64.b64encode(a).decode("ascii"), base64.b64encode(b).decode("ascii"))


def b64_lines(data, width=76):
    enc = base64.b64encode(data).decode("ascii")
    return "\n".join(enc[i:i + width] for i in range(0, len(enc), width)) + "\n"


def date(n):
    """A fixed Date value, N minutes after 10:00 JST on BASE_DAY."""
    return "%s %02d:%02d:00 +0900" % (BASE_DAY, 10 + n // 60, n % 60)


def received(ip, helo, n, rdns=None, by=MX, extra=""):
    """A Postfix-style Received line from client IP into BY."""
    return ("from %s (%s [%s])%s\n\tby %s (Postfix) with ESMTPS id 4TF%04dX\n"
            "\tfor <%s>; %s" % (helo, rdns or helo, ip, extra, by, n, RCPT, date(n)))


def mail(n, from_, subject, body, *, to="山田太郎 <%s>" % RCPT, rp=None,
         ip="192.0.2.10", helo=None, top=(), below=(), extra=(),
         ctype="text/plain; charset=UTF-8", cte="7bit", msgid=None,
         eol="\n"):
    """Assemble one message.

    FROM_/TO/SUBJECT are header values (str, ASCII unless a raw 8-bit
    header is wanted, then bytes).  RP is the Return-Path address (default:
    the From address).  IP/HELO describe the client the boundary Received
    line names.  TOP headers go above that line (added by our MX, e.g. its
    Authentication-Results); BELOW headers come under it (they arrived with
    the message, from outside).  EXTRA headers follow the usual ones.  BODY
    is str (encoded as UTF-8) or bytes."""
    addr = from_ if isinstance(from_, str) else from_.decode("latin-1")
    if "<" in addr:
        addr = addr[addr.rindex("<") + 1:addr.rindex(">")]
    if rp is None:
        rp = addr
    if helo is None:
        helo = "mail." + addr.split("@")[-1] if "@" in addr else "unknown"
    hdrs = [("Return-Path", "<%s>" % rp), ("Delivered-To", RCPT)]
    hdrs += list(top)
    hdrs.append(("Received", received(ip, helo, n)))
    hdrs += list(below)
    hdrs += [
        ("From", from_),
        ("To", to if not isinstance(to, str) or to.isascii() else
            "%s <%s>" % (ew("山田太郎", "ISO-2022-JP"), RCPT)),
        ("Subject", subject),
        ("Date", date(n)),
        ("Message-ID", msgid or "<fixture-%04d@%s>" % (
            n, addr.split("@")[-1] if "@" in addr else "unknown.invalid")),
        ("MIME-Version", "1.0"),
    ]
    if ctype:
        hdrs.append(("Content-Type", ctype))
    if cte:
        hdrs.append(("Content-Transfer-Encoding", cte))
    hdrs += list(extra)
    out = bytearray()
    for name, value in hdrs:
        if isinstance(value, str):
            value = value.encode("ascii")
        out += name.encode("ascii") + b": " + value + b"\n"
    out += b"\n"
    out += body.encode("utf-8") if isinstance(body, str) else body
    if not out.endswith(b"\n"):
        out += b"\n"
    if eol != "\n":
        out = out.replace(b"\n", eol.encode("ascii"))
    return bytes(out)


def ar(authserv, spf="pass", dkim="pass", dmarc="pass", domain="partner.test"):
    """An Authentication-Results value (RFC 8601) from AUTHSERV."""
    return ("%s;\n\tspf=%s smtp.mailfrom=%s;\n\tdkim=%s header.d=%s header.s=sel1;"
            "\n\tdmarc=%s (p=reject dis=none) header.from=%s"
            % (authserv, spf, domain, dkim, domain, dmarc, domain))


PLAIN = ("山田様\n\nいつもお世話になっております。\n"
         "来週の打ち合わせの件、よろしくお願いいたします。\n\n"
         "株式会社パートナー 営業部\n")

# ---- spoof.display_name ---------------------------------------------------


@fixture(must=[DN_ADDR], must_not=[ANY_LOOKALIKE, INTERNAL_OUTSIDE])
def dn_addr_ascii(n=1):
    """The display name is another (internal) address; the real one is a
    stranger's."""
    return mail(n, '"ceo@example-corp.test" <ceo.office@evil.invalid>',
                "Urgent: wire transfer today", "Please handle the transfer.\n",
                ip="203.0.113.45")


@fixture(must=[DN_ADDR], must_not=[ANY_LOOKALIKE, INTERNAL_OUTSIDE])
def dn_addr_fullwidth_at(n=2):
    """The display name holds an address with a full-width at sign
    (＠, U+FF20), which NFKC turns into @."""
    return mail(n, "%s <billing@evil.invalid>" % ew("経理部 keiri＠example-corp.test"),
                "%s" % ew("請求書のご確認"), "請求書をご確認ください。\n",
                ip="203.0.113.46", ctype="text/plain; charset=UTF-8", cte="8bit")


@fixture(must=[DN_ADDR], must_not=[ANY_LOOKALIKE, INTERNAL_OUTSIDE])
def dn_addr_kagikakko(n=3):
    """The display name holds an address inside Japanese brackets 「」."""
    return mail(n, "%s <yamada-t@evil.invalid>" % ew("山田「yamada@partner.test」", "ISO-2022-JP"),
                ew("お見積りの件", "ISO-2022-JP"), "見積書を送付します。\n".encode("iso2022_jp"),
                ip="203.0.113.47", ctype="text/plain; charset=ISO-2022-JP")


@fixture(must_not=[ANY_SPOOF, ANY_AUTH], action="accept")
def dn_addr_same(n=4):
    """Negative: the display name is the sender's own address."""
    return mail(n, '"sato@partner.test" <sato@partner.test>', "Meeting notes",
                "Notes attached below.\n", ip="192.0.2.11",
                top=[("Authentication-Results", ar(MX))])


@fixture(must=[DN_KNOWN], must_not=[DN_ADDR, INTERNAL_OUTSIDE])
def dn_known_name_outside(n=5):
    """The display name is a KnownNames person (山田太郎, ISO-2022-JP) but
    the address is a free-mail one outside the company."""
    return mail(n, "%s <taro.yamada.1970@freemail.test>" % ew("山田太郎", "ISO-2022-JP"),
                ew("至急ご確認ください", "ISO-2022-JP"),
                "添付の資料を至急ご確認ください。\n".encode("iso2022_jp"),
                ip="198.51.100.23", ctype="text/plain; charset=ISO-2022-JP")


@fixture(must_not=[ANY_SPOOF, ANY_AUTH], action="accept")
def dn_known_name_inside(n=6):
    """Negative: 山田太郎 writes from his own internal address, submitted
    from the internal network 10.0.0.0/8."""
    return mail(n, "%s <yamada@example-corp.test>" % ew("山田太郎", "ISO-2022-JP"),
                ew("会議室の予約", "ISO-2022-JP"),
                "会議室を予約しました。\n".encode("iso2022_jp"),
                to="sato@partner.test", ip="10.0.3.15", helo="pc-yamada.example-corp.test",
                ctype="text/plain; charset=ISO-2022-JP")


# ---- spoof.envelope_mismatch ---------------------------------------------


@fixture(must=[ENV_MISMATCH], must_not=[ANY_LOOKALIKE, DN_ADDR, DN_KNOWN])
def env_mismatch(n=7):
    """From says partner.test, the envelope sender is an unrelated domain."""
    return mail(n, "Partner Billing <billing@partner.test>", "Invoice 2024-01",
                "Please find the invoice details below.\n",
                rp="bounce-77@bulk-sender.invalid", ip="203.0.113.80",
                helo="smtp.bulk-sender.invalid")


@fixture(must_not=[ENV_MISMATCH, ANY_REPLY_TO], action="accept")
def env_mailing_list(n=8):
    """Negative: a mailing list re-sends a partner's post with its own
    envelope sender (List-Id, List-Post, Sender)."""
    return mail(n, "Sato Hanako <sato@partner.test>", "[dev-ml:0123] release schedule",
                "The release is planned for Friday.\n",
                rp="dev-ml-bounces@lists.example.org", ip="198.51.100.7",
                helo="lists.example.org",
                extra=[("Sender", "dev-ml-bounces@lists.example.org"),
                       ("List-Id", "Developers <dev-ml.lists.example.org>"),
                       ("List-Post", "<mailto:dev-ml@lists.example.org>"),
                       ("List-Unsubscribe", "<mailto:dev-ml-request@lists.example.org?subject=unsubscribe>")])


@fixture(must_not=[ENV_MISMATCH], action="accept")
def env_forwarder(n=9):
    """Negative: a configured forwarder (forwarder.test, SRS envelope)
    relays a partner's mail."""
    return mail(n, "Sato Hanako <sato@partner.test>", "Forwarded: schedule",
                "See you on Monday.\n",
                rp="SRS0=ab12=QX=partner.test=sato@forwarder.test", ip="198.51.100.9",
                helo="relay.forwarder.test")


@fixture(must_not=[ENV_MISMATCH], action="accept")
def env_same_org(n=10):
    """Negative: the envelope sender is a subdomain of the From domain
    (same organisational domain)."""
    return mail(n, "Partner News <info@partner.test>", "Office move",
                "Our office moves next month.\n",
                rp="bounces+123@mail.partner.test", ip="192.0.2.12")


# ---- spoof.reply_to -------------------------------------------------------


@fixture(must=[RT_FREEMAIL], must_not=[RT_NEWSLETTER, ANY_LOOKALIKE])
def replyto_freemail(n=11):
    """Business From, but replies go to a free-mail address."""
    return mail(n, "Sato Hanako <sato@partner.test>", "Change of bank account",
                "Please reply to confirm the new account.\n", ip="203.0.113.90",
                extra=[("Reply-To", "sato.partner@freemail.test")])


@fixture(must=[RT_DOMAIN], must_not=[RT_FREEMAIL, RT_NEWSLETTER, ANY_LOOKALIKE])
def replyto_other_domain(n=12):
    """Replies go to an unrelated business domain."""
    return mail(n, "Sato Hanako <sato@partner.test>", "Quotation request",
                "Please send the quotation to our agent.\n", ip="203.0.113.91",
                extra=[("Reply-To", "agent@other-biz.test")])


@fixture(must=[RT_NEWSLETTER], must_not=[RT_FREEMAIL, ENV_MISMATCH])
def replyto_newsletter(n=13):
    """A newsletter (List-Unsubscribe) whose Reply-To is its vendor's help
    desk: scored low."""
    return mail(n, "Shop News <news@shop.test>", "January sale",
                "Sale starts today.\n", ip="198.51.100.30",
                extra=[("Reply-To", "support@helpdesk-vendor.test"),
                       ("List-Unsubscribe", "<https://shop.test/unsubscribe?u=1>"),
                       ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")])


@fixture(must_not=[ANY_SPOOF], action="accept")
def replyto_same_org(n=14):
    """Negative: Reply-To is a subdomain of the From domain."""
    return mail(n, "Sato Hanako <sato@partner.test>", "Support ticket 4711",
                "Reply to this mail to update the ticket.\n", ip="192.0.2.13",
                extra=[("Reply-To", "support@help.partner.test")])


# ---- spoof.lookalike_domain -----------------------------------------------


@fixture(must=[LOOKALIKE, LOOKALIKE_ENV], must_not=[DN_ADDR, ENV_MISMATCH])
def lookalike_hyphen(n=15):
    """part-ner.test: a hyphen inserted into the protected partner.test."""
    return mail(n, "Sato Hanako <sato@part-ner.test>", "Invoice",
                "Invoice attached.\n", ip="203.0.113.101")


@fixture(must=[LOOKALIKE, LOOKALIKE_ENV], must_not=[DN_ADDR, ENV_MISMATCH])
def lookalike_typo(n=16):
    """partnre.test: two letters swapped (Damerau-Levenshtein 1)."""
    return mail(n, "Sato Hanako <sato@partnre.test>", "Invoice",
                "Invoice attached.\n", ip="203.0.113.102")


@fixture(must=[LOOKALIKE, LOOKALIKE_ENV], must_not=[DN_ADDR, ENV_MISMATCH])
def lookalike_rn_m(n=17):
    """exarnple-corp.test: rn for m in the internal example-corp.test."""
    return mail(n, "IT Support <helpdesk@exarnple-corp.test>", "Password expiry",
                "Your password expires today.\n", ip="203.0.113.103")


@fixture(must=[LOOKALIKE, LOOKALIKE_ENV], must_not=[DN_ADDR, ENV_MISMATCH])
def lookalike_digit(n=18):
    """examp1e-c0rp.test: 1 for l and 0 for o in the internal domain."""
    return mail(n, "Soumu <soumu@examp1e-c0rp.test>", "Year-end adjustment",
                "Please submit the form.\n", ip="203.0.113.104")


@fixture(must=[LOOKALIKE, LOOKALIKE_ENV], must_not=[DN_ADDR, ENV_MISMATCH])
def lookalike_idn(n=19):
    """xn--prtner-3nf.test: IDN homograph, Cyrillic а in partner.test."""
    dom = "pаrtner".encode("idna").decode("ascii") + ".test"
    return mail(n, "Sato Hanako <sato@%s>" % dom, "Invoice",
                "Invoice attached.\n", ip="203.0.113.105")


@fixture(must=[LOOKALIKE, LOOKALIKE_ENV], must_not=[DN_ADDR, ENV_MISMATCH])
def lookalike_suffix(n=20):
    """partner.invalid: the protected name under another suffix."""
    return mail(n, "Sato Hanako <sato@partner.invalid>", "Invoice",
                "Invoice attached.\n", ip="203.0.113.106")


@fixture(must=[LOOKALIKE_RT], must_not=[LOOKALIKE])
def lookalike_reply_to(n=21):
    """The From is a stranger, the Reply-To a look-alike of partner.test."""
    return mail(n, "Sato Hanako <sato@newsletter-tool.test>", "Invoice",
                "Reply with your approval.\n", ip="203.0.113.107",
                extra=[("Reply-To", "sato@partnerr.test")])


@fixture(must_not=[ANY_SPOOF], action="accept")
def lookalike_real_domain(n=22):
    """Negative: the protected domain itself."""
    return mail(n, "Sato Hanako <sato@partner.test>", "Invoice",
                "Invoice attached.\n", ip="192.0.2.14",
                top=[("Authentication-Results", ar(MX))])


@fixture(must_not=[ANY_SPOOF], action="accept")
def lookalike_subdomain(n=23):
    """Negative: a subdomain of the protected domain."""
    return mail(n, "Sato Hanako <sato@mail.partner.test>", "Invoice",
                "Invoice attached.\n", ip="192.0.2.15")


# ---- spoof.internal_from_outside ------------------------------------------


@fixture(must=[INTERNAL_OUTSIDE], must_not=[ANY_LOOKALIKE, ENV_MISMATCH])
def internal_from_outside(n=24):
    """From an internal address, but the client is on the Internet and not
    authenticated."""
    return mail(n, "Soumu-bu <soumu@example-corp.test>", "Bonus statement",
                "Open the statement.\n", ip="203.0.113.120", helo="example-corp.test")


@fixture(must_not=[INTERNAL_OUTSIDE], action="accept",
         args=["--auth-user", "yamada", "--client-ip", "192.0.2.60"])
def internal_authenticated(n=25):
    """Negative: an internal user submits from home, authenticated (the
    envelope gives --auth-user, as the milter would)."""
    return mail(n, "Yamada Taro <yamada@example-corp.test>", "Report",
                "Report attached.\n", to="sato@partner.test", ip="192.0.2.60",
                helo="home-pc")


@fixture(must_not=[ANY_SPOOF], action="accept")
def internal_client(n=26):
    """Negative: an internal user sends from the internal network."""
    return mail(n, "Yamada Taro <yamada@example-corp.test>", "Lunch",
                "12:30 at the usual place.\n", to="suzuki@example-corp.test",
                ip="10.0.8.20", helo="pc-yamada.example-corp.test")


# ---- spoof.auth_fail -------------------------------------------------------


@fixture(must=[SPF_FAIL, DKIM_FAIL, DMARC_FAIL], must_not=[AR_FORGED])
def authres_fail_trusted(n=27):
    """Our MX (trusted authserv-id) says SPF, DKIM and DMARC fail."""
    return mail(n, "Sato Hanako <sato@partner.test>", "Payment",
                "Payment details changed.\n", ip="203.0.113.130",
                helo="unknown.invalid",
                top=[("Authentication-Results",
                      ar(MX, spf="fail", dkim="fail", dmarc="fail"))])


@fixture(must=[SPF_SOFTFAIL], must_not=[SPF_FAIL, DKIM_FAIL, DMARC_FAIL, AR_FORGED])
def authres_softfail_dkim_one_pass(n=40):
    """Our MX says SPF softfail; of two DKIM signatures one fails and one
    passes, so DKIM as a whole is not a failure; DMARC passes."""
    return mail(n, "Sato Hanako <sato@partner.test>", "Payment",
                "Payment details attached.\n", ip="198.51.100.140",
                top=[("Authentication-Results",
                      "%s;\n\tspf=softfail smtp.mailfrom=partner.test;\n"
                      "\tdkim=fail (body hash did not verify) header.d=esp.test header.s=s1;\n"
                      "\tdkim=pass header.d=partner.test header.s=sel1;\n"
                      "\tdmarc=pass (p=reject dis=none) header.from=partner.test" % MX)])


@fixture(must_not=[ANY_AUTH, AR_FORGED])
def authres_untrusted(n=28):
    """Authentication-Results from an authserv-id we do not trust: ignored
    whatever it says."""
    return mail(n, "Sato Hanako <sato@partner.test>", "Payment",
                "Payment details changed.\n", ip="198.51.100.131",
                top=[("Authentication-Results",
                      ar("mx.other-provider.test", spf="fail", dkim="fail", dmarc="fail"))])


@fixture(must=[AR_FORGED], must_not=[ANY_AUTH])
def authres_forged_below(n=29):
    """Our MX puts its Authentication-Results above its Received line; a
    second one claiming our authserv-id right below that line (a sender
    talking straight to our MX) came with the message: forged."""
    return mail(n, "Sato Hanako <sato@partner.test>", "Payment",
                "Payment details changed.\n", ip="203.0.113.132",
                helo="mta.evil.invalid",
                top=[("Authentication-Results", "%s; spf=none smtp.mailfrom=partner.test" % MX)],
                below=[("Authentication-Results", ar(MX)),
                       ("Received", "from pc (unknown [203.0.113.200])\n\tby mta.evil.invalid;"
                        " %s" % date(n - 1))])


@fixture(must=[AR_FORGED], must_not=[ANY_AUTH])
def authres_forged_deep(n=41):
    """A passing Authentication-Results claiming our authserv-id sits below
    the sender's own Received line: it can only have come with the message,
    even though our MX added no header of its own."""
    return mail(n, "Sato Hanako <sato@partner.test>", "Payment",
                "Payment details changed.\n", ip="203.0.113.133",
                helo="mta.evil.invalid",
                below=[("Received", "from pc (unknown [203.0.113.201])\n\tby mta.evil.invalid;"
                        " %s" % date(n - 1)),
                       ("Authentication-Results", ar(MX))])


@fixture(must=[DMARC_FAIL], must_not=[AR_FORGED, SPF_FAIL, DKIM_FAIL])
def authres_milter_inserted(n=42):
    """Our milter (OpenDMARC style, smfi_insheader index 1) put its
    Authentication-Results right below our Received line; it is ours and
    says DMARC fail."""
    return mail(n, "Sato Hanako <sato@partner.test>", "Payment",
                "Payment details changed.\n", ip="203.0.113.134",
                helo="mta.evil.invalid",
                below=[("Authentication-Results",
                        ar(MX, spf="pass", dkim="none", dmarc="fail",
                           domain="partner.test").replace(
                            "smtp.mailfrom=partner.test", "smtp.mailfrom=mta.evil.invalid"))])


@fixture(must_not=[ANY_AUTH, ANY_SPOOF], action="accept")
def authres_pass_trusted(n=30):
    """Negative: our MX says everything passes; an internal re-injection
    hop (127.0.0.1) sits above the boundary line."""
    return mail(n, "Sato Hanako <sato@partner.test>", "Payment",
                "Thank you for the payment.\n", ip="192.0.2.16",
                top=[("Received", "from localhost (localhost [127.0.0.1])\n\tby %s"
                      " (Postfix) with ESMTP id 4TF0030Y; %s" % (MX, date(n))),
                     ("Authentication-Results", ar(MX))])


# ---- Japanese messages ----------------------------------------------------


@fixture(must_not=[ANY_SPOOF, ANY_AUTH], action="accept")
def ja_iso2022jp(n=31):
    """Clean Japanese business mail: RFC 2047 ISO-2022-JP subject and
    display name, 7bit ISO-2022-JP body."""
    return mail(n, "%s <sato@partner.test>" % ew("佐藤花子", "ISO-2022-JP"),
                ew("【ご案内】新製品説明会の開催について", "ISO-2022-JP"),
                PLAIN.encode("iso2022_jp"), ip="192.0.2.17",
                ctype="text/plain; charset=ISO-2022-JP",
                top=[("Authentication-Results", ar(MX))])


@fixture(must_not=[ANY_SPOOF, ANY_AUTH], action="accept")
def ja_shift_jis(n=32):
    """Clean Japanese mail: RFC 2047 Shift_JIS subject and display name,
    8bit Shift_JIS body."""
    return mail(n, "%s <sato@partner.test>" % ew("佐藤花子", "Shift_JIS"),
                ew("納品書送付のお知らせ（１月分）", "Shift_JIS"),
                PLAIN.encode("shift_jis"), ip="192.0.2.18",
                ctype="text/plain; charset=Shift_JIS", cte="8bit",
                top=[("Authentication-Results", ar(MX))])


@fixture(must=[DN_KNOWN], must_not=[DN_ADDR])
def ja_sjis_raw_headers(n=33):
    """Raw 8-bit Shift_JIS in the From display name and the Subject (no
    RFC 2047); the name is KnownNames' 山田太郎 and the address a stranger's."""
    frm = "山田太郎".encode("shift_jis") + b" <yamada.taro@freemail.test>"
    subj = "【重要】請求書の件".encode("shift_jis")
    return mail(n, frm, subj, "ご確認ください。\n".encode("shift_jis"),
                ip="198.51.100.40", ctype="text/plain; charset=Shift_JIS", cte="8bit")


@fixture(must=[DN_ADDR], must_not=[ANY_LOOKALIKE])
def ja_fullwidth_address_name(n=34):
    """The display name is an internal address written in full-width
    letters (ｙａｍａｄａ＠ｅｘａｍｐｌｅ-ｃｏｒｐ．ｔｅｓｔ), ISO-2022-JP."""
    name = "ｙａｍａｄａ＠ｅｘａｍｐｌｅ-ｃｏｒｐ．ｔｅｓｔ"
    return mail(n, "%s <y.yamada@evil.invalid>" % ew(name, "ISO-2022-JP"),
                ew("社内通知", "ISO-2022-JP"), "社内通知です。\n".encode("iso2022_jp"),
                ip="203.0.113.140", ctype="text/plain; charset=ISO-2022-JP")


@fixture(must_not=[ANY_SPOOF, ANY_AUTH], action="accept")
def ja_split_encoded_word(n=35):
    """Clean: a UTF-8 subject whose encoded-words split a character in
    two across a folded line."""
    return mail(n, "%s <sato@partner.test>" % ew("佐藤花子"),
                ew_split_bytes("打ち合わせ日程のご相談", 7),
                "日程をご相談させてください。\n", ip="192.0.2.19", cte="8bit")


# ---- clean business mail --------------------------------------------------


@fixture(must_not=[ANY_SPOOF, ANY_AUTH], action="accept")
def clean_plain(n=36):
    """Clean: plain-text mail from a partner, SPF/DKIM/DMARC pass."""
    return mail(n, "Sato Hanako <sato@partner.test>", "Agenda for Tuesday",
                "Hello Yamada-san,\n\nthe agenda for Tuesday:\n1. status\n2. budget\n\n"
                "Best regards,\nSato\n", ip="192.0.2.20",
                top=[("Authentication-Results", ar(MX))])


@fixture(must_not=[ANY_SPOOF, ANY_AUTH], action="accept")
def clean_html(n=37):
    """Clean: multipart/alternative text + HTML, CRLF line ends."""
    bnd = "=_alt_fixture_37"
    body = ("--%s\nContent-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: 8bit\n\n"
            "山田様\n\n新年のご挨拶を申し上げます。\n\n--%s\n"
            "Content-Type: text/html; charset=UTF-8\nContent-Transfer-Encoding: 8bit\n\n"
            "<html><body><p>山田様</p><p>新年の<b>ご挨拶</b>を申し上げます。</p>"
            "<p><a href=\"https://www.partner.test/\">www.partner.test</a></p></body></html>\n"
            "--%s--\n" % (bnd, bnd, bnd))
    return mail(n, "%s <sato@partner.test>" % ew("佐藤花子"), ew("新年のご挨拶"), body,
                ip="192.0.2.21", ctype='multipart/alternative; boundary="%s"' % bnd,
                cte=None, eol="\r\n", top=[("Authentication-Results", ar(MX))])


INERT_PDF = (b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
             b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
             b"trailer\n<< /Root 1 0 R >>\n%%EOF\n")


@fixture(must_not=[ANY_SPOOF, ANY_AUTH], action="accept")
def clean_pdf_attachment(n=38):
    """Clean: a quotation with a small inert PDF attachment whose Japanese
    file name is RFC 2231 encoded (見積書.pdf)."""
    bnd = "=_mixed_fixture_38"
    fname = "見積書.pdf".encode("utf-8")
    pct = "".join("%%%02X" % c for c in fname)
    body = ("--%s\nContent-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: 8bit\n\n"
            "山田様\n\nお見積書を添付いたします。\n\n--%s\n"
            "Content-Type: application/pdf; name=\"%s\"\n"
            "Content-Disposition: attachment; filename*=UTF-8''%s\n"
            "Content-Transfer-Encoding: base64\n\n%s--%s--\n"
            % (bnd, bnd, ew("見積書.pdf"), pct, b64_lines(INERT_PDF), bnd))
    return mail(n, "%s <sato@partner.test>" % ew("佐藤花子"), ew("お見積書送付の件"), body,
                ip="192.0.2.22", ctype='multipart/mixed; boundary="%s"' % bnd, cte=None,
                top=[("Authentication-Results", ar(MX))])


@fixture(must_not=[ANY_SPOOF, ANY_AUTH], action="accept")
def clean_reply_thread(n=39):
    """Clean: a partner's reply inside a thread our user started (Re:,
    In-Reply-To, References, quoted original)."""
    orig = "<20240110093000.ABCD1234@mx.example-corp.test>"
    body = ("山田様\n\n承知いたしました。16日に伺います。\n\n佐藤\n\n"
            "-----Original Message-----\n差出人: 山田太郎 <yamada@example-corp.test>\n"
            "送信日時: 2024年1月10日 9:30\n件名: 訪問日程\n\n"
            "> 佐藤様\n> 16日の午後はいかがでしょうか。\n> 山田\n")
    return mail(n, "%s <sato@partner.test>" % ew("佐藤花子"), "Re: %s" % ew("訪問日程"),
                body, ip="192.0.2.23", cte="8bit",
                extra=[("In-Reply-To", orig), ("References", orig)],
                top=[("Authentication-Results", ar(MX))])


def write_all(outdir):
    os.makedirs(outdir, exist_ok=True)
    seen = set()
    rows = []
    for fx in FIXTURES:
        name = fx["name"]
        if name in seen:
            raise SystemExit("gen-fixtures: duplicate fixture %s" % name)
        seen.add(name)
        data = fx["build"]()
        if len(data) > 50000:
            raise SystemExit("gen-fixtures: %s too large" % name)
        fname = name + ".eml"
        with open(os.path.join(outdir, fname), "wb") as fp:
            fp.write(data)
        rows.append("\t".join([
            fname,
            ",".join(fx["must"]) or "-",
            ",".join(fx["must_not"]) or "-",
            fx["action"] or "-",
            " ".join(fx["args"]) or "-",
        ]))
    with open(os.path.join(outdir, "expect.tsv"), "w", encoding="utf-8") as fp:
        fp.write("# file\tmust\tmust_not\taction\targs\n")
        fp.write("\n".join(rows) + "\n")
    return len(rows)


def main(argv):
    if len(argv) != 2 or argv[1].startswith("-"):
        sys.stderr.write("usage: gen-fixtures.py OUTDIR\n")
        return 2
    n = write_all(argv[1])
    print("gen-fixtures: %d fixtures in %s" % (n, argv[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

#!/usr/bin/env python3
"""gen-quarantine.py - the messages tests/quarantine-cli.sh stores.

usage: gen-quarantine.py OUTDIR

  invoice.eml   CRLF line ends, a DMARC failure from a protected partner,
                a body line starting with "." and a zip holding a zip that
                holds a script: findings and a nested attachment tree
  hostile.eml   a subject with ESC sequences (colour, OSC title, BEL) and
                U+202E, a From display name with U+2066, an attachment
                named with U+202E, an invalid UTF-8 byte in a header
  newsletter.eml  a plain message from another sender (filters)
  old.eml       a message the test ages by 40 days (purge, --since)

Deterministic: fixed dates, Message-IDs and zip timestamps.  Only .test
domains and 192.0.2.x addresses.  Python 3 standard library only.
"""

import base64
import io
import os
import sys
import zipfile


def zip_bytes(files):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files:
            info = zipfile.ZipInfo(name, date_time=(2026, 11, 1, 9, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
    return buf.getvalue()


def b64(data):
    s = base64.b64encode(data).decode()
    return "\n".join(s[i:i + 76] for i in range(0, len(s), 76))


def ew(text):
    return "=?UTF-8?B?%s?=" % base64.b64encode(text.encode()).decode()


def invoice():
    inner = zip_bytes([("run.js", b"WScript.Echo('inert fixture');\n")])
    outer = zip_bytes([("docs.zip", inner)])
    text = (
        "Return-Path: <billing@partner.test>\n"
        "Received: from mail.partner.test (mail.partner.test [192.0.2.10])\n"
        "\tby mx.example-corp.test with ESMTP id Q1\n"
        "\tfor <yamada@example-corp.test>; Mon, 2 Nov 2026 09:00:00 +0900\n"
        "Authentication-Results: mx.example-corp.test; spf=pass"
        " smtp.mailfrom=partner.test;\n"
        " dkim=fail header.d=partner.test; dmarc=fail header.from=partner.test\n"
        "From: =?UTF-8?B?5qCq5byP5Lya56S+44OR44O844OI44OK44O8?="
        " <billing@partner.test>\n"
        "To: yamada@example-corp.test\n"
        "Subject: " + ew("請求書の送付 (11月分)") + "\n"
        "Date: Mon, 2 Nov 2026 09:00:00 +0900\n"
        "Message-ID: <invoice-0001@partner.test>\n"
        "MIME-Version: 1.0\n"
        "Content-Type: multipart/mixed; boundary=\"b1\"\n"
        "\n"
        "--b1\n"
        "Content-Type: text/plain; charset=UTF-8\n"
        "\n"
        ".hidden line starting with a dot\n"
        ".\n"
        "Please see the attachment.\n"
        "--b1\n"
        "Content-Type: application/zip; name=\"invoice.zip\"\n"
        "Content-Disposition: attachment; filename=\"invoice.zip\"\n"
        "Content-Transfer-Encoding: base64\n"
        "\n" + b64(outer) + "\n"
        "--b1--\n")
    return text.replace("\n", "\r\n").encode()


def hostile():
    subject = "Pay \x1b[31mnow\x1b]0;pwned\x07 \u202efdp.exe \x9b2J"
    name = "invoice\u202efdp.exe"
    text = (
        "Return-Path: <attacker@evil.test>\n"
        "Received: from evil.test (evil.test [192.0.2.66])\n"
        "\tby mx.example-corp.test with ESMTP id Q2;"
        " Mon, 2 Nov 2026 10:00:00 +0900\n"
        "From: " + ew("\u2066Support\u2069") + " <attacker@evil.test>\n"
        "To: yamada@example-corp.test\n"
        "Subject: " + ew(subject) + "\n"
        "X-Raw: bad \xff byte and \x1b[2J clear\n"
        "Date: Mon, 2 Nov 2026 10:00:00 +0900\n"
        "Message-ID: <hostile-0001@evil.test>\n"
        "MIME-Version: 1.0\n"
        "Content-Type: multipart/mixed; boundary=\"b2\"\n"
        "\n"
        "--b2\n"
        "Content-Type: text/plain\n"
        "\n"
        "open it\n"
        "--b2\n"
        "Content-Type: application/octet-stream\n"
        "Content-Disposition: attachment; filename*=UTF-8''"
        + "".join("%%%02X" % b for b in name.encode()) + "\n"
        "Content-Transfer-Encoding: base64\n"
        "\n" + b64(b"MZ inert fixture\n") + "\n"
        "--b2--\n")
    # U+00FF stands for the lone byte 0xff, which is no UTF-8
    return text.encode("utf-8").replace(b"\xc3\xbf", b"\xff")


def plain(n, sender, subject, day):
    return (
        "Return-Path: <%s>\n"
        "Received: from out.news.test (out.news.test [192.0.2.%d])\n"
        "\tby mx.example-corp.test with ESMTP id N%d;"
        " %s 2026 08:00:00 +0900\n"
        "From: %s\n"
        "To: yamada@example-corp.test, suzuki@example-corp.test\n"
        "Subject: %s\n"
        "Date: %s 2026 08:00:00 +0900\n"
        "Message-ID: <plain-%04d@news.test>\n"
        "\n"
        "Hello.\n" % (sender, 20 + n, n, day, sender, subject, day, n)
    ).encode()


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    files = {
        "invoice.eml": invoice(),
        "hostile.eml": hostile(),
        "newsletter.eml": plain(1, "news@news.test", "Monthly news",
                                "Sun, 1 Nov"),
        "old.eml": plain(2, "old@archive.test", "Old notice",
                         "Thu, 1 Oct"),
    }
    for name, data in files.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()

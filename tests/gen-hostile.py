#!/usr/bin/env python3
"""gen-hostile.py - the hostile-input catalogue of tests/hostile.sh.

usage: gen-hostile.py [--list] [--small] [--pad-mb N] OUTDIR [NAME...]

Writes into OUTDIR (created if missing) every case below, or only the
NAMEs given; --list prints each name and what it holds, one a line.
tests/hostile/expected.tsv says how each is scanned and what must come of
it.  Everything is built here, at test time, from the standard library:
nothing large is committed.

Every case is inert: .invalid/.test domains, 192.0.2.x addresses, an
"executable" is a 64-byte MZ stub that does nothing, a macro only calls
MsgBox or Shell "cmd /c echo test", and no member name is ever extracted.

--pad-mb N (or $HOSTILE_PAD_MB) sets the size of the padded document
(default 300).  The padded document is written sparse (a hole, no disk
blocks) and its ZIP is deflated from a stream of zeros, so neither costs N
MB of disk or memory.  --small, for sanitizer trees, makes it 64 MB and
folds the Subject of header-fold-100k.eml into 25,000 lines instead of
100,000: GMime grows its header buffer in small steps, which is quadratic
under AddressSanitizer's realloc (it never grows a block in place).

The ZIP "quine" (zip-quine.eml): the attached quine.zip is a real
self-reproducing ZIP in the manner of Russ Cox's r.zip ("Zip Files All The
Way Down"): its one member, quine0.zip, inflates to the very bytes of
quine.zip (Python's zipfile checks it, CRC included), so a scanner that
opens archives inside archives opens the same file forever.  It is built
from deflate stored blocks and fixed-Huffman copy blocks, each op padded
to 5 bytes; the CRC-32 that the file holds of itself is solved as a linear
system over GF(2) (CRC-32 is affine in the bits it is fed).
"""

import base64
import functools
import io
import os
import struct
import sys
import zipfile
import zlib

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cfbgen import Cfb, ovba_compress, vba_project  # noqa: E402

# What --small (sanitizer trees) scales down; --pad-mb sets pad_mb.
SIZES = {"pad_mb": 300, "fold_lines": 100000}
SMALL = {"pad_mb": 64, "fold_lines": 25000}

FROM = "Hostile Sender <sender@example.invalid>"
TO = "victim@example.test"
DATE = "Mon, 01 Jan 2024 00:00:00 +0000"

# A 64-byte MZ stub: libmagic calls it an MS-DOS executable; it runs nothing.
MZ = base64.b64decode(
    "TVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    "AAAAAAAAAAAAgAAAAA==")

AUTOOPEN_SRC = ('Attribute VB_Name = "Module1"\r\n'
                "Sub AutoOpen()\r\n"
                '    Shell "cmd /c echo test"\r\n'
                "End Sub\r\n")
BENIGN_SRC = ('Attribute VB_Name = "Module2"\r\n'
              "Sub ShowGreeting()\r\n"
              '    MsgBox "Hello from a test document"\r\n'
              "End Sub\r\n")
# A Word 97 FIB stub: wIdent 0xA5EC, nFib 0x00C1.
WORD_STUB = bytes.fromhex("eca5c100") + bytes(508)


# ---------------------------------------------------------------- helpers

def headers(subject, extra=()):
    lines = ["From: " + FROM, "To: " + TO, "Subject: " + subject,
             "Date: " + DATE,
             "Message-ID: <%08x@example.invalid>" % zlib.crc32(
                 subject.encode()),
             "MIME-Version: 1.0"]
    lines += list(extra)
    return "\r\n".join(lines) + "\r\n"


def b64(data):
    s = base64.b64encode(data).decode()
    return "\r\n".join(s[i:i + 76] for i in range(0, len(s), 76))


def attach_mail(subject, parts, boundary="=_hostile_boundary"):
    """A multipart/mixed message: a text part, then PARTS as (filename,
    content type, bytes) attachments in base64."""
    out = [headers(subject, ['Content-Type: multipart/mixed; '
                             'boundary="%s"' % boundary]), "\r\n"]
    out.append("--%s\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"
               "Please see the attachment.\r\n" % boundary)
    for name, ctype, data in parts:
        out.append('--%s\r\nContent-Type: %s; name="%s"\r\n'
                   'Content-Disposition: attachment; filename="%s"\r\n'
                   "Content-Transfer-Encoding: base64\r\n\r\n%s\r\n"
                   % (boundary, ctype, name, name, b64(data)))
    out.append("--%s--\r\n" % boundary)
    return "".join(out).encode()


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def zip_bytes(members, compress=zipfile.ZIP_DEFLATED):
    """A ZIP from (name, bytes) with Python's zipfile, fixed dates."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.compress_type = compress
            z.writestr(info, data)
    return buf.getvalue()


def deflate_raw(data, level=9):
    c = zlib.compressobj(level, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def local_header(name, method, crc, csize, usize, flags=0):
    return struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, flags, method, 0,
                       0x5821, crc, csize, usize, len(name), 0) + name


def central_entry(name, method, crc, csize, usize, offset, flags=0):
    return struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, flags,
                       method, 0, 0x5821, crc, csize, usize, len(name), 0, 0,
                       0, 0, 0, offset) + name


def end_record(count, cd_size, cd_offset):
    return struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, cd_size,
                       cd_offset, 0)


def raw_zip(members):
    """A ZIP written field by field, names as raw bytes (NUL, backslash,
    absolute paths kept).  MEMBERS: (name bytes, data, deflate?, flags)."""
    body = bytearray()
    cd = bytearray()
    for name, data, deflate, flags in members:
        comp = deflate_raw(data) if deflate else data
        method = 8 if deflate else 0
        crc = zlib.crc32(data)
        off = len(body)
        body += local_header(name, method, crc, len(comp), len(data), flags)
        body += comp
        cd += central_entry(name, method, crc, len(comp), len(data), off,
                            flags)
    return bytes(body + cd + end_record(len(members), len(cd), len(body)))


# ---------------------------------------------------------------- MIME

def mime_torture():
    """Every MIME oddity in one message; an MZ stub named by RFC 2231
    continuations given out of order sits among them and must be found."""
    mz = b64(MZ)
    text = headers("MIME torture", [
        'Content-Type: multipart/mixed; boundary="b"']) + (
        "\r\n"
        "preamble that no client shows\r\n"
        # A boundary that is a prefix of the outer one's lines, and the
        # outer's boundary reused inside.
        "--b\r\n"
        'Content-Type: multipart/alternative; boundary="b1"\r\n'
        "\r\n"
        "--b1\r\n"
        "Content-Type: text/plain\r\n"
        "\r\n"
        "inner text of b1\r\n"
        "--b1\r\n"
        'Content-Type: multipart/mixed; boundary="b"\r\n'
        "\r\n"
        "--b\r\n"
        "Content-Type: text/plain\r\n"
        "\r\n"
        "a part under a boundary equal to its grandparent's\r\n"
        "--b--\r\n"
        "--b1--\r\n"
        # Unknown and duplicate Content-Transfer-Encoding.
        "--b\r\n"
        "Content-Type: text/plain\r\n"
        "Content-Transfer-Encoding: x-bogus-encoding\r\n"
        "\r\n"
        "=C3=A9 text under a bogus encoding\r\n"
        "--b\r\n"
        "Content-Type: application/octet-stream\r\n"
        "Content-Transfer-Encoding: base64\r\n"
        "Content-Transfer-Encoding: quoted-printable\r\n"
        "\r\n" + mz + "\r\n"
        # RFC 2231 continuations out of order, mixed encoded/plain.
        "--b\r\n"
        "Content-Type: application/octet-stream;\r\n"
        " name*2=\"xe\"; name*0*=utf-8''inv%6Fice; name*1=\".e\"\r\n"
        "Content-Disposition: attachment;\r\n"
        ' filename*1="ice.e"; filename*2="xe"; filename*0="invo"\r\n'
        "Content-Transfer-Encoding: base64\r\n"
        "\r\n" + mz + "\r\n"
        # An empty part: no header, no body.
        "--b\r\n"
        "\r\n"
        "--b\r\n"
        # A part with no header/body separator.
        "--b\r\n"
        "Content-Type: text/plain\r\n"
        "this line should be body but no blank line came before it\r\n"
        "--b\r\n"
        # A multipart without a boundary, then one whose boundary never
        # appears.
        "Content-Type: multipart/mixed\r\n"
        "\r\n"
        "body of a multipart that has no boundary\r\n"
        "--b\r\n"
        'Content-Type: multipart/mixed; boundary="never-seen"\r\n'
        "\r\n"
        "--not-the-boundary\r\n"
        "text whose boundary never comes\r\n"
        "--b\r\n"
        # An empty attached message, and an unknown charset.
        "Content-Type: message/rfc822\r\n"
        "\r\n"
        "--b\r\n"
        'Content-Type: text/plain; charset="x-unknown-charset"\r\n'
        "\r\n"
        "text in a charset nobody knows\r\n"
        # Boundary with trailing junk, and no closing boundary at all.
        "--b   trailing junk\r\n"
        "Content-Type: text/html\r\n"
        "\r\n"
        "<p>unterminated html <b>and no final boundary\r\n")
    return text.encode()


def mime_many_parts(n=10000):
    out = [headers("%d MIME parts" % n, [
        'Content-Type: multipart/mixed; boundary="p"']), "\r\n"]
    for i in range(n):
        out.append("--p\r\nContent-Type: application/octet-stream; "
                   'name="part%05d.bin"\r\n\r\npart %d\r\n' % (i, i))
    out.append("--p--\r\n")
    return "".join(out).encode()


def mime_nest_deep(depth=5000):
    """Multiparts nested DEPTH deep, each with its own boundary."""
    out = [headers("multipart nested %d deep" % depth, [
        'Content-Type: multipart/mixed; boundary="n0"']), "\r\n"]
    for i in range(1, depth):
        out.append('--n%d\r\nContent-Type: multipart/mixed; '
                   'boundary="n%d"\r\n\r\n' % (i - 1, i))
    out.append("--n%d\r\nContent-Type: text/plain\r\n\r\ninnermost\r\n"
               % (depth - 1))
    for i in range(depth - 1, -1, -1):
        out.append("--n%d--\r\n" % i)
    return "".join(out).encode()


def header_1mb_line():
    return (headers("one header line of 1 MB") +
            "X-Long: " + "A" * (1 << 20) + "\r\n"
            "Content-Type: text/plain\r\n\r\nbody\r\n").encode()


def header_fold_bomb():
    lines = SIZES["fold_lines"]
    folded = "Subject: folded" + "".join("\r\n x%d" % i
                                          for i in range(lines))
    h = headers("ignored").replace("Subject: ignored", folded)
    return (h + "Content-Type: text/plain\r\n\r\nbody\r\n").encode()


def header_many(n=100000):
    h = headers("100,000 header fields")
    h += "".join("X-Header-%d: value %d\r\n" % (i, i) for i in range(n))
    return (h + "Content-Type: text/plain\r\n\r\nbody\r\n").encode()


def base64_garbage():
    """Attachments in base64 that is broken in every usual way.  The MZ
    stub survives in two of them (garbage characters and a whitespace
    storm around valid base64): a decoder that skips what is not base64,
    as mail clients do, still gets it."""
    mz = base64.b64encode(MZ).decode()
    garbage = "".join(c + "!*~\x7f" for c in mz)  # invalid chars everywhere
    storm = "".join(c + " \t\r\n" * 64 for c in mz)  # whitespace storm
    parts = [
        ("all-garbage.bin", "!!!!****~~~~%%%%@@@@\r\n" * 200),
        ("mz-in-garbage.bin", garbage),
        ("mz-in-whitespace.bin", storm),
        ("bad-padding.bin", "TVqQ====AAMA=A=A\r\nBAAA//8A=\r\n===\r\n"),
        ("padding-middle.bin", "QUJD\r\n====\r\nREVG\r\nR0hJ=\r\n"),
        ("only-padding.bin", "=" * 4096),
        ("truncated.bin", mz[:-3]),
        ("eight-bit.bin", "TVqQ\xff\xfe\x80AAMA\xc3\xa9AAAE\r\n"),
    ]
    out = [headers("base64 with garbage", [
        'Content-Type: multipart/mixed; boundary="g"']), "\r\n"]
    for name, body in parts:
        out.append('--g\r\nContent-Type: application/octet-stream; '
                   'name="%s"\r\nContent-Transfer-Encoding: base64\r\n\r\n'
                   "%s\r\n" % (name, body))
    out.append("--g--\r\n")
    return "".join(out).encode("latin-1")


def rfc822_nest(depth=100):
    """message/rfc822 inside message/rfc822, DEPTH deep; the innermost
    carries the MZ stub."""
    inner = (headers("level %d" % depth, [
        'Content-Type: application/octet-stream; name="deep.exe"',
        "Content-Transfer-Encoding: base64"]) + "\r\n" + b64(MZ) + "\r\n")
    for level in range(depth - 1, -1, -1):
        inner = (headers("level %d" % level, [
            "Content-Type: message/rfc822"]) + "\r\n" + inner)
    return inner.encode()


def iso2022jp_broken():
    """ISO-2022-JP with broken escapes in Subject encoded-words, in a raw
    Subject and in the body."""
    samples = [
        b"\x1b$B$3$s$K$A$O",            # ESC $ B never closed
        b"\x1b$B$3\x1b(B$s",            # ESC in the middle of a pair
        b"\x1b$(Q!!\x1b(B",             # JIS X 0213: unknown to most
        b"\x1b%G\xe3\x81\x82\x1b%@",    # ESC % G (UTF-8) switch
        b"\x1b(I\x31\x32\x1b(B",        # half-width katakana set
        b"abc\x1b",                     # lone ESC at the end
        b"\x1b$",                       # truncated escape
        b"\x1b$B" + b"\x7f\x20" * 8,    # bytes outside the 94x94 set
    ]
    words = " ".join("=?ISO-2022-JP?B?%s?=" % base64.b64encode(s).decode()
                     for s in samples)
    # A split mid-character across two encoded-words, and a Q word.
    words += (" =?ISO-2022-JP?B?GyRCJDM=?= =?ISO-2022-JP?B?JHMbKEI=?="
              " =?iso-2022-jp?Q?=1B$B$3=1B?=")
    body = b"".join(s + b"\r\n" for s in samples)
    body += b"\x1b$B" + b"$3" * 50000 + b"\r\n"  # 100 KB never closed
    body += b"end of text http://192.0.2.10/login\r\n"
    h = headers("x", ["Content-Type: text/plain; charset=ISO-2022-JP",
                      "Content-Transfer-Encoding: 7bit",
                      "X-Raw-Subject: \x1b$B$3$s\x1b(B \x1b$B$K"])
    h = h.replace("Subject: x", "Subject: " + words)
    return h.encode("latin-1") + b"\r\n" + body


def header_nul(boundary="z"):
    """NUL bytes in header names and values, and in an attachment's
    filename (the MZ stub behind "invoice.pdf\\0"); BOUNDARY may hold one
    too."""
    h = ("From: Hostile\x00 Sender <sender\x00@example.invalid>\r\n"
         "To: victim@example.test\r\n"
         "Subject: NUL\x00in the subject\r\n"
         "X-Na\x00me: NUL in a field name\r\n"
         "\x00: a field name that is only NUL\r\n"
         "Date: " + DATE + "\r\n"
         "Message-ID: <nul\x00id@example.invalid>\r\n"
         "MIME-Version: 1.0\r\n"
         'Content-Type: multipart/mixed; boundary="{B}"\r\n'
         "\r\n"
         "--{B}\r\n"
         "Content-Type: text/plain\r\n"
         "\r\n"
         "text with a NUL\x00inside\r\n"
         "--{B}\r\n"
         'Content-Type: application/octet-stream; name="invoice.pdf\x00.exe"'
         "\r\n"
         'Content-Disposition: attachment; filename="invoice.pdf\x00.exe"'
         "\r\n"
         "Content-Transfer-Encoding: base64\r\n"
         "\r\n" + b64(MZ) + "\r\n"
         "--{B}--\r\n").replace("{B}", boundary)
    return h.encode("latin-1")


# ---------------------------------------------------------------- ZIP

def zip_42():
    """42.zip in small: 16 copies per layer, 5 layers; each leaf 32 MB
    of zeros (16^4 x 16 leaves x 32 MB: 32 TB in all, about 30 KB)."""
    leaf = b"\0" * (32 << 20)
    layer = zip_bytes([("0.dat", leaf)])
    for depth in range(4):
        layer = zip_bytes([("%x.zip" % i, layer) for i in range(16)])
    return layer


def zip_overlap():
    """Overlapping entries, listed in this order: outer.bin, a stored
    member whose data holds a whole second member, inner.exe (the MZ
    stub), whose entry points inside outer.bin's data; then 64 entries
    that all point at one local header whose member is 16 MB of zeros
    (Fifield's full overlap: 1 GB from 16 KB)."""
    inner_data = MZ
    inner = local_header(b"inner.exe", 0, zlib.crc32(inner_data),
                         len(inner_data), len(inner_data)) + inner_data
    outer_data = b"HEAD" + inner + b"TAIL"
    body = bytearray(local_header(b"outer.bin", 0, zlib.crc32(outer_data),
                                  len(outer_data), len(outer_data)))
    body += outer_data
    cd = bytearray(central_entry(b"outer.bin", 0, zlib.crc32(outer_data),
                                 len(outer_data), len(outer_data), 0))
    cd += central_entry(b"inner.exe", 0, zlib.crc32(inner_data),
                        len(inner_data), len(inner_data),
                        30 + len(b"outer.bin") + 4)
    kernel = b"\0" * (16 << 20)
    comp = deflate_raw(kernel)
    crc = zlib.crc32(kernel)
    k_off = len(body)
    body += local_header(b"kernel.bin", 8, crc, len(comp), len(kernel))
    body += comp
    for _ in range(64):
        cd += central_entry(b"kernel.bin", 8, crc, len(comp), len(kernel),
                            k_off)
    return bytes(body + cd + end_record(66, len(cd), len(body)))


def zip_traversal():
    names = [b"../../etc/x.txt", b"/etc/x.txt", b"C:\\x.txt",
             b"a/../../b.txt", b"..\\..\\windows\\x.txt",
             b"x.exe\x00.txt"]
    return raw_zip([(n, MZ if b"exe" in n else b"inert test data\n",
                     False, 0) for n in names])


def zip_rtlo():
    names = ["invoice\u202efdp.exe", "report\u202ecod.scr",
             "photo\u202egpj.js"]
    return raw_zip([(n.encode("utf-8"), MZ if n.endswith("exe") else
                     b"WScript.Echo 1\n", False, 0x800) for n in names])


# -- the quine (see the module docstring) --

class _Bits:
    """Deflate's bit order: values LSB first, Huffman codes MSB first."""

    def __init__(self):
        self.out = bytearray()
        self.acc = self.n = 0

    def put(self, v, n):
        self.acc |= v << self.n
        self.n += n
        while self.n >= 8:
            self.out.append(self.acc & 0xFF)
            self.acc >>= 8
            self.n -= 8

    def huff(self, code, n):
        for i in range(n - 1, -1, -1):
            self.put((code >> i) & 1, 1)

    def bits(self):
        return 8 * len(self.out) + self.n

    def flush(self):
        if self.n:
            self.out.append(self.acc & 0xFF)
            self.acc = self.n = 0
        return bytes(self.out)


_LEN_BASE = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35,
             43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258]
_LEN_EXTRA = [0] * 8 + [1] * 4 + [2] * 4 + [3] * 4 + [4] * 4 + [5] * 4 + [0]
_DIST_BASE = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193,
              257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193,
              12289, 16385, 24577]


def _copy(w, length, dist):
    """One fixed-Huffman copy (RFC 1951 3.2.5-3.2.6)."""
    i = max(k for k in range(29) if _LEN_BASE[k] <= length)
    sym = 257 + i
    if sym <= 279:
        w.huff(sym - 256, 7)
    else:
        w.huff(0xC0 + sym - 280, 8)
    w.put(length - _LEN_BASE[i], _LEN_EXTRA[i])
    d = max(k for k in range(30) if _DIST_BASE[k] <= dist)
    w.huff(d, 5)
    w.put(dist - _DIST_BASE[d], max(0, d // 2 - 1))


def _lit(units, final=False):
    """Lx: a stored block of X units (5 bytes each) of literal data."""
    n = units * 5
    return bytes([1 if final else 0]) + struct.pack("<HH", n, n ^ 0xFFFF)


@functools.lru_cache(maxsize=None)
def _rep(units, final=False):
    """Rx: a fixed-Huffman block copying X units from X units back, in 5
    bytes: the copy split in up to three pieces and padded with empty
    fixed blocks to 40 bits, or to 39 when a stored block follows (its
    BFINAL bit, 0, is then the 40th) or any length when it is the last."""
    n = units * 5
    options = [[n]] + [[a, n - a] for a in range(3, n - 2)]
    options += [[a, b, n - a - b] for a in range(3, n - 5)
                for b in range(3, n - a - 2)]
    for want in (40, 39) if not final else (40,):
        for pieces in options:
            if max(pieces) > 258:
                continue
            for empties in range(4):
                w = _Bits()
                w.put(1 if final else 0, 1)
                w.put(1, 2)
                for k in pieces:
                    _copy(w, k, n)
                w.huff(0, 7)
                for _ in range(empties):
                    w.put(0, 1)
                    w.put(1, 2)
                    w.huff(0, 7)
                if w.bits() == want or (final and w.bits() <= 40):
                    return w.flush().ljust(5, b"\0"), want
    raise ValueError("no 5-byte encoding for R%d" % units)


def _quine_data(p, s):
    """Deflate data that inflates to P + itself + S (Cox's program; P and S
    are whole units of 5 bytes)."""
    pn, sn = len(p) // 5, len(s) // 5
    prog = ([_lit(pn + 1), p, _lit(pn + 1), _rep(pn + 1), _lit(1),
             _rep(pn + 1), _lit(1), _lit(1), _lit(4), _rep(pn + 1), _lit(1),
             _lit(1), _lit(4), _rep(4), _lit(4), _rep(4), _lit(4), _rep(4),
             _lit(4), _rep(4), _lit(4), _rep(4), _lit(0), _lit(0),
             _lit(sn + 1), _rep(4), _lit(0), _lit(0), _lit(sn + 1),
             _rep(sn + 1, True), s, _rep(sn + 1, True)])
    out = bytearray()
    for i, op in enumerate(prog):
        if isinstance(op, tuple):
            data, bits = op
            # a 39-bit repeat leaves its last bit to a stored block's
            # BFINAL (0): only a stored block, or a literal copy, follows
            if bits == 39 and i + 1 < len(prog):
                nxt = prog[i + 1]
                if isinstance(nxt, tuple) or (len(nxt) == 5 and nxt[0]):
                    raise ValueError("39-bit repeat before a non-stored op")
            op = data
        out += op
    return bytes(out)


def zip_quine_bytes():
    """quine0.zip: its one member, quine0.zip, inflates to the file."""
    name = b"quine0.zip"  # 30 + 10: the local header is 8 units

    def assemble(crc):
        csize = 0
        for _ in range(2):  # the data's length does not depend on sizes
            usize = 40 + csize + 80
            p = local_header(name, 8, crc, csize, usize)
            cd = central_entry(name, 8, crc, csize, usize, 0)
            s = bytearray(cd + end_record(1, len(cd), 40 + csize))
            struct.pack_into("<H", s, len(s) - 2, 80 - len(s))  # comment
            s = bytes(s.ljust(80, b"-"))
            data = _quine_data(p, s)
            csize = len(data)
        return p + data + s

    # CRC-32 fixed point: crc(assemble(c)) == c.  The CRC of data that
    # is affine in c's bits is affine in c: solve (M + I) c = crc(0).
    base = zlib.crc32(assemble(0))
    cols = [zlib.crc32(assemble(1 << i)) ^ base for i in range(32)]
    rows = []
    for bit in range(32):
        row = sum(1 << i for i in range(32)
                  if ((cols[i] >> bit) & 1) ^ (i == bit))
        rows.append([row, (base >> bit) & 1])
    pivots = []
    for col in range(32):
        piv = next((r for r in rows if r not in pivots and
                    (r[0] >> col) & 1), None)
        if piv is None:
            continue
        pivots.append(piv)
        for r in rows:
            if r is not piv and (r[0] >> col) & 1:
                r[0] ^= piv[0]
                r[1] ^= piv[1]
    solution = 0
    for r in pivots:  # reduced: each pivot row holds its column alone
        if r[1]:
            solution |= r[0] & -r[0]
    return assemble(solution)


def zip_quine():
    q = zip_quine_bytes()
    # The member's inflated bytes must be the file itself.
    with zipfile.ZipFile(io.BytesIO(q)) as z:
        if z.read("quine0.zip") != q:
            raise ValueError("quine0.zip does not reproduce itself")
    return q


# ---------------------------------------------------------------- padding

def padded_doc_head():
    """The start of the padded document: a Word 97 file with a VBA
    AutoOpen project, written as a compound file."""
    return bytes(_macro_doc())


def padded_file(path, mb):
    """PATH: the document, then zeros up to MB MiB, as a sparse file."""
    head = padded_doc_head()
    with open(path, "wb") as f:
        f.write(head)
        f.truncate(mb << 20)


def padded_zip_mail(path, mb):
    """A message with invoice.zip holding invoice.doc padded to MB MiB:
    the deflate stream is fed the zeros a MiB at a time."""
    head = padded_doc_head()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        info = zipfile.ZipInfo("invoice.doc", date_time=(2024, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        with z.open(info, "w") as m:
            m.write(head)
            zero = bytes(1 << 20)
            left = (mb << 20) - len(head)
            while left > 0:
                k = min(left, len(zero))
                m.write(zero[:k])
                left -= k
    write(path, attach_mail("padded document (%d MB)" % mb,
                            [("invoice.zip", "application/zip",
                              buf.getvalue())]))


# ---------------------------------------------------------------- CFB

def word_cfb(streams, word=WORD_STUB):
    """A .doc: the WORD stream, 1Table and STREAMS (a VBA project's, by
    path under Macros/)."""
    cfb = Cfb()
    cfb.add("WordDocument", word)
    cfb.add("1Table", bytes(512))
    for p, data in streams.items():
        cfb.add("Macros/" + p, data)
    return cfb.tobytes()


def word_doc(modules):
    """A .doc with ThisDocument and MODULES; its WordDocument stream is
    8.5 KB, so in the FAT, not the mini stream."""
    mods = [("ThisDocument", 'Attribute VB_Name = "ThisDocument"\r\n',
             "doc")] + list(modules)
    return word_cfb(vba_project(mods), WORD_STUB + bytes(8192))


def _cfb_header(doc):
    (n_fat, dir_start, _tx, _cut, minifat_start, n_minifat, difat_start,
     n_difat) = struct.unpack_from("<IIIIIIII", doc, 44)
    return {"n_fat": n_fat, "dir_start": dir_start,
            "minifat_start": minifat_start, "difat_start": difat_start}


def _fat_get(doc, sect):
    return struct.unpack_from("<I", doc, 512 + 4 * sect)[0]


def _fat_set(doc, sect, value):
    struct.pack_into("<I", doc, 512 + 4 * sect, value)


def _dirent_off(doc, sid):
    """Offset of directory entry SID (the directory chain followed)."""
    sect = _cfb_header(doc)["dir_start"]
    for _ in range(sid // 4):
        sect = _fat_get(doc, sect)
    return 512 + 512 * sect + 128 * (sid % 4)


def _find_dirent(doc, name):
    sid = 0
    want = name.encode("utf-16-le")
    while True:
        off = _dirent_off(doc, sid)
        if off + 128 > len(doc):
            raise KeyError(name)
        nlen = struct.unpack_from("<H", doc, off + 64)[0]
        if nlen >= 2 and doc[off:off + nlen - 2] == want:
            return sid, off
        sid += 1


def _chain_last(doc, start):
    """The last sector of the FAT chain from START."""
    sect = start
    while _fat_get(doc, sect) != 0xFFFFFFFE:
        sect = _fat_get(doc, sect)
    return sect


def _macro_doc():
    return bytearray(word_doc([("Module1", AUTOOPEN_SRC, "std")]))


def _word_start(doc):
    """First sector of the WordDocument stream (in the FAT: 8 KB)."""
    return struct.unpack_from("<I", doc,
                              _find_dirent(doc, "WordDocument")[1] + 116)[0]


def cfb_fat_self():
    """WordDocument's FAT chain ends in a sector that points to itself."""
    doc = _macro_doc()
    last = _chain_last(doc, _word_start(doc))
    _fat_set(doc, last, last)
    return bytes(doc)


def cfb_fat_cycle():
    """WordDocument's chain and the directory's both go back to their
    first sector."""
    doc = _macro_doc()
    start = _word_start(doc)
    _fat_set(doc, _chain_last(doc, start), start)
    dir_start = _cfb_header(doc)["dir_start"]
    _fat_set(doc, _chain_last(doc, dir_start), dir_start)
    return bytes(doc)


def cfb_minifat_loop():
    """Every mini stream chain ends by pointing at mini sector 0."""
    doc = _macro_doc()
    at = 512 + 512 * _cfb_header(doc)["minifat_start"]
    for i in range(128):
        if struct.unpack_from("<I", doc, at + 4 * i)[0] == 0xFFFFFFFE:
            struct.pack_into("<I", doc, at + 4 * i, 0)
    return bytes(doc)


def cfb_difat_loop():
    """The header claims 300 FAT sectors, 109 in the header and the rest
    in a DIFAT chain whose one sector names itself as the next."""
    doc = _macro_doc()
    sect = (len(doc) - 512) // 512  # a new sector at the end
    difat = bytearray(b"\xff" * 512)
    for i in range(127):
        struct.pack_into("<I", difat, 4 * i, 0)  # FAT sector 0 again
    struct.pack_into("<I", difat, 508, sect)  # next DIFAT: itself
    doc += difat
    struct.pack_into("<I", doc, 44, 300)  # csectFat
    struct.pack_into("<I", doc, 68, sect)  # first DIFAT sector
    struct.pack_into("<I", doc, 72, 2)  # DIFAT sector count
    return bytes(doc)


def cfb_dir_cycle():
    """Directory entries in a cycle: two siblings that name each other
    as left and right, and a storage whose child is itself."""
    doc = _macro_doc()
    sid_a, off_a = _find_dirent(doc, "WordDocument")
    sid_b, off_b = _find_dirent(doc, "1Table")
    struct.pack_into("<II", doc, off_a + 68, sid_b, sid_b)
    struct.pack_into("<II", doc, off_b + 68, sid_a, sid_a)
    sid_m, off_m = _find_dirent(doc, "Macros")
    struct.pack_into("<I", doc, off_m + 76, sid_m)  # child: itself
    root = _dirent_off(doc, 0)
    struct.pack_into("<I", doc, root + 76, 0)  # root's child: the root
    return bytes(doc)


# ---------------------------------------------------------------- VBA

def vba_bad_chunks():
    """A .doc whose VBA project holds one sound module (AutoOpen, which
    must still be found) and modules whose compressed chunks lie."""
    good = ovba_compress(BENIGN_SRC.encode())
    bad = {
        # chunk header says 4095 bytes follow; 6 do
        "LongChunk": b"\x01" + struct.pack("<H", 0xBFFE) + b"\x00Attrib",
        # the first token copies from before the chunk's start
        "CopyBefore": b"\x01" + struct.pack("<H", 0xB000 | 2) + b"\x01" +
        struct.pack("<H", 0xFFFF),
        # copy tokens that run past 4096 bytes of output
        "CopyPast": b"\x01" + struct.pack("<H", 0xB000 | 20) + b"\x00A" +
        (b"\xff" + struct.pack("<H", 0x0FFF) * 8) * 2,
        # chunk signature not 0b011
        "BadSignature": b"\x01" + struct.pack("<H", 0x8005) + b"\x00Attri",
        # a raw chunk (flag clear) with 10 of its 4096 bytes
        "ShortRaw": b"\x01" + struct.pack("<H", 0x3FFF) + b"Attribute ",
        # no signature byte
        "NoSignature": b"\x00" + good[1:],
        # a container of nothing but empty compressed chunks (100 KB)
        "EmptyChunks": b"\x01" + (struct.pack("<H", 0xB000) + b"\x00") *
        34000,
        # truncated in the middle of a copy token
        "HalfToken": good[:12] + b"\x01\x10",
        # an empty stream
        "Empty": b"",
    }
    modules = [("Module1", AUTOOPEN_SRC, "std")]
    modules += [(n, "' placeholder\r\n", "std") for n in bad]
    streams = vba_project([("ThisDocument",
                            'Attribute VB_Name = "ThisDocument"\r\n',
                            "doc")] + modules)
    for n, data in bad.items():
        streams["VBA/" + n] = data
    return word_cfb(streams)


def vba_bad_dir():
    """A .doc whose VBA dir stream lies: a record size of 0xFFFFFFFF,
    MODULECOUNT 65535, a MODULEOFFSET far past its stream."""
    streams = vba_project([("ThisDocument",
                            'Attribute VB_Name = "ThisDocument"\r\n',
                            "doc"), ("Module1", AUTOOPEN_SRC, "std")])
    d = bytearray()
    d += struct.pack("<HII", 0x01, 4, 1)
    d += struct.pack("<HIH", 0x03, 2, 1252)
    d += struct.pack("<HIH", 0x0F, 2, 0xFFFF)  # 65535 modules
    d += struct.pack("<HIH", 0x13, 2, 0xFFFF)
    d += struct.pack("<HI", 0x19, 7) + b"Module1"
    d += struct.pack("<HI", 0x1A, 7) + b"Module1"
    d += struct.pack("<HII", 0x31, 4, 0x7FFFFFF0)  # offset far past
    d += struct.pack("<HI", 0x21, 0) + struct.pack("<HI", 0x2B, 0)
    d += struct.pack("<HI", 0x19, 0xFFFFFFFF) + b"Module2"  # size lies
    streams["VBA/dir"] = ovba_compress(bytes(d))
    return word_cfb(streams)


# ---------------------------------------------------------------- table

def _mail_zip(subject, name, data):
    return attach_mail(subject, [(name, "application/zip", data)])


def _rtlo_mail():
    name = "=?UTF-8?B?%s?=" % base64.b64encode(
        "invoice\u202efdp.exe".encode()).decode()
    return attach_mail("rtlo", [("names.zip", "application/zip",
                                 zip_rtlo()),
                                (name, "application/octet-stream", MZ)])


# name: (what it holds, a function of no argument that returns its bytes)
CASES = {
    "mime-torture.eml": ("every MIME oddity; an MZ stub named by RFC 2231 "
                         "continuations out of order", mime_torture),
    "mime-10000-parts.eml": ("10,000 MIME parts", mime_many_parts),
    "scan-timeout.eml": ("300 MIME parts, for a scan under LimitScanTime "
                         "1ms and LimitMimeParts 100",
                         lambda: mime_many_parts(300)),
    "mime-nest-5000.eml": ("multiparts nested 5,000 deep", mime_nest_deep),
    "header-1mb-line.eml": ("one header line of 1 MB", header_1mb_line),
    "header-fold-100k.eml": ("Subject folded into 100,000 lines (--small: "
                             "25,000)",
                             header_fold_bomb),
    "header-many-100k.eml": ("100,000 header fields", header_many),
    "base64-garbage.eml": ("base64 with invalid characters, bad padding, "
                           "whitespace storms", base64_garbage),
    "rfc822-nest-100.eml": ("message/rfc822 nested 100 deep, MZ innermost",
                            rfc822_nest),
    "iso2022jp-broken.eml": ("ISO-2022-JP with broken escapes in Subject "
                             "and body", iso2022jp_broken),
    "header-nul.eml": ("NUL bytes in header names, values, a filename",
                       header_nul),
    "boundary-nul.eml": ("the same with a NUL in the MIME boundary",
                         lambda: header_nul("z\x00z")),
    "zip-42.eml": ("42.zip in small: 5 layers of 16, 32 MB leaves",
                   lambda: _mail_zip("42", "42.zip", zip_42())),
    "zip-quine.eml": ("a ZIP whose member inflates to the ZIP itself",
                      lambda: _mail_zip("quine", "quine.zip", zip_quine())),
    "zip-overlap.eml": ("64 entries on one local header; an entry inside "
                        "another's data",
                        lambda: _mail_zip("overlap", "overlap.zip",
                                          zip_overlap())),
    "zip-traversal.eml": ("member names ../, /, C:\\, ..\\, with a NUL",
                          lambda: _mail_zip("traversal", "names.zip",
                                            zip_traversal())),
    "zip-rtlo.eml": ("RTLO member names and an RTLO attachment name",
                     _rtlo_mail),
    "cfb-fat-self.doc": ("a FAT chain whose last sector points to itself",
                         cfb_fat_self),
    "cfb-fat-cycle.doc": ("stream and directory FAT chains that go round",
                          cfb_fat_cycle),
    "cfb-minifat-loop.doc": ("every mini stream chain loops",
                             cfb_minifat_loop),
    "cfb-difat-loop.doc": ("a DIFAT sector that names itself as the next",
                           cfb_difat_loop),
    "cfb-dir-cycle.doc": ("directory siblings in a cycle, storages that "
                          "contain themselves", cfb_dir_cycle),
    "vba-bad-chunks.doc": ("VBA modules with lying compressed chunks, "
                           "beside a sound AutoOpen module", vba_bad_chunks),
    "vba-bad-dir.doc": ("a VBA dir stream with lying sizes and counts",
                        vba_bad_dir),
}
# The padded document is written by its function (PATH, MB), not returned.
PADDED = {
    "padded-doc.eml": ("a ZIP holding a .doc with AutoOpen padded with "
                       "zeros to 300 MB (--pad-mb, --small)",
                       padded_zip_mail),
    "padded-doc.doc": ("the same .doc padded to 300 MB, sparse, as a file",
                       padded_file),
}


def main(argv):
    if argv[:1] == ["--list"]:
        for name, (what, _fn) in list(CASES.items()) + list(PADDED.items()):
            print("%s\t%s" % (name, what))
        return 0
    pad_mb = os.environ.get("HOSTILE_PAD_MB")
    while argv[:1] in (["--small"], ["--pad-mb"]):
        if argv[0] == "--small":
            SIZES.update(SMALL)
            argv = argv[1:]
        elif len(argv) > 1:
            pad_mb = argv[1]
            argv = argv[2:]
    if pad_mb:
        SIZES["pad_mb"] = int(pad_mb)
    if not argv or argv[0].startswith("-") or SIZES["pad_mb"] < 1:
        sys.stderr.write(__doc__.split("\n\n")[1] + "\n")
        return 2
    outdir, names = argv[0], argv[1:] or list(CASES) + list(PADDED)
    for name in names:
        if name not in CASES and name not in PADDED:
            sys.stderr.write("gen-hostile.py: unknown case %s\n" % name)
            return 2
    os.makedirs(outdir, exist_ok=True)
    for name in names:
        path = os.path.join(outdir, name)
        if name in PADDED:
            PADDED[name][1](path, SIZES["pad_mb"])
        else:
            write(path, CASES[name][1]())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

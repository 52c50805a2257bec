#!/usr/bin/env python3
"""gen-onenote.py - write inert OneNote section (.one) test files.

usage: gen-onenote.py OUTDIR

Every file is built byte by byte here (no OneNote): a MS-ONESTORE header
whose guidFileType names a .one (or .onetoc2) section, filler, and
FileDataStoreObjects (guidHeader, cbLength, unused, reserved, the data
padded to 8 bytes, guidFooter) holding what OneNote lures embed, made
harmless: an .hta text that only shows a message, a two-byte "MZ" stub, a
.bat that echoes.  A section in the packaging format of OneNote for the
web carries its files as MS-FSSHTTPB Object Data BLOBs instead.  Besides
well-formed sections there are truncated ones and ones whose lengths lie,
for tests/unit/test_onenote.c and as seeds of tests/fuzz/corpus/onenote.
Output is deterministic.  Python 3 standard library only.
"""

import os
import struct
import sys
import uuid


def guid(s):
    return uuid.UUID(s).bytes_le


ONE = guid("7B5C52E4-D88C-4DA7-AEB1-5378D02996D3")
ONETOC2 = guid("43FF2FA1-EFD9-4C76-9EE2-10EA5722765F")
FORMAT_ONESTORE = guid("109ADD3F-911B-49F5-A5D0-1791EDC8AED8")
FORMAT_PACKAGE = guid("638DE92F-A6D4-4BC1-9A36-B3FC2511A5B7")
FDSO_HEADER = guid("BDE316E7-2665-4511-A4C4-8D4D0B7A9EAC")
FDSO_FOOTER = guid("71FBA722-0F79-4A0B-BB13-899256426B24")
FILE_GUID = guid("00000000-0000-4000-8000-0000000000e1")

HTA = (b"<html><head><title>test</title></head><body>"
       b"<script language=\"VBScript\">MsgBox \"inert test\"</script>"
       b"</body></html>\r\n")
MZ = b"MZ" + bytes(62)
BAT = b"@echo off\r\necho inert test http://192.0.2.1/x.invalid\r\n"


def header(ftype=ONE, fmt=FORMAT_ONESTORE):
    """The 1024-byte section header: the GUIDs, the rest zero filler."""
    h = ftype + FILE_GUID + bytes(16) + fmt
    return h + bytes(1024 - len(h))


def fdso(data, claim=None, footer=True):
    """A FileDataStoreObject holding DATA; CLAIM overrides cbLength."""
    cb = len(data) if claim is None else claim
    body = FDSO_HEADER + struct.pack("<QIQ", cb, 0, 0) + data
    body += bytes(-len(body) % 8)
    return body + (FDSO_FOOTER if footer else b"")


def compact(v):
    """MS-FSSHTTPB compact uint64 (only the sizes these files need)."""
    if v < 0x80:
        return bytes([(v << 1) | 1])
    if v < 0x4000:
        return struct.pack("<H", (v << 2) | 2)
    return b"\x80" + struct.pack("<Q", v)


def blob(data, escape=False):
    """An Object Data BLOB stream object with a 32-bit header."""
    item = compact(len(data)) + data
    length = 32767 if escape else len(item)
    hdr = struct.pack("<I", 2 | (0x02 << 3) | (length << 17))
    return hdr + (compact(len(item)) if escape else b"") + item


FILLER = b"\x2a\x00\x00\x00" * 16


def files():
    """Name -> bytes of every file written."""
    good = header() + FILLER + fdso(HTA) + FILLER + fdso(MZ) + fdso(BAT)
    out = {
        "hta-mz-bat.one": good,
        "header-only.one": header(),
        "no-objects.one": header() + FILLER * 4,
        "toc.onetoc2": header(ONETOC2) + FILLER,
        "truncated-data.one": good[:len(good) - len(fdso(BAT)) + 50],
        "truncated-header.one": header() + fdso(HTA) + FDSO_HEADER + b"\x10",
        "lying-long.one": header() + fdso(HTA) + fdso(MZ, claim=1 << 40),
        "lying-long-then-good.one":
            header() + fdso(MZ, claim=0xfffffffffffffff0) + fdso(BAT),
        "lying-short.one": header() + fdso(HTA, claim=8) + fdso(BAT),
        "no-footer.one": header() + fdso(HTA, footer=False) + FILLER,
        "hidden-inside.one":
            header() + fdso(FILLER + fdso(BAT) + FILLER, claim=16),
        "many.one": header() + b"".join(fdso(BAT) for _ in range(40)),
        "empty-file.one": header() + fdso(b""),
        "package.one":
            header(fmt=FORMAT_PACKAGE) + FILLER + blob(HTA) + FILLER +
            blob(MZ, escape=True) + blob(b"\x00" * 300),
        "package-lying.one":
            header(fmt=FORMAT_PACKAGE) + blob(HTA)[:-10],
        "not-onenote.bin": b"MZ" + bytes(200),
    }
    return out


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: gen-onenote.py OUTDIR")
    os.makedirs(sys.argv[1], exist_ok=True)
    for name, data in sorted(files().items()):
        with open(os.path.join(sys.argv[1], name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()

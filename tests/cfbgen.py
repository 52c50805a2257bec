#!/usr/bin/env python3
"""cfbgen.py - a small OLE2 compound file (MS-CFB) writer and a VBA project
(MS-OVBA) writer for test fixtures; standard library only.

    from cfbgen import Cfb, vba_project, ovba_compress
    cfb = Cfb()
    cfb.add("WordDocument", b"...")
    for path, data in vba_project([("Module1", src, "std")]).items():
        cfb.add("Macros/" + path, data)
    open("x.doc", "wb").write(cfb.tobytes())

Compound files are version 3: 512-byte sectors, one FAT (at most 109 FAT
sectors, so up to about 6.8 MB), streams under 4096 bytes in the mini
stream (64-byte sectors), and a directory whose sibling trees are balanced
and all black (readers do not check the colours).  Names are compared as
MS-CFB says: shorter first, then by upper-cased UTF-16 units.

VBA sources are compressed with a greedy MS-OVBA 2.4.1 compressor whose
chunks each decompress to exactly 4096 bytes (the last one excepted), as
Office writes them: libgsf's reader relies on that.  ovba_decompress is
there to check the round trip.  Everything is inert data: nothing here
runs the macros it writes.
"""

import struct

ENDOFCHAIN = 0xFFFFFFFE
FREESECT = 0xFFFFFFFF
FATSECT = 0xFFFFFFFD
NOSTREAM = 0xFFFFFFFF
SECTOR = 512
MINI_SECTOR = 64
MINI_CUTOFF = 4096

# ---------------------------------------------------------------- MS-OVBA


def _bit_count(diff):
    """Bits of a copy token's offset when DIFF bytes of the chunk are out."""
    return max(4, (diff - 1).bit_length()) if diff > 0 else 4


def _chunk_tokens(data):
    """Greedy LZ77 over one chunk: ints are literals, (offset, length,
    bits) tuples copy tokens."""
    tokens = []
    heads = {}
    pos, n = 0, len(data)
    while pos < n:
        bits = _bit_count(pos)
        max_len = (0xFFFF >> bits) + 3
        max_off = min(pos, 1 << bits)
        best_len, best_off = 0, 0
        limit = min(max_len, n - pos)
        for cand in reversed(heads.get(data[pos:pos + 3], ())[-16:]):
            off = pos - cand
            if off > max_off:
                break
            k = 0
            while k < limit and data[cand + k] == data[pos + k]:
                k += 1
            if k > best_len:
                best_len, best_off = k, off
                if k == limit:
                    break
        step = 1
        if best_len >= 3:
            tokens.append((best_off, best_len, bits))
            step = best_len
        else:
            tokens.append(data[pos])
        for p in range(pos, pos + step):
            heads.setdefault(data[p:p + 3], []).append(p)
        pos += step
    return tokens


def _compress_chunk(data):
    """One chunk (at most 4096 bytes of DATA) as header + token sequences."""
    tokens = _chunk_tokens(data)
    # libgsf finds the next chunk header only behind a flag byte with a
    # spare bit: never end a chunk on a full token sequence.
    if len(tokens) % 8 == 0:
        for i in range(len(tokens) - 1, -1, -1):
            if isinstance(tokens[i], tuple):
                off, length, bits = tokens[i]
                at = sum(1 if isinstance(t, int) else t[1]
                         for t in tokens[:i])
                if length > 3:
                    tokens[i:i + 1] = [(off, length - 1, bits),
                                       data[at + length - 1]]
                else:
                    tokens[i:i + 1] = list(data[at:at + 3])
                break
    out = bytearray()
    for g in range(0, len(tokens), 8):
        flags = 0
        body = bytearray()
        for bit, t in enumerate(tokens[g:g + 8]):
            if isinstance(t, int):
                body.append(t)
            else:
                off, length, bits = t
                flags |= 1 << bit
                body += struct.pack("<H", ((off - 1) << (16 - bits)) |
                                    (length - 3))
        out.append(flags)
        out += body
    if len(out) > 4096:
        # Incompressible: a raw chunk (4096 bytes, padded with zeros).
        return struct.pack("<H", 0x3FFF) + bytes(data).ljust(4096, b"\0")
    return struct.pack("<H", 0xB000 | (len(out) - 1)) + bytes(out)


def ovba_compress(data):
    """DATA as an MS-OVBA CompressedContainer."""
    out = bytearray(b"\x01")
    for start in range(0, len(data), 4096):
        out += _compress_chunk(bytes(data[start:start + 4096]))
    return bytes(out)


def ovba_decompress(data):
    """An MS-OVBA CompressedContainer decompressed (raises ValueError)."""
    if not data or data[0] != 1:
        raise ValueError("no signature byte")
    out = bytearray()
    pos = 1
    while pos < len(data):
        (hdr,) = struct.unpack_from("<H", data, pos)
        if (hdr >> 12) & 7 != 3:
            raise ValueError("bad chunk signature")
        end = min(len(data), pos + (hdr & 0xFFF) + 3)
        start = len(out)
        p = pos + 2
        if not hdr & 0x8000:
            out += data[p:p + 4096]
            pos = end
            continue
        while p < end:
            flags = data[p]
            p += 1
            for bit in range(8):
                if p >= end:
                    break
                if not flags >> bit & 1:
                    out.append(data[p])
                    p += 1
                    continue
                (token,) = struct.unpack_from("<H", data, p)
                p += 2
                bits = _bit_count(len(out) - start)
                length = (token & (0xFFFF >> bits)) + 3
                off = (token >> (16 - bits)) + 1
                for _ in range(length):
                    out.append(out[-off])
        pos = end
    return bytes(out)


def _rec(rid, data=b""):
    return struct.pack("<HI", rid, len(data)) + data


def _dir_stream(modules, codepage, name):
    enc = "cp%d" % codepage
    d = bytearray()
    d += _rec(0x01, struct.pack("<I", 1))  # SYSKIND: Win32
    d += _rec(0x02, struct.pack("<I", 0x409))  # LCID
    d += _rec(0x14, struct.pack("<I", 0x409))  # LCIDINVOKE
    d += _rec(0x03, struct.pack("<H", codepage))
    d += _rec(0x04, name.encode(enc))
    d += _rec(0x05) + _rec(0x40)  # DOCSTRING, unicode
    d += _rec(0x06) + _rec(0x3D)  # HELPFILEPATH 1 and 2
    d += _rec(0x07, struct.pack("<I", 0))  # HELPCONTEXT
    d += _rec(0x08, struct.pack("<I", 0))  # LIBFLAGS
    # PROJECTVERSION: "size" 4, then VersionMajor (4) + VersionMinor (2).
    d += struct.pack("<HIIH", 0x09, 4, 0x5A3F2C1B, 0x0011)
    d += _rec(0x0C) + _rec(0x3C)  # CONSTANTS, unicode
    d += _rec(0x0F, struct.pack("<H", len(modules)))
    d += _rec(0x13, struct.pack("<H", 0xFFFF))  # PROJECTCOOKIE
    for mname, _src, kind in modules:
        uname = mname.encode("utf-16-le")
        d += _rec(0x19, mname.encode(enc, "replace"))
        d += _rec(0x47, uname)
        d += _rec(0x1A, mname.encode(enc, "replace"))
        d += _rec(0x32, uname)
        d += _rec(0x1C) + _rec(0x48)  # DOCSTRING, unicode
        d += _rec(0x31, struct.pack("<I", 0))  # MODULEOFFSET
        d += _rec(0x1E, struct.pack("<I", 0))  # HELPCONTEXT
        d += _rec(0x2C, struct.pack("<H", 0xFFFF))  # COOKIE
        d += _rec(0x21 if kind == "std" else 0x22)
        d += _rec(0x2B)  # module terminator
    d += _rec(0x10)  # dir terminator
    return bytes(d)


def vba_project(modules, codepage=1252, name="Project"):
    """Streams of a VBA project storage, by path relative to the storage
    that holds "VBA" ("Macros" in Word, the root of vbaProject.bin).
    MODULES: (name, source text, "std" or "doc") each; source is str."""
    enc = "cp%d" % codepage
    streams = {}
    # _VBA_PROJECT: version 0xFFFF says "no p-code": Office recompiles.
    streams["VBA/_VBA_PROJECT"] = b"\xcc\x61\xff\xff\x00\x00\x00"
    streams["VBA/dir"] = ovba_compress(_dir_stream(modules, codepage, name))
    for mname, src, _kind in modules:
        streams["VBA/" + mname] = ovba_compress(src.encode(enc, "replace"))
    lines = ['ID="{00000000-0000-0000-0000-000000000000}"']
    for mname, _src, kind in modules:
        if kind == "std":
            lines.append("Module=" + mname)
        else:
            lines.append("Document=%s/&H00000000" % mname)
    lines += ['Name="%s"' % name, 'HelpContextID="0"',
              'VersionCompatible32="393222000"', 'CMG=""', 'DPB=""',
              'GC=""', "", "[Host Extender Info]",
              "&H00000001={3832D640-CF90-11CF-8E43-00A0C911005A};VBE;"
              "&H00000000", ""]
    streams["PROJECT"] = "\r\n".join(lines).encode(enc, "replace")
    wm = bytearray()
    for mname, _src, _kind in modules:
        wm += mname.encode(enc, "replace") + b"\0"
        wm += mname.encode("utf-16-le") + b"\0\0"
    streams["PROJECTwm"] = bytes(wm + b"\0\0")
    return streams


# ---------------------------------------------------------------- MS-CFB


class _Entry:
    def __init__(self, name, kind, data=b""):
        self.name, self.kind, self.data = name, kind, data
        self.children = {}
        self.sid = 0
        self.left = self.right = self.child = NOSTREAM
        self.start, self.size = ENDOFCHAIN, 0


def _cfb_key(name):
    return (len(name.encode("utf-16-le")), name.upper())


class Cfb:
    """An in-memory compound file: add streams by path, then tobytes()."""

    def __init__(self):
        self.root = _Entry("Root Entry", 5)

    def add(self, path, data):
        """Add stream PATH ("Macros/VBA/dir"); storages are made as needed."""
        parts = path.split("/")
        node = self.root
        for part in parts[:-1]:
            if part not in node.children:
                node.children[part] = _Entry(part, 1)
            node = node.children[part]
            if node.kind != 1:
                raise ValueError("%s: a stream is in the way" % path)
        if len(parts[-1]) > 31 or parts[-1] in node.children:
            raise ValueError("%s: bad or duplicate name" % path)
        node.children[parts[-1]] = _Entry(parts[-1], 2, bytes(data))

    def _number(self):
        """Directory order (root first, pre-order) and sibling trees."""
        order = [self.root]

        def tree(entries):
            if not entries:
                return NOSTREAM
            mid = len(entries) // 2
            e = entries[mid]
            e.left = tree(entries[:mid])
            e.right = tree(entries[mid + 1:])
            return e.sid

        def visit(node):
            kids = sorted(node.children.values(), key=lambda e: _cfb_key(e.name))
            for k in kids:
                k.sid = len(order)
                order.append(k)
            for k in kids:
                if k.kind == 1:
                    visit(k)
            node.child = tree(kids)

        visit(self.root)
        return order

    def tobytes(self):
        order = self._number()
        streams = [e for e in order if e.kind == 2]
        # Small streams go to the mini stream, 64 bytes a sector.
        mini = bytearray()
        minifat = []
        for e in streams:
            e.size = len(e.data)
            if e.size == 0 or e.size >= MINI_CUTOFF:
                continue
            count = (e.size + MINI_SECTOR - 1) // MINI_SECTOR
            e.start = len(minifat)
            minifat += list(range(e.start + 1, e.start + count))
            minifat.append(ENDOFCHAIN)
            mini += e.data.ljust(count * MINI_SECTOR, b"\0")

        def sectors(n):
            return (n + SECTOR - 1) // SECTOR

        n_dir = sectors(len(order) * 128)
        n_minifat = sectors(len(minifat) * 4)
        n_mini = sectors(len(mini))
        big = [e for e in streams if e.size >= MINI_CUTOFF]
        n_big = sum(sectors(e.size) for e in big)
        n_other = n_dir + n_minifat + n_mini + n_big
        n_fat = 1
        while n_fat * 128 < n_other + n_fat:
            n_fat += 1
        if n_fat > 109:
            raise ValueError("compound file too large for this writer")
        fat = [FATSECT] * n_fat
        body = bytearray()

        def place(data, count):
            first = len(fat)
            fat.extend(range(first + 1, first + count))
            fat.append(ENDOFCHAIN)
            body.extend(data.ljust(count * SECTOR, b"\0"))
            return first

        dir_start = len(fat)
        fat.extend(range(dir_start + 1, dir_start + n_dir))
        fat.append(ENDOFCHAIN)
        dir_at = len(body)
        body.extend(b"\0" * (n_dir * SECTOR))
        minifat_start = ENDOFCHAIN
        if n_minifat:
            raw = b"".join(struct.pack("<I", x) for x in minifat)
            minifat_start = place(raw, n_minifat)
        if n_mini:
            self.root.start = place(bytes(mini), n_mini)
            self.root.size = len(mini)
        for e in big:
            e.start = place(e.data, sectors(e.size))
        fat += [FREESECT] * (n_fat * 128 - len(fat))
        directory = bytearray()
        for e in order:
            directory += self._dirent(e)
        directory = directory.ljust(n_dir * SECTOR, b"\0")
        # Unused entries: empty name, no siblings or child.
        for i in range(len(order), n_dir * 4):
            struct.pack_into("<III", directory, i * 128 + 68, NOSTREAM,
                             NOSTREAM, NOSTREAM)
        body[dir_at:dir_at + len(directory)] = directory
        header = bytearray(SECTOR)
        header[0:8] = bytes.fromhex("d0cf11e0a1b11ae1")
        struct.pack_into("<HHHHH", header, 24, 0x3E, 3, 0xFFFE, 9, 6)
        struct.pack_into("<IIIIIIIII", header, 40, 0, n_fat, dir_start, 0,
                         MINI_CUTOFF, minifat_start, n_minifat, ENDOFCHAIN,
                         0)
        for i in range(109):
            struct.pack_into("<I", header, 76 + 4 * i,
                             i if i < n_fat else FREESECT)
        fat_bytes = b"".join(struct.pack("<I", x) for x in fat)
        return bytes(header) + fat_bytes + bytes(body)

    @staticmethod
    def _dirent(e):
        name = e.name.encode("utf-16-le") + b"\0\0"
        d = bytearray(128)
        d[0:len(name)] = name
        struct.pack_into("<HBB", d, 64, len(name), e.kind, 1)
        struct.pack_into("<III", d, 68, e.left, e.right,
                         e.child if e.kind != 2 else NOSTREAM)
        start = e.start if (e.kind == 2 and e.size) or e.kind == 5 else 0
        if e.kind == 1:
            start = 0
        struct.pack_into("<IQ", d, 116, start, e.size)
        return bytes(d)

#!/usr/bin/env python3
"""gen-office.py - inert Office documents with VBA macros, for tests.

usage: gen-office.py [--list] OUTDIR [NAME...]

Writes into OUTDIR (created if missing) the fixtures below, or only the
NAMEs given; --list prints the names and what each holds, one a line.

  macro-autoopen.doc   Word 97-2003: a WordDocument stub stream and a VBA
                       project in Macros/VBA whose Module1 has
                       Sub AutoOpen() calling Shell "cmd /c echo test"
                       (AutoExec + Execute: the mraptor rule fires)
  macro-benign.doc     the same layout, Module1 only shows a MsgBox
                       (a VBA project, no AutoExec, no Write/Execute)
  macro-autoopen.docm  Word 2007+ (OOXML zip, macroEnabled content type)
                       with word/vbaProject.bin holding the AutoOpen module
  macro-2mb.doc        one module of about 2 MiB of source (a long
                       harmless Sub, then AutoOpen with Shell) for the
                       speed test: a 2 MB macro document in < 20 ms

The macros are text only: they are never run, "cmd /c echo test" would do
nothing harmful if they were, and no name or address in them resolves.
Relies on tests/cfbgen.py (standard library only).  Exit status 0, or 2 on
a usage error.
"""

import os
import sys
import zipfile

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cfbgen import Cfb, vba_project  # noqa: E402

AUTOOPEN_SRC = (
    'Attribute VB_Name = "Module1"\r\n'
    "Sub AutoOpen()\r\n"
    '    Shell "cmd /c echo test"\r\n'
    "End Sub\r\n"
)

BENIGN_SRC = (
    'Attribute VB_Name = "Module1"\r\n'
    "Sub ShowGreeting()\r\n"
    '    MsgBox "Hello from a test document"\r\n'
    "End Sub\r\n"
)

THISDOC_SRC = (
    'Attribute VB_Name = "ThisDocument"\r\n'
    'Attribute VB_Base = "1Normal.ThisDocument"\r\n'
    "Attribute VB_GlobalNameSpace = False\r\n"
    "Attribute VB_Creatable = False\r\n"
    "Attribute VB_PredeclaredId = True\r\n"
    "Attribute VB_Exposed = True\r\n"
    "Attribute VB_TemplateDerived = True\r\n"
    "Attribute VB_Customizable = True\r\n"
)

# A Word 97 FIB stub: wIdent 0xA5EC, nFib 0x00C1; enough for a type check.
WORD_STUB = bytes.fromhex("eca5c100") + bytes(508)


def big_source(target=2 * 1024 * 1024):
    """About TARGET bytes of harmless VBA, AutoOpen with Shell at the end."""
    head = 'Attribute VB_Name = "Module1"\r\nSub FillSheet()\r\n'
    tail = ("End Sub\r\n"
            "Sub AutoOpen()\r\n"
            '    Shell "cmd /c echo test"\r\n'
            "End Sub\r\n")
    lines = [head]
    size = len(head) + len(tail)
    i = 0
    while size < target:
        line = ('    total = total + Cells(%d, 2).Value * %d '
                "' row %d of the test sheet\r\n" % (i % 5000 + 1, i % 97, i))
        lines.append(line)
        size += len(line)
        i += 1
    lines.append(tail)
    return "".join(lines)


def word_doc(module_src):
    cfb = Cfb()
    cfb.add("WordDocument", WORD_STUB)
    cfb.add("1Table", bytes(512))
    modules = [("ThisDocument", THISDOC_SRC, "doc"),
               ("Module1", module_src, "std")]
    for path, data in vba_project(modules).items():
        cfb.add("Macros/" + path, data)
    return cfb.tobytes()


def vba_bin(module_src):
    cfb = Cfb()
    modules = [("ThisDocument", THISDOC_SRC, "doc"),
               ("Module1", module_src, "std")]
    for path, data in vba_project(modules).items():
        cfb.add(path, data)
    return cfb.tobytes()


CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    'content-types">'
    '<Default Extension="rels" ContentType="application/'
    'vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Default Extension="bin" ContentType="application/'
    'vnd.ms-office.vbaProject"/>'
    '<Override PartName="/word/document.xml" ContentType="application/'
    'vnd.ms-word.document.macroEnabled.main+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
    'relationships"><Relationship Id="rId1" Type="http://schemas.'
    'openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="word/document.xml"/></Relationships>'
)
DOC_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
    'relationships"><Relationship Id="rId1" Type="http://schemas.'
    'microsoft.com/office/2006/relationships/vbaProject" '
    'Target="vbaProject.bin"/></Relationships>'
)
DOCUMENT_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<w:document xmlns:w="http://schemas.openxmlformats.org/'
    'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Test document '
    "with a macro (inert fixture).</w:t></w:r></w:p></w:body></w:document>"
)


def word_docm(module_src, path):
    parts = [("[Content_Types].xml", CONTENT_TYPES), ("_rels/.rels", ROOT_RELS),
             ("word/document.xml", DOCUMENT_XML),
             ("word/_rels/document.xml.rels", DOC_RELS),
             ("word/vbaProject.bin", vba_bin(module_src))]
    with zipfile.ZipFile(path, "w") as z:
        for name, data in parts:
            # A fixed date: the same bytes on every run.
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)


def write_bytes(path, data):
    with open(path, "wb") as f:
        f.write(data)


FIXTURES = {
    "macro-autoopen.doc": ("AutoOpen + Shell in Macros/VBA/Module1",
                           lambda p: write_bytes(p, word_doc(AUTOOPEN_SRC))),
    "macro-benign.doc": ("MsgBox only in Macros/VBA/Module1",
                         lambda p: write_bytes(p, word_doc(BENIGN_SRC))),
    "macro-autoopen.docm": ("OOXML, word/vbaProject.bin with AutoOpen + Shell",
                            lambda p: word_docm(AUTOOPEN_SRC, p)),
    "macro-2mb.doc": ("about 2 MiB of source, AutoOpen + Shell at the end",
                      lambda p: write_bytes(p, word_doc(big_source()))),
}


def main(argv):
    if len(argv) >= 1 and argv[0] == "--list":
        for name, (what, _fn) in FIXTURES.items():
            print("%s\t%s" % (name, what))
        return 0
    if len(argv) < 1 or argv[0].startswith("-"):
        sys.stderr.write(__doc__.split("\n\n")[1] + "\n")
        return 2
    outdir, names = argv[0], argv[1:] or list(FIXTURES)
    for name in names:
        if name not in FIXTURES:
            sys.stderr.write("gen-office.py: unknown fixture %s\n" % name)
            return 2
    os.makedirs(outdir, exist_ok=True)
    for name in names:
        FIXTURES[name][1](os.path.join(outdir, name))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

#!/bin/sh
# golden-attach.sh - golden-file tests of the attachment analyzers: `emguard
# scan --json` over the fixtures of tests/gen-attach-fixtures.py (encrypted
# ZIPs with the password in the mail, executables and lying names, LNK in
# ISO, OneNote, nested and padded archives, active content) under the fixed
# tests/golden-attach/emguard-test.conf, then over the corpus cases with
# stated passwords and known contents when ../shared/corpus sits beside the
# source tree.
#
# For every fixture it checks (a) what expect.tsv declares: symbols (or
# categories) that must and must not fire, and the action; (b) the whole
# JSON report, normalised, against tests/golden-attach/NAME.json.
# Normalised: keys sorted, "file" reduced to its base name, timing fields
# dropped, and for the nodes expect.tsv names as volatile (archives whose
# bytes the tools randomise: ZipCrypto headers, AES salts, ISO dates, zlib
# builds) their sha256 and size dropped.  A fixture whose tool (zip, 7z,
# genisoimage/xorriso) is missing is skipped, and its golden file kept.
#
# The corpus cases are checked by facts only (no golden files: the corpus is
# not part of the source tree): zippwmacro.eml opened with its body
# password, テスト.zip names decoded and opened, fake.pdf.exe in a ZIP is a
# double extension, logo.png found inside ClamAV's LZH, ISO and ZIP files.
#
# Run by make check with $top_srcdir and $top_builddir exported.  By hand,
# from the build directory:
#     tests/golden-attach.sh            check
#     tests/golden-attach.sh --update   rewrite $top_srcdir/tests/golden-attach/
#                                       *.json from the current output
# After --update, read every changed golden file (git diff): it must show
# what its fixture is about.  --update still fails when expect.tsv is not
# met, so a wrong detection cannot become golden.
# Environment: EMGUARD_CORPUS (default $top_srcdir/../shared/corpus),
# GOLDEN_KEEP=1 keeps the fixtures and the output.
#
# Writes only under $top_builddir/tests/fixtures-attach and
# $top_builddir/tests/golden-attach-out (read-only srcdir is fine).
# Exit: 0 pass, 1 fail, 77 skip (no python3).

# The shared shell half: golden_init, golden_fixtures, golden_finish.
. "${top_srcdir:-$(dirname "$0")/..}/tests/golden-lib.sh" || exit 1
golden_init golden-attach "$@"

conf="$top_srcdir/tests/golden-attach/emguard-test.conf"
fixtures="$top_builddir/tests/fixtures-attach"
out="$top_builddir/tests/golden-attach-out"
corpus=${EMGUARD_CORPUS:-$top_srcdir/../shared/corpus}
golden_fixtures gen-attach-fixtures.py "$fixtures" "$out"

python3 - "$emguard" "$conf" "$fixtures" "$out" \
	"$top_srcdir/tests/golden-attach" "$update" "$corpus" <<'EOF'
import difflib, fnmatch, glob, json, os, subprocess, sys

emguard, conf, fixtures, outdir, golden_dir, update, corpus = sys.argv[1:8]
update = update == "1"
TIMING = {"time", "time_ms", "elapsed", "elapsed_ms", "duration",
          "duration_ms", "scan_time", "scan_time_ms", "timestamp"}
failed = 0


def fail(msg):
    global failed
    failed += 1
    print("FAIL " + msg)


def scan(path, args=(), prefix=""):
    """emguard scan --json of PATH; (report or None, why)."""
    base = prefix + os.path.basename(path)
    with open(os.path.join(outdir, base + ".json"), "wb") as o, \
            open(os.path.join(outdir, base + ".err"), "wb") as e:
        # From the file's directory, by its base name: a bare file's root
        # node is named as given, and no machine path may reach a golden.
        rc = subprocess.call([emguard, "scan", "--json", "-c", conf]
                             + list(args) + [os.path.basename(path)],
                             cwd=os.path.dirname(os.path.abspath(path)),
                             stdin=subprocess.DEVNULL, stdout=o, stderr=e)
    with open(os.path.join(outdir, base + ".err"), encoding="utf-8",
              errors="replace") as e:
        err = e.read()
    if rc not in (0, 1):
        return None, "exit status %d\n    %s" % (rc, err.strip())
    with open(os.path.join(outdir, base + ".json"), encoding="utf-8",
              errors="replace") as fp:
        lines = [l for l in fp.read().splitlines() if l.strip()]
    if len(lines) != 1:
        return None, "%d JSON lines, expected 1" % len(lines)
    try:
        return json.loads(lines[0]), ""
    except ValueError as ex:
        return None, "invalid JSON: %s" % ex


def nodes(report):
    """(parent name, node) of every node of the attachment tree."""
    stack = [(None, a) for a in reversed(report.get("attachments", []))]
    while stack:
        parent, a = stack.pop()
        yield parent, a
        stack += [(a.get("name"), c) for c in reversed(a.get("children", []))]


def normalise(obj, volatile):
    """Sorted keys, no timing members, "file" reduced to its base name, no
    sha256/size in nodes named in VOLATILE."""
    if isinstance(obj, dict):
        drop = "sha256" in obj and obj.get("name") in volatile
        out = {}
        for k, v in obj.items():
            if k in TIMING or (drop and k in ("sha256", "size")):
                continue
            if k == "file" and isinstance(v, str):
                v = os.path.basename(v)
            out[k] = normalise(v, volatile)
        return out
    if isinstance(obj, list):
        return [normalise(v, volatile) for v in obj]
    return obj


def hits(pattern, finding):
    """PATTERN is a symbol, or a category when it has a dot; a trailing *
    makes it a prefix."""
    key = finding.get("category" if "." in pattern else "symbol", "")
    if pattern.endswith("*"):
        return key.startswith(pattern[:-1])
    return key == pattern


known = set()
with open(os.path.join(outdir, "symbols.txt"), encoding="utf-8",
          errors="replace") as fp:
    for line in fp:
        known.update(w.strip(",:") for w in line.split())

# ---- the generated fixtures -----------------------------------------------
rows, skipped = [], set()
with open(os.path.join(fixtures, "expect.tsv"), encoding="utf-8") as fp:
    for line in fp:
        f = line.rstrip("\n").split("\t")
        if f[0] == "#skip":
            skipped.add(f[1])
            print("SKIP %s: %s" % (f[1], f[2]))
        elif line.strip() and not line.startswith("#"):
            rows.append(f)

names = set()
for file, must, mustnot, action, args, volatile in rows:
    name = file[:-4] if file.endswith(".eml") else file
    names.add(name)
    must = [] if must == "-" else must.split(",")
    mustnot = [] if mustnot == "-" else mustnot.split(",")
    volatile = set() if volatile == "-" else set(volatile.split(","))
    report, why = scan(os.path.join(fixtures, file),
                       [] if args == "-" else args.split())
    if report is None:
        fail("%s: %s" % (file, why))
        continue
    problems = []
    if known:
        for s in must + mustnot:
            if "." not in s and not s.endswith("*") and s not in known:
                problems.append("symbol %s is not in `emguard symbols`" % s)
    findings = report.get("findings", [])
    for p in must:
        if not any(hits(p, f) for f in findings):
            problems.append("missing %s" % p)
    for p in mustnot:
        for f in findings:
            if hits(p, f):
                problems.append("unexpected %s (must not: %s)"
                                % (f.get("symbol"), p))
    if action != "-" and report.get("action") != action:
        problems.append("action %s, expected %s" % (report.get("action"),
                                                     action))
    text = json.dumps(normalise(report, volatile), sort_keys=True, indent=2,
                      ensure_ascii=False) + "\n"
    gpath = os.path.join(golden_dir, name + ".json")
    got = ", ".join(f.get("symbol", "") for f in findings) or "(no findings)"
    if problems:
        fail("%s: %s\n    got: %s" % (file, "; ".join(problems), got))
    elif update:
        old = None
        if os.path.exists(gpath):
            with open(gpath, encoding="utf-8") as g:
                old = g.read()
        if old != text:
            with open(gpath, "w", encoding="utf-8") as g:
                g.write(text)
            print("updated %s" % gpath)
    elif not os.path.exists(gpath):
        fail("%s: no golden file %s (run tests/golden-attach.sh --update, "
             "then review it)" % (file, gpath))
    else:
        with open(gpath, encoding="utf-8") as g:
            want = g.read()
        if want != text:
            fail("%s: differs from %s" % (file, gpath))
            sys.stdout.writelines(difflib.unified_diff(
                want.splitlines(True), text.splitlines(True),
                "golden-attach/" + name + ".json", "got/" + name + ".json"))

for f in sorted(os.listdir(golden_dir)):
    if not f.endswith(".json") or f[:-5] in names:
        continue
    if f[:-5] in skipped or f[:-5] + ".eml" in skipped:
        continue
    if update:
        os.remove(os.path.join(golden_dir, f))
        print("removed stale %s" % f)
    else:
        fail("stale golden file %s: no such fixture" % f)
n_fixtures, n_fixture_failed = len(rows), failed

# ---- the shared corpus ------------------------------------------------------
# glob (relative to the corpus)  check  argument  -- what it proves
#   symbol S   : finding S (or category, with a dot) fires
#   opened     : some node was opened with a password from the message
#   child P/C  : a node named P (* for any) has a child whose name ends in C
#   child-or-unscannable P/C : that, or an attach.unscannable finding
CORPUS = [
    ("spamassassin/t/data/spam/olevbmacro/zippwmacro.eml", "opened", "",
     "ZipCrypto macro.zip, 'Password: sa' in the body"),
    ("spamassassin/t/data/spam/olevbmacro/zippwmacro.eml", "symbol",
     "attach.encrypted_archive_opened", "the same, as a finding"),
    ("deco-mail-filter/spec/mail-mocks/*-1[03].txt", "child",
     "テスト.zip/test.txt", "ISO-2022-JP name decoded, the ZIP opened"),
    ("rspamd/test/functional/messages/zip-doublebad.eml", "symbol",
     "attach.double_extension", "fake.pdf.exe inside f.zip"),
    ("rspamd/test/functional/messages/zip.eml", "symbol",
     "attach.executable", "fake.exe inside f.zip"),
    ("rspamd/test/functional/messages/rar4.eml", "child", "f.rar/",
     "a RAR4 archive opened (libarchive)"),
    ("clamav/unit_tests/input/other_scanfiles/lha_lzh/default*.lzh", "child",
     "*/logo.png", "LZH with SJIS, EUC, UTF-8 and capitalised names"),
    ("clamav/unit_tests/input/other_scanfiles/lha_lzh/lh[1-7].lzh", "child",
     "*/logo.png", "LZH methods lh1-lh7"),
    ("clamav/unit_tests/input/other_scanfiles/lha_lzh/traditional.lzh",
     "child", "*/logo.png", "LZH, traditional headers"),
    # libarchive 3.6 (bsdtar too) reads neither of these two nor the files of
    # the ISO without Joliet: what it cannot list must show as unscannable.
    ("clamav/unit_tests/input/other_scanfiles/lha_lzh/lh0.lzh",
     "child-or-unscannable", "*/logo.png", "LZH lh0 (libarchive: no)"),
    ("clamav/unit_tests/input/other_scanfiles/lha_lzh/general.obsolete.lzh",
     "child-or-unscannable", "*/logo.png", "LHarc 1.x (libarchive: no)"),
    ("clamav/unit_tests/input/other_scanfiles/iso_normal.logo.iso", "child",
     "*/logo.png", "ISO 9660 with Joliet"),
    ("clamav/unit_tests/input/other_scanfiles/iso_no_joliet.logo.iso",
     "child-or-unscannable", "*/logo.png",
     "ISO 9660 without Joliet (libarchive lists no file)"),
    ("clamav/unit_tests/input/other_scanfiles/zip/logos.zip",
     "child-or-unscannable", "*/logo.png",
     "the last segment of a split ZIP: its members listed, or visibly not"),
]


def corpus_check(path, kind, arg, report):
    if kind == "symbol":
        return any(hits(arg, f) for f in report.get("findings", []))
    if kind == "opened":
        return any(a.get("opened_with") for _, a in nodes(report))
    if kind == "child-or-unscannable" and any(
            f.get("category") == "attach.unscannable"
            for f in report.get("findings", [])):
        return True
    parent, child = arg.split("/", 1)
    for p, a in nodes(report):
        if p is None or (parent != "*" and p != parent):
            continue
        if (a.get("name") or "").endswith(child):
            return True
    return False


n_corpus = 0
if os.path.isdir(corpus):
    for pattern, kind, arg, why in CORPUS:
        paths = sorted(glob.glob(os.path.join(corpus, pattern)))
        if not paths:
            print("SKIP corpus %s: no such file" % pattern)
        for path in paths:
            n_corpus += 1
            rel = os.path.relpath(path, corpus)
            report, err = scan(path, prefix="corpus-")
            if report is None:
                fail("corpus %s: %s" % (rel, err))
            elif not corpus_check(path, kind, arg, report):
                tree = ["%s/%s" % (p or "", a.get("name"))
                        for p, a in nodes(report)]
                fail("corpus %s: expected %s %s (%s)\n    got: %s\n    tree: %s"
                     % (rel, kind, arg, why,
                        ", ".join(f.get("symbol", "") for f in
                                  report.get("findings", [])) or "(no findings)",
                        ", ".join(tree) or "(no attachments)"))
else:
    print("SKIP corpus: %s not found" % corpus)

print("golden-attach: %d fixtures (%d skipped), %d corpus scans, %d failed"
      % (n_fixtures, len(skipped), n_corpus, failed))
sys.exit(1 if failed else 0)
EOF
golden_finish $? "$fixtures" "$out"

#!/bin/sh
# office-corpus.sh - the Office analyzer against public ground truth.
#
# 1. ../shared/corpus/oletools/EXPECTED.tsv (101 files from oletools' own
#    tests): `emguard scan --json` over every file, with ArchivePasswords
#    infected-test (the password of oletools' zipped samples).  For each row
#    the facts has_vba (OFFICE_MACRO), has_xlm (OFFICE_XLM_MACRO) and
#    autoexec (OFFICE_MACRO_AUTOEXEC, OFFICE_XLM_AUTO_OPEN, or an
#    OFFICE_MACRO detail that names an entry point run "on opening") must
#    agree with the truth on at least 98% of rows.  Encrypted files whose
#    password is stated (VelvetSweatshop) are judged after decryption, which
#    the scanner does itself.  Every disagreement is printed.
# 2. ../shared/corpus/spamassassin/EXPECTED_olevbmacro.tsv: each message's
#    macro, rename, encryption and zip-password facts show up as findings.
#
# Exit: 0 pass, 1 fail, 77 skip (no corpus or no python3).

: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$(pwd)}"
corpus="$top_srcdir/../shared/corpus"

if [ ! -f "$corpus/oletools/EXPECTED.tsv" ]; then
	echo "office-corpus: no corpus at $corpus, skipping"
	exit 77
fi
if ! command -v python3 >/dev/null 2>&1; then
	echo "office-corpus: python3 not found, skipping"
	exit 77
fi
emguard="$top_builddir/cli/emguard"
if [ ! -x "$emguard" ]; then
	echo "office-corpus: $emguard not built"
	exit 1
fi

exec python3 - "$emguard" "$(cd "$corpus" && pwd)" <<'EOF'
import csv, json, os, subprocess, sys, tempfile

emguard, corpus = sys.argv[1], sys.argv[2]
failed = 0

def scan(paths, conf_text):
    """One emguard run over PATHS; the JSON report of each, by path."""
    with tempfile.NamedTemporaryFile("w", suffix=".conf", delete=False) as f:
        f.write(conf_text)
        conf = f.name
    try:
        p = subprocess.run([emguard, "scan", "--json", "-c", conf] + paths,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    finally:
        os.unlink(conf)
    if p.returncode not in (0, 1):
        sys.stderr.write(p.stderr.decode(errors="replace"))
        sys.exit("office-corpus: emguard exited with %d" % p.returncode)
    reports = {}
    for line in p.stdout.decode().splitlines():
        r = json.loads(line)
        reports[r["file"]] = r
    return reports

def facts(r):
    syms = {f["symbol"]: f for f in r["findings"]}
    vba = "OFFICE_MACRO" in syms
    xlm = "OFFICE_XLM_MACRO" in syms
    auto = ("OFFICE_MACRO_AUTOEXEC" in syms or "OFFICE_XLM_AUTO_OPEN" in syms
            or (vba and "on opening" in syms["OFFICE_MACRO"]["detail"]))
    return vba, xlm, auto

# ---- 1. oletools --------------------------------------------------------
rows = list(csv.DictReader(open(os.path.join(corpus, "oletools/EXPECTED.tsv"),
                                encoding="utf-8"), delimiter="\t"))
base = os.path.join(corpus, "oletools")
paths = [os.path.join(base, r["file"]) for r in rows]
missing = [p for p in paths if not os.path.exists(p)]
if missing:
    sys.exit("office-corpus: missing corpus files: %s" % missing[:3])
reports = scan(paths, "ArchivePasswords infected-test\n")
agree = 0
for r, p in zip(rows, paths):
    want = (r["has_vba"].startswith("yes"), r["has_xlm"].startswith("yes"),
            r["autoexec"].strip() not in ("", "no") and
            not r["autoexec"].startswith("no "))
    if p not in reports:
        print("office-corpus: no report for %s" % r["file"])
        failed += 1
        continue
    got = facts(reports[p])
    if got == want:
        agree += 1
        continue
    names = ("has_vba", "has_xlm", "autoexec")
    diff = ", ".join("%s want %s got %s" % (n, w, g)
                     for n, w, g in zip(names, want, got) if w != g)
    print("office-corpus: DISAGREE %s: %s [%s]" % (
        r["file"], diff, ",".join(f["symbol"] for f in reports[p]["findings"])))
share = 100.0 * agree / len(rows)
print("office-corpus: oletools agreement %d/%d rows (%.1f%%)" % (
    agree, len(rows), share))
if share < 98.0:
    print("office-corpus: FAIL: below 98%")
    failed += 1

# ---- 2. SpamAssassin's olevbmacro messages ------------------------------
# Expected facts per message: the symbols each SpamAssassin rule maps to.
sa_rules = {
    "OLEMACRO_FOUND": ["OFFICE_MACRO"],
    "OLEMACRO_RENAME": ["ATTACH_TYPE_MISMATCH"],
    "OLEMACRO_ENCRYPTED": ["ATTACH_ENCRYPTED_ARCHIVE_OPENED"],
    "OLEMACRO_ZIP_PW": ["ATTACH_ENCRYPTED_ARCHIVE_OPENED"],
}
sa_rows = list(csv.DictReader(
    open(os.path.join(corpus, "spamassassin/EXPECTED_olevbmacro.tsv"),
         encoding="utf-8"), delimiter="\t"))
sa_base = os.path.join(corpus, "spamassassin")
sa_paths = [os.path.join(sa_base, r["file"]) for r in sa_rows]
sa_reports = scan(sa_paths, "")
for r, p in zip(sa_rows, sa_paths):
    rep = sa_reports.get(p)
    if rep is None:
        print("office-corpus: no report for %s" % r["file"])
        failed += 1
        continue
    syms = {f["symbol"] for f in rep["findings"]}
    expects = r["spamassassin_t_olevbmacro_expects"]
    want = set()
    for rule, ours in sa_rules.items():
        if rule in expects and "not " + rule not in expects:
            want.update(ours)
    bad = sorted(want - syms)
    # Negative controls: no macro where SpamAssassin expects none.
    if r["has_vba"] == "no" and "OFFICE_MACRO" in syms:
        bad.append("unexpected OFFICE_MACRO")
    if r["autoexec"].strip() and not facts(rep)[2]:
        bad.append("auto-exec entry point not reported")
    if bad:
        print("office-corpus: FAIL %s: %s [%s]" % (r["file"], ", ".join(bad),
                                                   ",".join(sorted(syms))))
        failed += 1
    else:
        print("office-corpus: ok %s: %s" % (r["file"],
                                            ",".join(sorted(syms)) or "-"))
sys.exit(1 if failed else 0)
EOF

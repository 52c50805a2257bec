#!/bin/sh
# golden.sh - golden-file tests of `emguard scan --json` over the generated
# fixtures (tests/gen-fixtures.py) under the fixed tests/golden/emguard-test.conf.
#
# For every fixture it checks (a) the symbols and action the generator
# declares in expect.tsv (must / must not / action), and (b) the whole JSON
# report, normalised (keys sorted, "file" reduced to the base name, timing
# fields dropped), against tests/golden/NAME.json.
#
# Run by make check with $top_srcdir and $top_builddir exported.  By hand,
# from the build directory:
#     tests/golden.sh              check
#     tests/golden.sh --update     rewrite $top_srcdir/tests/golden/*.json
#                                  from the current output (and delete golden
#                                  files of fixtures that no longer exist)
# After --update, read every changed golden file (git diff) before
# committing: it must show what its fixture is about.  --update still fails
# when expect.tsv is not met, so a wrong detection cannot become golden.
#
# Writes only under $top_builddir/tests/fixtures (the generated .eml files
# and expect.tsv) and $top_builddir/tests/golden-out (scan output), both
# removed after a pass unless GOLDEN_KEEP=1, so it works with a read-only
# srcdir (make distcheck).  Exit: 0 pass, 1 fail, 77 skip (no python3).

# The shared shell half: golden_init, golden_fixtures, golden_finish.
. "${top_srcdir:-$(dirname "$0")/..}/tests/golden-lib.sh" || exit 1
golden_init golden "$@"

conf="$top_srcdir/tests/golden/emguard-test.conf"
fixtures="$top_builddir/tests/fixtures"
out="$top_builddir/tests/golden-out"
golden_fixtures gen-fixtures.py "$fixtures" "$out"

# Scan each fixture on its own, so that one crash names its fixture and the
# per-fixture options of expect.tsv apply.
fail=0
tab=$(printf '\t')
while IFS="$tab" read -r file must mustnot action args; do
	case "$file" in '#'* | '') continue ;; esac
	[ "$args" = "-" ] && args=
	# shellcheck disable=SC2086 # args is a word list by design
	"$emguard" scan --json -c "$conf" $args "$fixtures/$file" \
		</dev/null >"$out/$file.json" 2>"$out/$file.err"
	rc=$?
	if [ "$rc" -gt 1 ]; then
		echo "FAIL $file: emguard scan exit status $rc"
		sed 's/^/    /' "$out/$file.err"
		fail=1
	fi
done <"$fixtures/expect.tsv"

python3 - "$fixtures/expect.tsv" "$out" "$top_srcdir/tests/golden" \
	"$out/symbols.txt" "$update" <<'EOF' || fail=1
import difflib, json, os, sys

expect_tsv, outdir, golden_dir, symbols_txt, update = sys.argv[1:6]
update = update == "1"
TIMING = {"time", "time_ms", "elapsed", "elapsed_ms", "duration",
          "duration_ms", "scan_time", "scan_time_ms", "timestamp"}

def normalise(obj):
    """Sorted keys, no timing members, "file" reduced to its base name."""
    if isinstance(obj, dict):
        out = {}
        for k, v in obj.items():
            if k in TIMING:
                continue
            if k == "file" and isinstance(v, str):
                v = os.path.basename(v)
            out[k] = normalise(v)
        return out
    if isinstance(obj, list):
        return [normalise(v) for v in obj]
    return obj

def matches(pattern, symbol):
    if pattern.endswith("*"):
        return symbol.startswith(pattern[:-1])
    return symbol == pattern

known = set()
with open(symbols_txt, encoding="utf-8", errors="replace") as fp:
    for line in fp:
        known.update(w.strip(",:") for w in line.split())

failed = 0
names = set()
with open(expect_tsv, encoding="utf-8") as fp:
    rows = [l.rstrip("\n").split("\t") for l in fp
            if l.strip() and not l.startswith("#")]
for file, must, mustnot, action, _args in rows:
    name = file[:-4] if file.endswith(".eml") else file
    names.add(name)
    must = [] if must == "-" else must.split(",")
    mustnot = [] if mustnot == "-" else mustnot.split(",")
    problems = []
    if known:
        for s in must + mustnot:
            if not s.endswith("*") and s not in known:
                problems.append("symbol %s is not in `emguard symbols`" % s)
    with open(os.path.join(outdir, file + ".json"), encoding="utf-8",
              errors="replace") as fp:
        lines = [l for l in fp.read().splitlines() if l.strip()]
    if len(lines) != 1:
        print("FAIL %s: %d JSON lines, expected 1" % (file, len(lines)))
        failed += 1
        continue
    try:
        report = json.loads(lines[0])
    except ValueError as e:
        print("FAIL %s: invalid JSON: %s" % (file, e))
        failed += 1
        continue
    got = [f.get("symbol", "") for f in report.get("findings", [])]
    for s in must:
        if s not in got:
            problems.append("missing %s" % s)
    for p in mustnot:
        for s in got:
            if matches(p, s):
                problems.append("unexpected %s (must not: %s)" % (s, p))
    if action != "-" and report.get("action") != action:
        problems.append("action %s, expected %s" % (report.get("action"), action))
    text = json.dumps(normalise(report), sort_keys=True, indent=2,
                      ensure_ascii=False) + "\n"
    gpath = os.path.join(golden_dir, name + ".json")
    if problems:
        print("FAIL %s: %s\n    got: %s" % (file, "; ".join(problems),
                                           ", ".join(got) or "(no findings)"))
        failed += 1
    elif update:
        old = open(gpath, encoding="utf-8").read() if os.path.exists(gpath) else None
        if old != text:
            with open(gpath, "w", encoding="utf-8") as g:
                g.write(text)
            print("updated %s" % gpath)
    elif not os.path.exists(gpath):
        print("FAIL %s: no golden file %s (run tests/golden.sh --update, "
              "then review it)" % (file, gpath))
        failed += 1
    else:
        with open(gpath, encoding="utf-8") as g:
            want = g.read()
        if want != text:
            print("FAIL %s: differs from %s" % (file, gpath))
            sys.stdout.writelines(difflib.unified_diff(
                want.splitlines(True), text.splitlines(True),
                "golden/" + name + ".json", "got/" + name + ".json"))
            failed += 1

for f in sorted(os.listdir(golden_dir)):
    if f.endswith(".json") and f[:-5] not in names:
        if update:
            os.remove(os.path.join(golden_dir, f))
            print("removed stale %s" % f)
        else:
            print("FAIL stale golden file %s: no such fixture" % f)
            failed += 1

print("golden: %d fixtures, %d failed" % (len(rows), failed))
sys.exit(1 if failed else 0)
EOF

golden_finish "$fail" "$fixtures" "$out"

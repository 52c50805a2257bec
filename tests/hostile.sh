#!/bin/sh
# hostile.sh - the hostile-input catalogue (issue 8): every case of
# tests/gen-hostile.py is generated into a temporary directory under
# $top_builddir/tests, scanned with `emguard scan --json` under an empty
# configuration (the default limits; a case may add lines of its own), and
# checked against tests/hostile/expected.tsv: the exit status (a signal, a
# sanitizer report or an exit status above 2 always fails), the findings
# that must (+SYMBOL, optionally ~REGEX on their detail) and must not
# (-SYMBOL) be there, that the report parses as JSON and is a message
# report when the case is a message, stderr when a case expects an error,
# and the wall time bound.
# One line per case, then "hostile: N passed, N failed".
#
# Under a sanitizer build (config.log of $top_builddir has -fsanitize)
# every time bound is multiplied by HOSTILE_TIME_FACTOR (default 3) and the
# cases are generated with --small (the padded document 64 MB instead of
# 300, the folded Subject 25,000 lines instead of 100,000); the first line
# says so.  HOSTILE_PAD_MB sets the padded document's size in MB anywhere.
# HOSTILE_KEEP=1 keeps the cases and the reports; a failure keeps them too
# (the padded .doc is sparse).  HOSTILE_CASES="name ..." runs only those;
# HOSTILE_JOBS (default 2) is how many scans run at once.
#
# Run by make check and make check-sanitizer with $top_srcdir and $top_builddir
# exported; by hand from the build directory: sh $srcdir/tests/hostile.sh
# Exit: 0 pass, 1 fail, 77 skip (no python3).

# golden_init: top_srcdir, top_builddir, $emguard; exit 77 without python3.
. "${top_srcdir:-$(dirname "$0")/..}/tests/golden-lib.sh" || exit 1
golden_init hostile

factor=${HOSTILE_TIME_FACTOR:-1}
small=
if grep -q -e '-fsanitize' "$top_builddir/config.log" 2>/dev/null; then
	factor=${HOSTILE_TIME_FACTOR:-3}
	small=--small
	echo "hostile: sanitizer build (-fsanitize in config.log): time" \
	     "bounds x$factor, gen-hostile.py --small (padded document" \
	     "${HOSTILE_PAD_MB:-64} MB, Subject folded 25,000 times)"
fi
# A sanitizer report exits 86, which no scan returns.  libgsf leaks inside
# gsf_infile_msole_new on some hostile compound files (tests/lsan.supp);
# LeakSanitizer sees its frames only with the slow unwinder, which costs
# seconds on malloc-heavy cases: the runner asks for it on the cases that
# hold a compound file only (ASAN_OPTIONS_OLE).
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}exitcode=86"
ASAN_OPTIONS_OLE="$ASAN_OPTIONS:fast_unwind_on_malloc=0"
UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}print_stacktrace=1:exitcode=86"
LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$top_srcdir/tests/lsan.supp}"
export ASAN_OPTIONS ASAN_OPTIONS_OLE UBSAN_OPTIONS LSAN_OPTIONS

mkdir -p "$top_builddir/tests" || exit 1
work=$(mktemp -d "$top_builddir/tests/hostile.XXXXXX") || exit 1
keep=${HOSTILE_KEEP:-0}
cleanup() {
	if [ "$keep" = 1 ]; then
		echo "hostile: cases and reports kept in $work"
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

: >"$work/empty.conf"
# shellcheck disable=SC2086 # HOSTILE_CASES is a list of names
if ! python3 "$top_srcdir/tests/gen-hostile.py" $small \
	"$work/cases" ${HOSTILE_CASES:-}; then
	echo "hostile: FAIL: gen-hostile.py failed"
	keep=1
	exit 1
fi

python3 - "$emguard" "$work" "$top_srcdir/tests/hostile/expected.tsv" \
	"$factor" "${HOSTILE_CASES:-}" "${HOSTILE_JOBS:-2}" <<'EOF'
import concurrent.futures, json, os, re, signal, subprocess, sys, time

emguard, work, table, factor, only, jobs = sys.argv[1:7]
factor = float(factor)
jobs = max(1, int(jobs))
only = set(only.split())
conf = os.path.join(work, "empty.conf")
cases = os.path.join(work, "cases")
SANITIZER = re.compile(r"ERROR: (Address|Leak)Sanitizer|runtime error:|"
                       r"SUMMARY: UndefinedBehaviorSanitizer")
passed = failed = 0


def check(name, mode, expect, bound):
    """Run one case; a list of what went wrong and a summary."""
    path = os.path.join(cases, name)
    out_path = os.path.join(work, name + ".json")
    err_path = os.path.join(work, name + ".err")
    if not os.path.exists(path):
        return ["not generated"], ""
    limit = bound * factor
    tokens = [t.strip() for t in expect.split(";") if t.strip()]
    config = conf
    lines = [t[5:] for t in tokens if t.startswith("conf=")]
    if lines:  # this case's own configuration
        config = os.path.join(work, name + ".conf")
        with open(config, "w") as f:
            f.write("\n".join(lines) + "\n")
    start = time.monotonic()
    with open(out_path, "wb") as o, open(err_path, "wb") as e:
        env = dict(os.environ)
        if name.endswith(".doc") or name.startswith("padded-doc"):
            env["ASAN_OPTIONS"] = env["ASAN_OPTIONS_OLE"]
        p = subprocess.Popen([emguard, "scan", "--json", "-c", config, name],
                             cwd=cases, stdin=subprocess.DEVNULL,
                             stdout=o, stderr=e, env=env)
        try:
            rc = p.wait(timeout=max(3 * limit, limit + 30))
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
            return ["hung: killed after %.0fs" % (time.monotonic() - start)], ""
    took = time.monotonic() - start
    with open(err_path, encoding="utf-8", errors="replace") as f:
        err = f.read()
    with open(out_path, "rb") as f:
        raw = f.read()
    bad = []
    if rc < 0:
        bad.append("killed by signal %s" % signal.Signals(-rc).name)
    elif rc > 2:
        bad.append("exit status %d" % rc)
    if SANITIZER.search(err):
        bad.append("sanitizer report on stderr")
    if took > limit:
        bad.append("took %.1fs, bound %.0fs" % (took, limit))
    report = None
    symbols = []
    if "nojson" in tokens:
        if raw.strip():
            bad.append("a report was printed")
    else:
        try:
            report = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as ex:
            bad.append("report is not JSON: %s" % ex)
    if report is not None:
        symbols = [(f.get("symbol"), f.get("detail") or "")
                   for f in report.get("findings", [])]
        if mode == "message" and not (report.get("from") or
                                      report.get("subject") or
                                      report.get("message_id")):
            bad.append("not scanned as a message (no From, Subject or "
                       "Message-ID in the report)")
    for t in tokens:
        if t.startswith("exit "):
            allowed = [int(x) for x in t[5:].split("|")]
            if rc not in allowed:
                bad.append("exit status %d, expected %s" % (rc, t[5:]))
        elif t.startswith("+"):
            sym, _, rx = t[1:].partition("~")
            if not any(s == sym and (not rx or re.search(rx, d))
                       for s, d in symbols):
                bad.append("no %s%s" % (sym, " matching /%s/" % rx
                                        if rx else ""))
        elif t.startswith("-"):
            if any(s == t[1:] for s, _ in symbols):
                bad.append("unexpected %s" % t[1:])
        elif t.startswith("stderr~"):
            if not re.search(t[7:], err):
                bad.append("stderr does not match /%s/" % t[7:])
        elif t != "nojson" and not t.startswith("conf="):
            bad.append("bad expectation %r in expected.tsv" % t)
    if bad and err.strip():
        bad.append("stderr: " + " | ".join(err.strip().splitlines()[-5:]))
    seen = sorted(set(s for s, _ in symbols))
    return bad, "%.2fs exit %d %s" % (took, rc, " ".join(seen) or "-")


with open(table, encoding="utf-8") as f:
    rows = [l.rstrip("\n").split("\t") for l in f
            if l.strip() and not l.startswith("#")]
names = set()
todo = []
for row in rows:
    if len(row) < 4:
        print("FAIL expected.tsv: bad line %r" % "\t".join(row))
        failed += 1
        continue
    name, mode, expect, bound = row[:4]
    names.add(name)
    if only and name not in only:
        continue
    if mode not in ("message", "file"):
        print("FAIL %s: mode %r is neither message nor file" % (name, mode))
        failed += 1
        continue
    todo.append((name, mode, expect, float(bound)))
# Two scans at a time (the machine has two cores); results in table order.
with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
    results = pool.map(lambda c: check(*c), todo)
    for (name, _m, _e, _b), (bad, summary) in zip(todo, results):
        if bad:
            failed += 1
            print("FAIL %-24s %s: %s" % (name, summary, "; ".join(bad)))
        else:
            passed += 1
            print("PASS %-24s %s" % (name, summary))
for name in sorted(os.listdir(cases)):
    if name not in names:
        print("FAIL %s: generated but not in expected.tsv" % name)
        failed += 1
print("hostile: %d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
EOF
rc=$?
[ "$rc" -eq 0 ] || keep=1
exit "$rc"

#!/bin/sh
# valgrind.sh - the `emguard` CLI under valgrind's memcheck over the shared
# corpus and every generated fixture (issue 8): no definite leak, no invalid
# read or write, no use of uninitialised memory.
#
# What is scanned, with `emguard scan --json --jobs 1`, many files per
# emguard run so that valgrind's start-up is paid once a batch:
#   corpus    every file under ../shared/corpus (messages, mboxes, Office
#             samples, archives, and the license and ground-truth text files,
#             which are scanned as bare files), under the attachment golden
#             configuration with the corpus's stated passwords
#             (ArchivePasswords infected-test, infected, password);
#   golden    tests/gen-fixtures.py under tests/golden/emguard-test.conf,
#             with the per-fixture options of its expect.tsv;
#   attach    tests/gen-attach-fixtures.py under
#             tests/golden-attach/emguard-test.conf, likewise;
#   office    tests/gen-office.py under the same configuration, given as
#             its directory (so the CLI's directory walk runs too);
#   fuzz      the replayed fuzz corpora (tests/fuzz/corpus/*/: what the
#             fuzzers kept, crashes found included) as bare files or
#             messages, as the CLI takes them, under that configuration;
#   hostile   tests/gen-hostile.py (full size) under an empty configuration
#             plus each case's conf= lines of tests/hostile/expected.tsv.
# Every configuration gets LimitScanTime 10m (unless a case sets its own):
# valgrind runs a scan 20-50 times slower, and a scan cut short by the
# default 20 s would leave code unexercised and make the run depend on load.
#
# valgrind runs with --leak-check=full --errors-for-leak-kinds=definite
# --show-leak-kinds=definite --error-exitcode=99 --track-origins=no:
# GLib, GMime, ICU and libmagic keep "still reachable" and "possibly lost"
# memory by design, and those are not errors here.  Definite leaks and
# invalid accesses are, wherever they are, but for the third-party false
# positives in tests/valgrind.supp (each entry says why).
# A batch with errors is bisected (more emguard runs over halves of it) down
# to the files that cause them, and its valgrind log is printed.
#
# One line per batch: its files, messages (JSON reports), seconds and
# errors; then a total.  Exit status 0 when no batch had an error, no run
# died by a signal or exited above 2; 1 otherwise; 77 when valgrind (or
# python3) is absent.
#
# Usage, from the build directory (make check exports top_srcdir and
# top_builddir; by hand they default to this script's parent directory and
# the current one):
#     tests/valgrind.sh           a sample: every EMG_VALGRIND_SAMPLE-th input
#                                 (default 12: about 185 files, 70 s here,
#                                 45 s of CPU), as tests/run-all.sh runs it
#     tests/valgrind.sh --full    everything: about 2,170 files, 13-16 min
#                                 on this shared 2-core machine (6.7 minutes
#                                 of CPU; valgrind runs one thread)
# Environment: EMG_VALGRIND_SAMPLE=N (every Nth input path of the whole
# list, in the order above; 1 is the full run), EMG_VALGRIND_BATCH (most
# files per emguard run, default 100), EMGUARD_CORPUS (default
# $top_srcdir/../shared/corpus), VALGRIND_KEEP=1 keeps the work directory
# (a failure keeps it too).  Writes only under $top_builddir/tests.

# golden_init: top_srcdir, top_builddir, $emguard; exit 77 without python3.
. "${top_srcdir:-$(dirname "$0")/..}/tests/golden-lib.sh" || exit 1
sample=${EMG_VALGRIND_SAMPLE:-12}
case "${1:-}" in
--full) sample=1 ;;
"") ;;
*) echo "usage: $0 [--full]" >&2; exit 2 ;;
esac
golden_init valgrind

if ! command -v valgrind >/dev/null 2>&1; then
	echo "valgrind: valgrind not found, skipping"
	exit 77
fi
case $sample in
'' | *[!0-9]* | 0)
	echo "valgrind: EMG_VALGRIND_SAMPLE must be a number above 0" >&2
	exit 2
	;;
esac

mkdir -p "$top_builddir/tests" || exit 1
work=$(mktemp -d "$top_builddir/tests/valgrind.XXXXXX") || exit 1
keep=${VALGRIND_KEEP:-0}
cleanup() {
	if [ "$keep" = 1 ]; then
		echo "valgrind: work directory kept in $work"
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

for gen in gen-fixtures.py:golden gen-attach-fixtures.py:attach \
	gen-office.py:office gen-hostile.py:hostile; do
	if ! python3 "$top_srcdir/tests/${gen%%:*}" "$work/${gen#*:}" >/dev/null; then
		echo "valgrind: FAIL: ${gen%%:*} failed"
		keep=1
		exit 1
	fi
done

python3 - "$top_srcdir" "$top_builddir" "$emguard" "$work" \
	"${EMGUARD_CORPUS:-$top_srcdir/../shared/corpus}" "$sample" \
	"${EMG_VALGRIND_BATCH:-100}" <<'EOF'
import os, re, subprocess, sys, time

srcdir, builddir, emguard, work, corpus, sample, batch_max = sys.argv[1:8]
sample, batch_max = int(sample), max(1, int(batch_max))
VALGRIND = ["valgrind", "--error-exitcode=99", "--leak-check=full",
            "--errors-for-leak-kinds=definite",
            "--show-leak-kinds=definite", "--track-origins=no",
            "--num-callers=30"]
SUPP = os.path.join(srcdir, "tests/valgrind.supp")
if os.path.exists(SUPP):
    VALGRIND.append("--suppressions=" + SUPP)
# The libtool wrapper is a script: libtool runs valgrind on the real binary
# with the uninstalled library's path.
libtool = os.path.join(builddir, "libtool")
RUNNER = ([libtool, "--mode=execute"] if os.access(libtool, os.X_OK)
          else []) + VALGRIND
SCAN_TIME = "LimitScanTime 10m"
ERRORS = re.compile(r"ERROR SUMMARY: (\d+) errors")
BATCH_BYTES = 16 << 20  # and at most this much input per run


def conf_text(base, lines=()):
    """BASE (a file, or None) with the keywords of LINES replaced by LINES,
    and the generous scan time unless LINES set one."""
    keys = {l.split()[0].lower() for l in lines}
    if not any(k == "limitscantime" for k in keys):
        lines = list(lines) + [SCAN_TIME]
        keys.add("limitscantime")
    kept = []
    if base:
        with open(base, encoding="utf-8") as f:
            for l in f:
                w = l.split()
                if not (w and not w[0].startswith("#")
                        and w[0].lower() in keys):
                    kept.append(l.rstrip("\n"))
    return "\n".join(kept + list(lines)) + "\n"


groups = []  # (label, configuration text, extra args, [paths])


def add(label, conf, args, paths):
    for g in groups:
        if g[0] == label and g[1] == conf and g[2] == args:
            g[3].extend(paths)
            return
    groups.append((label, conf, args, list(paths)))


def expect_rows(directory):
    """The fixture rows of a generator's expect.tsv: (file, extra args)."""
    with open(os.path.join(directory, "expect.tsv"), encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            row = line.rstrip("\n").split("\t")
            args = () if row[4] == "-" else tuple(row[4].split())
            yield os.path.join(directory, row[0]), args


golden_conf = os.path.join(srcdir, "tests/golden/emguard-test.conf")
attach_conf = os.path.join(srcdir, "tests/golden-attach/emguard-test.conf")
if os.path.isdir(corpus):
    paths = []
    for d, dirs, files in os.walk(corpus):
        dirs[:] = sorted(x for x in dirs if not x.startswith("."))
        paths += [os.path.join(d, f) for f in sorted(files)
                  if not f.startswith(".")]
    add("corpus", conf_text(attach_conf, [
        "ArchivePasswords infected-test, infected, password"]), (),
        paths)
else:
    print("valgrind: no corpus at %s: generated fixtures only" % corpus)
for label, conf in (("golden", golden_conf), ("attach", attach_conf)):
    for path, args in expect_rows(os.path.join(work, label)):
        add(label, conf_text(conf), args, [path])
# The Office documents as their directory: the CLI's directory walk too.
add("office", conf_text(attach_conf), (), [os.path.join(work, "office")])
fuzz = os.path.join(srcdir, "tests/fuzz/corpus")
add("fuzz", conf_text(attach_conf), (),
    sorted(os.path.join(d, f) for d, _s, files in os.walk(fuzz)
           for f in files))
with open(os.path.join(srcdir, "tests/hostile/expected.tsv"),
          encoding="utf-8") as f:
    for line in f:
        if line.startswith("#") or not line.strip():
            continue
        name, _mode, expect = line.split("\t")[:3]
        lines = [t.strip()[5:] for t in expect.split(";")
                 if t.strip().startswith("conf=")]
        add("hostile", conf_text(None, lines), (),
            [os.path.join(work, "hostile", name)])


def files_in(path):
    """1 for a file, the files under it for a directory."""
    if not os.path.isdir(path):
        return 1
    return sum(len(f) for _d, _s, f in os.walk(path))


# The sample: every Nth path of the whole list, counted across groups.
batches, index, total_files = [], 0, 0
for n, (label, conf, args, paths) in enumerate(groups):
    conf_path = os.path.join(work, "conf-%d.conf" % n)
    with open(conf_path, "w", encoding="utf-8") as f:
        f.write(conf)
    chosen = []
    for p in paths:
        if index % sample == 0:
            chosen.append(p)
        index += 1
    total_files += sum(files_in(p) for p in paths)
    batch, size = [], 0
    for p in chosen:
        s = os.path.getsize(p)
        if batch and (len(batch) >= batch_max or size + s > BATCH_BYTES):
            batches.append((label, conf_path, args, batch))
            batch, size = [], 0
        batch.append(p)
        size += s
    if batch:
        batches.append((label, conf_path, args, batch))

runs = 0


def run(conf, args, paths, tag):
    """One emguard scan under valgrind: (errors, exit status, messages,
    seconds, log path)."""
    global runs
    runs += 1
    log = os.path.join(work, "%s.vg" % tag)
    out = os.path.join(work, "%s.out" % tag)
    cmd = (RUNNER + ["--log-file=" + log, emguard, "scan", "--json",
                     "--jobs", "1", "-c", conf] + list(args) + ["--"]
           + paths)
    t0 = time.monotonic()
    with open(out, "wb") as o, open(out + ".err", "wb") as e:
        rc = subprocess.call(cmd, stdin=subprocess.DEVNULL, stdout=o,
                             stderr=e)
    took = time.monotonic() - t0
    with open(out, "rb") as o:
        messages = sum(1 for l in o if l.strip())
    errors = None
    if os.path.exists(log):
        with open(log, encoding="utf-8", errors="replace") as f:
            m = ERRORS.findall(f.read())
        if m:
            errors = int(m[-1])
    return errors, rc, messages, took, log


def bisect(conf, args, paths, tag):
    """The files of PATHS (whose run had errors) that have errors on
    their own, or PATHS when only together."""
    if len(paths) == 1:
        return [paths]
    half = len(paths) // 2
    found = []
    for i, part in enumerate((paths[:half], paths[half:])):
        errors, rc, _m, _t, _l = run(conf, args, part, "%s-%d" % (tag, i))
        if errors or rc == 99:
            found += bisect(conf, args, part, "%s-%d" % (tag, i))
    return found or [paths]


def short(path):
    """PATH from the corpus, the work directory or the source tree."""
    for top in (corpus, work, srcdir):
        if path.startswith(os.path.join(top, "")):
            return os.path.relpath(path, top)
    return path


def show_log(log):
    """The error records of a valgrind log, without its preamble."""
    skip = re.compile(r"^==\d+== (Memcheck,|Copyright|Using Valgrind|"
                      r"Command:|Parent PID:|For lists of|For counts of)")
    shown = 0
    with open(log, encoding="utf-8", errors="replace") as f:
        for line in f:
            if skip.match(line) or not line.strip("=0123456789 \n"):
                continue
            print("    " + line.rstrip()[:200])
            shown += 1
            if shown >= 60:
                print("    ... (the rest is in %s)" % log)
                break


print("valgrind: %d of %d files (every %d%s), %d batches; %s" % (
    sum(files_in(p) for b in batches for p in b[3]), total_files, sample,
    "th" if sample > 1 else ", the full run", len(batches),
    " ".join(VALGRIND)))
failed = 0
sum_files = sum_messages = sum_errors = 0
start = time.monotonic()
for k, (label, conf, args, paths) in enumerate(batches, 1):
    tag = "batch-%03d" % k
    errors, rc, messages, took, log = run(conf, args, paths, tag)
    files = sum(files_in(p) for p in paths)
    sum_files += files
    sum_messages += messages
    problems = []
    if errors is None:
        problems.append("no valgrind summary in %s" % log)
    elif errors:
        sum_errors += errors
        problems.append("%d valgrind errors" % errors)
    if rc < 0:
        problems.append("killed by signal %d" % -rc)
    elif rc not in (0, 1, 2, 99):
        problems.append("exit status %d" % rc)
    print("valgrind: [%d/%d] %-8s %3d files, %4d messages, %6.1f s, %s "
          "errors%s" % (k, len(batches), label + (" " + " ".join(args)
                                                  if args else ""),
                        files, messages, took,
                        "?" if errors is None else errors,
                        "" if not problems else ": " + "; ".join(problems)),
          flush=True)
    if problems:
        failed += 1
        show_log(log)
        if errors:
            for culprit in bisect(conf, args, paths, tag):
                print("    errors from: %s" % " ".join(
                    short(p) for p in culprit))
print("valgrind: %d files, %d messages, %d emguard runs, %.0f s, %d errors, "
      "%d failed batches" % (sum_files, sum_messages, runs,
                             time.monotonic() - start, sum_errors, failed))
sys.exit(1 if failed else 0)
EOF
rc=$?
if [ "$rc" -ne 0 ]; then
	keep=1
	echo "valgrind: FAIL"
	exit 1
fi
echo "valgrind: PASS"
exit 0

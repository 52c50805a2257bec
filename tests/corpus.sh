#!/bin/sh
# corpus.sh - run `emguard scan --json --jobs 2` over the shared test corpus
# (real-world and torture messages from other projects' test suites, kept
# beside the source tree in ../shared/corpus, never copied into it).
#
# Asserts: exit status 0 or 1 (not 2, not a signal); no sanitizer report on
# stderr; exactly one valid JSON line per input message, where the messages
# are counted here independently of the CLI (every regular non-hidden file
# under the corpus is one message, except an mbox - a file starting with
# "From " - which holds 1 + the number of "From " lines that follow a blank
# line; a Maildir contributes cur/ and new/ only); and every input file is
# named by some report.  Prints the count and the wall-clock time.
#
# Set EMGUARD_CORPUS to scan another tree.  Writes only under
# $top_builddir/tests/corpus-out (removed after a pass).
# Exit: 0 pass, 1 fail, 77 skip (no corpus or no python3).

: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$(pwd)}"
corpus="${EMGUARD_CORPUS:-$top_srcdir/../shared/corpus}"

if [ ! -d "$corpus" ]; then
	echo "corpus: no corpus at $corpus, skipping"
	exit 77
fi
if ! command -v python3 >/dev/null 2>&1; then
	echo "corpus: python3 not found, skipping"
	exit 77
fi
emguard="$top_builddir/cli/emguard"
if [ ! -x "$emguard" ]; then
	echo "corpus: $emguard not built"
	exit 1
fi
corpus=$(cd "$corpus" && pwd)
out="$top_builddir/tests/corpus-out"
rm -rf "$out"
mkdir -p "$out" || exit 1

python3 - "$emguard" "$corpus" "$out" <<'EOF'
import json, os, subprocess, sys, time

emguard, corpus, out = sys.argv[1:4]

def mbox_count(path):
    """Messages in an mbox, split as cli/input.c does: a From_ line after a
    blank line starts a new message."""
    n, prev_blank = 0, False
    with open(path, "rb") as fp:
        for i, line in enumerate(fp):
            if i == 0 or (prev_blank and line.startswith(b"From ")):
                n += 1
            prev_blank = line in (b"\n", b"\r\n")
    return n

def expected_inputs(root):
    """{path: message count} for every input file under ROOT."""
    found = {}
    def walk(d, depth):
        names = sorted(e for e in os.listdir(d) if not e.startswith("."))
        if "cur" in names and "new" in names and \
                os.path.isdir(os.path.join(d, "cur")) and \
                os.path.isdir(os.path.join(d, "new")):
            names = ["cur", "new"]
        for e in names:
            p = os.path.join(d, e)
            if os.path.isdir(p):
                if depth < 32:
                    walk(p, depth + 1)
            elif os.path.isfile(p):
                with open(p, "rb") as fp:
                    head = fp.read(5)
                found[p] = mbox_count(p) if head == b"From " else 1
    walk(root, 0)
    return found

expect = expected_inputs(corpus)
n_expect = sum(expect.values())
n_bytes = sum(os.path.getsize(p) for p in expect)

t0 = time.monotonic()
with open(os.path.join(out, "scan.jsonl"), "wb") as so, \
        open(os.path.join(out, "scan.err"), "wb") as se:
    rc = subprocess.call([emguard, "scan", "--json", "--jobs", "2", corpus],
                         stdout=so, stderr=se, stdin=subprocess.DEVNULL)
elapsed = time.monotonic() - t0

problems = []
if rc < 0:
    problems.append("emguard killed by signal %d" % -rc)
elif rc not in (0, 1):
    problems.append("emguard exit status %d" % rc)

with open(os.path.join(out, "scan.err"), encoding="utf-8", errors="replace") as fp:
    err = fp.read()
for marker in ("AddressSanitizer", "LeakSanitizer", "runtime error:",
               "UndefinedBehaviorSanitizer"):
    if marker in err:
        problems.append("sanitizer report on stderr (%s)" % marker)
        break

lines, bad, named = 0, 0, {}
actions = {}
with open(os.path.join(out, "scan.jsonl"), "rb") as fp:
    for raw in fp:
        lines += 1
        try:
            rep = json.loads(raw)
        except ValueError:
            bad += 1
            if bad <= 5:
                problems.append("invalid JSON line %d: %.120r" % (lines, raw))
            continue
        f = rep.get("file", "")
        base = f
        if base not in expect and ":" in base:  # mbox label path:N
            base = base.rsplit(":", 1)[0]
        named[base] = named.get(base, 0) + 1
        actions[rep.get("action")] = actions.get(rep.get("action"), 0) + 1

if lines != n_expect:
    problems.append("%d JSON lines for %d messages" % (lines, n_expect))
missing = [p for p in expect if p not in named]
if missing:
    problems.append("%d input files without a report, e.g. %s" % (
        len(missing), ", ".join(os.path.relpath(p, corpus) for p in missing[:5])))
wrong = [p for p in expect if p in named and named[p] != expect[p]]
if wrong:
    problems.append("%d files with a different message count, e.g. %s" % (
        len(wrong), ", ".join("%s (%d, expected %d)" % (
            os.path.relpath(p, corpus), named[p], expect[p]) for p in wrong[:5])))
err_lines = [l for l in err.splitlines() if l.strip()]

print("corpus: %d files, %d messages, %.1f MB in %.2f s (%.0f messages/s), "
      "exit status %d" % (len(expect), n_expect, n_bytes / 1e6, elapsed,
                          n_expect / elapsed if elapsed > 0 else 0, rc))
print("corpus: actions %s; %d stderr lines" % (
    ", ".join("%s=%d" % (k, v) for k, v in sorted(actions.items(), key=str)),
    len(err_lines)))
for l in err_lines[:10]:
    print("    stderr: " + l[:200])
for p in problems:
    print("FAIL " + p)
sys.exit(1 if problems else 0)
EOF
rc=$?
if [ "$rc" -ne 0 ]; then
	echo "corpus: FAIL (output kept in $out)"
	exit 1
fi
rm -rf "$out"
echo "corpus: PASS"
exit 0

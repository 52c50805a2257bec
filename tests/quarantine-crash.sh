#!/bin/sh
# quarantine-crash.sh - crash safety of the quarantine store (SQLite
# DataStore, bytes in QuarantineDir): tests/quarantine-writer stores
# generated messages (up to ~1 MB) in a loop and prints each id only after
# its put returned; it is killed with SIGKILL after a short random delay,
# over and over (KILLS times, 24 by default).  Then emg_quarantine_recover
# runs (quarantine-writer --recover), and the test checks that
#   - every acknowledged id is there and reads back with the SHA-256 the
#     writer computed (nothing acknowledged was lost or changed);
#   - no temporary file is left;
#   - the *.eml files are exactly the rows that are not deleted, and
#     recover finds no row without its file (index and files agree);
#   - the database passes PRAGMA integrity_check.
# Needs: $top_builddir (exported by make check), python3 with its sqlite3
# module.  The whole test is bounded to well under 60 s.
# Exit: 0 pass, 1 fail, 77 skip (no python3 / sqlite3 module).

WRITER=${top_builddir:-.}/tests/quarantine-writer
KILLS=${KILLS:-24}
[ -x "$WRITER" ] || { echo "quarantine-crash.sh: $WRITER not built"; exit 1; }
if ! python3 -c 'import sqlite3' 2>/dev/null; then
	echo "quarantine-crash.sh: no python3 with sqlite3: skipped"
	exit 77
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/emg-qcrash.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT
trap 'exit 1' INT TERM HUP
cat > "$TMP/emguard.conf" <<EOF
DataStore sqlite:$TMP/emguard.db
QuarantineDir $TMP/q
EOF

fail() {
	echo "quarantine-crash.sh: FAIL: $*"
	exit 1
}

start=$(date +%s)
kills=0
round=0
: > "$TMP/acked"
while [ $kills -lt "$KILLS" ]; do
	[ $(($(date +%s) - start)) -lt 40 ] || fail "only $kills kills in 40 s"
	round=$((round + 1))
	"$WRITER" "$TMP/emguard.conf" > "$TMP/out.$round" 2> "$TMP/err.$round" &
	pid=$!
	# 50 to 500 ms: the first rounds die while opening, later ones in
	# the middle of a put (a 1 MB put with its fsyncs takes a few ms).
	delay=$(awk -v seed="$round$$" \
		'BEGIN { srand(seed); printf "%.3f", 0.05 + rand() * 0.45 }')
	sleep "$delay"
	kill -KILL $pid 2>/dev/null
	# (the shell's "Killed" report goes with wait's stderr)
	{ wait $pid; } 2>/dev/null
	rc=$?
	# 137: it died of the SIGKILL; anything else is the writer failing
	if [ $rc -ne 137 ]; then
		sed 's/^/    /' "$TMP/err.$round"
		fail "round $round: the writer exited with $rc before the kill"
	fi
	kills=$((kills + 1))
	cat "$TMP/out.$round" >> "$TMP/acked"
done
acked=$(wc -l < "$TMP/acked")
[ "$acked" -gt 0 ] || fail "the writer acknowledged nothing"

"$WRITER" "$TMP/emguard.conf" --recover > "$TMP/recover" 2>&1 ||
	fail "recover: $(cat "$TMP/recover")"
"$WRITER" "$TMP/emguard.conf" --check < "$TMP/acked" > "$TMP/check" 2>&1 ||
	{ sed 's/^/    /' "$TMP/check" | head -20; fail "acknowledged entries lost"; }
"$WRITER" "$TMP/emguard.conf" --recover > "$TMP/recover2" 2>&1 ||
	fail "second recover: $(cat "$TMP/recover2")"

python3 - "$TMP" "$TMP/acked" <<'EOF' || exit 1
import hashlib, os, sqlite3, sys

tmp, acked = sys.argv[1], sys.argv[2]
qdir = os.path.join(tmp, "q")
db = sqlite3.connect(os.path.join(tmp, "emguard.db"))
bad = []
check = db.execute("PRAGMA integrity_check").fetchall()
if check != [("ok",)]:
    bad.append("integrity_check: %r" % (check,))
rows = dict(db.execute("SELECT id, sha256 FROM quarantine_entry"
                       " WHERE status <> 'deleted'").fetchall())
names = os.listdir(qdir)
tmps = [n for n in names if n.startswith(".tmp-")]
if tmps:
    bad.append("temporary files left: %s" % tmps[:5])
files = {n[:-4] for n in names if n.endswith(".eml")}
if files != set(rows):
    bad.append("files without a row: %s; rows without a file: %s"
               % (sorted(files - set(rows))[:5], sorted(set(rows) - files)[:5]))
for line in open(acked):
    ident, sha = line.split()
    if rows.get(ident) != sha:
        bad.append("%s: acknowledged, row sha256 %s" % (ident, rows.get(ident)))
        continue
    with open(os.path.join(qdir, ident + ".eml"), "rb") as f:
        if hashlib.sha256(f.read()).hexdigest() != sha:
            bad.append("%s: file differs from what was acknowledged" % ident)
for b in bad[:20]:
    print("quarantine-crash.sh: FAIL: " + b)
print("quarantine-crash.sh: %d entries, %d acknowledged"
      % (len(rows), sum(1 for _ in open(acked))))
sys.exit(1 if bad else 0)
EOF

read -r _ removed _ missing < "$TMP/recover"
[ "$missing" = 0 ] || fail "recover: $missing rows without their file"
read -r _ removed2 _ missing2 < "$TMP/recover2"
[ "$removed2" = 0 ] && [ "$missing2" = 0 ] ||
	fail "a second recover still found work: $(cat "$TMP/recover2")"
echo "quarantine-crash.sh: $kills kills, $acked acknowledged puts all intact;" \
	"recover removed $removed leftover files; $(tail -1 "$TMP/check");" \
	"$(($(date +%s) - start)) s"
exit 0

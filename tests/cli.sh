#!/bin/sh
# cli.sh - behaviour tests of the emguard command: exit statuses, stdin,
# mbox splitting into JSON lines, --jobs keeping the output order, errors on
# one input not stopping the others, configuration errors with file:line,
# and --dump-config output parsing back with `config check`.
# Needs: $top_builddir and $top_srcdir (exported by make check; the
# helpers are in tests/test-lib.sh), python3 to check JSON.
# Exit: 0 pass, 1 fail, 77 skip.

# the check helpers (tl_*, ok, nok, check, expect)
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
# shellcheck source=tests/test-lib.sh
. "$top_srcdir/tests/test-lib.sh"
tl_begin cli.sh
tl_need_built EMGUARD cli/emguard
tl_need_tool python3
tl_tmpdir

# jsonl FILE N [LABEL...]: FILE holds N JSON objects, one a line, whose
# "file" members are the LABELs in order (when given)
jsonl() {
	python3 - "$@" <<'EOF'
import json, sys
path, n, labels = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
lines = open(path, encoding="utf-8").read().splitlines()
assert len(lines) == n, "%d lines, want %d" % (len(lines), n)
for i, line in enumerate(lines):
    obj = json.loads(line)
    for key in ("file", "score", "action", "findings", "attachments"):
        assert key in obj, "line %d lacks %s" % (i + 1, key)
    if labels:
        assert obj["file"] == labels[i], "%s != %s" % (obj["file"], labels[i])
EOF
}

# ---- messages ------------------------------------------------------------
clean() {
	printf 'From: Alice Example <alice@example.invalid>\n'
	printf 'To: bob@example.invalid\nSubject: minutes %s\n' "$1"
	printf 'Message-ID: <%s@example.invalid>\n' "$1"
	printf 'Date: Mon, 1 Jul 2024 10:00:00 +0900\n\nSee you tomorrow.\n'
}
spoof() {
	printf 'From: "ceo@example-corp.invalid" <ceo@attacker.invalid>\n'
	printf 'Reply-To: ceo.private@gmail.test\nTo: bob@example.invalid\n'
	printf 'Subject: urgent payment\nMessage-ID: <s%s@attacker.invalid>\n' "$1"
	printf '\nPlease transfer today.\n'
}
clean 1 >clean.eml
spoof 1 >spoof.eml
# any finding makes a message leave "accept"
printf 'ThresholdTag 0.5\n' >low.conf

# ---- global options and sub-commands --------------------------------------
check "--version" 0 "$EMGUARD" --version
expect "--version prints the version" grep -q '^emguard [0-9]' out
check "--help" 0 "$EMGUARD" --help
check "unknown sub-command" 2 "$EMGUARD" frobnicate
expect "unknown sub-command gives usage on stderr" grep -q usage err
check "no sub-command" 2 "$EMGUARD"
check "symbols" 0 "$EMGUARD" symbols
expect "symbols lists a table" test "$(wc -l <out)" -gt 2

# ---- exit statuses ------------------------------------------------------------
check "clean message: exit 0" 0 "$EMGUARD" scan clean.eml
expect "text report names the file" grep -q 'clean.eml' out
check "spoofed message: exit 1" 1 "$EMGUARD" scan -c low.conf spoof.eml
check "clean + spoofed: exit 1" 1 "$EMGUARD" scan -c low.conf --json \
	clean.eml spoof.eml
expect "two JSON lines in argument order" \
	jsonl out 2 clean.eml spoof.eml
check "scan without PATH: exit 2" 2 "$EMGUARD" scan --json
check "bad --jobs: exit 2" 2 "$EMGUARD" scan --jobs 1x clean.eml
check "too many --jobs: exit 2" 2 "$EMGUARD" scan --jobs 100000 clean.eml
check "bad --client-ip: exit 2" 2 "$EMGUARD" scan --client-ip 192.0.2.999 \
	clean.eml
check "unknown option: exit 2" 2 "$EMGUARD" scan --frobnicate clean.eml
check "envelope options accepted" 0 "$EMGUARD" scan --json \
	--mail-from alice@example.invalid --rcpt bob@example.invalid \
	--rcpt carol@example.invalid --client-ip 192.0.2.1 \
	--helo mail.example.invalid --auth-user alice clean.eml

# ---- stdin -----------------------------------------------------------------------
check "- reads stdin" 0 sh -c "\"$EMGUARD\" scan --json - <clean.eml"
expect "stdin is labelled -" jsonl out 1 -

# ---- mbox -----------------------------------------------------------------------
{
	printf 'From alice@example.invalid Mon Jul  1 10:00:00 2024\n'
	clean 2 | sed 's/^See/>From here, see/'
	printf '\nFrom mallory@attacker.invalid Mon Jul  1 10:00:01 2024\n'
	spoof 2
	printf '\nFrom alice@example.invalid Mon Jul  1 10:00:02 2024\n'
	clean 3
} >box.mbox
check "mbox" 1 "$EMGUARD" scan -c low.conf --json box.mbox
expect "mbox gives one JSON line per message" \
	jsonl out 3 box.mbox:1 box.mbox:2 box.mbox:3
sed 's/$/\r/' box.mbox >crlf.mbox
check "CRLF mbox" 1 "$EMGUARD" scan -c low.conf --json crlf.mbox
expect "CRLF mbox gives three JSON lines" jsonl out 3

# ---- directories, Maildir, --jobs --------------------------------------------------
mkdir -p tree/sub tree/md/cur tree/md/new tree/md/tmp
i=0
while [ $i -lt 40 ]; do
	if [ $((i % 7)) -eq 3 ]; then spoof $i; else clean $i; fi \
		>tree/sub/m$i.eml
	i=$((i + 1))
done
cp box.mbox tree/box.mbox
clean 100 >tree/md/cur/100.host:2,S
clean 101 >tree/md/new/101.host
clean 102 >tree/md/tmp/102.host
clean 103 >tree/.hidden.eml
check "directory, --jobs 1" 1 "$EMGUARD" scan -c low.conf --json --jobs 1 tree
mv out jobs1.out
expect "directory walk: 40 files + 3 mbox + 2 Maildir messages" \
	jsonl jobs1.out 45
check "directory, --jobs 2" 1 "$EMGUARD" scan -c low.conf --json --jobs 2 tree
expect "--jobs 2 prints the same as --jobs 1" cmp -s jobs1.out out
check "directory, --jobs 8" 1 "$EMGUARD" scan -c low.conf --json --jobs 8 tree
expect "--jobs 8 prints the same as --jobs 1" cmp -s jobs1.out out

# ---- I/O errors: one line, the scan goes on ---------------------------------------
check "missing path: exit 2" 2 "$EMGUARD" scan --json clean.eml nope.eml \
	spoof.eml
expect "missing path: one error line" \
	test "$(grep -c '^emguard: nope.eml: ' err)" -eq 1
expect "missing path: the other files are scanned" \
	jsonl out 2 clean.eml spoof.eml
check "missing path, --jobs 2: exit 2" 2 "$EMGUARD" scan --json --jobs 2 \
	clean.eml nope.eml spoof.eml
expect "missing path, --jobs 2: the other files are scanned" \
	jsonl out 2 clean.eml spoof.eml

# a file over the size limit is refused before it is read (sparse file)
if dd if=/dev/zero of=big.eml bs=1048576 count=0 seek=60 2>/dev/null; then
	check "oversized file: exit 2" 2 "$EMGUARD" scan --json big.eml clean.eml
	expect "oversized file: one error line" \
		test "$(grep -c '^emguard: big.eml: .*larger' err)" -eq 1
	expect "oversized file: the other file is scanned" jsonl out 1 clean.eml
	rm -f big.eml
fi

# ---- bad input never crashes ------------------------------------------------------
: >empty.eml
head -c 3000 /dev/urandom >garbage.bin 2>/dev/null ||
	printf '\000\001\377\376garbage' >garbage.bin
printf 'From: <\nContent-Type: multipart/mixed; boundary=\n\n--\n' >broken.eml
"$EMGUARD" scan --json empty.eml garbage.bin broken.eml >out 2>err
got=$?
expect "bad input: no crash (exit $got)" test "$got" -le 2
expect "bad input: one JSON line each" jsonl out 3

# ---- configuration ------------------------------------------------------------------
printf '# a comment\nThresholdTag 5\nNoSuchKeyword yes\n' >bad.conf
check "scan with a bad config: exit 2" 2 "$EMGUARD" scan -c bad.conf clean.eml
expect "bad config error names file:line" grep -q 'bad.conf:3' err
expect "bad config error is one line" test "$(wc -l <err)" -eq 1
check "config check on a bad config: exit 2" 2 "$EMGUARD" config check \
	-c bad.conf
expect "config check names file:line" grep -q 'bad.conf:3' err
check "config check on a missing file: exit 2" 2 "$EMGUARD" config check \
	-c missing.conf
check "--dump-config" 0 "$EMGUARD" --dump-config
mv out dumped.conf
check "dumped config parses back" 0 "$EMGUARD" config check -c dumped.conf
expect "config check says OK" grep -qx 'dumped.conf: OK' out
check "--dump-config -c" 0 "$EMGUARD" --dump-config -c low.conf
mv out dumped2.conf
check "dumped loaded config parses back" 0 "$EMGUARD" config check \
	-c dumped2.conf

# Without -c, scan reads the default configuration file when present
# (EMGUARD_CONF here; the installed emguard.conf otherwise).
printf 'ThresholdTag 0\nThresholdQuarantine 0\nThresholdReject 0\n' >all.conf
EMGUARD_CONF=all.conf "$EMGUARD" scan --json clean.eml >out 2>err
got=$?
expect "EMGUARD_CONF is read without -c (exit $got)" test "$got" -eq 1
expect "EMGUARD_CONF thresholds apply" grep -q '"action":"reject"' out
EMGUARD_CONF=all.conf "$EMGUARD" scan -c low.conf --json clean.eml >out 2>err
expect "-c wins over EMGUARD_CONF" test "$?" -ne 2
expect "-c wins: not the EMGUARD_CONF verdict" sh -c '! grep -q "\"action\":\"reject\"" out'
EMGUARD_CONF=missing.conf "$EMGUARD" scan --json clean.eml >out 2>err
expect "a missing EMGUARD_CONF falls back to the defaults" test "$?" -eq 0

tl_finish

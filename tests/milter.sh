#!/bin/sh
# milter.sh - emguard-milter under miltertest: one running milter on a unix
# socket in a temporary directory, its configuration changed between cases
# with SIGHUP, and the Lua scripts of tests/milter/ as the MTA:
#   clean mail accepted with the X-Emguard-* headers; forged X-Emguard-*
#   headers removed; a spoofed sender held (quarantine) or rejected (550)
#   depending on the thresholds; a ZIP with an .exe rejected; the Japanese
#   SubjectTag; OnError tempfail and accept on a spill file that cannot be
#   written and on a scan past LimitScanTime; abort then another message on
#   the same connection; a message past LimitMessageSize; the log line;
#   reload with a good and a bad configuration; -t; refusing root.
#   QuarantineMode store (stored with its exact bytes, then discarded) and
#   both (stored and held); a store that fails (DataStore in a missing
#   directory, QuarantineDir not writable, a message past
#   LimitMessageSize) falls back to hold or, by QuarantineFallback, 451;
#   release tokens: a message released by `emguard quarantine release`
#   is accepted with X-Emguard-Action: released, a forged token, a token
#   copied onto another message and one that cannot be checked (DataStore
#   down) are removed and the message held; every entry the milter logged
#   is in the index, also after `emguard quarantine` ran beside it; SIGTERM
#   stops it with status 0 and no sanitizer report (make check-sanitizer).
# Needs: $top_builddir and $top_srcdir (exported by make check; the
# helpers are in tests/test-lib.sh), miltertest, python3 (reads `emguard
# quarantine show --json`).
# Exit: 0 pass, 1 fail, 77 skip.

# the check helpers (tl_*, ok, nok, expect)
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
# shellcheck source=tests/test-lib.sh
. "$top_srcdir/tests/test-lib.sh"
tl_begin milter.sh
tl_need_tool miltertest
tl_need_built MILTER milter/emguard-milter
tl_need_built EMGUARD cli/emguard
LUA=$top_srcdir/tests/milter
# the milter is TL_PID: stopped on exit with the temporary directory
tl_tmpdir
# As root the milter runs as nobody, who must read the configuration and
# write spill files.
chmod 755 "$TMP"
mkdir "$TMP/spool" && chmod 1777 "$TMP/spool"
RUN_AS=
[ "$(id -u)" -eq 0 ] && RUN_AS="-u nobody"
CONF=$TMP/emguard.conf
LOG=$TMP/milter.log
SOCK=unix:$TMP/milter.sock

# conf LINE...: the configuration, the test organisation plus LINEs
# (TemporaryDirectory is the spool unless a LINE sets it)
conf() {
	{
		printf 'InternalDomains example-corp.test\n'
		printf 'InternalNetworks 127.0.0.0/8, 10.0.0.0/8\n'
		printf 'KnownNames Taro Yamada\n'
		case "$*" in
		*TemporaryDirectory*) ;;
		*) printf 'TemporaryDirectory %s\n' "$TMP/spool" ;;
		esac
		for line in "$@"; do printf '%s\n' "$line"; done
	} >"$CONF.new" && mv "$CONF.new" "$CONF"
}

# logged PATTERN: the number of log lines matching PATTERN (grep -E)
logged() { grep -cE "$1" "$LOG"; }

# reload WANT: SIGHUP, then wait for a log line matching WANT
reload() {
	before=$(logged 'configuration reloaded|reload failed')
	kill -HUP "$TL_PID"
	i=0
	while [ "$(logged 'configuration reloaded|reload failed')" -le "$before" ]; do
		i=$((i + 1))
		[ $i -gt 100 ] && { nok "reload: no answer"; return 1; }
		sleep 0.05
	done
	tail -n 1 "$LOG" | grep -qE "$1"
}

# case NAME SCRIPT [-D name=value]...: run tests/milter/SCRIPT.lua
case_() {
	name=$1 script=$2
	shift 2
	if miltertest -D "sock=$SOCK" -D "fixtures=$LUA" "$@" \
	    -s "$LUA/$script.lua" >"$TMP/mt.out" 2>&1; then
		ok "$name"
	else
		nok "$name"
		sed 's/^/    /' "$TMP/mt.out" | head -5
		tail -n 3 "$LOG" | sed 's/^/    log: /'
	fi
}

# ---- -t ----------------------------------------------------------------------
conf
expect "-t accepts a good configuration" \
	sh -c '"$1" -t -c "$2" | grep -q ": OK$"' sh "$MILTER" "$CONF"
printf 'ThresholdTag 5\nOnError sometimes\n' >"$TMP/bad.conf"
"$MILTER" -t -c "$TMP/bad.conf" >/dev/null 2>"$TMP/err"
expect "-t rejects a bad configuration with exit 1" test $? -eq 1
expect "-t names file and line" grep -q "bad.conf:2: OnError" "$TMP/err"

# ---- refusing root -------------------------------------------------------------
if [ "$(id -u)" -eq 0 ]; then
	"$MILTER" -f -u root -c "$CONF" -p "unix:$TMP/root.sock" 2>"$TMP/err"
	expect "refuses to run as root" test $? -eq 1
	expect "says why it refuses root" grep -q "refusing to run as root" \
		"$TMP/err"
fi

# ---- start ---------------------------------------------------------------------
# shellcheck disable=SC2086
"$MILTER" -f -c "$CONF" -p "$SOCK" -P "$TMP/milter.pid" $RUN_AS 2>"$LOG" &
TL_PID=$!
i=0
while [ ! -S "$TMP/milter.sock" ]; do
	i=$((i + 1))
	if [ $i -gt 100 ] || ! kill -0 "$TL_PID" 2>/dev/null; then
		nok "milter did not start"
		cat "$LOG"
		tl_finish
	fi
	sleep 0.05
done
expect "PID file written" test "$(cat "$TMP/milter.pid")" = "$TL_PID"

# ---- default thresholds ----------------------------------------------------------
case_ "clean mail accepted with X-Emguard-* headers" clean
case_ "forged X-Emguard-* headers removed" forged
case_ "spoofed sender quarantined (hold)" quarantine
expect "one log line: queue id, from, rcpts, score, action, symbols, ms" \
	test "$(logged 'TESTQID: from=<x@attacker.invalid> rcpts=1 size=[0-9]+ score=11.50 action=quarantine symbols=SPOOF_ENVELOPE_MISMATCH,SPOOF_REPLY_TO_FREEMAIL,SPOOF_INTERNAL_FROM_OUTSIDE scan_ms=[0-9]+$')" -eq 1
case_ "ZIP with an .exe rejected with 550 5.7.1" reject \
	-D msg=zip-exe.eml -D "reasons=spoofed sender, dangerous attachment"
case_ "abort, then another message on the same connection" abort

# ---- reload ------------------------------------------------------------------------
conf 'ThresholdReject 11'
expect "SIGHUP reloads a good configuration" reload 'configuration reloaded'
case_ "lower ThresholdReject: the spoofed sender is rejected" reject \
	-D msg=spoof.eml -D "reasons=spoofed sender"
conf 'ThresholdReject eleven'
expect "SIGHUP with a bad configuration logs file:line" \
	reload 'reload failed, keeping the previous configuration: .*emguard.conf:5: ThresholdReject'
expect "the milter still runs" kill -0 "$TL_PID"
case_ "the previous configuration stays" reject \
	-D msg=spoof.eml -D "reasons=spoofed sender"

# ---- tag ----------------------------------------------------------------------------
conf 'ThresholdTag 3'
reload 'configuration reloaded'
case_ "tag: Japanese SubjectTag before a folded ISO-2022-JP Subject" tag

# ---- limits, spill file, outbound -----------------------------------------------------
conf 'LimitMessageSize 20k' 'MilterBufferSize 4k'
reload 'configuration reloaded'
case_ "past LimitMessageSize: attach.unscannable; outbound logged" oversize
expect "outbound message logged with its recipient count" \
	test "$(logged 'OUTBOUND: from=<bob@example-corp.test> rcpts=2 .* outbound$')" -eq 1
expect "no spill file left behind" test -z "$(ls "$TMP/spool")"

# ---- OnError --------------------------------------------------------------------------
conf 'OnError tempfail' 'MilterBufferSize 0' \
	"TemporaryDirectory $TMP/missing"
reload 'configuration reloaded'
case_ "OnError tempfail: spill file fails -> 451 4.3.0" onerror \
	-D msg=clean.eml -D want=tempfail
expect "the failure is logged" test "$(logged 'action=tempfail .* error=temporary file in')" -eq 1
conf 'OnError accept' 'LimitScanTime 1ms'
reload 'configuration reloaded'
case_ "OnError accept: scan past LimitScanTime -> unscanned" onerror \
	-D msg=big -D want=unscanned
conf 'OnError tempfail' 'LimitScanTime 1ms'
reload 'configuration reloaded'
case_ "OnError tempfail: scan past LimitScanTime -> 451" onerror \
	-D msg=big -D want=tempfail

# ---- QuarantineMode store and both ------------------------------------------------------
# The quarantine belongs to the user the milter runs as.
Q=$TMP/quarantine
mkdir "$Q" && chmod 700 "$Q"
[ -n "$RUN_AS" ] && chown nobody "$Q"
QCONF="DataStore sqlite:$Q/emguard.db"
# what `emguard quarantine` reads: the quarantine in $Q whatever the milter
# runs with
QCLI=$TMP/cli.conf
printf 'DataStore sqlite:%s/emguard.db\nQuarantineDir %s\n' "$Q" "$Q" >"$QCLI"
# entry ID: status, envelope, verdict, reason, Message-ID, size and SHA-256
# of entry ID as `emguard quarantine show --json` gives them, one a line
entry() {
	"$EMGUARD" quarantine show --json -c "$QCLI" "$1" 2>/dev/null |
		python3 -c 'import json, sys
e = json.load(sys.stdin)
for k in ("status", "mail_from", "rcpts", "client_ip", "action", "reason",
          "message_id", "size", "sha256"):
    print(",".join(e[k]) if isinstance(e[k], list) else e[k])'
}
# entries: how many entries the quarantine has
entries() {
	"$EMGUARD" quarantine list --json --status all -c "$QCLI" | wc -l
}
# crlf FILE: FILE with CRLF line ends, as miltertest sends it
crlf() { python3 -c 'import re, sys; sys.stdout.buffer.write(re.sub(rb"\r?\n", b"\r\n", open(sys.argv[1], "rb").read()))' "$1"; }
# qid_of QID: the quarantine_id logged for queue id QID
qid_of() { sed -n "s/.*$1: .* quarantine_id=\([0-9a-f-]*\) .*/\1/p" "$LOG" | tail -n 1; }

conf 'QuarantineMode store' "$QCONF" "QuarantineDir $Q"
reload 'configuration reloaded'
expect "QuarantineMode store: the store is checked at reload" \
	test "$(logged 'QuarantineMode store: quarantined mail goes to the emguard quarantine \(sqlite\)')" -eq 1
case_ "store: a quarantine verdict is stored, then discarded" store \
	-D want=discard -D qid=STORE1
expect "store: logged with the entry id and the time the store took" \
	test "$(logged 'STORE1: from=<x@attacker.invalid> .* action=quarantine .* quarantine_id=[0-9]{8}-[0-9a-f]{12} store_ms=[0-9.]+$')" -eq 1
id=$(qid_of STORE1)
crlf "$LUA/spoof.eml" >"$TMP/spoof.crlf"
"$EMGUARD" quarantine export -c "$QCLI" "$id" >"$TMP/export" 2>&1
expect "store: emguard quarantine export gives the exact bytes received" \
	cmp -s "$TMP/export" "$TMP/spoof.crlf"
expect "store: stored by milter@$(uname -n) in the audit trail" \
	sh -c '"$1" quarantine audit -c "$2" "$3" | grep -q "  milter@$4  *store "' \
	sh "$EMGUARD" "$QCLI" "$id" "$(uname -n)"
entry "$id" >"$TMP/entry"
printf '%s\n' held x@attacker.invalid bob@example-corp.test 192.0.2.1 \
	quarantine 'spoofed sender' s1@attacker.invalid \
	"$(wc -c <"$TMP/spoof.crlf")" \
	"$(sha256sum "$TMP/spoof.crlf" | cut -d' ' -f1)" >"$TMP/entry.want"
expect "store: index row: status, envelope, verdict, reason, size, SHA-256" \
	cmp -s "$TMP/entry" "$TMP/entry.want" ||
	diff "$TMP/entry.want" "$TMP/entry" | sed 's/^/    /'

# The same message again, as a client sends it after a 4xx (here: as if
# the milter had died between the commit and its answer): one entry.
n=$(entries)
case_ "store: the same message sent again is discarded too" store \
	-D want=discard -D qid=STORE2
expect "... recognised as the stored entry, not stored twice" \
	test "$(qid_of STORE2)" = "$id" -a "$(entries)" -eq "$n" -a \
	"$(logged 'STORE2: .* quarantine_id=[0-9a-f-]+ resent=yes store_ms=')" -eq 1
expect "... with a resent line in the entry's audit trail" \
	sh -c '"$1" quarantine audit -c "$2" "$3" | grep -q "  milter@$4  *resent "' \
	sh "$EMGUARD" "$QCLI" "$id" "$(uname -n)"

conf 'QuarantineMode both' "$QCONF" "QuarantineDir $Q"
reload 'configuration reloaded'
case_ "both: stored and held in the MTA queue" store -D want=both -D qid=BOTH1
expect "both: logged with the entry id" \
	test -n "$(qid_of BOTH1)" -a -f "$Q/$(qid_of BOTH1).eml"

# ---- the store fails: QuarantineFallback -------------------------------------------------
n=$(entries)
conf 'QuarantineMode store' "DataStore sqlite:$TMP/missing/emguard.db" \
	"QuarantineDir $Q"
reload 'configuration reloaded'
expect "a store that does not open is logged at reload" \
	test "$(logged 'QuarantineMode store: the quarantine does not work: .*; until it does, quarantined mail is held in the MTA queue')" -eq 1
case_ "store fails (DataStore in a missing directory): held instead" store \
	-D want=hold -D qid=FALLBACK1
expect "... logged with fallback=hold and the store's error" \
	test "$(logged 'FALLBACK1: .* action=quarantine .* fallback=hold error=cannot open the quarantine: ')" -eq 1
conf 'QuarantineMode store' 'QuarantineFallback tempfail' \
	"DataStore sqlite:$TMP/missing/emguard.db" "QuarantineDir $Q"
reload 'configuration reloaded'
case_ "store fails, QuarantineFallback tempfail: 451 4.3.0" store \
	-D want=tempfail -D qid=FALLBACK2
expect "... logged as tempfail" \
	test "$(logged 'FALLBACK2: .* action=tempfail .* fallback=tempfail error=')" -eq 1
# QuarantineDir becomes read-only under an open handle: the write fails
mkdir "$TMP/qdir2" && chmod 700 "$TMP/qdir2"
[ -n "$RUN_AS" ] && chown nobody "$TMP/qdir2"
conf 'QuarantineMode store' "$QCONF" "QuarantineDir $TMP/qdir2"
reload 'configuration reloaded'
chmod 500 "$TMP/qdir2"
case_ "store fails (QuarantineDir not writable): held instead" store \
	-D want=hold -D qid=FALLBACK3
expect "... logged with the store's error" \
	test "$(logged 'FALLBACK3: .* fallback=hold error=quarantine store failed: .*qdir2')" -eq 1
expect "... and nothing left in QuarantineDir" test -z "$(ls -A "$TMP/qdir2" | grep -v '^\.lock$')"
conf 'QuarantineMode store' "$QCONF" "QuarantineDir $Q" \
	'LimitMessageSize 20k' 'MilterBufferSize 4k'
reload 'configuration reloaded'
case_ "past LimitMessageSize: never stored cut, held instead" store \
	-D want=hold -D big=5000 -D qid=FALLBACK4
expect "... logged with the sizes" \
	test "$(logged 'FALLBACK4: .* fallback=hold error=not stored: [0-9]+ bytes, past LimitMessageSize \([0-9]+ kept\)')" -eq 1
expect "nothing stored by a failing store" test "$(entries)" -eq "$n"

# ---- release tokens ------------------------------------------------------------------------
# A sendmail stand-in for ReleaseMethod: keeps what the release hands it.
PY3=$(command -v python3)
[ -x /usr/bin/python3 ] && PY3=/usr/bin/python3
cat >"$TMP/sendmail" <<PY
#!$PY3
import sys
open(sys.argv[0] + ".eml", "wb").write(sys.stdin.buffer.read())
open(sys.argv[0] + ".args", "w").write(" ".join(sys.argv[1:]))
PY
chmod 755 "$TMP/sendmail"
conf 'QuarantineMode store' "$QCONF" "QuarantineDir $Q" \
	"ReleaseMethod sendmail:$TMP/sendmail"
reload 'configuration reloaded'
case_ "release: a message stored first" store -D want=discard -D qid=REL1
id=$(qid_of REL1)
"$EMGUARD" quarantine release -c "$CONF" "$id" >"$TMP/release.out" 2>&1
expect "emguard quarantine release $id: ReleaseMethod gets the message" \
	test $? -eq 0 -a -s "$TMP/sendmail.eml"
expect "... from the original sender to the original recipient" \
	test "$(cat "$TMP/sendmail.args")" = "-i -f x@attacker.invalid -- bob@example-corp.test"
case_ "a valid release token: accepted as released, its header kept" \
	release -D "msg=$TMP/sendmail.eml" -D want=released -D qid=REL2
expect "... logged with released=$id" \
	test "$(logged "REL2: .* action=released .* released=$id$")" -eq 1
expect "... not stored again" test "$(logged 'REL2: .* quarantine_id=')" -eq 0

conf 'QuarantineMode both' "$QCONF" "QuarantineDir $Q"
reload 'configuration reloaded'
sed 's/<s1@attacker.invalid>/<s2@attacker.invalid>/' "$TMP/sendmail.eml" \
	>"$TMP/copied.eml"
case_ "the token copied onto another Message-ID: removed, quarantined" \
	release -D "msg=$TMP/copied.eml" -D want=invalid -D qid=REL3
expect "... logged as invalid" \
	test "$(logged 'REL3: .* action=quarantine .* error=release token invalid')" -eq 1
{ cat "$TMP/sendmail.eml"; printf 'Please open the attached invoice.\r\n'; } \
	>"$TMP/otherbody.eml"
case_ "the token copied onto another body, same Message-ID: removed, quarantined" \
	release -D "msg=$TMP/otherbody.eml" -D want=invalid -D qid=REL3B
expect "... logged as invalid" \
	test "$(logged 'REL3B: .* action=quarantine .* error=release token invalid')" -eq 1
case_ "a forged token: removed, quarantined" store -D want=both -D qid=REL4 \
	-D "token=v2; id=20240101-0123456789ab; by=cli:root; t=$(date +%s); mac=$(printf '%064d' 0)"
expect "... logged as invalid" \
	test "$(logged 'REL4: .* error=release token invalid')" -eq 1

conf 'QuarantineMode hold' "DataStore sqlite:$TMP/missing/emguard.db"
reload 'configuration reloaded'
case_ "the DataStore down: a valid token counts as invalid (fail closed)" \
	release -D "msg=$TMP/sendmail.eml" -D want=invalid -D qid=REL5
expect "... logged as not checked" \
	test "$(logged 'REL5: .* error=release token not checked \(counted invalid\): ')" -eq 1

# The CLI beside a running milter: two reloads leave the milter two
# connections to the DataStore made one after the other; when the CLI closes
# its own, SQLite must still see the milter's and leave the WAL alone.
conf 'QuarantineMode store' "$QCONF" "QuarantineDir $Q"
reload 'configuration reloaded'
reload 'configuration reloaded'
"$EMGUARD" quarantine list -c "$CONF" >/dev/null 2>&1
case_ "store: after emguard quarantine list ran beside the milter" store \
	-D want=discard -D qid=STORE2
expect "... the entry is in the index" test -n "$(entry "$(qid_of STORE2)")"

# nothing acknowledged is lost: every entry the milter logged is indexed
lost=
for id in $(sed -n 's/.* quarantine_id=\([0-9a-f-]*\) .*/\1/p' "$LOG"); do
	[ -n "$(entry "$id")" ] || lost="$lost $id"
done
expect "every entry the milter stored is in the index (lost:$lost)" \
	test -z "$lost"

# ---- stop -------------------------------------------------------------------------------
kill "$TL_PID"
wait "$TL_PID"
expect "SIGTERM stops it with status 0" test $? -eq 0
TL_PID=
# in the sanitizer tree (make check-sanitizer) a report, even one UBSan
# recovered from, lands in the log
expect "no sanitizer report in the log" \
	sh -c '! grep -q -e "runtime error" -e "Sanitizer" "$1"' sh "$LOG"

tl_finish

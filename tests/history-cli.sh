#!/bin/sh
# history-cli.sh - `emguard history` against a temporary SQLite DataStore,
# over the mail that tests/golden-history/gen-history.py writes:
#   import of a Sent Maildir (a message without Message-ID skipped and
#   counted), of a Sent mbox overlapping it, and of an inbox with
#   --inbound; importing again changes nothing; stats; prune by the default
#   retention, by HistoryRetention (0 keeps everything) and by
#   --older-than; clear errors for no DataStore, an unreachable one and bad
#   usage.  With miltertest: emguard-milter learns outbound and accepted
#   inbound mail, never quarantined mail.  When the build has hijack.*
#   symbols: a genuine reply and a reply in a stolen thread, scanned with
#   --json against the imported history; their actions and hijack.* and
#   spoof.display_name findings are compared with
#   tests/golden-history/thread-findings.txt (--update rewrites it).
# Needs: $top_builddir and $top_srcdir (exported by make check; the
# helpers are in tests/test-lib.sh), python3.
# Exit: 0 pass, 1 fail, 77 skip.

update=0
[ "${1:-}" = --update ] && update=1
# the check helpers (tl_*, ok, nok, check, expect)
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
# shellcheck source=tests/test-lib.sh
. "$top_srcdir/tests/test-lib.sh"
tl_begin history-cli.sh
tl_need_built EMGUARD cli/emguard
tl_need_tool python3
MILTER=$top_builddir/milter/emguard-milter
GOLDEN=$top_srcdir/tests/golden-history
tl_tmpdir

# said NAME FILE TEXT: FILE's first line is TEXT
said() {
	if [ "$(head -n 1 "$2")" = "$3" ]; then ok "$1"; else
		nok "$1"
		echo "    got:  $(head -n 1 "$2")"
		echo "    want: $3"
	fi
}

python3 "$GOLDEN/gen-history.py" fx || exit 1
printf 'InternalDomains example-corp.test\nDataStore sqlite:%s\n' \
	"$TMP/history.db" >h.conf
H="$EMGUARD history"

# ---- import ---------------------------------------------------------------------
check "import a Sent Maildir" 0 $H import -c h.conf fx/sent
said "Maildir: 5 messages, 1 without Message-ID" out \
	"5 messages, 5 new, 1 without Message-ID skipped (outbound)"
check "import a Sent mbox and the Maildir again" 0 \
	$H import -c h.conf fx/sent.mbox fx/sent
said "only the 2 messages not seen before are new" out \
	"8 messages, 2 new, 1 without Message-ID skipped (outbound)"
check "import the same again" 0 $H import -c h.conf fx/sent.mbox fx/sent
said "idempotent: nothing new" out \
	"8 messages, 0 new, 1 without Message-ID skipped (outbound)"
check "stats" 0 $H stats -c h.conf
said "7 messages stored" out "7 messages"
check "import an inbox with --inbound" 0 \
	$H import -c h.conf --inbound fx/inbox.mbox
said "inbox: 2 new" out "2 messages, 2 new (inbound)"
check "stdin and a single .eml" 0 sh -c \
	"$H import -c h.conf --inbound - fx/sent/new/* <fx/reply-genuine.eml"
said "a message we sent is known in either direction" out \
	"2 messages, 1 new (inbound)"
check "an unreadable PATH: exit 2" 2 $H import -c h.conf fx/missing fx/sent
expect "the PATH is named" grep -q 'fx/missing' err
said "the other PATHs are still read" out \
	"5 messages, 0 new, 1 without Message-ID skipped, 1 unreadable (outbound)"

# ---- prune ----------------------------------------------------------------------
check "prune (default retention)" 0 $H prune -c h.conf
said "the message 500 days old goes" out \
	"1 message older than 400 days removed"
check "prune --older-than 30" 0 $H prune -c h.conf --older-than 30
said "the mbox messages 60 and 90 days old go" out \
	"2 messages older than 30 days removed"
check "stats after prune" 0 $H stats -c h.conf
said "7 messages left" out "7 messages"
cp h.conf keep.conf && printf 'HistoryRetention 0\n' >>keep.conf
check "prune with HistoryRetention 0" 0 $H prune -c keep.conf
said "HistoryRetention 0 keeps everything" out \
	"HistoryRetention 0 keeps everything: nothing removed"
cp h.conf short.conf && printf 'HistoryRetention 15\n' >>short.conf
check "prune with HistoryRetention 15" 0 $H prune -c short.conf
said "the two messages 19 and 20 days old go" out \
	"2 messages older than 15 days removed"

# ---- errors ---------------------------------------------------------------------
printf 'DataStore\n' >none.conf
check "no DataStore: exit 2" 2 $H stats -c none.conf
expect "no DataStore: says so" grep -q 'no DataStore configured' err
printf 'DataStore sqlite:%s/missing/dir/h.db\n' "$TMP" >gone.conf
check "unreachable DataStore: exit 2" 2 $H import -c gone.conf fx/sent
expect "unreachable DataStore: says so" \
	grep -q 'cannot open the DataStore' err
check "import without PATH: exit 2" 2 $H import -c h.conf
check "unknown history command: exit 2" 2 $H frobnicate
check "an option of another command: exit 2" 2 $H prune --inbound -c h.conf
check "bad --older-than: exit 2" 2 $H prune --older-than 1x -c h.conf
check "history without a command: exit 2" 2 $H

# ---- the milter learns -------------------------------------------------------------
# milter_learn: run emguard-milter on its own store, send the three
# milter-*.eml through miltertest, and see which the store learnt.
milter_learn() {
	mkdir mdb && chmod 1777 mdb && chmod 755 "$TMP"
	run_as=
	[ "$(id -u)" -eq 0 ] && run_as="-u nobody"
	{
		printf 'InternalDomains example-corp.test\n'
		printf 'InternalNetworks 127.0.0.0/8\n'
		printf 'FreemailDomains freemail.test\n'
		printf 'TemporaryDirectory %s\n' "$TMP/mdb"
		printf 'DataStore sqlite:%s\n' "$TMP/mdb/milter.db"
	} >m.conf
	# shellcheck disable=SC2086
	"$MILTER" -f -c m.conf -p "unix:$TMP/m.sock" $run_as 2>m.log &
	TL_PID=$!
	i=0
	while [ ! -S m.sock ]; do
		i=$((i + 1))
		[ $i -gt 100 ] && { nok "milter did not start"; return; }
		sleep 0.05
	done
	if miltertest -D "sock=unix:$TMP/m.sock" -D "fixtures=$TMP/fx" \
	    -D "lib=$top_srcdir/tests/milter/lib.lua" \
	    -s "$GOLDEN/milter-learn.lua" >mt.out 2>&1; then
		ok "milter: outbound, inbound and quarantined mail sent"
	else
		nok "milter: miltertest"
		sed 's/^/    /' mt.out | head -5
	fi
	# the writer thread records after the reply: wait for it
	i=0
	until $H stats -c m.conf 2>/dev/null | grep -q '^2 messages$'; do
		i=$((i + 1))
		[ $i -gt 100 ] && break
		sleep 0.05
	done
	check "milter: two messages learnt" 0 $H stats -c m.conf
	said "milter: the store holds 2" out "2 messages"
	check "milter: which ones" 0 $H import -c m.conf --inbound \
		fx/milter-out.eml fx/milter-in.eml fx/milter-spoof.eml
	said "milter: outbound and accepted inbound known, quarantined not" \
		out "3 messages, 1 new (inbound)"
	expect "milter: no history error logged" \
		sh -c '! grep -q "history:.*fail\|cannot" m.log'
	kill "$TL_PID" && wait "$TL_PID"
	TL_PID=
}
if ! command -v miltertest >/dev/null 2>&1; then
	echo "skip milter: miltertest not installed"
elif [ ! -x "$MILTER" ]; then
	echo "skip milter: $MILTER not built"
else
	milter_learn
fi

# ---- thread findings against the history -------------------------------------------
# finding_lines FILE: the action and the hijack.* and spoof.display_name
# findings of each JSON line of FILE, as "file action ACTION" and "file
# SYMBOL category", sorted
finding_lines() {
	python3 - "$1" <<'EOF'
import json, os, sys
rows = []
for line in open(sys.argv[1], encoding="utf-8"):
    obj = json.loads(line)
    rows.append("%s action %s" % (os.path.basename(obj["file"]),
                                  obj["action"]))
    for f in obj["findings"]:
        if f["category"].startswith("hijack.") or \
                f["category"] == "spoof.display_name":
            rows.append("%s %s %s" % (os.path.basename(obj["file"]),
                                      f["symbol"], f["category"]))
print("\n".join(sorted(rows)))
EOF
}
if ! "$EMGUARD" symbols | grep -q ' hijack\.'; then
	echo "skip thread findings: no hijack.* symbols in this build"
else
	# a warm store: the thread checks wait for HistoryMinMessages
	if "$EMGUARD" --dump-config | grep -q '^#* *HistoryMinMessages'; then
		printf 'HistoryMinMessages 1\n' >>h.conf
	fi
	"$EMGUARD" scan -c h.conf --json fx/reply-genuine.eml \
		fx/reply-stolen.eml >scan.json 2>scan.err
	finding_lines scan.json >findings.txt || nok "scan --json parses"
	if [ "$update" -eq 1 ]; then
		cp findings.txt "$GOLDEN/thread-findings.txt"
		echo "updated $GOLDEN/thread-findings.txt"
	elif [ ! -f "$GOLDEN/thread-findings.txt" ]; then
		nok "thread findings: no golden (run with --update)"
	elif diff -u "$GOLDEN/thread-findings.txt" findings.txt; then
		ok "thread findings match the golden"
	else
		nok "thread findings differ from the golden"
	fi
fi

tl_finish

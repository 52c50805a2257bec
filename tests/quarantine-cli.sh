#!/bin/sh
# quarantine-cli.sh - `emguard quarantine` and `emguard user` against a
# temporary SQLite DataStore and QuarantineDir, with ReleaseMethod
# sendmail:TMP/fake-sendmail, a script that records its arguments and its
# stdin (and fails with 75 while TMP/fail exists).
#
# The messages of tests/golden-quarantine/gen-quarantine.py are stored with
# `emguard quarantine import`; one is aged 40 days in the index (python3's
# sqlite3) for --since and purge.  Checked:
#   list: the 80-column table, a 160-column table, --json (golden,
#     normalised), every filter (--since absolute and relative, --status,
#     --from, --rcpt, --symbol, --action, --limit), bad values refused;
#   show: golden output of the invoice (findings, attachment tree, headers)
#     and of the hostile message, which must hold no raw ESC, C1 or bidi
#     control and show them as visible escapes;
#   release: sendmail's argument vector exactly, its stdin = the release
#     header + the original bytes exactly; --to; a failing sendmail leaves
#     the entry held with a release-failed audit line; releasing twice;
#   export byte-identical (cmp), refused on a terminal (script(1));
#   delete, then export and release refused; unknown ids; purge by
#   QuarantineRetention and --older-than; recover; the audit trail (golden)
#   and the acting user ($SUDO_USER, else the login name);
#   emguard user add/passwd/delete/list with --password-stdin.
# Goldens: tests/golden-quarantine/*.txt; `quarantine-cli.sh --update`
# rewrites them (read the diff before committing).
# Needs: $top_builddir and $top_srcdir (exported by make check; the
# helpers are in tests/test-lib.sh), python3.
# Exit: 0 pass, 1 fail, 77 skip.

update=0
[ "${1:-}" = --update ] && update=1
# the check helpers (tl_*, ok, nok, check, expect)
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
# shellcheck source=tests/test-lib.sh
. "$top_srcdir/tests/test-lib.sh"
tl_begin quarantine-cli.sh
tl_need_built EMGUARD cli/emguard
tl_need_tool python3
GOLDEN=$top_srcdir/tests/golden-quarantine
tl_tmpdir
# one clock and one user for every run; no terminal width from outside
TZ=UTC
SUDO_USER=tester
export TZ SUDO_USER
unset COLUMNS

# has NAME FILE TEXT: FILE holds the line part TEXT (fixed string)
has() {
	if grep -qF -- "$3" "$2"; then ok "$1"; else
		nok "$1"
		echo "    want: $3"
		sed 's/^/    got:  /' "$2" | head -5
	fi
}

python3 "$top_srcdir/tests/golden-quarantine/gen-quarantine.py" fx || exit 1
mkdir -m 700 q
cat >emguard.conf <<EOF
InternalDomains     example-corp.test
InternalNetworks    127.0.0.0/8, 10.0.0.0/8
TrustedAuthservIDs  mx.example-corp.test
ProtectedDomains    partner.test
DataStore           sqlite:$TMP/db
QuarantineDir       $TMP/q
ReleaseMethod       sendmail:$TMP/fake-sendmail
EOF
sed '/^QuarantineDir/a QuarantineRetention 0' emguard.conf >keep.conf
# sendmail runs with PATH only: the script names its files in full
cat >fake-sendmail <<EOF
#!/bin/sh
printf '%s\n' "\$@" > $TMP/argv
cat > $TMP/stdin
if [ -e $TMP/fail ]; then
	echo "sendmail: fatal: queue file write error" >&2
	exit 75
fi
exit 0
EOF
chmod 700 fake-sendmail
C="-c $TMP/emguard.conf"
Q="$EMGUARD quarantine"

# ---- store ---------------------------------------------------------------
for f in invoice hostile newsletter old; do
	rcpt=yamada@example-corp.test
	[ $f = newsletter ] && rcpt="suzuki@example-corp.test --rcpt sato@example-corp.test"
	# shellcheck disable=SC2086 # $rcpt is two options for the newsletter
	check "import $f" 0 $Q import $C --mail-from "sender-$f@origin.test" \
		--rcpt $rcpt --client-ip 192.0.2.10 --helo mail.origin.test \
		"fx/$f.eml"
	id=$(cut -d' ' -f1 out)
	case $id in [0-9]*-[0-9a-f]*) ;; *) nok "id of $f: $id"; exit 1 ;; esac
	eval "id_$f=\$id"
done
# shellcheck disable=SC2154 # set by the eval above
ids="$id_invoice $id_hostile $id_newsletter $id_old"
# arrival times apart (the list is newest first): invoice 3 hours ago,
# newsletter 2, hostile 1, old 40 days
python3 - "$TMP/db" $ids <<'EOF' || nok "setting the arrival times"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
n = 0
for id_, age in zip(sys.argv[2:], (3 * 3600, 3600, 2 * 3600, 40 * 86400)):
    n += db.execute("UPDATE quarantine_entry SET arrived = arrived - ?"
                    " WHERE id = ?", (age, id_)).rowcount
db.commit()
sys.exit(0 if n == 4 else 1)
EOF

# normalise: ids to their fixture's name (as wide as an id), times, this
# host's name
norm() {
	sed -e "s/$id_invoice/ID-invoice___________/g" \
		-e "s/$id_hostile/ID-hostile___________/g" \
		-e "s/$id_newsletter/ID-newsletter________/g" \
		-e "s/$id_old/ID-old_______________/g" \
		-e 's/[0-9]\{4\}-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9] [+-][0-9]\{4\}/TIME/g' \
		-e 's/^\(ID-[a-z_]*\) [0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]/\1 MM-DD hh:mm/' \
		-e "s/^  Stored on:  .*/  Stored on:  HOST/" -e "s|$TMP|TMP|g"
}

# golden NAME FILE: FILE normalised equals tests/golden-quarantine/NAME
golden() {
	norm <"$2" >"$2.norm"
	if [ $update = 1 ]; then
		cp "$2.norm" "$GOLDEN/$1"
		ok "golden $1 (updated)"
	elif cmp -s "$2.norm" "$GOLDEN/$1"; then
		ok "golden $1"
	else
		nok "golden $1"
		diff -u "$GOLDEN/$1" "$2.norm" | head -30
	fi
}

# listed NAME WANT ARGS...: `list --json ARGS` gives the fixtures WANT
# ("invoice old", newest first)
listed() {
	name=$1 want=$2
	shift 2
	$Q list $C --json "$@" >out 2>err
	got=$(python3 -c '
import json, sys
names = dict(zip(sys.argv[1].split(), "invoice hostile newsletter old".split()))
print(" ".join(names.get(json.loads(l)["id"], "?") for l in open("out")))
' "$ids")
	if [ "$got" = "$want" ]; then ok "$name"; else
		nok "$name"
		echo "    got: $got; want: $want"
	fi
}

# ---- list ----------------------------------------------------------------
check "list: table" 0 $Q list $C
golden list-table.txt out
COLUMNS=160 check "list: 160 columns, every status" 0 $Q list $C \
	--status all
golden list-wide.txt out
check "list --json" 0 $Q list $C --json
python3 -c '
import json, sys
for line in open("out"):
    e = json.loads(line)
    e["arrived"] = "TIME"
    e["arrived_epoch"] = 0
    e["host"] = "HOST"
    print(json.dumps(e, sort_keys=True))
' >list.jsonl
golden list.jsonl list.jsonl
listed "list: newest first, held" "hostile newsletter invoice old"
listed "list --since 7d" "hostile newsletter invoice" --since 7d
listed "list --since 12h" "hostile newsletter invoice" --since 12h
listed "list --since 2000-01-01" "hostile newsletter invoice old" \
	--since 2000-01-01
listed "list --since 2999-01-01T09:00" "" --since 2999-01-01T09:00
listed "list --from (case-insensitive)" "invoice" --from PARTNER.test
listed "list --rcpt (any recipient)" "newsletter" --rcpt sato@
listed "list --symbol" "invoice" --symbol ATTACH_SCRIPT
listed "list --action" "hostile" --action tag
listed "list --limit 2" "hostile newsletter" --limit 2
check "list --limit 1: the table says how many match" 0 $Q list $C --limit 1
has "list --limit 1: count" out "1 entry of 4 (--limit 0 shows all)"
check "list --since garbage refused" 2 $Q list $C --since yesterday
has "list --since garbage: message" err "emguard: --since wants"
check "list --status garbage refused" 2 $Q list $C --status kept
check "list --to is no list option" 2 $Q list $C --to a@b.test
has "list --to: message" err "no such option"
check "unknown sub-command" 2 $Q frobnicate $C
check "show without an ID" 2 $Q show $C
has "show without an ID: message" err "emguard: quarantine show takes one ID"
check "purge takes no ID" 2 $Q purge $C "$id_old"

# ---- show ----------------------------------------------------------------
check "show invoice" 0 $Q show $C "$id_invoice"
golden show-invoice.txt out
check "show hostile" 0 $Q show $C "$id_hostile"
golden show-hostile.txt out
expect "show hostile: no raw ESC, BEL, C1 or bidi control" python3 -c '
import sys
data = open("out", "rb").read()
bad = [b"\x1b", b"\x07", b"\xc2\x9b", b"\xe2\x80\xae", b"\xe2\x81\xa6",
       b"\xe2\x81\xa9", b"\xff"]
sys.exit(1 if any(b in data for b in bad) else 0)'
has "show hostile: ESC visible" out 'Pay \x1b[31mnow\x1b]0;pwned\x07'
has "show hostile: U+202E visible" out 'invoice\u202efdp.exe'
has "show hostile: invalid UTF-8 visible" out 'X-Raw: bad \xff byte'
check "show --json" 0 $Q show $C --json "$id_invoice"
expect "show --json: the whole report" python3 -c '
import json
e = json.load(open("out"))
assert e["report"]["attachments"][0]["children"][0]["name"] == "docs.zip"
assert e["symbols"] == [f["symbol"] for f in e["report"]["findings"]]'
check "show of an unknown id" 2 $Q show $C 20261122-000000000000
has "show of an unknown id: message" err \
	"emguard: no quarantine entry 20261122-000000000000"
check "show of a hostile id" 2 $Q show $C "$(printf 'x\033[2Jy')"
expect "show of a hostile id: no raw ESC" \
	python3 -c 'import sys; sys.exit(b"\x1b" in open("err","rb").read())'

# ---- release -------------------------------------------------------------
# released_bytes FIXTURE ID: stdin of sendmail was the release header
# (naming ID, with the message's own line end) and the exact bytes
released_bytes() {
	python3 - "fx/$1.eml" "$2" <<'EOF'
import re, sys
orig = open(sys.argv[1], "rb").read()
got = open("stdin", "rb").read()
eol = b"\r\n" if orig.split(b"\n", 1)[0].endswith(b"\r") else b"\n"
head, sep, rest = got.partition(eol)
ok = (sep == eol and rest == orig and
      re.fullmatch(rb"X-Emguard-Released: [ -~]*id=" +
                   sys.argv[2].encode() + rb"[ -~]*", head) is not None)
sys.exit(0 if ok else 1)
EOF
}

check "release" 0 $Q release $C "$id_invoice"
has "release: result" out \
	"$id_invoice: released: to=yamada@example-corp.test via sendmail:$TMP/fake-sendmail: accepted by $TMP/fake-sendmail"
expect "release: argv" [ "$(cat argv)" = "-i
-f
sender-invoice@origin.test
--
yamada@example-corp.test" ]
expect "release: stdin = header + original bytes (CRLF)" \
	released_bytes invoice "$id_invoice"
listed "list --status released" "invoice" --status released

rm -f argv stdin
check "release newsletter (two recipients)" 0 $Q release $C "$id_newsletter"
expect "release: argv, two recipients" [ "$(cat argv)" = "-i
-f
sender-newsletter@origin.test
--
suzuki@example-corp.test
sato@example-corp.test" ]
expect "release: stdin = header + original bytes (LF)" \
	released_bytes newsletter "$id_newsletter"

rm -f argv stdin
check "release again --to" 0 $Q release $C --to it@example-corp.test \
	--to 'odd;$(touch${IFS}x)@example-corp.test' "$id_invoice"
has "release again: says so" out "released: again, to=it@example-corp.test"
expect "release --to: argv, one argument each, nothing run" \
	[ "$(cat argv)" = '-i
-f
sender-invoice@origin.test
--
it@example-corp.test
odd;$(touch${IFS}x)@example-corp.test' ] && [ ! -e x ]
check "release --to with a space refused" 2 $Q release $C \
	--to 'a;rm -rf x@example-corp.test' "$id_invoice"
has "release --to with a space: message" err \
	"not released: unusable recipient address"

: >fail
check "release with a failing sendmail" 2 $Q release $C "$id_hostile"
has "release failing: message" err \
	"$id_hostile: not released: $TMP/fake-sendmail exited 75: sendmail: fatal: queue file write error"
listed "release failing: still held" "hostile old" --status held
rm -f fail

# ---- export and delete ---------------------------------------------------
check "export" 0 $Q export $C "$id_invoice"
expect "export: byte-identical" cmp -s out fx/invoice.eml
check "export hostile (invalid UTF-8 kept)" 0 $Q export $C "$id_hostile"
expect "export hostile: byte-identical" cmp -s out fx/hostile.eml
script -qec "$Q export $C $id_invoice" /dev/null >tty.out 2>&1
expect "export to a terminal refused" [ $? -eq 2 ]
has "export to a terminal: message" tty.out "redirect it to a file"
check "delete" 0 $Q delete $C "$id_hostile"
has "delete: result" out "$id_hostile: deleted"
check "delete again" 2 $Q delete $C "$id_hostile"
check "export of a deleted entry refused" 2 $Q export $C "$id_hostile"
has "export deleted: message" err "was deleted: its bytes are gone"
check "release of a deleted entry refused" 2 $Q release $C "$id_hostile"
has "release deleted: message" err "$id_hostile: the entry was deleted"
check "show of a deleted entry" 0 $Q show $C "$id_hostile"
has "show deleted: headers gone" out "(deleted: the message is gone)"
expect "delete: the file is gone" [ ! -e "q/$id_hostile.eml" ]
check "export of an unknown id" 2 $Q export $C 20261122-000000000000

# ---- audit ---------------------------------------------------------------
check "audit of the invoice" 0 $Q audit $C "$id_invoice"
golden audit-invoice.txt out
check "audit of the hostile message" 0 $Q audit $C "$id_hostile"
golden audit-hostile.txt out
check "audit --limit 2 (the newest two, oldest first)" 0 $Q audit $C \
	--limit 2
expect "audit --limit 2: two lines" [ "$(wc -l <out)" -eq 2 ]
has "audit --limit 2: the delete last" out "cli:tester  delete"
(unset SUDO_USER && $Q export $C "$id_invoice" >/dev/null)
$Q audit $C --limit 1 "$id_invoice" >out
has "actor without sudo: the login name" out \
	"cli:$(id -un)  export"

# ---- a damaged report ----------------------------------------------------
# report REPORT: the newsletter's stored report becomes REPORT; show and
# list --json must stay safe (text neutralised, one JSON line, null for
# what does not parse)
report() {
	python3 - "$TMP/db" "$id_newsletter" "$1" <<'EOF'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("UPDATE quarantine_entry SET report_json = ? WHERE id = ?",
           (sys.argv[3], sys.argv[2]))
db.commit()
EOF
}
report '{"findings":[{"symbol":"X\u001b[2J","score":1e1,"detail":"\ud800 lone","object":"a\u202eb"}],"attachments":[{"name":"n\u0007","size":3,"children":[{"name":"c","encrypted":true,"findings":["S"]}]}]}'
check "damaged report: show" 0 $Q show $C "$id_newsletter"
has "damaged report: symbol neutralised" out '+10.0  X\x1b[2J'
has "damaged report: lone surrogate" out "$(printf '\357\277\275') lone"
has "damaged report: nested node" out '    - c  , encrypted  [S]'
expect "damaged report: no raw control" python3 -c '
import sys
d = open("out", "rb").read()
sys.exit(1 if b"\x1b" in d or b"\x07" in d or b"\xe2\x80\xae" in d else 0)'
check "damaged report: list --json" 0 $Q list $C --json --status all --rcpt sato@
expect "damaged report: one JSON line" python3 -c '
import json
lines = open("out").read().splitlines()
assert len(lines) == 1
r = json.loads(lines[0])["report"]
assert r["findings"][0]["symbol"] == "X\x1b[2J"
assert r["findings"][0]["score"] == 10'
deep=$(python3 -c 'print("[" * 100 + "]" * 100)')
for bad in '{"findings":[' '{"a":1}}' '{"a":"x
y"}' "$deep" '{"n":-}' '{"s":"\x"}' '{"n":1.5.5}' '{"a":nul}'; do
	name="damaged report refused: $(printf %.24s "$bad" | tr '\n' ' ')"
	report "$bad"
	$Q show $C "$id_newsletter" >out 2>err
	st=$?
	$Q list $C --json --status all --rcpt sato@ >json 2>&1
	if [ $st -eq 0 ] && grep -q "does not parse" out && python3 -c '
import json
assert json.loads(open("json").read())["report"] is None'; then
		ok "$name"
	else
		nok "$name"
	fi
done

# ---- purge and recover ---------------------------------------------------
check "purge by QuarantineRetention 0" 0 $Q purge -c "$TMP/keep.conf"
has "purge: 0 keeps everything" out "QuarantineRetention 0 keeps everything"
check "purge by QuarantineRetention (30 days)" 0 $Q purge $C
has "purge: the aged entry" out "1 entry older than 30 days purged"
listed "purge: gone from the list" "hostile newsletter invoice" --status all
check "purge: its audit lines stay" 0 $Q audit $C "$id_old"
has "purge: its store line" out "store  imported by hand from fx/old.eml"
check "purge --older-than 12h" 0 $Q purge $C --older-than 12h
has "purge --older-than 12h: nothing" out "0 entries older than 12 hours"
check "purge --older-than garbage" 2 $Q purge $C --older-than soon
: >"q/20261101-0123456789ab.eml"
check "recover" 0 $Q recover $C
has "recover: the stray file" out "1 stray file removed, 0 entries without"
expect "recover: removed" [ ! -e "q/20261101-0123456789ab.eml" ]
mv "q/$id_newsletter.eml" newsletter.keep
check "recover: missing bytes exit 1" 1 $Q recover $C
has "recover: missing bytes counted" out "1 entry without their bytes"
mv newsletter.keep "q/$id_newsletter.eml"

# ---- errors --------------------------------------------------------------
printf 'DataStore\n' >nostore.conf
check "no DataStore" 2 $Q list -c "$TMP/nostore.conf"
has "no DataStore: message" err \
	"emguard: quarantine: no DataStore configured (set DataStore"
printf 'DataStore sqlite:%s/none/db\n' "$TMP" >nodir.conf
check "an unreachable DataStore" 2 $Q list -c "$TMP/nodir.conf"
has "an unreachable DataStore: message" err "unable to open database file"

# ---- users ---------------------------------------------------------------
U="$EMGUARD user"
# (stdin from files: a pipe into check would run it in a subshell)
pw() { printf '%s\n' "$1" >pw; }
pw 'correct horse battery'
check "user add" 0 $U add alice $C --password-stdin <pw
pw 'another long passphrase'
check "user add bob" 0 $U add bob $C --password-stdin <pw
check "user list" 0 $U list $C
expect "user list: sorted names" [ "$(cat out)" = "alice
bob" ]
pw 'correct horse battery'
check "user add of an existing name" 2 $U add alice $C --password-stdin <pw
has "user add existing: message" err "exists already"
pw 'short pw'
check "user add: a short password refused" 2 $U add carol $C \
	--password-stdin <pw
has "user add short: message" err "at least 10 characters"
pw 'パスワードは十文字以上'
check "user add: ten Japanese characters" 0 $U add carol $C \
	--password-stdin <pw
check "user add: no password line" 2 $U add dave $C --password-stdin \
	</dev/null
check "user add without a terminal or --password-stdin" 2 \
	$U add erin $C </dev/null
pw 'a different passphrase'
check "user passwd" 0 $U passwd alice $C --password-stdin <pw
check "user passwd of an unknown name" 2 $U passwd zoe $C \
	--password-stdin <pw
check "user add: a bad name" 2 $U add 'bad name' $C --password-stdin <pw
check "user delete" 0 $U delete bob $C
check "user delete of an unknown name" 2 $U delete bob $C
check "user list after" 0 $U list $C
expect "user list after: alice carol" [ "$(cat out)" = "alice
carol" ]
check "user list takes no name" 2 $U list alice $C

tl_finish

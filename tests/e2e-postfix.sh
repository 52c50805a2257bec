#!/bin/sh
# e2e-postfix.sh - end-to-end test of emguard-milter behind a real Postfix,
# and of the pieces an administrator installs with it (contrib/, man/).
#
# Starts a private Postfix instance on 127.0.0.1 with tests/postfix-lib.sh
# (its own config, queue and data directories, a free unprivileged port, all
# under one temporary directory) whose smtpd_milters is emguard-milter on a
# unix socket, with milter_default_action = tempfail.  Mail for test.local
# is delivered by the virtual transport into a Maildir in the same directory
# (other@test.local into a second one).  Messages go in over SMTP (python3
# smtplib) and the test asserts what reached the Maildir, the
# hold queue and the SMTP client: the X-Emguard-* headers on clean mail,
# forged X-Emguard-* headers replaced, the Japanese subject tag with the
# original encoded word kept, the hold queue, 550 5.7.1, 451 and nothing
# queued while the milter is down, mail flowing again after a restart,
# SIGHUP reloads (a bad file keeps the old configuration), OnError accept and
# tempfail for a scan past LimitScanTime, the privilege drop, SIGTERM.
# QuarantineMode store: 250 at SMTP, discarded by Postfix, kept in the
# emguard quarantine with the bytes sent; `emguard quarantine release`
# over smtp: into the same Postfix and through the milter again (its
# release token makes it "released"), delivered byte-identical to what was
# sent apart from the trace fields and X-Emguard-*, --to another mailbox,
# by sendmail:/usr/sbin/sendmail with MAIL_CONFIG; every entry the milter
# acknowledged is in the index; a DataStore that cannot be opened:
# QuarantineFallback hold puts the message in the hold queue.
# Before that, without Postfix: man/emguard.conf.5 documents exactly the
# keywords of etc/emguard.conf, contrib/sendmail.mc expands with Sendmail's
# cf.m4, contrib/emguard-milter.service passes systemd-analyze verify, and
# (with Postfix) postconf reads contrib/postfix-main.cf without a warning.
#
# Relies on: root (Postfix's master starts as root and drops to mail_owner;
# the milter drops to nobody), the Debian postfix package (user postfix,
# group postdrop, /etc/postfix/postfix-files), python3; sendmail-cf and
# systemd-analyze when present.  It never touches the system Postfix, its
# configuration or port 25.  The check helpers are tests/test-lib.sh's.
# Run by make check with $top_srcdir and $top_builddir exported; takes 45 to
# 65 s on two busy cores.  Exit: 0 pass, 1 fail, 77 skip (the reason is
# printed).  E2E_KEEP=1 keeps the temporary directory.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
# shellcheck source=tests/test-lib.sh
. "$top_srcdir/tests/test-lib.sh"
# shellcheck source=tests/postfix-lib.sh
. "$top_srcdir/tests/postfix-lib.sh"
tl_begin e2e-postfix
MILTER=$top_builddir/milter/emguard-milter
EMGUARD=$top_builddir/cli/emguard
MILTER_USER=nobody
# like PATTERN STRING: STRING matches the shell PATTERN
like() {
	case $2 in
	$1) return 0 ;;
	esac
	return 1
}
no() { ! "$@"; }
# stops_on_term PID: PID, a child of this shell, ends on SIGTERM within the
# 10 s pf_stop_pid gives it before its SIGKILL (which wait reports as 137)
stops_on_term() {
	pf_stop_pid "$1"
	wait "$1"
	[ $? -ne 137 ]
}

T=$(mktemp -d /tmp/emguard-e2e.XXXXXX) || exit 1
chmod 755 "$T" # the postfix user reaches the milter socket, nobody the Maildir
milter_pid=
user_pid=
cleanup() {
	pf_stop
	pf_stop_pid "$milter_pid"
	pf_stop_pid "$user_pid"
	if [ "${E2E_KEEP:-0}" = 1 ]; then echo "kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM PIPE

# ---- contrib/: the Sendmail snippet expands, the systemd unit verifies ------------
cf_m4=/usr/share/sendmail/cf/m4/cf.m4
if command -v m4 >/dev/null 2>&1 && [ -f "$cf_m4" ]; then
	sed -e "s|@CF@|$cf_m4|" -e "s|@MC@|$top_srcdir/contrib/sendmail.mc|" \
		>"$T/sendmail.mc" <<'EOF'
divert(-1)
include(`@CF@')
divert(0)dnl
OSTYPE(`linux')dnl
MAILER(`local')dnl
MAILER(`smtp')dnl
include(`@MC@')dnl
EOF
	m4 "$T/sendmail.mc" >"$T/sendmail.cf" 2>"$T/m4.err"
	expect "contrib/sendmail.mc: m4 expands it without a word" test ! -s "$T/m4.err"
	expect "contrib/sendmail.mc: the filter's X line" grep -qxF \
		'Xemguard, S=local:/run/emguard/milter.sock, F=T, T=S:30s;R:60s;E:5m' \
		"$T/sendmail.cf"
	expect "contrib/sendmail.mc: InputMailFilters=emguard" \
		grep -qx 'O InputMailFilters=emguard' "$T/sendmail.cf"
else
	echo "skip contrib/sendmail.mc: no m4 or no $cf_m4 (package sendmail-cf)"
fi
if command -v systemd-analyze >/dev/null 2>&1 && [ -x "$MILTER" ]; then
	# verify wants the binary and the manual pages it names to exist
	for sec in 1 5 8; do
		mkdir -p "$T/man/man$sec"
		cp "$top_srcdir"/man/*."$sec" "$T/man/man$sec/"
	done
	bin=$(cd "$(dirname "$MILTER")" && pwd)/emguard-milter
	sed "s|/usr/sbin/emguard-milter|$bin|" "$top_srcdir/contrib/emguard-milter.service" \
		>"$T/emguard-milter.service"
	MANPATH=$T/man systemd-analyze verify "$T/emguard-milter.service" \
		>"$T/verify.out" 2>&1
	expect "contrib/emguard-milter.service: systemd-analyze verify" test $? = 0
	sed 's/^/    /' "$T/verify.out"
else
	echo "skip contrib/emguard-milter.service: no systemd-analyze"
fi

# ---- the manual page documents the configuration table ------------------------
# etc/emguard.conf is generated from the table and shows every keyword as
# "#Keyword default"; emguard.conf.5 gives each its own `.BI "Keyword "` line.
conf_kws=$(sed -n 's/^#\([A-Z][A-Za-z]*\)\( .*\)*$/\1/p' "$top_srcdir/etc/emguard.conf" | sort -u)
man_kws=$(sed -n 's/^\.BI* "*\([A-Z][A-Za-z]*\)[ "].*/\1/p' "$top_srcdir/man/emguard.conf.5" | sort -u)
undocumented=$(printf '%s\n' "$conf_kws" | grep -vxF "$man_kws")
stale=$(printf '%s\n' "$man_kws" | grep -vxF "$conf_kws")
expect "emguard.conf.5 documents every keyword (missing: $(echo $undocumented))" \
	test -z "$undocumented"
expect "emguard.conf.5 documents no unknown keyword (stale: $(echo $stale))" \
	test -z "$stale"

# ---- what the rest needs -----------------------------------------------------------
why=$(pf_check) || tl_skip "$why"
tl_need_tool postcat
tl_need_built MILTER milter/emguard-milter
tl_need_built EMGUARD cli/emguard
# The system's python3 when there is one (postfix-lib.sh's choice): a version
# manager's shim in front of it costs about a second a call, and the helpers
# are called often.
PYTHON=$PF_PYTHON
mkdir -p "$T/run" "$T/msg" "$T/qdir"
chown "$MILTER_USER" "$T/run" "$T/qdir"

# ---- the python half: messages, SMTP client, Maildir and queue readers -------------
cat >"$T/e2e.py" <<'EOF'
"""e2e.py - helpers of e2e-postfix.sh (standard library only)."""
import base64, email, email.header, json, os, smtplib, sys, time


def messages(outdir):
    """The test messages: NAME.eml, each with Message-ID <NAME@e2e.test>."""
    mz = (b"MZ\x90\x00" + b"\x00" * 60 +
          b"This program cannot be run in DOS mode.\r\n" + b"\x00" * 200)
    js = b"var s = new ActiveXObject('WScript.Shell'); s.Run('cmd');\r\n"
    plain = ("Content-Type: text/plain; charset=UTF-8\r\n"
             "Content-Transfer-Encoding: 8bit\r\n")

    def write(name, frm, subject, body, atts=(), extra=""):
        head = ("From: %s\r\nTo: user@test.local\r\nSubject: %s\r\n"
                "Message-ID: <%s@e2e.test>\r\n"
                "Date: Mon, 15 Jan 2024 10:00:00 +0900\r\n%s"
                "MIME-Version: 1.0\r\n" % (frm, subject, name, extra))
        if not atts:
            text = head + plain + "\r\n" + body
        else:
            b = "e2e-boundary"
            text = (head + 'Content-Type: multipart/mixed; boundary="%s"\r\n'
                    "\r\n--%s\r\n%s\r\n%s\r\n" % (b, b, plain, body))
            for fname, ctype, data in atts:
                enc = base64.encodebytes(data).decode().replace("\n", "\r\n")
                text += ('--%s\r\nContent-Type: %s; name="%s"\r\n'
                         'Content-Disposition: attachment; filename="%s"\r\n'
                         "Content-Transfer-Encoding: base64\r\n\r\n%s\r\n"
                         % (b, ctype, fname, fname, enc))
            text += "--%s--\r\n" % b
        with open(os.path.join(outdir, name + ".eml"), "wb") as fp:
            fp.write(text.encode("utf-8"))

    write("clean", "Alice Example <alice@example.test>", "minutes",
          "See you tomorrow.\r\n")
    write("forged", "Alice Example <alice@example.test>", "minutes again",
          "See you tomorrow.\r\n",
          extra="X-Emguard-Action: quarantine\r\nX-Emguard-Score: -100\r\n"
                "X-Emguard-Symbols: FORGED_BY_SENDER\r\n"
                "x-emguard-action: reject\r\n")
    # the subject is an encoded word (請求書) followed by plain text
    write("tag", '"ceo@example-corp.test" <ceo.office@evil.test>',
          "=?UTF-8?B?6KuL5rGC5pu4?= 2024-01",
          "Please pay today.\r\n", extra=("X-Emguard-Action: accept\r\n"))
    write("quarantine", "Bob <bob@vendor.test>", "setup", "Run it.\r\n",
          [("setup.exe", "application/octet-stream", mz)])
    write("reject", "Bob <bob@vendor.test>", "tools", "Run them.\r\n",
          [("setup.exe", "application/octet-stream", mz),
           ("run.js", "application/javascript", js)])
    write("later", "Alice Example <alice@example.test>", "minutes later",
          "See you.\r\n")
    # about 1.7 MB of text: parsing alone takes longer than LimitScanTime 1ms
    line = "alpha beta gamma delta minutes meeting project schedule %d\r\n"
    write("slow", "Alice Example <alice@example.test>", "long minutes",
          "".join(line % i for i in range(25000)))


def send(port, mfrom, rcpt, path):
    """Print the server's final answer ("250 ..." or the refusal)."""
    with open(path, "rb") as fp:
        data = fp.read()
    try:
        with smtplib.SMTP("127.0.0.1", int(port), "client.e2e.test",
                          timeout=60) as s:
            s.sendmail(mfrom, [rcpt], data)
            print("250 accepted")
            return 0
    except smtplib.SMTPRecipientsRefused as e:
        code, text = list(e.recipients.values())[0]
    except smtplib.SMTPResponseException as e:
        code, text = e.smtp_code, e.smtp_error
    except (OSError, smtplib.SMTPException) as e:
        code, text = 0, str(e).encode()
    print(code, text.decode("utf-8", "replace").replace("\n", " "))
    return 1


def find(maildir, name, seconds):
    """Print the path of the delivered message <NAME@e2e.test>."""
    want = ("<%s@e2e.test>" % name).encode()
    end = time.time() + float(seconds)
    while True:
        for sub in ("new", "cur"):
            d = os.path.join(maildir, sub)
            for f in sorted(os.listdir(d)) if os.path.isdir(d) else ():
                with open(os.path.join(d, f), "rb") as fp:
                    if want in fp.read():
                        print(os.path.join(d, f))
                        return 0
        if time.time() >= end:
            return 1
        time.sleep(0.1)


def header(path, name):
    """Print every value of header NAME, unfolded, as it is in the file."""
    with open(path, "rb") as fp:
        msg = email.message_from_binary_file(fp)
    for v in msg.get_all(name) or ():
        print(" ".join(str(v).split()))
    return 0


def subject(path):
    """Print the decoded Subject."""
    with open(path, "rb") as fp:
        msg = email.message_from_binary_file(fp)
    raw = " ".join(str(msg["Subject"]).split())
    print(str(email.header.make_header(email.header.decode_header(raw))))
    return 0


def strip_fields(data, drop):
    """DATA without the header fields whose lower-case name is in DROP or
    starts with x-emguard- (continuation lines go with their field)."""
    out, i, skipping = [], 0, False
    lines = data.splitlines(keepends=True)
    for i, line in enumerate(lines):
        if line in (b"\r\n", b"\n"):  # the end of the header block
            out.extend(lines[i:])
            break
        if line[:1] in (b" ", b"\t"):
            if not skipping:
                out.append(line)
            continue
        name = line.split(b":", 1)[0].strip().lower()
        skipping = name in drop or name.startswith(b"x-emguard-")
        if not skipping:
            out.append(line)
    return b"".join(out)


def same(orig, got, lineends):
    """GOT equals ORIG byte for byte once the MTA's trace fields (Received,
    Return-Path, and the Delivered-To and X-Original-To of Postfix's
    delivery agent) and the X-Emguard-* fields are removed from GOT; with
    LINEENDS "lf", GOT's LF line ends count as ORIG's CRLF (the Maildir
    keeps LF).  Prints where they part."""
    with open(orig, "rb") as fp:
        want = fp.read()
    with open(got, "rb") as fp:
        have = strip_fields(fp.read(),
                            (b"received", b"return-path", b"delivered-to",
                             b"x-original-to"))
    if lineends == "lf":
        have = have.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    if have == want:
        return 0
    at = next((i for i in range(min(len(have), len(want)))
               if have[i] != want[i]), min(len(have), len(want)))
    print("%d bytes against %d, first difference at %d: %r / %r" %
          (len(have), len(want), at, have[max(0, at - 20):at + 40],
           want[max(0, at - 20):at + 40]))
    return 1


def entry(listing, qid):
    """Print "STATUS MAIL_FROM" of entry QID in a `quarantine list --json`
    LISTING (one object a line)."""
    with open(listing, encoding="utf-8") as fp:
        for line in fp:
            e = json.loads(line)
            if e["id"] == qid:
                print(e["status"], e["mail_from"])
    return 0


def missing(listing, *ids):
    """Print the ids of IDS that a `quarantine list --json` LISTING lacks."""
    with open(listing, encoding="utf-8") as fp:
        have = {json.loads(line)["id"] for line in fp if line.strip()}
    print(" ".join(i for i in ids if i not in have))
    return 0


def queue(sender):
    """postqueue -j on stdin: print "QUEUE_NAME QUEUE_ID" of SENDER's mail."""
    for line in sys.stdin:
        if line.strip():
            q = json.loads(line)
            if q.get("sender") == sender:
                print(q["queue_name"], q["queue_id"])
    return 0


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    sys.exit({"messages": messages, "send": send, "find": find,
              "header": header, "subject": subject, "same": same,
              "entry": entry, "missing": missing,
              "queue": queue}[cmd](*args) or 0)
EOF
e2e() { "$PYTHON" "$T/e2e.py" "$@"; }
e2e messages "$T/msg" || { nok "writing the messages"; tl_finish; }

# ---- the private Postfix instance -------------------------------------------------
port=$(pf_free_port)
sock=$T/run/milter.sock
# postfix-lib.sh's instance in $T ($T/etc, $T/spool, $T/log/maillog, the
# Maildir $T/mail/box), with the milter; other@test.local has a Maildir of
# its own for release --to
pf_setup "$T" "$port" "unix:$sock" &&
	pf_conf 'virtual_mailbox_maps = inline:{ other@test.local=other/ }, static:box/' || {
	nok "writing the private Postfix configuration"
	tl_finish
}

# contrib/postfix-main.cf holds only parameters this Postfix knows
mkdir -p "$T/snippet"
cp "$top_srcdir/contrib/postfix-main.cf" "$T/snippet/main.cf"
cp "$T/etc/master.cf" "$T/snippet/master.cf"
postconf -c "$T/snippet" -n >"$T/snippet.out" 2>&1
expect "contrib/postfix-main.cf: postconf reads it without a warning" \
	no grep -q warning "$T/snippet.out"
grep warning "$T/snippet.out" | sed 's/^/    /'

if pf_start; then ok "private Postfix listens on 127.0.0.1:$port"; else
	nok "private Postfix start"
	tl_finish
fi

# ---- emguard-milter --------------------------------------------------------------------
# Loopback clients count as outside here (InternalNetworks leaves out
# 127.0.0.0/8), so inbound checks run.  The scores of the symbols the messages
# raise are pinned, so that tuning a default does not move an action.
# write_conf EXTRA-LINE...: QuarantineMode hold and the DataStore in
# $T/qdir unless a line says otherwise
write_conf() {
	{
		printf 'Socket unix:%s\nUserID %s\n' "$sock" "$MILTER_USER"
		printf 'InternalDomains example-corp.test\nInternalNetworks 10.0.0.0/8\n'
		printf 'ProtectedDomains partner.test\n'
		printf 'ThresholdTag 5\nThresholdQuarantine 10\nThresholdReject 20\n'
		printf 'Score SPOOF_DISPLAY_NAME_ADDR 6\nScore ATTACH_EXECUTABLE 12\n'
		printf 'Score ATTACH_SCRIPT 12\nRejectText Refused by the e2e policy\n'
		case "$*" in *QuarantineMode*) ;; *) printf 'QuarantineMode hold\n' ;; esac
		case "$*" in
		*DataStore*) ;;
		*) printf 'DataStore sqlite:%s/qdir/emguard.db\n' "$T" ;;
		esac
		printf 'QuarantineDir %s/qdir\n' "$T"
		for line in "$@"; do printf '%s\n' "$line"; done
	} >"$T/emguard.conf"
}
write_conf 'OnError tempfail'

# The milter makes its socket 0660, owned by UserID and its group; a real
# set-up adds the postfix user to that group (contrib/postfix-main.cf).  Here
# the group of the socket is handed to postfix instead of editing groups.
start_milter() {
	(
		exec "$MILTER" -f -c "$T/emguard.conf" -p "unix:$sock" \
			-u "$MILTER_USER" -P "$T/run/milter.pid"
	) >>"$T/log/milter.log" 2>&1 &
	milter_pid=$!
	pf_wait_unix "$sock" 15 && kill -0 "$milter_pid" 2>/dev/null &&
		chgrp postfix "$sock"
}
milter_log() { sed 's/^/    milter: /' "$T/log/milter.log" | tail -n 15; }

# the offline scanner, fed the same envelope, agrees on what each message is
# cli_action NAME MAIL-FROM: print the action `emguard scan` gives NAME.eml
cli_action() {
	"$EMGUARD" scan --json -c "$T/emguard.conf" --client-ip 127.0.0.1 \
		--helo client.e2e.test --mail-from "$2" --rcpt user@test.local \
		"$T/msg/$1.eml" 2>/dev/null |
		sed -n 's/.*"action": *"\([a-z]*\)".*/\1/p'
}
for m in clean:accept:alice@example.test tag:tag:ceo.office@evil.test \
	quarantine:quarantine:bob@vendor.test reject:reject:carol@vendor.test; do
	name=${m%%:*} rest=${m#*:}
	want=${rest%%:*} from=${rest#*:}
	got=$(cli_action "$name" "$from")
	expect "emguard scan: $name.eml is $want (got '$got')" test "$got" = "$want"
done

if "$MILTER" -t -c "$T/emguard.conf" >"$T/log/check.out" 2>&1; then
	ok "emguard-milter -t accepts the test configuration"
else
	nok "emguard-milter -t accepts the test configuration"
	sed 's/^/    /' "$T/log/check.out"
fi
if start_milter; then ok "emguard-milter -f listens on $sock"; else
	nok "emguard-milter start"
	milter_log
	tl_finish
fi
expect "emguard-milter dropped root for $MILTER_USER" \
	test "$(ps -o user= -p "$milter_pid")" = "$MILTER_USER"

# Started unprivileged, as the systemd unit does (User=), it keeps that
# user and listens all the same.
if command -v setpriv >/dev/null 2>&1; then
	(
		umask 0111
		exec setpriv --reuid="$MILTER_USER" --regid="$(id -g "$MILTER_USER")" \
			--clear-groups "$MILTER" -f -c "$T/emguard.conf" \
			-p "unix:$T/run/user.sock"
	) >"$T/log/user.log" 2>&1 &
	user_pid=$!
	expect "emguard-milter started as $MILTER_USER listens" \
		pf_wait_unix "$T/run/user.sock" 15
	expect "... and does not complain that it is not root" \
		no grep -q 'not started as root' "$T/log/user.log"
	expect "... and stops on SIGTERM" stops_on_term "$user_pid"
	user_pid=
fi

# send NAME MAIL-FROM: send NAME.eml to user@test.local; the answer is in $reply
send() {
	reply=$(e2e send "$port" "$2" user@test.local "$T/msg/$1.eml")
	echo "     $1: $reply"
}
# delivered NAME: the path of NAME's delivered copy in $file
delivered() {
	file=$(e2e find "$T/mail/box" "$1" "${2:-10}")
}
# hdr NAME: the values of header NAME in $file, one a line
hdr() { e2e header "$file" "$1"; }
# queued SENDER: "QUEUE_NAME QUEUE_ID" of SENDER's mail in the Postfix queue
queued() { postqueue -c "$T/etc" -j | e2e queue "$1"; }

# ---- clean mail: delivered with the three headers
send clean alice@example.test
expect "clean: 250 at SMTP" test "${reply%% *}" = 250
if delivered clean; then
	ok "clean: delivered to the Maildir"
	expect "clean: X-Emguard-Action: accept" test "$(hdr X-Emguard-Action)" = accept
	score=$(hdr X-Emguard-Score)
	expect "clean: one X-Emguard-Score, a number ($score)" \
		like '[0-9]*' "$score"
	expect "clean: the score is a plain number" no like '*[!0-9.]*' "$score"
	expect "clean: one X-Emguard-Symbols" test "$(hdr X-Emguard-Symbols | wc -l)" = 1
else
	nok "clean: delivered to the Maildir"
fi

# ---- forged X-Emguard-* headers from outside are replaced
send forged alice@example.test
if delivered forged; then
	ok "forged: delivered"
	expect "forged: only the milter's X-Emguard-Action ($(hdr X-Emguard-Action | tr '\n' '|'))" \
		test "$(hdr X-Emguard-Action)" = accept
	expect "forged: the forged score is gone" \
		test "$(hdr X-Emguard-Score | wc -l)" = 1 -a "$(hdr X-Emguard-Score)" != -100
	expect "forged: the forged symbols are gone" \
		no grep -q FORGED_BY_SENDER "$file"
else
	nok "forged: delivered"
fi

# ---- tag: the subject gets the Japanese prefix, the original stays intact
send tag ceo.office@evil.test
if delivered tag; then
	ok "tag: delivered"
	expect "tag: X-Emguard-Action: tag (forged 'accept' replaced)" \
		test "$(hdr X-Emguard-Action)" = tag
	subj=$(e2e subject "$file")
	expect "tag: subject is '[要注意] 請求書 2024-01' (got '$subj')" \
		test "$subj" = "[要注意] 請求書 2024-01"
	raw=$(hdr Subject)
	expect "tag: the prefix is an encoded word ($raw)" like '=[?]*' "$raw"
	expect "tag: the original encoded word is kept" \
		like '*=[?]UTF-8[?]B[?]6KuL5rGC5pu4[?]= 2024-01' "$raw"
else
	nok "tag: delivered"
fi

# ---- quarantine: accepted, then held by Postfix with the milter's verdict
send quarantine bob@vendor.test
expect "quarantine: 250 at SMTP" test "${reply%% *}" = 250
q=$(queued bob@vendor.test)
expect "quarantine: in the hold queue ($q)" test "${q%% *}" = hold
qid=${q#* }
if [ -n "$qid" ] && postcat -c "$T/etc" -hq "$qid" >"$T/held.txt" 2>/dev/null; then
	expect "quarantine: held copy says X-Emguard-Action: quarantine" \
		grep -q '^X-Emguard-Action: quarantine' "$T/held.txt"
	expect "quarantine: held copy names ATTACH_EXECUTABLE" \
		grep -q '^X-Emguard-Symbols:.*ATTACH_EXECUTABLE' "$T/held.txt"
	expect "quarantine: maillog says the milter held $qid" \
		grep -q "$qid: milter-hold:" "$T/log/maillog"
	expect "quarantine: the milter logs $qid with its verdict" \
		grep -q "$qid.*quarantine" "$T/log/milter.log"
else
	nok "quarantine: postcat -hq $qid"
fi
delivered quarantine 1 && nok "quarantine: was delivered"

# ---- reject: 550 5.7.1 at SMTP time, nothing queued
send reject carol@vendor.test
expect "reject: 550 5.7.1 at SMTP" like '550 5.7.1 *' "$reply"
expect "reject: the configured text" like '*Refused by the e2e policy*' "$reply"
expect "reject: nothing queued" test -z "$(queued carol@vendor.test)"

# ---- the milter dies: 451, nothing queued; after a restart mail flows again
kill -KILL "$milter_pid" 2>/dev/null
wait "$milter_pid" 2>/dev/null
milter_pid=
send later dave@example.test
expect "milter down: 451 4.7.1 at SMTP" like '451 4.7.1*' "$reply"
expect "milter down: nothing queued (the client keeps the message)" \
	test -z "$(queued dave@example.test)"
if start_milter; then ok "milter restarts over its stale socket"; else
	nok "milter restarts over its stale socket"
	milter_log
fi
send later dave@example.test
expect "milter back: the retried message is accepted" test "${reply%% *}" = 250
if delivered later; then
	expect "milter back: delivered with headers" test "$(hdr X-Emguard-Action)" = accept
else
	nok "milter back: delivered"
fi

# ---- SIGHUP reloads; a bad configuration keeps the old one
# reload: SIGHUP, then wait until the milter logs the outcome
reload() {
	before=$(grep -c 'configuration reloaded\|reload failed' "$T/log/milter.log")
	kill -HUP "$milter_pid"
	i=0
	while [ $i -lt 100 ]; do
		[ "$(grep -c 'configuration reloaded\|reload failed' "$T/log/milter.log")" -gt "$before" ] &&
			return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}
# again NAME NEW: NAME.eml under the Message-ID <NEW@e2e.test>
again() { sed "s/<$1@/<$2@/" "$T/msg/$1.eml" >"$T/msg/$2.eml"; }
# tagged NAME: the decoded Subject of NAME as delivered, in $subj
tagged() {
	subj=
	send "$1" ceo.office@evil.test
	delivered "$1" && subj=$(e2e subject "$file")
}

write_conf 'OnError tempfail' 'SubjectTag "[E2E] "'
expect "reload: SIGHUP is logged" reload
again tag tag2
tagged tag2
expect "reload: the new SubjectTag applies (got '$subj')" \
	test "$subj" = "[E2E] 請求書 2024-01"
write_conf 'OnError tempfail' 'NoSuchKeyword yes'
expect "reload: a bad configuration is logged" reload
expect "reload: ... with its line" grep -q 'emguard.conf:[0-9]*:.*NoSuchKeyword' "$T/log/milter.log"
expect "reload: a bad configuration does not stop the milter" kill -0 "$milter_pid"
again tag tag3
tagged tag3
expect "reload: after a bad configuration the last good one applies (got '$subj')" \
	test "$subj" = "[E2E] 請求書 2024-01"

# ---- a scan past its time budget follows OnError
write_conf 'OnError accept' 'LimitScanTime 1ms'
reload
send slow alice@example.test
expect "OnError accept: 250 at SMTP" test "${reply%% *}" = 250
if delivered slow; then
	expect "OnError accept: X-Emguard-Action: unscanned" \
		test "$(hdr X-Emguard-Action)" = unscanned
else
	nok "OnError accept: delivered"
fi
write_conf 'OnError tempfail' 'LimitScanTime 1ms'
reload
again slow slow2
send slow2 erin@example.test
expect "OnError tempfail: 451 4.3.0 at SMTP" like '451 4.3.0*' "$reply"
expect "OnError tempfail: nothing queued" test -z "$(queued erin@example.test)"

# ---- QuarantineMode store: 250, discarded by Postfix, kept in the quarantine
# quarantined NAME SENDER: quarantine.eml as NAME.eml (its own Message-ID)
# from SENDER; the entry id the milter logged in $id
quarantined() {
	again quarantine "$1"
	send "$1" "$2"
	id=$(sed -n "s/.*from=<$2> .* quarantine_id=\([0-9a-f-]*\) .*/\1/p" \
		"$T/log/milter.log" | tail -n 1)
}
# release CONF ID [ARG...]: `emguard quarantine release`, its output in
# $T/release.out (shown when it failed)
release() {
	conf=$1
	shift
	"$EMGUARD" quarantine release -c "$conf" "$@" >"$T/release.out" 2>&1 &&
		return 0
	sed 's/^/    /' "$T/release.out"
	return 1
}
write_conf 'OnError tempfail' 'QuarantineMode store' \
	"ReleaseMethod smtp:127.0.0.1:$port"
reload
# the release by sendmail reads another configuration; the milter never
# reads ReleaseMethod
sed 's|^ReleaseMethod .*|ReleaseMethod sendmail:/usr/sbin/sendmail|' \
	"$T/emguard.conf" >"$T/sendmail.conf"
quarantined qstore frank@vendor.test
id1=$id
expect "store: 250 at SMTP" test "${reply%% *}" = 250
expect "store: the milter logs the entry id ($id1)" test -n "$id1"
quarantined qstore2 gina@vendor.test
id2=$id
quarantined qstore3 hana@vendor.test
id3=$id
expect "store: neither queued nor held" test -z "$(queued frank@vendor.test)"
expect "store: Postfix discarded it on the milter's word" \
	grep -q "milter-discard: .* from=<frank@vendor.test>" "$T/log/maillog"
"$EMGUARD" quarantine list --json -c "$T/emguard.conf" >"$T/qlist.json" 2>&1
expect "store: emguard quarantine list shows it held, from frank@vendor.test" \
	test "$(e2e entry "$T/qlist.json" "$id1")" = "held frank@vendor.test"
"$EMGUARD" quarantine export -c "$T/emguard.conf" "$id1" >"$T/qstore.export" 2>/dev/null
expect "store: emguard quarantine export gives exactly the bytes sent" \
	cmp -s "$T/msg/qstore.eml" "$T/qstore.export"

# Released over SMTP into the same Postfix, through the milter again; --to
# another mailbox instead of the original recipient; by Postfix's sendmail,
# which reaches a private instance through MAIL_CONFIG (honoured for root
# only), which the release passes on.  The deliveries are awaited together.
expect "release $id1 over smtp:127.0.0.1:$port" release "$T/emguard.conf" "$id1"
expect "release $id2 --to other@test.local" \
	release "$T/emguard.conf" "$id2" --to other@test.local
MAIL_CONFIG=$T/etc
export MAIL_CONFIG
expect "release $id3 by sendmail:/usr/sbin/sendmail" release "$T/sendmail.conf" "$id3"
unset MAIL_CONFIG
if delivered qstore; then
	ok "release: delivered to the Maildir"
	expect "release: X-Emguard-Action: released" \
		test "$(hdr X-Emguard-Action)" = released
	expect "release: one X-Emguard-Released header naming $id1" \
		like "v2; id=$id1; *" "$(hdr X-Emguard-Released)"
	expect "release: byte-identical to the original but for trace and X-Emguard-* fields" \
		e2e same "$T/msg/qstore.eml" "$file" lf
	expect "release: the milter logs released=$id1" \
		grep -q "from=<frank@vendor.test> .* action=released .* released=$id1" \
		"$T/log/milter.log"
else
	nok "release: delivered to the Maildir"
fi
# in BOX: NAME was delivered to Maildir BOX within SECONDS
in_box() { e2e find "$T/mail/$1" "$2" "$3" >/dev/null; }
expect "release --to: delivered to the other mailbox" in_box other qstore2 10
expect "release --to: not to the original recipient" no in_box box qstore2 0
if delivered qstore3; then
	ok "release by sendmail: delivered"
	expect "release by sendmail: X-Emguard-Action: released" \
		test "$(hdr X-Emguard-Action)" = released
	expect "release by sendmail: byte-identical but for trace and X-Emguard-* fields" \
		e2e same "$T/msg/qstore3.eml" "$file" lf
else
	nok "release by sendmail: delivered"
fi

# nothing acknowledged is lost: every entry the milter logged is indexed
"$EMGUARD" quarantine list --json --status all -c "$T/emguard.conf" >"$T/qlist.json" 2>&1
lost=$(e2e missing "$T/qlist.json" \
	$(sed -n 's/.* quarantine_id=\([0-9a-f-]*\) .*/\1/p' "$T/log/milter.log"))
expect "store: every entry the milter stored is in the index (lost: $lost)" \
	test -z "$lost"

# the store cannot be reached: QuarantineFallback hold keeps the message
write_conf 'OnError tempfail' 'QuarantineMode store' \
	"DataStore sqlite:$T/missing/emguard.db"
reload
quarantined qfail ivan@vendor.test
expect "store down: 250 at SMTP" test "${reply%% *}" = 250
q=$(queued ivan@vendor.test)
expect "store down: held in the MTA queue instead ($q)" test "${q%% *}" = hold
expect "store down: logged with fallback=hold" \
	grep -q "from=<ivan@vendor.test> .* fallback=hold error=cannot open the quarantine" \
	"$T/log/milter.log"

# ---- SIGTERM stops the milter
if stops_on_term "$milter_pid"; then ok "emguard-milter exits on SIGTERM"; else
	nok "emguard-milter exits on SIGTERM within 10 s"
fi
milter_pid=
[ "$failed" -eq 0 ] || { pf_log; milter_log; }
tl_finish

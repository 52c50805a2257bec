#!/bin/sh
# web.sh - emguard-web over HTTP with curl: one server on a free loopback
# port with a temporary configuration (a SQLite DataStore and a
# QuarantineDir in a temporary directory, ReleaseMethod a recording
# sendmail), a user made with `emguard user add`, two messages put in the
# quarantine with `emguard quarantine import`, then:
#   no session: GET -> 303 /login, POST -> 403; /healthz and /style.css
#   open; a login without the login form's token (HMAC of its cookie's
#   nonce) -> 403; a wrong password -> the login page with div#error;
#   WebSessionLifetime ends a busy session; a login ->
#   the session cookie HttpOnly, SameSite=Strict; the list and its filters
#   (q, status, symbol, action, since, paging); the message page: the
#   subject's <script> and a header's "><img onerror> escaped, never raw,
#   the body never shown; ?lang=en -> English and lang="en", kept in a
#   cookie; a hostile stored report (written into SQLite) neutralised on
#   the message page and the list, its attachment tree shown 16 deep, and
#   damaged reports (not strict JSON, too deep, over 8 MiB) shown as none
#   with the page and the list still 200; release with a wrong CSRF token
#   -> 403 and still held, with the right one -> 303, released, the
#   recording sendmail got the release
#   header plus the exact original bytes; release to another address, a
#   bad address refused; delete likewise; /audit lists the actions of
#   web:NAME; bad paths and ids -> 404; over-long bodies -> 413 (announced
#   and chunked); the security headers on every response, errors too; no
#   <script anywhere; logout; 6 wrong passwords -> 429 even with the right
#   one; HTTPS (when openssl is installed): HSTS and a Secure cookie;
#   SIGTERM stops it with status 0.
# Needs: $top_builddir (exported by make check; the helpers are in
# tests/test-lib.sh), curl, python3.
# Exit: 0 pass, 1 fail, 77 skip.

# the check helpers (tl_*, ok, nok)
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
# shellcheck source=tests/test-lib.sh
. "$top_srcdir/tests/test-lib.sh"
tl_begin web.sh
tl_need_tool curl python3
tl_need_built WEB web/emguard-web
tl_need_built EMGUARD cli/emguard
# the server is TL_PID: stopped on exit with the temporary directory
tl_tmpdir

# CONDITION; verdict NAME: ok when the condition just tested held
verdict() {
	if [ $? -eq 0 ]; then ok "$1"; else nok "$1"; fi
}

# As root the server runs as nobody (UserID), who must read and write
# the data and the recording sendmail's output.
chmod 755 "$TMP"
mkdir "$TMP/data" "$TMP/data/q" "$TMP/out"
chmod 700 "$TMP/data" "$TMP/data/q"
chmod 777 "$TMP/out"
RUN_AS=
[ "$(id -u)" -eq 0 ] && RUN_AS=nobody
CONF=$TMP/emguard.conf
{
	printf 'DataStore sqlite:%s/data/emguard.db\n' "$TMP"
	printf 'QuarantineDir %s/data/q\n' "$TMP"
	printf 'ReleaseMethod sendmail:%s/fake-sendmail\n' "$TMP"
	printf 'WebListen 127.0.0.1:0\n'
	printf 'UserID %s\n' "${RUN_AS:-nobody}"
} >"$CONF"
cat >"$TMP/fake-sendmail" <<EOF
#!/bin/sh
printf '%s\n' "\$@" >"$TMP/out/argv"
cat >"$TMP/out/stdin"
EOF
chmod 755 "$TMP/fake-sendmail"

# ---- fixtures: a hostile message and a quieter one --------------------------
python3 - "$TMP" <<'PY'
import base64, sys
tmp = sys.argv[1]
exe = base64.encodebytes(b"MZ" + b"\x90" * 62 + b"PE\0\0" + b"\0" * 190)
evil = (
    b'From: "Yamada <yamada@example.test>" <attacker@evil.invalid>\r\n'
    b"To: staff@example.test\r\n"
    b"Reply-To: evil@freemail.invalid\r\n"
    b"Subject: <script>alert(1)</script> =?UTF-8?B?6KuL5rGC5pu4?=\r\n"
    b"X-Evil: \"><img src=x onerror=alert(2)>\r\n"
    b"Message-ID: <web-evil-1@evil.invalid>\r\n"
    b"Date: Mon, 2 Nov 2026 10:00:00 +0900\r\n"
    b"MIME-Version: 1.0\r\n"
    b'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n'
    b"--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
    b"Please see the invoice. secret-body-marker <b>bold</b>\r\n"
    b"--b1\r\nContent-Type: application/octet-stream; "
    b'name="invoice.pdf.exe"\r\n'
    b'Content-Disposition: attachment; filename="invoice.pdf.exe"\r\n'
    b"Content-Transfer-Encoding: base64\r\n\r\n"
    + exe.replace(b"\n", b"\r\n")
    + b"--b1--\r\n"
)
quiet = (
    b"From: Suzuki <suzuki@partner.test>\r\n"
    b"To: staff@example.test\r\n"
    b"Reply-To: suzuki.private@freemail.invalid\r\n"
    b"Subject: Quarterly figures\r\n"
    b"Message-ID: <web-quiet-1@partner.test>\r\n"
    b"Date: Mon, 2 Nov 2026 11:00:00 +0900\r\n"
    b"MIME-Version: 1.0\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n\r\n"
    b"The figures are attached. another-body-marker\r\n"
)
open(tmp + "/evil.eml", "wb").write(evil)
open(tmp + "/quiet.eml", "wb").write(quiet)
PY

# ---- the quarantine and the user --------------------------------------------
if ! printf 'correct horse battery\n' |
	"$EMGUARD" user add -c "$CONF" --password-stdin yamada \
		>"$TMP/cli.out" 2>&1; then
	cat "$TMP/cli.out"
	tl_skip "emguard user add is not available"
fi
for f in evil:attacker@evil.invalid quiet:suzuki@partner.test; do
	if ! "$EMGUARD" quarantine import -c "$CONF" --mail-from "${f#*:}" \
		--rcpt staff@example.test "$TMP/${f%%:*}.eml" \
		>"$TMP/cli.out" 2>&1; then
		cat "$TMP/cli.out"
		tl_skip "emguard quarantine import is not available"
	fi
done
[ -n "$RUN_AS" ] && chown -R "$RUN_AS" "$TMP/data"

# ---- the server -------------------------------------------------------------
LOG=$TMP/web.log
# start CONF: the server in the background; sets TL_PID and URL
start() {
	: >"$LOG"
	"$WEB" -f -c "$1" 2>"$LOG" &
	TL_PID=$!
	i=0
	while [ $i -lt 100 ] && ! grep -q 'listening on' "$LOG"; do
		kill -0 "$TL_PID" 2>/dev/null || break
		sleep 0.1
		i=$((i + 1))
	done
	URL=$(sed -n 's/.*listening on \(https*:\/\/[^ ]*\).*/\1/p' "$LOG")
	[ -n "$URL" ] || { cat "$LOG"; echo "web.sh: no server"; exit 1; }
}
stop() {
	kill -TERM "$TL_PID"
	wait "$TL_PID"
	STOPPED=$?
	TL_PID=
}
start "$CONF"
! grep -q 'has no sentence' "$LOG"
verdict "every category of emguard symbols has its sentence"

H=$TMP/headers
B=$TMP/body
JAR=$TMP/jar
CURL="curl -s -k --max-time 30 -D $H -o $B"
CSP="default-src 'none'; style-src 'self'; img-src 'self'; form-action"
CSP="$CSP 'self'; frame-ancestors 'none'; base-uri 'none'"
# req [CURL ARGS...] PATH: one request, the status in $STATUS; the
# headers in $H, the body in $B; every response has the security headers
req() {
	eval last=\${$#}
	STATUS=$($CURL -w '%{http_code}' "$@" 2>/dev/null)
	tr -d '\r' <"$H" >"$H.lf" && mv "$H.lf" "$H"
	n=$(grep -c -i \
		-e "^Content-Security-Policy: $CSP\$" \
		-e '^X-Frame-Options: DENY' \
		-e '^X-Content-Type-Options: nosniff' \
		-e '^Referrer-Policy: no-referrer' \
		-e '^Cache-Control: no-store' "$H")
	[ "$n" -eq 5 ] || nok "security headers on $last ($STATUS): $n of 5"
	if grep -qi '<script' "$B"; then
		nok "no <script> in $last"
	fi
}
has() { grep -q -- "$1" "$B"; }
# login_post JAR [CURL ARGS...] URL: a POST of the login form as a browser
# sends it: the form first (GET /login with the cookie jar JAR, which keeps
# its emguard_login cookie), then the fields with the form's login_token
login_post() {
	jar=$1
	shift
	login_token "$jar"
	req -b "$jar" -c "$jar" --data-urlencode "login_token=$tok" "$@"
}
# login_token JAR: GET /login with the cookie jar JAR; its token in $tok
login_token() {
	$CURL -b "$1" -c "$1" "$URL/login" >/dev/null 2>&1
	tok=$(sed -n 's/.*name="login_token" value="\([0-9a-f]*\)".*/\1/p' "$B" |
		head -n 1)
}
lacks() { ! grep -q -- "$1" "$B"; }
header() { grep -qi -- "$1" "$H"; }
# form_token: the csrf field of the page in $B
form_token() {
	sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' "$B" | head -n 1
}

# ---- without a session ------------------------------------------------------
req "$URL/healthz"
[ "$STATUS" = 200 ] && has '^ok$'
verdict "healthz 200 ok"
req "$URL/style.css"
[ "$STATUS" = 200 ] && header '^Content-Type: text/css'
verdict "style.css is text/css"
req "$URL/"
[ "$STATUS" = 303 ] && header '^Location: /login'
verdict "GET / without session -> 303 /login"
req "$URL/audit"
[ "$STATUS" = 303 ]
verdict "GET /audit without session -> 303"
req --data 'csrf=x' "$URL/logout"
[ "$STATUS" = 403 ] && has 'id="error"'
verdict "POST without session -> 403"
req "$URL/login"
[ "$STATUS" = 200 ] &&
	has 'form id="login"' && has 'name="user"' &&
	has 'name="password"' && has 'id="login-submit"' &&
	has '<html lang="ja">' && has 'id="lang-switch"'
verdict "login page: form#login, fields, button"
header '^Set-Cookie: emguard_login=[0-9a-f]\{64\}; Path=/login; HttpOnly; SameSite=Strict$' &&
	has 'name="login_token" value="[0-9a-f]\{64\}"'
verdict "login page: a login_token and its emguard_login cookie (HttpOnly, SameSite=Strict)"
login_post "$TMP/jar0" --data 'user=yamada&password=wrong' "$URL/login"
[ "$STATUS" = 200 ] &&
	has 'id="error"' && ! header 'emguard_session=[0-9a-f]'
verdict "wrong password -> div#error, no session"
# login CSRF: another site's form cannot log this browser in
req --data-urlencode user=yamada \
	--data-urlencode 'password=correct horse battery' "$URL/login"
[ "$STATUS" = 403 ] && has 'id="error"' && has 'name="login_token"' &&
	! header 'emguard_session=[0-9a-f]'
verdict "login without the form's token -> 403, a fresh form, no session"
login_token "$TMP/jar1"
TOK1=$tok
req -b "emguard_login=$(printf '%064d' 0)" --data-urlencode user=yamada \
	--data-urlencode 'password=correct horse battery' \
	--data-urlencode "login_token=$TOK1" "$URL/login"
[ "$STATUS" = 403 ] && ! header 'emguard_session=[0-9a-f]'
verdict "a login token with another emguard_login cookie -> 403, no session"
grep -q "refused a login without its form's token" "$LOG"
verdict "refused logins are logged"
req -H 'Sec-Fetch-Site: cross-site' --data-urlencode user=yamada \
	--data-urlencode 'password=correct horse battery' "$URL/login"
[ "$STATUS" = 403 ]
verdict "cross-site POST refused"

# ---- login ------------------------------------------------------------------
login_post "$JAR" --data-urlencode user=yamada \
	--data-urlencode 'password=correct horse battery' "$URL/login"
[ "$STATUS" = 303 ] &&
	header '^Location: /$' &&
	header '^Set-Cookie: emguard_session=[0-9a-f]\{64\}; Path=/; HttpOnly;' &&
	header '^Set-Cookie: emguard_session=.*; SameSite=Strict$'
verdict "login -> 303 / with the session cookie"
! header 'Secure' &&
	! header 'Strict-Transport-Security'
verdict "plain HTTP: no Secure, no HSTS"
A="-b $JAR -c $JAR"
SID=$(awk '$6 == "emguard_session" { print $7 }' "$JAR")

# Four connections at once on one session: its last use is written by
# each, and none may read another's later time as an expired session.
python3 - "$URL" "$SID" <<'PY'
import http.client, sys, threading, urllib.parse
url, sid = urllib.parse.urlsplit(sys.argv[1]), sys.argv[2]
status = []
def worker():
    c = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    for _ in range(200):
        c.request("GET", "/healthz", headers={"Cookie": "emguard_session=" + sid})
        c.getresponse().read()
    c.request("GET", "/audit", headers={"Cookie": "emguard_session=" + sid})
    r = c.getresponse()
    r.read()
    status.append(r.status)
threads = [threading.Thread(target=worker) for _ in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
sys.exit(0 if status == [200] * 4 else 1)
PY
verdict "parallel requests keep the session"

# ---- the list ---------------------------------------------------------------
rows() { grep -c '<tr class="entry"' "$B"; }
req $A "$URL/"
[ "$(rows)" = 2 ] &&
	has '<span id="total">2</span>' && has 'table id="entries"' &&
	has 'form id="filter"' && has 'id="filter-submit"' &&
	has 'id="nav-audit"' && has 'id="nav-list"' && has 'form id="logout"'
verdict "list: both held, total 2"
has '&lt;script&gt;alert(1)&lt;/script&gt; 請求書' &&
	lacks '<script>alert'
verdict "list: subject escaped"
has 'td class="score"><span class="badge score-high"' &&
	has 'span class="badge action-'
verdict "list: score and action badges"
EVIL=$(grep 'data-id=' "$B" | grep 'alert(1)' |
	sed 's/.*data-id="\([^"]*\)".*/\1/')
QUIET=$(grep 'data-id=' "$B" | grep 'Quarterly' |
	sed 's/.*data-id="\([^"]*\)".*/\1/')
[ -n "$EVIL" ] && [ -n "$QUIET" ] &&
	has "class=\"entry-link\" href=\"/m/$EVIL\""
verdict "list: entry links"
req $A "$URL/?q=quarterly"
[ "$(rows)" = 1 ] && has "data-id=\"$QUIET\""
verdict "filter q (subject, any case)"
req $A "$URL/?q=Suzuki%40Partner"
[ "$(rows)" = 1 ] && has "data-id=\"$QUIET\""
verdict "filter q (From:, any case)"
req $A "$URL/?symbol=ATTACH_EXECUTABLE"
[ "$(rows)" = 1 ] && has "data-id=\"$EVIL\"" &&
	has 'value="ATTACH_EXECUTABLE"'
verdict "filter symbol"
req $A "$URL/?status=released"
[ "$(rows)" = 0 ] &&
	has '<span id="total">0</span>' && has 'value="released" selected'
verdict "filter status released: none yet"
req $A "$URL/?action=reject"
has "data-id=\"$EVIL\"" && lacks "data-id=\"$QUIET\"" &&
	has '<option value="reject" selected>'
verdict "filter action reject"
req $A "$URL/?action=quarantine"
lacks "data-id=\"$EVIL\""
verdict "filter action quarantine"
req $A "$URL/?since=2999-01-01"
[ "$(rows)" = 0 ]
verdict "filter since (future): none"
req $A "$URL/?since=2000-01-01&status=all"
[ "$(rows)" = 2 ]
verdict "filter since (past): both"
req $A "$URL/?since=yesterday"
has 'id="error"' && [ "$(rows)" = 2 ]
verdict "bad since -> div#error, unfiltered"
req $A "$URL/?q=%22%3E%3Cimg%20src%3Dx%3E"
has 'value="&quot;&gt;&lt;img src=x&gt;"' &&
	lacks '<img'
verdict "search text echoed escaped"
req $A "$URL/?page=2"
[ "$(rows)" = 0 ] &&
	has 'id="page-prev"' && lacks 'id="page-next"'
verdict "page 2: empty, page-prev, no page-next"

# ---- the message page -------------------------------------------------------
req $A "$URL/m/$EVIL"
[ "$STATUS" = 200 ] &&
	has '<h1 id="subject">' && has 'section id="why"' &&
	has 'ul id="findings"' && has 'section id="envelope"' &&
	has 'section id="attachments"' && has 'section id="headers"' &&
	has 'section id="audit-trail"' && has 'id="release-button"' &&
	has 'id="delete-button"'
verdict "message: 200 with every section"
has '<h1 id="subject">&lt;script&gt;alert(1)&lt;/script&gt; 請求書</h1>' &&
	lacks '<script>'
verdict "message: subject escaped, never raw"
has 'X-Evil: &quot;&gt;&lt;img src=x onerror=alert(2)&gt;' &&
	lacks '<img'
verdict "message: header injection escaped"
lacks 'secret-body-marker' &&
	lacks '<b>bold'
verdict "message: the body is never shown"
has 'li class="finding" data-symbol="ATTACH_EXECUTABLE"' &&
	has 'h3 class="category" data-category="attach.executable">プログラム'
verdict "message: findings grouped with a Japanese sentence"
has 'invoice.pdf.exe'
verdict "message: attachment tree"
has 'web:yamada'
verdict "message: the view is in the audit trail"
req $A "$URL/m/$EVIL?lang=en"
has '<html lang="en">' &&
	has 'Why this mail was held' &&
	has 'data-category="attach.executable">A program or script' &&
	header '^Set-Cookie: emguard_lang=en' &&
	has "id=\"lang-switch\" href=\"/m/$EVIL?lang=ja\""
verdict "?lang=en: English, lang=\"en\", cookie"
req $A "$URL/"
has '<html lang="en">' && has 'Quarantined mail'
verdict "the language is kept"
req $A "$URL/?lang=ja"
has '<html lang="ja">'
verdict "?lang=ja switches back"

# ---- a damaged stored report ------------------------------------------------
# report JSON: the quiet entry's stored report becomes JSON (@FILE: the
# file's text); "" restores the one the scan wrote
DB=$TMP/data/emguard.db
QUIET_REPORT=$TMP/quiet-report
python3 - "$DB" "$QUIET" "$QUIET_REPORT" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
r = db.execute("SELECT report_json FROM quarantine_entry WHERE id = ?",
               (sys.argv[2],)).fetchone()
open(sys.argv[3], "w").write(r[0])
PY
report() {
	python3 - "$DB" "$QUIET" "$1" "$QUIET_REPORT" <<'PY'
import sqlite3, sys
text = sys.argv[3] or open(sys.argv[4]).read()
if text.startswith("@"):
    text = open(text[1:]).read()
db = sqlite3.connect(sys.argv[1])
db.execute("UPDATE quarantine_entry SET report_json = ? WHERE id = ?",
           (text, sys.argv[2]))
db.commit()
PY
}
# no_raw: the page in $B has no raw control, bidi override or <img
no_raw() {
	python3 -c '
import sys
d = open(sys.argv[1], "rb").read()
bad = [b"\x1b", b"\x07", b"\x00", b"\xe2\x80\xae", b"<img"]
sys.exit(1 if any(b in d for b in bad) else 0)' "$B"
}
FFFD=$(printf '\357\277\275')
req $A "$URL/m/$QUIET"
sed -n '/<section id="why">/,/<\/section>/p' "$B" >"$TMP/why"
report '{"findings":[{"symbol":"X\u001b[2J","category":"attach.executable","score":1e1,"detail":"\ud800 lone <script>alert(3)</script>","object":"a\u202eb"}],"attachments":[{"name":"n\u0007\"><img src=x onerror=alert(4)>","size":3,"children":[{"name":"c","encrypted":true,"findings":["S",7]}]}]}'
req $A "$URL/m/$QUIET"
[ "$STATUS" = 200 ] &&
	has "data-symbol=\"X${FFFD}\[2J\"" &&
	has "$FFFD lone &lt;script&gt;alert(3)&lt;/script&gt;" &&
	has "(a${FFFD}b)" &&
	has "att-name\">n${FFFD}&quot;&gt;&lt;img src=x onerror=alert(4)&gt;<" &&
	has 'att-name">c</span>' && has 'att-finding">S</code>' && no_raw
verdict "hostile stored report: neutralised and escaped on the page"
req $A "$URL/?q=quarterly"
[ "$STATUS" = 200 ] && [ "$(rows)" = 1 ] &&
	has 'col-reason">実行ファイル<'
verdict "hostile stored report: the list's reason from it"
# twenty levels of attachments: the page shows sixteen below the first
nested=$(python3 -c '
import json
a = {"name": "leaf", "type": "x", "size": 1}
for i in range(20):
    a = {"name": "n%d" % i, "type": "zip", "size": 1, "children": [a]}
print(json.dumps({"findings": [], "attachments": [a]}))')
report "$nested"
req $A "$URL/m/$QUIET"
[ "$STATUS" = 200 ] && [ "$(grep -c 'class="attachment"' "$B")" = 17 ]
verdict "nested attachments: shown 16 deep"
# Each damaged report starts with a finding that would show if it were
# read: no reader may take a part of it.
F='{"findings":[{"category":"attach.executable","score":1,"symbol":"DAMAGED"}]'
deep=$(python3 -c 'print("[" * 100 + "]" * 100)')
# larger than the 8 MiB a report may have
python3 - "$F" >"$TMP/big-report" <<'PY'
import sys
print(sys.argv[1] + ',"pad":"' + "a" * (9 << 20) + '"}')
PY
for bad in "$F" "$F}}" "$F,\"a\":\"x
y\"}" "$F,\"d\":$deep}" "$F,\"n\":-}" "$F,\"s\":\"\\x\"}" \
	"$F,\"n\":1.5.5}" "$F,\"a\":nul}" "$F,}" "$F,\"n\":+1}" \
	"@$TMP/big-report"; do
	name="damaged report: [$(printf %.24s "${bad#"$F"}" | tr '\n' ' ')]"
	case $bad in @*) name="damaged report: over 8 MiB" ;; esac
	report "$bad"
	req $A "$URL/m/$QUIET"
	page=$STATUS
	if [ "$page" = 200 ] && lacks DAMAGED &&
		has '<ul id="findings"></ul>' && has 'section id="attachments"'
	then
		req $A "$URL/?q=quarterly"
		[ "$STATUS" = 200 ] && [ "$(rows)" = 1 ] && lacks '実行ファイル'
		verdict "$name"
	else
		nok "$name (page $page)"
	fi
done
report ""
req $A "$URL/m/$QUIET"
[ "$STATUS" = 200 ] &&
	sed -n '/<section id="why">/,/<\/section>/p' "$B" | cmp -s - "$TMP/why"
verdict "the scan's report restored: the same reasons as before"

# ---- release ----------------------------------------------------------------
status_of() { # ID: held, released or deleted, from the message page
	$CURL -b "$JAR" "$URL/m/$1" >/dev/null 2>&1
	sed -n 's/.*id="status" data-status="\([a-z]*\)".*/\1/p' "$B"
}
req $A "$URL/m/$EVIL/release"
[ "$STATUS" = 200 ] &&
	has 'form id="confirm-release"' && has 'id="confirm"' &&
	has 'name="to"' && has "action=\"/m/$EVIL/release\""
verdict "release: confirmation form"
TOKEN=$(form_token)
req $A --data "csrf=0000$TOKEN" "$URL/m/$EVIL/release"
[ "$STATUS" = 403 ] && has 'id="error"'
verdict "release with a wrong csrf -> 403"
req $A --data "to=" "$URL/m/$EVIL/release"
[ "$STATUS" = 403 ]
verdict "release without csrf -> 403"
[ "$(status_of "$EVIL")" = held ] &&
	[ ! -e "$TMP/out/stdin" ]
verdict "still held, nothing sent"
req $A --data "csrf=$TOKEN&to=-oQ%2Ftmp+x%40y.test" "$URL/m/$EVIL/release"
[ "$STATUS" = 400 ] &&
	has 'id="error"' && [ ! -e "$TMP/out/stdin" ]
verdict "release to a bad address -> 400, nothing sent"
# the form's fields are decoded by libmicrohttpd's post processor
# (web/form.c): no fields from a body that is not a form, a %00 refused,
# at most 16 fields, a value longer than its 1 KB buffer read whole
req $A -H 'Content-Type: text/plain' --data "csrf=$TOKEN&to=" \
	"$URL/m/$EVIL/release"
[ "$STATUS" = 403 ]
verdict "release with a body that is no form -> 403"
req $A --data "csrf=$TOKEN%00&to=" "$URL/m/$EVIL/release"
[ "$STATUS" = 403 ]
verdict "release with a NUL byte in csrf -> 403"
req $A --data "csrf=$TOKEN&to=boss%40example.test%00x" "$URL/m/$EVIL/release"
[ "$STATUS" = 400 ] && [ ! -e "$TMP/out/stdin" ]
verdict "release to an address with a NUL byte -> 400, not to the original recipients"
req $A --data "f1=&f2=&f3=&f4=&f5=&f6=&f7=&f8=&f9=&f10=&f11=&f12=&f13=&f14=&f15=&f16=&csrf=$TOKEN&to=" \
	"$URL/m/$EVIL/release"
[ "$STATUS" = 403 ] && [ "$(status_of "$EVIL")" = held ] &&
	[ ! -e "$TMP/out/stdin" ]
verdict "csrf after 16 other fields is not read -> 403, still held"
PAD=$(printf '%03000d' 0)
req $A --data "pad=$PAD&csrf=$TOKEN&to=" "$URL/m/$EVIL/release"
[ "$STATUS" = 303 ] &&
	header "^Location: /m/$EVIL?done=released"
verdict "release (after a 3000-byte field) -> 303 /m/ID?done=released"
req $A "$URL/m/$EVIL?done=released"
has 'id="flash"' &&
	[ "$(status_of "$EVIL")" = released ]
verdict "released: div#flash, status released"
grep -qx -- '-f' "$TMP/out/argv" &&
	grep -qx 'attacker@evil.invalid' "$TMP/out/argv" &&
	grep -qx 'staff@example.test' "$TMP/out/argv"
verdict "sendmail got -f sender and the original recipients"
python3 - "$TMP/out/stdin" "$TMP/evil.eml" <<'PY'
import sys
got = open(sys.argv[1], "rb").read()
want = open(sys.argv[2], "rb").read()
first, sep, rest = got.partition(b"\n")
sys.exit(0 if first.startswith(b"X-Emguard-Released: ") and rest == want
         else 1)
PY
verdict "sendmail got the release header plus the original bytes"
req $A "$URL/m/$EVIL/release"
TOKEN=$(form_token)
req $A --data "csrf=$TOKEN&to=+boss%40example.test+" "$URL/m/$EVIL/release"
[ "$STATUS" = 303 ] &&
	grep -qx 'boss@example.test' "$TMP/out/argv" &&
	! grep -qx 'staff@example.test' "$TMP/out/argv"
verdict "release again to another address"

# ---- delete -----------------------------------------------------------------
req $A "$URL/m/$QUIET/delete"
[ "$STATUS" = 200 ] &&
	has 'form id="confirm-delete"' && has 'id="confirm"'
verdict "delete: confirmation form"
TOKEN=$(form_token)
req $A --data "csrf=bad" "$URL/m/$QUIET/delete"
[ "$STATUS" = 403 ] &&
	[ "$(status_of "$QUIET")" = held ]
verdict "delete with a wrong csrf -> 403, still held"
req $A -F "csrf=$TOKEN" "$URL/m/$QUIET/delete"
[ "$STATUS" = 303 ] &&
	header '^Location: /?done=deleted'
verdict "delete (multipart/form-data) -> 303 /?done=deleted"
req $A "$URL/?done=deleted"
has 'id="flash"' &&
	[ "$(rows)" = 0 ]
verdict "deleted: div#flash, gone from the held list"
[ "$(status_of "$QUIET")" = deleted ] && lacks 'id="release-button"'
verdict "deleted: status deleted, no buttons"
req $A "$URL/m/$QUIET/release"
[ "$STATUS" = 409 ]
verdict "a deleted entry cannot be released"
req $A "$URL/?status=deleted"
[ "$(rows)" = 1 ] && has "data-id=\"$QUIET\""
verdict "filter status deleted"

# ---- the audit log ----------------------------------------------------------
req $A "$URL/audit"
[ "$STATUS" = 200 ] && has 'table id="audit"' &&
	has 'data-action="release"' && has 'data-action="delete"' &&
	has '<td class="actor">web:yamada</td>' && has "href=\"/m/$EVIL\""
verdict "audit: table#audit with the actions of web:yamada"

# ---- bad paths and bodies ---------------------------------------------------
req $A --path-as-is "$URL/m/../../etc/passwd"
[ "$STATUS" = 404 ]
verdict "/m/../../etc/passwd -> 404"
req $A "$URL/m/%2e%2e%2fetc"
[ "$STATUS" = 404 ]
verdict "/m/%2e%2e%2fetc -> 404"
req $A "$URL/m/bad\$id"
[ "$STATUS" = 404 ]
verdict "an id with bad characters -> 404"
req $A "$URL/m/20990101-000000000000"
[ "$STATUS" = 404 ]
verdict "an unknown id -> 404"
req $A "$URL/nowhere"
[ "$STATUS" = 404 ]
verdict "an unknown path -> 404"
python3 -c 'print("user=" + "a" * 20000)' >"$TMP/big"
req $A --data-binary "@$TMP/big" "$URL/login"
[ "$STATUS" = 413 ]
verdict "an over-long body -> 413"
req $A -H 'Transfer-Encoding: chunked' --data-binary "@$TMP/big" "$URL/login"
[ "$STATUS" = 413 ]
verdict "an over-long chunked body -> 413"
req $A -X PUT "$URL/"
[ "$STATUS" = 405 ]
verdict "PUT -> 405"

# ---- a deleted user ---------------------------------------------------------
if printf 'another good password\n' | "$EMGUARD" user add -c "$CONF" \
	--password-stdin suzuki >"$TMP/cli.out" 2>&1; then
	[ -n "$RUN_AS" ] && chown -R "$RUN_AS" "$TMP/data"
	login_post "$TMP/jar2" --data-urlencode user=suzuki \
		--data-urlencode 'password=another good password' "$URL/login"
	req -b "$TMP/jar2" "$URL/"
	[ "$STATUS" = 200 ]
	verdict "a second user logs in"
	"$EMGUARD" user delete -c "$CONF" suzuki >"$TMP/cli.out" 2>&1
	req -b "$TMP/jar2" "$URL/"
	[ "$STATUS" = 303 ] && header '^Location: /login'
	verdict "a deleted user's session ends at the next request"
else
	cat "$TMP/cli.out"
	nok "emguard user add suzuki"
fi

# ---- logout -----------------------------------------------------------------
req $A "$URL/"
TOKEN=$(form_token)
req $A --data "csrf=$TOKEN" "$URL/logout"
[ "$STATUS" = 303 ] &&
	header '^Location: /login' && header '^Set-Cookie: emguard_session=;'
verdict "logout -> 303 /login, cookie cleared"
req -b "emguard_session=$SID" "$URL/"
[ "$STATUS" = 303 ]
verdict "the old session is gone"

# ---- login limits (last: they block this address) ---------------------------
# one failure above, four here: five in the window
for i in 2 3 4 5; do
	login_post "$TMP/jar0" --data 'user=yamada&password=guess' "$URL/login"
	[ "$STATUS" = 200 ] || nok "failure $i -> 200 (got $STATUS)"
done
login_post "$TMP/jar0" --data 'user=yamada&password=guess' "$URL/login"
[ "$STATUS" = 429 ] &&
	has 'id="error"'
verdict "the 6th failure -> 429 with div#error"
login_post "$TMP/jar0" --data-urlencode user=yamada \
	--data-urlencode 'password=correct horse battery' "$URL/login"
[ "$STATUS" = 429 ] &&
	! header 'emguard_session=[0-9a-f]'
verdict "blocked even with the right password"
grep -q 'login refused' "$LOG"
verdict "refusals are logged"
! grep -q 'alert(1)\|secret-body' "$LOG"
verdict "the log has no message content"

stop
[ "$STOPPED" = 0 ] && grep -q stopping "$LOG"
verdict "SIGTERM: exit status 0"
# under the sanitizers: UBSan reports without failing, LSan at exit
! grep -q 'runtime error\|Sanitizer' "$LOG"
verdict "no sanitizer report"

# ---- session lifetime -------------------------------------------------------
# (a new server: the login limits above are in memory)
{ cat "$CONF"; printf 'WebSessionLifetime 2s\n'; } >"$TMP/life.conf"
start "$TMP/life.conf"
login_post "$TMP/jar4" --data-urlencode user=yamada \
	--data-urlencode 'password=correct horse battery' "$URL/login"
req -b "$TMP/jar4" "$URL/"
S_1=$STATUS
sleep 1
req -b "$TMP/jar4" "$URL/"
S_2=$STATUS
sleep 1.5
req -b "$TMP/jar4" "$URL/"
[ "$S_1" = 200 ] && [ "$S_2" = 200 ] && [ "$STATUS" = 303 ] &&
	header '^Location: /login'
verdict "WebSessionLifetime 2s: a busy session ends 2 s after its login ($S_1 $S_2 $STATUS)"
stop

# ---- HTTPS ------------------------------------------------------------------
if command -v openssl >/dev/null 2>&1 &&
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
		-keyout "$TMP/web.key" -out "$TMP/web.pem" >/dev/null 2>&1; then
	# 0600 and root's when run as root: read before the server drops to
	# UserID
	chmod 600 "$TMP/web.key"
	{
		cat "$CONF"
		printf 'WebCertificate %s/web.pem\nWebKey %s/web.key\n' "$TMP" "$TMP"
	} >"$TMP/tls.conf"
	start "$TMP/tls.conf"
	case $URL in https://*) ok "HTTPS with WebCertificate and WebKey" ;;
	*) nok "HTTPS with WebCertificate and WebKey" ;; esac
	req "$URL/login"
	header '^Strict-Transport-Security: max-age='
	verdict "HTTPS: HSTS"
	header '^Set-Cookie: __Secure-emguard_login=[0-9a-f]*; Path=/login; HttpOnly; SameSite=Strict; Secure$'
	verdict "HTTPS: the login form's cookie is __Secure-emguard_login, Secure"
	login_post "$TMP/jar3" --data-urlencode user=yamada \
		--data-urlencode 'password=correct horse battery' "$URL/login"
	[ "$STATUS" = 303 ] &&
		header '^Set-Cookie: __Host-emguard_session=[0-9a-f]*; Path=/; .*; Secure$'
	verdict "HTTPS: the session cookie is __Host-emguard_session, Secure"
	req -b "$TMP/jar3" "$URL/"
	[ "$STATUS" = 200 ]
	verdict "HTTPS: the session works"
	stop
	[ "$STOPPED" = 0 ] && ! grep -q 'runtime error\|Sanitizer' "$LOG"
	verdict "HTTPS: stopped cleanly"
else
	echo "skip HTTPS (no openssl)"
fi

tl_finish

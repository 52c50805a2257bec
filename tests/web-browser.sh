#!/bin/sh
# web-browser.sh - browser tests of emguard-web in headless Chromium, and the
# README screenshots.
#
#   tests/web-browser.sh                     the test (make check)
#   tests/web-browser.sh --screenshots DIR   list-ja.png, message-ja.png,
#                                            list-en.png, message-en.png
#
# Everything is real: a private Postfix on 127.0.0.1 (tests/postfix-lib.sh)
# with emguard-milter in QuarantineMode store on a unix socket, the SQLite
# quarantine, emguard-web, and Debian's chromium driven through chromedriver
# by tests/webdriver.py (W3C WebDriver, Python standard library only).
# Quarantine-worthy messages built by tests/gen-attach-fixtures.py and
# tests/gen-fixtures.py (an encrypted ZIP whose password is in the body, a
# macro document, an executable with a double extension, a look-alike
# sender) and one whose Subject holds <script> and whose From display name
# holds an <img onerror> go in over SMTP; the milter stores them and the
# test waits until `emguard quarantine list --json` shows them.  Then, in
# the browser: GET / without a session lands on /login and a POST without
# one is refused; a wrong password shows div#error; the list shows the
# entries, filters by q= and by status, and shows the script subject as
# inert text (no script element, no onerror attribute, no alert); the
# message page explains why (section#why, li.finding), shows the attachment
# tree and the headers and never the body; release goes through its
# confirmation page, the message reaches the Postfix Maildir with
# X-Emguard-Released and X-Emguard-Action: released and the entry is
# released; a forged CSRF token with the browser's own session cookie gets
# 403 and changes nothing (the page's real token, as a control, works); the
# language switch gives lang="en" and back; logout ends the session.
#
# The milter and emguard-web start as root and become UserID nobody, who
# owns the quarantine; the CLI runs as nobody; Postfix's master starts as
# root.  Needs root, postfix,
# chromium, chromedriver and python3: exit 77 when one is truly absent.
# Every process started here (Postfix, milter, web, chromedriver and its
# Chromium) is stopped on exit, failure or signal.  WEB_BROWSER_KEEP=1
# keeps the temporary directory.  Takes about 30 s.  The check helpers
# are tests/test-lib.sh's; the clean-up is this script's own (several
# processes and Postfix).
# Exit: 0 pass, 1 fail, 77 skip.
set -u
PATH=$PATH:/usr/sbin:/sbin
# the check helpers (tl_*, ok, nok)
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
# shellcheck source=tests/test-lib.sh
. "$top_srcdir/tests/test-lib.sh"
tl_begin web-browser
MILTER=$top_builddir/milter/emguard-milter
EMGUARD=$top_builddir/cli/emguard
WEB=$top_builddir/web/emguard-web
STORE_USER=nobody
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
CHROMEDRIVER=${CHROMEDRIVER:-/usr/bin/chromedriver}

mode=test
shots=
if [ "${1:-}" = --screenshots ]; then
	[ -n "${2:-}" ] || {
		echo "usage: $0 [--screenshots DIR]" >&2
		exit 2
	}
	mode=screenshots
	mkdir -p "$2" && shots=$(cd "$2" && pwd) || exit 1
fi

. "$top_srcdir/tests/postfix-lib.sh"
why=$(pf_check) || tl_skip "$why"
for tool in "$CHROMIUM" "$CHROMEDRIVER"; do
	[ -x "$tool" ] || tl_skip "$tool not found (apt-get install chromium chromium-driver)"
done
PYTHON=$PF_PYTHON
if [ "$mode" = screenshots ] && [ -z "$(fc-list :lang=ja 2>/dev/null)" ]; then
	nok "a Japanese font for the screenshots (apt-get install fonts-noto-cjk)"
	tl_finish
fi
for bin in "$MILTER" "$EMGUARD" "$WEB"; do
	[ -x "$bin" ] || {
		nok "$bin is built"
		tl_finish
	}
done

T=$(mktemp -d /tmp/emguard-web-browser.XXXXXX) || exit 1
chmod 755 "$T" # postfix reaches the milter socket, nobody the store
milter_pid=
web_pid=
py_pid=
cleanup() {
	[ -n "$py_pid" ] && kill -KILL "$py_pid" 2>/dev/null
	# chromedriver leads its own process group, Chromium's processes in it
	driver=$(cat "$T/chromedriver.pid" 2>/dev/null)
	[ -n "$driver" ] && kill -KILL "-$driver" 2>/dev/null
	pf_stop
	pf_stop_pid "$web_pid"
	pf_stop_pid "$milter_pid"
	if [ "${WEB_BROWSER_KEEP:-0}" = 1 ]; then echo "kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM PIPE

mkdir -p "$T/q" "$T/run" "$T/log" "$T/msg"
chown "$STORE_USER" "$T/q" "$T/run" "$T/log" "$T/msg"
smtp_port=$(pf_free_port)
web_port=$(pf_free_port)
sock=$T/run/milter.sock

# Loopback clients count as outside (InternalNetworks leaves out 127/8), so
# the inbound checks run; the look-alike's score is pinned to quarantine.
cat >"$T/emguard.conf" <<EOF
Socket unix:$sock
UserID $STORE_USER
InternalDomains example-corp.test
InternalNetworks 10.0.0.0/8
TrustedAuthservIDs mx.example-corp.test
ProtectedDomains partner.test
KnownNames 山田太郎, 鈴木一郎, Taro Yamada
FreemailDomains freemail.test
ArchivePasswords infected, password
ThresholdTag 5
ThresholdQuarantine 10
ThresholdReject 20
Score SPOOF_LOOKALIKE_DOMAIN 12
QuarantineMode store
DataStore sqlite:$T/q/emguard.db
QuarantineDir $T/q
ReleaseMethod smtp:127.0.0.1:$smtp_port
WebListen 127.0.0.1:$web_port
EOF
chmod 644 "$T/emguard.conf"

# ---- emguard-milter, the private Postfix, emguard-web ----------------------------
(exec "$MILTER" -f -c "$T/emguard.conf") >"$T/log/milter.log" 2>&1 &
milter_pid=$!
if pf_wait_unix "$sock" 15 && kill -0 "$milter_pid" 2>/dev/null; then
	chgrp postfix "$sock" # a real set-up puts postfix in the socket's group
	ok "emguard-milter listens on $sock"
else
	nok "emguard-milter starts"
	sed 's/^/    milter: /' "$T/log/milter.log" | tail -n 15
	tl_finish
fi

pf_setup "$T/pf" "$smtp_port" "unix:$sock" || {
	nok "private Postfix set-up"
	tl_finish
}
if pf_start; then ok "private Postfix listens on 127.0.0.1:$smtp_port"; else
	nok "private Postfix starts"
	tl_finish
fi

# started as root, it binds and becomes UserID, as the milter does
(exec "$WEB" -f -c "$T/emguard.conf") >"$T/log/web.log" 2>&1 &
web_pid=$!
if pf_wait_port "$web_port" 15 && kill -0 "$web_pid" 2>/dev/null; then
	ok "emguard-web listens on 127.0.0.1:$web_port"
else
	nok "emguard-web starts"
	sed 's/^/    web: /' "$T/log/web.log" | tail -n 15
	tl_finish
fi

# ---- the browser half -------------------------------------------------------------
cat >"$T/browser.py" <<'EOF'
"""browser.py - the Python half of web-browser.sh (standard library only):
fixtures, SMTP, the quarantine through the CLI, and the browser steps."""
import email
import email.header
import email.policy
import importlib.util
import json
import os
import pwd
import smtplib
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

ENV = os.environ
SRC = ENV["top_srcdir"]
sys.path.insert(0, os.path.join(SRC, "tests"))
from webdriver import WebDriver, WebDriverError  # noqa: E402

T = ENV["T"]
CONF = os.path.join(T, "emguard.conf")
BASE = "http://127.0.0.1:%s" % ENV["WEB_PORT"]
SMTP_PORT = int(ENV["SMTP_PORT"])
MAILDIR = os.path.join(T, "pf", "mail", "box")
RCPT = "yamada@test.local"
STORE = pwd.getpwnam(ENV["STORE_USER"])
XSS_SUBJECT = "<script>alert(1)</script> 請求書"
XSS_NAME = '"><img src=x onerror=alert(2)>'
failures = 0
passes = 0


def ok(name):
    global passes
    passes += 1
    print("ok   " + name, flush=True)


def nok(name):
    global failures
    failures += 1
    print("FAIL " + name, flush=True)


def expect(name, cond):
    (ok if cond else nok)(name)
    return cond


# ---- fixtures ---------------------------------------------------------------
def load(fname, modname):
    spec = importlib.util.spec_from_file_location(
        modname, os.path.join(SRC, "tests", fname))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def header_text(msg, name):
    raw = " ".join(str(msg.get(name, "")).split())
    return str(email.header.make_header(email.header.decode_header(raw)))


class Fixture:
    """One message to send: its bytes, envelope sender and Message-ID."""

    def __init__(self, key, data):
        self.key = key
        self.data = data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        msg = email.message_from_bytes(self.data)
        self.message_id = msg["Message-ID"].strip().strip("<>")
        self.subject = header_text(msg, "Subject")
        rp = str(msg.get("Return-Path", "")).strip().strip("<>")
        self.mail_from = rp or "sender@example.test"
        self.entry = None


def test_fixtures():
    """The quarantine-worthy messages of the test, by key."""
    ga = load("gen-attach-fixtures.py", "gen_attach_fixtures")
    gf = load("gen-fixtures.py", "gen_fixtures")
    ga.Work.root = os.path.join(T, "work")
    os.makedirs(ga.Work.root, exist_ok=True)

    def first(builders):
        for b in builders:
            try:
                got = b()
                return got[0] if isinstance(got, tuple) else got
            except ga.Skip:
                continue
        raise SystemExit("no encrypted-ZIP fixture: install zip or p7zip-full")

    fx = {
        "zip": first([ga.emotet_zipcrypto_pw_body, ga.emotet_aes256_pw_body]),
        "macro": first([ga.macro_docm_autoopen]),
        "exe": first([ga.double_ext_japanese]),
        "lookalike": first([gf.lookalike_typo]),
        # the hostile one: script in the Subject, markup in the display name
        "xss": ga.mail(90, "%s <billing@hostile.invalid>" % ga.ew(XSS_NAME),
                       XSS_SUBJECT,
                       [ga.text_part("請求書を送付します。\n"),
                        ga.attachment(ga.pe_stub(),
                                      "application/octet-stream",
                                      "請求書.pdf.exe")]),
    }
    return {k: Fixture(k, v) for k, v in fx.items()}


def screenshot_fixtures():
    """A dozen realistic messages for the README screenshots."""
    ga = load("gen-attach-fixtures.py", "gen_attach_fixtures")
    go = ga.gen_office()
    ga.Work.root = os.path.join(T, "work")
    os.makedirs(ga.Work.root, exist_ok=True)
    ew, tp, att = ga.ew, ga.text_part, ga.attachment

    def who(name, addr):
        return "%s <%s>" % (ew(name), addr)

    def body(greeting, text, sign):
        return ("%s\n\nいつもお世話になっております。\n%s\n\n"
                "よろしくお願いいたします。\n\n%s\n" % (greeting, text, sign))

    def safe(builder, *args):
        try:
            return builder(*args)
        except ga.Skip:
            return None

    pw = ga.PW
    zc = safe(ga.zipcrypto, "s1", [("請求書_2月分.js", ga.JS)], pw)
    aes = safe(ga.zip_aes256, "s2", [("注文書.doc",
                                      go.word_doc(go.AUTOOPEN_SRC))], pw)
    midori = who("株式会社みどり商事 経理部", "keiri@midori-shoji.invalid")
    osaka = who("大阪精機株式会社 購買部 田中", "tanaka@osaka-seiki.invalid")
    mails = [
        (101, midori, "【至急】2月分ご請求書の送付",
         [tp(body("山田様", "2月分の請求書をお送りします。\n"
                  "添付ファイルのパスワード：%s" % pw,
                  "株式会社みどり商事 経理部")),
          att(zc, "application/zip", "請求書_2月分.zip")] if zc else None),
        (102, osaka, "ご注文書の件",
         [tp(body("ご担当者様", "注文書を添付いたします。\n"
                  "パスワードは別途お送りします。パスワード：%s" % pw,
                  "大阪精機株式会社 田中")),
          att(aes, "application/zip", "注文書.zip")] if aes else None),
        (103, who("佐藤花子", "sato@partnre.test"), "お見積書送付の件",
         [tp(body("山田様", "お見積書をお送りいたします。", "佐藤花子"))]),
        (104, who("株式会社トレーディング", "info@trading-co.invalid"),
         "見積書（改訂版）のご確認",
         [tp(body("ご担当者様", "改訂版の見積書をご確認ください。",
                  "株式会社トレーディング")),
          att(ga.docm(go.AUTOOPEN_SRC), "application/vnd.ms-word."
              "document.macroEnabled.12", "見積書_改訂版.docm")]),
        (105, who("ヤマト運輸 配達センター", "delivery@yamato-notice.invalid"),
         "お荷物お届けのお知らせ",
         [tp("お荷物をお届けにあがりましたが、ご不在でした。\n"
             "添付の再配達票をご確認ください。\n"),
          att(ga.pe_stub(), "application/octet-stream",
              "再配達票.pdf.exe")]),
        (106, who("総務部", "soumu@examp1e-corp.test"),
         "年末調整書類の提出について",
         [tp(body("各位", "年末調整の書類を本日中にご提出ください。",
                  "総務部"))]),
        (107, who("IT サポート", "helpdesk@exarnple-corp.test"),
         "【重要】パスワードの有効期限のお知らせ",
         [tp("パスワードの有効期限が近づいています。\n"
             "下記より更新してください。\n")]),
        (108, who("株式会社ミライ建設 工事部", "koji@mirai-kensetsu.invalid"),
         "工程表の共有",
         [tp(body("山田様", "工程表を OneNote で共有いたします。",
                  "株式会社ミライ建設 工事部")),
          att(ga.onenote_section([ga.HTA]), "application/onenote",
              "工程表.one")]),
        (109, who("東京物産 営業部", "eigyo@tokyo-bussan.invalid"),
         "契約書のご送付",
         [tp(body("ご担当者様", "契約書を送付いたします。",
                  "東京物産 営業部")),
          att(ga.pe_stub(), "application/octet-stream",
              "契約書\u202efdp.exe")]),
        (110, who("経理担当", "accounting@freemail.test"),
         "振込先口座変更のお願い",
         [tp(body("山田様", "振込先の口座が変更になりました。\n"
                  "添付の書類をご確認ください。", "経理担当")),
          att(ga.tar_gz([("口座変更届.ps1", ga.PS1)]),
              "application/gzip", "口座変更届.tar.gz")]),
        (111, who("株式会社サクラ印刷", "order@sakura-print.invalid"),
         "発注内容のご確認",
         [tp(body("ご担当者様", "発注内容をご確認ください。",
                  "株式会社サクラ印刷")),
          att(safe(ga.tool_archive, "s3", [("発注内容.vbs", ga.VBS)],
                   ["7z", "a", "-bd", "-y", "-t7z", "OUT", "FILES"])
              if ga.have("7z") else ga.zip_stored([("発注内容.vbs", ga.VBS)]),
              "application/x-7z-compressed" if ga.have("7z") else
              "application/zip",
              "発注内容.7z" if ga.have("7z") else "発注内容.zip")]),
        (112, who("山田太郎", "taro.yamada.1970@freemail.test"),
         "至急ご対応ください",
         [tp("至急、取引先への支払いをお願いします。\n"
             "詳細は添付をご確認ください。\n"),
          att(ga.JS, "application/octet-stream", "支払い明細.js")]),
    ]
    out = {}
    for n, frm, subject, parts in mails:
        if parts is None:
            continue
        out["s%d" % n] = Fixture("s%d" % n, ga.mail(n, frm, subject, parts))
    return out


# ---- SMTP, the quarantine, the Maildir ----------------------------------------
def send(fx):
    """Send FX to RCPT; the server's reply as "CODE text"."""
    try:
        with smtplib.SMTP("127.0.0.1", SMTP_PORT, "client.browser.test",
                          timeout=60) as s:
            s.sendmail(fx.mail_from, [RCPT], fx.data)
            return "250 accepted"
    except smtplib.SMTPResponseException as e:
        return "%d %s" % (e.smtp_code, e.smtp_error.decode("utf-8", "replace"))
    except smtplib.SMTPRecipientsRefused as e:
        code, text = list(e.recipients.values())[0]
        return "%d %s" % (code, text.decode("utf-8", "replace"))
    except (OSError, smtplib.SMTPException) as e:
        return "0 %s" % e


def cli(*args, stdin=None):
    """Run `emguard ARGS -c CONF` as the owner of the quarantine."""
    argv = [ENV["EMGUARD"]] + list(args)
    return subprocess.run(argv, input=stdin, capture_output=True,
                          user=STORE.pw_uid, group=STORE.pw_gid,
                          extra_groups=[], timeout=60)


def entries():
    """Every quarantine entry, as the CLI's --json gives them."""
    r = cli("quarantine", "list", "--json", "--status", "all", "-c", CONF)
    if r.returncode != 0:
        raise RuntimeError("emguard quarantine list: exit %d: %s" % (
            r.returncode, r.stderr.decode("utf-8", "replace").strip()))
    text = r.stdout.decode("utf-8")
    try:
        v = json.loads(text)
        if isinstance(v, dict):
            v = v.get("entries", [v])
        return v
    except ValueError:
        return [json.loads(line) for line in text.splitlines() if line.strip()]


def entry_status(fx):
    for e in entries():
        if e.get("id") == fx.entry:
            return e.get("status")
    return None


def wait_quarantined(fixtures, seconds=20):
    """Fill fx.entry for every fixture found in the quarantine."""
    end = time.time() + seconds
    while True:
        try:
            by_mid = {str(e.get("message_id", "")).strip("<>"): e
                      for e in entries()}
        except RuntimeError as e:
            nok(str(e))
            return
        for fx in fixtures:
            e = by_mid.get(fx.message_id)
            if e is not None:
                fx.entry = e.get("id")
                syms = e.get("symbols", "")
                fx.symbols = (syms.split(",") if isinstance(syms, str)
                              else [str(s) for s in syms])
        if all(fx.entry for fx in fixtures) or time.time() >= end:
            return
        time.sleep(0.3)


def delivered(message_id, seconds=20):
    """The bytes of the delivered copy of MESSAGE_ID, or None."""
    want = ("<%s>" % message_id).encode()
    end = time.time() + seconds
    while True:
        for sub in ("new", "cur"):
            d = os.path.join(MAILDIR, sub)
            for f in sorted(os.listdir(d)) if os.path.isdir(d) else ():
                with open(os.path.join(d, f), "rb") as fp:
                    data = fp.read()
                if want in data:
                    return data
        if time.time() >= end:
            return None
        time.sleep(0.2)


# ---- HTTP outside the browser ------------------------------------------------
class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kw):
        return None


OPENER = urllib.request.build_opener(NoRedirect)


def http(method, path, form=None, session=None):
    """(status, headers, body) of one request, redirects not followed."""
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    req = urllib.request.Request(BASE + path, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/x-www-form-urlencoded")
    if session:
        req.add_header("Cookie", "emguard_session=" + session)
    try:
        with OPENER.open(req, timeout=15) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


# ---- the browser ---------------------------------------------------------------
def path_of(d):
    u = urllib.parse.urlsplit(d.url)
    return u.path + ("?" + u.query if u.query else "")


def login(d, user, password):
    d.get(BASE + "/login")
    d.find("form#login input[name=user]").send_keys(user)
    d.find("form#login input[name=password]").send_keys(password)
    d.click_through("button#login-submit")


def row_ids(d):
    return [r.attribute("data-id") for r in d.find_all("table#entries tr.entry")]


def filter_list(d, q="", status=None):
    """Fill form#filter as a person would and submit it."""
    box = d.find("form#filter input[name=q]")
    box.clear()
    if q:
        box.send_keys(q)
    if status:
        d.find("form#filter select[name=status] option[value=%s]" %
               status).click()
    d.click_through("button#filter-submit")


def no_alert(d):
    try:
        d.alert_text()
        return False
    except WebDriverError as e:
        return e.error == "no such alert"


def inert(d, where):
    """The page holds no element the hostile message could have made."""
    expect("%s: no script element in the DOM" % where,
           not d.find_all("script"))
    expect("%s: no element with an onerror attribute" % where,
           not d.find_all("[onerror]"))
    expect("%s: no img element from the message" % where,
           not d.find_all("img[src=x]"))
    expect("%s: no alert opened (GET /alert/text: no such alert)" % where,
           no_alert(d))


def control(d):
    """The checks of inert() see live markup in this browser: a page of
    our own with an img onerror opens its alert."""
    d.get("data:text/html,<p>control</p><img src=x onerror=alert(2)>")
    seen = False
    end = time.time() + 5
    while not seen and time.time() < end:
        try:
            seen = bool(d.find_all("[onerror]")) and not no_alert(d)
        except WebDriverError as e:
            seen = e.error == "unexpected alert open"
        time.sleep(0 if seen else 0.1)
    expect("control: live markup's onerror and alert are detected", seen)
    try:
        d.dismiss_alert()
    except WebDriverError:
        pass


def step(name, fn, *args):
    """Run one step; a WebDriver or other error is its FAIL, not a crash."""
    t0 = time.time()
    try:
        fn(*args)
    except (WebDriverError, RuntimeError, OSError, KeyError) as e:
        nok("%s: %s" % (name, e))
    print("     (%s: %.1f s)" % (name, time.time() - t0), flush=True)


def unauthenticated(d, fx):
    d.get(BASE + "/")
    expect("no session: GET / lands on /login (%s)" % path_of(d),
           path_of(d).startswith("/login"))
    expect("no session: form#login shown", d.exists("form#login"))
    st, hd, _ = http("GET", "/m/%s" % fx.entry)
    expect("no session: GET /m/ID is 303 to /login (%d %s)" % (
        st, hd.get("Location")), st == 303 and
        str(hd.get("Location", "")).endswith("/login"))
    st, _, _ = http("POST", "/m/%s/release" % fx.entry, {"csrf": "x"})
    expect("no session: POST /m/ID/release refused (%d)" % st, st == 403)
    expect("no session: the entry stays held", entry_status(fx) == "held")
    expect("nothing was delivered", delivered(fx.message_id, 0) is None)
    st, hd, _ = http("GET", "/login")
    csp = str(hd.get("Content-Security-Policy", ""))
    expect("headers: CSP default-src 'none' (%s)" % csp,
           "default-src 'none'" in csp and "frame-ancestors 'none'" in csp)
    expect("headers: X-Frame-Options DENY, nosniff, no-referrer",
           hd.get("X-Frame-Options") == "DENY" and
           hd.get("X-Content-Type-Options") == "nosniff" and
           hd.get("Referrer-Policy") == "no-referrer")
    st, _, body = http("GET", "/healthz")
    expect("GET /healthz without a session: 200 ok", st == 200 and
           body.strip() == b"ok")


def log_in(d):
    login(d, "staff", "not the password")
    expect("wrong password: div#error shown", d.exists("div#error") and
           d.find("div#error").text.strip() != "")
    expect("wrong password: no session cookie",
           d.cookie("emguard_session") is None)
    login(d, "staff", ENV["STAFF_PASSWORD"])
    expect("log in as staff: on the list (%s)" % path_of(d),
           path_of(d) == "/" and d.exists("table#entries"))
    c = [c for c in d.cookies if c.get("name") == "emguard_session"]
    expect("session cookie HttpOnly, SameSite=Strict",
           len(c) == 1 and c[0].get("httpOnly") is True and
           c[0].get("sameSite") == "Strict")


def the_list(d, fx):
    want = sorted(f.entry for f in fx.values())
    d.get(BASE + "/")
    got = sorted(row_ids(d))
    expect("list: one tr.entry per held message (%d of %d)" % (
        len(got), len(want)), got == want)
    expect("list: span#total says %d" % len(want),
           str(len(want)) in d.find("span#total").text)
    expect("list: score and action badges",
           len(d.find_all("td.score span.badge")) == len(want) and
           d.exists("span.badge.action-quarantine"))
    filter_list(d, q="partnre")
    expect("filter q=partnre: only the look-alike (%s)" % row_ids(d),
           row_ids(d) == [fx["lookalike"].entry])
    expect("filter: q= in the address (%s)" % path_of(d),
           "q=partnre" in path_of(d))
    filter_list(d, status="released")
    expect("filter status=released: nothing yet (%s)" % row_ids(d),
           row_ids(d) == [])
    filter_list(d, status="held")
    expect("filter status=held: all of them", sorted(row_ids(d)) == want)
    x = fx["xss"]
    row = d.find("tr.entry[data-id='%s']" % x.entry)
    link = row.find("a.entry-link")
    expect("list: the script subject is text (%r)" % link.text,
           "<script>alert(1)</script>" in link.text)
    expect("list: the hostile display name is text",
           XSS_NAME in row.text)
    inert(d, "list")


def message_page(d, fx):
    z = fx["zip"]
    d.get(BASE + "/")
    d.click_through("tr.entry[data-id='%s'] a.entry-link" % z.entry)
    expect("message: opened by its link (%s)" % path_of(d),
           path_of(d) == "/m/%s" % z.entry)
    expect("message: h1#subject is the subject",
           d.find("h1#subject").text.strip() == z.subject)
    why = d.find("section#why").text
    expect("message: section#why says why in a sentence", len(why) > 20)
    syms = set(f.attribute("data-symbol")
               for f in d.find_all("section#why li.finding"))
    want = set(s for s in z.symbols if s)
    expect("message: one li.finding per symbol (%s)" % ",".join(sorted(syms)),
           syms and (not want or syms == want))
    expect("message: findings grouped by category (h3.category)",
           d.exists("section#why h3.category"))
    att = d.find("section#attachments").text
    expect("message: the attachment tree shows the ZIP and its member",
           "請求書_20240115.zip" in att and "invoice_20240115.js" in att
           and d.exists("section#attachments ul ul"))
    expect("message: section#headers shows the header block",
           "Message-ID: <%s>" % z.message_id in
           d.find("section#headers pre").text)
    expect("message: section#envelope, section#audit-trail",
           d.exists("section#envelope") and d.exists("section#audit-trail"))
    expect("message: the body is never rendered",
           "いつもお世話になっております" not in d.source)
    x = fx["xss"]
    d.get(BASE + "/m/%s" % x.entry)
    expect("hostile message: h1#subject shows <script> as text",
           "<script>alert(1)</script>" in d.find("h1#subject").text)
    inert(d, "hostile message page")


def release(d, fx):
    r = fx["lookalike"]
    d.get(BASE + "/m/%s" % r.entry)
    d.click_through("a#release-button")
    expect("release: a#release-button opens the confirmation (%s)" %
           path_of(d), path_of(d) == "/m/%s/release" % r.entry)
    expect("release: form#confirm-release with a csrf field",
           d.exists("form#confirm-release input[name=csrf]"))
    expect("release: nothing sent before the confirmation",
           entry_status(r) == "held")
    d.click_through("button#confirm")
    expect("release: back on the message with done=released (%s)" %
           path_of(d), path_of(d).startswith("/m/%s?done=released" % r.entry))
    expect("release: div#flash says so", d.exists("div#flash") and
           not d.exists("div#error"))
    data = delivered(r.message_id, 20)
    if expect("release: delivered to the Maildir of the private Postfix",
              data is not None):
        msg = email.message_from_bytes(data)
        expect("release: X-Emguard-Released present",
               msg.get("X-Emguard-Released") is not None)
        expect("release: X-Emguard-Action: released (%s)" %
               msg.get_all("X-Emguard-Action"),
               msg.get_all("X-Emguard-Action") == ["released"])
        expect("release: delivered once, to %s" % RCPT,
               len(os.listdir(os.path.join(MAILDIR, "new"))) == 1)
    r2 = cli("quarantine", "list", "--json", "--status", "released", "-c",
             CONF)
    expect("release: `quarantine list --status released` has it",
           r.entry.encode() in r2.stdout)
    d.get(BASE + "/")
    filter_list(d, status="released")
    expect("filter status=released: the released one (%s)" % row_ids(d),
           row_ids(d) == [r.entry])
    d.get(BASE + "/audit")
    expect("audit: the release by web:staff is in table#audit",
           r.entry in d.find("table#audit").text and
           "staff" in d.find("table#audit").text)


def forged_csrf(d, fx):
    m = fx["macro"]
    session = d.cookie("emguard_session")
    st, _, body = http("POST", "/m/%s/delete" % m.entry,
                       {"csrf": "forged"}, session)
    expect("forged csrf with the session cookie: 403 (%d)" % st, st == 403)
    expect("forged csrf: the entry is unchanged", entry_status(m) == "held")
    st, _, _ = http("POST", "/m/%s/delete" % m.entry, {}, session)
    expect("missing csrf: 403 (%d)" % st, st == 403)
    # the control: the page's own token works, so 403 meant the token
    d.get(BASE + "/m/%s/delete" % m.entry)
    token = d.find("form#confirm-delete input[name=csrf]").attribute("value")
    st, hd, _ = http("POST", "/m/%s/delete" % m.entry, {"csrf": token},
                     session)
    expect("the page's csrf token with the same cookie: 303 (%d)" % st,
           st == 303)
    expect("... and the entry is deleted", entry_status(m) == "deleted")


def language(d, fx):
    d.get(BASE + "/m/%s" % fx["zip"].entry)
    ja_nav = d.find("a#nav-list").text
    d.click_through("a#lang-switch")
    expect("language: a#lang-switch gives lang=en",
           d.find("html").attribute("lang") == "en")
    en_nav = d.find("a#nav-list").text
    expect("language: English text (%r, was %r)" % (en_nav, ja_nav),
           en_nav.isascii() and en_nav.strip() and en_nav != ja_nav)
    expect("language: kept in the emguard_lang cookie",
           d.cookie("emguard_lang") == "en")
    d.get(BASE + "/")
    expect("language: the next page is English too",
           d.find("html").attribute("lang") == "en")
    d.click_through("a#lang-switch")
    expect("language: back to lang=ja",
           d.find("html").attribute("lang") == "ja" and
           d.find("a#nav-list").text == ja_nav)


def logout(d):
    d.click_through("form#logout button")
    expect("logout: on /login (%s)" % path_of(d),
           path_of(d).startswith("/login"))
    d.get(BASE + "/")
    expect("logout: the session is gone", path_of(d).startswith("/login"))


def add_staff():
    r = cli("user", "add", "staff", "--password-stdin", "-c", CONF,
            stdin=(ENV["STAFF_PASSWORD"] + "\n").encode())
    if not expect("emguard user add staff --password-stdin", r.returncode == 0):
        print("    " + r.stderr.decode("utf-8", "replace").strip())
        return False
    return True


def deliver_all(fixtures):
    for fx in fixtures.values():
        reply = send(fx)
        expect("sent %s (%s): %s" % (fx.key, fx.message_id, reply),
               reply.startswith("250"))
    wait_quarantined(list(fixtures.values()))
    for fx in fixtures.values():
        expect("%s is in the quarantine (%s)" % (fx.key, fx.entry),
               fx.entry is not None)
    return all(fx.entry for fx in fixtures.values())


def driver(lang="ja", height=900):
    """A browser window of 1280 x HEIGHT, its pages in LANG."""
    return WebDriver(lang=lang, width=1280, height=height,
                     pidfile=os.path.join(T, "chromedriver.pid"), tmpdir=T,
                     log=os.path.join(T, "log", "chromedriver.log"))


def run_test():
    if not add_staff():
        return 1
    fixtures = test_fixtures()
    if not deliver_all(fixtures):
        return 1
    t0 = time.time()
    with driver() as d:
        ok("chromium and chromedriver started (%.1f s)" % (time.time() - t0))
        step("unauthenticated", unauthenticated, d, fixtures["macro"])
        step("log in", log_in, d)
        step("control", control, d)
        step("list", the_list, d, fixtures)
        step("message page", message_page, d, fixtures)
        step("release", release, d, fixtures)
        step("forged csrf", forged_csrf, d, fixtures)
        step("language", language, d, fixtures)
        step("logout", logout, d)
    return 1 if failures else 0


def run_screenshots(outdir):
    if not add_staff():
        return 1
    fixtures = screenshot_fixtures()
    if not deliver_all(fixtures):
        return 1
    # the message that shows the most: the ZIP opened with the password
    shown = fixtures.get("s101") or fixtures["s104"]
    shots = []
    # One browser a language, so that its own widgets (the date field)
    # speak the page's language too.  The window's height (the viewport is
    # about 140 px less) keeps each PNG near 200 KB: the list's first nine
    # rows; the message down to its attachment tree.
    pages = (("list", "/", 1000), ("message", "/m/" + shown.entry, 1330))
    for lang in ("ja", "en"):
        with driver(lang) as d:
            login(d, "staff", ENV["STAFF_PASSWORD"])
            d.get(BASE + "/?lang=" + lang)
            for page, path, height in pages:
                d.set_window(1280, height)
                d.get(BASE + path)
                name = "%s-%s.png" % (page, lang)
                shots.append((name, d.save_screenshot(
                    os.path.join(outdir, name))))
    for name, size in shots:
        expect("%s: %d bytes" % (name, size), 0 < size < 300 * 1024)
    return 1 if failures else 0


if __name__ == "__main__":
    try:
        rc = run_test() if sys.argv[1] == "test" else \
            run_screenshots(sys.argv[2])
    finally:
        with open(os.path.join(T, "log", "counts"), "w") as fp:
            fp.write("%d %d\n" % (passes, failures))
    sys.exit(rc)
EOF

staff_password=$("$PYTHON" -c 'import secrets; print(secrets.token_urlsafe(18))')
export top_srcdir T STORE_USER EMGUARD
export WEB_PORT=$web_port SMTP_PORT=$smtp_port STAFF_PASSWORD=$staff_password
# in the background, so that a signal reaches the trap at once
if [ "$mode" = test ]; then
	"$PYTHON" "$T/browser.py" test 2>&1 &
else
	"$PYTHON" "$T/browser.py" screenshots "$shots" 2>&1 &
fi
py_pid=$!
wait "$py_pid"
rc=$?
py_pid=
if read -r py_passed py_failed <"$T/log/counts"; then
	passed=$((passed + py_passed))
	failed=$((failed + py_failed))
fi 2>/dev/null
[ "$rc" -eq 0 ] || [ "$failed" -gt 0 ] || nok "browser.py exited $rc"
if [ "$failed" -gt 0 ]; then
	pf_log
	for log in milter web; do
		sed "s/^/    $log: /" "$T/log/$log.log" | tail -n 15
	done
fi
tl_finish

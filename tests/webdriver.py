#!/usr/bin/env python3
"""webdriver.py - a small W3C WebDriver client for the browser tests.

Drives Debian's headless Chromium through chromedriver with nothing but the
Python standard library (urllib and json): no selenium, no npm.  Used by
tests/web-browser.sh; `python3 tests/webdriver.py --self-test` proves it
against a static page served on loopback.

Every call has a timeout, and every failure raises WebDriverError naming
the command, the W3C error code ("no such element", "no such alert", ...)
and chromedriver's message, so that a test says what went wrong instead of
hanging.  chromedriver runs in its own process group and quit() ends that
group, so no Chromium is left behind even when the session is lost.
"""

import base64
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
# The key under which W3C WebDriver returns an element reference.
ELEMENT_KEY = "element-6066-11e4-a52e-4f735466cecf"
# Without the background-networking flags Chromium keeps trying to reach
# Google's hosts, and this closed network refuses each connection.
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
    "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
    "--disable-default-apps", "--disable-extensions",
    "--no-default-browser-check", "--hide-scrollbars",
]


class WebDriverError(Exception):
    """A WebDriver command failed: .error is the W3C code, or "timeout",
    "http", "connection" or "protocol" for failures below WebDriver."""

    def __init__(self, command, error, message):
        self.command = command
        self.error = error
        self.message = message
        super().__init__("%s: %s: %s" % (command, error, message))


def free_port():
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
    finally:
        s.close()


def group_members(pgid):
    """PIDs of the live (not zombie) processes of process group PGID."""
    pids = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % name) as fp:
                stat = fp.read()
        except OSError:
            continue
        # pid (comm) state ppid pgrp ...: comm may hold spaces and ")"
        fields = stat[stat.rfind(")") + 2:].split()
        if len(fields) > 2 and fields[0] != "Z" and int(fields[2]) == pgid:
            pids.append(int(name))
    return pids


class Element:
    """A reference to one element of the current page."""

    def __init__(self, driver, ref, selector):
        self.driver = driver
        self.ref = ref
        self.selector = selector

    def _path(self, tail=""):
        return "/element/%s%s" % (self.ref, tail)

    def click(self):
        self.driver.call("POST", self._path("/click"), {},
                         what="click " + self.selector)

    def clear(self):
        self.driver.call("POST", self._path("/clear"), {},
                         what="clear " + self.selector)

    def send_keys(self, text):
        self.driver.call("POST", self._path("/value"), {"text": text},
                         what="send keys to " + self.selector)

    @property
    def text(self):
        return self.driver.call("GET", self._path("/text"),
                                what="text of " + self.selector)

    def attribute(self, name):
        """The attribute NAME as written in the HTML, or None."""
        return self.driver.call("GET", self._path("/attribute/" + name),
                                what="attribute %s of %s" %
                                (name, self.selector))

    def prop(self, name):
        """The DOM property NAME (e.g. "value", "selected")."""
        return self.driver.call("GET", self._path("/property/" + name),
                                what="property %s of %s" %
                                (name, self.selector))

    @property
    def tag_name(self):
        return self.driver.call("GET", self._path("/name"),
                                what="tag of " + self.selector)

    def find(self, css):
        """The first element matching CSS inside this one."""
        v = self.driver.call("POST", self._path("/element"),
                             {"using": "css selector", "value": css},
                             what="find %s in %s" % (css, self.selector))
        return Element(self.driver, v[ELEMENT_KEY], css)

    def find_all(self, css):
        v = self.driver.call("POST", self._path("/elements"),
                             {"using": "css selector", "value": css},
                             what="find all %s in %s" % (css, self.selector))
        return [Element(self.driver, e[ELEMENT_KEY], css) for e in v]


class WebDriver:
    """One chromedriver process with one Chromium session.

    WebDriver(lang="ja", width=1280, height=900) starts both; quit() (or
    leaving a with-block) ends both and removes the profile directory.
    PIDFILE, when given, gets chromedriver's PID, which is also its process
    group's ID: a shell script that runs us kills that group in its trap
    even when this Python process was killed before quit().  The profile
    directory is made in TMPDIR (default: the system's), so that such a
    script's own temporary directory can hold it."""

    def __init__(self, lang="ja", width=1280, height=900, timeout=30,
                 chromium=CHROMIUM, chromedriver=CHROMEDRIVER, log=None,
                 pidfile=None, tmpdir=None):
        self.timeout = timeout
        self.pidfile = pidfile
        self.session = None
        self.proc = None
        self.profile = tempfile.mkdtemp(prefix="emguard-chromium.",
                                        dir=tmpdir)
        self.log_path = log or os.path.join(self.profile, "chromedriver.log")
        for tool in (chromium, chromedriver):
            if not os.access(tool, os.X_OK):
                self.quit()
                raise WebDriverError("start", "missing", tool + " not found")
        # On Linux Chromium takes its locale (date fields, number formats)
        # from the environment; --lang alone does not change it.
        self.env = dict(os.environ, LANGUAGE=lang)
        try:
            self._start_driver(chromedriver)
            self._new_session(chromium, lang, width, height)
        except BaseException:
            self.quit()
            raise

    # ---- process and session ---------------------------------------------
    def _start_driver(self, chromedriver):
        # The free port can be taken between the look-up and chromedriver's
        # bind; a second try covers that race.
        for _ in range(3):
            self.port = free_port()
            self.base = "http://127.0.0.1:%d" % self.port
            logf = open(self.log_path, "ab")
            self.proc = subprocess.Popen(
                [chromedriver, "--port=%d" % self.port,
                 "--log-path=" + self.log_path],
                stdin=subprocess.DEVNULL, stdout=logf,
                stderr=subprocess.STDOUT, start_new_session=True,
                env=self.env)
            logf.close()
            if self.pidfile:
                with open(self.pidfile, "w") as fp:
                    fp.write("%d\n" % self.proc.pid)
            end = time.time() + 15
            while time.time() < end and self.proc.poll() is None:
                try:
                    st = self._http("GET", "/status", None, 2, "status")
                    if st.get("ready"):
                        return
                except WebDriverError:
                    pass
                time.sleep(0.1)
            self._kill_driver()
        raise WebDriverError("start", "timeout",
                             "chromedriver did not answer /status; see " +
                             self.log_path)

    def _new_session(self, chromium, lang, width, height):
        opts = {
            "binary": chromium,
            "args": CHROMIUM_ARGS + [
                "--window-size=%d,%d" % (width, height),
                "--user-data-dir=" + os.path.join(self.profile, "profile"),
                "--lang=" + lang,
            ],
            "prefs": {"intl.accept_languages": lang},
        }
        caps = {"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "pageLoadStrategy": "normal",
            "goog:chromeOptions": opts,
        }}}
        v = self._http("POST", "/session", caps, 60, "new session")
        self.session = v["sessionId"]
        self.call("POST", "/timeouts",
                  {"implicit": 0, "pageLoad": self.timeout * 1000,
                   "script": 10000}, what="set timeouts")

    def _kill_driver(self):
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
        except OSError:
            pass
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except OSError:
                pass
            self.proc.wait(5)
        # Chromium's helpers (renderer, zygote) stay in the group a moment
        # after chromedriver is gone.
        end = time.time() + 5
        while group_members(self.proc.pid) and time.time() < end:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except OSError:
                break
            time.sleep(0.1)
        self.proc = None

    def quit(self):
        """End the session, chromedriver, Chromium; remove the profile."""
        if self.session is not None:
            try:
                self._http("DELETE", "/session/" + self.session, None, 15,
                           "delete session")
            except WebDriverError:
                pass
            self.session = None
        self._kill_driver()
        if self.profile and os.path.isdir(self.profile):
            shutil.rmtree(self.profile, ignore_errors=True)
        self.profile = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.quit()
        return False

    # ---- the wire ---------------------------------------------------------
    def _http(self, method, path, body, timeout, what):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data,
                                     method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json; charset=utf-8")
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                raw = r.read()
        except urllib.error.HTTPError as e:
            raw = e.read()
            try:
                v = json.loads(raw.decode("utf-8"))["value"]
                raise WebDriverError(what, v.get("error", "http"),
                                     v.get("message", "").split("\n")[0])
            except (ValueError, KeyError, TypeError, AttributeError):
                raise WebDriverError(what, "http", "HTTP %d" % e.code)
        except socket.timeout:
            raise WebDriverError(what, "timeout",
                                 "no answer in %d s" % timeout)
        except (urllib.error.URLError, OSError) as e:
            raise WebDriverError(what, "connection", str(e))
        try:
            return json.loads(raw.decode("utf-8"))["value"]
        except (ValueError, KeyError, TypeError) as e:
            raise WebDriverError(what, "protocol", "bad answer: %s" % e)

    def call(self, method, path, body=None, what=None, timeout=None):
        """One command of the session: METHOD /session/ID/PATH."""
        if self.session is None:
            raise WebDriverError(what or path, "no session", "not started")
        return self._http(method, "/session/%s%s" % (self.session, path),
                          body, timeout or self.timeout + 5,
                          what or method + " " + path)

    # ---- navigation and the page ------------------------------------------
    def get(self, url):
        self.call("POST", "/url", {"url": url}, what="navigate to " + url)

    @property
    def url(self):
        return self.call("GET", "/url", what="current url")

    @property
    def title(self):
        return self.call("GET", "/title", what="title")

    @property
    def source(self):
        return self.call("GET", "/source", what="page source")

    def back(self):
        self.call("POST", "/back", {}, what="back")

    def find(self, css):
        """The first element matching CSS; WebDriverError "no such
        element" when there is none."""
        v = self.call("POST", "/element",
                      {"using": "css selector", "value": css},
                      what="find " + css)
        return Element(self, v[ELEMENT_KEY], css)

    def find_all(self, css):
        """Every element matching CSS (possibly none)."""
        v = self.call("POST", "/elements",
                      {"using": "css selector", "value": css},
                      what="find all " + css)
        return [Element(self, e[ELEMENT_KEY], css) for e in v]

    def exists(self, css):
        return len(self.find_all(css)) > 0

    def wait_for(self, css, seconds=10):
        """The first element matching CSS, waiting up to SECONDS for it."""
        end = time.time() + seconds
        while True:
            found = self.find_all(css)
            if found:
                return found[0]
            if time.time() >= end:
                raise WebDriverError("wait for " + css, "no such element",
                                     "not there after %g s" % seconds)
            time.sleep(0.1)

    def click_through(self, css, seconds=10):
        """Click the element CSS (a link or a submit button) and wait until
        the next document has replaced this one, so that what is found
        next is on the new page: chromedriver does not always wait for a
        navigation that a click starts."""
        old = self.find("html")
        self.find(css).click()
        end = time.time() + seconds
        while True:
            try:
                old.tag_name
            except WebDriverError as e:
                # Chromium says so in one of two ways, depending on when
                # in the navigation the question comes
                if (e.error == "stale element reference" or
                        "does not belong to the document" in e.message):
                    return
                raise
            if time.time() >= end:
                raise WebDriverError("click " + css, "timeout",
                                     "no new page after %g s" % seconds)
            time.sleep(0.05)

    def alert_text(self):
        """The text of an open alert; WebDriverError "no such alert" when
        none is open (what a test of inert content wants to see)."""
        return self.call("GET", "/alert/text", what="alert text")

    def dismiss_alert(self):
        self.call("POST", "/alert/dismiss", {}, what="dismiss alert")

    def execute(self, script, args=()):
        """Run SCRIPT in the page.  A page whose CSP forbids scripts still
        lets WebDriver's own scripts run (they are not page content)."""
        return self.call("POST", "/execute/sync",
                         {"script": script, "args": list(args)},
                         what="execute script")

    # ---- cookies -------------------------------------------------------------
    @property
    def cookies(self):
        return self.call("GET", "/cookie", what="cookies")

    def cookie(self, name):
        """The value of cookie NAME, or None."""
        for c in self.cookies:
            if c.get("name") == name:
                return c.get("value")
        return None

    def delete_cookies(self):
        self.call("DELETE", "/cookie", what="delete cookies")

    # ---- the window ----------------------------------------------------------
    def set_window(self, width, height):
        self.call("POST", "/window/rect", {"width": width, "height": height},
                  what="set window size")

    def screenshot_png(self):
        """The viewport as PNG bytes."""
        v = self.call("GET", "/screenshot", what="screenshot")
        return base64.b64decode(v)

    def save_screenshot(self, path):
        data = self.screenshot_png()
        with open(path, "wb") as fp:
            fp.write(data)
        return len(data)


# ---- self-test against a static page ---------------------------------------
SELF_TEST_PAGE = """<!DOCTYPE html>
<html lang="ja"><head><meta charset="utf-8"><title>自己試験</title></head>
<body><h1 id="t">&lt;script&gt;alert(1)&lt;/script&gt; 請求書</h1>
<form id="f" method="get" action="/done"><input name="q" id="q">
<button id="go">送信</button></form></body></html>"""


def self_test():
    """Serve a static page on loopback and drive it: navigate, find, text,
    attribute, send keys, click, cookies, no alert, screenshot."""
    import http.server
    import threading

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path.startswith("/done"):
                body = "<html><body><p id=q>%s</p></body></html>" % self.path
            elif self.path == "/live":
                body = "<html><body><img src=x onerror=alert(2)></body></html>"
            else:
                body = SELF_TEST_PAGE
            body = body.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Set-Cookie", "k=v; Path=/")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *a):
            pass

    srv = http.server.HTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    url = "http://127.0.0.1:%d/" % srv.server_address[1]
    failed = 0

    def check(name, cond):
        nonlocal failed
        print("%s %s" % ("ok  " if cond else "FAIL", name))
        failed += 0 if cond else 1

    t0 = time.time()
    with WebDriver() as d:
        check("session started (%.1f s)" % (time.time() - t0), True)
        d.get(url)
        check("title", d.title == "自己試験")
        check("text of h1 keeps the escaped script",
              d.find("#t").text == "<script>alert(1)</script> 請求書")
        check("no script element", not d.exists("script"))
        try:
            d.alert_text()
            check("no alert", False)
        except WebDriverError as e:
            check("no alert (%s)" % e.error, e.error == "no such alert")
        try:
            d.find("#missing")
            check("missing element raises", False)
        except WebDriverError as e:
            check("missing element raises no such element",
                  e.error == "no such element")
        check("lang attribute", d.find("html").attribute("lang") == "ja")
        check("cookie", d.cookie("k") == "v")
        d.find("#q").send_keys("abc")
        d.click_through("#go")
        check("form submitted", d.find("p#q").text == "/done?q=abc")
        # The negative: live markup's alert is seen, by alert_text() or as
        # "unexpected alert open" on the next command (chromedriver then
        # dismisses it), and its element is found.
        d.get(url + "live")
        seen = None
        end = time.time() + 5
        while seen is None and time.time() < end:
            try:
                seen = "alert " + d.alert_text()
                d.dismiss_alert()
            except WebDriverError as e:
                if e.error == "unexpected alert open":
                    seen = e.error
                else:
                    time.sleep(0.1)
        check("live markup: its alert is seen (%s)" % seen, seen is not None)
        check("live markup: the onerror element is found",
              len(d.find_all("[onerror]")) == 1)
        png = d.screenshot_png()
        check("screenshot is a PNG (%d bytes)" % len(png),
              png[:8] == b"\x89PNG\r\n\x1a\n")
        pid = d.proc.pid
    check("no live process left in chromedriver's group",
          not group_members(pid))
    srv.shutdown()
    print("webdriver self-test: %.1f s, %d failed" % (time.time() - t0, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    import sys
    if sys.argv[1:] == ["--self-test"]:
        sys.exit(self_test())
    print("usage: webdriver.py --self-test", file=sys.stderr)
    sys.exit(2)

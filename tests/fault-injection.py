"""fault-injection.py - the python half of tests/fault-injection.sh
(standard library only).

  messages DIR                 write clean.eml and worthy.eml (LF ends)
  send PORT DIR N SESSIONS EVERY HOOK PIDFILE OUT
                               send N messages over SESSIONS concurrent
                               SMTP sessions, one connection a message;
                               every EVERY-th is "worthy" (an executable
                               attachment: quarantined), the rest clean.
                               A 4xx reply or a broken connection is
                               retried later, as an MTA would, until a
                               deadline; a 5xx is final.  At set numbers
                               of accepted messages it runs `HOOK EVENT`
                               in a thread of its own (the faults) and
                               samples the milter's RSS (pid in PIDFILE).
                               Writes the outcome of every message to OUT.
  account OUT MAILDIR POSTCONF QLIST FAULTS
                               every message's fate: delivered (the
                               Maildir), held or still queued (postqueue
                               -j and postcat), quarantined (QLIST: the
                               output of `emguard quarantine list --json`),
                               or still with the sender; prints the
                               ledger and one "FAIL: ..." line per broken
                               promise; exit 1 when there is one.

Every message carries Message-ID <fi-SEQ@fault.test>, SEQ from 1 to N.
"""
import base64, collections, json, os, random, socket, subprocess, sys
import threading, time

MID = b"<fi-000000000@fault.test>"


def messages(outdir):
    head = ("From: =?UTF-8?B?5qCq5byP5Lya56S+44OI44Os44O844OJ?= "
            "<keiri@trading-co.invalid>\n"
            "To: user@test.local\nDate: Tue, 16 Jan 2024 10:00:00 +0900\n"
            "Message-ID: %s\nMIME-Version: 1.0\n" % MID.decode())
    text = ("山田様\n\nいつもお世話になっております。\n"
            "先日の見積書の件でご連絡いたします。\n"
            "ご確認のほどよろしくお願いいたします。\n\n経理部 佐藤\n") * 3
    clean = (head + "Subject: =?UTF-8?B?6KaL56mN5pu444Gu5Lu2?=\n"
             "Content-Type: text/plain; charset=UTF-8\n"
             "Content-Transfer-Encoding: 8bit\n\n" + text)
    # an inert PE-like header: scored ATTACH_EXECUTABLE, never runnable
    mz = (b"MZ\x90\x00" + b"\x00" * 60 +
          b"This program cannot be run in DOS mode.\r\n" + b"\x00" * 200)
    b = "=_fault_injection"
    worthy = (head + "Subject: invoice tool\n"
              'Content-Type: multipart/mixed; boundary="%s"\n\n'
              "--%s\nContent-Type: text/plain; charset=UTF-8\n\n"
              "Run the attached tool.\n"
              '--%s\nContent-Type: application/octet-stream; name="tool.exe"\n'
              'Content-Disposition: attachment; filename="tool.exe"\n'
              "Content-Transfer-Encoding: base64\n\n%s--%s--\n"
              % (b, b, b, base64.encodebytes(mz).decode(), b))
    for name, t in (("clean", clean), ("worthy", worthy)):
        with open(os.path.join(outdir, name + ".eml"), "w",
                  encoding="utf-8") as fp:
            fp.write(t)


def wire(path):
    """The file as SMTP DATA: CRLF line ends, dot-stuffed, with the end."""
    data = open(path, "rb").read().replace(b"\r\n", b"\n")
    lines = [(b"." + l if l.startswith(b".") else l)
             for l in data.split(b"\n")]
    if lines and lines[-1] == b"":
        lines.pop()
    return b"\r\n".join(lines) + b"\r\n.\r\n"


def reply(f):
    """One (multi-line) SMTP reply's code."""
    while True:
        line = f.readline()
        if not line:
            raise OSError("connection closed")
        if line[3:4] != b"-":
            return int(line[:3])


def rss_kb(pidfile):
    """{pid, VmRSS, RssAnon, RssFile (kB)} of the process in PIDFILE."""
    out = {"pid": 0, "rss_kb": 0, "anon_kb": 0, "file_kb": 0}
    try:
        out["pid"] = int(open(pidfile).read().split()[0])
        for line in open("/proc/%d/status" % out["pid"]):
            key = {"VmRSS:": "rss_kb", "RssAnon:": "anon_kb",
                   "RssFile:": "file_kb"}.get(line.split()[0])
            if key:
                out[key] = int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return out


# accepted-message counts at which a fault happens, and its hook event;
# EMG_FAULT_PLAN="N:EVENT,..." replaces them (empty: no faults), to see
# how the milter behaves without them
FAULTS = ((600, "kill-milter"), (1200, "kill-milter"),
          (5000, "kill-pg"), (6500, "start-pg"))
if "EMG_FAULT_PLAN" in os.environ:
    FAULTS = tuple((int(n), ev) for n, ev in
                   (f.split(":") for f in
                    os.environ["EMG_FAULT_PLAN"].split(",") if f))
RSS_AT = (2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 10000)


def send(port, msgdir, count, sessions, every, hook, pidfile, out):
    count, sessions, every = int(count), int(sessions), int(every)
    bodies = {k: wire(os.path.join(msgdir, k + ".eml"))
              for k in ("clean", "worthy")}
    lock = threading.Lock()
    todo = collections.deque(range(1, count + 1))
    retry = []                       # (not before, seq)
    fate = {}                        # seq -> "250", "5xx ..." (final)
    tries = collections.Counter()    # seq -> attempts
    temp = collections.Counter()     # 4xx / broken connection, by kind
    accepted_at = {}                 # seq -> (accepted count, time)
    rss, events, hooks = [], [], []
    state = {"accepted": 0, "faults": 0, "rss": 0}
    deadline = time.time() + 900     # the sender gives up after this
    t_start = time.time()

    def run_hook(event, at):
        t0 = time.time()
        r = subprocess.run([hook, event], capture_output=True, text=True)
        with lock:
            done = state["accepted"]
        events.append({"event": event, "at_accepted": at, "done_at": done,
                       "seconds": round(time.time() - t0, 2),
                       "rc": r.returncode,
                       "output": (r.stdout + r.stderr)[-400:]})

    def after_accept():
        """Under LOCK: one more message accepted; faults and RSS."""
        state["accepted"] += 1
        n = state["accepted"]
        while state["faults"] < len(FAULTS) and n >= FAULTS[state["faults"]][0]:
            ev = FAULTS[state["faults"]][1]
            state["faults"] += 1
            th = threading.Thread(target=run_hook, args=(ev, n))
            th.start()
            hooks.append(th)
        while state["rss"] < len(RSS_AT) and n >= RSS_AT[state["rss"]]:
            sample = rss_kb(pidfile)
            sample["at"] = n
            rss.append(sample)
            state["rss"] += 1
        return n

    def next_seq():
        """Under LOCK: a due retry, else a fresh message, else wait."""
        now = time.time()
        for i, (due, seq) in enumerate(retry):
            if due <= now:
                retry.pop(i)
                return seq, 0
        if todo:
            return todo.popleft(), 0
        if retry:
            return None, 0.05
        return None, None

    def one(seq):
        body = bodies["worthy" if seq % every == 0 else "clean"]
        at = body.index(MID)
        data = body[:at] + b"<fi-%09d@fault.test>" % seq + body[at + len(MID):]
        s = socket.create_connection(("127.0.0.1", int(port)), 60)
        try:
            f = s.makefile("rb")
            code = reply(f)
            for cmd in (b"EHLO client.fault.test\r\n",
                        b"MAIL FROM:<keiri@trading-co.invalid>\r\n",
                        b"RCPT TO:<user@test.local>\r\n", b"DATA\r\n"):
                if code >= 400:
                    return code
                s.sendall(cmd)
                code = reply(f)
            if code != 354:
                return code
            s.sendall(data)
            code = reply(f)
            try:
                s.sendall(b"QUIT\r\n")
            except OSError:
                pass
            return code
        finally:
            s.close()

    rate = float(os.environ.get("EMG_FAULT_RATE", "0"))  # msg/s cap; 0: none
    started = [0]

    def worker():
        while True:
            if rate > 0:
                with lock:
                    started[0] += 1
                    due = t_start + started[0] / rate
                if due > time.time():
                    time.sleep(due - time.time())
            with lock:
                seq, wait = next_seq()
                if seq is None and wait is None:
                    return
                if seq is None and time.time() > deadline:
                    return
            if seq is None:
                time.sleep(wait)
                continue
            try:
                code = one(seq)
            except OSError as e:
                code = "conn: " + (str(e) or type(e).__name__)[:60]
            with lock:
                tries[seq] += 1
                if code == 250:
                    fate[seq] = "250"
                    accepted_at[seq] = after_accept()
                elif isinstance(code, int) and code >= 500:
                    fate[seq] = str(code)
                elif time.time() < deadline:
                    temp[str(code)[:3] if isinstance(code, int) else
                         "conn"] += 1
                    retry.append((time.time() + random.uniform(0.2, 1.0),
                                  seq))

    threads = [threading.Thread(target=worker) for _ in range(sessions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for t in hooks:
        t.join()
    pending = sorted(seq for _, seq in retry) + list(todo)
    json.dump({"count": count, "every": every, "sessions": sessions,
               "seconds": round(time.time() - t_start, 1),
               "fate": {str(k): v for k, v in fate.items()},
               "accepted_at": {str(k): v for k, v in accepted_at.items()},
               "pending": pending, "temporary": dict(temp),
               "retried": sum(1 for v in tries.values() if v > 1),
               "rss": rss, "events": events}, open(out, "w"))


# Accepted messages after PostgreSQL is ready again by which the history
# writer must be learning again: its retry gap is at most 10 s, 700
# messages at 70 msg/s.
HISTORY_LEARNT_AFTER = 1000


def mid_seq(text):
    """SEQ of the first "Message-ID: <fi-SEQ@fault.test>" in TEXT, or 0."""
    at = text.find("<fi-")
    if at < 0:
        return 0
    try:
        return int(text[at + 4:text.index("@", at)])
    except ValueError:
        return 0


def header_mid(path):
    with open(path, "rb") as fp:
        for line in fp:
            if line in (b"\n", b"\r\n"):
                break
            if line.lower().startswith(b"message-id:"):
                return mid_seq(line.decode("ascii", "replace"))
    return 0


def account(out, maildir, postconf, qlist, faults, history=None):
    sent = json.load(open(out))
    count, every = sent["count"], sent["every"]
    worthy = lambda s: s % every == 0
    fails = []
    where = collections.defaultdict(list)   # seq -> places it is in

    for sub in ("new", "cur"):
        d = os.path.join(maildir, sub)
        for name in os.listdir(d) if os.path.isdir(d) else ():
            where[header_mid(os.path.join(d, name))].append("delivered")
    q = subprocess.run(["postqueue", "-c", postconf, "-j"],
                       capture_output=True, text=True).stdout
    for line in q.splitlines():
        if not line.strip():
            continue
        e = json.loads(line)
        cat = subprocess.run(["postcat", "-c", postconf, "-hq",
                              e["queue_id"]], capture_output=True,
                             text=True, errors="replace").stdout
        place = "held" if e.get("queue_name") == "hold" else "queued"
        where[mid_seq(cat)].append(place)
    entries = [json.loads(l) for l in open(qlist) if l.strip()]
    for e in entries:
        where[mid_seq("<" + (e.get("message_id") or "") + ">")].append(
            "quarantined")
        if e.get("status") != "held":
            fails.append("quarantine entry %s is %s" % (e.get("id"),
                                                         e.get("status")))
    for s in sent["pending"]:
        where[s].append("sender")
    for s, code in sent["fate"].items():
        if code != "250":
            where[int(s)].append("rejected " + code)

    ledger = collections.Counter()
    for s in range(1, count + 1):
        places = where.get(s, [])
        ledger[places[0] if len(places) == 1 else
               "lost" if not places else "duplicated"] += 1
        if not places:
            fails.append("message %d is nowhere (lost)" % s)
        elif len(places) > 1:
            fails.append("message %d is in %s" % (s, " and ".join(places)))
        elif places[0] == "delivered" and worthy(s):
            fails.append("message %d (an executable) was delivered" % s)
        elif places[0] in ("held", "quarantined") and not worthy(s):
            fails.append("clean message %d was %s" % (s, places[0]))
        elif places[0].startswith("rejected"):
            fails.append("message %d was %s" % (s, places[0]))
    strays = [k for k in where if not 1 <= k <= count]
    if strays:
        fails.append("%d message(s) that were never sent (ids %s)"
                     % (len(strays), strays[:5]))

    # The PostgreSQL outage: worthy mail the milter took while the server
    # was down went to the hold queue (QuarantineFallback hold); worthy
    # mail accepted well after it returned was stored again.
    ev = {e["event"]: e for e in sent["events"]}
    down = ev.get("kill-pg", {}).get("at_accepted")
    up = ev.get("start-pg", {}).get("done_at")   # pg_ctl -w: ready
    held = [s for s in range(1, count + 1) if where.get(s) == ["held"]]
    acc = {int(k): v for k, v in sent["accepted_at"].items()}
    stored_after = [s for s in range(1, count + 1)
                    if worthy(s) and acc.get(s, 0) > (up or count) + 300]
    if down is None or up is None:
        fails.append("the PostgreSQL faults did not run: %s" % sent["events"])
    else:
        during = [s for s in held if down <= acc.get(s, 0) <= up + 300]
        if not during:
            fails.append("no message went to the hold queue while "
                         "PostgreSQL was down")
        late = [s for s in stored_after if where.get(s) != ["quarantined"]]
        if not stored_after or late:
            fails.append("after PostgreSQL returned, %d of %d worthy "
                         "messages were not stored (e.g. %s)"
                         % (len(late), len(stored_after), late[:5]))
        # The thread history (HISTORY_LEARNT_AFTER): clean mail delivered
        # before the outage and from a moment after it was learnt; the
        # writer retries a failed store within 10 s.  The last messages
        # may still be in the writer's queue when the list is read.
        if history is not None:
            learnt = set(mid_seq("<" + l.strip() + ">")
                         for l in open(history) if l.strip())
            due = [s for s in range(1, count + 1)
                   if where.get(s) == ["delivered"] and
                   (2000 <= acc.get(s, 0) <= down - 300 or
                    up + HISTORY_LEARNT_AFTER <= acc.get(s, 0) <= count - 300)]
            missing = [s for s in due if s not in learnt]
            after = [s for s in due if acc.get(s, 0) > up]
            print("history: %d messages learnt; %d of %d clean messages "
                  "due (%d after the outage) are missing"
                  % (len(learnt), len(missing), len(due), len(after)))
            if not due or not after or missing:
                fails.append("the history did not learn %d of %d delivered "
                             "messages (e.g. %s, accepted at %s)"
                             % (len(missing), len(due), missing[:5],
                                [acc.get(s) for s in missing[:5]]))
    for e in sent["events"]:
        if e["rc"] != 0:
            fails.append("fault %s failed: %s" % (e["event"], e["output"]))

    # RSS: one process from message 2,000 to the end, < 10% growth
    rss = sent["rss"]
    first = next((r for r in rss if r["at"] >= 2000), None)
    last = rss[-1] if rss else None
    growth = None
    if not first or not last or last["at"] < count or not first["rss_kb"]:
        fails.append("no RSS samples at 2,000 and %d: %s" % (count, rss))
    elif first["pid"] != last["pid"]:
        fails.append("the milter was restarted after message 2,000")
    else:
        growth = (last["rss_kb"] - first["rss_kb"]) / first["rss_kb"]
        if growth >= 0.10:
            fails.append("milter RSS grew %.1f%% from message 2,000 to %d"
                         " (%d -> %d kB)" % (100 * growth, count,
                                             first["rss_kb"], last["rss_kb"]))

    print("sent %d messages (every %dth an executable) over %d sessions in"
          " %.1f s; %d retried after a 4xx or a broken connection %s"
          % (count, every, sent["sessions"], sent["seconds"],
             sent["retried"], json.dumps(sent["temporary"])))
    for e in sent["events"]:
        print("  fault %-12s at accepted message %5d, done at %5d (%.1f s)"
              % (e["event"], e["at_accepted"], e["done_at"], e["seconds"]))
    print("ledger: " + ", ".join("%s %d" % kv for kv in sorted(ledger.items()))
          + " = %d" % sum(ledger.values()))
    print("milter RSS (kB) by accepted message: " +
          " ".join("%d:%d" % (r["at"], r["rss_kb"]) for r in rss) +
          ("" if growth is None else "; growth %.1f%%" % (100 * growth)))
    with open(faults, "w") as fp:
        for f in fails:
            fp.write("FAIL: %s\n" % f)
    return 1 if fails else 0


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    rc = {"messages": messages, "send": send, "account": account}[cmd](*args)
    sys.exit(rc or 0)

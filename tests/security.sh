#!/bin/sh
# security.sh - the security review of issue 8, as checks of what the
# other script tests do not prove yet:
#   the milter runs unprivileged: started as root with UserID nobody, every
#     thread's real, effective, saved and file-system uid and gid are
#     nobody's, the supplementary groups are nobody's only, no capability is
#     left; started as root without UserID, with an unknown one, or with
#     one in group root (an account added for the test and removed), it
#     refuses and opens no socket; a PID file name that is a hard link or a
#     symbolic link (to a file root owns) is refused and the file is left
#     as it was; a relative -P lands in the starting directory after
#     daemonizing (-u root is milter.sh's); the socket is bound under a
#     umask that shuts out group and others, whatever the caller's;
#   files 0600, directories 0700 under umask 000: what the milter makes in
#     QuarantineMode store (the DataStore, its -wal and -shm, QuarantineDir
#     and its entries, the PID file; the socket 0660 for UserID and its
#     group as documented) and what `emguard quarantine import` and
#     `emguard user add` make in a new DataStore;
#   no attachment outside the quarantine: the attachment fixtures of
#     tests/gen-attach-fixtures.py (ZIP, AES ZIP, 7z, tar.gz, ISO with LNK,
#     OneNote, OLE and OOXML documents with macros, RTF, PDF) go through the
#     milter (MilterBufferSize 4k, so they spill) and through `emguard scan`
#     and `emguard quarantine import` with TMPDIR an empty directory, which
#     stays empty; under strace, every file opened for writing, made,
#     renamed or linked is in the DataStore's directory (the quarantine) or
#     is the PID file, and a spill file never has a name (O_TMPFILE, or
#     mkostemp and unlink where the file system lacks it);
#   no shell sees message data: the milter and the CLI's scan and import
#     execute nothing; `emguard quarantine release` of an entry whose
#     envelope holds $(...), backquotes, ';', '|', '&' and quotes executes
#     exactly one program, ReleaseMethod's, with the argument vector intact
#     and an environment of PATH only, and nothing the message says runs;
#   what root makes (sudo emguard user add, quarantine import) in a
#     directory of the daemons' user is that user's: DataStore, its -wal
#     and -shm, QuarantineDir and the entries, so emguard-web can read them;
#   the web page beyond web.sh: emguard-web runs as nobody and refuses
#     UserID root, none or one in group root when started as root; OPTIONS, TRACE,
#     DELETE, PATCH and unknown methods get 405 with the security headers,
#     HEAD no body; no file is served from disk (/style.css?../.., dot
#     segments, //etc/passwd); a forged Host never makes a Location; no
#     open redirect through next=; the session id is never the one the
#     client offered and changes at every login, and the previous one then
#     ends; a CSRF token works only with its own session; GET changes
#     nothing; every query parameter, the language cookie and the name of a
#     failed login come back escaped; one address holds at most 32
#     connections; libmicrohttpd's own error answers
#     (431, 505) carry no request data.
# The parts that need root (privileges, the web's uid) or strace (the
# system call checks) say "skip ..." and are left out without them.
# Needs: $top_builddir and $top_srcdir (exported by make check), python3;
# miltertest for the milter part, curl for the web part.
# Exit: 0 pass, 1 fail, 77 skip.

: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
. "$top_srcdir/tests/test-lib.sh"
tl_begin security.sh
tl_need_tool python3
tl_need_built MILTER milter/emguard-milter
tl_need_built EMGUARD cli/emguard
tl_need_built WEB web/emguard-web
LUA=$top_srcdir/tests/milter
unset MAIL_CONFIG

tl_tmpdir
TMP=$(pwd -P)
# the daemons this script started: stopped on every exit
PIDS=
cleanup() {
	for p in $PIDS; do
		kill "$p" 2>/dev/null
	done
	for p in $PIDS; do
		wait "$p" 2>/dev/null
	done
	[ -n "$G0USER" ] && userdel "$G0USER" 2>/dev/null
	tl_cleanup
}
# a system account in group root, made for the refusal and removed on exit
G0USER=
trap cleanup EXIT
# As root the milter and the web run as nobody, who must reach their files.
chmod 755 "$TMP"

# CONDITION; verdict NAME: ok when the condition just tested held
verdict() {
	if [ $? -eq 0 ]; then ok "$1"; else nok "$1"; fi
}
# until_ok TRIES COMMAND...: COMMAND every 0.1 s until it holds, at most
# TRIES times
until_ok() {
	tries=$1
	shift
	until "$@"; do
		tries=$((tries - 1))
		[ "$tries" -gt 0 ] || return 1
		sleep 0.1
	done
}
gone() { ! kill -0 "$1" 2>/dev/null; }

ROOT=
[ "$(id -u)" -eq 0 ] && ROOT=1
STRACE=
if command -v strace >/dev/null 2>&1 &&
	strace -f -qq -o /dev/null true >/dev/null 2>&1; then
	STRACE=strace
else
	echo "skip the system call checks: strace is missing or cannot" \
		"trace here (apt-get install strace)"
fi
# What the traces record: every way to make, write, rename or link a file,
# and every program started.
TRACE="execve,execveat,open,openat,openat2,creat,mkdir,mkdirat,rename"
TRACE="$TRACE,renameat,renameat2,link,linkat,symlink,symlinkat,mknod"
TRACE="$TRACE,mknodat,unlink,unlinkat,umask,bind"
# LeakSanitizer cannot run under ptrace: in a sanitizer build a traced
# program would end with a fatal LSan error instead of its own status
TRACED_ASAN="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
# traced LOG COMMAND...: COMMAND under strace (when there is one)
traced() {
	log=$1
	shift
	if [ -n "$STRACE" ]; then
		ASAN_OPTIONS=$TRACED_ASAN strace -f -y -qq -v -s 4096 \
			-e trace="$TRACE" -o "$log" "$@"
	else
		"$@"
	fi
}

# ---- the strace reader ------------------------------------------------------
cat >"$TMP/strace-check.py" <<'PY'
"""strace-check.py LOG TOOL [--allow PATH]... [--tmpfile DIR]
                  [--exec-ok PATH]... [--execs OUT]

Reads an `strace -f -y -v` log of TOOL (emguard-milter, emguard).  What
the libtool wrapper script did before the real program started is left
out: everything before the first execve of an ELF file named TOOL.  After
it, every successful open for writing (O_WRONLY, O_RDWR, O_CREAT, O_TRUNC,
O_APPEND, O_TMPFILE), creat, mkdir and mknod, and the new name of every
rename, link and symlink, must be an --allow PATH or under one, /dev/null
or /dev/tty.  In the --tmpfile directory an O_TMPFILE open is allowed, and
so is an O_EXCL file that is unlinked later (mkostemp's fallback).  Every
execve must be of an --exec-ok path; with --execs they are written to OUT
as JSON lines [path, argv, env].  What an --exec-ok program does itself
once started is its own business and not checked.  Prints one line per violation and a
summary; exit 1 on a violation.
"""
import json, os, re, sys

log, tool = sys.argv[1], sys.argv[2]
allow, exec_ok, tmpfile, execs_out = [], [], None, None
opts = sys.argv[3:]
for opt, val in zip(opts[::2], opts[1::2]):
    if opt == "--allow":
        allow.append(os.path.normpath(val))
    elif opt == "--exec-ok":
        exec_ok.append(val)
    elif opt == "--tmpfile":
        tmpfile = os.path.normpath(val)
    elif opt == "--execs":
        execs_out = val

ESC = {"n": 10, "t": 9, "r": 13, "v": 11, "f": 12, "a": 7, "b": 8}


def cstr(raw):
    """The value of a C string as strace prints it (without quotes)."""
    out, k = bytearray(), 0
    while k < len(raw):
        if raw[k] != "\\":
            out += raw[k].encode("latin-1")
            k += 1
            continue
        nxt = raw[k + 1]
        octal = re.match(r"[0-7]{1,3}", raw[k + 1:])
        if octal:
            out.append(int(octal.group(0), 8) & 0xFF)
            k += 1 + len(octal.group(0))
        elif nxt == "x":
            out.append(int(raw[k + 2:k + 4], 16))
            k += 4
        else:
            out.append(ESC.get(nxt, ord(nxt)))
            k += 2
    return out.decode("utf-8", "replace")


TOKEN = re.compile(r'"((?:[^"\\]|\\.)*)"|(\[)|(\])')


def parse(argtext):
    """The top-level strings of ARGTEXT and its [...] lists of strings."""
    top, lists, depth = [], [], 0
    for m in TOKEN.finditer(argtext):
        if m.group(2):
            depth += 1
            if depth == 1:
                lists.append([])
        elif m.group(3):
            depth -= 1
        elif depth == 0:
            top.append(cstr(m.group(1)))
        elif depth == 1:
            lists[-1].append(cstr(m.group(1)))
    return top, lists


def fds(argtext):
    """The directories of the fd arguments (fd<path>), in order."""
    return re.findall(r"(?:-?\d+|AT_FDCWD)<([^>]*)>", argtext)


def under(path, dirs):
    path = os.path.normpath(path)
    return any(path == d or path.startswith(d + "/") for d in dirs)


# join "<unfinished ...>" with its "<... resumed>" line, per pid
lines, pending = [], {}
for line in open(log, encoding="latin-1"):
    m = re.match(r"(\d+) +(.*)$", line.rstrip("\n"))
    if not m:
        continue
    pid, rest = m.group(1), m.group(2)
    if rest.endswith("<unfinished ...>"):
        pending[pid] = rest[: -len("<unfinished ...>")]
        continue
    r = re.match(r"<\.\.\. \w+ resumed>(.*)$", rest)
    if r:
        rest = pending.pop(pid, "") + r.group(1)
    lines.append((pid, rest))

WRITE = {"O_WRONLY", "O_RDWR", "O_CREAT", "O_TRUNC", "O_APPEND", "O_TMPFILE"}
started = False
bad, execs, excl, unlinked, others = [], [], [], set(), set()
writes = tmpfiles = 0
for pid, rest in lines:
    if pid in others:
        continue
    m = re.match(r"(\w+)\((.*)\) += (-?\d+)(.*)$", rest)
    if not m:
        continue
    call, argtext, ret, after = m.group(1), m.group(2), int(m.group(3)), \
        m.group(4)
    if call in ("execve", "execveat"):
        top, lists = parse(argtext)
        path = top[0] if top else "?"
        argv = lists[0] if lists else []
        env = lists[1] if len(lists) > 1 else []
        if not started:
            try:
                elf = open(path, "rb").read(4) == b"\x7fELF"
            except OSError:
                elf = False
            started = elf and os.path.basename(path) in (tool, "lt-" + tool)
            continue
        execs.append([path, argv, env])
        if path not in exec_ok:
            bad.append("executed %s %s" % (path, json.dumps(argv)))
        elif ret == 0:
            others.add(pid)
        continue
    if not started or ret < 0:
        continue
    top, _ = parse(argtext)
    dirs = fds(argtext)
    if call in ("open", "openat", "openat2", "creat"):
        flags = set(re.findall(r"O_[A-Z]+", argtext))
        if call != "creat" and not flags & WRITE:
            continue
        writes += 1
        res = re.match(r"<([^>]*)>", after)
        path = res.group(1) if res else "?"
        if tmpfile and os.path.dirname(path) == tmpfile:
            if "O_TMPFILE" in flags:
                tmpfiles += 1
                continue
            if "O_EXCL" in flags:
                excl.append(os.path.normpath(path))
                continue
        if not under(path, allow + ["/dev/null", "/dev/tty"]):
            bad.append("%s %s (%s)" % (call, path, "|".join(sorted(flags))))
        continue
    # the (last) name the call makes, and the directory it is relative to
    if call in ("unlink", "unlinkat", "mkdir", "mkdirat", "mknod",
                "mknodat"):
        name = top[0] if top else "?"
    elif call in ("rename", "renameat", "renameat2", "link", "linkat",
                  "symlink", "symlinkat"):
        name = top[-1] if top else "?"
    else:
        continue
    base = dirs[-1] if dirs else "?"
    path = os.path.normpath(os.path.join(base, name))
    if call.startswith("unlink"):
        unlinked.add(path)
        continue
    writes += 1
    if not under(path, allow):
        bad.append("%s %s" % (call, path))

for path in excl:
    if path in unlinked:
        tmpfiles += 1
    else:
        bad.append("temporary file %s never unlinked" % path)
if not started:
    bad.append("%s never started in the trace" % tool)
for b in bad:
    print("    " + b)
print("    %s: %d writes and makes, %d unnamed temporary files, %d programs "
      "started" % (tool, writes, tmpfiles, len(execs)))
if execs_out:
    with open(execs_out, "w") as f:
        for e in execs:
            f.write(json.dumps(e) + "\n")
sys.exit(1 if bad else 0)
PY
# trace_ok LOG TOOL [OPTIONS]: the strace reader; its report goes to
# $TMP/check.out (shown on failure)
trace_ok() {
	python3 "$TMP/strace-check.py" "$@" >"$TMP/check.out" 2>&1
	rc=$?
	[ $rc -eq 0 ] || cat "$TMP/check.out"
	return $rc
}
# modes DIR: every file under DIR 0600, every directory 0700
modes() {
	bad=$(find "$1" \( -type d ! -perm 700 \) -o \( ! -type d ! -perm 600 \))
	[ -z "$bad" ] || { ls -ld $bad | sed 's/^/    /'; return 1; }
}
# empty DIR: DIR holds nothing
empty() { [ -z "$(ls -A "$1")" ] || { ls -lA "$1" | sed 's/^/    /'; false; }; }

# ---- the attachment fixtures -------------------------------------------------
FX=$TMP/fx
mkdir "$FX"
python3 "$top_srcdir/tests/gen-attach-fixtures.py" "$FX" >/dev/null 2>&1 || {
	echo "security.sh: gen-attach-fixtures.py failed"
	exit 1
}
MSGS=$(ls "$FX"/*.eml)
n_msgs=$(echo "$MSGS" | wc -l)
# without zip, 7z or genisoimage a few are not made (gen-attach-fixtures.py)
ISO=$(ls "$FX"/*.iso 2>/dev/null)
# shellcheck disable=SC2086
INPUTS=$(echo $MSGS $ISO)
n_inputs=$(echo "$INPUTS" | wc -w)
[ "$n_msgs" -ge 20 ] && [ -f "$FX/onenote-hta.eml" ] &&
	[ -f "$FX/macro-docm-autoopen.eml" ] && [ -f "$FX/inflated-doc.eml" ]
verdict "fixtures: $n_msgs attachment messages${ISO:+ and an ISO file} (archives, OneNote, OLE, OOXML, RTF, PDF)"

# ---- the milter: privileges and refusals (root) ----------------------------
# conf FILE LINE...: a configuration of the test organisation plus LINEs
conf() {
	file=$1
	shift
	{
		printf 'InternalDomains example-corp.test\n'
		printf 'InternalNetworks 127.0.0.0/8\n'
		for line in "$@"; do printf '%s\n' "$line"; done
	} >"$file"
}
RUN=$TMP/run
mkdir "$RUN" "$TMP/tmpdir" "$TMP/spool"
chmod 1777 "$TMP/spool" "$TMP/tmpdir"
# in_front ARGS...: the milter in the foreground, stderr in $TMP/err; one
# that should refuse and runs instead is stopped after 10 s
in_front() { timeout 10 "$MILTER" -f "$@" 2>"$TMP/err"; }
# refused NAME USERID WHY: started as root with UserID USERID, the milter
# exits 1 saying WHY and leaves no socket
refused() {
	conf "$TMP/$1.conf" "UserID $2"
	in_front -c "$TMP/$1.conf" -p "unix:$RUN/$1.sock"
	[ $? -eq 1 ] && grep -q "$3" "$TMP/err" && [ ! -e "$RUN/$1.sock" ]
}
if [ -n "$ROOT" ]; then
	refused nouser '""' 'started as root without UserID'
	verdict "root without UserID: refuses, says why, opens no socket"
	refused unknown emguard-no-such-user 'UserID emguard-no-such-user is no user'
	verdict "root with an unknown UserID: refuses, opens no socket"
	# an account whose supplementary groups hold root (gid 0)
	if command -v useradd >/dev/null 2>&1 &&
		useradd -r -M -N -g nogroup -G root -s /usr/sbin/nologin \
			"emg-g0-$$" 2>/dev/null; then
		G0USER=emg-g0-$$
		refused group0 "$G0USER" 'in group root'
		verdict "root with a UserID in group root: refuses, opens no socket"
	else
		echo "skip the UserID in group root (cannot add an account)"
	fi

	# a PID file name that leads to a file of root's
	conf "$TMP/plain.conf" 'UserID nobody'
	: >"$TMP/victim"
	ln "$TMP/victim" "$RUN/hard.pid"
	ln -s "$TMP/victim" "$RUN/soft.pid"
	for kind in hard soft; do
		echo precious >"$TMP/victim"
		in_front -c "$TMP/plain.conf" -p "unix:$RUN/$kind.sock" \
			-P "$RUN/$kind.pid"
		[ $? -eq 1 ] && [ "$(cat "$TMP/victim")" = precious ] &&
			grep -q "PID file $RUN/$kind.pid" "$TMP/err"
		verdict "PID file as a $kind link to root's file: refused, file intact"
	done

	# daemonized (no -f): a relative -P is the starting directory's (the
	# bug wrote it in /, after the daemon's chdir: stopped and removed)
	REL_PID=security-$$.pid
	(cd "$RUN" && "$MILTER" -c "$TMP/plain.conf" -p "unix:$RUN/d.sock" \
		-P "$REL_PID" 2>"$TMP/err")
	[ $? -eq 0 ] && [ -s "$RUN/$REL_PID" ]
	verdict "daemonized: a relative -P is written in the starting directory"
	if [ -s "/$REL_PID" ]; then
		kill "$(cat "/$REL_PID")"
		rm -f "/$REL_PID"
	fi
	if [ -s "$RUN/$REL_PID" ]; then
		dpid=$(cat "$RUN/$REL_PID")
		[ "$(stat -c %a "$RUN/$REL_PID")" = 600 ] &&
			[ "$(readlink "/proc/$dpid/cwd")" = / ]
		verdict "... mode 0600, and the daemon itself is in /"
		kill "$dpid"
		until_ok 300 gone "$dpid"
	fi
else
	echo "skip the refusals of root (not root)"
fi

# ---- the milter in QuarantineMode store under umask 000 --------------------
MDATA=$TMP/mdata
mkdir "$MDATA" && chmod 700 "$MDATA"
RUN_AS=
if [ -n "$ROOT" ]; then
	chown nobody "$MDATA"
	RUN_AS='UserID nobody'
fi
conf "$TMP/milter.conf" 'QuarantineMode store' \
	"DataStore sqlite:$MDATA/emguard.db" "QuarantineDir $MDATA/q" \
	"TemporaryDirectory $TMP/spool" 'MilterBufferSize 4k' \
	'LimitMessageSize 10M' ${RUN_AS:+"$RUN_AS"}
MLOG=$TMP/milter.log
(umask 000 && TMPDIR=$TMP/tmpdir && export TMPDIR &&
	if [ -n "$STRACE" ]; then
		ASAN_OPTIONS=$TRACED_ASAN && export ASAN_OPTIONS
	fi &&
	exec $STRACE ${STRACE:+-f -y -qq -v -s 4096 -e trace=$TRACE} \
		${STRACE:+-o "$TMP/milter.trace"} \
		"$MILTER" -f -c "$TMP/milter.conf" -p "unix:$RUN/milter.sock" \
		-P "$RUN/milter.pid" 2>"$MLOG") &
SPID=$!
PIDS="$PIDS $SPID"
milter_up() { [ -S "$RUN/milter.sock" ] && [ -s "$RUN/milter.pid" ]; }
until_ok 200 milter_up || {
	nok "the milter did not start"
	cat "$MLOG"
	tl_finish
}
MPID=$(cat "$RUN/milter.pid")
PIDS="$MPID $PIDS"
sleep 0.2 # the threads start after the socket

if [ -n "$ROOT" ]; then
	# every thread: real, effective, saved, file-system ids all nobody's
	nobody_uid=$(id -u nobody)
	nobody_gid=$(id -g nobody)
	want_groups=$(id -G nobody | tr ' ' '\n' | sort -n | tr '\n' ' ')
	ids_ok() { # /proc/PID/task/*/status are nobody's, no capability
		for st in /proc/"$1"/task/*/status; do
			awk -v u="$nobody_uid" -v g="$nobody_gid" '
				/^Uid:/ { if ($2 != u || $3 != u || $4 != u || $5 != u) bad = 1 }
				/^Gid:/ { if ($2 != g || $3 != g || $4 != g || $5 != g) bad = 1 }
				/^Cap(Inh|Prm|Eff|Amb):/ { if ($2 !~ /^0+$/) bad = 1 }
				END { exit bad }' "$st" || { sed 's/^/    /' "$st" |
				grep -E 'Uid|Gid|Cap'; return 1; }
			got=$(sed -n 's/^Groups:\s*//p' "$st" | tr ' ' '\n' |
				grep . | sort -n | tr '\n' ' ')
			[ "$got" = "$want_groups" ] || {
				echo "    Groups: $got (want $want_groups)"
				return 1
			}
		done
	}
	n_tasks=$(ls /proc/"$MPID"/task | wc -l)
	ids_ok "$MPID"
	verdict "milter: uid, gid (real, effective, saved, fs), groups of $n_tasks threads are nobody's; no capabilities"
	[ "$(stat -c '%a %U %G' "$RUN/milter.sock")" = \
		"660 nobody $(id -gn nobody)" ]
	verdict "milter socket: 0660, nobody and nobody's group, under umask 000"
else
	[ "$(stat -c %a "$RUN/milter.sock")" = 660 ]
	verdict "milter socket: 0660 under umask 000"
	echo "skip the milter's uid and groups (not root)"
fi
[ "$(stat -c %a "$RUN/milter.pid")" = 600 ]
verdict "milter PID file: 0600 under umask 000"

cat >"$TMP/send.lua" <<'EOF'
-- send.lua - each message of MSGS (absolute paths, blank-separated) on a
-- connection of its own; any reply will do, none must be missing.
local t = dofile(fixtures .. "/lib.lua")
t.run(function()
	for path in string.gmatch(msgs, "%S+") do
		local conn = t.connect()
		local hdrs, body = t.read(path)
		local reply = t.send(conn, hdrs, body,
		                     {from = "<x@attacker.invalid>"})
		t.expect(reply ~= nil, "%s: no reply", path)
		mt.disconnect(conn)
	end
end)
EOF
if command -v miltertest >/dev/null 2>&1; then
	# shellcheck disable=SC2086
	miltertest -D "sock=unix:$RUN/milter.sock" -D "fixtures=$LUA" \
		-D "msgs=$(echo $MSGS)" -s "$TMP/send.lua" >"$TMP/mt.out" 2>&1 ||
		{ sed 's/^/    /' "$TMP/mt.out" | head -5; false; }
	verdict "milter: all $n_msgs attachment messages answered"
	n_stored=$(grep -c 'quarantine_id=' "$MLOG")
	n_files=$(find "$MDATA/q" -name '*.eml' | wc -l)
	[ "$n_stored" -gt 0 ] && [ "$n_files" -eq "$n_stored" ]
	verdict "milter: $n_stored quarantined, each a file in QuarantineDir"
else
	echo "skip sending mail through the milter (no miltertest)"
fi
[ -e "$MDATA/emguard.db-wal" ] && [ -e "$MDATA/emguard.db-shm" ] &&
	[ -d "$MDATA/q" ] && modes "$MDATA"
verdict "milter under umask 000: DataStore, -wal, -shm, entries 0600; QuarantineDir 0700"
empty "$TMP/tmpdir" && empty "$TMP/spool"
verdict "milter: TMPDIR and TemporaryDirectory empty"

kill "$MPID"
until_ok 300 gone "$SPID"
wait "$SPID"
verdict "milter: SIGTERM stops it with status 0"
if [ -n "$STRACE" ]; then
	trace_ok "$TMP/milter.trace" emguard-milter --allow "$MDATA" \
		--allow "$RUN/milter.pid" --tmpfile "$TMP/spool"
	verdict "milter (strace): writes only in the DataStore and QuarantineDir and the PID file; starts no program"
	grep -q ' [1-9][0-9]* unnamed' "$TMP/check.out"
	verdict "milter (strace): the messages past 4k spilled to unnamed files"
	# bind makes the socket with the umask's mode and listens before the
	# chmod to 0660: the umask then must shut out group and others
	mask=$(awk -v sock="\"$RUN/milter.sock\"" '
		/ umask\(/ { m = $0 }
		/ bind\(/ && index($0, sock) { print m; exit }' \
		"$TMP/milter.trace" | sed -n 's/.* umask(\([0-7]*\)).*/\1/p')
	[ -n "$mask" ] && [ $((0$mask & 077)) -eq $((077)) ]
	verdict "milter (strace): the socket is bound under umask ${mask:-?}, not the caller's 000"
fi

# ---- the CLI: a new DataStore under umask 000 ------------------------------
CDATA=$TMP/cdata
CCONF=$TMP/cli.conf
conf "$CCONF" "DataStore sqlite:$CDATA/emguard.db" "QuarantineDir $CDATA/q"
mkdir "$CDATA" && chmod 700 "$CDATA"
mkdir "$TMP/tmpdir2"
# shellcheck disable=SC2086
(umask 000 && TMPDIR=$TMP/tmpdir2 && export TMPDIR &&
	traced "$TMP/import.trace" "$EMGUARD" quarantine import -c "$CCONF" \
		--mail-from x@attacker.invalid --rcpt staff@example-corp.test \
		$INPUTS >"$TMP/import.out" 2>&1)
[ $? -eq 0 ] &&
	[ "$(find "$CDATA/q" -name '*.eml' | wc -l)" -eq "$n_inputs" ]
verdict "emguard quarantine import: all $n_inputs inputs stored"
printf 'correct horse battery\n' | (umask 000 && "$EMGUARD" user add \
	-c "$CCONF" --password-stdin yamada >/dev/null 2>&1)
verdict "emguard user add --password-stdin"
[ -f "$CDATA/emguard.db" ] && modes "$CDATA"
verdict "CLI under umask 000: DataStore and entries 0600, QuarantineDir 0700"
empty "$TMP/tmpdir2"
verdict "emguard quarantine import: TMPDIR empty"
if [ -n "$STRACE" ]; then
	trace_ok "$TMP/import.trace" emguard --allow "$CDATA"
	verdict "emguard quarantine import (strace): writes only in the DataStore and QuarantineDir; starts no program"
fi
mkdir "$TMP/tmpdir3"
# shellcheck disable=SC2086
(TMPDIR=$TMP/tmpdir3 && export TMPDIR &&
	traced "$TMP/scan.trace" "$EMGUARD" scan -c "$CCONF" --json $INPUTS \
		>"$TMP/scan.out" 2>"$TMP/scan.err")
[ $? -le 1 ] && [ "$(grep -c '"findings"' "$TMP/scan.out")" -eq "$n_inputs" ]
verdict "emguard scan --json: a report for each of $n_inputs inputs"
empty "$TMP/tmpdir3"
verdict "emguard scan: TMPDIR empty"
if [ -n "$STRACE" ]; then
	trace_ok "$TMP/scan.trace" emguard --allow "$CDATA"
	verdict "emguard scan (strace): opens for writing only the DataStore (the thread history), starts no program"
fi

# ---- release: one program, its argument vector intact ----------------------
REL=$TMP/rel
mkdir "$REL"
PY=$(python3 -c 'import sys; print(sys.executable)')
cat >"$REL/sendmail" <<EOF
#!$PY
import sys
open(sys.argv[0] + ".args", "w").write("\\n".join(sys.argv[1:]) + "\\n")
open(sys.argv[0] + ".eml", "wb").write(sys.stdin.buffer.read())
EOF
chmod 755 "$REL/sendmail"
RCONF=$TMP/rel.conf
conf "$RCONF" "DataStore sqlite:$CDATA/emguard.db" "QuarantineDir $CDATA/q" \
	"ReleaseMethod sendmail:$REL/sendmail"
SENDER='$(touch${IFS}pwned-from)@evil.invalid'
RCPT1='a;touch${IFS}pwned-rcpt;`touch${IFS}pwned-bq`@example.test'
RCPT2="o'x|y&z\"q@example.test"
cat >"$REL/msg.eml" <<'EOF'
From: "$(touch pwned-name)" <a@evil.invalid>
To: staff@example-corp.test
Subject: $(touch pwned-subject); `touch pwned-bq2` | sh
Message-ID: <security-release-1@evil.invalid>
Date: Mon, 2 Nov 2026 10:00:00 +0900

$(touch pwned-body)
EOF
id=$("$EMGUARD" quarantine import -c "$RCONF" --mail-from "$SENDER" \
	--rcpt "$RCPT1" --rcpt "$RCPT2" "$REL/msg.eml" 2>"$TMP/err" |
	awk '{ print $1 }')
[ -n "$id" ]
verdict "an entry whose envelope and subject hold \$(...), \`...\`, ;, |, &"
(cd "$REL" && traced "$TMP/release.trace" "$EMGUARD" quarantine release \
	-c "$RCONF" "$id" >"$TMP/release.out" 2>&1)
verdict "emguard quarantine release $id"
printf '%s\n' -i -f "$SENDER" -- "$RCPT1" "$RCPT2" >"$TMP/args.want"
cmp -s "$REL/sendmail.args" "$TMP/args.want"
verdict "ReleaseMethod's program got -i -f SENDER -- RCPT... exactly"
[ -z "$(find "$TMP" "$REL" / -maxdepth 1 -name 'pwned*' 2>/dev/null)" ] &&
	[ -z "$(find "$TMP" -name 'pwned*')" ]
verdict "nothing the message or its envelope says was run"
if [ -n "$STRACE" ]; then
	trace_ok "$TMP/release.trace" emguard --allow "$CDATA" \
		--exec-ok "$REL/sendmail" --execs "$TMP/execs"
	verdict "release (strace): writes only in the DataStore; no program but ReleaseMethod's"
	python3 - "$TMP/execs" "$REL/sendmail" "$SENDER" "$RCPT1" "$RCPT2" <<'PY'
import json, sys
execs = [json.loads(l) for l in open(sys.argv[1])]
path, sender, rcpts = sys.argv[2], sys.argv[3], sys.argv[4:]
want = ["-i", "-f", sender, "--"] + rcpts
ok = (len(execs) == 1 and execs[0][0] == path and execs[0][1][1:] == want
      and execs[0][2] == ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"])
if not ok:
    print("    " + json.dumps(execs))
sys.exit(0 if ok else 1)
PY
	verdict "release (strace): one execve, argv intact, environment PATH only"
fi

# ---- the web page -----------------------------------------------------------
if ! command -v curl >/dev/null 2>&1; then
	echo "skip the web page (no curl)"
	tl_finish
fi
WDATA=$TMP/wdata
mkdir "$WDATA" && chmod 700 "$WDATA"
# as a package makes /var/lib/emguard: the daemons' user owns it, and the
# administrator runs the CLI with sudo
[ -n "$ROOT" ] && chown nobody:nogroup "$WDATA"
WCONF=$TMP/web.conf
conf "$WCONF" "DataStore sqlite:$WDATA/emguard.db" "QuarantineDir $WDATA/q" \
	'WebListen 127.0.0.1:0' 'UserID nobody' \
	"ReleaseMethod sendmail:$REL/sendmail"
PW='correct horse battery'
printf '%s\n' "$PW" |
	"$EMGUARD" user add -c "$WCONF" --password-stdin yamada >/dev/null 2>&1
for f in zip-exe-and-js onenote-hta; do
	"$EMGUARD" quarantine import -c "$WCONF" --mail-from x@attacker.invalid \
		--rcpt staff@example-corp.test "$FX/$f.eml" >>"$TMP/wimport" 2>&1
done
E1=$(sed -n '1s/ .*//p' "$TMP/wimport")
E2=$(sed -n '2s/ .*//p' "$TMP/wimport")
if [ -n "$ROOT" ]; then
	[ -s "$WDATA/emguard.db" ] && [ -n "$E2" ] &&
		[ -z "$(find "$WDATA" ! -user nobody)" ] &&
		[ -z "$(find "$WDATA" ! -group nogroup)" ]
	verdict "user add and quarantine import as root in a directory of nobody's: everything they make is nobody's"
	# web_refused USERID NAME WHY: started as root with UserID USERID
	# (configuration NAME), emguard-web exits 1 saying WHY
	web_refused() {
		sed "s/^UserID .*/UserID $1/" "$WCONF" >"$TMP/web-$2.conf"
		timeout 10 "$WEB" -f -c "$TMP/web-$2.conf" 2>"$TMP/err"
		[ $? -eq 1 ] && grep -q "$3" "$TMP/err"
	}
	web_refused root root 'refusing to run as root'
	verdict "emguard-web with UserID root: refuses"
	web_refused '""' none 'started as root without UserID'
	verdict "emguard-web as root without UserID: refuses"
	if [ -n "$G0USER" ]; then
		web_refused "$G0USER" group0 'in group root'
		verdict "emguard-web with a UserID in group root: refuses"
	fi
fi
WLOG=$TMP/web.log
"$WEB" -f -c "$WCONF" 2>"$WLOG" &
WPID=$!
PIDS="$WPID $PIDS"
web_up() { grep -q 'listening on' "$WLOG" || gone "$WPID"; }
until_ok 100 web_up
URL=$(sed -n 's/.*listening on \(http:\/\/[^ ]*\).*/\1/p' "$WLOG")
[ -n "$URL" ] && [ -n "$E1" ] && [ -n "$E2" ]
verdict "emguard-web started with two entries and a user"
[ -n "$URL" ] || { cat "$WLOG" "$TMP/wimport"; exit 1; }
if [ -n "$ROOT" ]; then
	ids_ok "$WPID"
	verdict "emguard-web: uid, gid, groups of every thread are nobody's; no capabilities"
fi

H=$TMP/h
B=$TMP/b
CSP="default-src 'none'; style-src 'self'; img-src 'self'; form-action"
CSP="$CSP 'self'; frame-ancestors 'none'; base-uri 'none'"
# req [CURL ARGS...] URL: one request; STATUS, headers in $H, body in $B
req() {
	STATUS=$(curl -s --max-time 30 -D "$H" -o "$B" -w '%{http_code}' "$@")
	tr -d '\r' <"$H" >"$H.lf" && mv "$H.lf" "$H"
}
# guarded: the five security headers are in $H
guarded() {
	[ "$(grep -c -i -e "^Content-Security-Policy: $CSP\$" \
		-e '^X-Frame-Options: DENY$' -e '^X-Content-Type-Options: nosniff$' \
		-e '^Referrer-Policy: no-referrer$' -e '^Cache-Control: no-store$' \
		"$H")" -eq 5 ]
}
header() { grep -qi -- "$1" "$H"; }
# sid_set: the session id this response sets, or nothing
sid_set() { sed -n 's/^Set-Cookie: emguard_session=\([0-9a-f]\{1,\}\);.*/\1/p' "$H"; }
# login_form: GET /login; the form's cookie nonce in $LNONCE, its token in
# $LTOKEN (a POST to /login needs both)
login_form() {
	req "$URL/login"
	LNONCE=$(sed -n 's/^Set-Cookie: emguard_login=\([0-9a-f]*\);.*/\1/p' "$H")
	LTOKEN=$(sed -n 's/.*name="login_token" value="\([0-9a-f]*\)".*/\1/p' "$B" |
		head -n 1)
}
# login [SID]: log in (offering session SID); prints the new session id
login() {
	login_form
	req -b "emguard_session=${1:-}; emguard_login=$LNONCE" \
		--data-urlencode "login_token=$LTOKEN" --data-urlencode user=yamada \
		--data-urlencode "password=$PW" "$URL/login"
	sid_set
}
# as SID [CURL ARGS...] URL: a request with session SID
as() {
	sid=$1
	shift
	req -b "emguard_session=$sid" "$@"
}
# no_session SID: SID opens nothing (303 to the login)
no_session() {
	as "$1" "$URL/"
	[ "$STATUS" = 303 ]
}
# token SID ID: the CSRF token on the delete confirmation of entry ID
token() {
	as "$1" "$URL/m/$2/delete"
	sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' "$B" | head -n 1
}
status_of() { # SID ID: held, released or deleted
	as "$1" "$URL/m/$2"
	sed -n 's/.*id="status" data-status="\([a-z]*\)".*/\1/p' "$B"
}

# one address cannot hold every connection (slowloris): 40 idle ones
python3 - "$URL" >"$TMP/perip.out" 2>&1 <<'PY'
import socket, sys, time, urllib.request
url = sys.argv[1]
host, port = url[len("http://"):].rstrip("/").rsplit(":", 1)
socks = [socket.create_connection((host, int(port)), timeout=5)
         for _ in range(40)]
time.sleep(1)
closed = 0
for s in socks:
    s.setblocking(False)
    try:
        closed += s.recv(1) == b""
    except BlockingIOError:
        pass
    except OSError:
        closed += 1
try:
    urllib.request.urlopen(url + "/healthz", timeout=5).read()
    during = "served"
except Exception:
    during = "refused"
for s in socks:
    s.close()
time.sleep(1)
after = urllib.request.urlopen(url + "/healthz", timeout=5).read()
print(closed, during, after.decode().strip())
PY
read -r closed during after <"$TMP/perip.out"
[ "$closed" = 8 ] && [ "$during" = refused ] && [ "$after" = ok ]
verdict "one address holds at most 32 connections: of 40 idle ones 8 are closed, a request meanwhile too; served again after ($(cat "$TMP/perip.out"))"

# methods
bad=
for m in OPTIONS TRACE DELETE PATCH CONNECT PROPFIND FOO; do
	req -X "$m" "$URL/"
	{ [ "$STATUS" = 405 ] && guarded; } || bad="$bad $m:$STATUS"
done
[ -z "$bad" ]
verdict "OPTIONS, TRACE, DELETE, PATCH, CONNECT, PROPFIND, FOO: 405 with the security headers ($bad)"
req -I "$URL/"
[ "$STATUS" = 303 ] && ! grep -q 'See other' "$B" && guarded
verdict "HEAD / without a session: 303, no body, the security headers"

# nothing is served from disk
req "$URL/style.css"
cp "$B" "$TMP/style.css"
bad=
for path in '/style.css?../../../../etc/passwd' \
	'/style.css/../../../../etc/passwd' '//etc/passwd' \
	'/%2e%2e/%2e%2e/%2e%2e/etc/passwd' '/healthz/../../etc/passwd' \
	'/style.css%00.html' '/..%2f..%2f..%2fetc%2fpasswd' '/m/..%2f..%2fetc'; do
	req --path-as-is "$URL$path"
	if grep -q 'root:' "$B" || ! guarded ||
		{ [ "$STATUS" = 200 ] && ! cmp -s "$B" "$TMP/style.css"; }; then
		bad="$bad $path:$STATUS"
	fi
done
[ -z "$bad" ]
verdict "static routes: no file from disk for ?../.., dot segments, //, %00 ($bad)"

# a forged Host, next=
req -H 'Host: evil.invalid' "$URL/audit"
[ "$STATUS" = 303 ] && [ "$(sed -n 's/^Location: //Ip' "$H")" = /login ]
verdict "a forged Host header: Location stays /login"
login_form
req -H 'Host: evil.invalid' -b "emguard_login=$LNONCE" \
	--data-urlencode "login_token=$LTOKEN" --data-urlencode user=yamada \
	--data-urlencode "password=$PW" \
	--data-urlencode 'next=https://evil.invalid/' \
	"$URL/login?next=https://evil.invalid/"
S0=$(sid_set)
[ "$STATUS" = 303 ] && [ "$(sed -n 's/^Location: //Ip' "$H")" = / ] &&
	! grep -q evil "$B"
verdict "login with next= and a forged Host: 303 to / only"

# sessions: never the client's id, a new one at each login
CHOSEN=$(printf '%064d' 7)
no_session "$CHOSEN"
verdict "an id the client made up is no session"
S1=$(login "$CHOSEN")
[ -n "$S1" ] && [ "$S1" != "$CHOSEN" ]
verdict "login with an offered id: the server makes another"
no_session "$CHOSEN"
verdict "... and the offered id still opens nothing"
as "$S1" "$URL/"
[ "$STATUS" = 200 ] && ! grep -q "$S1" "$B"
verdict "the session works, its id is not in the page"
S2=$(login "$S1")
[ -n "$S2" ] && [ "$S2" != "$S1" ]
verdict "logging in again within a session: a new id"
no_session "$S1"
verdict "... and the previous session ended"
[ -n "$S0" ] && [ "$S0" != "$S2" ]
verdict "two logins, two sessions"

# CSRF tokens belong to their session; GET changes nothing
T0=$(token "$S0" "$E1")
T2=$(token "$S2" "$E1")
[ -n "$T0" ] && [ -n "$T2" ] && [ "$T0" != "$T2" ]
verdict "each session has its own CSRF token"
as "$S2" --data "csrf=$T0" "$URL/m/$E1/delete"
[ "$STATUS" = 403 ] && [ "$(status_of "$S2" "$E1")" = held ]
verdict "another session's token: 403, still held"
as "$S2" "$URL/m/$E1/delete?csrf=$T2&confirm=1"
[ "$STATUS" = 200 ] && [ "$(status_of "$S2" "$E1")" = held ]
verdict "GET /m/ID/delete?csrf=...: a confirmation page, still held"
as "$S2" "$URL/m/$E1/release?csrf=$T2&to=x@example.test"
[ "$STATUS" = 200 ] && [ "$(status_of "$S2" "$E1")" = held ]
verdict "GET /m/ID/release?csrf=...: a confirmation page, still held"
as "$S2" --data "csrf=$T2" "$URL/m/$E1/delete"
[ "$STATUS" = 303 ] && [ "$(status_of "$S2" "$E1")" = deleted ]
verdict "control: the session's own token deletes"

# reflection: every parameter and the language cookie come back escaped
P='"'"'"'><svg onload=alert(7)>'
bad=
for spec in '/ q' '/ status' '/ symbol' '/ action' '/ since' '/ page' \
	'/ done' '/ lang' '/audit page' "/m/$E2 done" "/m/$E2 lang" \
	"/m/$E2/release to" "/m/$E2/delete to" '/login user'; do
	path=${spec% *}
	name=${spec#* }
	as "$S2" -G --data-urlencode "$name=$P" "$URL$path"
	if grep -q '<svg' "$B" || ! guarded; then
		bad="$bad $path?$name"
	fi
done
req -b "emguard_session=$S2; emguard_lang=$P" "$URL/"
grep -q '<svg' "$B" && bad="$bad cookie"
[ -z "$bad" ]
verdict "14 query parameters and the language cookie: never raw ($bad)"
login_form
req -b "emguard_login=$LNONCE" --data-urlencode "login_token=$LTOKEN" \
	--data-urlencode "user=$P" --data-urlencode password=wrong "$URL/login"
[ "$STATUS" = 200 ] && grep -q 'id="error"' "$B" && ! grep -q '<svg' "$B" &&
	grep -q '&lt;svg' "$B"
verdict "a failed login shows the name it was given escaped"
as "$S2" --path-as-is "$URL/m/%22%3E%3Csvg%20onload=alert(7)%3E"
[ "$STATUS" = 404 ] && ! grep -q '<svg' "$B"
verdict "markup in an entry path: 404, not echoed"

# libmicrohttpd answers some errors itself: no request data in them
python3 - "$URL" >"$TMP/raw.out" <<'PY'
import socket, sys, urllib.parse
u = urllib.parse.urlsplit(sys.argv[1])
def raw(req):
    s = socket.create_connection((u.hostname, u.port), timeout=10)
    s.sendall(req)
    out = b""
    try:
        while True:
            d = s.recv(65536)
            if not d:
                break
            out += d
    except OSError:
        pass
    s.close()
    return out
mark = b"<svg onload=alert(7)>"
for req in (b"GET /" + mark + b" HTTP/1.1\r\nHost: x\r\nX-Big: "
            + mark * 4000 + b"\r\n\r\n",
            b"GET /" + mark + b" HTTP/9.9\r\nHost: x\r\n\r\n"):
    out = raw(req)
    print(out.split(b"\r\n")[0].decode(errors="replace"),
          "echoed" if mark in out else "clean")
PY
[ "$(grep -c ' clean$' "$TMP/raw.out")" -eq 2 ] &&
	grep -q '^HTTP/1.1 431' "$TMP/raw.out" &&
	grep -q '^HTTP/1.1 505' "$TMP/raw.out" ||
	{ sed 's/^/    /' "$TMP/raw.out"; false; }
verdict "libmicrohttpd's own 431 and 505: no request data echoed"

kill "$WPID"
wait "$WPID"
verdict "emguard-web: SIGTERM, exit status 0"
! grep -q 'runtime error\|Sanitizer' "$WLOG"
verdict "emguard-web: no sanitizer report"

tl_finish

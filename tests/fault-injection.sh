#!/bin/sh
# fault-injection.sh - emguard-milter keeps every message through crashes of
# its own and of its DataStore, under load, behind a real Postfix.
#
# 10,000 messages (EMG_FAULT_MESSAGES) go over 50 concurrent SMTP sessions
# to a private Postfix on 127.0.0.1 (tests/postfix-lib.sh) whose milter is
# emguard-milter in QuarantineMode store with QuarantineFallback hold and
# a private PostgreSQL as DataStore (this script runs itself under
# tests/store-pg.sh, which starts one).  Every 10th message carries an
# executable and is quarantined; the rest are clean business mail.  The
# sender is an MTA-like client (tests/fault-injection.py): one connection
# a message, a 4xx or a broken connection retried a moment later, a 5xx
# final, at most 70 new messages a second (EMG_FAULT_RATE; 0: as fast as
# it can).  That cap is a sustained rate the milter's history writer keeps
# up with while Postfix, the client, PostgreSQL and the milter share two
# cores: flat out (about 130 msg/s here) the writer falls behind, its
# queue (bounded at 4,096 messages) grows, and the RSS with it, which is
# a backlog and not growth per message (with no DataStore, or at this
# rate, the RSS is flat to within 1%).  While the load runs:
#   - at accepted message 600 and again at 1,200, emguard-milter gets
#     SIGKILL and is started again a second later (Postfix answers 4xx
#     meanwhile: milter_default_action = tempfail);
#   - at 5,000 the PostgreSQL server gets SIGKILL (the postmaster and all
#     its processes), and is started again at 6,500.
# Then, with the queue drained, every message is accounted for:
#   delivered + held + quarantined + still queued (Postfix or the sender)
#   = sent, none in two places, none in the quarantine twice, no
#   executable delivered, no clean message held or quarantined;
#   the worthy mail the milter took while PostgreSQL was down went to the
#   hold queue (the configured fallback), and after the server returned
#   the milter stored again (quarantined, not held);
#   the clean mail delivered before the outage, and from 1,000 messages
#   after the server was ready again, is in the thread history (the
#   history writer retries within 10 s);
#   the milter's RSS grew < 10% from message 2,000 to message 10,000
#   (one process: the kills are before message 2,000).
# About 3 minutes on 2 cores.  Needs root (Postfix's master), the postfix
# package, python3 and PostgreSQL's server binaries; skips (77) otherwise.
# Run from the build tree (make check sets top_srcdir and top_builddir).
# EMG_FAULT_KEEP=1 keeps the temporary directory.

srcdir=${top_srcdir:-$(dirname "$0")/..}
srcdir=$(cd "$srcdir" && pwd)
builddir=${top_builddir:-.}
builddir=$(cd "$builddir" && pwd)

if [ -z "${EMGUARD_TEST_PG_SERVER:-}" ]; then
	exec "$srcdir/tests/store-pg.sh" "$srcdir/tests/fault-injection.sh"
fi

. "$srcdir/tests/postfix-lib.sh"
why=$(pf_check) || { echo "fault-injection.sh: skipped: $why"; exit 77; }
milter=$builddir/milter/emguard-milter
[ -x "$milter" ] || { echo "fault-injection.sh: no $milter"; exit 1; }
cli=$builddir/cli/emguard
count=${EMG_FAULT_MESSAGES:-10000}
EMG_FAULT_RATE=${EMG_FAULT_RATE:-70}
export EMG_FAULT_RATE

T=$(mktemp -d "${TMPDIR:-/tmp}/emg-fault.XXXXXX") || exit 1
chmod 755 "$T"
mkdir -p "$T/run" "$T/msg" && chown nobody "$T/run" || exit 1
sock=$T/run/milter.sock
pidfile=$T/run/milter.pid
port=$(pf_free_port) || exit 1
cleanup() {
	[ -f "$T/pf/etc/main.cf" ] && pf_stop
	[ -f "$pidfile" ] && pf_stop_pid "$(cat "$pidfile")"
	if [ "${EMG_FAULT_KEEP:-0}" = 1 ]; then echo "kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

cat >"$T/emguard.conf" <<EOF
# fault-injection.sh: store mode on PostgreSQL, hold when it is down
Socket unix:$sock
UserID nobody
InternalNetworks 10.0.0.0/8
ThresholdTag 5
ThresholdQuarantine 10
ThresholdReject 20
Score ATTACH_EXECUTABLE 12
QuarantineMode store
QuarantineFallback hold
DataStore "postgresql:$EMGUARD_TEST_PG"
EOF
chmod 644 "$T/emguard.conf"

# The hook the sender runs at its fault points (tests/fault-injection.py
# FAULTS); it also starts the milter the first time.
cat >"$T/fault.sh" <<EOF
#!/bin/sh
# fault.sh EVENT - start-milter, kill-milter (and start it again), kill-pg,
# start-pg
start_milter() {
	"$milter" -f -c "$T/emguard.conf" -P "$pidfile" >>"$T/milter.log" 2>&1 &
	i=0
	while [ \$i -lt 150 ]; do
		[ -S "$sock" ] && [ -s "$pidfile" ] && kill -0 "\$(cat "$pidfile")" 2>/dev/null &&
			chgrp postfix "$sock" && exit 0
		sleep 0.1
		i=\$((i + 1))
	done
	echo "emguard-milter did not start"; tail -n 5 "$T/milter.log"; exit 1
}
case \$1 in
start-milter) start_milter ;;
kill-milter)
	pid=\$(cat "$pidfile") && kill -KILL "\$pid" || exit 1
	while kill -0 "\$pid" 2>/dev/null; do sleep 0.05; done
	echo "\$(date +%T) killed \$pid" >>"$T/milter.log"
	rm -f "$pidfile"
	sleep 1
	start_milter ;;
kill-pg) "$EMGUARD_TEST_PG_SERVER" kill ;;
start-pg) "$EMGUARD_TEST_PG_SERVER" start ;;
*) exit 2 ;;
esac
EOF
chmod 755 "$T/fault.sh"

py() { "$PF_PYTHON" "$srcdir/tests/fault-injection.py" "$@"; }
py messages "$T/msg" || exit 1
pf_setup "$T/pf" "$port" "unix:$sock" || exit 1
# enough smtpd processes for 50 sessions, and no delivery concurrency cap
# that would leave mail queued at the end
pf_conf "default_process_limit = 120" "virtual_destination_concurrency_limit = 20"
"$T/fault.sh" start-milter || exit 1
pf_start || { echo "fault-injection.sh: Postfix did not start"; pf_log; exit 1; }

start=$(date +%s)
py send "$port" "$T/msg" "$count" 50 10 "$T/fault.sh" "$pidfile" "$T/sent.json" ||
	{ echo "fault-injection.sh: the sender failed"; exit 1; }
pf_wait_queue_empty 120 hold || echo "fault-injection.sh: the queue did not drain (counted as queued)"
"$cli" quarantine list -c "$T/emguard.conf" --json --limit 100000 \
	>"$T/quarantine.jsonl" 2>"$T/list.err" ||
	{ echo "fault-injection.sh: quarantine list failed:"; cat "$T/list.err"; exit 1; }
psql=$EMGUARD_TEST_PG_BINDIR/psql
[ -x "$psql" ] || psql=psql
"$psql" -At -c 'SELECT message_id FROM messages' "$EMGUARD_TEST_PG" >"$T/history.txt" ||
	{ echo "fault-injection.sh: reading the history failed"; exit 1; }
py account "$T/sent.json" "$T/pf/mail/box" "$T/pf/etc" "$T/quarantine.jsonl" \
	"$T/fails.txt" "$T/history.txt"
rc=$?
echo "fault-injection.sh: $(($(date +%s) - start)) s;" \
	"$(grep -c 'resent=yes' "$T/milter.log") message(s) recognised as resent," \
	"$(grep -c ' killed ' "$T/milter.log") milter kill(s)"
if [ $rc -ne 0 ]; then
	head -n 30 "$T/fails.txt"
	echo "milter log (end):"; tail -n 15 "$T/milter.log" | sed 's/^/    /'
	pf_log 10
	exit 1
fi
exit 0

#!/bin/sh
# store-pg.sh - the DataStore tests (tests/unit/test_history and
# tests/unit/test_quarantine) against a real PostgreSQL: a private server in a temporary directory (initdb, then
# pg_ctl on 127.0.0.1 and a free port, trust authentication, fsync off),
# with EMGUARD_TEST_PG pointing the tests at it.  EMGUARD_TEST_PG_RESTART
# gives them a command that kills the server (pg_ctl stop -m immediate)
# and starts it again, so that a case checks that an open handle
# reconnects; EMGUARD_TEST_PG_SERVER is that script itself, which also
# takes "kill" and "start" (tests/fault-injection.sh).  As root, the server runs as user postgres (or nobody).
# With arguments, runs that command against the server instead (what
# bench/history does): store-pg.sh COMMAND [ARG...].
# Needs: $top_builddir (exported by make check), PostgreSQL server binaries
# under /usr/lib/postgresql/*/bin (or PG_BINDIR), python3 for a free port.
# Exit: 0 pass, 1 fail, 77 skip (no PostgreSQL server binaries).

BUILD=${top_builddir:-.}
case $BUILD in /*) ;; *) BUILD=$(pwd)/$BUILD ;; esac
TESTS=""
if [ $# -eq 0 ]; then
	for t in test_history test_quarantine; do
		[ -x "$BUILD/tests/unit/$t" ] ||
			{ echo "store-pg.sh: $BUILD/tests/unit/$t not built"; exit 1; }
		TESTS="$TESTS $BUILD/tests/unit/$t"
	done
fi

bindir=${PG_BINDIR:-}
if [ -z "$bindir" ]; then
	for d in /usr/lib/postgresql/*/bin /usr/pgsql-*/bin; do
		[ -x "$d/initdb" ] && bindir=$d
	done
fi
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ] || [ ! -x "$bindir/pg_ctl" ]; then
	echo "store-pg.sh: no PostgreSQL server binaries (initdb, pg_ctl): skipped"
	exit 77
fi
command -v python3 >/dev/null 2>&1 || { echo "store-pg.sh: no python3"; exit 77; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/emg-pg.XXXXXX") || exit 1
DATA=$TMP/data
# Run a server command as the unprivileged owner of the data directory.
as_owner=""
if [ "$(id -u)" -eq 0 ]; then
	owner=nobody
	id postgres >/dev/null 2>&1 && owner=postgres
	chown "$owner" "$TMP" || exit 1
	if command -v runuser >/dev/null 2>&1; then
		as_owner="runuser -u $owner --"
	else
		as_owner="su -s /bin/sh $owner -c"
	fi
fi
chmod 755 "$TMP"

cleanup() {
	if [ -f "$DATA/postmaster.pid" ]; then
		$as_owner "$bindir/pg_ctl" -D "$DATA" stop -m immediate >/dev/null 2>&1
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])') || exit 1

# A command both this script and the test run: start (or restart) the
# server, or kill it: SIGKILL to the postmaster and every process it
# started, as a crash or the OOM killer would (the next start recovers
# from the WAL).
cat > "$TMP/server.sh" <<EOF
#!/bin/sh
# server.sh start|restart|kill - the test's private PostgreSQL
if [ "\$1" = kill ]; then
	pid=\$(head -n 1 "$DATA/postmaster.pid") || exit 1
	kill -KILL \$pid \$(ps -o pid= --ppid \$pid) || exit 1
	while kill -0 \$pid 2>/dev/null; do sleep 0.1; done
	exit 0
fi
if [ "\$1" = restart ]; then
	$as_owner "$bindir/pg_ctl" -D "$DATA" stop -m immediate >/dev/null 2>&1 || exit 1
fi
exec $as_owner "$bindir/pg_ctl" -D "$DATA" -l "$TMP/server.log" -w -t 30 \\
	-o "-k $TMP -h 127.0.0.1 -p $PORT -F" start >/dev/null
EOF
chmod 755 "$TMP/server.sh"

start=$(date +%s)
if ! $as_owner "$bindir/initdb" -D "$DATA" -A trust -U emguard -E UTF8 \
	--locale=C --no-sync >"$TMP/initdb.log" 2>&1; then
	echo "store-pg.sh: initdb failed"
	sed 's/^/    /' "$TMP/initdb.log" | tail -5
	exit 1
fi
if ! "$TMP/server.sh" start; then
	echo "store-pg.sh: the server did not start"
	sed 's/^/    /' "$TMP/server.log" | tail -5
	exit 1
fi
if ! "$bindir/createdb" -h 127.0.0.1 -p "$PORT" -U emguard emguard_test; then
	echo "store-pg.sh: createdb failed"
	exit 1
fi
echo "store-pg.sh: PostgreSQL $("$bindir/pg_ctl" --version | awk '{print $3}') on 127.0.0.1:$PORT ($(($(date +%s) - start)) s to start)"

EMGUARD_TEST_PG="host=127.0.0.1 port=$PORT user=emguard dbname=emguard_test"
EMGUARD_TEST_PG_RESTART="$TMP/server.sh restart"
EMGUARD_TEST_PG_SERVER="$TMP/server.sh"
EMGUARD_TEST_PG_BINDIR=$bindir
export EMGUARD_TEST_PG EMGUARD_TEST_PG_RESTART EMGUARD_TEST_PG_SERVER EMGUARD_TEST_PG_BINDIR
# Run "$@" against the server; on failure show the end of its log.
run() {
	"$@"
	rc=$?
	[ $rc -eq 0 ] && return 0
	echo "store-pg.sh: $1 failed on PostgreSQL; server log:"
	sed 's/^/    /' "$TMP/server.log" | tail -20
	exit 1
}
if [ -n "$TESTS" ]; then
	for t in $TESTS; do
		run "$t"
	done
else
	run "$@"
fi
echo "store-pg.sh: passed in $(($(date +%s) - start)) s"
exit 0

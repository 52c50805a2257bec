# test-lib.sh - the check helpers every script test shares.
#
# Sourced by a test script (sh, not bash; safe under set -u) after it has
# found the source tree, and before anything else:
#   : "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
#   . "$top_srcdir/tests/test-lib.sh"
#   tl_begin NAME
# The checks count into $passed and $failed, which a script may read.
#
#   tl_begin NAME              NAME is how the summary and a skip name the
#                              script; makes $top_srcdir and $top_builddir
#                              (default .) absolute, so that they still hold
#                              after a cd
#   tl_abs PATH                prints PATH absolute (from the current
#                              directory)
#   tl_need_tool TOOL...       skips unless every TOOL is on PATH
#   tl_need_built VAR PATH     VAR=$top_builddir/PATH; skips unless it is an
#                              executable (a program of the build)
#   tl_tmpdir                  TMP=a new temporary directory, and cd there;
#                              on exit stops $TL_PID (a daemon the script
#                              started and waits for, when set) and removes
#                              TMP; INT and TERM exit 1
#   ok NAME, nok NAME          count NAME as passed, failed, and say so
#   check NAME WANT COMMAND... runs COMMAND, its stdout into ./out and its
#                              stderr into ./err; passes when it exits WANT
#                              (else shows the start of err)
#   expect NAME COMMAND...     passes when COMMAND (a condition) holds
#   tl_skip WHY...             exit 77 saying WHY; when a check has already
#                              failed, tl_finish instead (a skip must not
#                              hide a failure)
#   tl_finish                  prints "NAME: P passed, F failed", exits 0
#                              when none failed, else 1
#
# What each script checks stays in the script; only the machinery is here.

passed=0
failed=0
TL_NAME=${0##*/}
TL_PID=
TMP=

tl_abs() {
	case $1 in
	/*) printf '%s\n' "$1" ;;
	.) pwd ;;
	*) printf '%s/%s\n' "$(pwd)" "$1" ;;
	esac
}

tl_begin() {
	TL_NAME=$1
	top_srcdir=$(tl_abs "${top_srcdir:-.}")
	top_builddir=$(tl_abs "${top_builddir:-.}")
}

ok() {
	passed=$((passed + 1))
	echo "ok   $1"
}

nok() {
	failed=$((failed + 1))
	echo "FAIL $1"
}

tl_finish() {
	echo "$TL_NAME: $passed passed, $failed failed"
	[ "$failed" -eq 0 ] && exit 0
	exit 1
}

tl_skip() {
	[ "$failed" -eq 0 ] || tl_finish
	echo "$TL_NAME: SKIP: $*"
	exit 77
}

tl_need_tool() {
	for tl_tool in "$@"; do
		command -v "$tl_tool" >/dev/null 2>&1 ||
			tl_skip "$tl_tool not found"
	done
}

tl_need_built() {
	tl_program=$top_builddir/$2
	[ -x "$tl_program" ] || tl_skip "$tl_program not built"
	eval "$1=\$tl_program"
}

tl_cleanup() {
	if [ -n "$TL_PID" ] && kill -0 "$TL_PID" 2>/dev/null; then
		kill "$TL_PID"
		wait "$TL_PID"
	fi
	[ -n "$TMP" ] && rm -rf "$TMP"
}

tl_tmpdir() {
	TMP=$(mktemp -d) || exit 1
	trap tl_cleanup EXIT
	trap 'exit 1' INT TERM
	cd "$TMP" || exit 1
}

check() {
	tl_name=$1 tl_want=$2
	shift 2
	"$@" >out 2>err
	tl_got=$?
	if [ "$tl_got" -eq "$tl_want" ]; then ok "$tl_name"; else
		nok "$tl_name (exit $tl_got, want $tl_want)"
		sed 's/^/    stderr: /' err | head -5
	fi
}

expect() {
	tl_name=$1
	shift
	if "$@"; then ok "$tl_name"; else nok "$tl_name"; fi
}

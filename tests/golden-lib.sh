# golden-lib.sh - the shell half that tests/golden.sh and
# tests/golden-attach.sh share: command line, directories, prerequisites,
# fresh fixture and output directories, and the verdict.  Sourced (POSIX sh),
# not run; each script keeps its own checks (the embedded Python).
#
# Relies on $top_srcdir and $top_builddir as make check exports them; by
# hand they default to the script's parent directory and the current one.
# Writes only the FIXTURES and OUT directories it is given (under
# $top_builddir), so a read-only srcdir (make distcheck) is fine.

# golden_init NAME [--update]: set update (0 or 1), top_srcdir and
# top_builddir (absolute) and emguard; exit 2 on a bad argument, 77 without
# python3, 1 when cli/emguard is not built.  NAME prefixes every message.
# shellcheck disable=SC2034 # update is read by the sourcing script
golden_init() {
	golden_name=$1
	shift
	update=0
	case "${1:-}" in
	--update) update=1 ;;
	"") ;;
	*) echo "usage: $0 [--update]" >&2; exit 2 ;;
	esac

	: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
	: "${top_builddir:=$(pwd)}"
	top_srcdir=$(cd "$top_srcdir" && pwd)
	top_builddir=$(cd "$top_builddir" && pwd)

	if ! command -v python3 >/dev/null 2>&1; then
		echo "$golden_name: python3 not found, skipping"
		exit 77
	fi
	emguard="$top_builddir/cli/emguard"
	if [ ! -x "$emguard" ]; then
		echo "$golden_name: $emguard not built"
		exit 1
	fi
}

# golden_fixtures GENERATOR FIXTURES OUT: empty FIXTURES and OUT, run
# $top_srcdir/tests/GENERATOR into FIXTURES and keep `emguard symbols` in
# OUT/symbols.txt (empty when that fails); exit 1 when the generator fails.
golden_fixtures() {
	rm -rf "$2" "$3"
	mkdir -p "$2" "$3" || exit 1
	python3 "$top_srcdir/tests/$1" "$2" || exit 1
	"$emguard" symbols >"$3/symbols.txt" 2>/dev/null || : >"$3/symbols.txt"
}

# golden_finish FAILED FIXTURES OUT: the verdict and exit status; a pass
# removes FIXTURES and OUT unless GOLDEN_KEEP=1.
golden_finish() {
	if [ "$1" -ne 0 ]; then
		echo "$golden_name: FAIL (fixtures in $2, output in $3)"
		exit 1
	fi
	[ "${GOLDEN_KEEP:-0}" = 1 ] || rm -rf "$2" "$3"
	echo "$golden_name: PASS"
	exit 0
}

#!/bin/sh
# run-all.sh - the whole emguard test suite, as README's second command and
# .ci/run call it.  From a clean clone:
#   1. builds in build/ and runs `make check` (unit tests, golden JSON tests,
#      fuzz corpus replay, CLI tests, the shared corpus scan), then
#      tests/valgrind.sh there over every EMG_VALGRIND_SAMPLE-th input
#      (default 12: about 1.5 minutes; skipped without valgrind);
#   2. builds build-asan/ with -fsanitize=address,undefined and runs the unit
#      tests, the fuzz corpus replay, the hostile inputs, and emguard-milter
#      and emguard-web under their script tests there (make check-sanitizer);
#   3. runs `make distcheck` with the fast tests (skip with
#      EMG_SKIP_DISTCHECK=1);
#   4. runs each libFuzzer target for EMG_FUZZ_SECONDS (default 10; 12 targets, about 2 minutes) when clang
#      can build them.
# The last line is "N passed, N failed": N counts Check test cases and
# script tests.  Exit status 0 only when nothing failed.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2
jobs=$(nproc 2>/dev/null || echo 2)
fuzz_seconds=${EMG_FUZZ_SECONDS:-10}
passed=0
failed=0
log() { printf '== %s\n' "$*"; }

# Count Check cases and script results from an automake test tree.
tally() {
	dir=$1
	for trs in $(find "$dir/tests" -name '*.trs' 2>/dev/null | sort); do
		base=${trs%.trs}
		res=$(sed -n 's/^:test-result: //p' "$trs" | head -n 1)
		checks=$(sed -n 's/.*Checks: \([0-9]*\), Failures: \([0-9]*\), Errors: \([0-9]*\).*/\1 \2 \3/p' "$base.log" 2>/dev/null | tail -n 1)
		if [ -n "$checks" ]; then
			set -- $checks
			passed=$((passed + $1 - $2 - $3))
			failed=$((failed + $2 + $3))
			[ "$res" = PASS ] || [ $(($2 + $3)) -gt 0 ] || failed=$((failed + 1))
		else
			case $res in
			PASS) passed=$((passed + 1)) ;;
			SKIP) ;;
			*) failed=$((failed + 1)); log "FAILED: $base" ;;
			esac
		fi
	done
}

step() { # step NAME COMMAND... : a build step that counts as one test
	name=$1; shift
	if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); log "FAILED: $name"; fi
}

[ -x configure ] || autoreconf -fi || exit 2

log "build and make check"
mkdir -p build
(cd build && { [ -f Makefile ] || ../configure -q; } && make -j"$jobs" >/dev/null) || { echo "0 passed, 1 failed"; exit 1; }
(cd build && make -j"$jobs" check >/dev/null 2>&1)
tally build
grep -h -E '^(PASS|FAIL|SKIP|ERROR|XFAIL|XPASS):' build/test-suite.log 2>/dev/null | head -n 40
(cd build && grep -E '^# (TOTAL|PASS|SKIP|FAIL|ERROR)' test-suite.log 2>/dev/null)
for f in $(grep -l -E '^:test-result: (FAIL|ERROR)' $(find build/tests -name '*.trs') 2>/dev/null); do
	log "log of ${f%.trs}"; tail -n 30 "${f%.trs}.log"
done

# The CLI under valgrind over a sample (the full run: tests/valgrind.sh --full).
if command -v valgrind >/dev/null 2>&1; then
	log "valgrind: every ${EMG_VALGRIND_SAMPLE:-12}th input"
	step valgrind sh -c "cd build && sh ../tests/valgrind.sh >valgrind.log 2>&1 && tail -n 2 valgrind.log | head -n 1 || { tail -n 80 valgrind.log; exit 1; }"
else
	log "valgrind: not installed, skipped"
fi

# Leaks inside third-party libraries we cannot fix (see the file).
lsan_supp="$(pwd)/tests/lsan.supp"

log "AddressSanitizer + UndefinedBehaviorSanitizer build"
mkdir -p build-asan
san="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined"
if (cd build-asan && { [ -f Makefile ] || ../configure -q CFLAGS="-O1 -g $san" LDFLAGS="$san"; } && make -j"$jobs" >/dev/null); then
	(cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
		LSAN_OPTIONS="suppressions=$lsan_supp" \
		make -j"$jobs" check-sanitizer >/dev/null 2>&1)
	before_p=$passed; before_f=$failed
	tally build-asan
	log "sanitizer tree: $((passed - before_p)) passed, $((failed - before_f)) failed"
	for f in $(grep -l -E '^:test-result: (FAIL|ERROR)' $(find build-asan/tests -name '*.trs') 2>/dev/null); do
		log "log of ${f%.trs}"; tail -n 30 "${f%.trs}.log"
	done
else
	failed=$((failed + 1)); log "FAILED: sanitizer build"
fi

if [ "${EMG_SKIP_DISTCHECK:-0}" != 1 ]; then
	log "make distcheck"
	# The tarball is proven by building, installing and uninstalling it
	# and running its unit, CLI and configuration tests; the corpus and
	# golden scans already ran above on the same sources.
	step distcheck sh -c "cd build && make -j$jobs distcheck TESTS='\$(UNIT_TESTS) tests/cli.sh tests/sample-conf.sh tests/fuzz-replay.sh' >distcheck.log 2>&1 || { tail -n 40 distcheck.log; exit 1; }"
fi

if command -v clang >/dev/null 2>&1 && [ "$fuzz_seconds" -gt 0 ]; then
	log "libFuzzer: ${fuzz_seconds}s per target"
	mkdir -p build-fuzz
	if (cd build-fuzz && { [ -f Makefile ] || ../configure -q CC=clang --enable-fuzzing CFLAGS="-O1 -g"; } && make -j"$jobs" >/dev/null 2>&1); then
		for t in build-fuzz/tests/fuzz/fuzz_*; do
			case $t in *_replay|*.o|*.c) continue ;; esac
			[ -x "$t" ] || continue
			name=$(basename "$t"); corpus=tests/fuzz/corpus/${name#fuzz_}
			work=build-fuzz/corpus-$name; mkdir -p "$work"
			step "$name" env LSAN_OPTIONS="suppressions=$lsan_supp" ASAN_OPTIONS=fast_unwind_on_malloc=0 sh -c "'$t' -max_total_time=$fuzz_seconds -rss_limit_mb=2048 -timeout=10 '$work' '$corpus' >build-fuzz/$name.log 2>&1 || { tail -n 30 build-fuzz/$name.log; exit 1; }"
		done
	else
		failed=$((failed + 1)); log "FAILED: fuzz build"
	fi
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

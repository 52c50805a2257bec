#!/bin/sh
# fuzz-replay.sh - replay the committed fuzz corpora through every fuzz
# target without libFuzzer: tests/fuzz/fuzz_NAME_replay (built by make check
# from fuzz_NAME.c + fuzz_main.c) over tests/fuzz/corpus/NAME/.  Any crash,
# abort or sanitizer report fails the test.  A crash found by the real fuzzer
# (configure --enable-fuzzing) is added to the target's corpus so that it
# stays fixed.  Exit: 0 pass, 1 fail, 77 skip (nothing built).

: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=.}"

# Under a sanitizer build: libgsf leaks inside gsf_infile_msole_new on some
# hostile compound files (tests/lsan.supp); LeakSanitizer sees libgsf's
# frames, and so the suppression, only with the slow unwinder.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}fast_unwind_on_malloc=0"
LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$top_srcdir/tests/lsan.supp}"
export ASAN_OPTIONS LSAN_OPTIONS

ran=0
failed=0
for bin in "$top_builddir"/tests/fuzz/fuzz_*_replay; do
	[ -x "$bin" ] || continue
	name=$(basename "$bin" _replay)
	corpus="$top_srcdir/tests/fuzz/corpus/${name#fuzz_}"
	if [ ! -d "$corpus" ]; then
		echo "fuzz-replay: $name: no corpus at $corpus"
		failed=$((failed + 1))
		continue
	fi
	ran=$((ran + 1))
	out="$top_builddir/tests/$name-replay.out"
	if "$bin" "$corpus" >"$out" 2>&1; then
		echo "fuzz-replay: $name: PASS ($(ls "$corpus" | wc -l) inputs)"
	else
		rc=$?
		tail -n 20 "$out"
		echo "fuzz-replay: $name: FAIL (exit status $rc)"
		failed=$((failed + 1))
	fi
	rm -f "$out"
done
if [ "$ran" -eq 0 ] && [ "$failed" -eq 0 ]; then
	echo "fuzz-replay: no replay binary built, skipping"
	exit 77
fi
[ "$failed" -eq 0 ]

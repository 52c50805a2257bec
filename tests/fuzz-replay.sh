#!/bin/sh
# fuzz-replay.sh - replay the committed fuzz corpus through the message fuzz
# target without libFuzzer (tests/fuzz/fuzz_message_replay, built by make
# check from fuzz_message.c + fuzz_main.c).  Any crash, abort or sanitizer
# report in the library fails the test.  A crash found by the real fuzzer
# (configure --enable-fuzzing) is added to tests/fuzz/corpus/message/ so that
# it stays fixed.  Exit: 0 pass, 1 fail, 77 skip (binary or corpus missing).

: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=.}"

bin="$top_builddir/tests/fuzz/fuzz_message_replay"
corpus="$top_srcdir/tests/fuzz/corpus/message"

if [ ! -x "$bin" ]; then
	echo "fuzz-replay: $bin not built, skipping"
	exit 77
fi
if [ ! -d "$corpus" ]; then
	echo "fuzz-replay: no corpus at $corpus, skipping"
	exit 77
fi

"$bin" "$corpus"
rc=$?
if [ "$rc" -ne 0 ]; then
	echo "fuzz-replay: FAIL (exit status $rc)"
	exit 1
fi
echo "fuzz-replay: PASS"
exit 0

#!/bin/sh
# campaign.sh — the long libFuzzer campaign over every parser target.
#
# .ci/run gives each target 15 s; this script is for the hours-long runs
# that tests/fuzz/README reports.  It keeps its working corpora, crash
# files and a ledger of CPU-seconds spent per target in WORKDIR, so a
# campaign can be spread over several runs (and machines) and still be
# counted as one: run it again with the same WORKDIR and it goes on from
# where the corpora stood.
#
#   tests/fuzz/campaign.sh WORKDIR SECONDS_PER_TARGET [TARGET...]
#
# Environment: EMG_FUZZ_JOBS (parallel fuzzers, default 1), EMG_FUZZ_NICE
# (default 19, so a campaign does not slow the machine's real work; with
# the kernel's autogroup scheduling, nice only ranks processes within one
# session, so start the campaign in a session of its own, `setsid
# campaign.sh ...`, and it lowers that session's autogroup too),
# EMG_FUZZ_TIMEOUT (seconds of wall time one input may take, default 60:
# libFuzzer's clock is wall time, and at nice 19 on a busy machine an input
# that needs 0.1 s of CPU took 13 s; .ci/run keeps 10).
#
# Results:
#   WORKDIR/ledger.tsv        date, target, wall and CPU seconds, execs,
#                             coverage, features, crashes
#   WORKDIR/crashes/TARGET/   reproducers (crash-*, timeout-*, oom-*, leak-*)
#   WORKDIR/TARGET.log        libFuzzer's own log of the last run
# A reproducer is fixed in the code and then copied into
# tests/fuzz/corpus/NAME/ so that make check replays it forever.
# `campaign.sh WORKDIR merge` minimises each working corpus into the
# replayed one: only inputs that reach an edge it does not reach yet are
# added (-use_counters=0).  Counting hit-count buckets too would add ten
# times the files (quote: 1,216 instead of 120) for no new edge; the full
# working corpus stays in WORKDIR for the next campaign;
# `campaign.sh WORKDIR table` prints the ledger as tests/fuzz/README's
# table.
set -u

srcdir=$(cd "$(dirname "$0")/../.." && pwd)
if [ $# -lt 2 ]; then
	echo "usage: $0 WORKDIR SECONDS_PER_TARGET [TARGET...] | $0 WORKDIR merge|table" >&2
	exit 2
fi
work=$1; shift
mode=$1; shift
mkdir -p "$work/crashes" || exit 1
work=$(cd "$work" && pwd)
if [ "$mode" = table ]; then
	# the ledger as tests/fuzz/README's table (Markdown)
	awk -F'\t' 'NR > 1 { n[$2]++; w[$2] += $3; c[$2] += $4; e[$2] += $5;
		if ($6 > v[$2]) v[$2] = $6; W += $3; C += $4 }
	END { print "| target | runs | wall s | CPU s | CPU-hours | executions | coverage (edges) |"
		print "|---|---|---|---|---|---|---|"
		for (t in n) printf "| %s | %d | %d | %d | %.2f | %d | %d |\n", t, n[t], w[t], c[t], c[t] / 3600, e[t], v[t]
		printf "| all | | %d | %d | %.2f | | |\n", W, C, C / 3600 }' \
		"$work/ledger.tsv" | sort -t'|' -k2,2 | awk '/^\| target/ || /^\|---/ { h = h $0 "\n"; next } /^\| all/ { a = $0; next } { b = b $0 "\n" } END { printf "%s%s%s\n", h, b, a }'
	exit 0
fi

jobs=${EMG_FUZZ_JOBS:-1}
nice=${EMG_FUZZ_NICE:-19}
timeout=${EMG_FUZZ_TIMEOUT:-60}
build=$work/build

# Under autogroup scheduling (/proc/sys/kernel/sched_autogroup_enabled)
# each session shares the CPU equally whatever its processes' nice: a
# campaign at nice 19 in its own session took half of a 2-core machine
# from a test run in another.  Lower the session's autogroup, but only
# when the campaign leads its session (setsid): an interactive shell's
# would be lowered with it.
if [ "$(ps -o sid= -p $$ | tr -d ' ')" = "$$" ] && [ -w /proc/self/autogroup ]; then
	echo "$nice" >/proc/self/autogroup 2>/dev/null || :
fi

if [ ! -f "$build/Makefile" ]; then
	mkdir -p "$build" &&
	(cd "$build" && "$srcdir/configure" -q CC=clang --enable-fuzzing CFLAGS="-O1 -g") || exit 1
fi
(cd "$build" && make -j2 >/dev/null 2>&1) || { echo "campaign: build failed in $build" >&2; exit 1; }

targets=${*:-$(cd "$build/tests/fuzz" && ls fuzz_* | grep -v -e _replay -e '\.' | sed 's/^fuzz_//')}

if [ "$mode" = merge ]; then
	for t in $targets; do
		[ -d "$work/corpus-$t" ] || continue
		before=$(ls "$srcdir/tests/fuzz/corpus/$t" | wc -l)
		# the known library leaks are suppressed as in a run; a leak
		# found at the end is written under crashes/, not into the cwd
		LSAN_OPTIONS="suppressions=$srcdir/tests/lsan.supp" \
		"$build/tests/fuzz/fuzz_$t" -merge=1 -use_counters=0 -rss_limit_mb=2048 -timeout=10 \
			-artifact_prefix="$work/crashes/$t/" \
			"$srcdir/tests/fuzz/corpus/$t" "$work/corpus-$t" >"$work/merge-$t.log" 2>&1 ||
			{ echo "campaign: merge of $t failed, see $work/merge-$t.log" >&2; continue; }
		after=$(ls "$srcdir/tests/fuzz/corpus/$t" | wc -l)
		echo "$t: $before -> $after inputs in tests/fuzz/corpus/$t"
	done
	exit 0
fi

case $mode in ''|*[!0-9]*) echo "campaign: SECONDS_PER_TARGET must be a number" >&2; exit 2 ;; esac
[ -f "$work/ledger.tsv" ] ||
	printf 'date\ttarget\twall\tcpu\texecs\tcoverage\tfeatures\tcrashes\n' >"$work/ledger.tsv"

run_target() {
	t=$1
	bin=$build/tests/fuzz/fuzz_$t
	[ -x "$bin" ] || { echo "campaign: no target $t" >&2; return 1; }
	mkdir -p "$work/corpus-$t" "$work/crashes/$t"
	start=$(date +%s)
	# -fork is not used: one process per target keeps the log parseable.
	# -max_total_time is wall time; the CPU time the target really got
	# (less when the machine is busy: it runs at nice 19) is what the
	# ledger adds up.
	LSAN_OPTIONS="suppressions=$srcdir/tests/lsan.supp" \
	ASAN_OPTIONS=fast_unwind_on_malloc=0 \
	/usr/bin/time -f '%U %S' -o "$work/$t.cpu" \
	nice -n "$nice" "$bin" -max_total_time="$mode" -rss_limit_mb=2048 \
		-timeout="$timeout" -print_final_stats=1 -artifact_prefix="$work/crashes/$t/" \
		"$work/corpus-$t" "$srcdir/tests/fuzz/corpus/$t" >"$work/$t.log" 2>&1
	rc=$?
	spent=$(( $(date +%s) - start ))
	cpu=$(awk 'END { printf "%d", $1 + $2 }' "$work/$t.cpu" 2>/dev/null)
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$t.log" | tail -n 1)
	cov=$(grep -o 'cov: [0-9]*' "$work/$t.log" | tail -n 1 | cut -d' ' -f2)
	ft=$(grep -o 'ft: [0-9]*' "$work/$t.log" | tail -n 1 | cut -d' ' -f2)
	crashes=$(ls "$work/crashes/$t" | wc -l)
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$t" "$spent" "${cpu:-0}" \
		"${execs:-0}" "${cov:-0}" "${ft:-0}" "$crashes" >>"$work/ledger.tsv"
	echo "$t: ${spent}s (${cpu:-0} CPU-s), ${execs:-0} execs, cov ${cov:-0}, ft ${ft:-0}, exit $rc, $crashes reproducer(s)"
}

# A crash stops libFuzzer early; the loop goes on to the next target so
# one bug does not starve the others of their time.
running=0
for t in $targets; do
	run_target "$t" &
	running=$((running + 1))
	if [ "$running" -ge "$jobs" ]; then wait; running=0; fi
done
wait

echo "CPU-seconds per target over the whole campaign:"
awk -F'\t' 'NR > 1 { s[$2] += $4; e[$2] += $5; c[$2] = $6 }
	END { for (t in s) printf "  %-8s %7d CPU-s %12d execs  cov %s\n", t, s[t], e[t], c[t] }' \
	"$work/ledger.tsv" | sort

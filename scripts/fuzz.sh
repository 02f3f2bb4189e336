#!/usr/bin/env bash
# Builds the libFuzzer targets (make fuzz: clang, ASan, UBSan, into
# build-fuzz/) and runs each for a bounded time from its seed corpus in
# tests/fuzz/corpus/<target>/. A target fails on any crash, leak
# (detect_leaks=1), UBSan report, timeout or out-of-memory; its reproducer
# is left in build-fuzz/artifacts/<target>/ and named in the output.
# Ends with one line "N passed, N failed" (one count per target).
#
#   FUZZ_SECONDS   time per target (default 20)
#   FUZZ_TARGETS   which targets (default: every tests/fuzz/fuzz_*.c)
#   FUZZ_JOBS      targets run at once (default: the number of CPUs, at most 3)
#   FUZZ_NOBUILD=1 skip `make fuzz` (use what build-fuzz/ holds)
#
# New inputs found go to a scratch folder, not into the tree; to keep one as
# a seed, copy it into tests/fuzz/corpus/<target>/ (reproducers of fixed
# bugs are named repro-*). tests/fuzz/gen_corpus.py writes the seeds.
set -uo pipefail
cd "$(dirname "$0")/.."

seconds=${FUZZ_SECONDS:-20}
jobs=${FUZZ_JOBS:-$(nproc)}
[ "$jobs" -gt 3 ] && jobs=3
targets=${FUZZ_TARGETS:-$(ls tests/fuzz/fuzz_*.c | sed 's|.*/fuzz_||; s|\.c$||' | tr '\n' ' ')}

if [ -z "${FUZZ_NOBUILD:-}" ]; then
    if ! make -s -j"$(nproc)" fuzz; then
        echo "fuzz: the targets do not build"
        echo "0 passed, 1 failed"
        exit 1
    fi
fi

# Longest input per target: a request body is at most 256 KiB, but the
# mutations that matter fit in far less, and shorter inputs run faster.
max_len() {
    case $1 in
    dispatch) echo 16384 ;;
    sigv4) echo 8192 ;;
    validate) echo 8192 ;;
    *) echo 4096 ;;
    esac
}

work=$(mktemp -d /tmp/ecsd-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
dict=$work/ecs.dict
# A dictionary of the API's words: operation and member names (from the
# model tables), enum values, and JSON punctuation.
{
    grep -ohE '\{"[A-Za-z]+", ' src/api/ops_table.c | sed -E 's/\{("[A-Za-z]+").*/\1/'
    { grep -ohE '\{"[A-Za-z]+", SH_' src/api/shapes_gen.c | sed -E 's/\{"([A-Za-z]+)".*/\1/'
      sed -n '/api_enum_values\[\]/,/^};/p' src/api/shapes_gen.c | grep -oE '"[A-Za-z0-9_.:/ -]+"' | tr -d '"'
    } | sed -E 's/.*/"\\"&\\""/' # as JSON strings: "\"clusterName\""
    printf '%s\n' '"{"' '"}"' '"["' '"]"' '":"' '","' '"null"' '"true"' '"false"' '"\\u0000"' \
        '"\\ud800"' '"1e400"' '"-1"' '"2147483648"' '"$task"' '"$instance"' '"\x0a--\x0a"' \
        '"AmazonEC2ContainerServiceV20141113."' '"application/x-amz-json-1.1"'
} | sort -u >"$dict"

run_one() {
    local t=$1 out=$work/$1.log
    local arts=build-fuzz/artifacts/$t/
    rm -rf "$arts"; mkdir -p "$arts" "$work/corpus-$t"
    local extra=()
    case $t in dispatch | validate) extra=(-dict="$dict") ;; esac
    # New inputs go to the scratch corpus (first folder); the seeds are read only.
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:allocator_may_return_null=1 \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        timeout $((seconds + 120)) build-fuzz/fuzz_"$t" \
        -max_total_time="$seconds" -max_len="$(max_len "$t")" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$arts" "${extra[@]}" \
        "$work/corpus-$t" tests/fuzz/corpus/"$t" >"$out" 2>&1
    echo $? >"$work/$t.rc"
}

t0=$(date +%s)
running=0
for t in $targets; do
    if [ ! -x build-fuzz/fuzz_"$t" ]; then
        echo "fuzz: no build-fuzz/fuzz_$t" >"$work/$t.log"
        echo 1 >"$work/$t.rc"
        continue
    fi
    run_one "$t" &
    running=$((running + 1))
    if [ "$running" -ge "$jobs" ]; then
        wait -n
        running=$((running - 1))
    fi
done
wait

passed=0 failed=0
for t in $targets; do
    rc=$(cat "$work/$t.rc" 2>/dev/null || echo 1)
    log=$work/$t.log
    execs=$(grep -a '^stat::number_of_executed_units:' "$log" | awk '{print $2}')
    cov=$(grep -aE '^#[0-9]+[[:space:]]+DONE' "$log" | grep -oE 'cov: [0-9]+' | tail -1)
    if [ "$rc" -eq 0 ] && ! grep -aqE 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:' "$log"; then
        echo "ok   fuzz_$t (${seconds}s, ${execs:-?} runs, ${cov:-cov: ?})"
        passed=$((passed + 1))
    else
        echo "FAIL fuzz_$t (exit $rc):"
        grep -aE '^fuzz_[a-z0-9_]+: |ERROR: |runtime error: |SUMMARY: ' "$log" | head -10 | sed 's/^/    /'
        echo "    the end of its log:"
        grep -avE '^#[0-9]+[[:space:]]+(NEW|REDUCE|pulse)' "$log" | tail -30 | sed 's/^/    /'
        ls -1 build-fuzz/artifacts/"$t"/ 2>/dev/null | sed "s|^|    reproducer: build-fuzz/artifacts/$t/|"
        failed=$((failed + 1))
    fi
done
echo "fuzz: $(($(date +%s) - t0))s for $(echo $targets | wc -w) targets"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

#!/usr/bin/env bash
# libFuzzer campaigns on the C ABI's parsers (Tests/fuzz/fuzz_abi.c), one per target.
#
#   scripts/fuzz.sh [--seconds N] [--lib DIR] [--jobs J] [TARGET...]
#
# TARGETs: network spec config ir node nir t1c npy wav events descriptor (default: all; crashes not fixed
# yet are kept in Tests/fuzz/open). Each runs N seconds (default 60)
# from a working corpus seeded with Tests/fuzz/corpus/TARGET (kept inputs and crash
# reproducers, replayed by `make test`) and the matching fixtures. The harness links the library
# in DIR: build-asan/lib (AddressSanitizer + coverage counters: `make asan-lib`) when it exists,
# else build/lib (no coverage feedback from the library: the harness counts each call's outcome,
# status and message, as libFuzzer features instead; every seed is kept). A crash is
# copied into Tests/fuzz/corpus/TARGET/ as crash-*, to be fixed and kept as a regression test.
# Prints the executions per target; exits 1 on any crash.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
seconds=60
lib=""
targets=()
while (($#)); do
  case "$1" in
    --seconds) seconds=$2; shift 2 ;;
    --lib) lib=$2; shift 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
((${#targets[@]})) || targets=(network spec config ir node nir t1c npy wav events descriptor)
if [ -z "$lib" ]; then
  if [ -f "$root/build-asan/lib/libcelesta.so" ]; then lib=$root/build-asan/lib; else lib=$root/build/lib; fi
fi
cc=$(command -v clang) || { echo "fuzz: clang is needed"; exit 2; }
work=${CELESTA_FUZZ_WORK:-$root/.build/fuzz}
mkdir -p "$work"
bin=$work/fuzz_abi
"$cc" -g -O1 -fuse-ld=lld -fsanitize=fuzzer,address -I include Tests/fuzz/fuzz_abi.c \
  -L "$lib" -Wl,-rpath,"$lib" -lcelesta -o "$bin" 2> >(grep -v "Cannot export local symbol" >&2) || exit 2
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:allocator_may_return_null=1}
status=0
printf '%-8s %12s %10s  %s\n' target executions exec/s result
for t in "${targets[@]}"; do
  corpus=$work/corpus/$t
  mkdir -p "$corpus" "$root/Tests/fuzz/corpus/$t"
  cp -n "$root/Tests/fuzz/corpus/$t"/* "$corpus"/ 2>/dev/null
  case "$t" in
    nir) cp -n Tests/Fixtures/nir/*.nir Tests/Fixtures/hdf5/*.h5 "$corpus"/ 2>/dev/null ;;
    events) cp -n Tests/Fixtures/talon/events/*.h5 Tests/Fixtures/hdf5/*.h5 "$corpus"/ 2>/dev/null ;;
    t1c) find Tests/Fixtures/talon -name '*.t1c' -size -100k -exec cp -n {} "$corpus"/ \; ;;
    ir) cp -n Tests/Fixtures/nir/*.json "$corpus"/ 2>/dev/null ;;
  esac
  log=$work/$t.log
  # CELESTA_FUZZ_SEED fixes libFuzzer's seed (make test's short run: the same mutations each
  # time, so that a crash it finds reproduces); unset, each campaign explores anew.
  # -keep_seed=1: every seed stays in the corpus and is mutated, even when it adds no feature
  # (against the release library, whose parsers carry no coverage counters).
  # CELESTA_FUZZ_TIMEOUT (seconds, default 20): a campaign under `nice` on a loaded host can be
  # descheduled for 20 s (units of a few microseconds were reported as 19 s slow).
  (cd "$work" && CELESTA_FUZZ_TARGET=$t "$bin" -max_total_time="$seconds" -print_final_stats=1 -rss_limit_mb=4096 -keep_seed=1 \
     ${CELESTA_FUZZ_SEED:+-seed="$CELESTA_FUZZ_SEED"} ${CELESTA_FUZZ_RUNS:+-runs="$CELESTA_FUZZ_RUNS"} \
     -max_len=65536 -timeout="${CELESTA_FUZZ_TIMEOUT:-20}" -artifact_prefix="$work/$t-" "$corpus" > "$log" 2>&1)
  rc=$?
  execs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+).*/\1/p' "$log" | tail -1)
  rate=$(sed -nE 's/^stat::average_exec_per_sec: *([0-9]+).*/\1/p' "$log" | tail -1)
  if [ "$rc" -ne 0 ]; then
    status=1
    for a in "$work/$t"-crash-* "$work/$t"-timeout-* "$work/$t"-leak-* "$work/$t"-oom-*; do
      [ -f "$a" ] && cp "$a" "$root/Tests/fuzz/corpus/$t/$(basename "$a" | sed "s/^$t-//")"
    done
    printf '%-8s %12s %10s  %s\n' "$t" "${execs:-?}" "${rate:-?}" "CRASH (see $log)"
    grep -m3 -E "ERROR|SUMMARY|deadly|status" "$log" | sed 's/^/    /'
  else
    printf '%-8s %12s %10s  %s\n' "$t" "${execs:-?}" "${rate:-?}" "ok"
  fi
done
exit $status

#!/usr/bin/env bash
# Sanitizer builds and runs (issue 16).
#
#   scripts/sanitizers.sh subset LIB OUT   `make test`'s share: the C hardening harnesses (handles,
#                                          threads, the ABI harness) built with AddressSanitizer
#                                          against the release library LIB: ASan's allocator sees
#                                          every malloc/free of the library (double and invalid
#                                          frees, heap corruption), ThreadSanitizer the harness.
#   scripts/sanitizers.sh asan-lib         the library built with -sanitize=address and coverage
#                                          counters (.build-asan), staged in build-asan/lib; the
#                                          fuzz targets link it (scripts/fuzz.sh). The counters are
#                                          inline-8bit-counters + pc-table: libFuzzer refuses the
#                                          older trace-pc-guard that "edge" alone gives.
#   scripts/sanitizers.sh full             `make test-asan`: asan-lib, the Swift tests built and
#                                          run under ASan, the C harnesses and the Python tests
#                                          against the ASan library.
#   scripts/sanitizers.sh tsan             `make test-tsan`: the library built with
#                                          -sanitize=thread (.build-tsan) and the 8-thread stress
#                                          test (Tests/c/test_threads.c) run under it, then the
#                                          Python thread tests (test_hardening_threads.py) on it
#                                          with the TSan runtime preloaded.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
mode=${1:-}
clang=$(command -v clang) || { echo "sanitizers: clang is needed"; exit 2; }
cflags=(-std=c99 -g -O1 -fuse-ld=lld -I include)
# The toolchain's ThreadSanitizer runtime intercepts libdispatch: link the toolchain's copy.
swiftlib=$(dirname "$(dirname "$(readlink -f "$(command -v swift)")")")/lib/swift/linux
tsanlibs=(-L"$swiftlib" -Wl,-rpath,"$swiftlib" -ldispatch -lBlocksRuntime)
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=0:allocator_may_return_null=1}
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}

stage() {  # stage SCRATCH DEST: the library of a sanitizer build, with its soname link
  local bin
  bin=$(swift build -c release --scratch-path "$1" --show-bin-path) || return 1
  mkdir -p "$2"
  cp -f "$bin/libcelesta.so" "$2/libcelesta.so.0"
  ln -sfn libcelesta.so.0 "$2/libcelesta.so"
}

python_against() {  # python_against LIB OUT RUNTIME TESTS...: pytest on a copy of the installed
  # package whose library is LIB (a sanitizer build), with the sanitizer's runtime preloaded.
  local lib=$1 out=$2 rt=$3 site f
  shift 3
  site=$("$root/.venv/bin/python" -c 'import celesta, os; print(os.path.dirname(os.path.dirname(celesta.__file__)))') || return 1
  rm -rf "$out/celesta" && cp -r "$site/celesta" "$out/celesta" || return 1
  for f in "$out"/celesta/libcelesta.so*; do cp -f "$lib/libcelesta.so.0" "$f"; done
  PYTHONPATH="$out" LD_PRELOAD="$rt" "$root/.venv/bin/python" -m pytest -q -p no:cacheprovider "$@"
}

swift_asan=(-c release --scratch-path "$root/.build-asan" -Xswiftc -sanitize=address
            -Xswiftc -sanitize-coverage=edge,inline-8bit-counters,pc-table,trace-cmp -Xcc -fsanitize=address)

case "$mode" in
subset)
  lib=$2 out=$3
  mkdir -p "$out"
  status=0
  for t in test_hardening test_abi; do
    "$clang" "${cflags[@]}" -fsanitize=address Tests/c/$t.c -L "$lib" -Wl,-rpath,"$lib" -lcelesta -lm -pthread \
      -o "$out/$t" && "$out/$t" > "$out/$t.log" 2>&1 || { status=1; tail -20 "$out/$t.log"; echo "asan: $t failed"; }
  done
  "$clang" "${cflags[@]}" -fsanitize=address Tests/c/test_threads.c -L "$lib" -Wl,-rpath,"$lib" -lcelesta -lm -pthread \
    -o "$out/threads_asan" && "$out/threads_asan" 10 || { status=1; echo "asan: test_threads failed"; }
  "$clang" "${cflags[@]}" -fsanitize=thread Tests/c/test_threads.c -L "$lib" -Wl,-rpath,"$lib" -lcelesta -lm -pthread \
    "${tsanlibs[@]}" -o "$out/threads_tsan" && "$out/threads_tsan" 5 || { status=1; echo "tsan (harness side): test_threads failed"; }
  [ $status -eq 0 ] && echo "sanitizers subset: clean"
  exit $status ;;
asan-lib)
  swift build "${swift_asan[@]}" --product celesta || exit 1
  stage "$root/.build-asan" "$root/build-asan/lib" ;;
full)
  swift build "${swift_asan[@]}" --build-tests || exit 1
  stage "$root/.build-asan" "$root/build-asan/lib" || exit 1
  lib=$root/build-asan/lib
  out=$(mktemp -d)
  trap 'rm -rf "$out"' EXIT
  failures=()
  # CELESTA_ASAN_PARTS picks the parts (default all: "swift c python").
  parts=" ${CELESTA_ASAN_PARTS:-swift c python} "
  [[ $parts == *" swift "* ]] && {
  echo "==== Swift tests under ASan ===="
  # Why the full run "did not finish" (issue 16): XCTest's output to a pipe is block-buffered
  # (nothing shows for minutes), and the suites that load the whole reference corpus (24 MB of
  # JSON in Tests/Fixtures/xylo, three files of 5 MB) decode it with Foundation's JSONDecoder:
  # millions of small allocations, each through ASan's allocator and quarantine. Sampled with
  # gdb, XyloImageTests sat there for minutes (testControlFieldsLandInTheirBits: over 150 s,
  # unfinished, also with allocator_release_to_os_interval_ms=-1). Output is line-buffered
  # here, and those suites and the minutes-long reference sweeps (run in full by the release
  # suite) are skipped; CELESTA_ASAN_ALL=1 runs them too.
  skips=()
  if [ -z "${CELESTA_ASAN_ALL:-}" ]; then
    for t in SimulatorReferenceTests/testRandomCases CyclesReferenceTests HDKTests/testVirtualKitEqualsEveryReferenceVector \
             HDF5RoundTripTests/testFixturesRoundTrip HDF5RobustnessTests/testDamagedFilesFailCleanlyAndSilently \
             XyloImageTests SimulatorReferenceTests MapperReferenceTests; do
      skips+=(--skip "$t")
    done
  fi
  stdbuf -oL -eL swift test "${swift_asan[@]}" --skip-build --disable-swift-testing "${skips[@]}" || failures+=(swift)
  }
  asanrt=$("$clang" -print-file-name=libclang_rt.asan-x86_64.so)
  [[ $parts == *" c "* ]] && {
  echo "==== C harnesses under ASan ===="
  # -shared-libsan: the harnesses need the runtime's folder on their rpath to start at all.
  cflags+=(-Wl,-rpath,"$(dirname "$asanrt")")
  # Every harness of run-tests.sh, with the same arguments (the reference cases extracted first).
  cases=()
  for name in a2_edge_sat_negative a3_edge_alias_residual a2_random_medium_dense a3_edge_ien_oen a3_edge_bias \
              v1_random_medium_sparse v1_edge_second_synapse; do
    [ -f "Tests/Fixtures/xylo/$name.json" ] || continue
    "$root/.venv/bin/python" scripts/extract_case.py "Tests/Fixtures/xylo/$name.json" "$out/cases/$name" && cases+=("$out/cases/$name")
  done
  python3 scripts/extract_afe_case.py Tests/Fixtures/xylo/a3_afe_external_dn.json "$out/afe/external" &&
    python3 scripts/extract_afe_case.py Tests/Fixtures/xylo/a3_afe_pdm_dn.json "$out/afe/pdm" || failures+=(afe-cases)
  mkdir -p "$out/ir" "$out/viz" "$out/events" "$out/hls"
  harness() {  # harness NAME ARGS...
    local t=$1
    shift
    echo "-- $t"
    "$clang" "${cflags[@]}" -fsanitize=address -shared-libsan Tests/c/$t.c -L "$lib" -Wl,-rpath,"$lib" -lcelesta -lm \
      -pthread -o "$out/$t" && "$out/$t" "$@" > "$out/$t.log" 2>&1 || { failures+=("$t"); tail -30 "$out/$t.log"; }
  }
  harness test_hardening
  harness test_abi
  harness test_pipeline
  harness test_spec_arrays
  harness test_faults
  harness test_xylo "$out" "${cases[@]}"
  harness test_hdk "${cases[@]}"
  harness test_afe "$out/afe/external" "$out/afe/pdm"
  harness test_ir Tests/Fixtures "$out/ir"
  harness test_ir_sdk Tests/Fixtures
  harness test_ir_viz Tests/Fixtures "$out"
  harness test_backend
  harness test_backend_run
  mkdir -p "$out/descriptor"
  harness test_backend_descriptor_read "$out/descriptor"
  harness test_ir_mapping Tests/Fixtures
  harness test_events Tests/Fixtures "$out/events"
  harness test_file_bytes Tests/Fixtures
  harness test_hls "$out/hls"
  mkdir -p "$out/bitstream" && harness test_backend_bitstream "$out/bitstream"
  "$clang" "${cflags[@]}" -fsanitize=address -shared-libsan Tests/c/test_threads.c -L "$lib" -Wl,-rpath,"$lib" \
    -lcelesta -lm -pthread -o "$out/test_threads" && "$out/test_threads" 10 || failures+=(test_threads)
  python3 scripts/gen_abi_sweep.py include/celesta.h > "$out/sweep.c" &&
    "$clang" -std=c99 -g -fuse-ld=lld -fsanitize=address -shared-libsan -Wl,-rpath,"$(dirname "$asanrt")" -I include "$out/sweep.c" -L "$lib" -Wl,-rpath,"$lib" \
      -lcelesta -lm -o "$out/sweep" && "$out/sweep" || failures+=(abi-sweep)
  }
  [[ $parts == *" python "* ]] && {
  echo "==== Python tests against the ASan library ===="
  # CELESTA_TEST_SLOWDOWN: the tests that run children under a time limit scale it (ASan: ~3x).
  CELESTA_TEST_SLOWDOWN=${CELESTA_TEST_SLOWDOWN:-3} ASAN_OPTIONS="$ASAN_OPTIONS:verify_asan_link_order=0" \
    python_against "$lib" "$out" "$asanrt" bindings/python/tests ||
    failures+=(python)
  }
  if ((${#failures[@]})); then echo "test-asan: FAILED: ${failures[*]}"; exit 1; fi
  echo "test-asan: clean" ;;
tsan)
  swift build -c release --scratch-path "$root/.build-tsan" -Xswiftc -sanitize=thread -Xcc -fsanitize=thread \
    --product celesta || exit 1
  stage "$root/.build-tsan" "$root/build-tsan/lib" || exit 1
  lib=$root/build-tsan/lib
  out=$(mktemp -d)
  trap 'rm -rf "$out"' EXIT
  "$clang" "${cflags[@]}" -fsanitize=thread Tests/c/test_threads.c -L "$lib" -Wl,-rpath,"$lib" \
    -lcelesta -lm -pthread "${tsanlibs[@]}" -o "$out/test_threads" || exit 1
  status=0
  # The library's own (static) libdispatch is invisible to TSan: see the suppressions file.
  export TSAN_OPTIONS="$TSAN_OPTIONS:suppressions=$root/Tests/sanitizers/tsan.supp"
  echo "==== Tests/c/test_threads.c against the TSan library ===="
  "$out/test_threads" "${TSAN_ROUNDS:-5}" || status=1
  echo "==== Python thread tests against the TSan library ===="
  # The shared TSan runtime refers to libdispatch (its interceptors): preload the toolchain's.
  tsanrt=$("$clang" -print-file-name=libclang_rt.tsan-x86_64.so)
  # TSan runs the library 5-15x slower (every access and lock through its runtime): the
  # children's time limits of test_hardening_threads.py grow by CELESTA_TEST_SLOWDOWN, and a
  # child that still runs out prints every thread's stack (a deadlock shows where it waits).
  CELESTA_TEST_SLOWDOWN=${CELESTA_TEST_SLOWDOWN:-10} \
    python_against "$lib" "$out" "$tsanrt $swiftlib/libdispatch.so $swiftlib/libBlocksRuntime.so" \
    bindings/python/tests/test_hardening_threads.py || status=1
  [ $status -eq 0 ] && echo "test-tsan: clean"
  exit $status ;;
*)
  echo "usage: scripts/sanitizers.sh subset LIB OUT | asan-lib | full | tsan"; exit 2 ;;
esac

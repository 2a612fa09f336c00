#!/usr/bin/env bash
# Checks of the built library and the generated header (run by `make test`):
#   soname, no Swift runtime dependency, exported symbols == functions declared in the header,
#   and strict C99 / C++17 compiles of the header; with WIDE_OBJECTS_DIR, that the AVX2 module
#   (CelestaWideKernels) defines no symbol another module could also define (a linker could
#   otherwise take its AVX2 copy of a shared helper for code that runs on any CPU).
# Usage: check-abi.sh LIBRARY HEADER_DIR [WIDE_OBJECTS_DIR]
set -uo pipefail
lib=$1
incdir=$2
wide=${3:-}
header=$incdir/celesta.h
passed=0
failed=0
check() {  # check NAME COMMAND...
  local name=$1; shift
  local out
  if out=$("$@" 2>&1); then
    passed=$((passed + 1)); echo "ok   $name"
  else
    failed=$((failed + 1)); echo "FAIL $name"; echo "$out" | sed 's/^/     /'
  fi
}

soname_is() { readelf -d "$lib" | grep -q "Library soname: \[$1\]"; }
no_swift_runtime() { ! ldd "$lib" | grep -i swift; }
exported_symbols() { nm -D --defined-only --extern-only "$lib" | awk '{print $3}' | sort; }
declared_functions() { sed -nE 's/^CELESTA_API .*[ *](celesta_[a-z0-9_]+)\(.*/\1/p' "$header" | sort -u; }
symbols_equal_header() {
  diff <(exported_symbols) <(declared_functions) && [ -n "$(declared_functions)" ]
}
only_celesta_symbols() { ! exported_symbols | grep -v '^celesta_'; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '#include <celesta.h>\nint main(void) { celesta_xylo_chip_info_t c = CELESTA_INIT(celesta_xylo_chip_info_t); size_t n = 0; return celesta_xylo_chip_count(&n) == CELESTA_OK && n > 0 && celesta_xylo_chip_info(&c, 0) == CELESTA_OK ? 0 : 1; }\n' > "$tmp/t.c"
cp "$tmp/t.c" "$tmp/t.cpp"
strict_c99() { gcc -std=c99 -Wall -Wextra -Werror -pedantic -I"$incdir" -c "$tmp/t.c" -o "$tmp/c.o"; }
strict_c11() { gcc -std=c11 -Wall -Wextra -Werror -pedantic -Wstrict-prototypes -I"$incdir" -c "$tmp/t.c" -o "$tmp/c11.o"; }
strict_cxx17() { g++ -std=c++17 -Wall -Wextra -Werror -pedantic -I"$incdir" -c "$tmp/t.cpp" -o "$tmp/cpp.o"; }
strict_cxx_link() { g++ -std=c++17 "$tmp/cpp.o" -L"$(dirname "$lib")" -lcelesta -o "$tmp/cpp" && LD_LIBRARY_PATH=$(dirname "$lib") "$tmp/cpp"; }

check "soname is libcelesta.so.0" soname_is "libcelesta.so.0"
check "no libswift* dependency (ldd)" no_swift_runtime
check "only celesta_* symbols exported" only_celesta_symbols
check "exported symbols == header functions" symbols_equal_header
check "header compiles as C99 -Wall -Wextra -Werror -pedantic" strict_c99
check "header compiles as C11 with -Wstrict-prototypes" strict_c11
check "header compiles as C++17 -Wall -Wextra -Werror -pedantic" strict_cxx17
check "C++ program links and runs" strict_cxx_link
# Global or weak symbols of the AVX2 objects other than the module's own (mangled with its
# name) and the reflection-version constant every Swift module carries (data, not code).
foreign_wide_symbols() {
  nm --defined-only --extern-only "$wide"/*.o | awk 'NF == 3 {print $3}' \
    | grep -v -e '^\$s18CelestaWideKernels' -e '^__swift_reflection_version$'
}
wide_symbols_private() { ls "$wide"/*.o > /dev/null && ! foreign_wide_symbols; }
# The other Celesta modules (built next to it) carry no 256-bit instruction: nothing of the AVX2
# module was inlined into code that runs on every CPU.
no_avx_elsewhere() {
  local d found=0
  for d in CelestaIR CelestaXylo CelestaCPU CelestaHDK Celesta; do
    ls "$wide/../$d.build"/*.o > /dev/null || return 1
    if objdump -d --no-show-raw-insn "$wide/../$d.build"/*.o | grep -m3 'ymm'; then found=1; fi
  done
  [ "$found" -eq 0 ]
}
if [ -n "$wide" ]; then
  check "AVX2 objects define only their own symbols" wide_symbols_private
  check "no AVX2 code in the other modules" no_avx_elsewhere
fi
echo "check-abi: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

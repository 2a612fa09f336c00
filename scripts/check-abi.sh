#!/usr/bin/env bash
# Checks of the built library and the generated header (run by `make test`):
#   soname, no Swift runtime dependency, exported symbols == functions declared in the header,
#   and strict C99 / C++17 compiles of the header. Usage: check-abi.sh LIBRARY HEADER_DIR
set -uo pipefail
lib=$1
incdir=$2
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
printf '#include <celesta.h>\nint main(void) { return celesta_chip_count() > 0 ? 0 : 1; }\n' > "$tmp/t.c"
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
echo "check-abi: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

#!/usr/bin/env bash
# Installs Celesta into a temporary prefix with `make install` and builds two consumers
# against it: examples/c with pkg-config, and Tests/consumers/cmake with find_package.
# Both must run and print the version and the chip table. The prefix is then moved to check
# that the installed tree is relocatable. Run by `make test`.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0
check() {
  local name=$1; shift
  local out
  if out=$("$@" 2>&1); then
    passed=$((passed + 1)); echo "ok   $name"
  else
    failed=$((failed + 1)); echo "FAIL $name"; echo "$out" | tail -20 | sed 's/^/     /'
  fi
}

prefix=$tmp/prefix
version=$(make -s -C "$root" print-version)
install_tree() { make -s -C "$root" install-staged PREFIX="$prefix"; }
has_files() {
  for f in lib/libcelesta.so lib/libcelesta.so.0 "lib/libcelesta.so.$version" include/celesta.h \
           lib/pkgconfig/celesta.pc lib/cmake/Celesta/CelestaConfig.cmake \
           lib/cmake/Celesta/CelestaConfigVersion.cmake bin/celesta; do
    [ -e "$prefix/$f" ] || { echo "missing $f"; return 1; }
  done
}
expect_output() {  # expect_output FILE: version and every chip id in the output
  grep -q "celesta $version" "$1" && grep -q syns61201 "$1" && grep -q syns65302 "$1" && grep -q syns61300 "$1" \
    || { cat "$1"; return 1; }
}
pkgconfig_consumer() {
  local p=$1
  export PKG_CONFIG_PATH=$p/lib/pkgconfig
  [ "$(pkg-config --modversion celesta)" = "$version" ] || { echo "pkg-config version"; return 1; }
  rm -rf "$tmp/pc" && cp -r "$root/examples/c" "$tmp/pc"
  make -s -C "$tmp/pc" chips && (cd "$tmp" && env -u LD_LIBRARY_PATH "$tmp/pc/chips") > "$tmp/pc.out" && expect_output "$tmp/pc.out"
}
cmake_consumer() {
  local p=$1
  rm -rf "$tmp/cm"
  cmake -S "$root/Tests/consumers/cmake" -B "$tmp/cm" -DCMAKE_PREFIX_PATH="$p" -DCMAKE_C_FLAGS="-Wall -Wextra -Werror -pedantic" > "$tmp/cm.log" \
    && cmake --build "$tmp/cm" >> "$tmp/cm.log" \
    && env -u LD_LIBRARY_PATH "$tmp/cm/chips" > "$tmp/cm.out" && expect_output "$tmp/cm.out"
}
cmake_rejects_newer_major() {
  local p=$1
  mkdir -p "$tmp/cmv"
  printf 'cmake_minimum_required(VERSION 3.16)\nproject(v C)\nfind_package(Celesta 99 CONFIG REQUIRED)\n' > "$tmp/cmv/CMakeLists.txt"
  ! cmake -S "$tmp/cmv" -B "$tmp/cmv/b" -DCMAKE_PREFIX_PATH="$p" >/dev/null 2>&1
}
cmake_zero_minor_rule() {  # 0.x: another minor may break the ABI, so only the same minor matches
  local p=$1 minor=${version#*.}; minor=${minor%%.*}
  [ "${version%%.*}" = 0 ] || return 0
  mkdir -p "$tmp/cmz"
  printf 'cmake_minimum_required(VERSION 3.16)\nproject(v C)\nfind_package(Celesta 0.%s CONFIG REQUIRED)\n' $((minor - 1)) > "$tmp/cmz/CMakeLists.txt"
  ! cmake -S "$tmp/cmz" -B "$tmp/cmz/b1" -DCMAKE_PREFIX_PATH="$p" >/dev/null 2>&1 || return 1
  printf 'cmake_minimum_required(VERSION 3.16)\nproject(v C)\nfind_package(Celesta 0 CONFIG REQUIRED)\n' > "$tmp/cmz/CMakeLists.txt"
  cmake -S "$tmp/cmz" -B "$tmp/cmz/b2" -DCMAKE_PREFIX_PATH="$p" >/dev/null 2>&1
}
installed_cli() { env -u LD_LIBRARY_PATH "$1/bin/celesta" chips | grep -q syns65302 && "$1/bin/celesta" --version | grep -q "$version"; }

check "make install into a temporary prefix" install_tree
check "installed files present" has_files
check "pkg-config consumer (examples/c) builds and runs" pkgconfig_consumer "$prefix"
check "CMake consumer (find_package) builds and runs" cmake_consumer "$prefix"
check "CMake refuses an incompatible version request" cmake_rejects_newer_major "$prefix"
check "CMake: a 0.x version matches only its own minor" cmake_zero_minor_rule "$prefix"
check "installed CLI runs" installed_cli "$prefix"
mv "$prefix" "$tmp/moved"
check "relocated prefix: pkg-config consumer" pkgconfig_consumer "$tmp/moved"
check "relocated prefix: CMake consumer" cmake_consumer "$tmp/moved"
echo "test-install: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

#!/usr/bin/env bash
# Builds and runs the host tests of the firmware core three ways, and fails on any failure:
#   1. system compiler, -Wall -Wextra -Werror, ctest
#   2. the same with AddressSanitizer and UndefinedBehaviorSanitizer, ctest
#   3. compile-only portability check of the core sources with Debian's xtensa-lx106-elf-gcc
#      (a 32-bit Xtensa compiler for the ESP8266; this is not an ESP32-S3 build)
# Needs cmake, a C compiler, libcmocka-dev, gcc-xtensa-lx106 and picolibc-xtensa-lx106-elf.
# Build folders go under $FF_BUILD_DIR (default: build/firmware in the repository).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
build="${FF_BUILD_DIR:-$repo/build/firmware}"
core="$repo/firmware/lib/footfall_core"
jobs="$(nproc 2>/dev/null || echo 2)"

step() {
    printf '\n== %s\n' "$1"
}

step "host build with warnings as errors"
cmake -S "$here" -B "$build/host" -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build "$build/host" --parallel "$jobs"
ctest --test-dir "$build/host" --output-on-failure

step "host build with AddressSanitizer and UndefinedBehaviorSanitizer"
cmake -S "$here" -B "$build/sanitize" -DCMAKE_BUILD_TYPE=Debug -DFF_SANITIZE=ON >/dev/null
cmake --build "$build/sanitize" --parallel "$jobs"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
    ctest --test-dir "$build/sanitize" --output-on-failure

step "xtensa-lx106 compile-only portability check (32-bit Xtensa, not an ESP32-S3 build)"
if ! command -v xtensa-lx106-elf-gcc >/dev/null; then
    echo "xtensa-lx106-elf-gcc not found: install the Debian packages gcc-xtensa-lx106 and" \
        "picolibc-xtensa-lx106-elf" >&2
    exit 1
fi
specs=/usr/lib/xtensa-lx106-elf/picolibc.specs
if [ ! -f "$specs" ]; then
    echo "$specs not found: install the Debian package picolibc-xtensa-lx106-elf" \
        "(the C library headers for xtensa-lx106-elf-gcc)" >&2
    exit 1
fi
mkdir -p "$build/xtensa"
for source in "$core"/src/*.c; do
    object="$build/xtensa/$(basename "${source%.c}").o"
    xtensa-lx106-elf-gcc --specs="$specs" -std=c11 -Os -Wall -Wextra -Wshadow -Wconversion \
        -Wno-sign-conversion -Werror -I"$core/include" -c "$source" -o "$object"
done
xtensa-lx106-elf-size "$build"/xtensa/*.o

step "all firmware core checks passed"

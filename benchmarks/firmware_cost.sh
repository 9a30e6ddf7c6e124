#!/usr/bin/env bash
# Cost of the firmware core per frame and its static memory at the default capacities.
#
#   bash benchmarks/firmware_cost.sh [FRAMES]      (default 2000 frames)
#
# 1. Instructions per frame: bench_frame runs the device pipeline (camera supervision,
#    tracker, line counter, event queue on a RAM flash) on frames of ten detections under
#    valgrind's callgrind, counting only inside ff_pipeline_on_frame. These are host x86-64
#    instructions of a -O2 build: a proxy for the work, not an ESP32-S3 figure.
# 2. Static memory: the structs a device keeps (pipeline, queue, uplink) plus the core's own
#    .data and .bss. They come from a 32-bit Xtensa compile (xtensa-lx106-elf-gcc for the
#    ESP8266, -Os) because the ESP32-S3 toolchain cannot be installed here. The host x86-64
#    sizes are printed too.
# Needs cmake, gcc, valgrind, gcc-xtensa-lx106 and picolibc-xtensa-lx106-elf.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${FF_BUILD_DIR:-$repo/build/firmware}/cost"
core="$repo/firmware/lib/footfall_core"
frames="${1:-2000}"

cmake -S "$repo/firmware/test" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" --target bench_frame >/dev/null

echo "== instructions per frame (host x86-64, -O2, 10 detections a frame, $frames frames)"
out="$build/callgrind.out"
valgrind --tool=callgrind --toggle-collect=ff_pipeline_on_frame --callgrind-out-file="$out" \
    "$build/bench_frame" "$frames" 2>"$build/valgrind.log"
total="$(awk '/^summary:/ {print $2}' "$out")"
if [ -z "$total" ]; then
    echo "callgrind wrote no summary line; see $build/valgrind.log" >&2
    exit 1
fi
echo "instructions in ff_pipeline_on_frame: $total"
echo "instructions per frame: $((total / frames))"

echo
echo "== static memory, host x86-64 (sizeof)"
"$build/bench_frame" --sizes

echo
echo "== static memory, 32-bit Xtensa lx106 compile (-Os), bytes"
specs=/usr/lib/xtensa-lx106-elf/picolibc.specs
xbuild="$build/xtensa"
mkdir -p "$xbuild"
cat >"$xbuild/instances.c" <<'C'
#include "footfall/footfall.h"
/* The instances a device keeps, as the glue declares them. */
ff_queue_t device_queue;
ff_pipeline_t device_pipeline;
ff_uplink_t device_uplink;
C
flags=(--specs="$specs" -std=c11 -Os -fno-common -I"$core/include")
xtensa-lx106-elf-gcc "${flags[@]}" -c "$xbuild/instances.c" -o "$xbuild/instances.o"
for source in "$core"/src/*.c; do
    xtensa-lx106-elf-gcc "${flags[@]}" -c "$source" -o "$xbuild/$(basename "${source%.c}").o"
done
for symbol in device_pipeline device_queue device_uplink; do
    hex="$(xtensa-lx106-elf-nm -S "$xbuild/instances.o" | awk -v s="$symbol" '$4 == s {print $2}')"
    echo "$symbol $((16#$hex))"
done
instances="$(xtensa-lx106-elf-size "$xbuild/instances.o" | awk 'NR == 2 {print $2 + $3}')"
core_static="$(xtensa-lx106-elf-size -t "$xbuild"/[a-z]*.o | awk '/TOTALS/ {print $2 + $3}')"
core_only=$((core_static - instances))
echo "core .data + .bss: $core_only"
echo "total static memory: $((instances + core_only))"
code="$(xtensa-lx106-elf-size -t "$xbuild"/[a-z]*.o | awk '/TOTALS/ {print $1}')"
echo "code (.text) of the core: $code (instances.o adds none)"

#!/usr/bin/env bash
# Builds the libFuzzer targets in fuzz/ into .build-fuzz/fuzz/<target>.
#
# 1. SwiftPM builds the library modules the targets need (GridplanGeometry, GridplanIO,
#    GridplanSQLite, GridplanPostgres, GridplanCRS, GridplanStore) in its own scratch path with
#    `--sanitize=fuzzer --sanitize=address`: every Swift file gets libFuzzer's coverage
#    instrumentation (-sanitize=fuzzer only instruments when compiling; it links libFuzzer's
#    main only into executables) and ASan. Debug builds use -enable-testing, so targets may
#    `@testable import` internal parsers. Package.swift is untouched; only library targets are
#    built, so no executable or test product is linked.
# 2. swiftc compiles each fuzz/<Name>Fuzz.swift with the same sanitizers against the built
#    modules and links it with the modules' object files and the C libraries.
#
# Usage: bash fuzz/build.sh [target ...]   (default: all targets)
set -euo pipefail
cd "$(dirname "$0")/.."

SWIFT=${SWIFT:-swift}
SWIFTC=${SWIFTC:-swiftc}
SCRATCH=${FUZZ_SCRATCH:-.build-fuzz}
OUT=$SCRATCH/fuzz
MODULES=(GridplanGeometry GridplanSQLite GridplanPostgres GridplanCRS GridplanIO GridplanStore)

# target name → source file
declare -A SOURCES=(
  [geojson]=GeoJSONFuzz.swift
  [json]=JSONFuzz.swift
  [wkb]=WKBFuzz.swift
  [gpkg-geometry]=GPKGGeometryFuzz.swift
  [shapefile]=ShapefileFuzz.swift
  [csv]=CSVFuzz.swift
  [wkt]=WKTFuzz.swift
)
if [ $# -gt 0 ]; then TARGETS=("$@"); else TARGETS=(geojson json wkb gpkg-geometry shapefile csv wkt); fi

echo "== building library modules with -sanitize=fuzzer,address in $SCRATCH"
# GridplanStore depends on all the other modules listed above.
$SWIFT build --scratch-path "$SCRATCH" -c debug --target GridplanStore --sanitize=fuzzer --sanitize=address

BIN=$SCRATCH/debug
OBJECTS=()
for m in "${MODULES[@]}"; do
  shopt -s nullglob
  objs=("$BIN/$m.build"/*.swift.o)
  shopt -u nullglob
  [ ${#objs[@]} -gt 0 ] || { echo "no object files for $m in $BIN/$m.build" >&2; exit 1; }
  OBJECTS+=("${objs[@]}")
done

mkdir -p "$OUT"
for t in "${TARGETS[@]}"; do
  src=${SOURCES[$t]:-}
  [ -n "$src" ] || { echo "unknown fuzz target '$t' (known: ${!SOURCES[*]})" >&2; exit 2; }
  echo "== linking $OUT/$t"
  $SWIFTC -sanitize=fuzzer,address -parse-as-library -g -Onone -swift-version 6 -use-ld=lld \
    -module-name "fuzz_${t//-/_}" \
    -I "$BIN/Modules" \
    -Xcc -fmodule-map-file=Sources/CGEOS/module.modulemap \
    -Xcc -fmodule-map-file=Sources/CPROJ/module.modulemap \
    -Xcc -fmodule-map-file=Sources/CSQLite/module.modulemap \
    -Xcc -fmodule-map-file=Sources/CLibPQ/module.modulemap \
    -I "$(pkg-config --variable=includedir libpq)" \
    -I /usr/include/x86_64-linux-gnu \
    "fuzz/$src" "${OBJECTS[@]}" \
    -lgeos_c -lproj -lsqlite3 -lpq \
    -o "$OUT/$t"
done
echo "== fuzz targets in $OUT: ${TARGETS[*]}"

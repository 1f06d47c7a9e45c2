#!/usr/bin/env bash
# Peak memory (and wall and user time) of each analysis command, one run each, on a sample city:
# the commands and files of benchmarks/run.py's main table, read from GeoJSON.
#
#   benchmarks/memory.sh benchmarks/work/city-100000 [BIN_DIR] [COMMAND...]
#
# BIN_DIR holds the gridplan binary (default .build-bench/release); COMMANDs pick some of
# repair, assign-streets, assign-points, check, metrics, partition, import-buildings,
# export-buildings (default: all) and partition-store (the partition from a GeoPackage store
# holding every layer; not in the default list, its imports take long at 100,000 communities). repair runs first when picked: it writes repaired.geojson,
# which the others read. Prints one line per command: name, seconds, user seconds, peak RSS in MB.
set -euo pipefail
city=$(cd "$1" && pwd)
bin=${2:-$(dirname "$0")/../.build-bench/release}
gp=$(cd "$bin" && pwd)/gridplan
shift $(( $# >= 2 ? 2 : 1 ))
commands=${*:-repair assign-streets assign-points check metrics partition import-buildings export-buildings}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cd "$city"

measure() {
    local name=$1
    shift
    /usr/bin/time -f "%e %U %M" -o "$scratch/time" "$@" > /dev/null 2> "$scratch/err" || {
        echo "$name failed:" >&2
        tail -5 "$scratch/err" >&2
        exit 1
    }
    read -r wall user kb < <(tail -1 "$scratch/time")
    printf '%-17s %8.1f s %8.1f user-s %7d MB\n' "$name" "$wall" "$user" $(( kb / 1024 ))
}

for c in $commands; do
    case $c in
    repair) measure repair "$gp" repair communities.geojson --boundary district.geojson --out repaired.geojson --json --quiet ;;
    assign-streets) measure "$c" "$gp" assign streets streets.geojson --units repaired.geojson --json --quiet ;;
    assign-points) measure "$c" "$gp" assign points events.geojson --units repaired.geojson --json --quiet ;;
    check) measure check "$gp" check communities.geojson --boundary district.geojson --households buildings.geojson --json --quiet ;;
    metrics) measure metrics "$gp" metrics repaired.geojson --households buildings.geojson --events events.geojson \
        --streets streets.geojson --boundary district.geojson --json --quiet ;;
    partition) measure partition "$gp" partition repaired.geojson --streets streets.geojson --households buildings.geojson \
        --target households:150-500 --out "$scratch/grids.geojson" --json --quiet ;;
    import-buildings)
        "$gp" init "$scratch/store.gpkg" --quiet > /dev/null
        measure "$c" "$gp" import "$scratch/store.gpkg" buildings.geojson --as buildings --json --quiet ;;
    export-buildings)
        [ -f "$scratch/store.gpkg" ] || { "$gp" init "$scratch/store.gpkg" --quiet > /dev/null &&
            "$gp" import "$scratch/store.gpkg" buildings.geojson --as buildings --quiet > /dev/null; }
        measure "$c" "$gp" export "$scratch/store.gpkg" buildings "$scratch/buildings.geojson" --json --quiet ;;
    partition-store)
        # The store a street office keeps: every layer imported, then a first partition that
        # writes the grids and relocates every component and event.
        "$gp" init "$scratch/city.gpkg" --quiet > /dev/null
        for layer in communities:repaired streets:streets buildings:buildings components:components events:events; do
            "$gp" import "$scratch/city.gpkg" "${layer#*:}.geojson" --as "${layer%%:*}" --quiet > /dev/null
        done
        measure "$c" "$gp" partition communities --store "$scratch/city.gpkg" --streets streets \
            --households buildings --events events --target households:150-500 --json --quiet ;;
    *) echo "unknown command $c" >&2; exit 2 ;;
    esac
done

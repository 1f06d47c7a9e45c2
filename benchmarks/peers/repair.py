"""Peer for `gridplan repair`: GEOS 3.14's CoverageCleaner through shapely 2.2.

usage: repair.py UNITS BOUNDARY OUT --metric-crs EPSG:4548

Reads and projects the units, makes them valid, runs shapely.coverage_clean (overlaps merged into
the neighbour with the longest shared border, gaps narrower than 2 m merged the same way, shared
edges made identical), clips what lies beyond the boundary, and writes the repaired units back
in WGS84 to OUT (GeoJSON through pyogrio): what `gridplan repair ... --out` does.

gridplan also lists every change (land, households, from, to) and leaves wider unmanaged gaps for
a person; coverage_clean gives no change list. run.py compares the results: the same number of
units, and the same repaired total area within 1% (computed afterwards, untimed, by verify.py).
"""
import argparse

import numpy as np
import shapely

import common

ap = argparse.ArgumentParser()
ap.add_argument("units")
ap.add_argument("boundary")
ap.add_argument("out")
ap.add_argument("--metric-crs", required=True)
ap.add_argument("--gap-width", type=float, default=2.0)
args = ap.parse_args()
common.start()

units = common.read(args.units, args.metric_crs)
district = common.read(args.boundary, args.metric_crs)
geoms = common.valid_polygons(units.geometry.values)
boundary = shapely.union_all(common.valid_polygons(district.geometry.values))

cleaned = shapely.coverage_clean(geoms, gap_width=args.gap_width, merge_strategy="longest_border")
# The outer boundary never moves: land beyond it is cut off.
beyond = ~shapely.covered_by(cleaned, boundary)
cleaned[beyond] = common.polygons_only(shapely.intersection(cleaned[beyond], boundary))

units = units.set_geometry(cleaned).to_crs("EPSG:4326")
units.to_file(args.out, driver="GeoJSON", engine="pyogrio")
common.done(units=int(len(cleaned)), empty=int(shapely.is_empty(cleaned).sum()),
            area_m2=float(shapely.area(cleaned).sum()), clipped=int(beyond.sum()))

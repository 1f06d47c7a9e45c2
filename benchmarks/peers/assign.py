"""Peer for `gridplan assign streets` and `gridplan assign points`.

usage: assign.py streets STREETS UNITS --metric-crs EPSG:4548 [--variant geopandas|shapely]
       assign.py points POINTS UNITS --metric-crs EPSG:4548 [--variant geopandas|shapely]

streets, geopandas: overlay(streets, units, how="intersection", keep_geom_type=True), exploded into
  single lines: every piece of a street inside a unit, with the unit's code.
streets, shapely: an STRtree of the units, the intersection of each street with each unit it meets.
points, geopandas: sjoin(points, units, predicate="intersects"), a point on a shared edge going to
  the lowest code (gridplan's tie rule).
points, shapely: STRtree.query(points, predicate="covered_by"), lowest code per point.

gridplan also decides boundary streets (a piece running along a shared border within 5 m goes to
the unit with the longer frontage; the others become co-owners); the peers only cut. run.py
compares the street length given to units (within 1%) and, for points, the counts exactly.
"""
import argparse

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

import common

ap = argparse.ArgumentParser()
ap.add_argument("what", choices=["streets", "points"])
ap.add_argument("features")
ap.add_argument("units")
ap.add_argument("--metric-crs", required=True)
ap.add_argument("--variant", default="geopandas", choices=["geopandas", "shapely"])
args = ap.parse_args()
common.start()

units = common.read(args.units, args.metric_crs, columns=["code"])
units = units.set_geometry(common.valid_polygons(units.geometry.values))
codes = units["code"].to_numpy()

if args.what == "streets":
    streets = common.read(args.features, args.metric_crs, columns=["id", "name"])
    total = float(streets.length.sum())
    if args.variant == "geopandas":
        pieces = gpd.overlay(streets, units, how="intersection", keep_geom_type=True).explode(index_parts=False)
        lengths = pieces.length.to_numpy()
        per_unit = pieces.assign(len=lengths).groupby("code")["len"].sum()
    else:
        tree = shapely.STRtree(units.geometry.values)
        si, ui = tree.query(streets.geometry.values, predicate="intersects")
        inter = shapely.intersection(streets.geometry.values[si], units.geometry.values[ui])
        parts, idx = shapely.get_parts(inter, return_index=True)
        keep = np.isin(shapely.get_type_id(parts), (1, 2))
        lengths = shapely.length(parts[keep])
        per_unit = pd.Series(lengths).groupby(codes[ui[idx[keep]]]).sum()
    owned = float(lengths.sum())
    common.done(what="streets", variant=args.variant, segments=int(len(lengths)), length_m=total, owned_length_m=owned,
                unowned_length_m=max(0.0, total - owned), units_with_streets=int((per_unit > 0).sum()))
else:
    pts = common.read(args.features, args.metric_crs, columns=["id"])
    geoms = pts.geometry.values
    if args.variant == "geopandas":
        joined = gpd.sjoin(pts[["geometry"]], units, predicate="intersects")
        lowest = joined.groupby(level=0)["code"].min()
        counts = lowest.value_counts()
        assigned = int(len(lowest))
    else:
        tree = shapely.STRtree(units.geometry.values)
        pi, ui = tree.query(geoms, predicate="covered_by")
        lowest = pd.Series(codes[ui]).groupby(pi).min()
        counts = lowest.value_counts()
        assigned = int(len(lowest))
    common.done(what="points", variant=args.variant, points=int(len(geoms)), assigned=assigned, outside=int(len(geoms) - assigned),
                units_with_points=int(len(counts)))

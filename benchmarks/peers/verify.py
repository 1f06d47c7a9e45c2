"""Untimed checks for run.py: what a tool wrote, measured the same way for every tool.

usage: verify.py count FILE [LAYER]                      -> {"features": N}
       verify.py polygons FILE --metric-crs EPSG:4548    -> count, total area, overlap area
"""
import argparse
import json

import numpy as np
import pyogrio
import shapely

import common

ap = argparse.ArgumentParser()
ap.add_argument("what", choices=["count", "polygons"])
ap.add_argument("file")
ap.add_argument("layer", nargs="?")
ap.add_argument("--metric-crs")
args = ap.parse_args()

if args.what == "count":
    info = pyogrio.read_info(args.file, layer=args.layer, force_feature_count=True)
    print(json.dumps({"features": int(info["features"])}))
else:
    df = common.read(args.file, args.metric_crs)
    g = df.geometry.values
    nonempty = g[~shapely.is_empty(g)]
    valid = common.valid_polygons(nonempty)
    tree = shapely.STRtree(valid)
    i, j = tree.query(valid, predicate="intersects")
    keep = i < j
    overlap = float(shapely.area(shapely.intersection(valid[i[keep]], valid[j[keep]])).sum()) if keep.any() else 0.0
    print(json.dumps({"features": int(len(g)), "nonempty": int(len(nonempty)), "area_m2": float(shapely.area(valid).sum()),
                      "overlap_area_m2": overlap, "invalid": int((~shapely.is_valid(nonempty)).sum())}))

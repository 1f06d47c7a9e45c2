"""Peer for GeoJSON read/write: Python's json plus shapely 2 (GEOS) geometries.

usage: python3 geojson_io.py read FILE | write FILE OUT
read:  json.loads for properties and ids + shapely.from_geojson of the whole text for the
       geometries (both are needed to hold what gridplan's reader holds). write: shapely.to_geojson + json for the features.
Prints the same JSON keys as gridplan-bench, so run.py can compare equal work.
"""
import json
import sys
import time

import shapely

op, path = sys.argv[1], sys.argv[2]


def read(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    doc = json.loads(text)
    feats = doc["features"]
    # GEOS's own GeoJSON reader parses the whole collection at once (fastest shapely path).
    geoms = shapely.get_parts(shapely.from_geojson(text))
    return feats, geoms


if op == "read":
    t0 = time.perf_counter()
    feats, geoms = read(path)
    t1 = time.perf_counter()
    coords = int(shapely.get_num_coordinates(geoms).sum())
    print(json.dumps({"read_s": t1 - t0, "features": len(feats), "coordinates": coords}))
elif op == "write":
    feats, geoms = read(path)
    t0 = time.perf_counter()
    texts = shapely.to_geojson(geoms, indent=None)
    with open(sys.argv[3], "w", encoding="utf-8") as f:
        f.write('{"type":"FeatureCollection","features":[\n')
        for i, (ft, g) in enumerate(zip(feats, texts)):
            if i:
                f.write(",\n")
            f.write('{"type":"Feature","id":' + json.dumps(ft.get("id")) + ',"properties":'
                    + json.dumps(ft["properties"], ensure_ascii=False) + ',"geometry":' + g + "}")
        f.write("\n]}\n")
    t1 = time.perf_counter()
    print(json.dumps({"write_s": t1 - t0, "features": len(feats)}))
else:
    sys.exit("unknown op")

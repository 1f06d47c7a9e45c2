"""Peer for `gridplan import` / `gridplan export` through geopandas + pyogrio (GDAL).

usage: store_io.py import SRC.geojson DST.gpkg LAYER
       store_io.py export SRC.gpkg LAYER DST.geojson

import: read the GeoJSON and append it as LAYER of a GeoPackage (to_file, driver GPKG).
export: read LAYER of a GeoPackage and write RFC 7946 GeoJSON (to_file, driver GeoJSON).
The other peer is GDAL's own ogr2ogr, run directly by run.py.
"""
import argparse

import common

ap = argparse.ArgumentParser()
ap.add_argument("op", choices=["import", "export"])
ap.add_argument("a")
ap.add_argument("b")
ap.add_argument("c")
args = ap.parse_args()
common.start()

if args.op == "import":
    df = common.read(args.a)
    df.to_file(args.b, layer=args.c, driver="GPKG", engine="pyogrio")
else:
    df = common.read(args.a, layer=args.b)
    df.to_crs("EPSG:4326").to_file(args.c, driver="GeoJSON", engine="pyogrio", RFC7946="YES")
common.done(op=args.op, features=int(len(df)))

"""Peer for `gridplan metrics`: per-unit counts and areas by spatial join, rolled up by code.

usage: metrics.py UNITS BOUNDARY HOUSEHOLDS EVENTS STREETS --metric-crs EPSG:4548

Per unit (geopandas): area and Polsby-Popper compactness; households (sjoin of buildings, summed);
events (sjoin, counted; a point on a shared edge to the lowest code); street length (overlay of the
streets with the units). Rolled up by code prefix to street offices (9 digits) and the district
(6): dissolve for the union's area and compactness, sums for the rest. Coverage: the union of all
units against the boundary; doubly claimed: the sum of the areas minus the union's.

run.py compares coverage %, the households located and the events located with gridplan's.
"""
import argparse

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

import common

ap = argparse.ArgumentParser()
ap.add_argument("units")
ap.add_argument("boundary")
ap.add_argument("households")
ap.add_argument("events")
ap.add_argument("streets")
ap.add_argument("--metric-crs", required=True)
args = ap.parse_args()
common.start()

units = common.read(args.units, args.metric_crs, columns=["code"])
units = units.set_geometry(common.valid_polygons(units.geometry.values))
district = common.read(args.boundary, args.metric_crs)
buildings = common.read(args.households, args.metric_crs, columns=["households"])
events = common.read(args.events, args.metric_crs, columns=["date"])
streets = common.read(args.streets, args.metric_crs, columns=["class"])

table = pd.DataFrame({"code": units["code"].values})
table["area_m2"] = units.area.values
table["compactness"] = common.compactness(units.geometry.values)


def lowest_code(points):
    j = gpd.sjoin(points[["geometry"]], units, predicate="intersects")
    return j.groupby(level=0)["code"].min()


hh_code = lowest_code(buildings)
table["households"] = table["code"].map(buildings["households"].loc[hh_code.index].groupby(hh_code.values).sum()).fillna(0)
ev_code = lowest_code(events)
table["events"] = table["code"].map(ev_code.value_counts()).fillna(0).astype(int)
pieces = gpd.overlay(streets, units, how="intersection", keep_geom_type=True)
table["street_m"] = table["code"].map(pieces.assign(l=pieces.length).groupby("code")["l"].sum()).fillna(0)

rolled = []
for digits in (9, 6):
    key = units["code"].str[:digits]
    dissolved = units.assign(parent=key).dissolve(by="parent")
    sums = table.assign(parent=key.values).groupby("parent")[["households", "events", "street_m", "area_m2"]].sum()
    sums["compactness"] = common.compactness(dissolved.geometry.reindex(sums.index).values)
    rolled.append(sums)

union = shapely.union_all(units.geometry.values)
boundary = shapely.union_all(common.valid_polygons(district.geometry.values))
barea = float(shapely.area(boundary))
owned = float(shapely.area(shapely.intersection(union, boundary)))
common.done(units=int(len(units)), street_offices=int(len(rolled[0])), coverage_percent=100 * owned / barea,
            doubly_claimed_percent=100 * max(0.0, float(table["area_m2"].sum()) - float(shapely.area(union))) / barea,
            households=float(table["households"].sum()), events_located=int(table["events"].sum()),
            street_m=float(table["street_m"].sum()))

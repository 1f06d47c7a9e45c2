"""Peer for `gridplan check`: coverage validation plus overlap and gap extraction.

usage: check.py UNITS BOUNDARY HOUSEHOLDS --metric-crs EPSG:4548 [--variant shapely|geopandas]

shapely (2.2, GEOS 3.14): make the units valid; shapely.coverage_invalid_edges (edges that do not
  match their neighbour's, gaps narrower than 2 m); an STRtree for candidate pairs and the
  intersection of every intersecting pair (overlaps); union_all of the units and the boundary
  minus it (gaps); each gap's width from its maximum inscribed circle (sliver < 2 m, else
  unmanaged); the area of units outside the boundary; households (building points) inside every
  overlap and gap.
geopandas: the same findings through geopandas: sjoin(predicate="overlaps") + intersection for
  overlaps, overlay(boundary, units, how="difference") for gaps, sjoin for households.

gridplan does more (exclaves, enclaves, interlocks, borders and suggested owners of every
finding, parent mismatches); the peers do only the comparable subset, which run.py checks:
gap count (sliver + unmanaged), gap area and overlap area.
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
ap.add_argument("--metric-crs", required=True)
ap.add_argument("--variant", default="shapely", choices=["shapely", "geopandas"])
ap.add_argument("--gap-width", type=float, default=2.0)
ap.add_argument("--min-area", type=float, default=0.01)
args = ap.parse_args()
common.start()

units = common.read(args.units, args.metric_crs)
district = common.read(args.boundary, args.metric_crs)
buildings = common.read(args.households, args.metric_crs, columns=["households"])
geoms = common.valid_polygons(units.geometry.values)
invalid_units = int((~shapely.is_valid(units.geometry.values)).sum())
boundary = shapely.union_all(common.valid_polygons(district.geometry.values))
pts = buildings.geometry.values
weights = buildings["households"].to_numpy(dtype=float)

# Coverage validation (GEOS CoverageValidator): edges that do not match exactly, narrow gaps.
bad_edges = shapely.coverage_invalid_edges(geoms, gap_width=args.gap_width)
units_with_bad_edges = int((~shapely.is_empty(bad_edges)).sum())

if args.variant == "shapely":
    tree = shapely.STRtree(geoms)
    i, j = tree.query(geoms, predicate="intersects")
    keep = i < j
    i, j = i[keep], j[keep]
    overlaps = common.polygon_parts(shapely.intersection(geoms[i], geoms[j]), args.min_area)
    union = shapely.union_all(geoms)
    gaps = common.polygon_parts(shapely.difference(boundary, union), args.min_area)
else:
    gdf = gpd.GeoDataFrame({"code": units["code"].values}, geometry=geoms, crs=units.crs)
    pairs = gpd.sjoin(gdf, gdf, predicate="overlaps")
    pairs = pairs[pairs.index < pairs["index_right"]]
    left = gdf.geometry.loc[pairs.index].reset_index(drop=True)
    right = gdf.geometry.loc[pairs["index_right"].values].reset_index(drop=True)
    inter = left.intersection(right)
    overlaps = common.polygon_parts(inter.values, args.min_area)
    diff = gpd.overlay(gpd.GeoDataFrame(geometry=[boundary], crs=units.crs), gdf, how="difference", keep_geom_type=True)
    gaps = common.polygon_parts(diff.geometry.values, args.min_area)
    union = shapely.union_all(geoms)

# Gap widths: the diameter of the maximum inscribed circle (gridplan's tolerance: width / 100).
tol = max(0.001, min(0.05, args.gap_width / 100))
widths = 2 * shapely.length(shapely.maximum_inscribed_circle(gaps, tolerance=tol)) if len(gaps) else np.zeros(0)
sliver = widths < args.gap_width

# Units' land outside the boundary.
outside_mask = ~shapely.covered_by(geoms, boundary)
outside = common.polygon_parts(shapely.difference(geoms[outside_mask], boundary), args.min_area)

# Households inside every finding: points covered by each piece.
pieces = np.concatenate([overlaps, gaps, outside])
if args.variant == "shapely":
    ptree = shapely.STRtree(pts)
    piece_idx, pt_idx = ptree.query(pieces, predicate="contains")
    hh = np.bincount(piece_idx, weights=weights[pt_idx], minlength=len(pieces))
else:
    joined = gpd.sjoin(gpd.GeoDataFrame({"households": weights}, geometry=pts, crs=units.crs),
                       gpd.GeoDataFrame(geometry=pieces, crs=units.crs), predicate="within")
    hh = joined.groupby("index_right")["households"].sum().reindex(range(len(pieces)), fill_value=0).to_numpy()

owned = float(shapely.area(shapely.intersection(union, boundary)))
barea = float(shapely.area(boundary))
common.done(
    variant=args.variant,
    units=int(len(geoms)),
    invalid_units=invalid_units,
    units_with_unmatched_edges=units_with_bad_edges,
    overlap={"count": int(len(overlaps)), "area_m2": float(shapely.area(overlaps).sum())},
    gap={"count": int(len(gaps)), "area_m2": float(shapely.area(gaps).sum())},
    sliver={"count": int(sliver.sum()), "area_m2": float(shapely.area(gaps[sliver]).sum())},
    unmanaged={"count": int((~sliver).sum()), "area_m2": float(shapely.area(gaps[~sliver]).sum())},
    outside={"count": int(len(outside)), "area_m2": float(shapely.area(outside).sum())},
    households_in_findings=float(hh.sum()),
    coverage_ratio=owned / barea if barea else 0.0,
    boundary_area_m2=barea,
)

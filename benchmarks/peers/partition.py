"""Peer for `gridplan partition`: street blocks, then regions that balance households.

usage: partition.py COMMUNITIES STREETS HOUSEHOLDS --metric-crs EPSG:4548 [--variant maxp|kmeans]
       [--min 150 --max 500] [--out GRIDS.geojson]

Blocks: the communities cut by the boundary-class streets (arterial, secondary), as gridplan does:
  maxp:   per community, shapely node (union_all of its outline and the streets meeting it) and
          polygonize, faces inside kept;
  kmeans: momepy.enclosures of the streets within the communities' union, their outlines as additional barriers,
          each enclosure given to the community holding its representative point.
Households per block: buildings joined to blocks (geopandas sjoin, within).
Regions, per community, over the blocks' rook contiguity (libpysal):
  maxp:   spopt MaxPHeuristic, threshold = the minimum households (the most regions that each
          reach the minimum; MaxP has no maximum);
  kmeans: spopt RegionKMeansHeuristic with k = round(households / middle of the bounds).
Grids are the unions of each region's blocks. Reported as gridplan reports them: grid count,
share of grids within the bounds, coefficient of variation of households, mean Polsby-Popper.

gridplan also splits blocks above the maximum (lesser streets, then straight cuts), keeps
surviving codes and numbers grids in reading order; neither peer does. run.py checks that the
grids tile the same communities (total area within 1%) and reports the quality side by side.
"""
import argparse
import os
import sys
import signal
import time
import warnings

import geopandas as gpd
import libpysal
import momepy
import numpy as np
import pandas as pd
import shapely
from spopt.region import MaxPHeuristic, RegionKMeansHeuristic

import common

warnings.filterwarnings("ignore")
DEBUG = os.environ.get("PEER_DEBUG") == "1"

ap = argparse.ArgumentParser()
ap.add_argument("communities")
ap.add_argument("streets")
ap.add_argument("households")
ap.add_argument("--metric-crs", required=True)
ap.add_argument("--variant", default="maxp", choices=["maxp", "kmeans"])
ap.add_argument("--min", type=float, default=150)
ap.add_argument("--max", type=float, default=500)
ap.add_argument("--classes", default="arterial,secondary")
ap.add_argument("--out")
# MaxP effort: gridplan tries ~14 seeded greedy growths with a local search each; the same number of
# MaxP constructions with one annealing pass is the nearest equal effort (spopt's defaults, 99 and
# 10, take over ten minutes for 1,000 communities).
ap.add_argument("--maxp-constructions", type=int, default=14)
ap.add_argument("--maxp-sa", type=int, default=1)
ap.add_argument("--call-timeout", type=float, default=60.0,
                help="seconds after which one spopt call is abandoned and its group left as one grid (a safety net)")
ap.add_argument("--limit", type=int, help="only the first N communities (testing)")
args = ap.parse_args()
common.start()

comm = common.read(args.communities, args.metric_crs)
streets = common.read(args.streets, args.metric_crs, columns=["class"])
buildings = common.read(args.households, args.metric_crs, columns=["households"])
if args.limit:
    comm = comm.iloc[: args.limit]
cgeoms = common.valid_polygons(comm.geometry.values)
classes = set(args.classes.split(","))
cutting = streets[streets["class"].isin(classes)].geometry.values

# 1. Blocks.
if args.variant == "maxp":
    tree = shapely.STRtree(cutting)
    blocks, owner = [], []
    for k, c in enumerate(cgeoms):
        idx = tree.query(c, predicate="intersects")
        linework = shapely.union_all(np.concatenate([[shapely.boundary(c)], cutting[idx]]))
        faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(linework)))
        inside = faces[shapely.contains_properly(c, shapely.point_on_surface(faces))] if len(faces) else faces
        if len(inside) == 0:
            inside = np.array([c], dtype=object)
        blocks.append(inside)
        owner.append(np.full(len(inside), k))
    blocks = np.concatenate(blocks)
    owner = np.concatenate(owner)
else:
    outlines = gpd.GeoDataFrame(geometry=shapely.boundary(cgeoms), crs=comm.crs)
    limit = gpd.GeoSeries([shapely.union_all(cgeoms)], crs=comm.crs)
    encl = momepy.enclosures(gpd.GeoDataFrame(geometry=cutting, crs=comm.crs), limit=limit,
                             additional_barriers=[outlines])
    blocks = encl.geometry.values
    blocks = blocks[shapely.area(blocks) > 0]
    reps = gpd.GeoDataFrame(geometry=shapely.point_on_surface(blocks), crs=comm.crs)
    hit = gpd.sjoin(reps, gpd.GeoDataFrame(geometry=cgeoms, crs=comm.crs), predicate="within")
    hit = hit[~hit.index.duplicated(keep="first")]
    blocks = blocks[hit.index.values]
    owner = hit["index_right"].to_numpy()

# 2. Households per block.
bdf = gpd.GeoDataFrame({"community": owner}, geometry=blocks, crs=comm.crs)
joined = gpd.sjoin(buildings, bdf, predicate="within")
joined = joined[~joined.index.duplicated(keep="first")]
bdf["households"] = joined.groupby("index_right")["households"].sum().reindex(bdf.index, fill_value=0).astype(float)

# 3. Regions per community, per connected group of blocks (a community with an exclave has two;
# both spopt heuristics loop forever on a disconnected contiguity graph).
np.random.seed(0)


# spopt 0.7's MaxP annealing (_perform_sa) loops forever when every candidate move is refused: it
# refills its candidate list from the same labels and refuses them again. Bug fix: a refill from
# labels unchanged since the previous refill ends the annealing (what a finished search means).
import spopt.region.maxp as _maxp

_refill = {"labels": None}
_pick_move_area, _perform_sa = _maxp._pick_move_area, _maxp._perform_sa


def _pick_once(labels, *a, **k):
    now = np.array(labels, copy=True)
    if _refill["labels"] is not None and np.array_equal(_refill["labels"], now):
        return []
    _refill["labels"] = now
    return _pick_move_area(labels, *a, **k)


def _anneal(*a, **k):
    _refill["labels"] = None
    return _perform_sa(*a, **k)


_maxp._pick_move_area, _maxp._perform_sa = _pick_once, _anneal


class CallTimeout(Exception):
    pass


def _alarm(signum, frame):
    raise CallTimeout()


signal.signal(signal.SIGALRM, _alarm)
middle = (args.min + args.max) / 2


def regionalize(part):
    """Region labels for one connected group of blocks."""
    total = float(part["households"].sum())
    # When no second region can reach the minimum (all but the largest block hold less), the group
    # is one grid: spopt's MaxP never returns when only one region is possible (its annealing finds
    # no move and retries forever).
    if len(part) < 2 or total - float(part["households"].max()) < args.min:
        return np.zeros(len(part), dtype=int)
    w = libpysal.weights.Rook.from_dataframe(part, use_index=False, silence_warnings=True)
    if args.variant == "maxp":
        m = MaxPHeuristic(part, w, attrs_name=["households"], threshold_name="households", threshold=args.min, top_n=2,
                          max_iterations_construction=args.maxp_constructions, max_iterations_sa=args.maxp_sa)
    else:
        kk = int(min(len(part), max(1, round(total / middle))))
        m = RegionKMeansHeuristic(part[["households"]].to_numpy(), kk, w)
    signal.setitimer(signal.ITIMER_REAL, args.call_timeout)
    t = time.perf_counter()
    try:
        m.solve()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        if DEBUG:
            print("call", len(part), round(time.perf_counter() - t, 3), file=sys.stderr)
    return np.asarray(m.labels_, dtype=int)


grid_geoms, grid_hh, grid_comm = [], [], []
failed = 0
for k, sub in bdf.groupby("community", sort=True):
    sub = sub.reset_index(drop=True)
    labels = np.zeros(len(sub), dtype=int)
    if len(sub) > 1:
        w = libpysal.weights.Rook.from_dataframe(sub, use_index=False, silence_warnings=True)
        next_label = 0
        for comp in np.unique(w.component_labels):
            idx = np.flatnonzero(w.component_labels == comp)
            try:
                lab = regionalize(sub.iloc[idx].reset_index(drop=True))
            except Exception as e:  # a heuristic that gives up or hangs: the group stays one grid
                failed += 1
                if DEBUG:
                    sub.iloc[idx].to_file(f"/tmp/fail-{k}-{comp}.gpkg")
                    print(k, comp, type(e).__name__, e, file=sys.stderr)
                lab = np.zeros(len(idx), dtype=int)
            labels[idx] = lab + next_label
            next_label = labels[idx].max() + 1
    for lab in np.unique(labels):
        members = labels == lab
        try:  # blocks that share edges exactly dissolve fastest as a coverage
            grid_geoms.append(shapely.coverage_union_all(sub.geometry.values[members]))
        except shapely.errors.GEOSException:
            grid_geoms.append(shapely.union_all(sub.geometry.values[members]))
        grid_hh.append(float(sub["households"].values[members].sum()))
        grid_comm.append(k)

grid_geoms = np.array(grid_geoms, dtype=object)
hh = np.array(grid_hh)
within = (hh >= args.min) & (hh <= args.max)
cv = float(hh.std() / hh.mean()) if hh.mean() > 0 else 0.0
if args.out:
    gpd.GeoDataFrame({"community": comm["code"].values[grid_comm], "households": hh}, geometry=grid_geoms, crs=comm.crs) \
        .to_crs("EPSG:4326").to_file(args.out, driver="GeoJSON", engine="pyogrio")
common.done(variant=args.variant, blocks=int(len(blocks)), grids=int(len(grid_geoms)),
            within_bounds_ratio=float(within.mean()) if len(hh) else 0.0, cv=cv,
            compactness_mean=float(common.compactness(grid_geoms).mean()),
            area_m2=float(shapely.area(grid_geoms).sum()), households=float(hh.sum()), regionalization_failed=failed)

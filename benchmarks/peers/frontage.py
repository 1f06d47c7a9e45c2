"""Peer for `gridplan frontage`: the nearest shapely recipe for 门前三包 zones.

Each building (a point stands for a disc of the point radius, as in gridplan) is buffered by the
depth; the Voronoi cell of its point keeps it off its neighbours' land (for equal discs the cell
boundary is the line equidistant from the two); its own disc and the carriageways (each centreline
buffered by half its class width, flat ends) are taken out, and what is left is clipped to the
block of open land the building stands in. A building further than the depth from every kerb has
no zone. What it does not do, and gridplan does: keep only the land between the building and the
street it faces (the peer's zone is the whole ring round the building, back yard included), see
past other buildings, split by street side and unit, measure frontage, or report uncovered kerb.

usage: python frontage.py BUILDINGS STREETS OUT.geojson [--depth 20] [--radius 3] [--width CLASS:M ...]
"""
import argparse

import geopandas as gpd
import numpy as np
import shapely

from common import done, read, start

METRIC = "EPSG:4548"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("buildings")
    ap.add_argument("streets")
    ap.add_argument("out")
    ap.add_argument("--depth", type=float, default=20)
    ap.add_argument("--radius", type=float, default=3)
    ap.add_argument("--width", action="append", default=[])
    args = ap.parse_args()
    widths = {w.split(":")[0]: float(w.split(":")[1]) for w in args.width}

    buildings = read(args.buildings, METRIC, columns=["id"])
    streets = read(args.streets, METRIC, columns=["class"])
    pts = buildings.geometry.values
    discs = shapely.buffer(pts, args.radius, quad_segs=8)
    half = np.array([widths.get(c, 0.01) / 2 for c in streets["class"].values])
    carriageway = shapely.union_all(
        shapely.buffer(streets.geometry.values, half, cap_style="flat", join_style="mitre", mitre_limit=2))
    xmin, ymin, xmax, ymax = shapely.total_bounds(np.concatenate([pts, streets.geometry.values]))
    m = 2 * args.depth + 10
    frame = shapely.box(xmin - m, ymin - m, xmax + m, ymax + m)
    blocks = shapely.get_parts(shapely.difference(frame, carriageway))
    # The block each building stands in.
    bi, bb = shapely.STRtree(blocks).query(pts, predicate="within")
    block = np.full(len(pts), None, dtype=object)
    block[bi] = blocks[bb]
    # Only buildings within the depth of a kerb have a zone.
    near = shapely.distance(discs, carriageway) <= args.depth
    keep = near & (block != None)  # noqa: E711
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(pts), extend_to=frame))
    ci, cc = shapely.STRtree(cells).query(pts, predicate="within")
    cell = np.full(len(pts), None, dtype=object)
    cell[ci] = cells[cc]
    keep &= cell != None  # noqa: E711
    k = np.flatnonzero(keep)
    ring = shapely.buffer(discs[k], args.depth, quad_segs=8)
    zones = shapely.difference(shapely.intersection(shapely.intersection(ring, cell[k]), block[k]), discs[k])
    area = shapely.area(zones)
    ok = area > 0.1
    out = gpd.GeoDataFrame(
        {"owner": buildings["id"].values[k][ok], "area_m2": area[ok]}, geometry=zones[ok], crs=METRIC).to_crs(4326)
    out.to_file(args.out, driver="GeoJSON", engine="pyogrio")
    done(buildings=int(len(pts)), streets=int(len(streets)), zones=int(ok.sum()), area_m2=float(area[ok].sum()))


if __name__ == "__main__":
    start()
    main()

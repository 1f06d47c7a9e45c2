"""Shared by the peer scripts: timing, reading layers into a metric CRS, valid polygons.

Every peer prints one JSON object on stdout: what it found (counts, areas, lengths, so run.py can
check that it did the same work as gridplan) and `total_s`, its own wall time from just after the
imports (Python start-up and `import geopandas` are not counted, in the peers' favour) to the end
of the work, reading and writing included.
"""
import json
import sys
import time

import geopandas as gpd
import numpy as np
import shapely

_T0 = time.perf_counter()


def start():
    """Starts the clock (call right after the imports)."""
    global _T0
    _T0 = time.perf_counter()


def done(**result):
    result["total_s"] = time.perf_counter() - _T0
    print(json.dumps(result))
    sys.stdout.flush()


def read(path, metric_crs=None, columns=None, layer=None):
    """A layer through pyogrio (Arrow when available), projected to `metric_crs`."""
    df = gpd.read_file(path, engine="pyogrio", columns=columns, layer=layer, use_arrow=True)
    if metric_crs:
        df = df.to_crs(metric_crs)
    return df


def polygons_only(geoms):
    """Each geometry reduced to its polygonal parts (make_valid can leave lines and points)."""
    geoms = np.asarray(geoms, dtype=object)
    out = geoms.copy()
    mixed = shapely.get_type_id(geoms) == 7  # GeometryCollection
    for k in np.flatnonzero(mixed):
        parts = shapely.get_parts(geoms[k])
        polys = parts[np.isin(shapely.get_type_id(parts), (3, 6))]
        out[k] = shapely.union_all(polys) if len(polys) else shapely.from_wkt("POLYGON EMPTY")
    return out


def valid_polygons(geoms):
    """Valid polygonal geometries, repairing only the invalid ones ("structure" method, as gridplan)."""
    geoms = np.asarray(geoms, dtype=object).copy()
    bad = ~shapely.is_valid(geoms)
    if bad.any():
        geoms[bad] = polygons_only(shapely.make_valid(geoms[bad], method="structure", keep_collapsed=False))
    return geoms


def polygon_parts(geoms, min_area=0.0):
    """The polygons of an array of geometries (one row per polygon) above `min_area`."""
    parts = shapely.get_parts(np.asarray(geoms, dtype=object))
    parts = parts[shapely.get_type_id(parts) == 3]
    if min_area > 0:
        parts = parts[shapely.area(parts) > min_area]
    return parts


def compactness(geoms):
    a = shapely.area(geoms)
    p = shapely.length(geoms)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(p > 0, 4 * np.pi * a / (p * p), 0.0)

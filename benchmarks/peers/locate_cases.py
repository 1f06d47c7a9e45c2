"""Peers for `gridplan locate --points` and `gridplan cases`, on a sample city's files.

locate: every event point's community (an STRtree query with the `within` predicate, the lower
code on a shared edge) and its nearest street within 50 m (STRtree.query_nearest), written as CSV.
cases: events joined to communities (geopandas sjoin), then per community and month the cases,
closed, closed on time and median hours to close (pandas groupby), rolled up to street offices and
the district by code prefix, written as CSV.

usage: python locate_cases.py locate CITY OUT.csv | cases CITY OUT.csv
"""
import sys

import numpy as np
import pandas as pd
import shapely

from common import done, read, start

METRIC = "EPSG:4548"


def locate(city, out):
    units = read(f"{city}/communities.geojson", METRIC, columns=["code"])
    streets = read(f"{city}/streets.geojson", METRIC, columns=["name"])
    points = read(f"{city}/events.geojson", METRIC, columns=["id"])
    pts = points.geometry.values
    tree = shapely.STRtree(units.geometry.values)
    pi, ui = tree.query(pts, predicate="within")
    codes = units["code"].values
    # The lower code wins where two units cover a point.
    order = np.lexsort((codes[ui], pi))
    pi, ui = pi[order], ui[order]
    first = np.unique(pi, return_index=True)[1]
    unit = np.full(len(pts), None, dtype=object)
    unit[pi[first]] = codes[ui[first]]
    stree = shapely.STRtree(streets.geometry.values)
    (qi, si), dist = stree.query_nearest(pts, max_distance=50, return_distance=True, all_matches=False)
    street = np.full(len(pts), None, dtype=object)
    street[qi] = streets["name"].values[si]
    pd.DataFrame({"id": points["id"], "community": unit, "street": street}).to_csv(out, index=False)
    done(points=int(len(pts)), located=int(sum(u is not None for u in unit)), with_street=int(len(qi)))


def cases(city, out):
    units = read(f"{city}/communities.geojson", METRIC, columns=["code"])
    events = read(f"{city}/events.geojson", METRIC, columns=["reported_at", "closed_at", "deadline"])
    joined = events.sjoin(units, predicate="within", how="inner")
    # An event on a shared edge counts once, in the lower code.
    joined = joined.sort_values("code").loc[lambda d: ~d.index.duplicated(keep="first")]
    rep = pd.to_datetime(joined["reported_at"], utc=True, format="ISO8601").dt.tz_convert("Asia/Shanghai")
    closed = pd.to_datetime(joined["closed_at"], utc=True, format="ISO8601", errors="coerce")
    deadline = pd.to_datetime(joined["deadline"], utc=True, format="ISO8601", errors="coerce")
    df = pd.DataFrame({
        "code": joined["code"].values,
        "period": rep.dt.strftime("%Y-%m").values,
        "closed": closed.notna().values,
        "on_time": (closed.notna() & (closed <= deadline)).values,
        "hours": ((closed - rep.dt.tz_convert("UTC")).dt.total_seconds() / 3600).values,
    })
    rows = []
    for width in (12, 9, 6):
        d = df.assign(unit=df["code"].str[:width])
        g = d.groupby(["unit", "period"])
        r = g.agg(cases=("closed", "size"), closed=("closed", "sum"), on_time=("on_time", "sum"), median_hours=("hours", "median")).reset_index()
        r["closure_rate"] = r["closed"] / r["cases"]
        r["on_time_rate"] = r["on_time"] / r["cases"]
        rows.append(r)
    table = pd.concat(rows)
    table.to_csv(out, index=False)
    done(events=int(len(events)), counted=int(len(df)), rows=int(len(table)), cases=int(rows[0]["cases"].sum()))


if __name__ == "__main__":
    start()
    {"locate": locate, "cases": cases}[sys.argv[1]](sys.argv[2], sys.argv[3])

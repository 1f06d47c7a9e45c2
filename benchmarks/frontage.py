#!/usr/bin/env python3
"""`gridplan frontage` beside the nearest shapely recipe (peers/frontage.py), on the same files in
the same run: the first communities of the 10,000-community sample city, in the order their
buildings are written, until they hold at least --buildings building points (every building of
each, so no community is cut), and the streets within 30 m of those communities (the depth and the
widest half carriageway). The subset is written once into the city's directory (not timed).

gridplan is timed by wall clock around the whole process (start-up, reading, writing the zones);
the peer reports its own time from just after its imports (peers/common.py), in its favour.
Medians of --runs, interleaved. Results go to work/frontage.json and to the "frontage" section of
../BENCHMARKS.md.

usage: python3 benchmarks/frontage.py [--size 10000] [--buildings 100000] [--runs 3] [--bin-dir .build-bench/release]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORK = os.path.join(ROOT, "benchmarks", "work")
PY = os.path.join(WORK, "venv", "bin", "python")
START, END = "<!-- frontage:start -->", "<!-- frontage:end -->"
# The sample city's carriageway widths (data/README.md, truth.json's shops.street_widths_m).
WIDTHS = ["arterial:24", "secondary:14", "branch:7", "alley:4"]

SUBSET = r"""
import json, sys
import geopandas as gpd, shapely
city, n, out_b, out_s = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
b = gpd.read_file(f"{city}/buildings.geojson", engine="pyogrio", use_arrow=True)
order = list(dict.fromkeys(b["community"]))
counts = b["community"].value_counts()
chosen, total = [], 0
for c in order:
    if total >= n: break
    chosen.append(c); total += int(counts[c])
b = b[b["community"].isin(set(chosen))]
units = gpd.read_file(f"{city}/communities.geojson", engine="pyogrio", use_arrow=True)
units = units[units["code"].isin(set(chosen))].to_crs("EPSG:4548")
area = shapely.buffer(shapely.union_all(shapely.make_valid(units.geometry.values)), 30)
s = gpd.read_file(f"{city}/streets.geojson", engine="pyogrio", use_arrow=True)
s = s[shapely.intersects(s.to_crs("EPSG:4548").geometry.values, area)]
b.to_file(out_b, driver="GeoJSON", engine="pyogrio"); s.to_file(out_s, driver="GeoJSON", engine="pyogrio")
print(json.dumps({"communities": len(chosen), "buildings": int(len(b)), "streets": int(len(s))}))
"""


def wall(cmd):
    t = time.perf_counter()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        raise SystemExit(f"failed ({p.returncode}): {' '.join(cmd)}\n{p.stderr[-2000:]}")
    return time.perf_counter() - t, p.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=10000)
    ap.add_argument("--buildings", type=int, default=100000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--bin-dir", default=os.path.join(ROOT, ".build-bench", "release"))
    ap.add_argument("--city-dir", help="the sample city (default benchmarks/work/city-SIZE)")
    args = ap.parse_args()
    gp = os.path.join(args.bin_dir, "gridplan")
    city = args.city_dir or os.path.join(WORK, f"city-{args.size}")
    if not os.path.exists(os.path.join(city, "truth.json")):
        wall([gp, "sample", city, "--communities", str(args.size), "--seed", "1", "--force", "--quiet"])
    b = os.path.join(city, f"bench-frontage-buildings-{args.buildings}.geojson")
    s = os.path.join(city, f"bench-frontage-streets-{args.buildings}.geojson")
    meta = os.path.join(city, f"bench-frontage-{args.buildings}.json")
    if not os.path.exists(meta):
        _, text = wall([PY, "-c", SUBSET, city, str(args.buildings), b, s])
        open(meta, "w").write(text.strip().splitlines()[-1])
    subset = json.load(open(meta))
    widths = sum([["--street-width", w] for w in WIDTHS], [])
    out_g, out_p = os.path.join(city, "bench-frontage-zones.geojson"), os.path.join(city, "bench-frontage-peer.geojson")
    gcmd = [gp, "frontage", "--frontages", b, "--streets", s] + widths + ["--out", out_g, "--json", "--quiet"]
    pcmd = [PY, os.path.join(ROOT, "benchmarks", "peers", "frontage.py"), b, s, out_p] + sum([["--width", w] for w in WIDTHS], [])
    g, p, answer, peer = [], [], None, None
    for _ in range(args.runs):
        t, text = wall(gcmd)
        g.append(t)
        answer = json.loads(text)["summary"]
        _, text = wall(pcmd)
        peer = json.loads(text.strip().splitlines()[-1])
        p.append(peer["total_s"])
    gm, pm = statistics.median(g), statistics.median(p)
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    result = {"commit": commit, "size": args.size, "subset": subset, "runs": args.runs, "gridplan_s": g, "peer_s": p,
              "gridplan": answer, "peer": peer}
    json.dump(result, open(os.path.join(WORK, "frontage.json"), "w"), indent=1)
    lines = [START, "## frontage (门前三包 zones)", "",
             f"Produced by `python3 benchmarks/frontage.py {' '.join(sys.argv[1:])}` at commit {commit}: the first "
             f"{subset['communities']:,} communities of the {args.size:,}-community city (in the order their buildings are "
             f"written, until they hold {args.buildings:,}; every building of each), {subset['buildings']:,} building points "
             f"(3 m discs) and the {subset['streets']:,} street segments within 30 m of those communities, with the sample's "
             "carriageway widths (" + ", ".join(WIDTHS) + ") and a 20 m depth; medians of "
             f"{args.runs} interleaved runs; gridplan by wall clock (start-up, reading, writing the zones GeoJSON), the peer by "
             "its own clock after its imports.", "",
             "| operation | gridplan / peer | gridplan | peer | peer |", "|---|---|---|---|---|",
             f"| frontage zones | **{gm / pm:.2f}** | {gm:.1f} s | {pm:.1f} s | shapely: disc buffered by the depth, ∩ Voronoi "
             "cell of its point, ∩ its block of open land, − its disc; none beyond the depth of every kerb |", "",
             f"gridplan: {answer['zones']:,} zones for {answer['owners_with_zone']:,} of {answer['owners']:,} buildings, "
             f"{answer['area_m2']:,.0f} m², {answer['frontage_m']:,.0f} m of frontage, {answer['uncovered_m']:,.0f} m of kerb "
             f"faced by nobody. Peer: {peer['zones']:,} zones, {peer['area_m2']:,.0f} m². The peer does less and other work: "
             "its zone is the whole ring round a building within the depth of a kerb, back yard and the land behind its "
             "neighbours included, not the strip between the building and the street it sees; it does not split by street "
             "side or unit, measure frontage or find the uncovered kerb, so its area is not gridplan's and is shown, not "
             "checked.", "",
             "Every run (s): gridplan " + ", ".join(f"{t:.1f}" for t in g) + "; peer " + ", ".join(f"{t:.1f}" for t in p)
             + f". Load average when the runs ended: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores.", END]
    section = "\n".join(lines) + "\n"
    path = os.path.join(ROOT, "BENCHMARKS.md")
    text = open(path, encoding="utf-8").read()
    if START in text:
        text = text[:text.index(START)] + section + text[text.index(END) + len(END) + 1:]
    else:
        text = text.rstrip("\n") + "\n\n" + section
    open(path, "w", encoding="utf-8").write(text)
    print(section)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""`gridplan locate --points` and `gridplan cases` beside their nearest peers, on the same sample
city in the same run: a shapely STRtree query (community and nearest street within 50 m of every
event) and pandas + geopandas (sjoin and groupby by community and month, rolled up by code prefix).

gridplan is timed by wall clock around the whole process; the peers report their own time from
just after their imports (peers/common.py), in their favour. Medians of --runs, interleaved.
Results go to work/services.json and to the "locate and cases" section of ../BENCHMARKS.md.

usage: python3 benchmarks/services.py [--size 10000] [--runs 3] [--bin-dir .build-bench/release]
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
START, END = "<!-- services:start -->", "<!-- services:end -->"


def wall(cmd):
    t = time.perf_counter()
    p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        raise SystemExit(f"failed ({p.returncode}): {' '.join(cmd)}\n{p.stderr[-2000:]}")
    return time.perf_counter() - t


def peer(args):
    p = subprocess.run([PY, os.path.join(ROOT, "benchmarks", "peers", "locate_cases.py")] + args, capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit(f"peer failed: {args}\n{p.stderr[-2000:]}")
    return json.loads(p.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=10000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--bin-dir", default=os.path.join(ROOT, ".build-bench", "release"))
    args = ap.parse_args()
    gp = os.path.join(args.bin_dir, "gridplan")
    city = os.path.join(WORK, f"city-{args.size}")
    if not os.path.exists(os.path.join(city, "truth.json")):
        wall([gp, "sample", city, "--communities", str(args.size), "--seed", "1", "--force", "--quiet"])
    store = os.path.join(city, "bench-services.gpkg")
    if not os.path.exists(store):
        wall([gp, "init", store, "--quiet"])
        for file, layer in [("district", "districts"), ("street_offices", "street_offices"), ("communities", "communities"), ("streets", "streets")]:
            wall([gp, "import", store, os.path.join(city, f"{file}.geojson"), "--as", layer, "--quiet"])
    out = os.path.join(city, "bench-services.csv")
    jobs = {
        "locate (every event)": (
            [gp, "locate", "--points", os.path.join(city, "events.geojson"), "--store", store, "--out", out, "--quiet"],
            ["locate", city, out], "shapely STRtree query (within) + query_nearest (50 m)"),
        "cases by month": (
            [gp, "cases", os.path.join(city, "events.geojson"), "--units", os.path.join(city, "communities.geojson"), "--period", "month", "--out", out, "--quiet"],
            ["cases", city, out], "geopandas sjoin + pandas groupby, rolled up by code prefix"),
    }
    rows = {}
    for name, (gcmd, pargs, peer_name) in jobs.items():
        g, p, answer = [], [], None
        for _ in range(args.runs):
            g.append(wall(gcmd))
            answer = peer(pargs)
            p.append(answer["total_s"])
        rows[name] = {"gridplan": statistics.median(g), "peer": statistics.median(p), "peer_name": peer_name, "peer_answer": answer}
    points = sum(1 for _ in open(os.path.join(city, "events.geojson"))) - 2
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    json.dump({"commit": commit, "size": args.size, "runs": args.runs, "rows": rows}, open(os.path.join(WORK, "services.json"), "w"), indent=1)
    lines = [START, "## locate and cases", "",
             f"Produced by `python3 benchmarks/services.py {' '.join(sys.argv[1:])}` at commit {commit}: the {args.size:,}-community city's "
             f"{points:,} events; medians of {args.runs} interleaved runs; gridplan by wall clock (start-up, reading, writing the CSV), "
             "the peers by their own clock after their imports.", "",
             "| operation | gridplan / peer | gridplan | peer | peer |", "|---|---|---|---|---|"]
    for name, r in rows.items():
        lines.append(f"| {name} | **{r['gridplan'] / r['peer']:.2f}** | {r['gridplan']:.1f} s | {r['peer']:.1f} s | {r['peer_name']} |")
    lines += ["", "The peers do less: locate's peer finds the community and street only, not every level, the street's lead and chief "
              "or the people; cases' peer computes counts and rates but not backlog, overdue, scores, ranks or the fallback owners.", END]
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

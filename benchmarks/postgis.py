#!/usr/bin/env python3
"""The PostGIS store beside its peers, on the same sample city in the same run.

- import and export of communities and buildings: gridplan into/out of PostGIS beside
  `ogr2ogr -f PostgreSQL` (the peer), each import into a fresh database;
- check, partition and metrics reading from PostGIS beside reading from a GeoPackage store.

A throwaway cluster is started with .ci/pg-cluster (stopped on every exit path). Medians of
--runs separate processes, wall clock around the whole process. Results go to
work/postgis.json and to the "PostGIS store" section of ../BENCHMARKS.md.

usage: python3 benchmarks/postgis.py [--sizes 10000] [--runs 3] [--legs import,export,analysis] [--merge]
                                    [--bin-dir .build-bench/release]

--legs picks the parts to run (the 100,000-community city's analyses take hours on two cores);
--merge keeps the rows of work/postgis.json that this run does not measure, with their commits;
--reuse-store URI measures the analysis leg again on the stores an earlier run loaded (that run's
database, kept, and work/city-N/bench-postgis.gpkg), without a cluster or imports. The analysis
rows give each command's peak RSS too.
"""
import argparse
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import time
import urllib.parse
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORK = os.path.join(ROOT, "benchmarks", "work")
START, END = "<!-- postgis:start -->", "<!-- postgis:end -->"


def run(cmd, env=None, quiet=True):
    return run_measured(cmd, env, quiet)[0]


def run_measured(cmd, env=None, quiet=True):
    """Wall clock of the process and its peak RSS in MB (wait4's ru_maxrss)."""
    t = time.perf_counter()
    p = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL if quiet else None, stderr=subprocess.PIPE, text=True)
    err = p.stderr.read()
    _, status, usage = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.perf_counter() - t
    if p.returncode != 0:
        raise SystemExit(f"failed ({p.returncode}): {' '.join(cmd)}\n{err[-2000:]}")
    return elapsed, usage.ru_maxrss / 1024


def median(cmd_factory, runs, before=None):
    times = []
    for _ in range(runs):
        cmd = before() if before else None
        times.append(run(cmd_factory(cmd)))
    return statistics.median(times)


class Cluster:
    def __enter__(self):
        out = subprocess.run([os.path.join(ROOT, ".ci", "pg-cluster"), "start"], capture_output=True, text=True, check=True)
        self.dir = out.stdout.strip().splitlines()[-1]
        env = open(os.path.join(self.dir, "env")).read()
        uri = urllib.parse.urlsplit(re.search(r"GRIDPLAN_TEST_PG='([^']+)'", env).group(1))
        # The password goes to every client (gridplan, psql, ogr2ogr) through libpq's PGPASSWORD,
        # never on a command line, where ps and GDAL's debug output would show it.
        os.environ["PGPASSWORD"] = urllib.parse.unquote(uri.password or "")
        self.uri = urllib.parse.urlunsplit(uri._replace(netloc=f"{uri.username}@{uri.hostname}:{uri.port}"))
        return self

    def __exit__(self, *exc):
        subprocess.run([os.path.join(ROOT, ".ci", "pg-cluster"), "stop", self.dir], check=False)

    def database(self):
        name = "bench_" + uuid.uuid4().hex[:12]
        subprocess.run(["psql", self.uri, "-qc", f"CREATE DATABASE {name}"], check=True)
        subprocess.run(["psql", self.uri.rsplit("/", 1)[0] + "/" + name, "-qc", "CREATE EXTENSION postgis"], check=True)
        return self.uri.rsplit("/", 1)[0] + "/" + name


def measure(size, runs, gp, cluster, legs):
    city = os.path.join(WORK, f"city-{size}")
    if not os.path.exists(os.path.join(city, "truth.json")):
        run([gp, "sample", city, "--communities", str(size), "--seed", "1", "--force", "--quiet"])
    rows = {}
    for layer in ["communities", "buildings"] if "import" in legs else []:
        src = os.path.join(city, f"{layer}.geojson")
        g = median(lambda db: [gp, "import", db, src, "--as", layer, "--quiet"], runs,
                   before=lambda: (lambda db: (run([gp, "init", db, "--quiet"]), db)[1])(cluster.database()))
        o = median(lambda db: ["ogr2ogr", "-f", "PostgreSQL", "PG:" + db, src, "-nln", layer, "-lco", "GEOMETRY_NAME=geom",
                               "-lco", "SPATIAL_INDEX=GIST", "-nlt", "PROMOTE_TO_MULTI" if layer == "communities" else "POINT"], runs,
                   before=cluster.database)
        rows[f"import {layer}"] = {"gridplan": g, "peer": o, "peer_name": "ogr2ogr -f PostgreSQL"}
    if "export" not in legs and "analysis" not in legs:
        return rows
    store = cluster.database()
    run([gp, "init", store, "--crs", "EPSG:4326", "--quiet"])
    gpkg = os.path.join(city, "bench-postgis.gpkg")
    if "analysis" in legs:
        if os.path.exists(gpkg):
            os.remove(gpkg)
        run([gp, "init", gpkg, "--quiet"])
    files = [("district", "districts"), ("communities", "communities"), ("streets", "streets"), ("buildings", "buildings"), ("events", "events")]
    for file, layer in files if "analysis" in legs else files[1:2] + files[3:4]:
        for s in (store, gpkg) if "analysis" in legs else (store,):
            run([gp, "import", s, os.path.join(city, f"{file}.geojson"), "--as", layer, "--quiet"])
    ogr_db = cluster.database()
    for layer in ["communities", "buildings"] if "export" in legs else []:
        run(["ogr2ogr", "-f", "PostgreSQL", "PG:" + ogr_db, os.path.join(city, f"{layer}.geojson"), "-nln", layer, "-lco", "GEOMETRY_NAME=geom"])
        out = os.path.join(city, f"bench-export-{layer}.geojson")
        g = median(lambda _: [gp, "export", store, layer, out, "--quiet"], runs)
        o = median(lambda _: ["ogr2ogr", "-f", "GeoJSON", "-overwrite", out, "PG:" + ogr_db, layer], runs, before=lambda: os.path.exists(out) and os.remove(out))
        rows[f"export {layer}"] = {"gridplan": g, "peer": o, "peer_name": "ogr2ogr -f GeoJSON"}
    rows.update(analyse(runs, gp, store, gpkg) if "analysis" in legs else {})
    return rows


def analyse(runs, gp, store, gpkg):
    """check, partition and metrics reading the PostGIS store beside reading the GeoPackage, interleaved."""
    rows = {}
    analyses = {
        "check": ["check", "communities", "--boundary", "districts", "--households", "buildings", "--quiet"],
        "partition": ["partition", "communities", "--households", "buildings", "--events", "events", "--quiet"],
        "metrics": ["metrics", "communities", "--households", "buildings", "--events", "events", "--streets", "streets", "--boundary", "districts", "--quiet"],
    }
    for name, args in analyses.items():
        times, rss = {}, {}
        # Interleaved, so a drift in the machine's speed lands on both engines alike.
        for _ in range(runs):
            for label, s in (("postgis", store), ("gpkg", gpkg)):
                t, m = run_measured([gp] + args[:2] + ["--store", s] + args[2:])
                times.setdefault(label, []).append(t)
                rss[label] = max(rss.get(label, 0), m)
        rows[name] = {"gridplan": statistics.median(times["postgis"]), "peer": statistics.median(times["gpkg"]),
                      "peer_name": "the same command on a GeoPackage store",
                      "gridplan_rss_mb": round(rss["postgis"]), "peer_rss_mb": round(rss["gpkg"])}
    return rows


def report(results, command):
    lines = [START, "## PostGIS store", "",
             f"Produced by `{command}` (last at commit {results['commit']}; a cell measured at another commit says which) on {results['machine']}; medians of {results['runs']} runs, wall clock per process. "
             "Import and export: gridplan into and out of a PostGIS store beside `ogr2ogr` into and out of plain PostGIS tables "
             "(the target is faster than ogr2ogr). Analysis: the same command reading a PostGIS store beside reading a GeoPackage store "
             "(the target is within 1.2×).", "",
             "| operation | " + " | ".join(f"{s:,} communities" for s in results["sizes"]) + " | against |", "|---|" + "---|" * len(results["sizes"]) + "---|"]
    names = []
    for size in results["sizes"]:
        names += [n for n in results["rows"].get(str(size), {}) if n not in names]
    for n in names:
        cells = []
        peer = ""
        for s in results["sizes"]:
            r = results["rows"].get(str(s), {}).get(n)
            if r is None:
                cells.append("not run")
                continue
            at = f", at {r['commit']}" if r.get("commit") and r["commit"] != results["commit"] else ""
            mem = f"; {r['gridplan_rss_mb']:,} vs {r['peer_rss_mb']:,} MB peak" if "gridplan_rss_mb" in r else ""
            cells.append(f"**{r['gridplan'] / r['peer']:.2f}** ({r['gridplan']:.1f} s vs {r['peer']:.1f} s{mem}{at})")
            peer = r["peer_name"]
        lines.append(f"| {n} | " + " | ".join(cells) + f" | {peer} |")
    lines += ["", "Ratios are gridplan's time over the other's: below 1, gridplan (or the PostGIS store) is faster.", END]
    return "\n".join(lines) + "\n"


def main():
    # A SIGTERM unwinds like an exception, so the cluster is stopped on that exit path too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="10000")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--bin-dir", default=os.path.join(ROOT, ".build-bench", "release"))
    ap.add_argument("--legs", default="import,export,analysis")
    ap.add_argument("--merge", action="store_true")
    ap.add_argument("--reuse-store", metavar="URI",
                    help="measure the analysis leg only, on a PostGIS store an earlier run loaded (its password in PGPASSWORD) "
                         "beside that run's work/city-N/bench-postgis.gpkg: no cluster, no import")
    args = ap.parse_args()
    legs = set(args.legs.split(","))
    gp = os.path.join(args.bin_dir, "gridplan")
    sizes = [int(s) for s in args.sizes.split(",")]
    os.makedirs(WORK, exist_ok=True)
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    if args.reuse_store:
        if legs != {"analysis"} or len(sizes) != 1:
            raise SystemExit("--reuse-store measures --legs analysis of one --sizes")
        gpkg = os.path.join(WORK, f"city-{sizes[0]}", "bench-postgis.gpkg")
        rows = {str(sizes[0]): analyse(args.runs, gp, args.reuse_store, gpkg)}
    else:
        with Cluster() as cluster:
            rows = {str(s): measure(s, args.runs, gp, cluster, legs) for s in sizes}
    for size in rows.values():
        for row in size.values():
            row["commit"] = commit
    results = {"commit": commit, "machine": f"{os.cpu_count()} cores, {cpu}", "runs": args.runs, "sizes": sizes, "rows": rows}
    path_json = os.path.join(WORK, "postgis.json")
    if args.merge and os.path.exists(path_json):
        old = json.load(open(path_json))
        for size, old_rows in old.get("rows", {}).items():
            for name, row in old_rows.items():
                row.setdefault("commit", old.get("commit"))
                results["rows"].setdefault(size, {}).setdefault(name, row)
        results["sizes"] = sorted(set(results["sizes"]) | set(old.get("sizes", [])))
        earlier = old.get("commands") or [f"python3 benchmarks/postgis.py --sizes {','.join(map(str, old.get('sizes', [])))} --runs {old.get('runs')}"]
        results["commands"] = earlier + ["python3 benchmarks/postgis.py " + " ".join(sys.argv[1:])]
    results.setdefault("commands", ["python3 benchmarks/postgis.py " + " ".join(sys.argv[1:])])
    json.dump(results, open(path_json, "w"), indent=1)
    section = report(results, ", then ".join(results["commands"]))
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

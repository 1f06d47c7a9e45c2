"""Runs the benchmarks: gridplan beside its peers, on the same files, in the same run, up a ladder
of sample-city sizes, and writes BENCHMARKS.md.

usage: python3 benchmarks/run.py [--sizes auto|1000,10000[,100000]] [--full] [--runs N]
                                 [--bin-dir .build-bench/release] [--budget-min 10] [--out BENCHMARKS.md]

For every size (communities of a `gridplan sample` city, generated once into benchmarks/work/ and
reused) and every operation it measures gridplan's real command (release build, --json --quiet),
each peer (benchmarks/peers/, a pinned Python venv, and GDAL's ogr2ogr) and the floor (the GEOS
primitives the command cannot avoid, timed alone by gridplan-bench). Every measurement is a
separate process, run N times; the table gives the median time and the peak resident memory
(os.wait4's ru_maxrss) of the largest run. gridplan and ogr2ogr are timed by wall clock; the
Python peers report their own time from just after their imports; the floor reports only its
primitives. A peer's answer is checked against gridplan's (counts equal, areas and lengths within
tolerance) and a peer that did different work is not counted as the best peer.
"""
import argparse
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH_DIR = os.path.join(ROOT, "benchmarks")
WORK = os.path.join(BENCH_DIR, "work")
PEERS = os.path.join(BENCH_DIR, "peers")
PYTHON = os.path.join(WORK, "venv", "bin", "python")
RESULTS = os.path.join(WORK, "results.json")
QUICK = [1000, 10000]
FULL = [1000, 10000, 100000]


def rel(path):
    return os.path.relpath(path, ROOT)


# --------------------------------------------------------------------------------------------
# Measuring

class Failed(Exception):
    pass


def run_once(cmd, timeout):
    """Runs cmd; returns (stdout text, peak RSS MB, wall seconds, timed_out)."""
    os.makedirs(WORK, exist_ok=True)
    out_path, err_path = os.path.join(WORK, ".stdout"), os.path.join(WORK, ".stderr")
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=ROOT)
        timed_out = threading.Event()

        def kill():
            timed_out.set()
            proc.kill()

        timer = threading.Timer(timeout, kill) if timeout else None
        if timer:
            timer.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)  # already reaped by wait4
        if timer:
            timer.cancel()
    if timed_out.is_set():
        return None, usage.ru_maxrss / 1024, wall, True
    with open(out_path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    if proc.returncode != 0:
        with open(err_path, encoding="utf-8", errors="replace") as f:
            raise Failed(f"exit {proc.returncode}: {' '.join(cmd)}\n{f.read()[-2000:]}")
    return text, usage.ru_maxrss / 1024, wall, False


def measure(cmd, runs, key=None, timeout=None, before=None, long_s=60.0):
    """Median over `runs` separate processes of the time (`key` from the JSON output, else wall).
    A first run longer than `long_s` is not repeated (n = 1 in the tables)."""
    times, mems, result = [], [], None
    for k in range(runs):
        if before:
            before()
        text, mem, wall, timed_out = run_once(cmd, timeout)
        if timed_out:
            return {"cmd": cmd, "timed_out": True, "timeout_s": timeout, "median_s": None, "times": times, "rss_mb": mem, "n": 0}
        try:
            result = json.loads(text) if text.strip() else {}
        except json.JSONDecodeError:
            result = {"_text": text[-500:]}
        times.append(float(result[key]) if key else wall)
        mems.append(mem)
        if k == 0 and wall > long_s:
            break
    return {"cmd": cmd, "timed_out": False, "median_s": statistics.median(times), "times": times, "rss_mb": max(mems), "n": len(times), "result": result}


def json_of(cmd):
    text, _, _, _ = run_once(cmd, None)
    return json.loads(text)


# --------------------------------------------------------------------------------------------
# The operations

def within(a, b, tol):
    return abs(a - b) <= tol * max(abs(a), abs(b), 1e-12)


def pct(a, b):
    return f"{100 * (a - b) / b:+.3f}%" if b else "n/a"


class Ladder:
    def __init__(self, args):
        self.args = args
        self.gp = os.path.join(args.bin_dir, "gridplan")
        self.bench = os.path.join(args.bin_dir, "gridplan-bench")
        self.results = {}

    def py(self, script, *a):
        return [PYTHON, os.path.join(PEERS, script), *a]

    # Each operation: gridplan command, floor command, peers, and a check of equal work.
    def operations(self, n, city):
        f = lambda name: os.path.join(city, name)
        m = self.metric
        repaired = f("repaired.geojson")
        empty = f("store-empty.gpkg")
        out = os.path.join(city, "out")
        os.makedirs(out, exist_ok=True)

        def fresh(store):
            return lambda: shutil.copyfile(empty, store)

        def rm(path):
            return lambda: os.path.exists(path) and os.remove(path)

        ops = []
        # One store per layer: each import run starts from a fresh empty store, and the export of that
        # layer reads the store its import left.
        for layer in ("communities", "buildings"):
            src = f(f"{layer}.geojson")
            store = f(f"store-{layer}.gpkg")
            ogr_dst = os.path.join(out, f"ogr-{layer}.gpkg")
            gpd_dst = os.path.join(out, f"gpd-{layer}.gpkg")
            ops.append(dict(
                name=f"import {layer}", gridplan=[self.gp, "import", store, src, "--as", layer, "--json", "--quiet"], before=fresh(store),
                floor=([self.bench, "geojson-read", src], "read_s", "GeoJSON parse (gridplan's reader)"),
                peers=[("ogr2ogr (GDAL 3.6)", ["ogr2ogr", "-f", "GPKG", ogr_dst, src, "-nln", layer], None, rm(ogr_dst), ogr_dst),
                       ("geopandas+pyogrio", self.py("store_io.py", "import", src, gpd_dst, layer), "total_s", rm(gpd_dst), gpd_dst)],
                check="import", layer=layer))
        for layer in ("communities", "buildings"):
            src = f(f"{layer}.geojson")
            store = f(f"store-{layer}.gpkg")
            ours = os.path.join(out, f"gp-export-{layer}.geojson")
            ogr_dst = os.path.join(out, f"ogr-export-{layer}.geojson")
            gpd_dst = os.path.join(out, f"gpd-export-{layer}.geojson")
            ops.append(dict(
                name=f"export {layer}", gridplan=[self.gp, "export", store, layer, ours, "--json", "--quiet"], output=ours, source=src,
                floor=([self.bench, "geojson-write", src, os.path.join(out, "floor-write.geojson")], "write_s", "GeoJSON write (gridplan's writer)"),
                peers=[("ogr2ogr (GDAL 3.6)", ["ogr2ogr", "-f", "GeoJSON", "-lco", "RFC7946=YES", ogr_dst, store, layer], None, rm(ogr_dst), ogr_dst),
                       ("geopandas+pyogrio", self.py("store_io.py", "export", store, layer, gpd_dst), "total_s", rm(gpd_dst), gpd_dst)],
                check="export", layer=layer))
        ops.append(dict(
            name="check", gridplan=[self.gp, "check", f("communities.geojson"), "--boundary", f("district.geojson"), "--households", f("buildings.geojson"), "--json", "--quiet"],
            floor=([self.bench, "floor-check", f("communities.geojson"), f("district.geojson")], "floor_s", "STRtree + pairwise intersects/intersection + cascaded union + boundary − union"),
            peers=[(f"shapely {self.versions.get('shapely', '2')} coverage+overlay", self.py("check.py", f("communities.geojson"), f("district.geojson"), f("buildings.geojson"), "--metric-crs", m, "--variant", "shapely"), "total_s", None, None),
                   ("geopandas sjoin+overlay", self.py("check.py", f("communities.geojson"), f("district.geojson"), f("buildings.geojson"), "--metric-crs", m, "--variant", "geopandas"), "total_s", None, None)],
            check="check"))
        peer_repaired = os.path.join(out, "peer-repaired.geojson")
        ops.append(dict(
            name="repair", gridplan=[self.gp, "repair", f("communities.geojson"), "--boundary", f("district.geojson"), "--out", repaired, "--json", "--quiet"], output=repaired,
            floor=([self.bench, "floor-check", f("communities.geojson"), f("district.geojson")], "floor_s", "as check: the overlaps and gaps it must find"),
            peers=[(f"shapely coverage_clean (GEOS {self.versions.get('peer_geos', '3.14')})", self.py("repair.py", f("communities.geojson"), f("district.geojson"), peer_repaired, "--metric-crs", m), "total_s", None, peer_repaired)],
            check="repair"))
        grids = os.path.join(out, "gp-grids.geojson")
        ops.append(dict(
            name="partition", gridplan=[self.gp, "partition", repaired, "--streets", f("streets.geojson"), "--households", f("buildings.geojson"), "--target", "households:150-500", "--out", grids, "--json", "--quiet"], output=grids,
            floor=([self.bench, "floor-partition", repaired, f("streets.geojson")], "floor_s", "per community: STRtree query + node + polygonize (all cores)"),
            peers=[("shapely polygonize + spopt MaxP", self.py("partition.py", repaired, f("streets.geojson"), f("buildings.geojson"), "--metric-crs", m, "--variant", "maxp", "--out", os.path.join(out, "peer-grids-maxp.geojson")), "total_s", None, None),
                   ("momepy enclosures + spopt RegionKMeans", self.py("partition.py", repaired, f("streets.geojson"), f("buildings.geojson"), "--metric-crs", m, "--variant", "kmeans", "--out", os.path.join(out, "peer-grids-kmeans.geojson")), "total_s", None, None)],
            check="partition"))
        ops.append(dict(
            name="assign streets", gridplan=[self.gp, "assign", "streets", f("streets.geojson"), "--units", repaired, "--json", "--quiet"],
            floor=([self.bench, "floor-assign-streets", repaired, f("streets.geojson")], "floor_s", "STRtree + line ∩ polygon for every candidate"),
            peers=[("geopandas overlay", self.py("assign.py", "streets", f("streets.geojson"), repaired, "--metric-crs", m, "--variant", "geopandas"), "total_s", None, None),
                   ("shapely STRtree + intersection", self.py("assign.py", "streets", f("streets.geojson"), repaired, "--metric-crs", m, "--variant", "shapely"), "total_s", None, None)],
            check="assign streets"))
        ops.append(dict(
            name="assign points", gridplan=[self.gp, "assign", "points", f("events.geojson"), "--units", repaired, "--json", "--quiet"],
            floor=([self.bench, "floor-assign-points", repaired, f("events.geojson")], "floor_s", "STRtree + prepared point-in-polygon"),
            peers=[("geopandas sjoin", self.py("assign.py", "points", f("events.geojson"), repaired, "--metric-crs", m, "--variant", "geopandas"), "total_s", None, None),
                   ("shapely STRtree query", self.py("assign.py", "points", f("events.geojson"), repaired, "--metric-crs", m, "--variant", "shapely"), "total_s", None, None)],
            check="assign points"))
        ops.append(dict(
            name="metrics", gridplan=[self.gp, "metrics", repaired, "--households", f("buildings.geojson"), "--events", f("events.geojson"), "--streets", f("streets.geojson"), "--boundary", f("district.geojson"), "--json", "--quiet"],
            floor=([self.bench, "floor-metrics", repaired, f("district.geojson"), f("buildings.geojson"), f("events.geojson"), f("streets.geojson")], "floor_s", "STRtree + point-in-polygon (buildings, events) + line ∩ polygon + cascaded union ∩ boundary"),
            peers=[("geopandas sjoin+overlay+dissolve", self.py("metrics.py", repaired, f("district.geojson"), f("buildings.geojson"), f("events.geojson"), f("streets.geojson"), "--metric-crs", m), "total_s", None, None)],
            check="metrics"))
        return ops

    # ----------------------------------------------------------------------------------------
    # Equal work: (ok, note)

    def verify(self, op, ours, peer, peer_output):
        kind = op["check"]
        o = ours.get("result") or {}
        p = peer.get("result") or {}
        if kind == "import":
            got = json_of([PYTHON, os.path.join(PEERS, "verify.py"), "count", peer_output, op["layer"]])["features"]
            return got == o["features"], f"features {o['features']} / {got}"
        if kind == "export":
            source = json_of([PYTHON, os.path.join(PEERS, "verify.py"), "count", op["source"]])["features"]
            mine = json_of([PYTHON, os.path.join(PEERS, "verify.py"), "count", op["output"]])["features"]
            got = json_of([PYTHON, os.path.join(PEERS, "verify.py"), "count", peer_output])["features"]
            return got == mine == source, f"features {mine} / {got} (source {source})"
        if kind == "check":
            s = o["summary"]
            gaps = s["sliver"]["count"] + s["unmanaged"]["count"]
            gap_area = s["sliver"]["area_m2"] + s["unmanaged"]["area_m2"]
            ok = (gaps == p["gap"]["count"] and within(gap_area, p["gap"]["area_m2"], 0.01)
                  and within(s["overlap"]["area_m2"], p["overlap"]["area_m2"], 0.01))
            return ok, (f"gaps {gaps} / {p['gap']['count']} (slivers {s['sliver']['count']} / {p['sliver']['count']}), gap area {pct(p['gap']['area_m2'], gap_area)}, "
                        f"overlap area {pct(p['overlap']['area_m2'], s['overlap']['area_m2'])}, overlap pieces {s['overlap']['count']} / {p['overlap']['count']}, "
                        f"outside {s['outside']['count']} / {p['outside']['count']}")
        if kind == "repair":
            mine = self.polygons(op["output"])
            theirs = self.polygons(peer_output)
            ok = mine["nonempty"] == theirs["nonempty"] and within(mine["area_m2"], theirs["area_m2"], 0.01) and theirs["overlap_area_m2"] < 1.0
            return ok, (f"units {mine['nonempty']} / {theirs['nonempty']}, repaired area {pct(theirs['area_m2'], mine['area_m2'])}, "
                        f"overlap left {mine['overlap_area_m2']:.2f} / {theirs['overlap_area_m2']:.2f} m²")
        if kind == "partition":
            mine = self.polygons(op["output"])
            s = o["summary"]
            ok = within(mine["area_m2"], p["area_m2"], 0.01)
            return ok, (f"grid area {pct(p['area_m2'], mine['area_m2'])}; grids {s['grids']} / {p['grids']}, "
                        f"within bounds {100 * s['within_bounds_ratio']:.1f}% / {100 * p['within_bounds_ratio']:.1f}%, "
                        f"CV {s['cv']:.3f} / {p['cv']:.3f}, compactness {s['compactness_mean']:.3f} / {p['compactness_mean']:.3f}, "
                        f"blocks {sum(c['blocks'] for c in o['communities'])} / {p['blocks']}")
        if kind == "assign streets":
            s = o["summary"]
            owned = s["length_m"] - s["unowned_length_m"]
            ok = within(s["length_m"], p["length_m"], 0.001) and within(owned, p["owned_length_m"], 0.02)
            return ok, (f"street length {pct(p['length_m'], s['length_m'])}, length given to units {pct(p['owned_length_m'], owned)}, "
                        f"segments {s['segments']} / {p['segments']}")
        if kind == "assign points":
            s = o["summary"]
            ok = s["assigned"] == p["assigned"] and s["outside"] == p["outside"]
            return ok, f"assigned {s['assigned']} / {p['assigned']}, outside {s['outside']} / {p['outside']}"
        if kind == "metrics":
            s = o["summary"]
            units = [u for u in o["units"] if u["level"] == s["level"]]
            hh = sum(u["households"] for u in units)
            ev = sum(u["events"] for u in units)
            st = sum(u["street_m"] for u in units)
            ok = within(s["coverage_percent"], p["coverage_percent"], 0.01) and within(hh, p["households"], 0.01) and ev == p["events_located"] and within(st, p["street_m"], 0.01)
            return ok, (f"coverage {s['coverage_percent']:.4f}% / {p['coverage_percent']:.4f}%, households {hh:.0f} / {p['households']:.0f}, "
                        f"events {ev} / {p['events_located']}, street length {pct(p['street_m'], st)}")
        return False, "no check"

    def polygons(self, path):
        return json_of([PYTHON, os.path.join(PEERS, "verify.py"), "polygons", path, "--metric-crs", self.metric])

    # ----------------------------------------------------------------------------------------

    def city(self, n):
        city = os.path.join(WORK, f"city-{n}")
        if not os.path.exists(os.path.join(city, "truth.json")):
            print(f"generating a {n}-community city in {rel(city)} ...", flush=True)
            t = time.perf_counter()
            subprocess.run([self.gp, "sample", city, "--communities", str(n), "--seed", "1", "--force", "--quiet"], check=True)
            print(f"  {time.perf_counter() - t:.0f} s", flush=True)
        return city

    def run_size(self, n):
        city = self.city(n)
        sizes = {}
        for name in ("communities", "streets", "buildings", "events"):
            path = os.path.join(city, f"{name}.geojson")
            sizes[name] = {"mb": os.path.getsize(path) / 1e6}
        # The metric CRS gridplan chooses, for the peers.
        self.metric = json_of([self.gp, "check", os.path.join(city, "street_offices.geojson"), "--json", "--quiet"])["summary"]["metric_crs"]
        empty = os.path.join(city, "store-empty.gpkg")
        if os.path.exists(empty):
            os.remove(empty)
        subprocess.run([self.gp, "init", empty, "--crs", "EPSG:4326", "--quiet"], check=True, stdout=subprocess.DEVNULL)
        if not os.path.exists(os.path.join(city, "repaired.geojson")):
            subprocess.run([self.gp, "repair", os.path.join(city, "communities.geojson"), "--boundary", os.path.join(city, "district.geojson"),
                            "--out", os.path.join(city, "repaired.geojson"), "--quiet"], check=True, stdout=subprocess.DEVNULL)
        rows = []
        self.loads = []
        for op in self.operations(n, city):
            if self.args.only and not any(op["name"].startswith(x) for x in self.args.only.split(",")):
                continue
            t0 = time.perf_counter()
            self.loads.append(os.getloadavg()[0])
            print(f"[{n}] {op['name']}: gridplan ...", end="", flush=True)
            ours = measure(op["gridplan"], self.args.runs, before=op.get("before"), long_s=self.args.long_s)
            counts = {}
            print(f" {ours['median_s']:.2f} s; floor ...", end="", flush=True)
            fcmd, fkey, fdesc = op["floor"]
            floor = measure(fcmd, self.args.runs, key=fkey, long_s=self.args.long_s)
            print(f" {floor['median_s']:.2f} s", end="", flush=True)
            peers = []
            for pname, pcmd, pkey, pbefore, pout in op["peers"]:
                print(f"; {pname} ...", end="", flush=True)
                try:
                    r = measure(pcmd, self.args.runs, key=pkey, timeout=self.args.peer_timeout, before=pbefore, long_s=self.args.long_s)
                except Failed as e:
                    peers.append({"name": pname, "failed": str(e)[-800:], "cmd": pcmd, "equal": False, "note": "failed"})
                    print(" failed", end="", flush=True)
                    continue
                r["name"] = pname
                if r["timed_out"]:
                    r["equal"], r["note"] = None, f"timed out after {self.args.peer_timeout:.0f} s"
                    print(" timed out", end="", flush=True)
                else:
                    try:
                        r["equal"], r["note"] = self.verify(op, ours, r, pout)
                    except Exception as e:  # a check that cannot run is a failed check, reported
                        r["equal"], r["note"] = False, f"check failed: {e}"
                    print(f" {r['median_s']:.2f} s{'' if r['equal'] else ' (unequal work)'}", end="", flush=True)
                peers.append(r)
            print(f"  [{time.perf_counter() - t0:.0f} s]", flush=True)
            rows.append({"op": op["name"], "ours": strip(ours), "floor": strip(floor), "floor_desc": fdesc, "peers": [strip(p) for p in peers]})
        self.loads.append(os.getloadavg()[0])
        return {"size": n, "files": sizes, "metric_crs": self.metric, "rows": rows, "load": [min(self.loads), max(self.loads)]}


def strip(r):
    """Keeps what the report needs (command, times, memory, and the small result fields)."""
    r = dict(r)
    res = r.pop("result", None) or {}
    keep = {}
    for k, v in res.items():
        if k in ("findings", "communities", "units", "streets", "changes", "unresolved", "children", "outside", "warnings"):
            continue
        keep[k] = v
    r["result"] = keep
    r["cmd"] = [rel(c) if isinstance(c, str) and c.startswith(ROOT) else c for c in r.get("cmd", [])]
    return r


# --------------------------------------------------------------------------------------------
# GeoJSON read/write (kept from the first benchmark): one large FeatureCollection.

def geojson_io(args):
    data = os.path.join(WORK, f"collection-{int(args.size_mb)}mb.geojson")
    if not os.path.exists(data):
        subprocess.run([sys.executable, os.path.join(BENCH_DIR, "make_geojson.py"), data, str(args.size_mb)], check=True)
    size_mb = os.path.getsize(data) / 1e6
    bench = os.path.join(args.bin_dir, "gridplan-bench")
    peer = os.path.join(PEERS, "geojson_io.py")
    rows = []
    ours_r = measure([bench, "geojson-read", data], args.runs, key="read_s")
    peer_r = measure([PYTHON, peer, "read", data], args.runs, key="read_s")
    assert (ours_r["result"]["features"], ours_r["result"]["coordinates"]) == (peer_r["result"]["features"], peer_r["result"]["coordinates"])
    rows.append(("GeoJSON read", ours_r, peer_r))
    ours_w = measure([bench, "geojson-write", data, os.path.join(WORK, "out-gridplan.geojson")], args.runs, key="write_s")
    peer_w = measure([PYTHON, peer, "write", data, os.path.join(WORK, "out-python.geojson")], args.runs, key="write_s")
    assert ours_w["result"]["features"] == peer_w["result"]["features"]
    rows.append(("GeoJSON write", ours_w, peer_w))
    return {"size_mb": size_mb, "features": ours_r["result"]["features"], "coordinates": ours_r["result"]["coordinates"],
            "rows": [(name, strip(a), strip(b)) for name, a, b in rows]}


# --------------------------------------------------------------------------------------------
# Report

def fmt_s(s):
    if s is None:
        return "–"
    return f"{s:.3f} s" if s < 10 else f"{s:.1f} s"


def machine():
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    osname = platform.system() + " " + platform.release()
    try:
        with open("/etc/os-release") as f:
            osname = next(l.split("=", 1)[1].strip().strip('"') for l in f if l.startswith("PRETTY_NAME")) + f", kernel {platform.release()}"
    except (OSError, StopIteration):
        pass
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            mem = f"{int(next(l.split()[1] for l in f if l.startswith('MemTotal'))) / 1024 / 1024:.0f} GB RAM"
    except (OSError, StopIteration):
        pass
    return f"{cpu}, {os.cpu_count()} cores, {mem}, {osname}"


def versions(bin_dir):
    v = {}
    try:
        v["gridplan"] = subprocess.run([os.path.join(bin_dir, "gridplan"), "--version"], capture_output=True, text=True).stdout.strip()
    except OSError:
        pass
    try:
        v["commit"] = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    except OSError:
        pass
    for tool, cmd in (("geos", ["geos-config", "--version"]), ("proj", ["proj"]), ("gdal", ["ogr2ogr", "--version"]), ("swift", ["swift", "--version"])):
        try:
            p = subprocess.run(cmd, capture_output=True, text=True)
            v[tool] = (p.stdout + p.stderr).strip().splitlines()[0]
        except (OSError, IndexError):
            pass
    try:
        p = subprocess.run([PYTHON, "-c", "import sys,shapely,geopandas,pyogrio,spopt,momepy,libpysal,pandas,numpy;"
                            "print(sys.version.split()[0],shapely.__version__,shapely.geos_version_string,geopandas.__version__,pyogrio.__version__,"
                            "pyogrio.__gdal_version_string__,spopt.__version__,momepy.__version__,libpysal.__version__,pandas.__version__,numpy.__version__)"],
                           capture_output=True, text=True)
        names = ["python", "shapely", "peer_geos", "geopandas", "pyogrio", "pyogrio_gdal", "spopt", "momepy", "libpysal", "pandas", "numpy"]
        v.update(dict(zip(names, p.stdout.split())))
    except OSError:
        pass
    return v


def best_peer(row):
    ok = [p for p in row["peers"] if p.get("equal") and p.get("median_s") is not None]
    return min(ok, key=lambda p: p["median_s"]) if ok else None


def report(data, args):
    v = data["versions"]
    sizes = [s["size"] for s in data["ladder"]]
    L = []
    w = L.append
    w("# Benchmarks")
    w("")
    w(f"gridplan beside its peers on the same files in the same run, up a ladder of sample-city sizes. Produced by `make bench` "
      f"(`{data['command']}`) on {data['date']}; {data['elapsed_min']:.0f} minutes in all.")
    w("")
    w(f"- **Machine:** {data['machine']}.")
    w(f"- **gridplan:** {v.get('gridplan', '?')} (commit {v.get('commit', '?')}), release build (`swift build -c release --scratch-path .build-bench`), "
      f"{v.get('swift', 'Swift')}; system GEOS {v.get('geos', '?')}, {v.get('proj', 'PROJ')}.")
    w(f"- **Peers:** Python {v.get('python', '?')} venv pinned in `benchmarks/requirements.txt`: shapely {v.get('shapely')} (bundles GEOS {v.get('peer_geos')}), "
      f"geopandas {v.get('geopandas')}, pyogrio {v.get('pyogrio')} (GDAL {v.get('pyogrio_gdal')}), pandas {v.get('pandas')}, numpy {v.get('numpy')}, "
      f"spopt {v.get('spopt')}, libpysal {v.get('libpysal')}, momepy {v.get('momepy')}; system {v.get('gdal', 'GDAL')} for `ogr2ogr`.")
    w(f"- **Method:** every measurement is a separate process; median of {args.runs} runs (a first run over {args.long_s:.0f} s is not repeated: "
      f"`n` says how many runs there were); peak RSS is the largest `ru_maxrss` of those runs (os.wait4). gridplan and ogr2ogr are timed by wall clock "
      f"(reading, projecting, writing included); the Python peers by their own clock from just after their imports (interpreter start-up and "
      f"`import geopandas` excluded, in their favour); the floor (gridplan-bench) times only the GEOS primitives the command cannot avoid, after "
      f"reading, projecting and making the inputs valid. Peers time out after `--peer-timeout` seconds (900 unless the command in the header says otherwise; each timed-out row gives its limit).")
    w("- **Equal work:** each peer's answer is checked against gridplan's (details below); a peer that does not pass is shown but is not the \"best peer\".")
    w("- **Targets** (issue 9): faster than the fastest peer at every size (gridplan / peer < 1); within 2× of the floor (gridplan / floor ≤ 2); "
      "time per community flat, n log n at worst, up the ladder.")
    w("")
    w("## Sizes")
    w("")
    w("`gridplan sample benchmarks/work/city-N --communities N --seed 1`. The 10,000-community city also serves as the \"1M buildings\" size (1.9 million building points). "
      "Load average is the 1-minute load seen before each operation: other work on the machine (builds, fuzzers) shares its 2 cores and is not under the benchmark's control.")
    w("")
    w("| communities | streets | buildings (households) | events | communities.geojson | buildings.geojson | metric CRS | load average during the run |")
    w("|---|---|---|---|---|---|---|---|")
    for s in data["ladder"]:
        c = s.get("counts", {})
        load = s.get("load", [0, 0])
        w(f"| {s['size']:,} | {c.get('streets', '?'):,} | {c.get('buildings', '?'):,} | {c.get('events', '?'):,} | "
          f"{s['files']['communities']['mb']:.1f} MB | {s['files']['buildings']['mb']:.0f} MB | {s['metric_crs']} | {load[0]:.1f}–{load[1]:.1f} |")
    for n in data.get("not_run", []):
        w(f"| {n['size']:,} | **not run in this session**: {n['why']} | | | | | | |")
    every_op = [r["op"] for r in max(data["ladder"], key=lambda x: len(x["rows"]))["rows"]]
    for s_ in data["ladder"]:
        missing = [op for op in every_op if op not in {r["op"] for r in s_["rows"]}]
        if missing:
            w(f"| {s_['size']:,} | **partly run**: only {', '.join(r['op'] for r in s_['rows'])} at this size; not {', '.join(missing)} "
              f"(`make bench FULL=1` runs them all) | | | | | | |")
    w("")
    w("## Results")
    w("")
    w("Ratios below 1 mean gridplan is faster. µs/community is gridplan's median time divided by the number of communities.")
    w("")
    w("| operation | communities | gridplan median (n) | gridplan peak RSS | best peer | peer median | peer peak RSS | gridplan / best peer | floor | gridplan / floor | µs / community | targets |")
    w("|---|---|---|---|---|---|---|---|---|---|---|---|")
    missed = []
    ops = []
    for s in data["ladder"]:
        for r in s["rows"]:
            if r["op"] not in ops:
                ops.append(r["op"])
    for op in ops:
        for s in data["ladder"]:
            r = next((x for x in s["rows"] if x["op"] == op), None)
            if not r:
                continue
            n = s["size"]
            o, fl = r["ours"], r["floor"]
            bp = best_peer(r)
            timed_out = [p for p in r["peers"] if p.get("timed_out")]
            verdicts = []
            if bp:
                ratio = o["median_s"] / bp["median_s"]
                ratio_s = f"**{ratio:.2f}**"
                if ratio >= 1:
                    verdicts.append(f"missed: {ratio:.2f}× the peer")
                    missed.append(f"{op} at {n:,}: gridplan {fmt_s(o['median_s'])} vs {bp['name']} {fmt_s(bp['median_s'])} ({ratio:.2f}×)")
                else:
                    verdicts.append("peer: met")
                peer_cells = f"{bp['name']} | {fmt_s(bp['median_s'])} ({bp['n']}) | {bp['rss_mb']:.0f} MB | {ratio_s}"
            elif timed_out:
                t = timed_out[0]
                peer_cells = f"{t['name']} | > {t['timeout_s']:.0f} s (timed out) | – | < {o['median_s'] / t['timeout_s']:.2f}"
                verdicts.append("peer: met")
            else:
                peer_cells = "no peer did equal work | – | – | –"
                verdicts.append("peer: n/a")
            fr = o["median_s"] / fl["median_s"] if fl["median_s"] else float("inf")
            if fr > 2:
                verdicts.append(f"missed: {fr:.1f}× the floor")
                missed.append(f"{op} at {n:,}: gridplan {fmt_s(o['median_s'])} is {fr:.1f}× its floor {fmt_s(fl['median_s'])} ({r['floor_desc']})")
            else:
                verdicts.append("floor: met")
            w(f"| {op} | {n:,} | {fmt_s(o['median_s'])} ({o['n']}) | {o['rss_mb']:.0f} MB | {peer_cells} | {fmt_s(fl['median_s'])} | {fr:.1f} | "
              f"{1e6 * o['median_s'] / n:,.0f} | {'; '.join(verdicts)} |")
    w("")
    # Scaling
    if len(sizes) > 1:
        w("## Scaling")
        w("")
        head = " | ".join(f"µs/community at {n:,}" for n in sizes)
        w(f"| operation | {head} | growth, smallest→largest size measured | n log n allows | target |")
        w("|---|" + "---|" * len(sizes) + "---|---|---|")
        for op in ops:
            per = []
            for s in data["ladder"]:
                r = next((x for x in s["rows"] if x["op"] == op), None)
                per.append(1e6 * r["ours"]["median_s"] / s["size"] if r else None)
            measured = [k for k, p in enumerate(per) if p is not None]
            if len(measured) < 2:
                continue
            a, b = measured[0], measured[-1]
            growth = per[b] / per[a]
            allowed = math.log(sizes[b]) / math.log(sizes[a])
            verdict = "met" if growth <= allowed else f"missed: per-community time grew {growth:.2f}×"
            if growth > allowed:
                missed.append(f"{op} scaling: {per[a]:,.0f} → {per[b]:,.0f} µs/community from {sizes[a]:,} to {sizes[b]:,} ({growth:.2f}×, n log n allows {allowed:.2f}×)")
            cells = " | ".join(f"{p:,.0f}" if p is not None else "–" for p in per)
            w(f"| {op} | {cells} | {growth:.2f}× ({sizes[a]:,}→{sizes[b]:,}) | {allowed:.2f}× | {verdict} |")
        w("")
        w("Floors over the same ladder (µs/community): " + "; ".join(
            f"{op} " + " → ".join(f"{1e6 * next(x for x in s['rows'] if x['op'] == op)['floor']['median_s'] / s['size']:,.0f}" for s in data["ladder"] if any(x["op"] == op for x in s["rows"]))
            for op in ops) + ".")
        w("")
    w("## Missed targets")
    w("")
    if missed:
        for m in missed:
            w(f"- missed: {m}")
    else:
        w("None.")
    w("")
    missed_ops = [op for op in ops if any(m.startswith(op + " ") for m in missed)]
    if missed_ops:
        w("### Why")
        w("")
        for op in missed_ops:
            if op in WHY:
                w(f"- **{op}**: {WHY[op]}")
        w("")
    w("## Every peer, with its equal-work check")
    w("")
    w("gridplan's figure first, the peer's second.")
    w("")
    w("| operation | communities | tool | median (n) | peak RSS | equal work | check |")
    w("|---|---|---|---|---|---|---|")
    for s in data["ladder"]:
        for r in s["rows"]:
            o = r["ours"]
            w(f"| {r['op']} | {s['size']:,} | gridplan | {fmt_s(o['median_s'])} ({o['n']}) | {o['rss_mb']:.0f} MB | – | – |")
            w(f"| {r['op']} | {s['size']:,} | floor: {r['floor_desc']} | {fmt_s(r['floor']['median_s'])} ({r['floor']['n']}) | {r['floor']['rss_mb']:.0f} MB | – | – |")
            for p in r["peers"]:
                if p.get("failed"):
                    w(f"| {r['op']} | {s['size']:,} | {p['name']} | failed | – | no | {p['failed'].splitlines()[-1][:200] if p['failed'] else ''} |")
                    continue
                eq = "yes" if p.get("equal") else ("–" if p.get("equal") is None else "**no**")
                med = f"{fmt_s(p['median_s'])} ({p['n']})" if p.get("median_s") is not None else f"> {p['timeout_s']:.0f} s"
                w(f"| {r['op']} | {s['size']:,} | {p['name']} | {med} | {p['rss_mb']:.0f} MB | {eq} | {p.get('note', '')} |")
    w("")
    w("Notes on what is compared:")
    w("")
    for note in NOTES:
        w(f"- {note}")
    w("")
    if data.get("geojson"):
        g = data["geojson"]
        w("## GeoJSON read/write")
        w("")
        w(f"A {g['size_mb']:.1f} MB FeatureCollection of {g['features']:,} polygons ({g['coordinates']:,} coordinates) from `benchmarks/make_geojson.py`; "
          "the peer is Python's `json` + shapely (`from_geojson` / `to_geojson`). Times are each tool's own read or write phase.")
        w("")
        w("| operation | gridplan median | gridplan MB/s | gridplan peak RSS | peer median | peer MB/s | peer peak RSS | gridplan / peer |")
        w("|---|---|---|---|---|---|---|---|")
        for name, a, b in g["rows"]:
            w(f"| {name} | {fmt_s(a['median_s'])} | {g['size_mb'] / a['median_s']:.0f} | {a['rss_mb']:.0f} MB | {fmt_s(b['median_s'])} | "
              f"{g['size_mb'] / b['median_s']:.0f} | {b['rss_mb']:.0f} MB | {a['median_s'] / b['median_s']:.2f} |")
        w("")
        w("Write time excludes the read that precedes it in both tools; peak RSS covers the whole process.")
        w("")
    w("## Commands")
    w("")
    w("Paths are relative to the repository; `N` is the number of communities. The floor commands are `gridplan-bench` operations "
      "(benchmarks/Sources/gridplan-bench/main.swift).")
    w("")
    w("```sh")
    w("make bench            # quick ladder: 1,000 communities, and 10,000 when it fits the time budget")
    w("make bench FULL=1     # 1,000, 10,000 and 100,000 communities (a 100k city is ~7 GB of GeoJSON, with 19.5 million building points)")
    w("python3 benchmarks/run.py --sizes 100000 --only repair --merge   # re-measure one operation at one size, keeping every other row")
    w("python3 benchmarks/run.py --report-only                           # rewrite this file from benchmarks/work/results.json")
    w("```")
    w("")
    w("```sh")
    s = data["ladder"][-1]
    n = s["size"]
    for r in s["rows"]:
        w(f"# {r['op']}")
        for c in [r["ours"]["cmd"], r["floor"]["cmd"]] + [p["cmd"] for p in r["peers"]]:
            w(" ".join(str(x) for x in c).replace(f"city-{n}", "city-N"))
    w("```")
    return "\n".join(L) + "\n"


# Why a target is missed, per operation (what the profile shows; kept with the code so a re-run keeps it).
WHY = {
    "import communities": "the floor is the GeoJSON parse alone; the rest is process start-up, opening PROJ's database, the CRS "
    "resolution and the SQLite transaction (schema rows, generation, R-tree), a fixed ~50 ms that dominates small layers.",
    "import buildings": "the floor is the GeoJSON parse alone. Writing the rows, their two attribute indexes and the properties JSON "
    "into SQLite is most of the rest (about 5 µs per row in SQLite itself, profiled); the R-tree is packed in one pass (Sort-Tile-Recursive, "
    "written straight into SQLite's node tables) rather than by the per-row triggers, which had made this 3× slower.",
    "export communities": "the floor is the GeoJSON write alone; the command also opens the store, reads and decodes every row and "
    "transforms nothing (the store is WGS84), so SQLite reading and process start-up are the difference.",
    "export buildings": "as export communities: reading 0.2–1.9 million rows out of SQLite and decoding their GeoPackage blobs.",
    "check": "the floor finds overlaps and gaps only. check also measures every gap's width (a maximum inscribed circle to 2 cm below "
    "4 m and to 1% above, run on all cores: the largest single cost), the borders and suggested owner of every finding, exclaves, enclaves, interlocks (a morphological "
    "opening per unit) and households per finding; none of that is in the floor, and no peer does it.",
    "repair": "shapely's coverage_clean is GEOS 3.14's CoverageCleaner, which the system GEOS 3.11 lacks, and it decides gap width with "
    "GEOS 3.14's early-exit radius test; gridplan builds the noded arrangement itself, checks that no unit is split by a transfer, "
    "writes a change list with the households moved, and measures the width of the gaps it leaves for a person (to 1%). It decides "
    "sliver-or-not by an erosion, then a coarse circle, then the fine one (the same decision as the fine one alone). Noding every "
    "outline at once (one GEOS call, single-threaded) is now the largest cost, about a third of the time at 10,000 communities; "
    "rebuilding units had been quadratic (each unit scanned every face) and no longer is.",
    "partition": "the floor is the street blocks only (node + polygonize). Balancing them into regions (14 seeded attempts and a "
    "local search per community, lesser-street and straight cuts of oversized blocks) is the command's real work and has no GEOS "
    "primitive; the peers doing it (spopt MaxP, RegionKMeans) are slower still. Two quadratic steps found by this benchmark are gone "
    "(the code numbering scanned every code issued so far for each community; the street buckets copied their dictionary on every insert): "
    "10,000 communities went from 66 s to 37 s.",
    "assign streets": "the peers only cut streets by units. gridplan also finds boundary streets: every piece within 5 m of a unit's "
    "outline is cut out against that outline's 5 m band (about half its time, in GEOS overlays) to decide the lead by frontage, and "
    "streets just outside a unit's edge are given to it. Streets well inside one unit skip all of that.",
    "assign points": "the floor is the point-in-polygon step alone, in process; the command also starts up, reads and projects every "
    "point and unit from GeoJSON and writes the per-unit JSON.",
    "metrics": "the floor is the spatial joins and the union alone; the command also reads and projects four layers from GeoJSON and "
    "rolls the figures up every level.",
}


NOTES = [
    "**import / export**: gridplan's import writes the store's schema (standard columns, generation, properties JSON, spatial index) in one transaction; "
    "ogr2ogr and geopandas copy the layer into a new GeoPackage. Export reads that store layer back to RFC 7946 GeoJSON. "
    "Equal work: the same number of features. The floor is gridplan's own GeoJSON parse (import) or write (export) of the same features, with no GEOS work.",
    "**check**: gridplan also finds exclaves, enclaves, interlocks, parent mismatches and the borders and suggested owner of every finding, "
    "and counts households in each; the peers do coverage validation (`coverage_invalid_edges`), pairwise overlaps, gaps (boundary − union) "
    "with their maximum-inscribed-circle width (sliver < 2 m), land outside the boundary and households in those pieces. Equal work compares that subset: "
    "gap count, gap area and overlap area.",
    "**repair**: the peer is GEOS 3.14's CoverageCleaner (`shapely.coverage_clean`, gap width 2 m, longest border), which gridplan's GEOS 3.11 does not have; "
    "gridplan also writes a change list with the households moved and leaves wider gaps for a person. Equal work: the same units, the same repaired area, no overlap left.",
    "**partition**: gridplan splits blocks above the maximum by lesser streets and straight cuts, balances regions within [150, 500] households, "
    "keeps codes and runs communities on both cores; the peers make street blocks and regionalise per community (MaxP with a 150-household floor "
    "and 14 constructions + 1 annealing pass, about gridplan's 14 attempts; RegionKMeans with k = households / 325), single-threaded. "
    "Equal work: grids tiling the same land (area within 1%); quality (within-bounds share, CV, compactness) is reported, not required equal.",
    "**assign streets**: gridplan also decides boundary streets (pieces within 5 m of a shared border go to the unit with the longer frontage, "
    "and streets within 5 m outside a unit's outer edge go to that unit); the peers cut streets by units. Equal work: the same street length, "
    "the length given to units within 2%.",
    "**assign points** and **metrics**: the same counts exactly (points assigned, events located), households, coverage and street length within 1%.",
    "Each peer uses its own GEOS (3.14 bundled with shapely 2.2); gridplan uses the system GEOS 3.11.",
]


# --------------------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="auto", help="comma-separated community counts, or auto (1000, then 10000 if it fits --budget-min)")
    ap.add_argument("--full", action="store_true", default=os.environ.get("FULL") == "1", help="1000,10000,100000 (or FULL=1)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--bin-dir", default=os.path.join(ROOT, ".build-bench", "release"))
    ap.add_argument("--budget-min", type=float, default=10, help="auto: run the next size only if its projected time fits")
    ap.add_argument("--long-s", type=float, default=60, help="a first run longer than this is not repeated")
    ap.add_argument("--peer-timeout", type=float, default=900)
    ap.add_argument("--size-mb", type=float, default=100, help="size of the GeoJSON read/write collection")
    ap.add_argument("--skip-geojson", action="store_true")
    ap.add_argument("--only", help="comma-separated operation-name prefixes (for trying things out)")
    ap.add_argument("--merge", action="store_true", help="with --only: replace just those operations' rows in benchmarks/work/results.json")
    ap.add_argument("--keep", action="store_true", help="keep earlier results (benchmarks/work/results.json) for sizes not run now")
    ap.add_argument("--report-only", action="store_true", help="rewrite BENCHMARKS.md from benchmarks/work/results.json")
    ap.add_argument("--out", default=os.path.join(ROOT, "BENCHMARKS.md"))
    args = ap.parse_args()
    args.bin_dir = os.path.abspath(args.bin_dir)
    os.makedirs(WORK, exist_ok=True)

    if args.report_only:
        with open(RESULTS) as f:
            data = json.load(f)
        text = report(data, argparse.Namespace(**data["args"]))
        with open(args.out, "w") as f:
            f.write(text)
        print(text)
        return

    for exe in ("gridplan", "gridplan-bench"):
        if not os.path.exists(os.path.join(args.bin_dir, exe)):
            sys.exit(f"{exe} not found in {args.bin_dir}: build with `swift build -c release --scratch-path .build-bench --product {exe}`")
    started = time.perf_counter()
    ladder = Ladder(args)
    ladder.versions = versions(args.bin_dir)
    prior = {}
    previous = None
    if (args.keep or args.merge) and os.path.exists(RESULTS):
        with open(RESULTS) as f:
            previous = json.load(f)
    if (args.keep or args.merge) and previous:  # a merge never drops the sizes it did not run
        prior = {s["size"]: s for s in previous.get("ladder", [])}
    if args.full:
        sizes, auto = FULL, False
    elif args.sizes == "auto":
        sizes, auto = QUICK, True
    else:
        sizes, auto = [int(x) for x in args.sizes.split(",")], False
    results, not_run = [], []
    for k, n in enumerate(sizes):
        if auto and k > 0:
            spent = time.perf_counter() - started
            projected = (results[-1]["elapsed_s"]) * n / sizes[k - 1] * math.log(n) / math.log(sizes[k - 1])
            if spent + projected > args.budget_min * 60:
                not_run.append({"size": n, "why": f"projected {projected / 60:.0f} min would pass the {args.budget_min:.0f}-minute budget of the quick ladder; "
                                                  f"run `python3 benchmarks/run.py --sizes {','.join(map(str, sizes[:k + 1]))}` or `make bench FULL=1`"})
                continue
        t = time.perf_counter()
        r = ladder.run_size(n)
        r["elapsed_s"] = time.perf_counter() - t
        old = next((x for x in (previous or {}).get("ladder", []) if x["size"] == n), None) if args.merge else None
        if old:  # the rows measured now replace theirs; the others (and the run's totals) are kept
            measured = {row["op"]: row for row in r["rows"]}
            old["rows"] = [measured.pop(row["op"], row) for row in old["rows"]] + list(measured.values())
            r = old
        r["counts"] = counts_of(os.path.join(WORK, f"city-{n}"))
        results.append(r)
    done = {r["size"] for r in results}
    for n, s in prior.items():
        if n not in done:
            results.append(s)
    results.sort(key=lambda s: s["size"])
    if not args.full and 100000 not in [r["size"] for r in results]:
        not_run.append({"size": 100000, "why": "FULL=1 only (a 100k city is ~6.5 GB of GeoJSON and ~2 minutes to generate); "
                                               "run `make bench FULL=1` or `python3 benchmarks/run.py --sizes 1000,10000,100000`"})
    data = {
        "command": "python3 benchmarks/run.py " + " ".join(sys.argv[1:]),
        "date": time.strftime("%Y-%m-%d"),
        "machine": machine(),
        "versions": ladder.versions,
        "ladder": results,
        "not_run": not_run,
        "args": {"runs": args.runs, "long_s": args.long_s, "peer_timeout": args.peer_timeout},
    }
    if not args.skip_geojson:
        print("GeoJSON read/write ...", flush=True)
        data["geojson"] = geojson_io(args)
    data["elapsed_min"] = (time.perf_counter() - started) / 60 + sum(s.get("elapsed_s", 0) for s in prior.values() if s["size"] not in done) / 60
    if args.merge and previous:
        # A follow-up run of some operations: the report says so, and keeps what it did not redo.
        data["command"] = previous["command"] + f"`, then `{data['command']}"
        data["versions"]["commit"] = f"{previous['versions'].get('commit', '?')}, then {ladder.versions.get('commit', '?')} for `{' '.join(sys.argv[1:])}`"
        data["elapsed_min"] += previous.get("elapsed_min", 0)
        data["not_run"] = [x for x in previous.get("not_run", not_run) if x["size"] not in [r["size"] for r in results]]
        data["args"] = previous.get("args", data["args"])
        if args.skip_geojson and previous.get("geojson"):
            data["geojson"] = previous["geojson"]
    with open(RESULTS, "w") as f:
        json.dump(data, f, indent=1, default=str)
    text = report(data, args)
    with open(args.out, "w") as f:
        f.write(text)
    print(text)


def counts_of(city):
    counts = {}
    for name in ("communities", "streets", "buildings", "events"):
        path = os.path.join(city, f"{name}.geojson")
        n = 0
        with open(path, "rb") as f:
            for line in f:
                if line.startswith(b'{"type":"Feature"'):
                    n += 1
        counts[name] = n
    return counts


if __name__ == "__main__":
    main()

"""Runs the benchmarks: gridplan and its peers on the same files in the same run.

usage: python3 benchmarks/run.py [--runs N] [--size-mb M] [--out BENCHMARKS.md]
Each measurement is a separate process; the table gives the median wall time of N runs of the
operation's own phase (read or write, as the tool reports it), the throughput in MB/s of the
input file, and the peak resident memory of the whole process (os.wait4's ru_maxrss).
"""
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORK = os.path.join(ROOT, "benchmarks", "work")
BENCH = os.path.join(ROOT, ".build", "release", "gridplan-bench")
PYTHON = os.path.join(WORK, "venv", "bin", "python")


def run(cmd):
    """Runs cmd, returns (parsed JSON stdout, peak RSS in MB, wall seconds)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = proc.stdout.read()
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{err.decode()}")
    return json.loads(out), usage.ru_maxrss / 1024, wall


def measure(cmd, key, runs):
    times, mems, result = [], [], None
    for _ in range(runs):
        result, mem, _ = run(cmd)
        times.append(result[key])
        mems.append(mem)
    return statistics.median(times), max(mems), result


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--size-mb", type=float, default=100)
    ap.add_argument("--out", default=os.path.join(ROOT, "BENCHMARKS.md"))
    args = ap.parse_args()
    os.makedirs(WORK, exist_ok=True)

    data = os.path.join(WORK, f"collection-{int(args.size_mb)}mb.geojson")
    if not os.path.exists(data):
        subprocess.run([sys.executable, os.path.join(ROOT, "benchmarks", "make_geojson.py"), data, str(args.size_mb)], check=True)
    size_mb = os.path.getsize(data) / 1e6
    out_ours = os.path.join(WORK, "out-gridplan.geojson")
    out_peer = os.path.join(WORK, "out-python.geojson")

    rows = []
    ours_r = measure([BENCH, "geojson-read", data], "read_s", args.runs)
    peer_r = measure([PYTHON, os.path.join(ROOT, "benchmarks", "peers", "geojson_io.py"), "read", data], "read_s", args.runs)
    # Equal work: the same features and coordinates were read.
    assert (ours_r[2]["features"], ours_r[2]["coordinates"]) == (peer_r[2]["features"], peer_r[2]["coordinates"]), (ours_r[2], peer_r[2])
    rows.append(("GeoJSON read", ours_r, peer_r))
    ours_w = measure([BENCH, "geojson-write", data, out_ours], "write_s", args.runs)
    peer_w = measure([PYTHON, os.path.join(ROOT, "benchmarks", "peers", "geojson_io.py"), "write", data, out_peer], "write_s", args.runs)
    assert ours_w[2]["features"] == peer_w[2]["features"]
    rows.append(("GeoJSON write", ours_w, peer_w))

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    lines = [
        "# Benchmarks",
        "",
        "Release builds, same files, same run; medians of "
        f"{args.runs} runs, each a separate process. Produced by `make bench` "
        f"(`python3 benchmarks/run.py --runs {args.runs} --size-mb {int(args.size_mb)}`).",
        "",
        f"Machine: {cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}. "
        f"Input: a {size_mb:.1f} MB FeatureCollection of {ours_r[2]['features']:,} polygons "
        f"({ours_r[2]['coordinates']:,} coordinates) from `benchmarks/make_geojson.py`.",
        "Peer: Python 3 `json` + shapely 2 (`from_geojson` / `to_geojson`, GEOS) from benchmarks/requirements.txt.",
        "",
        "| operation | gridplan median | gridplan MB/s | gridplan peak RSS | peer median | peer MB/s | peer peak RSS | gridplan / peer time |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, ours, peer in rows:
        lines.append(
            f"| {name} | {ours[0]:.3f} s | {size_mb / ours[0]:.0f} | {ours[1]:.0f} MB | {peer[0]:.3f} s | "
            f"{size_mb / peer[0]:.0f} | {peer[1]:.0f} MB | {ours[0] / peer[0]:.2f} |")
    lines.append("")
    lines.append("Write time excludes the read that precedes it in both tools; peak RSS covers the whole process.")
    text = "\n".join(lines) + "\n"
    with open(args.out, "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()

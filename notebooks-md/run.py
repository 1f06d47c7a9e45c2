#!/usr/bin/env python3
"""Re-runs the worked analyses in notebooks-md/*.md and checks their recorded output.

Each ```sh block is run (in order, from the project root, with the built gridplan first on
PATH, in bash with `set -euo pipefail`); when the next block is ```output, the command's
standard output must match it exactly (trailing spaces ignored). `--update` rewrites the
recorded outputs instead. Exit status 1 and a diff on the first mismatch.

usage: python3 notebooks-md/run.py [--bin .build/debug] [--update] [NOTEBOOK.md ...]
"""
import argparse
import difflib
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BLOCK = re.compile(r"```(sh|output)\n(.*?)```\n", re.S)


def normalise(text):
    return "\n".join(line.rstrip() for line in text.strip("\n").split("\n"))


def run_notebook(path, bindir, update):
    text = open(path, encoding="utf-8").read()
    blocks = list(BLOCK.finditer(text))
    env = dict(os.environ, PATH=bindir + os.pathsep + os.environ.get("PATH", ""), LC_ALL="C.UTF-8")
    replacements = []
    checked = 0
    for i, m in enumerate(blocks):
        if m.group(1) != "sh":
            continue
        script = m.group(2)
        proc = subprocess.run(["bash", "-c", "set -euo pipefail\n" + script], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=600)
        if proc.returncode != 0:
            print(f"{path}: block {i + 1} failed with exit {proc.returncode}:\n{script}\n{proc.stderr}", file=sys.stderr)
            return False
        nxt = blocks[i + 1] if i + 1 < len(blocks) else None
        if nxt is not None and nxt.group(1) == "output" and text[m.end():nxt.start()].strip() == "":
            expected, actual = normalise(nxt.group(2)), normalise(proc.stdout)
            if update:
                replacements.append((nxt.start(2), nxt.end(2), actual + "\n"))
            elif expected != actual:
                diff = "\n".join(difflib.unified_diff(expected.split("\n"), actual.split("\n"), "recorded", "now", lineterm=""))
                print(f"{path}: output of block {i + 1} changed:\n{script}\n{diff}", file=sys.stderr)
                return False
            checked += 1
    if update and replacements:
        for start, end, new in reversed(replacements):
            text = text[:start] + new + text[end:]
        open(path, "w", encoding="utf-8").write(text)
    print(f"{os.path.relpath(path, ROOT)}: {checked} outputs {'recorded' if update else 'match'}")
    return True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(ROOT, ".build", "debug"))
    ap.add_argument("--update", action="store_true")
    ap.add_argument("notebooks", nargs="*")
    args = ap.parse_args()
    paths = args.notebooks or sorted(os.path.join(ROOT, "notebooks-md", f) for f in os.listdir(os.path.join(ROOT, "notebooks-md")) if f.endswith(".md"))
    ok = all([run_notebook(p, os.path.abspath(args.bin), args.update) for p in paths])
    print(f"notebooks: {sum(1 for _ in paths)} run, {'all passed' if ok else 'FAILED'}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()

"""Writes a deterministic GeoJSON FeatureCollection of irregular community-like polygons.

usage: python3 make_geojson.py OUT TARGET_MB
Each feature: a 40-vertex star-shaped polygon near Beijing (7 decimals), a Chinese name, a
15-digit code, integer households and a float area. Same arguments, same bytes.
"""
import math
import random
import sys

out, target_mb = sys.argv[1], float(sys.argv[2])
rng = random.Random(20261123)
names = ["东四", "西四", "朝阳门", "建国门", "东华门", "景山", "交道口", "安定门", "北新桥", "和平里"]
target = int(target_mb * 1_000_000)
written = 0
with open(out, "w", encoding="utf-8") as f:
    head = '{"type":"FeatureCollection","features":[\n'
    f.write(head)
    written += len(head.encode())
    i = 0
    while written < target:
        cx = 116.0 + (i % 1000) * 0.002
        cy = 39.5 + (i // 1000) * 0.002
        ring = []
        for k in range(40):
            a = 2 * math.pi * k / 40
            r = 0.0007 * (0.7 + 0.3 * rng.random())
            ring.append((round(cx + r * math.cos(a), 7), round(cy + r * math.sin(a), 7)))
        ring.append(ring[0])
        coords = ",".join(f"[{x:.7f},{y:.7f}]" for x, y in ring)
        name = names[i % len(names)] + "社区" + str(i)
        line = ('' if i == 0 else ',\n') + (
            f'{{"type":"Feature","id":{i},"properties":{{"code":"110101{i:09d}","name":"{name}",'
            f'"households":{rng.randint(50, 900)},"area":{rng.random() * 1e5:.3f}}},'
            f'"geometry":{{"type":"Polygon","coordinates":[[{coords}]]}}}}')
        f.write(line)
        written += len(line.encode())
        i += 1
    f.write("\n]}\n")
print(f"{out}: {i} features, {written / 1e6:.1f} MB")

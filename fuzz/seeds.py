#!/usr/bin/env python3
"""Writes the seed corpora in fuzz/corpus/<target>/ (small valid and invalid inputs).

Run from anywhere: python3 fuzz/seeds.py. Existing seeds are overwritten; files libFuzzer adds
to its working corpus (.build-fuzz/corpus/<target>/) are never written here.
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def put(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


# ---------------------------------------------------------------- GeoJSON and JSON
SQUARE = "[[0,0],[10,0],[10,10],[0,10],[0,0]]"
HOLE = "[[2,2],[2,4],[4,4],[4,2],[2,2]]"
geojson = {
    "fc-point.geojson": '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"a","n":1},"geometry":{"type":"Point","coordinates":[116.4,39.9]}}]}',
    "fc-polygon-hole.geojson": '{"type":"FeatureCollection","features":[{"type":"Feature","id":7,"properties":{"社区":"东城","h":[1,2.5e3,null,true]},"geometry":{"type":"Polygon","coordinates":[%s,%s]}}]}' % (SQUARE, HOLE),
    "multipolygon-z.geojson": '{"type":"Feature","properties":null,"geometry":{"type":"MultiPolygon","coordinates":[[[[0,0,1],[1,0,1],[1,1,1],[0,0,1]]],[%s]]}}' % SQUARE,
    "collection.geojson": '{"type":"GeometryCollection","geometries":[{"type":"LineString","coordinates":[[0,0],[1,1]]},{"type":"MultiPoint","coordinates":[[0,0],[1,1]]},{"type":"MultiLineString","coordinates":[[[0,0],[1,1]],[[2,2],[3,3]]]}]}',
    "legacy-crs.geojson": '{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::4490"}},"bbox":[0,0,1,1],"features":[{"type":"Feature","geometry":null,"properties":{"s":"\\u4e1c\\ud83d\\ude00\\n\\"q\\""}}]}',
    "bare-point.geojson": '{"coordinates":[1e-3,-2E+2],"type":"Point"}',
    "empty-features.geojson": '{"type":"FeatureCollection","features":[]}',
    "bad-unclosed-ring.geojson": '{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1]]]}',
    "bad-truncated.geojson": '{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[1,',
    "bad-nan.geojson": '{"type":"Point","coordinates":[NaN,1]}',
    "bad-type.geojson": '{"type":"Circle","coordinates":[0,0]}',
    "bad-utf8.geojson": b'{"type":"Feature","geometry":null,"properties":{"n":"\xb6\xab\xb3\xc7"}}',
}
for name, text in geojson.items():
    put("geojson", name, text)

json_seeds = {
    "object.json": '{"a":1,"b":[true,false,null],"c":{"d":"e"},"f":-0.5e-10}',
    "numbers.json": '[0,-0,1.5,1e308,-1e-308,9223372036854775807,-9223372036854775808,18446744073709551616,123456789012345678901234567890]',
    "strings.json": '["", "\\"\\\\\\/\\b\\f\\n\\r\\t", "\\u0000\\u00e9\\u4e2d\\ud834\\udd1e", "中文"]',
    "nested.json": "[[[[[[[[[[{}]]]]]]]]]]",
    "scalar.json": " \n\t\"x\" ",
    "bad-lone-surrogate.json": '"\\ud800"',
    "bad-trailing.json": '{"a":1} x',
    "bad-comma.json": "[1,2,]",
    "bad-empty.json": "",
    "bad-control.json": '"a\x01b"',
}
for name, text in json_seeds.items():
    put("json", name, text)

# ---------------------------------------------------------------- WKB and GeoPackage binary


def wkb(order, gtype, body):
    return bytes([order]) + struct.pack("<I" if order else ">I", gtype) + body


def pts(order, cs):
    f = "<" if order else ">"
    return b"".join(struct.pack(f + "d" * len(c), *c) for c in cs)


def seq(order, cs):
    f = "<" if order else ">"
    return struct.pack(f + "I", len(cs)) + pts(order, cs)


RING = [(0, 0), (10, 0), (10, 10), (0, 10), (0, 0)]
HOLE_RING = [(2, 2), (2, 4), (4, 4), (4, 2), (2, 2)]
point_le = wkb(1, 1, pts(1, [(1.5, 2.5)]))
point_be = wkb(0, 1, pts(0, [(1.5, 2.5)]))
line = wkb(1, 2, seq(1, [(0, 0), (1, 1), (2, 0)]))
polygon = wkb(1, 3, struct.pack("<I", 2) + seq(1, RING) + seq(1, HOLE_RING))
multipoint = wkb(1, 4, struct.pack("<I", 2) + point_le + point_be)
multiline = wkb(1, 5, struct.pack("<I", 1) + line)
multipolygon = wkb(1, 6, struct.pack("<I", 2) + polygon + wkb(0, 3, struct.pack(">I", 1) + seq(0, RING)))
collection = wkb(1, 7, struct.pack("<I", 3) + point_le + line + wkb(1, 7, struct.pack("<I", 0)))
empty_point = wkb(1, 1, pts(1, [(float("nan"), float("nan"))]))
iso_z = wkb(1, 1001, pts(1, [(1, 2, 3)]))
iso_zm = wkb(1, 3002, seq(1, [(0, 0, 1, 2), (1, 1, 1, 2)]))
ewkb_srid_z = bytes([1]) + struct.pack("<II", 0xA0000001, 4326) + pts(1, [(1, 2, 3)])
wkb_seeds = {
    "point-le.wkb": point_le, "point-be.wkb": point_be, "linestring.wkb": line, "polygon-hole.wkb": polygon,
    "multipoint.wkb": multipoint, "multilinestring.wkb": multiline, "multipolygon.wkb": multipolygon,
    "collection.wkb": collection, "empty-point.wkb": empty_point, "iso-z.wkb": iso_z, "iso-zm-line.wkb": iso_zm,
    "ewkb-srid-z.wkb": ewkb_srid_z,
    "bad-truncated.wkb": polygon[:-5],
    "bad-huge-count.wkb": wkb(1, 2, struct.pack("<I", 0xFFFFFFFF)),
    "bad-order.wkb": b"\x02" + point_le[1:],
    "bad-trailing.wkb": point_le + b"\x00",
}
for name, data in wkb_seeds.items():
    put("wkb", name, data)


def gpkg(g, flags, srs=4326, env=(), order="<"):
    return b"GP\x00" + bytes([flags]) + struct.pack(order + "i", srs) + struct.pack(order + "d" * len(env), *env) + g


gpkg_seeds = {
    "point-noenv.gpkg": gpkg(point_le, 0b00001, 4490),
    "polygon-xy.gpkg": gpkg(polygon, 0b00011, 4490, (0, 10, 0, 10)),
    "polygon-xyz-be.gpkg": gpkg(polygon, 0b00100, 3857, (0, 10, 0, 10, 0, 0), ">"),
    "line-xyzm.gpkg": gpkg(line, 0b01001, 0, (0, 2, 0, 1, 0, 0, 0, 0)),
    "empty.gpkg": gpkg(wkb(1, 7, struct.pack("<I", 0)), 0b10001, -1),
    "multipolygon.gpkg": gpkg(multipolygon, 0b00011, 4326, (0, 10, 0, 10)),
    "bad-magic.gpkg": b"XP" + gpkg(point_le, 1)[2:],
    "bad-envelope-kind.gpkg": gpkg(point_le, 0b01011),
    "bad-short.gpkg": b"GP\x00\x03\x00\x00",
    "bad-extended.gpkg": gpkg(point_le, 0b100001),
}
for name, data in gpkg_seeds.items():
    put("gpkg-geometry", name, data)

# ---------------------------------------------------------------- Shapefile (+ .dbf, .shx, .cpg)
SEP = b"#@#@"


def shp_file(shape_type, records):
    """Returns (.shp, .shx) bytes for record contents (each starting with its shape type)."""
    body, index, offset = b"", b"", 100
    for i, content in enumerate(records):
        body += struct.pack(">ii", i + 1, len(content) // 2) + content
        index += struct.pack(">ii", offset // 2, len(content) // 2)
        offset += 8 + len(content)

    def header(length):
        return struct.pack(">i20xi", 9994, length // 2) + struct.pack("<ii4d4d", 1000, shape_type, 0, 0, 10, 10, 0, 0, 0, 0)

    return header(100 + len(body)) + body, header(100 + len(index)) + index


def dbf_file(fields, rows, ldid=0, deleted=()):
    """fields: (name, type, length, decimals); rows: lists of byte strings."""
    record_length = 1 + sum(f[2] for f in fields)
    header_length = 32 + 32 * len(fields) + 1
    out = struct.pack("<BBBBIHH17xB2x", 3, 125, 1, 1, len(rows), header_length, record_length, ldid)
    for name, ftype, length, decimals in fields:
        out += name.encode("ascii").ljust(11, b"\x00") + ftype.encode() + b"\x00" * 4 + bytes([length, decimals]) + b"\x00" * 14
    out += b"\x0d"
    for i, row in enumerate(rows):
        out += b"*" if i in deleted else b" "
        for (name, ftype, length, decimals), value in zip(fields, row):
            out += value.ljust(length, b" ")[:length] if ftype in "CL" else value.rjust(length, b" ")[:length]
    return out + b"\x1a"


def point_rec(x, y):
    return struct.pack("<i2d", 1, x, y)


def poly_rec(shape_type, parts):
    allpts = [p for part in parts for p in part]
    starts, n = [], 0
    for part in parts:
        starts.append(n)
        n += len(part)
    return (struct.pack("<i4d", shape_type, 0, 0, 10, 10) + struct.pack("<ii", len(parts), len(allpts))
            + struct.pack("<%di" % len(starts), *starts) + b"".join(struct.pack("<2d", *p) for p in allpts))


FIELDS = [("NAME", "C", 12, 0), ("POP", "N", 8, 0), ("AREA", "F", 12, 3), ("OK", "L", 1, 0), ("DAY", "D", 8, 0), ("NOTE", "M", 10, 0)]
ROWS = [[b"alpha", b"42", b"3.250", b"T", b"20240131", b"0000000001"],
        ["东城".encode("gbk"), b"*****", b"", b"?", b"00000000", b""]]
shp, shx = shp_file(1, [point_rec(1, 2), struct.pack("<i", 0)])
put("shapefile", "points.bin", shp + SEP + dbf_file(FIELDS, ROWS, ldid=0x4D))
put("shapefile", "points-shx-cpg.bin", shp + SEP + dbf_file(FIELDS, ROWS) + SEP + shx + SEP + b"GBK")
cw = [(0, 0), (0, 10), (10, 10), (10, 0), (0, 0)]
ccw_hole = [(2, 2), (4, 2), (4, 4), (2, 4), (2, 2)]
shp, shx = shp_file(5, [poly_rec(5, [cw, ccw_hole]), poly_rec(5, [[(20, 20), (20, 30), (30, 30), (30, 20)]])])
put("shapefile", "polygons-shx.bin", shp + SEP + dbf_file([("ID", "N", 4, 0)], [[b"1"], [b"2"]], deleted={1}) + SEP + shx)
shp, shx = shp_file(3, [poly_rec(3, [[(0, 0), (1, 1)], [(2, 2), (3, 3), (4, 2)]])])
put("shapefile", "polyline.bin", shp + SEP + dbf_file([("N", "C", 3, 0)], [["中".encode("utf-8")]]) + SEP + shx + SEP + b"UTF-8")
mp = struct.pack("<i4di", 8, 0, 0, 1, 1, 2) + struct.pack("<4d", 0, 0, 1, 1)
pz = struct.pack("<i4d", 11, 1, 2, 3, 0)
shp, _ = shp_file(8, [mp])
put("shapefile", "multipoint.bin", shp + SEP + dbf_file([("X", "N", 2, 0)], [[b"1"]]))
shp, _ = shp_file(11, [pz])
put("shapefile", "pointz.bin", shp + SEP + dbf_file([("X", "N", 2, 0)], [[b"1"]]))
put("shapefile", "bad-count-mismatch.bin", shp + SEP + dbf_file([("X", "N", 2, 0)], []))
put("shapefile", "bad-truncated.bin", shp[:60] + SEP + dbf_file([("X", "N", 2, 0)], [[b"1"]])[:20])

# ---------------------------------------------------------------- CSV and WKT
csv_seeds = {
    "lonlat.csv": "name,lon,lat\na,116.4,39.9\nb,,\n",
    "wkt.csv": 'id,wkt\n1,"POLYGON ((0 0, 1 0, 1 1, 0 0))"\n2,POINT (1 2)\n3,\n',
    "chinese-columns.csv": "名称,经度,纬度\r\n东城,116.4,39.9\r\n",
    "quoted.csv": 'a,"b ""quoted""",c\n"multi\nline",007,1e3\nx,true,-0\n',
    "gbk.csv": "名称,x,y\n东城,1,2\n".encode("gbk"),
    "utf16le-bom.csv": b"\xff\xfe" + "geom,v\nPOINT Z (1 2 3),1\n".encode("utf-16-le"),
    "utf8-bom.csv": b"\xef\xbb\xbf" + "the_geom\n\"MULTIPOINT ((1 2), (3 4))\"\n".encode(),
    "bad-cells.csv": "a,b\n1\n",
    "bad-quote.csv": 'a,b\n"1,2\n',
    "bad-coordinate.csv": "lon,lat\nx,1\n",
    "bad-wkt.csv": "wkt\nPOLYGON ((0 0, 1 0, 1 1))\n",
    "empty.csv": "",
}
for name, data in csv_seeds.items():
    put("csv", name, data)

wkt_seeds = {
    "point.wkt": "POINT (1 2)",
    "point-z.wkt": "POINT Z (1 2 3)",
    "pointzm-glued.wkt": "POINTZM(1 2 3 4)",
    "srid.wkt": "SRID=4490;LINESTRING(0 0,1 1,2 0)",
    "polygon-hole.wkt": "POLYGON ((0 0, 10 0, 10 10, 0 10, 0 0), (2 2, 2 4, 4 4, 4 2, 2 2))",
    "multipoint-bare.wkt": "MULTIPOINT (1 2, 3 4)",
    "multipoint-nested.wkt": "multipoint ((1 2), (3 4))",
    "multilinestring.wkt": "MULTILINESTRING ((0 0, 1 1), EMPTY, (2 2, 3 3))",
    "multipolygon.wkt": "MULTIPOLYGON (((0 0, 1 0, 1 1, 0 0)), EMPTY, ((5 5, 6 5, 6 6, 5 5)))",
    "collection.wkt": "GEOMETRYCOLLECTION (POINT EMPTY, LINESTRING EMPTY, GEOMETRYCOLLECTION (POINT (1e3 -2.5E-3)))",
    "empty.wkt": "POLYGON EMPTY",
    "bad-unclosed.wkt": "POLYGON ((0 0, 1 0, 1 1, 0 1))",
    "bad-one-point-line.wkt": "LINESTRING (1 2)",
    "bad-number.wkt": "POINT (1 2e)",
    "bad-srid.wkt": "SRID=4326 POINT (1 2)",
    "bad-trailing.wkt": "POINT (1 2) x",
}
for name, data in wkt_seeds.items():
    put("wkt", name, data)

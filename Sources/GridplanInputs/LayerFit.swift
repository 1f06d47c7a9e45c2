import Foundation
import GridplanCRS
import GridplanGeometry

/// Whether a layer sits where the units are, and if not, which CRS would put it there.
///
/// The commonest mistake in Chinese data is a layer in GCJ-02 (AMap, Tencent) or BD-09 (Baidu)
/// read as WGS84: it lands 100–700 m off and every result mixing it with surveyed layers is
/// silently wrong. A layer is sampled (points as they are, lines and rings at even spacing along
/// their length) and each sample is tested against the units grown by ``toleranceMetres``:
/// - a layer of which under half lies within 1 km of the units' extent is named (another place,
///   or another CRS);
/// - the samples are shifted by each of the six GCJ-02/BD-09/WGS84 conversions; one that brings
///   the share outside the units to a quarter or less of what it was (and at least 0.5 points
///   lower) names the CRS that would make the layer fit;
/// - otherwise a territory (boundary, parents, grids) whose outline lies away from the units by
///   more than 5%, or another layer more than half outside them, is named with its share. A
///   territory whose outline follows the units' edges for at least half its length is in the
///   same CRS; its warning says the land between is uncovered instead of suspecting the CRS.
public enum LayerFit {
    /// Samples per layer: enough for a share to 1%, cheap against any command's own work.
    public static let sampleLimit = 4000
    /// Distance within which a sample counts as on the units (shared borders digitised apart).
    public static let toleranceMetres = 1.0
    /// Margin of the extent test.
    public static let extentMarginMetres = 1000.0
    /// A territory's vertex this close to a unit's vertex is taken as that vertex: the same
    /// border digitised once and carried through two CRS conversions differs by micrometres,
    /// which would otherwise open hair-thin slivers along every shared edge.
    public static let snapToleranceMetres = 0.001

    /// The six conversions between the lon/lat systems in use in China.
    enum Shift: CaseIterable {
        case gcj02ToWGS84, wgs84ToGCJ02, bd09ToWGS84, wgs84ToBD09, bd09ToGCJ02, gcj02ToBD09

        func apply(_ c: Coordinate) -> Coordinate {
            switch self {
            case .gcj02ToWGS84: return ChinaOffsets.wgs84(fromGCJ02: c)
            case .wgs84ToGCJ02: return ChinaOffsets.gcj02(fromWGS84: c)
            case .bd09ToWGS84: return ChinaOffsets.wgs84(fromBD09: c)
            case .wgs84ToBD09: return ChinaOffsets.bd09(fromWGS84: c)
            case .bd09ToGCJ02: return ChinaOffsets.gcj02(fromBD09: c)
            case .gcj02ToBD09: return ChinaOffsets.bd09(fromGCJ02: c)
            }
        }

        /// (from, to) as the user names them.
        var systems: (from: String, to: String) {
            switch self {
            case .gcj02ToWGS84: return ("gcj02", "wgs84")
            case .wgs84ToGCJ02: return ("wgs84", "gcj02")
            case .bd09ToWGS84: return ("bd09", "wgs84")
            case .wgs84ToBD09: return ("wgs84", "bd09")
            case .bd09ToGCJ02: return ("bd09", "gcj02")
            case .gcj02ToBD09: return ("gcj02", "bd09")
            }
        }
    }

    /// At most ``sampleLimit`` of `points` (already in the metric CRS), evenly spread: the sample
    /// of a streamed point layer, whose features are gone once read.
    static func sample<C: Collection>(points: C) -> [Coordinate] where C.Element == Coordinate, C.Index == Int {
        let stride = max(1, points.count / sampleLimit)
        return Swift.stride(from: points.startIndex, to: points.endIndex, by: stride).prefix(sampleLimit).map {
            points[$0]
        }
    }

    /// Sample coordinates of a layer in `metric`: at most ``sampleLimit``, spread over its features
    /// and along its lines and rings.
    static func sample(_ layer: LayerInput, in metric: CRS) throws -> [Coordinate] {
        let count = layer.features.count
        guard count > 0 else { return [] }
        // Features first: a stride keeps the transform cheap on a layer of millions of points.
        let stride = max(1, count / sampleLimit)
        var picked: [Geometry] = []
        var i = 0
        while i < count {
            if let g = layer.features[i].geometry { picked.append(g) }
            i += stride
        }
        let transformer = try Transformer(from: layer.crs, to: metric)
        return sample(
            picked: picked.compactMap {
                do {
                    return try transformer.transform($0)
                } catch {
                    return nil
                }
            })
    }

    /// The same sample of a streamed layer, from its features' geometries already in the metric
    /// CRS, each with the index of its feature among `featureCount`.
    static func sample<C: Collection>(_ geometries: C, featureCount: Int) -> [Coordinate]
    where C.Element == (Int, Geometry) {
        let stride = max(1, featureCount / sampleLimit)
        return sample(picked: geometries.filter { $0.0 % stride == 0 }.map(\.1))
    }

    /// Points of the picked geometries (in the metric CRS), then points spaced along their lines
    /// and rings up to ``sampleLimit``.
    private static func sample(picked: [Geometry]) -> [Coordinate] {
        var points: [Coordinate] = []
        var paths: [[Coordinate]] = []
        for g in picked { collect(g, points: &points, paths: &paths) }
        let total = paths.reduce(0.0) { $0 + length(of: $1) }
        let budget = max(0, sampleLimit - points.count)
        guard total > 0, budget > 0 else { return Array(points.prefix(sampleLimit)) }
        let spacing = total / Double(budget)
        for path in paths { walk(path, spacing: spacing, into: &points) }
        return points
    }

    private static func collect(_ g: Geometry, points: inout [Coordinate], paths: inout [[Coordinate]]) {
        switch g {
        case .point(let c): points.append(c)
        case .multiPoint(let cs): points += cs
        case .lineString(let cs): paths.append(cs)
        case .multiLineString(let ls): paths += ls
        case .polygon(let p): paths += [p.exterior] + p.holes
        case .multiPolygon(let ps): for p in ps { paths += [p.exterior] + p.holes }
        case .geometryCollection(let gs): for g in gs { collect(g, points: &points, paths: &paths) }
        }
    }

    static func forEachVertex(of g: Geometry, _ body: (Coordinate) -> Void) {
        var points: [Coordinate] = []
        var paths: [[Coordinate]] = []
        collect(g, points: &points, paths: &paths)
        points.forEach(body)
        for p in paths { p.forEach(body) }
    }

    static func mapVertices(of g: Geometry, _ f: (Coordinate) -> Coordinate) -> Geometry {
        func ring(_ r: [Coordinate]) -> [Coordinate] { r.map(f) }
        func polygon(_ p: Polygon) -> Polygon { Polygon(exterior: ring(p.exterior), holes: p.holes.map(ring)) }
        switch g {
        case .point(let c): return .point(f(c))
        case .multiPoint(let cs): return .multiPoint(cs.map(f))
        case .lineString(let cs): return .lineString(cs.map(f))
        case .multiLineString(let ls): return .multiLineString(ls.map(ring))
        case .polygon(let p): return .polygon(polygon(p))
        case .multiPolygon(let ps): return .multiPolygon(ps.map(polygon))
        case .geometryCollection(let gs): return .geometryCollection(gs.map { mapVertices(of: $0, f) })
        }
    }

    private static func length(of path: [Coordinate]) -> Double {
        zip(path, path.dropFirst()).reduce(0.0) { $0 + hypot($1.1.x - $1.0.x, $1.1.y - $1.0.y) }
    }

    /// Points every `spacing` metres along `path`, starting half a spacing in.
    private static func walk(_ path: [Coordinate], spacing: Double, into points: inout [Coordinate]) {
        var carry = spacing / 2
        for (a, b) in zip(path, path.dropFirst()) {
            let d = hypot(b.x - a.x, b.y - a.y)
            var t = carry
            while t < d {
                points.append(Coordinate(a.x + (b.x - a.x) * t / d, a.y + (b.y - a.y) * t / d))
                t += spacing
            }
            carry = t - d
        }
    }

    /// The units every layer is measured against, indexed once.
    final class Reference {
        let context = GEOSContext()
        let index: SpatialIndex
        let prepared: [PreparedGeometry]
        let extent: Envelope
        let metric: CRS
        let name: String
        let crs: CRS
        let units: [Geometry]
        private lazy var vertices: [Cell: [Coordinate]] = {
            var cells: [Cell: [Coordinate]] = [:]
            for g in units { LayerFit.forEachVertex(of: g) { cells[Cell($0), default: []].append($0) } }
            return cells
        }()

        /// A square of the snap tolerance's size: a vertex's match lies in its cell or a neighbour.
        struct Cell: Hashable {
            var i: Int64
            var j: Int64
            init(_ c: Coordinate) {
                i = Int64((c.x / LayerFit.snapToleranceMetres).rounded(.down))
                j = Int64((c.y / LayerFit.snapToleranceMetres).rounded(.down))
            }
            init(i: Int64, j: Int64) {
                self.i = i
                self.j = j
            }
        }

        /// `g` with every vertex within the snap tolerance of a unit's vertex moved onto it.
        func snapped(_ g: Geometry) -> Geometry {
            let t = LayerFit.snapToleranceMetres
            return LayerFit.mapVertices(of: g) { c in
                let home = Cell(c)
                var best: Coordinate?
                var bestDistance = t
                for di in -1...1 as ClosedRange<Int64> {
                    for dj in -1...1 as ClosedRange<Int64> {
                        for v in vertices[Cell(i: home.i + di, j: home.j + dj)] ?? [] {
                            let d = hypot(v.x - c.x, v.y - c.y)
                            if d <= bestDistance {
                                bestDistance = d
                                best = v
                            }
                        }
                    }
                }
                return best ?? c
            }
        }

        init(units: [Geometry], metric: CRS, name: String, crs: CRS) throws {
            self.units = units
            index = try SpatialIndex(context: context)
            var prepared: [PreparedGeometry] = []
            var extent = Envelope.empty
            for g in units {
                let n = try context.geometry(g)
                try index.insert(n)
                prepared.append(try n.prepared())
                extent.expand(toInclude: g.envelope)
            }
            self.prepared = prepared
            self.extent = extent
            self.metric = metric
            self.name = name
            self.crs = crs
        }

        /// Whether `c` lies on a unit or within the tolerance of one.
        func isOnUnits(_ c: Coordinate) throws -> Bool {
            let t = LayerFit.toleranceMetres
            let probe = try context.geometry(.point(c))
            let window = try square(around: c, halfSide: t)
            for k in index.query(intersecting: window) where try prepared[k].isWithinDistance(t, of: probe) {
                return true
            }
            return false
        }

        func square(around c: Coordinate, halfSide t: Double) throws -> NativeGeometry {
            try context.geometry(
                .polygon(
                    Polygon(exterior: [
                        Coordinate(c.x - t, c.y - t), Coordinate(c.x + t, c.y - t), Coordinate(c.x + t, c.y + t),
                        Coordinate(c.x - t, c.y + t), Coordinate(c.x - t, c.y - t),
                    ])))
        }

        /// Share of `samples` inside a unit by more than the tolerance (away from every edge).
        func insideShare(_ samples: [Coordinate]) throws -> Double {
            guard !samples.isEmpty else { return 0 }
            let t = LayerFit.toleranceMetres
            var inside = 0
            for c in samples {
                let window = try square(around: c, halfSide: t)
                for k in index.query(intersecting: window) where try prepared[k].containsProperly(window) {
                    inside += 1
                    break
                }
            }
            return Double(inside) / Double(samples.count)
        }

        /// Share of `samples` off the units, and share within the extent's margin.
        func shares(_ samples: [Coordinate]) throws -> (outside: Double, nearExtent: Double) {
            guard !samples.isEmpty else { return (0, 1) }
            var outside = 0
            var near = 0
            let m = LayerFit.extentMarginMetres
            for c in samples {
                if c.x >= extent.minX - m && c.x <= extent.maxX + m && c.y >= extent.minY - m && c.y <= extent.maxY + m
                {
                    near += 1
                }
                if try !isOnUnits(c) { outside += 1 }
            }
            return (Double(outside) / Double(samples.count), Double(near) / Double(samples.count))
        }

        /// The warning for a layer sampled at `samples` (in the metric CRS), or nil when it fits.
        func diagnose(_ samples: [Coordinate], name layer: String, crs: CRS, territory: Bool, isStoreLayer: Bool) throws
            -> String?
        {
            guard !samples.isEmpty, !prepared.isEmpty else { return nil }
            let asRead = try shares(samples)
            let fitsExtent = asRead.nearExtent >= 0.5
            if fitsExtent && asRead.outside < 0.005 { return nil }
            // A territory whose outline follows the units' edges for half its length is where
            // they are: no shift could make it fit better, so none is searched for.
            if territory && fitsExtent && asRead.outside > 0.05 {
                let inside = try insideShare(samples)
                if 1 - asRead.outside - inside >= 0.5 {
                    return String(
                        format:
                            "%@: %.1f%% of its outline lies more than %.0f m outside the units (%@) and %.1f%% inside them; the rest follows their edges: land between the outline and the units that no unit covers, which check reports as gaps",
                        layer, asRead.outside * 100, LayerFit.toleranceMetres, name, inside * 100)
                }
                if let found = try shifted(samples, asRead: asRead, layer: layer, crs: crs, isStoreLayer: isStoreLayer)
                {
                    return found
                }
                return String(
                    format:
                        "%@: %.1f%% of its outline lies more than %.0f m from the units (%@) and only %.1f%% follows their edges: the two disagree; check both CRSs",
                    layer, asRead.outside * 100, LayerFit.toleranceMetres, name, (1 - asRead.outside - inside) * 100)
            }
            if let found = try shifted(samples, asRead: asRead, layer: layer, crs: crs, isStoreLayer: isStoreLayer) {
                return found
            }
            if !fitsExtent {
                return String(
                    format:
                        "%@: only %.0f%% of it lies within 1 km of the extent of the units (%@): is it from another place, or in another CRS than %@? No GCJ-02 or BD-09 shift makes it fit",
                    layer, asRead.nearExtent * 100, name, crs.identifier)
            }
            if !territory && asRead.outside > 0.5 {
                return String(
                    format: "%@: %.0f%% of it lies outside the units (%@); check its CRS (read as %@)", layer,
                    asRead.outside * 100, name, crs.identifier)
            }
            return nil
        }

        /// The warning naming the shift that makes the layer fit, if one does: it leaves a
        /// quarter or less of what was off the units (and at least half a point less).
        func shifted(
            _ samples: [Coordinate], asRead: (outside: Double, nearExtent: Double), layer: String, crs: CRS,
            isStoreLayer: Bool
        ) throws -> String? {
            guard let (shift, shifted) = try bestShift(samples), shifted.outside <= asRead.outside / 4,
                asRead.outside - shifted.outside >= 0.005, shifted.nearExtent >= 0.9
            else { return nil }
            return suggestion(
                layer: layer, crs: crs, shift: shift, before: asRead.outside, after: shifted.outside,
                isStoreLayer: isStoreLayer)
        }

        /// The shift that leaves the fewest samples off the units.
        func bestShift(_ samples: [Coordinate]) throws -> (Shift, (outside: Double, nearExtent: Double))? {
            let toLonLat = try Transformer(from: metric, to: .wgs84)
            let back = try Transformer(from: .wgs84, to: metric)
            let lonLat = try toLonLat.transform(samples)
            // The shifts exist only inside China; elsewhere nothing can be suggested.
            guard lonLat.filter(ChinaOffsets.isInsideChinaBox).count * 2 > lonLat.count else { return nil }
            var best: (Shift, (outside: Double, nearExtent: Double))?
            for shift in Shift.allCases {
                let moved = try back.transform(lonLat.map(shift.apply))
                let s = try shares(moved)
                if best == nil || s.outside < best!.1.outside { best = (shift, s) }
            }
            return best
        }

        func suggestion(layer: String, crs: CRS, shift: Shift, before: Double, after: Double, isStoreLayer: Bool)
            -> String
        {
            let (from, to) = shift.systems
            let measured = String(
                format: "(%.1f%% of it lies off the units as read, %.1f%% once shifted from %@ to %@)", before * 100,
                after * 100, from, to)
            let layerSystem = Self.system(of: crs)
            let unitsSystem = Self.system(of: self.crs)
            if to == "wgs84" && layerSystem == "wgs84" && !isStoreLayer {
                return
                    "\(layer) looks like \(Self.label(from)) coordinates \(measured): declare it with \(layer)@\(from) (or --crs \(from) if every input file is \(Self.label(from)))"
            }
            if from == "wgs84" && layerSystem == to && !isStoreLayer {
                return
                    "\(layer) looks like WGS84 coordinates, but it was read as \(Self.label(to)) \(measured): declare it with \(layer)@EPSG:4326"
            }
            if from == "wgs84" && layerSystem == "wgs84" && unitsSystem == "wgs84" {
                return
                    "\(layer) fits the units only once shifted from WGS84 to \(Self.label(to)) \(measured): the units (\(name)) look like \(Self.label(to)) coordinates read as WGS84; declare them with \(name)@\(to) (or --crs \(to) if every input file is \(Self.label(to)))"
            }
            return
                "\(layer) fits the units (\(name)) only once shifted from \(Self.label(from)) to \(Self.label(to)) \(measured): check the CRS declared for each (\(layer): \(crs.identifier), units: \(self.crs.identifier))"
        }

        /// The lon/lat system a CRS's coordinates belong to, for suggestions.
        static func system(of crs: CRS) -> String {
            switch crs {
            case .gcj02: return "gcj02"
            case .bd09: return "bd09"
            default: return (try? crs.describe().isGeographic) == true ? "wgs84" : "projected"
            }
        }

        static func label(_ system: String) -> String {
            switch system {
            case "gcj02": return "GCJ-02"
            case "bd09": return "BD-09"
            default: return "WGS84"
            }
        }
    }
}

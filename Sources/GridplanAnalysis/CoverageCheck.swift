import Foundation
import GridplanGeometry

/// A unit to analyse: its code and geometry in a metric CRS.
public struct UnitInput: Sendable {
    public var code: String
    public var name: String?
    public var parentCode: String?
    public var geometry: Geometry
    /// A point inside the unit's main part (its seat, 驻地), if known.
    public var seat: Coordinate?
    /// Index of the feature in its source, for messages.
    public var sourceIndex: Int

    public init(
        code: String, name: String? = nil, parentCode: String? = nil, geometry: Geometry, seat: Coordinate? = nil,
        sourceIndex: Int
    ) {
        self.code = code
        self.name = name
        self.parentCode = parentCode
        self.geometry = geometry
        self.seat = seat
        self.sourceIndex = sourceIndex
    }
}

/// Parameters of a coverage check, in metres.
public struct CheckOptions: Sendable {
    /// Gaps narrower than this are slivers, wider ones unmanaged zones.
    public var gapWidthMetres: Double = 2
    /// Pieces joined through necks narrower than this are interlocks.
    public var neckWidthMetres: Double = 10
    /// Findings smaller than this are numerical dust, not reported.
    public var minimumAreaSquareMetres: Double = 0.01
    /// Share of perimeter with one unit above which a unit is an enclave.
    public var enclaveShare: Double = 0.95
    /// Distance within which two borders count as shared (absorbs digitising noise).
    public var borderToleranceMetres: Double = 0.05
    public init() {}
}

/// What a check found.
public struct CoverageReport: Sendable {
    public var findings: [Finding]
    public var boundaryAreaSquareMetres: Double
    /// Area owned by at least one unit, inside the boundary.
    public var ownedAreaSquareMetres: Double
    /// owned / boundary area.
    public var coverageRatio: Double {
        boundaryAreaSquareMetres > 0 ? ownedAreaSquareMetres / boundaryAreaSquareMetres : 0
    }
    public var unitCount: Int
    /// Features left out of the analysis, with the reason.
    public var skipped: [(index: Int, reason: String)]
    /// Problems noticed that did not stop the analysis (duplicate codes, missing codes).
    public var warnings: [String]
}

/// Finds overlaps, gaps (slivers and unmanaged zones, inlets included), exclaves, enclaves,
/// interlocking pieces, parent mismatches, invalid geometries and area outside the boundary.
///
/// Every unit is made valid first (an `invalid` finding says what was wrong and where). Pairs of
/// units are found through an STR-tree, so the work grows with the number of neighbours, not the
/// square of the units.
public enum CoverageCheck {
    /// Runs the check. All geometries must be in one metric CRS.
    /// - Parameters:
    ///   - units: the units; non-polygonal or empty geometries are skipped and reported.
    ///   - parents: the parent units' polygons (street offices for communities), when known:
    ///     a unit whose land lies mostly in a parent other than its declared one is a mismatch.
    ///   - boundary: the territory the units should tile; nil takes the outer edge of their union.
    ///   - households: weighted points (buildings) to count households inside each finding.
    ///   - progress: called with a short message now and then.
    public static func run(
        units input: [UnitInput], boundary boundaryValue: Geometry?, households: [(Coordinate, Double)]? = nil,
        parents: [UnitInput] = [], options: CheckOptions = CheckOptions(), progress: (String) -> Void = { _ in }
    ) throws -> CoverageReport {
        let ctx = GEOSContext()
        var findings: [Finding] = []
        var skipped: [(Int, String)] = []
        var warnings: [String] = []
        func add(_ f: Finding) {
            var f = f
            f.id = findings.count + 1
            findings.append(f)
        }

        // 1. Units: polygonal, valid, with unique codes.
        var units: [UnitInput] = []
        var natives: [NativeGeometry] = []
        var seenCodes: [String: Int] = [:]
        progress("check: preparing \(input.count) units")
        for u in input {
            guard !u.geometry.isEmpty else {
                skipped.append((u.sourceIndex, "empty geometry"))
                continue
            }
            switch u.geometry {
            case .polygon, .multiPolygon: break
            default:
                skipped.append((u.sourceIndex, "a \(u.geometry.typeName) is not a polygon"))
                continue
            }
            var unit = u
            if let n = seenCodes[u.code] {
                seenCodes[u.code] = n + 1
                unit.code = "\(u.code)#\(n + 1)"
                warnings.append("feature \(u.sourceIndex): duplicate code \(u.code), analysed as \(unit.code)")
            } else {
                seenCodes[u.code] = 1
            }
            // Repeated consecutive vertices are valid to GEOS but are digitising noise worth naming.
            if let repeated = firstRepeatedVertex(u.geometry) {
                add(
                    Finding(
                        id: 0, kind: .invalid, geometry: .point(repeated), areaSquareMetres: 0, units: [unit.code],
                        detail: "Repeated consecutive vertex"))
            }
            var g = try ctx.geometry(u.geometry)
            let (fixed, report) = try g.madeValid()
            if !report.wasValid {
                for issue in report.issues {
                    let at = issue.location ?? (try? g.pointOnSurface.pointCoordinate) ?? Coordinate(0, 0)
                    // The location is the finding's geometry (written in the output CRS), not part of the text.
                    add(
                        Finding(
                            id: 0, kind: .invalid, geometry: .point(at), areaSquareMetres: 0, units: [unit.code],
                            detail: issue.reason + (issue.partIndex.map { " (part \($0))" } ?? "")))
                }
                g = try polygonalPart(fixed)
                if g.isEmpty {
                    skipped.append((u.sourceIndex, "geometry collapses when repaired"))
                    continue
                }
            }
            unit.geometry = try g.value()
            units.append(unit)
            natives.append(g)
        }
        let model = CoverageModel(units: units, natives: natives, context: ctx)
        let index = try model.index
        let codes = model.codes
        /// Length of `piece`'s outline shared with each unit, longest first.
        func borders(of piece: NativeGeometry, excluding: Set<Int> = []) throws -> [(unit: Int, length: Double)] {
            try model.borders(of: piece, toleranceMetres: options.borderToleranceMetres, excluding: excluding)
        }

        // 2. Overlaps. Pairwise intersections through the index give the overlapping land; where
        // three or more units overlap, those pieces overlap each other, so the land is cut along
        // every piece's outline (noded union, then polygonize) and each face gets the exact set of
        // units that claim it. Faces with the same claimants are merged into connected pieces.
        progress("check: overlaps")
        var pairwise: [NativeGeometry] = []
        for i in natives.indices {
            for j in index.query(intersecting: natives[i]) where j > i {
                guard try model.prepared(i).intersects(natives[j]), try !model.prepared(i).touches(natives[j]) else {
                    continue
                }
                pairwise += try polygons(of: natives[i].intersection(with: natives[j])).filter {
                    try $0.area > options.minimumAreaSquareMetres
                }
            }
        }
        if !pairwise.isEmpty {
            let outlines = try ctx.collection(pairwise.map { try $0.boundary() })
            let faces = try polygons(of: ctx.polygonize(try outlines.unaryUnion().parts))
            var byClaimants: [[Int]: [NativeGeometry]] = [:]
            var order: [[Int]] = []
            for face in faces {
                let inside = try face.pointOnSurface
                let claimants = try index.query(intersecting: inside).filter { try model.prepared($0).contains(inside) }
                guard claimants.count >= 2 else { continue }
                if byClaimants[claimants] == nil { order.append(claimants) }
                byClaimants[claimants, default: []].append(face)
            }
            for claimants in order {
                for piece in try polygons(of: ctx.union(of: byClaimants[claimants]!)) {
                    let area = try piece.area
                    guard area > options.minimumAreaSquareMetres else { continue }
                    add(
                        Finding(
                            id: 0, kind: .overlap, geometry: try piece.value(), areaSquareMetres: area,
                            units: claimants.map { codes[$0] }.sorted()))
                }
            }
        }

        // 3. Boundary, union and gaps.
        progress("check: union of \(natives.count) units")
        let union = try ctx.union(of: natives)
        let boundary: NativeGeometry
        if let boundaryValue {
            boundary = try CoverageModel.validPolygonal(boundaryValue, in: ctx)
        } else {
            boundary = try filledExterior(union)
        }
        let boundaryArea = try boundary.area
        let owned = try union.intersection(with: boundary).area
        progress("check: gaps")
        let gaps = try boundary.difference(with: union)
        let gapPieces = try polygons(of: gaps).filter { try $0.area > options.minimumAreaSquareMetres }
        let widths = try GapWidth.reportedWidths(of: gapPieces.map { try $0.value() }, gapWidth: options.gapWidthMetres)
        for (k, piece) in gapPieces.enumerated() {
            let area = try piece.area
            let width = widths[k]
            let b = try borders(of: piece)
            add(
                Finding(
                    id: 0, kind: width < options.gapWidthMetres ? .sliver : .unmanaged, geometry: try piece.value(),
                    areaSquareMetres: area,
                    units: b.map { codes[$0.unit] },
                    borders: b.map { Border(code: codes[$0.unit], lengthMetres: $0.length) },
                    suggestedOwner: b.first.map { codes[$0.unit] }, widthMetres: width))
        }

        // 4. Area outside the boundary (only meaningful when a boundary is given).
        if boundaryValue != nil {
            let boundaryPrepared = try boundary.prepared()
            for i in natives.indices where try !boundaryPrepared.covers(natives[i]) {
                for piece in try polygons(of: natives[i].difference(with: boundary)) {
                    let area = try piece.area
                    guard area > options.minimumAreaSquareMetres else { continue }
                    add(
                        Finding(
                            id: 0, kind: .outside, geometry: try piece.value(), areaSquareMetres: area,
                            units: [codes[i]]))
                }
            }
        }

        // 5. Exclaves, enclaves, interlocks, parent mismatches: per unit and part.
        progress("check: exclaves, enclaves and interlocks")
        let parentOf: [String?] = units.map(\.parentCode)
        var partsForParents:
            [(unit: Int, part: NativeGeometry, borders: [(unit: Int, length: Double)], perimeter: Double)] = []
        let parentTerritories: [(code: String, geometry: PreparedGeometry, native: NativeGeometry)] = try parents.map {
            p in
            let n = try CoverageModel.validPolygonal(p.geometry, in: ctx)
            return (p.code, try n.prepared(), n)
        }
        for i in natives.indices {
            let parts = try polygons(of: natives[i])
            var main = 0
            if parts.count > 1 {
                let areas = try parts.map { try $0.area }
                main = areas.indices.max { areas[$0] != areas[$1] ? areas[$0] < areas[$1] : $0 > $1 }!
                if let seat = units[i].seat {
                    let seatPoint = try ctx.geometry(.point(seat))
                    if let holding = try parts.firstIndex(where: { try $0.covers(seatPoint) }) { main = holding }
                }
            }
            for (p, part) in parts.enumerated() {
                let area = try part.area
                // A part wholly beyond the boundary is an `outside` finding, not an exclave.
                if boundaryValue != nil, try part.intersection(with: boundary).area <= options.minimumAreaSquareMetres {
                    continue
                }
                let b = try borders(of: part, excluding: [i])
                let perimeter = try part.length
                if p != main {
                    add(
                        Finding(
                            id: 0, kind: .exclave, geometry: try part.value(), areaSquareMetres: area,
                            units: [codes[i]] + (b.first.map { [codes[$0.unit]] } ?? []),
                            borders: b.map { Border(code: codes[$0.unit], lengthMetres: $0.length) },
                            suggestedOwner: b.first.map { codes[$0.unit] },
                            distanceMetres: try part.distance(to: parts[main])))
                }
                if let host = b.first, perimeter > 0, host.length / perimeter >= options.enclaveShare {
                    add(
                        Finding(
                            id: 0, kind: .enclave, geometry: try part.value(), areaSquareMetres: area,
                            units: [codes[i], codes[host.unit]],
                            borders: [Border(code: codes[host.unit], lengthMetres: host.length)],
                            suggestedOwner: codes[host.unit]))
                }
                if parentOf[i] != nil { partsForParents.append((i, part, b, perimeter)) }
                for piece in try interlocks(part, options: options) {
                    let pieceArea = try piece.area
                    guard pieceArea > options.minimumAreaSquareMetres else { continue }
                    let pb = try borders(of: piece, excluding: [i])
                    let piecePerimeter = try piece.length
                    // "Mostly bordered by one other unit": over half of the piece's outline.
                    guard let host = pb.first, host.length > 0.5 * piecePerimeter else { continue }
                    add(
                        Finding(
                            id: 0, kind: .interlock, geometry: try piece.value(), areaSquareMetres: pieceArea,
                            units: [codes[i], codes[host.unit]],
                            borders: pb.map { Border(code: codes[$0.unit], lengthMetres: $0.length) },
                            suggestedOwner: codes[host.unit]))
                }
            }
        }

        // Parent mismatches. A mislabelled unit makes its neighbours look surrounded by the wrong
        // parent too, so the clearest case is settled first and its label corrected before the
        // others are judged again.
        var labels = parentOf
        var pending = partsForParents
        while true {
            var best: (k: Int, declared: String, containing: String, share: Double)?
            for (k, c) in pending.enumerated() {
                guard
                    let m = try parentMismatch(
                        unit: c.unit, part: c.part, borders: c.borders, perimeter: c.perimeter, parentOf: labels,
                        parents: parentTerritories)
                else { continue }
                // The part most surrounded by another parent's children goes first.
                let share =
                    c.borders.filter { labels[$0.unit] == m.containing }.reduce(0) { $0 + $1.length } / c.perimeter
                if best == nil || share > best!.share { best = (k, m.declared, m.containing, share) }
            }
            guard let best else { break }
            let c = pending.remove(at: best.k)
            add(
                Finding(
                    id: 0, kind: .parentMismatch, geometry: try c.part.value(), areaSquareMetres: try c.part.area,
                    units: [codes[c.unit], best.declared, best.containing],
                    detail: "declared parent \(best.declared), lies in the territory of \(best.containing)"))
            // A whole unit in the wrong territory counts as the containing parent's from now on.
            if try CoverageCheck.polygons(of: natives[c.unit]).count == 1 { labels[c.unit] = best.containing }
        }

        // 6. Households inside each finding.
        if let households {
            progress("check: households")
            let grid = PointGrid(points: households, cellSize: 200)
            for k in findings.indices where findings[k].kind != .invalid {
                let g = try ctx.geometry(findings[k].geometry)
                findings[k].households = try grid.sum(in: g, context: ctx)
            }
        }
        return CoverageReport(
            findings: findings, boundaryAreaSquareMetres: boundaryArea, ownedAreaSquareMetres: owned,
            unitCount: units.count, skipped: skipped, warnings: warnings)
    }

    // MARK: Pieces

    /// The polygons of a geometry, each as its own geometry.
    static func polygons(of g: NativeGeometry) throws -> [NativeGeometry] {
        switch g.kind {
        case .polygon: return g.isEmpty ? [] : [g]
        case .multiPolygon, .geometryCollection: return try g.parts.flatMap { try polygons(of: $0) }
        default: return []
        }
    }

    /// Only the polygonal parts (make-valid can leave lines and points from collapsed rings).
    static func polygonalPart(_ g: NativeGeometry) throws -> NativeGeometry {
        let ps = try polygons(of: g)
        if ps.count == 1 { return ps[0] }
        return try g.context.collection(ps, kind: .multiPolygon)
    }

    /// The union's outer edge: every exterior ring as a filled polygon.
    static func filledExterior(_ union: NativeGeometry) throws -> NativeGeometry {
        let shells = try polygons(of: union).map {
            try $0.context.geometry(.polygon(Polygon(exterior: try $0.value().exteriorRing)))
        }
        return try union.context.union(of: shells)
    }

    /// Pieces of `part` joined to its main body only through necks narrower than the neck width:
    /// an opening (shrink then grow by half the width) splits the part at such necks; every
    /// component but the largest, grown back and clipped to the part, is such a piece.
    static func interlocks(_ part: NativeGeometry, options: CheckOptions) throws -> [NativeGeometry] {
        let r = options.neckWidthMetres / 2
        let shrunk = try part.buffer(by: -r, quadrantSegments: 4)
        let cores = try polygons(of: shrunk)
        guard cores.count > 1 else { return [] }
        let areas = try cores.map { try $0.area }
        let main = areas.indices.max { areas[$0] < areas[$1] }!
        // Everything except the main body, grown back: the land beyond the neck.
        let body = try cores[main].buffer(by: r, quadrantSegments: 8)
        let rest = try part.difference(with: body)
        var pieces: [NativeGeometry] = []
        for piece in try polygons(of: rest) {
            // Keep pieces that hold a core (real lobes), not the thin rims an opening always shaves off.
            if try cores.indices.contains(where: { k in try k != main && piece.intersects(cores[k]) }) {
                pieces.append(piece)
            }
        }
        return pieces
    }

    /// Whether a unit (part) lies in the territory of a parent other than its declared one.
    ///
    /// With the parents' polygons, territory is where the part's area lies: more than half
    /// outside its declared parent and inside one other. Without them, a parent's territory is
    /// the union of its declared children, so the part's neighbours decide: it lies in parent Q's
    /// territory when Q's children border more than half of its outline and its own siblings
    /// less than a quarter.
    static func parentMismatch(
        unit i: Int, part: NativeGeometry, borders b: [(unit: Int, length: Double)], perimeter: Double,
        parentOf: [String?],
        parents: [(code: String, geometry: PreparedGeometry, native: NativeGeometry)]
    ) throws -> (declared: String, containing: String)? {
        guard let declared = parentOf[i], perimeter > 0 else { return nil }
        if !parents.isEmpty {
            let area = try part.area
            guard area > 0 else { return nil }
            var best: (String, Double)?
            var own = 0.0
            for p in parents where try p.geometry.intersects(part) {
                let share = try part.intersection(with: p.native).area / area
                if p.code == declared { own = share } else if share > (best?.1 ?? 0) { best = (p.code, share) }
            }
            guard let best, best.1 > 0.5, own < 0.5 else { return nil }
            return (declared, best.0)
        }
        var byParent: [String: Double] = [:]
        for (j, length) in b {
            guard let p = parentOf[j] else { continue }
            byParent[p, default: 0] += length
        }
        guard (byParent[declared] ?? 0) < 0.25 * perimeter,
            let (containing, length) = byParent.filter({ $0.key != declared }).max(by: {
                $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key
            }),
            length > 0.5 * perimeter
        else { return nil }
        return (declared, containing)
    }

    /// The first vertex written twice in a row in any ring or line, if any.
    static func firstRepeatedVertex(_ g: Geometry) -> Coordinate? {
        func scan(_ cs: [Coordinate]) -> Coordinate? {
            for k in 1..<max(cs.count, 1) where cs[k] == cs[k - 1] { return cs[k] }
            return nil
        }
        switch g {
        case .lineString(let cs): return scan(cs)
        case .multiLineString(let ls): return ls.lazy.compactMap(scan).first
        case .polygon(let p): return p.rings.lazy.compactMap(scan).first
        case .multiPolygon(let ps): return ps.lazy.flatMap(\.rings).compactMap(scan).first
        case .geometryCollection(let gs): return gs.lazy.compactMap(firstRepeatedVertex).first
        default: return nil
        }
    }
}

/// A uniform grid of weighted points for summing weights inside polygons.
struct PointGrid {
    let cellSize: Double
    var cells: [Int64: [(Coordinate, Double)]] = [:]

    init(points: [(Coordinate, Double)], cellSize: Double) {
        self.cellSize = cellSize
        for p in points { cells[key(p.0), default: []].append(p) }
    }

    func key(_ c: Coordinate) -> Int64 {
        (Int64((c.x / cellSize).rounded(.down)) << 32) ^ (Int64((c.y / cellSize).rounded(.down)) & 0xFFFF_FFFF)
    }

    func sum(in g: NativeGeometry, context: GEOSContext) throws -> Double {
        let e = g.envelope
        guard !e.isEmpty else { return 0 }
        // GEOS's prepared covers, on the piece's rings: no GEOS point per point.
        let area = RingArea(try g.polygonValues())
        var total = 0.0
        var x = (e.minX / cellSize).rounded(.down)
        while x * cellSize <= e.maxX {
            var y = (e.minY / cellSize).rounded(.down)
            while y * cellSize <= e.maxY {
                let k = (Int64(x) << 32) ^ (Int64(y) & 0xFFFF_FFFF)
                for (c, w) in cells[k] ?? [] where e.contains(c) {
                    if area.covers(c) { total += w }
                }
                y += 1
            }
            x += 1
        }
        return total
    }
}

extension Geometry {
    /// The exterior ring of a polygon value (empty for other types).
    var exteriorRing: [Coordinate] {
        if case .polygon(let p) = self { return p.exterior }
        return []
    }
}

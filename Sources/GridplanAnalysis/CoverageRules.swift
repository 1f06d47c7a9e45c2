import Foundation
import GridplanGeometry

/// One family of findings `check` reports: overlaps, gaps, land outside the boundary, exclaves
/// and enclaves, interlocks, parent mismatches, invalid geometry. A new kind of finding is a new
/// rule, not an edit inside the check.
///
/// A rule reads what the check has built once (``CoverageSubject``: the valid units, their
/// model, the boundary and the union) and returns its findings, each with its place in the
/// report, so the findings of all rules are numbered in one stable order.
protocol CoverageRule {
    /// Shown in progress messages ("check: overlaps").
    var name: String { get }
    func findings(in subject: CoverageSubject) throws -> [PlacedFinding]
}

/// Where a finding goes in the report: by stage, then unit, part and rank within the part (an
/// exclave before its enclave finding, then its interlocks), then the order the rule gave.
struct FindingPlace: Comparable {
    enum Stage: Int { case invalid, overlaps, gaps, outside, parts, parents }
    var stage: Stage
    var unit = 0
    var part = 0
    var rank = 0

    static func < (a: FindingPlace, b: FindingPlace) -> Bool {
        (a.stage.rawValue, a.unit, a.part, a.rank) < (b.stage.rawValue, b.unit, b.part, b.rank)
    }
}

struct PlacedFinding {
    var place: FindingPlace
    var finding: Finding
}

/// The input units made ready for a check: polygonal, with unique codes, valid (what was wrong is
/// kept as `invalid` findings), and what was left out.
struct CheckedUnits {
    var units: [UnitInput] = []
    var natives: [NativeGeometry] = []
    var skipped: [(Int, String)] = []
    var warnings: [String] = []
    var invalid: [PlacedFinding] = []

    init(_ input: [UnitInput], context ctx: GEOSContext) throws {
        var seenCodes: [String: Int] = [:]
        for (k, u) in input.enumerated() {
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
            var rank = 0
            func add(_ f: Finding) {
                invalid.append(PlacedFinding(place: FindingPlace(stage: .invalid, unit: k, rank: rank), finding: f))
                rank += 1
            }
            // Repeated consecutive vertices are valid to GEOS but are digitising noise worth naming.
            if let repeated = CoverageCheck.firstRepeatedVertex(u.geometry) {
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
                g = try CoverageCheck.polygonalPart(fixed)
                if g.isEmpty {
                    skipped.append((u.sourceIndex, "geometry collapses when repaired"))
                    continue
                }
            }
            unit.geometry = try g.value()
            units.append(unit)
            natives.append(g)
        }
    }
}

/// What every rule of a check reads, built once: the valid units' model, the territory they
/// should tile, their union, the parents' territories and each unit's parts with their borders.
final class CoverageSubject {
    let model: CoverageModel
    let options: CheckOptions
    /// The territory: the given boundary, else the outer edge of the units' union.
    let boundary: NativeGeometry
    /// Whether the boundary was given (land beyond it is then an `outside` finding).
    let hasGivenBoundary: Bool
    let union: NativeGeometry
    let parents: [(code: String, geometry: PreparedGeometry, native: NativeGeometry)]

    var context: GEOSContext { model.context }
    var natives: [NativeGeometry] { model.natives }
    var codes: [String] { model.codes }

    init(
        model: CoverageModel, boundary boundaryValue: Geometry?, parents: [UnitInput], options: CheckOptions,
        progress: (String) -> Void
    ) throws {
        self.model = model
        self.options = options
        let ctx = model.context
        progress("check: union of \(model.natives.count) units")
        union = try ctx.union(of: model.natives)
        if let boundaryValue {
            boundary = try CoverageModel.validPolygonal(boundaryValue, in: ctx)
        } else {
            boundary = try CoverageCheck.filledExterior(union)
        }
        hasGivenBoundary = boundaryValue != nil
        self.parents = try parents.map { p in
            let n = try CoverageModel.validPolygonal(p.geometry, in: ctx)
            return (p.code, try n.prepared(), n)
        }
    }

    /// Length of `piece`'s outline shared with each unit, longest first.
    func borders(of piece: NativeGeometry, excluding: Set<Int> = []) throws -> [(unit: Int, length: Double)] {
        try model.borders(of: piece, toleranceMetres: options.borderToleranceMetres, excluding: excluding)
    }

    /// A part of a unit inside the territory, with what the part rules need to know about it.
    struct UnitPart {
        var unit: Int
        var index: Int
        var geometry: NativeGeometry
        var area: Double
        /// The unit's main part (its largest, or the one holding its seat).
        var main: NativeGeometry
        var isMain: Bool
        /// Other units' borders with the part, longest first.
        var borders: [(unit: Int, length: Double)]
        var perimeter: Double
    }

    private var partsCache: [UnitPart]?

    /// Every unit's parts in unit then part order, leaving out a part wholly beyond a given
    /// boundary (that is an `outside` finding, not an exclave).
    func parts() throws -> [UnitPart] {
        if let partsCache { return partsCache }
        var result: [UnitPart] = []
        for i in natives.indices {
            let parts = try CoverageCheck.polygons(of: natives[i])
            var main = 0
            if parts.count > 1 {
                let areas = try parts.map { try $0.area }
                main = areas.indices.max { areas[$0] != areas[$1] ? areas[$0] < areas[$1] : $0 > $1 }!
                if let seat = model.units[i].seat {
                    let seatPoint = try context.geometry(.point(seat))
                    if let holding = try parts.firstIndex(where: { try $0.covers(seatPoint) }) { main = holding }
                }
            }
            for (p, part) in parts.enumerated() {
                let area = try part.area
                if hasGivenBoundary,
                    try part.intersection(with: boundary).area <= options.minimumAreaSquareMetres
                {
                    continue
                }
                result.append(
                    UnitPart(
                        unit: i, index: p, geometry: part, area: area, main: parts[main], isMain: p == main,
                        borders: try borders(of: part, excluding: [i]), perimeter: try part.length))
            }
        }
        partsCache = result
        return result
    }
}

/// The rules a check runs.
enum CoverageRules {
    /// Every rule, in the order their findings are numbered; `invalid` is what making the units
    /// valid found.
    static func all(invalid: [PlacedFinding]) -> [any CoverageRule] {
        [
            InvalidGeometry(found: invalid), Overlaps(), Gaps(), OutsideBoundary(), ExclavesAndEnclaves(),
            Interlocks(), ParentMismatches(),
        ]
    }

    /// Invalid input geometry: found while the units are made valid (``CheckedUnits``), reported first.
    struct InvalidGeometry: CoverageRule {
        var name: String { "invalid geometry" }
        var found: [PlacedFinding]
        func findings(in subject: CoverageSubject) throws -> [PlacedFinding] { found }
    }

    /// Land claimed by two or more units. Pairwise intersections through the index give the
    /// overlapping land; where three or more units overlap, those pieces overlap each other, so
    /// the land is cut along every piece's outline (noded union, then polygonize) and each face
    /// gets the exact set of units that claim it. Faces with the same claimants are merged into
    /// connected pieces.
    struct Overlaps: CoverageRule {
        var name: String { "overlaps" }
        func findings(in s: CoverageSubject) throws -> [PlacedFinding] {
            let model = s.model, natives = s.natives, codes = s.codes, options = s.options, ctx = s.context
            let index = try model.index
            var pairwise: [NativeGeometry] = []
            for i in natives.indices {
                for j in index.query(intersecting: natives[i]) where j > i {
                    guard try model.prepared(i).intersects(natives[j]), try !model.prepared(i).touches(natives[j])
                    else { continue }
                    pairwise += try CoverageCheck.polygons(of: natives[i].intersection(with: natives[j])).filter {
                        try $0.area > options.minimumAreaSquareMetres
                    }
                }
            }
            guard !pairwise.isEmpty else { return [] }
            let outlines = try ctx.collection(pairwise.map { try $0.boundary() })
            let faces = try CoverageCheck.polygons(of: ctx.polygonize(try outlines.unaryUnion().parts))
            var byClaimants: [[Int]: [NativeGeometry]] = [:]
            var order: [[Int]] = []
            for face in faces {
                let inside = try face.pointOnSurface
                let claimants = try index.query(intersecting: inside).filter { try model.prepared($0).contains(inside) }
                guard claimants.count >= 2 else { continue }
                if byClaimants[claimants] == nil { order.append(claimants) }
                byClaimants[claimants, default: []].append(face)
            }
            var found: [PlacedFinding] = []
            for claimants in order {
                for piece in try CoverageCheck.polygons(of: ctx.union(of: byClaimants[claimants]!)) {
                    let area = try piece.area
                    guard area > options.minimumAreaSquareMetres else { continue }
                    found.append(
                        PlacedFinding(
                            place: FindingPlace(stage: .overlaps),
                            finding: Finding(
                                id: 0, kind: .overlap, geometry: try piece.value(), areaSquareMetres: area,
                                units: claimants.map { codes[$0] }.sorted())))
                }
            }
            return found
        }
    }

    /// Land in the territory no unit owns: slivers (narrower than the gap width) and unmanaged
    /// zones (无人管地带), with the units bordering each and the longest border as suggested owner.
    struct Gaps: CoverageRule {
        var name: String { "gaps" }
        func findings(in s: CoverageSubject) throws -> [PlacedFinding] {
            let options = s.options, codes = s.codes
            let gaps = try s.boundary.difference(with: s.union)
            let pieces = try CoverageCheck.polygons(of: gaps).filter { try $0.area > options.minimumAreaSquareMetres }
            let widths = try GapWidth.reportedWidths(
                of: pieces.map { try $0.value() }, gapWidth: options.gapWidthMetres)
            return try pieces.enumerated().map { k, piece in
                let width = widths[k]
                let b = try s.borders(of: piece)
                return PlacedFinding(
                    place: FindingPlace(stage: .gaps, unit: k),
                    finding: Finding(
                        id: 0, kind: width < options.gapWidthMetres ? .sliver : .unmanaged,
                        geometry: try piece.value(), areaSquareMetres: try piece.area, units: b.map { codes[$0.unit] },
                        borders: b.map { Border(code: codes[$0.unit], lengthMetres: $0.length) },
                        suggestedOwner: b.first.map { codes[$0.unit] }, widthMetres: width))
            }
        }
    }

    /// Unit land beyond a given boundary (nothing without one).
    struct OutsideBoundary: CoverageRule {
        var name: String { "outside the boundary" }
        func findings(in s: CoverageSubject) throws -> [PlacedFinding] {
            guard s.hasGivenBoundary else { return [] }
            let boundaryPrepared = try s.boundary.prepared()
            var found: [PlacedFinding] = []
            for i in s.natives.indices where try !boundaryPrepared.covers(s.natives[i]) {
                for piece in try CoverageCheck.polygons(of: s.natives[i].difference(with: s.boundary)) {
                    let area = try piece.area
                    guard area > s.options.minimumAreaSquareMetres else { continue }
                    found.append(
                        PlacedFinding(
                            place: FindingPlace(stage: .outside, unit: i),
                            finding: Finding(
                                id: 0, kind: .outside, geometry: try piece.value(), areaSquareMetres: area,
                                units: [s.codes[i]])))
                }
            }
            return found
        }
    }

    /// 飞地: a part detached from its unit's main part (with the unit it borders most); and a unit
    /// or part almost wholly surrounded by one other unit (enclave).
    struct ExclavesAndEnclaves: CoverageRule {
        var name: String { "exclaves and enclaves" }
        func findings(in s: CoverageSubject) throws -> [PlacedFinding] {
            let codes = s.codes
            var found: [PlacedFinding] = []
            for part in try s.parts() {
                let b = part.borders
                if !part.isMain {
                    found.append(
                        PlacedFinding(
                            place: FindingPlace(stage: .parts, unit: part.unit, part: part.index, rank: 0),
                            finding: Finding(
                                id: 0, kind: .exclave, geometry: try part.geometry.value(),
                                areaSquareMetres: part.area,
                                units: [codes[part.unit]] + (b.first.map { [codes[$0.unit]] } ?? []),
                                borders: b.map { Border(code: codes[$0.unit], lengthMetres: $0.length) },
                                suggestedOwner: b.first.map { codes[$0.unit] },
                                distanceMetres: try part.geometry.distance(to: part.main))))
                }
                if let host = b.first, part.perimeter > 0, host.length / part.perimeter >= s.options.enclaveShare {
                    found.append(
                        PlacedFinding(
                            place: FindingPlace(stage: .parts, unit: part.unit, part: part.index, rank: 1),
                            finding: Finding(
                                id: 0, kind: .enclave, geometry: try part.geometry.value(),
                                areaSquareMetres: part.area, units: [codes[part.unit], codes[host.unit]],
                                borders: [Border(code: codes[host.unit], lengthMetres: host.length)],
                                suggestedOwner: codes[host.unit])))
                }
            }
            return found
        }
    }

    /// 插花地 / 犬牙交错: a piece of a part joined to its body only through a neck narrower than the
    /// neck width, over half of whose outline borders one other unit.
    struct Interlocks: CoverageRule {
        var name: String { "interlocks" }
        func findings(in s: CoverageSubject) throws -> [PlacedFinding] {
            let codes = s.codes
            var found: [PlacedFinding] = []
            for part in try s.parts() {
                for piece in try CoverageCheck.interlocks(part.geometry, options: s.options) {
                    let pieceArea = try piece.area
                    guard pieceArea > s.options.minimumAreaSquareMetres else { continue }
                    let pb = try s.borders(of: piece, excluding: [part.unit])
                    let piecePerimeter = try piece.length
                    guard let host = pb.first, host.length > 0.5 * piecePerimeter else { continue }
                    found.append(
                        PlacedFinding(
                            place: FindingPlace(stage: .parts, unit: part.unit, part: part.index, rank: 2),
                            finding: Finding(
                                id: 0, kind: .interlock, geometry: try piece.value(), areaSquareMetres: pieceArea,
                                units: [codes[part.unit], codes[host.unit]],
                                borders: pb.map { Border(code: codes[$0.unit], lengthMetres: $0.length) },
                                suggestedOwner: codes[host.unit])))
                }
            }
            return found
        }
    }

    /// A unit, or part of one, in the territory of a parent other than its declared one. A
    /// mislabelled unit makes its neighbours look surrounded by the wrong parent too, so the
    /// clearest case is settled first and its label corrected before the others are judged again.
    struct ParentMismatches: CoverageRule {
        var name: String { "parent mismatches" }
        func findings(in s: CoverageSubject) throws -> [PlacedFinding] {
            let parentOf: [String?] = s.model.units.map(\.parentCode)
            var labels = parentOf
            var pending = try s.parts().filter { parentOf[$0.unit] != nil }
            var found: [PlacedFinding] = []
            while true {
                var best: (k: Int, declared: String, containing: String, share: Double)?
                for (k, c) in pending.enumerated() {
                    guard
                        let m = try CoverageCheck.parentMismatch(
                            unit: c.unit, part: c.geometry, borders: c.borders, perimeter: c.perimeter,
                            parentOf: labels, parents: s.parents)
                    else { continue }
                    // The part most surrounded by another parent's children goes first.
                    let share =
                        c.borders.filter { labels[$0.unit] == m.containing }.reduce(0) { $0 + $1.length } / c.perimeter
                    if best == nil || share > best!.share { best = (k, m.declared, m.containing, share) }
                }
                guard let best else { break }
                let c = pending.remove(at: best.k)
                found.append(
                    PlacedFinding(
                        place: FindingPlace(stage: .parents),
                        finding: Finding(
                            id: 0, kind: .parentMismatch, geometry: try c.geometry.value(),
                            areaSquareMetres: try c.geometry.area,
                            units: [s.codes[c.unit], best.declared, best.containing],
                            detail: "declared parent \(best.declared), lies in the territory of \(best.containing)")))
                // A whole unit in the wrong territory counts as the containing parent's from now on.
                if try CoverageCheck.polygons(of: s.natives[c.unit]).count == 1 { labels[c.unit] = best.containing }
            }
            return found
        }
    }
}

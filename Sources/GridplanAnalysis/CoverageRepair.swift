import Foundation
import GridplanGeometry

/// How `repair` decides who keeps land two units both claim (the option's name for each
/// ``OverlapChoice``).
public enum OverlapRule: String, CaseIterable, Sendable {
    /// The claimant whose own land borders the piece along the longest edge.
    case longestBorder = "longest-border"
    /// The claimant with the larger area.
    case larger
    /// The claimant with the lower code.
    case lowerCode = "lower-code"

    /// The strategy the rule names.
    var choice: any OverlapChoice {
        switch self {
        case .longestBorder: return LongestBorderChoice()
        case .larger: return LargerAreaChoice()
        case .lowerCode: return LowerCodeChoice()
        }
    }
}

/// A piece of land several units claim, and what an ``OverlapChoice`` may ask about it.
struct OverlapClaim {
    var piece: NativeGeometry
    /// The claimants (indices into the units).
    var claimants: [Int]
    var codes: [String]
    /// The units' valid geometry as given (before any land moved).
    var natives: [NativeGeometry]
    /// The border each claimant's current land shares with the piece, longest first.
    var borders: () throws -> [(unit: Int, length: Double)]
}

/// A way to rank the claimants of an overlap, the first being the one to keep it (as GEOS's
/// CoverageCleaner has merge strategies). Repair gives the piece to the first in this order whose
/// win leaves no loser in more parts than it had.
protocol OverlapChoice {
    func ranked(_ claim: OverlapClaim) throws -> [Int]
}

/// The claimant whose land borders the piece along the longest edge; claimants sharing no border
/// follow, by code.
struct LongestBorderChoice: OverlapChoice {
    func ranked(_ claim: OverlapClaim) throws -> [Int] {
        let b = try claim.borders()
        return b.map(\.unit)
            + claim.claimants.filter { u in !b.contains { $0.unit == u } }.sorted { claim.codes[$0] < claim.codes[$1] }
    }
}

/// The claimant with the larger area (ties: the lower code).
struct LargerAreaChoice: OverlapChoice {
    func ranked(_ claim: OverlapClaim) throws -> [Int] {
        let areas = try Dictionary(uniqueKeysWithValues: claim.claimants.map { ($0, try claim.natives[$0].area) })
        return claim.claimants.sorted {
            areas[$0]! != areas[$1]! ? areas[$0]! > areas[$1]! : claim.codes[$0] < claim.codes[$1]
        }
    }
}

/// The claimant with the lower code.
struct LowerCodeChoice: OverlapChoice {
    func ranked(_ claim: OverlapClaim) throws -> [Int] {
        claim.claimants.sorted { claim.codes[$0] < claim.codes[$1] }
    }
}

/// Parameters of a repair.
public struct RepairOptions: Sendable {
    public var check = CheckOptions()
    public var overlapRule: OverlapRule = .longestBorder
    /// Gaps smaller than this (m²) go to their longest-border neighbour; slivers always do.
    public var mergeGapsUnderSquareMetres: Double = 0
    /// Also hand unmanaged zones above the threshold to their longest-border neighbour.
    public var assignUnmanaged = false
    /// Move exclaves to their host unit.
    public var transferExclaves = false
    /// A snap-rounding grid for the rebuilt coverage, in metres; nil nodes in full precision, so
    /// vertices on the outer boundary stay exactly where they were.
    public var gridSizeMetres: Double?
    /// A street office's decisions, which override the rules for the land they name.
    public var decisions: [RepairDecision] = []
    public init() {}
}

/// One piece of land changing hands.
public struct Change: Sendable {
    public enum Reason: String, Sendable, CaseIterable { case overlap, sliver, gap, unmanaged, exclave }
    public var reason: Reason
    public var geometry: Geometry
    public var areaSquareMetres: Double
    /// nil for land nobody owned.
    public var fromUnit: String?
    public var toUnit: String
    public var households: Double?
    /// The land's stable id (the same as check's for the same finding).
    public var stableID: String = ""
    /// The decision that moved it, when a person decided instead of the rule.
    public var decision: RepairDecision?
}

/// The result of a repair: the units rebuilt, what moved, and what was left for a person.
public struct RepairReport: Sendable {
    /// Repaired geometries, one per input unit in input order (nil for skipped input).
    public var units: [Geometry?]
    public var changes: [Change]
    /// Gaps left alone (too large to assign without a decision, or left by one).
    public var unresolved: [Finding]
    public var warnings: [String]
    /// Land a decision said to leave as it is, with the decision.
    public var left: [(stableID: String, decision: RepairDecision)] = []
    /// Decisions that matched no finding of this run (the land changed, or was repaired already).
    public var unmatchedDecisions: [RepairDecision] = []
}

/// Repairs a coverage so it has no overlaps and no gaps below the threshold, without moving the
/// outer boundary or splitting any unit.
///
/// All unit outlines (and the boundary's) are noded together, the plane is cut
/// into faces, and each face is given to exactly one unit: the unit that alone claims it; for an
/// overlap, the claimant the rule picks; for a small gap, the neighbour with the longest shared
/// border. Each unit is rebuilt as the union of its faces, so neighbours share every border
/// vertex for vertex.
public enum CoverageRepair {
    public static func run(
        units input: [UnitInput], boundary boundaryValue: Geometry?, households: [(Coordinate, Double)]? = nil,
        options: RepairOptions = RepairOptions(), progress: (String) -> Void = { _ in }
    ) throws -> RepairReport {
        let ctx = GEOSContext()
        var warnings: [String] = []
        // Valid, polygonal units (as check prepares them).
        var natives: [NativeGeometry] = []
        var inputIndex: [Int] = []
        for (k, u) in input.enumerated() {
            switch u.geometry {
            case .polygon, .multiPolygon: break
            default: continue
            }
            guard !u.geometry.isEmpty else { continue }
            let g = try CoverageModel.validPolygonal(u.geometry, in: ctx)
            guard !g.isEmpty else { continue }
            natives.append(g)
            inputIndex.append(k)
        }
        let model = CoverageModel(units: inputIndex.map { input[$0] }, natives: natives, context: ctx)
        let codes = model.codes
        let index = try model.index
        let originalParts = try natives.map { try CoverageCheck.polygons(of: $0).count }

        // Without a boundary, the filled outline of all units stands in for it (the union is only
        // worth its cost then).
        let boundary: NativeGeometry =
            try boundaryValue.map { try CoverageModel.validPolygonal($0, in: ctx) }
            ?? CoverageCheck.filledExterior(ctx.union(of: natives))
        let boundaryPrepared = try boundary.prepared()

        // 1. The arrangement: every outline snap-rounded and noded, then cut into faces.
        progress("repair: noding \(natives.count) outlines")
        let outlines = try ctx.collection(try (natives + [boundary]).map { try $0.boundary() })
        let noded = try outlines.unaryUnion(gridSize: options.gridSizeMetres)
        let faces = try CoverageCheck.polygons(of: ctx.polygonize(noded.parts)).filter { try $0.area > 0 }
        progress("repair: classifying \(faces.count) faces")
        var owner = [Int?](repeating: nil, count: faces.count)
        var claimants = [[Int]](repeating: [], count: faces.count)
        var insideBoundary = [Bool](repeating: true, count: faces.count)
        // Each unit's faces, kept in step with `owner` (looking them up by scanning every face made
        // rebuilding all units quadratic).
        var facesOf = [Set<Int>](repeating: [], count: natives.count)
        func give(_ f: Int, to u: Int) {
            if let old = owner[f] { facesOf[old].remove(f) }
            owner[f] = u
            facesOf[u].insert(f)
        }
        for (f, face) in faces.enumerated() {
            let p = try face.pointOnSurface
            claimants[f] = try index.query(intersecting: p).filter { try model.prepared($0).contains(p) }
            insideBoundary[f] = try boundaryPrepared.contains(p)
            if claimants[f].count == 1 { give(f, to: claimants[f][0]) }
        }
        let faceIndex = try SpatialIndex(context: ctx)
        for face in faces { try faceIndex.insert(face) }

        /// The current land of unit `u`: the union of its faces, in face order.
        func land(_ u: Int, excluding: Set<Int> = []) throws -> NativeGeometry {
            let mine = facesOf[u].subtracting(excluding).sorted().map { faces[$0] }
            return mine.isEmpty ? try ctx.geometry(.multiPolygon([])) : try ctx.collection(mine).coverageUnion()
        }
        /// Border length between a piece and each unit's current land, longest first.
        func borders(_ piece: NativeGeometry, among candidates: [Int]? = nil, excluding: Set<Int> = []) throws -> [(
            Int, Double
        )] {
            let outline = try piece.boundary()
            let grown = try piece.buffer(by: options.check.borderToleranceMetres, quadrantSegments: 2)
            var lengths: [Int: Double] = [:]
            for f in faceIndex.query(intersecting: grown) {
                guard let u = owner[f], !excluding.contains(u), candidates?.contains(u) ?? true else { continue }
                // Faces share noded edges exactly, so the line intersection measures the border.
                let shared = try outline.intersection(with: faces[f]).length
                if shared > 0 { lengths[u, default: 0] += shared }
            }
            return lengths.sorted { $0.value != $1.value ? $0.value > $1.value : codes[$0.key] < codes[$1.key] }.map {
                ($0.key, $0.value)
            }
        }
        let householdGrid = households.map { PointGrid(points: $0, cellSize: 200) }
        func householdsInside(_ g: NativeGeometry) throws -> Double? {
            try householdGrid?.sum(in: g, context: ctx)
        }
        var changes: [Change] = []
        let book = DecisionBook(options.decisions)
        var left: [(stableID: String, decision: RepairDecision)] = []

        // 2. Overlaps: faces claimed by several units, grouped into connected pieces per claimant set.
        progress("repair: overlaps")
        let choice = options.overlapRule.choice
        var overlapGroups: [[Int]: [Int]] = [:]
        var groupOrder: [[Int]] = []
        for f in faces.indices where claimants[f].count >= 2 {
            if overlapGroups[claimants[f]] == nil { groupOrder.append(claimants[f]) }
            overlapGroups[claimants[f], default: []].append(f)
        }
        for group in groupOrder {
            let memberFaces = overlapGroups[group]!
            for pieceFaces in try connectedComponents(memberFaces, faces: faces, context: ctx) {
                let piece = try ctx.collection(pieceFaces.map { faces[$0] }).coverageUnion()
                let area = try piece.area
                // Rank claimants by the rule; take the first whose win splits no loser.
                var ranked = try choice.ranked(
                    OverlapClaim(
                        piece: piece, claimants: group, codes: codes, natives: natives,
                        borders: { try borders(piece, among: group).map { (unit: $0.0, length: $0.1) } }))
                let pieceValue = try piece.value()
                let stable = StableID.of(kind: "overlap", units: group.map { codes[$0] }, geometry: pieceValue)
                let decision = try book.decision(
                    kind: "overlap", units: group.map { codes[$0] }, geometry: pieceValue, id: stable
                ) { try piece.contains(ctx.geometry(.point($0))) }
                if let decision, decision.choice == .leave {
                    // Both keep it: the overlap stays, as decided.
                    for f in pieceFaces { for u in group { facesOf[u].insert(f) } }
                    left.append((stable, decision))
                    continue
                }
                var decided = false
                if case .owner(let code)? = decision?.choice, let chosen = group.first(where: { codes[$0] == code }) {
                    ranked = [chosen] + ranked.filter { $0 != chosen }
                    decided = true
                } else if case .owner(let code)? = decision?.choice {
                    warnings.append(
                        "decision (line \(decision!.line)): \(code) does not claim \(stable) (its claimants: \(group.map { codes[$0] }.joined(separator: ", "))); the rule decided"
                    )
                }
                var winner = ranked[0]
                // A decided owner wins even where the rule would avoid splitting a loser.
                for candidate in ranked where !decided || candidate == ranked[0] {
                    let losers = group.filter { $0 != candidate }
                    let splits = try losers.contains { l in
                        try CoverageCheck.polygons(of: land(l, excluding: Set(pieceFaces))).count > originalParts[l]
                    }
                    if !splits {
                        winner = candidate
                        break
                    }
                }
                for f in pieceFaces { give(f, to: winner) }
                let hh = try householdsInside(piece)
                for loser in group where loser != winner {
                    changes.append(
                        Change(
                            reason: .overlap, geometry: pieceValue, areaSquareMetres: area,
                            fromUnit: codes[loser], toUnit: codes[winner], households: hh, stableID: stable,
                            decision: decision))
                }
            }
        }

        // 3. Gaps: unowned faces inside the boundary, grouped into connected regions.
        progress("repair: gaps")
        var unresolved: [Finding] = []
        let gapFaces = faces.indices.filter { owner[$0] == nil && claimants[$0].isEmpty && insideBoundary[$0] }
        let regions = try connectedComponents(gapFaces, faces: faces, context: ctx)
        let pieces = try regions.map { region in try ctx.collection(region.map { faces[$0] }).coverageUnion() }
        // Sliver or not, decided as check decides it; the width itself only for what is left for a person.
        let values = try pieces.map { try $0.value() }
        // Wide pieces stay for a person unless a threshold or --assign-unmanaged takes them: those
        // are measured in the same pass.
        let mayStay = try Set(
            pieces.indices.filter {
                try !(options.assignUnmanaged || pieces[$0].area < options.mergeGapsUnderSquareMetres)
            })
        let classified = try GapWidth.classify(values, gapWidth: options.check.gapWidthMetres, measuring: mayStay)
        for (k, region) in regions.enumerated() {
            let piece = pieces[k]
            let area = try piece.area
            let isSliver = classified[k].narrow
            func width() throws -> Double {
                try classified[k].width
                    ?? GapWidth.reportedWidths(of: [values[k]], gapWidth: options.check.gapWidthMetres)[0]
            }
            let b = try borders(piece)
            let kind = isSliver ? "sliver" : "unmanaged"
            let stable = StableID.of(kind: kind, units: b.map { codes[$0.0] }, geometry: values[k])
            let decision = try book.decision(
                kind: kind, units: b.map { codes[$0.0] }, geometry: values[k], id: stable
            ) { try piece.contains(ctx.geometry(.point($0))) }
            var to = b.first?.0
            if case .owner(let code)? = decision?.choice {
                if let chosen = b.first(where: { codes[$0.0] == code })?.0 {
                    to = chosen
                } else {
                    warnings.append(
                        "decision (line \(decision!.line)): \(code) does not border \(stable) (its neighbours: \(b.map { codes[$0.0] }.joined(separator: ", "))); the rule decided"
                    )
                }
            }
            if let decision, decision.choice == .leave { left.append((stable, decision)) }
            let decided = decision.map { if case .owner = $0.choice { true } else { false } } ?? false
            guard
                decision?.choice != .leave,
                decided || isSliver || area < options.mergeGapsUnderSquareMetres || options.assignUnmanaged,
                let to
            else {
                unresolved.append(
                    Finding(
                        id: unresolved.count + 1, kind: isSliver ? .sliver : .unmanaged, geometry: try piece.value(),
                        areaSquareMetres: area,
                        units: b.map { codes[$0.0] }, borders: b.map { Border(code: codes[$0.0], lengthMetres: $0.1) },
                        suggestedOwner: b.first.map { codes[$0.0] }, widthMetres: try width(),
                        households: try householdsInside(piece)))
                continue
            }
            for f in region { give(f, to: to) }
            changes.append(
                Change(
                    reason: isSliver ? .sliver : (area < options.mergeGapsUnderSquareMetres ? .gap : .unmanaged),
                    geometry: values[k],
                    areaSquareMetres: area, fromUnit: nil, toUnit: codes[to], households: try householdsInside(piece),
                    stableID: stable, decision: decision))
        }

        // 4. Exclaves to their hosts, when asked.
        // Without --transfer-exclaves only exclaves a decision names move.
        if options.transferExclaves || !options.decisions.isEmpty {
            progress("repair: exclaves")
            for u in natives.indices {
                let myFaces = facesOf[u].sorted()
                let components = try connectedComponents(myFaces, faces: faces, context: ctx)
                guard components.count > 1 else { continue }
                let areas = try components.map { try $0.reduce(0.0) { $0 + (try faces[$1].area) } }
                let main = areas.indices.max { areas[$0] < areas[$1] }!
                for (k, component) in components.enumerated() where k != main {
                    let piece = try ctx.collection(component.map { faces[$0] }).coverageUnion()
                    let hosts = try borders(piece, excluding: [u])
                    guard var host = hosts.first?.0 else { continue }
                    let value = try piece.value()
                    let stable = StableID.of(kind: "exclave", units: [codes[u], codes[host]], geometry: value)
                    let decision = try book.decision(
                        kind: "exclave", units: [codes[u], codes[host]], geometry: value, id: stable
                    ) { try piece.contains(ctx.geometry(.point($0))) }
                    guard options.transferExclaves || decision != nil else { continue }
                    if let decision {
                        if decision.choice == .leave || decision.choice == .owner(codes[u]) {
                            left.append((stable, decision))
                            continue
                        }
                        if case .owner(let code) = decision.choice {
                            if let chosen = hosts.first(where: { codes[$0.0] == code })?.0 {
                                host = chosen
                            } else {
                                warnings.append(
                                    "decision (line \(decision.line)): \(code) does not border \(stable); it goes to its host \(codes[host])"
                                )
                            }
                        }
                    }
                    for f in component { give(f, to: host) }
                    changes.append(
                        Change(
                            reason: .exclave, geometry: value, areaSquareMetres: areas[k],
                            fromUnit: codes[u], toUnit: codes[host], households: try householdsInside(piece),
                            stableID: stable, decision: decision))
                }
            }
        }

        // 5. Rebuild every unit from its faces.
        progress("repair: rebuilding units")
        var result = [Geometry?](repeating: nil, count: input.count)
        for u in natives.indices {
            let g = try land(u)
            if g.isEmpty {
                warnings.append("unit \(codes[u]) lost all its land (it was wholly inside others' claims)")
                result[inputIndex[u]] = .multiPolygon([])
                continue
            }
            result[inputIndex[u]] = try g.value()
        }
        var report = RepairReport(units: result, changes: changes, unresolved: unresolved, warnings: warnings)
        report.left = left
        report.unmatchedDecisions = book.unmatched
        return report
    }

    /// Groups faces into sets that touch along an edge.
    static func connectedComponents(_ members: [Int], faces: [NativeGeometry], context ctx: GEOSContext) throws
        -> [[Int]]
    {
        guard !members.isEmpty else { return [] }
        let local = try SpatialIndex(context: ctx)
        for m in members { try local.insert(faces[m]) }
        var parent = Array(members.indices)
        func find(_ i: Int) -> Int {
            var i = i
            while parent[i] != i {
                parent[i] = parent[parent[i]]
                i = parent[i]
            }
            return i
        }
        for (a, m) in members.enumerated() {
            for b in local.query(intersecting: faces[m]) where b > a {
                // Sharing an edge, not just a corner: the intersection has length.
                if try faces[m].intersection(with: faces[members[b]]).length > 0 {
                    parent[find(a)] = find(b)
                }
            }
        }
        var groups: [Int: [Int]] = [:]
        var order: [Int] = []
        for (a, m) in members.enumerated() {
            let r = find(a)
            if groups[r] == nil { order.append(r) }
            groups[r, default: []].append(m)
        }
        return order.map { groups[$0]! }
    }
}

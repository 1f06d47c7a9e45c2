import Foundation
import GridplanGeometry

/// Frontage zones (门前三包): the strip of open land each frontage unit keeps clean, between the unit
/// and a street it faces.
///
/// The kerb is half the carriageway width from the centreline (the centreline itself when no width
/// is known); the land between carriageways falls apart into blocks, each worked on its own.
/// In a block, a zone is the land swept by the shortest lines from a unit's outline to the kerb
/// that cross no building and are no longer than the depth option: a unit set back further than
/// the depth has none. Shortest lines never cross, so these sweeps never overlap. Three kinds of
/// land are added where that leaves gaps, as contested land: the corner between a unit's two
/// frontages at a street corner; the land in front of a gap narrower than the row gap between two
/// units; and a street seen past the nearest one when the nearest is hidden (the notch of an
/// L-shaped building). Contested land takes only what no sweep holds, and where several units
/// claim it, it is split on the line equidistant from them, so no square metre has two owners.
/// Zones are cut where they cross a unit (grid, community) boundary; the kerb no zone touches is
/// reported as uncovered, per street side and unit.
///
/// Blocks are done in parallel, each worker with its own GEOS context; the result does not depend
/// on timing.
///
/// ```swift
/// let report = try Frontage.run(units: shops, streets: streets, gridUnits: grids)
/// for z in report.zones { print(z.owner, z.street ?? "-", z.frontageMetres, z.areaSquareMetres) }
/// ```
public enum Frontage {
    /// Half-width standing for "no width known": zones stop this close to the centreline.
    static let centrelineHalfWidth = 0.005

    /// Runs the frontage analysis. All geometries must be in one metric CRS.
    /// - Parameters:
    ///   - units: frontage units; features with one id are one owner. Points stand for discs of
    ///     the point radius (a point on another unit's footprint is reported and left out); lines,
    ///     empty geometries and units without an id are reported and left out.
    ///   - streets: centrelines; polygons, points and zero-length lines are reported and left out.
    ///   - gridUnits: grids or communities to cut zones and uncovered kerbs by; empty for none.
    ///   - progress: called with a short message now and then.
    /// - Throws: ``FrontageError`` for an option out of range; `GeometryError` when GEOS fails.
    public static func run(
        units: [FrontageUnitInput], streets: [FrontageStreetInput], gridUnits: [UnitInput] = [],
        options: FrontageOptions = FrontageOptions(), progress: @Sendable (String) -> Void = { _ in }
    ) throws -> FrontageReport {
        try validate(options)
        // Work near (0, 0): projected coordinates in the tens of millions (Gauss-Krüger with its
        // zone prefix) leave too few bits for the centimetre-and-below tolerances of the walk.
        // Subtracting a nearby round origin is exact; the output is moved back at the end.
        let origin = localOrigin(units.map(\.geometry) + streets.map(\.geometry))
        func local(_ g: Geometry) -> Geometry { g.mappingCoordinates { Coordinate($0.x - origin.x, $0.y - origin.y) } }
        let units = units.map {
            FrontageUnitInput(id: $0.id, geometry: local($0.geometry), sourceIndex: $0.sourceIndex)
        }
        let streets = streets.map {
            FrontageStreetInput(
                name: $0.name, streetClass: $0.streetClass, widthMetres: $0.widthMetres, geometry: local($0.geometry),
                sourceIndex: $0.sourceIndex)
        }
        let gridUnits = gridUnits.map { u -> UnitInput in
            var u = u
            u.geometry = local(u.geometry)
            return u
        }
        let ctx = GEOSContext()
        var problems: [FrontageProblem] = []
        let owners = try readOwners(units, options: options, ctx: ctx, problems: &problems)
        let model = readStreets(streets, options: options, problems: &problems)
        let grids = readGrids(gridUnits, problems: &problems)
        progress("frontage: \(owners.count) owners, \(model.streets.count) streets")

        let frame = frameEnvelope(owners.map(\.native), streets: model, margin: 2 * options.depthMetres + 10)
        let blocks = try openLand(model, frame: frame, ctx: ctx)
        progress("frontage: \(blocks.count) blocks of open land")
        let inputs = try placeOwners(owners, in: blocks, ctx: ctx, problems: &problems)

        let results = try runBlocks(
            inputs, streets: model, frame: frame, options: options, grids: grids, progress: progress)
        for (b, r) in zip(inputs, results) {
            guard let failure = r.failure else { continue }
            let at = b.polygon.exterior.first.map { "(\($0.x), \($0.y))" } ?? "?"
            for m in b.members {
                problems.append(
                    FrontageProblem(
                        layer: .frontageUnit, index: owners[m.owner].sourceIndex, id: owners[m.owner].id,
                        reason: "GEOS failed in the block at \(at) (\(failure)); its zones there are missing",
                        skipped: false))
            }
        }
        var report = try assemble(results, owners: owners, streets: streets, ctx: ctx, problems: problems)
        func global(_ g: Geometry) -> Geometry { g.mappingCoordinates { Coordinate($0.x + origin.x, $0.y + origin.y) } }
        for i in report.zones.indices { report.zones[i].geometry = global(report.zones[i].geometry) }
        for i in report.uncovered.indices { report.uncovered[i].geometry = global(report.uncovered[i].geometry) }
        return report
    }

    /// A round point (whole kilometres) near the middle of the data; (0, 0) when the data is near it already.
    static func localOrigin(_ geometries: [Geometry]) -> Coordinate {
        var e = Envelope.empty
        for g in geometries { g.forEachCoordinate { if $0.isFinite { e.expand(toInclude: $0) } } }
        guard !e.isEmpty else { return Coordinate(0, 0) }
        let c = e.center
        return Coordinate((c.x / 1000).rounded() * 1000, (c.y / 1000).rounded() * 1000)
    }

    // MARK: Inputs

    static func validate(_ o: FrontageOptions) throws {
        func positive(_ name: String, _ v: Double) throws {
            guard v.isFinite, v > 0 else {
                throw FrontageError.badOption(name: name, value: v, reason: "must be a finite number above 0")
            }
        }
        func nonNegative(_ name: String, _ v: Double) throws {
            guard v.isFinite, v >= 0 else {
                throw FrontageError.badOption(name: name, value: v, reason: "must be a finite number, 0 or above")
            }
        }
        try positive("depth", o.depthMetres)
        try positive("point radius", o.pointRadiusMetres)
        try positive("split spacing", o.splitSpacingMetres)
        try nonNegative("row gap", o.rowGapMetres)
        try nonNegative("minimum area", o.minimumAreaSquareMetres)
        try nonNegative("minimum uncovered length", o.minimumUncoveredMetres)
        for (c, w) in o.widthByClassMetres.sorted(by: { $0.key < $1.key }) {
            try nonNegative("width of class \"\(c)\"", w)
        }
    }

    /// A frontage owner: every feature with its id, joined into one footprint.
    struct Owner {
        var id: String
        /// The `sourceIndex` of its first feature.
        var sourceIndex: Int
        var native: NativeGeometry
        var polygons: [Polygon]
    }

    static func readOwners(
        _ units: [FrontageUnitInput], options: FrontageOptions, ctx: GEOSContext,
        problems: inout [FrontageProblem]
    ) throws -> [Owner] {
        var order: [String] = []
        var firstIndex: [String: Int] = [:]
        var polygonsOf: [String: [NativeGeometry]] = [:]
        var pointsOf: [String: [(Coordinate, Int)]] = [:]
        func problem(_ u: FrontageUnitInput, _ reason: String, skipped: Bool = true) {
            let id = u.id.trimmingCharacters(in: .whitespaces)
            problems.append(
                FrontageProblem(
                    layer: .frontageUnit, index: u.sourceIndex, id: id.isEmpty ? nil : id, reason: reason,
                    skipped: skipped))
        }
        for u in units {
            let id = u.id.trimmingCharacters(in: .whitespaces)
            guard !id.isEmpty else {
                problem(u, "no owner id")
                continue
            }
            var finite = true
            u.geometry.forEachCoordinate { if !$0.isFinite { finite = false } }
            guard finite else {
                problem(u, "a coordinate is not a finite number")
                continue
            }
            guard !u.geometry.isEmpty else {
                problem(u, "empty geometry")
                continue
            }
            var points: [Coordinate] = []
            var polygonal: Geometry?
            switch u.geometry {
            case .point(let c): points = [c]
            case .multiPoint(let cs): points = cs
            case .polygon, .multiPolygon: polygonal = u.geometry
            case .geometryCollection(let gs):
                let ps = gs.flatMap { g -> [Polygon] in
                    switch g {
                    case .polygon(let p): return [p]
                    case .multiPolygon(let ps): return ps
                    default: return []
                    }
                }
                guard !ps.isEmpty else {
                    problem(
                        u, "a GeometryCollection without polygons is not a frontage unit; give a footprint or a point")
                    continue
                }
                polygonal = .multiPolygon(ps)
            case .lineString, .multiLineString:
                problem(
                    u, "a \(u.geometry.typeName) is not a frontage unit; give a footprint (polygon) or an address point"
                )
                continue
            }
            if firstIndex[id] == nil {
                firstIndex[id] = u.sourceIndex
                order.append(id)
            }
            if let polygonal {
                let (fixed, report) = try ctx.geometry(polygonal).madeValid()
                let part = try CoverageCheck.polygonalPart(fixed)
                guard !part.isEmpty, try part.area > 0 else {
                    problem(u, "the footprint has no area")
                    continue
                }
                if !report.wasValid {
                    problem(
                        u, "invalid footprint (\(report.issues.map(\.description).joined(separator: "; "))), repaired",
                        skipped: false)
                }
                polygonsOf[id, default: []].append(part)
            } else {
                pointsOf[id, default: []] += points.map { ($0, u.sourceIndex) }
            }
        }
        // Point units are discs, but never on a footprint: a point inside one is ambiguous.
        let footprints = try order.compactMap { id in
            try polygonsOf[id].map { $0.count == 1 ? $0[0] : try ctx.union(of: $0) }
        }
        let index = try SpatialIndex(context: ctx)
        for f in footprints { try index.insert(f) }
        let prepared = try footprints.map { try $0.prepared() }
        var owners: [Owner] = []
        for id in order {
            var parts = polygonsOf[id] ?? []
            for (c, source) in pointsOf[id] ?? [] {
                let p = try ctx.geometry(.point(c))
                let hits = index.query(intersecting: p)
                if try hits.contains(where: { try prepared[$0].covers(p) }) {
                    problems.append(
                        FrontageProblem(
                            layer: .frontageUnit, index: source, id: id,
                            reason: "the point lies on another unit's footprint; give the shop its own footprint",
                            skipped: true))
                    continue
                }
                var disc = try p.buffer(by: options.pointRadiusMetres, quadrantSegments: 8)
                let near = try index.query(intersecting: disc).filter { try prepared[$0].intersects(disc) }
                if !near.isEmpty {
                    disc = try CoverageCheck.polygonalPart(
                        disc.difference(with: ctx.union(of: near.map { footprints[$0] })))
                }
                if !disc.isEmpty { parts.append(disc) }
            }
            guard !parts.isEmpty else { continue }
            let native = parts.count == 1 ? parts[0] : try CoverageCheck.polygonalPart(ctx.union(of: parts))
            owners.append(
                Owner(id: id, sourceIndex: firstIndex[id]!, native: native, polygons: try native.polygonValues()))
        }
        return owners
    }

    static func readStreets(
        _ streets: [FrontageStreetInput], options: FrontageOptions, problems: inout [FrontageProblem]
    ) -> StreetModel {
        var out: [StreetModel.Street] = []
        for (i, s) in streets.enumerated() {
            func problem(_ reason: String, skipped: Bool = true) {
                problems.append(
                    FrontageProblem(layer: .street, index: s.sourceIndex, id: s.name, reason: reason, skipped: skipped))
            }
            var lines: [[Coordinate]]
            switch s.geometry {
            case .lineString(let cs): lines = [cs]
            case .multiLineString(let ls): lines = ls
            default:
                problem("a \(s.geometry.typeName) is not a street centreline; give a LineString or MultiLineString")
                continue
            }
            var finite = true
            s.geometry.forEachCoordinate { if !$0.isFinite { finite = false } }
            guard finite else {
                problem("a coordinate is not a finite number")
                continue
            }
            lines = lines.map { line in
                line.enumerated().filter { $0.offset == 0 || $0.element != line[$0.offset - 1] }.map(\.element)
            }.filter { $0.count >= 2 }
            guard !lines.isEmpty else {
                problem("zero-length street")
                continue
            }
            var width = s.widthMetres ?? s.streetClass.flatMap { options.widthByClassMetres[$0] }
            if let w = width, !w.isFinite || w < 0 {
                problem("width \(w) is not a width; the zone stops at the centreline", skipped: false)
                width = nil
            }
            let half = (width ?? 0) > 0 ? width! / 2 : centrelineHalfWidth
            out.append(
                StreetModel.Street(
                    index: i, parts: lines, halfWidth: max(half, centrelineHalfWidth), freeStart: [], freeEnd: []))
        }
        return StreetModel(streets: out)
    }

    static func readGrids(_ units: [UnitInput], problems: inout [FrontageProblem]) -> [(
        code: String, geometry: Geometry
    )] {
        var out: [(code: String, geometry: Geometry)] = []
        for u in units {
            switch u.geometry {
            case .polygon, .multiPolygon: out.append((u.code, u.geometry))
            default:
                problems.append(
                    FrontageProblem(
                        layer: .unit, index: u.sourceIndex, id: u.code,
                        reason: "a \(u.geometry.typeName) is not a unit area", skipped: true))
            }
        }
        // Lower codes take land where units overlap.
        return out.enumerated().sorted {
            $0.element.code != $1.element.code ? $0.element.code < $1.element.code : $0.offset < $1.offset
        }.map(\.element)
    }

    // MARK: Carriageways and blocks

    static func frameEnvelope(_ footprints: [NativeGeometry], streets: StreetModel, margin: Double) -> Envelope {
        var e = Envelope.empty
        for f in footprints { e.expand(toInclude: f.envelope) }
        for s in streets.streets { for part in s.parts { for c in part { e.expand(toInclude: c) } } }
        if e.isEmpty { return Envelope(minX: 0, minY: 0, maxX: 1, maxY: 1) }
        return Envelope(minX: e.minX - margin, minY: e.minY - margin, maxX: e.maxX + margin, maxY: e.maxY + margin)
    }

    /// The carriageways (each centreline grown by its half-width, flat at dead ends, round where
    /// streets meet) taken out of the frame: what is left falls apart into blocks of open land.
    static func openLand(_ model: StreetModel, frame: Envelope, ctx: GEOSContext) throws -> [Polygon] {
        var pieces: [NativeGeometry] = []
        for s in model.streets {
            let line = try ctx.geometry(s.parts.count == 1 ? .lineString(s.parts[0]) : .multiLineString(s.parts))
            pieces.append(
                try line.buffer(by: s.halfWidth, quadrantSegments: 8, endCap: .flat, join: .mitre, mitreLimit: 2))
            for (k, part) in s.parts.enumerated() {
                if !s.freeStart[k] {
                    pieces.append(try ctx.geometry(.point(part[0])).buffer(by: s.halfWidth, quadrantSegments: 8))
                }
                if !s.freeEnd[k] {
                    pieces.append(
                        try ctx.geometry(.point(part[part.count - 1])).buffer(by: s.halfWidth, quadrantSegments: 8))
                }
            }
        }
        let rect = try ctx.geometry(
            .polygon(
                Polygon(exterior: [
                    Coordinate(frame.minX, frame.minY), Coordinate(frame.maxX, frame.minY),
                    Coordinate(frame.maxX, frame.maxY),
                    Coordinate(frame.minX, frame.maxY), Coordinate(frame.minX, frame.minY),
                ])))
        guard !pieces.isEmpty else { return try rect.polygonValues() }
        let carriageways = try ctx.union(of: pieces)
        return try rect.difference(with: carriageways).polygonValues()
    }

    /// Which blocks each owner's footprint lies in (a footprint over a carriageway is in several).
    static func placeOwners(
        _ owners: [Owner], in blocks: [Polygon], ctx: GEOSContext, problems: inout [FrontageProblem]
    ) throws -> [BlockInput] {
        let natives = try blocks.map { try ctx.geometry(.polygon($0)) }
        let index = try SpatialIndex(context: ctx)
        for n in natives { try index.insert(n) }
        var prepared = [PreparedGeometry?](repeating: nil, count: blocks.count)
        var inputs = blocks.map { BlockInput(polygon: $0, members: []) }
        for (o, owner) in owners.enumerated() {
            var placed = false
            for b in index.query(intersecting: owner.native) {
                if prepared[b] == nil { prepared[b] = try natives[b].prepared() }
                guard try prepared[b]!.intersects(owner.native) else { continue }
                let clip = try !prepared[b]!.covers(owner.native)
                if clip, try natives[b].intersection(with: owner.native).area <= 1e-9 { continue }
                inputs[b].members.append(BlockInput.Member(owner: o, footprint: owner.polygons, clip: clip))
                placed = true
            }
            if !placed {
                problems.append(
                    FrontageProblem(
                        layer: .frontageUnit, index: owner.sourceIndex, id: owner.id,
                        reason: "the footprint lies on a carriageway: no land in front of it", skipped: false))
            }
        }
        return inputs.filter { !$0.members.isEmpty }
    }

    static func runBlocks(
        _ inputs: [BlockInput], streets: StreetModel, frame: Envelope, options: FrontageOptions,
        grids: [(code: String, geometry: Geometry)], progress: @Sendable (String) -> Void
    ) throws -> [BlockResult] {
        let slots = ResultSlots<BlockResult>(count: inputs.count)
        let next = Counter()
        let done = Counter()
        let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, inputs.count))
        // Large blocks first, so the last one to finish is a small one.
        let order = inputs.indices.sorted {
            inputs[$0].members.count != inputs[$1].members.count
                ? inputs[$0].members.count > inputs[$1].members.count : $0 < $1
        }
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            let worker = FrontageWorker(streets: streets, frame: frame, options: options, grids: grids)
            while true {
                let k = next.increment() - 1
                guard k < order.count else { break }
                slots.set(order[k], .success(worker.process(inputs[order[k]])))
                let n = done.increment()
                if n % 64 == 0 { progress("frontage: block \(n) of \(inputs.count)") }
            }
        }
        return try inputs.indices.map { try slots.get($0) }
    }

    // MARK: Output

    static func assemble(
        _ results: [BlockResult], owners: [Owner], streets: [FrontageStreetInput], ctx: GEOSContext,
        problems: [FrontageProblem]
    ) throws -> FrontageReport {
        struct ZoneKey: Hashable, Comparable {
            var owner: Int
            var key: KerbKey
            var unit: String?
            static func < (a: ZoneKey, b: ZoneKey) -> Bool {
                if a.owner != b.owner { return a.owner < b.owner }
                if a.key != b.key { return a.key < b.key }
                return (a.unit ?? "\u{10FFFF}") < (b.unit ?? "\u{10FFFF}")
            }
        }
        func joined(_ geometries: [Geometry]) throws -> Geometry {
            if geometries.count == 1 { return geometries[0] }
            return try ctx.union(of: geometries.map { try ctx.geometry($0) }).value()
        }
        var zonePieces: [ZoneKey: [ZonePiece]] = [:]
        var uncoveredPieces: [ZoneKey: [UncoveredPiece]] = [:]
        var kerb: [KerbKey: Double] = [:]
        for r in results {
            for z in r.zones { zonePieces[ZoneKey(owner: z.owner, key: z.key, unit: z.unit), default: []].append(z) }
            for u in r.uncovered {
                uncoveredPieces[ZoneKey(owner: -1, key: u.key, unit: u.unit), default: []].append(u)
            }
            for (k, l) in r.kerbMetres { kerb[k, default: 0] += l }
        }
        var zones: [FrontageZone] = []
        var frontageByKey: [KerbKey: Double] = [:]
        for k in zonePieces.keys.sorted() {
            let ps = zonePieces[k]!
            let frontage = ps.reduce(0) { $0 + $1.frontageMetres }
            frontageByKey[k.key, default: 0] += frontage
            zones.append(
                FrontageZone(
                    owner: owners[k.owner].id, street: streets[k.key.street].name, streetIndex: k.key.street,
                    side: k.key.side,
                    unit: k.unit, frontageMetres: frontage, depthMetres: ps.map(\.depthMetres).max() ?? 0,
                    areaSquareMetres: ps.reduce(0) { $0 + $1.areaSquareMetres },
                    geometry: try joined(ps.map(\.geometry))))
        }
        var uncovered: [UncoveredStreetSide] = []
        var uncoveredByKey: [KerbKey: Double] = [:]
        for k in uncoveredPieces.keys.sorted() {
            let ps = uncoveredPieces[k]!
            let length = ps.reduce(0) { $0 + $1.lengthMetres }
            uncoveredByKey[k.key, default: 0] += length
            var lines: [[Coordinate]] = []
            for p in ps {
                switch p.geometry {
                case .lineString(let cs): lines.append(cs)
                case .multiLineString(let ls): lines += ls
                default: break
                }
            }
            uncovered.append(
                UncoveredStreetSide(
                    street: streets[k.key.street].name, streetIndex: k.key.street, side: k.key.side, unit: k.unit,
                    lengthMetres: length, geometry: lines.count == 1 ? .lineString(lines[0]) : .multiLineString(lines)))
        }
        let sides = kerb.keys.sorted().map { k in
            FrontageStreetSide(
                street: streets[k.street].name, streetIndex: k.street, side: k.side, lengthMetres: kerb[k]!,
                frontageMetres: frontageByKey[k] ?? 0, uncoveredMetres: uncoveredByKey[k] ?? 0)
        }
        let withZone = Set(zonePieces.keys.map(\.owner))
        let summary = FrontageSummary(
            ownerCount: owners.count, ownersWithZone: withZone.count,
            ownersWithoutZone: owners.indices.filter { !withZone.contains($0) }.map { owners[$0].id },
            zoneAreaSquareMetres: zones.reduce(0) { $0 + $1.areaSquareMetres },
            frontageMetres: zones.reduce(0) { $0 + $1.frontageMetres },
            kerbMetres: sides.reduce(0) { $0 + $1.lengthMetres },
            uncoveredMetres: uncovered.reduce(0) { $0 + $1.lengthMetres }, streetSides: sides)
        return FrontageReport(zones: zones, uncovered: uncovered, problems: problems, summary: summary)
    }
}

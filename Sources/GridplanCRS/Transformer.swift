import CPROJ
import Foundation
import GridplanGeometry

/// Transforms coordinates from one ``CRS`` to another, always in x = east order
/// (lon/lat for geographic CRSs, easting/northing for projected ones), whatever axis order the
/// CRS declares (`proj_normalize_for_visualization`).
///
/// GCJ-02 and BD-09 are handled around PROJ: a GCJ-02 source is first converted to WGS84 by
/// ``ChinaOffsets``, then PROJ takes WGS84 to the target; a GCJ-02 target is reached through WGS84.
///
/// Not thread-safe: it owns a PROJ context. Create one per task. Creating one is cheap after
/// the first of its pair of CRSs: a transformer that is done hands its PROJ operation back to a
/// pool (``OperationPool``) for the next one.
///
/// ```swift
/// let t = try Transformer(from: .gcj02, to: .epsg(4548))
/// let metres = try t.transform(geometry)
/// ```
public final class Transformer {
    public let source: CRS
    public let target: CRS
    /// nil when the PROJ leg is the identity (e.g. GCJ-02 → WGS84).
    private let operation: PROJOperation?
    private let before: ((Coordinate) -> Coordinate)?
    private let after: ((Coordinate) -> Coordinate)?

    public init(from source: CRS, to target: CRS) throws {
        precondition(MemoryLayout<Coordinate>.stride == 16, "Coordinate must be two packed Doubles")
        self.source = source
        self.target = target
        switch source {
        case .gcj02: before = ChinaOffsets.wgs84(fromGCJ02:)
        case .bd09: before = ChinaOffsets.wgs84(fromBD09:)
        default: before = nil
        }
        switch target {
        case .gcj02: after = ChinaOffsets.gcj02(fromWGS84:)
        case .bd09: after = ChinaOffsets.bd09(fromWGS84:)
        default: after = nil
        }
        if source.projDefinition == target.projDefinition {
            operation = nil
            return
        }
        let key = source.projDefinition + "\u{1F}" + target.projDefinition
        operation = try OperationPool.shared.take(key) ?? PROJOperation(from: source, to: target, key: key)
    }

    deinit {
        if let operation { OperationPool.shared.give(operation) }
    }

    /// Whether this transformer changes nothing.
    public var isIdentity: Bool { operation == nil && before == nil && after == nil }

    /// Transforms a sequence of coordinates in one PROJ call (`proj_trans_generic`).
    /// Throws ``CRSError/transformFailed(index:coordinate:reason:)`` naming the first point PROJ
    /// could not transform.
    public func transform(_ coordinates: [Coordinate]) throws -> [Coordinate] {
        if isIdentity || coordinates.isEmpty { return coordinates }
        var out = coordinates
        if let before { for i in out.indices { out[i] = before(out[i]) } }
        if let operation {
            let pj = operation.handle
            proj_errno_reset(pj)
            let n = out.count
            out.withUnsafeMutableBytes { raw in
                let xs = raw.baseAddress!.assumingMemoryBound(to: Double.self)
                let ys = (raw.baseAddress! + 8).assumingMemoryBound(to: Double.self)
                // returns the number of points transformed; failed points become HUGE_VAL
                _ = proj_trans_generic(pj, PJ_FWD, xs, 16, n, ys, 16, n, nil, 0, 0, nil, 0, 0)
            }
            if let bad = out.firstIndex(where: { !$0.isFinite }) {
                let code = proj_errno(pj)
                let reason =
                    code != 0
                    ? (proj_context_errno_string(operation.context.handle, code).map { String(cString: $0) }
                        ?? "PROJ error \(code)") : "outside the CRS's domain"
                throw CRSError.transformFailed(index: bad, coordinate: coordinates[bad], reason: reason)
            }
        }
        if let after { for i in out.indices { out[i] = after(out[i]) } }
        return out
    }

    /// Transforms one coordinate.
    public func transform(_ coordinate: Coordinate) throws -> Coordinate {
        try transform([coordinate])[0]
    }

    /// Transforms every coordinate of a geometry, one PROJ call per line or ring.
    public func transform(_ geometry: Geometry) throws -> Geometry {
        if isIdentity { return geometry }
        return try geometry.mappingSequences(transform)
    }

    /// Where a batch failed: the geometry that cannot be transformed on its own (its index in
    /// the batch) and why; `index` is nil when none fails alone.
    public struct BatchError: Error, CustomStringConvertible {
        public var index: Int?
        public var underlying: any Error
        public var description: String { "\(underlying)" }
    }

    /// Transforms a batch of geometries (nil stays nil) in one PROJ call; when that fails, one by
    /// one to find the first that fails, so that an error can name its feature.
    /// - Throws: ``BatchError``.
    public func transform(batch geometries: [Geometry?]) throws -> [Geometry?] {
        if isIdentity { return geometries }
        let moved: [Geometry]
        do {
            moved = try transform(geometries.compactMap { $0 })
        } catch {
            for (i, g) in geometries.enumerated() {
                do {
                    _ = try g.map { try transform($0) }
                } catch let alone {
                    throw BatchError(index: i, underlying: alone)
                }
            }
            throw BatchError(index: nil, underlying: error)
        }
        var next = moved.makeIterator()
        return geometries.map { $0 == nil ? nil : next.next() }
    }

    /// Transforms many geometries with one PROJ call for all their coordinates
    /// (`proj_trans_generic`): a batch of points costs one call instead of one each.
    /// - Throws: ``CRSError/transformFailed(index:coordinate:reason:)`` for the first coordinate
    ///   PROJ could not transform, its index counted across the whole batch; transform the
    ///   geometries one by one to learn which one it is.
    ///
    /// ```swift
    /// let moved = try Transformer(from: .wgs84, to: .epsg(4548)).transform(points)
    /// ```
    public func transform(_ geometries: [Geometry]) throws -> [Geometry] {
        if isIdentity { return geometries }
        var flat: [Coordinate] = []
        flat.reserveCapacity(geometries.reduce(0) { $0 + $1.coordinateCount })
        for g in geometries { g.forEachCoordinate { flat.append($0) } }
        let moved = try transform(flat)
        var next = 0
        return geometries.map { g in
            // mappingSequences visits the sequences in the order forEachCoordinate gave them.
            g.mappingSequences { sequence in
                defer { next += sequence.count }
                return Array(moved[next..<(next + sequence.count)])
            }
        }
    }
}

/// A PROJ operation between two CRSs, normalised to x = east order, with the context that owns
/// it. Making one searches PROJ's database for every operation between the two CRSs (about 30 ms
/// for CGCS2000 to a Gauss-Krüger zone); a command makes the same few pairs again and again (each
/// input, each output, the fit checks), so operations are pooled, not remade.
final class PROJOperation: @unchecked Sendable {
    let context: PROJContext
    let handle: OpaquePointer
    /// The pair of PROJ definitions it links (the pool's key).
    let key: String

    init(from source: CRS, to target: CRS, key: String) throws {
        let context = try PROJContext()
        let src = try context.crs(source)
        defer { proj_destroy(src) }
        let dst = try context.crs(target)
        defer { proj_destroy(dst) }
        // NULL when no operation links the two CRSs
        guard let op = proj_create_crs_to_crs_from_pj(context.handle, src, dst, nil, nil) else {
            throw CRSError.noTransformation(from: source.identifier, to: target.identifier, reason: context.lastError)
        }
        defer { proj_destroy(op) }
        // NULL on failure
        guard let normalized = proj_normalize_for_visualization(context.handle, op) else {
            throw CRSError.noTransformation(from: source.identifier, to: target.identifier, reason: context.lastError)
        }
        self.context = context
        handle = normalized
        self.key = key
    }

    deinit { proj_destroy(handle) }
}

/// The PROJ operations no transformer is using, by pair of CRSs. An operation is used by one
/// transformer at a time (PROJ objects are not thread-safe) and given back when it is done; a
/// transformer of the same pair takes it instead of making its own. PROJ keeps no state between
/// calls that changes a result (each coordinate picks its operation afresh), so a pooled one
/// transforms exactly as a new one would.
final class OperationPool: @unchecked Sendable {
    static let shared = OperationPool()
    /// Idle operations kept per pair: one per core covers the parallel readers.
    static let idleLimit = 16

    private let lock = NSLock()
    private var idle: [String: [PROJOperation]] = [:]

    func take(_ key: String) -> PROJOperation? {
        lock.withLock { idle[key]?.popLast() }
    }

    func give(_ operation: PROJOperation) {
        lock.withLock {
            if idle[operation.key, default: []].count < Self.idleLimit {
                idle[operation.key, default: []].append(operation)
            }
        }
    }

    /// How many operations are idle for the pair `key` (for tests).
    func idleCount(_ key: String) -> Int { lock.withLock { idle[key]?.count ?? 0 } }
}

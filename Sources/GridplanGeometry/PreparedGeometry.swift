import CGEOS

/// A geometry indexed for repeated predicate tests against many others (`GEOSPrepare_r`).
/// Keeps its base geometry alive; frees the prepared handle exactly once.
///
/// ```swift
/// let zone = try community.prepared()
/// let inside = try points.filter { try zone.covers($0) }
/// ```
public final class PreparedGeometry {
    public let base: NativeGeometry
    private let pointer: OpaquePointer

    init(_ base: NativeGeometry) throws {
        // NULL on exception
        guard let p = GEOSPrepare_r(base.context.handle, base.pointer) else {
            throw base.context.error("GEOSPrepare_r")
        }
        self.base = base
        self.pointer = p
    }

    deinit { GEOSPreparedGeom_destroy_r(base.context.handle, pointer) }

    private func test(
        _ other: NativeGeometry, _ name: String, _ fn: (GEOSContextHandle_t, OpaquePointer, OpaquePointer) -> CChar
    ) throws -> Bool {
        base.sameContext(other)
        // 2 on exception
        return try base.context.predicate(fn(base.context.handle, pointer, other.pointer), name)
    }

    /// Calls `GEOSPreparedIntersects_r`.
    public func intersects(_ other: NativeGeometry) throws -> Bool {
        try test(other, "GEOSPreparedIntersects_r", GEOSPreparedIntersects_r)
    }
    /// Calls `GEOSPreparedContains_r`.
    public func contains(_ other: NativeGeometry) throws -> Bool {
        try test(other, "GEOSPreparedContains_r", GEOSPreparedContains_r)
    }
    /// Calls `GEOSPreparedContainsProperly_r`.
    public func containsProperly(_ other: NativeGeometry) throws -> Bool {
        try test(other, "GEOSPreparedContainsProperly_r", GEOSPreparedContainsProperly_r)
    }
    /// Calls `GEOSPreparedCovers_r`.
    public func covers(_ other: NativeGeometry) throws -> Bool {
        try test(other, "GEOSPreparedCovers_r", GEOSPreparedCovers_r)
    }
    /// Calls `GEOSPreparedCoveredBy_r`.
    public func isCovered(by other: NativeGeometry) throws -> Bool {
        try test(other, "GEOSPreparedCoveredBy_r", GEOSPreparedCoveredBy_r)
    }
    /// Calls `GEOSPreparedWithin_r`.
    public func isWithin(_ other: NativeGeometry) throws -> Bool {
        try test(other, "GEOSPreparedWithin_r", GEOSPreparedWithin_r)
    }
    /// Calls `GEOSPreparedTouches_r`.
    public func touches(_ other: NativeGeometry) throws -> Bool {
        try test(other, "GEOSPreparedTouches_r", GEOSPreparedTouches_r)
    }

    /// Whether `other` comes within `distance` of this geometry (`GEOSPreparedDistanceWithin_r`,
    /// indexed facet distance).
    public func isWithinDistance(_ distance: Double, of other: NativeGeometry) throws -> Bool {
        base.sameContext(other)
        // 2 on exception
        return try base.context.predicate(
            GEOSPreparedDistanceWithin_r(base.context.handle, pointer, other.pointer, distance),
            "GEOSPreparedDistanceWithin_r")
    }
}

extension NativeGeometry {
    /// This geometry prepared for fast repeated predicates.
    public func prepared() throws -> PreparedGeometry { try PreparedGeometry(self) }
}

import CGEOS

// MARK: - Predicates

extension NativeGeometry {
    /// Whether the geometries share any point. Calls `GEOSIntersects_r`.
    public func intersects(_ other: NativeGeometry) throws -> Bool {
        sameContext(other)
        // 2 on exception
        return try context.predicate(GEOSIntersects_r(handle, pointer, other.pointer), "GEOSIntersects_r")
    }

    /// Whether `other` lies in this geometry with at least one interior point in common. Calls `GEOSContains_r`.
    public func contains(_ other: NativeGeometry) throws -> Bool {
        sameContext(other)
        // 2 on exception
        return try context.predicate(GEOSContains_r(handle, pointer, other.pointer), "GEOSContains_r")
    }

    /// Whether every point of `other` lies in this geometry (boundary included). Calls `GEOSCovers_r`.
    public func covers(_ other: NativeGeometry) throws -> Bool {
        sameContext(other)
        // 2 on exception
        return try context.predicate(GEOSCovers_r(handle, pointer, other.pointer), "GEOSCovers_r")
    }

    /// Whether this geometry is covered by `other`. Calls `GEOSCoveredBy_r`.
    public func isCovered(by other: NativeGeometry) throws -> Bool {
        sameContext(other)
        // 2 on exception
        return try context.predicate(GEOSCoveredBy_r(handle, pointer, other.pointer), "GEOSCoveredBy_r")
    }

    /// Whether this geometry lies within `other`. Calls `GEOSWithin_r`.
    public func isWithin(_ other: NativeGeometry) throws -> Bool {
        sameContext(other)
        // 2 on exception
        return try context.predicate(GEOSWithin_r(handle, pointer, other.pointer), "GEOSWithin_r")
    }

    /// Whether the geometries touch only at their boundaries. Calls `GEOSTouches_r`.
    public func touches(_ other: NativeGeometry) throws -> Bool {
        sameContext(other)
        // 2 on exception
        return try context.predicate(GEOSTouches_r(handle, pointer, other.pointer), "GEOSTouches_r")
    }

    /// Whether the geometries are topologically equal. Calls `GEOSEquals_r`.
    public func isTopologicallyEqual(to other: NativeGeometry) throws -> Bool {
        sameContext(other)
        // 2 on exception
        return try context.predicate(GEOSEquals_r(handle, pointer, other.pointer), "GEOSEquals_r")
    }

    /// The DE-9IM intersection matrix, e.g. `"212101212"`. Calls `GEOSRelate_r`.
    public func relate(_ other: NativeGeometry) throws -> String {
        sameContext(other)
        // NULL on exception
        guard let m = GEOSRelate_r(handle, pointer, other.pointer) else { throw context.error("GEOSRelate_r") }
        defer { GEOSFree_r(handle, m) }
        return String(cString: m)
    }

    /// Whether the DE-9IM matrix matches `pattern` (e.g. `"T*T***T**"`). Calls `GEOSRelatePattern_r`.
    public func relate(_ other: NativeGeometry, matches pattern: String) throws -> Bool {
        sameContext(other)
        // 2 on exception
        return try context.predicate(
            GEOSRelatePattern_r(handle, pointer, other.pointer, pattern), "GEOSRelatePattern_r")
    }

    /// Minimum Cartesian distance. Calls `GEOSDistance_r`.
    public func distance(to other: NativeGeometry) throws -> Double {
        sameContext(other)
        var d = 0.0
        // 0 on exception
        guard GEOSDistance_r(handle, pointer, other.pointer, &d) != 0 else { throw context.error("GEOSDistance_r") }
        return d
    }
}

// MARK: - Overlay

extension NativeGeometry {
    /// The points shared by both geometries. Calls `GEOSIntersection_r`, or
    /// `GEOSIntersectionPrec_r` with a grid size (results snapped to that grid, robust).
    public func intersection(with other: NativeGeometry, gridSize: Double? = nil) throws -> NativeGeometry {
        sameContext(other)
        if let gridSize {
            // NULL on exception
            return try context.owned(
                GEOSIntersectionPrec_r(handle, pointer, other.pointer, gridSize), "GEOSIntersectionPrec_r")
        }
        return try context.owned(GEOSIntersection_r(handle, pointer, other.pointer), "GEOSIntersection_r")
    }

    /// The points of this geometry not in `other`. Calls `GEOSDifference_r` / `GEOSDifferencePrec_r`.
    public func difference(with other: NativeGeometry, gridSize: Double? = nil) throws -> NativeGeometry {
        sameContext(other)
        if let gridSize {
            // NULL on exception
            return try context.owned(
                GEOSDifferencePrec_r(handle, pointer, other.pointer, gridSize), "GEOSDifferencePrec_r")
        }
        return try context.owned(GEOSDifference_r(handle, pointer, other.pointer), "GEOSDifference_r")
    }

    /// The points in either geometry but not both. Calls `GEOSSymDifference_r` / `GEOSSymDifferencePrec_r`.
    public func symmetricDifference(with other: NativeGeometry, gridSize: Double? = nil) throws -> NativeGeometry {
        sameContext(other)
        if let gridSize {
            // NULL on exception
            return try context.owned(
                GEOSSymDifferencePrec_r(handle, pointer, other.pointer, gridSize), "GEOSSymDifferencePrec_r")
        }
        // NULL on exception
        return try context.owned(GEOSSymDifference_r(handle, pointer, other.pointer), "GEOSSymDifference_r")
    }

    /// The points in either geometry. Calls `GEOSUnion_r` / `GEOSUnionPrec_r`.
    public func union(with other: NativeGeometry, gridSize: Double? = nil) throws -> NativeGeometry {
        sameContext(other)
        if let gridSize {
            // NULL on exception
            return try context.owned(GEOSUnionPrec_r(handle, pointer, other.pointer, gridSize), "GEOSUnionPrec_r")
        }
        return try context.owned(GEOSUnion_r(handle, pointer, other.pointer), "GEOSUnion_r")
    }

    /// The union of all parts of this geometry (dissolve). Calls `GEOSUnaryUnion_r` / `GEOSUnaryUnionPrec_r`.
    public func unaryUnion(gridSize: Double? = nil) throws -> NativeGeometry {
        if let gridSize {
            // NULL on exception
            return try context.owned(GEOSUnaryUnionPrec_r(handle, pointer, gridSize), "GEOSUnaryUnionPrec_r")
        }
        return try context.owned(GEOSUnaryUnion_r(handle, pointer), "GEOSUnaryUnion_r")
    }

    /// Union of a polygonal coverage (parts that meet only along identical shared edges).
    /// Much faster than ``unaryUnion(gridSize:)``, but the result is wrong when parts overlap
    /// or their shared edges do not match. Calls `GEOSCoverageUnion_r`.
    public func coverageUnion() throws -> NativeGeometry {
        // NULL on exception
        try context.owned(GEOSCoverageUnion_r(handle, pointer), "GEOSCoverageUnion_r")
    }
}

extension GEOSContext {
    /// A collection owning copies of `geometries`. Calls `GEOSGeom_createCollection_r`.
    public func collection(_ geometries: [NativeGeometry], kind: NativeGeometry.Kind = .geometryCollection) throws
        -> NativeGeometry
    {
        var clones: [OpaquePointer?] = []
        clones.reserveCapacity(geometries.count)
        for g in geometries {
            precondition(g.context === self, "geometries from different GEOSContexts cannot be combined")
            // NULL on exception
            guard let c = GEOSGeom_clone_r(handle, g.pointer) else {
                for c in clones { GEOSGeom_destroy_r(handle, c) }
                throw error("GEOSGeom_clone_r")
            }
            clones.append(c)
        }
        let result = clones.withUnsafeMutableBufferPointer { buf in
            // NULL on exception; takes ownership of the clones
            GEOSGeom_createCollection_r(handle, kind.rawValue, buf.baseAddress, UInt32(buf.count))
        }
        return try owned(result, "GEOSGeom_createCollection_r")
    }

    /// Union of many geometries at once (cascaded). Calls `GEOSUnaryUnion_r` on a collection.
    public func union(of geometries: [NativeGeometry], gridSize: Double? = nil) throws -> NativeGeometry {
        try collection(geometries).unaryUnion(gridSize: gridSize)
    }

    /// Polygons formed by the noded linework of `lines`. Calls `GEOSPolygonize_r`.
    public func polygonize(_ lines: [NativeGeometry]) throws -> NativeGeometry {
        let pointers: [OpaquePointer?] = lines.map {
            precondition($0.context === self)
            return $0.pointer
        }
        let result = pointers.withUnsafeBufferPointer { buf in
            // NULL on exception
            GEOSPolygonize_r(handle, buf.baseAddress, UInt32(buf.count))
        }
        return try owned(result, "GEOSPolygonize_r")
    }

    /// Like ``polygonize(_:)``, but returns only polygons that together form a valid polygonal
    /// geometry: where cells share edges, GEOS keeps alternate ones (a checkerboard), so this is
    /// for recovering shells and holes from rings, not for cutting a plane into cells.
    /// Calls `GEOSPolygonize_valid_r`.
    public func polygonizeValid(_ lines: [NativeGeometry]) throws -> NativeGeometry {
        let pointers: [OpaquePointer?] = lines.map {
            precondition($0.context === self)
            return $0.pointer
        }
        let result = pointers.withUnsafeBufferPointer { buf in
            // NULL on exception
            GEOSPolygonize_valid_r(handle, buf.baseAddress, UInt32(buf.count))
        }
        return try owned(result, "GEOSPolygonize_valid_r")
    }
}

/// What ``NativeGeometry/polygonizeFull()`` returns: polygons and the linework that formed none.
public struct PolygonizeResult {
    public var polygons: NativeGeometry
    /// Edges connected at both ends but not part of any polygon.
    public var cuts: NativeGeometry
    /// Edges with a free end.
    public var dangles: NativeGeometry
    /// Closed rings that did not form valid polygons.
    public var invalidRings: NativeGeometry
}

// MARK: - Linework

extension NativeGeometry {
    /// Noded linework: lines split at every intersection, duplicates removed. Calls `GEOSNode_r`.
    public func noded() throws -> NativeGeometry {
        // NULL on exception
        try context.owned(GEOSNode_r(handle, pointer), "GEOSNode_r")
    }

    /// Lines merged into maximal sequences where they meet end to end. Calls `GEOSLineMerge_r`.
    public func lineMerged() throws -> NativeGeometry {
        // NULL on exception
        try context.owned(GEOSLineMerge_r(handle, pointer), "GEOSLineMerge_r")
    }

    /// Polygonizes this (noded) linework and also returns cut edges, dangles and invalid rings.
    /// Calls `GEOSPolygonize_full_r`.
    public func polygonizeFull() throws -> PolygonizeResult {
        var cuts: OpaquePointer?
        var dangles: OpaquePointer?
        var invalid: OpaquePointer?
        // NULL on exception
        let polys = GEOSPolygonize_full_r(handle, pointer, &cuts, &dangles, &invalid)
        guard let polys, let cuts, let dangles, let invalid else {
            for p in [polys, cuts, dangles, invalid] { if let p { GEOSGeom_destroy_r(handle, p) } }
            throw context.error("GEOSPolygonize_full_r")
        }
        return PolygonizeResult(
            polygons: NativeGeometry(owning: polys, in: context),
            cuts: NativeGeometry(owning: cuts, in: context),
            dangles: NativeGeometry(owning: dangles, in: context),
            invalidRings: NativeGeometry(owning: invalid, in: context)
        )
    }

    /// The boundary (rings of a polygon, end points of a line). Calls `GEOSBoundary_r`.
    public func boundary() throws -> NativeGeometry {
        // NULL on exception
        try context.owned(GEOSBoundary_r(handle, pointer), "GEOSBoundary_r")
    }
}

// MARK: - Measures and constructions

/// Cap and join styles for ``NativeGeometry/buffer(by:quadrantSegments:endCap:join:mitreLimit:)``.
public enum BufferEndCap: Int32, Sendable {
    case round = 1
    case flat = 2
    case square = 3
}
public enum BufferJoin: Int32, Sendable {
    case round = 1
    case mitre = 2
    case bevel = 3
}

/// The largest circle inside a polygon: its centre and radius.
public struct InscribedCircle: Sendable, Equatable {
    public var center: Coordinate
    public var radius: Double
    /// Twice the radius: the "width" of the polygon at its widest point.
    public var diameter: Double { radius * 2 }
}

extension NativeGeometry {
    /// Area in the square units of the coordinates (m² in a projected metric CRS). Calls `GEOSArea_r`.
    public var area: Double {
        get throws {
            var a = 0.0
            // 0 on exception
            guard GEOSArea_r(handle, pointer, &a) != 0 else { throw context.error("GEOSArea_r") }
            return a
        }
    }

    /// Length of lines, or perimeter of polygons. Calls `GEOSLength_r`.
    public var length: Double {
        get throws {
            var l = 0.0
            // 0 on exception
            guard GEOSLength_r(handle, pointer, &l) != 0 else { throw context.error("GEOSLength_r") }
            return l
        }
    }

    /// The centre of mass. Calls `GEOSGetCentroid_r`.
    public var centroid: NativeGeometry {
        get throws {
            // NULL on exception
            try context.owned(GEOSGetCentroid_r(handle, pointer), "GEOSGetCentroid_r")
        }
    }

    /// A point guaranteed to lie in the interior of the geometry. Calls `GEOSPointOnSurface_r`.
    public var pointOnSurface: NativeGeometry {
        get throws {
            // NULL on exception
            try context.owned(GEOSPointOnSurface_r(handle, pointer), "GEOSPointOnSurface_r")
        }
    }

    /// The coordinate of a point geometry. Calls `GEOSGeomGetX_r` / `GEOSGeomGetY_r`.
    public var pointCoordinate: Coordinate {
        get throws {
            var c = Coordinate(0, 0)
            // 0 on exception (not a point, or empty)
            guard GEOSGeomGetX_r(handle, pointer, &c.x) != 0, GEOSGeomGetY_r(handle, pointer, &c.y) != 0 else {
                throw context.error("GEOSGeomGetX_r", "not a non-empty point")
            }
            return c
        }
    }

    /// The convex hull. Calls `GEOSConvexHull_r`.
    public func convexHull() throws -> NativeGeometry {
        // NULL on exception
        try context.owned(GEOSConvexHull_r(handle, pointer), "GEOSConvexHull_r")
    }

    /// The geometry grown (or shrunk, for negative distances) by `distance`.
    /// Calls `GEOSBufferWithStyle_r`.
    /// ```swift
    /// let disc = try point.buffer(by: 10)   // area ≈ 314 m²
    /// ```
    public func buffer(
        by distance: Double, quadrantSegments: Int = 8, endCap: BufferEndCap = .round,
        join: BufferJoin = .round, mitreLimit: Double = 5
    ) throws -> NativeGeometry {
        // NULL on exception
        try context.owned(
            GEOSBufferWithStyle_r(
                handle, pointer, distance, Int32(quadrantSegments), endCap.rawValue, join.rawValue, mitreLimit),
            "GEOSBufferWithStyle_r")
    }

    /// The largest inscribed circle of a polygon, to within `tolerance`.
    /// Calls `GEOSMaximumInscribedCircle_r`, whose result is a line from the centre to the
    /// nearest boundary point.
    public func maximumInscribedCircle(tolerance: Double) throws -> InscribedCircle {
        // NULL on exception
        let line = try context.owned(
            GEOSMaximumInscribedCircle_r(handle, pointer, tolerance), "GEOSMaximumInscribedCircle_r")
        guard case .lineString(let cs) = try line.value(), cs.count == 2 else {
            throw GeometryError(operation: "GEOSMaximumInscribedCircle_r", message: "unexpected result shape")
        }
        return InscribedCircle(center: cs[0], radius: cs[0].distance(to: cs[1]))
    }

    /// A simplified copy that keeps the topology of each part (no self-intersections, holes stay
    /// inside). Calls `GEOSTopologyPreserveSimplify_r`.
    public func simplified(tolerance: Double) throws -> NativeGeometry {
        // NULL on exception
        try context.owned(GEOSTopologyPreserveSimplify_r(handle, pointer, tolerance), "GEOSTopologyPreserveSimplify_r")
    }

    /// A copy with every coordinate snapped to a grid of `gridSize`, topology repaired so the
    /// result stays valid. Calls `GEOSGeom_setPrecision_r`.
    public func snapped(toGrid gridSize: Double, keepCollapsed: Bool = false) throws -> NativeGeometry {
        let flags: Int32 = keepCollapsed ? Int32(GEOS_PREC_KEEP_COLLAPSED.rawValue) : 0
        // NULL on exception
        return try context.owned(GEOSGeom_setPrecision_r(handle, pointer, gridSize, flags), "GEOSGeom_setPrecision_r")
    }

    /// A copy with its vertices moved onto `other`'s vertices within `tolerance`, and `other`'s
    /// vertices within `tolerance` of one of its segments inserted into that segment, so edges
    /// drawn twice a hair apart become the same vertices. The result can be invalid where the
    /// snap folds a part onto itself: check it. Calls `GEOSSnap_r`.
    ///
    /// ```swift
    /// let fresh = try ctx.geometry(.polygon(Polygon(exterior: [Coordinate(0, 0), Coordinate(10.0004, 0), ...])))
    /// let onto = try fresh.snapped(to: kept, tolerance: 0.001)   // (10.0004, 0) becomes kept's (10, 0)
    /// ```
    public func snapped(to other: NativeGeometry, tolerance: Double) throws -> NativeGeometry {
        sameContext(other)
        // NULL on exception
        return try context.owned(GEOSSnap_r(handle, pointer, other.pointer, tolerance), "GEOSSnap_r")
    }

    /// A normalised copy (canonical vertex and part order), useful for comparisons.
    /// Calls `GEOSNormalize_r`.
    public func normalized() throws -> NativeGeometry {
        let copy = try cloned()
        // -1 on exception
        guard GEOSNormalize_r(handle, copy.pointer) == 0 else { throw context.error("GEOSNormalize_r") }
        return copy
    }
}

// MARK: - Voronoi

extension NativeGeometry {
    /// The Voronoi diagram of this geometry's vertices: one convex cell per distinct site, each the
    /// land nearer to its site than to any other, clipped to the larger of `extent`'s envelope and
    /// an envelope around the sites. Cells come back as a collection of polygons in GEOS's order,
    /// not the order of the sites: find a cell's site as the one site inside it.
    /// Calls `GEOSVoronoiDiagram_r`.
    ///
    /// ```swift
    /// let sites = try ctx.geometry(.multiPoint([Coordinate(0, 0), Coordinate(10, 0)]))
    /// let cells = try sites.voronoiDiagram()   // two half-planes split at x = 5, clipped
    /// ```
    /// - Parameters:
    ///   - extent: a geometry whose envelope the diagram must cover at least; nil for the sites' own.
    ///   - tolerance: sites closer than this are merged (0 keeps every distinct site).
    public func voronoiDiagram(extent: NativeGeometry? = nil, tolerance: Double = 0) throws -> NativeGeometry {
        if let extent { sameContext(extent) }
        // NULL on exception
        return try context.owned(
            GEOSVoronoiDiagram_r(handle, pointer, extent?.pointer, tolerance, 0), "GEOSVoronoiDiagram_r")
    }
}

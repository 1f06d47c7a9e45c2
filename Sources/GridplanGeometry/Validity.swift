import CGEOS

/// One reason a geometry is invalid, and where.
public struct ValidityIssue: Sendable, Equatable, CustomStringConvertible {
    /// Index of the polygon part within a multipolygon or collection, or nil for the whole geometry.
    public var partIndex: Int?
    /// GEOS's reason, e.g. "Self-intersection" or "Ring Self-intersection".
    public var reason: String
    /// The point where GEOS found the problem.
    public var location: Coordinate?

    public init(partIndex: Int?, reason: String, location: Coordinate?) {
        self.partIndex = partIndex
        self.reason = reason
        self.location = location
    }

    public var description: String {
        var s = reason
        if let location { s += " at \(location)" }
        if let partIndex { s += " (part \(partIndex))" }
        return s
    }
}

/// What make-valid found and did.
public struct ValidityReport: Sendable, Equatable {
    /// Every problem found: one per invalid part, plus one for the whole when parts conflict.
    public var issues: [ValidityIssue]
    /// Area before and after repair (0 for non-polygonal geometries).
    public var areaBefore: Double
    public var areaAfter: Double

    public var wasValid: Bool { issues.isEmpty }
}

extension NativeGeometry {
    /// Whether the geometry is valid under OGC rules. Calls `GEOSisValid_r`.
    public var isValid: Bool {
        get throws {
            // 2 on exception
            try context.predicate(GEOSisValid_r(handle, pointer), "GEOSisValid_r")
        }
    }

    /// The first reason the geometry is invalid, and where; nil when valid.
    /// Calls `GEOSisValidDetail_r`.
    public func invalidity() throws -> ValidityIssue? {
        var reason: UnsafeMutablePointer<CChar>?
        var location: OpaquePointer?
        // 1 valid, 0 invalid, 2 exception
        let r = GEOSisValidDetail_r(handle, pointer, 0, &reason, &location)
        defer {
            if let reason { GEOSFree_r(handle, reason) }
            if let location { GEOSGeom_destroy_r(handle, location) }
        }
        switch r {
        case 1: return nil
        case 0:
            var at: Coordinate?
            if let location {
                var c = Coordinate(0, 0)
                if GEOSGeomGetX_r(handle, location, &c.x) != 0, GEOSGeomGetY_r(handle, location, &c.y) != 0 { at = c }
            }
            return ValidityIssue(partIndex: nil, reason: reason.map { String(cString: $0) } ?? "invalid", location: at)
        default:
            throw context.error("GEOSisValidDetail_r")
        }
    }

    /// Every validity problem: each part of a collection is checked on its own, then the whole
    /// (which catches overlapping parts of a multipolygon).
    public func validityIssues() throws -> [ValidityIssue] {
        switch kind {
        case .multiPolygon, .geometryCollection, .multiLineString:
            var issues: [ValidityIssue] = []
            for (i, part) in parts.enumerated() {
                if var issue = try part.invalidity() {
                    issue.partIndex = i
                    issues.append(issue)
                }
            }
            if issues.isEmpty, let whole = try invalidity() { issues.append(whole) }
            return issues
        default:
            return try invalidity().map { [$0] } ?? []
        }
    }

    /// A valid copy and a report of what was wrong and where.
    ///
    /// Uses GEOS's "structure" method, which keeps the area a person meant (a bow-tie becomes two
    /// triangles, a hole touching the shell is cut out) and drops collapsed parts unless
    /// `keepCollapsed`. Calls `GEOSMakeValidWithParams_r`.
    public func madeValid(keepCollapsed: Bool = false) throws -> (geometry: NativeGeometry, report: ValidityReport) {
        let issues = try validityIssues()
        let areaBefore = (try? area) ?? 0
        if issues.isEmpty {
            return (try cloned(), ValidityReport(issues: [], areaBefore: areaBefore, areaAfter: areaBefore))
        }
        // NULL on exception
        guard let params = GEOSMakeValidParams_create_r(handle) else {
            throw context.error("GEOSMakeValidParams_create_r")
        }
        defer { GEOSMakeValidParams_destroy_r(handle, params) }
        // 0 on exception
        guard GEOSMakeValidParams_setMethod_r(handle, params, GEOS_MAKE_VALID_STRUCTURE) != 0,
            GEOSMakeValidParams_setKeepCollapsed_r(handle, params, keepCollapsed ? 1 : 0) != 0
        else { throw context.error("GEOSMakeValidParams_set") }
        let fixed = try context.owned(GEOSMakeValidWithParams_r(handle, pointer, params), "GEOSMakeValidWithParams_r")
        return (fixed, ValidityReport(issues: issues, areaBefore: areaBefore, areaAfter: (try? fixed.area) ?? 0))
    }
}

import GridplanGeometry

/// Simplifies a set of polygons so that neighbours keep sharing their borders exactly: every
/// border is simplified once and used by both sides, so no gap or overlap appears.
///
/// The outlines are noded together and merged into edges between junctions; the edges are
/// simplified jointly (topology-preserving, so no edge crosses another and junctions stay put);
/// the simplified edges are polygonized and each face goes back to the polygon it overlaps most.
public enum CoverageSimplifier {
    /// - Parameters:
    ///   - polygons: polygons or multipolygons in a metric CRS; other geometries are returned as they are.
    ///   - toleranceMetres: Douglas-Peucker distance tolerance.
    /// - Returns: one geometry per input, in order.
    public static func simplify(_ geometries: [Geometry?], toleranceMetres: Double) throws -> [Geometry?] {
        let ctx = GEOSContext()
        var polygonIndices: [Int] = []
        var natives: [NativeGeometry] = []
        for (i, g) in geometries.enumerated() {
            guard let g else { continue }
            switch g {
            case .polygon, .multiPolygon:
                guard !g.isEmpty else { continue }
                natives.append(try CoverageModel.validPolygonal(g, in: ctx))
                polygonIndices.append(i)
            default: continue
            }
        }
        var result = geometries
        // Lines are simplified on their own; points stay.
        for (i, g) in geometries.enumerated() {
            guard let g else { continue }
            switch g {
            case .lineString, .multiLineString:
                result[i] = try ctx.geometry(g).simplified(tolerance: toleranceMetres).value()
            default: break
            }
        }
        guard !natives.isEmpty else { return result }
        let edges = try ctx.collection(natives.map { try $0.boundary() }).unaryUnion().lineMerged()
        // Borders that were two slightly different lines (digitising noise) may simplify to the same
        // line: the union removes such duplicates, which polygonize cannot take.
        let simplified = try edges.simplified(tolerance: toleranceMetres).unaryUnion()
        let faces = try CoverageCheck.polygons(of: ctx.polygonize(simplified.parts)).filter { try $0.area > 0 }
        let index = try SpatialIndex(context: ctx)
        for n in natives { try index.insert(n) }
        var facesOf = [[NativeGeometry]](repeating: [], count: natives.count)
        for face in faces {
            var best: (Int, Double)?
            for k in index.query(intersecting: face) {
                let shared = try face.intersection(with: natives[k]).area
                if shared > (best?.1 ?? 0) { best = (k, shared) }
            }
            // A face overlapping no polygon fills a hole of the coverage: it stays a hole.
            if let best { facesOf[best.0].append(face) }
        }
        for (k, i) in polygonIndices.enumerated() {
            result[i] = facesOf[k].isEmpty ? geometries[i] : try ctx.collection(facesOf[k]).coverageUnion().value()
        }
        return result
    }
}

import GridplanGeometry

/// The way back through a transformer that returns every coordinate it carried to the very bits
/// it started from. A transform and its inverse agree only to the last few bits, so a grid kept
/// as it was and a new grid drawn beside it in metres would, once sent back, share their edge
/// a few nanometres apart; through an `ExactInverse` both carry the kept grid's own coordinates.
/// Coordinates the transformer never carried (a new vertex) take the inverse transform.
///
/// ```swift
/// let toMetres = try Transformer(from: .cgcs2000, to: .epsg(4548))
/// let back = try ExactInverse(of: toMetres, sources: keptGrids)
/// let written = try back.transform(newGridInMetres)   // its vertices on a kept grid are the kept grid's own
/// ```
public struct ExactInverse {
    private let inverse: Transformer
    /// Each carried coordinate (in the target CRS) and the coordinate it came from.
    private var origin: [Coordinate: Coordinate] = [:]

    /// - Parameters:
    ///   - forward: the transformer the sources went through.
    ///   - sources: geometries in `forward.source`. Where two source coordinates land on the same
    ///     target coordinate the first wins, so give the geometries whose coordinates must come
    ///     back first.
    public init(of forward: Transformer, sources: [Geometry]) throws {
        inverse = try Transformer(from: forward.target, to: forward.source)
        for g in sources {
            var original: [Coordinate] = []
            g.forEachCoordinate { original.append($0) }
            var k = 0
            try forward.transform(g).forEachCoordinate { c in
                if origin[c] == nil { origin[c] = original[k] }
                k += 1
            }
        }
    }

    /// `g` (in the forward transformer's target CRS) in its source CRS: carried coordinates as
    /// they were given, others through the inverse transform.
    public func transform(_ g: Geometry) throws -> Geometry {
        try g.mappingSequences { sequence in
            let back = try inverse.transform(sequence)
            return zip(sequence, back).map { origin[$0] ?? $1 }
        }
    }
}

import Foundation
import GridplanGeometry

/// The width of gap pieces: the diameter of each one's maximum inscribed circle.
///
/// GEOS refines a grid of cells until no cell could hold a circle more than the tolerance larger
/// than the best found, so a uniform strip (the usual sliver) costs about its length over the
/// tolerance in cells: milliseconds each, the largest part of check and repair. The pieces are
/// independent, so they are measured on all cores, each worker in its own GEOS context; the
/// answers are the same as one at a time.
public enum GapWidth {
    /// The tolerance for a gap-width threshold: 1% of it, between 1 mm and 5 cm.
    public static func tolerance(gapWidth: Double) -> Double { max(0.001, min(0.05, gapWidth / 100)) }

    public static func diameters(of pieces: [Geometry], tolerance: Double) throws -> [Double] {
        try parallelMap(pieces) { try $1.maximumInscribedCircle(tolerance: tolerance).diameter }
    }

    /// The widths check and repair report: each to within 2 t (t = `tolerance(gapWidth:)`) or 1%,
    /// whichever is larger. Below 4 m (for a 2 m threshold) this is the fine measure itself, so
    /// every width near the threshold, and every sliver decision made from it, is exactly the
    /// fine one. A wide strip is where the fine measure is slow (GEOS refines cells along the
    /// whole ridge of its distance field down to t): a coarse circle first (tolerance c, so
    /// d_c ≤ D), then the width at tolerance max(t, d_c / 200) ≤ D / 200, which is off by at most 1%.
    public static func reportedWidths(of pieces: [Geometry], gapWidth: Double) throws -> [Double] {
        let fine = tolerance(gapWidth: gapWidth)
        let coarse = max(fine, gapWidth / 10)
        return try parallelMap(pieces) { _, piece in
            try width(of: piece, rough: piece.maximumInscribedCircle(tolerance: coarse).diameter, fine: fine)
        }
    }

    /// The reported width from a coarse circle's diameter `rough` (see `reportedWidths`).
    static func width(of piece: NativeGeometry, rough: Double, fine: Double) throws -> Double {
        try piece.maximumInscribedCircle(tolerance: max(fine, rough / 200)).diameter
    }

    /// Whether each piece is narrower than `gapWidth`, giving exactly the answer of
    /// `diameter(tolerance: tolerance(gapWidth)) < gapWidth` without refining where a coarse circle
    /// already decides it. A circle found with tolerance t has a diameter d with D − 2t ≤ d ≤ D
    /// (D the true width). A coarse one (tolerance c) bounds the fine answer f to [d_c − 2t, d_c + 2c]:
    /// below the threshold entirely, the piece is a sliver; at or above it, it is not; only pieces
    /// in between are measured finely.
    ///
    /// Before any circle, the piece is eroded by ρ = (gapWidth − t) / 2 (a negative buffer, whose cost
    /// grows with the vertices, not with the piece's length over the tolerance as the circle's
    /// does). GEOS draws the buffer's arcs as chords inside the true circle, so the eroded piece
    /// only ever comes out larger than the exact erosion: nothing left means no point lies ρ from
    /// the outline, so D < 2ρ < gapWidth and the fine answer d ≤ D is below the threshold too. Anything
    /// left proves nothing and the circles decide.
    public static func isNarrower(_ pieces: [Geometry], than gapWidth: Double) throws -> [Bool] {
        try classify(pieces, gapWidth: gapWidth, measuring: []).map(\.narrow)
    }

    /// `isNarrower`'s answer for every piece and, for the pieces at `measuring` that are not narrower,
    /// the width `reportedWidths` gives, reusing the coarse circle the decision already drew.
    public static func classify(_ pieces: [Geometry], gapWidth: Double, measuring: Set<Int>) throws -> [(
        narrow: Bool, width: Double?
    )] {
        let fine = tolerance(gapWidth: gapWidth)
        let coarse = max(fine, gapWidth / 10)
        let erosion = (gapWidth - fine) / 2
        return try parallelMap(pieces) { k, piece in
            if try piece.buffer(by: -erosion, quadrantSegments: 8).isEmpty { return (true, nil) }
            let d = try piece.maximumInscribedCircle(tolerance: coarse).diameter
            let narrow: Bool
            if d + 2 * coarse < gapWidth {
                narrow = true
            } else if d - 2 * fine >= gapWidth {
                narrow = false
            } else {
                narrow = try piece.maximumInscribedCircle(tolerance: fine).diameter < gapWidth
            }
            return (narrow, !narrow && measuring.contains(k) ? try width(of: piece, rough: d, fine: fine) : nil)
        }
    }

    /// `body` over every piece (its index and itself) on all cores, each worker in its own GEOS
    /// context; results in order.
    static func parallelMap<T>(_ pieces: [Geometry], _ body: @escaping @Sendable (Int, NativeGeometry) throws -> T)
        throws -> [T]
    {
        guard pieces.count > 1 else {
            let ctx = GEOSContext()
            return try pieces.indices.map { try body($0, ctx.geometry(pieces[$0])) }
        }
        let slots = ResultSlots<T>(count: pieces.count)
        let next = Counter()
        let workers = min(ProcessInfo.processInfo.activeProcessorCount, pieces.count)
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            let ctx = GEOSContext()
            while true {
                let k = next.increment() - 1
                guard k < pieces.count else { break }
                slots.set(k, Result { try body(k, ctx.geometry(pieces[k])) })
            }
        }
        return try pieces.indices.map { try slots.get($0) }
    }
}

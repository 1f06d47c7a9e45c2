import Foundation
import GridplanGeometry

/// The width of gap pieces: the diameter of each one's maximum inscribed circle.
///
/// The circle is found by ``InscribedCircleSearch``, a branch and bound that refines on demand:
/// a coarse search that decides a question costs only itself, and a finer answer goes on from it
/// instead of starting again. A uniform strip (the usual sliver) still costs about its length
/// over the tolerance in cells, the largest part of check and repair. The pieces are independent,
/// so they are measured on all cores; the answers are the same as one at a time.
public enum GapWidth {
    /// The tolerance for a gap-width threshold: 1% of it, between 1 mm and 5 cm.
    public static func tolerance(gapWidth: Double) -> Double { max(0.001, min(0.05, gapWidth / 100)) }

    /// Each piece's diameter d, with D − 2 `tolerance` ≤ d ≤ D (D the true width).
    public static func diameters(of pieces: [Geometry], tolerance: Double) throws -> [Double] {
        try parallelMap(pieces) { _, piece, _ in InscribedCircleSearch(piece).refine(tolerance: tolerance) }
    }

    /// The widths check and repair report: each to within 2 t (t = `tolerance(gapWidth:)`) or 1%,
    /// whichever is larger. Below 4 m (for a 2 m threshold) this is the fine measure itself, so
    /// every width near the threshold, and every sliver decision made from it, is exactly the
    /// fine one. A wide strip is where the fine measure is slow (the search splits cells along
    /// the whole ridge of its distance field down to t): a coarse circle first (tolerance c, so
    /// d_c ≤ D), then the width at tolerance max(t, d_c / 200) ≤ D / 200, which is off by at most 1%.
    public static func reportedWidths(of pieces: [Geometry], gapWidth: Double) throws -> [Double] {
        let fine = tolerance(gapWidth: gapWidth)
        let coarse = max(fine, gapWidth / 10)
        return try parallelMap(pieces) { _, piece, _ in
            let search = InscribedCircleSearch(piece)
            return width(search, rough: search.refine(tolerance: coarse), fine: fine)
        }
    }

    /// The reported width from a coarse circle's diameter `rough` (see `reportedWidths`).
    static func width(_ search: InscribedCircleSearch, rough: Double, fine: Double) -> Double {
        search.refine(tolerance: max(fine, rough / 200))
    }

    /// Whether each piece is narrower than `gapWidth`, giving exactly the answer of
    /// `diameters(tolerance: tolerance(gapWidth)) < gapWidth` without refining where a coarse circle
    /// already decides it. A circle found with tolerance t has a diameter d with D − 2t ≤ d ≤ D
    /// (D the true width), and a finer search only finds larger ones. A coarse one (tolerance c)
    /// bounds the fine answer f to [d_c, d_c + 2c]: below the threshold entirely, the piece is a
    /// sliver; at or above it, it is not; only pieces in between are refined.
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
    /// the width `reportedWidths` gives, going on from the search the decision made.
    public static func classify(_ pieces: [Geometry], gapWidth: Double, measuring: Set<Int>) throws -> [(
        narrow: Bool, width: Double?
    )] {
        let fine = tolerance(gapWidth: gapWidth)
        let coarse = max(fine, gapWidth / 10)
        let erosion = (gapWidth - fine) / 2
        return try parallelMap(pieces) { k, piece, ctx in
            if try ctx.geometry(piece).buffer(by: -erosion, quadrantSegments: 8).isEmpty { return (true, nil) }
            let search = InscribedCircleSearch(piece)
            let d = search.refine(tolerance: coarse)
            let narrow: Bool
            if d + 2 * coarse < gapWidth {
                narrow = true
            } else if d >= gapWidth {
                narrow = false
            } else {
                narrow = search.refine(tolerance: fine) < gapWidth
            }
            return (narrow, !narrow && measuring.contains(k) ? width(search, rough: d, fine: fine) : nil)
        }
    }

    /// `body` over every piece (its index, itself and the worker's GEOS context) on all cores,
    /// each worker in its own context; results in order.
    static func parallelMap<T>(
        _ pieces: [Geometry], _ body: @escaping @Sendable (Int, Geometry, GEOSContext) throws -> T
    ) throws -> [T] {
        guard pieces.count > 1 else {
            let ctx = GEOSContext()
            return try pieces.indices.map { try body($0, pieces[$0], ctx) }
        }
        let slots = ResultSlots<T>(count: pieces.count)
        let next = Counter()
        let workers = min(ProcessInfo.processInfo.activeProcessorCount, pieces.count)
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            let ctx = GEOSContext()
            while true {
                let k = next.increment() - 1
                guard k < pieces.count else { break }
                slots.set(k, Result { try body(k, pieces[k], ctx) })
            }
        }
        return try pieces.indices.map { try slots.get($0) }
    }
}

import Foundation
import GridplanGeometry
import Testing

@testable import GridplanCRS

/// Transformers of one pair of CRSs share PROJ operations through a pool, one transformer at a
/// time: a reused operation transforms exactly as a new one, after a failure too, and from many
/// threads at once.
@Suite struct OperationPoolTests {
    /// A pair no other test uses (Xi'an 1980 to its 3° Gauss-Krüger zone at 117° E), so the
    /// pool's count for it is this test's alone.
    let source = CRS.epsg(4610)
    let target = CRS.epsg(2384)
    var key: String { source.projDefinition + "\u{1F}" + target.projDefinition }

    let points = (0..<200).map { Coordinate(116.5 + Double($0 % 20) * 0.05, 39.0 + Double($0 / 20) * 0.1) }

    @Test func aTransformerThatIsDoneLendsItsOperationToTheNext() throws {
        let first: [Coordinate]
        do {
            let t = try Transformer(from: source, to: target)
            first = try t.transform(points)
            // A failed call leaves nothing behind for the next user of the operation.
            #expect(throws: CRSError.self) { try t.transform([Coordinate(116.6, 95)]) }
        }
        #expect(OperationPool.shared.idleCount(key) == 1)
        let second = try Transformer(from: source, to: target)
        #expect(OperationPool.shared.idleCount(key) == 0)
        #expect(try second.transform(points) == first)
        // Two alive at once do not share one.
        let third = try Transformer(from: source, to: target)
        #expect(try third.transform(points) == first)
        #expect(OperationPool.shared.idleCount(key) == 0)
    }

    @Test func transformersOnManyThreadsGiveTheAnswersOfOne() throws {
        let expected = try Transformer(from: .wgs84, to: .epsg(4548)).transform(points)
        let results = Results(count: 16)
        DispatchQueue.concurrentPerform(iterations: 16) { k in
            for _ in 0..<5 {
                let t = try? Transformer(from: .wgs84, to: .epsg(4548))
                results.set(k, (try? t?.transform(points)) ?? [])
            }
        }
        for k in 0..<16 { #expect(results.get(k) == expected, "thread \(k)") }
    }

    final class Results: @unchecked Sendable {
        private let lock = NSLock()
        private var values: [[Coordinate]]
        init(count: Int) { values = Array(repeating: [], count: count) }
        func set(_ k: Int, _ v: [Coordinate]) { lock.withLock { values[k] = v } }
        func get(_ k: Int) -> [Coordinate] { lock.withLock { values[k] } }
    }
}

/// A CRS's description is looked up in PROJ's database once; a CRS PROJ refuses is refused
/// every time, with its reason.
@Suite struct DescriptionCacheTests {
    @Test func aDescriptionIsRememberedAndARefusalIsNot() throws {
        let crs = CRS.epsg(4611)  // Hong Kong 1980, which no other test describes
        #expect(DescriptionCache.shared.description(of: crs) == nil)
        let first = try crs.describe()
        #expect(first.isGeographic && first.name.contains("Hong Kong"))
        #expect(DescriptionCache.shared.description(of: crs) == first)
        #expect(try crs.describe() == first)
        let nonsense = CRS.definition("+proj=nonsense +type=crs")
        for _ in 0..<2 { #expect(throws: CRSError.self) { try nonsense.describe() } }
        #expect(DescriptionCache.shared.description(of: nonsense) == nil)
    }
}

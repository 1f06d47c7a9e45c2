import GridplanGeometry

/// An order of features along a Hilbert curve through their envelopes' centres: features next
/// to each other in the order lie near each other on the ground, whatever order the file had
/// them in (an OpenStreetMap export lists ways by id, which scatters neighbours). A worker taking
/// consecutive features in this order keeps asking about the same few units.
enum SpatialOrder {
    /// The indices of `envelopes` along the curve; ties (and empty envelopes, which go last)
    /// keep their input order, so the order never depends on anything but the input.
    static func hilbert(_ envelopes: [Envelope]) -> [Int] {
        var all = Envelope.empty
        for e in envelopes where !e.isEmpty { all.expand(toInclude: e) }
        guard !all.isEmpty else { return Array(envelopes.indices) }
        let side = Double((1 << order) - 1)
        let sx = all.width > 0 ? side / all.width : 0
        let sy = all.height > 0 ? side / all.height : 0
        let keys = envelopes.map { e -> UInt64 in
            guard !e.isEmpty else { return .max }
            let x = UInt32(((e.minX + e.maxX) / 2 - all.minX) * sx)
            let y = UInt32(((e.minY + e.maxY) / 2 - all.minY) * sy)
            return distance(x: x, y: y)
        }
        return envelopes.indices.sorted { keys[$0] != keys[$1] ? keys[$0] < keys[$1] : $0 < $1 }
    }

    /// The curve's order: a 65,536 × 65,536 grid (under a metre per cell across a 50 km city).
    static let order = 16

    /// The distance along the curve of cell (x, y), both below 2^``order``.
    static func distance(x: UInt32, y: UInt32) -> UInt64 {
        var x = x, y = y
        var d: UInt64 = 0
        var s = UInt32(1) << (order - 1)
        while s > 0 {
            let rx: UInt32 = (x & s) > 0 ? 1 : 0
            let ry: UInt32 = (y & s) > 0 ? 1 : 0
            d += UInt64(s) * UInt64(s) * UInt64((3 * rx) ^ ry)
            // Rotate the quadrant so the curve inside it runs the right way.
            if ry == 0 {
                if rx == 1 {
                    x = s &- 1 &- x
                    y = s &- 1 &- y
                }
                swap(&x, &y)
            }
            s >>= 1
        }
        return d
    }
}

/// SplitMix64 (Steele, Lea and Flood, 2014): a small, fast generator whose output depends only
/// on its seed, so a generated city is the same on every run and every machine.
///
/// The city draws from many independent *streams*, each keyed by what it describes (a lattice
/// vertex, an edge, a cell's buildings), so a value never depends on the order in which other
/// parts of the city were generated. Swift's own `random(in:using:)` is avoided on purpose: its
/// algorithm is not promised to stay the same across standard-library versions.
///
/// ```swift
/// var rng = SplitMix64(seed: 42)
/// let x = rng.unit()            // in [0, 1)
/// let k = rng.int(below: 6)     // 0...5
/// ```
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public private(set) var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    /// A generator for one keyed stream of the city generated from `seed`.
    init(seed: UInt64, stream: SampleStream, _ a: Int = 0, _ b: Int = 0, _ c: Int = 0) {
        var h = Self.mix(seed ^ 0x6A09_E667_F3BC_C908)
        h = Self.mix(h ^ (stream.rawValue &* 0x9E37_79B9_7F4A_7C15))
        h = Self.mix(h ^ UInt64(bitPattern: Int64(a)) &* 0xD1B5_4A32_D192_ED03)
        h = Self.mix(h ^ UInt64(bitPattern: Int64(b)) &* 0x8CB9_2BA7_2F3D_8DD7)
        h = Self.mix(h ^ UInt64(bitPattern: Int64(c)) &* 0xA24B_AED4_963E_E407)
        state = h
    }

    /// The SplitMix64 output function, also a good 64-bit hash.
    static func mix(_ x: UInt64) -> UInt64 {
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return Self.mix(state)
    }

    /// A double in [0, 1) with 53 random bits.
    public mutating func unit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// A double in [lower, upper).
    public mutating func uniform(_ lower: Double, _ upper: Double) -> Double {
        lower + (upper - lower) * unit()
    }

    /// An integer in 0..<bound (Lemire's multiply-high; the bias is below 2⁻⁵⁰ for our bounds).
    public mutating func int(below bound: Int) -> Int {
        precondition(bound > 0, "bound must be positive")
        return Int(next().multipliedFullWidth(by: UInt64(bound)).high)
    }

    /// An integer in `range`.
    public mutating func int(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + int(below: range.count)
    }

    /// True with probability `p`.
    public mutating func chance(_ p: Double) -> Bool {
        unit() < p
    }

    /// -1 or +1 with equal probability.
    public mutating func sign() -> Double {
        next() & 1 == 0 ? -1 : 1
    }

    /// An approximately normal value with mean 0 and standard deviation 1 (Irwin–Hall with
    /// four uniforms, so no transcendental function is involved).
    public mutating func normal() -> Double {
        (unit() + unit() + unit() + unit() - 2) * 1.7320508075688772
    }

    /// An element chosen with the given relative weights.
    mutating func pick<T>(_ items: [(T, Double)]) -> T {
        let total = items.reduce(0) { $0 + $1.1 }
        var x = unit() * total
        for (item, w) in items {
            if x < w { return item }
            x -= w
        }
        return items[items.count - 1].0
    }
}

/// The independent random streams of a generated city.
enum SampleStream: UInt64 {
    case layout = 1
    case vertex, edge, line, cell, density, households, buildings, events, components
    case grids, defects, defectShape, names, enclave, lifecycle, roster
    /// Added after the others so that every earlier stream keeps its number, and every earlier
    /// file its bytes.
    case shops
}

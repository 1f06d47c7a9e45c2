import Foundation

/// The sequence numbers issued under each community code (a grid code, 标识码, is the community's
/// 12 digits and a 3-digit sequence), so a new grid never takes a code issued before: a retired
/// code is never reused.
struct GridSequence {
    /// The highest sequence number issued under each community code.
    private var highest: [Substring: Int] = [:]

    /// - Parameter issued: every grid code issued so far (the code history and the previous grids).
    init(issued: some Sequence<String>) {
        for code in issued where code.count > 3 {
            if let n = Int(code.suffix(3)) { highest[code.dropLast(3)] = max(highest[code.dropLast(3)] ?? 0, n) }
        }
    }

    /// The next code under `community`, and whether the sequence has passed 999 (its three digits
    /// then wrap round, and the caller says so).
    mutating func next(under community: String) -> (code: String, wrapped: Bool) {
        let n = (highest[Substring(community)] ?? 0) + 1
        highest[Substring(community)] = n
        return (community + String(format: "%03d", n % 1000), n > 999)
    }
}

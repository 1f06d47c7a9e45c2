import Foundation
import GridplanCRS
import GridplanGeometry

/// What to generate: the arguments of `gridplan sample`. The same configuration always gives
/// the same city, byte for byte.
///
/// ```swift
/// var config = SampleConfiguration(seed: 7, communityCount: 200)
/// config.outputCRS = .gcj02
/// let city = try SampleCity(configuration: config)
/// ```
public struct SampleConfiguration: Sendable, Equatable {
    /// 60 communities: about 8 street offices, 10,000 buildings and 5,000 events.
    public static let defaultCommunityCount = 60
    public static let communityCountRange = 1...100_000
    /// Beijing Dongcheng, WGS84 lon/lat.
    public static let defaultCenter = Coordinate(116.40, 39.91)
    /// Dongcheng's GB/T 2260 code.
    public static let defaultDistrictCode = "110101"
    /// The year every event is dated in.
    public static let eventYear = 2023

    public var seed: UInt64
    public var communityCount: Int
    /// The CRS of every written file. Generation itself happens in ``metricCRS``.
    public var outputCRS: CRS
    /// The centre of the city, WGS84 longitude and latitude in degrees.
    public var center: Coordinate
    /// The 6-digit district code that prefixes every other code.
    public var districtCode: String

    public init(
        seed: UInt64 = 1, communityCount: Int = SampleConfiguration.defaultCommunityCount, outputCRS: CRS = .wgs84,
        center: Coordinate = SampleConfiguration.defaultCenter,
        districtCode: String = SampleConfiguration.defaultDistrictCode
    ) {
        self.seed = seed
        self.communityCount = communityCount
        self.outputCRS = outputCRS
        self.center = center
        self.districtCode = districtCode
    }

    /// The projected CRS in which the city is laid out and every area is computed: the CGCS2000
    /// Gauss-Krüger zone of ``center`` in China, its UTM zone elsewhere.
    public var metricCRS: CRS { CRS.metricCRS(around: center) }

    /// Throws ``SampleError/invalidConfiguration(_:)`` naming the first unusable value.
    public func validate() throws {
        guard Self.communityCountRange.contains(communityCount) else {
            throw SampleError.invalidConfiguration(
                "--communities must be between \(Self.communityCountRange.lowerBound) and \(Self.communityCountRange.upperBound), not \(communityCount)"
            )
        }
        guard center.isFinite, (-180...180).contains(center.x), (-80...80).contains(center.y) else {
            throw SampleError.invalidConfiguration(
                "--center must be LON,LAT in degrees with -180 ≤ LON ≤ 180 and -80 ≤ LAT ≤ 80, not \(center.x),\(center.y)"
            )
        }
        guard districtCode.utf8.count == 6, districtCode.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else {
            throw SampleError.invalidConfiguration("the district code must be 6 digits, not '\(districtCode)'")
        }
    }

    /// Parses a seed as typed on the command line: a whole number from 0 to 2⁶⁴ − 1.
    public static func parseSeed(_ text: String) throws -> UInt64 {
        let t = text.trimmingCharacters(in: .whitespaces)
        guard !t.isEmpty, t.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let seed = UInt64(t) else {
            throw SampleError.invalidConfiguration(
                "--seed must be a whole number from 0 to \(UInt64.max), not '\(text)'")
        }
        return seed
    }

    /// Parses `LON,LAT` in degrees, e.g. `116.40,39.91`.
    public static func parseCenter(_ text: String) throws -> Coordinate {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        guard parts.count == 2, let lon = Double(parts[0]), let lat = Double(parts[1]), lon.isFinite, lat.isFinite
        else {
            throw SampleError.invalidConfiguration(
                "--center must be LON,LAT in degrees, e.g. 116.40,39.91, not '\(text)'")
        }
        return Coordinate(lon, lat)
    }
}

/// Why a sample city could not be generated or written. Nothing is written in any of these cases.
public enum SampleError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A configuration value is out of range or malformed.
    case invalidConfiguration(String)
    /// The output directory exists and holds files, and overwriting was not allowed.
    case outputNotEmpty(String)
    /// The output path exists and is not a directory, or its parent does not exist.
    case outputUnusable(String, reason: String)
    /// A finished file could not be moved into the output directory.
    case writeFailed(String, reason: String)

    public var description: String {
        switch self {
        case .invalidConfiguration(let reason): return reason
        case .outputNotEmpty(let path):
            return
                "\(path) exists and is not empty; use --force to write into it (files of the same names are replaced, others are kept)"
        case .outputUnusable(let path, let reason), .writeFailed(let path, let reason): return "\(path): \(reason)"
        }
    }
}

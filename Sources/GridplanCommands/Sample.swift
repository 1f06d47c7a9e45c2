import ArgumentParser
import Foundation
import GridplanCRS
import GridplanIO
import GridplanSample

/// `gridplan sample OUTDIR`: write a synthetic city with known defects, for tests and demos.
struct Sample: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Generate a synthetic city with known defects (district, street offices, communities, streets, buildings, events, components, old grids, shops).",
        discussion: """
            Writes district.geojson, street_offices.geojson, communities.geojson, streets.geojson, \
            buildings.geojson, events.geojson, components.geojson, grids_old.geojson, shops.geojson, roster.csv \
            and truth.json, which lists every injected defect (overlaps, gaps, exclave, enclave, jagged border, \
            digitising noise, invalid rings, parent mismatch) with its area, the roster's holes (a \
            community without 片长, streets without 街巷长, a chief over a limit, a row for a unit that does \
            not exist) and the streets each shop faces (门前三包: rows, corner shops, shops set back beyond \
            the 20 m depth, some given only as an address point). Streets carry a grade, 1 (arterial) to 4 \
            (alley). The same seed and \
            options always give identical files. Nothing is written unless every file succeeds.
            Examples:
              gridplan sample data
              gridplan sample /tmp/city --communities 10000 --seed 7 --crs gcj02
            """
    )

    @Argument(help: "The directory to write (created if missing; its parent must exist).")
    var outdir: String

    @Option(help: "Random seed, a whole number from 0 to 18446744073709551615.")
    var seed = "1"

    @Option(help: "Number of communities, 1 to 100000 (60 makes about 8 street offices and 10,000 buildings).")
    var communities = SampleConfiguration.defaultCommunityCount

    @Option(
        help: "CRS of the written files: EPSG:4326 (RFC 7946), EPSG:4490, gcj02, bd09, any EPSG code or PROJ string.")
    var crs = "EPSG:4326"

    @Option(help: "Centre of the city as LON,LAT in WGS84 degrees.")
    var center = "116.40,39.91"

    @Flag(help: "Write into an existing non-empty directory, replacing files of the same names (others are kept).")
    var force = false

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        do {
            _ = try SampleConfiguration.parseSeed(seed)
            _ = try SampleConfiguration.parseCenter(center)
            try configuration(crs: .wgs84).validate()
        } catch let e as SampleError {
            throw ValidationError(e.description)
        }
    }

    private func configuration(crs: CRS) throws -> SampleConfiguration {
        SampleConfiguration(
            seed: try SampleConfiguration.parseSeed(seed), communityCount: communities, outputCRS: crs,
            center: try SampleConfiguration.parseCenter(center))
    }

    func run() throws {
        global.apply()
        let outputCRS: CRS
        do {
            outputCRS = try CRS(parsing: crs)
        } catch {
            throw CommandFailure("--crs: \(error)", exitCode: .usage)
        }
        let console = Console.current
        let summary: SampleSummary
        do {
            summary = try SampleWriter.write(try configuration(crs: outputCRS), to: outdir, overwrite: force) {
                console.progress($0)
            }
        } catch let e as SampleError {
            switch e {
            case .invalidConfiguration, .outputNotEmpty: throw CommandFailure(e.description, exitCode: .usage)
            case .outputUnusable, .writeFailed: throw CommandFailure(e.description, exitCode: .outputFailed)
            }
        } catch let e as CRSError {
            throw CommandFailure("--crs: \(e)", exitCode: .usage)
        }
        console.clearProgress()
        if global.json {
            console.out(JSONText.encode(summary.json) + "\n")
        } else if !global.quiet {
            let counts = summary.files.filter { $0.name != "truth.json" }.map {
                "\($0.features) \($0.name.replacingOccurrences(of: ".geojson", with: ""))"
            }
            let defects = summary.defects.map { "\($0.count) \($0.kind)" }.joined(separator: ", ")
            console.err("wrote \(outdir): \(counts.joined(separator: ", ")); truth.json: \(defects)\n")
        }
    }
}

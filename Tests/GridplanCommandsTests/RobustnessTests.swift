import Foundation
import GridplanCommands
import GridplanGeometry
import GridplanIO
import GridplanSQLite
@testable import GridplanStore
import Testing

/// The gridplan executable built beside the test bundle.
let gridplanBinary: String = {
    var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    while !FileManager.default.fileExists(atPath: dir.appendingPathComponent("gridplan").path) && dir.path != "/" {
        dir = dir.deletingLastPathComponent()
    }
    return dir.appendingPathComponent("gridplan").path
}()

/// Runs a shell command line and returns exit code and stderr.
@discardableResult
func shell(_ script: String) throws -> (code: Int32, out: String, err: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/bin/bash")
    p.arguments = ["-c", script]
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
}

@Suite(.serialized) struct RobustnessTests {
    /// A sample city and a store holding its communities, streets and buildings.
    static func cityStore() throws -> (dir: String, store: String) {
        let dir = try scratch()
        let r = try shell("'\(gridplanBinary)' sample '\(dir)/city' --seed 9 --quiet")
        #expect(r.code == 0, "\(r.err)")
        let store = dir + "/city.gpkg"
        #expect(try shell("'\(gridplanBinary)' init '\(store)' --quiet").code == 0)
        for (file, layer) in [
            ("communities", "communities"), ("streets", "streets"), ("buildings", "buildings"), ("events", "events"),
            ("district", "districts"),
        ] {
            let i = try shell(
                "'\(gridplanBinary)' import '\(store)' '\(dir)/city/\(file).geojson' --as \(layer) --quiet")
            #expect(i.code == 0, "\(i.err)")
        }
        return (dir, store)
    }

    @Test func fullDiskFailsCleanly() throws {
        let dir = try scratch()
        #expect(try shell("'\(gridplanBinary)' sample '\(dir)/city' --quiet").code == 0)
        try Data("previous".utf8).write(to: URL(fileURLWithPath: dir + "/out.geojson"))
        // A 64 KB file-size limit stands in for a full disk: the write fails part-way.
        let r = try shell(
            "ulimit -f 64; '\(gridplanBinary)' convert '\(dir)/city/buildings.geojson' '\(dir)/out.geojson'")
        #expect(r.code == 4, "\(r.err)")
        #expect(r.err.contains("write failed") || r.err.contains("too large"), "\(r.err)")
        #expect(try String(contentsOfFile: dir + "/out.geojson", encoding: .utf8) == "previous")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == ["city", "out.geojson"])
    }

    @Test func busyStoreSaysSoAndReadOnlyStoreIsRefused() throws {
        let dir = try scratch()
        let path = dir + "/s.gpkg"
        _ = try GeoPackageStore.create(path: path)
        try GeoJSONWriter.write([Feature(geometry: .point(.init(116.4, 39.9)))], to: dir + "/p.geojson")
        // Another writer holds the store: the import waits its busy timeout, then says the store is busy.
        let holder = try Database(path: path)
        try holder.execute("BEGIN IMMEDIATE")
        let r = gridplan("import", path, dir + "/p.geojson", "--as", "buildings")
        #expect(r.code == 5, "\(r.err)")
        #expect(r.err.contains("store is busy"))
        try holder.execute("ROLLBACK")
        #expect(gridplan("import", path, dir + "/p.geojson", "--as", "buildings").code == 0)
        // A store opened read-only cannot be written; nothing changes.
        let readOnly = try GeoPackageStore.open(path: path, readOnly: true)
        #expect(throws: DatabaseError.self) {
            try readOnly.importLayer(
                try SourceLayer.read(path: dir + "/p.geojson"), into: .components, fields: [:], replace: false,
                parameters: [:])
        }
        #expect(try GeoPackageStore.open(path: path).features(of: .components).isEmpty)
    }

    /// Kills `command` at a series of moments and checks the store after each: intact, and the
    /// layer either as it was or with the whole new result.
    func killRepeatedly(_ store: String, _ command: String, layer: StoreLayer, runs: Int) throws -> (
        killedMidway: Int, completed: Int
    ) {
        var killedMidway = 0, completed = 0
        for attempt in 0..<runs {
            let before = try GeoPackageStore.open(path: store, readOnly: true)
            let generationsBefore = try before.generations(of: layer).count
            let countBefore = try before.features(of: layer).count
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/bin/bash")
            p.arguments = ["-c", "exec " + command]
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            usleep(UInt32(80_000 + (attempt * 97_000) % 900_000))
            if p.isRunning { killedMidway += 1 }
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            let after = try GeoPackageStore.open(path: store)
            #expect(try after.database.rows("PRAGMA integrity_check") == [[.text("ok")]])
            let generations = try after.generations(of: layer)
            if generations.count == generationsBefore {
                // Nothing landed: the layer is exactly as it was.
                #expect(try after.features(of: layer).count == countBefore, "attempt \(attempt)")
            } else {
                #expect(generations.count == generationsBefore + 1)
                completed += 1
            }
        }
        return (killedMidway, completed)
    }

    @Test func killedPartitionAndRepairLeaveTheStoreWhole() throws {
        let (dir, store) = try Self.cityStore()
        // A complete partition first: the reference for what a whole generation holds.
        let full = try shell(
            "'\(gridplanBinary)' partition communities --store '\(store)' --households buildings --quiet --json")
        #expect(full.code == 0, "\(full.err)")
        let gridsPerGeneration = try GeoPackageStore.open(path: store, readOnly: true).features(of: .grids).count
        #expect(gridsPerGeneration > 0)
        let partition = "'\(gridplanBinary)' partition communities --store '\(store)' --households buildings --quiet"
        let p = try killRepeatedly(store, partition, layer: .grids, runs: 8)
        #expect(p.killedMidway > 0)
        // Every generation that landed is whole.
        let s = try GeoPackageStore.open(path: store, readOnly: true)
        for g in try s.generations(of: .grids) {
            #expect(try s.features(of: .grids, generation: g.id).count == gridsPerGeneration)
        }
        let repair = "'\(gridplanBinary)' repair communities --store '\(store)' --boundary districts --quiet"
        let r = try killRepeatedly(store, repair, layer: .communities, runs: 6)
        #expect(r.killedMidway > 0)
        _ = dir
    }

    @Test func twoWritersOneStoreAndReadersSeeWholeGenerations() throws {
        let dir = try scratch()
        let store = dir + "/s.gpkg"
        _ = try GeoPackageStore.create(path: store)
        var features: [Feature] = []
        for i in 0..<6000 {
            let x = 116.3 + Double(i % 100) * 0.001, y = 39.8 + Double(i / 100) * 0.001
            features.append(
                Feature(
                    geometry: .polygon(
                        .init(exterior: [
                            .init(x, y), .init(x + 0.001, y), .init(x + 0.001, y + 0.001), .init(x, y + 0.001),
                            .init(x, y),
                        ])),
                    properties: ["code": .string(String(format: "110101001001%03d", i % 1000))]))
        }
        try GeoJSONWriter.write(features, to: dir + "/g.geojson")
        let a = Process(), b = Process()
        for p in [a, b] {
            p.executableURL = URL(fileURLWithPath: gridplanBinary)
            p.arguments = ["import", store, dir + "/g.geojson", "--as", "grids", "--quiet"]
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
        }
        try a.run()
        try b.run()
        // Meanwhile a reader: every generation it can see is complete.
        var looks = 0
        while a.isRunning || b.isRunning {
            if let s = try? GeoPackageStore.open(path: store, readOnly: true), let gens = try? s.generations(of: .grids)
            {
                for g in gens { #expect(try s.features(of: .grids, generation: g.id).count == 6000) }
                looks += 1
            }
            usleep(20_000)
        }
        a.waitUntilExit()
        b.waitUntilExit()
        // One waits for the other (busy timeout) and proceeds, or gives up saying the store is busy.
        #expect([a.terminationStatus, b.terminationStatus].allSatisfy { $0 == 0 || $0 == 5 })
        #expect(a.terminationStatus == 0 || b.terminationStatus == 0)
        let s = try GeoPackageStore.open(path: store, readOnly: true)
        #expect(try s.generations(of: .grids).count == [a, b].filter { $0.terminationStatus == 0 }.count)
        #expect(looks > 0)
    }
}

@Suite struct StoreGenerationTests {
    @Test func newGridGenerationReassignsEventsAndComponentsAndRecordsCodes() throws {
        let (_, store) = try RobustnessTests.cityStore()
        #expect(
            try shell(
                "'\(gridplanBinary)' import '\(store)' '\(URL(fileURLWithPath: store).deletingLastPathComponent().path)/city/components.geojson' --as components --quiet"
            ).code == 0)
        let r = try shell("'\(gridplanBinary)' partition communities --store '\(store)' --households buildings --quiet")
        #expect(r.code == 0, "\(r.err)")
        let s = try GeoPackageStore.open(path: store, readOnly: true)
        let grids = try s.features(of: .grids)
        let ctx = GEOSContext()
        let natives = try grids.map { try ctx.geometry($0.geometry!) }
        for layer in [StoreLayer.events, .components] {
            let points = try s.features(of: layer)
            #expect(!points.isEmpty)
            var assigned = 0
            for p in points.prefix(400) {
                guard case .point(let c)? = p.geometry else { continue }
                let pg = try ctx.geometry(.point(c))
                let containing = try natives.indices.filter { try natives[$0].covers(pg) }.map {
                    grids[$0].properties["code"]!.text
                }.sorted()
                let code = p.properties["parent_code"]?.stringValue
                // On a shared edge the lower code wins, as in `assign points`.
                if containing.isEmpty {
                    #expect(code == nil)
                } else {
                    #expect(code == containing.first)
                    assigned += 1
                }
            }
            #expect(assigned > 300)
        }
        // Every grid code is in the code history of this generation.
        let generation = try s.latestGeneration(of: .grids)!.id
        let history = try s.database.rows(
            "SELECT count(*) FROM code_history WHERE generation_id = ?", [.integer(generation)])
        #expect(history == [[.integer(Int64(grids.count))]])
    }

    @Test func previousLayerFromElsewhereIsNamed() throws {
        let dir = try scratch()
        #expect(try shell("'\(gridplanBinary)' sample '\(dir)/a' --seed 1 --quiet").code == 0)
        #expect(try shell("'\(gridplanBinary)' sample '\(dir)/b' --seed 2 --center 121.47,31.23 --quiet").code == 0)
        let r = try shell(
            "'\(gridplanBinary)' partition '\(dir)/a/communities.geojson' --streets '\(dir)/a/streets.geojson' --households '\(dir)/a/buildings.geojson' --previous '\(dir)/b/grids_old.geojson'"
        )
        #expect(r.code == 0, "\(r.err)")
        #expect(r.out.contains("is --previous for another district"), "\(r.out)")
    }
}

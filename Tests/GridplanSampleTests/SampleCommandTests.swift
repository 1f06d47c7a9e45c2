import Foundation
import GridplanCommands
import GridplanSample
import Testing

/// `gridplan sample` run in-process: arguments, refusals and what is left on disk.
@Suite struct SampleCommandTests {
    private func run(_ arguments: [String]) -> (code: Int32, out: String, err: String) {
        let console = Console.capture()
        let code = Console.$current.withValue(console) { Gridplan.execute(arguments) }
        return (code, console.capturedStandardOutput, console.capturedStandardError)
    }

    /// Entries of the directory holding `path` whose names mention `path`'s last component.
    private func leftovers(_ path: String) -> [String] {
        let url = URL(fileURLWithPath: path)
        let name = url.lastPathComponent
        let all = (try? FileManager.default.contentsOfDirectory(atPath: url.deletingLastPathComponent().path)) ?? []
        return all.filter { $0.contains(name) }
    }

    @Test func writesTheCityAndASummary() throws {
        let dir = temporaryPath("cmd")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = run(["sample", dir, "--communities", "9", "--seed", "3", "--json"])
        #expect(r.code == 0, "\(r.err)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        #expect(json["communities"] as? Int == 9)
        let files = try #require(json["files"] as? [[String: Any]])
        #expect(files.map { $0["name"] as? String } == SampleWriter.fileNames)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == SampleWriter.fileNames.sorted())
        #expect(leftovers(dir) == [URL(fileURLWithPath: dir).lastPathComponent])
        let attributes = try FileManager.default.attributesOfItem(atPath: dir)
        #expect(
            ((attributes[.posixPermissions] as? Int) ?? 0) & 0o055 != 0,
            "the directory is readable by others, like one made by mkdir")
    }

    @Test func refusesANonEmptyDirectoryWithoutForce() throws {
        let dir = temporaryPath("busy")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Data("mine".utf8).write(to: URL(fileURLWithPath: dir + "/keep.txt"))
        let r = run(["sample", dir, "--communities", "4"])
        #expect(r.code == 2)
        #expect(r.err.contains("not empty") && r.err.contains("--force"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["keep.txt"])
        #expect(leftovers(dir).count == 1)

        let forced = run(["sample", dir, "--communities", "4", "--force", "--quiet"])
        #expect(forced.code == 0, "\(forced.err)")
        #expect(forced.err.isEmpty)
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
                == (SampleWriter.fileNames + ["keep.txt"]).sorted())
        #expect(try String(contentsOfFile: dir + "/keep.txt", encoding: .utf8) == "mine")
    }

    @Test(arguments: [
        (["--communities", "0"], "--communities"),
        (["--communities", "100001"], "--communities"),
        (["--crs", "EPSG:999999"], "999999"),
        (["--crs", "not a crs"], "not a crs"),
        (["--seed", "abc"], "--seed"),
        (["--seed", "99999999999999999999"], "--seed"),
        (["--center", "116.4"], "--center"),
        (["--center", "200,39.9"], "--center"),
    ])
    func rejectsBadArgumentsAndWritesNothing(extra: [String], mentions: String) throws {
        let dir = temporaryPath("bad")
        let r = run(["sample", dir] + extra)
        #expect(r.code != 0)
        #expect(r.err.contains(mentions), "\(r.err)")
        #expect(!FileManager.default.fileExists(atPath: dir))
        #expect(leftovers(dir).isEmpty)
    }

    @Test func refusesAMissingParentDirectory() {
        let dir = temporaryPath("noparent") + "/inner"
        let r = run(["sample", dir, "--communities", "2"])
        #expect(r.code == 4)
        #expect(r.err.contains("does not exist"))
        #expect(!FileManager.default.fileExists(atPath: dir))
    }
}

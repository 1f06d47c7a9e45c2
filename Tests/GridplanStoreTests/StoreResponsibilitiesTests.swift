import Foundation
import GridplanGeometry
import GridplanIO
import GridplanSQLite
@testable import GridplanStore
import Testing

@Suite struct StoreResponsibilitiesTests {
    @Test func migrationThreeAddsTheRosterColumnsAndTheSegmentsLayer() throws {
        let path = try scratchDirectory() + "/s.gpkg"
        let store = try GeoPackageStore.create(path: path)
        #expect(GeoPackageStore.schemaVersion >= 3)
        let versions = try store.database.rows("SELECT version FROM gridplan_schema ORDER BY version").map {
            r -> Int64 in if case .integer(let v) = r[0] { return v } else { return -1 }
        }
        #expect(versions == Array(1...Int64(GeoPackageStore.schemaVersion)))
        let columns = try store.package.columns(of: "responsibilities").map(\.name)
        for c in ["generation_id", "role", "superior", "duties", "unit_level", "source_line"] {
            #expect(columns.contains(c), "\(c)")
        }
        #expect(try store.package.layers().map(\.name).contains("street_segments"))
        // Migration 4: the 门前三包 zones layer.
        #expect(try store.package.layers().map(\.name).contains("frontage_zones"))
        #expect(try store.roster().isEmpty)
        #expect(try store.streetSegments() == nil)
        #expect(try store.recordedGradeRule() == nil)
    }

    /// A store made before boundary_changes (schema 5) lists its layers read-only without it, and
    /// gains it when opened to write.
    @Test func aStoreBeforeMigrationSixListsItsLayersAndGainsBoundaryChanges() throws {
        let path = try scratchDirectory() + "/s.gpkg"
        let store = try GeoPackageStore.create(path: path)
        try store.database.execute(
            """
            DROP TABLE boundary_changes; DROP TABLE rtree_boundary_changes_geom;
            DELETE FROM gpkg_extensions WHERE table_name = 'boundary_changes';
            DELETE FROM gpkg_geometry_columns WHERE table_name = 'boundary_changes';
            DELETE FROM gpkg_contents WHERE table_name = 'boundary_changes';
            DELETE FROM gridplan_schema WHERE version = 6;
            """)
        let old = try GeoPackageStore.open(path: path, readOnly: true)
        #expect(old.schemaVersionInFile == 5)
        #expect(try old.summaries().map(\.layer) == StoreLayer.allCases.filter { $0 != .boundaryChanges })
        #expect(throws: StoreError.self) { try old.recordedRepair() }
        let migrated = try GeoPackageStore.open(path: path)
        #expect(migrated.schemaVersionInFile == 6)
        #expect(try migrated.summaries().map(\.layer) == StoreLayer.allCases)
        #expect(try migrated.package.columns(of: "boundary_changes").map(\.name).contains("from_unit"))
    }

    @Test(arguments: Engine.allCases)
    func rostersAreGenerationsAndTheLatestIsRead(engine: Engine) throws {
        guard let location = try engine.newLocation() else { return }
        let store = try Stores.create(location)
        let first = [
            ResponsibilityRecord(
                name: "张三", role: "片长", phone: "13800000000", unitCode: "110101001001", unitLevel: "community",
                tier: "3", sourceLine: 2)
        ]
        let second = [
            ResponsibilityRecord(
                name: "李四", role: "街巷长", streetName: "报房胡同", superior: "张三", tier: "4", duties: "每日巡查", sourceLine: 2),
            ResponsibilityRecord(
                name: "王'五; DROP TABLE responsibilities", role: "片长", unitCode: "110101001002", sourceLine: 3),
        ]
        let g1 = try store.recordRoster(first, command: "roster", parameters: [:])
        let g2 = try store.recordRoster(second, command: "roster", parameters: ["roster": .string("r.csv")])
        #expect(g2 > g1)
        #expect(try store.roster() == second)
        #expect(try store.generations(ofTable: "responsibilities").map(\.id) == [g1, g2])
        #expect(try store.generations(ofTable: "responsibilities").last?.parentID == g1)
    }

    @Test(arguments: Engine.allCases)
    func streetSegmentsKeepLeadGradeAndTheGradeRule(engine: Engine) throws {
        guard let location = try engine.newLocation() else { return }
        let store = try Stores.create(location)
        let seg = RecordedStreetSegment(
            streetID: "7", name: "东四北大街", streetClass: "arterial", grade: 1, lengthMetres: 120.5, lead: "110101001001",
            coOwners: ["110101001002"], isBoundary: true, responsibleBody: "city", responsibleUnit: "city",
            geometry: .lineString([Coordinate(116.40, 39.91), Coordinate(116.401, 39.91)]))
        try store.recordStreetSegments(
            [seg], command: "assign streets", parameters: ["grade_rule": .string("1-3:city,4:street_office")])
        let (generation, read) = try #require(try store.streetSegments())
        #expect(generation.command == "assign streets")
        #expect(read.count == 1)
        #expect(
            read[0].name == "东四北大街" && read[0].grade == 1 && read[0].lead == "110101001001"
                && read[0].coOwners == ["110101001002"])
        #expect(read[0].isBoundary && read[0].responsibleBody == "city" && read[0].lengthMetres == 120.5)
        #expect(read[0].geometry == seg.geometry)
        #expect(try store.recordedGradeRule() == "1-3:city,4:street_office")
    }
}

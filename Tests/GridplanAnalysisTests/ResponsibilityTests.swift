import Foundation
import GridplanAnalysis
import GridplanGeometry
import Testing

@Suite struct RosterRuleTests {
    @Test func requirementsAndLimitsParse() throws {
        let r = try RoleRequirement(parsing: "community:片长>=1")
        #expect(r.level == .community && r.role == "片长" && r.count == 1 && !r.isExact && r.requiredText == ">=1")
        let e = try RoleRequirement(parsing: "grid:网格长=1")
        #expect(e.isExact && e.isMet(by: 1) && !e.isMet(by: 2) && !e.isMet(by: 0))
        let l = try RoleLimit(parsing: "街巷长:km<=3.5")
        #expect(l.role == "街巷长" && l.measure == .km && l.maximum == 3.5)
        #expect(try RoleLimit(parsing: "片长:households<=2000").measure == .households)
        for bad in ["片长>=1", "county:片长>=1", "community:>=1", "community:片长>=0", "community:片长=x"] {
            #expect(throws: RosterRuleError.self) { try RoleRequirement(parsing: bad) }
        }
        for bad in ["街巷长:km", "街巷长:miles<=3", ":km<=3", "街巷长:km<=-1"] {
            #expect(throws: RosterRuleError.self) { try RoleLimit(parsing: bad) }
        }
    }

    static let world = RosterWorld(
        units: [
            .community: [("110101001001", "东四"), ("110101001002", "西四")],
            .grid: [("110101001001001", nil), ("110101001001002", nil)],
        ],
        streetMetres: ["东四北大街": 1200, "报房胡同": 400, "演乐胡同": 300],
        households: ["110101001001": 900, "110101001002": 700], gridCodes: ["110101001001001", "110101001001002"],
        leadMetres: ["110101001001": 2500, "110101001002": 800])

    @Test func everyHoleAndNothingElse() {
        let entries = [
            RosterEntry(line: 2, name: "张三", role: "片长", unit: "110101001001", tier: 3),
            RosterEntry(line: 3, name: "李四", role: "街巷长", street: "东四北大街", superior: "张三", tier: 4),
            RosterEntry(line: 4, name: "李四", role: "街巷长", street: "报房胡同", superior: "张三", tier: 4),
            RosterEntry(line: 5, name: "王五", role: "片长", unit: "110101001999", tier: 3),
            RosterEntry(line: 6, name: "赵六", role: "街巷长", street: "不存在胡同", superior: "钱七", tier: 4),
            RosterEntry(line: 7, name: "孙八", role: "网格长", unit: "110101001001001", superior: "李四", tier: 3),
        ]
        let r = RosterCheck.run(
            entries, world: Self.world,
            requirements: [
                try! RoleRequirement(parsing: "community:片长>=1"), try! RoleRequirement(parsing: "street:街巷长>=1"),
                try! RoleRequirement(parsing: "grid:网格长=1"),
            ],
            limits: [
                try! RoleLimit(parsing: "街巷长:km<=1.5"), try! RoleLimit(parsing: "片长:households<=800"),
                try! RoleLimit(parsing: "片长:grids<=1"), try! RoleLimit(parsing: "片长:km<=2"),
            ])
        #expect(
            r.missing.map { "\($0.level.rawValue) \($0.unit)" } == [
                "community 110101001002", "street 演乐胡同", "grid 110101001001002",
            ])
        // 李四: 1.2 + 0.4 km; 张三: 900 households, 2 grids, 2.5 km led by the community.
        #expect(
            r.overLimit.map { "\($0.name) \($0.measure.rawValue) \($0.value)" } == [
                "李四 km 1.6", "张三 households 900.0", "张三 grids 2.0", "张三 km 2.5",
            ])
        #expect(r.overLimit[0].lines == [3, 4])
        #expect(r.unknown.map { "\($0.line) \($0.kind) \($0.value)" } == ["5 unit 110101001999", "6 street 不存在胡同"])
        #expect(r.superiors.map { "\($0.line) \($0.problem)" } == ["6 missing", "7 lower_tier"])
        #expect(r.people == 5 && r.rows == 6)
        #expect(r.notes.isEmpty)
    }

    @Test func withoutAnAssignmentUnitsLeadNoKm() {
        var world = Self.world
        world.leadMetres = nil
        let r = RosterCheck.run(
            [RosterEntry(line: 2, name: "张三", role: "片长", unit: "110101001001")], world: world, requirements: [],
            limits: [try! RoleLimit(parsing: "片长:km<=1")])
        #expect(r.overLimit.isEmpty)
        #expect(r.notes.count == 1)
    }
}

@Suite struct PlaceLocatorTests {
    // A | B side by side; B owns an exclave inside A (A has the hole).
    static let hole = rect(20, 20, 40, 40)
    static let units = [
        unit("A", .polygon(Polygon(rings: [rect(0, 0, 100, 100), hole]))),
        unit("B", .multiPolygon([Polygon(exterior: rect(100, 0, 200, 100)), Polygon(exterior: hole)])),
    ]

    @Test func sharedEdgesGoToTheLowerCodeAndExclavesToTheirOwner() throws {
        let locator = try PointLocator(units: Self.units)
        let found = try locator.locate([
            Coordinate(100, 50), Coordinate(30, 30), Coordinate(20, 30), Coordinate(0, 50), Coordinate(-5, 50),
            Coordinate(150, 50),
        ])
        #expect(found == [0, 1, 0, 0, nil, 1])
        // The same answers as assign points.
        #expect(try PointAssigner.run(points: [Coordinate(100, 50), Coordinate(30, 30)], units: Self.units) == [0, 1])
        let n = try #require(try locator.nearest(to: Coordinate(-5, 50)))
        #expect(n.index == 0 && near(n.distance, 5))
        // Equally near both (below the shared corner): the lower code.
        let tie = try #require(try locator.nearest(to: Coordinate(100, -10)))
        #expect(tie.index == 0 && near(tie.distance, 10))
    }

    @Test func answersNameUnitsStreetPeopleAndFallback() throws {
        let roster = [
            RosterEntry(line: 2, name: "甲", role: "片长", phone: "1", unit: "A"),
            RosterEntry(line: 3, name: "乙", role: "片长", unit: "B"),
            RosterEntry(line: 4, name: "丙", role: "街巷长", street: "长街"),
        ]
        let streets = [
            LocatableStreet(name: "长街", lead: "A", geometry: .lineString([Coordinate(0, 90), Coordinate(200, 90)]))
        ]
        let locator = try PlaceLocator(levels: [.community: Self.units], streets: streets, roster: roster)
        let inExclave = try locator.answer(Coordinate(30, 30))
        #expect(inExclave.units[.community] == .some(PlaceAnswer.UnitRef(code: "B", name: nil)))
        #expect(inExclave.units[.grid] == nil)  // not a level of this locator
        #expect(inExclave.street == nil)  // 60 m from the street
        #expect(inExclave.people.map(\.entry.name) == ["乙"])
        let byStreet = try locator.answer(Coordinate(50, 60))
        #expect(byStreet.street?.name == "长街" && near(byStreet.street!.distanceMetres, 30))
        #expect(byStreet.people.map { "\($0.level.rawValue) \($0.entry.name)" } == ["community 甲", "street 丙"])
        let outside = try locator.answer(Coordinate(-30, 40))
        #expect(outside.units[.community] == .some(nil))
        #expect(outside.fallback?.unit.code == "A" && near(outside.fallback!.distanceMetres, 30))
        #expect(outside.people.map(\.entry.name) == ["甲"])
    }
}

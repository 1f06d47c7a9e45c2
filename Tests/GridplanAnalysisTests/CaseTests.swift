import Foundation
import GridplanAnalysis
import GridplanGeometry
import Testing

@Suite struct CaseClockTests {
    let shanghai = try! CaseClock(timeZone: "Asia/Shanghai")
    let utc = try! CaseClock(timeZone: "UTC")

    @Test func timesWithAndWithoutOffsets() throws {
        let withOffset = try #require(shanghai.instant("2023-03-01T09:30:00+08:00"))
        #expect(shanghai.instant("2023-03-01 09:30") == withOffset)
        #expect(shanghai.instant("2023-03-01T01:30:00Z") == withOffset)
        #expect(shanghai.instant("2023-03-01T03:30+0200") == withOffset)
        #expect(shanghai.instant("2023/03/01 09:30:00") == withOffset)
        #expect(shanghai.instant("2023-03-01T09:30:00.250+08:00") == withOffset.addingTimeInterval(0.25))
        // Without an offset the clock's zone decides: the same text is 8 hours apart.
        #expect(utc.instant("2023-03-01 09:30")!.timeIntervalSince(withOffset) == 8 * 3600)
        // A date alone is local midnight; as a deadline, the end of that day.
        #expect(shanghai.text(try #require(shanghai.instant("2023-03-01"))) == "2023-03-01T00:00:00+08:00")
        #expect(
            shanghai.text(try #require(shanghai.instant("2023-03-01", endOfDay: true))) == "2023-03-02T00:00:00+08:00")
    }

    @Test func badTimesAreRefused() {
        for bad in [
            "", "yesterday", "2023-02-29", "2023-13-01", "2023-04-31", "2023-03-01T25:00", "2023-03-01T09:61",
            "2023-03-01 09:30 +08", "2023-03-01+08:00", "45000",
        ] {
            #expect(shanghai.instant(bad) == nil, "\(bad)")
        }
        #expect(shanghai.instant("2024-02-29") != nil)
    }

    @Test func periodsAreCutAtLocalMidnight() throws {
        let lastMinute = try #require(shanghai.instant("2023-03-31T23:59:59"))
        let midnight = try #require(shanghai.instant("2023-04-01T00:00:00"))
        #expect(shanghai.period(of: lastMinute, .month).label == "2023-03")
        #expect(shanghai.period(of: midnight, .month).label == "2023-04")
        // 16:30 UTC on 31 March is already April in Shanghai, still March in UTC.
        let late = try #require(utc.instant("2023-03-31T16:30:00Z"))
        #expect(shanghai.period(of: late, .month).label == "2023-04")
        #expect(utc.period(of: late, .month).label == "2023-03")
        #expect(shanghai.period(of: late, .quarter).label == "2023-Q2")
        #expect(utc.period(of: late, .quarter).label == "2023-Q1")
        // Weeks run Monday to Sunday (ISO): Sunday 1 January 2023 is in 2022's last week.
        #expect(shanghai.period(of: shanghai.instant("2023-01-01T12:00")!, .week).label == "2022-W52")
        #expect(shanghai.period(of: shanghai.instant("2023-01-02T00:00")!, .week).label == "2023-W01")
        let w = shanghai.period(of: shanghai.instant("2023-03-01T12:00")!, .week)
        #expect(
            shanghai.text(w.start) == "2023-02-27T00:00:00+08:00" && shanghai.text(w.end) == "2023-03-06T00:00:00+08:00"
        )
        for label in ["2023-W09", "2023-03", "2023-Q1"] { #expect(shanghai.period(labelled: label)?.label == label) }
        #expect(
            shanghai.period(labelled: "2023-13") == nil && shanghai.period(labelled: "2023-W60") == nil
                && shanghai.period(labelled: "March") == nil)
        let months = shanghai.periods(
            .month, from: shanghai.instant("2023-01-15")!, through: shanghai.instant("2023-03-01")!)
        #expect(months.map(\.label) == ["2023-01", "2023-02", "2023-03"])
    }
}

@Suite struct CaseAssessmentTests {
    let clock = try! CaseClock(timeZone: "Asia/Shanghai")

    func t(_ s: String) -> Date { clock.instant(s)! }

    /// Two communities of one street office (and a third with nothing), 100 m squares.
    var units: [AssessedUnit] {
        [
            AssessedUnit(code: "110101001001", name: "东四", areaSquareMetres: 10_000, households: 200),
            AssessedUnit(code: "110101001002", name: "西四", areaSquareMetres: 10_000, households: nil),
            AssessedUnit(code: "110101002001", name: "空", areaSquareMetres: 20_000, households: 100),
        ]
    }

    func record(
        _ id: String, _ reported: String, dispatched: String? = nil, closed: String? = nil, deadline: String? = nil,
        cls: String = "市容环境", source: String = "patrol"
    ) -> CaseRecord {
        CaseRecord(
            id: id, row: 0, location: Coordinate(0, 0), reportedAt: t(reported), dispatchedAt: dispatched.map(t),
            closedAt: closed.map(t),
            deadline: deadline.map(t), source: source, caseClass: cls)
    }

    func run(_ cases: [(CaseRecord, String?)], options: CaseAssessor.Options = CaseAssessor.Options()) -> CaseReport {
        CaseAssessor.run(
            cases: cases.map(\.0), placement: cases.map(\.1), units: units, fallback: [:], clock: clock,
            options: options)
    }

    func row(_ r: CaseReport, _ code: String, _ period: String) throws -> CaseFigures {
        try #require(r.rows.first { $0.code == code && $0.period.label == period })
    }

    @Test func figuresOpenEventsAndEmptyUnits() throws {
        let a = "110101001001", b = "110101001002"
        let cases: [(CaseRecord, String?)] = [
            // On time: 2 h to close.
            (
                record(
                    "1", "2023-03-01T09:00", dispatched: "2023-03-01T09:10", closed: "2023-03-01T11:00",
                    deadline: "2023-03-01T17:00"), a
            ),
            // Late: closed after its deadline, 30 h.
            (
                record(
                    "2", "2023-03-02T09:00", dispatched: "2023-03-02T09:30", closed: "2023-03-03T15:00",
                    deadline: "2023-03-02T17:00", source: "hotline"), a
            ),
            // Open past its deadline at the end of March, closed in April.
            (
                record(
                    "3", "2023-03-30T09:00", dispatched: "2023-03-30T10:00", closed: "2023-04-02T10:00",
                    deadline: "2023-03-31T09:00", cls: "街面秩序"), a
            ),
            // Never dispatched, still open.
            (record("4", "2023-03-31T23:59", deadline: "2023-04-10T00:00"), a),
            // April, in B.
            (
                record(
                    "5", "2023-04-01T00:00", dispatched: "2023-04-01T01:00", closed: "2023-04-01T05:00",
                    deadline: "2023-04-01T08:00"), b
            ),
        ]
        let r = run(cases)
        #expect(r.periods.map(\.label) == ["2023-03", "2023-04"])
        let march = try row(r, a, "2023-03")
        #expect(march.cases == 4 && march.dispatched == 3 && march.closed == 3 && march.closedOnTime == 1)
        #expect(march.closureRate == 0.75 && march.onTimeRate == 0.25)
        #expect(march.medianHoursToClose == 30)  // 2, 30 and 73 hours
        // At the end of March: case 3 (past its deadline) and case 4 are open.
        #expect(march.backlog == 2 && march.overdue == 1)
        #expect(march.byClass == ["市容环境": 3, "街面秩序": 1] && march.bySource == ["patrol": 3, "hotline": 1])
        #expect(march.casesPerSquareKilometre == 400 && march.casesPerThousandHouseholds == 20)
        // B has no households: per-household figures are unknown, not zero.
        let bApril = try row(r, b, "2023-04")
        #expect(bApril.cases == 1 && bApril.casesPerThousandHouseholds == nil)
        // No events: rates are null, never 0 or NaN; counts are 0.
        for code in ["110101002001", b] {
            let empty = try row(r, code, "2023-03")
            #expect(
                empty.cases == 0 && empty.closureRate == nil && empty.onTimeRate == nil
                    && empty.medianHoursToClose == nil && empty.score == nil && empty.rank == nil)
            #expect(empty.backlog == 0 && empty.overdue == 0)
        }
        // Rolled up by code prefix.
        let office = try row(r, "110101001", "2023-03")
        // B's households are unknown.
        #expect(office.level == .streetOffice && office.cases == 4 && office.households == nil)
        let district = try row(r, "110101", "2023-04")
        #expect(district.level == .district && district.cases == 1 && district.closureRate == 1)
        #expect(try row(r, "110101002", "2023-03").closureRate == nil)
        // Open as of the data's last time (case 3 closed on 2 April): only case 4.
        #expect(r.longestOpen.map(\.record.id) == ["4"])
    }

    @Test func contradictoryTimesAreCountedApart() throws {
        let a = "110101001001"
        let r = run([
            (record("ok", "2023-03-01T09:00", closed: "2023-03-01T10:00", deadline: "2023-03-01T12:00"), a),
            (record("closed-first", "2023-03-05T09:00", closed: "2023-03-04T10:00", deadline: "2023-03-06T12:00"), a),
            (record("due-first", "2023-03-06T09:00", deadline: "2023-03-05T12:00"), a),
        ])
        let march = try row(r, a, "2023-03")
        #expect(march.cases == 1 && march.inconsistent == 2 && march.closureRate == 1 && march.backlog == 0)
        #expect(r.inconsistent.map(\.record.id) == ["closed-first", "due-first"])
        #expect(
            r.inconsistent[0].kinds == [.closedBeforeReported] && r.inconsistent[1].kinds == [.deadlineBeforeReported])
    }

    @Test func scoresRanksAndRankChanges() throws {
        let a = "110101001001", b = "110101001002"
        var options = CaseAssessor.Options()
        options.weights = [ScoreWeight(.closure, 0.7), ScoreWeight(.external, 0.3)]
        options.external = [a: ["2023-03": 50, "2023-04": 100], b: ["2023-03": 100, "2023-04": 40]]
        let r = run(
            [
                (record("1", "2023-03-01T09:00", closed: "2023-03-01T10:00"), a),
                (record("2", "2023-03-01T09:00", closed: "2023-03-01T10:00"), b),
                (record("3", "2023-04-01T09:00"), a),
                (record("4", "2023-04-01T09:00", closed: "2023-04-01T10:00"), b),
            ], options: options)
        let aM = try row(r, a, "2023-03"), bM = try row(r, b, "2023-03"), aA = try row(r, a, "2023-04"),
            bA = try row(r, b, "2023-04")
        #expect(near(aM.score!, 85) && near(bM.score!, 100))
        #expect(aM.rank == 2 && bM.rank == 1 && aM.rankChange == nil)
        #expect(near(aA.score!, 30) && near(bA.score!, 82))
        #expect(aA.rank == 2 && bA.rank == 1 && aA.rankChange == 0)
        // A street office without a score of its own takes its communities' mean external score.
        #expect(try row(r, "110101001", "2023-03").external == 75)
        #expect(try ScoreWeight.parse("closure:0.7,external:0.3") == options.weights)
        #expect(throws: CaseInputError.self) { try ScoreWeight.parse("closure=1") }
        #expect(throws: CaseInputError.self) { try ScoreWeight.parse("speed:1") }
    }

    @Test func withoutDeadlinesOnTimeIsUnknown() throws {
        var options = CaseAssessor.Options()
        options.knowsDeadlines = false
        let r = run([(record("1", "2023-03-01T09:00", closed: "2023-03-01T10:00"), "110101001001")], options: options)
        let f = try row(r, "110101001001", "2023-03")
        #expect(f.closureRate == 1 && f.onTimeRate == nil && f.overdue == nil)
    }

    @Test func aRegenerationBetweenTwoPeriods() throws {
        // Grids of one community: first split at x = 50, from 1 February at x = 80.
        let before = [unit("110101001001001", box(0, 0, 50, 100)), unit("110101001001002", box(50, 0, 100, 100))]
        let after = [unit("110101001001001", box(0, 0, 80, 100)), unit("110101001001003", box(80, 0, 100, 100))]
        let drawings = [
            UnitDrawing(effectiveFrom: t("2023-02-01"), units: after, label: "2"),
            UnitDrawing(effectiveFrom: t("2023-01-01"), units: before, label: "1"),
        ]
        func at(_ x: Double, _ reported: String, _ id: String) -> CaseRecord {
            CaseRecord(id: id, row: 0, location: Coordinate(x, 50), reportedAt: t(reported))
        }
        let cases = [
            at(60, "2023-01-31T23:59", "jan"), at(60, "2023-02-01T00:00", "feb"), at(90, "2022-12-31T12:00", "early"),
            at(150, "2023-02-10", "outside"),
        ]
        let placed = try CasePlacement.place(cases, in: drawings)
        #expect(placed.codes == ["110101001001002", "110101001001001", "110101001001002", nil])
        #expect(placed.casesPerDrawing == [2, 2])
        #expect(placed.fallback[3]?.code == "110101001001003" && near(placed.fallback[3]!.distanceMetres, 50))
        let assessed =
            try AssessedUnit.measured(before, households: [:]) + AssessedUnit.measured(after, households: [:])
        let r = CaseAssessor.run(
            cases: cases, placement: placed.codes, units: assessed, fallback: placed.fallback, clock: clock,
            options: CaseAssessor.Options())
        #expect(try row(r, "110101001001002", "2023-01").cases == 1 && row(r, "110101001001001", "2023-02").cases == 1)
        // The community counts both, whichever grid held them.
        #expect(try row(r, "110101001001", "2023-01").cases == 1 && row(r, "110101001001", "2023-02").cases == 1)
        #expect(r.unplaced.map(\.record.id) == ["outside"] && r.unplaced[0].fallbackOwner == "110101001001003")
    }

    @Test func overlapsCountInTheLowerCode() throws {
        let units = [unit("110101001002", box(0, 0, 100, 100)), unit("110101001001", box(50, 0, 150, 100))]
        let placed = try CasePlacement.place(
            [CaseRecord(id: "x", row: 0, location: Coordinate(75, 50), reportedAt: t("2023-03-01"))],
            in: [UnitDrawing(effectiveFrom: nil, units: units, label: "")])
        #expect(placed.codes == ["110101001001"])
    }
}

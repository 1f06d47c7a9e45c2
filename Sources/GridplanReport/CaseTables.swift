import Foundation
import GridplanAnalysis
import GridplanGeometry
import GridplanIO

/// The case assessment as data: the `--json` rows, the CSV table with every figure, and the
/// cases as Open311 GeoReport v2 requests.
public enum CaseTables {
    static func rounded(_ d: Double?, _ places: Double) -> JSONValue {
        d.map { .number(($0 * places).rounded() / places) } ?? .null
    }
    static func integer(_ n: Int?) -> JSONValue { n.map { .integer(Int64($0)) } ?? .null }

    /// One unit and period as `--json` gives it: exactly the keys the README defines.
    public static func json(_ f: CaseFigures) -> JSONValue {
        .object([
            "unit": .string(f.code), "level": .string(f.level.rawValue), "period": .string(f.period.label),
            "cases": .integer(Int64(f.cases)),
            "closed": .integer(Int64(f.closed)), "closure_rate": rounded(f.closureRate, 1e4),
            "on_time_rate": rounded(f.onTimeRate, 1e4),
            "median_hours_to_close": rounded(f.medianHoursToClose, 100), "backlog": .integer(Int64(f.backlog)),
            "overdue": integer(f.overdue),
            "score": rounded(f.score, 100), "rank": integer(f.rank), "rank_change": integer(f.rankChange),
        ])
    }

    /// Every figure of every row, as CSV (RFC 4180, CRLF): fixed columns, then one `class:NAME`
    /// column per event class and one `source:NAME` column per source seen.
    public static func csv(_ report: CaseReport) -> String {
        let classes = Set(report.rows.flatMap(\.byClass.keys)).sorted()
        let sources = Set(report.rows.flatMap(\.bySource.keys)).sorted()
        let header =
            [
                "unit", "name", "level", "period", "cases", "dispatched", "closed", "closed_on_time", "closure_rate",
                "on_time_rate",
                "median_hours_to_close", "backlog", "overdue", "inconsistent", "area_km2", "households",
                "cases_per_km2", "cases_per_1000_households",
                "external", "score", "rank", "rank_change",
            ] + classes.map { "class:" + ($0.isEmpty ? "(none)" : $0) }
            + sources.map { "source:" + ($0.isEmpty ? "(none)" : $0) }
        var lines = [header.map(cell).joined(separator: ",")]
        func text(_ v: JSONValue) -> String { v == .null ? "" : v.text }
        for f in report.rows {
            var row: [String] = [f.code, f.name ?? "", f.level.rawValue, f.period.label]
            row += [String(f.cases), String(f.dispatched), String(f.closed), String(f.closedOnTime)]
            row += [
                text(rounded(f.closureRate, 1e4)), text(rounded(f.onTimeRate, 1e4)),
                text(rounded(f.medianHoursToClose, 100)),
            ]
            row += [String(f.backlog), f.overdue.map(String.init) ?? "", String(f.inconsistent)]
            row += [text(rounded(f.areaSquareMetres.map { $0 / 1e6 }, 1e6)), text(rounded(f.households, 1))]
            row += [text(rounded(f.casesPerSquareKilometre, 100)), text(rounded(f.casesPerThousandHouseholds, 100))]
            row += [
                text(rounded(f.external, 100)), text(rounded(f.score, 100)), f.rank.map(String.init) ?? "",
                f.rankChange.map(String.init) ?? "",
            ]
            row += classes.map { String(f.byClass[$0] ?? 0) }
            row += sources.map { String(f.bySource[$0] ?? 0) }
            lines.append(row.map(cell).joined(separator: ","))
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    static func cell(_ s: String) -> String {
        s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
            ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }

    /// The cases as GeoReport v2 requests: `agency_responsible` is the unit the case lies in
    /// (or, for a case in no unit, its fallback owner, said in `service_notice`); times are ISO
    /// 8601 with the local offset; gridplan's own fields go in `extended_attributes`.
    /// - Parameters:
    ///   - lonLat: each case's point in WGS84.
    ///   - unitNames: names of the units by code, for `agency_responsible`'s notice.
    public static func open311(
        _ cases: [CaseRecord], placement: CasePlacement.Result, lonLat: [Coordinate], clock: CaseClock
    ) -> [JSONObject] {
        cases.enumerated().map { n, r in
            var o = JSONObject()
            o["service_request_id"] = .string(r.id)
            o["status"] = .string(r.closedAt != nil ? "closed" : "open")
            o["status_notes"] = r.status.map { .string($0) } ?? .null
            o["service_name"] = r.caseClass.map { .string($0) } ?? .null
            o["service_code"] = r.caseClass.map { .string($0) } ?? .null
            let unit = placement.codes[n]
            let fallback = placement.fallback[n]
            o["agency_responsible"] = (unit ?? fallback?.code).map { .string($0) } ?? .null
            if unit == nil, let fallback {
                o["service_notice"] = .string(
                    String(
                        format: "in no unit; fallback owner (属地兜底) %@, the nearest unit, %.1f m away", fallback.code,
                        fallback.distanceMetres))
            } else {
                o["service_notice"] = .null
            }
            o["requested_datetime"] = .string(clock.text(r.reportedAt))
            o["updated_datetime"] = .string(clock.text(r.closedAt ?? r.dispatchedAt ?? r.reportedAt))
            o["expected_datetime"] = r.deadline.map { .string(clock.text($0)) } ?? .null
            o["lat"] = .number((lonLat[n].y * 1e7).rounded() / 1e7)
            o["long"] = .number((lonLat[n].x * 1e7).rounded() / 1e7)
            var ext = JSONObject()
            ext["unit"] = unit.map { .string($0) } ?? .null
            ext["dispatched_datetime"] = r.dispatchedAt.map { .string(clock.text($0)) } ?? .null
            ext["source"] = r.source.map { .string($0) } ?? .null
            if unit == nil, let fallback {
                ext["fallback_distance_m"] = .number((fallback.distanceMetres * 10).rounded() / 10)
            }
            o["extended_attributes"] = .object(ext)
            return o
        }
    }
}

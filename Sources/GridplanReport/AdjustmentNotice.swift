import Foundation
import GridplanAnalysis
import GridplanIO

/// The boundary-adjustment notice (区划调整公示) in the forms it is published in: a CSV table
/// and a printable, offline HTML page in Chinese. A row per unit, before and after, with the
/// change; the totals show what the units lose and gain between them.
public enum AdjustmentNotice {
    static let header = [
        "unit", "name", "area_before_m2", "area_after_m2", "area_change_m2", "households_before", "households_after",
        "households_change", "population_before", "population_after", "population_change", "grids_before",
        "grids_after", "grids_change",
    ]

    /// The notice as CSV, one row per unit (the no-unit row last).
    public static func csv(_ rows: [NoticeRow]) -> String {
        CSVText.document(header: header, rows: rows.map(cells))
    }

    static func cells(_ r: NoticeRow) -> [String] {
        [
            r.unit, r.name ?? "", number(r.areaBefore, 1), number(r.areaAfter, 1), number(r.areaChange, 1),
            number(r.householdsBefore, 0), number(r.householdsAfter, 0), number(r.householdsChange, 0),
            number(r.populationBefore, 0), number(r.populationAfter, 0), number(r.populationChange, 0),
            r.gridsBefore.map(String.init) ?? "", r.gridsAfter.map(String.init) ?? "",
            r.gridsChange.map(String.init) ?? "",
        ]
    }

    static func number(_ v: Double?, _ decimals: Int) -> String {
        guard let v else { return "" }
        let s = String(format: "%.\(decimals)f", v)
        return s == "-0" || s == "-0.0" ? String(s.dropFirst()) : s
    }

    /// The notice as one printable HTML page.
    /// - Parameters:
    ///   - title: the notice's heading.
    ///   - decisions: lines saying who decided what (from the decisions file), shown under the table.
    public static func html(_ rows: [NoticeRow], title: String, decisions: [String] = []) -> String {
        let e = MapReport.escape
        let columns = [
            "单元 unit", "名称 name", "面积 调整前 (m²)", "调整后", "变化", "户数 调整前", "调整后", "变化", "人口 调整前", "调整后", "变化",
            "网格 调整前", "调整后", "变化",
        ]
        var body = rows.map { r in
            "<tr>"
                + cells(r).enumerated().map { i, c in
                    let changed = [4, 7, 10, 13].contains(i) && !c.isEmpty && c != "0" && c != "0.0"
                    return
                        "<td\(i >= 2 ? " class=\"n\"" : "")\(changed ? " style=\"font-weight:bold\"" : "")>\(e(c))</td>"
                }.joined() + "</tr>"
        }.joined(separator: "\n")
        let moved = rows.compactMap(\.householdsChange).filter { $0 > 0 }.reduce(0, +)
        body += "\n"
        var notes = [
            "面积按各单元自身边界计算（调整前重叠部分计入每个声称单元）；户数、人口、网格按同一位置规则只计一次，一方所减即另一方所增，或计入“(none)”（不属任何单元）。",
            "Households moving between units in this adjustment: \(number(moved, 0)).",
        ]
        notes += decisions
        return """
            <!DOCTYPE html>
            <html lang="zh-CN"><head><meta charset="utf-8"><title>\(e(title))</title>
            <style>
            body{font-family:"Noto Sans CJK SC","Noto Sans SC","Microsoft YaHei",sans-serif;margin:2em;color:#222}
            table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #999;padding:3px 6px}
            th{background:#eee}td.n{text-align:right;font-variant-numeric:tabular-nums}
            @media print{body{margin:0}}
            </style></head><body>
            <h1>\(e(title))</h1>
            <table><thead><tr>\(columns.map { "<th>\(e($0))</th>" }.joined())</tr></thead><tbody>
            \(body)</tbody></table>
            \(notes.map { "<p>\(e($0))</p>" }.joined(separator: "\n"))
            </body></html>

            """
    }
}

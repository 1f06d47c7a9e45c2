import Foundation
import GridplanAnalysis
import GridplanIO

/// A third-party check's scores (第三方考核), a CSV of `unit, period, score`: the `external`
/// part of the assessment score.
public struct ExternalScores {
    /// Unit code → period label → score.
    public var scores: [String: [String: Double]]
    /// One message per row set aside.
    public var setAside: [String]

    /// Reads `path`. Columns are found by name (unit/code/单位/单位编码, period/周期/月份,
    /// score/得分/分数). A row naming a unit not in `knownCodes`, a period that is not a label
    /// (`2023-03`, `2023-Q1`, `2023-W09`) or a score that is not a number is set aside with a
    /// message; the rest are used.
    /// - Throws: the CSV reader's errors; ``InputError`` when a column cannot be found.
    public static func read(path: String, knownCodes: Set<String>, clock: CaseClock) throws -> ExternalScores {
        let table = try CSVReader.read(path: path)
        func column(_ names: [String]) -> String? { table.columnNames.first { names.contains($0.lowercased()) } }
        guard let unitColumn = column(["unit", "code", "unit_code", "单位", "单位编码", "编码"]),
            let periodColumn = column(["period", "周期", "月份", "考核周期"]),
            let scoreColumn = column(["score", "external", "得分", "分数", "考核得分"])
        else {
            throw InputError(
                "\(path): needs unit, period and score columns; has \(table.columnNames.joined(separator: ", "))")
        }
        var scores: [String: [String: Double]] = [:]
        var setAside: [String] = []
        for (i, f) in table.collection.features.enumerated() {
            let line = i + 2
            let unit = f.properties[unitColumn]?.text.trimmingCharacters(in: .whitespaces) ?? ""
            let periodText = f.properties[periodColumn]?.text ?? ""
            guard knownCodes.contains(unit) else {
                setAside.append("\(path): line \(line): unit '\(unit)' is not one of the units assessed; set aside")
                continue
            }
            guard let period = clock.period(labelled: periodText) else {
                setAside.append(
                    "\(path): line \(line): period '\(periodText)' is not a period label (2023-03, 2023-Q1, 2023-W09); set aside"
                )
                continue
            }
            guard let score = f.properties[scoreColumn]?.doubleValue ?? Double(f.properties[scoreColumn]?.text ?? ""),
                score.isFinite
            else {
                setAside.append(
                    "\(path): line \(line): score '\(f.properties[scoreColumn]?.text ?? "")' is not a number; set aside"
                )
                continue
            }
            scores[unit, default: [:]][period.label] = score
        }
        return ExternalScores(scores: scores, setAside: setAside)
    }
}

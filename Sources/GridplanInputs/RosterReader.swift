import Foundation
import GridplanAnalysis
import GridplanIO

/// A roster that cannot be read: every problem, each with the line it is on. Nothing is
/// recorded from such a roster.
public struct RosterReadError: Error, CustomStringConvertible, Sendable {
    public struct Problem: Sendable, Equatable {
        /// The file line the row starts on; nil for the file as a whole.
        public var line: Int?
        public var message: String
    }

    public var file: String
    public var problems: [Problem]

    public var description: String {
        let shown = problems.prefix(20).map { ($0.line.map { "line \($0): " } ?? "") + $0.message }
        let more = problems.count > 20 ? "; … \(problems.count - 20) more" : ""
        return
            "\(file): the roster cannot be read (\(problems.count) problem\(problems.count == 1 ? "" : "s"); nothing was recorded): "
            + shown.joined(separator: "; ") + more
    }
}

/// A roster read from CSV.
public struct RosterFile: Sendable {
    public var entries: [RosterEntry]
    /// The encoding the file was read in and why.
    public var encoding: TextEncodingChoice
    /// Roster field → the header it was read from.
    public var columns: [String: String]
}

/// Reads a roster CSV (UTF-8 or GBK/GB18030, detected as for DBF; a byte-order mark wins):
/// columns `name, role, phone, unit, street` and optional `superior, tier, duties`, under
/// their English or usual Chinese headers (姓名, 职务/角色, 电话, 单位/网格, 街巷, 上级, 层级, 职责).
///
/// Every row is checked and every problem reported with its line: an empty name or role, a row
/// naming neither a unit nor a street, bytes that are neither UTF-8 nor GBK, a tier that is not
/// a number, the same post listed twice, one name with two phones.
public enum RosterReader {
    /// Roster fields and the headers recognised for each, compared without regard to case.
    public static let fields: [(field: String, names: [String], required: Bool)] = [
        ("name", ["name", "姓名", "人员", "负责人"], true),
        ("role", ["role", "角色", "职务", "岗位"], true),
        ("phone", ["phone", "电话", "联系电话", "手机"], false),
        ("unit", ["unit", "unit_code", "单位", "单位编码", "网格", "编码"], false),
        ("street", ["street", "街巷", "街道名称", "道路", "街巷名称"], false),
        ("superior", ["superior", "上级", "上级负责人"], false),
        ("tier", ["tier", "层级", "级别"], false),
        ("duties", ["duties", "职责"], false),
    ]

    /// - Parameter encoding: the text encoding, nil to detect it.
    /// - Throws: ``RosterReadError`` listing every problem; `CSVError` for a file that is not CSV.
    public static func read(path: String, encoding: TextEncoding? = nil) throws -> RosterFile {
        let table = try CSVReader.read(path: path, encoding: encoding)
        var columns: [String: String] = [:]
        for (field, names, _) in fields {
            if let header = table.columnNames.first(where: { c in names.contains { $0.lowercased() == c.lowercased() } }
            ) {
                columns[field] = header
            }
        }
        var problems: [RosterReadError.Problem] = []
        for (field, names, required) in fields where required && columns[field] == nil {
            problems.append(
                .init(
                    line: nil,
                    message:
                        "no \(field) column (\(names.joined(separator: ", "))); the columns are \(table.columnNames.joined(separator: ", "))"
                ))
        }
        if columns["unit"] == nil && columns["street"] == nil {
            problems.append(
                .init(line: nil, message: "no unit or street column: each row needs a unit code or a street name"))
        }
        if table.columnNames.contains(where: { $0.contains("\u{FFFD}") }) {
            problems.append(
                .init(
                    line: 1,
                    message:
                        "the header has bytes that are neither UTF-8 nor GBK/GB18030 (read as \(table.encoding.encoding))"
                ))
        }
        guard problems.isEmpty else { throw RosterReadError(file: path, problems: problems) }

        var entries: [RosterEntry] = []
        var postLine: [String: Int] = [:]
        var phoneOf: [String: (phone: String, line: Int)] = [:]
        for (k, f) in table.collection.features.enumerated() {
            let line = k < table.rowLines.count ? table.rowLines[k] : k + 2
            func cell(_ field: String) -> String? {
                guard let c = columns[field], let v = f.properties[c], v != .null else { return nil }
                let t = v.text.trimmingCharacters(in: .whitespaces)
                return t.isEmpty ? nil : t
            }
            var rowProblems: [String] = []
            for (field, header) in columns.sorted(by: { $0.key < $1.key })
            where cell(field)?.contains("\u{FFFD}") == true {
                rowProblems.append(
                    "column '\(header)' has bytes that are neither UTF-8 nor GBK/GB18030 (read as \(table.encoding.encoding))"
                )
            }
            let name = cell("name"), role = cell("role")
            if name == nil { rowProblems.append("empty name") }
            if role == nil { rowProblems.append("empty role") }
            let unit = cell("unit"), street = cell("street")
            if unit == nil && street == nil { rowProblems.append("names neither a unit nor a street") }
            let tierText = cell("tier")
            let tier = tierText.flatMap(RosterEntry.tier(fromText:))
            if let tierText, tier == nil {
                rowProblems.append("tier '\(tierText)' is not a number (1 the top tier), 2级 or 二级")
            }
            if let name, let role, rowProblems.isEmpty {
                let key = [name, role, unit ?? "", street ?? ""].joined(separator: "\u{1F}")
                if let first = postLine[key] {
                    rowProblems.append("\(name) as \(role) for \(street ?? unit ?? "") is already on line \(first)")
                } else {
                    postLine[key] = line
                }
                if let phone = cell("phone") {
                    if let known = phoneOf[name], known.phone != phone {
                        rowProblems.append(
                            "\(name) has phone \(phone) here but \(known.phone) on line \(known.line): one person with two phones, or two people with one name (tell them apart, e.g. \(name)(2))"
                        )
                    } else if phoneOf[name] == nil {
                        phoneOf[name] = (phone, line)
                    }
                }
            }
            if !rowProblems.isEmpty {
                problems += rowProblems.map { .init(line: line, message: $0) }
                continue
            }
            entries.append(
                RosterEntry(
                    line: line, name: name!, role: role!, phone: cell("phone"), unit: unit, street: street,
                    superior: cell("superior"), tierText: tierText, tier: tier, duties: cell("duties")))
        }
        guard problems.isEmpty else { throw RosterReadError(file: path, problems: problems) }
        return RosterFile(entries: entries, encoding: table.encoding, columns: columns)
    }
}

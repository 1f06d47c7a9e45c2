import GridplanAnalysis
import GridplanIO

/// A table of street chiefs (街巷长, 路长) as cities keep them: a CSV whose columns are found by
/// their usual names (street or 街巷, chief or 街巷长, unit or 所属单位).
public enum ChiefTable {
    static let streetColumns = ["street", "street_name", "name", "道路", "街巷", "街巷名称", "street_id", "id"]
    static let chiefColumns = ["chief", "街巷长", "路长", "负责人"]
    static let unitColumns = ["unit", "unit_code", "单位", "所属单位", "community"]

    /// What a command needs from the table besides the chief.
    public enum Needs: Sendable {
        /// A street column (assign streets: who holds which street).
        case street
        /// A unit column (metrics: how many chiefs each unit has).
        case unit
    }

    /// The rows that name a chief (and the street or unit asked for), with their line numbers.
    /// - Throws: ``InputError`` naming the file and the columns it has when one it needs is missing.
    public static func read(path: String, needs: Needs) throws -> [ChiefEntry] {
        let table = try CSVReader.read(path: path)
        let cols = table.columnNames
        func column(_ names: [String]) -> String? { cols.first { names.contains($0.lowercased()) } }
        let streetCol = column(streetColumns), unitCol = column(unitColumns)
        guard let chiefCol = column(chiefColumns), needs == .unit ? unitCol != nil : streetCol != nil else {
            let wanted =
                needs == .unit
                ? "unit and chief columns (unit, 所属单位; chief, 街巷长)"
                : "a street column (street, 街巷) and a chief column (chief, 街巷长)"
            throw InputError("\(path): needs \(wanted); has \(cols.joined(separator: ", "))")
        }
        var rows: [ChiefEntry] = []
        for (i, f) in table.collection.features.enumerated() {
            guard let chief = f.properties[chiefCol]?.text, !chief.isEmpty else { continue }
            let street = streetCol.flatMap { f.properties[$0]?.text } ?? ""
            let unit = unitCol.flatMap { f.properties[$0]?.text }.flatMap { $0.isEmpty ? nil : $0 }
            if needs == .street && street.isEmpty { continue }
            if needs == .unit && unit == nil { continue }
            rows.append(ChiefEntry(street: street, chief: chief, unit: unit, line: i + 2))
        }
        return rows
    }
}

import GridplanAnalysis
import GridplanCRS
import GridplanGeometry
import GridplanIO

/// A street office's decisions on findings (`repair --decisions`): a CSV with, per row, the
/// finding (its stable id in a `finding` column, or a point inside it in `lon`/`lat`, WGS84),
/// the chosen `owner` (a unit code, or `leave`), and who confirmed it, when, and why
/// (`confirmed_by`, `date`, `note`). Chinese headers (图斑编号, 归属, 确认人, 日期, 备注) work too.
public enum DecisionTable {
    static let findingColumns = ["finding", "finding_id", "stable_id", "图斑编号", "编号"]
    static let ownerColumns = ["owner", "decision", "归属", "决定"]
    static let confirmedColumns = ["confirmed_by", "confirmed", "确认人", "确认单位"]
    static let dateColumns = ["date", "日期", "确认日期"]
    static let noteColumns = ["note", "备注", "说明"]
    /// Owner values that keep the land as it is.
    static let leaveWords: Set<String> = ["leave", "keep", "保留", "不调整", "维持"]

    /// The decisions in `path`, points moved into `metric`.
    /// - Throws: ``InputError`` naming the file and line: no owner column, a row that names
    ///   neither a finding nor a point, an empty owner.
    public static func read(path: String, metric: CRS) throws -> [RepairDecision] {
        let table = try CSVReader.read(path: path)
        let cols = table.columnNames
        func column(_ names: [String]) -> String? { cols.first { names.contains($0.lowercased()) } }
        guard let ownerColumn = column(ownerColumns) else {
            throw InputError(
                "\(path): needs an owner column (owner: a unit code or leave); has \(cols.joined(separator: ", "))")
        }
        let findingColumn = column(findingColumns)
        let toMetric = try Transformer(from: .wgs84, to: metric)
        var decisions: [RepairDecision] = []
        for (i, f) in table.collection.features.enumerated() {
            let line = i + 2
            func text(_ c: String?) -> String? {
                c.flatMap { f.properties[$0]?.text }.flatMap { $0.isEmpty || $0 == "null" ? nil : $0 }
            }
            let finding = text(findingColumn)
            var point: Coordinate?
            if case .point(let c)? = f.geometry { point = try toMetric.transform(c) }
            guard finding != nil || point != nil else {
                throw InputError(
                    "\(path): line \(line): names no finding (a finding column, or lon and lat of a point inside it)")
            }
            guard let owner = text(ownerColumn) else {
                throw InputError("\(path): line \(line): no owner (a unit code, or leave)")
            }
            decisions.append(
                RepairDecision(
                    findingID: finding, point: finding == nil ? point : nil,
                    choice: leaveWords.contains(owner.lowercased()) ? .leave : .owner(owner),
                    confirmedBy: text(column(confirmedColumns)), date: text(column(dateColumns)),
                    note: text(column(noteColumns)), line: line))
        }
        return decisions
    }
}

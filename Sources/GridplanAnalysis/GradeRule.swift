import Foundation

/// Which body keeps the roads of each grade (路长制: roads are managed by grade; in one city the
/// city bureau keeps grade 1–3 roads and street offices and communities grade 4). Written
/// `1-3:city,4:street_office`: grades or grade ranges, each with a body.
///
/// A body that is a level of the hierarchy (`district`, `street_office`, `community`, `grid`)
/// means the unit of that level holding the segment's lead unit (the lead's code cut to that
/// level's length); any other body (`city`, `市政局`) is responsible as it is named.
///
/// ```swift
/// let rule = try GradeRule(parsing: "1-3:city,4:street_office")
/// rule.body(forGrade: 4)                                      // "street_office"
/// rule.responsibleUnit(forGrade: 4, lead: "110101001002")    // "110101001"
/// ```
public struct GradeRule: Sendable, Equatable, CustomStringConvertible {
    /// Grades `grades` are kept by `body`.
    public struct Entry: Sendable, Equatable {
        public var grades: ClosedRange<Int>
        public var body: String
    }

    /// In the order written; no grade is in two entries.
    public var entries: [Entry]

    /// Parses `1-3:city,4:street_office`.
    /// - Throws: ``GradeRuleError`` for an empty rule, an entry without `:`, a grade that is not a
    ///   whole number from 1, a range running backwards, an empty body, or a grade given twice.
    public init(parsing text: String) throws {
        var entries: [Entry] = []
        for raw in text.split(separator: ",", omittingEmptySubsequences: false) {
            let part = raw.trimmingCharacters(in: .whitespaces)
            guard let colon = part.firstIndex(of: ":") else {
                throw GradeRuleError("'\(part)': write GRADES:BODY, e.g. 1-3:city or 4:street_office")
            }
            let gradesText = part[..<colon].trimmingCharacters(in: .whitespaces)
            let body = part[part.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            guard !body.isEmpty else { throw GradeRuleError("'\(part)': no body after ':'") }
            let bounds = gradesText.split(separator: "-", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            guard (1...2).contains(bounds.count), let low = Int(bounds[0]), let high = Int(bounds.last!), low >= 1
            else {
                throw GradeRuleError("'\(part)': grades are whole numbers from 1, or a range such as 1-3")
            }
            guard low <= high else { throw GradeRuleError("'\(part)': the range \(low)-\(high) runs backwards") }
            if let clash = entries.first(where: { $0.grades.overlaps(low...high) }) {
                throw GradeRuleError(
                    "'\(part)': grade \(max(low, clash.grades.lowerBound)) is already kept by \(clash.body)")
            }
            entries.append(Entry(grades: low...high, body: body))
        }
        guard !entries.isEmpty else { throw GradeRuleError("the rule is empty") }
        self.entries = entries
    }

    /// The body keeping roads of `grade`, nil when no entry covers it.
    public func body(forGrade grade: Int) -> String? {
        entries.first { $0.grades.contains(grade) }?.body
    }

    /// The unit or body responsible for a segment of `grade` led by `lead`: for a hierarchy
    /// body, the lead's code cut to that level (nil when the lead is unknown or coarser); for
    /// any other body, its name.
    public func responsibleUnit(forGrade grade: Int, lead: String?) -> String? {
        guard let body = body(forGrade: grade) else { return nil }
        guard let level = HierarchyLevel(rawValue: body) else { return body }
        guard let lead, lead.count >= level.codeLength else { return nil }
        return String(lead.prefix(level.codeLength))
    }

    /// The rule as it is written back: `1-3:city,4:street_office`.
    public var description: String {
        entries.map {
            ($0.grades.count == 1 ? "\($0.grades.lowerBound)" : "\($0.grades.lowerBound)-\($0.grades.upperBound)") + ":"
                + $0.body
        }.joined(separator: ",")
    }

    /// A grade read from a property: a whole number (`3`, `"3"`), `3级` or `三级`; nil otherwise.
    public static func grade(fromText text: String) -> Int? {
        // The usual case, a bare number, without Foundation's trimming (slow, and once per street).
        if let n = Int(text) { return n >= 1 ? n : nil }
        var t = text.trimmingCharacters(in: .whitespaces)
        if t.hasSuffix("级") { t.removeLast() }
        if let n = Int(t), n >= 1 { return n }
        if t.count == 1, let n = numerals[t.first!] { return n }
        return nil
    }

    private static let numerals: [Character: Int] = [
        "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
    ]
}

/// Why a grade rule cannot be used.
public struct GradeRuleError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { "--grade-rule: \(message)" }
}

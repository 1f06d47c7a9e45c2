import Foundation
/// Writing CSV (RFC 4180): fields with commas, quotes or line breaks are quoted, quotes doubled.
public enum CSVText {
    /// One field, quoted when it must be.
    public static func field(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// One line: the fields joined by commas, ended by CRLF as RFC 4180 has it.
    public static func line(_ fields: [String]) -> String {
        fields.map(field).joined(separator: ",") + "\r\n"
    }

    /// A whole document: a header line, then the rows (short rows padded with empty fields).
    public static func document(header: [String], rows: [[String]]) -> String {
        line(header)
            + rows.map { line($0 + Array(repeating: "", count: max(0, header.count - $0.count))) }.joined()
    }
}

import Foundation
import GridplanIO
import GridplanSample
import Testing

/// roster.csv and the holes truth.json lists for it.
@Suite struct SampleRosterTests {
    @Test func theHolesAreWhereTruthSays() throws {
        let dir = try Fixtures.defaultCity.get()
        let table = try CSVReader.read(path: dir + "/roster.csv")
        #expect(table.columnNames == ["name", "role", "phone", "unit", "street", "superior", "tier", "duties"])
        guard
            case .object(let truthDoc) = try JSONText.decode(
                String(contentsOfFile: dir + "/truth.json", encoding: .utf8)),
            case .object(let truth)? = truthDoc["roster"]
        else {
            Issue.record("no roster in truth.json")
            return
        }
        let rows = table.collection.features.map(\.properties)
        #expect(truth["rows"] == .integer(Int64(rows.count)))
        let missing = truth["missing"]?.arrayValue ?? []
        #expect(missing.filter { $0.objectValue?["level"] == .string("community") }.count == 1)
        #expect(missing.filter { $0.objectValue?["level"] == .string("street") }.count == 3)
        for m in missing.compactMap(\.objectValue) {
            let role = m["role"]!.text
            if let unit = m["unit"]?.stringValue {
                #expect(!rows.contains { $0["unit"]?.text == unit && $0["role"]?.text == role })
            } else if let street = m["street"]?.stringValue {
                #expect(!rows.contains { $0["street"]?.text == street })
            }
        }
        // One name per person: names and phones are unique but for the overloaded chief's streets.
        let over = truth["over_limit"]?.arrayValue?.first?.objectValue
        let chief = over?["name"]?.text
        #expect(rows.filter { $0["name"]?.text == chief }.count == Int(over?["streets"]?.intValue ?? 0))
        let others = rows.filter { $0["name"]?.text != chief }
        #expect(Set(others.map { $0["name"]!.text }).count == others.count)
        let unknownLine = truth["unknown"]?.arrayValue?.first?.objectValue?["line"]?.intValue ?? 0
        #expect(table.rowLines[Int(unknownLine) - 2] == Int(unknownLine))
        #expect(rows[Int(unknownLine) - 2]["unit"]?.text.hasSuffix("999") == true)
    }
}

extension JSONValue {
    var objectValue: JSONObject? { if case .object(let o) = self { return o } else { return nil } }
    var arrayValue: [JSONValue]? { if case .array(let a) = self { return a } else { return nil } }
}

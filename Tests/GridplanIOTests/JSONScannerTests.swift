import Foundation
import Testing

@testable import GridplanIO

/// The scanner's own UTF-8 check and its member-name shortcuts (the key cache, the hash bits
/// that spare most duplicate-name lookups) give what a plain reading would.
@Suite struct JSONScannerTests {
    func parse(_ bytes: [UInt8]) throws -> JSONValue {
        try bytes.withUnsafeBufferPointer { b in
            var s = JSONScanner(bytes: b)
            return try s.readValue()
        }
    }

    func isValid(_ bytes: [UInt8]) -> Bool { bytes.withUnsafeBufferPointer { UTF8Validation.isValid($0) } }

    @Test func utf8CheckAgreesWithTheStandardLibrary() {
        let cases: [[UInt8]] = [
            Array("东城区 网格 😀 abc".utf8), [0xC0, 0x80], [0xC1, 0xBF], [0xE0, 0x80, 0x80], [0xE0, 0x9F, 0xBF],
            [0xE0, 0xA0, 0x80], [0xED, 0x9F, 0xBF], [0xED, 0xA0, 0x80], [0xEF, 0xBF, 0xBF], [0xF0, 0x8F, 0xBF, 0xBF],
            [0xF0, 0x90, 0x80, 0x80], [0xF4, 0x8F, 0xBF, 0xBF], [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80],
            [0xE4, 0xB8], [0x80], [0xBF, 0x41], [0xFE], [0xFF], [0x41, 0xE4, 0xB8, 0x41],
        ]
        for c in cases {
            #expect(isValid(c) == (String(validating: c, as: UTF8.self) != nil), "\(c.map { String($0, radix: 16) })")
        }
        // Random bytes, biased towards the lead and continuation bytes where the rules bite.
        var rng = SystemRandomNumberGenerator()
        let alphabet: [UInt8] = [
            0x41, 0x7F, 0x80, 0x9F, 0xA0, 0xBF, 0xC0, 0xC2, 0xDF, 0xE0, 0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xFF,
        ]
        for _ in 0..<20000 {
            let bytes = (0..<Int.random(in: 1...6, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }
            #expect(isValid(bytes) == (String(validating: bytes, as: UTF8.self) != nil), "\(bytes)")
        }
    }

    @Test func badUTF8InANameOrAValueIsAnError() throws {
        for text in [
            [0x7B, 0x22, 0xC0, 0x80, 0x22, 0x3A, 0x31, 0x7D],
            [0x7B, 0x22, 0x61, 0x22, 0x3A, 0x22, 0xED, 0xA0, 0x80, 0x22, 0x7D],
        ]
            as [[UInt8]]
        {
            #expect(throws: JSONSyntaxError.self) { try parse(text) }
        }
        // Escaped text is checked after unescaping: \u escapes make valid text, raw bytes may not.
        #expect(try parse(Array(#"{"a":"\u4e1c\u57ce"}"#.utf8)) == .object(["a": .string("东城")]))
        #expect(throws: JSONSyntaxError.self) { try parse([0x22, 0x5C, 0x6E, 0xFF, 0x22]) }
    }

    @Test func repeatedNamesKeepTheirFirstPlaceAndTheLastValue() throws {
        #expect(
            try parse(Array(#"{"a":1,"b":2,"a":3}"#.utf8))
                == .object(JSONObject([(key: "a", value: .integer(3)), (key: "b", value: .integer(2))])))
        // More names than hash bits: every bit is taken, and a repeat is still found.
        var text = "{" + (0..<100).map { "\"k\($0)\":\($0)" }.joined(separator: ",")
        text += ",\"k7\":-7,\"k99\":-99}"
        guard case .object(let o) = try parse(Array(text.utf8)) else {
            Issue.record("not an object")
            return
        }
        #expect(o.count == 100)
        #expect(o["k7"] == .integer(-7) && o["k99"] == .integer(-99) && o["k50"] == .integer(50))
        #expect(o.keys == (0..<100).map { "k\($0)" })
    }

    @Test func cachedNamesAreTheNamesRead() throws {
        // The same names many times (from the cache), names that share a slot, and an escaped name.
        let features = (0..<200).map { i in #"{"name":"n\#(i)","名称":"\#(i)","na\u006de2":\#(i),"x\#(i % 70)":true}"# }
        guard case .array(let a) = try parse(Array(("[" + features.joined(separator: ",") + "]").utf8)) else {
            Issue.record("not an array")
            return
        }
        for (i, v) in a.enumerated() {
            guard case .object(let o) = v else { continue }
            #expect(o.keys == ["name", "名称", "name2", "x\(i % 70)"])
            #expect(o["name"] == .string("n\(i)") && o["名称"] == .string("\(i)") && o["name2"] == .integer(Int64(i)))
        }
    }
}

/// A syntax error at a byte offset; the GeoJSON reader turns the offset into line and column.
struct JSONSyntaxError: Error {
    var offset: Int
    var message: String
}

/// A recursive-descent JSON scanner over bytes in memory (usually a memory-mapped file).
/// It reads values one at a time, so the GeoJSON reader can stream features without building a
/// tree for the whole file. Numbers use an exact fast path (Clinger) and fall back to `strtod`.
struct JSONScanner {
    let bytes: UnsafeBufferPointer<UInt8>
    var pos: Int = 0
    /// Guards against stack exhaustion on hostile input such as 100,000 nested '['.
    var depth = 0
    static let maxDepth = 512

    init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
        // A UTF-8 byte order mark is allowed and skipped.
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { pos = 3 }
    }

    var isAtEnd: Bool { pos >= bytes.count }

    func fail(_ message: String, at offset: Int? = nil) -> JSONSyntaxError {
        JSONSyntaxError(offset: offset ?? pos, message: message)
    }

    @inline(__always)
    mutating func skipWhitespace() {
        while pos < bytes.count {
            let b = bytes[pos]
            if b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 { pos += 1 } else { return }
        }
    }

    /// The next non-whitespace byte, not consumed; nil at the end.
    @inline(__always)
    mutating func peek() -> UInt8? {
        skipWhitespace()
        return pos < bytes.count ? bytes[pos] : nil
    }

    static func describe(_ b: UInt8?) -> String {
        guard let b else { return "end of file" }
        if b >= 0x20 && b < 0x7F { return "'\(Character(Unicode.Scalar(b)))'" }
        return String(format: "byte 0x%02X", b)
    }

    mutating func expect(_ c: UInt8, _ what: String) throws {
        let b = peek()
        guard b == c else { throw fail("expected \(what), found \(Self.describe(b))") }
        pos += 1
    }

    // MARK: Objects and arrays, piecewise

    /// Consumes '{' and reports whether the object is empty (then '}' is consumed too).
    mutating func beginObject() throws -> Bool {
        try expect(UInt8(ascii: "{"), "'{'")
        if peek() == UInt8(ascii: "}") {
            pos += 1
            return false
        }
        return true
    }

    /// Reads `"key":` of the next member.
    mutating func readKey() throws -> String { try readKeyHashed().0 }

    /// Reads `"key":` of the next member, with a hash of the name's bytes.
    mutating func readKeyHashed() throws -> (String, UInt32) {
        guard peek() == UInt8(ascii: "\"") else {
            throw fail("expected a member name in quotes, found \(Self.describe(peek()))")
        }
        let key = try readKeyString()
        try expect(UInt8(ascii: ":"), "':' after member name")
        return key
    }

    /// After a member value: true if another member follows (',' consumed), false at '}'.
    mutating func nextMember() throws -> Bool {
        switch peek() {
        case UInt8(ascii: ","):
            pos += 1
            return true
        case UInt8(ascii: "}"):
            pos += 1
            return false
        case let b: throw fail("expected ',' or '}' in object, found \(Self.describe(b))")
        }
    }

    /// Consumes '[' and reports whether the array has elements (an empty array's ']' is consumed).
    mutating func beginArray() throws -> Bool {
        try expect(UInt8(ascii: "["), "'['")
        if peek() == UInt8(ascii: "]") {
            pos += 1
            return false
        }
        return true
    }

    /// After an element: true if another element follows (',' consumed), false at ']'.
    mutating func nextElement() throws -> Bool {
        switch peek() {
        case UInt8(ascii: ","):
            pos += 1
            return true
        case UInt8(ascii: "]"):
            pos += 1
            return false
        case let b: throw fail("expected ',' or ']' in array, found \(Self.describe(b))")
        }
    }

    // MARK: Values

    mutating func readValue() throws -> JSONValue {
        guard let b = peek() else { throw fail("unexpected end of file, expected a value") }
        switch b {
        case UInt8(ascii: "{"):
            try enterNested()
            defer { leaveNested() }
            var object = JSONObject()
            guard try beginObject() else { return .object(object) }
            // One bit per member name's hash: a name whose bit is clear is new to this object, and
            // only the rest are looked for among the names before (the last of a repeated name wins).
            var seen: UInt64 = 0
            repeat {
                let (key, hash) = try readKeyHashed()
                let value = try readValue()
                let bit: UInt64 = 1 << UInt64((hash >> 7) & 63)
                if seen & bit == 0 || object[key] == nil {
                    object.appendUnchecked(key, value)
                } else {
                    object[key] = value
                }
                seen |= bit
            } while try nextMember()
            return .object(object)
        case UInt8(ascii: "["):
            try enterNested()
            defer { leaveNested() }
            var array: [JSONValue] = []
            guard try beginArray() else { return .array(array) }
            repeat { array.append(try readValue()) } while try nextElement()
            return .array(array)
        case UInt8(ascii: "\""):
            return .string(try readString())
        case UInt8(ascii: "t"):
            try literal("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try literal("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try literal("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return try readNumber()
        case UInt8(ascii: "N"), UInt8(ascii: "I"):
            throw fail("NaN and Infinity are not JSON numbers")
        default:
            throw fail("unexpected \(Self.describe(b)), expected a value")
        }
    }

    /// Counts one more level of nesting, as reading an object or array does.
    mutating func enterNested() throws {
        guard depth < Self.maxDepth else { throw fail("nesting deeper than \(Self.maxDepth) levels") }
        depth += 1
    }

    mutating func leaveNested() { depth -= 1 }

    /// Skips one value of any kind without building it, checking everything ``readValue()``
    /// checks (nesting depth, strings' escapes and UTF-8, number syntax, literals), so a file
    /// fails the same way whether a value is read or passed over.
    mutating func skipValue() throws {
        guard let b = peek() else { throw fail("unexpected end of file, expected a value") }
        switch b {
        case UInt8(ascii: "{"):
            try enterNested()
            defer { leaveNested() }
            guard try beginObject() else { return }
            repeat {
                _ = try readKeyHashed()
                try skipValue()
            } while try nextMember()
        case UInt8(ascii: "["):
            try enterNested()
            defer { leaveNested() }
            guard try beginArray() else { return }
            repeat { try skipValue() } while try nextElement()
        case UInt8(ascii: "\""):
            let (raw, offset, hasEscape, isASCII) = try scanString()
            if hasEscape {
                _ = try unescape(raw, offset: offset)
            } else if !isASCII && !UTF8Validation.isValid(raw) {
                _ = try decode(raw, offset: offset, hasEscape: false, isASCII: false)
            }
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            _ = try scanNumber()
        default:
            // Literals and every error: as a read.
            _ = try readValue()
        }
    }

    /// Skips one value checking only its structure: brackets balance and strings end. Numbers,
    /// literals and the text inside strings are not looked at, so this runs at the speed of a
    /// byte scan. For the key survey, whose file the full parse reads again and checks.
    mutating func skipValueQuickly() throws {
        guard let first = peek() else { throw fail("unexpected end of file, expected a value") }
        guard first == UInt8(ascii: "{") || first == UInt8(ascii: "[") else {
            if first == UInt8(ascii: "\"") { return try skipStringQuickly() }
            while pos < bytes.count {
                switch bytes[pos] {
                case UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), 0x20, 0x0A, 0x0D, 0x09: return
                default: pos += 1
                }
            }
            return
        }
        let start = pos
        var depth = 0
        while pos < bytes.count {
            switch bytes[pos] {
            case UInt8(ascii: "\""):
                try skipStringQuickly()
                continue
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                if depth == 0 {
                    pos += 1
                    return
                }
            default: break
            }
            pos += 1
        }
        throw fail("unexpected end of file inside a value", at: start)
    }

    /// Moves past a string whose opening quote is at `pos`, minding only escapes.
    mutating func skipStringQuickly() throws {
        let start = pos
        pos += 1
        while pos < bytes.count {
            let b = bytes[pos]
            if b == UInt8(ascii: "\"") {
                pos += 1
                return
            }
            pos += b == UInt8(ascii: "\\") ? 2 : 1
        }
        throw fail("unterminated string", at: start)
    }

    mutating func literal(_ word: StaticString) throws {
        let n = word.utf8CodeUnitCount
        let start = pos
        guard pos + n <= bytes.count else { throw fail("unexpected end of file in literal", at: start) }
        let w = UnsafeBufferPointer(start: word.utf8Start, count: n)
        for i in 0..<n where bytes[pos + i] != w[i] {
            throw fail("invalid literal, expected '\(word)'", at: start)
        }
        pos += n
    }

    // MARK: Strings

    mutating func readString() throws -> String {
        let (raw, offset, hasEscape, isASCII) = try scanString()
        return try decode(raw, offset: offset, hasEscape: hasEscape, isASCII: isASCII)
    }

    /// Moves past a string and returns its raw bytes (between the quotes), where they start,
    /// whether they hold an escape, and whether every byte is ASCII.
    @inline(__always)
    private mutating func scanString() throws -> (UnsafeBufferPointer<UInt8>, Int, Bool, Bool) {
        let start = pos
        pos += 1  // opening quote
        let contentStart = pos
        var hasEscape = false
        var high: UInt8 = 0
        while true {
            guard pos < bytes.count else { throw fail("unterminated string", at: start) }
            let b = bytes[pos]
            if b == UInt8(ascii: "\"") { break }
            if b == UInt8(ascii: "\\") {
                hasEscape = true
                pos += 2
                continue
            }
            if b < 0x20 { throw fail("control character \(Self.describe(b)) inside a string") }
            high |= b
            pos += 1
        }
        let raw = UnsafeBufferPointer(rebasing: bytes[contentStart..<pos])
        pos += 1  // closing quote
        return (raw, contentStart, hasEscape, high < 0x80)
    }

    @inline(__always)
    private func decode(_ raw: UnsafeBufferPointer<UInt8>, offset: Int, hasEscape: Bool, isASCII: Bool) throws
        -> String
    {
        if hasEscape { return try unescape(raw, offset: offset) }
        // ASCII is valid UTF-8 as it stands; other text is checked here, so that decoding (which
        // would quietly put U+FFFD for bad bytes) never meets a bad byte.
        guard isASCII || UTF8Validation.isValid(raw) else {
            throw fail("text is not valid UTF-8 (is the file GBK-encoded? convert it to UTF-8)", at: offset)
        }
        return String(decoding: raw, as: UTF8.self)
    }

    /// A member name read before, kept with its bytes: names repeat in every feature.
    struct CachedKey {
        var bytes: [UInt8]
        var string: String
    }
    /// Recently read member names by a hash of their bytes.
    var keyCache = [CachedKey?](repeating: nil, count: 64)

    /// Reads a member name, with an FNV-1a hash of its bytes: one seen before is taken from
    /// ``keyCache`` without decoding.
    mutating func readKeyString() throws -> (String, UInt32) {
        let (raw, offset, hasEscape, isASCII) = try scanString()
        var h: UInt32 = 2_166_136_261
        for b in raw { h = (h ^ UInt32(b)) &* 16_777_619 }
        guard !hasEscape, raw.count <= 48 else {
            return (try decode(raw, offset: offset, hasEscape: hasEscape, isASCII: isASCII), h)
        }
        let slot = Int(h & 63)
        if let k = keyCache[slot], k.bytes.count == raw.count,
            raw.isEmpty || k.bytes.withUnsafeBytes({ memcmp($0.baseAddress!, raw.baseAddress!, raw.count) == 0 })
        {
            return (k.string, h)
        }
        let s = try decode(raw, offset: offset, hasEscape: false, isASCII: isASCII)
        keyCache[slot] = CachedKey(bytes: Array(raw), string: s)
        return (s, h)
    }

    private func hexValue(_ b: UInt8) -> UInt32? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(b - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt32(b - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt32(b - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }

    private func unescape(_ raw: UnsafeBufferPointer<UInt8>, offset: Int) throws -> String {
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        var i = 0
        func hex4(_ at: Int) throws -> UInt32 {
            guard at + 4 <= raw.count else { throw fail("truncated \\u escape", at: offset + at) }
            var v: UInt32 = 0
            for k in 0..<4 {
                guard let h = hexValue(raw[at + k]) else { throw fail("invalid \\u escape", at: offset + at) }
                v = v << 4 | h
            }
            return v
        }
        while i < raw.count {
            let b = raw[i]
            guard b == UInt8(ascii: "\\") else {
                out.append(b)
                i += 1
                continue
            }
            guard i + 1 < raw.count else { throw fail("truncated escape", at: offset + i) }
            let e = raw[i + 1]
            i += 2
            switch e {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4(i)
                i += 4
                if (0xD800..<0xDC00).contains(scalar) {
                    // A high surrogate must be followed by \u and a low surrogate.
                    guard i + 6 <= raw.count, raw[i] == UInt8(ascii: "\\"), raw[i + 1] == UInt8(ascii: "u") else {
                        throw fail("unpaired surrogate in \\u escape", at: offset + i)
                    }
                    let low = try hex4(i + 2)
                    guard (0xDC00..<0xE000).contains(low) else { throw fail("invalid low surrogate", at: offset + i) }
                    i += 6
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                }
                guard let u = Unicode.Scalar(scalar) else {
                    throw fail("invalid code point in \\u escape", at: offset + i)
                }
                out.append(contentsOf: Array(String(Character(u)).utf8))
            default:
                throw fail("invalid escape '\\\(Character(Unicode.Scalar(e)))'", at: offset + i - 2)
            }
        }
        let valid = out.withUnsafeBufferPointer { UTF8Validation.isValid($0) }
        guard valid else {
            throw fail("text is not valid UTF-8 (is the file GBK-encoded? convert it to UTF-8)", at: offset)
        }
        return String(decoding: out, as: UTF8.self)
    }

    // MARK: Numbers

    private static let exactPowers: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    /// Reads a number: integers that fit in Int64 stay integers.
    mutating func readNumber() throws -> JSONValue {
        let (value, isInteger, intValue) = try scanNumber()
        if isInteger, let intValue { return .integer(intValue) }
        return .number(value)
    }

    /// Reads a number as a Double (coordinates).
    @inline(__always)
    mutating func readDouble() throws -> Double {
        guard let b = peek() else { throw fail("unexpected end of file, expected a number") }
        guard b == UInt8(ascii: "-") || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) else {
            if b == UInt8(ascii: "N") || b == UInt8(ascii: "I") { throw fail("NaN or infinite coordinate") }
            if b == UInt8(ascii: "n") { throw fail("null coordinate value") }
            throw fail("expected a number, found \(Self.describe(b))")
        }
        return try scanNumber().0
    }

    private mutating func scanNumber() throws -> (Double, Bool, Int64?) {
        let start = pos
        var negative = false
        if bytes[pos] == UInt8(ascii: "-") {
            negative = true
            pos += 1
        }
        var mantissa: UInt64 = 0
        var digits = 0
        var exponent = 0
        var sawDigit = false
        var isInteger = true
        guard pos < bytes.count else { throw fail("truncated number", at: start) }
        if bytes[pos] == UInt8(ascii: "0") {
            pos += 1
            sawDigit = true
        } else {
            while pos < bytes.count, bytes[pos] >= UInt8(ascii: "0"), bytes[pos] <= UInt8(ascii: "9") {
                if digits < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(bytes[pos] - UInt8(ascii: "0"))
                    digits += 1
                } else {
                    exponent += 1
                }
                pos += 1
                sawDigit = true
            }
        }
        guard sawDigit else { throw fail("invalid number", at: start) }
        if pos < bytes.count, bytes[pos] == UInt8(ascii: ".") {
            isInteger = false
            pos += 1
            var fracDigits = false
            while pos < bytes.count, bytes[pos] >= UInt8(ascii: "0"), bytes[pos] <= UInt8(ascii: "9") {
                if digits < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(bytes[pos] - UInt8(ascii: "0"))
                    if mantissa != 0 { digits += 1 }
                    exponent -= 1
                }
                pos += 1
                fracDigits = true
            }
            guard fracDigits else { throw fail("invalid number: no digits after '.'", at: start) }
        }
        if pos < bytes.count, bytes[pos] == UInt8(ascii: "e") || bytes[pos] == UInt8(ascii: "E") {
            isInteger = false
            pos += 1
            var expNegative = false
            if pos < bytes.count, bytes[pos] == UInt8(ascii: "+") || bytes[pos] == UInt8(ascii: "-") {
                expNegative = bytes[pos] == UInt8(ascii: "-")
                pos += 1
            }
            var e = 0
            var expDigits = false
            while pos < bytes.count, bytes[pos] >= UInt8(ascii: "0"), bytes[pos] <= UInt8(ascii: "9") {
                if e < 100_000 { e = e * 10 + Int(bytes[pos] - UInt8(ascii: "0")) }
                pos += 1
                expDigits = true
            }
            guard expDigits else { throw fail("invalid number: no digits in exponent", at: start) }
            exponent += expNegative ? -e : e
        }
        if isInteger && exponent == 0 && mantissa <= UInt64(Int64.max) {
            let n = Int64(mantissa)
            return (Double(n) * (negative ? -1 : 1), true, negative ? -n : n)
        }
        var value: Double
        if digits <= 19 && mantissa <= (1 << 53) && exponent >= -22 && exponent <= 22 {
            // Exact: both operands are exact doubles, so one correctly rounded operation.
            value = Double(mantissa)
            value = exponent < 0 ? value / Self.exactPowers[-exponent] : value * Self.exactPowers[exponent]
        } else {
            let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<pos]), as: UTF8.self)
            guard let v = Double(text) else { throw fail("invalid number '\(text)'", at: start) }
            return (v, false, nil)
        }
        if negative { value = -value }
        return (value, false, nil)
    }

    // MARK: Positions

    /// Line and column (1-based) of a byte offset, for error messages.
    func lineAndColumn(of offset: Int) -> (line: Int, column: Int) {
        var line = 1
        var lineStart = 0
        let end = min(offset, bytes.count)
        var i = 0
        while i < end {
            if bytes[i] == 0x0A {
                line += 1
                lineStart = i + 1
            }
            i += 1
        }
        // Column counts characters, not bytes: skip UTF-8 continuation bytes.
        var column = 1
        i = lineStart
        while i < end {
            if bytes[i] & 0xC0 != 0x80 { column += 1 }
            i += 1
        }
        return (line, column)
    }
}

import Foundation

/// A strict UTF-8 check (RFC 3629): no overlong forms, no surrogates, nothing past U+10FFFF.
/// Written out because `String(validating:as:)` is generic and, unspecialised, slow per call.
enum UTF8Validation {
    static func isValid(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 0
        let n = b.count
        while i < n {
            let c = b[i]
            if c < 0x80 {
                i += 1
                continue
            }
            func continuation(_ k: Int) -> Bool { i + k < n && b[i + k] & 0xC0 == 0x80 }
            switch c {
            case 0xC2...0xDF:
                guard continuation(1) else { return false }
                i += 2
            case 0xE0...0xEF:
                guard continuation(1), continuation(2) else { return false }
                let c1 = b[i + 1]
                if c == 0xE0 && c1 < 0xA0 { return false }  // overlong
                if c == 0xED && c1 >= 0xA0 { return false }  // surrogates
                i += 3
            case 0xF0...0xF4:
                guard continuation(1), continuation(2), continuation(3) else { return false }
                let c1 = b[i + 1]
                if c == 0xF0 && c1 < 0x90 { return false }  // overlong
                if c == 0xF4 && c1 >= 0x90 { return false }  // past U+10FFFF
                i += 4
            default: return false
            }
        }
        return true
    }
}

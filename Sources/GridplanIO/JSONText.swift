/// Appends JSON text to a byte buffer: the one place where gridplan formats JSON numbers and
/// strings, used by the GeoJSON writer and every `--json` report.
public enum JSONText {
    /// JSON text of any value, compact.
    public static func encode(_ value: JSONValue) -> String {
        var out: [UInt8] = []
        append(value, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// A double in the shortest form that reads back to the same value; non-finite as `null`.
    public static func number(_ d: Double) -> String {
        guard d.isFinite else { return "null" }
        if d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) }
        return d.description
    }

    public static func append(_ value: JSONValue, to out: inout [UInt8]) {
        switch value {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .integer(let n): appendInteger(n, to: &out)
        case .number(let d): out.append(contentsOf: number(d).utf8)
        case .string(let s): appendString(s, to: &out)
        case .array(let a):
            out.append(UInt8(ascii: "["))
            for (i, v) in a.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                append(v, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let o): appendObject(o, to: &out)
        }
    }

    public static func appendObject(_ o: JSONObject, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "{"))
        for (i, e) in o.entries.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            appendString(e.key, to: &out)
            out.append(UInt8(ascii: ":"))
            append(e.value, to: &out)
        }
        out.append(UInt8(ascii: "}"))
    }

    public static func appendInteger(_ n: Int64, to out: inout [UInt8]) {
        if n == 0 {
            out.append(UInt8(ascii: "0"))
            return
        }
        var digits:
            (
                UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8
            ) =
                (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var m = n.magnitude
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buf in
            while m > 0 {
                buf[count] = UInt8(ascii: "0") + UInt8(m % 10)
                m /= 10
                count += 1
            }
            if n < 0 { out.append(UInt8(ascii: "-")) }
            for i in stride(from: count - 1, through: 0, by: -1) { out.append(buf[i]) }
        }
    }

    static let powersOfTen: [Double] = (0...15).map { p in (0..<p).reduce(1.0) { acc, _ in acc * 10 } }

    /// A coordinate value rounded to `decimals` places, trailing zeros trimmed
    /// (116.3974280 → `116.397428`). Falls back to the shortest form for huge values.
    public static func appendFixed(_ d: Double, decimals: Int, to out: inout [UInt8]) {
        guard d.isFinite else {
            out.append(contentsOf: "null".utf8)
            return
        }
        let decimals = min(max(decimals, 0), 15)
        let scale = powersOfTen[decimals]
        let scaled = (d * scale).rounded()
        guard abs(scaled) < 9.0e15 else {
            out.append(contentsOf: number(d).utf8)
            return
        }
        let n = Int64(scaled)
        if n == 0 {
            out.append(UInt8(ascii: "0"))
            return
        }
        let scaleInt = Int64(scale)
        let whole = n / scaleInt
        var frac = (n % scaleInt).magnitude
        if n < 0 && whole == 0 { out.append(UInt8(ascii: "-")) }
        appendInteger(whole, to: &out)
        guard frac != 0 else { return }
        var width = decimals
        while frac % 10 == 0 {
            frac /= 10
            width -= 1
        }
        out.append(UInt8(ascii: "."))
        var digits = [UInt8](repeating: UInt8(ascii: "0"), count: width)
        var i = width - 1
        while frac > 0 {
            digits[i] = UInt8(ascii: "0") + UInt8(frac % 10)
            frac /= 10
            i -= 1
        }
        out.append(contentsOf: digits)
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    /// A JSON string literal; non-ASCII text (Chinese names) is written as raw UTF-8.
    public static func appendString(_ s: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var s = s
        s.withUTF8 { bytes in
            // Runs of bytes that need no escape are copied whole.
            var run = 0
            for (i, b) in bytes.enumerated() where b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") || b < 0x20 {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run..<i]))
                run = i + 1
                switch b {
                case 0x0A: out += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
                case 0x0D: out += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
                case 0x09: out += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
                case 0..<0x20:
                    out.append(contentsOf: "\\u00".utf8)
                    out.append(hex[Int(b >> 4)])
                    out.append(hex[Int(b & 0xF)])
                default: out += [UInt8(ascii: "\\"), b]
                }
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run...]))
        }
        out.append(UInt8(ascii: "\""))
    }
}

extension JSONText {
    /// Parses one JSON document (e.g. a `--json` report or truth.json). Errors name `name`, the
    /// line and the column.
    public static func decode(_ bytes: [UInt8], name: String = "<json>") throws -> JSONValue {
        try bytes.withUnsafeBufferPointer { buf in
            var scanner = JSONScanner(bytes: buf)
            do {
                guard scanner.peek() != nil else { throw scanner.fail("the file is empty") }
                let value = try scanner.readValue()
                if scanner.peek() != nil { throw scanner.fail("unexpected text after the end of the JSON value") }
                return value
            } catch let e as JSONSyntaxError {
                let (line, column) = scanner.lineAndColumn(of: e.offset)
                throw GeoJSONError(file: name, line: line, column: column, reason: e.message)
            }
        }
    }

    public static func decode(_ text: String, name: String = "<json>") throws -> JSONValue {
        try decode(Array(text.utf8), name: name)
    }
}

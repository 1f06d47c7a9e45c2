import Foundation

/// A file's bytes with bounds-checked reads, for the binary formats (shapefile, DBF).
///
/// Every read first asks ``has(_:_:)``; the accessors return nil past the end instead of trapping,
/// so a truncated or lying file becomes an error message, never a crash.
struct BinaryBytes {
    let bytes: [UInt8]

    var count: Int { bytes.count }

    /// Whether `count` bytes starting at `offset` lie inside the file.
    func has(_ offset: Int, _ count: Int) -> Bool {
        offset >= 0 && count >= 0 && offset <= bytes.count && count <= bytes.count - offset
    }

    func uint8(_ offset: Int) -> UInt8? {
        has(offset, 1) ? bytes[offset] : nil
    }

    func uint16LE(_ offset: Int) -> Int? {
        guard has(offset, 2) else { return nil }
        return Int(bytes[offset]) | Int(bytes[offset + 1]) << 8
    }

    func uint32LE(_ offset: Int) -> Int? {
        guard has(offset, 4) else { return nil }
        return Int(bytes[offset]) | Int(bytes[offset + 1]) << 8 | Int(bytes[offset + 2]) << 16 | Int(bytes[offset + 3])
            << 24
    }

    func int32LE(_ offset: Int) -> Int? {
        uint32LE(offset).map { Int(Int32(truncatingIfNeeded: $0)) }
    }

    func int32BE(_ offset: Int) -> Int? {
        guard has(offset, 4) else { return nil }
        let u =
            UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16 | UInt32(bytes[offset + 2]) << 8
            | UInt32(bytes[offset + 3])
        return Int(Int32(bitPattern: u))
    }

    func doubleLE(_ offset: Int) -> Double? {
        guard has(offset, 8) else { return nil }
        var bits: UInt64 = 0
        for i in 0..<8 { bits |= UInt64(bytes[offset + i]) << (8 * UInt64(i)) }
        return Double(bitPattern: bits)
    }

    /// Reads a whole file, turning failures into a short reason ("no such file", …).
    static func load(path: String) -> Result<BinaryBytes, FileLoadFailure> {
        guard FileManager.default.fileExists(atPath: path) else {
            return .failure(FileLoadFailure(reason: "no such file"))
        }
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
            return .success(BinaryBytes(bytes: [UInt8](data)))
        } catch {
            return .failure(FileLoadFailure(reason: "cannot read the file (\(error.localizedDescription))"))
        }
    }
}

struct FileLoadFailure: Error {
    var reason: String
}

/// The lexical class of a number written as ASCII text, as DBF numeric fields and CSV cells hold them.
enum NumberSyntax {
    case integer
    case decimal

    /// Classifies `text`: `[+-]digits` is an integer; digits with a point and/or exponent a decimal;
    /// anything else (including `inf`, `nan`, hex) is not a number.
    static func classify<C: Collection<UInt8>>(_ text: C) -> NumberSyntax? {
        var i = text.startIndex
        let end = text.endIndex
        func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
        if i < end, text[i] == UInt8(ascii: "+") || text[i] == UInt8(ascii: "-") { i = text.index(after: i) }
        var mantissaDigits = 0
        while i < end, isDigit(text[i]) {
            mantissaDigits += 1
            i = text.index(after: i)
        }
        var kind = NumberSyntax.integer
        if i < end, text[i] == UInt8(ascii: ".") {
            kind = .decimal
            i = text.index(after: i)
            while i < end, isDigit(text[i]) {
                mantissaDigits += 1
                i = text.index(after: i)
            }
        }
        guard mantissaDigits > 0 else { return nil }
        if i < end, text[i] == UInt8(ascii: "e") || text[i] == UInt8(ascii: "E") {
            kind = .decimal
            i = text.index(after: i)
            if i < end, text[i] == UInt8(ascii: "+") || text[i] == UInt8(ascii: "-") { i = text.index(after: i) }
            var exponentDigits = 0
            while i < end, isDigit(text[i]) {
                exponentDigits += 1
                i = text.index(after: i)
            }
            guard exponentDigits > 0 else { return nil }
        }
        return i == end ? kind : nil
    }
}

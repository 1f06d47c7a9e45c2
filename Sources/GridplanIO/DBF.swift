/// A column of a dBase (.dbf) table, as a shapefile's attributes declare it.
public struct DBFField: Hashable, Sendable {
    /// The dBase field types this reader understands.
    public enum FieldType: Character, Hashable, Sendable {
        case character = "C"
        case numeric = "N"
        case float = "F"
        case logical = "L"
        case date = "D"
        /// A memo pointer into a .dbt file; gridplan does not read memos, so its values are null.
        case memo = "M"
    }

    /// The decoded name; duplicates get a `_2`, `_3`… suffix so properties stay distinct.
    public var name: String
    public var type: FieldType
    /// Width in bytes within each record.
    public var length: Int
    public var decimalCount: Int
}

/// A dBase III/IV table held in memory, read record by record.
struct DBFTable {
    struct Column {
        var field: DBFField
        var rawName: ArraySlice<UInt8>
        /// Offset of the field within a record, after the deletion flag.
        var offset: Int
    }

    let file: String
    let data: BinaryBytes
    let recordCount: Int
    let headerLength: Int
    let recordLength: Int
    let languageDriver: UInt8
    private(set) var columns: [Column] = []

    /// Parses the header and field descriptors.
    ///
    /// - Throws: ``ShapefileError`` for a truncated header, a field that does not fit the record
    ///   length, an unsupported field type, or fewer bytes than the declared records need.
    init(data: BinaryBytes, file: String) throws {
        self.file = file
        self.data = data
        guard data.count >= 32, let count = data.uint32LE(4), let headerLength = data.uint16LE(8),
            let recordLength = data.uint16LE(10), let ldid = data.uint8(29)
        else {
            throw ShapefileError(
                file: file, reason: "truncated .dbf: \(data.count) bytes, shorter than the 32-byte header")
        }
        self.recordCount = count
        self.headerLength = headerLength
        self.recordLength = recordLength
        self.languageDriver = ldid
        guard headerLength >= 33, headerLength <= data.count else {
            throw ShapefileError(
                file: file, reason: "bad .dbf header length \(headerLength) (file has \(data.count) bytes)")
        }
        guard recordLength >= 1 else {
            throw ShapefileError(file: file, reason: "bad .dbf record length \(recordLength)")
        }

        var offset = 32
        var fieldOffset = 1
        // Descriptors end at a 0x0D terminator; some writers omit it, so the header length also bounds them.
        while offset + 32 <= headerLength, let first = data.uint8(offset), first != 0x0D {
            let nameBytes = data.bytes[offset..<offset + 11]
            let nameEnd = nameBytes.firstIndex(of: 0) ?? nameBytes.endIndex
            var rawName = nameBytes[nameBytes.startIndex..<nameEnd]
            while let last = rawName.last, last == 0x20 { rawName = rawName.dropLast() }
            let typeByte = data.bytes[offset + 11]
            let length = Int(data.bytes[offset + 16])
            let decimals = Int(data.bytes[offset + 17])
            let index = columns.count
            guard let type = DBFField.FieldType(rawValue: Character(Unicode.Scalar(typeByte))) else {
                throw ShapefileError(
                    file: file,
                    reason:
                        "field \(index + 1) has type '\(Self.printable(typeByte))', which is not one of C, N, F, L, D, M"
                )
            }
            guard fieldOffset + length <= recordLength else {
                throw ShapefileError(
                    file: file,
                    reason: "field \(index + 1) ends at byte \(fieldOffset + length) of a \(recordLength)-byte record")
            }
            columns.append(
                Column(
                    field: DBFField(name: "", type: type, length: length, decimalCount: decimals), rawName: rawName,
                    offset: fieldOffset))
            fieldOffset += length
            offset += 32
        }
        let needed = headerLength + recordCount * recordLength
        guard needed <= data.count else {
            throw ShapefileError(
                file: file,
                reason:
                    "truncated .dbf: \(recordCount) records of \(recordLength) bytes need \(needed) bytes, the file has \(data.count)"
            )
        }
    }

    private static func printable(_ b: UInt8) -> String {
        (0x21...0x7E).contains(b) ? String(Character(Unicode.Scalar(b))) : "0x" + String(b, radix: 16, uppercase: true)
    }

    /// Whether every field name and character value is valid UTF-8, the evidence for detection.
    func textIsValidUTF8() -> Bool {
        data.bytes.withUnsafeBufferPointer { buf in
            for c in columns where !TextDecoder.isValidUTF8(UnsafeBufferPointer(rebasing: buf[c.rawName.indices])) {
                return false
            }
            let textColumns = columns.filter { $0.field.type == .character }
            for r in 0..<recordCount {
                let start = headerLength + r * recordLength
                for c in textColumns {
                    let value = UnsafeBufferPointer(
                        rebasing: buf[(start + c.offset)..<(start + c.offset + c.field.length)])
                    if !TextDecoder.isValidUTF8(value) { return false }
                }
            }
            return true
        }
    }

    /// Decodes the field names with `decoder`, making duplicates distinct.
    mutating func decodeNames(with decoder: TextDecoder) {
        var seen = Set<String>()
        for i in columns.indices {
            let base = Array(columns[i].rawName).withUnsafeBufferPointer { decoder.decode($0) }.trimmingWhitespace()
            var name = base.isEmpty ? "field\(i + 1)" : base
            var n = 2
            while seen.contains(name) {
                name = "\(base)_\(n)"
                n += 1
            }
            seen.insert(name)
            columns[i].field.name = name
        }
    }

    /// Whether record `index` carries the deletion flag '*'.
    func isDeleted(_ index: Int) -> Bool {
        data.bytes[headerLength + index * recordLength] == UInt8(ascii: "*")
    }

    /// The attributes of record `index` (0-based, checked against `recordCount` by the caller).
    ///
    /// - Throws: ``ShapefileError`` naming the record and field when a numeric field holds text
    ///   that is not a number.
    func properties(ofRecord index: Int, decoder: TextDecoder) throws -> JSONObject {
        var object = JSONObject()
        let start = headerLength + index * recordLength
        for c in columns {
            let raw = data.bytes[(start + c.offset)..<(start + c.offset + c.field.length)]
            object.appendUnchecked(c.field.name, try value(raw, of: c.field, record: index, decoder: decoder))
        }
        return object
    }

    private func value(_ raw: ArraySlice<UInt8>, of field: DBFField, record: Int, decoder: TextDecoder) throws
        -> JSONValue
    {
        func isPadding(_ b: UInt8) -> Bool { b == 0x20 || b == 0x00 }
        switch field.type {
        case .character:
            // Only trailing padding: leading spaces can be part of a value, and shapelib treats
            // an all-blank text field as null, which GDAL follows.
            guard let last = raw.lastIndex(where: { !isPadding($0) }) else { return .null }
            return .string(Array(raw[raw.startIndex...last]).withUnsafeBufferPointer { decoder.decode($0) })
        case .numeric, .float:
            guard let first = raw.firstIndex(where: { !isPadding($0) }) else { return .null }
            let last = raw.lastIndex(where: { !isPadding($0) })!
            let text = raw[first...last]
            // Writers fill a value too wide for the field with asterisks.
            if text.allSatisfy({ $0 == UInt8(ascii: "*") }) { return .null }
            let string = String(decoding: text, as: UTF8.self)
            switch NumberSyntax.classify(text) {
            case .integer?:
                if field.decimalCount == 0, let n = Int64(string) { return .integer(n) }
                if let d = Double(string) { return .number(d) }
            case .decimal?:
                if let d = Double(string), d.isFinite { return .number(d) }
            case nil:
                break
            }
            throw ShapefileError(
                file: file, recordIndex: record,
                reason: "field '\(field.name)' holds '\(string)', which is not a number")
        case .logical:
            switch raw.first {
            case UInt8(ascii: "T"), UInt8(ascii: "t"), UInt8(ascii: "Y"), UInt8(ascii: "y"): return .bool(true)
            case UInt8(ascii: "F"), UInt8(ascii: "f"), UInt8(ascii: "N"), UInt8(ascii: "n"): return .bool(false)
            default: return .null
            }
        case .date:
            guard let first = raw.firstIndex(where: { !isPadding($0) }) else { return .null }
            let last = raw.lastIndex(where: { !isPadding($0) })!
            let text = raw[first...last]
            if text.allSatisfy({ $0 == UInt8(ascii: "0") }) { return .null }
            let string = String(decoding: text, as: UTF8.self)
            guard text.count == 8, text.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return .string(string) }
            let s = Array(string)
            return .string("\(String(s[0..<4]))-\(String(s[4..<6]))-\(String(s[6..<8]))")
        case .memo:
            return .null
        }
    }
}

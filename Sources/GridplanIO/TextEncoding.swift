import Foundation
#if canImport(Glibc)
    import Glibc
#else
    // Darwin's iconv lives in libiconv, which a macOS build would have to link.
    import Darwin
#endif

/// A text encoding for attribute data, named as glibc's iconv knows it (`UTF-8`, `GB18030`, `BIG5`, `CP1252`…).
///
/// Labels that mean the simplified-Chinese code page (GBK, GB2312, CP936, 936, EUC-CN) all become
/// ``gb18030``: GB18030 is a superset of GBK, so one decoder reads all of them.
public struct TextEncoding: Hashable, Sendable, CustomStringConvertible {
    /// The iconv name used for decoding.
    public let name: String

    public static let utf8 = TextEncoding(canonical: "UTF-8")
    public static let gb18030 = TextEncoding(canonical: "GB18030")

    private init(canonical: String) { name = canonical }

    /// Interprets a label as found in a .cpg file, a parameter or a byte-order mark.
    ///
    /// - Parameter label: e.g. `"UTF-8"`, `"utf8"`, `"GBK"`, `"936"`, `"ANSI 936"`, `"CP1252"`.
    ///   Labels this type does not recognise are passed to iconv as they are.
    public init(label: String) {
        let trimmed = label.trimmingWhitespace()
        var key = trimmed.uppercased().replacingOccurrences(of: "_", with: "-")
        // ArcGIS writes "ANSI 936"-style labels for Windows code pages.
        if key.hasPrefix("ANSI ") { key = String(key.dropFirst(5)).trimmingWhitespace() }
        if let known = Self.aliases[key] {
            name = known
        } else if key.allSatisfy(\.isNumber), !key.isEmpty {
            name = "CP" + key
        } else {
            name = trimmed
        }
    }

    public var description: String { name }

    private static let aliases: [String: String] = [
        "UTF-8": "UTF-8", "UTF8": "UTF-8", "65001": "UTF-8", "CP65001": "UTF-8",
        "GBK": "GB18030", "GB2312": "GB18030", "GB18030": "GB18030", "GB-18030": "GB18030", "GB-2312": "GB18030",
        "CP936": "GB18030", "936": "GB18030", "WINDOWS-936": "GB18030", "MS936": "GB18030", "EUC-CN": "GB18030",
        "EUCCN": "GB18030", "X-GBK": "GB18030", "CHINESE": "GB18030",
        "BIG5": "BIG5", "BIG-5": "BIG5", "950": "BIG5", "CP950": "BIG5",
        "88591": "ISO-8859-1", "8859-1": "ISO-8859-1", "ISO-8859-1": "ISO-8859-1", "LATIN1": "ISO-8859-1",
        "UTF-16LE": "UTF-16LE", "UTF-16BE": "UTF-16BE",
    ]
}

/// Which encoding a reader used for a file's text, and why.
public struct TextEncodingChoice: Hashable, Sendable, CustomStringConvertible {
    /// How the encoding was decided, strongest evidence first.
    public enum Basis: Hashable, Sendable {
        /// The caller passed it.
        case parameter
        /// A shapefile's .cpg file named it; the label is the file's text.
        case codePageFile(label: String)
        /// The DBF header's language driver byte named it.
        case languageDriver(UInt8)
        /// The file starts with a byte-order mark.
        case byteOrderMark
        /// No declaration; every byte of text is valid UTF-8 (this includes pure ASCII).
        case detectedValidUTF8
        /// No declaration and the text is not valid UTF-8, so it is taken as GB18030.
        case detectedNotUTF8
    }

    public var encoding: TextEncoding
    public var basis: Basis
    /// A declaration the reader saw but could not use (an unknown .cpg label, say), for the report.
    public var ignoredDeclaration: String?

    public init(encoding: TextEncoding, basis: Basis, ignoredDeclaration: String? = nil) {
        self.encoding = encoding
        self.basis = basis
        self.ignoredDeclaration = ignoredDeclaration
    }

    public var description: String {
        var s = encoding.name + " ("
        switch basis {
        case .parameter: s += "given by the caller"
        case .codePageFile(let label): s += "declared by the .cpg file as '\(label)'"
        case .languageDriver(let byte):
            s += "declared by the DBF language driver byte 0x\(String(byte, radix: 16, uppercase: true))"
        case .byteOrderMark: s += "byte-order mark"
        case .detectedValidUTF8: s += "no declaration; the text is valid UTF-8"
        case .detectedNotUTF8: s += "no declaration; the text is not valid UTF-8, so read as GB18030"
        }
        if let ignoredDeclaration { s += "; ignored \(ignoredDeclaration)" }
        return s + ")"
    }

    /// The choice made from bytes alone: UTF-8 when they are valid UTF-8, otherwise GB18030.
    static func detected(isValidUTF8: Bool, ignoredDeclaration: String? = nil) -> TextEncodingChoice {
        isValidUTF8
            ? TextEncodingChoice(encoding: .utf8, basis: .detectedValidUTF8, ignoredDeclaration: ignoredDeclaration)
            : TextEncodingChoice(encoding: .gb18030, basis: .detectedNotUTF8, ignoredDeclaration: ignoredDeclaration)
    }
}

/// iconv could not open a converter for an encoding.
public struct UnknownEncodingError: Error, CustomStringConvertible, Sendable, Equatable {
    public var encoding: String
    public var description: String { "iconv does not know the encoding '\(encoding)'" }
}

/// Decodes bytes in one encoding to Swift strings, through glibc iconv for anything but UTF-8.
///
/// Owns one iconv converter and closes it in deinit; not thread-safe, so use one per reader.
/// Bytes that are not valid in the encoding become U+FFFD and are counted rather than failing the
/// whole file: DBF writers often cut a multi-byte character at the field width.
public final class TextDecoder {
    public let encoding: TextEncoding
    /// Malformed sequences replaced by U+FFFD so far.
    public private(set) var replacementCount = 0
    /// nil for UTF-8, which Swift decodes itself.
    private let converter: iconv_t?

    /// Opens a decoder.
    ///
    /// - Parameter encoding: the encoding of the bytes to decode.
    /// - Throws: ``UnknownEncodingError`` when iconv cannot convert from `encoding` (`iconv_open`).
    public init(encoding: TextEncoding) throws {
        self.encoding = encoding
        if encoding == .utf8 {
            converter = nil
        } else {
            // iconv_open returns (iconv_t)-1 on failure, with errno EINVAL for an unknown encoding.
            let cd = iconv_open("UTF-8", encoding.name)
            guard let cd, cd != iconv_t(bitPattern: -1) else { throw UnknownEncodingError(encoding: encoding.name) }
            converter = cd
        }
    }

    deinit {
        if let converter { iconv_close(converter) }
    }

    /// Decodes `bytes` to a string.
    public func decode(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        let utf8 = decodeToUTF8(bytes)
        return String(decoding: utf8, as: UTF8.self)
    }

    /// Decodes `bytes` to a string.
    public func decode(_ bytes: [UInt8]) -> String {
        bytes.withUnsafeBufferPointer { decode($0) }
    }

    /// Decodes `bytes` to valid UTF-8 bytes.
    func decodeToUTF8(_ bytes: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        guard let converter else { return Self.repairUTF8(bytes, replacements: &replacementCount) }
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return [] }
        // Reset the shift state so one call's tail cannot affect the next.
        iconv(converter, nil, nil, nil, nil)
        var output = [UInt8](repeating: 0, count: bytes.count * 4 + 16)
        var written = 0
        var inPtr: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(mutating: base).assumingMemoryBound(
            to: CChar.self)
        var inLeft = bytes.count
        while inLeft > 0 {
            if output.count - written < 16 { output.append(contentsOf: repeatElement(0, count: output.count)) }
            let (result, savedErrno, produced) = output.withUnsafeMutableBufferPointer { out -> (Int, Int32, Int) in
                var outPtr: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(out.baseAddress! + written)
                    .assumingMemoryBound(to: CChar.self)
                var outLeft = out.count - written
                // iconv returns (size_t)-1 on failure, with errno saying why.
                let r = iconv(converter, &inPtr, &inLeft, &outPtr, &outLeft)
                return (r, errno, out.count - written - outLeft)
            }
            written += produced
            guard result == -1 else { break }
            switch savedErrno {
            case E2BIG:
                output.append(contentsOf: repeatElement(0, count: output.count))
            default:
                // EILSEQ (invalid sequence) or EINVAL (incomplete sequence at the end): skip one byte.
                if output.count - written < 3 { output.append(contentsOf: repeatElement(0, count: 16)) }
                output[written] = 0xEF
                output[written + 1] = 0xBF
                output[written + 2] = 0xBD
                written += 3
                replacementCount += 1
                inPtr = inPtr.map { $0 + 1 }
                inLeft -= 1
                iconv(converter, nil, nil, nil, nil)
            }
        }
        output.removeSubrange(written...)
        return output
    }

    /// Whether `bytes` are well-formed UTF-8.
    static func isValidUTF8(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        // Pure ASCII is the common case and needs no decoding.
        var i = 0
        while i < bytes.count, bytes[i] < 0x80 { i += 1 }
        if i == bytes.count { return true }
        var iterator = UnsafeBufferPointer(rebasing: bytes[i...]).makeIterator()
        var parser = Unicode.UTF8.ForwardParser()
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid: continue
            case .error: return false
            case .emptyInput: return true
            }
        }
    }

    /// Copies `bytes`, replacing each malformed sequence with U+FFFD.
    static func repairUTF8(_ bytes: UnsafeBufferPointer<UInt8>, replacements: inout Int) -> [UInt8] {
        if isValidUTF8(bytes) { return Array(bytes) }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count + 16)
        var iterator = bytes.makeIterator()
        var parser = Unicode.UTF8.ForwardParser()
        loop: while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded): output.append(contentsOf: encoded)
            case .error:
                output.append(contentsOf: [0xEF, 0xBF, 0xBD])
                replacements += 1
            case .emptyInput: break loop
            }
        }
        return output
    }
}

extension String {
    func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
        return String(scalars[first...last])
    }
}

/// Encodes 8-bit RGB images as PNG, with nothing but Swift.
///
/// The image data is compressed with one fixed-Huffman deflate block whose only back-references
/// are to the previous pixel and to the pixel above: maps are mostly flat colour, so those two
/// find nearly every repeat, and the encoder stays small enough to check by eye.
public enum PNGEncoder {
    /// The PNG file for an RGB image.
    ///
    /// - Parameters:
    ///   - rgb: row-major RGB bytes, top row first, `width * height * 3` of them.
    ///   - width: pixels per row.
    ///   - height: number of rows.
    /// - Returns: the bytes of a PNG file (colour type 2, bit depth 8, no interlace).
    public static func encode(rgb: [UInt8], width: Int, height: Int) -> [UInt8] {
        precondition(width > 0 && height > 0 && rgb.count == width * height * 3, "RGB bytes do not match the size")
        let rowBytes = width * 3
        // Every row starts with its filter type; 0 (none) keeps rows as they are.
        var raw = [UInt8](repeating: 0, count: (rowBytes + 1) * height)
        for y in 0..<height {
            raw.replaceSubrange(
                (y * (rowBytes + 1) + 1)..<((y + 1) * (rowBytes + 1)), with: rgb[(y * rowBytes)..<((y + 1) * rowBytes)])
        }
        var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        var header: [UInt8] = []
        appendBigEndian(UInt32(width), to: &header)
        appendBigEndian(UInt32(height), to: &header)
        header += [8, 2, 0, 0, 0]
        appendChunk("IHDR", header, to: &png)
        appendChunk("IDAT", zlib(raw, rowStride: rowBytes + 1), to: &png)
        appendChunk("IEND", [], to: &png)
        return png
    }

    static func appendBigEndian(_ v: UInt32, to out: inout [UInt8]) {
        out += [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)]
    }

    static func appendChunk(_ type: String, _ data: [UInt8], to out: inout [UInt8]) {
        appendBigEndian(UInt32(data.count), to: &out)
        let typeBytes = Array(type.utf8)
        out += typeBytes
        out += data
        appendBigEndian(crc32(typeBytes + data), to: &out)
    }

    // MARK: - Checksums

    private static let crcTable: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    /// CRC-32 as PNG chunks use it (ISO 3309, reflected, polynomial 0xEDB88320).
    public static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes { c = crcTable[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        return c ^ 0xFFFF_FFFF
    }

    /// Adler-32, the zlib stream's checksum of the uncompressed bytes.
    public static func adler32(_ bytes: [UInt8]) -> UInt32 {
        var a: UInt32 = 1, b: UInt32 = 0
        var i = 0
        // 5552 bytes is the most that can be summed before b could overflow 32 bits.
        while i < bytes.count {
            let end = min(i + 5552, bytes.count)
            while i < end {
                a += UInt32(bytes[i])
                b += a
                i += 1
            }
            a %= 65521
            b %= 65521
        }
        return (b << 16) | a
    }

    // MARK: - zlib and deflate (RFC 1950, RFC 1951)

    /// A zlib stream of `data`: header, one fixed-Huffman deflate block, Adler-32.
    static func zlib(_ data: [UInt8], rowStride: Int) -> [UInt8] {
        var bits = BitWriter()
        // 0x78 0x01: deflate with a 32 KiB window; the pair is a multiple of 31 as RFC 1950 asks.
        bits.bytes = [0x78, 0x01]
        bits.write(1, count: 1)  // BFINAL: the only block
        bits.write(1, count: 2)  // BTYPE 01: fixed Huffman codes
        let distances = [3, rowStride].filter { $0 <= 32768 }
        var i = 0
        while i < data.count {
            var bestLength = 0, bestDistance = 0
            for d in distances where i >= d {
                var n = 0
                let limit = min(258, data.count - i)
                while n < limit && data[i + n] == data[i + n - d] { n += 1 }
                if n > bestLength {
                    bestLength = n
                    bestDistance = d
                }
            }
            if bestLength >= 3 {
                writeLength(bestLength, to: &bits)
                writeDistance(bestDistance, to: &bits)
                i += bestLength
            } else {
                writeLiteral(Int(data[i]), to: &bits)
                i += 1
            }
        }
        writeLiteral(256, to: &bits)  // end of block
        bits.flush()
        appendBigEndian(adler32(data), to: &bits.bytes)
        return bits.bytes
    }

    /// Writes a literal/length symbol with its fixed Huffman code (RFC 1951 §3.2.6).
    static func writeLiteral(_ symbol: Int, to bits: inout BitWriter) {
        switch symbol {
        case 0...143: bits.writeHuffman(0x30 + symbol, length: 8)
        case 144...255: bits.writeHuffman(0x190 + symbol - 144, length: 9)
        case 256...279: bits.writeHuffman(symbol - 256, length: 7)
        default: bits.writeHuffman(0xC0 + symbol - 280, length: 8)
        }
    }

    private static let lengthBase = [
        3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227,
        258,
    ]
    private static let lengthExtra = [
        0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
    ]
    private static let distanceBase = [
        1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097,
        6145, 8193, 12289, 16385, 24577,
    ]
    private static let distanceExtra = [
        0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13,
    ]

    static func writeLength(_ length: Int, to bits: inout BitWriter) {
        // 258 has its own code (285); code 284's range stops at 257.
        let index = length == 258 ? 28 : lengthBase.lastIndex { $0 <= length }!
        writeLiteral(257 + index, to: &bits)
        bits.write(UInt64(length - lengthBase[index]), count: lengthExtra[index])
    }

    static func writeDistance(_ distance: Int, to bits: inout BitWriter) {
        let index = distanceBase.lastIndex { $0 <= distance }!
        bits.writeHuffman(index, length: 5)
        bits.write(UInt64(distance - distanceBase[index]), count: distanceExtra[index])
    }

    /// Packs bits least significant first, as deflate stores them.
    struct BitWriter {
        var bytes: [UInt8] = []
        private var buffer: UInt64 = 0
        private var used = 0

        mutating func write(_ value: UInt64, count: Int) {
            guard count > 0 else { return }
            buffer |= (value & ((1 << UInt64(count)) - 1)) << UInt64(used)
            used += count
            while used >= 8 {
                bytes.append(UInt8(buffer & 0xFF))
                buffer >>= 8
                used -= 8
            }
        }

        /// Huffman codes are defined most significant bit first, so they go in reversed.
        mutating func writeHuffman(_ code: Int, length: Int) {
            var reversed: UInt64 = 0
            for k in 0..<length where code & (1 << k) != 0 { reversed |= 1 << UInt64(length - 1 - k) }
            write(reversed, count: length)
        }

        /// Pads the last byte with zero bits.
        mutating func flush() {
            if used > 0 {
                bytes.append(UInt8(buffer & 0xFF))
                buffer = 0
                used = 0
            }
        }
    }
}

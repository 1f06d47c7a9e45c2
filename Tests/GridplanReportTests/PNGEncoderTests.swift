import Foundation
import GridplanIO
import GridplanReport
import Testing

@Suite struct PNGEncoderTests {
    @Test func checksumsMatchKnownValues() {
        // Reference values from zlib's crc32() and adler32() on "123456789".
        #expect(PNGEncoder.crc32(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(PNGEncoder.adler32(Array("123456789".utf8)) == 0x091E_01DE)
    }

    @Test func noisyAndFlatImagesDecodeExactly() throws {
        // Noise has no repeats and exercises literals; stripes exercise long runs and the
        // previous-row distance; the size makes rows longer than one match.
        let width = 300, height = 70
        var rgb = [UInt8](repeating: 0, count: width * height * 3)
        var state: UInt32 = 12345
        for y in 0..<height {
            for x in 0..<width {
                let i = (y * width + x) * 3
                if y < 20 {
                    state = state &* 1_103_515_245 &+ 12345
                    rgb[i] = UInt8(truncatingIfNeeded: state >> 16)
                    rgb[i + 1] = UInt8(truncatingIfNeeded: state >> 8)
                    rgb[i + 2] = UInt8(truncatingIfNeeded: state >> 24)
                } else {
                    rgb[i] = x < 150 ? 200 : 10
                    rgb[i + 1] = UInt8(y % 7 * 30)
                    rgb[i + 2] = 77
                }
            }
        }
        let dir = try ReportFixtures.scratch()
        try OutputFile.write(PNGEncoder.encode(rgb: rgb, width: width, height: height), to: dir + "/t.png")
        let facts = try Tools.inspectPNG(dir + "/t.png", at: [(0, 25), (299, 69)])
        #expect(facts.width == width && facts.height == height)
        #expect(facts.crc == PNGEncoder.crc32(rgb))
        #expect(facts.at == [[200, 120, 77], [10, 180, 77]])
    }
}

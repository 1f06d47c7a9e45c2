import Foundation
import GridplanGeometry

/// A CSV reading failure, naming the file, the line where the row starts, the column and the reason.
public struct CSVError: Error, CustomStringConvertible, Sendable, Equatable {
    public var file: String
    /// 1-based line of the file where the row starts (a quoted cell can span several lines).
    public var line: Int?
    /// The column the problem is in, when it is one cell.
    public var column: String?
    public var reason: String

    public init(file: String, line: Int? = nil, column: String? = nil, reason: String) {
        self.file = file
        self.line = line
        self.column = column
        self.reason = reason
    }

    public var description: String {
        var s = file
        if let line { s += ":\(line)" }
        s += ": "
        if let column { s += "column '\(column)': " }
        return s + reason
    }
}

/// A CSV file read into features: a geometry from a WKT column or from longitude/latitude columns,
/// and the other columns as properties.
public struct CSVLayer: Sendable {
    /// Where the features' geometries came from.
    public enum GeometrySource: Hashable, Sendable {
        case wkt(column: String)
        case lonLat(lon: String, lat: String)
        /// No geometry column was given or recognised; every feature's geometry is nil.
        case none
    }

    /// Features in row order; the geometry columns are not repeated in the properties.
    public var collection: FeatureCollection
    /// Every header name, in file order (trimmed; blank names become `fieldN`, duplicates get `_2`…).
    public var columnNames: [String]
    public var geometrySource: GeometrySource
    /// The encoding used and how it was chosen.
    public var encoding: TextEncodingChoice
    /// Byte sequences not valid in the encoding, read as U+FFFD.
    public var replacementCount: Int
    /// The file line each feature's row starts on (1 is the header's first line), in feature order.
    public var rowLines: [Int] = []
}

/// Reads CSV (RFC 4180) with point or WKT geometries, as planners export from Excel and GIS tools.
///
/// Cells may be quoted, with embedded commas, doubled quotes and line breaks; lines may end in
/// CRLF, LF or CR; blank lines are skipped. Cell values become integers, numbers, null (empty) or
/// strings; integers with leading zeros, or too long for 64 bits, stay strings so codes keep
/// their digits.
public enum CSVReader {
    /// Column names recognised as WKT geometry, compared without regard to case.
    public static let wktColumnNames = ["wkt", "geometry", "geom", "the_geom"]
    /// Column pairs recognised as longitude and latitude, compared without regard to case.
    public static let lonLatColumnNames = [
        ("lon", "lat"), ("lng", "lat"), ("long", "lat"), ("longitude", "latitude"), ("x", "y"), ("经度", "纬度"),
    ]

    /// Reads a CSV file.
    ///
    /// - Parameters:
    ///   - path: the CSV file.
    ///   - wktColumn: the column holding WKT; nil looks for one named as in ``wktColumnNames``.
    ///   - lonColumn: the longitude (x) column; give it together with `latColumn`.
    ///   - latColumn: the latitude (y) column.
    ///   - encoding: the text encoding; nil uses a byte-order mark if there is one, else UTF-8 when
    ///     the bytes are valid UTF-8, else GB18030 (which reads GBK and GB2312).
    /// - Returns: the features, the columns, where geometries came from and the encoding used.
    /// - Throws: ``CSVError`` naming the file and line: an unreadable file, an unterminated
    ///   quote, a row with the wrong number of cells, bad WKT, a coordinate that is not a number,
    ///   a named column that does not exist.
    ///
    /// ```swift
    /// let layer = try CSVReader.read(path: "poi.csv")            // finds 经度/纬度 columns
    /// let wkt = try CSVReader.read(path: "grids.csv", wktColumn: "shape")
    /// ```
    public static func read(
        path: String, wktColumn: String? = nil, lonColumn: String? = nil, latColumn: String? = nil,
        encoding: TextEncoding? = nil
    ) throws -> CSVLayer {
        switch BinaryBytes.load(path: path) {
        case .success(let data):
            return try read(
                bytes: data.bytes, name: path, wktColumn: wktColumn, lonColumn: lonColumn, latColumn: latColumn,
                encoding: encoding)
        case .failure(let f):
            throw CSVError(file: path, reason: f.reason)
        }
    }

    /// Reads CSV bytes held in memory; `name` stands for the file in messages.
    ///
    /// - Throws: ``CSVError``, as ``read(path:wktColumn:lonColumn:latColumn:encoding:)``.
    public static func read(
        bytes: [UInt8], name: String, wktColumn: String? = nil, lonColumn: String? = nil, latColumn: String? = nil,
        encoding: TextEncoding? = nil
    ) throws -> CSVLayer {
        let table = try open(
            bytes: bytes, name: name, wktColumn: wktColumn, lonColumn: lonColumn, latColumn: latColumn,
            encoding: encoding)
        var features: [Feature] = []
        var rowLines: [Int] = []
        let droppedZ = try table.forEachFeature { _, line, f in
            features.append(f)
            rowLines.append(line)
        }
        return CSVLayer(
            collection: FeatureCollection(features: features, droppedZCount: droppedZ),
            columnNames: table.columnNames,
            geometrySource: table.geometrySource,
            encoding: table.encoding,
            replacementCount: table.replacementCount,
            rowLines: rowLines
        )
    }

    /// Opens a CSV file for reading row by row (``CSVTable/forEachFeature(_:)``): the text is
    /// decoded and the header and geometry columns found, but no row is read yet.
    /// - Parameters: as ``read(path:wktColumn:lonColumn:latColumn:encoding:)``.
    /// - Throws: ``CSVError`` for an unreadable file, an undecodable encoding, no header or a
    ///   named column that does not exist.
    public static func open(
        path: String, wktColumn: String? = nil, lonColumn: String? = nil, latColumn: String? = nil,
        encoding: TextEncoding? = nil
    ) throws -> CSVTable {
        switch BinaryBytes.load(path: path) {
        case .success(let data):
            return try open(
                bytes: data.bytes, name: path, wktColumn: wktColumn, lonColumn: lonColumn, latColumn: latColumn,
                encoding: encoding)
        case .failure(let f):
            throw CSVError(file: path, reason: f.reason)
        }
    }

    static func open(
        bytes: [UInt8], name: String, wktColumn: String?, lonColumn: String?, latColumn: String?,
        encoding: TextEncoding?
    ) throws -> CSVTable {
        let choice: TextEncodingChoice
        if let encoding {
            choice = TextEncodingChoice(encoding: encoding, basis: .parameter)
        } else if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            choice = TextEncodingChoice(encoding: .utf8, basis: .byteOrderMark)
        } else if bytes.starts(with: [0xFF, 0xFE]) {
            choice = TextEncodingChoice(encoding: TextEncoding(label: "UTF-16LE"), basis: .byteOrderMark)
        } else if bytes.starts(with: [0xFE, 0xFF]) {
            choice = TextEncodingChoice(encoding: TextEncoding(label: "UTF-16BE"), basis: .byteOrderMark)
        } else {
            choice = .detected(isValidUTF8: bytes.withUnsafeBufferPointer(TextDecoder.isValidUTF8))
        }
        let decoder: TextDecoder
        do {
            decoder = try TextDecoder(encoding: choice.encoding)
        } catch {
            throw CSVError(file: name, reason: "\(error)")
        }
        var text = bytes.withUnsafeBufferPointer { decoder.decodeToUTF8($0) }
        // The BOM, now in UTF-8 whatever it was, is not part of the first header name.
        if text.starts(with: [0xEF, 0xBB, 0xBF]) { text.removeFirst(3) }

        let tokenizer = CSVTokenizer(text: text, file: name)
        var cursor = CSVTokenizer.Cursor()
        guard let header = try tokenizer.nextRow(&cursor) else {
            throw CSVError(file: name, reason: "the file has no header row")
        }
        let columns = uniqueNames(header.cells)
        let source = try geometrySource(
            columns, wktColumn: wktColumn, lonColumn: lonColumn, latColumn: latColumn, file: name, line: header.line)
        return CSVTable(
            tokenizer: tokenizer, firstRow: cursor, columnNames: columns, geometrySource: source, encoding: choice,
            replacementCount: decoder.replacementCount)
    }

    /// The feature of one data row.
    static func feature(
        of row: CSVTokenizer.Row, columns: [String], source: CSVLayer.GeometrySource, geometryIndices: Set<Int>,
        file name: String, droppedZ: inout Int
    ) throws -> Feature {
        guard row.cells.count == columns.count else {
            throw CSVError(
                file: name, line: row.line,
                reason: "the row has \(row.cells.count) cells; the header has \(columns.count)")
        }
        var properties = JSONObject()
        for (i, cell) in row.cells.enumerated() where !geometryIndices.contains(i) {
            properties.appendUnchecked(columns[i], value(of: cell))
        }
        let geometry: Geometry?
        switch source {
        case .wkt(let c):
            let cell = row.cells[columns.firstIndex(of: c)!].trimmingWhitespace()
            if cell.isEmpty {
                geometry = nil
            } else {
                var parser = WKTParser(cell)
                do {
                    geometry = try parser.parse()
                } catch let e as WKTSyntaxError {
                    throw CSVError(
                        file: name, line: row.line, column: c,
                        reason: "bad WKT at character \(e.position): \(e.message)")
                }
                droppedZ += parser.droppedZCount
            }
        case .lonLat(let lon, let lat):
            let x = row.cells[columns.firstIndex(of: lon)!].trimmingWhitespace()
            let y = row.cells[columns.firstIndex(of: lat)!].trimmingWhitespace()
            if x.isEmpty && y.isEmpty {
                geometry = nil
            } else {
                geometry = .point(
                    Coordinate(
                        try coordinate(x, column: lon, line: row.line, file: name),
                        try coordinate(y, column: lat, line: row.line, file: name)
                    ))
            }
        case .none:
            geometry = nil
        }
        return Feature(geometry: geometry, properties: properties)
    }

    private static func uniqueNames(_ raw: [String]) -> [String] {
        var seen = Set<String>()
        return raw.enumerated().map { i, r in
            let base = r.trimmingWhitespace().isEmpty ? "field\(i + 1)" : r.trimmingWhitespace()
            var name = base
            var n = 2
            while seen.contains(name) {
                name = "\(base)_\(n)"
                n += 1
            }
            seen.insert(name)
            return name
        }
    }

    private static func geometrySource(
        _ columns: [String], wktColumn: String?, lonColumn: String?, latColumn: String?, file: String, line: Int
    ) throws -> CSVLayer.GeometrySource {
        func find(_ wanted: String) -> String? {
            columns.first { $0 == wanted } ?? columns.first { $0.lowercased() == wanted.lowercased() }
        }
        func require(_ wanted: String) throws -> String {
            guard let found = find(wanted) else {
                throw CSVError(
                    file: file, line: line,
                    reason: "no column named '\(wanted)'; the columns are \(columns.joined(separator: ", "))")
            }
            return found
        }
        if wktColumn != nil && (lonColumn != nil || latColumn != nil) {
            throw CSVError(file: file, reason: "give either a WKT column or longitude/latitude columns, not both")
        }
        if let wktColumn { return .wkt(column: try require(wktColumn)) }
        switch (lonColumn, latColumn) {
        case let (lon?, lat?): return .lonLat(lon: try require(lon), lat: try require(lat))
        case (nil, nil): break
        default: throw CSVError(file: file, reason: "give both the longitude and the latitude column")
        }
        for candidate in wktColumnNames {
            if let found = find(candidate) { return .wkt(column: found) }
        }
        for (lon, lat) in lonLatColumnNames {
            if let x = find(lon), let y = find(lat) { return .lonLat(lon: x, lat: y) }
        }
        return .none
    }

    static func coordinate(_ text: String, column: String, line: Int, file: String) throws -> Double {
        guard NumberSyntax.classify(text.utf8) != nil, let d = Double(text), d.isFinite else {
            let shown = text.isEmpty ? "an empty cell" : "'\(text)'"
            throw CSVError(file: file, line: line, column: column, reason: "\(shown) is not a coordinate number")
        }
        return d
    }

    /// The JSON value of a cell: empty is null, numbers by their syntax, anything else a string.
    static func value(of cell: String) -> JSONValue {
        let trimmed = cell.trimmingWhitespace()
        if trimmed.isEmpty { return .null }
        let utf8 = Array(trimmed.utf8)
        guard let kind = NumberSyntax.classify(utf8) else { return .string(cell) }
        // A leading zero ("0101") marks a code, not a quantity; keep its digits.
        let digits = utf8.drop { $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "+") }
        if digits.count > 1, digits.first == UInt8(ascii: "0"), digits.dropFirst().first != UInt8(ascii: ".") {
            return .string(cell)
        }
        switch kind {
        case .integer:
            return Int64(trimmed).map(JSONValue.integer) ?? .string(cell)
        case .decimal:
            guard let d = Double(trimmed), d.isFinite else { return .string(cell) }
            return .number(d)
        }
    }
}

/// Splits UTF-8 CSV text into rows of cells, remembering the line each row starts on.
struct CSVTokenizer {
    struct Row {
        var line: Int
        var cells: [String]
    }

    let text: [UInt8]
    let file: String

    private static let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), cr = UInt8(ascii: "\r"),
        lf = UInt8(ascii: "\n")

    /// Where the next row starts: a byte offset and its line.
    struct Cursor {
        var offset = 0
        var line = 1
    }

    /// Every row, in order.
    func rows() throws -> [Row] {
        var rows: [Row] = []
        var cursor = Cursor()
        while let row = try nextRow(&cursor) { rows.append(row) }
        return rows
    }

    /// The row at `cursor` (blank lines skipped), moving the cursor past it; nil at the end.
    func nextRow(_ cursor: inout Cursor) throws -> Row? {
        var i = cursor.offset
        var line = cursor.line
        defer {
            cursor.offset = i
            cursor.line = line
        }
        let n = text.count
        while i < n {
            let rowLine = line
            var cells: [String] = []
            while true {
                if i < n, text[i] == Self.quote {
                    let quoteLine = line
                    i += 1
                    var cell: [UInt8] = []
                    while true {
                        guard i < n else {
                            throw CSVError(
                                file: file, line: rowLine,
                                reason: "a quoted cell opened on line \(quoteLine) is never closed")
                        }
                        let b = text[i]
                        if b == Self.quote {
                            if i + 1 < n, text[i + 1] == Self.quote {
                                cell.append(Self.quote)
                                i += 2
                                continue
                            }
                            i += 1
                            break
                        }
                        if b == Self.lf || (b == Self.cr && (i + 1 >= n || text[i + 1] != Self.lf)) { line += 1 }
                        cell.append(b)
                        i += 1
                    }
                    guard i >= n || text[i] == Self.comma || text[i] == Self.cr || text[i] == Self.lf else {
                        throw CSVError(
                            file: file, line: line,
                            reason:
                                "text follows the closing quote of cell \(cells.count + 1); quotes inside a quoted cell must be doubled"
                        )
                    }
                    cells.append(String(decoding: cell, as: UTF8.self))
                } else {
                    let start = i
                    while i < n, text[i] != Self.comma, text[i] != Self.cr, text[i] != Self.lf { i += 1 }
                    cells.append(String(decoding: text[start..<i], as: UTF8.self))
                }
                guard i < n, text[i] == Self.comma else { break }
                i += 1
            }
            if i < n {
                if text[i] == Self.cr, i + 1 < n, text[i + 1] == Self.lf { i += 1 }
                i += 1
                line += 1
            }
            if cells.count == 1 && cells[0].isEmpty { continue }
            return Row(line: rowLine, cells: cells)
        }
        return nil
    }
}

/// A CSV file opened by ``CSVReader/open(path:wktColumn:lonColumn:latColumn:encoding:)``: its
/// text decoded and header read, its rows read one at a time by ``forEachFeature(_:)``.
public struct CSVTable: Sendable {
    let tokenizer: CSVTokenizer
    let firstRow: CSVTokenizer.Cursor
    /// Every header name, in file order (trimmed; blank names become `fieldN`, duplicates get `_2`…).
    public let columnNames: [String]
    public let geometrySource: CSVLayer.GeometrySource
    /// The encoding used and how it was chosen.
    public let encoding: TextEncodingChoice
    /// Byte sequences not valid in the encoding, read as U+FFFD.
    public let replacementCount: Int

    /// The columns that become properties (all but the geometry's), in order: every feature's
    /// properties have exactly these.
    public var propertyNames: [String] { columnNames.filter { !geometryColumns.contains($0) } }

    var geometryColumns: Set<String> {
        switch geometrySource {
        case .wkt(let c): return [c]
        case .lonLat(let lon, let lat): return [lon, lat]
        case .none: return []
        }
    }

    /// Whether the file has a data row after its header.
    public func hasRows() throws -> Bool {
        var cursor = firstRow
        return try tokenizer.nextRow(&cursor) != nil
    }

    /// Reads the data rows in order and hands each feature to `body` with its 0-based index and
    /// the file line its row starts on.
    /// - Returns: the positions whose Z or M value was dropped (WKT).
    /// - Throws: ``CSVError`` naming the line (an unterminated quote, a row with the wrong number
    ///   of cells, bad WKT, a coordinate that is not a number), or what `body` throws.
    @discardableResult
    public func forEachFeature(_ body: (_ index: Int, _ line: Int, Feature) throws -> Void) throws -> Int {
        var geometryIndices: Set<Int> = []
        for c in geometryColumns { geometryIndices.insert(columnNames.firstIndex(of: c)!) }
        var droppedZ = 0
        var cursor = firstRow
        var index = 0
        while let row = try tokenizer.nextRow(&cursor) {
            let f = try CSVReader.feature(
                of: row, columns: columnNames, source: geometrySource, geometryIndices: geometryIndices,
                file: tokenizer.file, droppedZ: &droppedZ)
            try body(index, row.line, f)
            index += 1
        }
        return droppedZ
    }
}

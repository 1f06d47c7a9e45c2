import GridplanAnalysis
import GridplanCRS
import GridplanGeometry
import GridplanIO
import GridplanStore

/// A point layer (households, events) read batch by batch straight into the metric CRS, for
/// layers of millions of points: the caller keeps the coordinates and the values it needs, and
/// no feature outlives its batch. 19.5 million building features with their properties held
/// about 5 GB; their coordinates and weights hold 470 MB.
///
/// A file is read through ``SourceReader`` (the same checks as a full read; without the key
/// survey, its property names learnt as it passes); a store layer through the store's cursor,
/// its property names learnt as it passes.
struct PointStream {
    /// The file, or `store:layer`.
    let name: String
    let crs: CRS
    let crsSource: String
    let isStoreLayer: Bool
    /// Every feature's property names, when known before reading (a file's survey).
    let declaredNames: [String]?
    /// A file opened without its key survey: its fields are picked by the first feature's names
    /// and checked against every name the read met (see ``InputSet/streamed(_:_:)``).
    let isUnsurveyedFile: Bool
    private let source: Source

    private enum Source {
        case file(SourceReader)
        case store(any Store, StoreLayer, FeatureFilter)
    }

    /// What reading the whole layer learnt.
    struct Ending {
        /// Every property name met, in first-seen order.
        var propertyNames: [String]
        var notes: [String]
    }

    static let batchSize = 4096

    init(file reader: SourceReader) {
        name = reader.path
        crs = reader.crs
        crsSource = reader.crsSource
        isStoreLayer = false
        declaredNames = reader.isSurveyed ? reader.propertyNames : nil
        isUnsurveyedFile = !reader.isSurveyed
        source = .file(reader)
    }

    init(layer: StoreLayer, of store: any Store, filter: FeatureFilter) {
        name = "\(store.location):\(layer.rawValue)"
        crs = store.crs
        crsSource = "the store"
        isStoreLayer = true
        declaredNames = nil
        isUnsurveyedFile = false
        source = .store(store, layer, filter)
    }

    /// Calls `body` with each batch: the index of its first feature, its features and their
    /// geometries in `metric` (nil where a feature has none), one PROJ call per batch. A file's
    /// features carry only the properties `keeping` names (nil: all); a store's carry all.
    /// - Throws: the reader's errors; ``InputError`` naming the feature whose coordinates cannot
    ///   be transformed, as ``LayerInput/geometries(in:)`` does; what `body` throws.
    func forEachBatch(
        in metric: CRS, keeping: [String]? = nil,
        _ body: (_ first: Int, _ features: [Feature], _ geometries: [Geometry?]) throws -> Void
    )
        throws -> Ending
    {
        let transformer = try Transformer(from: crs, to: metric)
        func pass(_ first: Int, _ features: [Feature]) throws {
            try body(first, features, try transform(features, first: first, with: transformer))
        }
        switch source {
        case .file(let reader):
            let summary = try reader.forEachBatch(of: Self.batchSize, keeping: keeping, pass)
            return Ending(propertyNames: summary.propertyNames, notes: summary.notes)
        case .store(let store, let layer, let filter):
            var names = PropertyNameUnion()
            var batch: [Feature] = []
            batch.reserveCapacity(Self.batchSize)
            var first = 0
            try store.forEachFeature(of: layer, filter) { f in
                names.add(f.properties.keys)
                batch.append(f)
                if batch.count == Self.batchSize {
                    try pass(first, batch)
                    first += batch.count
                    batch.removeAll(keepingCapacity: true)
                }
            }
            if !batch.isEmpty { try pass(first, batch) }
            return Ending(propertyNames: names.names, notes: [])
        }
    }

    /// What a read kept, and the reader's notes.
    struct Collected<Value, Fields> {
        var values: [Value]
        /// The fields the values were read by.
        var fields: Fields
        /// Features read, with a geometry or not.
        var features = 0
        var notes: [String]
    }

    /// Reads the layer once, handing each feature with a geometry (its index, the feature, its
    /// geometry in `metric`) to `values` along with the fields `fields` picks among the layer's
    /// property names; a file's features carry only the properties `keeping` names for them. A
    /// file's names are known before the first feature; a store layer is read with the fields its
    /// first feature's names pick (else `guess`) and read again in the rare case the names of all
    /// its features pick others.
    func read<Value, Fields: Equatable>(
        in metric: CRS, guess: Fields, fields: ([String]) throws -> Fields, keeping: (Fields) -> [String],
        values: (_ fields: Fields, _ index: Int, _ feature: Feature, _ geometry: Geometry, _ into: inout [Value])
            throws -> Void
    ) throws -> Collected<Value, Fields> {
        func pass(_ chosen: Fields) throws -> (Collected<Value, Fields>, [String]) {
            var collected: [Value] = []
            var count = 0
            // A file's features carry only what the fields need; a store's carry all.
            let kept = isStoreLayer ? nil : keeping(chosen)
            let ending = try forEachBatch(in: metric, keeping: kept) { first, features, geometries in
                for (i, (f, g)) in zip(features, geometries).enumerated() {
                    if let g { try values(chosen, first + i, f, g, &collected) }
                }
                count += features.count
            }
            return (
                Collected(values: collected, fields: chosen, features: count, notes: ending.notes), ending.propertyNames
            )
        }
        let chosen: Fields
        if let names = declaredNames {
            chosen = try fields(names)
        } else if let first = try firstFeatureNames(), let picked = try? fields(first) {
            chosen = picked
        } else {
            chosen = guess
        }
        let (collected, names) = try pass(chosen)
        let actual = try fields(names)
        return actual == chosen ? collected : try pass(actual).0
    }

    /// ``read(in:guess:fields:keeping:values:)`` with one field, or none.
    func read<Value>(
        in metric: CRS, guess: String?, field: ([String]) throws -> String?,
        points: (_ field: String?, _ index: Int, _ feature: Feature, _ geometry: Geometry, _ into: inout [Value])
            throws -> Void
    ) throws -> Collected<Value, String?> {
        try read(in: metric, guess: guess, fields: field, keeping: { $0.map { [$0] } ?? [] }, values: points)
    }

    /// The property names of the first feature of a store layer or of a file read without its
    /// survey; nil for an empty layer or a surveyed file.
    private func firstFeatureNames() throws -> [String]? {
        guard case .store(let store, let layer, let filter) = source else {
            guard case .file(let reader) = source, !reader.isSurveyed else { return nil }
            return reader.firstFeatureNames
        }
        struct Enough: Error {}
        var names: [String]?
        do {
            try store.forEachFeature(of: layer, filter) { f in
                names = f.properties.keys
                throw Enough()
            }
        } catch is Enough {}
        return names
    }

    private func transform(_ features: [Feature], first: Int, with t: Transformer) throws -> [Geometry?] {
        do {
            return try t.transform(batch: features.map(\.geometry))
        } catch let e as Transformer.BatchError {
            throw InputError(
                e.index.map { "\(name): feature \(first + $0): \(e)" }
                    ?? "\(name): features \(first)–\(first + features.count - 1): \(e)")
        }
    }
}

extension InputSet {
    /// Opens the input `text` (a file, `FILE@CRS`, or a store layer) for a streaming read of its
    /// points, as ``load(_:role:)`` resolves it.
    /// - Parameter survey: false to open a file without its key survey (see ``SourceReader/isSurveyed``).
    func openStream(_ text: String, survey: Bool = true) throws -> PointStream {
        switch try resolve(text) {
        case .store(let store, let layer, let filter):
            return PointStream(layer: layer, of: store, filter: filter)
        case .file(let path, let declaredCRS, let declaredBy):
            return PointStream(
                file: try SourceReader.open(
                    path: path, declaredCRS: declaredCRS, declaredBy: declaredBy, survey: survey))
        }
    }

    /// Streams the input `text` through `read`, over a file once, without the key survey: the
    /// fields are picked by the first feature's names and checked against the names of all the
    /// features once they have passed (read again in the rare case those pick others, as for a
    /// store layer): about a quarter less time than survey and read. A file that fails so, or declares
    /// its CRS after its features, is read again with the survey, so the results and errors are
    /// those of a surveyed read.
    /// - Returns: the stream the result came from (its CRS is the one to record), and the result.
    func streamed<T>(_ text: String, _ read: (PointStream) throws -> T) throws -> (PointStream, T) {
        let stream = try openStream(text, survey: false)
        guard stream.isUnsurveyedFile else { return (stream, try read(stream)) }
        do {
            return (stream, try read(stream))
        } catch {
            let surveyed = try openStream(text)
            return (surveyed, try read(surveyed))
        }
    }

    /// Weighted points of the input `text` in `metric`, streamed (see ``PointStream``): the weight
    /// from `weightField`, else the layer's detected households field, else 1 per point; a
    /// multipoint's weight is shared among its points. Checked against the reference units like
    /// every secondary layer.
    /// - Throws: ``InputError`` naming the layer when `weightField` is not one of its properties,
    ///   or the feature whose coordinates cannot be transformed; the reader's errors.
    public func weightedPoints(_ text: String, role: String, weightField: String?, in metric: CRS) throws
        -> [(Coordinate, Double)]
    {
        let (stream, points) = try streamed(text) { stream in
            try stream.read(
                in: metric, guess: weightField ?? "households",
                field: { names in
                    guard let weightField else { return FieldMapping.detected("households", among: names) }
                    guard names.contains(weightField) else {
                        throw InputError(
                            "\(stream.name): no property '\(weightField)' (has: \(names.joined(separator: ", ")))")
                    }
                    return weightField
                },
                points: { weight, _, f, g, points in
                    let w = weight.flatMap { f.properties[$0]?.doubleValue } ?? (weight == nil ? 1 : 0)
                    switch g {
                    case .point(let c): points.append((c, w))
                    case .multiPoint(let cs): for c in cs { points.append((c, w / Double(max(cs.count, 1)))) }
                    default: break
                    }
                })
        }
        try finish(stream, role: role, notes: points.notes, points: points.values.lazy.map(\.0), in: metric)
        return points.values
    }

    /// The point locations of the input `text` in `metric`, streamed (see ``PointStream``):
    /// every point of every point or multipoint feature, and with a bounded `window` only those
    /// of features whose date (the detected `date` field, `YYYY-MM-DD`) lies in it.
    /// - Throws: ``InputError`` naming the input when `window` is bounded and the layer has no date
    ///   field, or the feature whose date is not a day or whose coordinates cannot be transformed.
    public func points(_ text: String, role: String, in metric: CRS, window: DateWindow? = nil) throws
        -> [Coordinate]
    {
        let window = window?.isBounded == true ? window : nil
        let (stream, points) = try streamed(text) { stream in
            try stream.read(
                in: metric, guess: window == nil ? nil : "date",
                field: { names in
                    guard window != nil else { return nil }
                    guard let f = FieldMapping.detected("date", among: names) else {
                        throw InputError("\(text): no date property for --since/--until")
                    }
                    return f
                },
                points: { dateField, i, f, g, points in
                    if let dateField, let window {
                        let d = f.properties[dateField]?.text ?? ""
                        guard DateWindow.isDay(d) else {
                            throw InputError("\(text): feature \(i): date '\(d)' is not YYYY-MM-DD")
                        }
                        guard window.contains(d) else { return }
                    }
                    switch g {
                    case .point(let c): points.append(c)
                    case .multiPoint(let cs): points += cs
                    default: break
                    }
                })
        }
        try finish(stream, role: role, notes: points.notes, points: points.values.lazy, in: metric)
        return points.values
    }

    /// The single points of the input `text` in `metric` (a point, or a multipoint of one), each
    /// with the index of its feature, streamed (see ``PointStream``); `others` counts the features
    /// that are not single points (none, lines, several points).
    public func singlePoints(_ text: String, role: String, in metric: CRS) throws -> (
        points: [Coordinate], features: [Int], others: Int
    ) {
        let (stream, read) = try streamed(text) { stream in
            try stream.read(
                in: metric, guess: nil, field: { _ in nil },
                points: { _, i, _, g, points in
                    if let c = Geometry.singlePoint(g) { points.append((c, i)) }
                })
        }
        let points = read.values.map(\.0)
        try finish(stream, role: role, notes: read.notes, points: points, in: metric)
        return (points, read.values.map(\.1), read.features - read.values.count)
    }

    /// Records how a streamed layer was read and checks a sample of its points against the
    /// reference units.
    private func finish<C: Collection>(
        _ stream: PointStream, role: String, notes: [String], points: C, in metric: CRS
    ) throws where C.Element == Coordinate, C.Index == Int {
        try finish(stream, role: role, notes: notes, sample: LayerFit.sample(points: points))
    }

    /// Records how a streamed layer was read and checks `sample` (coordinates in the metric
    /// CRS) against the reference units.
    func finish(_ stream: PointStream, role: String, notes: [String], sample: [Coordinate]) throws {
        record(
            LayerReading(role: role, source: stream.name, crs: stream.crs.identifier, crsSource: stream.crsSource),
            notes: notes.map { "\(stream.name): \($0)" })
        try checkFit(sample: sample, name: stream.name, crs: stream.crs, isStoreLayer: stream.isStoreLayer)
    }
}

extension Geometry {
    /// The coordinate of a point, or of a multipoint of one point; nil for anything else.
    static func singlePoint(_ g: Geometry) -> Coordinate? {
        switch g {
        case .point(let c): return c
        case .multiPoint(let cs) where cs.count == 1: return cs[0]
        default: return nil
        }
    }
}

extension LayerInput {
    /// As ``InputSet/singlePoints(_:role:in:)``, of a layer read whole.
    public func singlePoints(in metric: CRS) throws -> (points: [Coordinate], features: [Int], others: Int) {
        var points: [Coordinate] = []
        var features: [Int] = []
        for (i, g) in try geometries(in: metric).enumerated() {
            guard let c = g.flatMap(Geometry.singlePoint) else { continue }
            points.append(c)
            features.append(i)
        }
        return (points, features, self.features.count - points.count)
    }
}

import Foundation
import GridplanCRS
import GridplanGeometry
import GridplanIO

/// A layer read from a file one batch of features at a time, for imports of any size in
/// bounded memory: what ``SourceLayer`` reads, checked the same way, without holding it.
///
/// Before the first feature it knows the CRS (resolved as ``SourceLayer/read(path:declaredCRS:declaredBy:layerName:encoding:)``
/// does) and every property name, so the standard fields can be mapped up front. A GeoJSON
/// file gets a key survey for that: one quick scan of the file for the properties' member
/// names and the legacy `crs` member, skipping geometries by their brackets (GDAL's GeoJSON
/// driver scans the whole file for its fields too). The survey's names are the union a full
/// read would see, so the mapping is the same as reading everything first; the other formats
/// declare their columns. Each batch is checked as it passes (coordinates plausible in the
/// CRS, the first that is not named by its index), and the whole at the end (a projected CRS's
/// area of use), so an import fails before it commits.
///
/// Used by one thread at a time: an import hands it to the thread that reads and encodes.
public final class SourceReader: @unchecked Sendable {
    public let path: String
    /// "GeoJSON", "GeoPackage", ...
    public let format: String
    public let crs: CRS
    public let crsDescription: CRSDescription
    /// How the CRS was decided: `--crs`, the file's own declaration, or the RFC 7946 default.
    public let crsSource: String
    /// Every property name of the layer's features, in first-seen order; empty when opened
    /// without a survey (see ``isSurveyed``).
    public let propertyNames: [String]
    /// Whether the property names were read before the features (a GeoJSON file's key survey).
    /// Without it, a read keeps only the properties it names, and a file whose `crs` member
    /// follows its features fails at the end (``forEachBatch(of:keeping:_:)``), to be read
    /// again with a survey.
    public let isSurveyed: Bool
    /// Without a survey: the first feature's property names (nil when there is no feature).
    public let firstFeatureNames: [String]?
    /// The file's own CRS declaration the CRS was resolved with.
    private let fileCRS: String?
    /// The number of features, when known before reading (GeoJSON, GeoPackage, Shapefile).
    public let featureCount: Int?
    private let feed: SourceFeed
    private let resolved: SourceCRS
    private let openingNotes: [String]

    /// What reading the whole layer found.
    public struct Summary: Sendable {
        public var features: Int
        public var nullGeometries: Int
        /// Things the reader noticed that the user should hear (encodings, dropped Z values).
        public var notes: [String]
        /// Every property name the features had, in first-seen order: ``propertyNames`` when
        /// surveyed, else what the read met.
        public var propertyNames: [String] = []
    }

    private init(
        path: String, format: String, feed: SourceFeed, resolved: SourceCRS, survey: SourceFeed.Survey,
        notes: [String], fileCRS: String? = nil
    ) {
        self.isSurveyed = survey.isComplete
        self.fileCRS = fileCRS
        firstFeatureNames = survey.firstFeatureNames
        self.path = path
        self.format = format
        self.feed = feed
        self.resolved = resolved
        crs = resolved.crs
        crsDescription = resolved.description
        crsSource = resolved.source
        propertyNames = survey.propertyNames
        featureCount = survey.featureCount
        openingNotes = notes
    }

    /// Opens `path` for reading batch by batch: headers read, a GeoJSON file surveyed, the CRS
    /// resolved; no feature is kept.
    /// - Parameters: as ``SourceLayer/read(path:declaredCRS:declaredBy:layerName:encoding:)``.
    /// - Throws: ``StoreError`` or the format reader's error for an unreadable or malformed file
    ///   (a GeoJSON syntax error is found by the survey, with line, column and feature), a CRS
    ///   that cannot be read, a format that declares none.
    ///
    /// ```swift
    /// let source = try SourceReader.open(path: "buildings.geojson")
    /// let summary = try source.forEachBatch(of: 2000) { first, features in ... }
    /// ```
    /// - Parameter survey: false to skip a GeoJSON file's key survey when the reads will name
    ///   the properties they keep (see ``isSurveyed``): one pass over the file instead of two.
    public static func open(
        path: String, declaredCRS: String? = nil, declaredBy: String = "--crs", layerName: String? = nil,
        encoding: String? = nil, survey: Bool = true
    ) throws -> SourceReader {
        let opened = try SourceFeed.open(path: path, layerName: layerName, encoding: encoding)
        let found = try survey ? opened.feed.survey() : opened.feed.leadingSurvey()
        let fileCRS = opened.fileCRS ?? found.declaredCRS
        let resolved = try SourceCRS.resolve(
            declaredCRS: declaredCRS, declaredBy: declaredBy, fileCRS: fileCRS, format: opened.format, path: path)
        return SourceReader(
            path: path, format: opened.format, feed: opened.feed, resolved: resolved, survey: found,
            notes: opened.notes, fileCRS: fileCRS)
    }

    /// A layer already read into memory, given batch by batch.
    public convenience init(_ layer: SourceLayer) {
        let resolved = SourceCRS(crs: layer.crs, description: layer.crsDescription, source: layer.crsSource)
        let survey = SourceFeed.Survey(
            propertyNames: layer.propertyNames, declaredCRS: nil, featureCount: layer.collection.features.count)
        // The layer's notes already include the Z values it dropped; the feed reports none again.
        var collection = layer.collection
        collection.droppedZCount = 0
        self.init(
            path: layer.path, format: layer.format, feed: .memory(collection), resolved: resolved, survey: survey,
            notes: layer.notes)
    }

    /// Reads the features in order and hands them to `body` in batches of up to `size`, each
    /// with the index of its first feature; each feature is checked before its batch goes.
    /// With `keeping`, features carry those properties only (others may be left unbuilt: see
    /// ``GeoJSONReader/forEachFeature(path:keeping:_:)``); nil keeps them all.
    /// - Returns: the counts and the notes, once the whole layer has passed its checks.
    /// - Throws: the format reader's error (naming the feature or record), ``StoreError`` naming
    ///   the first feature whose coordinates cannot be in the CRS or the whole layer's misplaced
    ///   centre, or what `body` throws.
    public func forEachBatch(
        of size: Int, keeping: [String]? = nil, _ body: (_ first: Int, _ features: [Feature]) throws -> Void
    ) throws
        -> Summary
    {
        precondition(size > 0, "a batch holds at least one feature")
        precondition(isSurveyed || keeping != nil, "a read without a survey names the properties it keeps")
        var check = SourceCheck(resolved, path: path)
        var names = PropertyNameCheck(propertyNames, path: path)
        var batch: [Feature] = []
        batch.reserveCapacity(size)
        var first = 0
        let ending = try feed.forEachFeature(keeping: keeping) { i, f in
            try check.check(f, index: i)
            if keeping == nil { try names.check(f, index: i) }
            batch.append(f)
            if batch.count == size {
                try body(first, batch)
                first = i + 1
                batch.removeAll(keepingCapacity: true)
            }
        }
        if !batch.isEmpty { try body(first, batch) }
        if !isSurveyed, let late = ending.declaredCRS, late != fileCRS {
            throw StoreError(
                path: path,
                reason:
                    "its crs member (\(late)) follows its features: read it with a survey, or move the member before \"features\""
            )
        }
        try check.finish()
        return Summary(
            features: check.count, nullGeometries: check.nullGeometries,
            notes: openingNotes + ending.notes + SourceLayer.droppedZNote(ending.droppedZCount),
            propertyNames: isSurveyed ? propertyNames : ending.propertyNames ?? [])
    }
}

/// Holds the promise that ``SourceReader/propertyNames`` are every feature's: a feature with a
/// name outside them fails the import rather than being stored under a mapping that did not
/// consider it. Features mostly repeat the previous feature's names, which costs one comparison.
struct PropertyNameCheck {
    let known: Set<String>
    let path: String
    var previous: [String] = []

    init(_ names: [String], path: String) {
        known = Set(names)
        self.path = path
    }

    mutating func check(_ feature: Feature, index: Int) throws {
        let entries = feature.properties.entries
        if entries.count == previous.count && zip(entries, previous).allSatisfy({ $0.key == $1 }) { return }
        if let unknown = entries.first(where: { !known.contains($0.key) })?.key {
            throw StoreError(
                path: path,
                reason:
                    "feature \(index): property '\(unknown)' was not among the names found before reading (internal error: the field mapping did not consider it)"
            )
        }
        previous = entries.map(\.key)
    }
}

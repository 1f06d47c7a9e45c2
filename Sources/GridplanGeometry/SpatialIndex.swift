import CGEOS

/// Collects query hits and answers distance callbacks for one ``SpatialIndex`` call.
private final class QueryBox {
    var hits: [Int] = []
    let geometries: [NativeGeometry]
    let query: NativeGeometry?
    var failed = false
    init(geometries: [NativeGeometry], query: NativeGeometry?) {
        self.geometries = geometries
        self.query = query
    }
}

/// Item pointers carry `index + 1`, so no item is NULL; the query item of `nearest` is this marker.
private var queryMarker: UnsafeMutableRawPointer { UnsafeMutableRawPointer(bitPattern: Int.max)! }

/// An STR-packed R-tree over geometries (`GEOSSTRtree_create_r`), for envelope queries and
/// nearest-neighbour search. Items are identified by the index of insertion order.
///
/// GEOS builds the tree on the first query; inserting after that throws.
///
/// ```swift
/// let index = try SpatialIndex(context: ctx)
/// for g in communities { try index.insert(g) }
/// let candidates = try index.query(intersecting: street)   // indices into communities
/// ```
public final class SpatialIndex {
    public let context: GEOSContext
    private let tree: OpaquePointer
    private var geometries: [NativeGeometry] = []
    private var isBuilt = false

    /// - Parameter nodeCapacity: children per node (GEOS's default is 10).
    public init(context: GEOSContext, nodeCapacity: Int = 10) throws {
        self.context = context
        // NULL on exception
        guard let t = GEOSSTRtree_create_r(context.handle, max(2, nodeCapacity)) else {
            throw context.error("GEOSSTRtree_create_r")
        }
        self.tree = t
    }

    deinit { GEOSSTRtree_destroy_r(context.handle, tree) }

    /// Number of items inserted.
    public var count: Int { geometries.count }

    /// The geometry inserted as item `index`.
    public func geometry(at index: Int) -> NativeGeometry { geometries[index] }

    /// Inserts a geometry and returns its item index. Calls `GEOSSTRtree_insert_r`.
    @discardableResult
    public func insert(_ geometry: NativeGeometry) throws -> Int {
        precondition(geometry.context === context, "geometries from different GEOSContexts cannot be combined")
        guard !isBuilt else {
            throw GeometryError(
                operation: "GEOSSTRtree_insert_r",
                message: "the index is already built (queried); build a new one to add items")
        }
        let index = geometries.count
        geometries.append(geometry)
        GEOSSTRtree_insert_r(context.handle, tree, geometry.pointer, UnsafeMutableRawPointer(bitPattern: index + 1))
        return index
    }

    /// Indices of items whose envelopes intersect the envelope of `geometry`, in ascending order.
    /// A candidate filter: test the real predicate afterwards. Calls `GEOSSTRtree_query_r`.
    public func query(intersecting geometry: NativeGeometry) -> [Int] {
        precondition(geometry.context === context, "geometries from different GEOSContexts cannot be combined")
        isBuilt = true
        let box = QueryBox(geometries: [], query: nil)
        GEOSSTRtree_query_r(
            context.handle, tree, geometry.pointer,
            { item, userdata in
                guard let item, let userdata else { return }
                Unmanaged<QueryBox>.fromOpaque(userdata).takeUnretainedValue().hits.append(Int(bitPattern: item) - 1)
            }, Unmanaged.passUnretained(box).toOpaque())
        return box.hits.sorted()
    }

    /// Indices of items whose envelopes intersect `envelope`.
    public func query(envelope: Envelope) throws -> [Int] {
        guard !envelope.isEmpty else { return [] }
        let rect = Polygon(exterior: [
            Coordinate(envelope.minX, envelope.minY), Coordinate(envelope.maxX, envelope.minY),
            Coordinate(envelope.maxX, envelope.maxY), Coordinate(envelope.minX, envelope.maxY),
            Coordinate(envelope.minX, envelope.minY),
        ])
        let g: NativeGeometry
        if envelope.width == 0 && envelope.height == 0 {
            g = try context.geometry(.point(envelope.center))
        } else if envelope.width == 0 || envelope.height == 0 {
            g = try context.geometry(
                .lineString([Coordinate(envelope.minX, envelope.minY), Coordinate(envelope.maxX, envelope.maxY)]))
        } else {
            g = try context.geometry(.polygon(rect))
        }
        return query(intersecting: g)
    }

    /// The index of the item nearest to `geometry` (true geometry distance, not envelope
    /// distance), or nil when the index is empty. Calls `GEOSSTRtree_nearest_generic_r`.
    public func nearest(to geometry: NativeGeometry) throws -> Int? {
        precondition(geometry.context === context, "geometries from different GEOSContexts cannot be combined")
        guard !geometries.isEmpty else { return nil }
        isBuilt = true
        let box = QueryBox(geometries: geometries, query: geometry)
        let result = withExtendedLifetime(box) {
            GEOSSTRtree_nearest_generic_r(
                context.handle, tree, queryMarker, geometry.pointer,
                { a, b, distance, userdata in
                    guard let a, let b, let distance, let userdata else { return 0 }
                    let box = Unmanaged<QueryBox>.fromOpaque(userdata).takeUnretainedValue()
                    func resolve(_ p: UnsafeRawPointer) -> NativeGeometry? {
                        if p == UnsafeRawPointer(queryMarker) { return box.query }
                        return box.geometries[Int(bitPattern: p) - 1]
                    }
                    guard let ga = resolve(a), let gb = resolve(b) else { return 0 }
                    var d = 0.0
                    // 0 on exception
                    guard GEOSDistance_r(ga.context.handle, ga.pointer, gb.pointer, &d) != 0 else {
                        box.failed = true
                        return 0
                    }
                    distance.pointee = d
                    return 1
                }, Unmanaged.passUnretained(box).toOpaque())
        }
        // NULL on exception or empty tree
        guard let result, !box.failed else { throw context.error("GEOSSTRtree_nearest_generic_r") }
        return Int(bitPattern: result) - 1
    }
}

import GridplanGeometry
import GridplanSQLite

/// Packs an SQLite R-tree (the `rtree` module behind the GeoPackage spatial index) in one pass,
/// writing its shadow tables directly instead of inserting entry by entry, which costs SQLite about
/// 9 µs per entry (its insertion descends, splits and rewrites nodes). The tree is built
/// Sort-Tile-Recursive: entries sorted by x into vertical slices, each slice sorted by y and cut
/// into full nodes, and the same again one level up until one root remains.
///
/// The layout follows SQLite's `rtree.c` for a 2-D `rtree(id, minx, maxx, miny, maxy)`: node 1 is
/// the root; a node blob holds a big-endian 16-bit depth (read from the root only), a 16-bit cell
/// count and cells of a 64-bit id (row id, or child node number) plus four big-endian 32-bit floats
/// minx, maxx, miny, maxy, zero-padded to the node size the table already uses; `%_rowid` maps each
/// entry to its leaf and `%_parent` each non-root node to its parent. Coordinates are rounded
/// outward to 32-bit floats as SQLite does, so every box contains its geometry. `rtreecheck()`
/// verifies trees built here in the tests.
struct RTreeBulkLoader {
    struct Entry {
        var id: Int64
        var minX: Float, maxX: Float, minY: Float, maxY: Float
    }

    let database: Database
    /// The R-tree virtual table's name (unquoted).
    let table: String

    static func down(_ d: Double) -> Float {
        var f = Float(d)
        if Double(f) > d { f = f.nextDown }
        return f
    }

    static func up(_ d: Double) -> Float {
        var f = Float(d)
        if Double(f) < d { f = f.nextUp }
        return f
    }

    static func entry(id: Int64, _ e: Envelope) -> Entry {
        Entry(id: id, minX: down(e.minX), maxX: up(e.maxX), minY: down(e.minY), maxY: up(e.maxY))
    }

    /// True when the tree holds no entry (so it may be rebuilt from scratch).
    func isEmpty() throws -> Bool {
        try database.rows("SELECT NOT EXISTS (SELECT 1 FROM \(GeoPackage.quote(table + "_rowid")))")[0][0].integer == 1
    }

    /// The node size the table uses (the length of its root blob; SQLite keeps every node that long).
    func nodeSize() throws -> Int {
        let rows = try database.rows("SELECT length(data) FROM \(GeoPackage.quote(table + "_node")) WHERE nodeno = 1")
        guard let n = rows.first?[0].integer, n >= 4 + 24 * 2 else {
            throw StoreError(path: database.path, reason: "R-tree \(table) has no usable root node")
        }
        return Int(n)
    }

    /// Replaces the (empty) tree with one holding `entries`.
    func load(_ entries: [Entry]) throws {
        // Nothing to index: the (empty) tree stays as SQLite made it.
        guard !entries.isEmpty else { return }
        let size = try nodeSize()
        let capacity = (size - 4) / 24
        let q = { GeoPackage.quote(table + $0) }
        try database.execute("DELETE FROM \(q("_node")); DELETE FROM \(q("_parent")); DELETE FROM \(q("_rowid"));")
        let insertNode = try database.prepare("INSERT INTO \(q("_node"))(nodeno, data) VALUES (?, ?)")
        let insertParent = try database.prepare("INSERT INTO \(q("_parent"))(nodeno, parentnode) VALUES (?, ?)")
        let insertRowID = try database.prepare("INSERT INTO \(q("_rowid"))(rowid, nodeno) VALUES (?, ?)")

        // Levels bottom-up; each node is a list of cells (id = row id at the leaves, child node after).
        var level = entries
        var levels: [[[Entry]]] = []
        repeat {
            let nodes = Self.pack(level, capacity: capacity)
            levels.append(nodes)
            level = nodes.enumerated().map { (k, cells) in
                var b = cells[0]
                for c in cells.dropFirst() {
                    b.minX = min(b.minX, c.minX)
                    b.maxX = max(b.maxX, c.maxX)
                    b.minY = min(b.minY, c.minY)
                    b.maxY = max(b.maxY, c.maxY)
                }
                b.id = Int64(k)  // the node's position in its level, made a node number when written
                return b
            }
        } while level.count > 1
        // Number the nodes top-down so the root is 1, then each level in order.
        let depth = levels.count - 1
        var first = [Int64](repeating: 0, count: levels.count)
        var next: Int64 = 1
        for l in stride(from: depth, through: 0, by: -1) {
            first[l] = next
            next += Int64(levels[l].count)
        }
        for l in stride(from: depth, through: 0, by: -1) {
            for (k, cells) in levels[l].enumerated() {
                let nodeNumber = first[l] + Int64(k)
                var blob = [UInt8](repeating: 0, count: size)
                if nodeNumber == 1 { Self.put16(UInt16(depth), at: 0, in: &blob) }
                Self.put16(UInt16(cells.count), at: 2, in: &blob)
                for (c, cell) in cells.enumerated() {
                    // Above the leaves a cell's id is its child's node number.
                    let id = l == 0 ? cell.id : first[l - 1] + cell.id
                    let at = 4 + 24 * c
                    Self.put64(UInt64(bitPattern: id), at: at, in: &blob)
                    for (j, v) in [cell.minX, cell.maxX, cell.minY, cell.maxY].enumerated() {
                        Self.put32(v.bitPattern, at: at + 8 + 4 * j, in: &blob)
                    }
                    if l == 0 {
                        try insertRowID.run([.integer(id), .integer(nodeNumber)])
                    } else {
                        try insertParent.run([.integer(id), .integer(nodeNumber)])
                    }
                }
                try insertNode.run([.integer(nodeNumber), .blob(blob)])
            }
        }
    }

    /// Sort-Tile-Recursive packing of one level into nodes of at most `capacity` cells (cells keep
    /// their ids).
    static func pack(_ items: [Entry], capacity: Int) -> [[Entry]] {
        guard !items.isEmpty else { return [[]] }
        let nodeCount = (items.count + capacity - 1) / capacity
        let slices = Int(Double(nodeCount).squareRoot().rounded(.up))
        let perSlice = slices * capacity
        let cx = { (e: Entry) in Double(e.minX) + Double(e.maxX) }
        let cy = { (e: Entry) in Double(e.minY) + Double(e.maxY) }
        var byX = Array(items.indices)
        byX.sort { cx(items[$0]) < cx(items[$1]) }
        var nodes: [[Entry]] = []
        nodes.reserveCapacity(nodeCount)
        var start = 0
        while start < byX.count {
            var slice = Array(byX[start..<min(start + perSlice, byX.count)])
            slice.sort { cy(items[$0]) < cy(items[$1]) }
            var s = 0
            while s < slice.count {
                nodes.append(slice[s..<min(s + capacity, slice.count)].map { items[$0] })
                s += capacity
            }
            start += perSlice
        }
        return nodes
    }

    static func put16(_ v: UInt16, at i: Int, in b: inout [UInt8]) {
        b[i] = UInt8(v >> 8)
        b[i + 1] = UInt8(v & 0xff)
    }

    static func put32(_ v: UInt32, at i: Int, in b: inout [UInt8]) {
        for k in 0..<4 { b[i + k] = UInt8((v >> (24 - 8 * k)) & 0xff) }
    }

    static func put64(_ v: UInt64, at i: Int, in b: inout [UInt8]) {
        for k in 0..<8 { b[i + k] = UInt8((v >> (56 - 8 * k)) & 0xff) }
    }
}

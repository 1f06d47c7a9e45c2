import GridplanGeometry

/// Shared fixture geometries covering every type and the awkward cases.
enum Fixtures {
    static func square(_ x: Double, _ y: Double, _ size: Double) -> Polygon {
        Polygon(exterior: [
            Coordinate(x, y), Coordinate(x + size, y), Coordinate(x + size, y + size), Coordinate(x, y + size),
            Coordinate(x, y),
        ])
    }

    /// 10 × 10 square with a 2 × 2 hole at (4, 4): area 96.
    static let squareWithHole = Polygon(
        exterior: square(0, 0, 10).exterior,
        holes: [[Coordinate(4, 4), Coordinate(4, 6), Coordinate(6, 6), Coordinate(6, 4), Coordinate(4, 4)]]
    )

    /// Two disjoint unit squares: area 2.
    static let twoSquares = Geometry.multiPolygon([square(0, 0, 1), square(3, 0, 1)])

    /// Two squares that share the edge x = 1.
    static let leftSquare = square(0, 0, 1)
    static let rightSquare = square(1, 0, 1)

    /// Squares touching only at the point (1, 1).
    static let cornerSquare = square(1, 1, 1)

    /// A bow-tie: self-intersects at (1, 1).
    static let bowTie = Polygon(exterior: [
        Coordinate(0, 0), Coordinate(2, 2), Coordinate(2, 0), Coordinate(0, 2), Coordinate(0, 0),
    ])

    /// A 100 m × 0.5 m sliver.
    static let sliver = Polygon(exterior: [
        Coordinate(0, 0), Coordinate(100, 0), Coordinate(100, 0.5), Coordinate(0, 0.5), Coordinate(0, 0),
    ])

    /// A square whose ring repeats a point (valid, but noisy).
    static let repeatedPoints = Polygon(exterior: [
        Coordinate(0, 0), Coordinate(1, 0), Coordinate(1, 0), Coordinate(1, 1), Coordinate(0, 1), Coordinate(0, 0),
    ])

    /// A hole entirely outside its shell: invalid ("Hole lies outside shell").
    static let holeOutside = Polygon(
        exterior: square(0, 0, 4).exterior,
        holes: [[Coordinate(5, 1), Coordinate(6, 1), Coordinate(6, 2), Coordinate(5, 2), Coordinate(5, 1)]]
    )

    /// Projected coordinates in the millions, as Gauss-Krüger data has: 100 m square.
    static let projectedSquare = square(39_500_000, 4_420_000, 100)
}

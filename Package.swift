// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "gridplan",
    platforms: [.macOS(.v13)],
    products: [
        .library(
            name: "Gridplan",
            targets: [
                "GridplanGeometry", "GridplanCRS", "GridplanSQLite", "GridplanPostgres", "GridplanIO", "GridplanStore",
                "GridplanAnalysis", "GridplanSample", "GridplanReport", "GridplanInputs", "GridplanCommands",
            ]
        ),
        .executable(name: "gridplan", targets: ["gridplan"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0")
    ],
    targets: [
        // C libraries: each is imported by exactly one wrapper target below.
        .systemLibrary(
            name: "CGEOS",
            pkgConfig: "geos",
            providers: [.apt(["libgeos-dev"])]
        ),
        .systemLibrary(
            name: "CPROJ",
            pkgConfig: "proj",
            providers: [.apt(["libproj-dev", "proj-data"])]
        ),
        .systemLibrary(
            name: "CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        .systemLibrary(
            name: "CCairo",
            pkgConfig: "pangocairo",
            providers: [.apt(["libcairo2-dev", "libpango1.0-dev"])]
        ),

        // Geometry values and the GEOS-backed geometry engine.
        .target(name: "GridplanGeometry", dependencies: ["CGEOS"]),
        // Coordinate reference systems over PROJ, plus GCJ-02 / BD-09.
        .target(name: "GridplanCRS", dependencies: ["CPROJ", "GridplanGeometry"]),
        // A small, owned SQLite layer: connections, statements, transactions.
        .target(name: "GridplanSQLite", dependencies: ["CSQLite"]),
        // A small, owned PostgreSQL client over libpq: connections, bound parameters, COPY, cursors.
        .target(name: "GridplanPostgres", dependencies: ["CLibPQ"]),
        // Drawing on cairo with pango's text: the map images (PNG, SVG, PDF).
        .target(name: "GridplanCanvas", dependencies: ["CCairo"]),
        // GeoJSON reading and writing, atomic output files.
        .target(name: "GridplanIO", dependencies: ["GridplanGeometry"]),
        // The synthetic-city generator behind `gridplan sample`: known defects for tests and demos.
        .target(name: "GridplanSample", dependencies: ["GridplanGeometry", "GridplanCRS", "GridplanIO"]),
        // The GeoPackage store: layers, generations, import and export.
        .target(
            name: "GridplanStore",
            dependencies: ["GridplanSQLite", "GridplanPostgres", "GridplanGeometry", "GridplanCRS", "GridplanIO"]),
        // The domain: coverage checks, partition, assignment, metrics.
        .target(name: "GridplanAnalysis", dependencies: ["GridplanGeometry"]),
        // A command's inputs read one way: files or store layers, each in its declared CRS, checked
        // against the units they are used with.
        .target(
            name: "GridplanInputs",
            dependencies: ["GridplanStore", "GridplanAnalysis", "GridplanCRS", "GridplanGeometry", "GridplanIO"]),
        // The HTML map report and its PNG, SVG and PDF images (drawn through GridplanCanvas), the
        // QGIS layer styles, and the case tables and bulletin (通报): no C of its own.
        .target(
            name: "GridplanReport",
            dependencies: ["GridplanGeometry", "GridplanIO", "GridplanAnalysis", "GridplanCanvas"]),
        // The command-line interface as a library, so tests run commands in-process.
        .target(
            name: "GridplanCommands",
            dependencies: [
                "GridplanGeometry", "GridplanCRS", "GridplanIO", "GridplanSQLite", "GridplanStore", "GridplanAnalysis",
                "GridplanSample", "GridplanReport", "GridplanInputs", "GridplanPostgres", "GridplanCanvas",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "gridplan", dependencies: ["GridplanCommands"]),
        // Benchmark driver; its sources live with the rest of the benchmarks.
        .executableTarget(
            name: "gridplan-bench",
            dependencies: ["GridplanGeometry", "GridplanIO", "GridplanCRS"],
            path: "benchmarks/Sources/gridplan-bench"
        ),

        .testTarget(name: "GridplanGeometryTests", dependencies: ["GridplanGeometry"]),
        .testTarget(name: "GridplanCRSTests", dependencies: ["GridplanCRS", "GridplanGeometry"]),
        .testTarget(name: "GridplanSQLiteTests", dependencies: ["GridplanSQLite"]),
        .testTarget(name: "GridplanPostgresTests", dependencies: ["GridplanPostgres"]),
        .testTarget(name: "GridplanIOTests", dependencies: ["GridplanIO", "GridplanGeometry"]),
        .testTarget(name: "GridplanFormatsTests", dependencies: ["GridplanIO", "GridplanGeometry"]),
        .testTarget(
            name: "GridplanStoreTests",
            dependencies: [
                "GridplanStore", "GridplanPostgres", "GridplanIO", "GridplanGeometry", "GridplanCRS", "GridplanSQLite",
            ]),
        .testTarget(
            name: "GridplanAnalysisTests",
            dependencies: ["GridplanAnalysis", "GridplanGeometry", "GridplanCRS", "GridplanIO"]),
        .testTarget(
            name: "GridplanSampleTests",
            dependencies: [
                "GridplanSample", "GridplanCommands", "GridplanAnalysis", "GridplanIO", "GridplanGeometry",
                "GridplanCRS",
            ]
        ),
        .testTarget(
            name: "GridplanInputsTests",
            dependencies: [
                "GridplanInputs", "GridplanStore", "GridplanAnalysis", "GridplanIO", "GridplanGeometry", "GridplanCRS",
            ]),
        .testTarget(
            name: "GridplanReportTests",
            dependencies: [
                "GridplanReport", "GridplanCommands", "GridplanIO", "GridplanGeometry", "GridplanCanvas", "GridplanCRS",
                "GridplanAnalysis",
            ]),
        .testTarget(
            name: "GridplanCommandsTests",
            dependencies: [
                "GridplanCommands", "GridplanPostgres", "GridplanAnalysis", "GridplanIO", "GridplanGeometry",
                "GridplanCRS", "GridplanStore",
            ]),
    ],
    swiftLanguageModes: [.v6]
)

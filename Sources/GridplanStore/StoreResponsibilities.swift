import Foundation
import GridplanGeometry
import GridplanIO
import GridplanSQLite

/// One person's post as recorded in the store's `responsibilities` (one roster row): who answers
/// for a unit (网格长, 片长 ...) or a street (街巷长, 小巷管家 ...).
public struct ResponsibilityRecord: Sendable, Equatable {
    public var name: String
    public var role: String
    public var phone: String?
    /// The unit's code, at any level.
    public var unitCode: String?
    /// `district`, `street_office`, `community` or `grid`, when the unit is known.
    public var unitLevel: String?
    public var streetName: String?
    /// The name of the person this one reports to.
    public var superior: String?
    /// The person's tier as written (1 the top tier).
    public var tier: String?
    public var duties: String?
    /// The roster line the post came from.
    public var sourceLine: Int?

    public init(
        name: String, role: String, phone: String? = nil, unitCode: String? = nil, unitLevel: String? = nil,
        streetName: String? = nil,
        superior: String? = nil, tier: String? = nil, duties: String? = nil, sourceLine: Int? = nil
    ) {
        self.name = name
        self.role = role
        self.phone = phone
        self.unitCode = unitCode
        self.unitLevel = unitLevel
        self.streetName = streetName
        self.superior = superior
        self.tier = tier
        self.duties = duties
        self.sourceLine = sourceLine
    }
}

/// One street segment as `assign streets` recorded it: one lead unit, its grade and who keeps it.
public struct RecordedStreetSegment: Sendable {
    public var streetID: String
    public var name: String?
    public var streetClass: String?
    public var grade: Int?
    public var lengthMetres: Double
    public var lead: String?
    public var coOwners: [String]
    public var isBoundary: Bool
    /// The body of the grade rule keeping the segment (`city`, `street_office` ...).
    public var responsibleBody: String?
    /// The unit code (or body name) responsible under the grade rule.
    public var responsibleUnit: String?
    /// In the store's CRS.
    public var geometry: Geometry

    public init(
        streetID: String, name: String?, streetClass: String?, grade: Int?, lengthMetres: Double, lead: String?,
        coOwners: [String],
        isBoundary: Bool, responsibleBody: String?, responsibleUnit: String?, geometry: Geometry
    ) {
        self.streetID = streetID
        self.name = name
        self.streetClass = streetClass
        self.grade = grade
        self.lengthMetres = lengthMetres
        self.lead = lead
        self.coOwners = coOwners
        self.isBoundary = isBoundary
        self.responsibleBody = responsibleBody
        self.responsibleUnit = responsibleUnit
        self.geometry = geometry
    }
}

/// The tables beside the layers that keep generations of their own.
enum StoreTables {
    static let responsibilities = "responsibilities"
    static let streetSegments = "street_segments"
    /// street_segments' columns after its geometry, as migration 3 makes them.
    static let streetSegmentColumns: [GeoPackageColumn] = [
        GeoPackageColumn("street_id", "TEXT"), GeoPackageColumn("name", "TEXT"), GeoPackageColumn("class", "TEXT"),
        GeoPackageColumn("grade", "INTEGER"), GeoPackageColumn("length_m", "REAL"), GeoPackageColumn("lead", "TEXT"),
        GeoPackageColumn("co_owners", "TEXT"), GeoPackageColumn("boundary", "INTEGER"),
        GeoPackageColumn("responsible_body", "TEXT"),
        GeoPackageColumn("responsible_unit", "TEXT"), GeoPackageColumn("generation_id", "INTEGER"),
    ]
}

extension Store {
    /// The grade rule the latest `assign streets` recorded, as written, nil when none was.
    public func recordedGradeRule() throws -> String? {
        guard let generation = try generations(ofTable: StoreTables.streetSegments).last,
            case .object(let p)? = try? JSONText.decode(generation.parameters)
        else { return nil }
        return p["grade_rule"]?.stringValue
    }
}

/// The roster (who answers for each unit and street) and the street segments of `assign streets`,
/// each kept as generations: a new roster or assignment adds one, and readers take the latest.
extension GeoPackageStore {

    /// Records a roster as a new generation of `responsibilities`, in one transaction.
    /// - Returns: the generation's id.
    @discardableResult
    public func recordRoster(_ records: [ResponsibilityRecord], command: String, parameters: JSONObject) throws -> Int64
    {
        try database.transaction {
            let generation = try addGeneration(
                table: StoreTables.responsibilities, command: command, parameters: parameters)
            let s = try database.prepare(
                """
                INSERT INTO responsibilities (chief, role, phone, unit_code, unit_level, street_name, superior, level, duties, source_line, generation_id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            func text(_ v: String?) -> SQLValue { v.map { .text($0) } ?? .null }
            for r in records {
                try s.run([
                    .text(r.name), .text(r.role), text(r.phone), text(r.unitCode), text(r.unitLevel),
                    text(r.streetName), text(r.superior),
                    text(r.tier), text(r.duties), r.sourceLine.map { .integer(Int64($0)) } ?? .null,
                    .integer(generation),
                ])
            }
            return generation
        }
    }

    /// The latest recorded roster (empty when none has been recorded), in roster order.
    public func roster() throws -> [ResponsibilityRecord] {
        guard let generation = try generations(ofTable: StoreTables.responsibilities).last?.id else { return [] }
        let rows = try database.rows(
            """
            SELECT chief, role, phone, unit_code, unit_level, street_name, superior, level, duties, source_line
            FROM responsibilities WHERE generation_id = ? ORDER BY id
            """, [.integer(generation)])
        func text(_ v: SQLValue) -> String? { if case .text(let t) = v { return t } else { return nil } }
        return rows.map { r in
            var line: Int?
            if case .integer(let n) = r[9] { line = Int(n) }
            return ResponsibilityRecord(
                name: r[0].text, role: text(r[1]) ?? "", phone: text(r[2]), unitCode: text(r[3]), unitLevel: text(r[4]),
                streetName: text(r[5]), superior: text(r[6]), tier: text(r[7]), duties: text(r[8]), sourceLine: line)
        }
    }

    /// Records `assign streets`' segments (geometries in the store's CRS) as a new generation of
    /// `street_segments`, in one transaction; `parameters` keep the grade rule (`grade_rule`).
    @discardableResult
    public func recordStreetSegments(_ segments: [RecordedStreetSegment], command: String, parameters: JSONObject)
        throws -> Int64
    {
        try database.transaction {
            let generation = try addGeneration(
                table: StoreTables.streetSegments, command: command, parameters: parameters)
            let s = try database.prepare(
                """
                INSERT INTO street_segments (geom, street_id, name, class, grade, length_m, lead, co_owners, boundary, responsible_body, responsible_unit, generation_id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            func text(_ v: String?) -> SQLValue { v.map { .text($0) } ?? .null }
            try package.withDeferredSpatialIndex(table: StoreTables.streetSegments) {
                for seg in segments {
                    let g: Geometry
                    switch seg.geometry {
                    case .lineString(let l): g = .multiLineString([l])
                    default: g = seg.geometry
                    }
                    try s.run([
                        .blob(GeoPackageBinary.encode(g, srsID: srsID)), .text(seg.streetID), text(seg.name),
                        text(seg.streetClass),
                        seg.grade.map { .integer(Int64($0)) } ?? .null, .real(seg.lengthMetres), text(seg.lead),
                        .text(JSONText.encode(.array(seg.coOwners.map { .string($0) }))),
                        .integer(seg.isBoundary ? 1 : 0),
                        text(seg.responsibleBody), text(seg.responsibleUnit), .integer(generation),
                    ])
                }
            }
            try package.updateExtent(of: StoreTables.streetSegments)
            return generation
        }
    }

    /// The latest recorded street segments with their generation (whose parameters hold the grade
    /// rule), nil when `assign streets` never recorded any.
    public func streetSegments() throws -> (generation: StoreGeneration, segments: [RecordedStreetSegment])? {
        guard let generation = try generations(ofTable: StoreTables.streetSegments).last else { return nil }
        let info = try package.layer(named: StoreTables.streetSegments)
        var out: [RecordedStreetSegment] = []
        try package.forEachFeature(in: info, where: "t.generation_id = ?", arguments: [.integer(generation.id)]) { f in
            let p = f.properties
            var co: [String] = []
            if case .string(let json)? = p["co_owners"], case .array(let a)? = try? JSONText.decode(json) {
                co = a.compactMap(\.stringValue)
            }
            out.append(
                RecordedStreetSegment(
                    streetID: p["street_id"]?.stringValue ?? "", name: p["name"]?.stringValue,
                    streetClass: p["class"]?.stringValue,
                    grade: p["grade"]?.intValue.map { Int($0) }, lengthMetres: p["length_m"]?.doubleValue ?? 0,
                    lead: p["lead"]?.stringValue,
                    coOwners: co, isBoundary: p["boundary"]?.intValue == 1,
                    responsibleBody: p["responsible_body"]?.stringValue,
                    responsibleUnit: p["responsible_unit"]?.stringValue,
                    geometry: f.geometry.map(StoreGeometry.simplifiedMulti) ?? .multiLineString([])))
        }
        return (generation, out)
    }
}

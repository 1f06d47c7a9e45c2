import Foundation
import GridplanAnalysis
import GridplanCRS
import GridplanGeometry
import GridplanIO
import GridplanStore

/// The units and named streets a roster leaves without a role it requires (花名册的空缺), as a
/// layer for a map: `roster --out` writes it, and the report draws it.
public enum RosterHoles {
    /// One feature per unit or street that lacks a role: its polygon (a unit) or its lines (a
    /// street), in `crs`, with `level`, `unit` or `street`, `name`, `role` (the roles lacking,
    /// joined by "、"), `roles` (as a list) and `lacks` (each role with how many it has and needs).
    public static func features(_ report: RosterReport, hierarchy: StoreHierarchy, in crs: CRS) throws -> [Feature] {
        var order: [String] = []
        var lacking: [String: [RosterReport.Missing]] = [:]
        for m in report.missing {
            let key = m.level.rawValue + "\u{1F}" + m.unit
            if lacking[key] == nil { order.append(key) }
            lacking[key, default: []].append(m)
        }
        let transform = try Transformer(from: hierarchy.metric, to: crs)
        let streetLines = hierarchy.streetLinesByName
        var unitGeometry: [String: Geometry] = [:]
        for us in hierarchy.levels.values { for u in us { unitGeometry[u.code] = u.geometry } }
        let names = hierarchy.unitNames
        return try order.enumerated().map { k, key -> Feature in
            let ms = lacking[key]!
            let m = ms[0]
            let isStreet = m.level == .street
            let geometry: Geometry? =
                isStreet ? streetLines[m.unit].map { .multiLineString($0) } : unitGeometry[m.unit]
            var p = JSONObject()
            p["level"] = .string(m.level.rawValue)
            p[isStreet ? "street" : "unit"] = .string(m.unit)
            p["name"] = (isStreet ? m.unit : names[m.unit]).map { .string($0) } ?? .null
            p["role"] = .string(ms.map(\.role).joined(separator: "、"))
            p["roles"] = .array(ms.map { .string($0.role) })
            p["lacks"] = .string(ms.map { "\($0.role) \($0.present) (needs \($0.required))" }.joined(separator: "; "))
            return Feature(
                id: .integer(Int64(k + 1)), geometry: try geometry.map { try transform.transform($0) }, properties: p)
        }
    }

    /// The roster recorded in the store, checked again against the store's units and streets.
    public struct Recorded {
        /// The responsibilities generation that was checked.
        public var generation: Int64
        /// The requirements it was checked against.
        public var requirements: [RoleRequirement]
        /// True when the requirements are those `roster` recorded with the generation.
        public var requirementsRecorded: Bool
        public var report: RosterReport
        public var hierarchy: StoreHierarchy
    }

    /// Checks the store's latest roster against `requirements`, or, given none, against the
    /// `--require` rules it was recorded with. Nil when the store holds no roster.
    /// - Throws: ``InputError`` when a recorded rule no longer parses.
    public static func recorded(
        in inputs: InputSet, requirements given: [RoleRequirement], metricOverride: String?,
        warnings: inout [String]
    ) throws -> Recorded? {
        guard let store = inputs.store,
            let generation = try store.generations(ofTable: "responsibilities").max(by: { $0.id < $1.id })
        else { return nil }
        var requirements = given
        if given.isEmpty {
            requirements = try recordedRequirements(of: generation, store: store.location)
        }
        let hierarchy = try StoreHierarchy.load(inputs, metricOverride: metricOverride, warnings: &warnings)
        let report = RosterCheck.run(
            StoreHierarchy.entries(try store.roster()), world: hierarchy.rosterWorld, requirements: requirements,
            limits: [])
        return Recorded(
            generation: generation.id, requirements: requirements, requirementsRecorded: given.isEmpty,
            report: report, hierarchy: hierarchy)
    }

    /// The `require` rules a `roster` generation's parameters hold.
    static func recordedRequirements(of generation: StoreGeneration, store: String) throws -> [RoleRequirement] {
        guard case .object(let parameters)? = try? JSONText.decode(generation.parameters),
            case .array(let rules)? = parameters["require"]
        else { return [] }
        return try rules.map { rule in
            do {
                return try RoleRequirement(parsing: rule.text)
            } catch let e as RosterRuleError {
                throw InputError(
                    "\(store): responsibilities generation \(generation.id): the recorded rule \(e.message)")
            }
        }
    }
}

extension StoreHierarchy {
    /// The named streets' lines by name, in the metric CRS.
    var streetLinesByName: [String: [[Coordinate]]] {
        var lines: [String: [[Coordinate]]] = [:]
        for s in streets {
            guard let n = s.name else { continue }
            switch s.geometry {
            case .lineString(let l): lines[n, default: []].append(l)
            case .multiLineString(let ls): lines[n, default: []] += ls
            default: break
            }
        }
        return lines
    }
}

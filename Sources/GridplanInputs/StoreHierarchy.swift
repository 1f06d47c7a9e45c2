import Foundation
import GridplanAnalysis
import GridplanCRS
import GridplanGeometry
import GridplanIO
import GridplanStore

/// The hierarchy a store holds, read for `roster` and `locate`: the units of each level that has
/// any (districts, street offices, communities, grids of the latest generation), its streets,
/// `assign streets`' latest segments and the latest roster, all in one metric CRS.
public struct StoreHierarchy {
    public var metric: CRS
    /// Units per level, in the metric CRS; a level whose layer is empty is absent.
    public var levels: [HierarchyLevel: [UnitInput]]
    /// The layers the units came from (for properties and for writing them out).
    public var layers: [HierarchyLevel: LayerInput]
    public var streets: [StreetFeature]
    public var streetLayer: LayerInput?
    /// The latest recorded segments, nil when `assign streets` recorded none.
    public var segments: [RecordedStreetSegment]?

    static let layerOfLevel: [(HierarchyLevel, StoreLayer)] = [
        (.district, .districts), (.streetOffice, .streetOffices), (.community, .communities), (.grid, .grids),
    ]

    /// Reads the store behind `inputs` (every layer is said in `inputs`' readings).
    /// - Throws: ``InputError`` when the store has no units at any level.
    public static func load(_ inputs: InputSet, metricOverride: String?, warnings: inout [String]) throws
        -> StoreHierarchy
    {
        guard let store = inputs.store else { throw InputError("a store is needed (--store)", kind: .usage) }
        var layers: [HierarchyLevel: LayerInput] = [:]
        for (level, layer) in layerOfLevel {
            // With --within a street office, its district too: the district's posts answer for it.
            let input = try inputs.load(units: layer, codeLength: level.codeLength, role: level.rawValue)
            if input.features.contains(where: { $0.geometry != nil }) { layers[level] = input }
        }
        guard let main = layers[.community] ?? layers[.grid] ?? layers[.streetOffice] ?? layers[.district] else {
            throw InputError(
                "\(store.location): the store has no districts, street offices, communities or grids (import them first)"
            )
        }
        let metric = try main.metricCRS(override: metricOverride)
        var levels: [HierarchyLevel: [UnitInput]] = [:]
        for (level, layer) in layers {
            levels[level] = try layer.units(in: metric, codeField: nil, parentField: nil, warnings: &warnings)
        }
        let streetLayer = try inputs.load(StoreLayer.streets.rawValue, role: "streets")
        let streets = try StreetReading.features(of: streetLayer, in: metric, nameField: nil, gradeField: nil)
        let segments = try store.streetSegments()?.segments
        return StoreHierarchy(
            metric: metric, levels: levels, layers: layers, streets: streets,
            streetLayer: streets.isEmpty ? nil : streetLayer, segments: segments)
    }

    /// The units' names by code, every level.
    public var unitNames: [String: String] {
        var out: [String: String] = [:]
        for us in levels.values { for u in us { if let n = u.name { out[u.code] = n } } }
        return out
    }

    /// What a roster is checked against: units, named streets with their lengths, households,
    /// grids and the street length each unit leads.
    public var rosterWorld: RosterWorld {
        var units: [HierarchyLevel: [(code: String, name: String?)]] = [:]
        for (level, us) in levels { units[level] = us.map { ($0.code, $0.name) } }
        var streetMetres: [String: Double] = [:]
        let ctx = GEOSContext()
        for s in streets {
            guard let name = s.name, let n = try? ctx.geometry(s.geometry), let l = try? n.length else { continue }
            streetMetres[name, default: 0] += l
        }
        var households: [String: Double] = [:]
        for (level, us) in levels {
            let layer = layers[level]!
            for u in us {
                if let v = layer.features[u.sourceIndex].properties["households"]?.doubleValue {
                    households[u.code] = v
                }
            }
        }
        // Offices and districts without their own count: the sum of their communities'.
        for level in [HierarchyLevel.streetOffice, .district] {
            for u in levels[level] ?? [] where households[u.code] == nil {
                let members = (levels[.community] ?? []).filter { $0.code.hasPrefix(u.code) }
                if !members.isEmpty { households[u.code] = members.reduce(0) { $0 + (households[$1.code] ?? 0) } }
            }
        }
        var lead: [String: Double]?
        if let segments {
            var l: [String: Double] = [:]
            for s in segments { if let u = s.lead { l[u, default: 0] += s.lengthMetres } }
            lead = l
        }
        return RosterWorld(
            units: units, streetMetres: streetMetres, households: households,
            gridCodes: (levels[.grid] ?? []).map(\.code), leadMetres: lead)
    }

    /// The roster's posts as analysis entries.
    public static func entries(_ records: [ResponsibilityRecord]) -> [RosterEntry] {
        records.map { r in
            RosterEntry(
                line: r.sourceLine ?? 0, name: r.name, role: r.role, phone: r.phone, unit: r.unitCode,
                street: r.streetName, superior: r.superior,
                tierText: r.tier, tier: r.tier.flatMap(RosterEntry.tier(fromText:)), duties: r.duties)
        }
    }
}

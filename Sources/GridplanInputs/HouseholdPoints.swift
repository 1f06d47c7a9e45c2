import GridplanCRS
import GridplanGeometry
import GridplanIO
import GridplanStore

/// A building or household point with what a boundary notice counts on it.
public struct HouseholdPoint: Sendable {
    /// Index of its feature in the input.
    public var index: Int
    /// The feature's id (its `id`, `fid` or GeoJSON id), for the list of moves.
    public var id: String?
    public var location: Coordinate
    public var households: Double
    /// Its population, when the layer has a population field.
    public var population: Double?
}

extension LayerInput {
    /// The household points of a point layer in `metric`: households from `weightField` (else
    /// the detected households field, else 1 per point) and population from the detected
    /// population field. A multipoint's values are shared among its points.
    public func householdPoints(in metric: CRS, weightField: String?) throws -> [HouseholdPoint] {
        let detected = (try? FieldMapping(explicit: [:], propertyNames: propertyNames))?.sources ?? [:]
        if let weightField, !propertyNames.contains(weightField) {
            throw InputError("\(name): no property '\(weightField)' (has: \(propertyNames.joined(separator: ", ")))")
        }
        let households = weightField ?? detected["households"]
        let population = detected["population"]
        var points: [HouseholdPoint] = []
        for (i, g) in try geometries(in: metric).enumerated() {
            guard let g else { continue }
            let f = features[i]
            let h = households.flatMap { f.properties[$0]?.doubleValue } ?? (households == nil ? 1 : 0)
            let p = population.map { f.properties[$0]?.doubleValue ?? 0 }
            let id = (f.properties["id"] ?? f.properties["fid"] ?? f.id).flatMap { $0 == .null ? nil : $0.text }
            switch g {
            case .point(let c):
                points.append(HouseholdPoint(index: i, id: id, location: c, households: h, population: p))
            case .multiPoint(let cs):
                let n = Double(max(cs.count, 1))
                for c in cs {
                    points.append(
                        HouseholdPoint(index: i, id: id, location: c, households: h / n, population: p.map { $0 / n }))
                }
            default: continue
            }
        }
        return points
    }
}

extension InputSet {
    /// ``LayerInput/householdPoints(in:weightField:)`` of the households input `text`.
    public func householdPoints(_ text: String, weightField: String?, in metric: CRS) throws -> [HouseholdPoint] {
        try loadChecked(text, role: "households", in: metric).householdPoints(in: metric, weightField: weightField)
    }
}

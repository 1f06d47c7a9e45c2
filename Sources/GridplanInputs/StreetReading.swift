import Foundation
import GridplanAnalysis
import GridplanCRS
import GridplanStore

/// Street layers read for analysis: each feature's name, class and grade, in a metric CRS.
public enum StreetReading {
    /// Properties recognised as a road's grade, compared without regard to case.
    public static let gradeFieldNames = ["grade", "road_grade", "道路等级", "等级"]

    /// The grade property of `layer`: `gradeField`, else one named as in ``gradeFieldNames``.
    /// - Throws: ``InputError`` when `gradeField` is not a property of the layer.
    public static func gradeField(of layer: LayerInput, given gradeField: String?) throws -> String? {
        if let gradeField {
            guard layer.propertyNames.contains(gradeField) else {
                throw InputError(
                    "\(layer.name): no property '\(gradeField)' for --grade-field (has: \(layer.propertyNames.joined(separator: ", ")))"
                )
            }
            return gradeField
        }
        return gradeFieldNames.lazy.compactMap { n in layer.propertyNames.first { $0.lowercased() == n } }.first
    }

    /// The layer's streets in `metric`: id, name (`nameField` or detected), class and grade.
    public static func features(of layer: LayerInput, in metric: CRS, nameField: String?, gradeField: String?) throws
        -> [StreetFeature]
    {
        let mapping = try FieldMapping(
            explicit: nameField.map { ["name": $0] } ?? [:], propertyNames: layer.propertyNames)
        let grade = try self.gradeField(of: layer, given: gradeField)
        return try layer.geometries(in: metric).enumerated().compactMap { i, g -> StreetFeature? in
            guard let g else { return nil }
            let f = layer.features[i]
            let id = f.id?.text ?? f.properties["id"]?.text ?? String(i)
            return StreetFeature(
                id: id, name: mapping.sources["name"].flatMap { f.properties[$0]?.stringValue },
                streetClass: mapping.sources["class"].flatMap { f.properties[$0]?.text },
                grade: grade.flatMap { f.properties[$0] }.flatMap {
                    $0 == .null ? nil : GradeRule.grade(fromText: $0.text)
                },
                geometry: g, sourceIndex: i)
        }
    }
}

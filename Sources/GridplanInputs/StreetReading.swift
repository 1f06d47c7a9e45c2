import Foundation
import GridplanAnalysis
import GridplanCRS
import GridplanGeometry
import GridplanIO
import GridplanStore

/// Street layers read for analysis: each feature's name, class and grade, in a metric CRS.
public enum StreetReading {
    /// Properties recognised as a road's grade, compared without regard to case.
    public static let gradeFieldNames = ["grade", "road_grade", "道路等级", "等级"]

    /// The grade property of `layer`: `gradeField`, else one named as in ``gradeFieldNames``.
    /// - Throws: ``InputError`` when `gradeField` is not a property of the layer.
    public static func gradeField(of layer: LayerInput, given gradeField: String?) throws -> String? {
        try self.gradeField(among: layer.propertyNames, of: layer.name, given: gradeField)
    }

    static func gradeField(among names: [String], of layer: String, given gradeField: String?) throws -> String? {
        if let gradeField {
            guard names.contains(gradeField) else {
                throw InputError(
                    "\(layer): no property '\(gradeField)' for --grade-field (has: \(names.joined(separator: ", ")))")
            }
            return gradeField
        }
        return gradeFieldNames.lazy.compactMap { n in names.first { $0.lowercased() == n } }.first
    }

    /// The properties a street is read by.
    public struct Fields: Equatable, Sendable {
        public var name: String?
        public var streetClass: String?
        public var grade: String?

        /// What a feature must carry: these and its `id`.
        var kept: [String] { ["id"] + [name, streetClass, grade].compactMap { $0 } }

        init(name: String?, streetClass: String?, grade: String?) {
            self.name = name
            self.streetClass = streetClass
            self.grade = grade
        }

        /// The fields of a layer with these property names: name (`nameField` or detected),
        /// class (`classField` or detected) and grade (`gradeField` or detected).
        /// - Throws: ``MappingError`` or ``InputError`` for a given field the layer lacks.
        init(
            among names: [String], of layer: String, nameField: String?, classField: String? = nil, gradeField: String?
        )
            throws
        {
            var explicit: [String: String] = [:]
            explicit["name"] = nameField
            explicit["class"] = classField
            let mapping: FieldMapping
            do {
                mapping = try FieldMapping(explicit: explicit, propertyNames: names)
            } catch let e as MappingError {
                throw InputError(
                    "\(layer): no property '\(e.property)' for \(FieldMapping.flag(for: e.field)) (has: \(names.joined(separator: ", ")))"
                )
            }
            self.init(
                name: mapping.sources["name"], streetClass: mapping.sources["class"],
                grade: try StreetReading.gradeField(among: names, of: layer, given: gradeField))
        }
    }

    static func street(_ f: Feature, index i: Int, geometry g: Geometry, fields: Fields) -> StreetFeature {
        StreetFeature(
            id: f.id?.text ?? f.properties["id"]?.text ?? String(i),
            name: fields.name.flatMap { f.properties[$0]?.stringValue },
            streetClass: fields.streetClass.flatMap { f.properties[$0]?.text },
            grade: fields.grade.flatMap { f.properties[$0] }.flatMap {
                $0 == .null ? nil : GradeRule.grade(fromText: $0.text)
            },
            geometry: g, sourceIndex: i)
    }

    /// The layer's streets in `metric`: id, name (`nameField` or detected), class and grade.
    public static func features(of layer: LayerInput, in metric: CRS, nameField: String?, gradeField: String?) throws
        -> [StreetFeature]
    {
        let fields = try Fields(
            among: layer.propertyNames, of: layer.name, nameField: nameField, gradeField: gradeField)
        return try layer.geometries(in: metric).enumerated().compactMap { i, g -> StreetFeature? in
            g.map { street(layer.features[i], index: i, geometry: $0, fields: fields) }
        }
    }
}

extension InputSet {
    /// The streets of the input `text` in `metric`, streamed (see ``PointStream``): as
    /// ``StreetReading/features(of:in:nameField:gradeField:)`` of the layer read whole, without
    /// holding its features. Checked against the reference units like every secondary layer.
    /// - Throws: ``InputError`` for a `nameField` or `gradeField` the layer lacks, the feature
    ///   whose coordinates cannot be transformed; the reader's errors.
    /// - Returns: the streets, and the fields they were read by.
    public func streets(
        _ text: String, role: String = "streets", in metric: CRS, nameField: String? = nil, classField: String? = nil,
        gradeField: String? = nil
    ) throws -> (streets: [StreetFeature], fields: StreetReading.Fields) {
        let (stream, read) = try streamed(text) { stream in
            try stream.read(
                in: metric,
                guess: StreetReading.Fields(
                    name: nameField ?? "name", streetClass: classField ?? "class", grade: gradeField ?? "grade"),
                fields: {
                    try StreetReading.Fields(
                        among: $0, of: stream.name, nameField: nameField, classField: classField,
                        gradeField: gradeField)
                },
                keeping: \.kept,
                values: { fields, i, f, g, streets in
                    streets.append(StreetReading.street(f, index: i, geometry: g, fields: fields))
                })
        }
        try finish(
            stream, role: role, notes: read.notes,
            sample: LayerFit.sample(
                read.values.lazy.map { ($0.sourceIndex, $0.geometry) }, featureCount: read.features))
        return (read.values, read.fields)
    }
}

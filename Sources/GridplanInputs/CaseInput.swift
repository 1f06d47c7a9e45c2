import Foundation
import GridplanAnalysis
import GridplanCRS
import GridplanGeometry
import GridplanIO
import GridplanStore

/// Events read as cases: each feature's lifecycle times, status, source and class, found by
/// the usual field names (English, Chinese, Open311) or named by options.
public struct CaseReading {
    public var records: [CaseRecord]
    /// One message per problem of a row set aside, naming the row and the field.
    public var setAside: [String]
    /// How many rows were set aside.
    public var setAsideRows: Int
    /// Which property feeds each field, and why (for stderr and `--json`).
    public var fields: [String]
    /// Problems with the fields themselves (a field asked for that the layer lacks).
    public var warnings: [String]
    /// Whether a deadline field was found: without one, on-time figures are unknown.
    public var knowsDeadlines: Bool
}

extension LayerInput {
    /// Reads the layer's features as cases, their points in `metric`.
    ///
    /// A row whose reported time is missing or unparseable, whose other times do not parse, or
    /// which has no point, is set aside with a message naming it; the rest go on. A field named
    /// by an option that the layer lacks is a warning (its figures are left out), except the
    /// reported time, without which nothing can be counted.
    /// - Parameter explicit: field → property, from options (`reported_at`, `dispatched_at`,
    ///   `closed_at`, `deadline`, `status`, `source`, `class`, `case_id`).
    /// - Throws: ``InputError`` when no reported time field is found or the one named is missing.
    public func cases(in metric: CRS, fields explicit: [String: String], clock: CaseClock) throws -> CaseReading {
        var asked = explicit
        var warnings: [String] = []
        var mapping = FieldMapping()
        var leftOut: [String] = []
        while true {
            do {
                mapping = try FieldMapping(explicit: asked, propertyNames: propertyNames, cases: true)
                for field in leftOut { mapping.leaveOut(field) }
                break
            } catch let e as MappingError {
                if e.field == "reported_at" {
                    throw InputError("\(name): \(FieldMapping.flag(for: e.field)) \(e.description)")
                }
                warnings.append("\(name): \(FieldMapping.flag(for: e.field)): \(e.description); left out")
                asked[e.field] = nil
                leftOut.append(e.field)
            }
        }
        guard let reportedField = mapping.sources["reported_at"] else {
            let names = FieldMapping.caseCandidates.first { $0.field == "reported_at" }!.names
            throw InputError(
                "\(name): no reported time field (\(names.joined(separator: ", "))); name it with --reported-field (has: \(propertyNames.joined(separator: ", ")))"
            )
        }
        var fields = mapping.report.filter { line in
            [
                "case_id", "reported_at", "dispatched_at", "closed_at", "deadline", "status", "source", "class",
                "service", "updated_at", "agency",
            ].contains { line.hasPrefix($0 + " ") }
        }
        let classField = mapping.sources["class"] ?? mapping.sources["service"]
        // Open311 has no closed time: a request whose status is closed was closed when last updated.
        let closedField = mapping.sources["closed_at"]
        let updatedField = closedField == nil && mapping.sources["status"] != nil ? mapping.sources["updated_at"] : nil
        if let updatedField { fields.append("closed_at ← \(updatedField) when status is closed (Open311)") }
        let idField = mapping.sources["case_id"]

        let geometries = try geometries(in: metric)
        var records: [CaseRecord] = []
        records.reserveCapacity(features.count)
        var setAside: [String] = []
        var asideRows = Set<Int>()
        func aside(_ row: Int, _ message: String) {
            asideRows.insert(row)
            setAside.append(message)
        }
        rows: for (i, f) in features.enumerated() {
            let p = f.properties
            func text(_ field: String?) -> String? {
                guard let field, let v = p[field], v != .null else { return nil }
                let t = v.text.trimmingCharacters(in: .whitespaces)
                return t.isEmpty ? nil : t
            }
            func time(_ field: String?, endOfDay: Bool = false) -> (Date?, ok: Bool) {
                guard let t = text(field) else { return (nil, true) }
                guard let d = clock.instant(t, endOfDay: endOfDay) else {
                    aside(i, "\(name): feature \(i): \(field!) '\(t)' is not an ISO 8601 time; set aside")
                    return (nil, false)
                }
                return (d, true)
            }
            guard let g = geometries[i] else {
                aside(i, "\(name): feature \(i): no location; set aside")
                continue
            }
            let location: Coordinate
            switch g {
            case .point(let c): location = c
            case .multiPoint(let cs) where cs.count == 1: location = cs[0]
            default:
                aside(i, "\(name): feature \(i): a \(g.typeName), not a point; set aside")
                continue rows
            }
            guard text(reportedField) != nil else {
                aside(i, "\(name): feature \(i): \(reportedField) is empty; set aside")
                continue
            }
            let reported = time(reportedField)
            let dispatched = time(mapping.sources["dispatched_at"])
            var closed = time(closedField)
            let deadline = time(mapping.sources["deadline"], endOfDay: true)
            let status = text(mapping.sources["status"])
            if let updatedField, let s = status, Self.isClosedStatus(s) { closed = time(updatedField) }
            guard reported.ok, dispatched.ok, closed.ok, deadline.ok, let reportedAt = reported.0 else { continue }
            let id = text(idField) ?? f.id.map(\.text) ?? String(i)
            records.append(
                CaseRecord(
                    id: id, row: i, location: location, reportedAt: reportedAt, dispatchedAt: dispatched.0,
                    closedAt: closed.0,
                    deadline: deadline.0, status: status, source: text(mapping.sources["source"]),
                    caseClass: text(classField),
                    agency: text(mapping.sources["agency"])))
        }
        return CaseReading(
            records: records, setAside: setAside, setAsideRows: asideRows.count, fields: fields, warnings: warnings,
            knowsDeadlines: mapping.sources["deadline"] != nil)
    }

    /// Status words that mean closed: Open311's `closed`, and 结案 / 已结案 / 办结.
    static func isClosedStatus(_ s: String) -> Bool {
        let l = s.lowercased()
        return l == "closed" || l.contains("结案") || l.contains("办结") || l == "已关闭"
    }
}

extension InputSet {
    /// The drawings of a units input: one per generation when it is a store layer that keeps
    /// generations (grids), each from the day it came into force; otherwise the one layer.
    public func drawings(_ text: String, role: String) throws -> [(
        layer: LayerInput, effectiveDay: String?, label: String
    )] {
        let ref = reference(text)
        if let store, let storeLayer = StoreLayer(rawValue: ref.name), storeLayer.keepsGenerations,
            ref.declaredCRS == nil
        {
            let generations = try store.generations(of: storeLayer)
            if generations.count > 1 {
                var out: [(layer: LayerInput, effectiveDay: String?, label: String)] = []
                for g in generations {
                    var layer = try LayerInput.read(storeLayer, of: store, filter: FeatureFilter(generation: g.id))
                    layer.name += "@generation\(g.id)"
                    out.append((layer, g.effectiveDay, "generation \(g.id) (in force from \(g.effectiveDay))"))
                }
                record(out[0].layer, role: role)
                return out
            }
        }
        return [(try load(text, role: role), nil, "")]
    }
}

import Foundation
import GridplanGeometry

/// One reported case (案件) and where it stands in the loop 发现 → 立案 → 派遣 → 处置 → 核查 → 结案:
/// reported, dispatched to the responsible unit, closed, each with its time.
public struct CaseRecord: Sendable {
    /// The case's id in its source (`id`, `service_request_id`), else its row.
    public var id: String
    /// Index of the feature (row) in its source, for messages.
    public var row: Int
    /// The point, in the metric CRS of the assessment.
    public var location: Coordinate
    /// 上报时间: when it was found or reported.
    public var reportedAt: Date
    /// 派遣时间: when it was sent to the responsible unit; nil while not dispatched.
    public var dispatchedAt: Date?
    /// 结案时间: nil while open.
    public var closedAt: Date?
    /// 处置时限: the time by which it should be closed.
    public var deadline: Date?
    /// 案件状态 as the source gives it (informational: a case is closed when it has a closed time).
    public var status: String?
    /// 来源: patrol, hotline, public ...
    public var source: String?
    /// The event class (事件大类) or Open311 service.
    public var caseClass: String?
    /// The responsible agency the source names (Open311 `agency_responsible`), kept as read.
    public var agency: String?

    public init(
        id: String, row: Int, location: Coordinate, reportedAt: Date, dispatchedAt: Date? = nil, closedAt: Date? = nil,
        deadline: Date? = nil,
        status: String? = nil, source: String? = nil, caseClass: String? = nil, agency: String? = nil
    ) {
        self.id = id
        self.row = row
        self.location = location
        self.reportedAt = reportedAt
        self.dispatchedAt = dispatchedAt
        self.closedAt = closedAt
        self.deadline = deadline
        self.status = status
        self.source = source
        self.caseClass = caseClass
        self.agency = agency
    }

    /// Times that contradict each other: such a case is counted apart, in no figure.
    public var inconsistencies: [CaseInconsistency] {
        var out: [CaseInconsistency] = []
        if let c = closedAt, c < reportedAt { out.append(.closedBeforeReported) }
        if let d = deadline, d < reportedAt { out.append(.deadlineBeforeReported) }
        if let d = dispatchedAt, d < reportedAt { out.append(.dispatchedBeforeReported) }
        return out
    }

    /// Whether the case was still open at `time` (not closed, or closed after it).
    public func isOpen(at time: Date) -> Bool { reportedAt < time && (closedAt.map { $0 > time } ?? true) }

    /// Whether it was closed by its deadline; false without a deadline or while open.
    public var isClosedOnTime: Bool {
        guard let c = closedAt, let d = deadline else { return false }
        return c <= d
    }
}

/// Why a case's times cannot all be true.
public enum CaseInconsistency: String, Sendable, CaseIterable {
    case closedBeforeReported = "closed_before_reported"
    case deadlineBeforeReported = "deadline_before_reported"
    case dispatchedBeforeReported = "dispatched_before_reported"
}

import Foundation
import GridplanIO

/// The roster of a generated city (`roster.csv`): who answers for the district, every street
/// office, community and old grid, and every named street, with deliberate holes that
/// `truth.json` lists under `roster`:
/// - one community without its 片长 (area chief);
/// - a few named streets without a 街巷长 (street chief);
/// - one 街巷长 holding more street length than the limit truth gives;
/// - one row naming a community code that does not exist.
///
/// Everything else is whole: every other post is filled once, and every superior is on the
/// roster at a higher tier (1 is the top).
struct SampleRoster {
    struct Row {
        var name: String
        var role: String
        var phone: String
        var unit: String
        var street: String
        var superior: String
        var tier: Int
        var duties: String
    }

    static let header = ["name", "role", "phone", "unit", "street", "superior", "tier", "duties"]
    static let districtRole = "网格中心主任"
    static let officeRole = "街道网格长"
    static let communityRole = "片长"
    static let gridRole = "网格长"
    static let streetRole = "街巷长"

    var rows: [Row] = []
    /// The truth about the holes, for `truth.json`.
    var truth = JSONObject()

    /// - Parameters:
    ///   - streets: each named street with its length in metres, in file order.
    ///   - grids: the old grids' codes by community code, in file order.
    init(city: SampleCity, streets: [(name: String, metres: Double)], grids: [String: [String]]) {
        let seed = city.configuration.seed
        var people = PersonNames(seed: seed)
        var rng = SplitMix64(seed: seed, stream: .roster)
        func add(_ role: String, unit: String = "", street: String = "", superior: String, tier: Int, duties: String)
            -> String
        {
            let (name, phone) = people.next()
            rows.append(
                Row(
                    name: name, role: role, phone: phone, unit: unit, street: street, superior: superior, tier: tier,
                    duties: duties))
            return name
        }

        let head = add(Self.districtRole, unit: city.district.code, superior: "", tier: 1, duties: "统筹全区网格化管理，督办考核")
        var officeHead: [String: String] = [:]
        for o in city.streetOffices {
            officeHead[o.code] = add(Self.officeRole, unit: o.code, superior: head, tier: 2, duties: "吹哨调度，街道网格事务总负责")
        }
        let communities = city.communities
        let withoutChief = communities.isEmpty ? nil : rng.int(below: communities.count)
        var missing: [JSONValue] = []
        for (k, c) in communities.enumerated() {
            let boss = officeHead[c.parent] ?? head
            var chief = boss
            if k == withoutChief {
                missing.append(
                    .object([
                        "level": .string("community"), "unit": .string(c.code), "role": .string(Self.communityRole),
                    ]))
            } else {
                chief = add(Self.communityRole, unit: c.code, superior: boss, tier: 3, duties: "片区巡查，与相邻片区互为AB角")
            }
            for g in grids[c.code] ?? [] {
                _ = add(Self.gridRole, unit: g, superior: chief, tier: 4, duties: "网格六定：定范围、人员、内容、责任、标准、巡查")
            }
        }

        // A row for a community the city does not have: the first office's 999th.
        var unknown: [JSONValue] = []
        if let office = city.streetOffices.first {
            let code = office.code + "999"
            _ = add(Self.communityRole, unit: code, superior: officeHead[office.code] ?? head, tier: 3, duties: "片区巡查")
            unknown.append(.object(["line": .integer(Int64(rows.count + 1)), "unit": .string(code)]))
        }

        // Streets: a few without a chief, one chief over the limit, one chief each for the rest.
        var order = Array(streets.indices)
        for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, rng.int(below: i + 1)) }
        let holeCount = streets.count >= 10 ? 3 : (streets.count >= 3 ? 1 : 0)
        let holes = Set(order.prefix(holeCount))
        for i in order.prefix(holeCount).sorted() {
            missing.append(
                .object([
                    "level": .string("street"), "street": .string(streets[i].name), "role": .string(Self.streetRole),
                ]))
        }
        let rest = order.dropFirst(holeCount)
        let longest = rest.map { streets[$0].metres }.max() ?? 0
        // The limit lies 0.5 km above the longest street, the overloaded chief 0.5 km above the limit.
        let limitKm = ((longest / 1000 + 0.5) * 10).rounded(.up) / 10
        var overloaded = Set<Int>()
        var load = 0.0
        for i in rest.reversed() where load <= (limitKm + 0.5) * 1000 {
            overloaded.insert(i)
            load += streets[i].metres
        }
        var overloadedName: String?
        var overloadedPhone: String?
        if load > (limitKm + 0.5) * 1000 && rest.count > overloaded.count {
            (overloadedName, overloadedPhone) = people.next()
        } else {
            overloaded = []
        }
        for (i, s) in streets.enumerated() where !holes.contains(i) {
            let duties = "每日巡查不少于两次，记录巡查日志；公示牌所列职责"
            if overloaded.contains(i), let overloadedName, let overloadedPhone {
                rows.append(
                    Row(
                        name: overloadedName, role: Self.streetRole, phone: overloadedPhone, unit: "", street: s.name,
                        superior: head, tier: 3, duties: duties))
            } else {
                _ = add(Self.streetRole, street: s.name, superior: head, tier: 3, duties: duties)
            }
        }

        var overLimit: [JSONValue] = []
        if let overloadedName {
            overLimit.append(
                .object([
                    "name": .string(overloadedName), "role": .string(Self.streetRole), "measure": .string("km"),
                    "limit": .number(limitKm),
                    "value": .number(SampleCity.rounded(load / 1000)), "streets": .integer(Int64(overloaded.count)),
                ]))
        }
        truth["file"] = .string("roster.csv")
        truth["rows"] = .integer(Int64(rows.count))
        truth["require"] = .array(
            [
                "district:\(Self.districtRole)=1", "street_office:\(Self.officeRole)=1",
                "community:\(Self.communityRole)>=1",
                "grid:\(Self.gridRole)=1", "street:\(Self.streetRole)>=1",
            ].map { .string($0) })
        truth["limit"] = .array([.string("\(Self.streetRole):km<=\(RosterNumber.text(limitKm))")])
        truth["missing"] = .array(missing)
        truth["over_limit"] = .array(overLimit)
        truth["unknown"] = .array(unknown)
        truth["notes"] = .string(
            "Holes a roster check finds with the require and limit above, against a store holding the city's layers and grids_old as its grids; street km are measured in metric_crs. Every other post is filled once and every superior is on the roster at a higher tier."
        )
    }

    /// The CSV text: UTF-8, CRLF line ends.
    var csv: [UInt8] {
        var out = Self.header.joined(separator: ",") + "\r\n"
        for r in rows {
            out +=
                [r.name, r.role, r.phone, r.unit, r.street, r.superior, String(r.tier), r.duties].joined(separator: ",")
                + "\r\n"
        }
        return Array(out.utf8)
    }
}

enum RosterNumber {
    /// `3` or `2.5`.
    static func text(_ x: Double) -> String { x == x.rounded() ? String(Int(x)) : String(x) }
}

/// Unique Chinese names and mobile numbers, in a fixed order for a seed.
struct PersonNames {
    static let surnames = Array("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈")
    static let given = Array("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国文斌宇浩凯鹏飞俊")
    private var index: Int
    private let offset: Int

    init(seed: UInt64) {
        index = 0
        var rng = SplitMix64(seed: seed, stream: .roster, 1)
        offset = rng.int(below: Self.capacity)
    }

    static var capacity: Int { surnames.count * given.count * given.count }

    /// The next name (a number is added once the combinations run out) and phone.
    mutating func next() -> (name: String, phone: String) {
        let i = index
        index += 1
        let k = (i + offset) % Self.capacity
        let s = Self.surnames[k % Self.surnames.count]
        let g1 = Self.given[(k / Self.surnames.count) % Self.given.count]
        let g2 = Self.given[(k / (Self.surnames.count * Self.given.count)) % Self.given.count]
        var name = "\(s)\(g1)\(g2)"
        if i >= Self.capacity { name += String(i / Self.capacity + 1) }
        let digits = String(i)
        return (name, "138" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits)
    }
}

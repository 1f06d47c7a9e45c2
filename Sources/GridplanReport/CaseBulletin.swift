import Foundation
import GridplanAnalysis

/// The case bulletin (案件通报): one offline, printable HTML page in Chinese for one period —
/// the overall figures, a table by street office and community, a bar chart of closure and
/// on-time rates per street office, the trend over the last periods, the best and worst units
/// and the longest-open cases. No script and no external file: the charts are inline SVG.
public enum CaseBulletin {
    /// Periods shown in the trend.
    public static let trendPeriods = 6
    /// Units listed as best and as worst.
    public static let rankedUnits = 3
    /// Open cases listed.
    public static let openCases = 10

    /// The page for `period` (default: the report's last).
    ///
    /// ```swift
    /// let page = CaseBulletin.html(report, clock: clock, title: "样例区数字城管案件通报")
    /// try OutputFile.write(Array(page.utf8), to: "bulletin.html")
    /// ```
    public static func html(_ report: CaseReport, clock: CaseClock, title: String, period chosen: CasePeriod? = nil)
        -> String
    {
        guard let period = chosen ?? report.periods.last else {
            return page(title: title, body: "<p>本期没有可统计的案件。</p>")
        }
        let levels = [report.baseLevel] + report.baseLevel.ancestors
        let top = levels.last!
        var body = ""
        let asOf = report.asOf.map { clock.text($0) } ?? "—"
        let lastDay = clock.dayText(period.end.addingTimeInterval(-1))
        body +=
            "<p class=\"meta\">统计周期：\(esc(period.label))（\(clock.dayText(period.start)) 至 \(lastDay)，按上报时间）· 数据截至：\(esc(asOf)) · 时区：\(esc(clock.timeZone.identifier))</p>\n"

        // 一、总体情况
        let totals = report.rows(level: top, period: period)
        let all = sum(totals, period: period)
        let unplaced = report.unplaced.filter { period.contains($0.record.reportedAt) }.count
        let inconsistent = report.inconsistent.filter { period.contains($0.record.reportedAt) }.count
        body +=
            "<h2>一、总体情况</h2>\n<p>本期共上报案件 <b>\(all.cases)</b> 件，已派遣 \(all.dispatched) 件，已结案 \(all.closed) 件，结案率 <b>\(pct(all.closureRate))</b>，按期结案率 <b>\(pct(all.onTimeRate))</b>，"
        body +=
            "结案时长中位数 \(hours(all.medianHoursToClose))；期末积存 \(all.backlog) 件，其中超期 \(all.overdue.map(String.init) ?? "—") 件。"
        if unplaced > 0 { body += "另有 \(unplaced) 件不在任何单元内，已按属地兜底交最近单元（见附表）。" }
        if inconsistent > 0 { body += "\(inconsistent) 件时间记录矛盾（结案或处置时限早于上报），单列，不计入各项指标。" }
        body += "</p>\n"

        // 二、分街道、社区情况
        let offices =
            levels.contains(.streetOffice)
            ? report.rows(level: .streetOffice, period: period).sorted { $0.code < $1.code } : []
        let communityLevel: HierarchyLevel? = levels.contains(.community) ? .community : nil
        let communities =
            communityLevel.map { report.rows(level: $0, period: period) }
            ?? report.rows(level: report.baseLevel, period: period)
        body +=
            "<h2>二、分街道、社区情况</h2>\n<table class=\"figures\">\n<thead><tr><th>单位</th><th>编码</th><th>案件数</th><th>已派遣</th><th>已结案</th><th>结案率</th><th>按期结案率</th><th>结案时长中位数（小时）</th><th>积存</th><th>超期</th><th>得分</th><th>排名</th><th>名次变化</th></tr></thead>\n<tbody>\n"
        func row(_ f: CaseFigures, office: Bool) -> String {
            let name = f.name ?? (office ? "街道 \(f.code)" : f.code)
            return
                "<tr\(office ? " class=\"office\"" : "")><td>\(esc(name))</td><td>\(esc(f.code))</td><td>\(f.cases)</td><td>\(f.dispatched)</td><td>\(f.closed)</td><td>\(pct(f.closureRate))</td><td>\(pct(f.onTimeRate))</td>"
                + "<td>\(f.medianHoursToClose.map { String(format: "%.1f", $0) } ?? "—")</td><td>\(f.backlog)</td><td>\(f.overdue.map(String.init) ?? "—")</td>"
                + "<td>\(f.score.map { String(format: "%.1f", $0) } ?? "—")</td><td>\(f.rank.map(String.init) ?? "—")</td><td>\(change(f.rankChange))</td></tr>\n"
        }
        if offices.isEmpty {
            for c in communities.sorted(by: { $0.code < $1.code }) { body += row(c, office: false) }
        } else {
            for o in offices {
                body += row(o, office: true)
                for c in communities.filter({ $0.code.hasPrefix(o.code) && $0.code != o.code }).sorted(by: {
                    $0.code < $1.code
                }) { body += row(c, office: false) }
            }
        }
        body += "</tbody>\n</table>\n"
        if report.baseLevel == .grid { body += "<p class=\"note\">单元网格的逐格数据见 CSV 输出（--out）。</p>\n" }

        // 三、图：各街道结案率与按期结案率
        let chartUnits = offices.isEmpty ? communities.sorted { $0.code < $1.code } : offices
        body += "<h2>三、各\(offices.isEmpty ? "单位" : "街道")结案率与按期结案率</h2>\n" + barChart(chartUnits)

        // 四、趋势
        let recent = report.periods.filter { $0 <= period }.suffix(trendPeriods)
        let trend = recent.map { p in (p, sum(report.rows(level: top, period: p), period: p)) }
        body += "<h2>四、近 \(trend.count) 期趋势</h2>\n" + trendChart(trend)
        body +=
            "<table class=\"trend\"><thead><tr><th>周期</th>" + trend.map { "<th>\(esc($0.0.label))</th>" }.joined()
            + "</tr></thead><tbody>\n"
        body += "<tr><td>案件数</td>" + trend.map { "<td>\($0.1.cases)</td>" }.joined() + "</tr>\n"
        body += "<tr><td>结案率</td>" + trend.map { "<td>\(pct($0.1.closureRate))</td>" }.joined() + "</tr>\n"
        body += "<tr><td>按期结案率</td>" + trend.map { "<td>\(pct($0.1.onTimeRate))</td>" }.joined() + "</tr>\n"
        body += "<tr><td>期末积存</td>" + trend.map { "<td>\($0.1.backlog)</td>" }.joined() + "</tr>\n</tbody></table>\n"

        // 五、先进与后进
        let ranked = communities.filter { $0.rank != nil }.sorted {
            $0.rank! != $1.rank! ? $0.rank! < $1.rank! : $0.code < $1.code
        }
        body += "<h2>五、排名靠前与靠后的\(communityLevel == nil ? "单位" : "社区")</h2>\n"
        if ranked.isEmpty {
            body += "<p>本期没有可排名的单位（没有案件或缺少得分）。</p>\n"
        } else {
            let best = Array(ranked.prefix(rankedUnits))
            let worst = Array(ranked.suffix(min(rankedUnits, max(0, ranked.count - best.count))).reversed())
            body +=
                "<table class=\"ranked\"><thead><tr><th></th><th>单位</th><th>编码</th><th>得分</th><th>排名</th><th>结案率</th><th>按期结案率</th></tr></thead><tbody>\n"
            for (label, list) in [("靠前", best), ("靠后", worst)] {
                for f in list {
                    body +=
                        "<tr class=\"\(label == "靠前" ? "best" : "worst")\"><td>\(label)</td><td>\(esc(f.name ?? f.code))</td><td>\(esc(f.code))</td><td>\(f.score.map { String(format: "%.1f", $0) } ?? "—")</td><td>\(f.rank!)</td><td>\(pct(f.closureRate))</td><td>\(pct(f.onTimeRate))</td></tr>\n"
                }
            }
            body += "</tbody></table>\n"
        }

        // 六、久拖未结案件
        body += "<h2>六、办理时间最长的未结案件</h2>\n"
        let open = report.longestOpen.prefix(openCases)
        if open.isEmpty {
            body += "<p>截至统计时点没有未结案件。</p>\n"
        } else {
            body +=
                "<table class=\"open\"><thead><tr><th>案件编号</th><th>单位</th><th>类别</th><th>来源</th><th>上报时间</th><th>已历时</th><th>是否超期</th></tr></thead><tbody>\n"
            for c in open {
                body +=
                    "<tr><td>\(esc(c.record.id))</td><td>\(esc(c.unit ?? "—"))</td><td>\(esc(c.record.caseClass ?? "—"))</td><td>\(esc(c.record.source ?? "—"))</td>"
                    + "<td>\(esc(clock.text(c.record.reportedAt)))</td><td>\(String(format: "%.1f 天", c.hoursOpen / 24))</td><td>\(c.isOverdue ? "超期" : "未超期")</td></tr>\n"
            }
            body += "</tbody></table>\n"
        }
        if unplaced > 0 {
            body +=
                "<h3>附表：不在任何单元内的案件（属地兜底）</h3>\n<table class=\"unplaced\"><thead><tr><th>案件编号</th><th>兜底单位（最近单元）</th><th>距离（米）</th></tr></thead><tbody>\n"
            for u in report.unplaced where period.contains(u.record.reportedAt) {
                body +=
                    "<tr><td>\(esc(u.record.id))</td><td>\(esc(u.fallbackOwner ?? "—"))</td><td>\(u.distanceMetres.map { String(format: "%.1f", $0) } ?? "—")</td></tr>\n"
            }
            body += "</tbody></table>\n"
        }
        body += "<h2>指标口径</h2>\n<ul class=\"definitions\">\n"
        body += "<li>案件数：本期上报（按上报时间，当地零点切分）的案件；时间矛盾的案件单列，不计入。</li>\n"
        body += "<li>结案率 = 已结案（有结案时间，截至数据时点）÷ 案件数；按期结案率 = 结案时间不晚于处置时限的案件 ÷ 案件数。没有案件的单位不计比率（—），不记为 0。</li>\n"
        body += "<li>积存：期末（或数据截至时点，取早者）仍未结案的本期案件；超期：其中已过处置时限的。</li>\n"
        body +=
            "<li>得分 = "
            + report.weights.map { w in
                "\(w.component == .closure ? "结案率×100" : w.component == .onTime ? "按期结案率×100" : "第三方考核得分") × \(JSONNumber.text(w.weight))"
            }.joined(separator: " + ")
            + "；同级同期按得分由高到低排名，名次变化为上期名次减本期名次。</li>\n"
        body += "<li>重叠处的案件计入编码较小的单元（与 assign points 相同）。</li>\n</ul>\n"
        return page(title: title, body: body)
    }

    /// Sums of figures over units of one level (the district's totals when that level is the top).
    static func sum(_ rows: [CaseFigures], period: CasePeriod) -> CaseFigures {
        var f = rows.first ?? CaseFigures(code: "", name: nil, level: .district, period: period)
        guard rows.count > 1 else { return f }
        f.cases = rows.reduce(0) { $0 + $1.cases }
        f.dispatched = rows.reduce(0) { $0 + $1.dispatched }
        f.closed = rows.reduce(0) { $0 + $1.closed }
        f.closedOnTime = rows.reduce(0) { $0 + $1.closedOnTime }
        f.backlog = rows.reduce(0) { $0 + $1.backlog }
        f.overdue = rows.allSatisfy { $0.overdue != nil } ? rows.reduce(0) { $0 + ($1.overdue ?? 0) } : nil
        // A median does not sum: leave it out rather than show a wrong one.
        f.medianHoursToClose = nil
        return f
    }

    static func pct(_ r: Double?) -> String { r.map { String(format: "%.1f%%", $0 * 100) } ?? "—" }
    static func hours(_ h: Double?) -> String { h.map { String(format: "%.1f 小时", $0) } ?? "—" }
    static func change(_ c: Int?) -> String {
        guard let c else { return "—" }
        return c > 0 ? "↑\(c)" : c < 0 ? "↓\(-c)" : "—"
    }
    static func esc(_ s: String) -> String { MapReport.escape(s) }

    /// Horizontal bars, two per unit (closure, on time), 0–100%.
    static func barChart(_ units: [CaseFigures]) -> String {
        let rowHeight = 34.0, left = 150.0, width = 460.0, top = 28.0
        let height = top + Double(units.count) * rowHeight + 24
        var s =
            "<svg class=\"chart bars\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(Int(left + width + 70)) \(Int(height))\" role=\"img\" aria-label=\"结案率与按期结案率\">\n"
        s +=
            "<rect x=\"\(Int(left))\" y=\"6\" width=\"12\" height=\"10\" class=\"closure\"/><text x=\"\(Int(left) + 16)\" y=\"15\">结案率</text>"
        s +=
            "<rect x=\"\(Int(left) + 80)\" y=\"6\" width=\"12\" height=\"10\" class=\"ontime\"/><text x=\"\(Int(left) + 96)\" y=\"15\">按期结案率</text>\n"
        for tick in stride(from: 0, through: 100, by: 25) {
            let x = left + width * Double(tick) / 100
            s +=
                "<line x1=\"\(fmt(x))\" y1=\"\(fmt(top - 4))\" x2=\"\(fmt(x))\" y2=\"\(fmt(height - 20))\" class=\"grid\"/><text x=\"\(fmt(x))\" y=\"\(fmt(height - 6))\" class=\"tick\">\(tick)%</text>\n"
        }
        for (i, f) in units.enumerated() {
            let y = top + Double(i) * rowHeight
            s += "<text x=\"\(fmt(left - 8))\" y=\"\(fmt(y + 19))\" class=\"label\">\(esc(f.name ?? f.code))</text>\n"
            for (k, rate, cls) in [(0, f.closureRate, "closure"), (1, f.onTimeRate, "ontime")] {
                let by = y + 4 + Double(k) * 13
                if let rate {
                    s +=
                        "<rect x=\"\(fmt(left))\" y=\"\(fmt(by))\" width=\"\(fmt(width * rate))\" height=\"12\" class=\"\(cls)\"/><text x=\"\(fmt(left + width * rate + 4))\" y=\"\(fmt(by + 10))\" class=\"value\">\(pct(rate))</text>\n"
                } else {
                    s += "<text x=\"\(fmt(left + 4))\" y=\"\(fmt(by + 10))\" class=\"value\">无案件</text>\n"
                }
            }
        }
        return s + "</svg>\n"
    }

    /// Closure and on-time rates over the recent periods as two lines.
    static func trendChart(_ trend: [(CasePeriod, CaseFigures)]) -> String {
        let left = 50.0, width = 520.0, top = 20.0, plot = 160.0
        var s =
            "<svg class=\"chart trend\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(Int(left + width + 30)) \(Int(top + plot + 40))\" role=\"img\" aria-label=\"趋势\">\n"
        for tick in stride(from: 0, through: 100, by: 25) {
            let y = top + plot * (1 - Double(tick) / 100)
            s +=
                "<line x1=\"\(fmt(left))\" y1=\"\(fmt(y))\" x2=\"\(fmt(left + width))\" y2=\"\(fmt(y))\" class=\"grid\"/><text x=\"\(fmt(left - 6))\" y=\"\(fmt(y + 4))\" class=\"label\">\(tick)%</text>\n"
        }
        let step = trend.count > 1 ? width / Double(trend.count - 1) : 0
        for (i, (p, _)) in trend.enumerated() {
            s +=
                "<text x=\"\(fmt(left + step * Double(i)))\" y=\"\(fmt(top + plot + 18))\" class=\"tick\">\(esc(p.label))</text>\n"
        }
        for (cls, rate) in [
            ("closure", { (f: CaseFigures) in f.closureRate }), ("ontime", { (f: CaseFigures) in f.onTimeRate }),
        ] {
            let points = trend.enumerated().compactMap { i, t in
                rate(t.1).map { (left + step * Double(i), top + plot * (1 - $0)) }
            }
            if points.count > 1 {
                s +=
                    "<polyline class=\"\(cls)\" points=\"\(points.map { "\(fmt($0.0)),\(fmt($0.1))" }.joined(separator: " "))\"/>\n"
            }
            for p in points { s += "<circle class=\"\(cls)\" cx=\"\(fmt(p.0))\" cy=\"\(fmt(p.1))\" r=\"3\"/>\n" }
        }
        return s + "</svg>\n"
    }

    static func fmt(_ d: Double) -> String { String(format: "%.1f", d) }

    static func page(title: String, body: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="zh-CN">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="generator" content="gridplan cases">
        <title>\(esc(title))</title>
        <style>
        body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif; margin: 2em auto; max-width: 60em; color: #222; line-height: 1.5; }
        h1 { text-align: center; font-size: 1.6em; margin-bottom: 0.2em; }
        h2 { font-size: 1.15em; border-left: 4px solid #b22; padding-left: 0.5em; margin-top: 1.6em; }
        .meta { text-align: center; color: #555; font-size: 0.9em; }
        table { border-collapse: collapse; width: 100%; font-size: 0.85em; margin: 0.5em 0; }
        th, td { border: 1px solid #999; padding: 0.25em 0.4em; text-align: right; }
        th { background: #eee; text-align: center; }
        td:first-child { text-align: left; }
        tr.office td { font-weight: bold; background: #f6f6f6; }
        tr.best td:first-child { color: #1a7f37; }
        tr.worst td:first-child { color: #b22; }
        svg.chart { width: 100%; max-width: 44em; display: block; margin: 0.5em auto; font-size: 11px; }
        svg text.label { text-anchor: end; }
        svg text.tick { text-anchor: middle; fill: #555; }
        svg line.grid { stroke: #ddd; }
        svg rect.closure, svg circle.closure { fill: #1f5fa8; }
        svg rect.ontime, svg circle.ontime { fill: #e08a1e; }
        svg polyline.closure { fill: none; stroke: #1f5fa8; stroke-width: 2; }
        svg polyline.ontime { fill: none; stroke: #e08a1e; stroke-width: 2; }
        .note, .definitions { font-size: 0.85em; color: #444; }
        @page { size: A4; margin: 15mm; }
        @media print { body { margin: 0; max-width: none; } h2 { break-after: avoid; } tr, svg { break-inside: avoid; } }
        </style>
        </head>
        <body>
        <h1>\(esc(title))</h1>
        \(body)
        <p class="note">由 gridplan cases 生成。</p>
        </body>
        </html>

        """
    }
}

/// A weight as short text: `0.7`, `1`.
enum JSONNumber {
    static func text(_ d: Double) -> String { d == d.rounded() ? String(Int(d)) : String(d) }
}

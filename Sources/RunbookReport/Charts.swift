// Inline SVG charts: each is an image with a title and a text description for screen readers, and
// every label drawn from runbook text is escaped and cut to fit (the full text is in a <title>).

import Foundation
import RunbookSema

enum Charts {
    struct Bar {
        var label: String
        var value: Double
        /// Shown at the end of the bar.
        var valueText: String
        /// A CSS class: `bar`, `bar-over`, `bar-warn`.
        var style = "bar"
        /// A vertical mark on this bar's row (a target, an interval), in the value's unit.
        var mark: Double?
        var markText: String?
    }

    /// Horizontal bars, one row each; `id` ties the title and description to the image.
    static func bars(id: String, title: String, description: String, bars: [Bar], labelWidth: Int = 190) -> String {
        let rowHeight = 24
        let width = 760
        let plotWidth = Double(width - labelWidth - 90)
        let maximum = max(bars.map { max($0.value, $0.mark ?? 0) }.max() ?? 0, 1)
        var svg = """
        <svg role="img" aria-labelledby="\(id)-title \(id)-desc" viewBox="0 0 \(width) \(bars.count * rowHeight + 10)" width="\(width)" height="\(bars.count * rowHeight + 10)" xmlns="http://www.w3.org/2000/svg">
        <title id="\(id)-title">\(HTML.escape(title))</title><desc id="\(id)-desc">\(HTML.escape(description))</desc>

        """
        for (index, bar) in bars.enumerated() {
            let y = index * rowHeight + 5
            let length = max(bar.value > 0 ? 2 : 0, plotWidth * bar.value / maximum)
            svg += "<g><title>\(HTML.escape(bar.label)): \(HTML.escape(bar.valueText))\(bar.markText.map { " (\(HTML.escape($0)))" } ?? "")</title>"
            svg += "<text x=\"\(labelWidth - 8)\" y=\"\(y + 16)\" text-anchor=\"end\" font-size=\"13\">\(HTML.escape(HTML.truncate(bar.label, labelWidth / 7)))</text>"
            svg += "<rect class=\"\(bar.style)\" x=\"\(labelWidth)\" y=\"\(y + 3)\" width=\"\(format(length))\" height=\"\(rowHeight - 8)\"/>"
            svg += "<text x=\"\(format(Double(labelWidth) + length + 6))\" y=\"\(y + 16)\" font-size=\"13\">\(HTML.escape(bar.valueText))</text>"
            if let mark = bar.mark {
                let x = Double(labelWidth) + plotWidth * mark / maximum
                svg += "<line class=\"mark\" x1=\"\(format(x))\" x2=\"\(format(x))\" y1=\"\(y)\" y2=\"\(y + rowHeight)\"/>"
            }
            svg += "</g>\n"
        }
        return svg + "</svg>"
    }

    /// The worst case against the budget: one bar, the budget marked.
    static func budget(worstCaseMs: Int, budgetMs: Int?, severity: StepSeverity?) -> String {
        let worst = DurationParser.format(milliseconds: worstCaseMs)
        guard let budgetMs, let severity else {
            return bars(id: "budget", title: "Worst-case duration", description: "worst case \(worst); no severity, so no budget",
                        bars: [Bar(label: "worst case", value: Double(worstCaseMs), valueText: worst)])
        }
        let limit = DurationParser.format(milliseconds: budgetMs)
        let over = worstCaseMs > budgetMs
        let description = "worst case \(worst) against the \(severity.rawValue) budget of \(limit): " + (over ? "over budget" : "within budget")
        return bars(id: "budget", title: "Worst-case duration against the \(severity.rawValue) budget", description: description,
                    bars: [Bar(label: "worst case", value: Double(worstCaseMs), valueText: "\(worst) of \(limit)", style: over ? "bar-over" : "bar",
                               mark: Double(budgetMs), markText: "\(severity.rawValue) budget \(limit)")])
    }

    /// The steps top to bottom: a box per step with its condition above it and its rollback beside
    /// it; post-run steps and runbook-wide rollback actions follow in their own lanes.
    static func flow(steps: [Report.Step], post: [Report.Step], rollback: [Report.Step], runbook: String) -> String {
        let width = 760
        let boxWidth = 420
        let boxHeight = 46
        let gap = 26
        let conditionHeight = 22
        let x = 20
        var y = 10
        var body = ""
        var previousBottom: Int?
        func edge(to top: Int) {
            if let bottom = previousBottom {
                body += "<line class=\"edge\" x1=\"\(x + boxWidth / 2)\" y1=\"\(bottom)\" x2=\"\(x + boxWidth / 2)\" y2=\"\(top - 2)\" marker-end=\"url(#arrow)\"/>\n"
            }
        }
        func lane(_ title: String) {
            y += 6
            body += "<text x=\"\(x)\" y=\"\(y + 14)\" font-size=\"13\" font-weight=\"700\">\(HTML.escape(title))</text>\n"
            y += 24
        }
        func box(_ step: Report.Step, style: String) {
            if let condition = step.condition {
                edge(to: y)
                body += "<g><title>runs only when \(HTML.escape(condition))</title><rect class=\"cond\" x=\"\(x + 30)\" y=\"\(y)\" width=\"\(boxWidth - 60)\" height=\"\(conditionHeight)\" rx=\"11\"/>"
                body += "<text x=\"\(x + boxWidth / 2)\" y=\"\(y + 15)\" text-anchor=\"middle\" font-size=\"12\">when \(HTML.escape(HTML.truncate(condition, 50)))</text></g>\n"
                previousBottom = y + conditionHeight
                y += conditionHeight + 14
            }
            edge(to: y)
            let heading = step.id + (step.name.map { " — \($0)" } ?? "")
            let detail = "\(step.action.rawValue) · \(DurationParser.format(milliseconds: step.timeoutMs))"
                + (step.attempts > 1 ? " · \(step.attempts) tries" : "") + " · on failure \(step.onFailure.rawValue)"
                + (step.confirm ? " · confirm" : "")
            body += "<g><title>\(HTML.escape(heading)): \(HTML.escape(step.summary))</title>"
            body += "<rect class=\"\(style)\" x=\"\(x)\" y=\"\(y)\" width=\"\(boxWidth)\" height=\"\(boxHeight)\" rx=\"5\"/>"
            body += "<text x=\"\(x + 10)\" y=\"\(y + 19)\" font-size=\"13\" font-weight=\"600\">\(HTML.escape(HTML.truncate(heading, 52)))</text>"
            body += "<text x=\"\(x + 10)\" y=\"\(y + 37)\" font-size=\"11\">\(HTML.escape(HTML.truncate(detail, 64)))</text></g>\n"
            if let rollback = step.rollback {
                let rx = x + boxWidth + 60
                body += "<line class=\"edge-rollback\" x1=\"\(x + boxWidth)\" y1=\"\(y + boxHeight / 2)\" x2=\"\(rx - 2)\" y2=\"\(y + boxHeight / 2)\" marker-end=\"url(#arrow-rollback)\"/>"
                body += "<g><title>rollback of \(HTML.escape(step.id)): \(HTML.escape(rollback.summary))</title>"
                body += "<rect class=\"rollback\" x=\"\(rx)\" y=\"\(y + 4)\" width=\"\(width - rx - 10)\" height=\"\(boxHeight - 8)\" rx=\"5\"/>"
                body += "<text x=\"\(rx + 8)\" y=\"\(y + 21)\" font-size=\"12\" font-weight=\"600\">undo: \(HTML.escape(rollback.action.rawValue))</text>"
                body += "<text x=\"\(rx + 8)\" y=\"\(y + 35)\" font-size=\"11\">\(HTML.escape(HTML.truncate(rollback.summary, 34)))</text></g>\n"
            }
            previousBottom = y + boxHeight
            y += boxHeight + gap
        }
        if steps.isEmpty { body += "<text x=\"\(x)\" y=\"\(y + 14)\" font-size=\"13\">no executable steps</text>\n"; y += 24 }
        for step in steps { box(step, style: "box") }
        if !post.isEmpty {
            previousBottom = nil
            lane("after the run (always)")
            for step in post { box(step, style: "box") }
        }
        if !rollback.isEmpty {
            previousBottom = nil
            lane("runbook rollback (when a run aborts)")
            for step in rollback { box(step, style: "rollback") }
        }
        let count = steps.count + post.count + rollback.count
        let withRollback = steps.filter { $0.rollback != nil }.count
        let conditional = (steps + post).filter { $0.condition != nil }.count
        let description = "\(count) step\(count == 1 ? "" : "s") in order; \(withRollback) with a rollback, \(conditional) conditional"
            + (rollback.isEmpty ? "" : "; \(rollback.count) runbook rollback action\(rollback.count == 1 ? "" : "s")")
            + ". The table below lists every step in full."
        return """
        <svg role="img" aria-labelledby="flow-title flow-desc" viewBox="0 0 \(width) \(y)" width="\(width)" height="\(y)" xmlns="http://www.w3.org/2000/svg">
        <title id="flow-title">Steps of \(HTML.escape(runbook))</title><desc id="flow-desc">\(HTML.escape(description))</desc>
        <defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#4a525c"/></marker>
        <marker id="arrow-rollback" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#b3261e"/></marker></defs>
        \(body)</svg>
        """
    }

    struct Series {
        var name: String
        /// One per label; nil where there is no value.
        var points: [Double?]
    }

    /// Colour and dash per series, so series differ without colour too.
    static let seriesStyles: [(color: String, dash: String)] = [("#b3261e", ""), ("#8a5300", "6 3"), ("#0b5cad", "2 3"), ("#1a7f37", "8 3 2 3")]

    /// Lines over labelled points (months), values in seconds; a legend names each series.
    static func lines(id: String, title: String, labels: [String], series: [Series], format value: (Double) -> String = span) -> String {
        let width = 760, height = 240, left = 70, right = 20, top = 16, bottom = 46
        let plotWidth = Double(width - left - right), plotHeight = Double(height - top - bottom)
        let maximum = max(series.flatMap { $0.points.compactMap { $0 } }.max() ?? 0, 1)
        func x(_ index: Int) -> Double { labels.count == 1 ? Double(left) + plotWidth / 2 : Double(left) + plotWidth * Double(index) / Double(labels.count - 1) }
        func y(_ value: Double) -> Double { Double(top) + plotHeight * (1 - value / maximum) }
        var description: [String] = []
        var svg = ""
        svg += "<line class=\"axis\" x1=\"\(left)\" y1=\"\(top)\" x2=\"\(left)\" y2=\"\(height - bottom)\"/>"
        svg += "<line class=\"axis\" x1=\"\(left)\" y1=\"\(height - bottom)\" x2=\"\(width - right)\" y2=\"\(height - bottom)\"/>\n"
        for fraction in [0.0, 0.5, 1.0] {
            svg += "<text x=\"\(left - 6)\" y=\"\(format(y(maximum * fraction) + 4))\" text-anchor=\"end\" font-size=\"11\">\(HTML.escape(value(maximum * fraction)))</text>"
        }
        let step = max(1, labels.count / 8)
        for (index, label) in labels.enumerated() where index % step == 0 || index == labels.count - 1 {
            svg += "<text x=\"\(format(x(index)))\" y=\"\(height - bottom + 16)\" text-anchor=\"middle\" font-size=\"11\">\(HTML.escape(label))</text>"
        }
        svg += "\n"
        for (number, line) in series.enumerated() {
            let style = seriesStyles[number % seriesStyles.count]
            let points = line.points.enumerated().compactMap { index, point in point.map { (index, $0) } }
            let path = points.map { "\(format(x($0.0))),\(format(y($0.1)))" }.joined(separator: " ")
            if points.count > 1 {
                svg += "<polyline points=\"\(path)\" fill=\"none\" stroke=\"\(style.color)\" stroke-width=\"2\"\(style.dash.isEmpty ? "" : " stroke-dasharray=\"\(style.dash)\"")/>"
            }
            for (index, point) in points {
                svg += "<circle cx=\"\(format(x(index)))\" cy=\"\(format(y(point)))\" r=\"4\" fill=\"\(style.color)\"><title>\(HTML.escape(line.name)) \(HTML.escape(labels[index])): \(HTML.escape(value(point)))</title></circle>"
            }
            let legendX = left + number * 90
            svg += "<line x1=\"\(legendX)\" y1=\"\(height - 10)\" x2=\"\(legendX + 24)\" y2=\"\(height - 10)\" stroke=\"\(style.color)\" stroke-width=\"2\"\(style.dash.isEmpty ? "" : " stroke-dasharray=\"\(style.dash)\"")/>"
            svg += "<text x=\"\(legendX + 30)\" y=\"\(height - 6)\" font-size=\"12\">\(HTML.escape(line.name))</text>\n"
            description.append("\(line.name): " + points.map { "\(labels[$0.0]) \(value($0.1))" }.joined(separator: ", "))
        }
        return """
        <svg role="img" aria-labelledby="\(id)-title \(id)-desc" viewBox="0 0 \(width) \(height)" width="\(width)" height="\(height)" xmlns="http://www.w3.org/2000/svg">
        <title id="\(id)-title">\(HTML.escape(title))</title><desc id="\(id)-desc">\(HTML.escape(description.joined(separator: "; ")))</desc>
        \(svg)</svg>
        """
    }

    /// Seconds for axis labels: `45s`, `12m`, `3h`, `2d`.
    static func span(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        if total >= 86_400 { return "\(Int((Double(total) / 86_400).rounded()))d" }
        if total >= 3_600 { return "\(Int((Double(total) / 3_600).rounded()))h" }
        if total >= 60 { return "\(Int((Double(total) / 60).rounded()))m" }
        return "\(total)s"
    }

    static func format(_ value: Double) -> String {
        String(format: "%.1f", value)
    }
}

// Inline suppressions: `# rbc:ignore RB001 [until=YYYY-MM-DD] -- reason` in YAML and
// `<!-- rbc:ignore RB001 -- reason -->` in Markdown, on the finding's line or before/inside its step.

import Foundation
import RunbookSource
import RunbookSyntax

public struct Suppression: Sendable {
    public let rules: [String]
    public let until: String?
    public let reason: String?
    /// The comment itself, for findings about the suppression.
    public let range: SourceRange
    /// The lines (1-based, inclusive) it covers.
    public let lines: ClosedRange<Int>
}

public enum Suppressions {
    static let pattern = try? NSRegularExpression(pattern: #"rbc:ignore\b([^\n]*?)(?:-->|$)"#)

    /// The suppression comments of a file, each with the lines it covers.
    public static func parse(_ context: LintContext) -> [Suppression] {
        let file = context.file
        let markdown = context.syntax.format == .markdown
        // Most files have none: skip the per-step line arithmetic below.
        guard let pattern, file.text.contains("rbc:ignore") else { return [] }
        var result: [Suppression] = []
        let frontMatterEnd = frontMatterEndLine(context)
        let stepRanges = stepLineRanges(context)
        for line in 1...max(1, file.lineCount) {
            let text = file.lineText(line)
            let marker = markdown && line > frontMatterEnd ? "<!--" : "#"
            guard text.contains("rbc:ignore"), let commentStart = text.range(of: marker) else { continue }
            let nsrange = NSRange(text.startIndex..., in: text)
            guard let match = pattern.firstMatch(in: text, range: nsrange), let bodyRange = Range(match.range(at: 1), in: text) else { continue }
            var body = String(text[bodyRange])
            var reason: String?
            if let dashes = body.range(of: "--") {
                reason = body[dashes.upperBound...].trimmingCharacters(in: .whitespaces)
                body = String(body[..<dashes.lowerBound])
                if reason?.isEmpty == true { reason = nil }
            }
            var rules: [String] = []
            var until: String?
            for word in body.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "\t" }) {
                if word.hasPrefix("until=") { until = String(word.dropFirst(6)) } else { rules.append(String(word)) }
            }
            let lineRange = file.lineRange(line)
            let start = lineRange.start + text.utf8.distance(from: text.startIndex, to: commentStart.lowerBound)
            let ownLine = text[..<commentStart.lowerBound].allSatisfy { $0 == " " || $0 == "\t" }
            var covered = line...line
            if ownLine {
                // Before a step: that step. Inside a step: the step. Otherwise: the next line.
                let next = nextContentLine(file, after: line, markdown: markdown && line > frontMatterEnd)
                if let next, let following = stepRanges.first(where: { $0.lowerBound == next }) {
                    covered = following
                } else if let enclosing = stepRanges.first(where: { $0.contains(line) && $0.lowerBound != line }) {
                    covered = enclosing
                } else if let next {
                    covered = next...next
                }
            }
            result.append(Suppression(rules: rules, until: until, reason: reason, range: SourceRange(start: start, end: lineRange.end), lines: covered))
        }
        return result
    }

    /// Deleting an unused suppression that is a whole line of its own (safe, as ruff's unused `noqa`):
    /// the line and its line break go. Not offered for a comment after code on its line, or for a
    /// line inside a scalar's text (a `|` block, a Markdown fence), where it is content, not a comment.
    static func removal(of suppression: Suppression, context: LintContext) -> Fix? {
        let file = context.file
        let line = file.lineColumn(of: suppression.range.start).line
        let lineRange = file.lineRange(line)
        let before = file.slice(SourceRange(start: lineRange.start, end: suppression.range.start))
        let text = file.lineText(line).trimmingCharacters(in: .whitespaces)
        let markdownComment = text.hasPrefix("<!--") && text.hasSuffix("-->")
        guard before.allSatisfy({ $0 == " " || $0 == "\t" }), text.hasPrefix("#") || markdownComment else { return nil }
        let insideText = scalarRanges(context).contains { $0.start < lineRange.end && lineRange.start < $0.end }
        guard !insideText else { return nil }
        let end = line < file.lineCount ? file.lineRange(line + 1).start : lineRange.end
        return Fix.safe("remove the unused suppression", .delete(SourceRange(start: lineRange.start, end: end)))
    }

    /// The source ranges of every scalar value of the runbook's metadata and steps.
    static func scalarRanges(_ context: LintContext) -> [SourceRange] {
        var ranges: [SourceRange] = []
        func collect(_ node: YAMLNode) {
            // Iterative: documents are bounded in depth by the reader, but no recursion is needed here.
            var pending = [node]
            while let next = pending.popLast() {
                switch next.kind {
                case .scalar: ranges.append(next.range)
                case .sequence(let items): pending.append(contentsOf: items)
                case .mapping(let pairs): pending.append(contentsOf: pairs.map(\.value))
                case .alias: break
                }
            }
        }
        context.syntax.metadata.fields.forEach { collect($0.value) }
        for view in context.allSteps {
            view.syntax.fields.fields.forEach { collect($0.value) }
            view.syntax.rollback?.fields.fields.forEach { collect($0.value) }
        }
        return ranges
    }

    /// Markdown front matter is YAML: `#` comments and YAML extents there, `<!-- -->` and headings after it.
    static func frontMatterEndLine(_ context: LintContext) -> Int {
        let file = context.file
        guard context.syntax.format == .markdown, file.lineText(1).trimmingCharacters(in: .whitespaces) == "---" else { return 0 }
        return (2...max(2, file.lineCount)).first { $0 <= file.lineCount && file.lineText($0).trimmingCharacters(in: .whitespaces) == "---" } ?? 0
    }

    /// The lines (1-based, inclusive) each step spans: its YAML mapping, or a Markdown step up to the next heading.
    public static func stepLineRanges(_ context: LintContext) -> [ClosedRange<Int>] {
        let file = context.file
        let markdown = context.syntax.format == .markdown
        let frontMatterEnd = frontMatterEndLine(context)
        return context.allSteps.map { view -> ClosedRange<Int> in
            let start = file.lineColumn(of: view.syntax.range.start).line
            let end = markdown && start > frontMatterEnd
                ? markdownStepEnd(file, from: start)
                : file.lineColumn(of: max(view.syntax.range.start, view.syntax.range.end - 1)).line
            return start...max(start, end)
        }
    }

    /// The next line that is not blank and not a comment (`#` in YAML, `<!-- -->` in Markdown).
    static func nextContentLine(_ file: SourceFile, after line: Int, markdown: Bool) -> Int? {
        var current = line + 1
        while current <= file.lineCount {
            let text = file.lineText(current).trimmingCharacters(in: .whitespaces)
            let isComment = markdown ? text.hasPrefix("<!--") : text.hasPrefix("#")
            if !text.isEmpty, !isComment { return current }
            current += 1
        }
        return nil
    }

    /// A Markdown step (a heading or list item) runs until the next heading.
    static func markdownStepEnd(_ file: SourceFile, from start: Int) -> Int {
        var line = start + 1
        while line <= file.lineCount {
            if isATXHeading(file.lineText(line)) { return line - 1 }
            line += 1
        }
        return file.lineCount
    }

    /// `#` to `######` then a space: the line opens a heading.
    static func isATXHeading(_ line: String) -> Bool {
        let hashes = line.utf8.prefix { $0 == UInt8(ascii: "#") }.count
        return (1...6).contains(hashes) && line.utf8.dropFirst(hashes).first == UInt8(ascii: " ")
    }

    /// The id and slug a suppression may name for a diagnostic: lint rules and configurable compiler diagnostics.
    static func suppressible(_ code: DiagnosticCode) -> (id: String, slug: String)? {
        if let rule = RuleRegistry.description(for: code.id) { return (rule.id, rule.slug) }
        return code.isConfigurable ? (code.id, code.slug) : nil
    }

    static func isKnown(_ name: String) -> Bool {
        RuleRegistry.description(for: name) != nil || DiagnosticCode.configurable(named: name) != nil
    }

    /// Removes suppressed compiler diagnostics and reports nothing about the suppressions: for
    /// `rbc compile` and `rbc run`, where lint findings (what most suppressions name) are not computed.
    public static func removeSuppressed(_ diagnostics: [Diagnostic], context: LintContext, today: String) -> [Diagnostic] {
        filter(diagnostics, suppressions: parse(context), file: context.file, today: today).kept
    }

    static func filter(_ diagnostics: [Diagnostic], suppressions: [Suppression], file: SourceFile,
                       today: String) -> (kept: [Diagnostic], used: [Bool]) {
        var used = Array(repeating: false, count: suppressions.count)
        guard !suppressions.isEmpty else { return (diagnostics, used) }
        var kept: [Diagnostic] = []
        for diagnostic in diagnostics {
            guard let range = diagnostic.range, diagnostic.file === file || diagnostic.file?.path == file.path,
                  let rule = suppressible(diagnostic.code) else {
                kept.append(diagnostic)
                continue
            }
            let line = file.lineColumn(of: range.start).line
            let index = suppressions.indices.first { index in
                let suppression = suppressions[index]
                let active = suppression.until.map { $0 >= today } ?? true
                return active && suppression.lines.contains(line)
                    && suppression.rules.contains { $0.caseInsensitiveCompare(rule.id) == .orderedSame || $0 == rule.slug }
            }
            if let index { used[index] = true } else { kept.append(diagnostic) }
        }
        return (kept, used)
    }

    /// Removes suppressed findings and reports the suppressions that are expired, unused, unexplained or malformed.
    public static func apply(_ diagnostics: [Diagnostic], context: LintContext, today: String) -> [Diagnostic] {
        let suppressions = parse(context)
        guard !suppressions.isEmpty else { return diagnostics }
        let file = context.file
        var (kept, used) = filter(diagnostics, suppressions: suppressions, file: file, today: today)
        func report(_ id: String, _ message: String, _ suppression: Suppression, help: String? = nil, fix: Fix? = nil) {
            guard let description = RuleRegistry.description(for: id) else { return }
            kept.append(Diagnostic(description.code, message, file: file, range: suppression.range, help: help, fix: fix))
        }
        for (index, suppression) in suppressions.enumerated() {
            let unknown = suppression.rules.filter { !isKnown($0) }
            let badDate = suppression.until.map { $0.range(of: #"^\d{4}-\d{2}-\d{2}$"#, options: .regularExpression) == nil } ?? false
            if suppression.rules.isEmpty || !unknown.isEmpty || badDate {
                let what = suppression.rules.isEmpty ? "names no rule" : badDate ? "has a bad date `\(suppression.until ?? "")`"
                    : "names unknown rule\(unknown.count == 1 ? "" : "s") \(unknown.map { "`\($0)`" }.joined(separator: ", "))"
                report(RuleRegistry.malformedSuppressionID, "suppression \(what)", suppression,
                       help: "write `rbc:ignore RB001 until=2027-01-31 -- reason`; `rbc rules` lists the ids")
                continue
            }
            if let until = suppression.until, until < today {
                report(RuleRegistry.expiredSuppressionID, "suppression of \(suppression.rules.joined(separator: ", ")) expired on \(until)", suppression,
                       help: "fix what it suppressed, or renew it with a new date and reason")
            } else if !used[index] {
                report(RuleRegistry.unusedSuppressionID, "suppression of \(suppression.rules.joined(separator: ", ")) matches no finding", suppression,
                       help: "remove it", fix: removal(of: suppression, context: context))
            }
            if suppression.reason == nil {
                report(RuleRegistry.suppressionWithoutReasonID, "suppression of \(suppression.rules.joined(separator: ", ")) gives no reason", suppression,
                       help: "add `-- why the finding does not apply`")
            }
        }
        return kept
    }
}

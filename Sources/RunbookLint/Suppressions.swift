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
        guard let pattern, file.text.containsASCII("rbc:ignore") else { return [] }
        var result: [Suppression] = []
        let frontMatterEnd = frontMatterEndLine(context)
        let stepRanges = stepLineRanges(context)
        // Each step's first range by its first line, and the next content line after each line (one
        // pass per comment syntax): thousands of comments in a row looked past each other otherwise.
        var stepStarting: [Int: ClosedRange<Int>] = [:]
        for range in stepRanges where stepStarting[range.lowerBound] == nil { stepStarting[range.lowerBound] = range }
        var nextContent: [Bool: [Int?]] = [:]
        for line in 1...max(1, file.lineCount) {
            let text = file.lineText(line)
            let marker = markdown && line > frontMatterEnd ? "<!--" : "#"
            guard text.containsASCII("rbc:ignore"), let commentStart = text.range(of: marker) else { continue }
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
                let commentsAreMarkdown = markdown && line > frontMatterEnd
                if nextContent[commentsAreMarkdown] == nil { nextContent[commentsAreMarkdown] = nextContentLines(file, markdown: commentsAreMarkdown) }
                let next = nextContent[commentsAreMarkdown]?[line] ?? nil
                if let next, let following = stepStarting[next] {
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
        var stepEnds: [Int]?
        return context.allSteps.map { view -> ClosedRange<Int> in
            let start = file.lineColumn(of: view.syntax.range.start).line
            let end: Int
            if markdown && start > frontMatterEnd {
                if stepEnds == nil { stepEnds = markdownStepEnds(file) }
                end = stepEnds?[start] ?? file.lineCount
            } else {
                end = file.lineColumn(of: max(view.syntax.range.start, view.syntax.range.end - 1)).line
            }
            return start...max(start, end)
        }
    }

    /// For each line (1-based; index 0 unused), the next line after it that is not blank and not a
    /// comment (`#` in YAML, `<!-- -->` in Markdown), or nil: one pass from the end.
    static func nextContentLines(_ file: SourceFile, markdown: Bool) -> [Int?] {
        var next = [Int?](repeating: nil, count: file.lineCount + 2)
        var line = file.lineCount - 1
        while line >= 0 {
            let text = file.lineText(line + 1).trimmingCharacters(in: .whitespaces)
            let isComment = markdown ? text.hasPrefix("<!--") : text.hasPrefix("#")
            next[line] = !text.isEmpty && !isComment ? line + 1 : next[line + 1]
            line -= 1
        }
        return next
    }

    /// For each line (1-based), where a Markdown step starting on it ends: the line before the next
    /// heading, or the last line. One pass from the end, however many steps share a section.
    static func markdownStepEnds(_ file: SourceFile) -> [Int] {
        var ends = [Int](repeating: file.lineCount, count: file.lineCount + 2)
        var line = file.lineCount - 1
        while line >= 1 {
            ends[line] = isATXHeading(file.lineText(line + 1)) ? line : ends[line + 1]
            line -= 1
        }
        return ends
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
        // The comments by the lines they cover and the names they give, so a finding is compared only
        // with comments that can match it (thousands of comments times thousands of findings, otherwise).
        var byLine: [Int: [String: [Int]]] = [:]
        var byRange: [ClosedRange<Int>: [String: [Int]]] = [:]
        for (index, suppression) in suppressions.enumerated() {
            for name in Set(suppression.rules.map { $0.lowercased() }) {
                if suppression.lines.count == 1 {
                    byLine[suppression.lines.lowerBound, default: [:]][name, default: []].append(index)
                } else {
                    byRange[suppression.lines, default: [:]][name, default: []].append(index)
                }
            }
        }
        let ranges = Array(byRange.keys)
        var kept: [Diagnostic] = []
        for diagnostic in diagnostics {
            guard let range = diagnostic.range, diagnostic.file === file || diagnostic.file?.path == file.path,
                  let rule = suppressible(diagnostic.code) else {
                kept.append(diagnostic)
                continue
            }
            let line = file.lineColumn(of: range.start).line
            var candidates: [Int] = []
            for names in [byLine[line]] + ranges.filter({ $0.contains(line) }).map({ byRange[$0] }) {
                candidates += names?[rule.id.lowercased()] ?? []
                candidates += names?[rule.slug.lowercased()] ?? []
            }
            // The first comment in the file that matches, as a plain scan in order would find.
            let index = candidates.sorted().first { index in
                let suppression = suppressions[index]
                let active = suppression.until.map { $0 >= today } ?? true
                return active && suppression.lines.contains(line)
                    && suppression.rules.contains { $0.caseInsensitiveCompare(rule.id) == .orderedSame || $0 == rule.slug }
            }
            if let index { used[index] = true } else { kept.append(diagnostic) }
        }
        return (kept, used)
    }

    /// Removes suppressed findings and reports the suppressions that are expired, unused, unexplained
    /// or malformed: each of those is a `SuppressionRule` (RB090–RB093) reading what matched.
    public static func apply(_ diagnostics: [Diagnostic], context: LintContext, today: String) -> [Diagnostic] {
        let suppressions = parse(context)
        guard !suppressions.isEmpty else { return diagnostics }
        let file = context.file
        let (kept, used) = filter(diagnostics, suppressions: suppressions, file: file, today: today)
        let review = SuppressionReview(lint: context, suppressions: suppressions, used: used, today: today)
        var reported: [(order: Int, diagnostic: Diagnostic)] = []
        for rule in RuleRegistry.suppressionRules {
            let code = type(of: rule).description.code
            for finding in rule.check(review) {
                reported.append((reported.count, Diagnostic(code, finding.message, severity: finding.severity, file: file, range: finding.range,
                                                            help: finding.help, notes: finding.notes, fix: finding.fix)))
            }
        }
        // Comment by comment, as they appear.
        reported.sort { ($0.diagnostic.range?.start ?? 0, $0.order) < ($1.diagnostic.range?.start ?? 0, $1.order) }
        return kept + reported.map(\.diagnostic)
    }
}

extension Suppression {
    /// What makes the comment unreadable: no rule named, a rule nobody knows, a bad `until=` date;
    /// nil when it is well formed. A malformed suppression is reported as that (RB093) and nothing else.
    public var malformation: String? {
        let unknown = rules.filter { !Suppressions.isKnown($0) }
        let badDate = until.map { $0.range(of: #"^\d{4}-\d{2}-\d{2}$"#, options: .regularExpression) == nil } ?? false
        guard rules.isEmpty || !unknown.isEmpty || badDate else { return nil }
        return rules.isEmpty ? "names no rule" : badDate ? "has a bad date `\(until ?? "")`"
            : "names unknown rule\(unknown.count == 1 ? "" : "s") \(unknown.map { "`\($0)`" }.joined(separator: ", "))"
    }

    /// Whether its `until=` date has passed: it no longer suppresses anything.
    public func hasExpired(today: String) -> Bool { until.map { $0 < today } ?? false }
}

/// What a rule about suppression comments reads: the runbook's comments, and which of them matched a finding.
public protocol SuppressionContext: Sendable {
    var lint: LintContext { get }
    var suppressions: [Suppression] { get }
    /// Whether the suppression at `index` removed at least one finding.
    func matchedFinding(_ index: Int) -> Bool
    /// YYYY-MM-DD, against `until=` dates.
    var today: String { get }
}

/// A rule about the suppression comments themselves (RB090–RB093), run after every other finding of the file is in.
public protocol SuppressionRule: DescribedRule {
    func check(_ context: any SuppressionContext) -> [LintFinding]
}

struct SuppressionReview: SuppressionContext {
    let lint: LintContext
    let suppressions: [Suppression]
    let used: [Bool]
    let today: String

    func matchedFinding(_ index: Int) -> Bool { used.indices.contains(index) && used[index] }
}

// `rbc rules` and `rbc explain`: the lint rules, from the one registry.

import ArgumentParser
import Foundation
import RunbookDriver
import RunbookLint
import RunbookSource

struct RulesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "List the lint rules.",
        discussion: """
        Examples:
          rbc rules
          rbc rules --format json
        """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json, markdown }

    @Option(help: "Output format: text, json, markdown.")
    var format: Format = .text

    func run() throws {
        let rules = RuleRegistry.descriptions
        switch format {
        case .text:
            let slugWidth = rules.map(\.slug.count).max() ?? 0
            var out = ""
            for rule in rules {
                let slug = rule.slug.padding(toLength: slugWidth, withPad: " ", startingAt: 0)
                let severity = rule.severity.rawValue.padding(toLength: 7, withPad: " ", startingAt: 0)
                let category = rule.category.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0)
                out += "\(rule.id)  \(slug)  \(severity)  \(category)  \(rule.summary)\n"
            }
            Console.out(out)
        case .json:
            let entries = rules.map { ["id": $0.id, "slug": $0.slug, "category": $0.category.rawValue, "severity": $0.severity.rawValue,
                                       "summary": $0.summary, "rationale": $0.rationale, "appliesTo": $0.scope.rawValue] }
            let data = (try? JSONSerialization.data(withJSONObject: entries, options: [.prettyPrinted, .sortedKeys])) ?? Data()
            Console.out(String(decoding: data, as: UTF8.self) + "\n")
        case .markdown:
            Console.out(RulesDocument.markdown())
        }
    }
}

struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Explain a rule or diagnostic id: why it exists and how to fix what it reports.",
        discussion: """
        Examples:
          rbc explain RB001
          rbc explain rollback-missing
          rbc explain RB2002
        """
    )

    @Argument(help: "A rule id (RB001), rule name (rollback-missing) or compiler diagnostic id (RB2002).")
    var id: String

    func run() throws {
        if let rule = RuleRegistry.description(for: id) {
            Console.out(RulesDocument.explain(rule))
            return
        }
        if let code = DiagnosticCode.compilerCatalog.first(where: { $0.id.caseInsensitiveCompare(id) == .orderedSame || $0.slug == id }) {
            Console.out(RulesDocument.explain(code))
            return
        }
        let known = RuleRegistry.descriptions.flatMap { [$0.id, $0.slug] } + DiagnosticCode.compilerCatalog.flatMap { [$0.id, $0.slug] }
        let hint = Suggestions.closest(to: id, in: known).map { " (did you mean \($0)?)" } ?? ""
        Console.err("rbc: error: unknown rule or diagnostic '\(id)'\(hint); `rbc rules` lists the rules\n")
        throw ExitCode(2)
    }
}

// The rules' documentation, generated from the registry: `rbc explain`, `rbc rules` and docs/rules.md.

import RunbookLint
import RunbookSource

public enum RulesDocument {
    /// An example as the user would write it: the position marks removed.
    public static func plain(_ example: RuleExample) -> String {
        example.plainText
    }

    /// One rule's full documentation in Markdown.
    public static func explain(_ rule: RuleDescription) -> String {
        var out = "## \(rule.id) \(rule.slug)\n\n"
        out += "*\(rule.category.rawValue), default severity \(rule.severity.rawValue), applies to \(rule.scope.rawValue)* — \(rule.summary)\n\n"
        out += rule.rationale + "\n"
        switch rule.fix {
        case .safe?: out += "\nFix (safe, where exact): `rbc check --fix` applies it; see [fixes.md](fixes.md).\n"
        case .unsafe?: out += "\nFix (unsafe, where exact): `rbc check --fix --unsafe-fixes` applies it; see [fixes.md](fixes.md).\n"
        case nil: break
        }
        if let example = rule.triggering.first {
            out += "\nReported:\n\n```\(example.isMarkdown ? "markdown" : "yaml")\n\(plain(example).trimmingCharacters(in: .newlines))\n```\n"
        }
        if let example = rule.nonTriggering.first {
            out += "\nNot reported:\n\n```\(example.isMarkdown ? "markdown" : "yaml")\n\(plain(example).trimmingCharacters(in: .newlines))\n```\n"
        }
        return out
    }

    /// A compiler diagnostic's documentation (`rbc explain RB2002`).
    public static func explain(_ code: DiagnosticCode) -> String {
        "## \(code.id) \(code.slug)\n\n*compiler, \(code.defaultSeverity.rawValue)* — \(code.summary)\n"
    }

    /// docs/rules.md.
    public static func markdown() -> String {
        var out = """
        <!-- Generated from RuleRegistry; do not edit. Regenerate with `RBC_RECORD=1 swift test --filter DocsTests`. -->
        # Lint rules

        `rbc check` runs these rules on every runbook that compiles. Configure them in `.rbc.yaml`
        (`rules: {RB003: off, verification-missing: error}`), suppress a finding inline with a reason
        (see [linting.md](linting.md)), and read one rule with `rbc explain RB001`. Each rule applies
        to executable runbooks (the ones rbc runs), to pages for people, or to both; see
        [linting.md](linting.md#pages-for-people).

        | id | name | category | severity | applies to | summary |
        |---|---|---|---|---|---|

        """
        for rule in RuleRegistry.descriptions {
            out += "| [`\(rule.id)`](#\(rule.id.lowercased())-\(rule.slug)) | \(rule.slug) | \(rule.category.rawValue) | \(rule.severity.rawValue) | \(rule.scope.rawValue) | \(rule.summary) |\n"
        }
        for rule in RuleRegistry.descriptions {
            out += "\n" + explain(rule)
        }
        return out
    }
}

// RB010: "exact commands, not descriptions": no placeholders left for the responder to fill in.

import Foundation
import RunbookSyntax

struct PlaceholderRule: LintRule {
    static let description = RuleDescription(
        id: "RB010", slug: "placeholder", category: .placeholders, severity: .warning, scope: .both,
        summary: "a command, URL or config value still holds a placeholder",
        rationale: """
        Under stress responders copy and paste. `kubectl rollout restart deploy/[service]`, \
        `<namespace>`, `TODO`, `FIXME`, `xxx`, `CHANGEME` or `example.com` in a command make them stop \
        and interpret — or run it as written. Use a parameter (`${{ params.service }}`) for what changes \
        between incidents, and write everything else out. ShellCheck sees each `<placeholder>` as a \
        plain word of the same length, so it is reported once, here, and not again as a broken \
        redirection. On pages for people, `<placeholders>` are expected and say what goes there, and \
        variables are RB032's business: there only to-do markers (`TODO`, `FIXME`, `TBD`) are reported — \
        a fence that reads `# TODO: command needed` is a step the reader cannot take.
        """,
        triggering: [
            .steps("""
                - id: restart
                  action: execute_command
                  command: "kubectl rollout restart deploy/↓[service]↑ -n ↓<namespace>↑"
                  timeout: 2m
                  irreversible: "restarts are safe to repeat"
                - id: health
                  action: http_request
                  url: "https://↓example.com↑/healthz"
                  timeout: 30s
            """),
            RuleExample("""
            ---
            severity: P3
            ---
            # NodeFilesystemSpaceFillingUp

            ## Mitigation

            Remove dangling images:

            ```sh
            # ↓TODO↑: Command needed
            ```
            """, markdown: true),
        ],
        nonTriggering: [
            .steps("""
                - id: restart
                  action: execute_command
                  command: "kubectl get pods -o jsonpath='{.items[*].metadata.name}' && [ -f /etc/api.conf ]"
                  timeout: 2m
            """),
            RuleExample("""
            ---
            severity: P3
            ---
            # KubeletTooManyPods

            ## Diagnosis

            ```sh
            kubectl get pods --all-namespaces --field-selector spec.nodeName=<node>
            ```
            """, markdown: true),
        ])

    /// Each pattern with what it finds and the words (lower-case) every match of it holds.
    static let sources: [(pattern: String, what: String, words: [[String]])] = [
        (#"\[[A-Za-z][A-Za-z0-9 _./-]*\]"#, "a `[placeholder]`", [["[", "]"]]),
        (CommandText.anglePattern, "a `<placeholder>`", [["<", ">"]]),
        (#"\b(?:TODO|FIXME|TBD|CHANGEME|XXX+|xxx+)\b"#, "a to-do marker", [["todo"], ["fixme"], ["tbd"], ["changeme"], ["xxx"]]),
        (#"(?i)\b(?:[a-z0-9-]+\.)*example\.(?:com|org|net)\b"#, "an example domain", [["example."]]),
        (#"(?i)\byour[-_][a-z]+"#, "a `your-…` placeholder", [["your-"], ["your_"]]),
    ]

    static let patterns: [(NSRegularExpression, String)] = sources.compactMap { source in
        (try? NSRegularExpression(pattern: source.pattern)).map { ($0, source.what) }
    }

    /// What is left unfinished, the only kind reported on pages for people.
    static let toDoSource = (pattern: #"\b(?:TODO|FIXME|TBD)\b"#, what: "a to-do marker", words: [["todo"], ["fixme"], ["tbd"]])
    static let toDo = [toDoSource].compactMap { source in (try? NSRegularExpression(pattern: source.pattern)).map { ($0, source.what) } }

    /// Each list in one alternation, a pre-check: most values match none of them.
    static let anyPattern = NSRegularExpression.anyOf(patterns.map(\.0))
    static let anyToDo = NSRegularExpression.anyOf(toDo.map(\.0))
    /// Before either, the words a match needs, on bytes: most values hold none of them.
    static let patternWords = RequiredWords(sources.flatMap(\.words))
    static let toDoWords = RequiredWords(toDoSource.words)

    static let fields = ["command", "url", "config_key", "value"]

    func check(_ context: LintContext) -> [LintFinding] {
        var findings: [LintFinding] = []
        let patterns = context.isDocumentation ? Self.toDo : Self.patterns
        let any = context.isDocumentation ? Self.anyToDo : Self.anyPattern
        let required = context.isDocumentation ? Self.toDoWords : Self.patternWords
        for view in context.allSteps {
            var nodes: [(String, YAMLNode)] = Self.fields.compactMap { key in view.field(key).map { (key, $0.value) } }
            nodes += Self.fields.compactMap { key in context.rollbackField(view, key).map { ("rollback \(key)", $0.value) } }
            for (key, node) in nodes {
                guard let value = node.scalarValue, required.mayMatch(value) else { continue }
                let nsrange = NSRange(value.startIndex..., in: value)
                if let any, any.firstMatch(in: value, range: nsrange) == nil { continue }
                var seen: [Range<String.Index>] = []
                for (regex, what) in patterns {
                    for match in regex.matches(in: value, range: nsrange) {
                        guard let range = Range(match.range, in: value), !seen.contains(where: { $0.overlaps(range) }) else { continue }
                        // `[[ … ]]` and `[ -f x ]` are shell tests; `${{ }}` is an expression.
                        if value[range].hasPrefix("["), range.lowerBound > value.startIndex, value[value.index(before: range.lowerBound)] == "[" { continue }
                        seen.append(range)
                        findings.append(LintFinding("\(what) `\(value[range])` in the \(key) of \(context.describe(view))",
                                                    at: context.range(of: range, in: node),
                                                    help: "write the exact value, or use a parameter: `${{ params.name }}`"))
                    }
                }
            }
        }
        return findings
    }
}

// RB014 unquoted-expression: how expressions meet the shell.

import Foundation
import RunbookSema
import RunbookSource
import RunbookSyntax

struct UnquotedExpressionRule: LintRule {
    static let description = RuleDescription(
        id: "RB014", slug: "unquoted-expression", category: .expressions, severity: .warning, scope: .both,
        summary: "a `${{ }}` stands unquoted in a shell command",
        rationale: """
        rbc never splices values into shell text: every expression reaches the command as a quoted \
        environment variable, so `${{ params.pods }}` holding `a b` is one argument, not two. Written \
        unquoted, the command means something else when a responder copies it into a terminal. Quote \
        it (`"${{ params.pods }}"`) so both agree.
        """,
        triggering: [
            .steps("""
                - id: logs
                  action: execute_command
                  command: kubectl logs ↓${{ params.pod }}↑ --tail=50
                  timeout: 1m
            """, extra: "  params:\n    pod: {type: string, required: true}\n"),
        ],
        nonTriggering: [
            .steps("""
                - id: logs
                  action: execute_command
                  command: kubectl logs "${{ params.pod }}" --tail=50 -l 'app=${{ params.pod }}'
                  timeout: 1m
            """, extra: "  params:\n    pod: {type: string, required: true}\n"),
        ],
        fix: .safe)

    func check(_ context: LintContext) -> [LintFinding] {
        var findings: [LintFinding] = []
        for view in context.allSteps {
            // Numbers, booleans and enum values cannot split into words.
            let unquoted = (view.ir.substitutions ?? []).filter { $0.quoting == .unquoted && ($0.type == "string" || $0.type == "any") }
            let fixes = quotingFixes(context, view, unquoted)
            for (substitution, fix) in zip(unquoted, fixes) {
                findings.append(LintFinding("`${{ \(substitution.expression) }}` is unquoted in the \(substitution.field) of \(context.describe(view))",
                                            at: expressionRange(context, substitution), help: "quote it: \"${{ \(substitution.expression) }}\"",
                                            fix: fix))
            }
        }
        return findings
    }
}

/// `"…"` around each unquoted `${{ }}` (one fix per substitution, in order): safe, because rbc passes
/// the value as one quoted word either way; the command now reads the same when a responder copies it.
/// Not offered when the expression's own text holds quotes, backslashes, `$` or backticks, which the
/// new quotes would reinterpret. Each command is scanned and its fixes placed once, not once per
/// substitution (thousands of `${{ }}` in one command were quadratic).
func quotingFixes(_ context: LintContext, _ view: StepView, _ substitutions: [SubstitutionIR]) -> [Fix?] {
    var fixes = [Fix?](repeating: nil, count: substitutions.count)
    for field in ["command", "rollback.command"] {
        let wanted = substitutions.indices.filter { substitutions[$0].field == field && expressionRange(context, substitutions[$0]) != nil }
        guard !wanted.isEmpty else { continue }
        let node = field == "command" ? view.field("command")?.value : context.rollbackField(view, "command")?.value
        guard let node, let command = node.scalarValue else { continue }
        let locator = ValueLocator(file: context.file, node: node, value: command)
        var partAt: [Int: TemplatePart] = [:]
        for part in TemplateScanner.scan(command).parts where part.kind == .expression {
            let start = locator.offset(part.outer.lowerBound)
            if partAt[start] == nil { partAt[start] = part }
        }
        var placed: [Int] = []
        var edits: [[TextEdit]] = []
        for index in wanted {
            guard let start = expressionRange(context, substitutions[index])?.start, let part = partAt[start],
                  !part.text.contains(where: { "\"'\\$`".contains($0) }) else { continue }
            placed.append(index)
            edits.append([.insert("\"", at: part.outer.lowerBound), .insert("\"", at: part.outer.upperBound)])
        }
        for (index, fileEdits) in zip(placed, ScalarEdits.fileEdits(each: edits, in: node, file: context.file)) {
            fixes[index] = fileEdits.map { Fix("quote `${{ \(substitutions[index].expression) }}`", .safe, edits: $0) }
        }
    }
    return fixes
}

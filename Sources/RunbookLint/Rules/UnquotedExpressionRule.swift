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
            for substitution in view.ir.substitutions ?? [] where substitution.quoting == .unquoted {
                // Numbers, booleans and enum values cannot split into words.
                guard substitution.type == "string" || substitution.type == "any" else { continue }
                let range = expressionRange(context, substitution)
                findings.append(LintFinding("`${{ \(substitution.expression) }}` is unquoted in the \(substitution.field) of \(context.describe(view))",
                                            at: range, help: "quote it: \"${{ \(substitution.expression) }}\"",
                                            fix: range.flatMap { quotingFix(context, view, substitution, at: $0) }))
            }
        }
        return findings
    }
}

/// `"…"` around an unquoted `${{ }}`: safe, because rbc passes the value as one quoted word either
/// way; the command now reads the same when a responder copies it. Not offered when the expression's
/// own text holds quotes, backslashes, `$` or backticks, which the new quotes would reinterpret.
func quotingFix(_ context: LintContext, _ view: StepView, _ substitution: SubstitutionIR, at range: SourceRange) -> Fix? {
    let node = substitution.field == "command" ? view.field("command")?.value
        : substitution.field == "rollback.command" ? context.rollbackField(view, "command")?.value : nil
    guard let node, let command = node.scalarValue else { return nil }
    let locator = ValueLocator(file: context.file, node: node, value: command)
    guard let part = TemplateScanner.scan(command).parts.first(where: { $0.kind == .expression && locator.offset($0.outer.lowerBound) == range.start }),
          !part.text.contains(where: { "\"'\\$`".contains($0) }) else { return nil }
    return ScalarEdits.fileEdits([.insert("\"", at: part.outer.lowerBound), .insert("\"", at: part.outer.upperBound)], in: node, file: context.file)
        .map { Fix("quote `${{ \(substitution.expression) }}`", .safe, edits: $0) }
}

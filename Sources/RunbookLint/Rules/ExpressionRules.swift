// RB014, RB015: how expressions meet the shell and where secrets end up.

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
                  command: kubectl logs ↓${{ params.pod }} --tail=50
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

struct SecretExposedRule: LintRule {
    static let description = RuleDescription(
        id: "RB015", slug: "secret-exposed", category: .expressions, severity: .error, scope: .both,
        summary: "a secret parameter is echoed, posted or put into a URL",
        rationale: """
        rbc redacts secret parameters in plans, logs and journals, but cannot unsend them: a secret in \
        an `echo`, a notification, a ticket or a URL (which proxies and servers log) leaves rbc's \
        control. Pass secrets in headers, environment variables or stdin instead.
        """,
        triggering: [
            .steps("""
                - id: debug
                  action: execute_command
                  command: echo "token is ↓${{ params.token }}"
                  timeout: 1m
                - id: tell
                  action: send_notification
                  channel: "#ops"
                  message: "used ↓${{ params.token }}"
            """, extra: "  params:\n    token: {type: string, secret: true, required: true}\n"),
        ],
        nonTriggering: [
            .steps("""
                - id: call
                  action: http_request
                  url: "https://api.internal/v1/flush"
                  method: POST
                  headers: {Authorization: "Bearer ${{ params.token }}"}
                  timeout: 30s
                  irreversible: "a cache flush refills itself"
            """, extra: "  params:\n    token: {type: string, secret: true, required: true}\n"),
        ])

    static let publishingFields: Set<String> = ["message", "title", "body", "url", "channel", "instructions"]

    func check(_ context: LintContext) -> [LintFinding] {
        var findings: [LintFinding] = []
        for view in context.allSteps {
            let command = view.ir.action.command.map(CommandAnalysis.commands) ?? []
            for substitution in view.ir.substitutions ?? [] where substitution.secret {
                let field = substitution.field.replacingOccurrences(of: "rollback.", with: "")
                var exposed = Self.publishingFields.contains(field) || field.hasPrefix("labels")
                if field == "command", !substitution.field.hasPrefix("rollback.") {
                    let echoing = command.filter { ["echo", "printf", "logger", "tee"].contains($0.program) }
                    exposed = echoing.contains { simple in simple.words.contains { $0.text.contains(substitution.expression) } }
                }
                guard exposed else { continue }
                findings.append(LintFinding("secret `\(substitution.expression)` is exposed in the \(substitution.field) of \(context.describe(view))",
                                            at: expressionRange(context, substitution),
                                            help: "pass it in a header, an environment variable or stdin, never in text that is shown or logged"))
            }
        }
        return findings
    }
}

/// The `${{ … }}` of a substitution in the file.
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

func expressionRange(_ context: LintContext, _ substitution: SubstitutionIR) -> SourceRange? {
    guard let location = substitution.location else { return nil }
    let start = context.file.offset(line: location.line, column: location.column)
    return SourceRange(start: start, end: start + substitution.expression.utf8.count + 6)
}

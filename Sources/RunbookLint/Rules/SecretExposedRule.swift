// RB015 secret-exposed: where secrets end up.

import Foundation
import RunbookSema
import RunbookSource
import RunbookSyntax

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
                  command: echo "token is ↓${{ params.token }}↑"
                  timeout: 1m
                - id: tell
                  action: send_notification
                  channel: "#ops"
                  message: "used ↓${{ params.token }}↑"
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
            // Read only for a secret in the command: most steps have none.
            var command: [SimpleCommand] { view.ir.action.command.map { context.commands(in: $0) } ?? [] }
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

// RB041 secret-in-arguments: a secret that a step hands to a program as a command-line argument,
// where every local user and every execve audit log can read it.

import Foundation
import RunbookSema
import RunbookSource

struct SecretInArgumentsRule: LintRule {
    static let description = RuleDescription(
        id: "RB041", slug: "secret-in-arguments", category: .expressions, severity: .warning, scope: .both,
        summary: "a secret parameter is a command-line argument of a program",
        rationale: """
        rbc hands a secret to the step's shell in an environment variable, which only its owner can \
        read, and hides it on rbc's own command line. Written as an argument of a program — \
        `mysql -p"${{ params.password }}"`, `curl -H "Authorization: Bearer ${{ params.token }}"`, \
        `kubectl create secret … --from-literal=key=${{ params.key }}` — the shell expands it into that \
        program's command line, which every local user can read while it runs (`ps`, \
        `/proc/PID/cmdline`) and which execve auditing (auditd, EDR agents) writes to its logs.

        Hand it over another way: as an environment variable the program reads \
        (`PGPASSWORD="${{ params.password }}" psql …`, `MYSQL_PWD=…`, `VAULT_TOKEN=…`), on its standard \
        input (`curl -H @- … <<< "Authorization: Bearer ${{ params.token }}"`), or with an \
        `http_request` step and its `headers:`. Shell builtins (`echo`, `printf`, `test`, `export`, \
        `read`) start no process and are not reported (RB015 reports a secret echoed).
        """,
        triggering: [
            .steps("""
                - id: count
                  action: execute_command
                  command: mysql -u ops -p"↓${{ params.password }}↑" -e 'select count(*) from sessions'
                  timeout: 1m
                  readonly: true
                - id: call
                  action: execute_command
                  command: 'curl -sf -H "Authorization: Bearer ↓${{ params.password }}↑" https://api.internal/v1/health'
                  timeout: 1m
                  readonly: true
            """, extra: "  params:\n    password: {type: string, secret: true, required: true}\n"),
        ],
        nonTriggering: [
            .steps("""
                - id: count
                  action: execute_command
                  command: MYSQL_PWD="${{ params.password }}" mysql -u ops -e 'select count(*) from sessions'
                  timeout: 1m
                  readonly: true
                - id: call
                  action: execute_command
                  command: 'curl -sf -H @- https://api.internal/v1/health <<< "Authorization: Bearer ${{ params.password }}"'
                  timeout: 1m
                  readonly: true
                - id: check
                  action: execute_command
                  command: test -n "${{ params.password }}" && export PGPASSWORD="${{ params.password }}" && psql -c 'select 1'
                  timeout: 1m
                  readonly: true
            """, extra: "  params:\n    password: {type: string, secret: true, required: true}\n"),
        ])

    /// Builtins of sh and bash: no process, no command line. `logger` and `tee` publish what they
    /// get, which RB015 reports.
    static let builtins: Set<String> = [
        "echo", "printf", "test", "[", "[[", "export", "local", "declare", "typeset", "readonly", "read", "set", "unset",
        "cd", "pushd", "popd", ":", "true", "false", "return", "exit", "shift", "let", "eval", "source", ".", "alias",
        "trap", "wait", "kill", "case", "for", "select", "logger", "tee",
    ]
    /// Keywords that may stand before a command (`if curl …; then`).
    static let keywords: Set<String> = ["if", "then", "elif", "else", "while", "until", "do", "!", "{"]

    func check(_ context: LintContext) -> [LintFinding] {
        var findings: [LintFinding] = []
        for view in context.allSteps {
            for (field, command) in [("command", view.ir.action.command), ("rollback.command", view.ir.rollback?.action.command)] {
                guard let command else { continue }
                let substitutions = (view.ir.substitutions ?? []).filter { $0.field == field }
                guard substitutions.contains(where: \.secret) else { continue }
                let offsets = ReinterpretedExpressionRule.expressionStarts(Array(command.utf8))
                guard offsets.count == substitutions.count else { continue }
                let commands = context.commands(in: command)
                // A here-document's body is the program's input; its lines are no commands.
                let bodies = ReinterpretedExpressionRule.hereDocuments(Array(command.utf8)).map(\.range)
                for (substitution, offset) in zip(substitutions, offsets) where substitution.secret {
                    guard !bodies.contains(where: { $0.contains(offset) }), let program = Self.program(receiving: offset, in: commands) else { continue }
                    findings.append(LintFinding(
                        "secret `\(substitution.expression)` is an argument of `\(program)` in the \(field) of \(context.describe(view)): every local user can read it in `ps` while it runs",
                        at: expressionRange(context, substitution),
                        help: "hand it over in an environment variable the program reads (`NAME=\"${{ \(substitution.expression) }}\" \(program) …`) or on its standard input (`<<< \"${{ \(substitution.expression) }}\"`)"))
                }
            }
        }
        return findings
    }

    /// The program whose command line holds the word at `offset`: an argument (not a variable
    /// assignment before the command, not a redirection, not a here-document) of a program that is
    /// no shell builtin. Nil when there is none.
    static func program(receiving offset: Int, in commands: [SimpleCommand]) -> String? {
        for simple in commands {
            guard let index = simple.words.firstIndex(where: { $0.range.contains(offset) }) else { continue }
            let word = simple.words[index]
            // `VAR=value cmd`, `<<< text`, `> file`: not on the command line.
            if ReinterpretedExpressionRule.isRedirection(word.text) { return nil }
            if index > 0, ReinterpretedExpressionRule.isRedirection(simple.words[index - 1].text) { return nil }
            guard let position = simple.effective.firstIndex(where: { $0.range == word.range }) else {
                // Before the effective command: an assignment or a wrapper's own argument
                // (`sudo -u ${{ … }}`, `timeout 5 …`) — a wrapper is a program too.
                guard index > 0, !word.text.contains("="), !builtins.contains(simple.words[0].programName) else { return nil }
                return simple.words[0].programName
            }
            let start = simple.effective.firstIndex { !keywords.contains($0.text) } ?? simple.effective.count
            guard position > start else { return nil }
            let name = simple.effective[start].programName
            return builtins.contains(name) ? nil : name
        }
        return nil
    }
}

// RB016: ShellCheck's findings inside step commands, placed on the runbook's own lines. ShellCheck
// itself runs batched for every file (ShellCheck.swift); this rule picks the commands it reads and
// decides what each of its comments becomes.

import Foundation
import RunbookSema
import RunbookSource
import RunbookSyntax

struct ShellCheckRule: ShellCheckFindingRule {
    static let description = RuleDescription(
        id: "RB016", slug: "shellcheck", category: .shell, severity: .warning, scope: .both,
        summary: "ShellCheck reports a problem in a step's command",
        rationale: """
        Every `execute_command` step and rollback is run through ShellCheck (Debian package \
        `shellcheck`) when it is installed, as `sh` unless the step names another `shell` (on a page for \
        people, as the shell a reader pastes it into: the one its shebang names, else bash, the \
        terminal's shell, so POSIX-only advice stays off pages nobody runs with `/bin/sh`). Each finding \
        carries its SC code and lands on the runbook's own line and column, inside YAML scalars and \
        Markdown fences. ShellCheck's levels map to rbc's: error → error, warning → warning, info and \
        style → info. `${{ }}` expressions are seen as quoted variables, as rbc runs them. Without \
        ShellCheck, `rbc check` says so once (info); `--no-shellcheck` turns the pass off, and \
        `shellcheck: {exclude: [SC2086]}` in `.rbc.yaml` skips codes. ShellCheck's notes on what it could \
        not read (SC1090, SC1091: a `source` it cannot follow) are not reported. Where ShellCheck proposes a fix \
        and it maps exactly onto the runbook's bytes, the finding carries it (unsafe: quoting changes how \
        the shell reads the command).
        """,
        triggering: [],
        nonTriggering: [],
        fix: .unsafe)

    /// The commands ShellCheck should see from one runbook: steps' and rollbacks' `execute_command`s.
    func commands(_ context: LintContext) -> [ShellCheckJob] {
        var jobs: [ShellCheckJob] = []
        let isDocumentation = context.isDocumentation
        for view in context.allSteps {
            let actions: [(ActionIR, FieldSyntax?, String)] = [
                (view.ir.action, view.field("command"), context.describe(view)),
            ] + (view.ir.rollback.map { [($0.action, context.rollbackField(view, "command"), "the rollback of \(context.describe(view))")] } ?? [])
            for (action, field, owner) in actions where action.kind == .executeCommand {
                guard let field, let command = field.value.scalarValue,
                      let shell = isDocumentation && action.shell == nil ? Self.readersShell(command, field.value, context.file)
                                                                          : ShellCheck.dialect(action.shell) else { continue }
                // A terminal transcript is read as the commands typed; PromQL, log lines, YAML, SQL or prose in a
                // shell fence would only give parse errors.
                let shown = CommandText.transcriptCommands(command) ?? command
                guard CommandText.content(shown) == .shell else { continue }
                jobs.append(ShellCheckJob(file: context.file, node: field.value, command: command, shell: shell, owner: owner,
                                          forPeople: isDocumentation, shown: shown))
            }
        }
        return jobs
    }

    /// The shell a reader pastes a page's command into: the one its shebang names, else an interactive
    /// bash — what a terminal runs, whether the fence says `sh`, `shell` or `bash` (`ksh` stays ksh).
    /// POSIX-only advice (arrays, `[[ ]]`, `local`) does not concern a command typed at a prompt; rbc
    /// runs only executable runbooks, with `/bin/sh`, and those keep `sh`. Nil for shells ShellCheck
    /// does not know (zsh, fish).
    static func readersShell(_ command: String, _ node: YAMLNode, _ file: SourceFile) -> String? {
        let firstLine = command.split(separator: "\n").first { !$0.allSatisfy(\.isWhitespace) }.map { $0.trimmingCharacters(in: .whitespaces) }
        if let firstLine, firstLine.hasPrefix("#!") {
            let words = firstLine.dropFirst(2).split(separator: " ").map(String.init)
            let program = (words.first.map { ($0 as NSString).lastPathComponent } == "env" ? words.dropFirst().first { !$0.hasPrefix("-") } : words.first)
            return ShellCheck.dialect(program ?? "sh")
        }
        // A fence's content starts on the line after its opener.
        let line = file.lineIndex(of: node.range.start)
        let opener = file.lineText(line).trimmingCharacters(in: .whitespaces)
        guard line >= 1, opener.hasPrefix("```") || opener.hasPrefix("~~~") else { return "bash" }
        let language = opener.drop { $0 == "`" || $0 == "~" }.split(whereSeparator: { $0 == " " || $0 == "{" }).first.map { $0.lowercased() }
        switch language {
        case "ksh": return "ksh"
        case "zsh": return nil
        default: return "bash"
        }
    }

    /// ShellCheck's comments on one command, on the runbook's own lines, with ShellCheck's level.
    func check(_ job: ShellCheckJob, answer: ShellCheckAnswer) -> [LintFinding] {
        let starts = ShellCheck.lineStarts(job.command)
        let locator = ValueLocator(file: job.file, node: job.node, value: job.command)
        return answer.comments.compactMap { comment in
            if job.forPeople, !Self.reportsOnPeoplePages(level: comment.level, code: comment.code) { return nil }
            if Self.onlyRepeatsAParseError(comment) || Self.shellCheckLimitCodes.contains(comment.code) { return nil }
            if job.forPeople, comment.code == 1081, Self.isProse(job.command, fromLine: comment.line) { return nil }
            let start = ShellCheck.valueOffset(job.command, lineStarts: starts, line: comment.line, column: comment.column)
            let end = ShellCheck.valueOffset(job.command, lineStarts: starts, line: comment.endLine, column: comment.endColumn)
            let severity: Severity = comment.level == "error" ? .error : comment.level == "warning" ? .warning : .info
            return LintFinding("SC\(comment.code): \(comment.message) (in \(job.owner))", at: locator.range(start, max(end, start + 1)),
                               help: "see https://www.shellcheck.net/wiki/SC\(comment.code)", severity: severity,
                               fix: comment.fix.flatMap { Self.fix(of: $0, code: comment.code, job: job, seen: answer.seen) })
        }
    }

    /// SC1072 closes every parse error ShellCheck gives up on; it says what was expected
    /// (`Expected end of single quoted string.`) or nothing at all, and then its " Fix any mentioned
    /// problems and try again." only repeats the error reported beside it (SC1073) at another place.
    static func onlyRepeatsAParseError(_ comment: ShellCheck.Comment) -> Bool {
        comment.code == 1072 && comment.message.trimmingCharacters(in: .whitespaces) == "Fix any mentioned problems and try again."
    }

    /// ShellCheck's fix as edits of the runbook, when it is exact: the text it read is the command
    /// itself wherever the fix reaches (not a masked placeholder, a prompt or a `${{ }}` stand-in), no
    /// two replacements overlap, and the command's scalar or fence takes the edits exactly. Unsafe:
    /// quoting and rewriting change how the shell reads the command.
    static func fix(of suggestion: ShellCheck.Suggestion, code: Int, job: ShellCheckJob, seen: String) -> Fix? {
        let command = Array(job.command.utf8)
        let read = Array(seen.utf8)
        guard command.count == read.count, !suggestion.replacements.isEmpty else { return nil }
        var edits: [TextEdit] = []
        for replacement in suggestion.replacements {
            let start = ShellCheck.valueOffset(job.command, line: replacement.line, column: replacement.column)
            let end = ShellCheck.valueOffset(job.command, line: replacement.endLine, column: replacement.endColumn)
            guard start <= end else { return nil }
            edits.append(TextEdit(SourceRange(start: start, end: end), replacement.replacement))
        }
        edits.sort { $0.range < $1.range }
        for (earlier, later) in zip(edits, edits.dropFirst()) where later.range.start < earlier.range.end { return nil }
        guard let first = edits.first, let last = edits.last else { return nil }
        let span = max(0, first.range.start - 1)..<min(command.count, max(last.range.end, first.range.end) + 1)
        guard command[span] == read[span] else { return nil }
        return ScalarEdits.fileEdits(edits, in: job.node, file: job.file).map { Fix("apply ShellCheck's fix for SC\(code)", .unsafe, edits: $0) }
    }

    /// Advice for scripts that a person typing one command does not need: each fence is typed on
    /// its own, so a variable set in one and read in the next is not unused (SC2034) or unassigned
    /// (SC2154), and word-splitting a pod name (SC2046) or a `cd` without `|| exit` (SC2164) are
    /// robustness matters. Errors and the other warnings (a `&` that ends the command, a test that is
    /// always true) mean the command does not do what the page says, and are reported.
    static let scriptOnlyCodes: Set<Int> = [2034, 2154, 2046, 2164, 2155, 2181, 2009, 2010, 2012, 2029, 2030, 2031, 2044, 2045,
                                            // `arr=($(…))` and `${arr[@]}` splitting pod names; a literal `{` in `-o jsonpath={.spec.host}`.
                                            2207, 2068, 1083]

    /// Whether a capitalised `If`/`While`/`For` that ShellCheck takes for a mis-cased keyword (SC1081)
    /// opens a sentence, not a compound command: nothing after it in the fence reads `then`, `do`, `fi`,
    /// `done` or `esac`. Pages put notes in a shell fence ("If fails: DNS issue"); pasted, such a line
    /// is "command not found", and "use `if`, not `If`" tells its author nothing.
    static func isProse(_ command: String, fromLine line: Int) -> Bool {
        let rest = command.split(separator: "\n", omittingEmptySubsequences: false).dropFirst(max(0, line - 1))
        let closers: Set<Substring> = ["then", "do", "fi", "done", "esac"]
        return !rest.contains { text in
            text.split { !($0.isLetter || $0.isNumber || $0 == "_") }.contains { closers.contains($0) }
        }
    }

    /// ShellCheck saying what it could not read, not what is wrong: a `source ~/.bashrc` it cannot
    /// follow (SC1090, SC1091). Nothing in the command needs changing.
    static let shellCheckLimitCodes: Set<Int> = [1090, 1091]

    /// A blank line before a shebang (SC1128) is how a fence was laid out; the reader pastes the script.
    static let layoutOnlyCodes: Set<Int> = [1128]

    static func reportsOnPeoplePages(level: String, code: Int) -> Bool {
        (level == "error" || level == "warning") && !scriptOnlyCodes.contains(code) && !layoutOnlyCodes.contains(code)
    }
}

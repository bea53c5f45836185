// RB040: a `${{ }}` whose value a second interpreter reads as code (`sh -c`, `eval`, `ssh`, bash
// arithmetic, `[[ ]]` comparisons, here-documents), unless its value is constrained to a safe shape.

import Foundation
import RunbookSema
import RunbookSource

struct ReinterpretedExpressionRule: LintRule {
    static let description = RuleDescription(
        id: "RB040", slug: "expression-reinterpreted", category: .expressions, severity: .error, scope: .both,
        summary: "a `${{ }}` reaches a second interpreter that runs its value as code",
        rationale: """
        rbc passes every expression to the shell as a quoted environment variable, so the shell that \
        runs the step never reads a value as code. A second interpreter undoes that: the text after \
        `sh -c` / `bash -c` / `su -c`, the arguments of `eval`, `watch`, `let` and of a remote `ssh` \
        command, a here-document, bash arithmetic (`$(( ))`, `(( ))`) and the arithmetic comparisons of \
        `[[ ]]` (`-eq`, `-gt`, … evaluate `a[$(cmd)]`) all parse the value again. A parameter holding \
        `x; rm -rf /` or `a[$(reboot)]` then runs as code on a production host.

        Pass the value as an environment variable the inner script reads — \
        `env SERVICE="${{ params.service }}" sh -c 'systemctl restart "$SERVICE"'` — or constrain it: \
        declare the parameter `type: int`, `number`, `bool` or `enum` (`allowed: […]`), or give a string \
        parameter a `pattern:` its whole value must match (`pattern: "[a-z0-9-]+"`). Values of those \
        parameters, and expressions whose type is a number or a bool, are not reported.
        """,
        triggering: [
            .steps("""
                - id: restart
                  action: execute_command
                  command: ssh web-1 "sudo systemctl restart ↓${{ params.service }}↑"
                  timeout: 1m
                - id: scale
                  action: execute_command
                  command: bash -c "kubectl scale deploy/api --replicas=↓${{ params.service }}↑"
                  timeout: 1m
                - id: check
                  action: execute_command
                  command: "[[ ↓${{ params.service }}↑ -gt 1 ]] && echo $(( ↓${{ params.service }}↑ + 1 ))"
                  timeout: 1m
                  readonly: true
            """, extra: "  params:\n    service: {type: string, required: true}\n"),
            RuleExample("""
            ---
            severity: P3
            owner: team-sre
            escalation: "#sre-oncall"
            triggers: [{alert: Example}]
            params:
              host: {type: string, required: true}
            ---
            # Example

            ## Steps

            ### flush

            ```bash {timeout=1m readonly=true}
            eval "redis-cli -h ↓${{ params.host }}↑ ping"
            ```
            """, markdown: true),
        ],
        nonTriggering: [
            .steps("""
                - id: restart
                  action: execute_command
                  command: ssh "${{ params.host }}" "sudo systemctl restart api"
                  timeout: 1m
                - id: scale
                  action: execute_command
                  command: bash -c "kubectl scale deploy/api --replicas=${{ params.replicas }}"
                  timeout: 1m
                - id: service
                  action: execute_command
                  command: env SERVICE="${{ params.service }}" sh -c 'systemctl restart "$SERVICE"'
                  timeout: 1m
                - id: named
                  action: execute_command
                  command: sh -c "systemctl restart ${{ params.unit }}"
                  timeout: 1m
            """, extra: """
              params:
                host: {type: string, required: true}
                replicas: {type: int, required: true}
                service: {type: string, required: true}
                unit: {type: string, pattern: "[a-z0-9@.-]+", required: true}

            """),
        ])

    func check(_ context: LintContext) -> [LintFinding] {
        let params = Dictionary(context.ir.params.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var findings: [LintFinding] = []
        for view in context.allSteps {
            for (field, command) in [("command", view.ir.action.command), ("rollback.command", view.ir.rollback?.action.command)] {
                guard let command else { continue }
                let substitutions = (view.ir.substitutions ?? []).filter { $0.field == field }
                let bytes = Array(command.utf8)
                let expressions = Self.expressionStarts(bytes)
                guard !expressions.isEmpty, expressions.count == substitutions.count else { continue }
                let interpreters = Self.interpreters(in: bytes, at: expressions, commands: context.commands(in: command))
                for (substitution, interpreter) in zip(substitutions, interpreters) {
                    guard let interpreter, !Self.isConstrained(substitution, params) else { continue }
                    let names = substitution.references.filter { $0.hasPrefix("params.") }.map { String($0.dropFirst(7)) }
                    let constrain = names.isEmpty ? "" : ", or declare `\(names.joined(separator: "`, `"))` as int, enum or with a `pattern:`"
                    findings.append(LintFinding(
                        "`${{ \(substitution.expression) }}` reaches \(interpreter) in the \(field) of \(context.describe(view)): its value would run as code",
                        at: expressionRange(context, substitution),
                        help: "pass it as an environment variable the inner script reads (`env VALUE=\"${{ \(substitution.expression) }}\" sh -c '… \"$VALUE\" …'`)\(constrain)"))
                }
            }
        }
        return findings
    }

    /// Numbers, bools, enums and patterned strings cannot carry code.
    static func isConstrained(_ substitution: SubstitutionIR, _ params: [String: ParamIR]) -> Bool {
        if ["int", "number", "bool", "duration"].contains(substitution.type) { return true }
        return substitution.references.allSatisfy { reference in
            if reference.hasPrefix("runbook.") { return true }
            guard reference.hasPrefix("params."), let param = params[String(reference.dropFirst(7))] else { return false }
            return param.type != .string || param.pattern != nil
        }
    }

    /// The byte offset of every `${{` in a command.
    static func expressionStarts(_ bytes: [UInt8]) -> [Int] {
        guard bytes.count >= 3 else { return [] }
        return (0..<(bytes.count - 2)).filter { bytes[$0] == UInt8(ascii: "$") && bytes[$0 + 1] == UInt8(ascii: "{") && bytes[$0 + 2] == UInt8(ascii: "{") }
    }

    static let shells: Set<String> = ["sh", "bash", "zsh", "dash", "ksh", "ash", "mksh", "busybox"]
    /// Programs whose `-c` / `--command` argument is shell text.
    static let commandFlagPrograms: Set<String> = ["su", "runuser", "flock", "script"]

    /// For each offset, the second interpreter that reads the text there, described; nil when none does.
    /// `commands` are the simple commands of the same text.
    static func interpreters(in bytes: [UInt8], at offsets: [Int], commands: [SimpleCommand]) -> [String?] {
        var regions: [(range: Range<Int>, what: String)] = []
        regions += arithmeticRegions(bytes)
        regions += hereDocuments(bytes)
        for simple in commands {
            regions += wordRegions(simple.words)
        }
        return offsets.map { offset in regions.first { $0.range.contains(offset) }?.what }
    }

    /// Words another interpreter parses: after `sh -c`, `su -c`, `eval`, `watch`, `let`, `ssh HOST`.
    static func wordRegions(_ words: [ShellWord]) -> [(range: Range<Int>, what: String)] {
        var regions: [(range: Range<Int>, what: String)] = []
        func rest(from index: Int, _ what: String) {
            for word in words[index...] { regions.append((word.range, what)) }
        }
        var index = 0
        while index < words.count {
            let name = words[index].programName
            if shells.contains(name) || commandFlagPrograms.contains(name) {
                var flag = index + 1
                while flag < words.count {
                    let word = words[flag].text
                    let isCommandFlag = word == "--command" || word == "-c"
                        || (word.hasPrefix("-") && !word.hasPrefix("--") && word.dropFirst().allSatisfy(\.isLetter) && word.contains("c") && shells.contains(name))
                    if isCommandFlag, flag + 1 < words.count {
                        regions.append((words[flag + 1].range, "`\(name) -c`"))
                        break
                    }
                    if word.hasPrefix("--command=") { regions.append((words[flag].range, "`\(name) --command`")); break }
                    flag += 1
                }
            } else if name == "eval" || name == "let" || name == "watch" {
                if index + 1 < words.count { rest(from: index + 1, name == "let" ? "bash arithmetic (`let`)" : "`\(name)`") }
                break
            } else if name == "ssh" {
                // ssh [options] host command…: the remote shell parses the command words again.
                var position = index + 1
                let optionsWithValue: Set<String> = ["-i", "-p", "-l", "-o", "-F", "-J", "-L", "-R", "-D", "-b", "-c", "-E", "-e", "-m", "-O", "-Q", "-S", "-W", "-w"]
                while position < words.count, words[position].text.hasPrefix("-") {
                    position += optionsWithValue.contains(words[position].text) ? 2 : 1
                }
                position += 1 // the host
                if position < words.count { rest(from: position, "the remote shell of `ssh`") }
                break
            }
            index += 1
        }
        return regions
    }

    /// `$(( … ))`, `(( … ))`, and `[[ … ]]` holding an arithmetic comparison.
    static func arithmeticRegions(_ bytes: [UInt8]) -> [(range: Range<Int>, what: String)] {
        var regions: [(range: Range<Int>, what: String)] = []
        var index = 0
        var quote: UInt8?
        while index + 1 < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "'") && quote == nil { quote = byte } else if byte == UInt8(ascii: "'") && quote == byte { quote = nil }
            if quote == nil, byte == UInt8(ascii: "("), bytes[index + 1] == UInt8(ascii: "(") {
                // Balanced parentheses to the closing `))`.
                var depth = 0
                var end = index
                while end < bytes.count {
                    if bytes[end] == UInt8(ascii: "(") { depth += 1 }
                    if bytes[end] == UInt8(ascii: ")") { depth -= 1; if depth == 0 { break } }
                    end += 1
                }
                regions.append((index..<min(end + 1, bytes.count), index > 0 && bytes[index - 1] == UInt8(ascii: "$") ? "bash arithmetic (`$(( ))`)" : "bash arithmetic (`(( ))`)"))
                index = end + 1
                continue
            }
            if quote == nil, byte == UInt8(ascii: "["), bytes[index + 1] == UInt8(ascii: "["),
               let close = find([UInt8]("]]".utf8), in: bytes, from: index + 2) {
                let inside = String(decoding: bytes[(index + 2)..<close], as: UTF8.self)
                let words = inside.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
                if words.contains(where: { ["-eq", "-ne", "-lt", "-le", "-gt", "-ge"].contains($0) }) {
                    regions.append((index..<(close + 2), "an arithmetic comparison of `[[ ]]`"))
                }
                index = close + 2
                continue
            }
            index += 1
        }
        return regions
    }

    /// The bodies of here-documents (`<<EOF … EOF`): text fed to a program that interprets it.
    static func hereDocuments(_ bytes: [UInt8]) -> [(range: Range<Int>, what: String)] {
        var regions: [(range: Range<Int>, what: String)] = []
        var index = 0
        while index + 2 < bytes.count {
            guard bytes[index] == UInt8(ascii: "<"), bytes[index + 1] == UInt8(ascii: "<"), bytes[index + 2] != UInt8(ascii: "<") else {
                index += 1
                continue
            }
            var position = index + 2
            let stripTabs = position < bytes.count && bytes[position] == UInt8(ascii: "-")
            if stripTabs { position += 1 }
            while position < bytes.count, bytes[position] == 0x20 { position += 1 }
            var delimiter: [UInt8] = []
            while position < bytes.count, ![0x20, 0x0A, 0x09, UInt8(ascii: ";"), UInt8(ascii: "|"), UInt8(ascii: "&"), UInt8(ascii: ")")].contains(bytes[position]) {
                if bytes[position] != UInt8(ascii: "'") && bytes[position] != UInt8(ascii: "\"") && bytes[position] != UInt8(ascii: "\\") {
                    delimiter.append(bytes[position])
                }
                position += 1
            }
            guard !delimiter.isEmpty, let newline = bytes[position...].firstIndex(of: 0x0A) else { index = position; continue }
            // The body runs to the line that is the delimiter alone.
            var lineStart = newline + 1
            var end = bytes.count
            while lineStart < bytes.count {
                let lineEnd = bytes[lineStart...].firstIndex(of: 0x0A) ?? bytes.count
                var line = Array(bytes[lineStart..<lineEnd])
                if stripTabs { line = Array(line.drop { $0 == 0x09 }) }
                while line.last == 0x0D || line.last == 0x20 { line.removeLast() }
                if line == delimiter { end = lineStart; break }
                lineStart = lineEnd + 1
            }
            regions.append(((newline + 1)..<end, "a here-document"))
            index = end
        }
        return regions
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard needle.count <= haystack.count, start <= haystack.count - needle.count else { return nil }
        for index in start...(haystack.count - needle.count) where haystack[index..<(index + needle.count)].elementsEqual(needle) {
            return index
        }
        return nil
    }
}

// RB040: a `${{ }}` whose value a second interpreter reads as code (`sh -c`, `eval`, `ssh`, `env -S`,
// bash arithmetic, `[[ ]]` comparisons, here-documents, text piped or here-stringed into a shell, the
// inline program of python/perl/ruby/node/php/awk/sed, jq's filter, the SQL of psql/mysql — also run
// through `find -exec`, `kubectl exec --`, `docker exec`), unless its value is constrained to a safe shape.

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
        command, a here-document, text piped or here-stringed into a shell (`echo … | sh`, \
        `bash <<< …`, `source <(…)`), the text of `env -S`, the inline program of `python -c`, \
        `perl -e`, `ruby -e`, `node -e`, `php -r`, `awk` and `sed` (GNU sed's `e` runs commands), \
        the filter of `jq` (it reads the environment and decides what a step sees), the SQL of \
        `psql -c` and `mysql -e` — also where `find -exec`, `kubectl exec --` or `docker exec` \
        run that program —, bash arithmetic (`$(( ))`, `(( ))`) and the arithmetic comparisons of \
        `[[ ]]` (`-eq`, `-gt`, … evaluate `a[$(cmd)]`) all parse the value again. A parameter holding \
        `x; rm -rf /` or `a[$(reboot)]` then runs as code on a production host.

        Pass the value as an environment variable the inner script reads — \
        `env SERVICE="${{ params.service }}" sh -c 'systemctl restart "$SERVICE"'`, \
        `awk -v name="${{ params.user }}" '$1 == name'`, `jq --arg name "${{ params.user }}" \
        '.[] | select(.name == $name)'`, `psql -v name=… -f query.sql` — or constrain it: \
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
                - id: piped
                  action: execute_command
                  command: echo "systemctl restart ↓${{ params.service }}↑" | sudo bash
                  timeout: 1m
                - id: inline
                  action: execute_command
                  command: python3 -c "import os; os.system('restart ↓${{ params.service }}↑')"; awk "/↓${{ params.service }}↑/ {print}" units.txt
                  timeout: 1m
                - id: query
                  action: execute_command
                  command: psql -Atc "select pg_terminate_backend(pid) from pg_stat_activity where usename = '↓${{ params.service }}↑'"
                  timeout: 1m
                - id: pods
                  action: execute_command
                  command: kubectl get pods -o json | jq -r '.items[] | select(.metadata.name | startswith("↓${{ params.service }}↑")) | .metadata.name'
                  timeout: 1m
                  readonly: true
                - id: logs
                  action: execute_command
                  command: find /var/log -name '*.log' -exec awk '/↓${{ params.service }}↑/' {} +
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
                - id: data
                  action: execute_command
                  command: echo "${{ params.service }}" | grep -c api && bash restart.sh "${{ params.service }}" && awk -v name="${{ params.service }}" '$1 == name' units.txt
                  timeout: 1m
                - id: file
                  action: execute_command
                  command: psql -h "${{ params.host }}" -f fix.sql && sed -i "s/^replicas=.*/replicas=${{ params.replicas }}/" deploy.env
                  timeout: 1m
                - id: pods
                  action: execute_command
                  command: kubectl get pods -n "${{ params.service }}" -o json | jq -r --arg name "${{ params.service }}" '.items[] | select(.metadata.name == $name)' && find /var/log -name "${{ params.service }}*" -exec grep -c error {} +
                  timeout: 1m
                  readonly: true
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
        regions += pipedIntoInterpreters(bytes, commands)
        for simple in commands {
            regions += wordRegions(simple.words)
            for program in commandsRun(by: simple) { regions += programRegions(program) }
            regions += hereStrings(simple)
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
            } else if name == "env" {
                // `env -S TEXT` splits TEXT into a command line of its own (quotes, `${VAR}`).
                var flag = index + 1
                while flag < words.count, words[flag].text.hasPrefix("-") {
                    let word = words[flag].text
                    if word == "--split-string" || (!word.hasPrefix("--") && word.hasSuffix("S")) {
                        if flag + 1 < words.count { regions.append((words[flag + 1].range, "`env -S`")) }
                        break
                    }
                    if word.hasPrefix("--split-string=") || (!word.hasPrefix("--") && word.dropFirst().contains("S")) {
                        regions.append((words[flag].range, "`env -S`"))
                        break
                    }
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

    /// The command itself and the commands it runs as argument lists of their own: each `-exec …
    /// ;` of `find`, what follows `--` in `kubectl exec` / `oc exec`, the command of `docker exec`
    /// (and podman's, nerdctl's), `chroot DIR CMD`, `setsid CMD`. Their words reach no shell, but a
    /// program among them that reads a word as code (awk, jq, python -c) does so wherever it stands.
    static func commandsRun(by simple: SimpleCommand) -> [SimpleCommand] {
        var result = [simple]
        let words = simple.effective
        func add(_ slice: ArraySlice<ShellWord>) {
            guard !slice.isEmpty else { return }
            let nested = SimpleCommand(words: Array(slice), effective: Array(slice))
            result += CommandAnalysis.expand(nested, in: "").prefix(1)
        }
        guard let name = words.first?.programName else { return result }
        switch name {
        case "find":
            var index = 1
            while index < words.count {
                if ["-exec", "-execdir", "-ok", "-okdir"].contains(words[index].text) {
                    let end = words[(index + 1)...].firstIndex { $0.text == ";" || $0.text == "+" } ?? words.count
                    add(words[(index + 1)..<end])
                    index = end
                }
                index += 1
            }
        case "kubectl", "oc":
            if words.prefix(4).contains(where: { $0.text == "exec" }),
               let separator = words.firstIndex(where: { $0.text == "--" }) {
                add(words[(separator + 1)...])
            }
        case "docker", "podman", "nerdctl":
            guard let verb = words.firstIndex(where: { $0.text == "exec" }), verb <= 2 else { break }
            var index = verb + 1
            let valued: Set<String> = ["-e", "--env", "-u", "--user", "-w", "--workdir", "--env-file", "--detach-keys"]
            while index < words.count, words[index].text.hasPrefix("-") {
                index += valued.contains(words[index].text) ? 2 : 1
            }
            if index + 1 < words.count { add(words[(index + 1)...]) } // after the container
        case "chroot":
            if words.count > 2 { add(words[2...]) }
        case "setsid":
            add(words.dropFirst().drop { $0.text.hasPrefix("-") })
        default:
            break
        }
        return result
    }

    /// The program text of the command's own program (after `sudo`, `env`, `xargs`…): the inline
    /// code of an interpreter, awk's program, sed's script, or what `source` / `.` runs.
    static func programRegions(_ simple: SimpleCommand) -> [(range: Range<Int>, what: String)] {
        let words = simple.effective
        guard let name = words.first?.programName else { return [] }
        if let flags = inlineCodeFlags(name), let program = inlineProgram(words, after: 0, flags: flags) {
            return [(program.range, "the program of `\(name) \(program.flag)`")]
        }
        if name == "jq" || name == "gojq" || name == "jaq" {
            return jqProgram(words).map { [($0.range, "the filter of `\(name)` (pass values with `--arg`)")] } ?? []
        }
        if isAwk(name) || name == "sed" || name == "gsed" {
            return scriptOperands(words, after: 0, sed: !isAwk(name)).map {
                ($0.range, isAwk(name) ? "the program of `\(name)`" : "the script of `\(name)` (GNU sed's `e` runs commands)")
            }
        }
        if name == "source" || name == "." {
            // The file it runs, or a process substitution whose output it runs.
            return words.dropFirst().map { ($0.range, "`\(name)`") }
        }
        return []
    }

    /// The flags whose next word is program text, for interpreters that take inline code (SQL counts:
    /// `psql -c`, `mysql -e`).
    static func inlineCodeFlags(_ name: String) -> Set<String>? {
        if name.hasPrefix("python") || name == "pypy" || name == "pypy3" { return ["-c"] }
        switch name {
        case "perl": return ["-e", "-E"]
        case "ruby": return ["-e"]
        case "node", "nodejs": return ["-e", "--eval", "-p", "--print"]
        case "php": return ["-r"]
        case "psql": return ["-c", "--command"]
        case "mysql", "mariadb": return ["-e", "--execute"]
        default: return nil
        }
    }

    /// The word after an inline-code flag (`-c CODE`, a cluster ending in it like psql's `-Atc CODE`,
    /// or `--eval=CODE`).
    static func inlineProgram(_ words: [ShellWord], after index: Int, flags: Set<String>) -> (range: Range<Int>, flag: String)? {
        var position = index + 1
        while position < words.count {
            let word = words[position].text
            for flag in flags where flag.hasPrefix("--") && word.hasPrefix(flag + "=") { return (words[position].range, flag) }
            let isShortCluster = word.hasPrefix("-") && !word.hasPrefix("--") && word.count > 2 && word.dropFirst().allSatisfy(\.isLetter)
            if flags.contains(word) || (isShortCluster && flags.contains { $0.count == 2 && !$0.hasPrefix("--") && word.hasSuffix(String($0.dropFirst())) }) {
                return position + 1 < words.count ? (words[position + 1].range, flags.contains(word) ? word : "-" + String(word.suffix(1))) : nil
            }
            position += 1
        }
        return nil
    }

    /// jq's filter: its first operand, unless `-f` / `--from-file` names a file that holds it.
    static func jqProgram(_ words: [ShellWord]) -> ShellWord? {
        // Options followed by values: `--arg NAME VALUE`, `--indent N`, `-L DIR`…
        let valueCounts: [String: Int] = ["--arg": 2, "--argjson": 2, "--slurpfile": 2, "--rawfile": 2, "--indent": 1, "-L": 1]
        var position = 1
        while position < words.count {
            let word = words[position].text
            if word == "-f" || word == "--from-file" || word.hasPrefix("--from-file=") { return nil }
            if word == "--" { position += 1; break }
            if word.hasPrefix("-"), word.count > 1 {
                if !word.hasPrefix("--"), word.dropFirst().contains("f") { return nil } // `-rf file`
                position += 1 + (valueCounts[word] ?? 0)
                continue
            }
            break
        }
        guard position < words.count, !isRedirection(words[position].text) else { return nil }
        return words[position]
    }

    static func isAwk(_ name: String) -> Bool { ["awk", "gawk", "mawk", "nawk"].contains(name) }

    /// awk's program (its first operand, unless `-f` names a file) or sed's scripts (each `-e`
    /// value, else its first operand, unless `-f`).
    static func scriptOperands(_ words: [ShellWord], after index: Int, sed: Bool) -> [ShellWord] {
        let valued: Set<String> = sed ? ["-l", "--line-length"] : ["-F", "-v", "--field-separator", "--assign"]
        var scripts: [ShellWord] = []
        var position = index + 1
        while position < words.count {
            let word = words[position].text
            if word == "-f" || word.hasPrefix("--file") || (word.hasPrefix("-f") && !sed) { return [] }
            if sed, word == "-e" || word == "--expression" {
                if position + 1 < words.count { scripts.append(words[position + 1]) }
                position += 2
                continue
            }
            if sed, word.hasPrefix("--expression=") || (word.hasPrefix("-e") && word.count > 2) { scripts.append(words[position]); position += 1; continue }
            if word == "--" { position += 1; break }
            if word.hasPrefix("-"), word.count > 1 {
                position += valued.contains(word) ? 2 : 1
                continue
            }
            break
        }
        if scripts.isEmpty, position < words.count, !Self.isRedirection(words[position].text) { scripts.append(words[position]) }
        return scripts
    }

    static func isRedirection(_ word: String) -> Bool {
        let operators = word.drop { $0.isNumber || $0 == "&" }
        return operators.hasPrefix("<") || operators.hasPrefix(">")
    }

    /// Whether a command runs what arrives on its standard input as code: a shell without `-c` and
    /// without a script to run (or with `-s`), an interpreter without inline code or a script, `ssh
    /// HOST` without a command (the remote shell reads it). `source` / `.` of a process
    /// substitution is reported where it stands.
    static func readsCodeFromStandardInput(_ command: SimpleCommand) -> String? {
        guard let first = command.effective.first else { return nil }
        let name = first.programName
        var operands: [String] = []
        var flags: [String] = []
        var words = command.effective.dropFirst().map(\.text)[...]
        while let word = words.first {
            words = words.dropFirst()
            if isRedirection(word) {
                // `< file`, `<<< text`, `2> log`: the target is no operand.
                if word.drop(while: { $0.isNumber || $0 == "&" }).allSatisfy({ $0 == "<" || $0 == ">" || $0 == "&" }) { words = words.dropFirst() }
                continue
            }
            if word.hasPrefix("-"), word.count > 1, operands.isEmpty { flags.append(word) } else { operands.append(word) }
        }
        if shells.contains(name), name != "busybox" {
            if flags.contains(where: { $0 == "-s" || ($0.hasPrefix("-") && !$0.hasPrefix("--") && $0.contains("s")) }) { return "`\(name)` reading its standard input" }
            let runsText = flags.contains { $0 == "-c" || ($0.hasPrefix("-") && !$0.hasPrefix("--") && $0.contains("c")) }
            return !runsText && (operands.isEmpty || operands == ["-"]) ? "`\(name)` reading its standard input" : nil
        }
        if inlineCodeFlags(name) != nil, !["psql", "mysql", "mariadb"].contains(name) {
            let inline = flags.contains { flag in inlineCodeFlags(name)?.contains(flag) == true }
            return !inline && (operands.isEmpty || operands == ["-"]) ? "`\(name)` reading its standard input" : nil
        }
        if name == "ssh" {
            let optionsWithValue: Set<String> = ["-i", "-p", "-l", "-o", "-F", "-J", "-L", "-R", "-D", "-b", "-c", "-E", "-e", "-m", "-O", "-Q", "-S", "-W", "-w"]
            var rest = command.effective.dropFirst().map(\.text).filter { !isRedirection($0) }[...]
            while let flag = rest.first, flag.hasPrefix("-") {
                rest = rest.dropFirst()
                if optionsWithValue.contains(flag) { rest = rest.dropFirst() }
            }
            return rest.count == 1 ? "the remote shell of `ssh` reading its standard input" : nil
        }
        return nil
    }

    /// The commands of a pipeline whose output a later command of it runs as code (`echo … | sh`).
    static func pipedIntoInterpreters(_ bytes: [UInt8], _ commands: [SimpleCommand]) -> [(range: Range<Int>, what: String)] {
        var regions: [(range: Range<Int>, what: String)] = []
        // Only the commands as written, in order (the remote command ssh's analysis adds overlaps them).
        var sequence: [SimpleCommand] = []
        for command in commands {
            guard let first = command.words.first else { continue }
            if let previous = sequence.last?.words.last, first.range.lowerBound < previous.range.upperBound { continue }
            sequence.append(command)
        }
        func pipes(_ index: Int) -> Bool {
            guard let end = sequence[index].words.last?.range.upperBound, let start = sequence[index + 1].words.first?.range.lowerBound, end <= start else { return false }
            let between = bytes[end..<start].filter { $0 != 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != UInt8(ascii: "\\") }
            return between == Array("|".utf8) || between == Array("|&".utf8)
        }
        for index in sequence.indices.dropFirst() {
            if let what = readsCodeFromStandardInput(sequence[index]) {
                var producer = index - 1
                while producer >= 0, pipes(producer) {
                    for word in sequence[producer].words { regions.append((word.range, what)) }
                    producer -= 1
                }
            } else if let what = xargsFillsInCode(sequence[index]), pipes(index - 1) {
                // Only what prints its own arguments hands the value on as it is: `kubectl get … |
                // xargs -I{} …` hands on names the cluster chose.
                let producer = sequence[index - 1]
                if ["echo", "printf"].contains(producer.program) { regions += producer.words.map { ($0.range, what) } }
            }
        }
        return regions
    }

    /// `… | xargs -I {} sh -c 'kubectl delete pod {}'`: xargs puts each line it reads where `{}`
    /// stands; inside text an interpreter runs (a `-c` script, an awk or jq program), the line is code.
    static func xargsFillsInCode(_ command: SimpleCommand) -> String? {
        let words = command.words
        guard let start = words.firstIndex(where: { $0.programName == "xargs" }) else { return nil }
        var replacement: String?
        var index = start + 1
        while index < words.count, words[index].text.hasPrefix("-") {
            let word = words[index].text
            if word == "-I" {
                replacement = index + 1 < words.count ? words[index + 1].text : nil
                index += 2
                continue
            }
            if word.hasPrefix("-I") { replacement = String(word.dropFirst(2)) }
            else if word == "-i" || word == "--replace" { replacement = "{}" }
            else if word.hasPrefix("--replace=") { replacement = String(word.dropFirst("--replace=".count)) }
            else if word.hasPrefix("-i") { replacement = String(word.dropFirst(2)) }
            index += ["-n", "-L", "-P", "-s", "-d", "-E", "-a"].contains(word) ? 2 : 1
        }
        guard let replacement, !replacement.isEmpty else { return nil }
        var regions = wordRegions(words)
        for program in commandsRun(by: command) { regions += programRegions(program) }
        for region in regions {
            if words.contains(where: { $0.range == region.range && $0.text.contains(replacement) }) {
                return "\(region.what), which `xargs -I \(replacement)` fills in with what it reads"
            }
        }
        return nil
    }

    /// `bash <<< "text"`: the here-string is the code a stdin-reading interpreter runs.
    static func hereStrings(_ command: SimpleCommand) -> [(range: Range<Int>, what: String)] {
        guard let what = readsCodeFromStandardInput(command) else { return [] }
        var regions: [(range: Range<Int>, what: String)] = []
        for (index, word) in command.words.enumerated() where word.text.hasPrefix("<<<") {
            if word.text == "<<<", index + 1 < command.words.count {
                regions.append((command.words[index + 1].range, what))
            } else {
                regions.append((word.range, what))
            }
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

// ShellCheck over every command of every runbook in one batched run per core, its findings placed on
// the runbook's own lines. `${{ }}` expressions become same-length variables quoted as rbc runs them.

import Dispatch
import Foundation
import RunbookSema
import RunbookSource
import RunbookSyntax

public struct ShellCheckJob: Sendable {
    public let file: SourceFile
    public let node: YAMLNode
    public let command: String
    public let shell: String
    public let owner: String
    /// The command is on a page for people: upper-case `$VARIABLES` are placeholders too (masked
    /// like `<node>`), and only what breaks the command as typed is reported.
    public var forPeople = false
    /// What ShellCheck reads: the command, or the commands of a console transcript (same length).
    public var shown: String? = nil
}

public struct ShellCheckOptions: Sendable {
    public var enabled = true
    public var excluded: [String] = []
    public var executable: String?

    public init(enabled: Bool = true, excluded: [String] = [], executable: String? = nil) {
        self.enabled = enabled
        self.excluded = excluded
        self.executable = executable
    }
}

public enum ShellCheck {
    public static func locate() -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/shellcheck"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// The commands ShellCheck should see from one runbook: steps' and rollbacks' `execute_command`s.
    public static func jobs(_ context: LintContext) -> [ShellCheckJob] {
        var jobs: [ShellCheckJob] = []
        let isDocumentation = context.isDocumentation
        for view in context.allSteps {
            let actions: [(ActionIR, FieldSyntax?, String)] = [
                (view.ir.action, view.field("command"), context.describe(view)),
            ] + (view.ir.rollback.map { [($0.action, context.rollbackField(view, "command"), "the rollback of \(context.describe(view))")] } ?? [])
            for (action, field, owner) in actions where action.kind == .executeCommand {
                guard let field, let command = field.value.scalarValue, let shell = dialect(action.shell) else { continue }
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

    /// ShellCheck's dialect for a step's `shell`; nil for shells it does not know (zsh, fish).
    static func dialect(_ shell: String?) -> String? {
        guard let shell else { return "sh" }
        let name = (shell.split(separator: " ").first.map(String.init) ?? shell as String)
        let base = (name as NSString).lastPathComponent
        switch base {
        case "bash": return "bash"
        case "sh", "dash": return base == "dash" ? "dash" : "sh"
        case "ksh", "mksh": return "ksh"
        default: return nil
        }
    }

    /// The command with each `${{ }}` replaced by a variable of the same length, quoted as rbc quotes it,
    /// so ShellCheck's columns are the command's columns.
    static func prepared(_ command: String) -> String {
        let scanned = TemplateScanner.scan(command)
        let expressions = scanned.parts.filter { $0.kind == .expression }
        guard !expressions.isEmpty else { return command }
        let bytes = Array(command.utf8)
        let contexts = ShellQuoting.contexts(in: bytes, at: expressions.map(\.outer.lowerBound))
        var out: [UInt8] = []
        var index = 0
        for (part, context) in zip(expressions, contexts) {
            out.append(contentsOf: bytes[index..<part.outer.lowerBound])
            let length = part.outer.count
            let text: String
            switch context {
            case .unquoted: text = "\"${R" + String(repeating: "_", count: max(0, length - 6)) + "}\""
            case .double: text = "${R" + String(repeating: "_", count: max(0, length - 4)) + "}"
            case .single: text = String(repeating: "x", count: length)
            }
            out.append(contentsOf: Array(text.utf8).prefix(length))
            index = part.outer.upperBound
        }
        out.append(contentsOf: bytes[index...])
        return String(decoding: out, as: UTF8.self)
    }

    struct Comment: Decodable {
        let file: String
        let line: Int
        let endLine: Int
        let column: Int
        let endColumn: Int
        let level: String
        let code: Int
        let message: String
        let fix: Suggestion?
    }

    /// ShellCheck's own fix (`-f json1`): replacements of 1-based line/column ranges of what it read.
    struct Suggestion: Decodable {
        let replacements: [Replacement]
    }

    struct Replacement: Decodable {
        let line: Int
        let endLine: Int
        let column: Int
        let endColumn: Int
        let replacement: String
    }

    struct Output: Decodable { let comments: [Comment] }

    /// A command larger than this is not given to ShellCheck: its time and memory grow faster than
    /// the input (a 4 MB command ran for minutes and took 1.2 GB). No real step command comes close.
    public static let maximumCommandBytes = 64 * 1024
    /// A batch that runs longer is ended, and its commands are reported as not analysed.
    public static let timeLimitSeconds = 60

    /// Runs ShellCheck on every job; returns diagnostics (rule RB016) and, when ShellCheck is missing,
    /// or some commands were too large or took too long, one note saying what was not analysed.
    public static func run(_ allJobs: [ShellCheckJob], options: ShellCheckOptions) -> [Diagnostic] {
        guard options.enabled, !allJobs.isEmpty else { return [] }
        let jobs = allJobs.filter { $0.command.utf8.count <= maximumCommandBytes }
        var notes: [Diagnostic] = []
        if jobs.count < allJobs.count {
            let skipped = allJobs.count - jobs.count
            notes.append(Diagnostic(ShellCheckRule.description.code,
                                    "\(skipped) shell command\(skipped == 1 ? " is" : "s are") larger than \(maximumCommandBytes / 1024) KiB; ShellCheck did not analyse \(skipped == 1 ? "it" : "them")",
                                    severity: .info, displayPath: "rbc", help: "split the command into steps, or move it into a script file"))
        }
        guard !jobs.isEmpty else { return notes }
        guard let executable = options.executable ?? locate() else {
            return [Diagnostic(ShellCheckRule.description.code,
                               "shellcheck is not installed; \(jobs.count) shell command\(jobs.count == 1 ? " was" : "s were") not analysed",
                               severity: .info, displayPath: "rbc", help: "install it (`apt-get install shellcheck`), or pass --no-shellcheck")]
        }
        guard let directory = try? FileManager.default.url(for: .itemReplacementDirectory, in: .userDomainMask,
                                                             appropriateFor: URL(fileURLWithPath: NSTemporaryDirectory()), create: true) else { return [] }
        defer { try? FileManager.default.removeItem(at: directory) }
        var paths: [String] = []
        var seen: [String] = []
        for (index, job) in jobs.enumerated() {
            let path = directory.appendingPathComponent("c\(index).sh").path
            // Placeholders become plain words of the same length, so `<node>` is no redirection and
            // columns stay the command's columns; RB010 / RB032 report them, once.
            let text = prepared(CommandText.masked(job.shown ?? job.command, variables: job.forPeople))
            try? text.write(toFile: path, atomically: false, encoding: .utf8)
            paths.append(path)
            seen.append(text)
        }
        // One process per core, each with a share of the files (grouped by dialect).
        let byShell = Dictionary(grouping: jobs.indices, by: { jobs[$0].shell })
        var batches: [(String, [Int])] = []
        let cores = max(1, ProcessInfo.processInfo.activeProcessorCount)
        for (shell, indices) in byShell {
            let size = max(1, (indices.count + cores - 1) / cores)
            for start in stride(from: 0, to: indices.count, by: size) {
                batches.append((shell, Array(indices[start..<min(indices.count, start + size)])))
            }
        }
        let results = Slots(count: batches.count)
        let work = batches
        let files = paths
        DispatchQueue.concurrentPerform(iterations: work.count) { batch in
            let (shell, indices) = work[batch]
            var arguments = ["-f", "json1", "-s", shell]
            if !options.excluded.isEmpty { arguments += ["-e", options.excluded.joined(separator: ",")] }
            results.store(batch, runProcess(executable, arguments + indices.map { files[$0] }, timeLimit: timeLimitSeconds),
                          commands: indices.count)
        }
        if results.timedOutCommands > 0 {
            notes.append(Diagnostic(ShellCheckRule.description.code,
                                    "ShellCheck did not finish within \(timeLimitSeconds) s; \(results.timedOutCommands) shell command\(results.timedOutCommands == 1 ? " was" : "s were") not analysed",
                                    severity: .info, displayPath: "rbc", help: "check fewer files at once, or pass --no-shellcheck"))
        }
        let description = ShellCheckRule.description
        var diagnostics = notes
        for data in results.values.compactMap({ $0 }) {
            guard let output = try? JSONDecoder().decode(Output.self, from: data) else { continue }
            for comment in output.comments {
                let name = (comment.file as NSString).lastPathComponent
                guard let index = Int(name.dropFirst().dropLast(3)), index < jobs.count else { continue }
                let job = jobs[index]
                if job.forPeople, !reportsOnPeoplePages(level: comment.level, code: comment.code) { continue }
                let start = valueOffset(job.command, line: comment.line, column: comment.column)
                let end = valueOffset(job.command, line: comment.endLine, column: comment.endColumn)
                let locator = ValueLocator(file: job.file, node: job.node, value: job.command)
                let severity: Severity = comment.level == "error" ? .error : comment.level == "warning" ? .warning : .info
                diagnostics.append(Diagnostic(description.code, "SC\(comment.code): \(comment.message) (in \(job.owner))",
                                              severity: severity, file: job.file, range: locator.range(start, max(end, start + 1)),
                                              help: "see https://www.shellcheck.net/wiki/SC\(comment.code)",
                                              fix: comment.fix.flatMap { fix(of: $0, code: comment.code, job: job, seen: seen[index]) }))
            }
        }
        return diagnostics
    }

    /// ShellCheck's fix as edits of the runbook, when it is exact: the text it read is the command
    /// itself wherever the fix reaches (not a masked placeholder, a prompt or a `${{ }}` stand-in), no
    /// two replacements overlap, and the command's scalar or fence takes the edits exactly. Unsafe:
    /// quoting and rewriting change how the shell reads the command.
    static func fix(of suggestion: Suggestion, code: Int, job: ShellCheckJob, seen: String) -> Fix? {
        let command = Array(job.command.utf8)
        let read = Array(seen.utf8)
        guard command.count == read.count, !suggestion.replacements.isEmpty else { return nil }
        var edits: [TextEdit] = []
        for replacement in suggestion.replacements {
            let start = valueOffset(job.command, line: replacement.line, column: replacement.column)
            let end = valueOffset(job.command, line: replacement.endLine, column: replacement.endColumn)
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
    static let scriptOnlyCodes: Set<Int> = [2034, 2154, 2046, 2164, 2155, 2181, 2009, 2010, 2012, 2029, 2030, 2031, 2044, 2045]

    static func reportsOnPeoplePages(level: String, code: Int) -> Bool {
        (level == "error" || level == "warning") && !scriptOnlyCodes.contains(code)
    }

    /// A 1-based line and character column of the command → a byte offset in it.
    static func valueOffset(_ command: String, line: Int, column: Int) -> Int {
        let bytes = Array(command.utf8)
        var offset = 0
        var currentLine = 1
        while currentLine < line, offset < bytes.count {
            if bytes[offset] == 0x0A { currentLine += 1 }
            offset += 1
        }
        var remaining = column - 1
        while remaining > 0, offset < bytes.count, bytes[offset] != 0x0A {
            offset += 1
            while offset < bytes.count, bytes[offset] & 0xC0 == 0x80 { offset += 1 }
            remaining -= 1
        }
        return offset
    }

    /// ShellCheck's output, or nil when it could not start or ran past the time limit (then it is killed).
    static func runProcess(_ executable: String, _ arguments: [String], timeLimit: Int) -> (data: Data?, timedOut: Bool) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch { return (nil, false) }
        let output = Slots(count: 1)
        let finished = DispatchSemaphore(value: 0)
        let reader = pipe.fileHandleForReading
        DispatchQueue.global().async {
            output.store(0, reader.readDataToEndOfFile(), commands: 0)
            finished.signal()
        }
        if finished.wait(timeout: .now() + .seconds(timeLimit)) == .timedOut {
            kill(process.processIdentifier, SIGKILL)
            finished.wait()
            process.waitUntilExit()
            return (nil, true)
        }
        process.waitUntilExit()
        return (output.values[0], false)
    }
}

/// One slot per batch, each written by exactly one worker.
// @unchecked: `values` and `timedOutCommands` are written only under `lock`, and read after every worker ended.
private final class Slots: @unchecked Sendable {
    private(set) var values: [Data?]
    private let lock = NSLock()

    init(count: Int) { values = Array(repeating: nil, count: count) }

    /// Commands whose batch ran out of time.
    private(set) var timedOutCommands = 0

    func store(_ index: Int, _ value: Data?, commands: Int) {
        lock.lock()
        values[index] = value
        lock.unlock()
    }

    func store(_ index: Int, _ result: (data: Data?, timedOut: Bool), commands: Int) {
        lock.lock()
        values[index] = result.data
        if result.timedOut { timedOutCommands += commands }
        lock.unlock()
    }
}

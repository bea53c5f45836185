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

/// What ShellCheck answered about one command: its comments, in the command's lines and columns,
/// and the text it read (the command with placeholders and `${{ }}` masked, byte for byte as long).
public struct ShellCheckAnswer: Sendable {
    let comments: [ShellCheck.Comment]
    let seen: String
}

/// A rule over ShellCheck's answer: which commands of a runbook ShellCheck reads, and what its
/// comments on one of them become. `ShellCheck.run` provides the answers, in one batched run for
/// every file.
public protocol ShellCheckFindingRule: DescribedRule {
    func commands(_ context: LintContext) -> [ShellCheckJob]
    func check(_ job: ShellCheckJob, answer: ShellCheckAnswer) -> [LintFinding]
}

public struct ShellCheckOptions: Sendable {
    public var enabled = true
    public var excluded: [String] = []
    public var executable: String?
    /// The ShellCheck phase's wall-time budget (`.rbc.yaml` `shellcheck: {timeout: 60s}`): past it the
    /// running processes are ended, batches not started are skipped, and a note says what was not analysed.
    public var timeLimitMs = ShellCheck.defaultTimeLimitMs
    /// Where ShellCheck's findings are kept per command text (nil: `--no-cache`).
    public var cache: ContentCache?

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

    /// The commands ShellCheck should see from one runbook (RB016 decides which).
    public static func jobs(_ context: LintContext) -> [ShellCheckJob] { ShellCheckRule().commands(context) }

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

    struct Comment: Decodable, Sendable {
        var file: String = ""
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
    struct Suggestion: Decodable, Sendable {
        let replacements: [Replacement]
    }

    struct Replacement: Decodable, Sendable {
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
    /// The whole phase's default budget; a batch still running then is ended.
    public static let defaultTimeLimitMs = 60_000
    /// One ShellCheck process gets at most this many commands or bytes, so a huge runbook is many
    /// small batches a deadline can cut between, not one process that has to be killed with all its work.
    static let batchCommands = 100
    static let batchBytes = 256 * 1024

    /// Runs ShellCheck on every job; returns diagnostics (rule RB016) and, when ShellCheck is missing,
    /// or some commands were too large or took too long, notes saying what was not analysed.
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
        // Findings are a function of ShellCheck itself, the dialect, the excluded codes and the text it
        // reads: a command seen before (in any file, any run) is answered from the cache.
        let identity = options.cache == nil ? "" : Self.identity(of: executable)
        let texts = jobs.map { prepared(CommandText.masked($0.shown ?? $0.command, forPeople: $0.forPeople)) }
        let keys = jobs.indices.map { index in
            ContentCache.key(["shellcheck", identity, jobs[index].shell, options.excluded.joined(separator: ","), texts[index]])
        }
        var commentsByJob: [Int: [Comment]] = [:]
        var pending: [Int] = []
        for index in jobs.indices {
            if let cache = options.cache, let payload = cache.get("shellcheck", keys[index]), let comments = Self.decode(payload) {
                commentsByJob[index] = comments
            } else {
                pending.append(index)
            }
        }
        var timedOutJobs: [Int] = []
        if !pending.isEmpty {
            guard let directory = try? FileManager.default.url(for: .itemReplacementDirectory, in: .userDomainMask,
                                                                 appropriateFor: URL(fileURLWithPath: NSTemporaryDirectory()), create: true) else { return notes }
            defer { try? FileManager.default.removeItem(at: directory) }
            var paths: [Int: String] = [:]
            for index in pending {
                let path = directory.appendingPathComponent("c\(index).sh").path
                // Placeholders become plain words of the same length, so `<node>` is no redirection and
                // columns stay the command's columns; RB010 / RB032 report them, once.
                try? texts[index].write(toFile: path, atomically: false, encoding: .utf8)
                paths[index] = path
            }
            let batches = batches(jobs, only: pending)
            let results = Slots(count: batches.count)
            let files = paths
            let deadline = DispatchTime.now() + .milliseconds(max(1, options.timeLimitMs))
            let cores = max(1, ProcessInfo.processInfo.activeProcessorCount)
            // One worker per core takes the next batch until none is left or the deadline has passed.
            let queue = BatchQueue(count: batches.count)
            DispatchQueue.concurrentPerform(iterations: min(cores, batches.count)) { _ in
                while let next = queue.next() {
                    let batch = batches[next]
                    guard DispatchTime.now() < deadline else { results.store(next, (nil, true)); continue }
                    var arguments = ["-f", "json1", "-s", batch.shell]
                    if !options.excluded.isEmpty { arguments += ["-e", options.excluded.joined(separator: ",")] }
                    results.store(next, BoundedProcess.run(executable, arguments + batch.jobs.compactMap { files[$0] }, deadline: deadline))
                }
            }
            for (number, batch) in batches.enumerated() {
                if results.timedOut[number] { timedOutJobs += batch.jobs; continue }
                // A batch that did not answer in ShellCheck's format (it crashed) is neither reported nor kept.
                guard let data = results.values[number], let output = try? JSONDecoder().decode(Output.self, from: data) else { continue }
                var found: [Int: [Comment]] = Dictionary(uniqueKeysWithValues: batch.jobs.map { ($0, []) })
                for comment in output.comments {
                    let name = (comment.file as NSString).lastPathComponent
                    guard let index = Int(name.dropFirst().dropLast(3)), found[index] != nil else { continue }
                    found[index, default: []].append(comment)
                }
                for (index, comments) in found {
                    commentsByJob[index] = comments
                    options.cache?.put("shellcheck", keys[index], Self.encode(comments))
                }
            }
        }
        var unanalysed: [String: Int] = [:]
        var totals: [String: Int] = [:]
        for job in jobs { totals[job.file.path, default: 0] += 1 }
        for index in timedOutJobs { unanalysed[jobs[index].file.path, default: 0] += 1 }
        for (path, count) in unanalysed.sorted(by: { $0.key < $1.key }) {
            let total = totals[path] ?? count
            notes.append(Diagnostic(ShellCheckRule.description.code,
                                    "ShellCheck did not finish within \(Self.describe(milliseconds: options.timeLimitMs)); \(count) of \(total) shell command\(total == 1 ? "" : "s") in this file \(count == 1 ? "was" : "were") not analysed",
                                    severity: .info, displayPath: path,
                                    help: "raise `shellcheck: {timeout: …}` in .rbc.yaml, split the runbook, or pass --no-shellcheck"))
        }
        let rule = ShellCheckRule()
        let code = ShellCheckRule.description.code
        var diagnostics = notes
        for (index, comments) in commentsByJob.sorted(by: { $0.key < $1.key }) {
            let job = jobs[index]
            for finding in rule.check(job, answer: ShellCheckAnswer(comments: comments, seen: texts[index])) {
                diagnostics.append(Diagnostic(code, finding.message, severity: finding.severity, file: job.file, range: finding.range,
                                              help: finding.help, notes: finding.notes, fix: finding.fix))
            }
        }
        return diagnostics
    }

    /// Which ShellCheck answers: its path, size and modification time (an upgrade changes them),
    /// without starting it.
    public static func identity(of executable: String) -> String {
        var info = stat()
        guard stat(executable, &info) == 0 else { return executable }
        return "\(executable) \(info.st_size) \(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec) \(info.st_ino)"
    }

    static func encode(_ comments: [Comment]) -> [UInt8] {
        var writer = CacheWriter()
        writer.int(comments.count)
        for comment in comments {
            for value in [comment.line, comment.endLine, comment.column, comment.endColumn, comment.code] { writer.int(value) }
            writer.string(comment.level)
            writer.string(comment.message)
            // 0: no fix; n + 1: a fix of n replacements.
            let replacements = comment.fix?.replacements
            writer.int(replacements.map { $0.count + 1 } ?? 0)
            for replacement in replacements ?? [] {
                for value in [replacement.line, replacement.endLine, replacement.column, replacement.endColumn] { writer.int(value) }
                writer.string(replacement.replacement)
            }
        }
        return writer.bytes
    }

    static func decode(_ payload: [UInt8]) -> [Comment]? {
        var reader = CacheReader(payload)
        guard let count = reader.int(), count >= 0, count <= payload.count else { return nil }
        var comments: [Comment] = []
        for _ in 0..<count {
            guard let line = reader.int(), let endLine = reader.int(), let column = reader.int(), let endColumn = reader.int(),
                  let code = reader.int(), let level = reader.string(), let message = reader.string(),
                  let fixCount = reader.int(), fixCount >= 0, fixCount <= payload.count else { return nil }
            var fix: Suggestion?
            if fixCount > 0 {
                var replacements: [Replacement] = []
                for _ in 0..<(fixCount - 1) {
                    guard let line = reader.int(), let endLine = reader.int(), let column = reader.int(), let endColumn = reader.int(),
                          let text = reader.string() else { return nil }
                    replacements.append(Replacement(line: line, endLine: endLine, column: column, endColumn: endColumn, replacement: text))
                }
                fix = Suggestion(replacements: replacements)
            }
            comments.append(Comment(line: line, endLine: endLine, column: column, endColumn: endColumn, level: level, code: code,
                                    message: message, fix: fix))
        }
        return reader.atEnd ? comments : nil
    }

    /// "60 s", "1.5 s", "500 ms".
    static func describe(milliseconds: Int) -> String {
        if milliseconds < 1000 { return "\(milliseconds) ms" }
        return milliseconds % 1000 == 0 ? "\(milliseconds / 1000) s" : String(format: "%.1f s", Double(milliseconds) / 1000)
    }

    struct Batch {
        let shell: String
        var jobs: [Int] = []
        var bytes = 0
    }

    /// Jobs grouped by dialect into batches of at most `batchCommands` commands and `batchBytes` bytes.
    /// Files take turns: every file's first hundred commands come before any file's second hundred,
    /// so when the deadline cuts the phase short, one huge runbook has not starved the others.
    static func batches(_ jobs: [ShellCheckJob], only selected: [Int]) -> [Batch] {
        var byFile: [String: [Int]] = [:]
        var fileOrder: [String] = []
        for index in selected {
            let job = jobs[index]
            if byFile[job.file.path] == nil { fileOrder.append(job.file.path) }
            byFile[job.file.path, default: []].append(index)
        }
        var rounds: [[Int]] = []
        for path in fileOrder {
            let indices = byFile[path] ?? []
            for (round, start) in stride(from: 0, to: indices.count, by: batchCommands).enumerated() {
                if rounds.count <= round { rounds.append([]) }
                rounds[round] += indices[start..<min(indices.count, start + batchCommands)]
            }
        }
        var batches: [Batch] = []
        for round in rounds {
            var open: [String: Batch] = [:]
            var shells: [String] = []
            for index in round {
                let shell = jobs[index].shell
                let size = jobs[index].command.utf8.count
                if var batch = open[shell], batch.jobs.count < batchCommands, batch.bytes + size <= batchBytes {
                    batch.jobs.append(index)
                    batch.bytes += size
                    open[shell] = batch
                    continue
                }
                if let full = open[shell] { batches.append(full) } else { shells.append(shell) }
                open[shell] = Batch(shell: shell, jobs: [index], bytes: size)
            }
            batches += shells.compactMap { open[$0] }
        }
        return batches
    }

    /// Byte offsets where each line of the command starts.
    static func lineStarts(_ command: String) -> [Int] {
        var starts = [0]
        for (offset, byte) in command.utf8.enumerated() where byte == 0x0A { starts.append(offset + 1) }
        return starts
    }

    /// A 1-based line and character column of the command → a byte offset in it.
    static func valueOffset(_ command: String, line: Int, column: Int) -> Int {
        valueOffset(command, lineStarts: lineStarts(command), line: line, column: column)
    }

    /// The same with the line table computed once per command: a command with many findings costs
    /// one pass, not one per finding.
    static func valueOffset(_ command: String, lineStarts: [Int], line: Int, column: Int) -> Int {
        let utf8 = command.utf8
        let count = utf8.count
        guard line >= 1 else { return 0 }
        guard line <= lineStarts.count else { return count }
        var offset = lineStarts[line - 1]
        var index = utf8.index(utf8.startIndex, offsetBy: offset)
        var remaining = column - 1
        while remaining > 0, offset < count, utf8[index] != 0x0A {
            offset += 1
            index = utf8.index(after: index)
            while offset < count, utf8[index] & 0xC0 == 0x80 {
                offset += 1
                index = utf8.index(after: index)
            }
            remaining -= 1
        }
        return offset
    }
}

/// One slot per batch, each written by exactly one worker.
// @unchecked: `values` and `timedOut` are written only under `lock`, and read after every worker ended.
private final class Slots: @unchecked Sendable {
    private(set) var values: [Data?]
    /// Batches that ran out of time (ended, or never started).
    private(set) var timedOut: [Bool]
    private let lock = NSLock()

    init(count: Int) {
        values = Array(repeating: nil, count: count)
        timedOut = Array(repeating: false, count: count)
    }

    func store(_ index: Int, _ result: (data: Data?, timedOut: Bool)) {
        lock.lock()
        values[index] = result.data
        timedOut[index] = result.timedOut
        lock.unlock()
    }
}

/// Hands out batch indices in order to the workers.
// @unchecked: `nextIndex` is read and advanced only under `lock`.
private final class BatchQueue: @unchecked Sendable {
    private var nextIndex = 0
    private let count: Int
    private let lock = NSLock()

    init(count: Int) { self.count = count }

    func next() -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard nextIndex < count else { return nil }
        nextIndex += 1
        return nextIndex - 1
    }
}

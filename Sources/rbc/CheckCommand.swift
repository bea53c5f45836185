// `rbc check`: compile every runbook found and report diagnostics.

import ArgumentParser
import Foundation
import RunbookDriver
import RunbookSema

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check runbooks and report every problem.",
        discussion: """
        PATHs are files or directories. Directories are searched recursively for `*.yaml`/`*.yml` files \
        whose root key is `runbook:`; other YAML is skipped silently. A file named explicitly is always \
        compiled. With no PATH, the current directory is checked. Files are checked in parallel; output is \
        sorted by file, line and column.

        Examples:
          rbc check
          rbc check runbooks/ examples/api-gateway-rate-limit.yaml
          rbc check runbooks/ --format json > diagnostics.json
          rbc check examples/postgres-connection-exhaustion.yaml --param cluster=orders-primary --params-file ci-params.yaml
          rbc check --format sarif > rbc.sarif
          rbc check --format github --strict
          rbc check --changed-since origin/main
          rbc check --alerts monitoring/rules/ runbooks/
          rbc check --baseline .rbc-baseline.json --update-baseline
          rbc check --baseline .rbc-baseline.json
          rbc check --fix examples/
          rbc check --fix --unsafe-fixes examples/broken/lint-rules.yaml
        """
    )

    @Argument(help: "Runbook files or directories (default: the current directory).")
    var paths: [String] = []

    @Option(name: .customLong("param"), help: ArgumentHelp("Check a parameter value against the declarations (repeatable).", valueName: "name=value"))
    var params: [String] = []

    @Option(name: .customLong("params-file"), help: ArgumentHelp("Check the values in a YAML or JSON file of name: value.", valueName: "file"))
    var paramsFiles: [String] = []

    @Flag(name: .customLong("no-shellcheck"), help: "Do not run ShellCheck on step commands.")
    var noShellCheck = false

    @Flag(name: .customLong("no-lint"), help: "Only compile: run no lint rules.")
    var noLint = false

    @Option(name: .customLong("severity-threshold"), help: "Fail (exit 1) on diagnostics at or above this severity: error, warning, info.")
    var threshold: SeverityChoice = .error

    @Flag(help: "Fail on warnings too (same as --severity-threshold warning).")
    var strict = false

    @Option(help: ArgumentHelp("Today's date for date checks (suppressions' until=, overdue incident reviews), for reproducible runs; a UTC time (2024-11-20T09:00:00Z) also works.", valueName: "YYYY-MM-DD"))
    var now: String?

    @Option(name: .customLong("changed-since"), help: ArgumentHelp("Check only runbooks changed since this revision (working tree included).", valueName: "ref"))
    var changedSince: String?

    @Flag(help: "Check only runbooks staged in the index (for pre-commit hooks).")
    var staged = false

    @Option(help: ArgumentHelp("A Prometheus rule file or directory: check alert ↔ runbook coverage. Repeat the flag for more than one (`--alerts a/ --alerts b/`): the path after it is what to check.", valueName: "path"))
    var alerts: [String] = []

    @Flag(name: .customLong("no-git"), help: "Skip the history checks (staleness, review stamps, rollback drift).")
    var noGit = false

    @Flag(name: .customLong("skip-non-runbooks"), help: "Skip named files that are not runbooks or are excluded (as in a directory walk).")
    var skipNonRunbooks = false

    @Option(help: ArgumentHelp("Fail only on findings not in this baseline file (see docs/adopting.md).", valueName: "file"))
    var baseline: String?

    @Flag(name: .customLong("update-baseline"), help: "Write every current finding to the --baseline file and exit 0.")
    var updateBaseline = false

    @Flag(name: .customLong("no-cache"), help: "Neither read nor write the check cache (.rbc/cache; see `rbc cache`).")
    var noCache = false

    @Flag(help: "Apply the safe fixes to the files, then report what remains (see docs/fixes.md).")
    var fix = false

    @Flag(name: .customLong("unsafe-fixes"), help: "With --fix, also apply the fixes that change behaviour or guess intent.")
    var unsafeFixes = false

    @Flag(help: "Print the time spent per phase to standard error.")
    var timings = false

    @OptionGroup var output: OutputOptions

    func validate() throws {
        if changedSince != nil && staged { throw ValidationError("--changed-since and --staged cannot be combined") }
        if updateBaseline && baseline == nil { throw ValidationError("--update-baseline needs --baseline FILE") }
        if unsafeFixes && !fix { throw ValidationError("--unsafe-fixes goes with --fix") }
        if fix && updateBaseline { throw ValidationError("--fix and --update-baseline cannot be combined") }
        if let now, CheckOptions.moment(now) == nil {
            throw ValidationError("--now takes a date that exists, as YYYY-MM-DD (or a UTC time, 2024-11-20T09:00:00Z), got '\(now)'")
        }
    }

    func run() throws {
        var options = CheckOptions()
        options.paramArguments = params
        options.paramFiles = paramsFiles
        options.lint = !noLint
        options.shellcheck = !noShellCheck
        options.threshold = strict ? min(threshold.severity, .warning) : threshold.severity
        if let now, let moment = CheckOptions.moment(now) { (options.today, options.now) = moment }
        options.incidents = true
        options.changedSince = changedSince
        options.staged = staged
        options.insidePreCommit = ProcessInfo.processInfo.environment["PRE_COMMIT"] == "1"
        options.alerts = alerts
        options.git = !noGit
        options.skipNonRunbooks = skipNonRunbooks
        options.cache = !noCache
        options.keepCompiled = false
        options.toolVersion = RBC.version
        if !fix && baseline == nil {
            // The plain check: its answer may come whole from the cache (CheckSession.answer).
            let answer = CheckSession.answer(paths: paths, options: options, format: output.format,
                                             color: output.useColor(fileDescriptor: 1), version: RBC.version)
            answer.output.withBytes { Console.out($0) }
            if output.format == .text {
                Console.err(summaryLine(answer.summary, incidentRecords: answer.incidentRecords) + (answer.summary.fixHint.map { "; \($0)" } ?? "") + "\n")
            }
            if timings {
                printTimings(answer.timings, cachedFiles: answer.cachedFiles, checked: answer.summary.filesChecked,
                             historyCachedFiles: answer.historyCachedFiles, answerCache: answer.answerCache)
            }
            // Everything is written (unbuffered): the process ends with the answer still held, since
            // freeing a warm run's decoded entry and snapshot object by object only to exit cost more
            // than the exit itself.
            Foundation.exit(answer.exitCode)
        }
        var report: CheckReport
        if fix {
            let outcome = FixSession.run(paths: paths, options: options, unsafe: unsafeFixes)
            Console.err(outcome.description)
            report = outcome.report
        } else {
            report = CheckSession.run(paths: paths, options: options)
        }
        let renderer = output.format.renderer(color: output.useColor(fileDescriptor: 1), version: RBC.version)
        if let baseline, updateBaseline {
            try writeBaseline(report, to: baseline)
            return
        }
        if let baseline {
            let comparison: BaselineComparison
            do {
                comparison = try Baseline.load(path: baseline).compare(report.diagnostics)
            } catch {
                Console.err("rbc: error: \(error)\n")
                throw ExitCode(2)
            }
            report.diagnostics = comparison.new
            let summary = RenderSummary(filesChecked: report.results.count, diagnostics: comparison.new)
            Console.out(renderer.render(comparison, summary: summary))
            if output.format == .text {
                var line = summaryLine(summary, incidentRecords: report.incidentRecords) + " (new; \(comparison.unchanged.count) in the baseline not shown"
                line += comparison.fixed > 0 ? ", \(comparison.fixed) fixed since: --update-baseline drops them)" : ")"
                Console.err(line + (summary.fixHint.map { "; \($0)" } ?? "") + "\n")
            }
        } else {
            let summary = RenderSummary(filesChecked: report.results.count, diagnostics: report.diagnostics)
            Console.out(renderer.render(report.diagnostics, summary: summary))
            if output.format == .text {
                Console.err(summaryLine(summary, incidentRecords: report.incidentRecords) + (summary.fixHint.map { "; \($0)" } ?? "") + "\n")
            }
        }
        if timings {
            printTimings(report.timings, cachedFiles: report.cachedFiles, checked: report.results.count,
                         historyCachedFiles: report.historyCachedFiles, answerCache: .notUsed)
        }
        if report.exitCode != 0 { throw ExitCode(report.exitCode) }
    }

    func printTimings(_ timings: [(String, Double)], cachedFiles: Int, checked: Int, historyCachedFiles: Int?, answerCache: AnswerCacheUse) {
        var text = "timings (s; read..lint summed over workers, the rest wall time):\n"
        for (phase, seconds) in timings {
            text += "  " + phase.padding(toLength: 11, withPad: " ", startingAt: 0) + String(format: "%.4f", seconds) + "\n"
        }
        text += "  cache      \(cachedFiles) of \(checked) runbooks answered from the cache"
            + (historyCachedFiles.map { ", the history findings of \($0)" } ?? "")
        switch answerCache {
        case .notUsed: text += "\n"
        case .whole: text += "; the whole answer from one entry\n"
        case .spliced(let count): text += "; the whole answer from one entry, \(count) changed file\(count == 1 ? "" : "s") checked again\n"
        }
        Console.err(text)
    }

    /// `--update-baseline`: every finding goes into the file; the check itself passes.
    func writeBaseline(_ report: CheckReport, to path: String) throws {
        let baseline = Baseline(diagnostics: report.diagnostics, directory: Baseline.directory(of: path))
        do {
            try baseline.jsonData().write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            Console.err("rbc: error: \(WriteFailure.message(error, writing: path))\n")
            throw ExitCode(2)
        }
        let count = baseline.entries.reduce(0) { $0 + $1.count }
        Console.err("wrote \(count) finding\(count == 1 ? "" : "s") of \(report.results.count) runbook\(report.results.count == 1 ? "" : "s") to \(path)\n")
        if report.usageError { throw ExitCode(2) }
    }

    func summaryLine(_ summary: RenderSummary, incidentRecords: Int) -> String {
        func plural(_ count: Int, _ word: String) -> String { "\(count) \(word)\(count == 1 ? "" : "s")" }
        return "checked \(plural(summary.filesChecked, "runbook"))\(incidentRecords > 0 ? " and \(plural(incidentRecords, "incident record"))" : ""): \(plural(summary.errors, "error")), "
            + "\(plural(summary.warnings, "warning")), \(plural(summary.infos, "info"))"
    }
}

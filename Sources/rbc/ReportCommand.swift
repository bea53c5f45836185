// `rbc report`: the repository's health as a static site, or as JSON for dashboards.

import ArgumentParser
import Foundation
import RunbookDriver
import RunbookIncident
import RunbookReport
import RunbookSema
import RunbookSource

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write the repository's health as a static site (or JSON).",
        discussion: """
        Checks the runbooks as `rbc check` does, reads their git history and the run journals, and writes \
        a self-contained site (HTML, CSS and inline SVG; nothing is loaded from the network, it works \
        from file://) to DIR: an overview, a page per runbook, and incidents and metrics. With \
        `--format json` the same data is printed (or written to -o FILE), schema `rbc.report/v1` \
        (docs/report.md). Exit 0 when the report is written, whatever it finds; 2 on a usage error.

        Examples:
          rbc report -o site/
          rbc report runbooks/ --alerts monitoring/rules/ -o public/
          rbc report --format json > report.json
        """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case html, json }

    @Argument(help: "Runbook files or directories (default: the current directory).")
    var paths: [String] = []

    @Option(name: [.short, .customLong("output")], help: ArgumentHelp("The site's directory (html), or a file for json (default: standard output).", valueName: "dir"))
    var output: String?

    @Option(help: "Output format: html (a site in -o DIR) or json.")
    var format: Format = .html

    @Option(help: ArgumentHelp("The report's time (UTC): staleness is counted to its day, incidents measured at it; a date means its midnight.", valueName: "time"))
    var now: String?

    @Option(help: ArgumentHelp("Metrics count only incidents declared and runs started at or after this UTC date or time.", valueName: "time"))
    var since: String?

    @Option(help: ArgumentHelp("A Prometheus rule file or directory: alert coverage. Repeat the flag for more than one (`--alerts a/ --alerts b/`): the path after it is what to check.", valueName: "path"))
    var alerts: [String] = []

    @Flag(name: .customLong("no-shellcheck"), help: "Do not run ShellCheck on step commands.")
    var noShellCheck = false

    @Flag(name: .customLong("no-git"), help: "Skip history (commits, staleness, rollback drift).")
    var noGit = false

    func validate() throws {
        if format == .html && output == nil { throw ValidationError("the html report needs -o DIR") }
        _ = try clock()
        _ = try start()
    }

    /// `--now`: a UTC time, or a date (its midnight).
    func clock() throws -> Date? {
        guard let now else { return nil }
        let time = TypeChecker.isCalendarDate(now) ? now + "T00:00:00Z" : now
        guard let date = IncidentClock.parse(time, now: Date()) else {
            throw ValidationError("--now takes a UTC date or time: 2026-12-04 or 2026-12-04T14:26:00Z, got '\(now)'")
        }
        return date
    }

    func start() throws -> Date? {
        guard let since else { return nil }
        let time = TypeChecker.isCalendarDate(since) ? since + "T00:00:00Z" : since
        guard let date = IncidentClock.parse(time, now: Date()) else {
            throw ValidationError("--since takes a UTC date or time: 2026-11-01 or 2026-11-01T00:00:00Z, got '\(since)'")
        }
        return date
    }

    func run() throws {
        var options = ReportOptions()
        if let clock = try clock() {
            options.now = clock
            options.check.today = IncidentClock.day(clock)
        }
        options.since = try start()
        options.check.alerts = alerts
        options.check.shellcheck = !noShellCheck
        options.check.git = !noGit
        let (report, check) = ReportCollector.collect(paths: paths, options: options)
        if check.usageError {
            let renderer = OutputFormat.text.renderer(color: false, version: RBC.version)
            let usage = check.diagnostics.filter { DiagnosticCode.usageCodes.contains($0.code) }
            Console.err(renderer.render(usage, summary: RenderSummary(filesChecked: 0, diagnostics: usage)))
            throw ExitCode(2)
        }
        do {
            switch format {
            case .json:
                let data = try report.jsonData()
                if let output { try data.write(to: URL(fileURLWithPath: output), options: .atomic) } else { Console.out(String(decoding: data, as: UTF8.self)) }
            case .html:
                let directory = output ?? "."
                let written = try ReportSite(report: report).write(to: directory)
                Console.err("wrote \(written) pages to \(directory) (\(report.totals.runbooks) runbooks, \(report.totals.runs) runs)\n")
            }
        } catch {
            Console.err("rbc: error: \(WriteFailure.message(error, writing: output ?? ".", intoDirectory: format == .html))\n")
            throw ExitCode(2)
        }
    }
}

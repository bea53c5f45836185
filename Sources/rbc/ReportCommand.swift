// `rbc report`: the repository's health as a static site, or as JSON for dashboards.

import ArgumentParser
import Foundation
import RunbookDriver
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

    @Option(help: ArgumentHelp("Today's date: staleness is counted to it (reproducible reports).", valueName: "YYYY-MM-DD"))
    var now: String?

    @Option(parsing: .upToNextOption, help: ArgumentHelp("Prometheus rule files or directories: alert coverage.", valueName: "path"))
    var alerts: [String] = []

    @Flag(name: .customLong("no-shellcheck"), help: "Do not run ShellCheck on step commands.")
    var noShellCheck = false

    @Flag(name: .customLong("no-git"), help: "Skip history (commits, staleness, rollback drift).")
    var noGit = false

    func validate() throws {
        if format == .html && output == nil { throw ValidationError("the html report needs -o DIR") }
        if let now, !TypeChecker.isCalendarDate(now) {
            throw ValidationError("--now takes a date that exists, as YYYY-MM-DD, got '\(now)'")
        }
    }

    func run() throws {
        var options = ReportOptions()
        if let now { options.check.today = now }
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
            Console.err("rbc: error: cannot write the report: \(error.localizedDescription)\n")
            throw ExitCode(2)
        }
    }
}

// `rbc history`: each runbook's last change, read from git in one walk (the walk `rbc check` runs).

import ArgumentParser
import Foundation
import RunbookDriver
import RunbookSource

struct HistoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "Print each runbook's last change, and where each rollback last changed.",
        discussion: """
        One line per runbook: its path, the day, commit, author and summary of the last commit that \
        changed it (first-parent history from HEAD, renames followed, as the history checks read it), \
        and "(modified since)" when the working file differs from HEAD. With --rollbacks, a line per \
        step with a rollback says where the step's text and the rollback's last changed, and marks \
        a step that changed after its rollback (what RB020 reports). Nothing is cached: every run \
        walks history. Exit 0, or 2 when a path does not exist.

        Examples:
          rbc history examples/
          rbc history --rollbacks examples/node-disk-full.yaml
        """
    )

    @Argument(help: "Runbook files or directories (default: the current directory).")
    var paths: [String] = []

    @Flag(help: "Also where each step with a rollback, and its rollback, last changed.")
    var rollbacks = false

    func run() throws {
        var options = HistoryListing.Options()
        options.rollbacks = rollbacks
        let (rows, diagnostics) = HistoryListing.rows(paths.isEmpty ? ["."] : paths, options: options)
        Console.out(HistoryListing.render(rows))
        if !diagnostics.isEmpty {
            let renderer = OutputFormat.text.renderer(color: false, version: RBC.version)
            Console.err(renderer.render(diagnostics, summary: RenderSummary(filesChecked: rows.count, diagnostics: diagnostics)))
        }
        if diagnostics.contains(where: { DiagnosticCode.usageCodes.contains($0.code) }) { throw ExitCode(2) }
    }
}

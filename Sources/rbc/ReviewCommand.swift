// `rbc review`: record that a person reviewed runbooks today (`reviewed:` set by a byte edit).

import ArgumentParser
import Foundation
import RunbookDriver
import RunbookSema

struct ReviewCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "review",
        abstract: "Set `reviewed:` to today in runbooks a person has just reviewed.",
        discussion: """
        Run it after reviewing a runbook against the systems it touches: it sets `reviewed:` (YAML \
        metadata or Markdown front matter) to today's date, replacing the old date or adding the key \
        beside the other metadata, and changes no other byte. The staleness checks (RB017, RB018) then \
        count from this review. Exit 0 when every file is stamped (or already says today), 1 when one \
        could not be, 2 on a usage error.

        Examples:
          rbc review examples/node-disk-full.yaml
          rbc review examples/node-disk-full.md --now 2026-12-04
        """
    )

    @Argument(help: "The runbooks reviewed.")
    var files: [String]

    @Option(help: ArgumentHelp("The review's date instead of today (UTC).", valueName: "YYYY-MM-DD"))
    var now: String?

    func validate() throws {
        if files.isEmpty { throw ValidationError("name the runbooks you reviewed") }
        if let now, !TypeChecker.isCalendarDate(now) {
            throw ValidationError("--now takes a date that exists, as YYYY-MM-DD, got '\(now)'")
        }
    }

    func run() throws {
        let today = now ?? CheckOptions.currentDate()
        var failed = false
        for path in files {
            guard FileManager.default.fileExists(atPath: path) else {
                Console.err("rbc: error: \(path): no such file\n")
                throw ExitCode(2)
            }
            switch ReviewStamp.stamp(path: path, today: today) {
            case .stamped(let previous?):
                Console.err("\(path): reviewed: \(previous) → \(today)\n")
            case .stamped(nil):
                Console.err("\(path): added reviewed: \(today)\n")
            case .unchanged:
                Console.err("\(path): already reviewed \(today)\n")
            case .refused(let reason):
                Console.err("\(path): not stamped: \(reason)\n")
                failed = true
            }
        }
        if failed { throw ExitCode(1) }
    }
}

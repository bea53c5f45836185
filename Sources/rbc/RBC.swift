// The `rbc` command: a thin layer over RunbookDriver. Subcommands parse flags, call the driver,
// print, and map results to exit codes: 0 clean, 1 findings, 2 usage or internal failure.

import ArgumentParser
import Foundation
import RunbookDriver
import RunbookSource

struct RBC: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "rbc",
        abstract: "Compile, check and run incident runbooks kept in git.",
        discussion: """
        Exit codes: 0 no errors, 1 errors found, 2 usage or internal failure.

        Examples:
          rbc check                     check every runbook under the current directory
          rbc check examples/ --format json
          rbc compile examples/api-gateway-rate-limit.yaml -o api-gateway-rate-limit.ir.json
          rbc plan examples/node-disk-full.yaml --param node=node-7
          rbc run examples/node-disk-full.yaml --param node=node-7
          rbc runs; rbc timeline last

        Shell completion: rbc --generate-completion-script bash|zsh|fish (the .deb installs them).
        """,
        version: version,
        subcommands: [CheckCommand.self, CompileCommand.self, InitCommand.self, RulesCommand.self, ExplainCommand.self,
                      PlanCommand.self, RunCommand.self, RunsCommand.self, ShowCommand.self, RollbackCommand.self,
                      ResumeCommand.self, TimelineCommand.self]
    )
}

@main
enum Entry {
    static func main() {
        do {
            var command = try RBC.parseAsRoot()
            try command.run()
        } catch let code as ExitCode {
            exit(code.rawValue)
        } catch {
            // Help and --version are "errors" that exit 0; every real usage error exits 2.
            if RBC.exitCode(for: error) == .success { RBC.exit(withError: error) }
            FileHandle.standardError.write(Data((RBC.fullMessage(for: error) + "\n").utf8))
            exit(2)
        }
    }
}

enum ColorChoice: String, ExpressibleByArgument, CaseIterable {
    case auto, always, never
}

enum SeverityChoice: String, ExpressibleByArgument, CaseIterable {
    case error, warning, info

    var severity: Severity {
        switch self {
        case .error: .error
        case .warning: .warning
        case .info: .info
        }
    }
}

struct OutputOptions: ParsableArguments {
    @Option(name: .long, help: "Output format: \(OutputFormat.allCases.map(\.rawValue).joined(separator: ", ")).")
    var format: OutputFormat = .text

    @Option(name: .long, help: "Colour: auto (only on a terminal, never with NO_COLOR), always, never.")
    var color: ColorChoice = .auto

    /// Colour for a stream, honouring NO_COLOR (https://no-color.org) and dumb terminals.
    func useColor(fileDescriptor: Int32) -> Bool {
        switch color {
        case .always: return true
        case .never: return false
        case .auto:
            let environment = ProcessInfo.processInfo.environment
            if let noColor = environment["NO_COLOR"], !noColor.isEmpty { return false }
            if environment["TERM"] == "dumb" { return false }
            return isatty(fileDescriptor) == 1
        }
    }
}

extension OutputFormat: ExpressibleByArgument {}

enum Console {
    static func out(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    static func err(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}

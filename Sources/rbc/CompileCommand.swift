// `rbc compile`: one runbook to its IR (rbc.ir/v1) JSON.

import ArgumentParser
import Foundation
import RunbookDriver

struct CompileCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compile",
        abstract: "Compile one runbook to its IR (rbc.ir/v1 JSON).",
        discussion: """
        Writes the IR to standard output, or to OUT with -o. Refuses (exit 1, diagnostics on standard \
        error) when the runbook has errors; warnings are printed and the IR is still written. Inside a \
        git repository the IR records its provenance: repository, path, HEAD, blob id, dirty.

        Examples:
          rbc compile examples/api-gateway-rate-limit.yaml
          rbc compile examples/api-gateway-rate-limit.yaml -o build/api-rate-limit.ir.json
        """
    )

    @Argument(help: "The runbook file.")
    var file: String

    @Option(name: .shortAndLong, help: "Write the IR to this file instead of standard output.")
    var output: String?

    @OptionGroup var options: OutputOptions

    func run() throws {
        var settings = Configuration.discover().0.compileSettings(for: file, withInferredSeverity: true)
        settings.suppress = true
        settings.today = CheckOptions.currentDate()
        let result = Compiler.compile(path: file, settings: settings)
        let usageError = result.isUsageError
        if !result.diagnostics.isEmpty {
            let renderer = options.format.renderer(color: options.useColor(fileDescriptor: 2), version: RBC.version)
            Console.err(renderer.render(result.diagnostics, summary: RenderSummary(filesChecked: 1, diagnostics: result.diagnostics)))
        }
        guard var ir = result.ir, !result.hasErrors else { throw ExitCode(usageError ? 2 : 1) }
        ir.provenance = GitChecks.provenance(of: file)
        let data: Data
        do {
            data = try ir.jsonData()
        } catch {
            Console.err("rbc: error: cannot encode the IR: \(error)\n")
            throw ExitCode(2)
        }
        if let output {
            do {
                try data.write(to: URL(fileURLWithPath: output), options: .atomic)
            } catch {
                Console.err("rbc: error: \(WriteFailure.message(error, writing: output))\n")
                throw ExitCode(2)
            }
        } else {
            Console.out(data)
        }
    }
}

// `rbc export ansible`: lower a runbook to an Ansible playbook (RunbookDriver/AnsibleExportSession).

import ArgumentParser
import Foundation
import RunbookDriver

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Lower a runbook to another engine's format.",
        subcommands: [ExportAnsibleCommand.self]
    )
}

struct ExportAnsibleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ansible",
        abstract: "Lower a runbook to an Ansible playbook with rbc run's semantics and rbc's journal.",
        discussion: """
        Writes the playbook to OUT with -o, and beside it what it needs: OUT's IR (STEM.ir.json), \
        filter_plugins/rbc_runtime.py (rbc run's decisions) and callback_plugins/rbc_journal.py (one rbc \
        journal per host in .rbc/runs/). Without -o the playbook goes to standard output and nothing else \
        is written. Refuses (exit 1) a runbook with compile errors or a step Ansible cannot run as rbc run \
        does (RB5001-RB5099, naming the step and the reason); exit 6 on lint errors unless --force. See \
        docs/scale-out.md.

        Examples:
          rbc export ansible examples/node-disk-full.yaml -o build/node-disk-full.yml
          ansible-playbook -i inventory build/node-disk-full.yml -e rbc_param_node=node-7 -e rbc_approve_all=true
        """
    )

    @Argument(help: "The runbook file.")
    var file: String

    @Option(name: .long, help: "The play's hosts pattern.")
    var hosts = "all"

    @Option(name: .shortAndLong, help: "Write the playbook (and its companion files beside it) here.")
    var output: String?

    @Flag(name: .long, help: "Export despite lint errors.")
    var force = false

    @OptionGroup var options: OutputOptions

    func run() throws {
        let stem = output.map { (($0 as NSString).lastPathComponent as NSString).deletingPathExtension } ?? "playbook"
        let outcome = AnsibleExportSession.export(file, hosts: hosts, irFileName: "\(stem).ir.json", force: force, rbcVersion: RBC.version)
        if !outcome.diagnostics.isEmpty {
            let renderer = options.format.renderer(color: options.useColor(fileDescriptor: 2), version: RBC.version)
            Console.err(renderer.render(outcome.diagnostics, summary: RenderSummary(filesChecked: 1, diagnostics: outcome.diagnostics)))
        }
        guard let export = outcome.export else { throw ExitCode(outcome.exitCode) }
        guard let output else {
            Console.out(Data(export.playbook.utf8))
            Console.err("rbc: note: the playbook needs its companion files (IR, filter and callback plugins): give -o to write them\n")
            return
        }
        do {
            try AnsibleExportSession.write(export, playbook: output)
        } catch {
            Console.err("rbc: error: \(WriteFailure.message(error, writing: output))\n")
            throw ExitCode(2)
        }
    }
}

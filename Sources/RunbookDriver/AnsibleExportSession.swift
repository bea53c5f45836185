// `rbc export ansible`: compile a runbook as `rbc run` does (configuration, lint errors refuse),
// lower its IR (RunbookAnsible) and turn refusals into diagnostics at the step they name.

import Foundation
import RunbookAnsible
import RunbookLint
import RunbookSema
import RunbookSource

public enum AnsibleExportSession {
    public struct Outcome: Sendable {
        public var export: AnsibleExport?
        public var diagnostics: [Diagnostic]
        /// 0 exported, 1 refused (compile errors or constructs that cannot be lowered), 2 usage, 6 lint errors.
        public var exitCode: Int32
    }

    public static func export(_ path: String, hosts: String, irFileName: String, force: Bool, rbcVersion: String) -> Outcome {
        let (config, configDiagnostics) = Configuration.discover()
        var settings = config.compileSettings(for: path, withInferredSeverity: true)
        settings.suppress = true
        settings.today = CheckOptions.currentDate()
        let result = Compiler.compile(path: path, settings: settings)
        guard var ir = result.ir, !result.hasErrors else {
            return Outcome(export: nil, diagnostics: result.diagnostics, exitCode: result.isUsageError ? 2 : 1)
        }
        let configErrors = configDiagnostics.filter { $0.severity == .error }
        if !configErrors.isEmpty { return Outcome(export: nil, diagnostics: configErrors, exitCode: 2) }
        // The linter's errors refuse an export as they refuse a run: the playbook would run the same commands.
        if let syntax = result.syntax, !force {
            let context = LintContext(ir: ir, syntax: syntax, settings: config.lint.settings)
            let errors = Suppressions.apply(Linter.findings(context, configuration: config.lint), context: context, today: CheckOptions.currentDate())
                .filter { $0.severity == .error }.sorted(by: Diagnostic.outputOrder)
            if !errors.isEmpty { return Outcome(export: nil, diagnostics: errors, exitCode: RunSession.lintRefusalExitCode) }
        }
        ir.provenance = GitChecks.provenance(of: path)
        var options = AnsibleExportOptions()
        options.hosts = hosts
        options.irFileName = irFileName
        options.stores = config.stores.mapValues(\.path)
        options.notifications = config.notifications.map { ExportedWebhook(url: $0.url, format: $0.format.rawValue) }
        options.tickets = config.tickets.map { ExportedWebhook(url: $0.url, format: $0.format.rawValue) }
        options.rbcVersion = rbcVersion
        switch AnsibleLowering.lower(ir, options: options) {
        case .success(let export):
            return Outcome(export: export, diagnostics: result.diagnostics.filter { $0.severity != .error }, exitCode: 0)
        case .failure(let refusals):
            let diagnostics = refusals.refusals.map { refusal in
                Diagnostic(refusal.code, "step `\(refusal.step)` cannot be lowered to Ansible: \(refusal.reason)", file: result.file,
                           range: refusal.location?.range.map { .at($0.start) }, displayPath: path,
                           help: "run this runbook with `rbc run`, or change the step; docs/scale-out.md lists what lowers")
            }
            return Outcome(export: nil, diagnostics: diagnostics, exitCode: 1)
        }
    }

    /// Writes the playbook at `path` and its companion files beside it.
    public static func write(_ export: AnsibleExport, playbook path: String) throws {
        let directory = PathText.parent(of: path)
        for file in [ExportedFile(path: (path as NSString).lastPathComponent, contents: export.playbook)] + export.companions {
            let target = ((directory.isEmpty ? "." : directory) as NSString).appendingPathComponent(file.path)
            try FileManager.default.createDirectory(atPath: PathText.parent(of: target), withIntermediateDirectories: true)
            try Data(file.contents.utf8).write(to: URL(fileURLWithPath: target), options: .atomic)
        }
    }
}

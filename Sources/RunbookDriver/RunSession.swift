// Everything `rbc plan`, `rbc run` and the run-history commands need around the executor: compile
// (a runbook with errors never runs), parameter values, git provenance (a dirty runbook is refused
// unless allowed), configuration, and where journals live.

import Foundation
#if canImport(Glibc)
import Glibc
#endif
import RunbookGit
import RunbookLint
import RunbookRuntime
import RunbookSema
import RunbookSource

public enum RunSession {
    public struct Prepared: Sendable {
        public let ir: RunbookIR
        public let settings: ExecutionSettings
        public let runsDirectory: String
        public let warnings: [Diagnostic]
        /// The linter's findings (suppressions applied): a plan prints them above itself.
        public let lintFindings: [Diagnostic]
    }

    /// Exit code of a run the linter's errors stopped before it started.
    public static let lintRefusalExitCode: Int32 = 6

    public enum Refusal: Error {
        /// Diagnostics that stop the run (compile errors, parameter errors), and the exit code.
        case diagnostics([Diagnostic], Int32)
        case message(String, Int32)
    }

    public struct Options: Sendable {
        public var paramArguments: [String] = []
        public var paramFiles: [String] = []
        public var allowDirty = false
        public var dryRun = false
        public var approveAll = false
        public var approvedSteps: Set<String> = []
        /// Run one named procedure (a Common Issue, an Emergency Procedure) instead of the main steps.
        public var procedure: String?
        /// Start at this step; run only these steps (both narrow the steps that run).
        public var fromStep: String?
        public var onlySteps: [String] = []
        public var stepMode = false
        public var gracePeriodMs = 5000
        public var rbcVersion = ""
        /// Run even though the linter reports errors (the findings are journaled).
        public var force = false
        /// `--incident ID`: the open incident the run is attached to.
        public var incident: String?

        public init() {}
    }

    public static func prepare(_ path: String, options: Options) throws(Refusal) -> Prepared {
        let (config, configDiagnostics) = Configuration.discover()
        var compileSettings = config.compileSettings(for: path, withInferredSeverity: true)
        compileSettings.suppress = true
        compileSettings.today = CheckOptions.currentDate()
        let result = Compiler.compile(path: path, settings: compileSettings)
        let usage = result.diagnostics.contains { DiagnosticCode.usageCodes.contains($0.code) }
        guard let compiled = result.ir, !result.hasErrors else {
            throw .diagnostics(result.diagnostics, usage ? 2 : 1)
        }
        var ir = compiled
        try select(&ir, options: options)
        // The linter's errors (an injectable command, a secret echoed, …) stop a run unless forced.
        var lintFindings: [Diagnostic] = []
        if let syntax = result.syntax {
            let context = LintContext(ir: compiled, syntax: syntax, settings: config.lint.settings)
            lintFindings = Suppressions.apply(Linter.findings(context, configuration: config.lint), context: context,
                                              today: CheckOptions.currentDate()).sorted(by: Diagnostic.outputOrder)
        }
        let lintErrors = lintFindings.filter { $0.severity == .error }
        if !lintErrors.isEmpty, !options.force, !options.dryRun {
            throw .diagnostics(lintErrors, lintRefusalExitCode)
        }
        let (values, parseDiagnostics) = ParamBinder.parse(arguments: options.paramArguments)
        var allValues = values
        var paramDiagnostics = parseDiagnostics
        for file in options.paramFiles {
            let (fileValues, fileDiagnostics) = ParamBinder.load(paramsFile: file)
            allValues += fileValues
            paramDiagnostics += fileDiagnostics
        }
        let bound = ParamBinder.bind(allValues, to: ir, runbook: result.file, allowMissing: options.dryRun)
        paramDiagnostics += bound.diagnostics
        let configErrors = configDiagnostics.filter { $0.severity == .error }
        if !paramDiagnostics.isEmpty || !configErrors.isEmpty {
            throw .diagnostics(configErrors + paramDiagnostics, 2)
        }
        let provenance = GitChecks.provenance(of: path)
        ir.provenance = provenance
        if let provenance, provenance.dirty, !options.allowDirty, !options.dryRun {
            throw .message("\(path) has uncommitted changes; a run uses what is committed (--allow-dirty to run it anyway)", 2)
        }
        var settings = ExecutionSettings()
        settings.dryRun = options.dryRun
        settings.params = bound.values
        settings.missingParams = options.dryRun ? ir.params.filter { $0.required && bound.values[$0.name] == nil }.map(\.name) : []
        settings.approveAll = options.approveAll
        settings.approvedSteps = options.approvedSteps
        settings.gracePeriodMs = options.gracePeriodMs
        config.applyProviders(to: &settings)
        settings.runbookPath = path
        settings.commit = provenance?.head
        settings.dirty = provenance?.dirty ?? false
        settings.rbcVersion = options.rbcVersion
        settings.stepMode = options.stepMode
        (settings.selectedSteps, settings.selection) = try selectedSteps(ir, options: options)
        if options.force, !options.dryRun {
            settings.overriddenFindings = lintErrors.map { diagnostic in
                let position = diagnostic.start.map { ":\($0.line):\($0.column)" } ?? ""
                return "\(diagnostic.code.id) \(diagnostic.path)\(position): \(diagnostic.message)"
            }
        }
        let unknownSteps = options.approvedSteps.subtracting(ir.steps.map(\.id) + ir.postRunbook.map(\.id))
        if !unknownSteps.isEmpty {
            throw .message("--approve names no step of this runbook: \(unknownSteps.sorted().joined(separator: ", "))", 2)
        }
        let runs = runsDirectory(config: config)
        settings.root = PathText.parent(of: PathText.parent(of: runs))
        return Prepared(ir: ir, settings: settings, runsDirectory: runs,
                        warnings: result.diagnostics.filter { $0.severity != .error }, lintFindings: lintFindings)
    }

    /// `--procedure NAME`: the procedure's steps become the steps that run (and that the journal's IR
    /// holds, so rollback and resume read them). A procedure is named by id, or by name in any case.
    static func select(_ ir: inout RunbookIR, options: Options) throws(Refusal) {
        guard let name = options.procedure else { return }
        let known = ir.procedures.map { "\($0.id) (\($0.name))" }.joined(separator: ", ")
        guard let procedure = ir.procedures.first(where: { $0.id == name }) ?? ir.procedures.first(where: {
            $0.name.caseInsensitiveCompare(name) == .orderedSame || $0.id == name.lowercased().replacingOccurrences(of: " ", with: "-")
        }) else {
            throw .message(ir.procedures.isEmpty ? "this runbook has no procedures" : "no procedure `\(name)`; its procedures: \(known)", 2)
        }
        ir.steps = procedure.steps
    }

    /// `--from STEP` and `--only STEP…`: the main steps that run, and how to say so; nil for all of them.
    static func selectedSteps(_ ir: RunbookIR, options: Options) throws(Refusal) -> (Set<String>?, String?) {
        var notes: [String] = options.procedure.map { ["--procedure \($0)"] } ?? []
        guard options.fromStep != nil || !options.onlySteps.isEmpty else { return (nil, notes.isEmpty ? nil : notes.joined(separator: " ")) }
        let ids = ir.steps.map(\.id)
        let named = (options.fromStep.map { [$0] } ?? []) + options.onlySteps
        let unknown = named.filter { !ids.contains($0) }
        if !unknown.isEmpty {
            throw .message("no step \(unknown.map { "`\($0)`" }.joined(separator: ", ")) among the steps that would run: \(ids.joined(separator: ", "))", 2)
        }
        var selected = Set(ids)
        if let from = options.fromStep, let start = ids.firstIndex(of: from) {
            selected = Set(ids[start...])
            notes.append("--from \(from)")
        }
        if !options.onlySteps.isEmpty {
            selected.formIntersection(options.onlySteps)
            notes.append("--only \(options.onlySteps.joined(separator: " "))")
        }
        return (selected, notes.joined(separator: " "))
    }

    /// `.rbc/runs` beside `.rbc.yaml`, else at the repository's root, else in the working directory.
    public static func runsDirectory(config: Configuration? = nil) -> String {
        let configuration = config ?? Configuration.discover().0
        if configuration.file != nil { return configuration.directory + "/.rbc/runs" }
        let cwd = FileManager.default.currentDirectoryPath
        if let repository = try? GitRepository.discover(containing: cwd) {
            return String(repository.workdir.dropLast(repository.workdir.hasSuffix("/") ? 1 : 0)) + "/.rbc/runs"
        }
        return cwd + "/.rbc/runs"
    }

    /// The run lock on the config stores a runbook may change (none when it says
    /// `concurrent_runs: true`), plus `alsoFiles` (the stores a rollback restores). Refused with
    /// exit 5 when another rbc holds one of them for longer than the settings' wait.
    public static func lockStores(_ ir: RunbookIR, settings: ExecutionSettings, alsoFiles: [String] = [], what: String,
                                  note: (String) -> Void) throws(Refusal) -> RunLock? {
        guard ir.runbook.concurrentRuns != true else { return nil }
        let files = Executor.storeFiles(changedBy: ir, stores: settings.stores) + alsoFiles
        guard !files.isEmpty else { return nil }
        let holder = "\(what) of \(ir.runbook.name), pid \(getpid()), since \(Journal.timestamp())"
        let wait = DurationParser.format(milliseconds: max(1, settings.lockWaitMs))
        do {
            return try RunLock.acquire(files, waitMs: settings.lockWaitMs, holder: holder) { busy in
                note("waiting up to \(wait) for \(busy.store), in use by another rbc (\(busy.holder))")
            }
        } catch let busy as StoreLocks.Busy {
            throw .message("the config store \(busy.store) is in use by another rbc (\(busy.holder)); nothing ran. Wait for it to end (or give "
                           + "--lock-wait longer than \(wait)), or let runs of this runbook share stores with `concurrent_runs: true`", 5)
        } catch {
            throw .message("\(error)", 2)
        }
    }

    /// A run by id (or unique prefix), `last`, or a journal's path.
    public static func findRun(_ name: String) throws(Refusal) -> String {
        if name.hasSuffix(".jsonl"), FileManager.default.fileExists(atPath: name) {
            // Absolute: rollback and resume move to the run's own working directory.
            return URL(fileURLWithPath: name).standardizedFileURL.path
        }
        let directory = runsDirectory()
        let runs: [String]
        do { runs = try RunState.listing(in: directory) } catch { throw .message("\(error)", 2) }
        if name == "last" {
            guard let newest = runs.first else { throw .message("no runs in \(directory)", 2) }
            return newest
        }
        let matches = runs.filter { ($0 as NSString).lastPathComponent.hasPrefix(name) }
        guard matches.count == 1, let match = matches.first else {
            throw .message(matches.isEmpty ? "no run \(name) in \(directory) (`rbc runs` lists them)" : "\(name) matches \(matches.count) runs; give more of the id", 2)
        }
        return match
    }
}

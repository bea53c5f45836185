// `rbc plan`, `rbc run`, and what follows a run: `rbc runs`, `show`, `rollback`, `resume`, `timeline`.
// Thin: each parses flags, hands over to RunDriver (which wires the executor), and maps the exit code.

import ArgumentParser
import Foundation
import RunbookDriver
import RunbookSema

/// The driver writes through rbc's console.
struct ConsoleTerminal: RunTerminal {
    func out(_ text: String) { Console.out(text) }
    func err(_ text: String) { Console.err(text) }
    func onClosedOutput(_ handler: (@Sendable () -> Void)?) { Console.onClosedOutput(handler) }
}

/// Runs a driver call: a refusal is printed and becomes the exit code, as does a non-zero result.
func drive(_ body: (ConsoleTerminal) throws(RunSession.Refusal) -> Int32) throws {
    let code: Int32
    do { code = try body(ConsoleTerminal()) } catch { throw refuse(error) }
    if code != 0 { throw ExitCode(code) }
}

struct RunOptionGroup: ParsableArguments {
    @Option(name: .customLong("param"), help: ArgumentHelp("A parameter value (repeatable).", valueName: "name=value"))
    var params: [String] = []

    @Option(name: .customLong("params-file"), help: ArgumentHelp("A YAML or JSON file of parameter values.", valueName: "file"))
    var paramsFiles: [String] = []

    @Option(help: ArgumentHelp("Run this procedure (a Common Issue, an Emergency Procedure) instead of the main steps.", valueName: "name"))
    var procedure: String?

    @Option(name: .customLong("from"), help: ArgumentHelp("Start at this step; earlier ones are skipped (journaled as such).", valueName: "step"))
    var fromStep: String?

    @Option(name: .customLong("only"), parsing: .upToNextOption, help: ArgumentHelp("Run only these steps.", valueName: "step"))
    var onlySteps: [String] = []

    func options(dryRun: Bool) -> RunSession.Options {
        var options = RunSession.Options()
        options.paramArguments = params
        options.paramFiles = paramsFiles
        options.procedure = procedure
        options.fromStep = fromStep
        options.onlySteps = onlySteps
        options.dryRun = dryRun
        options.rbcVersion = RBC.version
        return options
    }
}

/// How long to wait for a config store another rbc holds (run, rollback, resume).
struct LockOptionGroup: ParsableArguments {
    @Option(name: .customLong("lock-wait"), help: ArgumentHelp("How long to wait for a config store another run holds, then refuse (exit 5).", valueName: "duration"))
    var lockWait: String = "10s"

    func validate() throws {
        guard case .success = DurationParser.milliseconds(lockWait) else { throw ValidationError("--lock-wait takes a duration such as 10s") }
    }

    var milliseconds: Int {
        guard case .success(let wait) = DurationParser.milliseconds(lockWait) else { return 0 }
        return wait
    }
}

/// Prints a refusal and exits with its code.
func refuse(_ refusal: RunSession.Refusal, outcome: String = "the runbook was not run") -> ExitCode {
    Console.err(refusal.rendered(color: isatty(2) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil, outcome: outcome))
    return ExitCode(refusal.exitCode)
}

struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Show exactly what a run would do, without doing any of it (same as `rbc run --dry-run`).",
        discussion: """
        Every command after parameter substitution (secrets shown as ***), its timeout, retries and \
        condition, approvals, and the rollback that would undo each step if a later one failed. \
        Conditions on steps' results are decided at run time.

        Examples:
          rbc plan examples/postgres-connection-exhaustion.yaml --param cluster=orders-primary
          rbc plan examples/postgres-connection-exhaustion.yaml --params-file incident.yaml --format json
        """
    )

    @Argument(help: "The runbook file.") var file: String
    @OptionGroup var runOptions: RunOptionGroup
    @Option(help: "Output format: text or json.") var format: PlanFormat = .text

    enum PlanFormat: String, ExpressibleByArgument, CaseIterable { case text, json }

    func run() throws { try plan(file: file, options: runOptions.options(dryRun: true), json: format == .json) }
}

func plan(file: String, options: RunSession.Options, json: Bool) throws {
    try drive { terminal throws(RunSession.Refusal) in
        try RunDriver.plan(file: file, options: options, json: json, terminal: terminal)
        return 0
    }
}

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a runbook: each step with its timeout and retries; on failure, roll back what ran.",
        discussion: """
        Every event is appended to .rbc/runs/<run-id>.jsonl and fsync'd before the action it announces. \
        Steps with `confirm: true` and manual steps ask on the terminal; without one, they need --yes or \
        --approve STEP, or they fail (never approved on your behalf). Ctrl-C ends the current step and \
        rolls back; a second Ctrl-C skips the rollback (after asking). A runbook with uncommitted changes \
        is refused unless --allow-dirty.

        Exit codes: 0 succeeded; 1 failed (rolled back, halted, or steps failed with on_failure: continue); \
        2 not started (usage, compile or parameter errors, dirty); 3 a rollback failed: the system may be \
        partly changed; 4 the journal could not be written (full disk): the run stopped and rolled back; \
        5 not started: a config store is held by another run (--lock-wait); 6 not started: the linter reports errors (--force runs anyway); 130 interrupted.

        Examples:
          rbc run examples/postgres-connection-exhaustion.yaml --param cluster=orders-primary
          rbc run examples/postgres-connection-exhaustion.yaml --dry-run
          rbc run examples/order-service.md --procedure "Emergency Scale" --step
          rbc run examples/postgres-connection-exhaustion.yaml --from raise-pool-size --param cluster=orders-primary
          rbc run examples/postgres-connection-exhaustion.yaml --params-file incident.yaml --approve terminate-idle
        """
    )

    @Argument(help: "The runbook file.") var file: String
    @OptionGroup var runOptions: RunOptionGroup
    @Flag(help: "Plan only: show what would run (same as `rbc plan`).") var dryRun = false
    @Flag(help: "Approve every step that asks (confirm: true, manual steps).") var yes = false
    @Flag(name: .customLong("step"), help: "Step by step: show each exact command, then run, skip or abort; after a failure retry, skip or abort.")
    var stepMode = false
    @Option(name: .customLong("approve"), help: ArgumentHelp("Approve this step (repeatable).", valueName: "step")) var approve: [String] = []
    @Flag(help: "Run even though the runbook has uncommitted changes.") var allowDirty = false
    @Flag(help: "Run even though the linter reports errors (the overridden findings are journaled).") var force = false
    @Option(name: .customLong("kill-grace"), help: ArgumentHelp("Between SIGTERM and SIGKILL when a step times out.", valueName: "duration"))
    var killGrace: String = "5s"
    @Option(help: ArgumentHelp("Attach the run to this open incident: its record gets the run's start and end (docs/incidents.md).", valueName: "id"))
    var incident: String?
    @OptionGroup var lockOptions: LockOptionGroup

    func run() throws {
        var options = runOptions.options(dryRun: dryRun)
        if dryRun { return try plan(file: file, options: options, json: false) }
        options.approveAll = yes
        options.approvedSteps = Set(approve)
        options.allowDirty = allowDirty
        options.stepMode = stepMode
        options.force = force
        guard case .success(let grace) = DurationParser.milliseconds(killGrace) else {
            throw ValidationError("--kill-grace takes a duration such as 5s")
        }
        options.gracePeriodMs = grace
        options.incident = incident
        try drive { terminal throws(RunSession.Refusal) in
            try RunDriver.run(file: file, options: options, lockWaitMs: lockOptions.milliseconds, terminal: terminal)
        }
    }
}

struct RunsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs", abstract: "List past runs, newest first, with their status and duration.",
        discussion: "A run whose journal has no end (rbc was killed) is listed as interrupted, its duration as ≥ the time to its last event.\n\nExamples:\n  rbc runs\n  rbc runs --format json")

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json }
    @Option(help: "Output format: text or json.") var format: Format = .text

    func run() throws {
        try drive { terminal throws(RunSession.Refusal) in
            try RunDriver.listRuns(json: format == .json, terminal: terminal)
            return 0
        }
    }
}

struct RunArgument: ParsableArguments {
    @Argument(help: "A run id (or its unique start), `last`, or a journal path.") var run: String
}

struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Show a run's journal: every event, in order.",
        discussion: "A journal your journal key does not authenticate (edited, written by another user or machine, or by an older rbc) is shown all the same, marked NOT AUTHENTICATED with the reason: read it before `rbc rollback --trust-journal`.\n\nExamples:\n  rbc show last\n  rbc show 20261122T1328")

    @OptionGroup var target: RunArgument

    func run() throws {
        try drive { terminal throws(RunSession.Refusal) in
            try RunDriver.show(run: target.run, terminal: terminal)
            return 0
        }
    }
}

struct TimelineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "timeline", abstract: "Draft the post-incident review of a run from its journal.",
        discussion: "Examples:\n  rbc timeline last --format md > pir.md\n  rbc timeline last --format json")

    enum Format: String, ExpressibleByArgument, CaseIterable { case md, json }
    @OptionGroup var target: RunArgument
    @Option(help: "Output format: md or json.") var format: Format = .md

    func run() throws {
        try drive { terminal throws(RunSession.Refusal) in
            try RunDriver.timeline(run: target.run, json: format == .json, terminal: terminal)
            return 0
        }
    }
}

struct RollbackCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollback", abstract: "Undo the steps a past run completed, newest first, from its journal.",
        discussion: """
        Works on any run, including one killed mid-step. Each completed step's rollback runs (an \
        update_config without one restores the value recorded before it); undos that succeeded are \
        skipped, so after a failed rollback it retries exactly what failed. A journal path works from any \
        directory: rollback commands run where the run ran. Secret parameters are not in the journal: \
        give them again with --param. A journal rbc did not write as it stands (edited, or written by another \
        user or machine: its lines are authenticated by your journal key) is refused unless --trust-journal. \
        Exit codes: 0 everything undone, 3 an undo failed, 2 not found or busy, 7 the journal is not authenticated.

        Examples:
          rbc rollback last
          rbc rollback 20261122T132800Z-4f2a --yes
        """)

    @OptionGroup var target: RunArgument
    @OptionGroup var runOptions: RunOptionGroup
    @Flag(help: "Do not ask for confirmation.") var yes = false
    @Flag(help: "Act on a journal that is not authenticated (an older rbc, another user or machine, or an edit wrote it) as written.") var trustJournal = false
    @OptionGroup var lockOptions: LockOptionGroup

    func run() throws {
        try drive { terminal throws(RunSession.Refusal) in
            try RunDriver.rollback(run: target.run, paramArguments: runOptions.params, yes: yes, trustJournal: trustJournal, lockWaitMs: lockOptions.milliseconds,
                                   rbcVersion: RBC.version, terminal: terminal)
        }
    }
}

struct ResumeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume", abstract: "Continue a past run from its first step that did not complete.",
        discussion: """
        A step that was running when the run stopped is run again from its start. Completed steps keep \
        their results (outputs included) for later expressions, and are rolled back if the run aborts. \
        Secret parameters are not in the journal: give them again with --param. A journal that is not \
        authenticated is refused (exit 7) unless --trust-journal.

        Examples:
          rbc resume last --yes
        """)

    @OptionGroup var target: RunArgument
    @OptionGroup var runOptions: RunOptionGroup
    @Flag(help: "Do not ask for confirmation; approve steps that ask.") var yes = false
    @Option(name: .customLong("approve"), help: ArgumentHelp("Approve this step (repeatable).", valueName: "step")) var approve: [String] = []
    @Flag(help: "Act on a journal that is not authenticated (an older rbc, another user or machine, or an edit wrote it) as written.") var trustJournal = false
    @OptionGroup var lockOptions: LockOptionGroup

    func run() throws {
        try drive { terminal throws(RunSession.Refusal) in
            try RunDriver.resume(run: target.run, paramArguments: runOptions.params, yes: yes, approvedSteps: Set(approve), trustJournal: trustJournal,
                                 lockWaitMs: lockOptions.milliseconds, rbcVersion: RBC.version, terminal: terminal)
        }
    }
}

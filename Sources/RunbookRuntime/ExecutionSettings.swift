// What a run is given: its parameters, approvals, stores and webhooks, provenance, the partial-run
// selection; and where it writes its own lines and the commands' output.

import Foundation
import RunbookSema
import RunbookSource

public struct ExecutionSettings: Sendable {
    public var dryRun = false
    /// Parameter values, defaults applied (secrets included: they never reach output or the journal).
    public var params: [String: JSONValue] = [:]
    public var approveAll = false
    public var approvedSteps: Set<String> = []
    public var gracePeriodMs = 5000
    public var stores: [String: ConfigStore] = [:]
    public var notifications: Webhook?
    public var tickets: Webhook?
    public var runbookPath = ""
    public var commit: String?
    public var dirty = false
    public var rbcVersion = ""
    /// Lint errors `--force` overrode, as `ID path:line:col: message`: journaled with the run.
    public var overriddenFindings: [String] = []
    /// Where the run's commands run, and the root of its repository or `.rbc.yaml`: journaled so a
    /// rollback from anywhere acts on the same files.
    public var workingDirectory = FileManager.default.currentDirectoryPath
    public var root: String?
    /// Required parameters a plan was made without: they read as marked placeholders (`rbc run` refuses without them).
    public var missingParams: [String] = []
    /// A partial run (`--from`, `--only`, `--procedure`): the main steps that run, and how they were chosen.
    /// Steps outside it are journaled as skipped.
    public var selectedSteps: Set<String>?
    public var selection: String?
    /// `--step`: before each step, show the exact command and ask run / skip / abort; after a failure,
    /// retry / skip / abort. Every answer is journaled.
    public var stepMode = false
    /// How long a store change waits for another rbc that holds the store.
    public var lockWaitMs = 10_000
    /// The incident this run works on (`rbc run --incident`), journaled with its start.
    public var incident: String?
    /// Credentials in rbc's environment, which every command of the run inherits: masked like secrets.
    public var environmentCredentials = Redactor.credentialsInEnvironment()

    public init() {}
}

/// Where the executor's own lines and the commands' live output go.
public protocol ExecutionOutput: Sendable {
    func note(_ text: String)
    func stream(_ chunk: String, isError: Bool)
}

// The report's data (`rbc.report/v1`): one value the HTML site and `--format json` are both
// rendered from, so a dashboard reading the JSON sees exactly the numbers the pages show.

import Foundation
import RunbookIncident
import RunbookRuntime
import RunbookSema
import RunbookSource
import RunbookSyntax

public struct Report: Codable, Sendable {
    public static let currentVersion = "rbc.report/v1"

    public var reportVersion = Report.currentVersion
    /// The day the report describes (YYYY-MM-DD, `--now`): staleness is counted to it.
    public var generated: String
    public var totals: Totals
    /// Runbooks per severity, P0 first; `none` for runbooks that state none.
    public var severities: [SeverityCount]
    /// Runbooks per owner, most first; `owner` is nil for runbooks that name none.
    public var owners: [OwnerCount]
    /// Findings per rule (lint and compiler ids alike), most first.
    public var findingsByRule: [RuleCount]
    /// Findings of no runbook: configuration, alert rule files, tools.
    public var otherFindings: [Finding]
    /// Nil when no alert rules were given (`--alerts` or `alerts.rules` in `.rbc.yaml`).
    public var alerts: AlertCoverage?
    public var runbooks: [RunbookEntry]
    /// Every run in the journal directory, newest first.
    public var runs: [Run]
    /// `rbc stats --format json` at the report's time (`rbc.stats/v1`), verbatim: the incidents page
    /// draws these figures.
    public var stats: IncidentStats
    /// Open incidents as `rbc incident list --format json` shows them (updates overdue, escalations due).
    public var openIncidents: [IncidentViews.ListRow]

    public struct Totals: Codable, Sendable, Equatable {
        public var runbooks = 0
        public var executable = 0
        public var documentation = 0
        /// Runbooks with compile errors (no IR).
        public var broken = 0
        public var errors = 0
        public var warnings = 0
        public var infos = 0
        public var stale = 0
        /// Executable runbooks with no run in the journals.
        public var neverRun = 0
        public var lastRunRolledBack = 0
        public var runs = 0
    }

    public struct SeverityCount: Codable, Sendable, Equatable {
        /// `P0`…`P3` or `none`.
        public var severity: String
        public var runbooks: Int
    }

    public struct OwnerCount: Codable, Sendable, Equatable {
        public var owner: String?
        public var runbooks: Int
        /// Per severity (`P0`…`P3`, `none`), only those with runbooks.
        public var severities: [String: Int]
    }

    public struct RuleCount: Codable, Sendable, Equatable {
        public var rule: String
        public var severity: Severity
        public var count: Int
        /// The rule's one-line summary; nil for compiler diagnostics.
        public var summary: String?
    }

    public struct Finding: Codable, Sendable, Equatable {
        public var rule: String
        public var severity: Severity
        public var message: String
        public var path: String
        public var line: Int?
        public var column: Int?
        /// The source line the finding points at.
        public var excerpt: String?
        public var help: String?
    }

    public struct AlertCoverage: Codable, Sendable, Equatable {
        public var ruleFiles: [String]
        public var alerts: Int
        public var withoutRunbook: [AlertReference]
        public var deadLinks: [AlertReference]
        /// Links not checked (templates no label fills, sites outside every mapping).
        public var unchecked: Int
        public var unknownTriggers: [TriggerReference]
    }

    public struct AlertReference: Codable, Sendable, Equatable {
        public var alert: String
        public var file: String
        public var line: Int
        public var link: String?
        /// Why a dead link is dead.
        public var problem: String?
    }

    public struct TriggerReference: Codable, Sendable, Equatable {
        public var runbook: String
        public var alert: String
    }

    public struct RunbookEntry: Codable, Sendable, Equatable {
        public var path: String
        /// The runbook's page in the site, relative to its root.
        public var page: String
        public var name: String
        /// `executable` or `documentation`; nil when it does not compile far enough to tell.
        public var kind: RunbookKind?
        public var severity: StepSeverity?
        /// `alert-rule` or `config-default` when the severity was inferred.
        public var severitySource: SeveritySourceIR.Kind?
        public var owner: String?
        public var description: String?
        public var tags: [String]
        /// False when the runbook has compile errors (what is shown is what could be recovered).
        public var compiles: Bool
        public var params: [Param]
        public var steps: [Step]
        public var postRunbook: [Step]
        /// Runbook-wide rollback actions.
        public var rollback: [Step]
        public var worstCaseMs: Int
        /// The severity's budget (`budgets:`), nil without a severity.
        public var budgetMs: Int?
        public var findings: [Finding]
        public var history: History?
        public var review: Review?
        /// Alerting rules whose runbook link resolves to this runbook.
        public var alerts: [String]
        /// Newest first.
        public var runs: [Run]
    }

    public struct Param: Codable, Sendable, Equatable {
        public var name: String
        public var type: String
        public var required: Bool
        public var secret: Bool
        /// Never set for a secret parameter.
        public var defaultValue: String?
        public var description: String?
    }

    public struct Step: Codable, Sendable, Equatable {
        public var id: String
        public var name: String?
        public var action: ActionKind
        /// What the step does in one line: the command, URL, message or instructions as written
        /// (expressions unexpanded: no value, secret or not, is ever in it).
        public var summary: String
        public var timeoutMs: Int
        public var onFailure: FailurePolicy
        public var attempts: Int
        /// The `when` condition, as written.
        public var condition: String?
        public var confirm: Bool
        public var irreversible: String?
        public var rollback: Rollback?
    }

    public struct Rollback: Codable, Sendable, Equatable {
        public var action: ActionKind
        public var summary: String
        public var timeoutMs: Int
    }

    public struct Commit: Codable, Sendable, Equatable {
        public var id: String
        public var date: String
        public var author: String
        public var summary: String
    }

    public struct History: Codable, Sendable, Equatable {
        /// Newest first.
        public var commits: [Commit]
        /// The working file differs from HEAD, or is not committed.
        public var uncommitted: Bool
        /// RB020 findings: steps changed after their rollbacks.
        public var rollbackDrift: [String]
    }

    public struct Review: Codable, Sendable, Equatable {
        /// The date the age counts from.
        public var since: String
        /// `reviewed` (a review stamp) or `last-change` (the last commit, when nobody stamped one).
        public var basis: String
        public var days: Int
        public var intervalDays: Int
        public var stale: Bool
    }

    public struct Run: Codable, Sendable, Equatable {
        public var run: String
        /// The runbook's path as the run named it.
        public var runbook: String
        public var runbookName: String
        public var status: RunStatus
        public var started: String
        public var durationMs: Int
        /// False when the journal has no end (rbc was killed): the duration is a lower bound.
        public var finished: Bool
        public var user: String?
        public var commit: String?
        public var dryRun: Bool
        /// Why the run's journal is not authenticated by this user's key (nil: it is): what the run
        /// says of itself is then only what the file says, and the report marks it.
        public var authenticationProblem: String?
    }
}

extension Report {
    /// Deterministic JSON: sorted keys, stable formatting.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(self)
        data.append(0x0A)
        return data
    }
}

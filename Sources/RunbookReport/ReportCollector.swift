// Collects the report from what rbc already knows: the check session `rbc check` runs (runbooks,
// findings, alert coverage, history rules), the git history, and the run journals.

import Foundation
import RunbookDriver
import RunbookGit
import RunbookIncident
import RunbookLint
import RunbookRuntime
import RunbookSema
import RunbookSource

public struct ReportOptions: Sendable {
    public var check = CheckOptions()
    /// Commits listed per runbook.
    public var historyLimit = 10
    /// Runs listed per runbook page (all of them count).
    public var runsPerRunbook = 50
    /// The journal directory; nil for the one `rbc run` writes to.
    public var runsDirectory: String?
    /// The time incidents are measured at (updates and reviews overdue); `check.today` is its day.
    public var now = Date()
    /// Only incidents declared and runs started at or after this time count in the metrics.
    public var since: Date?

    public init() {}
}

public enum ReportCollector {
    /// The report, and the check report it was built from (its `exitCode` says whether the
    /// invocation itself was wrong: a missing path, no runbooks).
    public static func collect(paths: [String], options: ReportOptions = ReportOptions()) -> (Report, CheckReport) {
        let (configuration, configDiagnostics) = Configuration.discover()
        let check = CheckSession.run(paths: paths, options: options.check, configuration: (configuration, configDiagnostics))
        let runsDirectory = options.runsDirectory ?? RunSession.runsDirectory(config: configuration)
        let runs = readRuns(in: runsDirectory)
        let histories = options.check.git ? GitChecks.histories(check.results.map(\.path), limit: options.historyLimit) : [:]
        var report = build(check: check, configuration: configuration, histories: histories, runs: runs, options: options)
        report.stats = IncidentReports.stats(since: options.since, now: options.now, configuration: configuration)
        let settings = configuration.incidentSettings
        report.openIncidents = IncidentStore(settings: settings).all().incidents.filter(\.isOpen)
            .map { IncidentViews.row($0, policy: settings.policy, now: options.now) }
        return (report, check)
    }

    static func build(check: CheckReport, configuration: Configuration, histories: [String: GitChecks.History],
                      runs: [(Report.Run, key: String?)], options: ReportOptions) -> Report {
        let todayDay = GitChecks.day(options.check.today) ?? 0
        let findingsByPath = Dictionary(grouping: check.diagnostics, by: \.path)
        let runsByRunbook = Dictionary(grouping: runs.filter { $0.key != nil }, by: { $0.key ?? "" })
        let alertEntries = check.alertIndex?.entries ?? []
        var alertsByRunbook: [String: [String]] = [:]
        for entry in alertEntries {
            if case .runbook(let path) = entry.link { alertsByRunbook[path, default: []].append(entry.alert) }
        }
        var pages = PageNames()
        var entries: [Report.RunbookEntry] = []
        var unknownTriggers: [Report.TriggerReference] = []
        for result in check.results {
            let ir = result.lintableIR
            let absolute = standardized(result.path)
            let findings = (findingsByPath[result.path] ?? []).map(finding)
            let history = histories[result.path]
            let ownRuns = (runsByRunbook[resolvingLinks(absolute)] ?? []).map(\.0)
            var review: Report.Review?
            if let ir, history != nil || ir.runbook.reviewed != nil,
               let age = GitChecks.reviewAge(ir, lastChange: history?.commits.first, todayDay: todayDay, review: configuration.review) {
                let basis = if case .reviewStamp = age.basis { "reviewed" } else { "last-change" }
                review = Report.Review(since: age.basis.date, basis: basis, days: age.days, intervalDays: age.maxAgeDays, stale: age.isStale)
            }
            let reportHistory = history.map { history in
                Report.History(commits: history.commits.map(commit), uncommitted: history.state == .modified || history.state == .untracked,
                               rollbackDrift: findings.filter { $0.rule == RuleRegistry.rollbackDrift.id }.map(\.message))
            }
            if let ir, let index = check.alertIndex {
                unknownTriggers += index.unknownTriggerAlerts(ir).map { Report.TriggerReference(runbook: result.path, alert: $0) }
            }
            let severity = ir?.runbook.severity
            entries.append(Report.RunbookEntry(
                path: result.path, page: pages.page(for: result.path), name: ir?.runbook.name ?? result.path,
                kind: ir?.runbook.kind, severity: severity, severitySource: ir?.runbook.severitySource?.kind,
                owner: ir?.runbook.owner, description: ir?.runbook.description, tags: ir?.runbook.tags ?? [], compiles: result.ir != nil,
                params: ir?.params.map(param) ?? [], steps: ir?.steps.map(step) ?? [], postRunbook: ir?.postRunbook.map(step) ?? [],
                rollback: ir?.rollback.map(step) ?? [], worstCaseMs: ir?.worstCaseMs ?? 0,
                budgetMs: severity.flatMap { configuration.lint.settings.budgetsMs[$0] },
                findings: findings, history: reportHistory, review: review,
                alerts: alertsByRunbook[absolute] ?? [], runs: Array(ownRuns.prefix(options.runsPerRunbook))))
        }
        let runbookPaths = Set(check.results.map(\.path))
        let other = check.diagnostics.filter { !runbookPaths.contains($0.path) }.map(finding)
        var report = Report(generated: options.check.today, totals: Report.Totals(), severities: [], owners: [], findingsByRule: [],
                            otherFindings: other, alerts: nil, runbooks: entries, runs: runs.map(\.0),
                            stats: IncidentStats.compute(incidents: [], unreadable: 0, runs: [], policy: configuration.incidentSettings.policy,
                                                         since: nil, now: options.now),
                            openIncidents: [])
        if let index = check.alertIndex {
            report.alerts = Report.AlertCoverage(
                ruleFiles: index.ruleFiles, alerts: alertEntries.count,
                withoutRunbook: alertEntries.filter { $0.link == .missing }.map { reference($0) },
                deadLinks: alertEntries.compactMap { entry in
                    guard case .dead(let problem) = entry.link else { return nil }
                    return reference(entry, problem: problem)
                },
                unchecked: alertEntries.filter { $0.link == .unchecked }.count,
                unknownTriggers: unknownTriggers)
        }
        summarize(&report, diagnostics: check.diagnostics, runsCounted: runsByRunbook)
        return report
    }

    /// Totals, per-severity, per-owner and per-rule counts from the entries.
    static func summarize(_ report: inout Report, diagnostics: [Diagnostic], runsCounted: [String: [(Report.Run, key: String?)]]) {
        var totals = Report.Totals()
        totals.runbooks = report.runbooks.count
        totals.executable = report.runbooks.filter { $0.kind == .executable }.count
        totals.documentation = report.runbooks.filter { $0.kind == .documentation }.count
        totals.broken = report.runbooks.filter { !$0.compiles }.count
        totals.errors = diagnostics.filter { $0.severity == .error }.count
        totals.warnings = diagnostics.filter { $0.severity == .warning }.count
        totals.infos = diagnostics.filter { $0.severity == .info }.count
        totals.stale = report.runbooks.filter { $0.review?.stale == true }.count
        totals.neverRun = report.runbooks.filter { $0.kind == .executable && $0.runs.isEmpty }.count
        totals.lastRunRolledBack = report.runbooks.filter { $0.runs.first.map { isRolledBack($0.status) } ?? false }.count
        totals.runs = report.runs.count
        report.totals = totals
        func severityName(_ severity: StepSeverity?) -> String { severity?.rawValue ?? "none" }
        let severityOrder = StepSeverity.allCases.map(\.rawValue) + ["none"]
        let bySeverity = Dictionary(grouping: report.runbooks, by: { severityName($0.severity) })
        report.severities = severityOrder.map { Report.SeverityCount(severity: $0, runbooks: bySeverity[$0]?.count ?? 0) }
        let byOwner = Dictionary(grouping: report.runbooks, by: { $0.owner ?? "" })
        report.owners = byOwner.map { owner, runbooks in
            Report.OwnerCount(owner: owner.isEmpty ? nil : owner, runbooks: runbooks.count,
                              severities: Dictionary(grouping: runbooks, by: { severityName($0.severity) }).mapValues(\.count))
        }.sorted { ($0.runbooks, $1.owner ?? "") > ($1.runbooks, $0.owner ?? "") }
        var rules: [String: Report.RuleCount] = [:]
        for diagnostic in diagnostics {
            let id = diagnostic.code.id
            rules[id, default: Report.RuleCount(rule: id, severity: diagnostic.severity, count: 0,
                                                summary: RuleRegistry.description(for: id)?.summary ?? diagnostic.code.summary)].count += 1
        }
        report.findingsByRule = rules.values.sorted { ($0.count, $1.rule) > ($1.count, $0.rule) }
    }

    /// A run that ended undone: rolled back, or its rollback failed.
    public static func isRolledBack(_ status: RunStatus) -> Bool { status == .rolledBack || status == .rollbackFailed }

    // MARK: - Runs

    /// Every journal in the directory, newest first, each with the absolute path of the runbook it ran.
    static func readRuns(in directory: String) -> [(Report.Run, key: String?)] {
        RunState.list(in: directory).compactMap { path -> (Report.Run, key: String?)? in
            guard let state = try? RunState.checked(path: path) else { return nil }
            let run = Report.Run(run: state.runID, runbook: state.runbookPath, runbookName: state.ir.runbook.name,
                                 status: state.status, started: state.started,
                                 durationMs: state.durationMs, finished: state.finished != nil, user: state.start.user,
                                 commit: state.commit, dryRun: state.dryRun, authenticationProblem: state.authenticationProblem)
            var key: String?
            if let provenance = state.ir.provenance {
                key = resolvingLinks(standardized((provenance.repository.hasSuffix("/") ? provenance.repository : provenance.repository + "/") + provenance.path))
            } else if !state.runbookPath.isEmpty {
                let base = state.workingDirectory ?? FileManager.default.currentDirectoryPath
                key = resolvingLinks(standardized(state.runbookPath.hasPrefix("/") ? state.runbookPath : base + "/" + state.runbookPath))
            }
            return (run, key)
        }
    }

    // MARK: - Conversions

    static func standardized(_ path: String) -> String { URL(fileURLWithPath: path).standardizedFileURL.path }
    static func resolvingLinks(_ path: String) -> String { URL(fileURLWithPath: path).resolvingSymlinksInPath().path }

    static func finding(_ diagnostic: Diagnostic) -> Report.Finding {
        let start = diagnostic.start
        let excerpt = start.flatMap { position in diagnostic.file.map { $0.lineText(position.line) } }
        return Report.Finding(rule: diagnostic.code.id, severity: diagnostic.severity, message: diagnostic.message, path: diagnostic.path,
                              line: start?.line, column: start?.column, excerpt: excerpt, help: diagnostic.help)
    }

    static func commit(_ info: GitCommitInfo) -> Report.Commit {
        Report.Commit(id: info.id, date: info.date, author: info.author, summary: info.summary)
    }

    static func reference(_ entry: AlertIndex.CoverageEntry, problem: String? = nil) -> Report.AlertReference {
        Report.AlertReference(alert: entry.alert, file: entry.file, line: entry.line, link: entry.linkText, problem: problem)
    }

    static func param(_ param: ParamIR) -> Report.Param {
        Report.Param(name: param.name, type: param.type.rawValue, required: param.required, secret: param.secret,
                     defaultValue: param.secret ? nil : param.defaultValue.map(display), description: param.description)
    }

    static func display(_ value: JSONValue) -> String {
        switch value {
        case .string(let text): text
        case .int(let number): String(number)
        case .double(let number): String(number)
        case .bool(let flag): String(flag)
        case .null: "null"
        case .array, .object:
            (try? JSONEncoder().encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? ""
        }
    }

    static func step(_ step: StepIR) -> Report.Step {
        Report.Step(id: step.id, name: step.name, action: step.action.kind, summary: summary(step.action),
                    timeoutMs: step.timeoutMs, onFailure: step.onFailure, attempts: step.retry.maxAttempts,
                    condition: step.when, confirm: step.confirm, irreversible: step.irreversible,
                    rollback: step.rollback.map { Report.Rollback(action: $0.action.kind, summary: summary($0.action), timeoutMs: $0.timeoutMs) })
    }

    /// The action as written: expressions stay `${{ … }}`, so no parameter value appears.
    static func summary(_ action: ActionIR) -> String {
        switch action.kind {
        case .executeCommand: action.command ?? ""
        case .updateConfig: "set \(action.configKey ?? "?")" + (action.value.map { " = \(display($0))" } ?? "") + (action.store.map { " in \($0)" } ?? "")
        case .sendNotification: (action.channel.map { "\($0): " } ?? "") + (action.message ?? "")
        case .createTicket: action.title ?? ""
        case .httpRequest: "\(action.method ?? "GET") \(action.url ?? "")"
        case .wait: "wait " + DurationParser.format(milliseconds: action.durationMs ?? 0)
        case .manual: action.instructions ?? ""
        }
    }
}

/// Page names for runbooks: readable, file-system safe and unique.
struct PageNames {
    private var used: Set<String> = []

    mutating func page(for path: String) -> String {
        // The extension stays: `db.yaml` and `db.md` are two runbooks.
        let base = (path as NSString).lastPathComponent
        var slug = String(base.lowercased().unicodeScalars.map { scalar -> Character in
            CharacterSet.alphanumerics.contains(scalar) && scalar.isASCII ? Character(scalar) : "-"
        }).trimmingCharacters(in: CharacterSet(charactersIn: "-"))
        if slug.isEmpty { slug = "runbook" }
        slug = String(slug.prefix(80))
        var candidate = slug
        var counter = 2
        while used.contains(candidate) {
            candidate = "\(slug)-\(counter)"
            counter += 1
        }
        used.insert(candidate)
        return "runbooks/\(candidate).html"
    }
}

// RB024 unknown-trigger-alert: a runbook's trigger names an alert no alerting rule defines. The alert
// rules are read once for every check (AlertCoverageContext, RunbookDriver/AlertCoverage).

import Foundation
import RunbookSource

struct UnknownTriggerAlertRule: AlertCoverageRule {
    static let description = RuleDescription(
        id: "RB024", slug: "unknown-trigger-alert", category: .alerts, severity: .warning, scope: .both,
        summary: "a runbook's trigger names an alert that no alerting rule defines",
        rationale: """
        `triggers: [{alert: KubePodCrashLooping}]` ties a runbook to the alert that pages for it. When \
        `rbc check --alerts` finds no alerting rule of that name, the alert was renamed or removed and \
        the runbook may never be reached. An alert name that holds a template another tool fills \
        (`{{ .Values.prefix }}FooDown`, `${PREFIX}FooDown`) names every alert its literal parts allow: \
        `AcmeFooDown` is known; a name that is only a template makes every trigger known.
        """,
        triggering: [], nonTriggering: [], requires: .alertRules)

    func check(_ context: any AlertCoverageContext) -> [PlacedFinding] {
        // A rule file written as a template is not read, but the alerts it names exist; a name
        // that holds a template matches the names it can render to.
        let names = AlertNames(context.alerts.map(\.name) + context.templatedRuleFiles.flatMap(\.alertNames))
        var findings: [PlacedFinding] = []
        for runbook in context.runbooks {
            let file = runbook.file
            for trigger in runbook.ir.runbook.triggers {
                guard let alert = trigger.alert, !names.contains(alert) else { continue }
                // The trigger's location is its mapping; the name itself follows within it.
                let range = trigger.location?.range.map { mapping -> SourceRange in
                    let start = mapping.start
                    let window = file.slice(SourceRange(start: start, end: min(file.bytes.count, mapping.end)))
                    guard let found = window.range(of: alert) else { return .at(start) }
                    let offset = start + window.utf8.distance(from: window.startIndex, to: found.lowerBound)
                    return SourceRange(start: offset, end: offset + alert.utf8.count)
                }
                findings.append(PlacedFinding(file, LintFinding(
                    "trigger names alert `\(alert)`, which no alerting rule defines", at: range,
                    help: Suggestions.closest(to: alert, in: names.exactNames).map { "did you mean `\($0)`?" } ?? "was the alert renamed or removed?")))
            }
        }
        return findings
    }
}

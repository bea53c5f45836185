// RB050: an `update_config` names a config store that `.rbc.yaml` does not configure: the run would fail there.

import RunbookSema
import RunbookSource
import RunbookSyntax

struct StoreUnknownRule: LintRule {
    static let description = RuleDescription(
        id: "RB050", slug: "store-unknown", category: .configuration, severity: .error, scope: .executable,
        summary: "an `update_config` names a config store that `.rbc.yaml` does not configure",
        rationale: """
        `update_config` writes to a store that `.rbc.yaml` declares (`stores: {default: {file: \
        config/flags.json}}`; a step picks another with `store:`). A misspelt name, or no store at all, \
        is otherwise found at run time, mid-incident, when the step fails. rbc checks the names against \
        the `.rbc.yaml` that a run from the same directory would read, and suggests the closest one. \
        With no `.rbc.yaml` at all the finding is a warning: the run would still fail, but the runbook \
        may be run from another checkout.
        """,
        triggering: [
            .steps("""
                - id: shed-load
                  action: update_config
                  store: ↓flgs↑
                  config_key: gateway.rate_limit
                  value: 500
                  timeout: 30s
            """).with(RunEnvironment(stores: ["flags", "default"])),
            .steps("""
                - id: ↓shed-load↑
                  action: update_config
                  config_key: gateway.rate_limit
                  value: 500
                  timeout: 30s
            """).with(RunEnvironment(stores: [])),
        ],
        nonTriggering: [
            .steps("""
                - id: shed-load
                  action: update_config
                  store: flags
                  config_key: gateway.rate_limit
                  value: 500
                  timeout: 30s
            """).with(RunEnvironment(stores: ["flags"])),
        ])

    func check(_ context: LintContext) -> [LintFinding] {
        guard let environment = context.settings.environment else { return [] }
        var findings: [LintFinding] = []
        for view in context.allSteps {
            let actions: [(ActionIR?, MappingSyntax?, SourceRange?, String)] = [
                (view.ir.action, view.syntax.fields, view.anchor, context.describe(view)),
                (view.ir.rollback?.action, view.syntax.rollback?.fields, view.syntax.rollback?.keyRange, "the rollback of \(context.describe(view))"),
            ]
            for case (let action?, let fields, let anchor, let what) in actions where action.kind == .updateConfig {
                let name = action.store ?? "default"
                if environment.stores.contains(name) { continue }
                let range = fields?["store"]?.value.range ?? anchor
                let known = environment.stores.sorted()
                if environment.configurationFile == nil {
                    findings.append(LintFinding("\(what) writes to config store `\(name)`, but there is no .rbc.yaml to configure it",
                                                at: range, help: "a run would fail here; add `stores: {\(name): {file: config/flags.json}}` to .rbc.yaml",
                                                severity: .warning))
                } else if known.isEmpty {
                    findings.append(LintFinding("\(what) writes to config store `\(name)`, but .rbc.yaml configures no store",
                                                at: range, help: "add `stores: {\(name): {file: config/flags.json}}` to .rbc.yaml"))
                } else {
                    let suggestion = Suggestions.closest(to: name, in: known).map { "did you mean `\($0)`? " } ?? ""
                    findings.append(LintFinding("config store `\(name)` is not configured in .rbc.yaml", at: range,
                                                help: "\(suggestion)configured stores: \(known.joined(separator: ", "))"))
                }
            }
        }
        return findings
    }
}

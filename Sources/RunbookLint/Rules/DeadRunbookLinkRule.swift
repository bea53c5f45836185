// RB023 dead-runbook-link: its id, docs, examples and configuration. The check needs what one runbook
// cannot show, so it runs in AlertCoverage (RunbookDriver), over the alert rules and every runbook.

struct DeadRunbookLinkRule: LintRule {
    static let description = RuleDescription(
        id: "RB023", slug: "dead-runbook-link", category: .alerts, severity: .error, scope: .both,
        summary: "an alert's runbook link points at a runbook (or anchor) that does not exist here",
        rationale: """
        A runbook link that is a relative path, or starts with a base URL mapped to a directory in \
        `.rbc.yaml` (`alerts: {runbook_urls: [{base_url: …, directory: …}]}`), must resolve to a runbook \
        file in this repository — and its `#anchor`, if any, to a heading in it (GitHub's and GitLab's \
        heading slugs, `{#id}` attributes and `<a name>` anchors; never a `#` line inside a code fence). \
        Relative paths are read from the repository root (the directory of `.rbc.yaml`), then from the \
        rule file's directory. `{{ $labels.x }}` templates are filled from the rule's labels first \
        (RB025 when they cannot be). Site generators often lowercase page paths, so files match \
        case-insensitively. A dead link is found in review, not during the page.
        """,
        triggering: [], nonTriggering: [], requires: .alertRules)

    func check(_ context: LintContext) -> [LintFinding] { [] }
}

// RB017–RB021: what only the repository's history knows. The checks run in the driver, over one
// libgit2 history walk for all files; these descriptions give them ids, docs and configuration.

struct StaleRunbookRule: LintRule {
    static let description = RuleDescription(
        id: "RB017", slug: "stale-runbook", category: .history, severity: .warning, scope: .both,
        summary: "the runbook has not been reviewed or changed for longer than its review interval",
        rationale: """
        "Runbook rot": a runbook eighteen months old names services and commands that no longer exist. \
        The last review is the `reviewed:` date or, without one, the last commit that changed the file. \
        When it is older than `review_every` (or `review: {max_age: 90d}` in `.rbc.yaml`; P0 and P1 \
        runbooks default to `max_age_critical: 30d`), review the runbook and update `reviewed:`.
        """,
        triggering: [.steps("    - {id: a, action: wait, duration: 1s, timeout: 5s}", extra: "  reviewed: 2025-01-10\n  review_every: 90d\n")],
        nonTriggering: [], requires: .gitHistory)

    func check(_ context: LintContext) -> [LintFinding] { [] }
}

struct ReviewStampOutdatedRule: LintRule {
    static let description = RuleDescription(
        id: "RB018", slug: "review-stamp-outdated", category: .history, severity: .warning, scope: .both,
        summary: "a commit changed the runbook's steps after the date in `reviewed:`",
        rationale: """
        `reviewed: 2026-09-01` says a human checked the runbook that day. A later commit that changed \
        its steps — commands, actions, timeouts, rollbacks; not prose or whitespace — is not covered by \
        that review. Review the change and move the stamp forward.
        """,
        triggering: [], nonTriggering: [], requires: .gitHistory)

    func check(_ context: LintContext) -> [LintFinding] { [] }
}

struct ReviewDateInFutureRule: LintRule {
    static let description = RuleDescription(
        id: "RB019", slug: "review-date-in-future", category: .history, severity: .error, scope: .both,
        summary: "`reviewed:` is a date in the future",
        rationale: """
        A review stamp from the future silences the staleness check for as long as it lies. Write the \
        date the review happened.
        """,
        triggering: [], nonTriggering: [], requires: .gitHistory)

    func check(_ context: LintContext) -> [LintFinding] { [] }
}

struct RollbackDriftRule: LintRule {
    static let description = RuleDescription(
        id: "RB020", slug: "rollback-drift", category: .history, severity: .warning, scope: .executable,
        summary: "a step's command changed in a later commit than its rollback",
        rationale: """
        When a step changes (`--replicas=6` becomes `--replicas=12`, a new flag, another resource) and its \
        rollback does not, the rollback may no longer undo the step. rbc blames the step's command lines \
        and the rollback's lines and reports when the command is newer; the note names both commits and \
        dates. Check the rollback, then touch it in the same commit (or suppress with a reason).
        """,
        triggering: [], nonTriggering: [], requires: .gitHistory)

    func check(_ context: LintContext) -> [LintFinding] { [] }
}

struct UncommittedRunbookRule: LintRule {
    static let description = RuleDescription(
        id: "RB021", slug: "uncommitted-runbook", category: .history, severity: .info, scope: .both,
        summary: "the runbook is untracked or has uncommitted changes",
        rationale: """
        What is checked is the working copy; what the team relies on is what is committed. An untracked \
        runbook or one with uncommitted changes is reported (as info) so that nobody mistakes a local \
        edit for the reviewed version. `rbc compile` records the same in the IR's provenance, and \
        `rbc run` refuses a dirty runbook unless told otherwise. Outside a git repository, one info line \
        says that the history checks were skipped.
        """,
        triggering: [], nonTriggering: [], requires: .gitHistory)

    func check(_ context: LintContext) -> [LintFinding] { [] }
}

struct AlertWithoutRunbookRule: LintRule {
    static let description = RuleDescription(
        id: "RB022", slug: "alert-without-runbook", category: .alerts, severity: .error, scope: .both,
        summary: "an alerting rule has no runbook annotation (`runbook_url` or `runbook` by default)",
        rationale: """
        "A page without a runbook is an unfinished feature." With `rbc check --alerts rules/`, every \
        alerting rule (plain `groups:` files and Kubernetes `PrometheusRule` objects) must carry a \
        runbook annotation, so the responder is one click from the procedure. The annotation names are \
        `runbook_url` (Prometheus, kube-prometheus) and `runbook` (GitLab) unless `.rbc.yaml` sets \
        `alerts: {annotations: [...]}`.
        """,
        triggering: [], nonTriggering: [], requires: .alertRules)

    func check(_ context: LintContext) -> [LintFinding] { [] }
}

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

struct UnknownTriggerAlertRule: LintRule {
    static let description = RuleDescription(
        id: "RB024", slug: "unknown-trigger-alert", category: .alerts, severity: .warning, scope: .both,
        summary: "a runbook's trigger names an alert that no alerting rule defines",
        rationale: """
        `triggers: [{alert: KubePodCrashLooping}]` ties a runbook to the alert that pages for it. When \
        `rbc check --alerts` finds no alerting rule of that name, the alert was renamed or removed and \
        the runbook may never be reached.
        """,
        triggering: [], nonTriggering: [], requires: .alertRules)

    func check(_ context: LintContext) -> [LintFinding] { [] }
}

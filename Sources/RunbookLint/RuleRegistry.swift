// The one list of lint rules: `rbc rules`, `rbc explain`, docs/rules.md, SARIF and the tests read it.

public enum RuleRegistry {
    /// Every rule, in the order `rbc rules` and docs/rules.md list them.
    public static let rules: [any DescribedRule] = [
        RollbackMissingRule(), RollbackIneffectiveRule(), TimeoutMissingRule(), SeverityBudgetRule(),
        VerificationMissingRule(), DestructiveUnconfirmedRule(), SudoPromptRule(), InteractiveCommandRule(),
        CredentialRule(), PlaceholderRule(), OwnerMissingRule(), EscalationMissingRule(), TriggerMissingRule(),
        UnquotedExpressionRule(), SecretExposedRule(), ReinterpretedExpressionRule(), SecretInArgumentsRule(), ShellCheckRule(),
        StaleRunbookRule(), ReviewStampOutdatedRule(), ReviewDateInFutureRule(), RollbackDriftRule(), UncommittedRunbookRule(),
        AlertWithoutRunbookRule(), DeadRunbookLinkRule(), DeadRunbookAnchorRule(), UnknownTriggerAlertRule(), UnresolvableRunbookLinkRule(), UncheckedRunbookLinkRule(),
        UnusedSuppressionRule(), ExpiredSuppressionRule(), SuppressionWithoutReasonRule(), UnknownSuppressionRule(),
        StoreUnknownRule(), WebhookUnconfiguredRule(), ManualUnattendedRule(), AlternativesInOneStepRule(), MillisecondDurationRule(),
        SectionTemplateRule(), BrokenLinkRule(), UnexplainedVariableRule(), UnclosedFenceRule(),
    ]

    public static var descriptions: [RuleDescription] { rules.map { type(of: $0).description } }

    // Each kind of rule, for the code that gathers its context and runs it.
    public static let runbookRules: [any LintRule] = rules.compactMap { $0 as? any LintRule }
    public static let suppressionRules: [any SuppressionRule] = rules.compactMap { $0 as? any SuppressionRule }
    public static let historyRules: [any HistoryRule] = rules.compactMap { $0 as? any HistoryRule }
    public static let alertCoverageRules: [any AlertCoverageRule] = rules.compactMap { $0 as? any AlertCoverageRule }

    /// A rule by id (`RB001`) or slug (`rollback-missing`), case-insensitively.
    public static func description(for name: String) -> RuleDescription? {
        descriptions.first { $0.id.caseInsensitiveCompare(name) == .orderedSame || $0.slug == name.lowercased() }
    }

    // Codes of the checks that run outside the per-runbook rules (history, alert coverage).
    public static var staleRunbook: DiagnosticCode { StaleRunbookRule.description.code }
    public static var reviewStampOutdated: DiagnosticCode { ReviewStampOutdatedRule.description.code }
    public static var reviewDateInFuture: DiagnosticCode { ReviewDateInFutureRule.description.code }
    public static var rollbackDrift: DiagnosticCode { RollbackDriftRule.description.code }
    public static var uncommittedRunbook: DiagnosticCode { UncommittedRunbookRule.description.code }
    public static var alertWithoutRunbook: DiagnosticCode { AlertWithoutRunbookRule.description.code }
    public static var deadRunbookLink: DiagnosticCode { DeadRunbookLinkRule.description.code }
    public static var unknownTriggerAlert: DiagnosticCode { UnknownTriggerAlertRule.description.code }
    public static var unresolvableRunbookLink: DiagnosticCode { UnresolvableRunbookLinkRule.description.code }
    public static var uncheckedRunbookLink: DiagnosticCode { UncheckedRunbookLinkRule.description.code }

    // Ids read from the rules themselves: an id is written once, in its rule's file.
    public static var shellcheckID: String { ShellCheckRule.description.id }
    /// RB090–RB093: the rules about suppression comments themselves.
    public static var suppressionRuleIDs: [String] { suppressionRules.map { type(of: $0).description.id } }
}

import Foundation
import RunbookSource

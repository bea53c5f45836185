// The one list of lint rules: `rbc rules`, `rbc explain`, docs/rules.md, SARIF and the tests read it.

public enum RuleRegistry {
    public static let rules: [any LintRule] = [
        RollbackMissingRule(), RollbackIneffectiveRule(), TimeoutMissingRule(), SeverityBudgetRule(),
        VerificationMissingRule(), DestructiveUnconfirmedRule(), SudoPromptRule(), InteractiveCommandRule(),
        CredentialRule(), PlaceholderRule(), OwnerMissingRule(), EscalationMissingRule(), TriggerMissingRule(),
        UnquotedExpressionRule(), SecretExposedRule(), ShellCheckRule(),
        UnusedSuppressionRule(), ExpiredSuppressionRule(), SuppressionWithoutReasonRule(), UnknownSuppressionRule(),
    ]

    public static var descriptions: [RuleDescription] { rules.map { type(of: $0).description } }

    /// A rule by id (`RB001`) or slug (`rollback-missing`), case-insensitively.
    public static func description(for name: String) -> RuleDescription? {
        descriptions.first { $0.id.caseInsensitiveCompare(name) == .orderedSame || $0.slug == name.lowercased() }
    }

    public static let shellcheckID = "RB016"
    public static let unusedSuppressionID = "RB090"
    public static let expiredSuppressionID = "RB091"
    public static let suppressionWithoutReasonID = "RB092"
    public static let malformedSuppressionID = "RB093"
}

import Foundation

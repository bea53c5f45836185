// The diagnostics of `rbc export ansible` (RB5001-RB5099): a construct the lowering refuses rather
// than emit a playbook that would behave differently from `rbc run`.

import RunbookSource

public enum AnsibleDiagnostics {
    // RB5001-RB5003 (`update_config`, `http_request`, webhooks) were refused by earlier exports and are
    // lowered now; their ids stay retired, never reused.
    public static let configStore = DiagnosticCode("RB5001", "ansible-config-store", .error, "retired: `update_config` steps are lowered (earlier exports refused them)")
    public static let httpRequest = DiagnosticCode("RB5002", "ansible-http-request", .error, "retired: `http_request` steps are lowered (earlier exports refused them)")
    public static let webhook = DiagnosticCode("RB5003", "ansible-webhook", .error, "retired: notifications and tickets posted to webhooks are lowered (earlier exports refused them)")
    public static let alternatives = DiagnosticCode("RB5004", "ansible-alternatives", .error, "a command holding alternatives (`# Option A` … `# Option B`): only `rbc run --step` can ask which one")
    public static let templatedShell = DiagnosticCode("RB5005", "ansible-templated-shell", .error, "a `shell` holding `${{ }}`: a value must not choose the program a playbook runs")
    public static let tooManyAttempts = DiagnosticCode("RB5006", "ansible-too-many-attempts", .error, "more attempts than the lowering unrolls into tasks")
    public static let rollbackAction = DiagnosticCode("RB5007", "ansible-rollback-action", .error, "a written rollback that is `manual`: rbc run asks a person during the rollback, a question the export does not lower yet")
    public static let stepID = DiagnosticCode("RB5008", "ansible-step-id", .error, "a step id that is not a plain name (letters, digits, `_`, `.`, `-`)")

    /// Every export diagnostic, in id order.
    public static let catalog: [DiagnosticCode] = [configStore, httpRequest, webhook, alternatives, templatedShell, tooManyAttempts, rollbackAction, stepID]
}

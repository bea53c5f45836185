// The diagnostics of `rbc export ansible` (RB5001-RB5099): a construct the lowering refuses rather
// than emit a playbook that would behave differently from `rbc run`.

import RunbookSource

public enum AnsibleDiagnostics {
    public static let configStore = DiagnosticCode("RB5001", "ansible-config-store", .error, "an `update_config` step: the Ansible lowering cannot edit a config store and journal its previous value first, as rbc run does")
    public static let httpRequest = DiagnosticCode("RB5002", "ansible-http-request", .error, "an `http_request` step: Ansible's uri module cannot bound a request by the step's remaining time to the millisecond")
    public static let webhook = DiagnosticCode("RB5003", "ansible-webhook", .error, "a notification or ticket while `.rbc.yaml` configures its webhook: posting through uri is bounded in whole seconds")
    public static let alternatives = DiagnosticCode("RB5004", "ansible-alternatives", .error, "a command holding alternatives (`# Option A` … `# Option B`): only `rbc run --step` can ask which one")
    public static let templatedShell = DiagnosticCode("RB5005", "ansible-templated-shell", .error, "a `shell` holding `${{ }}`: a value must not choose the program a playbook runs")
    public static let tooManyAttempts = DiagnosticCode("RB5006", "ansible-too-many-attempts", .error, "more attempts than the lowering unrolls into tasks")
    public static let rollbackAction = DiagnosticCode("RB5007", "ansible-rollback-action", .error, "a written rollback that is not a command")
    public static let stepID = DiagnosticCode("RB5008", "ansible-step-id", .error, "a step id that is not a plain name (letters, digits, `_`, `.`, `-`)")

    /// Every export diagnostic, in id order.
    public static let catalog: [DiagnosticCode] = [configStore, httpRequest, webhook, alternatives, templatedShell, tooManyAttempts, rollbackAction, stepID]
}

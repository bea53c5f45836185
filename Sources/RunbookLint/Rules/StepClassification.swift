// Shared judgements about steps: whether one changes something, whether it checks something. The lint
// rules and the run timeline's time to mitigate read the same judgement.

import RunbookSema

public enum StepClassification {
    /// Whether running the step changes the system (so it needs a rollback and a verification).
    public static func isChange(_ step: StepIR) -> Bool { isChange(step, commandIsReadOnly: CommandAnalysis.isReadOnly(command:)) }

    /// The same, reading commands with `commandIsReadOnly` (a lint context's, which reads each text once).
    public static func isChange(_ step: StepIR, commandIsReadOnly: (String) -> Bool) -> Bool {
        if step.readonly { return false }
        switch step.action.kind {
        case .executeCommand: return !commandIsReadOnly(step.action.command ?? "")
        case .httpRequest: return !["GET", "HEAD", "OPTIONS"].contains(step.action.method ?? "GET")
        case .updateConfig: return true
        case .sendNotification, .createTicket, .wait, .manual: return false
        }
    }

    /// Whether the step checks the system's state: a read-only command or request, a human check,
    /// or any step with an `expect`.
    public static func isCheck(_ step: StepIR) -> Bool { isCheck(step, commandIsReadOnly: CommandAnalysis.isReadOnly(command:)) }

    /// The same, reading commands with `commandIsReadOnly`.
    public static func isCheck(_ step: StepIR, commandIsReadOnly: (String) -> Bool) -> Bool {
        if hasExpect(step) { return true }
        switch step.action.kind {
        case .executeCommand: return step.readonly || commandIsReadOnly(step.action.command ?? "")
        case .httpRequest: return ["GET", "HEAD", "OPTIONS"].contains(step.action.method ?? "GET")
        case .manual: return true
        default: return false
        }
    }

    static func hasExpect(_ step: StepIR) -> Bool {
        guard let expect = step.expect else { return false }
        return expect.exitCodes != nil || expect.outputPattern != nil || expect.status != nil
    }
}

// The keys of the runbook language by context: what the type checker accepts, what "did you mean"
// suggests from, and what a test holds `schema/runbook.schema.json` to.

public enum LanguageKeys {
    public static let root: [String] = ["runbook"]
    public static let runbook: [String] = [
        "name", "severity", "description", "owner", "reviewed", "review_every", "tags", "escalation",
        "triggers", "params", "defaults", "steps", "post_runbook", "rollback", "procedures", "concurrent_runs",
    ]
    public static let procedure: [String] = ["id", "name", "description", "symptoms", "diagnosis", "steps"]
    public static let trigger: [String] = ["alert", "metric", "threshold", "duration", "description"]
    public static let param: [String] = ["type", "default", "description", "allowed", "pattern", "required", "secret"]
    public static let defaults: [String] = ["timeout", "on_failure", "retries"]
    public static let stepCommon: [String] = [
        "id", "name", "description", "action", "timeout", "on_failure", "retries", "expect", "confirm",
        "readonly", "irreversible", "when", "outputs", "rollback", "example_output",
    ]
    public static let output: [String] = ["from", "pattern", "json"]
    public static let rollbackCommon: [String] = ["action", "description", "timeout"]
    public static let retries: [String] = ["attempts", "backoff", "multiplier"]
    public static let expect: [String] = ["exit_code", "output", "status"]

    /// Action fields by kind, required ones first.
    public static func actionFields(_ kind: ActionKind) -> (required: [String], optional: [String]) {
        switch kind {
        case .executeCommand: (["command"], ["shell"])
        case .updateConfig: (["config_key", "value"], ["store"])
        case .sendNotification: (["channel", "message"], [])
        case .createTicket: (["title"], ["labels", "body"])
        case .httpRequest: (["url"], ["method", "body", "headers"])
        case .wait: (["duration"], [])
        case .manual: (["instructions"], [])
        }
    }

    /// Every action kind's fields, each once, in kind order. Built once: the type checker reads it
    /// for every step.
    public static let allActionFields: [String] = {
        var seen: [String] = []
        for kind in ActionKind.allCases {
            let fields = actionFields(kind)
            for field in fields.required + fields.optional where !seen.contains(field) { seen.append(field) }
        }
        return seen
    }()

    /// Duration keys that also accept integer milliseconds as `<key>Ms` (the seed executor's `timeoutMs`).
    public static let millisecondVariants: Set<String> = ["timeout", "duration", "backoff"]
}

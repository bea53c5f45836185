// One line of documentation per key of the runbook language and of `.rbc.yaml`, shown on hover and
// with completions (the long form is docs/language.md; a test holds this table to LanguageKeys).

import RunbookSema

enum KeyDocumentation {
    static let runbook: [String: String] = [
        "runbook": "The runbook's root mapping: its metadata and `steps`.",
        "name": "What the runbook (or step) is for, in words.",
        "severity": "`P0`–`P3` (or a spelling teams use: `critical`, `sev1`, …); the IR always says `P0`–`P3`.",
        "description": "Free text for humans.",
        "owner": "The team that maintains the runbook.",
        "reviewed": "Date of the last human review, `YYYY-MM-DD` (staleness rules RB017/RB018 read it).",
        "review_every": "How often the runbook must be reviewed: a duration, 1d–730d.",
        "tags": "A list of strings.",
        "escalation": "Who to call when the runbook does not help: a string or a list of strings.",
        "triggers": "What pages for this runbook: alerts or metric thresholds.",
        "params": "Inputs given at run time (`--param name=value`): a mapping from name to declaration.",
        "defaults": "Step settings (`timeout`, `on_failure`, `retries`) applied where a step says nothing.",
        "steps": "The procedure, in order: a list of steps, at least one.",
        "post_runbook": "Actions after the steps (tickets, notifications).",
        "rollback": "How to undo: a step's rollback action, or the runbook-wide list run after the steps' own rollbacks when a run aborts.",
        "procedures": "Named procedures (one per known issue), each with its own steps.",
        "concurrent_runs": "`true` lets other runs change the same config stores while this one runs.",
        // Procedures
        "symptoms": "What the responder sees when this procedure applies.",
        "diagnosis": "How to confirm that this procedure applies.",
        // Triggers
        "alert": "The alert name that pages for this runbook.",
        "metric": "The metric a threshold trigger watches.",
        "threshold": "The metric value that triggers the runbook.",
        // Params
        "type": "The parameter's type: `string`, `int`, `number`, `bool`, `duration` or `enum`.",
        "default": "The value used when the run gives none.",
        "allowed": "The values an `enum` parameter may take.",
        "pattern": "A regular expression the whole value must match (a parameter), or whose first group is the value (an output).",
        "required": "The run must give a value (`true` by default when there is no `default`).",
        "secret": "The value is masked as `***` in plans, logs and journals.",
        // Steps
        "id": "The step's id, `[A-Za-z0-9][A-Za-z0-9_.-]*`, unique: how expressions (`steps.ID`), rollbacks and the journal refer to it.",
        "action": "What the step does: `execute_command`, `update_config`, `send_notification`, `create_ticket`, `http_request`, `wait` or `manual`.",
        "timeout": "Bounds the whole step (all attempts and the waits between them), 1ms–1d; 10 minutes when neither the step nor `defaults` sets one.",
        "on_failure": "`abort` (stop, roll back completed steps), `continue` (record and go on) or `halt` (stop, roll back nothing). Default `abort`.",
        "retries": "Tries after the first failure: an integer 0–19, or `{attempts, backoff, multiplier}`.",
        "expect": "What success looks like: `exit_code`, `output` (a pattern) or `status` (HTTP).",
        "confirm": "A human approves before the step runs.",
        "readonly": "The step changes nothing, so it needs no rollback.",
        "irreversible": "Why the step cannot be rolled back.",
        "when": "A condition (an expression) for running the step, e.g. `steps.check.outputs.ready == 'false'`.",
        "outputs": "Values the step publishes for later steps as `steps.ID.outputs.NAME`: `{from, pattern | json}`.",
        "example_output": "What the command printed when the runbook was written: kept for the reader, never run.",
        // Outputs, retries, expect
        "from": "Where an output is read: `stdout` or `stderr` (commands), `body` (HTTP requests).",
        "json": "A JSON path (`$.status.ready`) into the output parsed as JSON.",
        "attempts": "Every try counts, the first one included.",
        "backoff": "The wait before the first retry (a duration).",
        "multiplier": "How much each wait grows over the previous one.",
        "exit_code": "Exit codes that count as success (default `0`).",
        "output": "A pattern the command's output must match.",
        "status": "HTTP status codes that count as success.",
        // Action fields
        "command": "The shell command to run; `${{ }}` values reach it through environment variables, never spliced into the text.",
        "shell": "The shell that runs `command` (default `sh`).",
        "config_key": "The configuration key to set.",
        "value": "The value to set the key to (a scalar).",
        "store": "The config store (from `.rbc.yaml` `stores:`) to change.",
        "channel": "Where the notification goes.",
        "message": "The notification's text.",
        "title": "The ticket's title.",
        "labels": "The ticket's labels (a list).",
        "body": "The ticket's or the HTTP request's body.",
        "url": "An absolute `http(s)://` URL.",
        "method": "`GET` (default), `HEAD`, `POST`, `PUT`, `PATCH`, `DELETE` or `OPTIONS`.",
        "headers": "HTTP headers: a mapping.",
        "duration": "How long to wait (or how long a trigger's condition must hold): a duration such as `30s`, 1ms–1d.",
        "instructions": "What the responder does by hand.",
    ]

    static let configuration: [String: String] = [
        "exclude": "Globs of paths directory walks skip.",
        "include": "Globs: directory walks check only the paths they match.",
        "documentation": "Globs of Markdown pages written for people, whatever they declare.",
        "rules": "Rule severities: `RB003: off`, `verification-missing: error`.",
        "budgets": "Severity budgets: limits on timeouts and retries per runbook severity.",
        "shellcheck": "ShellCheck options: `enabled`, `exclude` (codes), `executable`.",
        "review": "Review ages: `max_age_days`, `max_age_critical_days`.",
        "alerts": "Alert rule files checked for runbook coverage, and how their runbook links read.",
        "default_severity": "Severities for runbooks that state none, by path glob.",
        "stores": "Config stores `update_config` steps change: `{name: {file: path}}`.",
        "notifications": "The webhook `send_notification` steps post to.",
        "tickets": "The webhook `create_ticket` steps post to.",
        "unattended": "Runs have no human at the keyboard: steps that need one are reported.",
        "sections": "The section template Markdown runbooks follow.",
        "incidents": "Incident records (`rbc incident`): `directory`, `update_cadence`, `mitigation_targets` and more (docs/incidents.md).",
    ]

    /// Keys accepted anywhere in the language, for a table test.
    static var languageKeys: Set<String> {
        Set(LanguageKeys.runbook + LanguageKeys.procedure + LanguageKeys.trigger + LanguageKeys.param + LanguageKeys.defaults
            + LanguageKeys.stepCommon + LanguageKeys.output + LanguageKeys.rollbackCommon + LanguageKeys.retries + LanguageKeys.expect
            + LanguageKeys.allActionFields)
    }
}

// RB054: a duration given as a count of milliseconds (`timeoutMs: 360000`) reads better with a unit (`timeout: 6m`).

import RunbookSema
import RunbookSource
import RunbookSyntax

struct MillisecondDurationRule: LintRule {
    static let description = RuleDescription(
        id: "RB054", slug: "millisecond-duration", category: .timeouts, severity: .info, scope: .executable,
        summary: "a duration is a count of milliseconds (`timeoutMs: 360000`) where `timeout: 6m` says the same",
        rationale: """
        rbc accepts `timeoutMs`, `durationMs` and `backoffMs` (integer milliseconds, the spelling of the \
        executor sketch in the incident-response guide) beside `timeout`, `duration` and `backoff`. A \
        reviewer reads `6m` at a glance; `360000` has to be counted, and a zero too many or too few — a \
        timeout ten times too long, or one that ends every attempt at once — looks the same. Write the \
        duration with a unit.

        The fix writes the same duration in rbc's spelling (`timeoutMs: 360000` → `timeout: 6m`, \
        `timeoutMs: 1500` → `timeout: 1s500ms`), so it is safe: what a run does is unchanged. A timeout \
        under a second becomes `timeout: 30ms`, which shows what the runbook really says; when seconds \
        were meant, correct it by hand.
        """,
        triggering: [
            .steps("""
                - id: rollout
                  action: execute_command
                  command: "kubectl rollout status deploy/api --timeout=5m"
                  readonly: true
                  ↓timeoutMs: 360000↑
                - id: settle
                  action: wait
                  ↓durationMs: 30000↑
                  retries: {attempts: 2, ↓backoffMs: 5000↑}
            """),
            .steps("""
                - id: restart
                  action: execute_command
                  command: "kubectl rollout restart deploy/api"
                  timeout: 2m
                  rollback:
                    action: execute_command
                    command: "kubectl rollout undo deploy/api"
                    ↓timeoutMs: 90000↑
            """, extra: "  defaults:\n    ↓timeoutMs: 60000↑\n"),
            RuleExample("""
            ---
            name: Example
            severity: P3
            owner: team-sre
            triggers: [{alert: Example}]
            escalation: "#sre-oncall"
            ---
            # Example

            ## Verify

            ```bash {↓timeoutMs=360000↑}
            kubectl rollout status deploy/api --timeout=5m
            ```
            """, markdown: true),
        ],
        nonTriggering: [
            .steps("""
                - id: rollout
                  action: execute_command
                  command: "kubectl rollout status deploy/api --timeout=5m"
                  readonly: true
                  timeout: 6m
                - id: settle
                  action: wait
                  duration: 30s
                  retries: {attempts: 2, backoff: 5s}
            """),
        ],
        fix: .safe)

    func check(_ context: LintContext) -> [LintFinding] {
        var findings: [LintFinding] = []
        func inspect(_ mapping: MappingSyntax, within owner: SourceRange?) {
            for key in LanguageKeys.millisecondVariants.sorted() {
                guard let field = mapping[key + "Ms"], mapping[key] == nil else { continue }
                // A key merged in from an anchor elsewhere is reported where it is written, once.
                if let owner, !(owner.start <= field.keyRange.start && field.keyRange.end <= owner.end) { continue }
                if let finding = finding(field, key: key, context) { findings.append(finding) }
            }
            if let retries = mapping["retries"], let inner = nestedMapping(retries.value) { inspect(inner, within: owner) }
        }
        if let defaults = context.syntax.metadata["defaults"], let mapping = nestedMapping(defaults.value) { inspect(mapping, within: nil) }
        if let triggers = context.syntax.metadata["triggers"]?.value.sequenceItems {
            for trigger in triggers { if let mapping = nestedMapping(trigger) { inspect(mapping, within: trigger.range) } }
        }
        for view in context.allSteps {
            // A Markdown step's fields come from labels and fence attributes around its text, not from one mapping.
            let owner = context.syntax.format == .markdown ? nil : view.syntax.range
            inspect(view.syntax.fields, within: owner)
            if let rollback = view.syntax.rollback { inspect(rollback.fields, within: owner) }
        }
        return findings.sorted { ($0.range?.start ?? 0) < ($1.range?.start ?? 0) }
    }

    func nestedMapping(_ node: YAMLNode) -> MappingSyntax? {
        guard node.mappingPairs != nil else { return nil }
        var ignored = DiagnosticBag(file: nil)
        return RunbookParser.mapping(node, bag: &ignored)
    }

    func finding(_ field: FieldSyntax, key: String, _ context: LintContext) -> LintFinding? {
        // Only what compiled: a non-integer or out-of-range value already has its own error.
        guard field.value.scalarKind == .int, let text = field.value.scalarValue, let milliseconds = Int(text), milliseconds > 0 else { return nil }
        let duration = DurationParser.format(milliseconds: milliseconds)
        let written = context.hint(yaml: "\(key): \(duration)", markdown: "\(key)=\(duration)")
        // Safe: the same number of milliseconds in rbc's spelling; both edits must be exact or none is offered.
        let fix = ScalarEdits.renamingKey(field.key, at: field.keyRange, to: key, file: context.file).flatMap { rename in
            ScalarEdits.replacingValue(of: field.value, with: duration, file: context.file).map { Fix("write `\(written)`", .safe, edits: [rename, $0]) }
        }
        var help = "write `\(written)`"
        if key == "timeout", milliseconds < 1000 {
            help += ": \(milliseconds) milliseconds ends almost any command before it can finish; if you meant seconds, write `\(key): \(milliseconds)s`"
        }
        return LintFinding("`\(field.key)` counts milliseconds: \(milliseconds) is `\(duration)`",
                           at: SourceRange(start: field.keyRange.start, end: max(field.keyRange.end, field.value.range.end)),
                           help: help, fix: fix)
    }
}

// RB006: commands that destroy data or capacity wait for a human's approval.

import Foundation
import RunbookSema

struct DestructiveUnconfirmedRule: LintRule {
    static let description = RuleDescription(
        id: "RB006", slug: "destructive-unconfirmed", category: .safety, severity: .error, scope: .both,
        summary: "a destructive command runs without `confirm: true`",
        rationale: """
        Some commands cannot be taken back or take capacity away: `kubectl delete`, `kubectl drain`, \
        scaling to zero, `rm -r`, SQL `DROP`/`TRUNCATE`/`DELETE FROM`, `pg_terminate_backend`, Redis \
        `FLUSHALL`/`FLUSHDB`, `terraform destroy`, `git push --force`, `git reset --hard`, \
        `helm uninstall`, `docker system prune`, `mkfs`, `dd of=/dev/…`. Under pressure a wrong \
        parameter deletes the wrong thing. `confirm: true` makes rbc show the exact command and wait \
        for approval. On a page for people, where rbc asks nobody, the page itself must warn: a \
        destructive command is reported (as a warning) unless the step's text says so — "warning", \
        "caution", "irreversible", "make sure", "double-check"…
        """,
        triggering: [
            .steps("""
                - id: drop-cache
                  action: execute_command
                  command: "redis-cli -h cache ↓FLUSHALL↑"
                  timeout: 1m
                  irreversible: "the cache refills from the database"
                - id: clean
                  action: execute_command
                  command: |
                    cd /var/lib/app
                    ↓rm -rf↑ ./tmp
                  timeout: 1m
                  irreversible: "temporary files"
                - id: evict
                  action: execute_command
                  command: "↓kubectl delete↑ pod -l app=api"
                  timeout: 1m
                  irreversible: "pods are recreated"
            """),
            RuleExample("""
            ---
            severity: P3
            ---
            # Disk full

            ## Mitigation

            Remove the archived logs:

            ```sh
            ↓rm -rf↑ /var/log/app/archive
            ```

            Restart every pod:

            ```sh
            ↓kubectl delete↑ pods --all -A
            ```

            Or the stuck one:

            ```sh
            ↓kubectl -n db delete↑ pod db-0 --force --grace-period=0
            ```
            """, markdown: true),
        ],
        nonTriggering: [
            .steps("""
                - id: evict
                  action: execute_command
                  command: "kubectl delete pod -l app=api"
                  confirm: true
                  timeout: 1m
                  irreversible: "pods are recreated"
                - id: pods
                  action: execute_command
                  command: "kubectl get pods --field-selector=status.phase!=Running"
                  timeout: 1m
            """),
            RuleExample("""
            ---
            severity: P3
            ---
            # Disk full

            ## Mitigation

            Careful: this removes the archived logs for good.

            ```sh
            rm -rf /var/log/app/archive
            ```

            Restart the API pods so they remount the volume:

            ```sh
            kubectl -n prod delete pod -l app=api
            kubectl -n prod delete lease/api-leader
            ```
            """, markdown: true),
        ])

    /// Each destructive pattern with what it does, as a regular expression over the command text, and
    /// the words (lower-case) every match of it holds.
    static let patterns: [(pattern: String, meaning: String, words: [[String]])] = [
        (#"\bkubectl\s+(?:[^|;&\n]*\s)?delete\b"#, "deletes Kubernetes objects", [["kubectl", "delete"]]),
        (#"\bkubectl\s+(?:[^|;&\n]*\s)?drain\b"#, "evicts every pod from a node", [["kubectl", "drain"]]),
        (#"\bkubectl\s+(?:[^|;&\n]*\s)?scale\b[^|;&\n]*--replicas[= ]0\b"#, "scales to zero", [["kubectl", "scale", "--replicas=0"], ["kubectl", "scale", "--replicas 0"]]),
        (#"\brm\s+(?:-[a-zA-Z]*[rR][a-zA-Z]*|--recursive)\b"#, "deletes files recursively", [["rm", "-"]]),
        (#"(?i)\b(?:drop\s+(?:table|database|schema|index)|truncate\s+(?:table\s+)?\w|delete\s+from)\b"#, "destroys database rows or objects",
         [["drop"], ["truncate"], ["delete", "from"]]),
        (#"(?i)\bpg_terminate_backend\b"#, "terminates database sessions", [["pg_terminate_backend"]]),
        (#"(?i)\bflush(?:all|db)\b"#, "empties Redis", [["flush"]]),
        (#"\bterraform\s+(?:[^|;&\n]*\s)?destroy\b"#, "destroys infrastructure", [["terraform", "destroy"]]),
        (#"\bgit\s+push\b[^|;&\n]*(?:--force\b|\s-f\b)"#, "rewrites remote history", [["git", "push", "-f"]]),
        (#"\bgit\s+reset\s+--hard\b"#, "discards local changes", [["git", "reset", "--hard"]]),
        (#"\bhelm\s+(?:uninstall|delete)\b"#, "removes a release", [["helm", "uninstall"], ["helm", "delete"]]),
        (#"\bdocker\s+(?:system\s+prune|rm\s+-f)\b"#, "removes containers and data", [["docker", "prune"], ["docker", "rm", "-f"]]),
        (#"\bmkfs(?:\.\w+)?\b"#, "formats a filesystem", [["mkfs"]]),
        (#"\bdd\s+[^|;&\n]*\bof=/dev/"#, "overwrites a device", [["dd", "of=/dev/"]]),
        (#"\baws\s+\S+\s+(?:delete-|terminate-)"#, "deletes cloud resources", [["aws", "delete-"], ["aws", "terminate-"]]),
        (#"\bgcloud\s+(?:[^|;&\n]*\s)?delete\b"#, "deletes cloud resources", [["gcloud", "delete"]]),
    ]

    static let compiled: [(NSRegularExpression, String)] = patterns.compactMap { source in
        (try? NSRegularExpression(pattern: source.pattern)).map { ($0, source.meaning) }
    }

    /// Every pattern in one alternation: most commands match none, and one search finds that
    /// (a search per pattern profiled as 4 % of a 10,000-runbook check).
    static let any = NSRegularExpression.anyOf(compiled.map(\.0))
    /// Before it, the words a match needs, on bytes: the alternation was still 5 % of a check.
    static let required = RequiredWords(patterns.flatMap(\.words))

    /// The index of the `kubectl delete` pattern in `patterns`.
    static let kubectlDelete = 0

    /// Kinds whose objects a controller recreates: deleting them restarts rather than destroys.
    static let recreatedKinds: Set<String> = ["pod", "pods", "po", "lease", "leases", "event", "events", "ev"]
    /// `kubectl` options that take a value as the next word (before or after the verb).
    static let kubectlValueOptions: Set<String> = [
        "-n", "--namespace", "-l", "--selector", "--field-selector", "--context", "--cluster", "--kubeconfig", "--user",
        "-s", "--server", "--timeout", "-o", "--output", "--cascade", "--wait", "--as", "--as-group", "--token",
    ]
    /// Options that make a delete reach further than a restart: every object, other namespaces, from a
    /// file whose kinds the page does not show, or forced without waiting for the pod to stop.
    static let kubectlWideOptions: Set<String> = ["--all", "-A", "--all-namespaces", "--force", "-f", "--filename", "-k", "--kustomize", "-R", "--recursive"]

    /// Whether every `kubectl`/`oc delete` in the command only deletes pods, leases or events, one by
    /// name or by selector, without `--all`, `-A`, `--force` or `--grace-period=0`.
    static func onlyRestarts(_ command: String) -> Bool {
        var sawDelete = false
        for simple in CommandAnalysis.commands(command) where ["kubectl", "oc"].contains(simple.program) {
            let arguments = simple.arguments
            var index = 0
            var verb: String?
            var kind: String?
            while index < arguments.count {
                let argument = arguments[index]
                if argument.hasPrefix("-") {
                    let name = argument.split(separator: "=", maxSplits: 1).first.map(String.init) ?? argument
                    if kubectlWideOptions.contains(name) { return false }
                    if name == "--grace-period", (argument.hasSuffix("=0") || (!argument.contains("=") && arguments.dropFirst(index + 1).first == "0")) {
                        return false
                    }
                    if !argument.contains("="), kubectlValueOptions.contains(argument) || argument == "--grace-period" { index += 1 }
                } else if verb == nil {
                    verb = argument
                } else if kind == nil {
                    kind = argument
                }
                index += 1
            }
            guard verb == "delete" else { continue }
            sawDelete = true
            guard let kind, !kind.isEmpty else { return false }
            let kinds = (kind.split(separator: "/").first ?? "").split(separator: ",", omittingEmptySubsequences: false)
            if kind.hasPrefix("/") || kinds.isEmpty || !kinds.allSatisfy({ recreatedKinds.contains($0.lowercased()) }) { return false }
        }
        return sawDelete
    }

    /// Words with which a page warns its reader before a command that destroys something.
    static let warnings = ["warning", "caution", "careful", "danger", "destructive", "irreversible", "cannot be undone",
                           "can't be undone", "data loss", "lose data", "make sure", "double-check", "double check", "be sure"]

    func check(_ context: LintContext) -> [LintFinding] {
        var findings: [LintFinding] = []
        let forPeople = context.isDocumentation
        for view in context.allSteps where view.ir.action.kind == .executeCommand && !view.ir.confirm {
            guard let node = view.field("command")?.value, let command = node.scalarValue, Self.required.mayMatch(command) else { continue }
            if forPeople {
                // A page for people warns in words; rbc cannot ask for confirmation there.
                let prose = ((view.ir.name ?? "") + " " + (view.ir.description ?? "")).lowercased()
                if Self.warnings.contains(where: { prose.contains($0) }) || CommandText.content(command) != .shell { continue }
            }
            let nsrange = NSRange(command.startIndex..., in: command)
            if let any = Self.any, any.firstMatch(in: command, range: nsrange) == nil { continue }
            for (index, (regex, meaning)) in Self.compiled.enumerated() {
                guard let match = regex.firstMatch(in: command, range: nsrange), let range = Range(match.range, in: command) else { continue }
                // On a page, deleting pods (or a leader lease) is how people restart them: their
                // controller recreates them. Deleting every pod, or forcing one off its node, is not.
                if forPeople, index == Self.kubectlDelete, Self.onlyRestarts(command) { continue }
                let text = String(command[range]).split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
                if forPeople {
                    findings.append(LintFinding("`\(text)` \(meaning), and nothing around \(context.describe(view)) warns the reader",
                                                at: context.range(of: range, in: node),
                                                help: "say before the command what it destroys and what to check first (the target, a backup)",
                                                severity: .warning))
                } else {
                    findings.append(LintFinding("`\(text)` \(meaning) but \(context.describe(view)) does not ask for confirmation",
                                                at: context.range(of: range, in: node),
                                                help: context.hint(yaml: "add `confirm: true` so a human approves the exact command before it runs",
                                                                      markdown: "add `**Confirm**: true` (or `{confirm}` on the fence) so a human approves the exact command before it runs")))
                }
                break
            }
        }
        return findings
    }
}

// RB032: a command on a page for people reads a `$VARIABLE` the page never sets or explains.

import Foundation
import RunbookSyntax

struct UnexplainedVariableRule: LintRule {
    static let description = RuleDescription(
        id: "RB032", slug: "unexplained-variable", category: .placeholders, severity: .warning, scope: .documentation,
        summary: "a command on a page for people reads a `$VARIABLE` the page never sets or explains",
        rationale: """
        `kubectl -n $NAMESPACE delete pod $POD`, pasted by a responder who did not set `NAMESPACE`, \
        runs against the default namespace: an unset variable expands to nothing, silently. A page \
        that uses a variable says where its value comes from — set it in a command \
        (`NAMESPACE=monitoring`, `export POD=…`, `read`, `for POD in …`) or name it in the text \
        ("`$NAMESPACE` is the alert's `namespace` label"; a page that names what the variable stands for \
        — "the node that is not ready" for `$NODE` — has said it). Each variable is reported once per page, \
        where it is first used. Variables every shell or tool sets (`$HOME`, `$USER`, `$KUBECONFIG`, \
        `$AWS_PROFILE`…) are not reported, and neither are `<placeholder>`s: they fail loudly when \
        pasted, and say what goes there.
        """,
        triggering: [
            RuleExample("""
            ---
            severity: P3
            ---
            # KubePodCrashLooping

            ## Diagnosis

            ```sh
            kubectl -n ↓$NAMESPACE↑ describe pod $POD
            ```

            `$POD` is the `pod` label of the alert.
            """, markdown: true),
        ],
        nonTriggering: [
            RuleExample("""
            ---
            severity: P3
            ---
            # KubePodCrashLooping

            ## Diagnosis

            ```sh
            NAMESPACE=monitoring
            ```

            ```sh
            kubectl -n $NAMESPACE describe pod $POD --kubeconfig $KUBECONFIG <pod-name>
            ```

            Set POD to the `pod` label of the alert.
            """, markdown: true),
        ])

    /// Set by the shell, the login, or the tools' own configuration.
    static let environment: Set<String> = [
        "HOME", "PATH", "USER", "LOGNAME", "PWD", "OLDPWD", "SHELL", "HOSTNAME", "HOST", "TERM", "LANG", "LC_ALL", "TMPDIR", "TZ",
        "EDITOR", "VISUAL", "PAGER", "UID", "EUID", "PPID", "RANDOM", "SECONDS", "LINENO", "IFS", "PS1", "BASH_SOURCE", "BASHPID",
        "DISPLAY", "SSH_AUTH_SOCK", "XDG_RUNTIME_DIR", "XDG_CONFIG_HOME", "KUBECONFIG", "KUBE_EDITOR", "AWS_PROFILE", "AWS_REGION",
        "AWS_DEFAULT_REGION", "CLOUDSDK_CORE_PROJECT", "GOOGLE_APPLICATION_CREDENTIALS", "VAULT_ADDR", "GOPATH", "JAVA_HOME",
        "CI_PROJECT_DIR", "CI_COMMIT_SHA", "GITHUB_WORKSPACE",
    ]

    func check(_ context: LintContext) -> [LintFinding] {
        guard let page = context.page else { return [] }
        let pageText = page.text
        let assigned = CommandText.assignedNames(pageText)
        let prose = Self.prose(pageText)
        var reported = Set<String>()
        var findings: [LintFinding] = []
        for view in context.allSteps {
            for (_, node) in commandNodes(view, context) {
                guard let command = node.scalarValue, CommandText.content(command) == .shell else { continue }
                for variable in CommandText.unsetVariables(command) where !reported.contains(variable.name) {
                    let name = variable.name
                    guard !assigned.contains(name), !Self.environment.contains(name), !Self.mentions(prose, name) else { continue }
                    reported.insert(name)
                    findings.append(LintFinding(
                        "`$\(name)` is used in \(context.describe(view)) but the page never sets it or says what it holds",
                        at: context.range(in: node, variable.range.lowerBound, variable.range.upperBound),
                        help: "say where the value comes from (\"`\(name)` is the alert's … label\") or set it first: `\(name)=…`"))
                }
            }
        }
        return findings
    }

    /// Whether the prose names the variable: `NAMESPACE`, "the namespace", `node_name`, "the node name"
    /// (case-insensitively: a page that says which node is meant has said what `$NODE` holds).
    static func mentions(_ prose: String, _ name: String) -> Bool {
        let spelled = NSRegularExpression.escapedPattern(for: name).replacingOccurrences(of: "_", with: "[ _-]")
        return prose.range(of: "(?i)(?<![A-Za-z0-9_])\(spelled)(?![A-Za-z0-9_])", options: .regularExpression) != nil
    }

    /// The page without its code fences: what the page says in words (inline code included).
    static func prose(_ text: String) -> String {
        var out: [Substring] = []
        var fence: Substring?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.drop { $0 == " " || $0 == "\t" }
            if let open = fence {
                if trimmed.hasPrefix(open) { fence = nil }
                continue
            }
            if trimmed.hasPrefix("```") || trimmed.hasPrefix("~~~") {
                fence = trimmed.prefix { $0 == "`" || $0 == "~" }
                continue
            }
            out.append(line)
        }
        return out.joined(separator: "\n")
    }
}

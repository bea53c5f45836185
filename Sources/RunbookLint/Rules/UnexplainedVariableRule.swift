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
        — "the node that is not ready" for `$NODE` — has said it; so has a name that says what it holds in \
        the page's own words, `$COREDNS_POD_NAME` on a page about CoreDNS pods (or glued, `$SNAPSHOTCLASSNAME` \
        on one about snapshot classes), `$NS` (kubectl's short name) \
        beside a `namespace` label, and a query's output that shows `pv_name="…"` for `$PV_NAME`; a \
        credential's name, `$GITLAB_API_TOKEN`, never says where to get it). Each variable is reported once per page, \
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
            // A command continued over lines in a terminal session is a command, not output that shows `$POD`.
            RuleExample("""
            ---
            severity: P3
            ---
            # Crash loops

            ## Diagnosis

            ```console
            $ kubectl logs --previous \\
                -n monitoring ↓$POD↑
            ```
            """, markdown: true),
            // A credential's name says what it is, not where to get it: that takes words about it.
            RuleExample("""
            ---
            severity: P3
            ---
            # SidekiqQueueTooLarge

            ## Mitigation

            Remove the jobs through GitLab's API, as an admin, with a token.

            ```sh
            curl -H "PRIVATE-TOKEN: ↓$GITLAB_API_TOKEN_ADMIN↑" https://gitlab.example.com/api/v4/jobs
            ```
            """, markdown: true),
            // Glued words the page never uses say nothing.
            RuleExample("""
            ---
            severity: P3
            ---
            # Snapshot class missing

            ## Workaround

            ```sh
            kubectl get volumesnapshotclass ↓$FLEETGROUPNAME↑ -o yaml > class.yaml
            ```
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
            // Names that say what they hold, of things the page talks about: the pod's name, the upstream
            // nameserver's address, the ServiceMonitor's name, kubectl's short name for the namespace.
            RuleExample("""
            ---
            severity: P3
            ---
            # CoreDNSErrorsHigh

            ## Diagnosis

            Check that the CoreDNS pods can reach the upstream nameservers. The alert's `namespace`
            label says where the ServiceMonitor lives.

            ```sh
            # a CoreDNS pod's name starts with dns-default
            oc exec pod/$COREDNS_POD_NAME -n "$NS" -- dig @$IP_OF_UPSTREAM_NAMESERVER
            oc get servicemonitor -n "$NS" $SERVICE_MONITOR_NAME
            oc logs --max-log-requests $NUMBER_OF_COREDNS_PODS
            ```
            """, markdown: true),
            // The query's output shows the labels the variables stand for.
            RuleExample("""
            ---
            severity: P3
            ---
            # VirtualMachineCRCErrors

            ## Diagnosis

            ```promql
            kubevirt_ssp_vm_rbd_volume{namespace="test", pv_name="vm-disk"} == 1
            ```

            ```sh
            kubectl -n $NS get pv ${PV_NAME} -o=jsonpath='{.spec.storageClassName}'
            ```
            """, markdown: true),
            // A name glued without underscores, of the page's words and a word that says which one.
            RuleExample("""
            ---
            severity: P3
            ---
            # Snapshot class missing

            ## Workaround

            Recreate the snapshot class the volumes use:

            ```sh
            kubectl get volumesnapshotclass ${SNAPSHOTCLASSNAME} -o yaml > class.yaml
            ```
            """, markdown: true),
        ], answersFromFrontMatter: true)

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
        var proseWords: ProseWords?
        var reported = Set<String>()
        var findings: [LintFinding] = []
        for view in context.allSteps {
            for (_, node) in commandNodes(view, context) {
                guard let command = node.scalarValue, CommandText.content(command) == .shell else { continue }
                for variable in CommandText.unsetVariables(command) where !reported.contains(variable.name) {
                    let name = variable.name
                    guard !assigned.contains(name), !Self.environment.contains(name), !Self.mentions(prose, name) else { continue }
                    let words = proseWords ?? ProseWords(prose)
                    proseWords = words
                    guard !Self.describesItself(name, words) else { continue }
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

    /// Words that say which one of a thing a name holds rather than what the thing is: `POD_NAME` is the
    /// name of a pod, `IP_OF_UPSTREAM_NAMESERVER` the address of an upstream nameserver.
    static let identifierWords: Set<String> = [
        "name", "names", "id", "ids", "uid", "uuid", "arn", "arns", "uri", "ip", "ips", "addr", "address", "host", "hostname", "url",
        "port", "path", "file", "dir", "number", "num", "count", "of", "the", "a", "an", "to", "for", "in", "on",
    ]

    static let functionWords: Set<String> = ["of", "the", "a", "an", "to", "for", "in", "on"]

    /// Words that make a name a credential: its name says what it is, never where to get it.
    static let credentialWords: Set<String> = [
        "token", "password", "passwd", "pass", "pw", "secret", "key", "apikey", "credential", "credentials", "creds", "auth",
    ]

    /// kubectl's short names for its kinds (`kubectl api-resources`): `$NS` on a page about a namespace
    /// label is that namespace.
    static let kubernetesShortNames: [String: [String]] = [
        "ns": ["namespace"], "po": ["pod"], "no": ["node"], "svc": ["service"], "deploy": ["deployment"],
        "sts": ["statefulset"], "ds": ["daemonset"], "rs": ["replicaset"], "pv": ["persistent", "volume"],
        "pvc": ["persistent", "volume", "claim"], "sa": ["service", "account"], "cm": ["configmap"],
        "pdb": ["pod", "disruption", "budget"], "ep": ["endpoints"], "ing": ["ingress"],
        "hpa": ["horizontal", "pod", "autoscaler"], "cj": ["cronjob"], "sc": ["storage", "class"],
        "netpol": ["network", "policy"], "crd": ["custom", "resource", "definition"], "ctx": ["context"],
    ]

    /// Whether the variable's name says what it holds, in words the page uses: `$COREDNS_POD_NAME` on a
    /// page about CoreDNS pods, `$SERVICE_MONITOR_NAME` beside "the ServiceMonitor", `$NS` beside the
    /// alert's `namespace` label. The reader knows what to put there. A credential (`$GITLAB_API_TOKEN`)
    /// is not explained by its name: where it comes from takes words of its own.
    static func describesItself(_ name: String, _ prose: ProseWords) -> Bool {
        var words = name.lowercased().split(separator: "_").map(String.init)
        if words.count == 1, let parts = gluedWords(words[0], prose) { words = parts }
        let things = words.filter { !identifierWords.contains($0) }
        guard !things.isEmpty else { return false }
        if words.last != "name", words.last != "names", words.contains(where: credentialWords.contains) { return false }
        return things.allSatisfy { word in
            if prose.contains(word) { return true }
            guard let spelledOut = kubernetesShortNames[word] else { return false }
            return spelledOut.allSatisfy(prose.contains) || prose.contains(spelledOut.joined())
        }
    }

    /// A name written without separators, read as the page's words it glues together before the
    /// word that says which one: `BACKINGIMAGENAME` on a page about backing images is "backing image"
    /// + "name", `PODNAME` "pod" + "name". Only a name that ends in such a word (`name`, `id`, `ip`,
    /// `path`…) and whose other parts, three letters or more each, are all words of the page.
    static func gluedWords(_ name: String, _ prose: ProseWords) -> [String]? {
        let letters = Array(name)
        guard letters.count <= 64, letters.allSatisfy(\.isLetter) else { return nil }
        for ending in identifierWords.subtracting(functionWords).sorted(by: { ($0.count, $0) > ($1.count, $1) })
            where name.hasSuffix(ending) && name.count > ending.count {
            let head = Array(letters.dropLast(ending.count))
            // parts[i]: the page's words that spell head[..<i], if they can.
            var parts: [[String]?] = Array(repeating: nil, count: head.count + 1)
            parts[0] = []
            for end in 1...head.count {
                for start in stride(from: end - 3, through: 0, by: -1) {
                    guard let before = parts[start] else { continue }
                    let word = String(head[start..<end])
                    if prose.contains(word) {
                        parts[end] = before + [word]
                        break
                    }
                }
            }
            if let found = parts[head.count], !found.isEmpty { return found + [ending] }
        }
        return nil
    }

    /// What the page says in words (inline code included), and what it shows in fences that hold no
    /// commands: a query's output or a YAML object that shows `namespace="…"`, `pv_name="…"` has shown
    /// where `$NAMESPACE` and `$PV_NAME` come from, and so has the output in a terminal session
    /// (`console`: the lines behind no `$ ` or `# ` prompt). Commands, in shell fences and in fences that
    /// name no language, are left out: a command using `$POD` does not explain it.
    static func prose(_ text: String) -> String {
        var out: [Substring] = []
        var fence: Substring?
        var fenceShowsCommands = false
        var session: [String]?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.drop { $0 == " " || $0 == "\t" }
            if let open = fence {
                if trimmed.hasPrefix(open) {
                    fence = nil
                    // A terminal session's output, as the parser splits it: a command continued over
                    // lines (`\`, `> `) stays a command.
                    if let lines = session, let output = MarkdownRunbookParser.splitPrompts(lines.joined(separator: "\n"), language: "console").output {
                        out.append(Substring(output))
                    }
                    session = nil
                } else if session != nil {
                    session?.append(String(trimmed))
                } else if !fenceShowsCommands {
                    out.append(line)
                }
                continue
            }
            if trimmed.hasPrefix("```") || trimmed.hasPrefix("~~~") {
                let marks = trimmed.prefix { $0 == "`" || $0 == "~" }
                fence = marks
                let language = trimmed.dropFirst(marks.count).drop { $0 == " " || $0 == "{" || $0 == "." }
                    .prefix { !$0.isWhitespace && $0 != "}" && $0 != "," }.lowercased()
                fenceShowsCommands = language.isEmpty || MarkdownRunbookParser.shellLanguages.contains(language)
                session = MarkdownRunbookParser.sessionLanguages.contains(language) ? [] : nil
                continue
            }
            out.append(line)
        }
        return out.joined(separator: "\n")
    }
}

/// The words of a page's prose, lower-cased, each also without a plural
/// `s`, and each CamelCase word also split into its parts (`ServiceMonitor`: `servicemonitor`,
/// `service`, `monitor`).
struct ProseWords {
    private var words = Set<String>()

    init(_ text: String) {
        var word = ""
        var part = ""
        func add(_ token: String) {
            guard !token.isEmpty else { return }
            let lower = token.lowercased()
            words.insert(lower)
            if lower.count > 3, lower.hasSuffix("s") { words.insert(String(lower.dropLast())) }
        }
        for character in text {
            if character.isLetter || character.isNumber {
                if character.isUppercase, let last = part.last, last.isLowercase {
                    add(part)
                    part = ""
                }
                word.append(character)
                part.append(character)
            } else {
                if word != part { add(part) }
                add(word)
                word = ""
                part = ""
            }
        }
        if word != part { add(part) }
        add(word)
    }

    func contains(_ word: String) -> Bool {
        words.contains(word) || (word.count > 3 && word.hasSuffix("s") && words.contains(String(word.dropLast())))
    }
}

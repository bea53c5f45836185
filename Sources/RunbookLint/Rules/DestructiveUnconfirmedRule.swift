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
        destructive command is reported (as a warning) unless the step's text, or a comment in its \
        fence, says so — "warning", "caution", "irreversible", "make sure", "double-check", "as a last \
        resort"… Comments are not run: `terraform plan  # expect 0 to destroy` destroys nothing. There, \
        removing a directory a tool fills again (`rm -rf .terraform`, `node_modules`, a `cache`) and \
        `pg_terminate_backend(<pid>)` of the one session the step names (not `… FROM pg_stat_activity`) \
        are not reported; deleting pods, leases or events \
        by name or selector restarts them (their controller recreates them), and deleting pods that no \
        longer run (`--field-selector=status.phase=Failed`, `… | grep Evicted | xargs kubectl delete`) \
        cleans up: neither is reported, and neither is deleting what the page's earlier steps created \
        (`kubectl delete -f smoke.yaml` after `kubectl apply -f smoke.yaml`, a namespace it made with \
        `kubectl create namespace`) in the same namespace and cluster. Deleting every pod, forcing one off its node (`--force`, \
        `--grace-period=0`) or any other kind is.
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
            // Deleting more than the page made: its file, and a namespace it did not create.
            RuleExample("""
            ---
            severity: P3
            ---
            # Check the issuer

            ## Steps

            ```sh
            kubectl -n issuer-smoke apply -f smoke-certificate.yaml
            ```

            Start over:

            ```sh
            ↓kubectl -n issuer-smoke delete↑ -f smoke-certificate.yaml -f issuer.yaml
            ```
            """, markdown: true),
            // The same name in another namespace is another object: the page made only the scratch one.
            RuleExample("""
            ---
            severity: P3
            ---
            # Rotate the database credentials

            ## Steps

            ```sh
            kubectl -n scratch create secret generic db-creds --from-literal=password=test
            ```

            Then:

            ```sh
            ↓kubectl -n production delete↑ secret db-creds
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

            Clean up the pods that failed:

            ```sh
            kubectl get pods -A --field-selector=status.phase=Failed -o name | xargs kubectl delete
            ```
            """, markdown: true),
            // Cleaning up what the page's own earlier steps made.
            RuleExample("""
            ---
            severity: P3
            ---
            # Check the issuer

            ## Steps

            Issue a test certificate in a scratch namespace:

            ```sh
            kubectl create namespace issuer-smoke
            kubectl -n issuer-smoke apply -f smoke-certificate.yaml
            ```

            Remove them again:

            ```sh
            kubectl -n issuer-smoke delete -f smoke-certificate.yaml
            kubectl delete ns/issuer-smoke
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

    /// The index of the `kubectl delete` pattern in `patterns`, and of others the page's words can clear.
    static let kubectlDelete = 0
    static let recursiveRemove = 3
    static let terminateBackend = 5

    /// Kinds whose objects a controller recreates: deleting them restarts rather than destroys.
    static let recreatedKinds: Set<String> = ["pod", "pods", "po", "lease", "leases", "event", "events", "ev"]
    /// Kinds a placeholder may name that are not recreated (`<deployment>`, `<pvc-name>`).
    static let lastingKinds: Set<String> = [
        "deployment", "deploy", "statefulset", "sts", "daemonset", "ds", "namespace", "ns", "pvc", "pv", "volume", "claim",
        "persistentvolumeclaim", "persistentvolume", "secret", "configmap", "cm", "service", "svc", "node", "job", "cronjob",
        "crd", "ingress", "replicaset", "rs", "release", "cluster", "database", "db", "bucket",
    ]
    /// `kubectl` options that take a value as the next word (before or after the verb).
    static let kubectlValueOptions: Set<String> = [
        "-n", "--namespace", "-l", "--selector", "--field-selector", "--context", "--cluster", "--kubeconfig", "--user",
        "-s", "--server", "--timeout", "-o", "--output", "--cascade", "--wait", "--as", "--as-group", "--token", "--grace-period",
    ]
    /// Options that make a delete reach further than a restart: from a file whose kinds the page does
    /// not show, or forced without waiting for the pod to stop.
    static let kubectlForcedOptions: Set<String> = ["--force", "-f", "--filename", "-k", "--kustomize", "-R", "--recursive"]
    /// Options that reach every object of the kind, or every namespace.
    static let kubectlWideOptions: Set<String> = ["--all", "-A", "--all-namespaces"]
    /// Pod states (as `kubectl get pods` prints them) of pods that no longer run: cleaning them up
    /// stops nothing.
    static let finishedStates = ["evicted", "failed", "error", "completed", "succeeded", "oomkilled", "crashloopbackoff", "terminating",
                                 "unknown", "containerstatusunknown", "imagepullbackoff", "errimagepull", "shutdown", "nodelost", "outofcpu",
                                 "outofmemory", "nodeaffinity"]

    /// What one `kubectl`/`oc` command says about the objects it reaches.
    struct KubectlReach {
        var verb: String?
        /// The kinds named (`pod`, `pod,pvc`, `po/web-0`); nil when the only object named is a
        /// placeholder the reader fills in (`<virt-handler>`, `$POD`).
        var kinds: [String]?
        var placeholder: String?
        var forced = false
        var wide = false
        /// A name, a label or field selector: some objects, not all.
        var narrowed = false
        /// A field selector on the phase that leaves out running pods (`status.phase=Failed`).
        var finishedOnly = false

        init(_ arguments: [String]) {
            var index = 0
            var positional: [String] = []
            while index < arguments.count {
                let argument = arguments[index]
                if argument.hasPrefix("-") {
                    let parts = argument.split(separator: "=", maxSplits: 1).map(String.init)
                    let name = parts.first ?? argument
                    let value = parts.count == 2 ? parts[1] : (DestructiveUnconfirmedRule.kubectlValueOptions.contains(name) ? arguments.dropFirst(index + 1).first : nil)
                    if DestructiveUnconfirmedRule.kubectlForcedOptions.contains(name) || (name == "--grace-period" && value == "0") { forced = true }
                    if DestructiveUnconfirmedRule.kubectlWideOptions.contains(name) { wide = true }
                    if ["-l", "--selector", "--field-selector"].contains(name) { narrowed = true }
                    if name == "--field-selector", let value, value.split(separator: ",").contains(where: Self.selectsFinishedPhase) { finishedOnly = true }
                    if parts.count == 1, DestructiveUnconfirmedRule.kubectlValueOptions.contains(name) { index += 1 }
                } else if verb == nil {
                    verb = argument
                } else {
                    positional.append(argument)
                }
                index += 1
            }
            guard let first = positional.first else { return }
            if positional.count == 1, !first.contains("/"), Self.isPlaceholder(first) {
                placeholder = first
                narrowed = true
                return
            }
            if first.contains("/") || positional.count > 1 { narrowed = true }
            kinds = positional.compactMap { word -> [String]? in
                guard word == first || word.contains("/") else { return nil }
                return (word.split(separator: "/").first ?? "").split(separator: ",", omittingEmptySubsequences: false).map { $0.lowercased() }
            }.flatMap { $0 }
            if first.hasPrefix("/") { kinds = [""] }
        }

        /// A term of a field selector that keeps only pods that no longer run: `status.phase=Failed`
        /// (or `Succeeded`), `status.phase!=Running`. `status.phase!=Failed` keeps the running ones.
        static func selectsFinishedPhase(_ term: Substring) -> Bool {
            let compact = term.filter { $0 != " " }.lowercased()
            return ["status.phase=failed", "status.phase==failed", "status.phase=succeeded", "status.phase==succeeded",
                    "status.phase!=running"].contains(compact)
        }

        /// Whether `kubectl get` prints its STATUS column: not when `-o`/`--output` asks for names,
        /// JSON or columns of the page's choosing (unless they name a status), only with `-o wide`.
        static func printsStatus(_ arguments: [String]) -> Bool {
            for (index, argument) in arguments.enumerated() {
                let parts = argument.split(separator: "=", maxSplits: 1).map(String.init)
                guard let name = parts.first, name == "-o" || name == "--output" || (argument.hasPrefix("-o") && !argument.hasPrefix("--")) else { continue }
                let value = parts.count == 2 ? parts[1] : (argument.count > 2 && !argument.hasPrefix("--") ? String(argument.dropFirst(2)) : arguments.dropFirst(index + 1).first ?? "")
                let format = value.lowercased()
                return format == "wide" || (format.hasPrefix("custom-columns") && (format.contains("status") || format.contains("phase")))
            }
            return true
        }

        /// `<virt-handler>`, `[POD]`, `{pod}`, `$POD_NAME`, `${POD}`: a name the reader writes in.
        static func isPlaceholder(_ word: String) -> Bool {
            (word.hasPrefix("<") && word.hasSuffix(">")) || (word.hasPrefix("[") && word.hasSuffix("]"))
                || (word.hasPrefix("{") && word.hasSuffix("}")) || word.hasPrefix("$")
        }
    }

    /// Whether every `kubectl`/`oc delete` in the command only deletes pods, leases or events (which
    /// their controllers recreate) by name or by selector, or only pods that no longer run, without
    /// `--force` or `--grace-period=0` and without reaching every object or namespace. A delete that
    /// names only a placeholder (`kubectl delete -n $NS <virt-handler>`) deletes what the page says
    /// it does: a pod when the step's words say pod. `kubectl get pods … -o name | xargs kubectl
    /// delete` deletes what the `get` lists.
    static func onlyRestarts(_ command: String, prose: String) -> Bool {
        let commands = CommandAnalysis.commands(command)
        let bytes = Array(command.utf8)
        var sawDelete = false
        for (position, simple) in commands.enumerated() where ["kubectl", "oc"].contains(simple.program) {
            var reach = KubectlReach(simple.arguments)
            guard reach.verb == "delete" else { continue }
            sawDelete = true
            if reach.forced { return false }
            var finished = reach.finishedOnly
            if reach.placeholder == nil, reach.kinds == nil || !reach.narrowed, simple.words.first?.programName == "xargs" {
                // The objects come from the pipeline feeding xargs (`xargs kubectl delete`, `xargs kubectl
                // delete pod`): the `get` that lists them and any `grep` that picks among them.
                let stages = pipeline(before: position, in: commands, of: bytes)
                guard let source = stages.last(where: { ["kubectl", "oc"].contains($0.program) && $0.arguments.contains("get") }) else { return false }
                let listed = KubectlReach(source.arguments)
                guard listed.verb == "get" else { return false }
                // A grep on a pod's state picks nothing when the `get` prints no STATUS column (`-o name`).
                let printsStatus = KubectlReach.printsStatus(source.arguments)
                let greps = stages.filter { ($0.program == "grep" || $0.program == "egrep") && (printsStatus || !Self.grepsState($0)) }
                finished = finished || listed.finishedOnly || greps.contains(where: Self.picksFinishedPods)
                guard let listedKinds = listed.kinds else { return false }
                reach.kinds = (reach.kinds ?? []) + listedKinds
                reach.wide = reach.wide || listed.wide || !(listed.narrowed || !greps.isEmpty)
            } else if let placeholder = reach.placeholder {
                let named = Set(placeholder.lowercased().split { !$0.isLetter }.map(String.init))
                let said = Set(prose.lowercased().split { !$0.isLetter }.map(String.init))
                guard named.isDisjoint(with: lastingKinds), named.contains("pod") || (said.isDisjoint(with: lastingKinds) && (said.contains("pod") || said.contains("pods"))) else { return false }
                reach.kinds = ["pod"]
            }
            guard let kinds = reach.kinds, !kinds.isEmpty, kinds.allSatisfy(recreatedKinds.contains) else { return false }
            if reach.wide, !finished { return false }
        }
        return sawDelete
    }

    /// Kinds by the name `kubectl create` and `delete` take them in, short names spelled out.
    static let kindNames: [String: String] = [
        "ns": "namespace", "namespaces": "namespace", "deploy": "deployment", "deployments": "deployment", "svc": "service",
        "services": "service", "cm": "configmap", "configmaps": "configmap", "sa": "serviceaccount", "secrets": "secret",
        "jobs": "job", "cj": "cronjob", "cronjobs": "cronjob",
    ]

    /// What the `kubectl`/`oc` commands with one of `verbs` name: `file:test.yaml` for each `-f`, and
    /// `kind/name` for each object named (`create namespace scratch`, `delete ns/scratch`). Nil when one
    /// of them names nothing this can follow (a selector, `--all`, a placeholder, a URL is a file too).
    static func kubectlObjects(_ command: String, verbs: Set<String>) -> Set<String> {
        kubectlTargets(command, verbs: verbs).reduce(into: Set<String>()) { $0.formUnion($1 ?? []) }
    }

    /// Per command with one of `verbs`, what it names (nil: something this cannot follow).
    static func kubectlTargets(_ command: String, verbs: Set<String>) -> [Set<String>?] {
        var answers: [Set<String>?] = []
        for simple in CommandAnalysis.commands(command) where ["kubectl", "oc"].contains(simple.program) {
            let arguments = simple.arguments
            var verb: String?
            var positional: [String] = []
            var named = Set<String>()
            var followable = true
            // Where the objects are: the same name in another namespace or cluster is another object.
            var scope: [String: String] = [:]
            var index = 0
            while index < arguments.count {
                let argument = arguments[index]
                let parts = argument.split(separator: "=", maxSplits: 1).map(String.init)
                let name = parts.first ?? argument
                if name == "-f" || name == "--filename" {
                    if let file = parts.count == 2 ? parts[1] : arguments.dropFirst(index + 1).first { named.insert("file:" + file) }
                    if parts.count == 1 { index += 1 }
                } else if argument.hasPrefix("-") {
                    if ["-l", "--selector", "--field-selector", "-k", "--kustomize", "-R", "--recursive"].contains(name) || kubectlWideOptions.contains(name) {
                        followable = false
                    }
                    if ["-n", "--namespace", "--context", "--cluster", "--kubeconfig"].contains(name),
                       let value = parts.count == 2 ? parts[1] : arguments.dropFirst(index + 1).first {
                        scope[name == "--namespace" ? "-n" : name] = value
                    } else if name.hasPrefix("-n"), name.count > 2, !name.hasPrefix("--") {
                        scope["-n"] = String(name.dropFirst(2))
                    }
                    if parts.count == 1, kubectlValueOptions.contains(name) { index += 1 }
                } else if verb == nil {
                    verb = argument
                } else {
                    positional.append(argument)
                }
                index += 1
            }
            guard let verb, verbs.contains(verb) else { continue }
            if let first = positional.first {
                if first.contains("/") {
                    for word in positional {
                        let pieces = word.split(separator: "/", maxSplits: 1).map(String.init)
                        guard pieces.count == 2, !KubectlReach.isPlaceholder(pieces[1]) else { followable = false; continue }
                        named.insert((kindNames[pieces[0].lowercased()] ?? pieces[0].lowercased()) + "/" + pieces[1])
                    }
                } else if positional.count >= 2 {
                    let kind = kindNames[first.lowercased()] ?? first.lowercased()
                    for name in positional.dropFirst() {
                        if KubectlReach.isPlaceholder(name) { followable = false } else { named.insert(kind + "/" + name) }
                    }
                } else {
                    followable = false
                }
            }
            let cluster = ["--context", "--cluster", "--kubeconfig"].map { scope[$0] ?? "" }.joined(separator: "|")
            let namespace = scope["-n"] ?? ""
            // A namespace is in no namespace: `create namespace x` and `-n y delete ns/x` name the same one.
            let placed = Set(named.map { $0.hasPrefix("namespace/") ? "\(cluster)|\($0)" : "\(cluster)|\(namespace)|\($0)" })
            answers.append(followable && !placed.isEmpty ? placed : nil)
        }
        return answers
    }

    /// Whether every `kubectl`/`oc delete` of the command deletes only what the page's earlier steps
    /// created: the same files (`kubectl delete -f test-resources.yaml` after `apply -f` of it) or the
    /// same named objects (`delete namespace scratch` after `create namespace scratch`).
    static func onlyUndoes(_ command: String, _ created: Set<String>) -> Bool {
        guard !created.isEmpty else { return false }
        let deletes = kubectlTargets(command, verbs: ["delete"])
        return !deletes.isEmpty && deletes.allSatisfy { named in named.map { $0.isSubset(of: created) } ?? false }
    }

    /// The simple commands piped into the one at `position`, nearest last: each one's text runs into
    /// the next through a `|` only (not `;`, `&&` or a new line). At most `pipelineReach` of them: a
    /// real pipeline is a few stages, and a text of thousands of `|` stages must not be walked again
    /// for each `xargs kubectl delete` in it.
    static let pipelineReach = 8

    static func pipeline(before position: Int, in commands: [SimpleCommand], of bytes: [UInt8]) -> [SimpleCommand] {
        var stages: [SimpleCommand] = []
        var next = position
        while next > 0, stages.count < pipelineReach {
            let previous = commands[next - 1]
            guard let end = previous.words.last?.range.upperBound, let start = commands[next].words.first?.range.lowerBound, end <= start, start <= bytes.count else { break }
            // Blanks, line continuations and a line break after the `|` are all that may stand between.
            let between = bytes[end..<start].filter { ![0x20, 0x09, 0x0A, 0x0D, UInt8(ascii: "\\")].contains($0) }
            guard between == [UInt8(ascii: "|")] else { break }
            stages.insert(previous, at: 0)
            next -= 1
        }
        return stages
    }

    /// Whether a grep's pattern names a pod state (`Running`, `Evicted`): it reads the STATUS column.
    static func grepsState(_ grep: SimpleCommand) -> Bool {
        guard let pattern = grep.arguments.first(where: { !$0.hasPrefix("-") })?.lowercased() else { return false }
        let alternatives = pattern.split { $0 == "|" || $0 == "\\" || $0 == "(" || $0 == ")" || $0 == " " }.filter { !$0.isEmpty }
        return alternatives.contains { $0 == "running" || $0 == "pending" || finishedStates.contains(String($0)) }
    }

    /// `grep Evicted`, `grep -E 'Error|Completed'`, `grep -v Running`: the lines kept are pods that
    /// no longer run.
    static func picksFinishedPods(_ grep: SimpleCommand) -> Bool {
        let arguments = grep.arguments
        let inverted = arguments.contains { $0.hasPrefix("-") && !$0.hasPrefix("--") && $0.contains("v") }
        guard let pattern = arguments.first(where: { !$0.hasPrefix("-") })?.lowercased() else { return false }
        if inverted { return pattern == "running" }
        let alternatives = pattern.split { $0 == "|" || $0 == "\\" || $0 == "(" || $0 == ")" || $0 == " " }.filter { !$0.isEmpty }
        return !alternatives.isEmpty && alternatives.allSatisfy { finishedStates.contains(String($0)) }
    }

    /// Words with which a page warns its reader before a command that destroys something.
    static let warnings = ["warning", "caution", "careful", "danger", "destructive", "irreversible", "cannot be undone",
                           "can't be undone", "data loss", "lose data", "make sure", "double-check", "double check", "be sure",
                           // "As a last resort", "If all else fails": the page says to try everything else first.
                           "last resort", "all else fails"]

    static let backendCall = try? NSRegularExpression(pattern: #"(?i)\bpg_terminate_backend\s*\(\s*([^()]*?)\s*\)"#)

    /// Directories that hold what a tool fetches or computes again (`rm -rf .terraform && terraform
    /// init`, `rm -rf node_modules`): by their name, or a name that says cache (`cache`, `.cache`,
    /// `helm-cache`, `__pycache__`).
    static let regeneratedDirectories: Set<String> = [
        ".terraform", ".terragrunt-cache", "node_modules", ".gradle", ".next", ".nuxt", ".tox", ".terraform.lock.hcl",
    ]

    /// Whether every `rm -r` of the command removes only such directories (or what is inside them).
    static func onlyRegenerated(_ command: String) -> Bool {
        var sawRemove = false
        for simple in CommandAnalysis.commands(command) where simple.program == "rm" {
            let options = simple.arguments.filter { $0.hasPrefix("-") }
            guard options.contains(where: { $0 == "--recursive" || (!$0.hasPrefix("--") && ($0.contains("r") || $0.contains("R"))) }) else { continue }
            let targets = simple.arguments.filter { !$0.hasPrefix("-") }
            guard !targets.isEmpty else { return false }
            for target in targets {
                let components = target.split(separator: "/").map { $0.lowercased() }
                guard components.contains(where: { component in
                    regeneratedDirectories.contains(component) || component == "cache" || component == ".cache"
                        || component.hasSuffix("_cache") || component.hasSuffix("-cache")
                }) else { return false }
            }
            sawRemove = true
        }
        return sawRemove
    }

    /// `pg_terminate_backend(12345)`, `pg_terminate_backend(<pid>)`: one session, the one the step names,
    /// whose client reconnects (a stuck query's, as deleting a pod by name restarts it). A call over
    /// `pg_stat_activity` (`pg_terminate_backend(pid) FROM …`) ends every session it selects.
    static func onlyOneBackend(_ command: String) -> Bool {
        guard let regex = backendCall else { return false }
        let calls = regex.matches(in: command, range: NSRange(command.startIndex..., in: command))
        guard !calls.isEmpty else { return false }
        return calls.allSatisfy { call in
            guard let argumentRange = Range(call.range(at: 1), in: command), let callRange = Range(call.range, in: command) else { return false }
            let argument = String(command[argumentRange])
            let single = (!argument.isEmpty && argument.allSatisfy(\.isNumber))
                || KubectlReach.isPlaceholder(argument)
                || (argument.count >= 3 && argument.lowercased().allSatisfy { $0 == "x" })
            // The rest of its statement: a `FROM` there feeds it every row of a query.
            let statement = command[callRange.upperBound...].prefix { $0 != ";" && $0 != "\n" && $0 != "\"" }
            return single && statement.range(of: #"(?i)\bfrom\b"#, options: .regularExpression) == nil
        }
    }

    func check(_ context: LintContext) -> [LintFinding] {
        var findings: [LintFinding] = []
        let forPeople = context.isDocumentation
        // What the page's earlier steps created (`kubectl apply -f test.yaml`, `kubectl create namespace
        // scratch`): deleting it again is cleaning up after the page, not destroying what was there.
        var createdByPage = Set<String>()
        for view in context.allSteps where view.ir.action.kind == .executeCommand {
            guard let node = view.field("command")?.value, let command = node.scalarValue else { continue }
            defer { if forPeople { createdByPage.formUnion(Self.kubectlObjects(command, verbs: ["apply", "create"])) } }
            guard !view.ir.confirm, Self.required.mayMatch(command) else { continue }
            // Comments are not run: `terraform plan  # expect 0 to destroy` destroys nothing. They
            // are words the reader sees, so on a page a warning there (`# Careful: data is lost`) counts.
            let comments = CommandText.commentRanges(command)
            let searched = CommandText.commentsBlanked(command, comments) ?? command
            if forPeople {
                // A page for people warns in words; rbc cannot ask for confirmation there.
                let bytes = Array(command.utf8)
                let commentText = comments.map { String(decoding: bytes[$0], as: UTF8.self) }.joined(separator: " ")
                let prose = ((view.ir.name ?? "") + " " + (view.ir.description ?? "") + " " + commentText).lowercased()
                if Self.warnings.contains(where: { prose.contains($0) }) || CommandText.content(command) != .shell { continue }
            }
            let nsrange = NSRange(searched.startIndex..., in: searched)
            if let any = Self.any, any.firstMatch(in: searched, range: nsrange) == nil { continue }
            for (index, (regex, meaning)) in Self.compiled.enumerated() {
                guard let match = regex.firstMatch(in: searched, range: nsrange), let range = Range(match.range, in: command) else { continue }
                // On a page, deleting pods (or a leader lease) is how people restart them: their
                // controller recreates them; deleting pods that no longer run is cleaning up.
                // Deleting every pod, or forcing one off its node, is neither.
                if forPeople, index == Self.kubectlDelete, Self.onlyRestarts(command, prose: (view.ir.name ?? "") + " " + (view.ir.description ?? "")) { continue }
                if forPeople, index == Self.kubectlDelete, Self.onlyUndoes(command, createdByPage) { continue }
                if forPeople, index == Self.recursiveRemove, Self.onlyRegenerated(command) { continue }
                if forPeople, index == Self.terminateBackend, Self.onlyOneBackend(searched) { continue }
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

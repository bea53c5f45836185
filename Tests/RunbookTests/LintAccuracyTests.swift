// What real Markdown runbooks showed: placeholders reported twice, PromQL and log lines fed to
// ShellCheck, documented dummy secrets as credentials, self-inverse rollbacks as copies, and
// executable-only rules on pages written for people. Each case runs the real binary.

import Foundation
import RunbookLint
import Testing

@Suite struct LintAccuracyTests {
    static func check(_ files: [String: String], _ arguments: [String] = []) throws -> TestSupport.Run {
        let dir = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        for (name, text) in files {
            let url = dir.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        return try TestSupport.rbc(["check", "--format", "concise"] + arguments + files.keys.sorted(), in: dir.path)
    }

    static func lines(_ run: TestSupport.Run, _ code: String) -> [String] {
        run.stdout.split(separator: "\n").map(String.init).filter { $0.contains("[\(code)]") }
    }

    /// A YAML runbook rbc runs, around one command.
    static func executable(_ command: String) -> String {
        """
        runbook:
          name: "Example"
          severity: P3
          owner: team-sre
          triggers: [{alert: Example}]
          escalation: "#sre-oncall"
          steps:
            - id: look
              action: execute_command
              command: |
        \(command.split(separator: "\n", omittingEmptySubsequences: false).map { "          " + $0 }.joined(separator: "\n"))
              readonly: true
              timeout: 1m

        """
    }

    @Test
    func anglePlaceholdersAreReportedOnceAndNotParsedAsRedirections() throws {
        try ShellCheckMappingTests.requireShellCheck()
        let run = try Self.check(["r.yaml": Self.executable("kubectl describe node <node> | grep -i pressure\nkubectl logs -n <namespace> <pod-name>")])
        let placeholders = Self.lines(run, "RB010")
        #expect(placeholders.count == 3, "\(run.stdout)")
        #expect(placeholders.first?.contains("r.yaml:11:33:") == true, "\(run.stdout)")
        #expect(Self.lines(run, "RB016").isEmpty, "no SC1073/SC2261 on placeholders:\n\(run.stdout)")
    }

    @Test
    func nonShellTextInShellFencesNeverReachesShellCheck() throws {
        try ShellCheckMappingTests.requireShellCheck()
        let fences = [
            "sum by (namespace) (rate(container_cpu_usage_seconds_total{job=\"kubelet\", image!=\"\"}[5m])) > 0.9",
            "kube_pod_container_status_restarts_total{namespace=\"monitoring\"}",
            "{app=\"nginx\"} |= \"error\" != \"timeout\"",
            "level=warn ts=2021-01-04T15:08:55.613Z caller=scrape.go:1372 component=\"scrape manager\" msg=\"Error on ingesting samples\"",
            "2021-01-04T15:08:55.613Z ERROR (worker) can't connect to db",
            "I0104 15:08:55.613123       1 controller.go:116] Couldn't sync (retrying)",
            "NAME                READY   STATUS    RESTARTS   AGE\nprometheus-k8s-0    2/2     Running   1          122m",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: it's-config\ndata:\n  key: \"value (x)\"",
            "{\"spec\": {\"logLevel\": \"Debug\"}}",
            "SELECT pid, state FROM pg_stat_activity WHERE state != 'idle';",
            "select count(*) from ci_builds where status = 'running' and (created_at > now() - interval '1 hour');",
            "Find the Prometheus pod that's failing (the one with restarts).",
        ]
        let page = "---\nseverity: P3\n---\n# Examples\n\n## Diagnosis\n\n" + fences.enumerated().map { index, text in
            "### Look \(index)\n\n```sh\n\(text)\n```\n"
        }.joined(separator: "\n")
        let run = try Self.check(["page.md": page])
        #expect(Self.lines(run, "RB016").isEmpty, "\(run.stdout)")
        // The guard is by content: a real shell error in a sh fence is still found.
        let broken = try Self.check(["page.md": "---\nseverity: P3\n---\n# Broken\n\n## Diagnosis\n\n```sh\nif [ -f /etc/x ]; then\n  echo yes\n```\n"])
        #expect(!Self.lines(broken, "RB016").isEmpty, "\(broken.stdout)")
    }

    @Test func commandTextIsJudgedByContent() {
        #expect(CommandText.content("kubectl get pods -n monitoring") == .shell)
        #expect(CommandText.content("set -euo pipefail\nselect x in a b; do echo $x; done") == .shell)
        #expect(CommandText.content("[ -f /etc/x ] && echo yes") == .shell)
        #expect(CommandText.content("{ echo a; echo b; } > out") == .shell)
        #expect(CommandText.content("f() { echo hi; }\nf") == .shell)
        #expect(CommandText.content("Restart the pod") == .shell, "short imperative text stays shell: ShellCheck finds nothing in it")
        #expect(CommandText.content("histogram_quantile(0.99, sum by (le) (rate(x_bucket[5m])))") == .query)
        #expect(CommandText.content("up{job=\"node\"} == 0") == .query)
        #expect(CommandText.content("UPDATE users SET admin = false WHERE id = 4;") == .sql)
        #expect(CommandText.content("groups:\n- name: x\n  rules:\n  - alert: Y") == .yaml)
    }

    @Test func consoleTranscriptsAreReadAsTheCommandsTyped() {
        let text = "$ oc debug node/x\n# sysctl -a | grep 'fs.file-'\nfs.file-max = 1597016\n$ kubectl get pods \\\n  -n x\nNAME  READY"
        let shown = CommandText.transcriptCommands(text)
        #expect(shown == "  oc debug node/x\n# sysctl -a | grep 'fs.file-'\n                     \n  kubectl get pods \\\n  -n x\n           ")
        #expect(shown?.utf8.count == text.utf8.count)
        #expect(CommandText.transcriptCommands("kubectl get pods\necho $HOME") == nil)
    }

    @Test func placeholdersAreMaskedAtTheirOwnLength() {
        let text = "kubectl -n $NAMESPACE logs <pod-name> -c ${CONTAINER} && NAME=x; echo $NAME <<EOF"
        let masked = CommandText.masked(text, forPeople: true)
        #expect(masked.utf8.count == text.utf8.count)
        #expect(masked == "kubectl -n Pxxxxxxxxx logs Pxxxxxxxxx -c Pxxxxxxxxxxx && NAME=x; echo $NAME <<EOF")
        #expect(CommandText.masked(text, forPeople: false) == "kubectl -n $NAMESPACE logs Pxxxxxxxxx -c ${CONTAINER} && NAME=x; echo $NAME <<EOF")
        // Square-bracket placeholders, on pages for people; character classes, tests and indexes stay.
        let brackets = "grep -w [PORT] [HOST|IP] [pod-name] [...] [A-Z] [a-z0-9] [[:space:]] [ -f x ] ${a[IDX]} [[ $x ]]"
        #expect(CommandText.masked(brackets, forPeople: true)
            == "grep -w Pxxxxx Pxxxxxxxx Pxxxxxxxxx Pxxxx [A-Z] [a-z0-9] [[:space:]] [ -f x ] ${a[IDX]} [[ $x ]]")
        #expect(CommandText.masked(brackets, forPeople: false) == brackets)
    }

    @Test func executableOnlyRulesStayOffPagesForPeople() throws {
        let page = """
        ---
        severity: P3
        ---
        # KubePodCrashLooping

        ## Diagnosis

        ```sh
        kubectl -n monitoring describe pod prometheus-k8s-0
        ```

        ## Mitigation

        ```sh
        kubectl -n monitoring rollout restart statefulset/prometheus-k8s
        ```

        """
        let people = try Self.check(["page.md": page], ["--no-shellcheck"])
        for code in ["RB001", "RB003", "RB005", "RB011", "RB012", "RB013"] {
            #expect(Self.lines(people, code).isEmpty, "\(code) on a page for people:\n\(people.stdout)")
        }
        // The same page with one executable declaration is a runbook rbc runs: those rules apply.
        let executable = try Self.check(["page.md": page.replacingOccurrences(of: "```sh\nkubectl -n monitoring rollout", with: "```sh {timeout=5m}\nkubectl -n monitoring rollout")],
                                        ["--no-shellcheck"])
        for code in ["RB001", "RB003", "RB005", "RB011"] {
            #expect(!Self.lines(executable, code).isEmpty, "\(code) on an executable runbook:\n\(executable.stdout)")
        }
    }

    @Test func sectionTemplatesComeFromTheConfiguration() throws {
        let page = "---\nseverity: P3\n---\n# KubeletDown\n\n## Meaning\n\nKubelet is gone.\n\n## Diagnosis\n\nLook at the node.\n"
        let run = try Self.check([
            ".rbc.yaml": "sections:\n  - template: prometheus-operator\n    paths: [\"runbooks/**\"]\n",
            "runbooks/KubeletDown.md": page,
            "runbooks/NodeRAIDDiskFailure.md": "---\nseverity: P3\n---\n# NodeRAIDDiskFailure\n\nSee [Node RAID Degraded](KubeletDown.md).\n",
            "other/KubeletDown.md": page,
        ], ["--no-shellcheck"])
        let sections = Self.lines(run, "RB030")
        #expect(sections == ["runbooks/KubeletDown.md:4:3: warning[RB030] the page has no `Impact` and `Mitigation` sections (template `prometheus-operator`)"],
                "\(run.stdout)")
        let custom = try Self.check([".rbc.yaml": "sections: {required: [Overview, Escalation]}\n", "page.md": page], ["--no-shellcheck"])
        #expect(Self.lines(custom, "RB030").first?.contains("no `Overview` and `Escalation` sections (template `sections`)") == true, "\(custom.stdout)")
        let wrong = try Self.check([".rbc.yaml": "sections: [prometheus-operater]\n", "page.md": page], ["--no-shellcheck"])
        #expect(wrong.stdout.contains(".rbc.yaml:1:12: error[RB0011] `prometheus-operater` is not a built-in section template"), "\(wrong.stdout)")
    }

    static let linkingPage = """
        ---
        severity: P3
        ---
        # Disk

        ## Diagnosis

        See [the overview](../README.md#service-overview), [the other](../README.md#nothing), [moved](../design/x.md),
        [Hugo style](../Other/), [a line](../tool.sh#L10), [web](https://gitlab.com/x.md) and [root](/docs/x.md),
        [sparse](../sparse/page.md), [elsewhere](../../../../outside.md), [logs]("https://logs.example.org/app").

        ```sh
        # nothing
        ```
        """

    /// In a git repository the index lists every file, so a missing target is a broken link — unless the
    /// index has it (a sparse checkout) or it lies past the repository's root.
    @Test func linksResolveFromThePageDirectory() throws {
        let repository = try TemporaryRepository()
        try repository.write("docs/alerts/Disk.md", Self.linkingPage)
        try repository.write("docs/README.md", "# Service\n\n## Service Overview\n\n```sh\n# nothing\n```\n")
        try repository.write("docs/other.md", "# Other\n")
        try repository.write("docs/tool.sh", "echo\n")
        try repository.write("docs/sparse/page.md", "# Sparse\n")
        try repository.git("add", "-A")
        try FileManager.default.removeItem(at: repository.url.appendingPathComponent("docs/sparse"))
        let run = try TestSupport.rbc(["check", "--format", "concise", "--no-shellcheck", "docs"], in: repository.path)
        #expect(Self.lines(run, "RB031") == [
            "docs/alerts/Disk.md:8:64: warning[RB031] `../README.md` has no heading with the anchor `#nothing`",
            "docs/alerts/Disk.md:8:95: warning[RB031] the link to `../design/x.md` leads to no file of this repository",
            "docs/alerts/Disk.md:10:74: warning[RB031] the link to `\"https://logs.example.org/app\"` is a quoted URL, which renders as a path that leads to no file",
        ], "\(run.stdout)")
    }

    /// Without git (`--no-git`, or no repository) rbc cannot know whether the directory is the whole
    /// tree — an export, a path-filtered copy — so a missing file is not reported; anchors of files that
    /// exist and quoted URLs still are.
    @Test func missingFilesAreNotJudgedWithoutTheRepositorysFileList() throws {
        let files = ["docs/alerts/Disk.md": Self.linkingPage, "docs/README.md": "# Service\n\n## Service Overview\n",
                     "docs/other.md": "# Other\n", "docs/tool.sh": "echo\n"]
        for arguments in [["--no-shellcheck"], ["--no-shellcheck", "--no-git"]] {
            let run = try Self.check(files, arguments)
            #expect(Self.lines(run, "RB031").count == 2, "\(arguments): \(run.stdout)")
            #expect(!run.stdout.contains("leads to no file of this repository"), "\(arguments): \(run.stdout)")
        }
        let repository = try TemporaryRepository()
        for (name, text) in files { try repository.write(name, text) }
        try repository.git("add", "-A")
        let withoutGit = try TestSupport.rbc(["check", "--format", "concise", "--no-shellcheck", "--no-git", "docs"], in: repository.path)
        #expect(!withoutGit.stdout.contains("leads to no file of this repository"), "--no-git reads no file list:\n\(withoutGit.stdout)")
    }
}

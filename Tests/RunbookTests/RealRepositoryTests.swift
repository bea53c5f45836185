// False positives found by running rbc on public runbook repositories that are not in
// shared/corpora (docs/adopting.md lists them). Each test is a minimal reproduction written here, in
// the shape those repositories have, never their text; each runs the real binary.

import Foundation
import Testing

@Suite struct RealRepositoryTests {
    static func run(_ files: [String: String], _ arguments: [String]) throws -> TestSupport.Run {
        let dir = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try AlertCoverageTests.write(files, in: dir)
        return try TestSupport.rbc(arguments, in: dir.path)
    }

    static func lines(_ run: TestSupport.Run, _ codes: String...) -> [String] {
        run.stdout.split(separator: "\n").map(String.init).filter { line in codes.contains { line.contains("[\($0)]") } }
    }

    static let page = "---\nseverity: P3\n---\n# Service\n\n## Diagnosis\n\nLook at it.\n\n"

    // MARK: - Anchors the hosts generate

    /// Anchors GitHub, GitLab and MkDocs generate that a page's own links and alert links use: ids
    /// on any HTML element, MkDocs' `_1` for a repeated heading and its ASCII folding, GitLab's
    /// `anchor-` prefix for a heading of digits only, and GitHub's emoji shortcodes.
    @Test func anchorsTheHostsGenerateAreNotReportedDead() throws {
        let target = """
        # Service

        <h2 id="custom-section">Custom</h2>

        <div id="on-a-div"></div>

        ## Steps

        ## Steps

        ## Café résumé

        ## 2024

        ## :warning: Before you start

        """
        let links = ["#custom-section", "#on-a-div", "#steps_1", "#steps-1", "#cafe-resume", "#anchor-2024", "#warning-before-you-start",
                     "#before-you-start"]
        let page = Self.page + links.map { "See [it](target.md\($0)).\n" }.joined() + "And [gone](target.md#nowhere).\n"
        let run = try Self.run(["page.md": page, "target.md": target], ["check", "page.md", "--no-git", "--no-shellcheck", "--format", "concise"])
        let broken = Self.lines(run, "RB031")
        #expect(broken.count == 1 && broken.first?.contains("#nowhere") == true, "\(run.stdout)")
    }

    // MARK: - Restarts

    /// kubevirt/monitoring's pages restart pods and force a leader re-election with `kubectl delete`
    /// (the controller recreates them), name the pod as a placeholder the step's words call a pod, and
    /// clean up failed pods through `… -o name | xargs kubectl delete`; a warning on each asked for
    /// words nobody would write. Deleting every pod (of a namespace, or running ones everywhere),
    /// forcing one off its node, other kinds (named, in a placeholder, or listed by the `get` that
    /// feeds xargs) and deletes from a file are still reported.
    @Test func deletingPodsToRestartThemIsNotDestruction() throws {
        func fence(_ lead: String, _ command: String) -> String { "\(lead)\n\n```bash\n\(command)\n```\n\n" }
        let restarts = [
            fence("Delete the lease to allow re-election:", "$ kubectl -n $NAMESPACE delete lease virt-controller"),
            fence("Alternatively, restart the affected pods:", "$ kubectl -n $NAMESPACE delete pod -l kubevirt.io=virt-controller"),
            fence("Run this to restart it:", "kubectl delete po/web-0 pods/web-1 --wait=false"),
            fence("Remove old events:", "oc delete events --field-selector reason=BackOff"),
            fence("If the handler cannot reach the API server, delete the pod to force a restart:", "$ kubectl delete -n $NAMESPACE <virt-handler>"),
            fence("Clean up failed launchers:",
                  "$ kubectl get pods -A -l app=launcher --field-selector=status.phase=Failed -o name | xargs -r -n 50 kubectl delete"),
            fence("Remove evicted pods:", "kubectl get pods -A | grep Evicted | awk '{print $2 \" -n \" $1}' | xargs -L 1 kubectl delete pod"),
            fence("Restart the API's pods:", "kubectl get pods -n web -o name | grep api |\n  xargs kubectl delete"),
            fence("Clean up failed pods everywhere:", "kubectl delete pods -A --field-selector=status.phase=Failed"),
            fence("Look, then restart the stuck one:", "kubectl get pods -A\nkubectl delete pod web-0 -n web"),
        ]
        let destructive = [
            fence("Restart everything:", "kubectl delete pods --all -A"),
            fence("Free the stuck pod:", "kubectl -n db delete pod db-0 --force --grace-period=0"),
            fence("Free the stuck pod again:", "kubectl -n db delete pod db-0 --grace-period 0"),
            fence("Remove the claim:", "kubectl delete pvc data-db-0"),
            fence("Remove both:", "kubectl delete pod,pvc -l app=db"),
            fence("Remove what the file holds:", "kubectl delete -f app.yaml"),
            fence("Remove it:", "kubectl delete -n $NAMESPACE <deployment>"),
            fence("Delete the claim of the pod:", "kubectl delete -n db <pvc-name>"),
            fence("Start over:", "kubectl get pods -n web -o name | xargs kubectl delete"),
            fence("Start over everywhere:", "kubectl get pods -A -l app=web -o name | xargs -n 1 kubectl delete"),
            fence("Clean up old claims:", "kubectl get pvc -n db -o name | grep old | xargs kubectl delete"),
            fence("List, then remove the namespace:", "kubectl get pods -A\nkubectl delete ns web"),
            // Deleting every pod by other means: a selector that keeps running pods, a grep of names
            // (no STATUS column) that filters nothing, xargs feeding a delete that names the kind.
            fence("Restart everything that has not failed:", "kubectl delete pods --all -A --field-selector=status.phase!=Failed"),
            fence("Restart what is not running:", "kubectl get pods -o name | grep -v Running | xargs kubectl delete"),
            fence("Restart them all:", "kubectl get pods --no-headers -o custom-columns=:metadata.name | xargs kubectl delete pod"),
            fence("If the pod cannot mount its volume, delete the volume claim the pod uses:", "kubectl delete -n prod $TARGET"),
        ]
        let restartPage = Self.page + "## Mitigation\n\n" + restarts.joined()
        let destructivePage = Self.page + "## Mitigation\n\n" + destructive.joined()
        let run = try Self.run(["restart.md": restartPage, "destroy.md": destructivePage],
                               ["check", ".", "--no-git", "--no-shellcheck", "--format", "concise"])
        let findings = Self.lines(run, "RB006")
        #expect(!findings.contains { $0.hasPrefix("restart.md") }, "\(run.stdout)")
        #expect(findings.filter { $0.hasPrefix("destroy.md") }.count == destructive.count, "\(run.stdout)")
    }

    // MARK: - Other tools' files and syntax

    /// aidotmarket/runbooks keeps an evaluation harness beside its pages: YAML files with
    /// `runbook: page.md` (a scalar naming the page they test), 990 "unknown key" errors when walked.
    /// A directory walk takes a YAML file only when its top-level `runbook:` can hold a mapping; a file
    /// named on the command line is still compiled.
    @Test func aYAMLFileNamingItsRunbookIsNotARunbook() throws {
        let files = [
            "fixtures/I-01.yaml": "id: I-01\nrunbook: agent-completeness.md\ntype: operate\nrefs:\n- E-01\n",
            "fixtures/I-02.yaml": "id: I-02\nrunbook: 'quoted.md'\n",
            "rb.yaml": "runbook:\n  name: real\n  severity: P3\n  owner: team\n  steps:\n    - {id: look, action: manual, instructions: Look.}\n",
            "flow.yaml": "runbook: {name: flow, severity: P3, owner: team, steps: [{id: look, action: manual, instructions: Look.}]}\n",
            "commented.yaml": "runbook:   # the runbook\n  name: commented\n  severity: P3\n  owner: team\n  steps:\n    - {id: look, action: manual, instructions: Look.}\n",
        ]
        let walked = try Self.run(files, ["check", ".", "--no-git", "--no-shellcheck", "--format", "json"])
        let summary = try #require(JSONSerialization.jsonObject(with: Data(walked.stdout.utf8)) as? [String: Any])["summary"] as? [String: Any]
        #expect(walked.status == 0 && !walked.stdout.contains("fixtures/"), "\(walked.stdout)\(walked.stderr)")
        #expect(summary?["filesChecked"] as? Int == 3, "\(walked.stdout)")
        let named = try Self.run(files, ["check", "fixtures/I-01.yaml", "--no-git", "--no-shellcheck", "--format", "concise"])
        #expect(named.status == 1 && named.stdout.contains("RB2003"), "\(named.stdout)")
    }

    /// Pages for people paste other tools' `${{ }}`: a GitHub Actions workflow, Railway's
    /// cross-service references in a table (aidotmarket/runbooks, ibtisam-iq/runbook). They were
    /// errors — unknown names, "not substituted" on a list item's name — placed at the section's
    /// heading. Now they are text; an expression that checks is substituted; and on an executable
    /// page an error inside a section's prose points at its characters.
    @Test func otherToolsExpressionsOnAPageAreText() throws {
        let page = """
        # Deploy

        ## Mitigation

        1. Confirm the references still point to `${{backend.VAR_NAME}}`.
        2. Check the workflow and the chart:

           ```bash
           echo "${{ github.ref }}" "${{ steps.build.outputs.tag }}" "{{ .Values.image }}"
           ```
        3. Look at `${{ params.x }}`, then tell ${{ runbook.name }}.

        """
        let executable = """
        ---
        severity: P2
        params:
          svc: {type: string, default: api}
        ---
        # Rotate

        ## Steps

        ### Secret rotation

        Shared secrets are sourced from the backend.

        1. Update the secret in the `${{ params.svc }}` service.
        2. Confirm the references still point to `${{ params.nope }}`.

        """
        let run = try Self.run(["page.md": page, "exec.md": executable], ["check", ".", "--no-git", "--no-shellcheck", "--format", "concise"])
        let errors = run.stdout.split(separator: "\n").filter { $0.contains("error[") }
        #expect(errors == ["exec.md:15:47: error[RB3002] unknown parameter `nope`"], "\(run.stdout)")
        let ir = try Self.run(["page.md": page], ["compile", "page.md"])
        #expect(ir.status == 0, "\(ir.stderr)")
        #expect(ir.stdout.contains(#"echo \"${{ github.ref }}\""#), "\(ir.stdout)")
        #expect(ir.stdout.contains("\"expression\" : \"runbook.name\"") || ir.stdout.contains("\"expression\":\"runbook.name\""), "\(ir.stdout)")
        #expect(!ir.stdout.contains("\"expression\" : \"github.ref\"") && !ir.stdout.contains("\"expression\":\"github.ref\""), "\(ir.stdout)")
    }

    /// ibtisam-iq/runbook: `… | awk -F/ '{print $NF}'` was "`$NF` is used but the page never sets
    /// it" (single quotes: awk's field, not the shell's), and `curl -u admin:admin` against a fresh
    /// SonarQube was "a password written into the runbook" (a published default, not a leak);
    /// aidotmarket/runbooks: Python printing `"export PGPASSWORD="+shlex.quote(…)` was a password.
    @Test func singleQuotedTextAndPublishedDefaultsAreNotTheReadersToSet() throws {
        let page = Self.page + """
        ## Mitigation

        Check the role and the health:

        ```bash
        # don't skip this
        aws iam list-attached-role-policies --role-name $(kubectl get sa fb -o jsonpath='{.metadata.name}' | awk -F/ '{print $NF}')
        kubectl exec -it api-0 -- sh -c 'echo $HOSTNAME_IN_POD' "$NAMESPACE's"
        curl -s -u admin:admin http://localhost:9000/api/system/health
        curl -s -u admin:s3cr3tPa55 http://localhost:9000/api/system/health
        ```

        Print the exports:

        ```bash
        railway variables --json | python3 -c 'import json,sys,shlex; v=json.load(sys.stdin); print("export PGPASSWORD="+shlex.quote(v["PGPASSWORD"]))'
        ```

        """
        let run = try Self.run(["page.md": page], ["check", "page.md", "--no-git", "--no-shellcheck", "--format", "concise"])
        let variables = Self.lines(run, "RB032")
        #expect(variables.count == 1 && variables.first?.contains("`$NAMESPACE`") == true, "\(run.stdout)")
        let credentials = Self.lines(run, "RB009")
        #expect(credentials.count == 1 && credentials.first?.contains("10 characters") == true, "\(run.stdout)")
    }

    // MARK: - Alert links

    /// A link to a page that exists, with an anchor no heading of it has, still opens the right
    /// runbook (at its top): a warning of its own (RB034), not the dead-link error (RB023), as a dead
    /// anchor inside a page is (RB031).
    @Test func aMissingAnchorOnAnExistingPageIsAWarningOfItsOwn() throws {
        let run = try Self.run([
            "docs/api/README.md": "# API\n\n* **Alerts**: <https://alerts.example.org>\n\n## Troubleshooting\n\nRestart it.\n",
            "rules/api.yml": """
            groups:
            - name: api
              rules:
              - alert: APIDown
                annotations: {runbook: docs/api/README.md#alerts}
              - alert: APISlow
                annotations: {runbook: docs/api/README.md#troubleshooting}
              - alert: APIGone
                annotations: {runbook: docs/api-v2/README.md#alerts}

            """,
            ".rbc.yaml": "alerts:\n  rules: [rules]\n",
        ], ["check", "--no-git", "--no-shellcheck", "--format", "concise"])
        #expect(Self.lines(run, "RB023", "RB034") == [
            "rules/api.yml:5:28: warning[RB034] runbook of alert `APIDown` links `#alerts`, which no heading of docs/api/README.md has: the page opens at its top",
            "rules/api.yml:9:28: error[RB023] runbook of alert `APIGone` is dead: no runbook at docs/api-v2/README.md under .",
        ], "\(run.stdout)")
    }

    /// `runbook: TODO` is an alert without a runbook (RB022), said as such; not a dead link to a
    /// file called `TODO` (RB023).
    @Test func aPlaceholderRunbookAnnotationIsAnAlertWithoutARunbook() throws {
        let run = try Self.run([
            "docs/db.md": Self.page,
            "rules/db.yaml": """
            groups:
            - name: db
              rules:
              - alert: DBDown
                annotations: {summary: down, runbook: 'TODO'}
              - alert: DBSlow
                annotations: {runbook: 'TBD: write one'}
              - alert: DBFull
                annotations: {runbook: 'n/a'}
              - alert: DBOld
                annotations: {runbook: docs/db.md}

            """,
            ".rbc.yaml": "alerts:\n  rules: [rules]\n",
        ], ["check", "--no-git", "--no-shellcheck", "--format", "concise"])
        #expect(Self.lines(run, "RB022", "RB023") == [
            "rules/db.yaml:4:12: error[RB022] alert `DBDown` has no runbook: its `runbook` annotation is a placeholder (`TODO`)",
            "rules/db.yaml:6:12: error[RB022] alert `DBSlow` has no runbook: its `runbook` annotation is a placeholder (`TBD: write one`)",
            "rules/db.yaml:8:12: error[RB022] alert `DBFull` has no runbook: its `runbook` annotation is a placeholder (`n/a`)",
        ], "\(run.stdout)")
    }

    // MARK: - Shell fences on pages for people

    /// What sat in `sh`/`bash` fences of public runbooks besides shell: PromQL with `//` comments,
    /// a call opened at the end of a line, vector matching (`* on (…) group_left()`); a bash script
    /// whose shebang follows a blank line; bash arrays, brace expansion and `jsonpath={…}` in fences a
    /// reader pastes into a terminal; root prompts of a debug
    /// shell (`sh-5.1#`, `[root@node ~]#`); output introduced as such ("Example output:", "You
    /// should see…", "similar to the following:"), kubectl events and logr lines. None is a shell
    /// error; a trailing space after a line-continuing `\` is, and is still reported.
    @Test func shellFencesAreReadAsTheReaderTypesThem() throws {
        try ShellCheckMappingTests.requireShellCheck()
        let fence = "```"
        let page = Self.page + """
        The following queries can be used:
        \(fence)sh
        // Top 5 containers by CPU on the node
        topk(5,
          sum by (pod) (rate(container_cpu_usage_seconds_total{node="NODE",pod!=""}[4m]))
        )
        \(fence)

        The recording rules:

        \(fence)sh
        # error
        label_replace(
          sum(rate(apiserver_request_total{code=~"5.."}[1d]))
        , "type", "error", "_none_", "")
        \(fence)

        Usage against the quota:

        \(fence)bash
        bucket_info * on (namespace, bucket) group_left() (bucket_used_bytes/bucket_max_bytes)
        \(fence)

        Collect the dump:
        \(fence)sh

        #!/usr/bin/env bash
        function queue() {
          local TARGET="${1}"
          while [[ "$(jobs | wc -l)" -ge 45 ]]; do sleep 1; done
          echo "$TARGET"
        }
        \(fence)

        Batch the names:

        \(fence)bash
        NAMES=(a b c)
        for n in "${NAMES[@]}"; do echo "$n"; done
        \(fence)

        Find the pods:

        \(fence)shell
        pods=($(oc get pod -n ovn -l app=master -o jsonpath={..metadata.name}))
        for pod in ${pods[@]}; do oc exec -n ovn "$pod" -- ls /run/{a,b}; done
        \(fence)

        Set the root inside the debug shell:

        \(fence)bash
        sh-5.1# chroot /host
        \(fence)

        Then list the containers:

        \(fence)bash
        [root@node-1 ~]# crictl ps
        \(fence)

        Example output:
        \(fence)bash
        default_runtime = "crun"
        \(fence)

        The events will be something similar to the following:

        \(fence)bash
        Warning  VolumeResizeFailed      13m    external-resizer ebs.csi.aws.com  resize volume "pvc-1" failed: You've reached the limit
        \(fence)

        You should see a message along the lines of:
        \(fence)shell
            "msg"="trying to connect" "database"="OVN_Northbound" "endpoint"="tcp:172.18.0.4:6641"
        \(fence)

        Error logs similar to the following one should be present:

        \(fence)shell
        $ oc logs -l app=prometheus | grep 'scrape target' | sort | uniq -c
        msg="Failed to determine correct type of scrape target." component="scrape manager"
        \(fence)

        Delete the override:
        \(fence)bash
        $ oc delete machineconfig \\\u{20}
          00-override-worker
        \(fence)

        """
        let run = try Self.run(["page.md": page], ["check", "page.md", "--no-git", "--format", "concise"])
        let shellcheck = Self.lines(run, "RB016")
        #expect(shellcheck.count == 1 && shellcheck.first?.contains("SC1101") == true, "\(run.stdout)")
        // A transcript after such a paragraph still holds a command.
        let ir = try Self.run(["page.md": page], ["compile", "page.md"])
        #expect(ir.stdout.contains("\"command\" : \"oc logs -l app=prometheus"), "\(ir.stdout)")
        #expect(!ir.stdout.contains("\"command\" : \"default_runtime"), "\(ir.stdout)")
    }

    /// Notes written in a shell fence under the command they explain ("If fails: DNS issue") are
    /// sentences, not a mis-cased `if`: nothing after them reads `then`. A real `If … then` typo is
    /// still reported.
    @Test func aSentenceInAShellFenceIsNotAMisCasedKeyword() throws {
        try ShellCheckMappingTests.requireShellCheck()
        let fence = "```"
        let page = Self.page + """
        Is DNS working?

        \(fence)bash
        nslookup app.internal

        If fails: DNS issue
        If works: note the IP, move to the next question
        \(fence)

        Is the port open?

        \(fence)bash
        nc -zv 10.0.0.1 80

        While it hangs: a firewall drops the packets
        \(fence)

        Restart it when the file is there:

        \(fence)bash
        If [ -f /run/app.pid ]; then systemctl restart app; fi
        \(fence)

        """
        let run = try Self.run(["page.md": page], ["check", "page.md", "--no-git", "--format", "concise"])
        let shellcheck = Self.lines(run, "RB016")
        #expect(shellcheck.allSatisfy { $0.contains("page.md:30:") } && shellcheck.contains { $0.contains("SC1081") }, "\(run.stdout)")
    }

    // MARK: - Credentials

    /// A connection string shown as an example, whose password is words describing it
    /// (`a-secret-password`), holds no credential, nor does a password written as the name of the
    /// key that goes there (`-a "Access_Key"`); one with a password that looks real does.
    @Test func aPasswordThatDescribesItselfIsAPlaceholder() throws {
        let page = Self.page + """
        You should see a connection string that looks similar to `mysql2://app-user2:a-secret-password@hostname/app_production`.

        The old one was `mysql2://app-user2:Xk29fjQ1vR@db-1/app_production`.

        Connect with the cache's access key (hmcts/ops-runbooks writes the key's name where it goes):

        ```bash
        redis-cli -h cache.example.net -p 10000 --tls -a "Access_Key"
        redis-cli -h cache.example.net -p 10000 --tls -a "Primary-Key"
        ```

        """
        let run = try Self.run(["page.md": page], ["check", "page.md", "--no-git", "--no-shellcheck", "--format", "concise"])
        let credentials = Self.lines(run, "RB009")
        #expect(credentials.count == 1 && credentials.first?.contains("page.md:12:") == true, "\(run.stdout)")
    }

    // MARK: - Templates of their own

    /// A repository whose pages all have `## Meaning / Impact / Playbook / Diagnosis` follows its own
    /// template: `Playbook` holds what `Mitigation` would, so no page lacks a section, and `rbc init`
    /// does not hold them to the built-in template. A page that lacks a section of a kind it has no
    /// other heading for (no diagnosis at all) is still reported.
    @Test func pagesWithTheirOwnNameForASectionFollowTheirOwnTemplate() throws {
        func page(_ sections: [String]) -> String {
            "# Queue backlog\n\n" + sections.map { "## \($0)\n\nText.\n\n" }.joined()
        }
        let own = ["Meaning", "Impact", "Playbook", "Diagnosis"]
        var files = Dictionary(uniqueKeysWithValues: (1...4).map { ("playbooks/page\($0).md", page(own)) })
        files["alerts/lacking.md"] = page(["Meaning", "Impact", "Mitigation"])
        let run = try Self.run(files, ["check", ".", "--no-git", "--no-shellcheck", "--format", "concise"])
        let missing = Self.lines(run, "RB030")
        #expect(missing.count == 1 && missing.first?.contains("alerts/lacking.md") == true && missing.first?.contains("`Diagnosis`") == true,
                "\(run.stdout)")
        let initialized = try Self.run(files.filter { $0.key.hasPrefix("playbooks/") }, ["init", "--stdout"])
        #expect(initialized.stdout.contains("Meaning / Impact / Playbook / Diagnosis"), "\(initialized.stdout)")
        #expect(!initialized.stdout.contains("template: prometheus-operator"), "\(initialized.stdout)")
    }

    /// Hugo's archetypes (and Jekyll, Jinja or cookiecutter page templates) are YAML only once their
    /// `{{ … }}` is filled: `title: "{{ replace .Name "-" " " | title }}"` is no YAML error. Broken
    /// front matter without template tags still is, and so is a `${{ }}` of rbc's own.
    @Test func aPageTemplatesFrontMatterIsNoYAMLError() throws {
        let body = "\n# Title\n\n## Steps\n\n1. Check it.\n"
        let files = [
            "archetypes/page.md": "---\ntitle: \"{{ replace .Name \"-\" \" \" | title }}\"\ndraft: true\n---\n" + body,
            "liquid.md": "---\nlayout: {% if page.x %}runbook{% endif %}: x\n---\n" + body,
            "broken.md": "---\ntitle: \"a \"quoted\" word\"\n---\n" + body,
            "expression.md": "---\ntitle: \"${{ params.x }} \"y\"\"\n---\n" + body,
        ]
        let run = try Self.run(files, ["check", ".", "--no-git", "--no-shellcheck", "--format", "concise"])
        let yaml = Self.lines(run, "RB1001")
        #expect(yaml.count == 2 && yaml.allSatisfy { $0.hasPrefix("broken.md") || $0.hasPrefix("expression.md") }, "\(run.stdout)")
    }

    /// A documentation portal keeps its own checklist in the page's front matter (`steps:` of
    /// `- type: command`, `title:`, `detail:`): that is not rbc's step list with every `id` and `action`
    /// missing, and it does not make the page an executable runbook. rbc's own steps in front matter,
    /// one of them lacking its `action`, are still checked.
    @Test func anotherToolsStepListInFrontMatterIsNotRbcs() throws {
        let portal = """
        ---
        id: queue-backlog
        title: Queue backlog
        severity: SEV2
        estimatedTime: 30m
        steps:
          - type: checklist
            title: Confirm the scope
            detail: One queue or all of them?
          - type: command
            title: List the consumers
            command: "kubectl get pods -l app=consumer"
          - type: link
            title: Dashboard
            url: https://grafana.example.org/d/queues
        ---

        ## Context

        The backlog grows when consumers stall.

        """
        let own = """
        ---
        severity: P2
        owner: team-queue
        steps:
          - id: list
            action: execute_command
            command: kubectl get pods
            readonly: true
          - id: restart
            command: kubectl rollout restart deployment/consumer
        ---
        # Queue backlog

        """
        // rbc's own steps written without `id` or `action` still use rbc's keys: reported, not dropped.
        let unnamed = """
        ---
        severity: P1
        owner: team-queue
        steps: [{name: restart, command: kubectl rollout restart deployment/consumer, timeout: 30s, confirm: true}]
        ---
        # Consumers stalled

        """
        // A page template's front matter is no YAML error; a runbook's broken front matter that quotes
        // an alert's `{{ $labels.pod }}` elsewhere still is.
        let template = "---\ntitle: {{ .Name }}\nseverity: P3\n---\n# {{ .Name }}\n\n## Mitigation\n\nRestart it.\n"
        let broken = """
        ---
        severity: P1
        summary: Pod {{ $labels.pod }} restarts
        steps:
          - id: restart
            action: execute_command
             confirm: true
            command: kubectl rollout restart deployment/consumer
        ---
        # Pod restarts

        """
        let run = try Self.run(["portal.md": portal, "own.md": own, "unnamed.md": unnamed, "template.md": template, "broken.md": broken],
                               ["check", ".", "--no-git", "--no-shellcheck", "--format", "concise"])
        #expect(!run.stdout.contains("portal.md"), "\(run.stdout)")
        #expect(!run.stdout.contains("template.md"), "\(run.stdout)")
        #expect(Self.lines(run, "RB2004").contains { $0.hasPrefix("own.md") && $0.contains("`action`") }, "\(run.stdout)")
        #expect(Self.lines(run, "RB2004").contains { $0.hasPrefix("unnamed.md") }, "\(run.stdout)")
        #expect(Self.lines(run, "RB1001").contains { $0.hasPrefix("broken.md") }, "\(run.stdout)")
    }

    /// A table of contents links `#pull-request-process`, and `## Pull Request Process` is right there
    /// in the source, but a ```` ```markdown ```` example above it holds a list-indented fence whose
    /// bare closing line ends the example early, and the example's own closing line then opens a
    /// fence that runs over the heading. The finding says so, with the line, instead of denying a
    /// heading the author can see.
    @Test func anAnchorSwallowedByACodeBlockSaysWhere() throws {
        let fence = "```"
        let page = Self.page + """
        - [Pull Request Process](#pull-request-process)

        The structure:

        \(fence)markdown
        ## Playbook

        1. Check the pod:
           \(fence)bash
           kubectl describe pod <pod-name>
           \(fence)
        \(fence)

        ## Pull Request Process

        Open a pull request.

        """
        let run = try Self.run(["page.md": page], ["check", "page.md", "--no-git", "--no-shellcheck", "--format", "concise"])
        let broken = Self.lines(run, "RB031")
        #expect(broken.count == 1 && broken.first?.contains("`## Pull Request Process` on line 23 is inside a code block") == true, "\(run.stdout)")
    }

    // MARK: - Placeholders in square brackets

    /// `nmap [HOST|IP]`, `grep -w [PORT]`, `kubectl logs [pod-name]` and a `[...]` standing for lines
    /// left out are a reader's placeholders, not a pipe into a command named `IP]` or a glob: no
    /// ShellCheck warning. Character classes stay globs (`grep [a-z]` unquoted is still reported), and
    /// a real error beside a placeholder is still found, once: SC1072's empty "Fix any mentioned
    /// problems" only repeats the SC1073 beside it.
    @Test func squareBracketPlaceholdersAreTheReadersToFill() throws {
        try ShellCheckMappingTests.requireShellCheck()
        let fence = "```"
        let page = Self.page + """
        Scan the host:

        \(fence)shell
        nmap [HOST|IP]
        telnet [HOST|IP] [PORT]
        netstat -ln | grep -w tcp | grep -w [PORT]
        kubectl logs -n [NAMESPACE_NAME] [pod-name] --tail=100
        \(fence)

        The resolver file holds:

        \(fence)shell
        [...]
        nameserver [...]
        \(fence)

        Find lower-case names:

        \(fence)shell
        ls | grep [a-z]
        \(fence)

        Describe it:

        \(fence)shell
        kubectl describe pod [POD_NAME]` > /tmp/describe.txt
        \(fence)

        """
        let run = try Self.run(["page.md": page], ["check", "page.md", "--no-git", "--format", "concise"])
        let shellcheck = Self.lines(run, "RB016")
        #expect(shellcheck.count == 2, "\(run.stdout)")
        #expect(shellcheck.contains { $0.contains("SC2062") && $0.contains("page.md:29:") }, "\(run.stdout)")
        #expect(shellcheck.contains { $0.contains("SC1073") && $0.contains("page.md:35:") }, "\(run.stdout)")
    }

    /// Angle-bracket placeholders no shell could run, as hmcts/ops-runbooks writes them: glued to a
    /// word (`v<aks-version>`), a path (`</path/to/rpm>`), words with a remark in parentheses
    /// (`<repository name(usually the release name)>`). A real error beside a placeholder is still found.
    @Test func angleBracketPlaceholdersGluedToWordsAreTheReadersToFill() throws {
        try ShellCheckMappingTests.requireShellCheck()
        let fence = "```"
        let page = Self.page + """
        Tag and update:

        \(fence)bash
        git tag -a v<aks-version> -m "switch over to <aks-version>"
        git push origin v<aks-version>
        kubectl get imagerepositories -n flux-system <repository name(usually helm release name)>
        geoip_update_data -f </path/to/rpm>
        geoip_lookup -f <path/to/db/files> <IP address>
        \(fence)

        And break it:

        \(fence)bash
        kubectl logs v<pod-name> | grep "error
        \(fence)

        """
        let run = try Self.run(["page.md": page], ["check", "page.md", "--no-git", "--format", "concise"])
        let shellcheck = Self.lines(run, "RB016")
        #expect(!shellcheck.isEmpty && shellcheck.allSatisfy { $0.hasPrefix("page.md:23:") }, "\(run.stdout)")
    }

    // MARK: - Fences left open

    /// A code fence left open runs to the end of the page; when what it swallows is the page's own
    /// prose (plain paragraphs, a numbered list of what to do next) the reader sees the steps as
    /// part of the command: RB033. A script pasted last, or output in a console or unlabelled fence
    /// whose last lines are sentences the program printed, shows as its author meant: not reported.
    @Test func aFenceLeftOpenOverProseIsReported() throws {
        let fence = "```"
        let paragraphs = Self.page + """
        ## Mitigation

        \(fence)shell
        systemctl restart consumer

        Then watch the consumer's log for a few minutes before you close the incident.

        The backlog drains on its own once the consumers are back.
        """
        let numbered = Self.page + """
        ## Mitigation

        \(fence)yaml
        replicas: 3

        1. Apply it with the usual pipeline.
        2. Wait for the rollout.
        """
        let output = Self.page + """
        Check the consumers:

        \(fence)
        $ kubectl get pods

        No resources found in the default namespace.
        """
        let script = Self.page + """
        Run it:

        \(fence)sh
        # Restart every consumer
        for unit in consumer-a consumer-b; do

          systemctl restart "$unit"
        done
        """
        let run = try Self.run(["paragraphs.md": paragraphs, "numbered.md": numbered, "output.md": output, "script.md": script],
                               ["check", ".", "--no-git", "--no-shellcheck", "--format", "concise"])
        let unclosed = Self.lines(run, "RB033")
        #expect(unclosed.count == 2, "\(run.stdout)")
        #expect(unclosed.contains { $0.hasPrefix("paragraphs.md:12:1") } && unclosed.contains { $0.hasPrefix("numbered.md:12:1") }, "\(run.stdout)")
    }

    /// A page template's links its author marked as not written yet (`[the guide](#TODO-url)`,
    /// austinsonger/Incident-Playbook's 109) are theirs to fill, not links they do not know are
    /// broken; a Middleman page (GOV.UK tech docs) links a heading with a quote by Redcarpet's anchor
    /// (`#what-we-39-re-fixing` for "What we're fixing"). A misspelt anchor is still reported.
    @Test func unfinishedLinksAndRedcarpetAnchorsAreNotBroken() throws {
        let page = Self.page + """
        ## What we're fixing

        See [the guide](#TODO-url), [the list](#todo), [the owner](TODO) and [why](#what-we-39-re-fixing);
        not [this](#what-we-are-fixing) or [that](#todos-for-later).
        A plan's example marks [the talk](#FIX) and [the slides](#XXX) to be written, in capitals; [a fix](#fix-the-queue) is a heading's.

        """
        let run = try Self.run(["page.md": page], ["check", "page.md", "--no-git", "--no-shellcheck", "--format", "concise"])
        let broken = Self.lines(run, "RB031")
        #expect(broken.count == 3 && broken.contains { $0.contains("#what-we-are-fixing") } && broken.contains { $0.contains("#todos-for-later") }
                && broken.contains { $0.contains("#fix-the-queue") }, "\(run.stdout)")
    }

    /// logfmt lines with a quoted message (`level=error msg="InvalidChangeBatch: […]"`) pasted into a
    /// `bash` fence are the program's log, not shell: a message cut over two lines is no unclosed string.
    @Test func logfmtLinesInAShellFenceAreOutput() throws {
        try ShellCheckMappingTests.requireShellCheck()
        let fence = "```"
        let page = Self.page + """
        The controller logs:

        \(fence)bash
        level=error msg="InvalidChangeBatch: [Tried to delete record set [name='a.example.', type='TXT'] but it was not found,
        Tried to delete record set [name='b.example.', type='A'] but it was not found]
        \(fence)

        """
        let run = try Self.run(["page.md": page], ["check", "page.md", "--no-git", "--format", "concise"])
        #expect(Self.lines(run, "RB016").isEmpty, "\(run.stdout)")
    }

    // MARK: - Pages kept as ERB templates

    /// GOV.UK's tech-docs template (hmcts/ops-runbooks, alphagov's manuals) keeps each page as
    /// `page.html.md.erb`: Markdown around `<% … %>` tags Middleman fills, the title as
    /// `# <%= current_page.data.title %>`. rbc found no runbooks there (exit 2). Now such a page is
    /// read as its reader sees it: the tags are not the page's (no empty-name error, no finding inside
    /// Ruby), a `warning_text('…')` is a warning the reader sees, a link to `other.html` names
    /// `other.html.md.erb` (and its anchors), and a destructive command with no warning is still
    /// reported. `.html.md` is read as `.md`; `.mdx` (JSX) is not read.
    @Test func pagesKeptAsERBTemplatesAreRead() throws {
        let warned = """
        ---
        title: Restart the queue
        severity: P3
        ---

        # <%= current_page.data.title %>

        <%= partial "partials/links" %>

        ## Mitigation

        <%= warning_text('Make sure the queue is drained first: this deletes its claims for good.') %>

        ```bash
        kubectl delete pvc -n queue -l app=queue
        ```

        See [the checks](checks.html#before-you-start), [the list](checks.html) and [a page](gone.html).

        <% current_page.children.each do |page| %>
        - [<%= page.data.title %>](<%= page.url %>)
        <% end %>

        """
        let unwarned = """
        ---
        title: Checks
        ---

        # <%= current_page.data.title %>

        ## Before you start

        Look at the dashboard.

        ## Steps

        ```bash
        kubectl delete namespace queue
        ```

        """
        let executable = """
        ---
        severity: P3
        owner: team-sre
        ---
        # <%= current_page.data.title %>

        <%= partial "partials/links" %>

        ## Verify

        ```bash {id=pods timeoutMs=30000 readonly}
        kubectl get pods
        ```

        """
        let repository = try TemporaryRepository()
        try repository.write("source/restart.html.md.erb", warned)
        try repository.write("source/checks.html.md.erb", unwarned)
        try repository.write("source/plain.html.md", "---\nseverity: P3\n---\n# Plain\n\n## Steps\n\n```bash\nkubectl delete ns web\n```\n")
        try repository.write("source/component.mdx", "---\nseverity: P3\n---\n# MDX\n\n## Steps\n\n```bash\nkubectl delete ns web\n```\n")
        try repository.write("fix/verify.html.md.erb", executable)
        try repository.git("add", "-A")
        let run = try TestSupport.rbc(["check", "--format", "concise", "--no-shellcheck", "source"], in: repository.path)
        #expect(run.status == 0, "warnings only: \(run.stdout)\(run.stderr)")
        #expect(Self.lines(run, "RB006") == [
            "source/checks.html.md.erb:14:1: warning[RB006] `kubectl delete` deletes Kubernetes objects, and nothing around step `steps-1` warns the reader",
            "source/plain.html.md:9:1: warning[RB006] `kubectl delete` deletes Kubernetes objects, and nothing around step `steps-1` warns the reader",
        ], "\(run.stdout)")
        #expect(Self.lines(run, "RB031") == [
            "source/restart.html.md.erb:18:86: warning[RB031] the link to `gone.html` leads to no file of this repository",
        ], "\(run.stdout)")
        #expect(!run.stdout.contains("RB2005") && !run.stdout.contains("component.mdx"), "\(run.stdout)")

        // A fix goes into the file with its tags, byte for byte elsewhere.
        let fixed = try TestSupport.rbc(["check", "--fix", "--no-git", "--no-shellcheck", "fix/verify.html.md.erb"], in: repository.path)
        #expect(fixed.stderr.contains("fixed 1 finding in 1 file"), "\(fixed.stdout)\(fixed.stderr)")
        let written = try String(contentsOfFile: repository.path + "/fix/verify.html.md.erb", encoding: .utf8)
        #expect(written == executable.replacingOccurrences(of: "timeoutMs=30000", with: "timeout=30s"), "\(written)")
    }

    // MARK: - Bold labels as people write them

    /// The IR `rbc compile` prints for one page of a temporary directory.
    static func compiled(_ name: String, _ text: String) throws -> (run: TestSupport.Run, runbook: [String: Any], commands: [String]) {
        let dir = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try AlertCoverageTests.write([name: text], in: dir)
        let run = try TestSupport.rbc(["compile", name], in: dir.path)
        let object = (try? JSONSerialization.jsonObject(with: Data(run.stdout.utf8))) as? [String: Any] ?? [:]
        let steps = (object["steps"] as? [[String: Any]]) ?? []
        let commands = steps.compactMap { ($0["action"] as? [String: Any])?["command"] as? String }
        return (run, object["runbook"] as? [String: Any] ?? [:], commands)
    }

    /// Pages that frame their labels with rules (`---`, `**Severity:** P1`, `**Owner:** team`, `---`)
    /// or write several on one line (`**Severity:** P2 **Audience:** on-call`) were read as broken front
    /// matter (RB1001) and as a severity `P2 **Audience:** on-call` (RB2005). The labels are the
    /// introduction's; one rbc does not know, on its own line, is no part of the value above it.
    /// Broken YAML front matter and a severity nobody can read are still reported.
    @Test func boldLabelsFramedByRulesOrSharingALineAreMetadata() throws {
        let body = "\n# Card declines rising\n\n## Mitigation\n\n1. Look at the gateway dashboard.\n"
        let pages = [
            "ruled.md": "---\n**Severity:** P1\n**Owner:** payments-team\n---\n" + body,
            "open-rule.md": "---\n**Severity:** P1\n**Owner:** payments-team\n" + body,
            "joined.md": "# Card declines rising\n\n**Severity:** P1 **Audience:** on-call engineers\n**Owner:** payments-team **Last reviewed:** in March\n\n## Mitigation\n\n1. Look.\n",
            "stacked.md": "# Card declines rising\n\n**Severity:** P1\n**Audience:** on-call engineers\n**Owner**: payments-team\n\n## Mitigation\n\n1. Look.\n",
            "unknown-first.md": "# Card declines rising\n\n**Audience:** on-call **Severity:** P1 **Owner:** payments-team\n\n## Mitigation\n\n1. Look.\n",
        ]
        for (name, text) in pages.sorted(by: { $0.key < $1.key }) {
            let (run, runbook, _) = try Self.compiled(name, text)
            #expect(run.status == 0 && !run.stderr.contains("RB1001") && !run.stderr.contains("RB2005"), "\(name): \(run.stderr)")
            #expect(runbook["severity"] as? String == "P1" && runbook["owner"] as? String == "payments-team",
                    "\(name): \(runbook)")
        }
        // A severity stated with a remark, or as alternatives (the most severe holds).
        let stated = ["Critical (page the on-call now)": "P1", "SEV-2 - customers notice": "P1", "P2/P3": "P2", "low or medium": "P2"]
        for (words, severity) in stated.sorted(by: { $0.key < $1.key }) {
            let (run, runbook, _) = try Self.compiled("stated.md", "# Card declines rising\n\n**Severity:** \(words)\n\n## Mitigation\n\n1. Look.\n")
            #expect(run.status == 0 && runbook["severity"] as? String == severity, "\(words): \(run.stderr) \(runbook)")
        }
        // Review dates and intervals in words.
        let review = [("**Reviewed**: March 2024", "reviewed", "2024-03-31"), ("**Reviewed**: 2024-03-05 by the storage team", "reviewed", "2024-03-05"),
                      ("**Reviewed**: 5 March 2024", "reviewed", "2024-03-05"), ("**Review every**: quarterly", "reviewEveryMs", "7776000000"),
                      ("**Review every**: every 6 months", "reviewEveryMs", "15552000000")]
        for (label, key, value) in review {
            let (run, runbook, _) = try Self.compiled("review.md", "# Card declines rising\n\n\(label)\n\n## Mitigation\n\n1. Look.\n")
            #expect(run.status == 0 && runbook[key].map { "\($0)" } == value, "\(label): \(run.stderr) \(runbook)")
        }
        let broken = [
            "date.md": "# Card declines rising\n\n**Reviewed**: 05/03/2024\n\n## Mitigation\n\n1. Look.\n",
            "yaml.md": "---\nseverity: P1\nowner: [payments\n---\n" + body,
            "severity.md": "# Card declines rising\n\n**Severity:** whenever **Owner:** payments-team\n\n## Mitigation\n\n1. Look.\n",
        ]
        let run = try Self.run(broken, ["check", ".", "--no-git", "--no-shellcheck", "--format", "concise"])
        #expect(Self.lines(run, "RB1001").count == 1 && Self.lines(run, "RB1001").first?.hasPrefix("yaml.md") == true, "\(run.stdout)")
        #expect(Self.lines(run, "RB2005") == ["severity.md:3:15: error[RB2005] unknown severity `whenever`"], "\(run.stdout)")
        #expect(Self.lines(run, "RB2014").count == 1 && Self.lines(run, "RB2014").first?.hasPrefix("date.md") == true, "\(run.stdout)")
    }

    /// Pages that fence commands as `console` without prompts (rook's) write comments there as
    /// sentences: `# Optionally, set other flags (e.g., nodown)` was root's prompt before a command,
    /// and ShellCheck reported the sentence (SC1036, SC1088). A comment written as a sentence is not a
    /// prompt; `# systemctl restart kubelet` in a root transcript still is.
    @Test func aCommentSentenceInASessionFenceIsNoPrompt() throws {
        try ShellCheckMappingTests.requireShellCheck()
        let fence = "```"
        let page = Self.page + """
        ## Mitigation

        ### Set the flags

        \(fence)console
        kubectl -n storage exec -it deploy/tools -- bash
        ceph osd set noout
        # Optionally, set more flags as needed (e.g., norebalance, nodown)
        # ceph osd set nodown
        \(fence)

        ### Restart the agent

        \(fence)console
        # systemctl restart kubelet
        # journalctl -u kubelet --since "5 min ago" | tail
        -- Logs begin at Mon 2026-01-05 --
        \(fence)

        """
        let (_, _, commands) = try Self.compiled("page.md", page)
        #expect(!commands.contains { $0.contains("Optionally") || $0.contains("ceph osd") }, "\(commands)")
        #expect(commands.contains { $0.contains("systemctl restart kubelet") && $0.contains("journalctl") && !$0.contains("Logs begin") },
                "\(commands)")
        let run = try Self.run(["page.md": page], ["check", "page.md", "--no-git", "--format", "concise"])
        #expect(Self.lines(run, "RB016").isEmpty, "\(run.stdout)")
    }

    /// `source ~/.bashrc` after changing a profile: ShellCheck's SC1090 says it cannot follow the file,
    /// which is about ShellCheck, not the command; nothing there is for the page's author to change.
    @Test func whatShellCheckCannotFollowIsNotReported() throws {
        try ShellCheckMappingTests.requireShellCheck()
        let page = Self.page + "## Mitigation\n\n```bash\necho 'export PATH=$PATH:/opt/tool/bin' >> ~/.bashrc\nsource ~/.bashrc\n. \"$HOME/.profile\"\n```\n"
        let run = try Self.run(["page.md": page], ["check", "page.md", "--no-git", "--format", "concise"])
        #expect(Self.lines(run, "RB016").isEmpty, "\(run.stdout)")
    }

    /// etcd's and kubespray's pages show a command and the table it printed in one `bash` fence;
    /// ShellCheck read the table's rows as commands (SC1070, SC1133). A table border (`+----+----+`,
    /// psql's `----+----`) is output, and so is a line behind a database console's prompt (`app=> …`,
    /// Percona's pages): a fence holding them is no script. A broken command alone is still checked.
    @Test func aTableACommandPrintedIsOutput() throws {
        try ShellCheckMappingTests.requireShellCheck()
        let fence = "```"
        let page = Self.page + """
        ## Mitigation

        The members the proxy knows:

        \(fence)bash
        etcdctl --endpoints=http://127.0.0.1:2379 member list -w table

        +----+---------+-------+-----------------+
        | ID | STATUS  | NAME  |  CLIENT ADDRS   |
        +----+---------+-------+-----------------+
        |  0 | started | node1 | 127.0.0.1:2379  |
        +----+---------+-------+-----------------+
        \(fence)

        The sessions:

        \(fence)sh
        psql -c 'select pid, state from pg_stat_activity'
         pid | state
        -----+--------
          42 | active
        \(fence)

        The stuck jobs, in psql:

        \(fence)sh
        # psql -U app
        app=> select count(*) from jobs where state = 'stuck';
         count
        -------
             3
        app=> \\q
        \(fence)

        A broken one:

        \(fence)bash
        if [ -f /etc/app.conf ]; then
          echo found
        \(fence)

        """
        let run = try Self.run(["page.md": page], ["check", "page.md", "--no-git", "--format", "concise"])
        let findings = Self.lines(run, "RB016")
        // Only the unclosed `if` (from line 46 on): nothing in the two tables or the psql session above it.
        let lines = findings.compactMap { $0.split(separator: ":").dropFirst().first.flatMap { Int($0) } }
        #expect(!lines.isEmpty && lines.allSatisfy { $0 >= 46 }, "\(run.stdout)")
    }

    /// A page whose sections are setext headings (`Mitigation` over a line of `-`) is a runbook as much
    /// as one written with `##`; it was never found by a directory walk. A page about writing runbooks
    /// that shows `## Steps` only inside a code fence is not one.
    @Test func setextSectionsMakeARunbookAndFencedOnesDoNot() throws {
        let setext = "Disk full\n=========\n\nMitigation\n----------\n\n1. See [the graph](#nowhere).\n"
        let guide = "# How we write runbooks\n\nEach page looks like this:\n\n```markdown\n## Steps\n\n1. Do it.\n```\n\nSee [below](#nowhere).\n"
        let run = try Self.run(["setext.md": setext, "guide.md": guide], ["check", ".", "--no-git", "--no-shellcheck"])
        #expect(run.stderr.contains("checked 1 runbook:"), "\(run.stderr)")
        #expect(run.stdout.contains("setext.md:7:") && !run.stdout.contains("guide.md"), "\(run.stdout)")
    }

    /// cert-manager's pages type a here-document behind a prompt (`$ cat <<EOF > test.yaml`, the YAML,
    /// `EOF`): the lines after the prompted one were read as output, and ShellCheck saw a here-document
    /// never terminated (SC1044). The lines up to the terminator are typed too; what follows it with
    /// no prompt is output again.
    @Test func aHereDocumentTypedBehindAPromptIsPartOfTheCommand() throws {
        try ShellCheckMappingTests.requireShellCheck()
        let fence = "```"
        let page = Self.page + """
        ## Steps

        ### Create the test resources

        \(fence)bash
        $ cat <<EOF > smoke.yaml
        apiVersion: v1
        kind: Namespace
        metadata:
          name: smoke
        EOF
        $ kubectl apply -f smoke.yaml
        namespace/smoke created
        $ cat <<-'END' | wc -l
        \tone
        \tEND
        1
        \(fence)

        """
        let (_, _, commands) = try Self.compiled("page.md", page)
        #expect(commands.count == 1 && commands[0].contains("kind: Namespace") && commands[0].contains("kubectl apply -f smoke.yaml")
                && !commands[0].contains("namespace/smoke created") && commands[0].contains("\tEND"), "\(commands)")
        let run = try Self.run(["page.md": page], ["check", "page.md", "--no-git", "--format", "concise"])
        #expect(Self.lines(run, "RB016").isEmpty, "\(run.stdout)")
    }

    /// `<<` in arithmetic (`$((1 << 20))`) shifts bits: it opens no here-document, so what the
    /// transcript printed after it stays output. Read as a here-document ending at `20`, every line
    /// below the prompt became part of the command, and ShellCheck judged the printed lines.
    @Test func anArithmeticShiftOpensNoHereDocument() throws {
        let fence = "```"
        let page = Self.page + """
        ## Steps

        ### Check the memory limit

        \(fence)console
        $ echo $((1 << 20))
        1048576
        $ redis-cli config get maxmemory
        1) "maxmemory"
        2) "0"
        $ (( limit = 1 << 4 )); echo $limit
        16
        \(fence)

        """
        let (run, _, commands) = try Self.compiled("page.md", page)
        #expect(commands == ["echo $((1 << 20))\nredis-cli config get maxmemory\n(( limit = 1 << 4 )); echo $limit"],
                "\(commands) \(run.stderr)")
    }

    /// "Undo" names a rollback only as the verb that undoes the change (`## Undo`, `## Undo the
    /// failover`, `## How to undo it`). A database's undo log or tablespace (`## InnoDB Undo Space`) and
    /// an API's undo operation (`## Undo favourite of a status`) are not one: such pages were found as
    /// runbooks, their panel and endpoint descriptions read as the page's rollback.
    @Test func undoAsANounOrAnOperationIsNoRollback() throws {
        let fence = "```"
        let dashboard = "# InnoDB details\n\n## InnoDB Undo Space and Purging\n\n### Undo Tablespaces\n\nHow many there are.\n\n### Max Undo Log Size\n\nThe [limit](#nowhere).\n"
        let api = "# Statuses\n\n## Undo favourite of a status\n\n\(fence)http\nPOST /api/v1/statuses/:id/unfavourite HTTP/1.1\n\(fence)\n\nSee [the list](#nowhere).\n"
        let switchPage = "# Kill switch\n\n## Undo the switch\n\n\(fence)bash\nflagctl set pricing on\n\(fence)\n\nSee [the flag](#nowhere).\n"
        let run = try Self.run(["dashboard.md": dashboard, "api.md": api, "switch.md": switchPage], ["check", ".", "--no-git", "--no-shellcheck"])
        #expect(run.stderr.contains("checked 1 runbook:"), "\(run.stderr)")
        #expect(run.stdout.contains("switch.md:") && !run.stdout.contains("dashboard.md") && !run.stdout.contains("api.md"), "\(run.stdout)")
    }

    /// People write a step's undo in words under `**Rollback:**`, as a bullet or numbered list or a
    /// paragraph: each was "`**Rollback**:` is not followed by a command fence" (RB2004). Such a label
    /// over a list or a paragraph is a manual rollback; over a paragraph leading into a fence, the
    /// fence is the rollback command; with nothing after it, it is still an error.
    @Test func aRollbackWrittenInWordsIsAManualRollback() throws {
        let fence = "```"
        let page = Self.page + """
        ## Mitigation

        ### Pin the old release

        \(fence)bash
        helm -n shop history checkout
        \(fence)

        **Rollback:**
        - Redeploy the chart version before it
        - Tell the shop channel

        ### Drain the queue

        **Rollback**:

        1. Re-enable the consumers
        2. Watch the backlog

        ### Scale down

        \(fence)bash
        kubectl -n shop scale deploy/worker --replicas=2
        \(fence)

        **Rollback:**

        Scale it back up with:

        \(fence)bash
        kubectl -n shop scale deploy/worker --replicas=6
        \(fence)

        """
        let forgotten = Self.page + "## Mitigation\n\n### Forgotten\n\nTurn it off.\n\n**Rollback:**\n"
        let dir = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try AlertCoverageTests.write(["page.md": page, "forgotten.md": forgotten], in: dir)
        let run = try TestSupport.rbc(["compile", "page.md"], in: dir.path)
        let object = (try? JSONSerialization.jsonObject(with: Data(run.stdout.utf8))) as? [String: Any] ?? [:]
        let rollbacks = ((object["steps"] as? [[String: Any]]) ?? []).compactMap { ($0["rollback"] as? [String: Any])?["action"] as? [String: Any] }
        #expect(rollbacks.count == 3, "\(run.stdout)")
        #expect(rollbacks.first?["kind"] as? String == "manual" && (rollbacks.first?["instructions"] as? String)?.contains("Redeploy the chart") == true,
                "\(rollbacks)")
        #expect(rollbacks.dropFirst().first?["kind"] as? String == "manual", "\(rollbacks)")
        #expect(rollbacks.dropFirst(2).first?["command"] as? String == "kubectl -n shop scale deploy/worker --replicas=6", "\(rollbacks)")
        #expect(run.status == 0 && !run.stderr.contains("RB2004"), "\(run.stderr)")
        let error = try TestSupport.rbc(["check", "forgotten.md", "--no-git", "--format", "concise"], in: dir.path)
        #expect(error.stdout.contains("forgotten.md:16:1: error[RB2004] `**Rollback**:` is not followed by a command fence"), "\(error.stdout)")
    }

    /// Pages put a dashboard's `**URL**:`, a `**Channel**:` or what to `**Expect**:` under the title:
    /// facts for the reader, each reported as "sets a step field, but this is the runbook's
    /// introduction" (RB2002). Only a label that only rbc's runbooks write (`**Timeout**`, `**Confirm**`,
    /// `**Action**`…) is out of place there.
    @Test func factsUnderTheTitleAreNoMisplacedStepFields() throws {
        let page = "# Disk full\n\n**URL**: https://grafana.example.org/d/disk\n**Channel**: #storage\n**When**: the disk is over 90%\n"
            + "**Expected**: under 80%\n**Title**: Disk almost full\n**Timeout**: 5m\n\n## Mitigation\n\n1. Look.\n"
        let run = try Self.run(["page.md": page], ["check", "page.md", "--no-git", "--no-shellcheck", "--format", "concise"])
        #expect(Self.lines(run, "RB2002") == ["page.md:8:1: warning[RB2002] `**timeout**` sets a step field, but this is the runbook's introduction"],
                "\(run.stdout)")
    }

    // MARK: - Session 9: handbooks, workshops and READMEs

    /// A project's README with a `## Troubleshooting` section (so a directory scan reads it) describes
    /// its code under other sections: `### Pipelines with custom build steps` over a Go fence; a
    /// workshop's `### Confirm the index` over SQL. The headings' words said steps, nothing under them
    /// is one: each was "procedure has no steps" (RB2009, an error). A section whose steps are real
    /// stays a procedure.
    @Test func aSectionWhoseStepWordsHoldNoStepIsNoProcedure() throws {
        let fence = "```"
        let readme = """
        # Build system

        ## Defining clusters

        ### A plain cluster

        \(fence)go
        func init() { Register("prod") }
        \(fence)

        ### Pipelines with custom build steps

        \(fence)go
        func steps() []string { return []string{"crds", "operator"} }
        \(fence)

        ## Lab 4: an index on the age column

        ### Add it

        \(fence)sql
        ALTER TABLE people ADD INDEX by_age (age);
        \(fence)

        ### Confirm the index exists

        \(fence)sql
        SHOW CREATE TABLE people;
        \(fence)

        ## Disk almost full

        ### Diagnosis

        \(fence)sh
        df -h /var
        \(fence)

        ## Troubleshooting

        1. Run `mage -l` to list the targets.

        """
        let run = try Self.run(["README.md": readme], ["check", ".", "--no-git", "--no-shellcheck", "--format", "concise"])
        #expect(Self.lines(run, "RB2009").isEmpty, "\(run.stdout)")
        let compiled = try TestSupport.rbc(["compile", "README.md"], in: try Self.written(["README.md": readme]).path)
        let object = (try? JSONSerialization.jsonObject(with: Data(compiled.stdout.utf8))) as? [String: Any] ?? [:]
        let procedures = ((object["procedures"] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? String }
        #expect(procedures == ["disk-almost-full"], "\(compiled.stdout) \(compiled.stderr)")
    }

    static func written(_ files: [String: String]) throws -> URL {
        let dir = try TestSupport.temporaryDirectory()
        try AlertCoverageTests.write(files, in: dir)
        return dir
    }

    /// A playbook lists its steps as a numbered table of contents (`1. [Init config](#init-config)`),
    /// then a `### Init config` with two fences and a note between them: the heading's step became
    /// `init-config-2` (the list item took `init-config`), and its second fence, named `Init config 2`,
    /// took `init-config-2` again: "duplicate step id" (RB2008) for ids nobody wrote.
    @Test func idsDerivedFromHeadingsNeverCollide() throws {
        let fence = "```"
        let page = """
        # Create an instance

        ## Steps

        1. [Check out a branch](#check-out-a-branch)
        1. [Init config](#init-config)

        ### Check out a branch

        \(fence)sh
        git checkout -b new-instance
        \(fence)

        ### Init config

        \(fence)sh
        tool instance create --slug demo
        \(fence)

        > Note: the region is optional.

        \(fence)sh
        tool instance get --slug demo
        \(fence)

        """
        let run = try Self.run(["page.md": page], ["check", "page.md", "--no-git", "--no-shellcheck", "--format", "concise"])
        #expect(Self.lines(run, "RB2008").isEmpty && run.status == 0, "\(run.stdout)")
    }

    /// Comments in a shell fence are not run: `terraform plan  # expect: 0 to destroy` was "destroys
    /// infrastructure" (RB006). They are read, though: a warning written as the comment above the
    /// command (`# Careful: the data is lost`) warns the reader as a sentence above the fence does.
    /// A comment that only says what the command does warns nobody.
    @Test func commentsInAFenceAreReadNotRun() throws {
        func step(_ name: String, _ command: String) -> String { "### \(name)\n\n```bash\n\(command)\n```\n\n" }
        let page = Self.page.replacingOccurrences(of: "## Diagnosis\n\nLook at it.\n\n", with: "## Mitigation\n\n")
            + step("Check the state", "terraform validate\nterraform plan  # should print: 0 to add, 0 to change, 0 to destroy")
            + step("Drop the claim", "# Careful: the volume's data is lost with it\nkubectl -n db delete pvc data-db-0")
            + step("Remove the limit", "kubectl -n db delete limitrange defaults  # (USE WITH CAUTION)")
            + step("Remove the claim", "# Delete the claim\nkubectl -n db delete pvc data-db-1")
        let run = try Self.run(["page.md": page], ["check", "page.md", "--no-git", "--no-shellcheck", "--format", "concise"])
        let destructive = Self.lines(run, "RB006")
        #expect(destructive.count == 1 && destructive.first?.contains("`remove-the-claim`") == true, "\(run.stdout)")
    }

    /// Workshop and troubleshooting pages: "As a last resort" and "If all else fails" before a command
    /// tell the reader to try everything else first; `rm -rf .terraform` (then `terraform init`) and a
    /// cache directory remove what the tool fetches again; `pg_terminate_backend(<pid>)` ends the one
    /// stuck session the step names. Each was RB006. Removing data, or terminating every session a
    /// query selects, still is.
    @Test func lastResortsCachesAndOneBackendAreNoUnwarnedDestruction() throws {
        func step(_ name: String, _ lead: String, _ command: String) -> String { "### \(name)\n\n\(lead)\n\n```bash\n\(command)\n```\n\n" }
        let page = "# Node trouble\n\n## Mitigation\n\n"
            + step("Reset the pod state", "As a last resort, when the state is corrupt:", "sudo rm -rf /var/lib/kubelet/pods/*")
            + step("Force it", "If all else fails:", "kubectl -n web delete pod web-0 --force --grace-period=0")
            + step("Reinitialise", "The backend moved:", "rm -rf .terraform .terraform.lock.hcl\nterraform init")
            + step("Fresh modules", "Fetch the modules again:", "rm -rf .terraform/modules ~/.cache/helm node_modules\nterraform init -upgrade")
            + step("End the stuck backend", "End the backend found above:", "kubectl exec -n db db-0 -- psql -c \"SELECT pg_terminate_backend(<pid>);\"")
            + step("End it by number", "Then:", "psql -c 'SELECT pg_terminate_backend(40213);'")
            + step("End every session", "Then:", "psql -c \"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'app';\"")
            + step("Free the disk", "Then:", "rm -rf /var/lib/app/data")
        let run = try Self.run(["page.md": page], ["check", "page.md", "--no-git", "--no-shellcheck", "--format", "concise"])
        let destructive = Self.lines(run, "RB006")
        #expect(destructive.count == 2, "\(run.stdout)")
        #expect(destructive.contains { $0.contains("`end-every-session`") } && destructive.contains { $0.contains("`free-the-disk`") }, "\(run.stdout)")
    }

    /// A workshop says "once connected (`mysql -u root -p`), run…": the code span's closing backtick
    /// and the `)` after it were read as the password given to `-p` (RB009). A Terraform example in a
    /// `bash` fence sets `password = data.aws_secretsmanager_secret_version.credentials.secret_string`,
    /// a reference to where the value lives whose type name is long. A password glued to `-p` is still
    /// reported.
    @Test func aCodeSpansEndAndALongReferenceAreNoPassword() throws {
        let page = Self.page.replacingOccurrences(of: "Look at it.\n", with: "Once connected (`mysql -u root -p`), look at it.\n")
            + "```bash\nresource \"aws_db_instance\" \"main\" {\n  password = data.aws_secretsmanager_secret_version.credentials.secret_string\n}\n```\n\n"
            + "```bash\nmysql -u root -pQ7vr2Lxw9 -e 'show processlist'\n```\n"
        let run = try Self.run(["page.md": page], ["check", "page.md", "--no-git", "--no-shellcheck", "--format", "concise"])
        let credentials = Self.lines(run, "RB009")
        #expect(credentials.count == 1 && credentials.first?.contains("MySQL password") == true && credentials.first?.contains("page.md:17:") == true,
                "\(run.stdout)")
    }

    /// `--topic-arn $TOPIC_ARN` on a page about an SNS topic: an ARN is how AWS names a thing, as an id
    /// or a URL is, so the name says what it holds in the page's words (RB032). A name of things the
    /// page never mentions is still reported.
    @Test func anARNNamedForWhatItNamesIsExplained() throws {
        let page = "# Budget alerts silent\n\nThe budget notifies an SNS topic.\n\n## Diagnosis\n\n"
            + "```bash\naws sns list-subscriptions-by-topic --topic-arn $TOPIC_ARN\naws kms describe-key --key-id $WIDGET_ARN\n```\n"
        let run = try Self.run(["page.md": page], ["check", "page.md", "--no-git", "--no-shellcheck", "--format", "concise"])
        let unexplained = Self.lines(run, "RB032")
        #expect(unexplained.count == 1 && unexplained.first?.contains("$WIDGET_ARN") == true, "\(run.stdout)")
    }

    /// kubermatic keeps 64 rendered Prometheus ConfigMaps (one per provider and version) as test
    /// fixtures beside its chart's rules: `rbc init` listed the fixtures as a rule directory, and every
    /// alert without a runbook link was reported once per copy (RB022). Test data is named in a
    /// comment, not listed; the chart's rules are.
    @Test func initLeavesRulesInTestFixturesOut() throws {
        func rule(_ name: String, _ annotations: String) -> String {
            "groups:\n- name: node\n  rules:\n  - alert: \(name)\n    expr: up == 0\n    labels: {severity: warning}\n\(annotations)"
        }
        let fixture = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: prometheus}\ndata:\n  rules.yaml: |\n"
            + rule("NodeDown", "").split(separator: "\n").map { "    " + $0 }.joined(separator: "\n") + "\n"
        var files = ["charts/monitoring/rules/node.yaml": rule("NodeDown", "    annotations: {runbook_url: ../../../docs/node-down.md}\n"),
                     "docs/node-down.md": "# Node down\n\n## Mitigation\n\n1. Reboot it.\n"]
        for provider in ["aws", "gcp", "azure"] { files["pkg/resources/test/fixtures/configmap-\(provider)-prometheus.yaml"] = fixture }
        let dir = try Self.written(files)
        defer { try? FileManager.default.removeItem(at: dir) }
        let initRun = try TestSupport.rbc(["init"], in: dir.path)
        #expect(initRun.status == 0, "\(initRun.stderr)")
        let written = (try? String(contentsOf: dir.appendingPathComponent(".rbc.yaml"), encoding: .utf8)) ?? ""
        #expect(written.contains("    - \"charts/monitoring/rules\"\n") && !written.contains("- \"pkg/"), "\(written)")
        #expect(written.contains("#   pkg/resources/test/fixtures  3 files"), "\(written)")
        let check = try TestSupport.rbc(["check", "--no-git", "--no-shellcheck", "--format", "concise"], in: dir.path)
        #expect(Self.lines(check, "RB022", "RB023").isEmpty && check.status == 0, "\(check.stdout)")
    }

    /// An ops repository (Salt pillars) keeps its secrets in git encrypted by git-crypt: `secrets.yaml`
    /// starts with `\0GITCRYPT\0` and binary after it. A directory walk reported each as a runbook
    /// file that is binary (RB0002, an error: exit 1). No reader but the key holders can read it, so a
    /// walk passes it by; named on the command line, or binary without such a header, it is reported.
    @Test func filesEncryptedInGitAreNoBinaryRunbooks() throws {
        let dir = try Self.written(["runbooks/disk.md": Self.page + "## Mitigation\n\n1. Free space.\n"])
        defer { try? FileManager.default.removeItem(at: dir) }
        var encrypted = Data("\0GITCRYPT\0".utf8)
        encrypted.append(contentsOf: (0..<200).map { UInt8(($0 * 37 + 11) % 256) })
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("pillars/prod"), withIntermediateDirectories: true)
        try encrypted.write(to: dir.appendingPathComponent("pillars/prod/secrets.yaml"))
        let walk = try TestSupport.rbc(["check", ".", "--no-git", "--no-shellcheck", "--format", "concise"], in: dir.path)
        #expect(walk.status == 0 && !walk.stdout.contains("RB0002"), "\(walk.stdout)")
        let named = try TestSupport.rbc(["check", "pillars/prod/secrets.yaml", "--no-git", "--format", "concise"], in: dir.path)
        #expect(named.stdout.contains("RB0002"), "\(named.stdout)")
        try Data("# Page\n\0\n## Steps\n".utf8).write(to: dir.appendingPathComponent("runbooks/broken.md"))
        let binary = try TestSupport.rbc(["check", ".", "--no-git", "--no-shellcheck", "--format", "concise"], in: dir.path)
        #expect(binary.stdout.contains("runbooks/broken.md:2:1: error[RB0002]"), "\(binary.stdout)")
    }
}

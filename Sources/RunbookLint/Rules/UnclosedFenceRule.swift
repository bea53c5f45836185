// RB033: a code fence that is never closed swallows the rest of the page.

struct UnclosedFenceRule: LintRule {
    static let description = RuleDescription(
        id: "RB033", slug: "unclosed-fence", category: .documentation, severity: .warning, scope: .both,
        summary: "a code fence is never closed, so the rest of the page is shown as code",
        rationale: """
        A ```` ``` ```` fence without its closing line turns everything after it into one code block: \
        the following headings (`## Mitigation`), lists and links are rendered as code, and the steps \
        they hold become part of the command above. Close the fence where the command ends. A fence \
        left open at the end of the page over nothing but code or output (no further fence, `##` \
        heading, link or bold label; for a fence of code, no numbered list item and no sentence \
        opening a paragraph) is not reported: the page shows what its author meant. Sentences and \
        lists in a `text`, `console` or unlabelled fence may be its output or a message to send.
        """,
        triggering: [
            RuleExample("""
            ---
            severity: P3
            ---
            # PrometheusOperatorNodeLookupErrors

            ## Diagnosis

            ↓```shell↑
            kubectl describe service -n kube-system -l app.kubernetes.io/managed-by=prometheus-operator

            ## Mitigation

            Restart the operator.
            """, markdown: true),
            // The steps after the command, as a numbered list and a paragraph, became part of it.
            RuleExample("""
            ---
            severity: P3
            ---
            # Queue backlog

            ## Mitigation

            Restart the consumers:

            ↓```bash↑
            kubectl -n queue rollout restart deployment/consumer

            1. Wait until every consumer pod is ready.
            2. Check that the backlog shrinks on the dashboard.

            If it does not shrink within ten minutes, page the queue team.
            """, markdown: true),
        ],
        nonTriggering: [
            RuleExample("""
            ---
            severity: P3
            ---
            # PrometheusOperatorNodeLookupErrors

            ## Diagnosis

            ```shell
            kubectl describe service -n kube-system -l app.kubernetes.io/managed-by=prometheus-operator
            ```
            """, markdown: true),
            // A script pasted last whose closing line is missing: nothing after it was meant as Markdown.
            RuleExample("""
            ---
            severity: P3
            ---
            # Stale licences
            ## Diagnosis
            List the users with a direct assignment:
            ```powershell
            # Requires the Graph module
            Connect-MgGraph -Scopes "User.Read.All"
            Get-MgUser -All | Where-Object { $_.AssignedLicenses }
            """, markdown: true),
            // Output left open at the end: its sentences are the program's, not the page's.
            RuleExample("""
            ---
            severity: P3
            ---
            # Queue backlog
            ## Diagnosis
            List the consumers:
            ```console
            $ kubectl -n queue get pods -l app=consumer

            No resources found in queue namespace.
            """, markdown: true),
            // A shell script pasted last: capitalised SQL and `case` patterns are not prose.
            RuleExample("""
            ---
            severity: P3
            ---
            # Queue backlog
            ## Diagnosis
            ```bash
            psql -c "

            SELECT name FROM consumers WHERE stalled ORDER BY name;
            "
            case "$1" in
            1) systemctl restart consumer
            esac
            """, markdown: true),
            // An MkDocs admonition: its fence is indented code to cmark, closed where MkDocs closes it.
            RuleExample("""
            ---
            severity: P3
            ---
            # PVC pending

            ## Diagnosis

            !!! danger "Still pending"
                If it is still pending, run:

                ```bash
                kubectl describe pvc data -n db
                ```

                Check the events.
            """, markdown: true),
        ])

    func check(_ context: LintContext) -> [LintFinding] {
        (context.page?.unclosedFences ?? []).map { fence in
            LintFinding("this code fence is never closed: everything after it is shown as code", at: fence,
                        help: "add the closing ``` line where the command ends")
        }
    }
}

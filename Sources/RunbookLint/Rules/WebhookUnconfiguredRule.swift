// RB051: a notification or ticket step in unattended runs with no webhook configured: the run only prints it, to no one.

import RunbookSema

struct WebhookUnconfiguredRule: LintRule {
    static let description = RuleDescription(
        id: "RB051", slug: "webhook-unconfigured", category: .configuration, severity: .warning, scope: .executable,
        summary: "an unattended run's notification or ticket goes nowhere: `.rbc.yaml` configures no webhook for it",
        rationale: """
        `send_notification` posts to the `notifications:` webhook of `.rbc.yaml`, `create_ticket` to \
        `tickets:`. Without one, a run prints the message on the terminal and carries on. Where runs \
        are unattended (`unattended: true` in `.rbc.yaml`: CI, alert automation) nobody reads that \
        terminal: the channel the runbook names never hears of the incident. Configure the webhook \
        (`notifications: {url: "https://hooks.slack.com/services/…", format: slack}`). Attended runs \
        show the message to the responder, so rbc does not report them.
        """,
        triggering: [
            .steps("""
                - id: tell
                  action: send_notification
                  channel: ↓"#incidents"↑
                  message: "shedding load"
                  timeout: 30s
            """).with(RunEnvironment(tickets: true, unattended: true)),
        ],
        nonTriggering: [
            .steps("""
                - id: tell
                  action: send_notification
                  channel: "#incidents"
                  message: "shedding load"
                  timeout: 30s
            """).with(RunEnvironment(notifications: true, unattended: true)),
            .steps("""
                - id: tell
                  action: send_notification
                  channel: "#incidents"
                  message: "shedding load"
                  timeout: 30s
            """).with(RunEnvironment(unattended: false)),
        ])

    func check(_ context: LintContext) -> [LintFinding] {
        guard let environment = context.settings.environment, environment.unattended else { return [] }
        var findings: [LintFinding] = []
        for view in context.allSteps {
            let kind = view.ir.action.kind
            if kind == .sendNotification, !environment.notifications {
                findings.append(LintFinding("\(context.describe(view)) sends a notification, but runs are unattended and .rbc.yaml configures no `notifications` webhook",
                                            at: view.field("channel")?.value.range ?? view.anchor,
                                            help: "a run would only print it, to no one; add `notifications: {url: \"https://…\", format: slack}` to .rbc.yaml"))
            } else if kind == .createTicket, !environment.tickets {
                findings.append(LintFinding("\(context.describe(view)) creates a ticket, but runs are unattended and .rbc.yaml configures no `tickets` webhook",
                                            at: view.field("title")?.value.range ?? view.anchor,
                                            help: "a run would only print it, to no one; add `tickets: {url: \"https://…\", format: json}` to .rbc.yaml"))
            }
        }
        return findings
    }
}

// The on-call engineer's day with the real binary: `rbc check` finds what `rbc run` would (stores,
// webhooks, unattended approvals), credentials in their common forms, honest records and messages,
// plans that show the change, and running parts of a runbook.

import Foundation
import RunbookRuntime
import Testing

@Suite(.serialized) struct ResponderTests {
    static let storeStep = """
        - id: shed-load
          action: update_config
          store: flgs
          config_key: gateway.rate_limit
          value: 500
          timeout: 30s

    """

    @Test func checkFindsAMisspeltStoreThatRunWouldFailOn() throws {
        let fixture = try RunFixture(runbook(Self.storeStep), files: [".rbc.yaml": "stores:\n  flags: {file: flags.json}\n", "flags.json": "{}"])
        let check = try fixture.rbc(["check", "rb.yaml", "--no-git"])
        #expect(check.status == 1, "\(check.stdout)\(check.stderr)")
        #expect(check.stdout.contains("RB050"), "\(check.stdout)")
        #expect(check.stdout.contains("did you mean `flags`?"), "\(check.stdout)")
        // What the check predicts is what a run meets.
        let run = try fixture.rbc(["run", "rb.yaml", "--allow-dirty"])
        #expect(run.status != 0)
        #expect(run.stderr.contains("no config store `flgs`"), "\(run.stderr)")
    }

    @Test func checkFindsUpdateConfigWithNoStoreConfigured() throws {
        let fixture = try RunFixture(runbook(Self.storeStep.replacingOccurrences(of: "      store: flgs\n", with: "")),
                                     files: [".rbc.yaml": "exclude: []\n"])
        let check = try fixture.rbc(["check", "rb.yaml", "--no-git"])
        #expect(check.status == 1, "\(check.stdout)\(check.stderr)")
        #expect(check.stdout.contains("RB050") && check.stdout.contains("configures no store"), "\(check.stdout)")
        let configured = try RunFixture(runbook(Self.storeStep.replacingOccurrences(of: "store: flgs", with: "store: flags")),
                                        files: [".rbc.yaml": "stores:\n  flags: {file: flags.json}\n"])
        let clean = try configured.rbc(["check", "rb.yaml", "--no-git"])
        #expect(!clean.stdout.contains("RB050"), "\(clean.stdout)")
    }

    @Test func checkWarnsOfUnattendedNotificationsThatWouldOnlyBePrinted() throws {
        let steps = """
            - id: tell
              action: send_notification
              channel: "#incidents"
              message: "shedding load"
              timeout: 30s

        """
        let fixture = try RunFixture(runbook(steps), files: [".rbc.yaml": "unattended: true\n"])
        let check = try fixture.rbc(["check", "rb.yaml", "--no-git"])
        #expect(check.stdout.contains("RB051"), "\(check.stdout)")
        // Attended, the responder reads the printed message: nothing to report.
        let attended = try RunFixture(runbook(steps), files: [".rbc.yaml": "exclude: []\n"])
        #expect(!(try attended.rbc(["check", "rb.yaml", "--no-git"])).stdout.contains("RB051"))
        let configured = try RunFixture(runbook(steps), files: [".rbc.yaml": "unattended: true\nnotifications: {url: \"http://127.0.0.1:9/hook\", format: slack}\n"])
        #expect(!(try configured.rbc(["check", "rb.yaml", "--no-git"])).stdout.contains("RB051"))
    }

    @Test func checkRefusesManualStepsWhereRunsAreUnattended() throws {
        let steps = """
            - id: page-dba
              action: manual
              instructions: "Call the DBA on duty"

        """
        let fixture = try RunFixture(runbook(steps), files: [".rbc.yaml": "unattended: true\n"])
        let check = try fixture.rbc(["check", "rb.yaml", "--no-git"])
        #expect(check.status == 1, "\(check.stdout)\(check.stderr)")
        #expect(check.stdout.contains("RB052"), "\(check.stdout)")
        let attended = try RunFixture(runbook(steps), files: [".rbc.yaml": "unattended: false\n"])
        #expect(!(try attended.rbc(["check", "rb.yaml", "--no-git"])).stdout.contains("RB052"))
    }
}

// What real Markdown runbooks showed: `oc rsh $POD` (or `ssh host`, `kubectl exec -it … -- bash`,
// `sudo su - user`, `psql`) and the lines meant inside the session merged into one command, which
// rbc would run in the outer shell after the session ended and ShellCheck read as that shell's.
// And `$ ` prompts in a fence: `rbc run` must run the commands without them. Real binary, real
// processes.

import Foundation
@testable import RunbookSyntax
import Testing

@Suite struct InteractiveSessionTests {
    @Test(arguments: [
        "oc rsh $POD", "oc rsh -c app api-0", "ssh db-1.internal", "ssh -i ~/.ssh/id user@host   # any replica",
        "kubectl exec -it api-0 -- bash", "kubectl -n vault exec -it vault-0 sh", "kubectl exec -ti registry-0 bash",
        "kubectl -n monitoring exec -it prometheus-0 -c thanos-sidecar -- sh", "kubectl exec --stdin --tty api-0 -- /bin/bash",
        "oc exec -it api-0 -- psql -U postgres", "docker exec -it web sh", "crictl exec -it $CONTAINER_ID env REDISCLI_AUTH=x redis-cli",
        "kubectl debug -it node/n1 --image=busybox -- sh", "sudo su", "sudo su - gitlab-psql", "sudo su gitlab-customers -s /bin/bash",
        "sudo -i", "su - postgres", "sudo gitlab-psql", "psql -h db -U app", "mysql -u root -p", "redis-cli -h 10.0.0.1 -p 6379",
        "sudo gitlab-rails console", "bin/rails c", "packagecloud-ctl console", "gcloud compute ssh vm-1 --zone us-east1-b", "bash",
    ])
    func sessionsAreRecognised(_ line: String) {
        #expect(MarkdownRunbookParser.opensInteractiveSession(line))
    }

    @Test(arguments: [
        "oc rsh $POD ls /data", "ssh db-1 'sudo systemctl restart patroni'", "ssh db-1 -- uptime", "ssh -N -L 8443:lb:443 bastion",
        "ssh -D 18200 bastion", "kubectl exec api-0 -- bash -c 'ls'", "kubectl exec -it api-0 -- ls /data", "kubectl exec -i api-0 -- sh",
        "kubectl exec -it -n wiz pod -- /usr/src/app/wiz-sensor version", "crictl exec -it $ID top -c", "docker run -it flamescope",
        "psql -c 'select 1'", "sudo gitlab-psql -c \"SELECT pg_reload_conf();\"", "redis-cli -p 26379 sentinel masters",
        "sudo -u gitlab-psql crontab -l", "su -c 'id' postgres", "kubectl exec -it api-0 -- bash < script.sh",
        "echo ssh host", "knife ssh 'roles:db' 'uptime'", "gitlab-rails runner 'puts 1'", "bash deploy.sh", "kubectl get pods",
        "psql --version", "mysql --version", "redis-cli --version", "sqlite3 --version", "bash --help", "psql -V",
    ])
    func otherCommandsAreNotSessions(_ line: String) {
        #expect(!MarkdownRunbookParser.opensInteractiveSession(line))
    }

    /// ibtisam-iq/runbook checks an image's tools with `docker run … bash -c "` and one line per tool,
    /// `mysql --version`, `psql --version`, `redis-cli --version` among them, up to a closing `"`.
    /// rbc cut the fence at `mysql --version` as if it opened a session, leaving an unclosed string
    /// (two ShellCheck parse errors). A `--version` opens nothing, and a line inside a string or a
    /// here-document opened above is its text, never a command.
    @Test func linesInsideAStringOrAHereDocumentOpenNoSession() throws {
        let text = """
            # T

            ## Verification

            Check the tools:

            ```bash
            docker run --rm image:latest \\
              bash -c "
                java -version 2>&1 | head -1
                psql
                redis-cli --version
              "
            ```

            And the database:

            ```bash
            kubectl exec -i db-0 -- bash <<'EOF'
            psql
            EOF
            cat <<-END > /tmp/notes
            \tssh db-1
            \tEND
            ```

            """
        let ir = try MarkdownFidelityTests.ir(text)
        #expect(ir.steps.map(\.action.kind) == [.executeCommand, .executeCommand], "\(ir.steps.map(\.id))")
        #expect(ir.steps[0].action.command?.hasSuffix("redis-cli --version\n  \"") == true, "\(ir.steps[0].action.command ?? "")")
        #expect(ir.steps[1].action.command?.hasSuffix("\tEND") == true, "\(ir.steps[1].action.command ?? "")")
        // And a session opened after a here-document ends is still one.
        let after = MarkdownRunbookParser.sessionSplit("cat <<EOF\nssh db-1\nEOF\nssh db-2\nuptime\n", language: "bash")
        #expect(after?.opener == "ssh db-2" && after?.before?.hasPrefix("cat <<EOF\nssh db-1\nEOF") == true, "\(String(describing: after))")
    }

    @Test func theSessionIsAManualStepOfItsOwn() throws {
        let text = """
            # T

            ## Mitigation

            Clean the volume:

            ```bash
            kubectl get pods -n db
            oc rsh $POD
            rm -rf /data/tmp/*
            df -h
            ```

            On a replica:

            ```sh
            # Any replica is fine
            ssh patroni-01.internal
            sudo gitlab-patronictl list
            ```

            In the vault pod:

            ```shell
            kubectl -n vault exec -it vault-0 sh
            $ vault status
            Sealed false
            ```

            """
        let ir = try MarkdownFidelityTests.ir(text)
        #expect(ir.steps.map(\.action.kind) == [.executeCommand, .manual, .manual, .manual], "\(ir.steps.map(\.id))")
        #expect(ir.steps[0].action.command == "kubectl get pods -n db", "only what the outer shell runs")
        #expect(ir.steps[1].id == "clean-the-volume-session")
        let inside = ir.steps[1].action.instructions ?? ""
        #expect(inside.contains("`oc rsh $POD`") && inside.contains("oc rsh $POD\nrm -rf /data/tmp/*\ndf -h\n"), "\(inside)")
        let replica = ir.steps[2].action.instructions ?? ""
        #expect(replica.contains("`ssh patroni-01.internal`") && replica.contains("# Any replica is fine\nssh patroni-01.internal\nsudo gitlab-patronictl list"),
                "no line of the fence is lost: \(replica)")
        let vault = ir.steps[3].action.instructions ?? ""
        #expect(vault.contains("`kubectl -n vault exec -it vault-0 sh`") && vault.contains("$ vault status\nSealed false"), "\(vault)")
        #expect(!ir.steps.contains { ($0.action.command ?? "").contains("rm -rf") || ($0.action.command ?? "").contains("vault status") })
    }

    @Test func aSessionOpenedLastIsLeftAsItIs() throws {
        let ir = try MarkdownFidelityTests.ir("# T\n\n## Mitigation\n\nOpen a shell:\n\n```sh\nkubectl exec -it api-0 -- bash\n```\n")
        #expect(ir.steps.map(\.action.command) == ["kubectl exec -it api-0 -- bash"])
    }

    /// Lines typed inside the session never reach ShellCheck as the outer shell's; the same lines
    /// without the session do (ShellCheck is there and would have spoken).
    @Test func linesInsideASessionNeverReachShellCheck() throws {
        let inside = "if [ -f /etc/patroni.yml ]; then\n"
        let page = { (opener: String) in "---\nseverity: P3\n---\n# Replica\n\n## Diagnosis\n\n```sh\nkubectl get pods\n\(opener)\(inside)```\n" }
        let session = try LintAccuracyTests.check(["page.md": page("ssh patroni-01.internal\n")])
        #expect(LintAccuracyTests.lines(session, "RB016").isEmpty, "\(session.stdout)")
        let plain = try LintAccuracyTests.check(["page.md": page("")])
        #expect(!LintAccuracyTests.lines(plain, "RB016").isEmpty, "\(plain.stdout)")
    }

    /// `rbc run` of a Markdown runbook: the outer shell runs what comes before the session, the
    /// session is a manual step (approved here by --yes), and nothing typed inside it runs.
    @Test func runningAPageRunsOnlyTheOuterShellsCommands() throws {
        let fixture = try RunFixture("", files: ["rb.md": """
            ---
            severity: P3
            owner: sre
            ---
            # Clean up

            ## Steps

            ### Look

            ```bash
            echo before >> log
            sh
            echo inside >> log
            ```

            """])
        let run = try fixture.rbc(["run", "rb.md", "--yes"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(fixture.read("log") == "before\n", "the lines typed inside the session are not the outer shell's")
        let events = try fixture.events()
        #expect(events.filter { $0.event == .stepFinished }.map(\.step) == ["look", "look-session"])
    }

    /// What was seen: `$ kubectl get …` ran as `$ kubectl …` (`/bin/sh: 1: $: not found`).
    @Test func promptedFencesRunWithoutThePrompt() throws {
        let fixture = try RunFixture("", files: ["rb.md": """
            ---
            severity: P3
            owner: sre
            ---
            # Prompts

            ## Steps

            ### Write

            ```console
            $ echo one >> log
            $ echo two \\
            >   three >> log
            some output the author saw
            ```

            ### Write more

            ```bash
            $ echo four >> log
            four
            ```

            """])
        let run = try fixture.rbc(["run", "rb.md", "--yes"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(!run.stderr.contains("not found"), "\(run.stderr)")
        #expect(fixture.read("log") == "one\ntwo three\nfour\n")
    }

    /// `<<` inside arithmetic shifts bits; a here-document opened on the same line still is one.
    @Test func hereDocumentsAfterArithmetic() {
        #expect(MarkdownRunbookParser.hereDocumentTerminators("echo $((1 << 20))").isEmpty)
        #expect(MarkdownRunbookParser.hereDocumentTerminators("(( x = y << 2 ))").isEmpty)
        #expect(MarkdownRunbookParser.hereDocumentTerminators("cat <<EOF | head -c $((1 << 4))").map(\.word) == ["EOF"])
        #expect(MarkdownRunbookParser.hereDocumentTerminators("head -c $((1 << 4)) <<-'END'").map(\.word) == ["END"])
        // An arithmetic never closed ends with its line.
        #expect(MarkdownRunbookParser.hereDocumentTerminators("echo $(( 1 << 2").isEmpty)
    }
}

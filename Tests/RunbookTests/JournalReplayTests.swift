// Journals already on disk must keep reading as they did: a journal written by an earlier rbc
// (Fixtures/journals/rollback-failed-v1.jsonl: a run whose undo failed, then `rbc rollback`, which
// failed again) re-encodes byte for byte and replays to the same run state and timeline.

import Foundation
import RunbookRuntime
import Testing

@Suite struct JournalReplayTests {
    let path = TestSupport.path("Tests/RunbookTests/Fixtures/journals/rollback-failed-v1.jsonl")

    @Test func everyEventOfAnOldJournalReEncodesByteForByte() throws {
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        let events = try Journal.read(path)
        #expect(events.count == 44)
        #expect(lines.count == events.count)
        for (line, event) in zip(lines, events) {
            let encoded = String(decoding: try Journal.encoder.encode(event), as: UTF8.self)
            #expect(encoded == String(line), "event \(event.seq)")
        }
    }

    @Test func anOldJournalReplaysToTheSameRunState() throws {
        let state = try RunState(path: path)
        #expect(state.runID == "20261115T143001.000Z-0000")
        #expect(state.status == .rollbackFailed)
        #expect(state.finished?.reason == "rolled back by rbc rollback")
        #expect(state.stepStatus == ["check": .succeeded, "limit": .succeeded, "approved": .succeeded, "flaky": .failed, "rollback-1": .succeeded])
        #expect(state.completedOrder == ["check", "approved"])
        #expect(state.undone == ["limit"])
        #expect(state.pendingUndos == ["approved"])
        #expect(state.pendingRunbookRollbacks.isEmpty)
        #expect(state.rollbackFailedSteps == ["approved"])
        #expect(state.results["check"]?.outputs == ["word": "api"])
        #expect(state.results["flaky"]?.exitCode == 1)
        let change = try #require(state.configChanges["limit"])
        #expect(change.previous == .int(1000))
        #expect(change.previousSource == " 1000")
        #expect(change.path == "/srv/runbooks/store.yaml")
        #expect(state.params["token"] == .string("***"))
        #expect(state.leftoverProcess == nil)
        #expect(state.inFlight == nil)
    }

    @Test func anOldJournalsTimelineReadsTheSame() throws {
        let document = Timeline.document(try RunState(path: path), changesSomething: { !$0.readonly })
        #expect(document.status == .rollbackFailed)
        #expect(document.stepsRun == ["check", "limit", "approved"])
        #expect(document.stepsRolledBack == ["limit"])
        #expect(document.stepsRollbackFailed == ["approved"])
        #expect(document.entries.count == 30)
        #expect(document.entries.first?.detail.hasPrefix("run of Old journal (rb.yaml) by ") == true)
        #expect(document.entries.map(\.detail).suffix(3) == [
            "attempt 1 of approved: `echo undo approved; exit 3`",
            "rollback of approved failed: exit code 3",
            "run finished: rollback_failed (rolled back by rbc rollback)",
        ])
    }
}

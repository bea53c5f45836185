// `rbc run --incident ID`: the incident records the run's start (runbook path, commit, IR hash, its
// journal) before anything runs, and its end after; the journal names the incident in turn.

import Foundation
import RunbookIncident
import RunbookRuntime
import RunbookSema
import RunbookSource

public struct IncidentRunLink: Sendable {
    public let store: IncidentStore
    public let incidentID: String
    let info: IncidentStore.RunInfo
    let by: String

    /// Records the run's start in the incident; refused (nothing recorded) when the incident is
    /// unknown or resolved.
    public static func begin(incident name: String, runID: String, journalPath: String, ir: RunbookIR, settings: ExecutionSettings,
                             configuration: Configuration = Configuration.discover().0) throws(IncidentError) -> IncidentRunLink {
        let store = IncidentStore(settings: configuration.incidentSettings)
        let incident = try store.attachable(name)
        let base = PathText.parent(of: store.directory) + "/"
        let journal = journalPath.hasPrefix(base) ? String(journalPath.dropFirst(base.count)) : journalPath
        let info = IncidentStore.RunInfo(run: runID, runbook: ir.runbook.name, runbookPath: settings.runbookPath, commit: settings.commit,
                                         contentHash: ir.contentHash, journal: journal)
        let by = ProcessInfo.processInfo.environment["USER"] ?? NSUserName()
        _ = try store.runStarted(incident.id, info, by: by, now: Journal.now())
        return IncidentRunLink(store: store, incidentID: incident.id, info: info, by: by)
    }

    /// Checks, before a run is prepared, that the incident can take it.
    public static func check(incident name: String, configuration: Configuration = Configuration.discover().0) throws(IncidentError) -> String {
        try IncidentStore(settings: configuration.incidentSettings).attachable(name).id
    }

    /// Records the run's end; returns what the incident commander should do next.
    public func end(status: RunStatus, reason: String?) throws(IncidentError) -> String {
        let incident = try store.runFinished(incidentID, info, status: status, reason: reason, by: by, now: Journal.now())
        switch status {
        case .succeeded:
            return incident.status < .mitigated
                ? "when service is restored: `rbc incident status \(incidentID) mitigated`"
                : "run recorded in incident \(incidentID)"
        case .rollbackFailed:
            return "the rollback failed and the system may be partly changed: `rbc rollback \(info.run)`; recorded in incident \(incidentID)"
        default:
            return "recorded in incident \(incidentID); `rbc incident update \(incidentID)` tells stakeholders what was tried"
        }
    }
}

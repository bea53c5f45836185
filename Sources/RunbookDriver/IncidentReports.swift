// The figures across incidents and runs: every incident record and every run journal of the
// repository, as `rbc stats` reports them.

import Foundation
import RunbookIncident
import RunbookRuntime
import RunbookSource

public enum IncidentReports {
    /// `rbc stats`: incidents from the configured directory, runs from `.rbc/runs`.
    public static func stats(since: Date?, now: Date, configuration: Configuration = Configuration.discover().0) -> IncidentStats {
        let settings = configuration.incidentSettings
        let (incidents, unreadable) = IncidentStore(settings: settings).all()
        let runs = RunState.list(in: RunSession.runsDirectory(config: configuration)).compactMap { try? RunState(path: $0) }
        let readable = incidents.filter { $0.problems.isEmpty }
        return IncidentStats.compute(incidents: readable, unreadable: unreadable.count + incidents.count - readable.count, runs: runs,
                                     policy: settings.policy, since: since, now: now)
    }

    /// `rbc incident review ID`: the post-incident review draft, from the record and the attached runs' journals.
    public static func review(_ name: String, now: Date, configuration: Configuration = Configuration.discover().0) throws(IncidentError) -> String {
        let settings = configuration.incidentSettings
        let incident = try IncidentStore(settings: settings).load(name)
        let base = PathText.parent(of: settings.directory)
        let runsDirectory = RunSession.runsDirectory(config: configuration)
        var runs: [String: RunState] = [:]
        for link in incident.runs {
            let candidates = [link.journal.map { $0.hasPrefix("/") ? $0 : base + "/" + $0 }, runsDirectory + "/\(link.run).jsonl"].compactMap { $0 }
            // Checked with the user's key: a journal that is not authenticated is marked in the draft.
            if let state = candidates.lazy.compactMap({ try? RunState.checked(path: $0) }).first { runs[link.run] = state }
        }
        return IncidentReview.markdown(incident, runs: runs, policy: settings.policy, now: now)
    }
}

// The figures across incidents and runs: every incident record and every run journal of the
// repository, as `rbc stats` reports them.

import Foundation
import RunbookIncident
import RunbookRuntime

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
}

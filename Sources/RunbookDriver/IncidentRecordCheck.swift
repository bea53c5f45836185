// Which incident records `rbc check` reads, and their findings: the configured incidents directory
// when the whole repository is checked (no PATH, or a PATH holding the directory), or the records
// named; plus the run journals that name an incident with no record.

import Foundation
import RunbookIncident
import RunbookRuntime
import RunbookSource

public enum IncidentRecordCheck {
    /// What the named paths ask for: every record (and the journals), some records, and the paths
    /// left for runbook discovery.
    struct Scope {
        var wholeDirectory = false
        var files: [String] = []
        var runbookPaths: [String] = []
        /// Paths were named, and every one was about incidents: there is no runbook to look for.
        var onlyIncidents = false
    }

    static func scope(paths: [String], directory: String) -> Scope {
        var scope = Scope()
        guard !paths.isEmpty else {
            scope.wholeDirectory = true
            return scope
        }
        let cwd = FileManager.default.currentDirectoryPath
        for path in paths {
            let absolute = URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: cwd + "/")).standardizedFileURL.path
            var isDirectory: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: absolute, isDirectory: &isDirectory)
            if exists, isDirectory.boolValue, absolute == directory || absolute.hasPrefix(directory + "/") {
                scope.wholeDirectory = true
            } else if exists, !isDirectory.boolValue, absolute.hasPrefix(directory + "/"), absolute.hasSuffix(".jsonl") {
                scope.files.append(path)
            } else {
                if exists, isDirectory.boolValue, directory.hasPrefix(absolute == "/" ? "/" : absolute + "/") { scope.wholeDirectory = true }
                scope.runbookPaths.append(path)
            }
        }
        scope.onlyIncidents = scope.runbookPaths.isEmpty
        return scope
    }

    /// The findings and the number of records read.
    static func run(_ scope: Scope, configuration: Configuration, now: Date) -> (diagnostics: [Diagnostic], records: Int) {
        let settings = configuration.incidentSettings
        let store = IncidentStore(settings: settings)
        let shown = SourceLoader.shown
        var files = scope.files.map { (path: $0, shown: $0) }
        if scope.wholeDirectory {
            files += store.ids().map { id in (store.path(of: id), shown(store.path(of: id))) }
        }
        var diagnostics: [Diagnostic] = []
        var checked = Set<String>()
        for (path, displayPath) in files {
            let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
            guard checked.insert(absolute).inserted else { continue }
            switch SourceLoader.load(path: path, displayPath: displayPath) {
            case .failed(let diagnostic): diagnostics.append(diagnostic)
            case .loaded(let file):
                let id = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
                diagnostics += IncidentChecker.check(file, id: id, policy: settings.policy, now: now)
            }
        }
        if scope.wholeDirectory {
            let known = Set(store.ids())
            for journal in RunState.list(in: RunSession.runsDirectory(config: configuration)) {
                if let diagnostic = IncidentChecker.checkJournal(path: journal, displayPath: shown(journal), knownIncidents: known) {
                    diagnostics.append(diagnostic)
                }
            }
        }
        return (diagnostics, checked.count)
    }
}

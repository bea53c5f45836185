// `rbc history`: each runbook's last change, and with `rollbacks` where each step with a rollback and
// its rollback last changed (the texts RB020 compares). It is the history walk of `rbc check` alone
// — one first-parent walk from HEAD for all files, renames followed — with no lint and no cache, so
// it shows (and `make bench` times) exactly what reading history costs.

import Foundation
import RunbookGit
import RunbookLint
import RunbookSource

public enum HistoryListing {
    public struct Options: Sendable {
        /// Also where each step with a rollback, and its rollback, last changed.
        public var rollbacks = false
        public init() {}
    }

    /// One runbook's history.
    public struct Row: Sendable {
        public enum Place: Sendable, Equatable {
            case committed(GitCommitInfo)
            /// Tracked, never changed by a commit on the first-parent line (a file only in the index).
            case neverCommitted
            case untracked
            /// Not inside a git work tree.
            case outsideRepository
        }

        public struct Rollback: Sendable {
            public let label: String
            public let step: TextOrigin?
            public let rollback: TextOrigin?

            /// The step's text changed after its rollback's (what RB020 reports).
            public var stepIsNewer: Bool {
                switch (step, rollback) {
                case (.commit(let a)?, .commit(let b)?): a.time > b.time
                case (.uncommitted?, .commit?): true
                default: false
                }
            }
        }

        public let path: String
        public let place: Place
        /// Whether the working file differs from HEAD.
        public let modified: Bool
        public let rollbacks: [Rollback]
    }

    /// The rows of every runbook the paths name or hold, in the order found, and the diagnostics of
    /// paths that could not be read (a missing path, a repository libgit2 cannot read).
    public static func rows(_ paths: [String], options: Options,
                            configuration: (Configuration, [Diagnostic]) = Configuration.discover()) -> (rows: [Row], diagnostics: [Diagnostic]) {
        let (config, configDiagnostics) = configuration
        let discovery = RunbookDiscovery.candidates(for: paths)
        var diagnostics = configDiagnostics + discovery.diagnostics
        var sources: [SourceFile] = []
        for candidate in discovery.candidates {
            switch SourceLoader.load(path: candidate.path) {
            case .failed(let diagnostic):
                diagnostics.append(diagnostic)
            case .loaded(let source):
                if candidate.explicit || RunbookDiscovery.looksLikeRunbook(source) { sources.append(source) }
            }
        }
        var places: [String: Row.Place] = [:]
        var modified: Set<String> = []
        var origins: [String: [Row.Rollback]] = [:]
        var byRepository: [String: (GitRepository, [(GitChecks.GitCheckFile, String)])] = [:]
        var locator = RepositoryLocator()
        for source in sources {
            do {
                guard let (repository, relative) = try locator.locate(source.path) else {
                    places[source.path] = .outsideRepository
                    continue
                }
                var settings = config.compileSettings(for: source.path)
                settings.inferredSeverity = config.defaultSeverity(for: source.path)
                byRepository[repository.workdir, default: (repository, [])].1
                    .append((GitChecks.GitCheckFile(uncompiled: source, settings: settings), relative))
            } catch {
                diagnostics.append(Diagnostic(.gitFailure, "history not read: \(error)", severity: .info, displayPath: source.path))
            }
        }
        for (_, (repository, files)) in byRepository.sorted(by: { $0.key < $1.key }) {
            do {
                let found = try walk(repository, files, options: options)
                for (file, relative) in files {
                    places[file.path] = found.places[relative]
                    if found.modified.contains(relative) { modified.insert(file.path) }
                    origins[file.path] = found.rollbacks[relative]
                }
            } catch {
                diagnostics.append(Diagnostic(.gitFailure, "history not read: \(error)", severity: .info, displayPath: repository.workdir))
            }
        }
        let rows = sources.compactMap { source in
            places[source.path].map { Row(path: source.path, place: $0, modified: modified.contains(source.path), rollbacks: origins[source.path] ?? []) }
        }
        return (rows, diagnostics)
    }

    /// One walk for the files of one repository (paths relative to it).
    static func walk(_ repository: GitRepository, _ files: [(GitChecks.GitCheckFile, String)], options: Options) throws
        -> (places: [String: Row.Place], modified: Set<String>, rollbacks: [String: [Row.Rollback]]) {
        let relatives = files.map(\.1)
        let states = repository.states(of: relatives)
        let head = try repository.headCommit()
        let search = GitChecks.WatchSearch()
        var making: GitChecks.WatchMaking?
        let compiling = DispatchGroup()
        let rollbackPairs = RollbackPairs()
        if options.rollbacks {
            // The texts to follow come from the compiled form; the walk does not wait for them (see
            // `WatchMaking`). The listing needs only each file's pairs: its compiled form is let go.
            // A file named twice (two spellings of one path): the last naming counts, as it did.
            let byPath = Dictionary(files.map { ($0.1, $0.0) }, uniquingKeysWith: { _, last in last })
            let made = GitChecks.WatchMaking(relatives, byPath: byPath, states: states, head: head, search: search,
                                             keepsCompiled: false) { relative, context in
                let filePairs = RollbackDriftPairs.of(context)
                rollbackPairs.keep(filePairs, for: relative)
                return filePairs.flatMap { [$0.stepLines, $0.rollbackLines] }
            }
            made.start(in: compiling)
            making = made
        }
        var lastChanges: [String: GitCommitInfo] = [:]
        var walkError: (any Error)?
        do {
            try GitHistory.walk(repository, paths: relatives) { change in
                if lastChanges[change.path] == nil { lastChanges[change.path] = change.commit }
                return search.search(change)
            }
        } catch {
            walkError = error
        }
        // Nothing may still be making watches when an error leaves (the files are the caller's).
        compiling.wait()
        search.finish()
        if let error = making?.error ?? walkError { throw error }
        let pairs = rollbackPairs.all
        var places: [String: Row.Place] = [:]
        var modified: Set<String> = []
        var rollbacks: [String: [Row.Rollback]] = [:]
        for relative in relatives {
            let state = states[relative] ?? .unknown
            if state != .clean && state != .untracked { modified.insert(relative) }
            places[relative] = lastChanges[relative].map { .committed($0) } ?? (state == .untracked || state == .ignored ? .untracked : .neverCommitted)
            let watches = search.watches(of: relative)
            func origin(_ lines: [String]) -> TextOrigin? { watches.first { $0.lines == lines }?.origin }
            rollbacks[relative] = (pairs[relative] ?? []).map {
                Row.Rollback(label: $0.label, step: origin($0.stepLines), rollback: origin($0.rollbackLines))
            }
        }
        return (places, modified, rollbacks)
    }

    /// The text rendering: a line per runbook (path, day, commit, author, summary), and with
    /// rollbacks a line per step with a rollback.
    public static func render(_ rows: [Row]) -> String {
        var out = ""
        for row in rows {
            let dirty = row.modified ? " (modified since)" : ""
            switch row.place {
            case .committed(let commit):
                out += "\(row.path)  \(commit.date)  \(commit.shortID)  \(commit.author): \(commit.summary)\(dirty)\n"
            case .neverCommitted:
                out += "\(row.path)  never committed\(dirty)\n"
            case .untracked:
                out += "\(row.path)  untracked\n"
            case .outsideRepository:
                out += "\(row.path)  not in a git repository\n"
            }
            for rollback in row.rollbacks {
                func describe(_ origin: TextOrigin?) -> String { origin?.describe ?? "unknown" }
                out += "  \(rollback.label): step changed in \(describe(rollback.step)), rollback in \(describe(rollback.rollback))"
                    + (rollback.stepIsNewer ? " — the step is newer (RB020)" : "") + "\n"
            }
        }
        return out
    }
}

/// Each file's rollback pairs, kept by the thread that made its watches.
// @unchecked: `byPath` is guarded by `lock`.
private final class RollbackPairs: @unchecked Sendable {
    private let lock = NSLock()
    private var byPath: [String: [RollbackDriftPairs.Pair]] = [:]

    func keep(_ pairs: [RollbackDriftPairs.Pair], for path: String) { lock.withLock { byPath[path] = pairs } }
    var all: [String: [RollbackDriftPairs.Pair]] { lock.withLock { byPath } }
}

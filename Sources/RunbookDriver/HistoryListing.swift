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
        var preparation: WatchPreparation?
        let compiling = DispatchGroup()
        if options.rollbacks {
            // The texts to follow come from the compiled form. The walk does not wait for them: it
            // starts at once and follows every file until its watches are made, while the files are
            // compiled on the other cores; the searching thread makes a file's watches itself when
            // it reaches that file's first change before the compiling threads did.
            let made = WatchPreparation(files, states: states, head: head, search: search)
            preparation = made
            search.expect(made.paths, preparedBy: { made.prepare($0) })
            DispatchQueue.global().async(group: compiling) {
                DispatchQueue.concurrentPerform(iterations: made.paths.count) { made.prepare(made.paths[$0]) }
            }
        }
        var lastChanges: [String: GitCommitInfo] = [:]
        do {
            try GitHistory.walk(repository, paths: relatives) { change in
                if lastChanges[change.path] == nil { lastChanges[change.path] = change.commit }
                return search.search(change)
            }
        } catch {
            // Nothing may still be making watches when the error leaves (the files are the caller's).
            compiling.wait()
            search.finish()
            throw preparation?.error ?? error
        }
        compiling.wait()
        search.finish()
        if let error = preparation?.error { throw error }
        let pairs = preparation?.pairs ?? [:]
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

/// Each file's rollback pairs and watches, made once by whichever thread needs them first: the
/// compiling threads in the files' order, or the searching thread when the walk reached the file's
/// change before they did. A file's compiled form is dropped once its watches are made (the listing
/// needs only its pairs), so the compiled runbooks are not all held at once.
// @unchecked: `progress`, `pairs` and `error` are guarded by `condition`; each file is compiled by
// the one thread that moved it to `.making`; HEAD's blobs are read under `headLock`.
private final class WatchPreparation: @unchecked Sendable {
    private enum Progress { case making, made }

    /// Each path once (a file named twice is the same file: the last naming counts, as a dictionary
    /// filled in order would keep it).
    let paths: [String]
    private let files: [String: GitChecks.GitCheckFile]
    private let states: [String: GitRepository.FileState]
    private let head: GitCommit?
    private let search: GitChecks.WatchSearch
    private let condition = NSCondition()
    private let headLock = NSLock()
    private var progress: [String: Progress] = [:]
    private var pairsByPath: [String: [RollbackDriftPairs.Pair]] = [:]
    private var failures: [String: any Error] = [:]

    init(_ files: [(GitChecks.GitCheckFile, String)], states: [String: GitRepository.FileState], head: GitCommit?,
         search: GitChecks.WatchSearch) {
        var seen: Set<String> = []
        paths = files.map(\.1).filter { seen.insert($0).inserted }
        self.files = Dictionary(files.map { ($0.1, $0.0) }, uniquingKeysWith: { _, last in last })
        (self.states, self.head, self.search) = (states, head, search)
    }

    var pairs: [String: [RollbackDriftPairs.Pair]] { condition.withLock { pairsByPath } }
    /// The error of the first file, in the files' order, whose watches could not be made (reading
    /// HEAD's version of a modified file): the one making them all before the walk would have met.
    var error: (any Error)? { condition.withLock { paths.lazy.compactMap { self.failures[$0] }.first } }

    func prepare(_ relative: String) {
        condition.lock()
        while progress[relative] == .making { condition.wait() }
        guard progress[relative] == nil, let file = files[relative] else {
            condition.unlock()
            return
        }
        progress[relative] = .making
        condition.unlock()
        var filePairs: [RollbackDriftPairs.Pair] = []
        var list: [GitChecks.LineWatch] = []
        var thrown: (any Error)?
        do {
            let make = {
                try GitChecks.watches(file, relative: relative, state: self.states[relative], head: self.head) { context in
                    filePairs = RollbackDriftPairs.of(context)
                    return filePairs.flatMap { [$0.stepLines, $0.rollbackLines] }
                }
            }
            // Only a modified file reads HEAD's version (libgit2, one commit object shared by threads).
            list = states[relative] == .modified ? try headLock.withLock(make) : try make()
        } catch {
            thrown = error
        }
        file.forgetCompiled()
        search.register(relative, list)
        condition.withLock {
            pairsByPath[relative] = filePairs
            progress[relative] = .made
            if let thrown { failures[relative] = thrown }
            condition.broadcast()
        }
    }
}

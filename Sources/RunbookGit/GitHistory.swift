import CGit2
import Foundation

// History questions answered with as few walks as possible: the last change of many files in one
// first-parent walk (each commit diffed against its first parent), and a file's versions since a date.

public enum GitHistory {
    /// A change of a watched file met in the walk.
    public struct Change: Sendable {
        /// The path the file was asked for (its current name, even when the commit used an older one).
        public let path: String
        let source: CommitSource
        let database: GitObjectDatabase
        let oldBlob: git_oid?

        /// The commit (its metadata read when first asked for: a walk meets thousands of changes
        /// whose commit nobody reports).
        public var commit: GitCommitInfo { source.info }

        /// The file's content before this commit; nil when the commit added it.
        public func previousContent() -> [UInt8]? {
            guard let oldBlob else { return nil }
            return database.withBlob(oldBlob) { $0.map { [UInt8]($0) } }
        }

        /// The content before this commit read in place (nil when the commit added it, or it cannot
        /// be read): a walk that searches every version of a file need not copy each one.
        public func withPreviousContent<T>(_ body: (UnsafeBufferPointer<UInt8>?) throws -> T) rethrows -> T {
            guard let oldBlob else { return try body(nil) }
            return try database.withBlob(oldBlob, body)
        }
    }

    /// A commit met in the walk, its metadata read on first use (from any thread).
    // @unchecked: `info` is computed once under `lock`; the rest is set in init.
    final class CommitSource: @unchecked Sendable {
        let repository: GitRepository
        let id: git_oid
        private let lock = NSLock()
        private var described: GitCommitInfo?

        init(repository: GitRepository, id: git_oid) {
            self.repository = repository
            self.id = id
        }

        var info: GitCommitInfo {
            lock.lock()
            defer { lock.unlock() }
            if let described { return described }
            // The walk has just read this commit, so it can be read again; should it fail, the id stands alone.
            let info = (try? GitCommit(repository: repository, id: id).info) ?? GitCommitInfo(id: Git.string(id), time: 0, summary: "", author: "")
            described = info
            return info
        }
    }

    /// Walks first-parent history from HEAD once for many files, newest first, each commit diffed
    /// against its first parent. `visit` sees every commit that changed a watched file's content and
    /// returns whether it still wants older changes of that file; the walk stops when no file is
    /// watched. A pure rename (100% similar) is not a change: the file is followed to its old name.
    ///
    /// With an `index`, a commit whose last changes an earlier run stored answers every file still
    /// watched there: `indexed(path, file, lastChangeFromIndex)` (the last change is the index's when
    /// the walk had not met one yet; nil: never committed) returns whether the walk must still show
    /// that file's changes from that commit on (its last change is then seen again by `visit`);
    /// otherwise the file is resolved without reading older history. The walk then stores the index
    /// of HEAD, with `origins(path)` for each file, so the next run walks only the commits that are new.
    public static func walk(_ repository: GitRepository, paths: [String], index: LastChangeIndex? = nil,
                            indexed: (String, LastChangeIndex.File, Bool) throws -> Bool = { _, _, _ in false },
                            origins: (String) -> [String: GitCommitInfo] = { _ in [:] },
                            visit: (Change) throws -> Bool) throws {
        guard let head = try repository.headCommit(), !paths.isEmpty else { return }
        let headID = head.info.id
        var watched = WatchedPaths(paths)
        // Each file's last change as far as known: what HEAD's index will hold.
        var lastChanges: [String: GitCommitInfo?] = [:]
        var headEntries: [String: LastChangeIndex.File]? = nil
        let database = try GitObjectDatabase(repository)
        let trees = GitTreeReader(database)
        // First parents only, each commit read once: a commit's parent is the next one walked.
        var next: GitRawCommit? = try database.commit(head.id)
        while !watched.isEmpty, let commit = next {
            trees.nextCommit()
            let parent = try commit.firstParent.map { try database.commit($0) }
            next = parent
            let source = CommitSource(repository: repository, id: commit.id)
            if let index, index.hasStoredIndexes, let entries = index.entries(at: Git.string(commit.id)) {
                if Git.equal(commit.id, head.id) { headEntries = entries }
                for (path, owner) in watched.pairs {
                    guard let entry = entries[path] else { continue }
                    let fromIndex = lastChanges[owner] == nil
                    if fromIndex { lastChanges[owner] = .some(entry.lastChange) }
                    if try !indexed(owner, entry, fromIndex) { watched.remove(path) }
                }
                if watched.isEmpty { break }
            }
            var deltas = try trees.changedBlobs(new: commit.tree, old: parent?.tree, watched: watched)
            if deltas.isEmpty { continue }
            // A watched path that appears may be a rename: only then pay for libgit2's full diff.
            if let parent, deltas.contains(where: { $0.status == .added }) {
                let diff = try GitDiff.trees(repository, old: try GitTree.lookup(repository, parent.tree),
                                             new: try GitTree.lookup(repository, commit.tree))
                try diff.detectRenames()
                deltas = diff.deltas()
            }
            for delta in deltas {
                guard let owner = watched.owner(of: delta.newPath), delta.status != .deleted else { continue }
                // Only the index (stored below) needs every file's last change kept here.
                func changed() -> Change {
                    let change = Change(path: owner, source: source, database: database, oldBlob: delta.oldBlob)
                    if index != nil, lastChanges[owner] == nil { lastChanges[owner] = .some(change.commit) }
                    return change
                }
                if delta.status == .modified {
                    // Followed further under the same name: left in place unless `visit` is done with it.
                    if try !visit(changed()) { watched.remove(delta.newPath) }
                    continue
                }
                watched.remove(delta.newPath)
                if delta.status == .renamed && delta.similarity >= 100 {
                    watched.insert(delta.oldPath, owner: owner)
                    continue
                }
                if try visit(changed()), delta.status != .added {
                    watched.insert(delta.status == .renamed ? delta.oldPath : delta.newPath, owner: owner)
                }
            }
        }
        guard let index else { return }
        // The walk ended with every file resolved or at the first commit: a file still unknown was never committed.
        var entries = headEntries ?? [:]
        for owner in Set(paths) {
            var file = entries[owner] ?? LastChangeIndex.File(lastChange: lastChanges[owner] ?? nil)
            file.origins.merge(origins(owner)) { stored, _ in stored }
            entries[owner] = file
        }
        if headEntries == nil || entries != headEntries { index.store(entries, at: headID) }
    }

    /// The paths a walk still looks for, each with the name it was asked for, and how many of them
    /// lie under each directory (`a/`, `a/b/`) so the tree comparison knows where to descend.
    struct WatchedPaths {
        private var owners: [String: String] = [:]
        private var directoryCounts: [String: Int] = [:]
        /// Each path's directories, computed once: a path is inserted and removed at every change.
        private var directoriesOf: [String: [String]] = [:]

        init(_ paths: [String]) {
            for path in paths where owners[path] == nil { insert(path, owner: path) }
        }

        var isEmpty: Bool { owners.isEmpty }
        func owner(of path: String) -> String? { owners[path] }
        /// Every watched path with the name it was asked for, in no particular order.
        var pairs: [(path: String, owner: String)] { owners.map { ($0.key, $0.value) } }
        /// Whether a watched path lies under `directory` (written with its trailing `/`).
        func holdsWatchedPath(_ directory: String) -> Bool { directoryCounts[directory] != nil }

        mutating func insert(_ path: String, owner: String) {
            guard owners.updateValue(owner, forKey: path) == nil else { return }
            let directories = directoriesOf[path] ?? Self.directories(of: path)
            directoriesOf[path] = directories
            for directory in directories { directoryCounts[directory, default: 0] += 1 }
        }

        mutating func remove(_ path: String) {
            guard owners.removeValue(forKey: path) != nil else { return }
            for directory in directoriesOf[path] ?? Self.directories(of: path) {
                let count = (directoryCounts[directory] ?? 1) - 1
                directoryCounts[directory] = count > 0 ? count : nil
            }
        }

        static func directories(of path: String) -> [String] {
            var result: [String] = []
            var prefix = ""
            for component in path.split(separator: "/", omittingEmptySubsequences: false).dropLast() {
                prefix += component + "/"
                result.append(prefix)
            }
            return result
        }
    }

    /// The newest commit that changed each path's content, in one walk that stops as soon as every
    /// path is resolved. Paths never committed are absent from the result.
    public static func lastChanges(_ repository: GitRepository, paths: [String], index: LastChangeIndex? = nil) throws -> [String: GitCommitInfo] {
        var resolved: [String: GitCommitInfo] = [:]
        try walk(repository, paths: paths, index: index, indexed: { path, file, fromIndex in
            if fromIndex { resolved[path] = file.lastChange }
            return false
        }) { change in
            resolved[change.path] = change.commit
            return false
        }
        return resolved
    }

    public struct Version: Sendable {
        public let commit: GitCommitInfo
        /// The file's content after the commit.
        public let content: [UInt8]
        /// The file's content before it (at the first parent), nil when the commit added it.
        public let previous: [UInt8]?
    }

    /// The commits on the first-parent line that changed a file, newest first, stopping at the first
    /// commit older than `since` (seconds since 1970). Renames are followed.
    public static func versions(_ repository: GitRepository, path: String, since: Int64) throws -> [Version] {
        guard let head = try repository.headCommit() else { return [] }
        var current = path
        var versions: [Version] = []
        let walk = try GitRevisionWalk(repository: repository, from: head)
        while let commit = try walk.next(), commit.info.time >= since {
            let parent = try commit.firstParent()
            let diff = try GitDiff.trees(repository, old: try parent?.tree(), new: try commit.tree())
            var deltas = diff.deltas()
            if deltas.contains(where: { $0.status == .added && $0.newPath == current }), parent != nil {
                try diff.detectRenames()
                deltas = diff.deltas()
            }
            guard let delta = deltas.first(where: { $0.newPath == current && $0.status != .deleted }) else { continue }
            let content = try commit.blob(at: current).map { [UInt8]($0) } ?? []
            let oldPath = delta.status == .renamed ? delta.oldPath : current
            let previous = delta.status == .added ? nil : try parent?.blob(at: oldPath).map { [UInt8]($0) }
            versions.append(Version(commit: commit.info, content: content, previous: previous))
            if delta.status == .added { break }
            current = oldPath
        }
        return versions
    }
}

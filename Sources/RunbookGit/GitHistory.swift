import CGit2

// History questions answered with as few walks as possible: the last change of many files in one
// first-parent walk (each commit diffed against its first parent), and a file's versions since a date.

public enum GitHistory {
    /// A change of a watched file met in the walk.
    public struct Change {
        /// The path the file was asked for (its current name, even when the commit used an older one).
        public let path: String
        public let commit: GitCommitInfo
        let repository: GitRepository
        let oldBlob: git_oid?

        /// The file's content before this commit; nil when the commit added it.
        public func previousContent() -> [UInt8]? {
            oldBlob.flatMap { repository.blobContent($0) }
        }
    }

    /// Walks first-parent history from HEAD once for many files, newest first, each commit diffed
    /// against its first parent. `visit` sees every commit that changed a watched file's content and
    /// returns whether it still wants older changes of that file; the walk stops when no file is
    /// watched. A pure rename (100% similar) is not a change: the file is followed to its old name.
    public static func walk(_ repository: GitRepository, paths: [String], visit: (Change) throws -> Bool) throws {
        guard let head = try repository.headCommit(), !paths.isEmpty else { return }
        var watched: [String: String] = Dictionary(paths.map { ($0, $0) }, uniquingKeysWith: { first, _ in first })
        let revisions = try GitRevisionWalk(repository: repository, from: head)
        while !watched.isEmpty, let commit = try revisions.next() {
            let tree = try commit.tree()
            let parentTree = try commit.firstParent()?.tree()
            let diff = try GitDiff.trees(repository, old: parentTree, new: tree)
            var deltas = diff.deltas()
            // Rename detection is costly: only when a watched file appears as added in this commit.
            if deltas.contains(where: { $0.status == .added && watched[$0.newPath] != nil }), parentTree != nil {
                try diff.detectRenames()
                deltas = diff.deltas()
            }
            for delta in deltas {
                guard let owner = watched[delta.newPath], delta.status != .deleted else { continue }
                watched[delta.newPath] = nil
                if delta.status == .renamed && delta.similarity >= 100 {
                    watched[delta.oldPath] = owner
                    continue
                }
                let change = Change(path: owner, commit: commit.info, repository: repository, oldBlob: delta.oldBlob)
                if try visit(change), delta.status != .added {
                    watched[delta.status == .renamed ? delta.oldPath : delta.newPath] = owner
                }
            }
        }
    }

    /// The newest commit that changed each path's content, in one walk that stops as soon as every
    /// path is resolved. Paths never committed are absent from the result.
    public static func lastChanges(_ repository: GitRepository, paths: [String]) throws -> [String: GitCommitInfo] {
        var resolved: [String: GitCommitInfo] = [:]
        try walk(repository, paths: paths) { change in
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

// History questions answered with as few walks as possible: the last change of many files in one
// first-parent walk (each commit diffed against its first parent), and a file's versions since a date.

public enum GitHistory {
    /// The newest commit that changed each path's content. One walk serves all paths; it stops as
    /// soon as every path is resolved. A pure rename (100% similar) is not a change: the walk follows
    /// the file to its old name. Paths never committed are absent from the result.
    public static func lastChanges(_ repository: GitRepository, paths: [String]) throws -> [String: GitCommitInfo] {
        guard let head = try repository.headCommit(), !paths.isEmpty else { return [:] }
        var wanted: [String: String] = Dictionary(paths.map { ($0, $0) }, uniquingKeysWith: { first, _ in first })
        var resolved: [String: GitCommitInfo] = [:]
        let walk = try GitRevisionWalk(repository: repository, from: head)
        while !wanted.isEmpty, let commit = try walk.next() {
            let tree = try commit.tree()
            let parentTree = try commit.firstParent()?.tree()
            let diff = try GitDiff.trees(repository, old: parentTree, new: tree)
            var deltas = diff.deltas()
            // Rename detection is costly: only when a wanted file appears as added in this commit.
            if deltas.contains(where: { $0.status == .added && wanted[$0.newPath] != nil }), parentTree != nil {
                try diff.detectRenames()
                deltas = diff.deltas()
            }
            for delta in deltas {
                guard let owner = wanted[delta.newPath] else { continue }
                switch delta.status {
                case .renamed where delta.similarity >= 100:
                    wanted[delta.newPath] = nil
                    wanted[delta.oldPath] = owner
                case .deleted:
                    continue
                default:
                    wanted[delta.newPath] = nil
                    resolved[owner] = commit.info
                }
            }
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

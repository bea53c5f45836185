// The per-path last-change index, kept between runs: for a commit, the newest commit at or before it
// that changed each file's content (pure renames followed), as a history walk from that commit
// would find it. A commit's history never changes, so an index is right for as long as it is found;
// a walk that meets an indexed commit stops reading older history for the files the index answers.
// A rewritten history has other commits: an index of a commit that is no longer an ancestor of HEAD
// is simply never met.

import Foundation

/// Where indexes are kept (rbc's check cache); reads and writes may fail, which only costs a walk.
public protocol LastChangeIndexStore: Sendable {
    func read(_ name: String) -> [UInt8]?
    func write(_ name: String, _ bytes: [UInt8])
}

public final class LastChangeIndex {
    private let store: LastChangeIndexStore
    private let headsName: String
    /// Commits with a stored index, newest first (those of other branches and worktrees included).
    private var heads: [String]
    /// Indexes read during this walk, by commit.
    private var loaded: [String: [String: File]] = [:]
    /// How many stored indexes to remember per repository: enough for a few branches.
    static let remembered = 16

    public init(store: LastChangeIndexStore, repository: GitRepository) {
        self.store = store
        headsName = "heads " + repository.workdir
        let text = store.read(headsName).map { String(decoding: $0, as: UTF8.self) } ?? ""
        heads = text.split(separator: "\n").map(String.init).filter { $0.count == 40 && $0.allSatisfy(\.isHexDigit) }
    }

    /// What the index of a commit holds for one file (under its name at that commit).
    public struct File: Sendable, Equatable {
        /// The newest commit at or before the indexed one that changed the file; nil: none did.
        public var lastChange: GitCommitInfo?
        /// Where watched texts last changed, as a walk from the indexed commit found them, by a key
        /// of the texts (the caller's): a commit's history never changes, so a later walk that meets
        /// the indexed commit with the same text still unanswered takes the answer from here.
        public var origins: [String: GitCommitInfo]

        public init(lastChange: GitCommitInfo?, origins: [String: GitCommitInfo] = [:]) {
            self.lastChange = lastChange
            self.origins = origins
        }
    }

    /// The stored index of a commit, nil when there is none (or it cannot be read).
    func entries(at commit: String) -> [String: File]? {
        if let known = loaded[commit] { return known }
        guard heads.contains(commit), let bytes = store.read("index " + commit),
              let decoded = try? JSONDecoder().decode([Entry].self, from: Data(bytes)) else { return nil }
        var entries: [String: File] = [:]
        for entry in decoded {
            entries[entry.path] = File(lastChange: entry.commit.map(\.info), origins: (entry.origins ?? [:]).mapValues(\.info))
        }
        loaded[commit] = entries
        return entries
    }

    /// The last change of every path as the stored index of `commit` has it; nil unless that index
    /// exists and answers every path.
    public func lastChanges(at commit: String, paths: [String]) -> [String: GitCommitInfo?]? {
        guard let entries = entries(at: commit), paths.allSatisfy({ entries[$0] != nil }) else { return nil }
        return entries.mapValues(\.lastChange)
    }

    func store(_ entries: [String: File], at commit: String) {
        let list = entries.map { Entry(path: $0.key, commit: $0.value.lastChange.map(Commit.init),
                                       origins: $0.value.origins.isEmpty ? nil : $0.value.origins.mapValues(Commit.init)) }
            .sorted { $0.path < $1.path }
        guard let bytes = try? JSONEncoder().encode(list) else { return }
        store.write("index " + commit, [UInt8](bytes))
        loaded[commit] = entries
        heads = [commit] + heads.filter { $0 != commit }.prefix(Self.remembered - 1)
        store.write(headsName, Array(heads.joined(separator: "\n").utf8))
    }

    private struct Entry: Codable {
        let path: String
        /// Nil: no commit at or before the indexed one changed the file.
        let commit: Commit?
        /// Absent in indexes written before origins were kept.
        let origins: [String: Commit]?
    }

    private struct Commit: Codable {
        let id: String
        let time: Int64
        let summary: String
        let author: String

        init(_ info: GitCommitInfo) {
            (id, time, summary, author) = (info.id, info.time, info.summary, info.author)
        }

        var info: GitCommitInfo { GitCommitInfo(id: id, time: time, summary: summary, author: author) }
    }
}

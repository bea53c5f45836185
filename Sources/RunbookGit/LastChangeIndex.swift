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

    /// Whether any index may be found (a walk asks each commit only then).
    var hasStoredIndexes: Bool { !heads.isEmpty || !loaded.isEmpty }

    /// The stored index of a commit, nil when there is none (or it cannot be read).
    func entries(at commit: String) -> [String: File]? {
        if let known = loaded[commit] { return known }
        guard heads.contains(commit), let bytes = store.read("index " + commit), let entries = Self.decode(bytes) else { return nil }
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
        store.write("index " + commit, Self.encode(entries))
        loaded[commit] = entries
        heads = [commit] + heads.filter { $0 != commit }.prefix(Self.remembered - 1)
        store.write(headsName, Array(heads.joined(separator: "\n").utf8))
    }

    // The stored form: a table of the commits named (each once: many files share an origin), then
    // each file with indexes into it. Lengths are little-endian UInt32, times Int64; decoding checks
    // every length against what is left, so damaged bytes read as no index. JSON was a tenth of a
    // warm history check (decoding 2,000 files, each repeating its commits in full).
    static let magic = Array("rbc last-change index 2\n".utf8)
    static let none = UInt32.max

    /// The bytes of an index.
    public static func encode(_ entries: [String: File]) -> [UInt8] {
        var commits: [GitCommitInfo] = []
        var numbers: [String: UInt32] = [:]
        func number(_ commit: GitCommitInfo?) -> UInt32 {
            guard let commit else { return none }
            if let known = numbers[commit.id] { return known }
            numbers[commit.id] = UInt32(commits.count)
            commits.append(commit)
            return UInt32(commits.count - 1)
        }
        var files: [UInt8] = []
        let paths = entries.keys.sorted()
        for path in paths {
            guard let file = entries[path] else { continue }
            append(string: path, to: &files)
            append(number(file.lastChange), to: &files)
            append(UInt32(file.origins.count), to: &files)
            for key in file.origins.keys.sorted() {
                append(string: key, to: &files)
                append(number(file.origins[key]), to: &files)
            }
        }
        var bytes = magic
        append(UInt32(commits.count), to: &bytes)
        for commit in commits {
            append(string: commit.id, to: &bytes)
            append(UInt64(bitPattern: commit.time), to: &bytes)
            append(string: commit.summary, to: &bytes)
            append(string: commit.author, to: &bytes)
        }
        append(UInt32(paths.count), to: &bytes)
        return bytes + files
    }

    /// An index from its bytes; nil when they are not one.
    public static func decode(_ bytes: [UInt8]) -> [String: File]? {
        guard bytes.starts(with: magic) else { return nil }
        var reader = Reader(bytes: bytes, position: magic.count)
        guard let commitCount = reader.number(), Int(commitCount) <= bytes.count else { return nil }
        var commits: [GitCommitInfo] = []
        commits.reserveCapacity(Int(commitCount))
        for _ in 0..<commitCount {
            guard let id = reader.string(), let time = reader.wide(), let summary = reader.string(), let author = reader.string() else { return nil }
            commits.append(GitCommitInfo(id: id, time: Int64(bitPattern: time), summary: summary, author: author))
        }
        func commit(_ number: UInt32) -> GitCommitInfo?? {
            number == none ? .some(nil) : (Int(number) < commits.count ? .some(commits[Int(number)]) : nil)
        }
        guard let fileCount = reader.number(), Int(fileCount) <= bytes.count else { return nil }
        var entries: [String: File] = [:]
        entries.reserveCapacity(Int(fileCount))
        for _ in 0..<fileCount {
            guard let path = reader.string(), let last = reader.number().flatMap(commit), let originCount = reader.number(),
                  Int(originCount) <= bytes.count else { return nil }
            var origins: [String: GitCommitInfo] = [:]
            for _ in 0..<originCount {
                guard let key = reader.string(), let origin = reader.number().flatMap(commit), let origin else { return nil }
                origins[key] = origin
            }
            entries[path] = File(lastChange: last, origins: origins)
        }
        return reader.position == bytes.count ? entries : nil
    }

    private static func append(_ value: UInt32, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes += $0 }
    }

    private static func append(_ value: UInt64, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes += $0 }
    }

    private static func append(string: String, to bytes: inout [UInt8]) {
        let utf8 = Array(string.utf8)
        append(UInt32(utf8.count), to: &bytes)
        bytes += utf8
    }

    private struct Reader {
        let bytes: [UInt8]
        var position: Int

        mutating func take(_ count: Int) -> ArraySlice<UInt8>? {
            guard count >= 0, bytes.count - position >= count else { return nil }
            defer { position += count }
            return bytes[position..<position + count]
        }

        mutating func number() -> UInt32? {
            take(4).map { $0.reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) } }
        }

        mutating func wide() -> UInt64? {
            take(8).map { $0.reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) } }
        }

        mutating func string() -> String? {
            guard let count = number(), let utf8 = take(Int(count)) else { return nil }
            return String(decoding: utf8, as: UTF8.self)
        }
    }
}

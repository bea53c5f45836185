// Raw commits and trees for the history walk: read from libgit2's object database and parsed here.
// The walk needs a commit's tree and first parent, and which entries of two trees differ; libgit2's
// commit and tree objects parse every field and entry into allocations, and its tree-to-tree
// comparison searches the old tree by name for each new entry (half of a cold history walk). Here a
// commit is two header lines, and two trees are compared by walking both in git's order, as git's
// own tree diff does: unchanged entries cost a 20-byte comparison, and only changed directories
// that hold a watched path are read further.

import CGit2
import Foundation

/// A git object id as a hashable value.
struct GitObjectID: Hashable, Sendable {
    let oid: git_oid

    init(_ oid: git_oid) { self.oid = oid }

    static func == (first: GitObjectID, second: GitObjectID) -> Bool { Git.equal(first.oid, second.oid) }

    /// The first 8 bytes of a SHA-1 are as good a hash as all 20 (and one word is cheaper to hash).
    func hash(into hasher: inout Hasher) {
        hasher.combine(withUnsafeBytes(of: oid) { $0.loadUnaligned(as: UInt64.self) })
    }

    var hex: String { Git.string(oid) }
}

/// The repository's object database, read raw: from its packs directly when they hold the object
/// (GitPacks.swift), otherwise through libgit2.
// @unchecked: the handle is set once and freed in deinit; libgit2's object database and the pack reader lock internally.
final class GitObjectDatabase: @unchecked Sendable {
    private let pointer: OpaquePointer
    let repository: GitRepository
    /// Commits and trees, read by the walk.
    private let packs: GitPackReader?
    /// Versions of files, searched on another thread (`withBlob`): a reader of their own, so the
    /// two threads never wait on one lock and neither evicts the other's delta bases.
    private let versionPacks: GitPackReader?

    init(_ repository: GitRepository) throws {
        var handle: OpaquePointer?
        try Git.check(git_repository_odb(&handle, repository.pointer), "cannot open the object database")
        guard let handle else { throw GitError(code: -1, message: "no object database") }
        pointer = handle
        self.repository = repository
        packs = GitPackReader(objectsDirectory: repository.commonDirectory + "objects", budget: 16 << 20)
        versionPacks = packs.map { GitPackReader(sharing: $0, budget: 16 << 20) }
    }

    deinit { git_odb_free(pointer) }

    /// An object's bytes (kept alive by the returned object), checked to be of the expected type.
    func read(_ id: git_oid, as type: git_object_t) throws -> GitRawObject {
        try read(id, as: type, from: packs)
    }

    private func read(_ id: git_oid, as type: git_object_t, from reader: GitPackReader?) throws -> GitRawObject {
        let object: GitRawObject
        if let packed = reader?.read(id) {
            object = GitRawObject(packed)
        } else {
            var oid = id
            var handle: OpaquePointer?
            try Git.check(git_odb_read(&handle, pointer, &oid), "cannot read object \(Git.string(id))")
            guard let handle else { throw GitError(code: -1, message: "object \(Git.string(id)) is missing") }
            object = GitRawObject(handle)
        }
        guard object.type == type else {
            throw GitError(code: -1, message: "object \(Git.string(id)) is not a \(String(cString: git_object_type2string(type)))")
        }
        return object
    }

    /// A blob's content read in place; nil when it cannot be read.
    func withBlob<T>(_ id: git_oid, _ body: (UnsafeBufferPointer<UInt8>?) throws -> T) rethrows -> T {
        guard let blob = try? read(id, as: GIT_OBJECT_BLOB, from: versionPacks) else { return try body(nil) }
        return try withExtendedLifetime(blob) { try body(blob.bytes) }
    }

    /// A commit's tree and first parent.
    func commit(_ id: git_oid) throws -> GitRawCommit {
        let object = try read(id, as: GIT_OBJECT_COMMIT)
        guard let parsed = GitRawCommit(id: id, object.bytes) else {
            throw GitError(code: -1, message: "commit \(Git.string(id)) is malformed")
        }
        return parsed
    }
}

/// An object read from the database; its bytes live as long as it does.
final class GitRawObject {
    private enum Owner {
        case libgit2(OpaquePointer)
        case pack(GitPackObject)
    }

    private let owner: Owner
    let type: git_object_t
    let bytes: UnsafeBufferPointer<UInt8>

    init(_ pointer: OpaquePointer) {
        owner = .libgit2(pointer)
        type = git_odb_object_type(pointer)
        let data = git_odb_object_data(pointer)?.assumingMemoryBound(to: UInt8.self)
        bytes = UnsafeBufferPointer(start: data, count: data == nil ? 0 : git_odb_object_size(pointer))
    }

    init(_ packed: GitPackObject) {
        owner = .pack(packed)
        type = packed.type
        bytes = UnsafeBufferPointer(packed.bytes)
    }

    deinit {
        if case .libgit2(let pointer) = owner { git_odb_object_free(pointer) }
    }
}

/// The two header lines of a commit the walk reads: `tree ID` and the first `parent ID`.
struct GitRawCommit {
    let id: git_oid
    let tree: git_oid
    let firstParent: git_oid?

    init?(id: git_oid, _ bytes: UnsafeBufferPointer<UInt8>) {
        self.id = id
        var position = 0
        func headerID(_ name: String) -> git_oid? {
            let key = Array(name.utf8) + [0x20]
            let hexCount = Int(GIT_OID_HEXSZ)
            guard bytes.count >= position + key.count + hexCount + 1,
                  key.indices.allSatisfy({ bytes[position + $0] == key[$0] }),
                  bytes[position + key.count + hexCount] == 0x0A,
                  let base = bytes.baseAddress else { return nil }
            var oid = git_oid()
            let start = UnsafeRawPointer(base + position + key.count).assumingMemoryBound(to: CChar.self)
            guard git_oid_fromstrn(&oid, start, hexCount) == 0 else { return nil }
            position += key.count + hexCount + 1
            return oid
        }
        guard let tree = headerID("tree") else { return nil }
        self.tree = tree
        firstParent = headerID("parent")
    }
}

/// A tree's entries in the order git stores them (names sorted, a directory as if its name ended in `/`).
struct GitRawTree {
    let object: GitRawObject

    struct Entry {
        let name: UnsafeBufferPointer<UInt8>
        let mode: UInt32
        let id: UnsafePointer<git_oid>

        var isDirectory: Bool { mode == 0o040000 }
        /// A submodule: a commit of another repository, not a file here.
        var isSubmodule: Bool { mode == 0o160000 }
        var nameString: String { String(decoding: name, as: UTF8.self) }
    }

    /// The entries one at a time, in stored order, parsed in place (a walk compares two trees per
    /// directory per commit: collecting each into an array was a tenth of its time).
    struct Cursor {
        let bytes: UnsafeBufferPointer<UInt8>
        private var position = 0
        /// Set when an entry could not be parsed; `next()` then answers nil.
        private(set) var isMalformed = false

        init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

        mutating func next() -> Entry? {
            guard !isMalformed, position < bytes.count, let base = bytes.baseAddress else { return nil }
            let idSize = Int(GIT_OID_RAWSZ)
            let end = bytes.count
            var at = position
            var mode: UInt32 = 0
            var digits = 0
            while at < end {
                let byte = base[at]
                if byte == 0x20 { break }
                let digit = byte &- 0x30
                guard digit < 8, digits < 7 else { isMalformed = true; return nil }
                mode = mode << 3 | UInt32(digit)
                digits += 1
                at += 1
            }
            let nameStart = at + 1
            // The name ends at the first NUL (memchr: a walk parses millions of entries).
            guard digits > 0, nameStart < end, let nul = memchr(base + nameStart, 0, end - nameStart) else { isMalformed = true; return nil }
            let nameEnd = UnsafeRawPointer(nul) - UnsafeRawPointer(base)
            guard nameEnd > nameStart, nameEnd + 1 + idSize <= end else { isMalformed = true; return nil }
            position = nameEnd + 1 + idSize
            return Entry(name: UnsafeBufferPointer(start: base + nameStart, count: nameEnd - nameStart), mode: mode,
                         id: UnsafeRawPointer(base + nameEnd + 1).assumingMemoryBound(to: git_oid.self))
        }
    }

    func cursor() -> Cursor { Cursor(object.bytes) }

    /// git's tree order (`base_name_compare`): bytes, then a directory's name continues with `/`.
    static func order(_ first: Entry, _ second: Entry) -> Int {
        let common = min(first.name.count, second.name.count)
        if common > 0, let a = first.name.baseAddress, let b = second.name.baseAddress {
            let compared = memcmp(a, b, common)
            if compared != 0 { return compared < 0 ? -1 : 1 }
        }
        func next(_ entry: Entry) -> UInt8 {
            entry.name.count > common ? entry.name[common] : (entry.isDirectory ? 0x2F : 0)
        }
        let (a, b) = (next(first), next(second))
        return a == b ? 0 : (a < b ? -1 : 1)
    }
}

/// Trees of the walk, by id: the parent's trees read for one commit are the next commit's own.
final class GitTreeReader {
    let database: GitObjectDatabase
    private var current: [GitObjectID: GitRawTree] = [:]
    private var previous: [GitObjectID: GitRawTree] = [:]

    init(_ database: GitObjectDatabase) { self.database = database }

    /// Starts a commit: the trees read for the last one stay at hand, older ones are let go.
    func nextCommit() {
        previous = current
        current = [:]
    }

    func tree(_ id: git_oid) throws -> GitRawTree {
        let key = GitObjectID(id)
        if let known = current[key] ?? previous[key] {
            current[key] = known
            return known
        }
        let tree = GitRawTree(object: try database.read(id, as: GIT_OBJECT_TREE))
        current[key] = tree
        return tree
    }

    /// The watched files whose blob differs between two trees (nil: the empty tree), as added or
    /// modified deltas. Both trees are walked in git's order; only directories that hold a watched
    /// path and whose tree ids differ are read further (what git's own path-limited log does).
    /// Deletions are left out (the history walk ignores them); renames need libgit2's diff.
    func changedBlobs(new: git_oid, old: git_oid?, watched: GitHistory.WatchedPaths, prefix: String = "") throws -> [GitDelta] {
        let newTree = try tree(new)
        let oldTree = try old.map { try tree($0) }
        var newEntries = newTree.cursor()
        var oldEntries = oldTree?.cursor()
        var oldEntry = oldEntries?.next()
        var deltas: [GitDelta] = []
        while let entry = newEntries.next() {
            var counterpart: GitRawTree.Entry?
            while let candidate = oldEntry {
                let order = GitRawTree.order(candidate, entry)
                if order < 0 { oldEntry = oldEntries?.next(); continue } // only in the old tree: deleted
                if order == 0 { counterpart = candidate; oldEntry = oldEntries?.next() }
                break
            }
            // Same id: nothing under it changed (a file whose mode alone changed has the same content).
            if let counterpart, memcmp(counterpart.id, entry.id, Int(GIT_OID_RAWSZ)) == 0 { continue }
            if entry.isSubmodule { continue }
            let path = prefix + entry.nameString
            if entry.isDirectory {
                guard watched.holdsWatchedPath(path + "/") else { continue }
                deltas += try changedBlobs(new: entry.id.pointee, old: counterpart?.id.pointee, watched: watched, prefix: path + "/")
            } else {
                guard watched.owner(of: path) != nil else { continue }
                let oldBlob = counterpart.flatMap { $0.isSubmodule ? nil : $0.id.pointee }
                deltas.append(GitDelta(status: oldBlob == nil ? .added : .modified, oldPath: path, newPath: path, similarity: 0,
                                       oldBlob: oldBlob))
            }
        }
        // Both trees read to the end, so a damaged one fails as it did when each was parsed whole.
        while oldEntry != nil { oldEntry = oldEntries?.next() }
        guard !newEntries.isMalformed else { throw GitError(code: -1, message: "tree \(Git.string(new)) is malformed") }
        guard oldEntries?.isMalformed != true else { throw GitError(code: -1, message: "tree \(old.map(Git.string) ?? "") is malformed") }
        return deltas
    }
}

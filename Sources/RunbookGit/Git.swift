// libgit2, wrapped once: one owner class per handle frees it in deinit, every return code goes
// through `check`, which throws libgit2's own message, and the library is initialised once.
// Values are copied out into Swift structs at once; no C pointer leaves this file's classes.

import CGit2
import CGit2Loader
import Foundation

public struct GitError: Error, CustomStringConvertible, Sendable {
    public let code: Int32
    public let message: String
    public var description: String { message }
}

enum Git {
    /// `git_libgit2_init` exactly once per process; objects are not re-hashed on every read (7 % of
    /// a cold history walk), as git itself does not, and libgit2's object cache is off (see shim.h).
    static let initialized: Bool = git_libgit2_init() > 0 && rbc_git_disable_strict_hash_verification() == 0
        && rbc_git_disable_object_cache() == 0

    /// Throws the last libgit2 error when a call failed.
    @discardableResult
    static func check(_ result: Int32, _ what: @autoclosure () -> String) throws -> Int32 {
        guard result < 0 else { return result }
        let detail = git_error_last().flatMap { $0.pointee.message.map { String(cString: $0) } } ?? "error \(result)"
        throw GitError(code: result, message: "\(what()): \(detail)")
    }

    static func equal(_ first: git_oid, _ second: git_oid) -> Bool {
        var (first, second) = (first, second)
        return git_oid_equal(&first, &second) != 0
    }

    static func string(_ oid: git_oid) -> String {
        var copy = oid
        var buffer = [CChar](repeating: 0, count: Int(GIT_OID_HEXSZ) + 1)
        git_oid_tostr(&buffer, buffer.count, &copy)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

public struct GitCommitInfo: Sendable, Hashable {
    public let id: String
    /// Committer time, seconds since 1970.
    public let time: Int64
    public let summary: String
    public let author: String

    public init(id: String, time: Int64, summary: String, author: String) {
        self.id = id
        self.time = time
        self.summary = summary
        self.author = author
    }

    public var shortID: String { String(id.prefix(10)) }

    /// The commit's UTC day, `YYYY-MM-DD`. Plain calendar arithmetic (Hinnant's civil_from_days):
    /// a DateFormatter per commit was a sixth of a history check's time.
    public var date: String { Self.day(time) }

    /// The UTC day, `YYYY-MM-DD`, of a time in seconds since 1970.
    public static func day(_ time: Int64) -> String {
        let days = time >= 0 ? time / 86_400 : (time - 86_399) / 86_400
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        func pad(_ value: Int64, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }
}

/// An open repository.
// @unchecked: the handle is set once and freed in deinit; libgit2 allows one repository object to be read
// from several threads (its object database and caches lock internally), and nothing here mutates it.
public final class GitRepository: @unchecked Sendable {
    let pointer: OpaquePointer
    /// The working directory, with a trailing slash.
    public let workdir: String

    private init(pointer: OpaquePointer, workdir: String) {
        self.pointer = pointer
        self.workdir = workdir
    }

    deinit { git_repository_free(pointer) }

    /// The repository containing `path` (searching upwards), or nil outside any repository.
    public static func discover(containing path: String) throws -> GitRepository? {
        _ = Git.initialized
        var handle: OpaquePointer?
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        let result = git_repository_open_ext(&handle, absolute, 0, nil)
        if result == GIT_ENOTFOUND.rawValue { return nil }
        try Git.check(result, "cannot open the git repository at \(path)")
        guard let handle else { return nil }
        guard let workdir = git_repository_workdir(handle).map({ String(cString: $0) }) else {
            git_repository_free(handle)
            return nil // a bare repository has no runbooks to check
        }
        return GitRepository(pointer: handle, workdir: workdir)
    }

    /// A path relative to the working directory, or nil if it lies outside it.
    public func relativePath(_ path: String) -> String? {
        RelativePaths(self).relativePath(path)
    }

    /// Relative paths of many files, resolving each directory once: `URL`'s symlink resolution and
    /// path arithmetic per file were a tenth of a warm history check.
    public final class RelativePaths {
        private let root: String
        /// By the path's directory as given (up to and with its last `/`; "" for a bare name): the
        /// directory resolved, and its path inside the work tree with a trailing `/` (nil outside).
        private var directories: [Substring: (resolved: String?, inside: String?)] = [:]
        /// The working directory, asked once: `getcwd` per relative path was 3 % of a warm check.
        private lazy var currentDirectory = FileManager.default.currentDirectoryPath.withTrailingSlash

        public convenience init(_ repository: GitRepository) {
            self.init(workdir: repository.workdir)
        }

        public init(workdir: String) {
            root = (Self.resolved(workdir) ?? workdir).withTrailingSlash
        }

        /// The path relative to the working directory (symlinks resolved), or nil outside it.
        /// `regularFile`: the caller knows the path names no link (it saw the same regular file
        /// there, by stat data that any replacement of the entry would change), so it is not `lstat`ed.
        public func relativePath(_ path: String, regularFile: Bool = false) -> String? {
            // The directory is resolved once; a file in it is then its path inside the work tree and
            // its name (no path built per file: that was a tenth of a warm check's history snapshot).
            let slash = path.utf8.lastIndex(of: UInt8(ascii: "/"))
            let given = slash.map { path[...$0] } ?? ""
            let name = slash.map { path[path.index(after: $0)...] } ?? path[...]
            let directory: (resolved: String?, inside: String?)
            if let known = directories[given] {
                directory = known
            } else {
                // The directory without the separator cut at: `/` alone is the root.
                let absolute = given.hasPrefix("/") ? String(given) : currentDirectory + given
                let resolved = Self.resolved(absolute.count > 1 ? String(absolute.dropLast()) : "/")
                let slashed = resolved?.withTrailingSlash
                directory = (resolved, slashed.flatMap { $0.hasPrefix(root) ? String($0.dropFirst(root.count)) : nil })
                directories[given] = directory
            }
            guard let resolvedDirectory = directory.resolved else { return nil }
            let special = name.isEmpty || name == "." || name == ".."
            if regularFile && !special {
                // Inside the work tree exactly when the directory is (a name holds no `/`).
                return directory.inside.map { $0 + name }
            }
            var full = resolvedDirectory.withTrailingSlash + name
            // A link (or `.`/`..` as the name) is resolved whole, as before.
            var info = stat()
            if special || lstat(full, &info) == 0 && info.st_mode & S_IFMT == S_IFLNK {
                guard let whole = Self.resolved(full) else { return nil }
                full = whole
            }
            guard full.hasPrefix(root) else { return nil }
            return String(full.dropFirst(root.count))
        }

        /// The canonical path (`realpath`), nil when it does not exist.
        static func resolved(_ path: String) -> String? {
            guard let pointer = realpath(path, nil) else { return nil }
            defer { free(pointer) }
            return String(cString: pointer)
        }
    }

    public func headCommit() throws -> GitCommit? {
        var oid = git_oid()
        let result = git_reference_name_to_id(&oid, pointer, "HEAD")
        if result == GIT_ENOTFOUND.rawValue || result == GIT_EUNBORNBRANCH.rawValue { return nil }
        try Git.check(result, "cannot read HEAD")
        return try GitCommit(repository: self, id: oid)
    }

    /// A commit named by a revision (`main`, `HEAD~3`, a commit id).
    public func commit(revision: String) throws -> GitCommit {
        var object: OpaquePointer?
        try Git.check(git_revparse_single(&object, pointer, revision), "cannot resolve revision '\(revision)'")
        defer { git_object_free(object) }
        var peeled: OpaquePointer?
        try Git.check(git_object_peel(&peeled, object, GIT_OBJECT_COMMIT), "'\(revision)' is not a commit")
        defer { git_object_free(peeled) }
        guard let peeled, let id = git_object_id(peeled)?.pointee else { throw GitError(code: -1, message: "'\(revision)' has no id") }
        return try GitCommit(repository: self, id: id)
    }

    public enum FileState: Sendable, Equatable { case clean, modified, untracked, ignored, unknown }

    /// The states of many files. A file whose staged blob is HEAD's and whose working copy is the
    /// staged one is clean without asking libgit2's status, which diffs the index against the
    /// working tree on every call (half of a warm history check). The working copy is the staged one
    /// when the index entry's stat data matches the file (size, times, inode and mode, git's own
    /// check) and the entry is older than the index, or else when the file hashes (with the
    /// repository's filters) to the staged blob. Anything else — a changed file, conflicts,
    /// skip-worktree or intent-to-add entries, links, untracked or ignored files — gets libgit2's answer.
    public func states(of relativePaths: [String]) -> [String: FileState] {
        var cleanByStat: Set<String> = []
        return states(of: relativePaths, cleanByStat: &cleanByStat)
    }

    /// The same, also naming the files found clean from their index entry's stat data (not hashed):
    /// their state follows from the index file, HEAD and the file's stat data alone.
    public func states(of relativePaths: [String], cleanByStat: inout Set<String>) -> [String: FileState] {
        var states: [String: FileState] = [:]
        var index: OpaquePointer?
        if git_repository_index(&index, pointer) == 0, let index {
            defer { git_index_free(index) }
            let head = try? headCommit()?.tree()
            var indexInfo = stat()
            let indexFile = git_repository_path(pointer).map { String(cString: $0) + "index" }
            let indexTime = indexFile.flatMap { stat($0, &indexInfo) == 0 ? indexInfo.st_mtim : nil }
            for path in relativePaths where states[path] == nil {
                guard let head, let indexTime else { continue }
                guard let byStat = isClean(path, index: index, head: head, indexTime: indexTime) else { continue }
                states[path] = .clean
                if byStat { cleanByStat.insert(path) }
            }
        }
        for path in relativePaths where states[path] == nil { states[path] = state(of: path) }
        return states
    }

    /// Nil unless the index proves the file unchanged since it was staged, and staged as HEAD has it;
    /// then whether the entry's stat data alone proved it (else the file was hashed).
    private func isClean(_ path: String, index: OpaquePointer, head: GitTree, indexTime: timespec) -> Bool? {
        let stageMask: UInt16 = 0x3000
        let extendedFlags = UInt16(GIT_INDEX_ENTRY_INTENT_TO_ADD.rawValue | GIT_INDEX_ENTRY_SKIP_WORKTREE.rawValue)
        guard let entry = git_index_get_bypath(index, path, 0)?.pointee, entry.flags & stageMask == 0,
              entry.flags & UInt16(GIT_INDEX_ENTRY_VALID.rawValue) == 0, entry.flags_extended & extendedFlags == 0 else { return nil }
        var info = stat()
        guard lstat(workdir + path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return nil }
        let executable = info.st_mode & 0o100 != 0
        guard entry.mode == (executable ? 0o100755 : 0o100644) else { return nil }
        // Racily clean: written in the same second as the index (or later), the times cannot tell.
        let statMatches = Int(entry.mtime.seconds) < indexTime.tv_sec
            && entry.file_size == UInt32(truncatingIfNeeded: info.st_size) && entry.ino == UInt32(truncatingIfNeeded: info.st_ino)
            && Int(entry.mtime.seconds) == info.st_mtim.tv_sec && Int(entry.ctime.seconds) == info.st_ctim.tv_sec
            && (entry.mtime.nanoseconds == 0 || Int(entry.mtime.nanoseconds) == info.st_mtim.tv_nsec)
            && (entry.ctime.nanoseconds == 0 || Int(entry.ctime.nanoseconds) == info.st_ctim.tv_nsec)
        var staged = entry.id
        if !statMatches {
            var working = git_oid()
            guard git_repository_hashfile(&working, pointer, workdir + path, GIT_OBJECT_BLOB, path) == 0,
                  git_oid_equal(&working, &staged) != 0 else { return nil }
        }
        var headEntry: OpaquePointer?
        guard git_tree_entry_bypath(&headEntry, head.pointer, path) == 0, let headEntry else { return nil }
        defer { git_tree_entry_free(headEntry) }
        guard let headID = git_tree_entry_id(headEntry) else { return nil }
        guard git_oid_equal(&staged, headID) != 0 && git_tree_entry_filemode(headEntry).rawValue == entry.mode else { return nil }
        return statMatches
    }

    public func state(of relativePath: String) -> FileState {
        var flags: UInt32 = 0
        guard git_status_file(&flags, pointer, relativePath) == 0 else { return .unknown }
        if flags == 0 { return .clean }
        if flags & GIT_STATUS_WT_NEW.rawValue != 0 { return .untracked }
        if flags & GIT_STATUS_IGNORED.rawValue != 0 { return .ignored }
        return .modified
    }

    /// The blob id the working file would have if committed (with the repository's filters applied).
    public func blobID(ofWorkingFile relativePath: String) -> String? {
        var oid = git_oid()
        guard git_repository_hashfile(&oid, pointer, workdir + relativePath, GIT_OBJECT_BLOB, relativePath) == 0 else { return nil }
        return Git.string(oid)
    }

    /// Paths (relative) that differ between a commit's tree and the working tree (with the index),
    /// or between HEAD and the index (`staged`). Renamed files appear under their new names.
    public func changedPaths(since revision: String?, staged: Bool) throws -> [String] {
        var options = git_diff_options()
        try Git.check(git_diff_options_init(&options, UInt32(GIT_DIFF_OPTIONS_VERSION)), "diff options")
        options.flags |= GIT_DIFF_INCLUDE_UNTRACKED.rawValue | GIT_DIFF_RECURSE_UNTRACKED_DIRS.rawValue
        let base: GitCommit? = try revision.map { try commit(revision: $0) } ?? headCommit()
        let baseTree = try base?.tree()
        let diff: GitDiff
        if staged {
            var index: OpaquePointer?
            try Git.check(git_repository_index(&index, pointer), "cannot read the index")
            defer { git_index_free(index) }
            var handle: OpaquePointer?
            try Git.check(git_diff_tree_to_index(&handle, pointer, baseTree?.pointer, index, &options), "cannot diff HEAD against the index")
            diff = GitDiff(handle, repository: self)
        } else {
            var handle: OpaquePointer?
            try Git.check(git_diff_tree_to_workdir_with_index(&handle, pointer, baseTree?.pointer, &options), "cannot diff against the working tree")
            diff = GitDiff(handle, repository: self)
        }
        try diff.detectRenames()
        return diff.deltas().filter { $0.status != .deleted }.map(\.newPath)
    }

    /// Every path the index records — what a complete checkout of the repository holds, present on disk
    /// or not (a sparse checkout) — relative to the working directory; submodules are listed apart,
    /// since the index does not list the files inside them.
    public func indexPaths() throws -> (files: [String], submodules: [String]) {
        var index: OpaquePointer?
        try Git.check(git_repository_index(&index, pointer), "cannot read the index")
        defer { git_index_free(index) }
        var files: [String] = []
        var submodules: [String] = []
        let count = git_index_entrycount(index)
        files.reserveCapacity(count)
        for position in 0..<count {
            guard let entry = git_index_get_byindex(index, position)?.pointee, let path = entry.path else { continue }
            if entry.mode == GIT_FILEMODE_COMMIT.rawValue {
                submodules.append(String(cString: path))
            } else {
                files.append(String(cString: path))
            }
        }
        return (files, submodules)
    }

    /// A blob's content by id.
    func blobContent(_ id: git_oid) -> [UInt8]? {
        var oid = id
        var blob: OpaquePointer?
        guard git_blob_lookup(&blob, pointer, &oid) == 0, let blob else { return nil }
        defer { git_blob_free(blob) }
        guard let raw = git_blob_rawcontent(blob) else { return [] }
        return [UInt8](UnsafeRawBufferPointer(start: raw, count: Int(git_blob_rawsize(blob))))
    }

    /// A blob's content read in place, without a copy; nil when it cannot be read.
    func withBlobContent<T>(_ id: git_oid, _ body: (UnsafeBufferPointer<UInt8>?) throws -> T) rethrows -> T {
        var oid = id
        var blob: OpaquePointer?
        guard git_blob_lookup(&blob, pointer, &oid) == 0, let blob else { return try body(nil) }
        defer { git_blob_free(blob) }
        guard let raw = git_blob_rawcontent(blob) else { return try body(UnsafeBufferPointer(start: nil, count: 0)) }
        return try body(UnsafeBufferPointer(start: raw.assumingMemoryBound(to: UInt8.self), count: Int(git_blob_rawsize(blob))))
    }
}

/// One commit, with its metadata copied out when first asked for (a history walk meets thousands of
/// commits whose summary and author nobody reads).
// @unchecked: the handle and owner are set once in init; the copied-out info is guarded by `lock`;
// libgit2 commit reads are thread-safe.
public final class GitCommit: @unchecked Sendable {
    let pointer: OpaquePointer
    let repository: GitRepository
    let id: git_oid
    private let lock = NSLock()
    private var described: GitCommitInfo?

    public var info: GitCommitInfo {
        lock.lock()
        defer { lock.unlock() }
        if let described { return described }
        let summary = git_commit_summary(pointer).map { String(cString: $0) } ?? ""
        let author = git_commit_author(pointer)?.pointee.name.map { String(cString: $0) } ?? ""
        let info = GitCommitInfo(id: Git.string(id), time: git_commit_time(pointer), summary: summary, author: author)
        described = info
        return info
    }

    init(repository: GitRepository, id: git_oid) throws {
        var oid = id
        var handle: OpaquePointer?
        try Git.check(git_commit_lookup(&handle, repository.pointer, &oid), "cannot read commit \(Git.string(id))")
        guard let handle else { throw GitError(code: -1, message: "commit \(Git.string(id)) is missing") }
        pointer = handle
        self.repository = repository
        self.id = id
    }

    /// The first parent's id, nil for a root commit.
    var firstParentID: git_oid? {
        git_commit_parentcount(pointer) > 0 ? git_commit_parent_id(pointer, 0)?.pointee : nil
    }

    deinit { git_commit_free(pointer) }

    public func tree() throws -> GitTree {
        var handle: OpaquePointer?
        try Git.check(git_commit_tree(&handle, pointer), "cannot read the tree of \(info.shortID)")
        guard let handle else { throw GitError(code: -1, message: "no tree") }
        return GitTree(handle, repository: repository)
    }

    public func firstParent() throws -> GitCommit? {
        guard git_commit_parentcount(pointer) > 0, let id = git_commit_parent_id(pointer, 0)?.pointee else { return nil }
        return try GitCommit(repository: repository, id: id)
    }

    /// The content of a file in this commit, or nil when it has no such file.
    public func blob(at relativePath: String) throws -> Data? {
        let tree = try tree()
        var entry: OpaquePointer?
        guard git_tree_entry_bypath(&entry, tree.pointer, relativePath) == 0, let entry else { return nil }
        defer { git_tree_entry_free(entry) }
        guard let id = git_tree_entry_id(entry)?.pointee else { return nil }
        var oid = id
        var blob: OpaquePointer?
        guard git_blob_lookup(&blob, repository.pointer, &oid) == 0, let blob else { return nil }
        defer { git_blob_free(blob) }
        guard let raw = git_blob_rawcontent(blob) else { return Data() }
        return Data(bytes: raw, count: Int(git_blob_rawsize(blob)))
    }
}

/// A tree; it keeps its repository alive, since libgit2 frees a tree's memory with its repository.
// @unchecked: immutable after init (handle and owner only); libgit2 tree reads are thread-safe.
public final class GitTree: @unchecked Sendable {
    let pointer: OpaquePointer
    let repository: GitRepository
    init(_ pointer: OpaquePointer, repository: GitRepository) {
        self.pointer = pointer
        self.repository = repository
    }
    deinit { git_tree_free(pointer) }

    static func lookup(_ repository: GitRepository, _ id: git_oid) throws -> GitTree {
        var oid = id
        var handle: OpaquePointer?
        try Git.check(git_tree_lookup(&handle, repository.pointer, &oid), "cannot read tree \(Git.string(id))")
        guard let handle else { throw GitError(code: -1, message: "tree \(Git.string(id)) is missing") }
        return GitTree(handle, repository: repository)
    }
}

public struct GitDelta: Sendable {
    public enum Status: Sendable { case added, deleted, modified, renamed, copied, other }
    public let status: Status
    public let oldPath: String
    public let newPath: String
    /// For renames: how similar the two sides are, 0–100.
    public let similarity: Int
    /// The blob before the change (nil for an added file).
    let oldBlob: git_oid?
}

/// A diff between trees (or a tree and the working tree); it keeps its repository alive.
// @unchecked: `renamesDetected` (and the rename pass, which rewrites the diff) is guarded by `lock`;
// the rest is set once in init.
public final class GitDiff: @unchecked Sendable {
    let pointer: OpaquePointer?
    let repository: GitRepository
    private let lock = NSLock()
    private var renamesDetected = false

    init(_ pointer: OpaquePointer?, repository: GitRepository) {
        self.pointer = pointer
        self.repository = repository
    }
    deinit { git_diff_free(pointer) }

    /// Diffs two trees (a nil old tree is the empty tree: everything is added).
    static func trees(_ repository: GitRepository, old: GitTree?, new: GitTree) throws -> GitDiff {
        var handle: OpaquePointer?
        try Git.check(git_diff_tree_to_tree(&handle, repository.pointer, old?.pointer, new.pointer, nil), "cannot diff trees")
        return GitDiff(handle, repository: repository)
    }

    func detectRenames() throws {
        lock.lock()
        defer { lock.unlock() }
        guard !renamesDetected else { return }
        renamesDetected = true
        var options = git_diff_find_options()
        try Git.check(git_diff_find_options_init(&options, UInt32(GIT_DIFF_FIND_OPTIONS_VERSION)), "rename options")
        options.flags = GIT_DIFF_FIND_RENAMES.rawValue
        try Git.check(git_diff_find_similar(pointer, &options), "cannot detect renames")
    }

    func deltas() -> [GitDelta] {
        // Not while detectRenames rewrites the deltas.
        lock.lock()
        defer { lock.unlock() }
        let count = git_diff_num_deltas(pointer)
        return (0..<count).compactMap { index in
            guard let delta = git_diff_get_delta(pointer, index)?.pointee else { return nil }
            let status: GitDelta.Status = switch delta.status {
            case GIT_DELTA_ADDED, GIT_DELTA_UNTRACKED: .added
            case GIT_DELTA_DELETED: .deleted
            case GIT_DELTA_MODIFIED: .modified
            case GIT_DELTA_RENAMED: .renamed
            case GIT_DELTA_COPIED: .copied
            default: .other
            }
            var oldID = delta.old_file.id
            let hasOld = status != .added && git_oid_is_zero(&oldID) == 0
            return GitDelta(status: status, oldPath: delta.old_file.path.map { String(cString: $0) } ?? "",
                            newPath: delta.new_file.path.map { String(cString: $0) } ?? "", similarity: Int(delta.similarity),
                            oldBlob: hasOld ? oldID : nil)
        }
    }
}

/// Walks first-parent history from a commit, newest first.
// @unchecked: a walk advances through libgit2 state on each `next()`; it is Sendable only to be handed
// to another thread, never shared between two at once (GitHistory walks on one thread).
public final class GitRevisionWalk: @unchecked Sendable {
    let pointer: OpaquePointer
    let repository: GitRepository

    public init(repository: GitRepository, from start: GitCommit) throws {
        var handle: OpaquePointer?
        try Git.check(git_revwalk_new(&handle, repository.pointer), "cannot walk history")
        guard let handle else { throw GitError(code: -1, message: "no revision walk") }
        pointer = handle
        self.repository = repository
        var id = git_commit_id(start.pointer).pointee
        try Git.check(git_revwalk_push(handle, &id), "cannot start the walk")
        try Git.check(git_revwalk_simplify_first_parent(handle), "cannot restrict the walk to first parents")
    }

    deinit { git_revwalk_free(pointer) }

    public func next() throws -> GitCommit? {
        var oid = git_oid()
        let result = git_revwalk_next(&oid, pointer)
        if result == GIT_ITEROVER.rawValue { return nil }
        try Git.check(result, "cannot continue the walk")
        return try GitCommit(repository: repository, id: oid)
    }
}

private extension String {
    var withTrailingSlash: String { hasSuffix("/") ? self : self + "/" }
}

extension GitRepository {
    /// The index file `states(of:)` reads.
    public var indexPath: String? { git_repository_path(pointer).map { String(cString: $0) + "index" } }

    /// The directory holding the objects, refs and shallow roots shared by every worktree
    /// (`.git` of an ordinary work tree), with a trailing slash.
    public var commonDirectory: String {
        git_repository_commondir(pointer).map { String(cString: $0) } ?? workdir + ".git/"
    }

    /// HEAD's commit id, without reading the commit; nil on an unborn branch.
    public func headID() throws -> String? {
        var oid = git_oid()
        let result = git_reference_name_to_id(&oid, pointer, "HEAD")
        if result == GIT_ENOTFOUND.rawValue || result == GIT_EUNBORNBRANCH.rawValue { return nil }
        try Git.check(result, "cannot read HEAD")
        return Git.string(oid)
    }
}

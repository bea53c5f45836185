// A repository's work tree and HEAD read from `.git` directly, so a warm `rbc check` that only needs
// to know that nothing changed does not start libgit2: its global initialisation decodes the
// system's CA certificates, and each open reads four configuration files (with both, a fifth of a
// warm check of 2,000 files in 40 directories).
//
// It answers only the plain case, and nil ("ask libgit2") for anything else: the search meets a
// `.git` directory holding HEAD, objects/ and refs/ (no `commondir`: not a linked worktree), owned
// by this user like its work tree, on the device the search started on, with a configuration that
// sets neither `core.bare` nor `core.worktree`, includes nothing and names no extension; HEAD is
// an object id or a symbolic ref to a loose or packed ref. A `.git` file (worktrees, submodules), a
// directory on the way that could itself be a bare repository, an unreadable or malformed file:
// nil. In the plain case libgit2 finds the same work tree (it searches the same way: each
// directory's `.git`, then the directory itself, upwards from the canonical path) and resolves
// HEAD to the same commit; GitLocationTests compares the two on such repositories and checks the
// nil cases.

import Foundation

public struct GitLocation: Sendable, Equatable {
    /// The work tree, canonical with a trailing slash, as `GitRepository.workdir`.
    public let workdir: String
    /// The `.git` directory with a trailing slash, as libgit2's `git_repository_path`; also the
    /// common directory (objects, refs, shallow roots) since a linked worktree is never answered here.
    public let gitDirectory: String

    public var indexPath: String { gitDirectory + "index" }
    public var commonDirectory: String { gitDirectory }

    public enum Head: Sendable, Equatable {
        case commit(String)
        /// A symbolic HEAD whose branch has no commit yet (libgit2: not found).
        case unborn
    }

    /// The repository whose work tree holds `directory`, or nil when not certain to be found as
    /// libgit2 finds it (then ask `GitRepository.discover`).
    public static func find(containing directory: String) -> GitLocation? {
        var plainConfigurations: [String: Bool] = [:]
        return find(containing: directory, plainConfigurations: &plainConfigurations)
    }

    /// The same, remembering which configurations were found plain (by path) across calls: a
    /// check of 40 directories in one repository reads its configuration once.
    public static func find(containing directory: String, plainConfigurations: inout [String: Bool]) -> GitLocation? {
        guard let start = canonical(directory.isEmpty ? "." : directory) else { return nil }
        var startInfo = stat()
        guard stat(start, &startInfo) == 0, startInfo.st_mode & S_IFMT == S_IFDIR else { return nil }
        let device = startInfo.st_dev
        let user = geteuid()
        var current = start
        while true {
            let base = current == "/" ? "" : current
            var info = stat()
            if stat(base + "/.git", &info) == 0 {
                // libgit2 stops (not found) at another device, continues past an invalid `.git`
                // directory and follows a `.git` file: none of that is answered here.
                guard info.st_dev == device, info.st_mode & S_IFMT == S_IFDIR, info.st_uid == user else { return nil }
                let gitDirectory = base + "/.git/"
                guard isRegularFile(gitDirectory + "HEAD"), isDirectory(gitDirectory + "objects"), isDirectory(gitDirectory + "refs"),
                      !exists(gitDirectory + "commondir") else { return nil }
                var workInfo = stat()
                guard stat(current, &workInfo) == 0, workInfo.st_uid == user else { return nil }
                let configuration = gitDirectory + "config"
                let plain = plainConfigurations[configuration] ?? plainConfiguration(configuration)
                plainConfigurations[configuration] = plain
                guard plain else { return nil }
                return GitLocation(workdir: base + "/", gitDirectory: gitDirectory)
            }
            guard errno == ENOENT else { return nil }
            // libgit2 next asks whether the directory itself is a (bare) repository: one with a HEAD
            // entry might be.
            guard !exists(base + "/HEAD") else { return nil }
            guard stat(current, &info) == 0, info.st_dev == device, current != "/" else { return nil }
            current = parent(of: current)
        }
    }

    /// HEAD's commit, or nil when it cannot be read here with certainty (then ask libgit2).
    public func head() -> Head? {
        guard var text = Self.contents(gitDirectory + "HEAD") else { return nil }
        // libgit2 follows at most five levels of symbolic refs.
        for _ in 0..<4 {
            if let id = Self.objectID(text) { return .commit(id) }
            guard text.hasPrefix("ref: "), text.hasSuffix("\n") else { return nil }
            let name = String(text.dropFirst(5).dropLast())
            guard Self.isPlainReferenceName(name) else { return nil }
            let path = gitDirectory + name
            if let loose = Self.contents(path) {
                text = loose
                continue
            }
            guard errno == ENOENT, !Self.exists(path) else { return nil }
            return Self.packedReference(name, in: gitDirectory + "packed-refs")
        }
        return nil
    }

    /// The commit of a ref in `packed-refs`, `.unborn` when neither it nor the file exists; nil when
    /// the file holds anything but a header, `id name` lines and peeled `^id` lines.
    static func packedReference(_ name: String, in path: String) -> Head? {
        guard let text = contents(path) else { return errno == ENOENT && !exists(path) ? .unborn : nil }
        guard text.isEmpty || text.hasSuffix("\n") else { return nil }
        var found: Head = .unborn
        var first = true
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast() {
            defer { first = false }
            if first && line.hasPrefix("# pack-refs with:") { continue }
            if line.hasPrefix("^"), objectID(String(line.dropFirst()) + "\n") != nil { continue }
            let bytes = line.utf8
            guard bytes.count > 41, let space = bytes.firstIndex(of: UInt8(ascii: " ")), bytes.distance(from: bytes.startIndex, to: space) == 40,
                  let id = objectID(String(line[..<space]) + "\n") else { return nil }
            let refName = String(line[line.index(after: space)...])
            guard isPlainReferenceName(refName) else { return nil }
            if refName == name { found = .commit(id) }
        }
        return found
    }

    /// 40 lower-case hex digits and a newline, as git writes a ref.
    static func objectID(_ text: String) -> String? {
        let bytes = text.utf8
        guard bytes.count == 41, bytes.last == UInt8(ascii: "\n"),
              bytes.dropLast().allSatisfy({ ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "f")) })
        else { return nil }
        return String(text.dropLast())
    }

    /// `refs/…` of letters, digits, `-`, `_`, `.` and single slashes, no `..`, no `.lock`.
    static func isPlainReferenceName(_ name: String) -> Bool {
        guard name.hasPrefix("refs/"), !name.hasSuffix("/"), !name.hasSuffix(".lock"), !name.contains(".."), !name.contains("//"),
              !name.contains("/.") else { return false }
        return name.utf8.allSatisfy { byte in
            (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
                || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
                || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "/")
        }
    }

    /// A configuration that cannot make the repository bare, move its work tree, include another
    /// file or need an extension: no `bare = true` (any spelling but false), `worktree`, `include`
    /// or `extensions`, and format version 0. Read as words, so anything unusual is simply refused.
    static func plainConfiguration(_ path: String) -> Bool {
        guard let text = contents(path) else { return errno == ENOENT && !exists(path) }
        for rawLine in text.lowercased().split(separator: "\n") {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.contains("include") || line.contains("extensions") || line.contains("worktree") { return false }
            let words = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if words.first == "bare", words.count != 2 || words[1] != "false" { return false }
            if words.first == "repositoryformatversion", words.count != 2 || words[1] != "0" { return false }
            if line.contains("bare") && words.first != "bare" { return false }
        }
        return true
    }

    /// The canonical path: symbolic links resolved, as libgit2 resolves the path it starts from
    /// (after `URL`'s standardization, as `GitRepository.discover` passes it).
    static func canonical(_ path: String) -> String? {
        let components = path.split(separator: "/", omittingEmptySubsequences: false)
        let plain = !path.hasSuffix("/") && !path.contains("//") && !components.contains(where: { $0 == "." || $0 == ".." })
        let standard = plain ? path : URL(fileURLWithPath: path).standardizedFileURL.path
        guard let pointer = realpath(standard, nil) else { return nil }
        defer { free(pointer) }
        return String(cString: pointer)
    }

    static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return "/" }
        return String(path[..<slash])
    }

    static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0 || errno != ENOENT
    }

    static func isRegularFile(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFREG
    }

    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFDIR
    }

    /// A small file's text (refs, HEAD, configuration: up to 1 MiB), nil with errno set when it
    /// cannot be read, or when it is larger or not UTF-8.
    static func contents(_ path: String) -> String? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0, info.st_mode & S_IFMT == S_IFREG, info.st_size <= 1 << 20 else {
            errno = EINVAL
            return nil
        }
        var bytes = [UInt8](repeating: 0, count: Int(info.st_size) + 1)
        var count = 0
        while count < bytes.count {
            let read = bytes.withUnsafeMutableBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return -1 }
                return Glibc.read(descriptor, base + count, buffer.count - count)
            }
            if read < 0 && errno == EINTR { continue }
            guard read >= 0 else { return nil }
            if read == 0 { break }
            count += read
        }
        guard count <= Int(info.st_size) else {
            errno = EINVAL
            return nil
        }
        guard let text = String(validating: bytes[..<count], as: UTF8.self) else {
            errno = EINVAL
            return nil
        }
        return text
    }
}

extension GitRepository {
    /// The work tree holding `directory` (trailing slash), read from `.git` when that is certain,
    /// else found by libgit2; nil outside any repository (or in a bare one).
    public static func workdir(containing directory: String) -> String? {
        if let location = GitLocation.find(containing: directory) { return location.workdir }
        return (try? discover(containing: directory))?.workdir
    }
}

// A file holding a secret of this user's alone (the journal key, the check cache's secret): made whole
// and exclusively, mode 0600 in a 0700 directory, and read only when it is a regular file, not a link,
// owned by this user and closed to everyone else. Whoever could change such a file, or where a link
// to it points, would choose the secret; whoever could read it would know it.

import Foundation
#if canImport(Glibc)
import Glibc
#endif

public enum PrivateSecretFile {
    public enum Problem: Error, Equatable, CustomStringConvertible {
        /// The file is there but others could know or change it, or it is no plain file: never used.
        case unsafe(String)
        /// It cannot be read or made (a missing or read-only directory, an I/O error).
        case unavailable(String)

        public var description: String {
            switch self {
            case .unsafe(let why), .unavailable(let why): why
            }
        }
    }

    /// At most `limit` bytes of the file (one more tells the caller it is too long); nil when there is
    /// no file at `path`.
    public static func read(_ path: String, limit: Int) throws(Problem) -> [UInt8]? {
        // O_NOFOLLOW: not through a link. O_NONBLOCK: a FIFO planted at the name would otherwise block
        // the open until someone writes to it; it is opened at once and refused below.
        let descriptor = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else {
            let number = errno
            if number == ENOENT { return nil }
            throw number == ELOOP ? .unsafe("is a symbolic link") : .unavailable(String(cString: strerror(number)))
        }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw .unavailable(String(cString: strerror(errno))) }
        guard info.st_mode & S_IFMT == S_IFREG else { throw .unsafe("is not a regular file") }
        guard info.st_uid == geteuid() else { throw .unsafe("belongs to another user (uid \(info.st_uid))") }
        guard info.st_mode & 0o077 == 0 else {
            throw .unsafe("can be read or written by others (mode \(String(info.st_mode & 0o777, radix: 8)))")
        }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: limit + 1)
        while bytes.count <= limit {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, limit + 1 - bytes.count) }
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else { throw .unavailable(String(cString: strerror(errno))) }
            if count == 0 { break }
            bytes += buffer[0..<count]
        }
        return bytes
    }

    /// Makes the file with `contents` unless one is there already (then it is left as it is, and the
    /// caller reads whichever won). Written whole under a unique private name, synced, then linked into
    /// place: no reader ever sees half a secret, and of two processes making it at once the first
    /// link wins. Its directory is made 0700 when missing.
    public static func create(_ path: String, contents: [UInt8]) throws(Problem) {
        // Not NSString's deletingLastPathComponent: it traps on a one-character relative path.
        let directory = PathText.parent(of: path)
        if !directory.isEmpty, !FileManager.default.fileExists(atPath: directory) {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                        attributes: [.posixPermissions: 0o700])
            } catch {
                throw .unavailable("cannot create \(directory): \(error.localizedDescription)")
            }
        }
        let temporary = "\(path).tmp-\(getpid())-\(String(UInt64.random(in: 0...UInt64.max), radix: 16))"
        // O_EXCL | O_NOFOLLOW: a file or link someone planted at the name is never written through.
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw .unavailable("cannot create \(temporary): \(String(cString: strerror(errno)))") }
        defer { unlink(temporary) }
        var written = 0
        while written < contents.count {
            let count = contents[written...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { break }
            written += count
        }
        let synced = fsync(descriptor) == 0
        close(descriptor)
        guard written == contents.count, synced else { throw .unavailable("cannot write \(temporary)") }
        if link(temporary, path) != 0, errno != EEXIST {
            throw .unavailable("cannot create it: \(String(cString: strerror(errno)))")
        }
    }

    /// The file's bytes, made from `make()` the first time.
    public static func readOrCreate(_ path: String, limit: Int, make: () -> [UInt8]) throws(Problem) -> [UInt8] {
        if let bytes = try read(path, limit: limit) { return bytes }
        try create(path, contents: make())
        guard let bytes = try read(path, limit: limit) else { throw .unavailable("it vanished as it was made") }
        return bytes
    }
}

// Reads a file's bytes into a SourceFile, or explains why it cannot: missing, binary, not UTF-8, too large.

import Foundation

public enum SourceLoader {
    /// Larger files are refused: no runbook is this big, and the limit bounds memory and time per file.
    public static let maximumBytes = 8 * 1024 * 1024

    public enum Outcome: Sendable {
        case loaded(SourceFile)
        case failed(Diagnostic)
    }

    /// A path as messages show it: relative to the working directory when below it, as paths typed on
    /// the command line are; otherwise as given.
    public static func shown(_ path: String) -> String {
        let cwd = FileManager.default.currentDirectoryPath
        return path.hasPrefix(cwd + "/") ? String(path.dropFirst(cwd.count + 1)) : path
    }

    /// Reads `path`; diagnostics name the file `displayPath` (default: `path`).
    public static func load(path: String, displayPath: String? = nil) -> Outcome {
        let shown = displayPath ?? path
        switch readRegularFile(path, limit: maximumBytes + 1) {
        case .bytes(let bytes): return decode(path: shown, bytes: bytes)
        case .missing: return .failed(Diagnostic(.fileNotFound, "no such file: \(shown)", displayPath: shown))
        case .directory:
            return .failed(Diagnostic(.fileNotFound, "\(shown) is a directory, not a file", displayPath: shown,
                                      help: "rbc reads this name as a file; rename or remove the directory"))
        case .notRegular:
            return .failed(Diagnostic(.fileNotFound, "not a regular file: \(shown)", displayPath: shown,
                                      help: "name a file; pipes, devices and sockets are not read"))
        case .unreadable(let reason): return .failed(Diagnostic(.fileNotFound, "cannot read \(shown): \(reason)", displayPath: shown))
        }
    }

    /// Whether the file is encrypted at rest by a tool that keeps secrets in git: git-crypt (its
    /// `\0GITCRYPT\0` header) or age (`age-encryption.org/v1`). Only its key holders read it, and no
    /// directory walk should report it as a runbook that is binary.
    public static func isEncryptedAtRest(path: String) -> Bool {
        guard case .bytes(let head) = readRegularFile(path, limit: 32) else { return false }
        return head.starts(with: Array("\0GITCRYPT\0".utf8)) || head.starts(with: Array("age-encryption.org/v1\n".utf8))
    }

    public enum Read: Sendable, Equatable {
        case bytes([UInt8])
        case missing
        /// Said as such: "no such file" for a directory that is there sends a person looking for the wrong thing.
        case directory
        /// A pipe, device or socket.
        case notRegular
        case unreadable(String)
    }

    /// At most `limit` bytes of a regular file. Opened without blocking and checked before reading:
    /// a pipe (or a link to one, or to `/dev/stdin`) would wait forever for a writer, and a device
    /// such as `/dev/zero` never ends.
    public static func readRegularFile(_ path: String, limit: Int) -> Read {
        let descriptor = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)
        guard descriptor >= 0 else {
            switch errno {
            case ENOENT, ENOTDIR, ELOOP: return .missing
            case EACCES, EPERM: return .unreadable("permission denied")
            case ENXIO: return .notRegular
            default: return .unreadable(String(cString: strerror(errno)))
            }
        }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { return .unreadable(String(cString: strerror(errno))) }
        guard info.st_mode & S_IFMT == S_IFREG else { return info.st_mode & S_IFMT == S_IFDIR ? .directory : .notRegular }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(min(limit, max(0, Int(info.st_size))))
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while bytes.count < limit {
            let wanted = min(chunk.count, limit - bytes.count)
            let got = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, wanted) }
            if got > 0 {
                bytes.append(contentsOf: chunk[0..<got])
            } else if got < 0, errno == EINTR {
                continue
            } else if got < 0 {
                return .unreadable(String(cString: strerror(errno)))
            } else {
                break
            }
        }
        return .bytes(bytes)
    }

    /// Decodes bytes as UTF-8 text, stripping a UTF-8 byte-order mark.
    public static func decode(path: String, bytes input: [UInt8]) -> Outcome {
        if input.count > maximumBytes {
            return .failed(Diagnostic(
                .fileTooLarge, "file is larger than \(maximumBytes / (1024 * 1024)) MiB",
                displayPath: path, help: "split the runbook; rbc refuses larger inputs to bound memory and time"))
        }
        if input.starts(with: [0xFF, 0xFE]) || input.starts(with: [0xFE, 0xFF]) || input.starts(with: [0, 0, 0xFE, 0xFF]) {
            return .failed(Diagnostic(.binaryFile, "file is UTF-16 or UTF-32 encoded", displayPath: path,
                                      help: "save the file as UTF-8"))
        }
        var bytes = input
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        if let nul = bytes.firstIndex(of: 0) {
            let prefix = SourceFile(path: path, text: String(decoding: bytes[..<nul], as: UTF8.self))
            return .failed(Diagnostic(.binaryFile, "file contains a NUL byte; it looks like binary data",
                                      file: prefix, range: .at(nul)))
        }
        if let text = String(validating: bytes, as: UTF8.self) {
            return .loaded(SourceFile(path: path, text: text))
        }
        let invalid = firstInvalidUTF8Offset(bytes)
        // The valid prefix decodes unchanged, so the offset is exact in the lossy text too.
        let lossy = SourceFile(path: path, text: String(decoding: bytes, as: UTF8.self))
        return .failed(Diagnostic(.invalidUTF8, "invalid UTF-8 byte 0x\(String(bytes[invalid], radix: 16, uppercase: true))",
                                  file: lossy, range: .at(invalid), help: "save the file as UTF-8"))
    }

    static func firstInvalidUTF8Offset(_ bytes: [UInt8]) -> Int {
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        var offset = 0
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar):
                offset += UTF8.width(scalar)
            case .emptyInput:
                return max(0, bytes.count - 1)
            case .error:
                return offset
            }
        }
    }
}

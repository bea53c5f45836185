// A persistent content-addressed store: values filed under the SHA-256 of everything that decides
// them, so an entry is either exactly right or never found. Writes go to a unique temporary file
// and are renamed into place, so concurrent runs never see half an entry; a damaged entry (wrong
// magic, length or checksum) reads as a miss.

import Foundation

public final class ContentCache: Sendable {
    /// The directory holding this format's entries (`…/cache/v1`).
    public let directory: String
    /// Bumped whenever what is stored changes shape: old entries are then simply never found.
    public static let formatVersion = "v1"
    private static let magic: [UInt8] = Array("RBC1".utf8)

    public init(root: String) {
        directory = (root as NSString).appendingPathComponent(Self.formatVersion)
    }

    /// The key of a value: the SHA-256 of its parts, each length-prefixed so that no two lists of
    /// parts hash alike. The parts are hashed where they lie (a file's bytes are not copied).
    public static func key(_ parts: [[UInt8]]) -> String {
        var hasher = SHA256.Hasher()
        for part in parts {
            withUnsafeBytes(of: UInt64(part.count).littleEndian) { hasher.update($0) }
            hasher.update(part)
        }
        return SHA256.hexString(hasher.finalize())
    }

    public static func key(_ parts: [String]) -> String { key(parts.map { Array($0.utf8) }) }

    private func path(_ namespace: String, _ key: String) -> String {
        "\(directory)/\(namespace)/\(key.prefix(2))/\(key.dropFirst(2))"
    }

    /// The stored bytes, or nil when there is no intact entry.
    public func get(_ namespace: String, _ key: String) -> [UInt8]? {
        guard let data = FileManager.default.contents(atPath: path(namespace, key)) else { return nil }
        let bytes = [UInt8](data)
        // magic, 8-byte length, payload, 32-byte SHA-256 of the payload
        guard bytes.count >= 4 + 8 + 32, Array(bytes[0..<4]) == Self.magic else { return nil }
        var length: UInt64 = 0
        for index in (4..<12).reversed() { length = length << 8 | UInt64(bytes[index]) }
        guard length == UInt64(bytes.count - 44) else { return nil }
        let payload = bytes[12..<(12 + Int(length))]
        var hasher = SHA256.Hasher()
        hasher.update(payload)
        guard hasher.finalize().elementsEqual(bytes[(12 + Int(length))...]) else { return nil }
        return Array(payload)
    }

    /// Stores bytes under a key; failures (read-only tree, full disk) only mean the next run recomputes.
    public func put(_ namespace: String, _ key: String, _ payload: [UInt8]) {
        let target = path(namespace, key)
        let folder = (target as NSString).deletingLastPathComponent
        var bytes = Self.magic
        bytes += withUnsafeBytes(of: UInt64(payload.count).littleEndian, Array.init)
        bytes += payload
        bytes += SHA256.digest(payload)
        let temporary = "\(folder)/.tmp-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        if !FileManager.default.fileExists(atPath: folder) {
            try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            Self.markIgnored(root: (directory as NSString).deletingLastPathComponent)
        }
        guard FileManager.default.createFile(atPath: temporary, contents: Data(bytes)) else { return }
        if rename(temporary, target) != 0 { unlink(temporary) }
    }

    /// A cache inside a repository must not show up as untracked files.
    private static func markIgnored(root: String) {
        let ignore = (root as NSString).appendingPathComponent(".gitignore")
        if !FileManager.default.fileExists(atPath: ignore) {
            // Best effort: without it the cache still works, it only shows as untracked files.
            _ = FileManager.default.createFile(atPath: ignore, contents: Data("# written by rbc: the check cache is not source\n*\n".utf8))
        }
    }

    /// Removes every entry; true when something was removed.
    @discardableResult
    public static func clean(root: String) throws -> Bool {
        guard FileManager.default.fileExists(atPath: root) else { return false }
        try FileManager.default.removeItem(atPath: root)
        return true
    }
}

/// A compact byte encoding for cache payloads: length-prefixed strings and fixed-width integers,
/// read back with bounds checks (a damaged payload decodes to nil, never to a crash).
public struct CacheWriter {
    public private(set) var bytes: [UInt8] = []

    public init() {}

    public mutating func int(_ value: Int) {
        bytes += withUnsafeBytes(of: Int64(value).littleEndian, Array.init)
    }

    public mutating func string(_ value: String) {
        let utf8 = Array(value.utf8)
        int(utf8.count)
        bytes += utf8
    }

    public mutating func optionalString(_ value: String?) {
        int(value == nil ? 0 : 1)
        if let value { string(value) }
    }
}

public struct CacheReader {
    private let bytes: [UInt8]
    private var offset = 0

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public var atEnd: Bool { offset == bytes.count }

    public mutating func int() -> Int? {
        guard offset + 8 <= bytes.count else { return nil }
        var value: UInt64 = 0
        for index in (offset..<(offset + 8)).reversed() { value = value << 8 | UInt64(bytes[index]) }
        offset += 8
        return Int(truncatingIfNeeded: Int64(bitPattern: value))
    }

    public mutating func string() -> String? {
        guard let count = int(), count >= 0, offset + count <= bytes.count else { return nil }
        defer { offset += count }
        return String(decoding: bytes[offset..<(offset + count)], as: UTF8.self)
    }

    public mutating func optionalString() -> String?? {
        guard let present = int() else { return nil }
        if present == 0 { return .some(nil) }
        guard let value = string() else { return nil }
        return .some(value)
    }
}

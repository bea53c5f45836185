// A persistent content-addressed store: values filed under the SHA-256 of everything that decides
// them, so an entry is either exactly right or never found. Writes go to a unique temporary file
// and are renamed into place, so concurrent runs never see half an entry; a damaged entry (wrong
// magic, length or checksum) reads as a miss.

import Foundation

public final class ContentCache: Sendable {
    /// The directory holding this format's entries (`…/cache/v1`, or `…/cache/v1/OWNER`).
    public let directory: String
    /// The directory `rbc cache clean` removes, which holds the `.gitignore`.
    private let root: String
    /// Bumped whenever what is stored changes shape: old entries are then simply never found.
    public static let formatVersion = "v1"
    /// "RBC2": the payload is followed by a 64-bit checksum (RBC1 entries, with a SHA-256, read as misses).
    private static let magic: [UInt8] = Array("RBC2".utf8)

    /// `owner` names this user's entries (`CacheTrust.owner`): entries made anywhere else — committed
    /// into the repository, copied from another machine — are in another directory and never read.
    public init(root: String, owner: String = "") {
        self.root = root
        let versioned = (root as NSString).appendingPathComponent(Self.formatVersion)
        directory = owner.isEmpty ? versioned : (versioned as NSString).appendingPathComponent(owner)
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

    /// The stored bytes, or nil when there is no intact entry: magic, 8-byte length, payload, 8-byte
    /// checksum of the payload. The payload is read straight into the array returned (copying it out
    /// of a buffer of the whole file, 2.9 MB for 2,000 runbooks with history, was a twelfth of a warm check).
    public func get(_ namespace: String, _ key: String) -> [UInt8]? {
        let descriptor = open(path(namespace, key), O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0, info.st_mode & S_IFMT == S_IFREG, info.st_size >= 20 else { return nil }
        var header = [UInt8](repeating: 0, count: 12)
        guard header.withUnsafeMutableBytes({ Self.readFully(descriptor, into: $0) }), header[0..<4].elementsEqual(Self.magic) else { return nil }
        let length = header.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: 4, as: UInt64.self)) }
        guard length == UInt64(info.st_size - 20) else { return nil }
        var complete = false
        let payload = [UInt8](unsafeUninitializedCapacity: Int(length)) { buffer, count in
            complete = Self.readFully(descriptor, into: UnsafeMutableRawBufferPointer(buffer))
            count = complete ? buffer.count : 0
        }
        var stored: UInt64 = 0
        guard complete, withUnsafeMutableBytes(of: &stored, { Self.readFully(descriptor, into: $0) }),
              payload.withUnsafeBytes(Self.checksum) == UInt64(littleEndian: stored) else { return nil }
        return payload
    }

    /// Stores bytes under a key; failures (read-only tree, full disk) only mean the next run recomputes.
    public func put(_ namespace: String, _ key: String, _ payload: [UInt8]) {
        let target = path(namespace, key)
        let folder = PathText.parent(of: target)
        var bytes = Self.magic
        bytes.reserveCapacity(payload.count + 20)
        withUnsafeBytes(of: UInt64(payload.count).littleEndian) { bytes.append(contentsOf: $0) }
        bytes += payload
        withUnsafeBytes(of: payload.withUnsafeBytes(Self.checksum).littleEndian) { bytes.append(contentsOf: $0) }
        let temporary = "\(folder)/.tmp-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        if !FileManager.default.fileExists(atPath: folder) {
            try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            Self.markIgnored(root: root)
        }
        guard Self.writeFile(temporary, bytes) else {
            unlink(temporary)
            return
        }
        if rename(temporary, target) != 0 { unlink(temporary) }
    }

    /// Fills the buffer from the descriptor; false when the file ends first (truncated meanwhile) or is unreadable.
    static func readFully(_ descriptor: Int32, into buffer: UnsafeMutableRawBufferPointer) -> Bool {
        var offset = 0
        while offset < buffer.count {
            let got = read(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
            if got > 0 {
                offset += got
            } else if got < 0, errno == EINTR {
                continue
            } else {
                return false
            }
        }
        return true
    }

    static func writeFile(_ path: String, _ bytes: [UInt8]) -> Bool {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        return bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written > 0 {
                    offset += written
                } else if written < 0, errno == EINTR {
                    continue
                } else {
                    return false
                }
            }
            return true
        }
    }

    /// A 64-bit checksum of a payload (xxHash64's rounds, four lanes). It only has to tell a damaged
    /// entry from an intact one (writes are atomic renames, so damage is the disk's or a person's);
    /// keys, which must never collide, stay SHA-256. A SHA-256 here in pure Swift was most of the
    /// time a warm run of 10,000 files spent on its one multi-megabyte entry.
    public static func checksum(_ buffer: UnsafeRawBufferPointer) -> UInt64 {
        let prime1: UInt64 = 0x9E37_79B1_85EB_CA87, prime2: UInt64 = 0xC2B2_AE3D_27D4_EB4F
        let prime3: UInt64 = 0x1656_67B1_9E37_79F9, prime4: UInt64 = 0x85EB_CA77_C2B2_AE63, prime5: UInt64 = 0x27D4_EB2F_1656_67C5
        func round(_ accumulator: UInt64, _ input: UInt64) -> UInt64 {
            let mixed = accumulator &+ input &* prime2
            return ((mixed << 31) | (mixed >> 33)) &* prime1
        }
        func merge(_ accumulator: UInt64, _ lane: UInt64) -> UInt64 {
            (accumulator ^ round(0, lane)) &* prime1 &+ prime4
        }
        func word(_ offset: Int) -> UInt64 { UInt64(littleEndian: buffer.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) }
        let count = buffer.count
        var offset = 0
        var hash: UInt64
        if count >= 32 {
            var lanes = (prime1 &+ prime2, prime2, UInt64(0), 0 &- prime1)
            while offset + 32 <= count {
                lanes.0 = round(lanes.0, word(offset))
                lanes.1 = round(lanes.1, word(offset + 8))
                lanes.2 = round(lanes.2, word(offset + 16))
                lanes.3 = round(lanes.3, word(offset + 24))
                offset += 32
            }
            hash = ((lanes.0 << 1) | (lanes.0 >> 63)) &+ ((lanes.1 << 7) | (lanes.1 >> 57))
                &+ ((lanes.2 << 12) | (lanes.2 >> 52)) &+ ((lanes.3 << 18) | (lanes.3 >> 46))
            hash = merge(merge(merge(merge(hash, lanes.0), lanes.1), lanes.2), lanes.3)
        } else {
            hash = prime5
        }
        hash = hash &+ UInt64(count)
        while offset + 8 <= count {
            hash ^= round(0, word(offset))
            hash = ((hash << 27) | (hash >> 37)) &* prime1 &+ prime4
            offset += 8
        }
        while offset < count {
            hash ^= UInt64(buffer[offset]) &* prime5
            hash = ((hash << 11) | (hash >> 53)) &* prime1
            offset += 1
        }
        hash ^= hash >> 33
        hash = hash &* prime2
        hash ^= hash >> 29
        hash = hash &* prime3
        return hash ^ (hash >> 32)
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

    public mutating func reserve(_ count: Int) { bytes.reserveCapacity(bytes.count + count) }

    public mutating func int(_ value: Int) {
        withUnsafeBytes(of: Int64(value).littleEndian) { bytes.append(contentsOf: $0) }
    }

    public mutating func string(_ value: String) {
        int(value.utf8.count)
        bytes.append(contentsOf: value.utf8)
    }

    /// Raw bytes as they are (the reader must know their length).
    public mutating func raw<Bytes: Collection<UInt8>>(_ value: Bytes) { bytes.append(contentsOf: value) }

    /// Raw bytes, length-prefixed.
    public mutating func data<Bytes: Collection<UInt8>>(_ value: Bytes) {
        int(value.count)
        bytes.append(contentsOf: value)
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
        let value = bytes.withUnsafeBytes { Int64(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: Int64.self)) }
        offset += 8
        return Int(truncatingIfNeeded: value)
    }

    /// `count` raw bytes, as a slice of the payload (no copy).
    public mutating func raw(_ count: Int) -> ArraySlice<UInt8>? {
        guard count >= 0, count <= bytes.count - offset else { return nil }
        defer { offset += count }
        return bytes[offset..<(offset + count)]
    }

    /// Length-prefixed raw bytes, as a slice of the payload (no copy).
    public mutating func data() -> ArraySlice<UInt8>? {
        guard let count = int(), count >= 0, count <= bytes.count - offset else { return nil }
        defer { offset += count }
        return bytes[offset..<(offset + count)]
    }

    public mutating func string() -> String? {
        guard let count = int(), count >= 0, count <= bytes.count - offset else { return nil }
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

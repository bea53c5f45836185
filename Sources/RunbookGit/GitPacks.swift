// Objects read straight from the repository's pack files, with a delta-base cache of our own.
// A cold history walk with rollback drift reads every commit, ~3 trees per commit and every version
// of every watched file; through libgit2 each read paid its object-database lookup, a fresh zlib
// stream, and delta chains unpacked again once its 16 MiB base cache (shared by trees and blobs)
// had let the bases go. Here the pack index is searched directly, one zlib stream is reused, and
// every base a delta was applied to is kept (up to a byte budget), as git's own
// `core.deltaBaseCacheSize` does. Anything this reader does not know — a loose object, an
// alternate's, a pack or index version it does not read, a damaged entry — answers nil, and the
// caller reads the object through libgit2, so the answer never depends on this reader.

import CGit2
import CZlib
import Foundation

/// A file mapped read-only into memory.
private final class MappedFile {
    let bytes: UnsafeBufferPointer<UInt8>

    init?(_ path: String) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0, status.st_size > 0,
              let address = mmap(nil, Int(status.st_size), PROT_READ, MAP_PRIVATE, descriptor, 0),
              address != MAP_FAILED else { return nil }
        bytes = UnsafeBufferPointer(start: address.assumingMemoryBound(to: UInt8.self), count: Int(status.st_size))
    }

    deinit { munmap(UnsafeMutableRawPointer(mutating: bytes.baseAddress), bytes.count) }
}

/// One pack and its index (version 2, SHA-1 ids).
private struct PackFile {
    let pack: MappedFile
    let index: MappedFile
    let count: Int

    static let idSize = Int(GIT_OID_RAWSZ)
    private static let fanoutStart = 8
    private static var idsStart: Int { fanoutStart + 256 * 4 }

    init?(indexPath: String, packPath: String) {
        guard let index = MappedFile(indexPath), let pack = MappedFile(packPath) else { return nil }
        let bytes = index.bytes
        // Magic "\377tOc", version 2.
        guard bytes.count >= Self.idsStart + 40, bytes[0] == 0xFF, bytes[1] == 0x74, bytes[2] == 0x4F, bytes[3] == 0x63,
              Self.bigEndian32(bytes, 4) == 2 else { return nil }
        let count = Int(Self.bigEndian32(bytes, Self.fanoutStart + 255 * 4))
        // ids, CRCs, 32-bit offsets, then the 64-bit offsets and two checksums.
        guard count <= (bytes.count - Self.idsStart - 40) / (Self.idSize + 8) else { return nil }
        let packBytes = pack.bytes
        // "PACK", version 2 or 3, the same object count.
        guard packBytes.count >= 32, packBytes[0] == 0x50, packBytes[1] == 0x41, packBytes[2] == 0x43, packBytes[3] == 0x4B,
              [2, 3].contains(Self.bigEndian32(packBytes, 4)), Int(Self.bigEndian32(packBytes, 8)) == count else { return nil }
        (self.index, self.pack, self.count) = (index, pack, count)
    }

    static func bigEndian32(_ bytes: UnsafeBufferPointer<UInt8>, _ at: Int) -> UInt32 {
        UInt32(bytes[at]) << 24 | UInt32(bytes[at + 1]) << 16 | UInt32(bytes[at + 2]) << 8 | UInt32(bytes[at + 3])
    }

    /// The object's offset in the pack, nil when this pack does not hold it (or the index is damaged).
    func offset(of id: UnsafePointer<git_oid>) -> Int? {
        let bytes = index.bytes
        guard let base = bytes.baseAddress else { return nil }
        let first = Int(UnsafeRawPointer(id).load(as: UInt8.self))
        var low = first == 0 ? 0 : Int(Self.bigEndian32(bytes, Self.fanoutStart + (first - 1) * 4))
        var high = Int(Self.bigEndian32(bytes, Self.fanoutStart + first * 4))
        guard low <= high, high <= count else { return nil }
        // The first 8 bytes, compared as one big-endian number, decide nearly every step.
        let target = UInt64(bigEndian: UnsafeRawPointer(id).loadUnaligned(as: UInt64.self))
        while low < high {
            let middle = (low + high) / 2
            let candidate = UnsafeRawPointer(base + Self.idsStart + middle * Self.idSize)
            let leading = UInt64(bigEndian: candidate.loadUnaligned(as: UInt64.self))
            let compared = leading != target ? (leading < target ? -1 : 1) : memcmp(candidate, id, Self.idSize)
            if compared == 0 { return entryOffset(middle) }
            if compared < 0 { low = middle + 1 } else { high = middle }
        }
        return nil
    }

    private func entryOffset(_ position: Int) -> Int? {
        let bytes = index.bytes
        let offsetsStart = Self.idsStart + count * (Self.idSize + 4)
        let small = Self.bigEndian32(bytes, offsetsStart + position * 4)
        guard small & 0x8000_0000 != 0 else { return Int(small) }
        let at = offsetsStart + count * 4 + Int(small & 0x7FFF_FFFF) * 8
        guard at + 8 <= bytes.count - 40 else { return nil }
        let large = UInt64(Self.bigEndian32(bytes, at)) << 32 | UInt64(Self.bigEndian32(bytes, at + 4))
        return large < UInt64(Int.max) ? Int(large) : nil
    }
}

/// An object's bytes, owned: released when the last holder (a reader, the base cache) lets go.
final class GitPackObject {
    let type: git_object_t
    let bytes: UnsafeMutableBufferPointer<UInt8>

    init(type: git_object_t, count: Int) {
        self.type = type
        // One byte at least, so that an empty object still has an address zlib and memcpy accept.
        bytes = UnsafeMutableBufferPointer(start: UnsafeMutablePointer<UInt8>.allocate(capacity: max(count, 1)), count: count)
    }

    deinit { bytes.baseAddress?.deallocate() }
}

/// The repository's packs, read directly. Thread-safe (one lock: the walk reads on one thread).
// @unchecked: every mutable field is guarded by `lock`.
final class GitPackReader: @unchecked Sendable {
    private let packs: [PackFile]
    private let lock = NSLock()
    private var stream = z_stream()
    private var streamReady = false
    /// The bases deltas were applied to, by pack and offset, in two generations: when the newer one
    /// holds half the budget it becomes the older and the older is let go (a cheap least-recently-used).
    private var bases: [Int: GitPackObject] = [:]
    private var olderBases: [Int: GitPackObject] = [:]
    private var basesBytes = 0
    let budget: Int

    /// An entry's place: its pack and offset in one number (a cheaper key than a pair).
    private struct PackPlace {
        let pack: Int
        let offset: Int
        let key: Int

        init(pack: Int, offset: Int, packs: Int) {
            (self.pack, self.offset) = (pack, offset)
            // Offsets are below 2^63 / packs for any pack a file system holds; else the key is unused (-1).
            let (product, overflow) = offset.multipliedReportingOverflow(by: packs)
            key = overflow ? -1 : product + pack
        }
    }

    /// Types as a pack stores them.
    private enum EntryType: UInt8 {
        case commit = 1, tree = 2, blob = 3, tag = 4, offsetDelta = 6, referenceDelta = 7

        var objectType: git_object_t? {
            switch self {
            case .commit: GIT_OBJECT_COMMIT
            case .tree: GIT_OBJECT_TREE
            case .blob: GIT_OBJECT_BLOB
            case .tag: GIT_OBJECT_TAG
            case .offsetDelta, .referenceDelta: nil
            }
        }
    }

    /// Nil when the repository has no pack this reader can read.
    init?(objectsDirectory: String, budget: Int = 32 << 20) {
        let directory = objectsDirectory + (objectsDirectory.hasSuffix("/") ? "" : "/") + "pack/"
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".idx") }.sorted()
        packs = names.compactMap { name in
            let stem = directory + name.dropLast(4)
            return PackFile(indexPath: stem + ".idx", packPath: stem + ".pack")
        }
        guard !packs.isEmpty else { return nil }
        self.budget = budget
    }

    /// A second reader of the same packs, with its own lock, stream and base cache.
    init(sharing other: GitPackReader, budget: Int) {
        packs = other.packs
        self.budget = budget
    }

    deinit {
        if streamReady { inflateEnd(&stream) }
    }

    /// The object, or nil when no pack here holds it or its entry cannot be read (then libgit2 reads it).
    func read(_ id: git_oid) -> GitPackObject? {
        var oid = id
        return lock.withLock {
            for (number, pack) in packs.enumerated() {
                if let offset = pack.offset(of: &oid) { return object(in: number, at: offset) }
            }
            return nil
        }
    }

    /// A delta met on the way to a base: where its data starts and its inflated size.
    private struct Delta {
        let dataStart: Int
        let size: Int
    }

    /// Deepest delta chain followed (git's own default `--depth` is 50; a reference cycle ends here).
    static let maximumChain = 10_000

    private func object(in number: Int, at start: Int) -> GitPackObject? {
        let pack = packs[number]
        var chain: [(place: PackPlace, delta: Delta)] = []
        var offset = start
        var base: GitPackObject?
        while base == nil {
            let place = PackPlace(pack: number, offset: offset, packs: packs.count)
            if let cached = cachedBase(place) {
                base = cached
                break
            }
            guard chain.count < Self.maximumChain, let header = entryHeader(pack, at: offset) else { return nil }
            switch header.type {
            case .offsetDelta:
                guard let distance = Self.baseDistance(pack.pack.bytes, at: header.dataStart), distance.value > 0,
                      distance.value <= offset else { return nil }
                chain.append((place, Delta(dataStart: distance.end, size: header.size)))
                offset -= distance.value
            case .referenceDelta:
                let end = header.dataStart + PackFile.idSize
                guard end <= pack.pack.bytes.count, let idStart = pack.pack.bytes.baseAddress.map({ $0 + header.dataStart }) else { return nil }
                // The base must be in the same pack (a repository's packs are never thin).
                let baseOffset = UnsafeRawPointer(idStart).withMemoryRebound(to: git_oid.self, capacity: 1) { pack.offset(of: $0) }
                guard let baseOffset else { return nil }
                chain.append((place, Delta(dataStart: end, size: header.size)))
                offset = baseOffset
            default:
                guard let type = header.type.objectType, let whole = inflated(pack, from: header.dataStart, size: header.size, type: type) else { return nil }
                if !chain.isEmpty { remember(whole, at: place) }
                base = whole
            }
        }
        guard var result = base else { return nil }
        // Apply the deltas from the base up; every intermediate result is the next delta's base.
        for (position, link) in chain.enumerated().reversed() {
            guard let delta = inflated(pack, from: link.delta.dataStart, size: link.delta.size, type: GIT_OBJECT_INVALID),
                  let applied = Self.apply(UnsafeBufferPointer(delta.bytes), to: result) else { return nil }
            if position > 0 { remember(applied, at: link.place) }
            result = applied
        }
        return result
    }

    private func cachedBase(_ place: PackPlace) -> GitPackObject? {
        if let found = bases[place.key] { return found }
        guard let found = olderBases.removeValue(forKey: place.key) else { return nil }
        remember(found, at: place)
        return found
    }

    private func remember(_ object: GitPackObject, at place: PackPlace) {
        guard place.key >= 0, object.bytes.count <= budget / 4 else { return }
        if basesBytes + object.bytes.count > budget / 2 {
            olderBases = bases
            bases = [:]
            basesBytes = 0
        }
        bases[place.key] = object
        basesBytes += object.bytes.count
    }

    /// An entry's type, inflated size and where its data starts.
    private func entryHeader(_ pack: PackFile, at offset: Int) -> (type: EntryType, size: Int, dataStart: Int)? {
        let bytes = pack.pack.bytes
        // The pack's own header is 12 bytes and its checksum the last 20.
        guard offset >= 12, offset < bytes.count - 20 else { return nil }
        var position = offset
        var byte = bytes[position]
        guard let type = EntryType(rawValue: (byte >> 4) & 7) else { return nil }
        var size = Int(byte & 0x0F)
        var shift = 4
        while byte & 0x80 != 0 {
            position += 1
            guard position < bytes.count, shift <= 56 else { return nil }
            byte = bytes[position]
            size |= Int(byte & 0x7F) << shift
            shift += 7
        }
        return (type, size, position + 1)
    }

    /// An offset delta's distance back to its base (git's big-endian base-128 with an offset per byte).
    private static func baseDistance(_ bytes: UnsafeBufferPointer<UInt8>, at start: Int) -> (value: Int, end: Int)? {
        var position = start
        guard position < bytes.count else { return nil }
        var byte = bytes[position]
        var value = Int(byte & 0x7F)
        while byte & 0x80 != 0 {
            position += 1
            guard position < bytes.count, value < Int.max >> 8 else { return nil }
            byte = bytes[position]
            value = ((value + 1) << 7) | Int(byte & 0x7F)
        }
        return (value, position + 1)
    }

    /// Inflates exactly `size` bytes of zlib data starting at `start`.
    private func inflated(_ pack: PackFile, from start: Int, size: Int, type: git_object_t) -> GitPackObject? {
        let bytes = pack.pack.bytes
        // zlib expands at most ~1,032 times: a larger size is a damaged header, not worth allocating.
        guard let base = bytes.baseAddress, start < bytes.count, size >= 0, size < Int(UInt32.max),
              size <= (bytes.count - start) * 1032 + 1024 else { return nil }
        if !streamReady {
            guard rbc_inflate_init(&stream) == Z_OK else { return nil }
            streamReady = true
        } else {
            guard inflateReset(&stream) == Z_OK else { return nil }
        }
        let object = GitPackObject(type: type, count: size)
        stream.next_in = UnsafeMutablePointer(mutating: base + start)
        stream.avail_in = UInt32(min(bytes.count - start, Int(UInt32.max)))
        stream.next_out = object.bytes.baseAddress
        stream.avail_out = UInt32(size)
        let status = inflate(&stream, Z_FINISH)
        guard status == Z_STREAM_END, stream.total_out == UInt(size) else { return nil }
        return object
    }

    /// git's delta format: the base's and the result's sizes, then copies from the base and inserts.
    static func apply(_ delta: UnsafeBufferPointer<UInt8>, to base: GitPackObject) -> GitPackObject? {
        var position = 0
        func size() -> Int? {
            var value = 0
            var shift = 0
            while position < delta.count {
                let byte = delta[position]
                position += 1
                value |= Int(byte & 0x7F) << shift
                if byte & 0x80 == 0 { return value }
                shift += 7
                if shift > 56 { return nil }
            }
            return nil
        }
        // Each command adds at most a copy of the whole base or 127 inserted bytes: a larger result
        // size is a damaged delta, not worth allocating.
        guard let baseSize = size(), baseSize == base.bytes.count, let resultSize = size(),
              resultSize <= delta.count * max(baseSize, 128) else { return nil }
        let result = GitPackObject(type: base.type, count: resultSize)
        guard let output = result.bytes.baseAddress else { return nil }
        var written = 0
        while position < delta.count {
            let command = delta[position]
            position += 1
            if command & 0x80 != 0 {
                var copyOffset = 0
                var copySize = 0
                for bit in 0..<4 where command & (1 << bit) != 0 {
                    guard position < delta.count else { return nil }
                    copyOffset |= Int(delta[position]) << (8 * bit)
                    position += 1
                }
                for bit in 0..<3 where command & (0x10 << bit) != 0 {
                    guard position < delta.count else { return nil }
                    copySize |= Int(delta[position]) << (8 * bit)
                    position += 1
                }
                if copySize == 0 { copySize = 0x10000 }
                guard copyOffset + copySize <= base.bytes.count, written + copySize <= resultSize,
                      let source = base.bytes.baseAddress else { return nil }
                memcpy(output + written, source + copyOffset, copySize)
                written += copySize
            } else if command != 0 {
                let count = Int(command)
                guard position + count <= delta.count, written + count <= resultSize, let source = delta.baseAddress else { return nil }
                memcpy(output + written, source + position, count)
                position += count
                written += count
            } else {
                return nil
            }
        }
        return written == resultSize ? result : nil
    }
}

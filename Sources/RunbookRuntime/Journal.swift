// The audit journal: one JSON object per line in `.rbc/runs/<run-id>.jsonl`, each appended and
// fsync'd before the action it announces, so a run killed at any moment can be inspected, rolled
// back and resumed from what is on disk.

import Foundation
import RunbookSema
import RunbookSource
#if canImport(Glibc)
import Glibc
#endif

public enum JournalError: Error, CustomStringConvertible {
    case io(String)
    /// An append or its sync failed (a full disk, an I/O error); the journal was cut back to its last
    /// complete line.
    case writeFailed(String)
    case newerVersion(String)
    case malformed(String, Int)
    /// Another rbc holds the journal: the run is still going, or being rolled back or resumed.
    case busy(String)
    /// Something planted where rbc keeps journals that it will not use (a link at the lock's name,
    /// or as `.rbc` or `.rbc/runs`).
    case unsafe(String)
    /// A directory of the journal's path is not there (`openDirectory` without `create`).
    case missingDirectory(String)

    public var description: String {
        switch self {
        case .io(let message), .writeFailed(let message), .unsafe(let message): message
        case .newerVersion(let version): "the journal was written by a newer rbc (\(version)); upgrade rbc to read it"
        case .malformed(let path, let line): "\(path):\(line): not a journal line"
        case .missingDirectory(let path): "\(path) does not exist"
        case .busy(let path): "\(path) is in use by another rbc (the run is still going, or being rolled back or resumed); wait for it to end"
        }
    }
}

/// `fallocate(2)` is not in Swift's Glibc module; the symbol takes only integers, so a direct
/// binding is sound on Linux.
@_silgen_name("fallocate") private func fallocateKeepingSize(_ descriptor: Int32, _ mode: Int32, _ offset: Int, _ length: Int) -> Int32
private let fallocateKeepSize: Int32 = 1 // FALLOC_FL_KEEP_SIZE

// @unchecked: the descriptor's appends and reservations, `sequence`, `committedLength` and `canReserve`
// change only under `lock`; `redactor` is set once, by the Executor's init, before any append.
public final class Journal: @unchecked Sendable {
    public static let version = "rbc.journal/v1"

    public let path: String
    /// Replaced only when the file was removed under rbc and written again (`stillAtItsPath`).
    private var descriptor: Int32
    /// The directory the journal is in, opened once (see `openDirectory`): the file is created,
    /// checked and written again through it, so a directory swapped under rbc (or for a link)
    /// cannot redirect what is written. Replaced only when the directory was removed and made again.
    private var directoryDescriptor: Int32
    private let directoryPath: String
    private let name: String
    private var sequence: Int
    /// Masks secrets in every event before it is written.
    public var redactor: Redactor?
    /// Authenticates every line written (nil: lines go unauthenticated), chained from `previousMAC`.
    private let key: JournalKey?
    private var previousMAC: String
    /// The file's length after the last complete line: a failed append is cut back to it.
    private var committedLength: Int
    /// Whether the filesystem can reserve room beyond the end of the file (not every one can).
    private var canReserve = true
    private let lock = NSLock()
    /// Test hook for fault injection: the process kills itself right after this event is on disk.
    private let killAfter: Int? = ProcessInfo.processInfo.environment["RBC_FAULT_KILL_AFTER_EVENT"].flatMap { Int($0) }

    private init(path: String, descriptor: Int32, directory: Int32, sequence: Int, length: Int, key: JournalKey?, previousMAC: String) {
        self.path = path
        self.descriptor = descriptor
        self.directoryDescriptor = directory
        let parent = PathText.parent(of: path)
        self.directoryPath = parent.isEmpty ? "." : parent
        self.name = (path as NSString).lastPathComponent
        self.sequence = sequence
        self.committedLength = length
        self.key = key
        self.previousMAC = previousMAC
    }

    deinit {
        close(descriptor)
        close(directoryDescriptor)
    }

    /// The directory holding an existing journal, opened once without following links; a missing
    /// one is told as the journal being missing (`cannot read the journal …`).
    static func openDirectory(holding path: String, toDo verb: String) throws -> Int32 {
        let parent = PathText.parent(of: path)
        do {
            return try openDirectory(parent.isEmpty ? "." : parent, create: false)
        } catch JournalError.missingDirectory {
            throw JournalError.io("cannot \(verb) the journal \(path): \(String(cString: strerror(ENOENT)))")
        }
    }

    /// The directory `path`, opened as a descriptor to work through. rbc's own `.rbc/runs` (the last
    /// two components when the path ends so) is never reached through a symbolic link: a link there
    /// (committed to a repository, or swapped in during a run) would send journals — which keep what
    /// commands printed — wherever it points, and have `rbc rollback last` read whatever is there.
    /// It is refused (`unsafe`), not followed. The directories above are followed once, here.
    /// With `create`, missing directories are made (`0700`).
    public static func openDirectory(_ path: String, create: Bool) throws -> Int32 {
        let trimmed = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
        var base = trimmed
        var own: [String] = []
        if trimmed == ".rbc/runs" || trimmed.hasSuffix("/.rbc/runs") {
            base = String(trimmed.dropLast(".rbc/runs".count))
            if base.count > 1, base.hasSuffix("/") { base.removeLast() }
            own = [".rbc", "runs"]
        }
        if base.isEmpty { base = "." }
        if create, own.isEmpty || !FileManager.default.fileExists(atPath: base) {
            do {
                try FileManager.default.createDirectory(atPath: own.isEmpty ? trimmed : base, withIntermediateDirectories: true,
                                                        attributes: [.posixPermissions: 0o700])
            } catch {
                throw JournalError.io("cannot create \(path): \(error.localizedDescription)")
            }
        }
        var descriptor = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw JournalError.io("cannot open \(base): \(errnoText())") }
        var reached = base == "." ? "" : base
        for component in own {
            reached += (reached.isEmpty || reached.hasSuffix("/") ? "" : "/") + component
            var next = openat(descriptor, component, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            if next < 0, errno == ENOENT, create {
                if mkdirat(descriptor, component, 0o700) != 0, errno != EEXIST {
                    let reason = errnoText()
                    close(descriptor)
                    throw JournalError.io("cannot create \(reached): \(reason)")
                }
                next = openat(descriptor, component, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            }
            if next < 0 {
                let reason = errno
                var info = stat()
                let isLink = fstatat(descriptor, component, &info, AT_SYMLINK_NOFOLLOW) == 0 && info.st_mode & S_IFMT == S_IFLNK
                close(descriptor)
                if isLink {
                    throw JournalError.unsafe("\(reached) is a symbolic link; rbc keeps journals only in a directory of its own and does not follow a link there (remove the link: rbc makes the directory)")
                }
                if reason == ENOENT { throw JournalError.missingDirectory(reached) }
                throw JournalError.io("cannot open \(reached): \(reason == ENOTDIR ? "it is not a directory" : String(cString: strerror(reason)))")
            }
            close(descriptor)
            descriptor = next
        }
        return descriptor
    }

    /// The journals' names in a directory opened by `openDirectory`, newest first.
    static func journalNames(in directory: Int32) -> [String] {
        let copy = dup(directory)
        guard copy >= 0, let stream = fdopendir(copy) else {
            if copy >= 0 { close(copy) }
            return []
        }
        defer { closedir(stream) }
        rewinddir(stream)
        var names: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self) }
            if name.hasSuffix(".jsonl") { names.append(name) }
        }
        return names.sorted(by: >)
    }

    /// Creates the journal of a new run in `directory`, named by a run id later than every run id
    /// already there (to the millisecond), and locked for this process. With `reserveBytes`, that
    /// much room is set aside first; none means the run does not start. With `key`, every line is
    /// authenticated. `note` hears of a runs directory rbc tightened.
    public static func create(in directory: String, reserveBytes: Int = 0, now: Date = Journal.now(), key: JournalKey? = nil,
                              note: (String) -> Void = { _ in }) throws -> (id: String, journal: Journal) {
        // Journals keep what commands printed: the directories rbc creates for them are the owner's alone.
        let directoryDescriptor = try openDirectory(directory, create: true)
        var handedOver = false
        defer { if !handedOver { close(directoryDescriptor) } }
        tighten(directoryDescriptor, directory, note: note)
        // Run ids are allocated under a lock on the directory, so two runs started in the same
        // millisecond still get ids in the order they started, and `last` is never ambiguous.
        // Never through a link: one planted at the lock's name would have rbc create (or open) the
        // file it points to, anywhere.
        let lockDescriptor = openat(directoryDescriptor, ".lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard lockDescriptor >= 0 else {
            if errno == ELOOP { throw JournalError.unsafe("\(directory)/.lock is a symbolic link; rbc does not follow it (remove it)") }
            throw JournalError.io("cannot lock \(directory): \(errnoText())")
        }
        defer { close(lockDescriptor) }
        while flock(lockDescriptor, LOCK_EX) != 0 {
            guard errno == EINTR else { throw JournalError.io("cannot lock \(directory): \(errnoText())") }
        }
        let newest = journalNames(in: directoryDescriptor).first.flatMap(runIDDate)
        var date = now
        if let newest, date.timeIntervalSince(newest) < 0.001 { date = newest.addingTimeInterval(0.001) }
        let id = newRunID(date)
        let name = "\(id).jsonl"
        let path = directory + "/" + name
        // Read-write: a journal removed during the run is written again from these bytes.
        let descriptor = openat(directoryDescriptor, name, O_RDWR | O_CREAT | O_EXCL | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw JournalError.io("cannot create the journal \(path): \(errnoText())") }
        // Waited for, not tried: a `rbc rollback last` that opened the new, empty file first lets go
        // at once (it is no run yet), and the run must hold its journal before its first event.
        while flock(descriptor, LOCK_EX) != 0, errno == EINTR {}
        handedOver = true
        let journal = Journal(path: path, descriptor: descriptor, directory: directoryDescriptor, sequence: 0, length: 0, key: key, previousMAC: "")
        do {
            try journal.reserve(bytes: reserveBytes)
        } catch {
            journal.discard()
            throw error
        }
        // The new file's name must survive a crash too: sync the directory.
        fsync(directoryDescriptor)
        return (id, journal)
    }

    /// Removes the journal of a run that never started (nothing could be journaled), from the
    /// directory it was created in.
    public func discard() {
        lock.lock()
        defer { lock.unlock() }
        unlinkat(directoryDescriptor, name, 0)
        fsync(directoryDescriptor)
    }

    /// A runs directory an older rbc (or a person) made open to others, and that is ours: made the
    /// owner's alone, as rbc makes it. Another user's directory is left as it is (rbc cannot change it;
    /// its journals are still 0600, and authenticated).
    static func tighten(_ descriptor: Int32, _ directory: String, note: (String) -> Void) {
        var info = stat()
        guard fstat(descriptor, &info) == 0, info.st_mode & S_IFMT == S_IFDIR, info.st_uid == geteuid(), info.st_mode & 0o077 != 0 else { return }
        let before = String(info.st_mode & 0o777, radix: 8)
        if fchmod(descriptor, 0o700) == 0 {
            note("\(directory) was open to others (mode 0\(before)); journals keep what commands printed, so it is now 0700")
        }
    }

    /// A past run's journal, opened and locked once for `rbc rollback` and `rbc resume`: the bytes read
    /// from the descriptor are the bytes checked and acted on, and what is appended goes to that same
    /// file, whatever happens to its name meanwhile (replaced, or made a link, between check and use).
    /// Busy when another rbc holds it (the run is still going, or being rolled back or resumed).
    public static func openPast(_ path: String) throws -> PastJournal {
        // Through its directory, opened once (a linked `.rbc/runs` is refused): what is appended, and
        // a journal written again after it was removed, go where the journal was read from.
        let directory = try openDirectory(holding: path, toDo: "open")
        let name = (path as NSString).lastPathComponent
        // Non-blocking: a FIFO planted under a journal's name must not hang rbc; it is refused below.
        var descriptor = openat(directory, name, O_RDWR | O_APPEND | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)
        var writable = true
        if descriptor < 0, errno == EACCES || errno == EROFS {
            // Read (and checked) all the same, so an unauthenticated one is refused as such; it
            // cannot be continued.
            descriptor = openat(directory, name, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)
            writable = false
        }
        guard descriptor >= 0 else {
            let reason = errnoText()
            close(directory)
            throw JournalError.io("cannot open the journal \(path): \(reason)")
        }
        func fail(_ error: JournalError) -> JournalError {
            close(descriptor)
            close(directory)
            return error
        }
        var info = stat()
        guard fstat(descriptor, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { throw fail(.io("\(path) is not a regular file, so not a journal")) }
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) & ~O_NONBLOCK)
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else { throw fail(.busy(path)) }
        let data: Data
        do {
            data = try readAll(descriptor, path: path)
        } catch let error as JournalError {
            throw fail(error)
        }
        return PastJournal(path: path, descriptor: descriptor, directory: directory, data: data, writable: writable)
    }

    /// Continues a past run's journal (opened by `openPast`) after its last complete line: a line torn
    /// by a crash is cut off first, so what follows never turns the journal into something
    /// unreadable. With `key` and the MAC of the journal's last line (the journal was authenticated),
    /// what is appended is authenticated too; otherwise it is not.
    public static func reopen(_ past: PastJournal, continuingAfter sequence: Int, key: JournalKey? = nil, lastMAC: String? = nil) throws -> Journal {
        guard past.writable else { throw JournalError.io("cannot write the journal \(past.path): \(String(cString: strerror(EACCES)))") }
        let complete = (past.data.lastIndex(of: 0x0A).map { $0 + 1 }) ?? 0
        // Its own descriptor of the same open file: the lock (held by the open file) stays while either lives.
        let descriptor = fcntl(past.descriptor, F_DUPFD_CLOEXEC, 0)
        guard descriptor >= 0 else { throw JournalError.io("cannot open the journal \(past.path): \(errnoText())") }
        let directory = fcntl(past.directoryDescriptor, F_DUPFD_CLOEXEC, 0)
        guard directory >= 0 else {
            let reason = errnoText()
            close(descriptor)
            throw JournalError.io("cannot open the journal \(past.path): \(reason)")
        }
        if complete < past.data.count {
            guard ftruncate(descriptor, off_t(complete)) == 0, fsync(descriptor) == 0 else {
                let reason = errnoText()
                close(descriptor)
                close(directory)
                throw JournalError.io("cannot cut the torn last line of \(past.path): \(reason)")
            }
        }
        return Journal(path: past.path, descriptor: descriptor, directory: directory, sequence: sequence, length: complete,
                       key: lastMAC == nil ? nil : key, previousMAC: lastMAC ?? "")
    }

    /// The most a journal may hold: rbc reads one whole, so a file of gigabytes under a journal's
    /// name (or a run gone wild) must not take all memory. A run's journal never grows past it
    /// (an append that would is a journal failure), so every journal rbc wrote can be read back.
    public static let maximumBytes = 512 * 1024 * 1024

    /// Everything a descriptor holds from its start, at most `maximumBytes` (checked before reading,
    /// and again while reading, for a file that grows meanwhile).
    static func readAll(_ descriptor: Int32, path: String) throws -> Data {
        let tooLarge = JournalError.io("\(path) is larger than \(maximumBytes / (1024 * 1024)) MiB, more than any journal rbc writes; it is not read")
        var info = stat()
        if fstat(descriptor, &info) == 0, Int(info.st_size) > maximumBytes { throw tooLarge }
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var offset: off_t = 0
        while true {
            let count = pread(descriptor, &buffer, buffer.count, offset)
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else { throw JournalError.io("cannot read the journal \(path): \(errnoText())") }
            if count == 0 { return data }
            guard data.count + count <= maximumBytes else { throw tooLarge }
            data.append(contentsOf: buffer[0..<count])
            offset += off_t(count)
        }
    }

    /// Sets aside `bytes` of room beyond the journal's end, so the events that stop a run and roll
    /// it back still fit when the filesystem fills up. Throws when that room is not there.
    public func reserve(bytes: Int) throws {
        lock.lock()
        defer { lock.unlock() }
        guard bytes > 0, canReserve else { return }
        if let fullFrom, sequence + 1 >= fullFrom {
            throw JournalError.writeFailed("cannot reserve \(bytes / 1024) KiB for the journal \(path): \(String(cString: strerror(ENOSPC)))")
        }
        if fallocateKeepingSize(descriptor, fallocateKeepSize, committedLength, bytes) != 0 {
            if errno == EOPNOTSUPP || errno == ENOSYS || errno == EINVAL {
                canReserve = false // a filesystem that cannot reserve: appends are checked one by one
                return
            }
            throw JournalError.writeFailed("cannot reserve \(bytes / 1024) KiB for the journal \(path): \(Self.errnoText())")
        }
    }

    /// Test hook where no small filesystem can be mounted: behave as if the filesystem filled up
    /// when the Nth event is written.
    private let fullFrom: Int? = ProcessInfo.processInfo.environment["RBC_FAULT_JOURNAL_FULL_AT_EVENT"].flatMap { Int($0) }

    /// How every event is written: sorted keys, so a journal reads the same bytes for the same events.
    public static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// Appends one event and fsyncs it; returns only once it is on disk. When the write or the sync
    /// fails, the file is cut back to its last complete line and the error thrown: the journal never
    /// ends in a fragment, and the caller must not perform what the event announces.
    @discardableResult
    public func append(_ event: JournalEvent) throws -> JournalEvent {
        lock.lock()
        defer { lock.unlock() }
        var stamped = redactor?.redact(event) ?? event
        stamped.seq = sequence + 1
        stamped.time = Self.timestamp()
        var data = try Self.encoder.encode(stamped)
        var mac: String?
        if let key {
            mac = key.mac(previous: previousMAC, line: data)
            data = Self.sealed(data, mac: mac ?? "")
        }
        data.append(0x0A)
        var failure: String?
        if committedLength + data.count > Self.maximumBytes {
            failure = "it would grow past \(Self.maximumBytes / (1024 * 1024)) MiB, more than rbc reads back"
        } else if let fullFrom, stamped.seq >= fullFrom {
            // Half a line reaches the disk, as when a filesystem fills up mid-write.
            _ = data.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count / 2) }
            failure = String(cString: strerror(ENOSPC))
        }
        if failure == nil {
            data.withUnsafeBytes { buffer in
                var offset = 0
                while offset < buffer.count {
                    let written = write(descriptor, buffer.baseAddress?.advanced(by: offset), buffer.count - offset)
                    if written < 0 {
                        if errno == EINTR { continue }
                        failure = Self.errnoText()
                        return
                    }
                    offset += written
                }
                if fsync(descriptor) != 0 { failure = Self.errnoText() }
            }
        }
        if failure == nil { failure = stillAtItsPath(length: committedLength + data.count) }
        if let failure {
            // Whatever part of the line reached the file goes: readers and later appends see only
            // complete lines.
            _ = ftruncate(descriptor, off_t(committedLength))
            _ = fsync(descriptor)
            throw JournalError.writeFailed("cannot write the journal \(path): \(failure)")
        }
        sequence += 1
        committedLength += data.count
        if let mac { previousMAC = mac }
        if let killAfter, killAfter == sequence { kill(getpid(), SIGKILL) }
        return stamped
    }

    /// Whether the file written is still the one at the journal's path, where every reader looks;
    /// nil when it is. A journal removed during the run (a step's `rm -rf .rbc` or `git clean -fdx`)
    /// would go on in a file nobody can open: it is written again, whole, at its path, and continued
    /// there. A path that now names another file, or whose directory is now another directory or a
    /// link, is not written to: the journal fails.
    private func stillAtItsPath(length: Int) -> String? {
        var mine = stat()
        guard fstat(descriptor, &mine) == 0 else { return Self.errnoText() }
        // The directory at the journal's path, reached as when it was created.
        var current: Int32
        do {
            current = try Self.openDirectory(directoryPath, create: false)
        } catch JournalError.missingDirectory {
            do { current = try Self.openDirectory(directoryPath, create: true) } catch {
                return "it was removed during the run and cannot be written again: \(error)"
            }
        } catch {
            return "\(error); it was put there during the run"
        }
        var held = stat()
        var found = stat()
        guard fstat(directoryDescriptor, &held) == 0, fstat(current, &found) == 0 else {
            close(current)
            return Self.errnoText()
        }
        if held.st_dev == found.st_dev && held.st_ino == found.st_ino {
            close(current)
        } else if held.st_nlink == 0 {
            // The journal's directory was removed (and perhaps made again): continue in the one at its path.
            close(directoryDescriptor)
            directoryDescriptor = current
        } else {
            close(current)
            return "\(directoryPath) was replaced by another directory during the run"
        }
        // Through a link (a journal path given to `rbc rollback` may be one): the file it names.
        var there = stat()
        if fstatat(directoryDescriptor, name, &there, 0) == 0 {
            return there.st_dev == mine.st_dev && there.st_ino == mine.st_ino ? nil : "\(path) was replaced by another file during the run"
        }
        let fresh = openat(directoryDescriptor, name, O_RDWR | O_CREAT | O_EXCL | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fresh >= 0 else { return "it was removed during the run and cannot be written again: \(Self.errnoText())" }
        flock(fresh, LOCK_EX | LOCK_NB)
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var offset = 0
        while offset < length {
            let count = pread(descriptor, &buffer, min(buffer.count, length - offset), off_t(offset))
            if count < 0, errno == EINTR { continue }
            guard count > 0, write(fresh, buffer, count) == count else {
                let reason = count < 0 ? Self.errnoText() : "cannot copy it"
                close(fresh)
                unlinkat(directoryDescriptor, name, 0)
                return "it was removed during the run and cannot be written again: \(reason)"
            }
            offset += count
        }
        guard fsync(fresh) == 0 else {
            let reason = Self.errnoText()
            close(fresh)
            unlinkat(directoryDescriptor, name, 0)
            return "it was removed during the run and cannot be written again: \(reason)"
        }
        fsync(directoryDescriptor)
        close(descriptor)
        descriptor = fresh
        return nil
    }

    /// Whether a text of an event (a reason, a message) quotes a journal failure: the phrases are
    /// those of `writeFailed` and of the reservation, written here and recognised here.
    public static func describesFailure(_ text: String) -> Bool {
        text.contains("cannot write the journal ") || (text.contains("cannot reserve ") && text.contains(" for the journal "))
    }

    static func errnoText() -> String { String(cString: strerror(errno)) }

    static func syncDirectory(_ directory: String) {
        let directoryDescriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directoryDescriptor >= 0 {
            fsync(directoryDescriptor)
            close(directoryDescriptor)
        }
    }

    /// The time events are stamped with. Test hook for golden files: with `RBC_TEST_CLOCK=TIME`, the
    /// first reading is that time and each later one a second after the one before, however fast
    /// (or slow) the machine ran.
    public static func now() -> Date { testClock?.tick() ?? Date() }

    private static let testClock: TestClock? = ProcessInfo.processInfo.environment["RBC_TEST_CLOCK"].flatMap(TestClock.init)

    public static var hasTestClock: Bool { testClock != nil }

    public static func timestamp(_ date: Date = Journal.now()) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }

    /// Reads a journal. A last line cut short by a crash is ignored; a journal of a newer format is refused.
    public static func read(_ path: String) throws -> [JournalEvent] {
        try read(path, authenticatingWith: nil).events
    }

    /// Reads a journal and tells whether `key` authenticates every line read, in order (with no
    /// key, it does not).
    public static func read(_ path: String, authenticatingWith key: Result<JournalKey, JournalKey.Problem>?) throws
        -> (events: [JournalEvent], authenticity: JournalAuthenticity) {
        // Non-blocking, and only a regular file: a FIFO or a device under a journal's name must not
        // hang or flood `rbc runs`.
        let directory = try openDirectory(holding: path, toDo: "read")
        defer { close(directory) }
        let descriptor = openat(directory, (path as NSString).lastPathComponent, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)
        guard descriptor >= 0 else { throw JournalError.io("cannot read the journal \(path): \(errnoText())") }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { throw JournalError.io("\(path) is not a regular file, so not a journal") }
        return try read(readAll(descriptor, path: path), path: path, authenticatingWith: key)
    }

    /// Reads a journal's bytes (see `read(_:authenticatingWith:)`).
    public static func read(_ data: Data, path: String, authenticatingWith key: Result<JournalKey, JournalKey.Problem>?) throws
        -> (events: [JournalEvent], authenticity: JournalAuthenticity) {
        let lines = data.split(separator: 0x0A, omittingEmptySubsequences: true)
        var events: [JournalEvent] = []
        var authenticity = JournalAuthenticity.authentic(lastMAC: "")
        switch key {
        case .failure(let problem)?: authenticity = .notAuthenticated("there is no journal key to check it with: \(problem)")
        case nil: authenticity = .notChecked
        case .success?: break
        }
        let decoder = JSONDecoder()
        for (index, line) in lines.enumerated() {
            if index == 0, let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any],
               let version = object["journalVersion"] as? String, version != Self.version {
                throw JournalError.newerVersion(version)
            }
            do {
                events.append(try decoder.decode(JournalEvent.self, from: Data(line)))
            } catch {
                // Only the very last line can be torn (the process died mid-write).
                if index == lines.count - 1 { break }
                throw JournalError.malformed(path, index + 1)
            }
            if case .success(let key)? = key, case .authentic(let previous) = authenticity {
                authenticity = authenticate(Array(line), number: index + 1, after: previous, key: key)
            }
        }
        return (events, authenticity)
    }

    /// `,"mac":"…"` before the line's closing brace.
    static func sealed(_ object: Data, mac: String) -> Data {
        var line = object.dropLast()
        line.append(contentsOf: Array(",\"mac\":\"\(mac)\"}".utf8))
        return Data(line)
    }

    /// Whether one line carries the MAC `key` gives its bytes after the line before's.
    static func authenticate(_ line: [UInt8], number: Int, after previous: String, key: JournalKey) -> JournalAuthenticity {
        let suffixLength = #","mac":""#.utf8.count + 64 + 2
        let macStart = line.count - 2 - 64
        guard line.count > suffixLength + 1, line[(line.count - suffixLength)..<macStart].elementsEqual(#","mac":""#.utf8),
              line[(line.count - 2)...].elementsEqual(#""}"#.utf8) else {
            return .notAuthenticated("line \(number) is not authenticated: an rbc before journal authentication wrote it, or it was written by hand")
        }
        let mac = String(decoding: line[macStart..<(line.count - 2)], as: UTF8.self)
        let object = line[..<(line.count - suffixLength)] + Array("}".utf8)
        guard key.mac(previous: previous, line: object) == mac else {
            return .notAuthenticated(number == 1
                ? "its first line does not match your journal key (\(key.path)): another user or machine wrote it, the key changed since, or the line was edited"
                : "line \(number) was changed, or lines before it removed or reordered, after rbc wrote it")
        }
        return .authentic(lastMAC: mac)
    }

    /// A run id that sorts by start time to the millisecond: `20261122T132800.123Z-4f2a` (the
    /// suffix keeps ids from different machines apart).
    public static func newRunID(_ date: Date = Journal.now()) -> String {
        let suffix = hasTestClock ? "0000" : String(UInt16.random(in: 0...UInt16.max), radix: 16)
        return runIDFormatter().string(from: date) + "-" + String(repeating: "0", count: 4 - suffix.count) + suffix
    }

    /// The start time a run id (or journal file name) carries, nil for an id of another form.
    static func runIDDate(_ name: String) -> Date? {
        let stamp = name.prefix { $0 != "-" }
        return runIDFormatter().date(from: String(stamp))
    }

    private static func runIDFormatter() -> DateFormatter {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss.SSS'Z'"
        return formatter
    }
}

/// Whether the journal's lines are the ones rbc wrote with this user's key.
/// A past run's journal held open and locked (see `Journal.openPast`).
// @unchecked: constant after init; the descriptor is closed once, by deinit.
public final class PastJournal: @unchecked Sendable {
    public let path: String
    let descriptor: Int32
    /// The directory it was opened in (see `Journal.openDirectory`).
    let directoryDescriptor: Int32
    /// The journal's bytes, read from the locked descriptor.
    public let data: Data
    /// Whether rbc may append to it (a journal it can only read is checked, never continued).
    let writable: Bool

    init(path: String, descriptor: Int32, directory: Int32, data: Data, writable: Bool) {
        self.path = path
        self.descriptor = descriptor
        self.directoryDescriptor = directory
        self.data = data
        self.writable = writable
    }

    deinit {
        close(descriptor)
        close(directoryDescriptor)
    }
}

public enum JournalAuthenticity: Sendable, Equatable {
    /// Every line read is authenticated; the last one's MAC continues the chain.
    case authentic(lastMAC: String)
    /// Why not (the first line that fails, or no key).
    case notAuthenticated(String)
    /// Read without a key to check it with (nothing is acted on, nothing said about it).
    case notChecked
}

/// `RBC_TEST_CLOCK`'s clock: a second per reading from a fixed start.
// @unchecked: the next reading is guarded by the lock.
private final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var next: Date

    init?(_ text: String) {
        let formatter = ISO8601DateFormatter()
        guard let start = formatter.date(from: text) else { return nil }
        next = start
    }

    func tick() -> Date {
        lock.lock()
        defer { lock.unlock() }
        let now = next
        next = next.addingTimeInterval(1)
        return now
    }
}

// The whole answer of `rbc check` as one cache entry: an unchanged tree is answered by reading one
// entry and checking each file's stat data, without reading, hashing or rendering anything.
//
// The entry is filed under what decides the answer besides the files (the build, `.rbc.yaml`, the
// working directory, today, the named paths, the output format) and lists every candidate file with
// the stat data taken before it was read (device, inode, size, mode, mtime and ctime in nanoseconds)
// and its per-file cache key (a SHA-256 of its bytes and settings). A file is taken as unchanged
// when its stat data is the same and was already old when the answer was computed (git's racy-clean
// rule: a file written in the same clock tick as it was read could change without its stat data
// changing), else when its key is the same. For output formats that render each diagnostic alone
// (text, concise, github), the entry keeps each file's rendered part, so a run where some files
// changed recomputes only those and splices them in.
//
// What else the answer read is kept with it and compared: with the history rules on, a snapshot of
// what they read from git (`HistorySnapshot`: each file's repository, path and state, each HEAD),
// taken before the run; alert rule files, the directories walked for them, what resolving their
// links listed and read, and parameter files, by stat data that must be old at the entry's moment.
// With the history rules on, each file's record also keeps its history findings' key (its place in
// history: path in the repository, state, last change); when the snapshot differs (a new commit, an
// amend, an edit) the keys of the unchanged files are computed again from a walk of the new commits
// only, and just the files whose bytes or key changed are checked again and spliced in. Answers with
// alert rules or parameters are only reused whole: a changed file means a full run. Incident
// records, `--fix` and `--baseline` runs do not use the entry; `--changed-since`/`--staged` do (the
// entry lists the candidates the diff gave).

import Dispatch
import Foundation
import RunbookLint
import RunbookSource

/// A file's stat data, as git's index keeps it.
struct FileStamp: Equatable, Sendable {
    var device = 0, inode = 0, size = 0, mode = 0, modified = 0, changed = 0

    /// stat(2), following links as reading the file does; nil when the file cannot be stat'ed.
    static func of(_ path: String) -> FileStamp? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return FileStamp(device: Int(info.st_dev), inode: Int(info.st_ino), size: Int(info.st_size), mode: Int(info.st_mode),
                         modified: info.st_mtim.tv_sec * 1_000_000_000 + info.st_mtim.tv_nsec,
                         changed: info.st_ctim.tv_sec * 1_000_000_000 + info.st_ctim.tv_nsec)
    }

    /// Written before `moment` by more than any file system's timestamp granularity (FAT's 2 s), so
    /// a later write to the file is bound to change its mtime or ctime.
    func settled(before moment: Int) -> Bool {
        let margin = 3_000_000_000
        return modified < moment - margin && changed < moment - margin
    }

    /// stat(2) of many paths, each relative to an open descriptor of its directory, kept while the
    /// next path is in the same directory (a walk lists a directory's files together): the kernel then
    /// looks up one name per file instead of every directory above it.
    struct Reader {
        private var directory: [UInt8] = []
        private var descriptor: Int32 = -1

        mutating func stamp(_ path: String) -> FileStamp? {
            var info = stat()
            let found: Bool = path.withCString { pointer in
                let length = strlen(pointer)
                var slash = length
                while slash > 0, pointer[slash - 1] != 0x2F { slash -= 1 }
                // "name" or "/name": nothing to gain from a directory descriptor.
                guard slash > 1 else { return stat(pointer, &info) == 0 }
                let folder = UnsafeRawBufferPointer(start: pointer, count: slash - 1)
                if descriptor < 0 || !folder.elementsEqual(directory) {
                    close()
                    directory = Array(folder)
                    descriptor = (directory + [0]).withUnsafeBufferPointer { name in
                        name.baseAddress!.withMemoryRebound(to: CChar.self, capacity: name.count) { open($0, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
                    }
                }
                guard descriptor >= 0 else { return stat(pointer, &info) == 0 }
                return fstatat(descriptor, pointer + slash, &info, 0) == 0
            }
            guard found else { return nil }
            return FileStamp(device: Int(info.st_dev), inode: Int(info.st_ino), size: Int(info.st_size), mode: Int(info.st_mode),
                             modified: info.st_mtim.tv_sec * 1_000_000_000 + info.st_mtim.tv_nsec,
                             changed: info.st_ctim.tv_sec * 1_000_000_000 + info.st_ctim.tv_nsec)
        }

        /// Each path's stat data, taken on every core (a slice of the paths each, so one directory's
        /// files mostly share a descriptor): stat-ing 10,000 files is much of a warm run.
        static func stamps(of paths: [String]) -> [FileStamp?] {
            let slices = min(max(1, ProcessInfo.processInfo.activeProcessorCount), max(1, paths.count / 1000))
            let results = StampSlices(count: slices)
            DispatchQueue.concurrentPerform(iterations: slices) { slice in
                var reader = Reader()
                defer { reader.close() }
                let range = (paths.count * slice / slices)..<(paths.count * (slice + 1) / slices)
                results.set(slice, range.map { reader.stamp(paths[$0]) })
            }
            return results.joined()
        }

        mutating func close() {
            if descriptor >= 0 { Glibc.close(descriptor) }
            descriptor = -1
            directory = []
        }
    }

    static func wallClockNanoseconds() -> Int {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return now.tv_sec * 1_000_000_000 + now.tv_nsec
    }
}

/// The slices of `FileStamp.Reader.stamps`, filled from several threads.
// @unchecked: `slices` is touched only under `lock`.
private final class StampSlices: @unchecked Sendable {
    private var slices: [[FileStamp?]]
    private let lock = NSLock()

    init(count: Int) { slices = Array(repeating: [], count: count) }

    func set(_ index: Int, _ stamps: [FileStamp?]) {
        lock.lock()
        slices[index] = stamps
        lock.unlock()
    }

    func joined() -> [FileStamp?] {
        lock.lock()
        defer { lock.unlock() }
        return Array(slices.joined())
    }
}

/// What a run saw of one candidate: its stat data before reading it, and its per-file cache key.
struct FileObservation: Sendable {
    var stamp: FileStamp?
    var key: String?
}

/// A full run as the whole-answer cache needs it.
struct ObservedRun {
    var candidates: [RunbookCandidate]
    var files: [CheckSession.ProcessedFile?]
    var observations: [FileObservation]
    /// No diagnostic but the files' own (no configuration, discovery or ShellCheck run-level notes).
    var everyDiagnosticIsAFiles: Bool
    var cache: CheckCache?
    /// Files and directories read besides the candidates: alert rules and what resolving their links
    /// listed and read (`AlertIndex.reads`), parameter files.
    var reads: [String] = []
    /// With the history rules on: each file's history findings and their key, by path.
    var history: [String: GitChecks.FileFindings]?
}

/// What `rbc check` prints: the rendered diagnostics, the summary and the exit code.
public struct CheckAnswer: Sendable {
    public var output: RenderedOutput
    public var summary: RenderSummary
    public var incidentRecords = 0
    public var exitCode: Int32
    public var timings: [(String, Double)] = []
    /// Runbooks whose answer came from the cache (`--timings`).
    public var cachedFiles = 0
    public var historyCachedFiles: Int?
    /// How the whole-answer entry served this run (`--timings`).
    public var answerCache: AnswerCacheUse = .notUsed
    /// What the answer was read from (the decoded entry, the history snapshot), held so that a caller
    /// about to exit does not free it object by object first.
    public var retained: Retained?

    // @unchecked: never read, only held.
    public final class Retained: @unchecked Sendable {
        let values: [Any]
        init(_ values: [Any]) { self.values = values }
    }
}

/// Rendered diagnostics: rendered by this run, or the whole-answer entry's bytes, printed as stored
/// (UTF-8 rendered by the run that wrote them): decoding 2.9 MB into a `String` again only to print
/// it was a thirtieth of a warm check.
public enum RenderedOutput: Sendable {
    case text(String)
    case stored(ArraySlice<UInt8>)

    public func withBytes<Result>(_ body: (UnsafeRawBufferPointer) -> Result) -> Result {
        switch self {
        case .text(var text): return text.withUTF8 { body(UnsafeRawBufferPointer($0)) }
        case .stored(let bytes): return bytes.withUnsafeBytes(body)
        }
    }

    public var text: String {
        switch self {
        case .text(let text): text
        case .stored(let bytes): String(decoding: bytes, as: UTF8.self)
        }
    }
}

public enum AnswerCacheUse: Sendable, Equatable {
    /// The run is of a kind the entry does not cover (incident records, changed files,
    /// `--no-cache`), or no entry was found, or what it depends on changed.
    case notUsed
    /// Every file was unchanged: the stored answer was printed.
    case whole
    /// These many files changed and were checked again; the others' parts were reused.
    case spliced(Int)
}

/// The stored answer of a run.
///
/// Encoded as a header, one record per file, the files' output order, and the files' rendered parts
/// laid end to end in that order: the stored output itself, so an unchanged tree prints it as read,
/// and a changed file's part is replaced by copying the slices around it (no part is decoded).
///
/// A run that changes a few files' records writes only those, as the entry's changes (a second,
/// small entry naming the stored entry it applies to by `identity`), not the whole entry again;
/// when the changes grow past `changesLimit` files the whole entry is written afresh.
struct AnswerEntry {
    struct File {
        var path: String
        var explicit: Bool
        var walkRoot: String?
        var stamp: FileStamp
        /// The per-file cache key (hex, as UTF-8): compared only for files whose stat data tells nothing.
        var key: ArraySlice<UInt8>
        /// With the history rules on, the key of the file's history findings (`GitChecks.FindingsCache`,
        /// hex, as UTF-8), which names its place in history; empty for a file the rules do not read
        /// (not a runbook, or one that does not compile to a lintable form, which its bytes decide).
        var historyKey: ArraySlice<UInt8> = []
        /// A runbook (it has an answer; counted as checked).
        var checked: Bool
        /// This file's diagnostics as the renderer shows them (fragment mode only), as UTF-8.
        var fragment: ArraySlice<UInt8>
        var errors = 0, warnings = 0, infos = 0, safeFixes = 0, unsafeFixes = 0
        var failing = false, usage = false
    }

    /// The moment the run that wrote the entry began (wall clock, ns): stat data older than this
    /// (by `FileStamp.settled`) is trusted without reading the file.
    var moment: Int
    var files: [File]
    /// The indices of `files` in output order (by path: diagnostics sort by path first).
    var order: [Int]
    /// The complete output, when it is not the concatenation of the files' parts.
    var whole: String?
    var summary: RenderSummary
    var exitCode: Int32
    /// What discovery reported besides the files: walked directories and their diagnostics.
    var discoverySignature: [String]
    /// With the history rules on: what they read from git (`HistorySnapshot`), taken before the run.
    var history: HistorySnapshot?
    /// The stat data of every other file or directory the answer read (nil: it did not exist), taken
    /// after the run: one changed since is unsettled at this entry's moment, so it is never trusted.
    var reads: [(path: String, stamp: FileStamp?)] = []
    /// The stored concatenation of the parts, while no part has been replaced (the output as read).
    var storedOutput: ArraySlice<UInt8>?
    /// Names this entry as written, so that changes written for it are never applied to another.
    var identity = UInt64.random(in: 1...UInt64.max)
    /// The files whose records differ from the written entry (to be written as its changes).
    var changed: Set<Int> = []

    static let formatMark = 5
    static let changesMark = 2

    /// Up to this many changed files are written as changes rather than as a new entry.
    var changesLimit: Int { max(16, files.count / 32) }

    /// The files' indices sorted by path.
    static func outputOrder(_ files: [File]) -> [Int] {
        files.indices.sorted { files[$0].path < files[$1].path }
    }

    mutating func replace(_ index: Int, with file: File) {
        files[index] = file
        storedOutput = nil
        changed.insert(index)
    }

    /// Writes what changed since the entry was read (or the entry afresh when that is much).
    func store(in store: ContentCache, key: String) {
        if changed.isEmpty { return }
        if changed.count <= changesLimit {
            store.put("answer-changes", key, encodedChanges())
        } else {
            var fresh = self
            fresh.identity = UInt64.random(in: 1...UInt64.max)
            fresh.changed = []
            store.put("answer", key, fresh.encoded())
        }
    }

    /// A file's record; its part is placed by `offset` (the entry) or follows the record (changes).
    static func encode(_ file: File, offset: Int, into writer: inout CacheWriter) {
        writer.string(file.path)
        writer.int(file.explicit ? 1 : 0)
        writer.optionalString(file.walkRoot)
        for value in [file.stamp.device, file.stamp.inode, file.stamp.size, file.stamp.mode, file.stamp.modified, file.stamp.changed] {
            writer.int(value)
        }
        writer.data(file.key)
        writer.data(file.historyKey)
        writer.int((file.checked ? 1 : 0) | (file.failing ? 2 : 0) | (file.usage ? 4 : 0))
        writer.int(offset)
        writer.int(file.fragment.count)
        for count in [file.errors, file.warnings, file.infos, file.safeFixes, file.unsafeFixes] { writer.int(count) }
    }

    /// A record as `encode` wrote it: the file without its part, and the part's offset and length.
    static func decodeRecord(_ reader: inout CacheReader, limit: Int) -> (File, offset: Int, length: Int)? {
        guard let path = reader.string(), let explicit = reader.int(), let walkRoot = reader.optionalString(),
              let device = reader.int(), let inode = reader.int(), let size = reader.int(), let mode = reader.int(),
              let modified = reader.int(), let changed = reader.int(),
              let key = reader.data(), let historyKey = reader.data(), let flags = reader.int(), let offset = reader.int(), let length = reader.int(),
              let errors = reader.int(), let warnings = reader.int(), let infos = reader.int(), let safeFixes = reader.int(),
              let unsafeFixes = reader.int(), length >= 0, length <= limit, offset >= 0, offset <= limit else { return nil }
        let stamp = FileStamp(device: device, inode: inode, size: size, mode: mode, modified: modified, changed: changed)
        let file = File(path: path, explicit: explicit == 1, walkRoot: walkRoot, stamp: stamp, key: key, historyKey: historyKey, checked: flags & 1 != 0,
                        fragment: [], errors: errors, warnings: warnings, infos: infos, safeFixes: safeFixes,
                        unsafeFixes: unsafeFixes, failing: flags & 2 != 0, usage: flags & 4 != 0)
        return (file, offset, length)
    }

    /// The changed files' records (each with its part), the moment, and the identity of the entry they apply to.
    func encodedChanges() -> [UInt8] {
        var writer = CacheWriter()
        writer.int(Self.changesMark)
        writer.int(Int(bitPattern: UInt(identity)))
        writer.int(moment)
        writer.int(changed.count)
        for index in changed.sorted() {
            writer.int(index)
            Self.encode(files[index], offset: 0, into: &writer)
            writer.raw(files[index].fragment)
        }
        return writer.bytes
    }

    /// The entry with its stored changes applied; unchanged when they are for another entry (written
    /// before the entry was replaced) or damaged, since the entry alone is still an answer, only older.
    func applying(changes bytes: [UInt8]?) -> AnswerEntry {
        guard let bytes else { return self }
        var reader = CacheReader(bytes)
        guard reader.int() == Self.changesMark, let identity = reader.int(), UInt64(UInt(bitPattern: identity)) == self.identity,
              let moment = reader.int(), let count = reader.int(), count > 0, count <= files.count else { return self }
        var entry = self
        for _ in 0..<count {
            guard let index = reader.int(), index >= 0, index < files.count, !entry.changed.contains(index),
                  let (record, _, length) = Self.decodeRecord(&reader, limit: bytes.count), record.path == files[index].path,
                  let fragment = reader.raw(length) else { return self }
            var file = record
            file.fragment = fragment
            entry.replace(index, with: file)
        }
        guard reader.atEnd else { return self }
        entry.moment = moment
        if entry.whole == nil { entry.recount() }
        return entry
    }

    func encoded() -> [UInt8] {
        var writer = CacheWriter()
        let partsSize = files.reduce(0) { $0 + $1.fragment.count }
        writer.reserve(partsSize + files.count * 256 + (whole?.utf8.count ?? 0) + 1024)
        writer.int(Self.formatMark)
        writer.int(Int(bitPattern: UInt(identity)))
        writer.int(moment)
        writer.int(discoverySignature.count)
        for part in discoverySignature { writer.string(part) }
        writer.int(history.map(\.facts.count) ?? -1)
        if let history {
            for fact in history.facts { writer.string(fact) }
            let evidence = history.evidence
            writer.int(evidence.taken)
            writer.int(evidence.indexes.count)
            for (workdir, index) in evidence.indexes.sorted(by: { $0.key < $1.key }) {
                writer.string(workdir)
                writer.string(index.head)
                writer.stamp(index.stamp)
            }
            writer.int(evidence.cleanByStat.count)
            for (path, file) in evidence.cleanByStat.sorted(by: { $0.key < $1.key }) {
                writer.string(path)
                writer.string(file.workdir)
                writer.string(file.relative)
                writer.stamp(file.stamp)
            }
        }
        writer.int(reads.count)
        for read in reads {
            writer.string(read.path)
            writer.int(read.stamp == nil ? 0 : 1)
            let stamp = read.stamp ?? FileStamp()
            for value in [stamp.device, stamp.inode, stamp.size, stamp.mode, stamp.modified, stamp.changed] { writer.int(value) }
        }
        writer.optionalString(whole)
        for count in [summary.filesChecked, summary.errors, summary.warnings, summary.infos, summary.safeFixes, summary.unsafeFixes, Int(exitCode)] {
            writer.int(count)
        }
        // Each part's place in the concatenation, which follows `order`.
        var offsets = [Int](repeating: 0, count: files.count)
        var offset = 0
        for index in order {
            offsets[index] = offset
            offset += files[index].fragment.count
        }
        writer.int(files.count)
        for (index, file) in files.enumerated() { Self.encode(file, offset: offsets[index], into: &writer) }
        for index in order { writer.int(index) }
        writer.int(partsSize)
        for index in order { writer.raw(files[index].fragment) }
        return writer.bytes
    }

    static func decode(_ bytes: [UInt8]) -> AnswerEntry? {
        var reader = CacheReader(bytes)
        guard reader.int() == formatMark, let identity = reader.int(), let moment = reader.int(), let signatureCount = reader.int(), signatureCount >= 0,
              signatureCount <= bytes.count else { return nil }
        var signature: [String] = []
        for _ in 0..<signatureCount {
            guard let part = reader.string() else { return nil }
            signature.append(part)
        }
        guard let factCount = reader.int(), factCount >= -1, factCount <= bytes.count else { return nil }
        var history: HistorySnapshot?
        if factCount >= 0 {
            var facts: [String] = []
            for _ in 0..<factCount {
                guard let fact = reader.string() else { return nil }
                facts.append(fact)
            }
            var evidence = HistorySnapshot.Evidence()
            guard let taken = reader.int(), let indexCount = reader.int(), indexCount >= 0, indexCount <= bytes.count else { return nil }
            evidence.taken = taken
            for _ in 0..<indexCount {
                guard let workdir = reader.string(), let head = reader.string(), let stamp = reader.stamp() else { return nil }
                evidence.indexes[workdir] = HistorySnapshot.Evidence.Index(head: head, stamp: stamp)
            }
            guard let cleanCount = reader.int(), cleanCount >= 0, cleanCount <= bytes.count else { return nil }
            for _ in 0..<cleanCount {
                guard let path = reader.string(), let workdir = reader.string(), let relative = reader.string(), let stamp = reader.stamp() else { return nil }
                evidence.cleanByStat[path] = HistorySnapshot.Evidence.CleanFile(workdir: workdir, relative: relative, stamp: stamp)
            }
            history = HistorySnapshot(facts: facts, evidence: evidence)
        }
        guard let readCount = reader.int(), readCount >= 0, readCount <= bytes.count else { return nil }
        var reads: [(path: String, stamp: FileStamp?)] = []
        for _ in 0..<readCount {
            guard let path = reader.string(), let present = reader.int() else { return nil }
            var values: [Int] = []
            for _ in 0..<6 {
                guard let value = reader.int() else { return nil }
                values.append(value)
            }
            let stamp = FileStamp(device: values[0], inode: values[1], size: values[2], mode: values[3], modified: values[4], changed: values[5])
            reads.append((path, present == 1 ? stamp : nil))
        }
        guard let whole = reader.optionalString() else { return nil }
        var totals: [Int] = []
        for _ in 0..<7 {
            guard let value = reader.int() else { return nil }
            totals.append(value)
        }
        var summary = RenderSummary(filesChecked: totals[0], diagnostics: [])
        (summary.errors, summary.warnings, summary.infos, summary.safeFixes, summary.unsafeFixes) = (totals[1], totals[2], totals[3], totals[4], totals[5])
        guard let count = reader.int(), count >= 0, count <= bytes.count else { return nil }
        var files: [File] = []
        var places: [(offset: Int, length: Int)] = []
        files.reserveCapacity(count)
        places.reserveCapacity(count)
        for _ in 0..<count {
            guard let (file, offset, length) = decodeRecord(&reader, limit: bytes.count) else { return nil }
            files.append(file)
            places.append((offset, length))
        }
        // The order is a permutation of the files, and the parts in that order tile the stored output.
        var order: [Int] = []
        order.reserveCapacity(count)
        var seen = [Bool](repeating: false, count: count)
        var expected = 0
        for _ in 0..<count {
            guard let index = reader.int(), index >= 0, index < count, !seen[index], places[index].offset == expected else { return nil }
            seen[index] = true
            order.append(index)
            expected += places[index].length
        }
        guard let parts = reader.data(), parts.count == expected, reader.atEnd, let exitCode = Int32(exactly: totals[6]) else { return nil }
        for index in files.indices {
            let start = parts.startIndex + places[index].offset
            files[index].fragment = parts[start..<(start + places[index].length)]
        }
        return AnswerEntry(moment: moment, files: files, order: order, whole: whole, summary: summary, exitCode: exitCode,
                           discoverySignature: signature, history: history, reads: reads, storedOutput: parts,
                           identity: UInt64(UInt(bitPattern: identity)))
    }

    /// The output of fragment mode: the files' parts in output order.
    func splicedOutput() -> [UInt8] {
        if let storedOutput { return Array(storedOutput) }
        var output: [UInt8] = []
        output.reserveCapacity(files.reduce(0) { $0 + $1.fragment.count })
        for index in order { output.append(contentsOf: files[index].fragment) }
        return output
    }

    /// The summary and exit code of fragment mode, from the files' counts.
    mutating func recount() {
        var total = RenderSummary(filesChecked: 0, diagnostics: [])
        var failing = false, usage = false
        for file in files {
            total.filesChecked += file.checked ? 1 : 0
            total.errors += file.errors
            total.warnings += file.warnings
            total.infos += file.infos
            total.safeFixes += file.safeFixes
            total.unsafeFixes += file.unsafeFixes
            failing = failing || file.failing
            usage = usage || file.usage
        }
        summary = total
        exitCode = usage ? 2 : failing ? 1 : 0
    }
}

extension CheckSession {
    /// `rbc check` as the CLI prints it: the rendered output, the summary and the exit code, taken
    /// from the whole-answer entry when the run is of a kind it covers and nothing it depends on changed.
    public static func answer(paths: [String], options: CheckOptions, format: OutputFormat, color: Bool, version: String,
                              configuration: (Configuration, [Diagnostic]) = Configuration.discover()) -> CheckAnswer {
        let start = Clock.now()
        let moment = FileStamp.wallClockNanoseconds()
        let renderer = format.renderer(color: color, version: version)
        let (config, _) = configuration
        let inputs = Self.inputs(paths: paths, options: options, config: config)
        guard let (cache, key) = answerCache(paths: paths, options: options, config: config, inputs: inputs, format: format, color: color, version: version) else {
            // The candidates already found: walking the tree again cost as much as the walk.
            return rendered(runObserving(paths: paths, options: options, configuration: configuration, inputs: inputs).report, renderer: renderer)
        }
        let signature = discoverySignature(inputs)
        // What the history rules read from git, taken once and before any run that computes the answer:
        // a change during that run then makes the entry's snapshot differ from the next run's.
        var snapshot: HistorySnapshot?
        func historySnapshot(current: [String: FileStamp] = [:], previous: HistorySnapshot.Evidence? = nil) -> HistorySnapshot? {
            guard options.git && options.lint else { return nil }
            if snapshot == nil { snapshot = HistorySnapshot.of(inputs.candidates.map(\.path), current: current, previous: previous) }
            return snapshot
        }
        if let stored = cache.store.get("answer", key).flatMap(AnswerEntry.decode)?.applying(changes: cache.store.get("answer-changes", key)),
           stored.discoverySignature == signature,
           (stored.history != nil) == (options.git && options.lint), stored.files.count == inputs.candidates.count,
           zip(stored.files, inputs.candidates).allSatisfy({ $0.path == $1.path && $0.explicit == $1.explicit && $0.walkRoot == $1.walkRoot }) {
            if var answer = reuse(stored, key: key, moment: moment, inputs: inputs, config: config, options: options,
                                  cache: cache, renderer: renderer, start: start, history: historySnapshot) {
                answer.retained = CheckAnswer.Retained([stored, snapshot as Any, inputs])
                return answer
            }
        }
        let history = historySnapshot()
        let (report, observed) = runObserving(paths: paths, options: options, configuration: configuration, inputs: inputs, observe: true)
        let answer = rendered(report, renderer: renderer)
        // Alert rules and parameters make findings of other files (coverage, bindings): never spliced.
        let splicing = options.alerts.isEmpty && config.alerts.rules.isEmpty && options.paramArguments.isEmpty && options.paramFiles.isEmpty
        if let observed, var entry = entry(observed, answer: answer, moment: moment, signature: signature, threshold: options.threshold,
                                           renderer: renderer, today: options.today, splicing: splicing) {
            entry.history = history
            var seen: Set<String> = []
            entry.reads = observed.reads.filter { seen.insert($0).inserted }.map { ($0, FileStamp.of($0)) }
            cache.store.put("answer", key, entry.encoded())
        }
        return answer
    }

    static func rendered(_ report: CheckReport, renderer: DiagnosticRenderer) -> CheckAnswer {
        let summary = RenderSummary(filesChecked: report.results.count, diagnostics: report.diagnostics)
        var answer = CheckAnswer(output: .text(renderer.render(report.diagnostics, summary: summary)), summary: summary,
                                 incidentRecords: report.incidentRecords, exitCode: report.exitCode)
        answer.timings = report.timings
        answer.cachedFiles = report.cachedFiles
        answer.historyCachedFiles = report.historyCachedFiles
        return answer
    }

    /// The cache and the entry's key, when this run is of a kind one entry answers: nothing but the
    /// candidate files and what every key holds decides it.
    static func answerCache(paths: [String], options: CheckOptions, config: Configuration, inputs: Inputs,
                            format: OutputFormat, color: Bool, version: String) -> (CheckCache, String)? {
        guard options.cache else { return nil }
        if let scope = inputs.incidentScope {
            // Records are read from the incident directory and run journals from the runs directory;
            // a tree with neither has none to read.
            let hasRecords = !scope.files.isEmpty || (scope.wholeDirectory
                && (FileManager.default.fileExists(atPath: config.incidentSettings.directory)
                    || FileManager.default.fileExists(atPath: RunSession.runsDirectory(config: config))))
            if hasRecords { return nil }
        }
        var lint = options.lint ? config.lint : nil
        lint?.shellcheck.enabled = config.lint.shellcheck.enabled && options.shellcheck && options.lint
        guard let cache = CheckCache(root: CheckCache.location(configuration: config), configuration: config, options: options, lint: lint),
              !cache.shellCheckMissing else { return nil }
        // With the history rules on, the answer also depends on whether the runbooks are being committed
        // (RB021 stays quiet in a pre-commit hook) and on git, which the entry's snapshot covers.
        let history = options.git && options.lint ? (options.staged || options.insidePreCommit ? "history being-committed" : "history") : "no-history"
        // `--changed-since`/`--staged`: the candidates come from a diff (the entry lists them, so a
        // different diff is a different candidate list and a miss); the mode is part of the key, since
        // a changed-files run reports no "no runbooks found" for the directories named.
        let changed = "staged \(options.staged) changed-since " + (options.changedSince.map { "\($0.utf8.count) \($0)" } ?? "-")
        let key = ContentCache.key(cache.context + ["answer", format.rawValue, color ? "color" : "plain", version,
                                                    options.threshold.rawValue, history, changed, "\(paths.count)"] + paths
                                   + ["alerts \(options.alerts.count)"] + options.alerts + ["params \(options.paramArguments.count)"] + options.paramArguments
                                   + ["params files \(options.paramFiles.count)"] + options.paramFiles)
        return (cache, key)
    }

    static func discoverySignature(_ inputs: Inputs) -> [String] {
        inputs.discovery.directories.map { "directory " + $0 }
            + (inputs.discovery.diagnostics + inputs.changeDiagnostics).map { "\($0.code.id) \($0.path) \($0.message)" }
    }

    /// The stored answer, if every file is unchanged or (fragment mode) after checking the changed
    /// files again; nil when a full run is needed.
    static func reuse(_ stored: AnswerEntry, key: String, moment: Int, inputs: Inputs, config: Configuration, options: CheckOptions,
                      cache: CheckCache, renderer: DiagnosticRenderer, start: UInt64,
                      history: (_ current: [String: FileStamp], _ previous: HistorySnapshot.Evidence?) -> HistorySnapshot?) -> CheckAnswer? {
        var entry = stored
        var stale: [Int] = []
        var refreshed = false
        let verifyStart = Clock.now()
        let stamps = FileStamp.Reader.stamps(of: stored.files.map(\.path))
        for (index, file) in stored.files.enumerated() {
            let stamp = stamps[index]
            if let stamp, stamp == file.stamp, file.stamp.settled(before: stored.moment) { continue }
            // Stat data differs, or is too recent to trust: the bytes decide.
            guard let stamp, case .loaded(let source) = SourceLoader.load(path: file.path) else {
                stale.append(index)
                continue
            }
            var settings = config.compileSettings(for: file.path)
            settings.inferredSeverity = config.defaultSeverity(for: file.path)
            if cache.key(for: source, explicit: file.explicit, settings: settings).utf8.elementsEqual(file.key) {
                if stamp != file.stamp || stamp.settled(before: moment) != file.stamp.settled(before: stored.moment) {
                    refreshed = true
                    entry.files[index].stamp = stamp
                    entry.changed.insert(index)
                }
            } else {
                stale.append(index)
            }
        }
        let verifyTime = Clock.since(verifyStart)
        // Alert rules and parameter files: unchanged and already old when the entry was written.
        for read in stored.reads {
            guard FileStamp.of(read.path) == read.stamp, read.stamp.map({ $0.settled(before: stored.moment) }) ?? true else { return nil }
        }
        let spliceable = entry.whole == nil && stored.reads.isEmpty && options.alerts.isEmpty && config.alerts.rules.isEmpty
            && options.paramArguments.isEmpty && options.paramFiles.isEmpty
        // With the history rules on: what they read from git, compared with what the entry's run read.
        // Equal, the unchanged files' history findings are the stored ones. Otherwise (a new commit, an
        // amend, a rebase, a file staged) each unchanged file's history key is computed again — its
        // state and its last change, from the commits the stored last-change index does not answer —
        // and a file whose key differs is checked again with those whose bytes changed.
        let historyStart = Clock.now()
        var newHistory: HistorySnapshot?
        var betterEvidence = false
        if let storedHistory = stored.history {
            let changedFiles = Set(stale)
            // The files' stat data as just verified (changed ones left out, so their states are asked
            // again): the snapshot takes unchanged clean files' states from the last one.
            let current = Dictionary(entry.files.indices.filter { !changedFiles.contains($0) }.map { (entry.files[$0].path, entry.files[$0].stamp) },
                                     uniquingKeysWith: { first, _ in first })
            guard let snapshot = history(current, storedHistory.evidence) else { return nil }
            if snapshot.facts != storedHistory.facts {
                guard spliceable, snapshot.skeleton == storedHistory.skeleton else { return nil }
                let read = entry.files.indices.filter { !changedFiles.contains($0) && !entry.files[$0].historyKey.isEmpty }
                guard let keys = GitChecks.findingsKeys(read.map { (entry.files[$0].path, String(decoding: entry.files[$0].key, as: UTF8.self)) },
                                                        snapshot: snapshot, beingCommitted: options.staged || options.insidePreCommit,
                                                        cache: cache) else { return nil }
                for index in read {
                    guard let key = keys[entry.files[index].path] else { return nil }
                    if !key.utf8.elementsEqual(entry.files[index].historyKey) { stale.append(index) }
                }
                stale.sort()
                newHistory = snapshot
            } else if !stale.isEmpty {
                guard spliceable else { return nil }
                newHistory = snapshot
            } else if snapshot.evidence.carriable > storedHistory.evidence.carriable {
                // Proofs the stored snapshot could not pass on (its stat data was too recent when taken)
                // are kept, or every later run would ask git for those files' states again.
                entry.history = snapshot
                betterEvidence = true
            }
        }
        let historyTime = Clock.since(historyStart)
        if let newHistory {
            return spliced(entry, stale: stale, history: newHistory, key: key, moment: moment, inputs: inputs, config: config, options: options,
                           cache: cache, renderer: renderer, start: start, verifyTime: verifyTime, historyTime: historyTime)
        }
        if stale.isEmpty {
            if betterEvidence {
                if refreshed { entry.moment = moment }
                entry.identity = UInt64.random(in: 1...UInt64.max)
                entry.changed = []
                cache.store.put("answer", key, entry.encoded())
            } else if refreshed {
                // Stat data checked by content this time is remembered, so the next run trusts it.
                entry.moment = moment
                entry.store(in: cache.store, key: key)
            }
            var answer = CheckAnswer(output: entry.whole.map(RenderedOutput.text) ?? .stored(entry.storedOutput ?? entry.splicedOutput()[...]),
                                     summary: entry.summary, exitCode: entry.exitCode)
            answer.cachedFiles = entry.summary.filesChecked
            answer.answerCache = .whole
            answer.timings = [("verify", verifyTime)] + (stored.history == nil ? [] : [("git", historyTime)]) + [("total", Clock.since(start))]
            if stored.history != nil { answer.historyCachedFiles = entry.summary.filesChecked }
            return answer
        }
        // Only the parts of files that changed are computed again, and only when parts were kept
        // (never with alert rules or parameters: other files' findings and the severities depend on them).
        guard entry.whole == nil, stored.reads.isEmpty, options.alerts.isEmpty, config.alerts.rules.isEmpty,
              options.paramArguments.isEmpty, options.paramFiles.isEmpty else { return nil }
        var lint = options.lint ? config.lint : nil
        lint?.settings.environment = config.runEnvironment
        lint?.shellcheck.enabled = config.lint.shellcheck.enabled && options.shellcheck && options.lint
        lint?.shellcheck.cache = cache.store
        let candidates = stale.map { inputs.candidates[$0] }
        let answered = answers(for: candidates, config: config, options: options, lint: lint, alertIndex: nil, cache: cache,
                               needsIR: false, finishOnWorker: !options.keepCompiled, observe: true)
        guard answered.notes.isEmpty else { return nil }
        for (position, index) in stale.enumerated() {
            guard let part = part(of: candidates[position], processed: answered.files[position], observation: answered.observations[position],
                                  threshold: options.threshold, renderer: renderer),
                  part.checked == stored.files[index].checked else { return nil }
            entry.replace(index, with: part)
        }
        entry.recount()
        entry.moment = moment
        entry.store(in: cache.store, key: key)
        var answer = CheckAnswer(output: .stored(entry.splicedOutput()[...]), summary: entry.summary, exitCode: entry.exitCode)
        answer.cachedFiles = entry.summary.filesChecked - candidates.count + answered.files.filter { $0?.cached == true }.count
        answer.answerCache = .spliced(stale.count)
        answer.timings = [("verify", verifyTime), ("shellcheck", answered.shellcheckTime), ("total", Clock.since(start))]
        return answer
    }

    /// The stored answer with the files in `stale` checked again with the history rules on (their
    /// bytes changed, or their history key did), through a run of those files alone, whose history
    /// findings are each file's own; nil when that run has anything else to say (a run-level note) or
    /// a part cannot be kept. The entry is written afresh with the new snapshot.
    static func spliced(_ stored: AnswerEntry, stale: [Int], history: HistorySnapshot, key: String, moment: Int, inputs: Inputs,
                        config: Configuration, options: CheckOptions, cache: CheckCache, renderer: DiagnosticRenderer, start: UInt64,
                        verifyTime: Double, historyTime: Double) -> CheckAnswer? {
        var entry = stored
        let candidates = stale.map { inputs.candidates[$0] }
        var subset = inputs
        subset.candidates = candidates
        subset.discovery = RunbookDiscovery.Result()
        subset.discovery.candidates = candidates
        subset.changeDiagnostics = []
        subset.incidentScope = nil
        var checked = 0
        if !candidates.isEmpty {
            let (report, observed) = runObserving(paths: [], options: options, configuration: (config, []), inputs: subset, observe: true)
            guard let observed, observed.everyDiagnosticIsAFiles, observed.history?.values.allSatisfy({ $0.key != nil }) ?? false else { return nil }
            for (position, index) in stale.enumerated() {
                let path = candidates[position].path
                guard let part = part(of: candidates[position], processed: observed.files[position], observation: observed.observations[position],
                                      threshold: options.threshold, renderer: renderer,
                                      history: observed.files[position] == nil ? nil : observed.history?[path]),
                      part.checked == stored.files[index].checked else { return nil }
                entry.replace(index, with: part)
            }
            checked = report.cachedFiles
        }
        entry.recount()
        entry.moment = moment
        entry.history = history
        entry.identity = UInt64.random(in: 1...UInt64.max)
        entry.changed = []
        cache.store.put("answer", key, entry.encoded())
        var answer = CheckAnswer(output: .stored(entry.splicedOutput()[...]), summary: entry.summary, exitCode: entry.exitCode)
        answer.cachedFiles = entry.summary.filesChecked - candidates.count + checked
        answer.historyCachedFiles = entry.summary.filesChecked - candidates.count
        answer.answerCache = .spliced(stale.count)
        answer.timings = [("verify", verifyTime), ("git", historyTime), ("total", Clock.since(start))]
        return answer
    }

    /// One candidate's record, or nil when its answer cannot be kept (unreadable, depends on other
    /// files, a diagnostic that names another path).
    static func part(of candidate: RunbookCandidate, processed: ProcessedFile?, observation: FileObservation, threshold: Severity,
                     renderer: DiagnosticRenderer?, history: GitChecks.FileFindings? = nil) -> AnswerEntry.File? {
        guard let stamp = observation.stamp, let key = observation.key else { return nil }
        var file = AnswerEntry.File(path: candidate.path, explicit: candidate.explicit, walkRoot: candidate.walkRoot, stamp: stamp,
                                    key: ArraySlice(key.utf8), historyKey: ArraySlice((history?.key ?? "").utf8), checked: processed != nil, fragment: [])
        guard let processed else { return file }
        guard processed.cacheKey != nil else { return nil }
        let diagnostics = (processed.result.diagnostics + (history?.diagnostics ?? [])).sorted(by: Diagnostic.outputOrder)
        if let renderer {
            guard diagnostics.allSatisfy({ $0.path == candidate.path }) else { return nil }
            file.fragment = ArraySlice(renderer.render(diagnostics, summary: RenderSummary(filesChecked: 1, diagnostics: diagnostics)).utf8)
        }
        let summary = RenderSummary(filesChecked: 1, diagnostics: diagnostics)
        (file.errors, file.warnings, file.infos, file.safeFixes, file.unsafeFixes) = (summary.errors, summary.warnings, summary.infos,
                                                                                     summary.safeFixes, summary.unsafeFixes)
        file.failing = diagnostics.contains { $0.severity >= threshold }
        file.usage = diagnostics.contains { DiagnosticCode.usageCodes.contains($0.code) }
        return file
    }

    /// The entry for a full run, or nil when some file's answer cannot be kept. Parts are kept when
    /// the format renders each diagnostic alone, every diagnostic is a file's own, and the parts put
    /// together are exactly the output (checked here, so a format that is not a concatenation is
    /// caught rather than trusted); otherwise the whole output is kept.
    static func entry(_ observed: ObservedRun, answer: CheckAnswer, moment: Int, signature: [String], threshold: Severity,
                      renderer: DiagnosticRenderer, today: String, splicing: Bool = true) -> AnswerEntry? {
        guard observed.cache != nil else { return nil }
        // With the history rules on, a part is reused only while its history key is the same: every
        // file the rules read must have one.
        let splices = splicing && renderer.rendersEachDiagnosticAlone && observed.everyDiagnosticIsAFiles
            && (observed.history?.values.allSatisfy { $0.key != nil } ?? true)
        var files: [AnswerEntry.File] = []
        files.reserveCapacity(observed.candidates.count)
        for index in observed.candidates.indices {
            let path = observed.candidates[index].path
            guard let part = part(of: observed.candidates[index], processed: observed.files[index], observation: observed.observations[index],
                                  threshold: threshold, renderer: splices ? renderer : nil,
                                  history: observed.files[index] == nil ? nil : observed.history?[path]) else { return nil }
            files.append(part)
        }
        var entry = AnswerEntry(moment: moment, files: files, order: AnswerEntry.outputOrder(files), whole: nil, summary: answer.summary,
                                exitCode: answer.exitCode, discoverySignature: signature)
        if splices {
            var recounted = entry
            recounted.recount()
            let (mine, theirs) = (recounted.summary, answer.summary)
            if answer.output.withBytes({ entry.splicedOutput().elementsEqual($0) }), recounted.exitCode == answer.exitCode, answer.incidentRecords == 0,
               [mine.filesChecked, mine.errors, mine.warnings, mine.infos, mine.safeFixes, mine.unsafeFixes]
                == [theirs.filesChecked, theirs.errors, theirs.warnings, theirs.infos, theirs.safeFixes, theirs.unsafeFixes] {
                return recounted
            }
        }
        for index in entry.files.indices { entry.files[index].fragment = [] }
        entry.whole = answer.output.text
        return answer.incidentRecords == 0 ? entry : nil
    }
}

extension CacheWriter {
    mutating func stamp(_ stamp: FileStamp) {
        for value in [stamp.device, stamp.inode, stamp.size, stamp.mode, stamp.modified, stamp.changed] { int(value) }
    }
}

extension CacheReader {
    mutating func stamp() -> FileStamp? {
        guard let device = int(), let inode = int(), let size = int(), let mode = int(), let modified = int(), let changed = int() else { return nil }
        return FileStamp(device: device, inode: inode, size: size, mode: mode, modified: modified, changed: changed)
    }
}

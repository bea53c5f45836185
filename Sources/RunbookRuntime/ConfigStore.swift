// Config stores: a JSON or YAML file of nested keys that `update_config` changes. A change is an
// edit at the value's byte range, so every other byte of the file (comments, anchors, quoting,
// `zip: 012345`, `yes`, `1.10`) stays as it was; it happens under the store's lock from read to
// rename, keeps the file's mode and owner, writes a symlink's target, and records what it replaced
// so a rollback puts back the same bytes.

import Foundation
#if canImport(Glibc)
import Glibc
#endif
import RunbookSema
import RunbookSource
import RunbookYAML
import Yams

/// What an `update_config` replaced, as journaled before the store changes.
public struct ConfigChange: Sendable {
    public var store: String
    /// The file changed (a symlinked store's target); nil in journals older than this field.
    public var path: String?
    /// The key the step set.
    public var key: String
    /// The key whose previous state is recorded: `key`, or a shallower one the change replaced or created.
    public var undoKey: String
    /// The undo key's previous value; nil when it did not exist.
    public var previous: JSONValue?
    /// The previous value's exact source text (from after the key's colon), when the store kept it.
    public var previousSource: String?

    public init(store: String, path: String?, key: String, undoKey: String, previous: JSONValue?, previousSource: String?) {
        self.store = store
        self.path = path
        self.key = key
        self.undoKey = undoKey
        self.previous = previous
        self.previousSource = previousSource
    }
}

/// A JSON or YAML file of nested keys: `gateway.rate_limit.max_requests`.
public struct ConfigStore: Sendable {
    public let name: String
    public let path: String
    /// How long a change waits for another rbc that holds the store.
    public var lockWaitMs = 10_000

    public init(name: String, path: String) {
        self.name = name
        self.path = path
    }

    public struct Failure: Error, CustomStringConvertible { public let description: String }

    var isYAML: Bool { ["yaml", "yml"].contains((path as NSString).pathExtension.lowercased()) }

    /// The file a change writes: the store's path with symbolic links followed, so a link stays a link.
    public var target: String { Self.followingLinks(path) }

    static func followingLinks(_ path: String) -> String {
        var current = path
        for _ in 0..<40 {
            guard let destination = try? FileManager.default.destinationOfSymbolicLink(atPath: current) else { return current }
            current = destination.hasPrefix("/") ? destination : PathText.parent(of: current) + "/" + destination
        }
        return current
    }

    func readText() throws -> String {
        let file = target
        guard FileManager.default.fileExists(atPath: file) else { return "" }
        guard let data = FileManager.default.contents(atPath: file) else { throw Failure(description: "cannot read \(file)") }
        guard let text = String(data: data, encoding: .utf8) else { throw Failure(description: "\(file) is not UTF-8 text") }
        return text
    }

    /// The document's meaning, as YAML or JSON tools read it.
    func meaning(of text: String) throws -> [String: Any] {
        if text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return [:] }
        let object: Any?
        if isYAML {
            do { object = try Yams.load(yaml: text) } catch { throw Failure(description: "\(target) is not valid YAML: \(error)") }
            if object == nil || object is NSNull { return [:] }
        } else {
            object = try? JSONSerialization.jsonObject(with: Data(text.utf8))
        }
        guard let dictionary = object as? [String: Any] else { throw Failure(description: "\(target) is not a mapping of keys") }
        return dictionary
    }

    /// The value at a dotted key, or nil when absent.
    public func get(_ key: String) throws -> JSONValue? {
        Self.value(at: key.split(separator: ".").map(String.init), in: try meaning(of: readText()))
    }

    static func value(at parts: [String], in document: [String: Any]) -> JSONValue? {
        var current: Any = document
        for part in parts {
            guard let dictionary = current as? [String: Any], let next = dictionary[part] else { return nil }
            current = next
        }
        return jsonValue(current)
    }

    static func parts(_ key: String) throws -> [String] {
        let parts = key.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard !parts.isEmpty, !parts.contains("") else { throw Failure(description: "`\(key)` is not a dotted key") }
        return parts
    }

    /// Sets a dotted key. `journal` receives what the store held before (the previous value of the
    /// shallowest key the change replaces or creates, and its source text) and returns before the
    /// file changes; when it throws, nothing is written. The store is locked from read to rename.
    @discardableResult
    public func set(_ key: String, to value: JSONValue, journal: (ConfigChange) throws -> Void) throws -> ConfigChange {
        let parts = try Self.parts(key)
        return try StoreLocks.holding(target, waitMs: lockWaitMs, holder: "pid \(getpid())") {
            let text = try readText()
            let before = try meaning(of: text)
            let edit = try StoreEditor(text: text, json: !isYAML, path: target).setting(parts, to: value)
            let undoKey = parts[0...edit.depth].joined(separator: ".")
            let previous = edit.previousSource == nil ? nil : Self.value(at: Array(parts[0...edit.depth]), in: before)
            let change = ConfigChange(store: name, path: target, key: key, undoKey: undoKey, previous: previous, previousSource: edit.previousSource)
            // The edit must mean exactly the change: anything else is refused before the file is touched.
            guard Self.value(at: parts, in: try meaning(of: edit.text)) == value else {
                throw Failure(description: "cannot set \(key) in \(target) in place")
            }
            try journal(change)
            try write(edit.text)
            return change
        }
    }

    /// Puts back what a change replaced: the previous source text (or value) of its undo key, or no
    /// key at all when it did not exist.
    public func restore(_ change: ConfigChange) throws {
        let parts = try Self.parts(change.undoKey)
        try StoreLocks.holding(target, waitMs: lockWaitMs, holder: "pid \(getpid())") {
            let text = try readText()
            let editor = try StoreEditor(text: text, json: !isYAML, path: target)
            var restored: String
            if let previous = change.previous {
                restored = try editor.setting(parts, to: previous, source: change.previousSource).text
                if Self.value(at: parts, in: try meaning(of: restored)) != previous {
                    // The recorded text no longer fits where it goes: write the value instead.
                    restored = try editor.setting(parts, to: previous).text
                }
                guard Self.value(at: parts, in: try meaning(of: restored)) == previous else {
                    throw Failure(description: "cannot restore \(change.undoKey) in \(target) in place")
                }
            } else {
                // The key was not in the file (a value from a merge `<<` may still show through).
                restored = editor.removing(parts)
                _ = try meaning(of: restored)
                guard case .insert? = try? StoreEditor(text: restored, json: !isYAML, path: target).locate(parts) else {
                    throw Failure(description: "cannot remove \(change.undoKey) from \(target) in place")
                }
            }
            if restored != text { try write(restored) }
        }
    }

    func write(_ text: String) throws {
        try Self.writeAtomically(Data(text.utf8), to: target)
    }

    /// Temporary file in the same directory with the original's mode and owner, fsync, rename over
    /// the target, fsync the directory.
    static func writeAtomically(_ data: Data, to path: String) throws {
        let directory = PathText.parent(of: path).isEmpty ? "." : PathText.parent(of: path)
        let temporary = directory + "/.\((path as NSString).lastPathComponent).rbc-\(getpid())"
        var original = stat()
        let exists = stat(path, &original) == 0
        // A new file, never one that is there: a link planted at this name (anyone who can write the
        // directory, or a commit, can put one) would have rbc write the file it points to. What is
        // there is left over from a crash or planted: removed (unlink never follows a link).
        var descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
        if descriptor < 0, errno == EEXIST, unlink(temporary) == 0 {
            descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
        }
        guard descriptor >= 0 else { throw Failure(description: "cannot write \(temporary): \(String(cString: strerror(errno)))") }
        var failure: String?
        if exists {
            // The umask does not decide the mode of a file that already had one; the owner stays too
            // (when rbc may set it: as root, or as the owner).
            if fchmod(descriptor, original.st_mode & 0o7777) != 0 { failure = "cannot keep the mode of \(path)" }
            if original.st_uid != geteuid() || original.st_gid != getegid() {
                _ = fchown(descriptor, original.st_uid, original.st_gid)
                _ = fchmod(descriptor, original.st_mode & 0o7777) // chown clears set-id bits
            }
        }
        let written = data.withUnsafeBytes { buffer -> Int in
            var offset = 0
            while offset < buffer.count {
                let count = Glibc.write(descriptor, buffer.baseAddress?.advanced(by: offset), buffer.count - offset)
                if count < 0 {
                    if errno == EINTR { continue }
                    return -1
                }
                offset += count
            }
            return offset
        }
        let synced = fsync(descriptor)
        close(descriptor)
        guard failure == nil, written == data.count, synced == 0, rename(temporary, path) == 0 else {
            let reason = failure ?? String(cString: strerror(errno))
            unlink(temporary)
            throw Failure(description: "cannot replace \(path): \(reason)")
        }
        Journal.syncDirectory(directory)
    }

    static func jsonValue(_ value: Any) -> JSONValue {
        // JSONSerialization hands out NSNumber, and `as Bool` succeeds for an NSNumber holding 0 or 1:
        // only a number created from a boolean ("c" encoding) is one.
        if let number = value as? NSNumber, !(value is String) {
            if String(cString: number.objCType) == "c" { return .bool(number.boolValue) }
            if let integer = value as? Int, Double(integer) == number.doubleValue { return .int(integer) }
            let double = number.doubleValue
            return double == double.rounded() && abs(double) < 1e15 ? .int(Int(double)) : .double(double)
        }
        switch value {
        case let flag as Bool: return .bool(flag)
        case let number as Int: return .int(number)
        case let number as Double: return number == number.rounded() && abs(number) < 1e15 ? .int(Int(number)) : .double(number)
        case let text as String: return .string(text)
        case let items as [Any]: return .array(items.map(jsonValue))
        case let fields as [String: Any]: return .object(fields.mapValues(jsonValue))
        default: return .null
        }
    }
}

/// Byte-range edits of a store's text, on the positioned tree rbc's YAML reader builds (JSON is
/// read the same way: it is YAML's flow style).
struct StoreEditor {
    let text: String
    let bytes: [UInt8]
    let json: Bool
    let path: String
    let root: YAMLNode?

    init(text: String, json: Bool, path: String) throws {
        self.text = text
        self.bytes = Array(text.utf8)
        self.json = json
        self.path = path
        let document = YAMLReader.read(SourceFile(path: path, text: text))
        if let error = document.diagnostics.first(where: { $0.severity == .error }) {
            throw ConfigStore.Failure(description: "\(path) cannot be edited in place: \(error.message)")
        }
        if let root = document.root, root.mappingPairs == nil, root.scalarValue.map({ !$0.isEmpty }) ?? true {
            throw ConfigStore.Failure(description: "\(path) is not a mapping of keys")
        }
        self.root = document.root?.mappingPairs == nil ? nil : document.root
    }

    struct Edit {
        var text: String
        /// How deep the change reaches before it replaces or creates: `parts[0...depth]` is the undo key.
        var depth: Int
        /// The replaced value's source text; nil when the key was created.
        var previousSource: String?
    }

    /// Where a key path meets the document: the pair to replace, or the mapping to add a key to.
    enum Target {
        case replace(depth: Int, pair: YAMLPair)
        case insert(depth: Int, mapping: YAMLNode?)
    }

    func locate(_ parts: [String]) throws -> Target {
        guard var mapping = root else { return .insert(depth: 0, mapping: nil) }
        for (depth, part) in parts.enumerated() {
            guard let pair = (mapping.mappingPairs ?? []).first(where: { $0.key.scalarValue == part }) else {
                return .insert(depth: depth, mapping: mapping)
            }
            if depth == parts.count - 1 { return .replace(depth: depth, pair: pair) }
            if case .alias = pair.value.kind {
                throw ConfigStore.Failure(description: "`\(parts[0...depth].joined(separator: "."))` in \(path) is an alias: changing what it points to would change every place that uses the anchor")
            }
            guard pair.value.mappingPairs != nil else { return .replace(depth: depth, pair: pair) }
            mapping = pair.value
        }
        return .insert(depth: parts.count - 1, mapping: mapping)
    }

    /// Sets `parts` to `value`; `source` (text as found after a key's colon) replaces the value as is.
    func setting(_ parts: [String], to value: JSONValue, source: String? = nil) throws -> Edit {
        switch try locate(parts) {
        case .replace(let depth, let pair):
            if pair.value.anchor != nil {
                throw ConfigStore.Failure(description: "`\(parts[0...depth].joined(separator: "."))` in \(path) carries an anchor (&\(pair.value.anchor ?? "")): aliases elsewhere would change with it")
            }
            let region = try valueRegion(pair)
            let nested = Self.nest(Array(parts[(depth + 1)...]), value)
            let replacement = depth == parts.count - 1 ? (source ?? " " + render(value)) : " " + render(nested)
            return Edit(text: replacing(region, with: replacement), depth: depth, previousSource: slice(region))
        case .insert(let depth, let mapping):
            let nested = Self.nest(Array(parts[(depth + 1)...]), value)
            return Edit(text: inserting(key: parts[depth], valueText: " " + render(nested), into: mapping), depth: depth, previousSource: nil)
        }
    }

    /// The text without the key at `parts` (unchanged when it is not there).
    func removing(_ parts: [String]) -> String {
        guard case .replace(let depth, let pair)? = try? locate(parts), depth == parts.count - 1 else { return text }
        let container = try? parentMapping(of: parts)
        guard let container, let pairs = container.mappingPairs, let index = pairs.firstIndex(where: { $0.key === pair.key }) else { return text }
        let valueEnd = trimmedEnd(pair.value.range.end, after: pair.key.range.end)
        if isFlow(container) {
            let start: Int
            let end: Int
            if index > 0 {
                start = trimmedEnd(pairs[index - 1].value.range.end, after: pairs[index - 1].key.range.end)
                end = valueEnd
            } else if pairs.count > 1 {
                start = pair.key.range.start
                end = pairs[1].key.range.start
            } else {
                start = pair.key.range.start
                end = valueEnd
            }
            return replacing(start..<end, with: "")
        }
        var start = lineStart(pair.key.range.start)
        var end = valueEnd
        while end < bytes.count, bytes[end] != 0x0A { end += 1 }
        if end < bytes.count {
            end += 1
        } else if start > 0 {
            start -= newline.utf8.count // the last line, without a line break: take the one before it
        }
        return replacing(start..<end, with: "")
    }

    func parentMapping(of parts: [String]) throws -> YAMLNode? {
        guard var mapping = root else { return nil }
        for part in parts.dropLast() {
            guard let next = (mapping.mappingPairs ?? []).first(where: { $0.key.scalarValue == part })?.value, next.mappingPairs != nil else { return nil }
            mapping = next
        }
        return mapping
    }

    /// From just after the key's colon to the end of the value (trailing blank space left alone):
    /// the anchor-free bytes a change replaces and a rollback puts back.
    func valueRegion(_ pair: YAMLPair) throws -> Range<Int> {
        var colon = pair.key.range.end
        while colon < bytes.count, bytes[colon] == 0x20 || bytes[colon] == 0x09 { colon += 1 }
        guard colon < bytes.count, bytes[colon] == UInt8(ascii: ":") else {
            throw ConfigStore.Failure(description: "the key `\(pair.key.scalarValue ?? "")` in \(path) has a form rbc does not edit")
        }
        let start = colon + 1
        return start..<max(start, trimmedEnd(pair.value.range.end, after: start))
    }

    /// `end` moved back over trailing spaces and line breaks, never before `floor`.
    func trimmedEnd(_ end: Int, after floor: Int) -> Int {
        var index = min(end, bytes.count)
        while index > floor, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index - 1]) { index -= 1 }
        return max(index, floor)
    }

    func lineStart(_ offset: Int) -> Int {
        var index = offset
        while index > 0, bytes[index - 1] != 0x0A { index -= 1 }
        return index
    }

    func isFlow(_ mapping: YAMLNode) -> Bool {
        mapping.range.start < bytes.count && bytes[mapping.range.start] == UInt8(ascii: "{")
    }

    /// The file's own line break: `\r\n` when it uses it.
    var newline: String { text.contains("\r\n") ? "\r\n" : "\n" }

    func inserting(key: String, valueText: String, into mapping: YAMLNode?) -> String {
        let entry = renderKey(key) + ":" + valueText
        guard let mapping else {
            if json { return "{" + entry + "}" + newline }
            return text + (text.isEmpty || text.hasSuffix("\n") ? "" : newline) + entry + newline
        }
        let pairs = mapping.mappingPairs ?? []
        if isFlow(mapping) {
            if let last = pairs.last {
                let end = trimmedEnd(last.value.range.end, after: last.key.range.end)
                // A flow mapping written one entry per line (pretty JSON) gets its new entry on a line too.
                let onItsOwnLine = bytes[mapping.range.start..<last.key.range.start].contains(0x0A)
                let separator = onItsOwnLine ? "," + newline + String(repeating: " ", count: last.key.range.start - lineStart(last.key.range.start)) : ", "
                return replacing(end..<end, with: separator + entry)
            }
            let open = mapping.range.start + 1
            return replacing(open..<open, with: entry)
        }
        let first = pairs.first?.key.range.start ?? mapping.range.start
        let indent = String(repeating: " ", count: first - lineStart(first))
        var end = pairs.last.map { trimmedEnd($0.value.range.end, after: $0.key.range.end) } ?? mapping.range.end
        while end < bytes.count, bytes[end] != 0x0A { end += 1 }
        if end < bytes.count { return replacing((end + 1)..<(end + 1), with: indent + entry + newline) }
        return replacing(end..<end, with: newline + indent + entry)
    }

    func slice(_ range: Range<Int>) -> String { String(decoding: bytes[range], as: UTF8.self) }

    func replacing(_ range: Range<Int>, with replacement: String) -> String {
        String(decoding: bytes[..<range.lowerBound], as: UTF8.self) + replacement + String(decoding: bytes[range.upperBound...], as: UTF8.self)
    }

    static func nest(_ parts: [String], _ value: JSONValue) -> JSONValue {
        parts.reversed().reduce(value) { .object([$1: $0]) }
    }

    /// A key as the file's language writes it: JSON always quotes; YAML quotes only what would
    /// otherwise read as something else.
    func renderKey(_ key: String) -> String {
        if !json, key.range(of: "^[A-Za-z_][A-Za-z0-9_-]*$", options: .regularExpression) != nil,
           !["y", "n", "yes", "no", "on", "off", "true", "false", "null"].contains(key.lowercased()) {
            return key
        }
        return Self.quoted(key)
    }

    /// A value in flow style, valid as JSON and as YAML (1.1 and 1.2) with the same meaning.
    func render(_ value: JSONValue) -> String {
        switch value {
        case .string(let text): return Self.quoted(text)
        case .int(let number): return String(number)
        case .double(let number):
            guard number.isFinite else { return json ? "null" : (number.isNaN ? ".nan" : number < 0 ? "-.inf" : ".inf") }
            var text = "\(number)"
            // YAML 1.1 reads `1e+20` as a string: a float needs its point.
            if !text.contains(".") {
                if let exponent = text.firstIndex(where: { $0 == "e" || $0 == "E" }) { text.insert(contentsOf: ".0", at: exponent) } else { text += ".0" }
            }
            return text
        case .bool(let flag): return flag ? "true" : "false"
        case .null: return "null"
        case .array(let items): return "[" + items.map(render).joined(separator: ", ") + "]"
        case .object(let fields): return "{" + fields.keys.sorted().map { Self.quoted($0) + ": " + render(fields[$0] ?? .null) }.joined(separator: ", ") + "}"
        }
    }

    static func quoted(_ text: String) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: [text], options: [.withoutEscapingSlashes])) ?? Data("[\"\"]".utf8)
        return String(String(decoding: data, as: UTF8.self).dropFirst().dropLast())
    }
}

/// Locks on stores, shared by every rbc: a lock file beside the store (`.NAME.rbc-lock`) locked with
/// flock, removed by its holder when done. A run takes it for its whole length (the run lock); each
/// change takes it from read to rename, which inside a run that holds it already is free.
public enum StoreLocks {
    private static let registryLock = NSLock()
    nonisolated(unsafe) private static var held: [String: (descriptor: Int32, depth: Int)] = [:]

    public struct Busy: Error, CustomStringConvertible {
        public let store: String
        public let holder: String
        public var description: String { "\(store) is in use by another rbc (\(holder))" }
    }

    static func lockPath(_ target: String) -> String {
        let directory = PathText.parent(of: target)
        return (directory.isEmpty ? "." : directory) + "/." + (target as NSString).lastPathComponent + ".rbc-lock"
    }

    /// Takes the lock of the store file `target`, waiting at most `waitMs` for another holder;
    /// `holder` is what others are told while waiting; `waiting` hears once that the wait began.
    public static func acquire(_ target: String, waitMs: Int, holder: String, waiting: (Busy) -> Void = { _ in }) throws {
        registryLock.lock()
        if var entry = held[target] {
            entry.depth += 1
            held[target] = entry
            registryLock.unlock()
            return
        }
        registryLock.unlock()
        let path = lockPath(target)
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(max(0, waitMs)) * 1_000_000
        var told = false
        while true {
            // The lock file is truncated and written: never through a link (planted, or committed to
            // the repository) to a file elsewhere, nor a second name of another file.
            let descriptor = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o644)
            guard descriptor >= 0 else {
                let reason = errno == ELOOP ? "it is a symbolic link, which rbc does not write through; remove it" : String(cString: strerror(errno))
                throw ConfigStore.Failure(description: "cannot lock \(target): \(path): \(reason)")
            }
            var file = stat()
            let looked = fstat(descriptor, &file) == 0 && file.st_mode & S_IFMT == S_IFREG
            // No link left: the holder before removed the file between our open and this look; open again.
            if looked, file.st_nlink == 0 {
                close(descriptor)
                continue
            }
            guard looked, file.st_nlink == 1 else {
                close(descriptor)
                throw ConfigStore.Failure(description: "cannot lock \(target): \(path) is not a file of its own (a hard link or a special file); remove it")
            }
            if flock(descriptor, LOCK_EX | LOCK_NB) == 0 {
                // The holder before may have removed the file after we opened it: only the file
                // still at the path counts.
                var opened = stat()
                var current = stat()
                if fstat(descriptor, &opened) == 0, stat(path, &current) == 0, opened.st_ino == current.st_ino, opened.st_dev == current.st_dev {
                    let text = Array((holder + "\n").utf8)
                    _ = ftruncate(descriptor, 0)
                    _ = text.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
                    registryLock.lock()
                    held[target] = (descriptor, 1)
                    registryLock.unlock()
                    return
                }
                close(descriptor)
                continue
            }
            var buffer = [UInt8](repeating: 0, count: 256)
            let count = pread(descriptor, &buffer, buffer.count, 0)
            close(descriptor)
            let text = count > 0 ? String(decoding: buffer[..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) : ""
            let busy = Busy(store: target, holder: text.isEmpty ? "holder unknown" : text)
            if DispatchTime.now().uptimeNanoseconds >= deadline { throw busy }
            if !told {
                told = true
                waiting(busy)
            }
            usleep(20_000)
        }
    }

    public static func release(_ target: String) {
        registryLock.lock()
        defer { registryLock.unlock() }
        guard var entry = held[target] else { return }
        entry.depth -= 1
        if entry.depth > 0 {
            held[target] = entry
            return
        }
        held.removeValue(forKey: target)
        unlink(lockPath(target))
        close(entry.descriptor)
    }

    static func holding<T>(_ target: String, waitMs: Int, holder: String, _ body: () throws -> T) throws -> T {
        try acquire(target, waitMs: waitMs, holder: holder)
        defer { release(target) }
        return try body()
    }
}

/// The run lock: a run holds the lock of every store its runbook may change from before its first
/// event to its end, so two runs never interleave their changes — or their rollbacks — on one store
/// (unless the runbook says `concurrent_runs: true`).
// @unchecked: `targets` changes only in `release`, under `lock` (the owner's defer and deinit may both call it).
public final class RunLock: @unchecked Sendable {
    public var targets: [String] { lock.withLock { held } }
    private var held: [String]
    private let lock = NSLock()

    private init(_ targets: [String]) { held = targets }

    /// Locks the store files (in one order, so two runs never wait on each other in a circle);
    /// throws `StoreLocks.Busy` when one stays held by another rbc for longer than `waitMs`.
    public static func acquire(_ targets: [String], waitMs: Int, holder: String, waiting: (StoreLocks.Busy) -> Void = { _ in }) throws -> RunLock {
        var taken: [String] = []
        do {
            for target in Set(targets).sorted() {
                try StoreLocks.acquire(target, waitMs: waitMs, holder: holder, waiting: waiting)
                taken.append(target)
            }
        } catch {
            taken.forEach(StoreLocks.release)
            throw error
        }
        return RunLock(taken)
    }

    public func release() {
        let releasing = lock.withLock {
            defer { held = [] }
            return held
        }
        releasing.forEach(StoreLocks.release)
    }

    deinit { release() }
}

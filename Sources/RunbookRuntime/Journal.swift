// The audit journal: one JSON object per line in `.rbc/runs/<run-id>.jsonl`, each appended and
// fsync'd before the action it announces, so a run killed at any moment can be inspected, rolled
// back and resumed from what is on disk.

import Foundation
import RunbookSema
#if canImport(Glibc)
import Glibc
#endif

public enum JournalEventKind: String, Codable, Sendable, CaseIterable {
    case runStarted = "run_started"
    case stepStarted = "step_started"
    case attemptStarted = "attempt_started"
    case processStarted = "process_started"
    case attemptFinished = "attempt_finished"
    case stepFinished = "step_finished"
    case approval
    case configChanged = "config_changed"
    case message
    case signal
    case rollbackStarted = "rollback_started"
    case rollbackFinished = "rollback_finished"
    case runResumed = "run_resumed"
    case runFinished = "run_finished"
}

/// One journal line. Fields that do not apply to an event are absent.
public struct JournalEvent: Codable, Sendable {
    public var seq: Int = 0
    public var time: String = ""
    public var event: JournalEventKind
    // run_started
    public var journalVersion: String?
    public var rbcVersion: String?
    public var run: String?
    public var runbook: String?
    public var commit: String?
    public var dirty: Bool?
    public var contentHash: String?
    public var ir: RunbookIR?
    public var params: [String: JSONValue]?
    public var user: String?
    public var host: String?
    public var pid: Int32?
    /// With `process_started`: the kernel's start time of the process (clock ticks since boot), so a
    /// reused pid is never mistaken for the step's process.
    public var startTicks: UInt64?
    public var dryRun: Bool?
    /// Lint errors `rbc run --force` ran despite.
    public var overriddenFindings: [String]?
    // steps, attempts, rollbacks
    public var list: String?
    public var step: String?
    public var attempt: Int?
    public var action: String?
    public var command: String?
    public var timeoutMs: Int?
    public var outcome: String?
    public var exitCode: Int32?
    public var httpStatus: Int?
    public var durationMs: Int?
    public var stdout: String?
    public var stderr: String?
    public var outputs: [String: String]?
    public var reason: String?
    // approvals
    public var decision: String?
    public var by: String?
    // config store
    public var store: String?
    public var key: String?
    public var previous: JSONValue?
    public var previousPresent: Bool?
    /// The previous value held a secret and was masked: it cannot be restored from the journal.
    public var previousMasked: Bool?
    public var value: JSONValue?
    // signals, messages, run end
    public var signal: String?
    public var text: String?
    public var status: String?

    public init(_ event: JournalEventKind) { self.event = event }
}

public enum JournalError: Error, CustomStringConvertible {
    case io(String)
    case newerVersion(String)
    case malformed(String, Int)

    public var description: String {
        switch self {
        case .io(let message): message
        case .newerVersion(let version): "the journal was written by a newer rbc (\(version)); upgrade rbc to read it"
        case .malformed(let path, let line): "\(path):\(line): not a journal line"
        }
    }
}

public final class Journal: @unchecked Sendable {
    public static let version = "rbc.journal/v1"

    public let path: String
    private let descriptor: Int32
    private var sequence: Int
    /// Masks secrets in every event before it is written.
    public var redactor: Redactor?
    private let lock = NSLock()
    /// Test hook for fault injection: the process kills itself right after this event is on disk.
    private let killAfter: Int? = ProcessInfo.processInfo.environment["RBC_FAULT_KILL_AFTER_EVENT"].flatMap { Int($0) }

    /// Opens (creating) a journal for appending; `sequence` continues an existing journal's numbering.
    public init(path: String, continuingAfter sequence: Int = 0) throws {
        let directory = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let created = !FileManager.default.fileExists(atPath: path)
        let descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw JournalError.io("cannot open the journal \(path): \(String(cString: strerror(errno)))") }
        self.path = path
        self.descriptor = descriptor
        self.sequence = sequence
        if created {
            // The new file's name must survive a crash too: sync the directory.
            let directoryDescriptor = open(directory, O_RDONLY | O_DIRECTORY)
            if directoryDescriptor >= 0 {
                fsync(directoryDescriptor)
                close(directoryDescriptor)
            }
        }
    }

    deinit { close(descriptor) }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// Appends one event and fsyncs it; returns only once it is on disk.
    @discardableResult
    public func append(_ event: JournalEvent) throws -> JournalEvent {
        lock.lock()
        defer { lock.unlock() }
        var stamped = redactor?.redact(event) ?? event
        sequence += 1
        stamped.seq = sequence
        stamped.time = Self.timestamp()
        var data = try Self.encoder.encode(stamped)
        data.append(0x0A)
        try data.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(descriptor, buffer.baseAddress?.advanced(by: offset), buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw JournalError.io("cannot write the journal \(path): \(String(cString: strerror(errno)))")
                }
                offset += written
            }
        }
        guard fsync(descriptor) == 0 else { throw JournalError.io("cannot sync the journal \(path): \(String(cString: strerror(errno)))") }
        if let killAfter, killAfter == sequence { kill(getpid(), SIGKILL) }
        return stamped
    }

    public static func timestamp(_ date: Date = Date()) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }

    /// Reads a journal. A last line cut short by a crash is ignored; a journal of a newer format is refused.
    public static func read(_ path: String) throws -> [JournalEvent] {
        guard let data = FileManager.default.contents(atPath: path) else { throw JournalError.io("cannot read the journal \(path)") }
        let lines = data.split(separator: 0x0A, omittingEmptySubsequences: true)
        var events: [JournalEvent] = []
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
        }
        return events
    }

    /// A sortable, unique run id: `20261122T132800Z-4f2a`.
    public static func newRunID(_ date: Date = Date()) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        let suffix = String(UInt16.random(in: 0...UInt16.max), radix: 16)
        return formatter.string(from: date) + "-" + String(repeating: "0", count: 4 - suffix.count) + suffix
    }
}

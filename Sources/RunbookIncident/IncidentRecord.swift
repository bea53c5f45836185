// An incident's record in the repository: one JSON object per line in `incidents/<id>.jsonl`, each
// appended and fsync'd before rbc reports it done, never rewritten, so the history of an incident is
// reviewable in a pull request line by line, and the audit trail (who, when, what) cannot change.

import Foundation
import RunbookSource
import RunbookRuntime
import RunbookSema
#if canImport(Glibc)
import Glibc
#endif

/// Where an incident stands. The seeds' lifecycle (Detection → Triage → Mitigation → Resolution →
/// Post-incident) with the statuses seed 001's messages use inside Mitigation.
public enum IncidentStatus: String, Codable, Sendable, CaseIterable, Comparable {
    case triage, investigating, identified, mitigating, mitigated, resolved

    /// The lifecycle phase the status belongs to (seed 002's diagram).
    public var phase: String {
        switch self {
        case .triage: "Triage"
        case .investigating, .identified, .mitigating: "Mitigation"
        case .mitigated: "Mitigation (service restored)"
        case .resolved: "Resolution"
        }
    }

    /// As seed 001's messages write it: `Investigating`.
    public var title: String { rawValue.prefix(1).uppercased() + rawValue.dropFirst() }

    var order: Int { Self.allCases.firstIndex(of: self) ?? 0 }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.order < rhs.order }
}

public enum IncidentEventKind: String, Codable, Sendable, CaseIterable {
    case declared
    case status
    case note
    case update
    case severity
    case runStarted = "run_started"
    case runFinished = "run_finished"
    case resolved
    case reviewed
    case messageSent = "message_sent"
}

/// One line of an incident's record. Fields that do not apply to an event are absent.
public struct IncidentEvent: Codable, Sendable, Equatable {
    public var seq = 0
    /// When it happened, UTC, to the second (`2024-11-15T14:26:00Z`).
    public var time = ""
    /// When rbc wrote it, when that differs from `time` (a scribe catching up with `--at`).
    public var recorded: String?
    /// Who did or said it.
    public var by = ""
    public var event: IncidentEventKind
    // declared
    public var version: String?
    public var id: String?
    public var title: String?
    public var impact: String?
    public var startedAt: String?
    public var detectedAt: String?
    public var alert: String?
    public var commander: String?
    public var channel: String?
    // declared, severity
    public var severity: StepSeverity?
    public var previousSeverity: StepSeverity?
    // declared, status
    public var status: IncidentStatus?
    public var previousStatus: IncidentStatus?
    // note, status and severity reasons, update's current state
    public var text: String?
    public var reason: String?
    public var nextSteps: String?
    /// With `update`: when the next update is due.
    public var nextUpdateDue: String?
    // run_started, run_finished: enough to read without the journal (`.rbc/runs` is usually not committed)
    public var run: String?
    public var runbook: String?
    public var runbookPath: String?
    public var commit: String?
    public var contentHash: String?
    public var runStatus: RunStatus?
    /// The run's journal, relative to the incident directory's parent when below it.
    public var journal: String?
    // resolved
    public var rootCause: String?
    public var resolution: String?
    public var customerImpact: String?
    // reviewed: where the review is (a file, a link)
    public var review: String?
    // message_sent
    public var message: String?
    public var delivery: String?

    public init(_ event: IncidentEventKind) { self.event = event }
}

public enum IncidentError: Error, CustomStringConvertible, Equatable {
    /// A bad argument: an unknown incident, an unreadable time (exit 2).
    case usage(String)
    /// Well-formed, but the lifecycle forbids it: an invalid transition, a time that goes back (exit 1).
    case refused(String)
    /// The record could not be read or written (exit 2).
    case io(String)

    public var description: String {
        switch self {
        case .usage(let text), .refused(let text), .io(let text): text
        }
    }

    public var exitCode: Int32 {
        switch self {
        case .refused: 1
        case .usage, .io: 2
        }
    }
}

/// One incident's file: read whole, appended one fsync'd line at a time under an exclusive lock,
/// so two scribes writing at once are serialised and each sees the other's events.
public final class IncidentLog {
    public static let version = "rbc.incident/v1"

    public let path: String
    private let descriptor: Int32

    private init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = descriptor
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }

    /// Creates a new record (refused when the file exists) and locks it.
    static func create(_ path: String) throws(IncidentError) -> IncidentLog {
        let descriptor = Glibc.open(path, O_RDWR | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw .io("cannot create \(path): \(String(cString: strerror(errno)))") }
        flock(descriptor, LOCK_EX)
        syncDirectory(PathText.parent(of: path))
        return IncidentLog(path: path, descriptor: descriptor)
    }

    /// Opens an existing record to append, waiting for another rbc writing to it.
    static func open(_ path: String) throws(IncidentError) -> IncidentLog {
        let descriptor = Glibc.open(path, O_RDWR | O_APPEND | O_CLOEXEC)
        guard descriptor >= 0 else { throw .io("cannot open \(path): \(String(cString: strerror(errno)))") }
        while flock(descriptor, LOCK_EX) != 0 {
            guard errno == EINTR else {
                close(descriptor)
                throw .io("cannot lock \(path): \(String(cString: strerror(errno)))")
            }
        }
        // A line torn by a crash never completed: it is cut off, so the next event starts a line of its own.
        // A whole event that only lacks its line break (a hand edit) is kept and ended instead.
        if let data = FileManager.default.contents(atPath: path), let last = data.last, last != 0x0A {
            let complete = data.lastIndex(of: 0x0A).map { $0 + 1 } ?? 0
            if (try? JSONDecoder().decode(IncidentEvent.self, from: data[complete...])) != nil {
                let ended = Glibc.write(descriptor, "\n", 1) == 1 && fsync(descriptor) == 0
                if !ended {
                    let reason = String(cString: strerror(errno))
                    close(descriptor)
                    throw .io("cannot end the last line of \(path): \(reason)")
                }
                return IncidentLog(path: path, descriptor: descriptor)
            }
            guard ftruncate(descriptor, off_t(complete)) == 0, fsync(descriptor) == 0 else {
                let reason = String(cString: strerror(errno))
                close(descriptor)
                throw .io("cannot cut the torn last line of \(path): \(reason)")
            }
        }
        return IncidentLog(path: path, descriptor: descriptor)
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// Appends one event and fsyncs it. A failed write is cut back so the file ends in a whole line.
    func append(_ event: IncidentEvent) throws(IncidentError) {
        guard var data = try? Self.encoder.encode(event) else { throw .io("cannot encode the event") }
        data.append(0x0A)
        var end = stat()
        fstat(descriptor, &end)
        var failure: String?
        data.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(descriptor, buffer.baseAddress?.advanced(by: offset), buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    failure = String(cString: strerror(errno))
                    return
                }
                offset += written
            }
            if fsync(descriptor) != 0 { failure = String(cString: strerror(errno)) }
        }
        if let failure {
            _ = ftruncate(descriptor, end.st_size)
            _ = fsync(descriptor)
            throw .io("cannot write \(path): \(failure)")
        }
    }

    /// The events of a record. A last line torn by a crash is ignored; any other bad line is an error.
    public static func read(_ path: String) throws(IncidentError) -> [IncidentEvent] {
        guard let data = FileManager.default.contents(atPath: path) else { throw .io("cannot read \(path)") }
        let lines = data.split(separator: 0x0A, omittingEmptySubsequences: false)
        var events: [IncidentEvent] = []
        let decoder = JSONDecoder()
        for (index, line) in lines.enumerated() where !line.isEmpty {
            if index == 0, let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any],
               let version = object["version"] as? String, version != Self.version {
                throw .io("\(path) was written by a newer rbc (\(version)); upgrade rbc to read it")
            }
            do {
                events.append(try decoder.decode(IncidentEvent.self, from: Data(line)))
            } catch {
                // Only the last line can be torn (rbc died mid-write); it never completed, so it never happened.
                if index == lines.count - 1 { break }
                throw .io("\(path):\(index + 1): not an incident event (\(Self.reason(error)))")
            }
        }
        return events
    }

    static func reason(_ error: Error) -> String {
        switch error {
        case DecodingError.dataCorrupted(let context): return context.debugDescription
        case DecodingError.keyNotFound(let key, _): return "`\(key.stringValue)` missing"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            return "`\(context.codingPath.map(\.stringValue).joined(separator: "."))`: \(context.debugDescription)"
        default: return "\(error)"
        }
    }

    static func syncDirectory(_ directory: String) {
        let handle = Glibc.open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if handle >= 0 {
            fsync(handle)
            close(handle)
        }
    }
}

// What the executor does to the world goes through these protocols: processes, HTTP (requests and
// webhooks), config stores, the clock (deadlines, backoff waits) and the journal. The production
// implementations are the real ones below; unit tests hand the executor fakes, so its control flow
// (retries, deadlines, rollback order, signals) is tested without spawning anything.

import Foundation
#if canImport(Glibc)
import Glibc
#endif
import RunbookSema

/// Runs step commands and ends what they leave behind.
public protocol ProcessRunning: AnyObject, Sendable {
    /// Runs `shell -c command`; `started` receives the process group before any output, `echo` the output as it arrives.
    func run(command: String, shell: String, environment: [String: String], timeoutMs: Int,
             started: ((pid_t) -> Void)?, echo: (@Sendable ([UInt8], Bool) -> Void)?) throws -> ProcessResult
    /// Ends the running command (called from the signal thread).
    func interrupt()
    /// Forgets an interrupt before the next attempt or rollback.
    func resetInterrupt()
    /// The kernel's start time of a process, journaled so a reused pid is never mistaken for it.
    func startTicks(of pid: pid_t) -> UInt64?
    /// Why a journaled process group must not be signalled, nil when it may.
    func refusalToSignal(group: pid_t, startTicks: UInt64) -> String?
    /// Ends a killed run's process group; whether anything was ended.
    func endLeftover(group: pid_t, startTicks: UInt64) -> Bool
    /// Processes started with a run's `RBC_RUN_ID`, no older than `earliest`.
    func processes(ofRun runID: String, startedAtOrAfter earliest: UInt64) -> [pid_t]
    /// Ends processes; the ones that were ended.
    func endProcesses(_ pids: [pid_t]) -> [pid_t]
}

/// Sends HTTP requests (`http_request` steps, notification and ticket webhooks).
public protocol HTTPTransport: Sendable {
    /// A blocking request that ends by `timeoutMs`, or when `cancelled` says so; throws `HTTPClient.Failure`.
    func send(method: String, url: String, headers: [String: String], body: String?, timeoutMs: Int,
              userAgent: String, cancelled: (@Sendable () -> Bool)?) throws -> HTTPResponse
    /// The same for a request that carries a secret: redirects are followed only within its origin.
    func send(method: String, url: String, headers: [String: String], body: String?, timeoutMs: Int,
              userAgent: String, keepingOrigin: Bool, cancelled: (@Sendable () -> Bool)?) throws -> HTTPResponse
}

extension HTTPTransport {
    /// A request that carries a secret: a transport that can tell redirects apart follows them only
    /// within the request's origin; by default, the request as any other.
    public func send(method: String, url: String, headers: [String: String], body: String?, timeoutMs: Int,
                     userAgent: String, keepingOrigin: Bool, cancelled: (@Sendable () -> Bool)?) throws -> HTTPResponse {
        try send(method: method, url: url, headers: headers, body: body, timeoutMs: timeoutMs, userAgent: userAgent, cancelled: cancelled)
    }

    /// Posts a JSON document (keys sorted, so a webhook receives the same bytes every time).
    public func postJSON(_ url: String, _ object: [String: Any], timeoutMs: Int, userAgent: String,
                         cancelled: (@Sendable () -> Bool)?) throws -> HTTPResponse {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return try send(method: "POST", url: url, headers: ["Content-Type": "application/json"],
                        body: String(decoding: data, as: UTF8.self), timeoutMs: timeoutMs, userAgent: userAgent, cancelled: cancelled)
    }
}

/// Reads and changes config stores (`update_config` and its automatic rollback, plans).
public protocol ConfigStoreAccess: Sendable {
    func get(_ key: String, in store: ConfigStore) throws -> JSONValue?
    /// Sets `key`; `journal` receives what the store held and returns before anything changes (when it throws, nothing does).
    func set(_ key: String, to value: JSONValue, in store: ConfigStore, journal: (ConfigChange) throws -> Void) throws -> ConfigChange
    func restore(_ change: ConfigChange, in store: ConfigStore) throws
}

/// Time as the executor's deadlines and waits see it.
public protocol RunClock: Sendable {
    /// A monotonic reading in nanoseconds.
    func nanoseconds() -> UInt64
    /// Waits `milliseconds`, ending early when `interrupted` says so; false when it did.
    func sleep(milliseconds: Int, interrupted: () -> Bool) -> Bool
}

/// Where events are made durable before the action they announce (`Journal`: an fsync'd file).
public protocol EventJournal: AnyObject, Sendable {
    var path: String { get }
    /// Masks secrets in every event before it is written; set by the executor before its first event.
    var redactor: Redactor? { get set }
    /// Appends one event, durably; throws when it cannot, and then the caller must not act.
    @discardableResult
    func append(_ event: JournalEvent) throws -> JournalEvent
    /// Sets room aside for the events a rollback needs; throws when it is not there.
    func reserve(bytes: Int) throws
}

/// The effects one executor acts through.
public struct ExecutorEffects: Sendable {
    public var processes: any ProcessRunning
    public var http: any HTTPTransport
    public var stores: any ConfigStoreAccess
    public var clock: any RunClock

    public init(processes: any ProcessRunning, http: any HTTPTransport, stores: any ConfigStoreAccess, clock: any RunClock) {
        self.processes = processes
        self.http = http
        self.stores = stores
        self.clock = clock
    }

    /// The real ones: posix_spawn'd process groups, libcurl, store files, the monotonic clock.
    public static func live(gracePeriodMs: Int) -> ExecutorEffects {
        ExecutorEffects(processes: ProcessRunner(gracePeriodMs: gracePeriodMs), http: LibcurlTransport(),
                        stores: StoreFiles(), clock: MonotonicClock())
    }
}

extension ProcessRunner: ProcessRunning {
    public func startTicks(of pid: pid_t) -> UInt64? { Self.startTicks(of: pid) }
    public func refusalToSignal(group: pid_t, startTicks: UInt64) -> String? { Self.refusalToSignal(group: group, startTicks: startTicks) }
    public func endLeftover(group: pid_t, startTicks: UInt64) -> Bool { Self.endLeftover(group: group, startTicks: startTicks) }
    public func processes(ofRun runID: String, startedAtOrAfter earliest: UInt64) -> [pid_t] { Self.processes(ofRun: runID, startedAtOrAfter: earliest) }
    public func endProcesses(_ pids: [pid_t]) -> [pid_t] { Self.endProcesses(pids) }
}

/// HTTP on libcurl (HTTPClient).
public struct LibcurlTransport: HTTPTransport {
    public init() {}

    public func send(method: String, url: String, headers: [String: String], body: String?, timeoutMs: Int,
                     userAgent: String, cancelled: (@Sendable () -> Bool)?) throws -> HTTPResponse {
        try HTTPClient.send(method: method, url: url, headers: headers, body: body, timeoutMs: timeoutMs, userAgent: userAgent, cancelled: cancelled)
    }

    public func send(method: String, url: String, headers: [String: String], body: String?, timeoutMs: Int,
                     userAgent: String, keepingOrigin: Bool, cancelled: (@Sendable () -> Bool)?) throws -> HTTPResponse {
        try HTTPClient.send(method: method, url: url, headers: headers, body: body, timeoutMs: timeoutMs, userAgent: userAgent,
                            keepingOrigin: keepingOrigin, cancelled: cancelled)
    }
}

/// The store files themselves, locked and written in place (ConfigStore).
public struct StoreFiles: ConfigStoreAccess {
    public init() {}

    public func get(_ key: String, in store: ConfigStore) throws -> JSONValue? { try store.get(key) }

    public func set(_ key: String, to value: JSONValue, in store: ConfigStore, journal: (ConfigChange) throws -> Void) throws -> ConfigChange {
        try store.set(key, to: value, journal: journal)
    }

    public func restore(_ change: ConfigChange, in store: ConfigStore) throws { try store.restore(change) }
}

/// The system's monotonic clock; waits sleep in slices so a signal ends them within 50 ms.
public struct MonotonicClock: RunClock {
    public init() {}

    public func nanoseconds() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    public func sleep(milliseconds: Int, interrupted: () -> Bool) -> Bool {
        var left = milliseconds
        while left > 0 {
            if interrupted() { return false }
            let slice = min(left, 50)
            usleep(useconds_t(slice * 1000))
            left -= slice
        }
        return !interrupted()
    }
}

extension Journal: EventJournal {}

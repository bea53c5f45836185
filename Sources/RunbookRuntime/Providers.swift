// The real effects behind actions: a file-backed config store, webhooks for notifications and
// tickets, HTTP requests, and a terminal for approvals. Each is small and replaceable.

import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(Glibc)
import Glibc
#endif
import RunbookSema
import Yams

/// What an `update_config` replaced, as journaled before the store changes.
public struct ConfigChange: Sendable {
    public var store: String
    /// The store's absolute path (nil in journals older than this field).
    public var path: String?
    /// The key the step set.
    public var key: String
    /// The key whose previous state is recorded: `key`, or a shallower one the change replaced or created.
    public var undoKey: String
    /// The undo key's previous value; nil when it did not exist.
    public var previous: JSONValue?
    /// The previous value's exact source text, when the store keeps it.
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

    public init(name: String, path: String) {
        self.name = name
        self.path = path
    }

    public struct Failure: Error, CustomStringConvertible { public let description: String }

    var isYAML: Bool { ["yaml", "yml"].contains((path as NSString).pathExtension.lowercased()) }

    func load() throws -> [String: Any] {
        guard FileManager.default.fileExists(atPath: path) else { return [:] }
        guard let data = FileManager.default.contents(atPath: path) else { throw Failure(description: "cannot read \(path)") }
        if data.isEmpty { return [:] }
        let object: Any?
        if isYAML {
            object = try? Yams.load(yaml: String(decoding: data, as: UTF8.self))
        } else {
            object = try? JSONSerialization.jsonObject(with: data)
        }
        guard let dictionary = object as? [String: Any] else { throw Failure(description: "\(path) is not a mapping of keys") }
        return dictionary
    }

    /// The value at a dotted key, or nil when absent.
    public func get(_ key: String) throws -> JSONValue? {
        var current: Any = try load()
        for part in key.split(separator: ".").map(String.init) {
            guard let dictionary = current as? [String: Any], let next = dictionary[part] else { return nil }
            current = next
        }
        return Self.jsonValue(current)
    }

    /// Sets a dotted key. `journal` receives what the store held before (the previous value of the
    /// shallowest key the change replaces or creates) and must return before the file changes; when
    /// it throws, nothing is written.
    @discardableResult
    public func set(_ key: String, to value: JSONValue, journal: (ConfigChange) throws -> Void) throws -> ConfigChange {
        let parts = key.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard !parts.isEmpty, !parts.contains("") else { throw Failure(description: "`\(key)` is not a dotted key") }
        let document = try load()
        // The shallowest key the change replaces or creates: `a.b` where `a` is a scalar replaces `a`.
        var current: Any = document
        var depth = 0
        while depth < parts.count - 1, let mapping = current as? [String: Any], let next = mapping[parts[depth]] as? [String: Any] {
            current = next
            depth += 1
        }
        let undoKey = parts[0...depth].joined(separator: ".")
        let previous = ((current as? [String: Any])?[parts[depth]]).map(Self.jsonValue)
        let change = ConfigChange(store: name, path: path, key: key, undoKey: undoKey, previous: previous, previousSource: nil)
        try journal(change)
        try save(Self.setting(parts, to: Self.any(value), in: document))
        return change
    }

    /// Puts back what a change replaced: the previous value of its undo key, or no key at all.
    public func restore(_ change: ConfigChange) throws {
        let parts = change.undoKey.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        try save(Self.setting(parts, to: change.previous.map(Self.any), in: try load()))
    }

    static func setting(_ parts: [String], to value: Any?, in dictionary: [String: Any]) -> [String: Any] {
        var copy = dictionary
        let part = parts[0]
        if parts.count == 1 {
            if let value { copy[part] = value } else { copy.removeValue(forKey: part) }
        } else {
            copy[part] = setting(Array(parts.dropFirst()), to: value, in: copy[part] as? [String: Any] ?? [:])
        }
        return copy
    }

    func save(_ document: [String: Any]) throws {
        let data: Data
        if isYAML {
            data = Data(try Yams.dump(object: document, sortKeys: true).utf8)
        } else {
            data = try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys])
        }
        try Self.writeAtomically(data, to: path)
    }

    /// Temporary file in the same directory, fsync, rename over the target, fsync the directory.
    static func writeAtomically(_ data: Data, to path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent
        let temporary = directory + "/.\((path as NSString).lastPathComponent).rbc-\(getpid())"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard descriptor >= 0 else { throw Failure(description: "cannot write \(temporary): \(String(cString: strerror(errno)))") }
        let written = data.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        let synced = fsync(descriptor)
        close(descriptor)
        guard written == data.count, synced == 0, rename(temporary, path) == 0 else {
            unlink(temporary)
            throw Failure(description: "cannot replace \(path): \(String(cString: strerror(errno)))")
        }
        let directoryDescriptor = open(directory, O_RDONLY | O_DIRECTORY)
        if directoryDescriptor >= 0 {
            fsync(directoryDescriptor)
            close(directoryDescriptor)
        }
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

    static func any(_ value: JSONValue) -> Any {
        switch value {
        case .string(let text): text
        case .int(let number): number
        case .double(let number): number
        case .bool(let flag): flag
        case .null: NSNull()
        case .array(let items): items.map(any)
        case .object(let fields): fields.mapValues(any)
        }
    }
}

/// Where notifications and tickets go: a Slack-compatible incoming webhook or a generic JSON webhook.
public struct Webhook: Sendable {
    public enum Format: String, Sendable { case slack, json }
    public let url: String
    public let format: Format

    public init(url: String, format: Format) {
        self.url = url
        self.format = format
    }
}

public struct HTTPResponse: Sendable {
    public let status: Int
    public let body: String
}

public enum HTTPClient {
    public struct Failure: Error, CustomStringConvertible { public let description: String }

    /// A blocking request with a deadline. `userAgent` (`rbc/VERSION`) tells the server who calls; a
    /// step's own `User-Agent` header wins.
    public static func send(method: String, url: String, headers: [String: String], body: String?, timeoutMs: Int,
                            userAgent: String = "rbc") throws -> HTTPResponse {
        guard let target = URL(string: url), target.scheme == "http" || target.scheme == "https" else {
            throw Failure(description: "`\(url)` is not an http(s) URL")
        }
        var request = URLRequest(url: target)
        request.httpMethod = method
        request.timeoutInterval = Double(max(1, timeoutMs)) / 1000
        request.setValue(userAgent, forHTTPHeaderField: "User-Agent")
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        if let body { request.httpBody = Data(body.utf8) }
        let box = ResponseBox()
        let done = DispatchSemaphore(value: 0)
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = request.timeoutInterval
        configuration.timeoutIntervalForResource = request.timeoutInterval
        let session = URLSession(configuration: configuration)
        let task = session.dataTask(with: request) { data, response, error in
            box.set(data: data, response: response as? HTTPURLResponse, error: error)
            done.signal()
        }
        task.resume()
        if done.wait(timeout: .now() + .milliseconds(max(1, timeoutMs) + 1000)) == .timedOut {
            task.cancel()
            throw Failure(description: "no response from \(url) within \(timeoutMs) ms")
        }
        session.finishTasksAndInvalidate()
        let (data, response, error) = box.get()
        if let error { throw Failure(description: "\(method) \(url) failed: \(error.localizedDescription)") }
        guard let response else { throw Failure(description: "\(method) \(url): no HTTP response") }
        return HTTPResponse(status: response.statusCode, body: String(decoding: data ?? Data(), as: UTF8.self))
    }

    /// Posts a JSON document.
    public static func postJSON(_ url: String, _ object: [String: Any], timeoutMs: Int, userAgent: String = "rbc") throws -> HTTPResponse {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return try send(method: "POST", url: url, headers: ["Content-Type": "application/json"],
                        body: String(decoding: data, as: UTF8.self), timeoutMs: timeoutMs, userAgent: userAgent)
    }
}

private final class ResponseBox: @unchecked Sendable {
    private let lock = NSLock()
    private var data: Data?
    private var response: HTTPURLResponse?
    private var error: Error?

    func set(data: Data?, response: HTTPURLResponse?, error: Error?) {
        lock.lock()
        self.data = data
        self.response = response
        self.error = error
        lock.unlock()
    }

    func get() -> (Data?, HTTPURLResponse?, Error?) {
        lock.lock()
        defer { lock.unlock() }
        return (data, response, error)
    }
}

/// Questions to a person at the terminal.
public protocol Prompter: Sendable {
    /// True for yes, false for no; nil when there is no terminal to ask.
    func confirm(_ question: String) -> Bool?
}

/// Asks on /dev/tty when standard input is a terminal.
public struct TerminalPrompter: Prompter {
    public init() {}

    public func confirm(_ question: String) -> Bool? {
        guard isatty(STDIN_FILENO) == 1, let tty = fopen("/dev/tty", "r+") else { return nil }
        defer { fclose(tty) }
        fputs(question + " [y/N] ", tty)
        fflush(tty)
        var buffer = [CChar](repeating: 0, count: 64)
        guard fgets(&buffer, Int32(buffer.count), tty) != nil else { return false }
        let answer = String(cString: buffer).trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        return answer == "y" || answer == "yes"
    }
}

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

    /// Sets (or with nil removes) a dotted key; the file is replaced atomically and synced.
    public func set(_ key: String, to value: JSONValue?) throws {
        let parts = key.split(separator: ".").map(String.init)
        guard !parts.isEmpty else { throw Failure(description: "empty config key") }
        func update(_ dictionary: [String: Any], _ index: Int) -> [String: Any] {
            var copy = dictionary
            let part = parts[index]
            if index == parts.count - 1 {
                copy[part] = value.map(Self.any)
                if value == nil { copy.removeValue(forKey: part) }
            } else {
                copy[part] = update(copy[part] as? [String: Any] ?? [:], index + 1)
            }
            return copy
        }
        let updated = update(try load(), 0)
        let data: Data
        if isYAML {
            data = Data(try Yams.dump(object: updated, sortKeys: true).utf8)
        } else {
            data = try JSONSerialization.data(withJSONObject: updated, options: [.prettyPrinted, .sortedKeys])
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

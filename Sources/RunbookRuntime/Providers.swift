// The real effects behind actions (the config store has its own file): webhooks for notifications
// and tickets, HTTP requests, and a terminal for approvals. Each is small and replaceable.

import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(Glibc)
import Glibc
#endif
import RunbookSema

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

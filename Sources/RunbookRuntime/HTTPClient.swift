// HTTP requests for `http_request` steps and webhooks, on libcurl: one deadline in milliseconds for
// the whole request (connect, send, every byte of the answer), a body captured like a command's
// output (its head and tail, within a bound), and a way to end a request in flight (a signal).

import CCurl
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import RunbookSema

public struct HTTPResponse: Sendable {
    public let status: Int
    /// The body as captured: all of it when small, else its first and last parts with a marker.
    public let body: String
    /// Bytes received in all.
    public let bodyBytes: Int

    public init(status: Int, body: String, bodyBytes: Int) {
        self.status = status
        self.body = body
        self.bodyBytes = bodyBytes
    }
}

public enum HTTPClient {
    /// The body is kept like a command's output: the first and last half of this many bytes.
    public static let captureLimit = ProcessRunner.captureLimit

    public struct Failure: Error, CustomStringConvertible {
        public enum Kind: Sendable { case timedOut, interrupted, failed }
        public let kind: Kind
        public let description: String
        /// Bytes of the body received before the request ended.
        public var bodyBytes = 0

        public init(kind: Kind, description: String, bodyBytes: Int = 0) {
            self.kind = kind
            self.description = description
            self.bodyBytes = bodyBytes
        }
    }

    /// libcurl opened (on first use: see CCurl's shim.h) and its global state set up, once per
    /// process before any handle exists; nil, or why not.
    private static let unavailable: String? = {
        if let failure = rbc_curl_load() { return "libcurl could not be loaded (\(String(cString: failure)))" }
        return rbc_curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK ? nil : "libcurl could not start"
    }()

    /// A blocking request that ends by `timeoutMs` at the latest, or as soon as `cancelled` says so.
    /// `userAgent` (`rbc/VERSION`) tells the server who calls; a step's own `User-Agent` header wins.
    /// `keepingOrigin`: the request carries a secret, so a redirect to another origin (scheme, host,
    /// port) is not followed — libcurl would send it every header but `Authorization`, and the body.
    public static func send(method: String, url: String, headers: [String: String], body: String?, timeoutMs: Int,
                            userAgent: String = "rbc", keepingOrigin: Bool = false, cancelled: (@Sendable () -> Bool)? = nil) throws -> HTTPResponse {
        guard let target = URL(string: url), target.scheme == "http" || target.scheme == "https" else {
            throw Failure(kind: .failed, description: "`\(url)` is not an http(s) URL")
        }
        if let unavailable { throw Failure(kind: .failed, description: "\(method) \(url): \(unavailable)") }
        guard let handle = rbc_curl_easy_init() else {
            throw Failure(kind: .failed, description: "\(method) \(url): libcurl could not start")
        }
        defer { rbc_curl_easy_cleanup(handle) }
        let transfer = Transfer(cancelled: cancelled)
        if keepingOrigin { transfer.origin = RedirectGuard(url: target) }
        // A line break (or NUL) in a header would end it and start one of the sender's choosing: the
        // request is refused, whoever put it there (a parameter, the runbook, a webhook's config).
        if let (name, _) = headers.first(where: { Self.breaksLine($0.key) || Self.breaksLine($0.value) }) {
            throw Failure(kind: .failed, description: "\(method) \(url): header `\(name)` holds a line break, which would start a header of its own; not sent")
        }
        var headerList: UnsafeMutablePointer<curl_slist>?
        defer { rbc_curl_slist_free_all(headerList) }
        // No `Expect: 100-continue` round trip before a body: it costs a second with many servers.
        var lines = headers.sorted(by: { $0.key < $1.key }).map { "\($0.key): \($0.value)" } + ["Expect:"]
        if !headers.keys.contains(where: { $0.lowercased() == "user-agent" }) { lines.append("User-Agent: \(userAgent)") }
        for line in lines {
            headerList = rbc_curl_slist_append(headerList, line)
        }
        var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        let code: CURLcode = withExtendedLifetime(transfer) {
            errorBuffer.withUnsafeMutableBufferPointer { errors in
                let context = Unmanaged.passUnretained(transfer).toOpaque()
                rbc_curl_set_string(handle, CURLOPT_URL, url)
                rbc_curl_set_pointer(handle, CURLOPT_ERRORBUFFER, errors.baseAddress)
                // Threads and signals: no SIGALRM for name lookups, which would hit rbc's handlers.
                rbc_curl_set_long(handle, CURLOPT_NOSIGNAL, 1)
                rbc_curl_set_long(handle, CURLOPT_TIMEOUT_MS, max(1, timeoutMs))
                rbc_curl_set_long(handle, CURLOPT_CONNECTTIMEOUT_MS, max(1, timeoutMs))
                rbc_curl_set_long(handle, CURLOPT_FOLLOWLOCATION, 1)
                rbc_curl_set_long(handle, CURLOPT_MAXREDIRS, 5)
                rbc_curl_set_string(handle, CURLOPT_PROTOCOLS_STR, "http,https")
                rbc_curl_set_string(handle, CURLOPT_REDIR_PROTOCOLS_STR, "http,https")
                rbc_curl_set_headers(handle, headerList)
                switch method.uppercased() {
                case "GET": break
                case "HEAD": rbc_curl_set_long(handle, CURLOPT_NOBODY, 1)
                default: rbc_curl_set_string(handle, CURLOPT_CUSTOMREQUEST, method)
                }
                if let body {
                    let bytes = Array(body.utf8CString)
                    // Like every option set here, unchecked: a failure shows as the request's own error.
                    _ = bytes.withUnsafeBufferPointer { rbc_curl_set_body(handle, $0.baseAddress, bytes.count - 1) }
                    if method.uppercased() == "GET" { rbc_curl_set_string(handle, CURLOPT_CUSTOMREQUEST, "GET") }
                }
                rbc_curl_set_write_function(handle) { data, size, count, context in
                    guard let data, let context else { return 0 }
                    let transfer = Unmanaged<Transfer>.fromOpaque(context).takeUnretainedValue()
                    transfer.capture.append(UnsafeRawBufferPointer(start: data, count: size * count))
                    return size * count
                }
                rbc_curl_set_pointer(handle, CURLOPT_WRITEDATA, context)
                if keepingOrigin {
                    // Each redirect's Location is read before libcurl follows it: one to another origin ends the transfer.
                    rbc_curl_set_header_function(handle) { data, size, count, context in
                        guard let data, let context else { return 0 }
                        let transfer = Unmanaged<Transfer>.fromOpaque(context).takeUnretainedValue()
                        let line = String(decoding: UnsafeRawBufferPointer(start: data, count: size * count), as: UTF8.self)
                        return transfer.origin?.allows(headerLine: line) == false ? 0 : size * count
                    }
                    rbc_curl_set_pointer(handle, CURLOPT_HEADERDATA, context)
                }
                // Called at least once a second and on every chunk: a signal ends the request there.
                rbc_curl_set_long(handle, CURLOPT_NOPROGRESS, 0)
                rbc_curl_set_progress_function(handle) { context, _, _, _, _ in
                    guard let context else { return 0 }
                    return Unmanaged<Transfer>.fromOpaque(context).takeUnretainedValue().isCancelled ? 1 : 0
                }
                rbc_curl_set_pointer(handle, CURLOPT_XFERINFODATA, context)
                return rbc_curl_easy_perform(handle)
            }
        }
        if let refused = transfer.origin?.refused {
            throw Failure(kind: .failed, description: "\(method) \(url): redirected to another origin (\(refused)); not followed, as the request carries a secret",
                          bodyBytes: transfer.capture.total)
        }
        switch code {
        case CURLE_OK:
            return HTTPResponse(status: rbc_curl_response_code(handle), body: transfer.capture.text, bodyBytes: transfer.capture.total)
        case CURLE_OPERATION_TIMEDOUT:
            throw Failure(kind: .timedOut, description: "\(method) \(url): no complete answer within \(DurationParser.format(milliseconds: max(1, timeoutMs)))",
                          bodyBytes: transfer.capture.total)
        case CURLE_ABORTED_BY_CALLBACK:
            throw Failure(kind: .interrupted, description: "\(method) \(url): ended by a signal", bodyBytes: transfer.capture.total)
        default:
            let detail = String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let reason = detail.isEmpty ? String(cString: rbc_curl_easy_strerror(code)) : detail
            throw Failure(kind: .failed, description: "\(method) \(url) failed: \(reason)", bodyBytes: transfer.capture.total)
        }
    }

    /// CR, LF and NUL end a header line on the wire (libcurl sends a header as given).
    static func breaksLine(_ text: String) -> Bool {
        text.utf8.contains { $0 == 0x0D || $0 == 0x0A || $0 == 0 }
    }

    /// Posts a JSON document.
    public static func postJSON(_ url: String, _ object: [String: Any], timeoutMs: Int, userAgent: String = "rbc",
                                cancelled: (@Sendable () -> Bool)? = nil) throws -> HTTPResponse {
        try LibcurlTransport().postJSON(url, object, timeoutMs: timeoutMs, userAgent: userAgent, cancelled: cancelled)
    }
}

/// What libcurl's callbacks reach through their context pointer.
private final class Transfer {
    let capture = Capture(limit: HTTPClient.captureLimit)
    let cancelled: (@Sendable () -> Bool)?
    var origin: RedirectGuard?

    init(cancelled: (@Sendable () -> Bool)?) { self.cancelled = cancelled }

    var isCancelled: Bool { cancelled?() ?? false }
}

/// Follows a transfer's responses header by header: a redirect (301, 302, 303, 307, 308) whose
/// Location, resolved against the URL it answers, leaves the first URL's origin is refused.
struct RedirectGuard {
    let origin: String
    private var current: URL
    private var redirecting = false
    private(set) var refused: String?

    init(url: URL) {
        origin = Self.origin(of: url)
        current = url
    }

    /// The scheme, host (lower-case) and port, the default port written out.
    static func origin(of url: URL) -> String {
        let scheme = url.scheme?.lowercased() ?? ""
        return "\(scheme)://\(url.host?.lowercased() ?? ""):\(url.port ?? (scheme == "https" ? 443 : 80))"
    }

    mutating func allows(headerLine line: String) -> Bool {
        let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.hasPrefix("HTTP/") {
            let status = trimmed.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
            redirecting = [301, 302, 303, 307, 308].contains(status)
            return true
        }
        guard redirecting, let colon = trimmed.firstIndex(of: ":"),
              trimmed[..<colon].lowercased() == "location" else { return true }
        let location = trimmed[trimmed.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        guard let next = URL(string: location, relativeTo: current)?.absoluteURL else { return true }
        guard Self.origin(of: next) == origin else {
            refused = Self.origin(of: next)
            return false
        }
        current = next
        return true
    }
}

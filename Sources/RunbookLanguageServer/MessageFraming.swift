// The LSP base protocol's framing: `Content-Length: N\r\n` headers, a blank line, N bytes of JSON.
// Pure over a byte buffer, so every edge case (split reads, bad headers, huge lengths) is a unit test.

import Foundation

/// What the next bytes of the stream hold.
public enum Frame: Equatable, Sendable {
    /// One message body, exactly as many bytes as its `Content-Length` said.
    case message(Data)
    /// A header block that cannot be read (no `Content-Length`, a bad number, too large): its body,
    /// when a length was given, is skipped so the next message still parses.
    case malformed(String)
}

/// Splits a byte stream into frames. Feed it what `read` returns; take frames until it has none.
public struct FrameParser: Sendable {
    /// Bodies above this are refused (and skipped): no client sends a 64 MiB runbook.
    public static let maximumBodyLength = 64 << 20
    /// A header block longer than this is not LSP: refused and discarded up to its end.
    static let maximumHeaderLength = 8 << 10

    private var buffer: [UInt8] = []
    /// Bytes still to throw away from a refused body.
    private var skipping = 0

    public init() {}

    public mutating func append<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        buffer.append(contentsOf: bytes)
    }

    /// The next complete frame, or nil when more input is needed.
    public mutating func next() -> Frame? {
        if skipping > 0 {
            let dropped = min(skipping, buffer.count)
            buffer.removeFirst(dropped)
            skipping -= dropped
            if skipping > 0 { return nil }
        }
        guard let headerEnd = Self.headerTerminator(in: buffer) else {
            if buffer.count > Self.maximumHeaderLength {
                // Keep the tail: it may hold the start of the next terminator.
                buffer.removeFirst(buffer.count - 3)
                return .malformed("header block longer than \(Self.maximumHeaderLength) bytes")
            }
            return nil
        }
        let header = String(decoding: buffer[..<headerEnd.start], as: UTF8.self)
        let bodyStart = headerEnd.end
        var length: Int?
        var lengthText: String?
        for line in header.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\r\n" || $0 == "\n" || $0 == "\r" }) {
            // Found anywhere on the line, not only at its start: after a Content-Length that was too
            // short, the rest of that body runs into the next header, and reading the header there
            // is what keeps every later message (`shutdown` included) from being lost as well.
            guard let name = line.range(of: "Content-Length", options: .caseInsensitive) else { continue }
            let afterName = line[name.upperBound...].drop { $0 == " " || $0 == "\t" }
            guard afterName.first == ":" else { continue }
            let value = afterName.dropFirst().trimmingCharacters(in: .whitespacesAndNewlines)
            lengthText = value
            length = value.count <= 12 && !value.isEmpty && value.allSatisfy(\.isASCIIDigit) ? Int(value) : nil
        }
        guard let length else {
            buffer.removeFirst(bodyStart)
            return .malformed(lengthText.map { "Content-Length `\($0)` is not a byte count" } ?? "header has no Content-Length")
        }
        if length > Self.maximumBodyLength {
            buffer.removeFirst(bodyStart)
            skipping = length
            return .malformed("Content-Length \(length) exceeds the \(Self.maximumBodyLength)-byte limit")
        }
        guard buffer.count - bodyStart >= length else { return nil }
        let body = Data(buffer[bodyStart..<(bodyStart + length)])
        buffer.removeFirst(bodyStart + length)
        return .message(body)
    }

    /// Where `\r\n\r\n` (or, leniently, `\n\n`) ends the header block.
    static func headerTerminator(in bytes: [UInt8]) -> (start: Int, end: Int)? {
        var index = 0
        while index < bytes.count {
            if bytes[index] == 0x0A {
                if index + 1 < bytes.count, bytes[index + 1] == 0x0A { return (index, index + 2) }
                if index + 2 < bytes.count, bytes[index + 1] == 0x0D, bytes[index + 2] == 0x0A { return (index, index + 3) }
            }
            index += 1
        }
        return nil
    }

    /// One message framed for writing.
    public static func frame(_ body: Data) -> Data {
        var framed = Data("Content-Length: \(body.count)\r\n\r\n".utf8)
        framed.append(body)
        return framed
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}

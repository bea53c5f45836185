// The real effects behind actions (the config store has its own file): webhooks for notifications
// and tickets, and a terminal for approvals (HTTP itself: HTTPClient.swift). Each is small and replaceable.

import Foundation
#if canImport(Glibc)
import Glibc
#endif
import RunbookSema
import RunbookSource

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

/// Questions to a person at the terminal.
public protocol Prompter: Sendable {
    /// True for yes, false for no; nil when there is no terminal to ask.
    func confirm(_ question: String) -> Bool?
    /// One of `options` (answered by a prefix, `r` for `run`); nil when nobody can answer.
    func choose(_ question: String, options: [String]) -> String?
}

extension Prompter {
    public func choose(_ question: String, options: [String]) -> String? { nil }

    /// The option an answer names: the whole word or its first letters.
    public static func option(_ answer: String, in options: [String]) -> String? {
        let word = answer.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        guard !word.isEmpty else { return nil }
        return options.first { $0 == word } ?? options.first { $0.hasPrefix(word) }
    }
}

/// Asks on /dev/tty when standard input is a terminal.
public struct TerminalPrompter: Prompter {
    public init() {}

    public func confirm(_ question: String) -> Bool? {
        guard isatty(STDIN_FILENO) == 1, let tty = fopen("/dev/tty", "r+") else { return nil }
        defer { fclose(tty) }
        fputs(TerminalText.visible(question) + " [y/N] ", tty)
        fflush(tty)
        var buffer = [CChar](repeating: 0, count: 64)
        guard fgets(&buffer, Int32(buffer.count), tty) != nil else { return false }
        let answer = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        return answer == "y" || answer == "yes"
    }

    /// Asks on /dev/tty when standard input is a terminal; otherwise reads answers, one a line, from
    /// standard input (scripted step mode). An answer that names no option is asked again; the end
    /// of input is nil.
    public func choose(_ question: String, options: [String]) -> String? {
        let interactive = isatty(STDIN_FILENO) == 1
        let descriptor = interactive ? open("/dev/tty", O_RDWR) : STDIN_FILENO
        guard descriptor >= 0 else { return nil }
        defer { if interactive { close(descriptor) } }
        while true {
            let prompt = TerminalText.visible(question) + " "
            _ = prompt.withCString { write(interactive ? descriptor : STDERR_FILENO, $0, strlen($0)) }
            // One byte at a time: the next question's answer stays unread in the pipe.
            var bytes: [UInt8] = []
            var byte: UInt8 = 0
            while read(descriptor, &byte, 1) == 1, byte != 0x0A, bytes.count < 256 { bytes.append(byte) }
            if bytes.isEmpty && byte != 0x0A { return nil }
            byte = 0
            let line = String(decoding: bytes, as: UTF8.self)
            if !interactive { _ = (line + "\n").withCString { write(STDERR_FILENO, $0, strlen($0)) } }
            if let option = Self.option(line, in: options) { return option }
        }
    }
}

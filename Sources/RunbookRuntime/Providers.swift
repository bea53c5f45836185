// The real effects behind actions (the config store has its own file): webhooks for notifications
// and tickets, and a terminal for approvals (HTTP itself: HTTPClient.swift). Each is small and replaceable.

import Foundation
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

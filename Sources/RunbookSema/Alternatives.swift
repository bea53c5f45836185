// Alternatives written into one command (`# Option A: Restart` … `# Option B: Rollback` …, seed 001's
// own example): a person picks one; run as one script, both would happen. Lint reports them and the
// executor refuses to run both; step mode offers the choice.

import Foundation

public enum Alternatives {
    public struct Option: Sendable, Equatable {
        /// `Option A: Restart`, as written after the `#`.
        public let label: String
        /// Byte offset of the comment line in the command.
        public let offset: Int
        /// The lines after the label, up to the next option.
        public let body: String
    }

    /// A comment line that opens an alternative: `# Option A: …`, `# Alternative 2 - …`, `## Option B)`.
    static let marker = try? NSRegularExpression(
        pattern: #"^[ \t]*#+[ \t]*((?:option|alternative|approach)[ \t]+(?:[A-Za-z]|[0-9]{1,2})\b[ \t]*(?:[:.)–-].*)?)$"#,
        options: [.caseInsensitive])

    /// The alternatives in a command and the lines before the first (which every choice runs); no
    /// options unless there are at least two with distinct labels.
    public static func split(_ command: String) -> (preamble: String, options: [Option]) {
        // Every option line holds a `#`: most commands hold none, and need no line-by-line search.
        guard let marker, command.utf8.contains(UInt8(ascii: "#")) else { return (command, []) }
        var preamble: [Substring] = []
        var options: [(label: String, offset: Int, lines: [Substring])] = []
        var offset = 0
        for line in command.split(separator: "\n", omittingEmptySubsequences: false) {
            let text = String(line)
            if line.utf8.contains(UInt8(ascii: "#")), let match = marker.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)),
               let range = Range(match.range(at: 1), in: text) {
                options.append((String(text[range]).trimmingCharacters(in: .whitespaces), offset, []))
            } else if options.isEmpty {
                preamble.append(line)
            } else {
                options[options.count - 1].lines.append(line)
            }
            offset += line.utf8.count + 1
        }
        let keys = Set(options.map { key($0.label) })
        guard options.count >= 2, keys.count == options.count else { return (command, []) }
        return (preamble.joined(separator: "\n"), options.map { Option(label: $0.label, offset: $0.offset, body: $0.lines.joined(separator: "\n")) })
    }

    /// The command that runs one option: the shared lines, then that option's.
    public static func choose(_ option: Option, preamble: String) -> String {
        preamble.isEmpty ? option.body : preamble + "\n" + option.body
    }

    /// `Option A: Restart` → `option a`: what tells two options apart.
    static func key(_ label: String) -> String {
        label.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber }).prefix(2).joined(separator: " ")
    }
}

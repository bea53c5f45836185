// A baseline: the findings a repository already had when it turned the gate on, so `rbc check
// --baseline FILE` fails only on new ones. Findings are matched by fingerprint — rule, file, the
// flagged text and its line (whitespace collapsed), the message with numbers masked — never by line
// number, so edits elsewhere in a file do not turn old findings into new ones.

import Foundation
import RunbookSource

public struct Baseline: Sendable, Equatable {
    public static let formatVersion = 1

    /// One fingerprint and how many findings carry it (identical findings are counted, not merged away).
    public struct Entry: Codable, Sendable, Equatable {
        public var code: String
        public var file: String
        public var message: String
        public var fingerprint: String
        public var count: Int
    }

    struct Document: Codable {
        var version: Int
        var findings: [Entry]
    }

    public var entries: [Entry]

    /// The directory file paths are relative to (the baseline file's).
    let directory: String

    /// The baseline of `diagnostics`, for a file in `directory`.
    public init(diagnostics: [Diagnostic], directory: String) {
        self.directory = directory
        var counts: [String: Entry] = [:]
        for diagnostic in diagnostics {
            let file = Baseline.relativePath(diagnostic.path, to: directory)
            let fingerprint = Baseline.fingerprint(diagnostic, file: file)
            counts[fingerprint, default: Entry(code: diagnostic.code.id, file: file, message: diagnostic.message, fingerprint: fingerprint, count: 0)].count += 1
        }
        entries = counts.values.sorted { ($0.file, $0.code, $0.message, $0.fingerprint) < ($1.file, $1.code, $1.message, $1.fingerprint) }
    }

    public enum LoadError: Error, CustomStringConvertible {
        case missing(String)
        case unreadable(String, String)

        public var description: String {
            switch self {
            case .missing(let path): "baseline \(path) does not exist; write it with --update-baseline"
            case .unreadable(let path, let why): "baseline \(path) is not an rbc baseline: \(why)"
            }
        }
    }

    public static func load(path: String) throws(LoadError) -> Baseline {
        let bytes: [UInt8]
        switch SourceLoader.readRegularFile(path, limit: Int.max) {
        case .bytes(let read): bytes = read
        case .missing: throw .missing(path)
        case .directory: throw .unreadable(path, "it is a directory")
        case .notRegular: throw .unreadable(path, "it is not a regular file (a pipe, a device or a socket)")
        case .unreadable(let why): throw .unreadable(path, why)
        }
        let document: Document
        do {
            document = try JSONDecoder().decode(Document.self, from: Data(bytes))
        } catch {
            throw .unreadable(path, Self.describe(error))
        }
        guard document.version == formatVersion else { throw .unreadable(path, "version \(document.version), this rbc reads \(formatVersion)") }
        return Baseline(entries: document.findings, directory: directory(of: path))
    }

    /// A decoding error in a sentence: what is wrong and where, not Foundation's debug description.
    static func describe(_ error: Error) -> String {
        func place(_ path: [CodingKey]) -> String {
            path.isEmpty ? "the top level" : "`" + path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".") + "`"
        }
        switch error as? DecodingError {
        case .dataCorrupted(let context)?:
            return context.codingPath.isEmpty ? "it is not valid JSON" : "the value at \(place(context.codingPath)) is not valid"
        case .keyNotFound(let key, let context)?: return "\(place(context.codingPath + [key])) is missing"
        case .typeMismatch(let type, let context)?: return "\(place(context.codingPath)) is not \(type == Int.self ? "an integer" : type == String.self ? "a string" : type == [Entry].self ? "a list" : "what a baseline holds")"
        case .valueNotFound(_, let context)?: return "\(place(context.codingPath)) is null"
        default: return "\(error)"
        }
    }

    init(entries: [Entry], directory: String) {
        self.entries = entries
        self.directory = directory
    }

    public static func directory(of path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.deletingLastPathComponent().path
    }

    /// Pretty, sorted JSON: stable bytes, reviewable diffs.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(Document(version: Baseline.formatVersion, findings: entries))
        data.append(0x0A)
        return data
    }

    /// Splits findings into those the baseline holds and new ones; a fingerprint counted N times in
    /// the baseline absorbs at most N findings. `fixed` counts baseline findings that no longer occur.
    public func compare(_ diagnostics: [Diagnostic]) -> BaselineComparison {
        var remaining = Dictionary(entries.map { ($0.fingerprint, $0.count) }, uniquingKeysWith: +)
        var comparison = BaselineComparison()
        for diagnostic in diagnostics {
            let fingerprint = Baseline.fingerprint(diagnostic, file: Baseline.relativePath(diagnostic.path, to: directory))
            if let left = remaining[fingerprint], left > 0 {
                remaining[fingerprint] = left - 1
                comparison.unchanged.append(diagnostic)
                comparison.states.append(.unchanged)
            } else {
                comparison.new.append(diagnostic)
                comparison.states.append(.new)
            }
            comparison.all.append(diagnostic)
        }
        comparison.fixed = remaining.values.reduce(0, +)
        return comparison
    }

    static func fingerprint(_ diagnostic: Diagnostic, file: String) -> String {
        var excerpt = ""
        var context = ""
        if let source = diagnostic.file, let range = diagnostic.range, let start = diagnostic.start {
            excerpt = collapsed(source.slice(range))
            context = collapsed(source.lineText(start.line))
        }
        let message = diagnostic.message.replacingOccurrences(of: "[0-9]+", with: "#", options: .regularExpression)
        let key = [diagnostic.code.id, file, excerpt, context, message].joined(separator: "\u{0}")
        return String(SHA256.hex(Array(key.utf8)).prefix(32))
    }

    static func collapsed(_ text: String) -> String {
        text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }).joined(separator: " ")
    }

    /// `path` (relative to the working directory, or absolute) relative to `directory` when below it.
    static func relativePath(_ path: String, to directory: String) -> String {
        guard !path.isEmpty else { return "" }
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        let prefix = directory.hasSuffix("/") ? directory : directory + "/"
        return absolute.hasPrefix(prefix) ? String(absolute.dropFirst(prefix.count)) : absolute
    }
}

public enum BaselineState: String, Sendable {
    case new, unchanged
}

/// Findings split against a baseline, in output order.
public struct BaselineComparison: Sendable {
    public var all: [Diagnostic] = []
    /// `states[i]` is the state of `all[i]`.
    public var states: [BaselineState] = []
    public var new: [Diagnostic] = []
    public var unchanged: [Diagnostic] = []
    /// Baseline findings that no longer occur.
    public var fixed = 0
}

// `rbc review`: after a person has reviewed a runbook, set `reviewed:` to the day of the review with
// one byte edit (the value replaced, or one line added beside the other metadata), so the staleness
// rules (RB017, RB018) are satisfied by a review rather than silenced. Never offered as a fix: only a
// person can say a review happened.

import Foundation
import RunbookSema
import RunbookSource
import RunbookSyntax

public enum ReviewStamp {
    public enum Outcome: Sendable, Equatable {
        /// The stamp was written: the previous date, or nil when the key was added.
        case stamped(previous: String?)
        /// `reviewed:` already says today.
        case unchanged
        /// Not written, and why.
        case refused(String)
    }

    /// Metadata keys after which a new `reviewed:` line reads naturally, best first.
    static let neighbours = ["review_every", "owner", "severity", "name", "description"]

    /// The edit that sets `reviewed: today` in a runbook's text, or why there is none.
    public static func edit(_ file: SourceFile, today: String) -> Result<(edit: TextEdit, previous: String?), ReviewError> {
        let result = Compiler.compile(file, hashing: false)
        guard let syntax = result.syntax else { return .failure(.notARunbook) }
        let isMarkdown = syntax.format == .markdown
        if let field = syntax.metadata["reviewed"], isWrittenAsKey(field, in: file) {
            let previous = field.value.scalarValue
            if previous == today { return .failure(.alreadyToday) }
            guard let edit = ScalarEdits.replacingValue(of: field.value, with: today, file: file) else { return .failure(.cannotPlace) }
            return .success((edit, previous))
        }
        if syntax.metadata["reviewed"] != nil { return .failure(.cannotPlace) }
        // Add a line after a one-line `key: value` of the same mapping, with its indentation and line ending.
        let simple = syntax.metadata.fields.filter { isWrittenAsKey($0, in: file) && isOneLine($0, in: file) }
        let anchor = neighbours.lazy.compactMap { key in simple.first { $0.key == key } }.first ?? simple.first
        if let anchor {
            let line = file.lineColumn(of: anchor.keyRange.start).line
            let lineRange = file.lineRange(line)
            let indent = file.slice(SourceRange(start: lineRange.start, end: anchor.keyRange.start))
            guard indent.allSatisfy({ $0 == " " }) else { return .failure(.cannotPlace) }
            let newline = lineEnding(after: lineRange.end, in: file)
            return .success((TextEdit.insert(newline + indent + "reviewed: " + today, at: lineRange.end), nil))
        }
        if isMarkdown {
            // No front matter (or an empty one): add the key where front matter starts.
            if file.text.hasPrefix("---\n") || file.text.hasPrefix("---\r\n") {
                let first = file.lineRange(1)
                let newline = lineEnding(after: first.end, in: file)
                return .success((TextEdit.insert(newline + "reviewed: " + today, at: first.end), nil))
            }
            let newline = file.text.contains("\r\n") ? "\r\n" : "\n"
            return .success((TextEdit.insert("---" + newline + "reviewed: " + today + newline + "---" + newline, at: 0), nil))
        }
        return .failure(.cannotPlace)
    }

    /// Stamps one file on disk: the edit is applied only when the edited runbook compiles with
    /// `reviewed` equal to today and no new error.
    public static func stamp(path: String, today: String) -> Outcome {
        guard case .loaded(let file) = SourceLoader.load(path: path) else { return .refused("cannot read it as a runbook") }
        switch edit(file, today: today) {
        case .failure(.alreadyToday):
            return .unchanged
        case .failure(let error):
            return .refused(error.description)
        case .success(let (edit, previous)):
            guard let edited = TextEdits.apply([edit], to: file.bytes) else { return .refused(ReviewError.cannotPlace.description) }
            let before = Compiler.compile(file, hashing: false)
            let after = Compiler.compile(SourceFile(path: path, text: String(decoding: edited, as: UTF8.self)), hashing: false)
            let errors = { (result: CompilationResult) in result.diagnostics.filter { $0.severity == .error }.count }
            guard (after.ir ?? after.recoveredIR)?.runbook.reviewed == today, errors(after) <= errors(before) else {
                return .refused(ReviewError.cannotPlace.description)
            }
            switch FixSession.write([edit], to: path, expecting: file.bytes) {
            case .written: return .stamped(previous: previous)
            case .failed(let reason): return .refused(reason)
            }
        }
    }

    public enum ReviewError: Error, CustomStringConvertible {
        case notARunbook, alreadyToday, cannotPlace

        public var description: String {
            switch self {
            case .notARunbook: "it is not a runbook rbc can read"
            case .alreadyToday: "`reviewed:` is already today"
            case .cannotPlace: "cannot place `reviewed:` exactly (metadata in flow style, or a value written unusually); set it by hand"
            }
        }
    }

    /// The key is spelt out in the file as `key:` (not a Markdown label or a merged key).
    static func isWrittenAsKey(_ field: FieldSyntax, in file: SourceFile) -> Bool {
        guard field.keyRange.end < file.bytes.count, file.slice(field.keyRange) == field.key else { return false }
        return file.bytes[field.keyRange.end] == UInt8(ascii: ":")
    }

    /// Key and scalar value on one line of a block mapping.
    static func isOneLine(_ field: FieldSyntax, in file: SourceFile) -> Bool {
        guard case .scalar(_, let style) = field.value.kind, !style.isBlock else { return false }
        let line = file.lineColumn(of: field.keyRange.start).line
        let range = file.lineRange(line)
        return field.value.range.start >= range.start && field.value.range.end <= range.end
    }

    static func lineEnding(after offset: Int, in file: SourceFile) -> String {
        if offset + 1 < file.bytes.count, file.bytes[offset] == 0x0D, file.bytes[offset + 1] == 0x0A { return "\r\n" }
        if offset < file.bytes.count, file.bytes[offset] == 0x0D { return "\r" }
        return "\n"
    }
}

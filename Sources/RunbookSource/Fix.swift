// The fix model shared by `rbc check --fix`, JSON and SARIF output and the language server's code
// actions: a fix is a set of byte-range replacements in the diagnostic's own file that leaves every
// other byte as it was, so the file keeps its formatting, comments and quoting.

/// One replacement in a file's text: the bytes `range` (UTF-8 byte offsets into the whole file,
/// half-open; `start == end` inserts) become `replacement`.
public struct TextEdit: Hashable, Sendable {
    public var range: SourceRange
    public var replacement: String

    public init(_ range: SourceRange, _ replacement: String) {
        self.range = range
        self.replacement = replacement
    }

    public static func insert(_ text: String, at offset: Int) -> TextEdit { TextEdit(.at(offset), text) }
    public static func delete(_ range: SourceRange) -> TextEdit { TextEdit(range, "") }
}

/// Whether a fix may be applied without a person looking at it, as ruff classifies its fixes.
public enum FixApplicability: String, Sendable, Codable, CaseIterable {
    /// Keeps what the runbook does (or does only what its author evidently meant): `rbc check --fix`.
    case safe
    /// Changes behaviour or guesses intent; applied only with `--unsafe-fixes`, shown as a suggestion otherwise.
    case unsafe
}

/// A fix for one diagnostic: edits in the diagnostic's file (`Diagnostic.file`), none overlapping.
public struct Fix: Hashable, Sendable {
    /// What applying it does, imperative and short ("replace `sudo` with `sudo -n`"); an editor's code action title.
    public var title: String
    public var applicability: FixApplicability
    /// Sorted by range, non-overlapping.
    public var edits: [TextEdit]

    public init(_ title: String, _ applicability: FixApplicability, edits: [TextEdit]) {
        self.title = title
        self.applicability = applicability
        self.edits = edits.sorted { $0.range < $1.range }
    }

    public static func safe(_ title: String, _ edits: TextEdit...) -> Fix { Fix(title, .safe, edits: edits) }
    public static func unsafe(_ title: String, _ edits: TextEdit...) -> Fix { Fix(title, .unsafe, edits: edits) }

    /// The byte range all edits together touch.
    public var span: SourceRange? {
        guard let first = edits.first, let last = edits.last else { return nil }
        return SourceRange(start: first.range.start, end: edits.map(\.range.end).max() ?? last.range.end)
    }

    /// Whether the edits are in order, inside `byteCount`, and don't overlap one another.
    public func isWellFormed(byteCount: Int) -> Bool {
        var previousEnd = 0
        for edit in edits {
            guard edit.range.start >= previousEnd, edit.range.end <= byteCount else { return false }
            previousEnd = edit.range.end
        }
        return true
    }

    /// Whether this fix and another touch or abut (conservative: a later round of `--fix` applies the other).
    public func overlaps(_ other: Fix) -> Bool {
        edits.contains { edit in
            other.edits.contains { theirs in edit.range.start <= theirs.range.end && theirs.range.start <= edit.range.end }
        }
    }
}

extension SourceRange {
    public var isEmpty: Bool { start == end }
    public var length: Int { end - start }
}

public enum TextEdits {
    /// Applies non-overlapping edits (any order) to UTF-8 bytes; nil when they overlap or fall outside.
    public static func apply(_ edits: [TextEdit], to bytes: [UInt8]) -> [UInt8]? {
        let sorted = edits.sorted { $0.range < $1.range }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var cursor = 0
        for edit in sorted {
            guard edit.range.start >= cursor, edit.range.end <= bytes.count else { return nil }
            output.append(contentsOf: bytes[cursor..<edit.range.start])
            output.append(contentsOf: Array(edit.replacement.utf8))
            cursor = edit.range.end
        }
        output.append(contentsOf: bytes[cursor...])
        return output
    }

    /// Applies non-overlapping edits to a string; nil when they overlap or fall outside.
    public static func apply(_ edits: [TextEdit], to text: String) -> String? {
        apply(edits, to: Array(text.utf8)).map { String(decoding: $0, as: UTF8.self) }
    }
}

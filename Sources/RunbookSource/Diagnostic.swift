// The diagnostic model every stage returns; stages never print.

public enum Severity: String, Sendable, Codable, Comparable, CaseIterable {
    case info, warning, error

    private var rank: Int {
        switch self {
        case .info: 0
        case .warning: 1
        case .error: 2
        }
    }

    public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }
}

public struct DiagnosticNote: Sendable {
    public var message: String
    public var range: SourceRange?

    public init(_ message: String, at range: SourceRange? = nil) {
        self.message = message
        self.range = range
    }
}

public struct Diagnostic: Sendable {
    public var code: DiagnosticCode
    public var severity: Severity
    public var message: String
    /// The file the diagnostic is about; nil for one about the invocation itself.
    public var file: SourceFile?
    /// Where, when the file has text to point into; nil for whole-file diagnostics.
    public var range: SourceRange?
    /// A path to show when there is no `SourceFile` (a missing file, say).
    public var displayPath: String?
    public var help: String?
    public var notes: [DiagnosticNote]
    /// A byte-level edit of `file` that resolves this diagnostic, when one is certain enough to offer.
    public var fix: Fix?

    public init(
        _ code: DiagnosticCode,
        _ message: String,
        severity: Severity? = nil,
        file: SourceFile? = nil,
        range: SourceRange? = nil,
        displayPath: String? = nil,
        help: String? = nil,
        notes: [DiagnosticNote] = [],
        fix: Fix? = nil
    ) {
        self.code = code
        self.severity = severity ?? code.defaultSeverity
        self.message = message
        self.file = file
        self.range = range
        self.displayPath = displayPath
        self.help = help
        self.notes = notes
        self.fix = fix
    }

    public var path: String { file?.path ?? displayPath ?? "" }

    public var start: LineColumn? {
        guard let file, let range else { return nil }
        return file.lineColumn(of: range.start)
    }

    public var end: LineColumn? {
        guard let file, let range else { return nil }
        return file.lineColumn(of: range.end)
    }

    /// Order of output: by file, line, column, then id, so parallel checking stays deterministic.
    public static func outputOrder(_ lhs: Diagnostic, _ rhs: Diagnostic) -> Bool {
        if lhs.path != rhs.path { return lhs.path < rhs.path }
        let left = lhs.start ?? LineColumn(line: 0, column: 0)
        let right = rhs.start ?? LineColumn(line: 0, column: 0)
        if left != right { return left < right }
        if lhs.code.id != rhs.code.id { return lhs.code.id < rhs.code.id }
        return lhs.message < rhs.message
    }
}

/// Collects diagnostics for one stage run.
public struct DiagnosticBag: Sendable {
    public private(set) var diagnostics: [Diagnostic] = []
    public let file: SourceFile?

    public init(file: SourceFile?) {
        self.file = file
    }

    public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }

    /// Identity of a reported diagnostic: a node reached through several aliases is reported once.
    private struct Key: Hashable {
        let code: String
        let range: SourceRange?
        let message: String
    }

    private var reported = Set<Key>()

    public mutating func report(
        _ code: DiagnosticCode, _ message: String, at range: SourceRange?,
        help: String? = nil, notes: [DiagnosticNote] = [], severity: Severity? = nil, fix: Fix? = nil
    ) {
        guard reported.insert(Key(code: code.id, range: range, message: message)).inserted else { return }
        diagnostics.append(Diagnostic(code, message, severity: severity, file: file, range: range, help: help, notes: notes, fix: fix))
    }

    public mutating func append(contentsOf other: [Diagnostic]) {
        diagnostics.append(contentsOf: other)
    }

    public mutating func removeAll(where shouldBeRemoved: (Diagnostic) -> Bool) {
        diagnostics.removeAll(where: shouldBeRemoved)
    }
}

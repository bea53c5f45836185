// Diagnostics to bytes and back, for the check cache: every field, the fix included, so a cached
// answer is the answer. `DiagnosticCoding.fields` lists what is stored; a test compares it with the
// types' own fields, so a field added later cannot be dropped from the cache unnoticed.

public enum DiagnosticCoding {
    /// The stored fields of each type this encoding writes, by name.
    public static let fields: [String: [String]] = [
        "Diagnostic": ["code", "severity", "message", "file", "range", "displayPath", "help", "notes", "fix"],
        "DiagnosticCode": ["id", "slug", "defaultSeverity", "summary"],
        "DiagnosticNote": ["message", "range"],
        "Fix": ["title", "applicability", "edits"],
        "TextEdit": ["range", "replacement"],
        "SourceRange": ["start", "end"],
    ]

    public static func encode(_ diagnostics: [Diagnostic], into writer: inout CacheWriter) {
        writer.int(diagnostics.count)
        for diagnostic in diagnostics {
            writer.string(diagnostic.code.id)
            writer.string(diagnostic.code.slug)
            writer.string(diagnostic.code.defaultSeverity.rawValue)
            writer.string(diagnostic.code.summary)
            writer.string(diagnostic.severity.rawValue)
            writer.string(diagnostic.message)
            writer.int(diagnostic.file == nil ? 0 : 1)
            range(diagnostic.range, &writer)
            writer.optionalString(diagnostic.displayPath)
            writer.optionalString(diagnostic.help)
            writer.int(diagnostic.notes.count)
            for note in diagnostic.notes {
                writer.string(note.message)
                range(note.range, &writer)
            }
            writer.int(diagnostic.fix == nil ? 0 : 1)
            if let fix = diagnostic.fix {
                writer.string(fix.title)
                writer.string(fix.applicability.rawValue)
                writer.int(fix.edits.count)
                for edit in fix.edits {
                    range(edit.range, &writer)
                    writer.string(edit.replacement)
                }
            }
        }
    }

    /// The diagnostics, each pointing into `file` when it did; nil for a damaged payload.
    public static func decode(from reader: inout CacheReader, file: SourceFile?) -> [Diagnostic]? {
        guard let count = reader.int(), count >= 0 else { return nil }
        var diagnostics: [Diagnostic] = []
        for _ in 0..<count {
            guard let id = reader.string(), let slug = reader.string(),
                  let defaultSeverity = reader.string().flatMap(Severity.init(rawValue:)), let summary = reader.string(),
                  let severity = reader.string().flatMap(Severity.init(rawValue:)), let message = reader.string(),
                  let hasFile = reader.int(), let range = range(&reader),
                  let displayPath = reader.optionalString(), let help = reader.optionalString(),
                  let noteCount = reader.int(), noteCount >= 0 else { return nil }
            var notes: [DiagnosticNote] = []
            for _ in 0..<noteCount {
                guard let text = reader.string(), let noteRange = self.range(&reader) else { return nil }
                notes.append(DiagnosticNote(text, at: noteRange))
            }
            guard let hasFix = reader.int() else { return nil }
            var fix: Fix?
            if hasFix == 1 {
                guard let title = reader.string(), let applicability = reader.string().flatMap(FixApplicability.init(rawValue:)),
                      let editCount = reader.int(), editCount >= 0 else { return nil }
                var edits: [TextEdit] = []
                for _ in 0..<editCount {
                    guard let editRange = self.range(&reader), let editRangeValue = editRange, let replacement = reader.string() else { return nil }
                    edits.append(TextEdit(editRangeValue, replacement))
                }
                fix = Fix(title, applicability, edits: edits)
            }
            diagnostics.append(Diagnostic(DiagnosticCode(id, slug, defaultSeverity, summary), message, severity: severity,
                                          file: hasFile == 1 ? file : nil, range: range, displayPath: displayPath,
                                          help: help, notes: notes, fix: fix))
        }
        return diagnostics
    }

    private static func range(_ range: SourceRange?, _ writer: inout CacheWriter) {
        writer.int(range == nil ? 0 : 1)
        if let range {
            writer.int(range.start)
            writer.int(range.end)
        }
    }

    /// `.some(nil)` for an absent range, nil for a damaged payload.
    private static func range(_ reader: inout CacheReader) -> SourceRange?? {
        guard let present = reader.int() else { return nil }
        if present == 0 { return .some(nil) }
        guard let start = reader.int(), let end = reader.int(), start >= 0, end >= start else { return nil }
        return .some(SourceRange(start: start, end: end))
    }
}

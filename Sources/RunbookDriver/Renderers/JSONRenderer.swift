// Machine output: the same diagnostics as text, as one JSON document.

import Foundation
import RunbookSource

public struct JSONRenderer: DiagnosticRenderer {
    public init() {}

    struct Document: Codable {
        var version = 1
        var diagnostics: [Entry]
        var summary: Summary
    }

    struct Entry: Codable {
        var file: String
        var line: Int?
        var column: Int?
        var endLine: Int?
        var endColumn: Int?
        var severity: String
        var code: String
        var slug: String
        var message: String
        var help: String?
        var notes: [Note]
        /// Present when the finding has a fix: byte-range edits of `file`.
        var fix: FixEntry?
    }

    struct FixEntry: Codable {
        var title: String
        var applicability: String
        var edits: [Edit]
    }

    /// `start`/`end`: UTF-8 byte offsets into the file (half-open); line and column are for people.
    struct Edit: Codable {
        var start: Int
        var end: Int
        var replacement: String
        var line: Int?
        var column: Int?
        var endLine: Int?
        var endColumn: Int?
    }

    struct Note: Codable {
        var message: String
        var line: Int?
        var column: Int?
    }

    struct Summary: Codable {
        var filesChecked: Int
        var errors: Int
        var warnings: Int
        var infos: Int
    }

    public func render(_ diagnostics: [Diagnostic], summary: RenderSummary) -> String {
        let entries = diagnostics.map { diagnostic in
            Entry(file: diagnostic.path, line: diagnostic.start?.line, column: diagnostic.start?.column,
                  endLine: diagnostic.end?.line, endColumn: diagnostic.end?.column,
                  severity: diagnostic.severity.rawValue, code: diagnostic.code.id, slug: diagnostic.code.slug,
                  message: diagnostic.message, help: diagnostic.help,
                  notes: diagnostic.notes.map { note in
                      let position = note.range.flatMap { range in diagnostic.file?.lineColumn(of: range.start) }
                      return Note(message: note.message, line: position?.line, column: position?.column)
                  },
                  fix: diagnostic.fix.map { fix in
                      FixEntry(title: fix.title, applicability: fix.applicability.rawValue, edits: fix.edits.map { edit in
                          let start = diagnostic.file?.lineColumn(of: edit.range.start)
                          let end = diagnostic.file?.lineColumn(of: edit.range.end)
                          return Edit(start: edit.range.start, end: edit.range.end, replacement: edit.replacement,
                                      line: start?.line, column: start?.column, endLine: end?.line, endColumn: end?.column)
                      })
                  })
        }
        let document = Document(diagnostics: entries,
                                summary: Summary(filesChecked: summary.filesChecked, errors: summary.errors,
                                                 warnings: summary.warnings, infos: summary.infos))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(document) else { return "{}\n" }
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}

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

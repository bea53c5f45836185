// Code actions: each finding's fix (the one fix model `rbc check --fix` applies), and suppressing a
// finding with an `rbc:ignore` comment that asks for its reason.

import RunbookLint
import RunbookSource
import RunbookSyntax

enum CodeActions {
    /// What the inserted comment says until the author writes the reason (RB092 reports a suppression without one).
    static let reasonPlaceholder = "TODO: why this finding does not apply here"

    static func actions(for params: CodeActionParams, document: TextDocument, analysis: DocumentAnalysis) -> [CodeAction] {
        let map = analysis.map
        let requested = map.offset(of: params.range.start)...max(map.offset(of: params.range.start), map.offset(of: params.range.end))
        let uri = document.uri
        let published = analysis.lspDiagnostics(uri: uri)
        var actions: [CodeAction] = []
        var offered = Set<String>()
        for (diagnostic, shown) in zip(analysis.diagnostics, published) {
            guard let range = diagnostic.range, range.start <= requested.upperBound, requested.lowerBound <= range.end else { continue }
            if let fix = diagnostic.fix, fix.isWellFormed(byteCount: map.bytes.count) {
                // Unsafe fixes change behaviour or guess intent: offered, never preferred (no fix-all applies them).
                let edits = fix.edits.map { TextEdit(range: map.range($0.range.start, $0.range.end), newText: $0.replacement) }
                actions.append(CodeAction(title: fix.applicability == .safe ? fix.title : "\(fix.title) (unsafe)", diagnostics: [shown],
                                          isPreferred: fix.applicability == .safe, edit: WorkspaceEdit(changes: [uri: edits])))
            }
            guard isSuppressible(diagnostic.code), let edit = suppression(for: diagnostic, range: range, analysis: analysis) else { continue }
            let key = "\(diagnostic.code.id)@\(edit.range.start.line)"
            guard offered.insert(key).inserted else { continue }
            actions.append(CodeAction(title: "Suppress \(diagnostic.code.id) here with a reason", diagnostics: [shown], isPreferred: false,
                                      edit: WorkspaceEdit(changes: [uri: [edit]])))
        }
        return actions
    }

    /// Lint rules and the compiler diagnostics `.rbc.yaml` may configure; not the suppression rules themselves.
    static func isSuppressible(_ code: DiagnosticCode) -> Bool {
        if RuleRegistry.suppressionRuleIDs.contains(code.id) { return false }
        return RuleRegistry.description(for: code.id) != nil || code.isConfigurable
    }

    /// A comment line above the step holding the finding (it covers the whole step), or above the
    /// finding's own line outside steps, indented like that line.
    static func suppression(for diagnostic: Diagnostic, range: SourceRange, analysis: DocumentAnalysis) -> TextEdit? {
        let map = analysis.map
        var anchor = range.start
        if let syntax = analysis.syntax {
            let steps = syntax.steps + syntax.postRunbook + syntax.rollback + syntax.procedures.flatMap(\.steps)
            // A Markdown step starts at its heading (or list item) and runs to the next heading: the
            // nearest step above holds the finding. A YAML step holds what its range holds.
            let holding = syntax.format == .markdown
                ? steps.filter { $0.range.start <= range.start }.max { $0.range.start < $1.range.start }
                : steps.last { $0.range.start <= range.start && range.start < max($0.range.end, $0.range.start + 1) }
            if let holding { anchor = holding.range.start }
        }
        let line = map.line(of: anchor)
        let lineText = map.lineText(line)
        let indentation = String(lineText.prefix { $0 == " " || $0 == "\t" })
        let markdownBody = analysis.kind == .markdownRunbook && !(Completing.frontMatterLines(map)?.contains(line) ?? false)
        let comment = markdownBody
            ? "<!-- rbc:ignore \(diagnostic.code.id) -- \(reasonPlaceholder) -->"
            : "# rbc:ignore \(diagnostic.code.id) -- \(reasonPlaceholder)"
        let start = Position(line: line, character: 0)
        return TextEdit(range: LSPRange(start: start, end: start), newText: indentation + comment + "\n")
    }
}

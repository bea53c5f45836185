// Go to definition, find references and the document outline, from the symbol index.

import RunbookSema
import RunbookSource
import RunbookSyntax

enum Navigating {
    static func definition(at offset: Int, uri: String, analysis: DocumentAnalysis) -> Location? {
        guard let occurrence = analysis.symbols.occurrence(at: offset),
              let declaration = analysis.symbols.declaration(of: occurrence.target) else { return nil }
        return Location(uri: uri, range: analysis.map.range(declaration.range.lowerBound, declaration.range.upperBound))
    }

    static func references(at offset: Int, uri: String, analysis: DocumentAnalysis, includeDeclaration: Bool) -> [Location] {
        guard let occurrence = analysis.symbols.occurrence(at: offset) else { return [] }
        return analysis.symbols.occurrences(of: occurrence.target)
            .filter { includeDeclaration || !$0.isDeclaration }
            .map { Location(uri: uri, range: analysis.map.range($0.range.lowerBound, $0.range.upperBound)) }
    }

    /// The steps as an outline (procedures hold theirs), with parameters first.
    static func symbols(_ analysis: DocumentAnalysis) -> [DocumentSymbol] {
        guard let syntax = analysis.syntax else { return [] }
        let map = analysis.map
        func range(_ source: SourceRange) -> LSPRange { map.range(source.start, source.end) }
        func stepSymbols(_ steps: [StepSyntax], ir: [StepIR]) -> [DocumentSymbol] {
            steps.enumerated().map { index, step in
                let idNode = step.fields["id"]?.value
                let id = idNode?.scalarValue ?? (ir.indices.contains(index) ? ir[index].id : "step \(index + 1)")
                let name = step.fields["name"]?.value.scalarValue
                let action = step.fields["action"]?.value.scalarValue ?? (ir.indices.contains(index) ? ir[index].action.kind.rawValue : nil)
                let whole = range(step.range)
                let selection = idNode.map { range($0.range) } ?? whole
                return DocumentSymbol(name: id, detail: [action, name].compactMap { $0 }.joined(separator: " · "), kind: .function,
                                      range: whole, selectionRange: selection, children: nil)
            }
        }
        var symbols: [DocumentSymbol] = []
        if let params = syntax.metadata["params"] {
            let children = (params.value.mappingPairs ?? []).compactMap { pair -> DocumentSymbol? in
                guard let name = pair.key.scalarValue else { return nil }
                let type = pair.value.value(forKey: "type")?.scalarValue
                return DocumentSymbol(name: name, detail: type, kind: .variable,
                                      range: map.range(pair.key.range.start, max(pair.key.range.end, pair.value.range.end)),
                                      selectionRange: range(pair.key.range), children: nil)
            }
            symbols.append(DocumentSymbol(name: "params", detail: nil, kind: .namespace,
                                          range: map.range(params.keyRange.start, max(params.keyRange.end, params.value.range.end)),
                                          selectionRange: range(params.keyRange), children: children))
        }
        symbols += stepSymbols(syntax.steps, ir: analysis.ir?.steps ?? [])
        for (index, procedure) in syntax.procedures.enumerated() {
            let name = procedure.fields["id"]?.value.scalarValue ?? procedure.fields["name"]?.value.scalarValue ?? "procedure \(index + 1)"
            let irSteps = analysis.ir.flatMap { $0.procedures.indices.contains(index) ? $0.procedures[index].steps : nil } ?? []
            symbols.append(DocumentSymbol(name: name, detail: "procedure", kind: .namespace, range: range(procedure.range),
                                          selectionRange: range(procedure.range), children: stepSymbols(procedure.steps, ir: irSteps)))
        }
        for (title, steps, irSteps) in [("post_runbook", syntax.postRunbook, analysis.ir?.postRunbook ?? []),
                                        ("rollback", syntax.rollback, analysis.ir?.rollback ?? [])] where !steps.isEmpty {
            let first = steps[0].range
            let last = steps[steps.count - 1].range
            let whole = map.range(first.start, last.end)
            symbols.append(DocumentSymbol(name: title, detail: nil, kind: .event, range: whole, selectionRange: map.range(first.start, first.start),
                                          children: stepSymbols(steps, ir: irSteps)))
        }
        return symbols
    }
}

extension YAMLNode {
    /// The value of a key in a mapping node.
    func value(forKey key: String) -> YAMLNode? {
        mappingPairs?.first { $0.key.scalarValue == key }?.value
    }
}

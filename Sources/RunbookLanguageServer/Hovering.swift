// Hover: what a parameter or step reference stands for, why a diagnostic's rule exists, and what a key means.

import RunbookDriver
import RunbookLint
import RunbookSema
import RunbookSource
import RunbookSyntax

enum Hovering {
    static func hover(at offset: Int, document: TextDocument, analysis: DocumentAnalysis) -> Hover? {
        var sections: [String] = []
        var range: Range<Int>?
        if let occurrence = analysis.symbols.occurrence(at: offset), let text = describe(occurrence.target, analysis.symbols) {
            sections.append(text)
            range = occurrence.range
        }
        for diagnostic in analysis.diagnostics {
            guard let diagnosticRange = diagnostic.range, diagnosticRange.start <= offset, offset <= max(diagnosticRange.end, diagnosticRange.start + 1) else { continue }
            let explanation = explain(diagnostic.code)
            if !sections.contains(explanation) { sections.append(explanation) }
        }
        if let (key, keyRange) = key(at: offset, analysis: analysis, document: document) {
            let table = analysis.kind == .configuration ? KeyDocumentation.configuration : KeyDocumentation.runbook
            if let text = table[key] {
                sections.append("**`\(key)`** — \(text)")
                range = range ?? keyRange
            }
        }
        guard !sections.isEmpty else { return nil }
        return Hover(contents: MarkupContent(value: sections.joined(separator: "\n\n---\n\n")),
                     range: range.map { analysis.map.range($0.lowerBound, $0.upperBound) })
    }

    static func explain(_ code: DiagnosticCode) -> String {
        if let rule = RuleRegistry.description(for: code.id) { return RulesDocument.explain(rule) }
        return RulesDocument.explain(code)
    }

    static func describe(_ target: RunbookSymbols.Target, _ symbols: RunbookSymbols) -> String? {
        switch target {
        case .param(let name):
            guard let entry = symbols.params.first(where: { $0.name == name }) else { return "parameter `\(name)` is not declared" }
            guard let param = entry.ir else { return "**param `\(name)`**" }
            var text = "**param `\(name)`**: `\(param.type.rawValue)`\(param.secret ? ", secret" : "")\(param.required ? ", required" : "")"
            if let description = param.description { text += "\n\n\(description)" }
            if let value = param.defaultValue, !param.secret { text += "\n\ndefault: `\(render(value))`" }
            if let allowed = param.allowed { text += "\n\nallowed: " + allowed.map { "`\(render($0))`" }.joined(separator: ", ") }
            return text
        case .step(let id):
            guard let entry = symbols.steps.first(where: { $0.id == id }) else { return "step `\(id)` is not declared" }
            guard let step = entry.ir else { return "**step `\(id)`**" }
            var text = "**step `\(id)`**: `\(step.action.kind.rawValue)`, timeout \(DurationParser.format(milliseconds: step.timeoutMs))"
            switch step.timeoutSource {
            case .step: break
            case .defaults: text += " (from `defaults`)"
            case .builtin: text += " (the built-in default)"
            }
            if let name = step.name { text += "\n\n\(name)" }
            if let command = step.action.command { text += "\n\n```sh\n\(command)\n```" }
            if !entry.outputs.isEmpty { text += "\n\noutputs: " + entry.outputs.map { "`\($0)`" }.joined(separator: ", ") }
            return text
        case .output(let stepID, let name):
            guard let step = symbols.steps.first(where: { $0.id == stepID }) else { return "step `\(stepID)` is not declared" }
            guard let output = step.ir?.outputs?.first(where: { $0.name == name }) else {
                return step.outputs.contains(name) ? "**output `\(name)`** of step `\(stepID)`" : "step `\(stepID)` has no output `\(name)`"
            }
            var text = "**output `\(name)`** of step `\(stepID)`: a string read from `\(output.from)`"
            if let pattern = output.pattern { text += " by the pattern `\(pattern)`" }
            if let json = output.json { text += " at `\(json)`" }
            return text
        }
    }

    static func render(_ value: JSONValue) -> String {
        switch value {
        case .string(let text): text
        case .int(let number): String(number)
        case .double(let number): String(number)
        case .bool(let flag): String(flag)
        case .null: "null"
        case .array(let items): "[" + items.map(render).joined(separator: ", ") + "]"
        case .object: "{…}"
        }
    }

    /// The mapping key under the cursor, anywhere in the document's YAML (front matter included).
    static func key(at offset: Int, analysis: DocumentAnalysis, document: TextDocument) -> (String, Range<Int>)? {
        var roots: [YAMLNode] = []
        if let syntax = analysis.syntax {
            var fields = syntax.metadata.fields
            for step in syntax.steps + syntax.postRunbook + syntax.rollback + syntax.procedures.flatMap(\.steps) {
                fields += step.fields.fields + (step.rollback?.fields.fields ?? [])
                if let rollback = step.rollback, rollback.keyRange.start <= offset, offset <= rollback.keyRange.end {
                    return ("rollback", rollback.keyRange.start..<rollback.keyRange.end)
                }
            }
            fields += syntax.procedures.flatMap(\.fields.fields)
            if let stepsField = syntax.stepsField { fields.append(stepsField) }
            for field in fields {
                if field.keyRange.start <= offset, offset <= field.keyRange.end { return (field.key, field.keyRange.start..<field.keyRange.end) }
                roots.append(field.value)
            }
            if syntax.format == .yaml, syntax.headerRange.start <= offset, offset <= syntax.headerRange.end {
                return ("runbook", syntax.headerRange.start..<syntax.headerRange.end)
            }
        } else if analysis.kind == .configuration, let root = YAMLReader.read(document.file).root {
            roots.append(root)
        }
        // Nested mappings (params, triggers, outputs, retries): an explicit stack, no recursion.
        var stack = roots
        var visited = 0
        while let node = stack.popLast(), visited < 100_000 {
            visited += 1
            guard node.range.start <= offset, offset <= node.range.end else { continue }
            if let pairs = node.mappingPairs {
                for pair in pairs {
                    if pair.key.range.start <= offset, offset <= pair.key.range.end, let name = pair.key.scalarValue {
                        return (name, pair.key.range.start..<pair.key.range.end)
                    }
                    stack.append(pair.value)
                }
            } else if let items = node.sequenceItems {
                stack.append(contentsOf: items)
            }
        }
        return nil
    }
}

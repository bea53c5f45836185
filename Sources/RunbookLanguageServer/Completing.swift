// Completion from the text around the cursor (which may not parse while it is being typed) and the
// names of the last check: keys valid where the cursor is, values of enumerated keys, `params.` and
// `steps.` names inside expressions, and rule ids after `rbc:ignore`.

import Foundation
import RunbookDriver
import RunbookLint
import RunbookSema
import RunbookSyntax
import RunbookSource

enum Completing {
    static func items(at offset: Int, document: TextDocument, names: RunbookSymbols) -> [CompletionItem] {
        let map = document.map
        let line = map.line(of: offset)
        let lineStart = map.lineBytes(line).lowerBound
        let prefix = String(decoding: map.bytes[lineStart..<max(lineStart, min(offset, map.bytes.count))], as: UTF8.self)
        if let ignore = prefix.range(of: "rbc:ignore") {
            let afterDashes = prefix[ignore.upperBound...].contains("--")
            return afterDashes ? [] : ruleIDs()
        }
        if isInExpression(prefix) { return expressionItems(prefix, names) }
        let kind = DocumentKind(path: document.path)
        switch kind {
        case .yamlRunbook, .configuration:
            return yamlItems(prefix, line: line, map: map, kind: kind, enclosing: [])
        case .markdownRunbook:
            if frontMatterLines(map).map({ $0.contains(line) }) == true {
                return yamlItems(prefix, line: line, map: map, kind: kind, enclosing: [])
            }
            // A ```yaml rbc fence holds one step's fields: complete them as a step of `steps:`, over the
            // fence's own lines with the fence's indentation taken off.
            if let attributes = fenceAttributeItems(prefix) { return attributes }
            guard let fence = EmbeddedStepFence.around(line: line, map: map) else { return [] }
            let inner = PositionMap(fence.lines.joined(separator: "\n"))
            let innerPrefix = String(prefix.dropFirst(min(fence.indentation, prefix.prefix { $0 == " " }.count)))
            return yamlItems(innerPrefix, line: line - fence.firstLine, map: inner, kind: kind, enclosing: ["steps", "-"])
        }
    }

    /// Keys or values for the YAML line being typed; `enclosing` is the path of the mapping `map`'s
    /// top level stands for (a Markdown step fence's fields are those of an item of `steps`).
    static func yamlItems(_ prefix: String, line: Int, map: PositionMap, kind: DocumentKind, enclosing: [String]) -> [CompletionItem] {
        if let match = prefix.wholeMatch(of: /\s*(?:-\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*:\s*[A-Za-z0-9_]*/) {
            return values(for: String(match.1), kind: kind, path: enclosing + YAMLOutline.path(above: line, column: keyColumn(prefix), map: map))
        }
        if prefix.wholeMatch(of: /\s*(?:-\s+)?[A-Za-z_]*/) != nil {
            let column = keyColumn(prefix)
            // `- ` on this line starts a new list item: its keys are the ones below, not the previous item's.
            let startsItem = prefix.contains("-")
            let path = enclosing + YAMLOutline.path(above: line, column: column, map: map) + (startsItem ? ["-"] : [])
            let present = YAMLOutline.siblingKeys(of: line, column: column, map: map, startsItem: startsItem)
            let stepAction = YAMLOutline.siblingValue("action", of: line, column: column, map: map, startsItem: startsItem)
            return keys(path: path, kind: kind, action: stepAction).filter { !present.contains($0) }.enumerated().map { index, key in
                let table = kind == .configuration ? KeyDocumentation.configuration : KeyDocumentation.runbook
                return CompletionItem(label: key, kind: .property, detail: nil, documentation: table[key].map { MarkupContent(value: $0) },
                                      sortText: String(format: "%03d", index))
            }
        }
        return []
    }

    /// The step fields a shell fence's `{key=value …}` attributes can set: the scalar ones (a list or
    /// a mapping cannot be written as `key=value`; `action` and `command` are the fence itself).
    static let fenceAttributeKeys = ["id", "name", "description", "timeout", "on_failure", "confirm", "readonly",
                                     "irreversible", "when", "shell"]

    /// Keys or values inside the braces of a shell fence's opening line (```` ```bash {timeout=5m …} ````),
    /// or nil when the cursor is not there.
    static func fenceAttributeItems(_ prefix: String) -> [CompletionItem]? {
        let line = prefix.drop { $0 == " " }
        guard let marker = line.first, marker == "`" || marker == "~" else { return nil }
        let info = line.drop { $0 == marker }
        guard line.count - info.count >= 3, let open = info.firstIndex(of: "{"), !info[open...].contains("}") else { return nil }
        let language = info[..<open].trimmingCharacters(in: .whitespaces).lowercased()
        guard MarkdownRunbookParser.shellLanguages.contains(language) else { return [] }
        let tokens = info[info.index(after: open)...].split(omittingEmptySubsequences: false) { $0 == " " || $0 == "," }
        let typing = tokens.last.map(String.init) ?? ""
        func spelled(_ token: Substring) -> String {
            String(token.prefix { $0 != "=" }).replacingOccurrences(of: "-", with: "_")
        }
        if typing.contains("=") {
            // A quoted value may hold spaces; only a bare value is completed.
            return values(for: spelled(Substring(typing)), kind: .markdownRunbook, path: ["steps", "-"])
        }
        let present = Set(tokens.dropLast().map(spelled))
        return fenceAttributeKeys.filter { !present.contains($0) }.enumerated().map { index, key in
            CompletionItem(label: key, kind: .property, detail: nil, documentation: KeyDocumentation.runbook[key].map { MarkupContent(value: $0) },
                           sortText: String(format: "%03d", index))
        }
    }

    /// The column where the key being typed starts (after a list item's `- `).
    static func keyColumn(_ prefix: String) -> Int {
        var column = 0
        var sawDash = false
        for character in prefix {
            if character == " " { column += 1 } else if character == "-", !sawDash { sawDash = true; column += 1 } else { break }
        }
        return column
    }

    /// Inside an unclosed `${{`, or the value of `when:` (a bare expression).
    static func isInExpression(_ prefix: String) -> Bool {
        if let open = prefix.range(of: "${{", options: .backwards), !prefix[open.upperBound...].contains("}}") { return true }
        return prefix.wholeMatch(of: /\s*(?:-\s+)?when\s*:.*/) != nil
    }

    static func expressionItems(_ prefix: String, _ symbols: RunbookSymbols) -> [CompletionItem] {
        let bytes = Array(prefix.utf8)
        var start = bytes.count
        while start > 0, RunbookSymbols.isIdentifierByte(bytes[start - 1]) || bytes[start - 1] == UInt8(ascii: ".") { start -= 1 }
        let parts = String(decoding: bytes[start...], as: UTF8.self).split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        func item(_ label: String, _ kind: CompletionItemKind, _ target: RunbookSymbols.Target?) -> CompletionItem {
            let text = target.flatMap { Hovering.describe($0, symbols) }
            return CompletionItem(label: label, kind: kind, detail: nil, documentation: text.map { MarkupContent(value: $0) }, sortText: nil)
        }
        switch parts.count {
        case 2 where parts[0] == "params":
            return symbols.params.map { item($0.name, .variable, .param($0.name)) }
        case 2 where parts[0] == "steps":
            return symbols.steps.map { item($0.id, .function, .step($0.id)) }
        case 3 where parts[0] == "steps":
            return [item("outputs", .field, nil)]
        case 4 where parts[0] == "steps" && parts[2] == "outputs":
            let outputs = symbols.steps.first { $0.id == parts[1] }?.outputs ?? []
            return outputs.map { item($0, .field, .output(step: parts[1], name: $0)) }
        case 1:
            return [item("params", .keyword, nil), item("steps", .keyword, nil)]
        default:
            return []
        }
    }

    static func ruleIDs() -> [CompletionItem] {
        let rules = RuleRegistry.descriptions.map { CompletionItem(label: $0.id, kind: .value, detail: $0.slug, documentation: MarkupContent(value: $0.summary), sortText: $0.id) }
        let compiler = DiagnosticCode.compilerCatalog.filter(\.isConfigurable).map {
            CompletionItem(label: $0.id, kind: .value, detail: $0.slug, documentation: MarkupContent(value: $0.summary), sortText: "~" + $0.id)
        }
        return rules + compiler
    }

    /// Keys valid in the mapping at `path` (keys and `-` for list items, outermost first).
    static func keys(path: [String], kind: DocumentKind, action: String?) -> [String] {
        if kind == .configuration {
            if path.isEmpty { return Configuration.keys }
            return path == ["rules"] ? RuleRegistry.descriptions.map(\.id) : []
        }
        var path = path
        if kind == .yamlRunbook {
            guard let first = path.first else { return LanguageKeys.root }
            guard first == "runbook" else { return [] }
            path.removeFirst()
        }
        let actionFields: [String] = {
            guard let action, let actionKind = ActionKind(rawValue: action) else { return LanguageKeys.allActionFields }
            let fields = LanguageKeys.actionFields(actionKind)
            return fields.required + fields.optional
        }()
        let stepLists: Set<String> = ["steps", "post_runbook", "rollback"]
        switch (path.count >= 2 ? path[path.count - 2] : nil, path.last) {
        case (nil, nil): return LanguageKeys.runbook
        case (nil, "defaults"): return LanguageKeys.defaults
        case ("params", _) where path.count == 2: return LanguageKeys.param
        case ("triggers", "-"): return LanguageKeys.trigger
        case ("procedures", "-") where path.count == 2: return LanguageKeys.procedure
        case (let list?, "-") where stepLists.contains(list): return LanguageKeys.stepCommon + actionFields
        case ("-", "rollback"): return LanguageKeys.rollbackCommon + actionFields
        case ("outputs", _): return LanguageKeys.output
        case (_, "retries"): return LanguageKeys.retries
        case (_, "expect"): return LanguageKeys.expect
        default: return []
        }
    }

    static func values(for key: String, kind: DocumentKind, path: [String]) -> [CompletionItem] {
        func items(_ values: [String], _ documentation: [String: String] = [:]) -> [CompletionItem] {
            values.enumerated().map { index, value in
                CompletionItem(label: value, kind: .enumMember, detail: nil, documentation: documentation[value].map { MarkupContent(value: $0) },
                               sortText: String(format: "%03d", index))
            }
        }
        if kind == .configuration {
            return path.last == "rules" ? items(["error", "warning", "info", "off"]) : []
        }
        switch key {
        case "action": return items(ActionKind.allCases.map(\.rawValue))
        case "severity": return items(StepSeverity.allCases.map(\.rawValue))
        case "on_failure": return items(FailurePolicy.allCases.map(\.rawValue))
        case "type" where path.contains("params"): return items(ParamType.allCases.map(\.rawValue))
        case "from": return items(["stdout", "stderr", "body"])
        case "method": return items(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
        case "confirm", "readonly", "secret", "required", "concurrent_runs": return items(["true", "false"])
        default: return []
        }
    }

    /// The lines (0-based) of a Markdown page's front matter, between its `---` fences.
    static func frontMatterLines(_ map: PositionMap) -> Range<Int>? {
        guard map.lineCount > 1, map.lineText(0).trimmingCharacters(in: .whitespaces) == "---" else { return nil }
        for line in 1..<map.lineCount where ["---", "..."].contains(map.lineText(line).trimmingCharacters(in: .whitespaces)) {
            return 1..<line
        }
        return 1..<map.lineCount
    }
}

/// The ```yaml rbc fence (a Markdown step's fields in YAML) around a line, found from the fences
/// above it: one pass over the lines up to the cursor and on to the fence's end.
struct EmbeddedStepFence {
    /// The 0-based line of the fence's first content line.
    let firstLine: Int
    /// The opening fence's indentation, taken off every content line.
    let indentation: Int
    let lines: [String]

    static func around(line: Int, map: PositionMap) -> EmbeddedStepFence? {
        var open: (line: Int, marker: Character, length: Int, indentation: Int, isStep: Bool)?
        for index in 0..<min(line, map.lineCount) {
            let text = map.lineText(index)
            let indentation = text.prefix { $0 == " " }.count
            let rest = text.dropFirst(indentation)
            guard let marker = rest.first, marker == "`" || marker == "~" else { continue }
            let length = rest.prefix { $0 == marker }.count
            guard length >= 3 else { continue }
            let info = rest.dropFirst(length)
            if let current = open {
                if marker == current.marker, length >= current.length, info.allSatisfy({ $0 == " " }) { open = nil }
            } else if !(marker == "`" && info.contains("`")) {
                let words = info.split(separator: " ").map { $0.lowercased() }
                open = (index, marker, length, indentation, words.count >= 2 && ["yaml", "yml"].contains(words[0]) && words[1] == "rbc")
            }
        }
        guard let open, open.isStep else { return nil }
        var lines: [String] = []
        var index = open.line + 1
        while index < map.lineCount {
            let text = map.lineText(index)
            let rest = text.drop { $0 == " " }
            if rest.hasPrefix(String(repeating: String(open.marker), count: open.length)), rest.allSatisfy({ $0 == open.marker || $0 == " " }) { break }
            // Content is indented like its fence (CommonMark takes off up to that many spaces).
            lines.append(String(text.dropFirst(min(open.indentation, text.prefix { $0 == " " }.count))))
            index += 1
        }
        return EmbeddedStepFence(firstLine: open.line + 1, indentation: open.indentation, lines: lines)
    }
}

/// Reads the block structure of YAML from indentation alone, so it works on text that does not parse.
enum YAMLOutline {
    struct Line {
        /// Column of the key (after `- ` for a list item's first key).
        let keyColumn: Int
        /// Column of the `-`, for a list item's first line.
        let dashColumn: Int?
        let key: String?
        let value: String
    }

    static func parse(_ text: String) -> Line? {
        var column = 0
        var dash: Int?
        var rest = Substring(text)
        while let first = rest.first {
            if first == " " { column += 1; rest = rest.dropFirst() }
            else if first == "-", dash == nil, rest.dropFirst().first == " " || rest.count == 1 { dash = column; column += 1; rest = rest.dropFirst() }
            else { break }
        }
        if rest.isEmpty || rest.hasPrefix("#") { return dash == nil ? nil : Line(keyColumn: column, dashColumn: dash, key: nil, value: "") }
        guard let colon = rest.firstIndex(of: ":"), rest[..<colon].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == "." }) else {
            return Line(keyColumn: column, dashColumn: dash, key: nil, value: String(rest))
        }
        return Line(keyColumn: column, dashColumn: dash, key: String(rest[..<colon]),
                    value: rest[rest.index(after: colon)...].trimmingCharacters(in: .whitespaces))
    }

    /// The keys (and `-` for list items) enclosing a position at `column` on `line`, outermost first.
    static func path(above line: Int, column: Int, map: PositionMap) -> [String] {
        var path: [String] = []
        var threshold = column
        var index = line - 1
        // Bounded by the lines above: one pass, never revisiting a line.
        while index >= 0, threshold > 0 {
            defer { index -= 1 }
            guard let parsed = parse(map.lineText(index)) else { continue }
            if parsed.keyColumn < threshold, let key = parsed.key {
                // The key that holds the cursor's mapping; on a list item's line, the item holds the key.
                path.append(key)
                threshold = parsed.keyColumn
                if let dash = parsed.dashColumn {
                    path.append("-")
                    threshold = dash
                }
                continue
            }
            if let dash = parsed.dashColumn, dash < threshold {
                path.append("-")
                threshold = dash
            }
        }
        // Met innermost first.
        return path.reversed()
    }

    /// Keys already written in the mapping the cursor is in (same key column, same block).
    static func siblingKeys(of line: Int, column: Int, map: PositionMap, startsItem: Bool) -> Set<String> {
        Set(block(of: line, column: column, map: map, startsItem: startsItem).compactMap(\.key))
    }

    static func siblingValue(_ key: String, of line: Int, column: Int, map: PositionMap, startsItem: Bool) -> String? {
        block(of: line, column: column, map: map, startsItem: startsItem).first { $0.key == key }?.value
    }

    /// The lines of the mapping holding `line`: upwards and downwards until a line indented less
    /// (or the previous list item's `-`).
    static func block(of line: Int, column: Int, map: PositionMap, startsItem: Bool) -> [Line] {
        var lines: [Line] = []
        var index = startsItem ? -1 : line - 1
        while index >= 0 {
            defer { index -= 1 }
            guard let parsed = parse(map.lineText(index)) else { continue }
            if parsed.keyColumn < column && parsed.dashColumn.map({ $0 < column }) ?? true { break }
            if parsed.keyColumn == column {
                lines.append(parsed)
                if parsed.dashColumn != nil { break }
            }
        }
        index = line + 1
        while index < map.lineCount {
            defer { index += 1 }
            guard let parsed = parse(map.lineText(index)) else { continue }
            if parsed.keyColumn < column || (parsed.keyColumn == column && parsed.dashColumn != nil) { break }
            if parsed.keyColumn == column { lines.append(parsed) }
        }
        return lines
    }
}

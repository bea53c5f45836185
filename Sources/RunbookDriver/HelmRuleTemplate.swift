// Reads the alerting rules of a rule file written as a Helm template without rendering it: template
// action lines are blanked and a value that starts with `{{` is kept from reading as a flow mapping,
// byte for byte in place, so what then parses is read with the file's own offsets. A file that still
// does not parse (a `{{ else }}` branch repeating a key, a loop building YAML) stays counted (RB025).

import Foundation
import RunbookLint
import RunbookSource
import RunbookSyntax

/// A templated rule file made YAML in place, and what its text says that Helm would fill.
struct HelmRuleTemplate {
    /// The copy that parses: same path, same length, same offsets as the file.
    let document: YAMLDocument
    /// The lines blanked whose action writes text when rendered (`{{ toYaml $extra | indent 8 }}`,
    /// `{{- include "annotations" . }}`), unlike control (`if`, `end`, `range`), comments and
    /// assignments: a rule followed by one may be given annotations at render time.
    let writing: [Int]
    /// Offsets of a value's leading `{{`, written `((` in the copy.
    let rewritten: Set<Int>
    /// `{{- $alert := "CNPGClusterHACritical" -}}`: variables set to a literal, which alert names use.
    let variables: [String: String]

    /// The file read as YAML once its actions are blanked, nil when it still does not parse.
    static func reading(_ file: SourceFile) -> HelmRuleTemplate? {
        var bytes = file.bytes
        var blankedAny = false
        var writing: [Int] = []
        var rewritten = Set<Int>()
        var variables: [String: String] = [:]
        var blockKeyColumn: Int?
        var inComment = false
        func blank(_ line: ArraySlice<UInt8>, writes: Bool = false) {
            for index in line.indices where bytes[index] != UInt8(ascii: "\r") { bytes[index] = UInt8(ascii: " ") }
            blankedAny = true
            if writes { writing.append(line.startIndex) }
        }
        func rewrite(_ index: Int) {
            bytes[index] = UInt8(ascii: "(")
            bytes[index + 1] = UInt8(ascii: "(")
            rewritten.insert(index)
        }
        for line in file.bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            let text = String(decoding: line, as: UTF8.self)
            // `{{- /* … */ -}}` comments run over lines: all of them go.
            if inComment {
                blank(line)
                if text.contains("*/") { inComment = false }
                continue
            }
            let indent = line.prefix { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }.count
            let rest = line.dropFirst(indent)
            let isBlank = rest.allSatisfy { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") || $0 == UInt8(ascii: "\r") }
            let opensAction = rest.starts(with: Array("{{".utf8))
            let action = opensAction && RuleFileText.isTemplateAction(String(decoding: rest.dropFirst(2), as: UTF8.self))
            if let column = blockKeyColumn {
                if isBlank || indent > column {
                    // Text of a block scalar; an action line there renders to nothing or to text.
                    if action { blank(line) }
                    continue
                }
                blockKeyColumn = nil
            }
            if action {
                let body = text.drop { $0 == " " || $0 == "\t" }.dropFirst(2).drop { $0 == "-" || $0 == " " }
                if body.hasPrefix("/*") && !text.contains("*/") { inComment = true }
                if let set = assignment(text) { variables[set.name] = set.value }
                blank(line, writes: writes(String(body)))
                continue
            }
            // `{{ $key }}: {{ $value }}` (a `range` writing labels) starts with a value, not an action.
            if opensAction { rewrite(rest.startIndex) }
            if let start = RuleFileText.templateValueStart(rest) { rewrite(start) }
            blockKeyColumn = RuleFileText.blockScalarKeyColumn(rest, indent: indent)
        }
        guard blankedAny || !rewritten.isEmpty else { return nil }
        let copy = SourceFile(path: file.path, text: String(decoding: bytes, as: UTF8.self))
        guard copy.bytes.count == file.bytes.count else { return nil }
        let document = YAMLReader.readAll(copy)
        guard document.diagnostics.isEmpty else { return nil }
        return HelmRuleTemplate(document: document, writing: writing, rewritten: rewritten, variables: variables)
    }

    /// Whether an action (its text after `{{` and a trim marker) writes text when rendered.
    static func writes(_ body: String) -> Bool {
        let word = body.prefix { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "$" || $0 == "." || $0 == "/" || $0 == "*" }
        if ["if", "else", "end", "range", "with", "define", "block", "break", "continue"].contains(word) || word.hasPrefix("/*") { return false }
        // `$name := …` and `$name = …` set a variable and write nothing.
        let after = body.dropFirst(word.count).drop { $0 == " " }
        return !(word.hasPrefix("$") && (after.hasPrefix(":=") || after.hasPrefix("=")))
    }

    /// `{{- $name := "Literal" -}}` → (`name`, `Literal`).
    static func assignment(_ line: String) -> (name: String, value: String)? {
        let pattern = #"^\s*\{\{-?\s*\$([A-Za-z_][A-Za-z0-9_]*)\s*:=\s*"([^"\\]*)"\s*-?\}\}\s*$"#
        guard let regex = try? NSRegularExpression(pattern: pattern),
              let match = regex.firstMatch(in: line, range: NSRange(line.startIndex..., in: line)),
              let name = Range(match.range(at: 1), in: line), let value = Range(match.range(at: 2), in: line) else { return nil }
        return (String(line[name]), String(line[value]))
    }

    /// A scalar's text as the template writes it: a leading `((` that stood for `{{` is `{{` again.
    func text(_ node: YAMLNode?) -> String? {
        guard let node, let value = node.scalarValue else { return nil }
        if rewritten.contains(node.range.start), value.hasPrefix("((") { return "{{" + value.dropFirst(2) }
        return value
    }

    /// An alert name (or a link) with the file's own literal variables filled (`{{ $alert }}` → `CNPGClusterHACritical`).
    func alertName(_ name: String) -> String {
        guard name.contains("{{"), !variables.isEmpty else { return name }
        let pattern = #"\{\{-?\s*\$([A-Za-z_][A-Za-z0-9_]*)\s*-?\}\}"#
        guard let regex = try? NSRegularExpression(pattern: pattern) else { return name }
        var result = name
        for match in regex.matches(in: name, range: NSRange(name.startIndex..., in: name)).reversed() {
            guard let whole = Range(match.range, in: name), let variable = Range(match.range(at: 1), in: name),
                  let value = variables[String(name[variable])] else { continue }
            let start = result.index(result.startIndex, offsetBy: name.distance(from: name.startIndex, to: whole.lowerBound))
            let end = result.index(start, offsetBy: name.distance(from: whole.lowerBound, to: whole.upperBound))
            result.replaceSubrange(start..<end, with: value)
        }
        return result
    }

    /// Whether a blanked line that writes text lies in `start..<end` (a rule and what follows it up to
    /// the next rule: an `include` there may add to the rule's annotations).
    func writesText(from start: Int, to end: Int) -> Bool {
        writing.contains { $0 >= start && $0 < end }
    }
}

/// A chart's default values (`values.yaml` beside `Chart.yaml`), which `{{ .Values.a.b }}` in a link reads.
struct ChartValues {
    /// The values file read, for the whole-answer cache.
    let path: String
    let root: YAMLNode?

    /// The values of the chart that holds `ruleFile` (its nearest directory with a `Chart.yaml`), at most
    /// eight directories up; nil when there is none.
    static func of(_ ruleFile: String, cache: inout [String: ChartValues?]) -> ChartValues? {
        var directory = URL(fileURLWithPath: ruleFile).standardizedFileURL.deletingLastPathComponent().path
        var visited: [String] = []
        var found: ChartValues?
        for _ in 0..<8 {
            if let known = cache[directory] {
                found = known
                break
            }
            visited.append(directory)
            if FileManager.default.fileExists(atPath: directory + "/Chart.yaml") {
                let path = directory + "/values.yaml"
                var root: YAMLNode?
                if case .loaded(let file) = SourceLoader.load(path: path) {
                    let document = YAMLReader.readAll(file)
                    if document.diagnostics.isEmpty { root = document.root }
                }
                found = ChartValues(path: path, root: root)
                break
            }
            let parent = PathText.parent(of: directory)
            if parent == directory || parent.isEmpty { break }
            directory = parent
        }
        for directory in visited { cache[directory] = .some(found) }
        return found
    }

    /// The default of `.Values.a.b` (`keys` is `a.b`) when it is a scalar.
    func scalar(at keys: Substring) -> String? {
        var node: YAMLNode? = root
        for key in keys.split(separator: ".") {
            node = node?.mappingPairs?.first { $0.key.scalarValue == String(key) }?.value
        }
        return node?.scalarValue
    }

    /// `text` with each `{{ .Values.a.b }}` whose default is a scalar filled in.
    func filled(_ text: String) -> String {
        guard text.contains(".Values."), root != nil else { return text }
        let pattern = #"\{\{-?\s*\$?\.Values\.([A-Za-z0-9_.]+)\s*-?\}\}"#
        guard let regex = try? NSRegularExpression(pattern: pattern) else { return text }
        var result = text
        for match in regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).reversed() {
            guard let whole = Range(match.range, in: text), let keys = Range(match.range(at: 1), in: text) else { continue }
            guard let value = scalar(at: text[keys]) else { continue }
            let start = result.index(result.startIndex, offsetBy: text.distance(from: text.startIndex, to: whole.lowerBound))
            let end = result.index(start, offsetBy: text.distance(from: whole.lowerBound, to: whole.upperBound))
            result.replaceSubrange(start..<end, with: value)
        }
        return result
    }
}

extension AlertLink {
    /// A Go template's raw string (`{{`https://…/?x={{ $labels.x }}`}}`, how a Helm chart passes
    /// Prometheus' own templates through) is its text once rendered, by Helm and by Prometheus alike.
    static func unwrappingRawStrings(_ text: String) -> String {
        guard text.contains("{{`") else { return text }
        let pattern = #"\{\{-?\s*`([^`]*)`\s*-?\}\}"#
        guard let regex = try? NSRegularExpression(pattern: pattern) else { return text }
        return regex.stringByReplacingMatches(in: text, range: NSRange(text.startIndex..., in: text), withTemplate: "$1")
    }
}

/// Helm's `{{ printf "%s/%s.md" .Values.runbooks.base "DiskFull" }}`, the usual way a chart builds a
/// link, filled as Helm would when every part is known: the format and its arguments are string
/// literals, chart values with a scalar default (`.Values.a.b`, `$.Values.a.b`) or the file's own
/// `$name := "…"`, and the verbs are `%s`, `%v` and `%%`. Anything else (a pipeline, a function, a
/// number verb, a value without a default) is left as written: RB025 notes it, nothing is guessed.
enum HelmPrintf {
    static func filled(_ text: String, variables: [String: String], value: (Substring) -> String?) -> String {
        guard text.contains("printf") else { return text }
        var result = ""
        var rest = Substring(text)
        while let open = rest.range(of: "{{") {
            guard let close = rest[open.upperBound...].range(of: "}}") else { break }
            result += rest[..<open.lowerBound]
            let action = rest[open.lowerBound..<close.upperBound]
            result += evaluated(rest[open.upperBound..<close.lowerBound], variables: variables, value: value) ?? String(action)
            rest = rest[close.upperBound...]
        }
        return result + rest
    }

    /// The text of one action's body (between `{{` and `}}`), nil unless it is a printf filled exactly.
    static func evaluated(_ body: Substring, variables: [String: String], value: (Substring) -> String?) -> String? {
        var body = body
        if body.hasPrefix("-") { body = body.dropFirst() }
        if body.hasSuffix("-") { body = body.dropLast() }
        body = body.drop { $0 == " " || $0 == "\t" }
        guard body.hasPrefix("printf "), let arguments = tokens(body.dropFirst("printf ".count)), let format = arguments.first else { return nil }
        var values: [String] = []
        for argument in arguments.dropFirst() {
            switch argument {
            case .literal(let text): values.append(text)
            case .word(let word):
                if word.hasPrefix(".Values.") || word.hasPrefix("$.Values.") {
                    guard let filled = value(word.drop { $0 != "V" }.dropFirst("Values.".count)) else { return nil }
                    values.append(filled)
                } else if word.hasPrefix("$"), let filled = variables[String(word.dropFirst())] {
                    values.append(filled)
                } else {
                    return nil
                }
            }
        }
        guard case .literal(let pattern) = format else { return nil }
        var output = ""
        var next = values.makeIterator()
        var characters = pattern.makeIterator()
        while let character = characters.next() {
            guard character == "%" else {
                output.append(character)
                continue
            }
            switch characters.next() {
            case "%": output.append("%")
            case "s", "v":
                guard let argument = next.next() else { return nil }
                output += argument
            default: return nil
            }
        }
        // Every argument used, as Go's printf would (an extra one renders `%!(EXTRA …)`).
        return next.next() == nil ? output : nil
    }

    enum Token: Equatable {
        case literal(String)
        case word(Substring)
    }

    /// The arguments of a printf: Go string literals (`"…"` with `\"` and `\\`, or `` `…` ``) and bare
    /// words; nil when a literal is unterminated or holds another escape, or a pipeline or a call follows.
    static func tokens(_ text: Substring) -> [Token]? {
        var tokens: [Token] = []
        var rest = text
        while true {
            rest = rest.drop { $0 == " " || $0 == "\t" }
            guard let first = rest.first else { return tokens }
            if first == "\"" || first == "`" {
                var literal = ""
                var index = rest.index(after: rest.startIndex)
                var closed = false
                while index < rest.endIndex {
                    let character = rest[index]
                    if character == first {
                        closed = true
                        break
                    }
                    if first == "\"" && character == "\\" {
                        index = rest.index(after: index)
                        guard index < rest.endIndex, rest[index] == "\"" || rest[index] == "\\" else { return nil }
                    }
                    literal.append(rest[index])
                    index = rest.index(after: index)
                }
                guard closed else { return nil }
                tokens.append(.literal(literal))
                rest = rest[rest.index(after: index)...]
            } else {
                let word = rest.prefix { $0 != " " && $0 != "\t" }
                guard !word.contains(where: { "|()\"`".contains($0) }) else { return nil }
                tokens.append(.word(word))
                rest = rest.dropFirst(word.count)
            }
        }
    }
}

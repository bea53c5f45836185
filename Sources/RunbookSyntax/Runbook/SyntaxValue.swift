// The values of the typed runbook tree: every value a front end read, parsed to the end (lists,
// mappings with `<<` merges applied, scalars with their meaning decided) and carrying where its text
// came from, so the type checker interprets values and speaks the author's front end.

import RunbookSource

/// Where a Markdown value's text was written.
public enum MarkdownValueSource: Sendable, Equatable {
    /// A single code span after a bold label (`**Value**: \`2000\``): always text.
    case codeSpan
    /// The text after a bold label (`**Timeout**: 5m`), read as a YAML plain scalar would be unless
    /// the key holds prose.
    case labelText
    /// The lines of a fenced code block (a step's command).
    case fence
    /// `{timeout=5m}` after a fence's language; `quoted` for `{id="restart api"}`.
    case fenceAttribute(quoted: Bool)
    /// A heading's text (a step's name or id, the runbook's name).
    case heading
    /// Paragraphs (a step's description or instructions, the runbook's description).
    case paragraph
    /// A list item (an escalation contact).
    case listItem
    /// What the page's shape implies rather than states: `action: execute_command` for a step with a
    /// fence, `readonly: true` in a diagnosis section, a name from the file's path.
    case implied
}

/// Where a value of the runbook tree came from.
public enum ValueOrigin: Sendable, Equatable {
    /// A YAML node (a `.yaml` runbook, Markdown front matter or a ```yaml rbc block); the scalar's
    /// style, nil for a list or mapping.
    case yaml(YAMLScalarStyle?)
    case markdown(MarkdownValueSource)
}

/// A mapping's entry the front end could not read as a key, kept on the mapping: the type checker
/// reports it where it reads the mapping (as swift-syntax keeps unexpected nodes in its tree).
public struct MappingProblem: Sendable {
    public enum Kind: Sendable {
        /// A key that is a list, a mapping or an alias to one (the description says which).
        case keyNotAString(found: String)
        /// `<<:` naming something that is not a mapping.
        case mergeOfNonMapping(found: String)
    }

    public let kind: Kind
    public let range: SourceRange
}

/// One `key: value` entry of the typed tree, with the key's own range for diagnostics.
public struct SyntaxField: Sendable {
    public let key: String
    public let keyRange: SourceRange
    public let value: SyntaxValue

    public init(key: String, keyRange: SourceRange, value: SyntaxValue) {
        self.key = key
        self.keyRange = keyRange
        self.value = value
    }
}

/// A mapping with `<<` merges applied (explicit keys win), in source order.
public struct SyntaxMapping: Sendable {
    public let fields: [SyntaxField]
    public let range: SourceRange
    /// Entries that are not `key: value` pairs; reported by whoever reads this mapping.
    public let problems: [MappingProblem]

    public init(fields: [SyntaxField], range: SourceRange, problems: [MappingProblem] = []) {
        self.fields = fields
        self.range = range
        self.problems = problems
    }

    public subscript(key: String) -> SyntaxField? {
        fields.first { $0.key == key }
    }
}

/// A value of the runbook tree.
public struct SyntaxValue: Sendable {
    public enum Content: Sendable {
        /// The text and what it means: YAML's core schema for YAML scalars, the Markdown dialect's
        /// rules for Markdown values.
        case scalar(String, YAMLScalarKind)
        case list([SyntaxValue])
        case mapping(SyntaxMapping)
    }

    public let content: Content
    public let range: SourceRange
    public let origin: ValueOrigin
    /// The positioned node the value was read from (for a Markdown value, the one the positioned
    /// view holds): `ValueLocator` and `ScalarEdits` map value bytes to file bytes through it. Kept
    /// inside the syntax stage: readers of the tree ask `locator(in:)` and `replacingValue(with:in:)`.
    let node: YAMLNode

    init(content: Content, range: SourceRange, origin: ValueOrigin, node: YAMLNode) {
        self.content = content
        self.range = range
        self.origin = origin
        self.node = node
    }

    /// Where each byte of the scalar's text was written in `file` (quoting, escapes, a block's or a
    /// fence's indentation), for diagnostics inside the value.
    public func locator(in file: SourceFile) -> ValueLocator {
        ValueLocator(file: file, node: node, value: scalarValue ?? "")
    }

    /// The file edit that replaces the whole value with `text`, when it can be placed exactly.
    public func replacingValue(with text: String, in file: SourceFile) -> TextEdit? {
        ScalarEdits.replacingValue(of: node, with: text, file: file)
    }

    public var scalarValue: String? {
        if case .scalar(let text, _) = content { return text }
        return nil
    }

    /// What a scalar means; nil for a list or mapping.
    public var scalarKind: YAMLScalarKind? {
        if case .scalar(_, let kind) = content { return kind }
        return nil
    }

    public var isScalar: Bool { scalarKind != nil }

    public var listItems: [SyntaxValue]? {
        if case .list(let items) = content { return items }
        return nil
    }

    public var mapping: SyntaxMapping? {
        if case .mapping(let mapping) = content { return mapping }
        return nil
    }

    /// A short description of the value's kind for "expected X, found Y" messages.
    public var kindDescription: String {
        switch content {
        case .scalar(_, let kind):
            switch kind {
            case .null: return "null"
            case .bool: return "a boolean"
            case .int: return "an integer"
            case .float: return "a number"
            case .string: return "a string"
            }
        case .list: return "a list"
        case .mapping: return "a mapping"
        }
    }

    /// The same content, standing where `node` (an alias) stands.
    func placed(at node: YAMLNode) -> SyntaxValue {
        SyntaxValue(content: content, range: node.range, origin: origin, node: node)
    }
}

/// What the Markdown front end decided about the values it derived: where each came from and whether
/// it is text whatever it spells. Keyed by the positioned node the front end built for the value.
final class MarkdownValueOrigins {
    var sources: [ObjectIdentifier: (source: MarkdownValueSource, isText: Bool)] = [:]
}

/// Reads positioned YAML values (and everything under them) into the tree. Iterative, so nesting
/// depth costs heap, not stack; an anchored node is read once however many aliases name it.
struct SyntaxValueReader {
    let markdown: MarkdownValueOrigins?
    private var anchored: [ObjectIdentifier: SyntaxValue] = [:]

    init(markdown: MarkdownValueOrigins? = nil) {
        self.markdown = markdown
    }

    mutating func read(_ root: YAMLNode) -> SyntaxValue {
        var work: [(node: YAMLNode, childrenRead: Bool)] = [(root, false)]
        var read: [SyntaxValue] = []
        while let (node, childrenRead) = work.popLast() {
            let target = node.resolved
            if !childrenRead {
                if target !== node, let done = anchored[ObjectIdentifier(target)] {
                    read.append(done.placed(at: node))
                    continue
                }
                switch target.kind {
                case .scalar(let text, let style):
                    read.append(Self.scalar(node, text: text, style: style, markdown: markdown))
                case .sequence(let items):
                    work.append((node, true))
                    for item in items.reversed() { work.append((item, false)) }
                case .mapping(let pairs):
                    work.append((node, true))
                    for pair in pairs.reversed() { work.append((pair.value, false)) }
                case .alias:
                    break // `resolved` never is one
                }
                continue
            }
            let value: SyntaxValue
            let origin = markdown?.sources[ObjectIdentifier(node)].map { ValueOrigin.markdown($0.source) } ?? .yaml(nil)
            switch target.kind {
            case .sequence(let items):
                let children = Array(read.suffix(items.count))
                read.removeLast(children.count)
                value = SyntaxValue(content: .list(children), range: node.range, origin: origin, node: node)
            case .mapping(let pairs):
                let children = Array(read.suffix(pairs.count))
                read.removeLast(children.count)
                value = SyntaxValue(content: .mapping(Self.mapping(pairs, values: children, range: node.range)),
                                    range: node.range, origin: origin, node: node)
            default:
                continue
            }
            if target.anchor != nil { anchored[ObjectIdentifier(target)] = value }
            read.append(value)
        }
        return read.first ?? SyntaxValue(content: .scalar("", .null), range: root.range, origin: .yaml(nil), node: root)
    }

    /// Fields the grammar already split (a runbook's, a step's): their values are read here.
    mutating func read(_ mapping: MappingSyntax) -> SyntaxMapping {
        SyntaxMapping(fields: mapping.fields.map { SyntaxField(key: $0.key, keyRange: $0.keyRange, value: read($0.value)) },
                      range: mapping.range)
    }

    private static func scalar(_ node: YAMLNode, text: String, style: YAMLScalarStyle, markdown: MarkdownValueOrigins?) -> SyntaxValue {
        if let decided = markdown?.sources[ObjectIdentifier(node)] {
            // The dialect decides: prose and code spans are text; a label's bare value reads as YAML would.
            let kind = decided.isText ? YAMLScalarKind.string : YAMLNode.plainScalarKind(text)
            return SyntaxValue(content: .scalar(text, kind), range: node.range, origin: .markdown(decided.source), node: node)
        }
        return SyntaxValue(content: .scalar(text, node.scalarKind ?? .string), range: node.range, origin: .yaml(style), node: node)
    }

    /// A mapping's pairs with merges applied, as `RunbookParser.mapping` reads them; what is not a
    /// pair is kept as a problem.
    private static func mapping(_ pairs: [YAMLPair], values: [SyntaxValue], range: SourceRange) -> SyntaxMapping {
        var fields: [SyntaxField] = []
        fields.reserveCapacity(pairs.count)
        var merged: [SyntaxField] = []
        var problems: [MappingProblem] = []
        for (pair, value) in zip(pairs, values) {
            guard let key = pair.key.scalarValue else {
                problems.append(MappingProblem(kind: .keyNotAString(found: pair.key.kindDescription), range: pair.key.range))
                continue
            }
            if key == "<<", pair.key.scalarStyle == .plain {
                let sources = value.listItems ?? [value]
                for source in sources {
                    guard let inner = source.mapping else {
                        problems.append(MappingProblem(kind: .mergeOfNonMapping(found: source.kindDescription), range: source.range))
                        continue
                    }
                    problems.append(contentsOf: inner.problems)
                    merged.append(contentsOf: inner.fields)
                }
                continue
            }
            fields.append(SyntaxField(key: key, keyRange: pair.key.range, value: value))
        }
        guard !merged.isEmpty else { return SyntaxMapping(fields: fields, range: range, problems: problems) }
        let explicit = Set(fields.map(\.key))
        var seenMerged = Set<String>()
        for field in merged where !explicit.contains(field.key) && !seenMerged.contains(field.key) {
            seenMerged.insert(field.key)
            fields.append(field)
        }
        return SyntaxMapping(fields: fields, range: range, problems: problems)
    }
}

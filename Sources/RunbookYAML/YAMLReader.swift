// The YAML front end's lexer and parser: libyaml (bundled with Yams) turns text into events with
// exact marks, and this reader builds the positioned tree without recursion, so deep nesting,
// alias bombs and duplicate keys become diagnostics instead of crashes or silent data loss.

// CYaml is the libyaml target inside Yams. Yams publishes only its `Yams` product, so CYaml cannot
// be named in Package.swift; it reaches this module through the `Yams` product dependency, which is
// not Yams' public API: Package.swift holds Yams to 6.2.x for that reason (see the comment there).
// `internal import` keeps it out of our public interface.
internal import CYaml
import RunbookSource

public struct YAMLDocument: Sendable {
    public let root: YAMLNode?
    public let diagnostics: [Diagnostic]
    /// Every document's root, for files that may hold several (Kubernetes manifests).
    public var roots: [YAMLNode] = []
}

public enum YAMLReader {
    /// Runbooks nest a handful of levels; 10,000 levels is an attack or an accident.
    public static let maximumDepth = 128
    /// Aliases may share structure, but the expanded document must stay this small (or no larger
    /// than the file's size in bytes, for a large file).
    public static let maximumExpandedNodes = 200_000

    private static let standardTags: Set<String> = [
        "tag:yaml.org,2002:str", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float",
        "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null", "tag:yaml.org,2002:map",
        "tag:yaml.org,2002:seq", "!",
    ]

    private struct Frame {
        let isMapping: Bool
        let isBlock: Bool
        let start: Int
        let tag: String?
        let anchor: String?
        var children: [YAMLNode] = []
    }

    public static func read(_ file: SourceFile) -> YAMLDocument {
        read(file, allowMultipleDocuments: false)
    }

    /// Reads every document of a stream (`---` separated); `roots` holds them in order.
    public static func readAll(_ file: SourceFile) -> YAMLDocument {
        read(file, allowMultipleDocuments: true)
    }

    static func read(_ file: SourceFile, allowMultipleDocuments: Bool) -> YAMLDocument {
        var bag = DiagnosticBag(file: file)
        let offsets = ScalarOffsetMap(file.bytes)
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else {
            bag.report(.yamlSyntax, "libyaml could not start (out of memory)", at: nil)
            return YAMLDocument(root: nil, diagnostics: bag.diagnostics)
        }
        defer { yaml_parser_delete(&parser) }
        yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)

        var root: YAMLNode?
        var roots: [YAMLNode] = []
        var stack: [Frame] = []
        var anchors: [String: YAMLNode] = [:]
        var documents = 0
        // Every written node takes at least a byte: only aliases can push a document past its size,
        // so a large runbook written out (16,000 steps) is never mistaken for an alias bomb.
        let expansionLimit = max(maximumExpandedNodes, file.bytes.count)

        file.bytes.withUnsafeBufferPointer { buffer in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            var event = yaml_event_t()
            parsing: while true {
                guard yaml_parser_parse(&parser, &event) == 1 else {
                    reportSyntaxError(parser, offsets: offsets, file: file, into: &bag)
                    break
                }
                defer { yaml_event_delete(&event) }
                let start = offsets.byteOffset(ofScalarIndex: event.start_mark.index)
                let end = offsets.byteOffset(ofScalarIndex: event.end_mark.index)

                func attach(_ node: YAMLNode) -> Bool {
                    if node.expandedSize > expansionLimit {
                        bag.report(.aliasExpansion,
                                   "aliases expand this document to more than \(expansionLimit) nodes",
                                   at: node.range,
                                   help: "write the repeated content out, or share less through anchors")
                        return false
                    }
                    if let anchor = node.anchor { anchors[anchor] = node }
                    if stack.isEmpty {
                        root = node
                        roots.append(node)
                    } else {
                        stack[stack.count - 1].children.append(node)
                    }
                    return true
                }

                switch event.type {
                case YAML_STREAM_START_EVENT, YAML_DOCUMENT_END_EVENT:
                    continue
                case YAML_STREAM_END_EVENT:
                    break parsing
                case YAML_DOCUMENT_START_EVENT:
                    documents += 1
                    if documents > 1, !allowMultipleDocuments {
                        bag.report(.multipleDocuments, "a runbook file holds one YAML document, this is the second",
                                   at: SourceRange(start: start, end: end),
                                   help: "put each runbook in its own file")
                        break parsing
                    }
                case YAML_ALIAS_EVENT:
                    let name = string(event.data.alias.anchor) ?? ""
                    let range = SourceRange(start: start, end: end)
                    guard let target = anchors[name] else {
                        bag.report(.undefinedAlias, "alias `*\(name)` names no anchor defined before it", at: range,
                                   help: anchors.keys.isEmpty ? nil : Suggestions.closest(to: name, in: anchors.keys).map { "did you mean `*\($0)`?" })
                        break parsing
                    }
                    if !attach(YAMLNode(kind: .alias(target), range: range, tag: nil, anchor: nil)) { break parsing }
                case YAML_SCALAR_EVENT:
                    let scalar = event.data.scalar
                    let value = scalar.value.map {
                        String(decoding: UnsafeBufferPointer(start: $0, count: scalar.length), as: UTF8.self)
                    } ?? ""
                    let tag = string(scalar.tag)
                    if !checkTag(tag, at: SourceRange(start: start, end: end), into: &bag) { break parsing }
                    let scalarStyle = style(scalar.style)
                    // A block scalar's mark is its `|`/`>` header; diagnostics belong on the content.
                    let contentStart = scalarStyle.isBlock ? blockContentStart(file.bytes, headerAt: start, end: end) : start
                    let node = YAMLNode(kind: .scalar(value, scalarStyle), range: SourceRange(start: contentStart, end: end),
                                        tag: tag, anchor: string(scalar.anchor))
                    if !attach(node) { break parsing }
                case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
                    let isMapping = event.type == YAML_MAPPING_START_EVENT
                    if stack.count >= maximumDepth {
                        bag.report(.nestingTooDeep, "collections are nested more than \(maximumDepth) levels deep",
                                   at: SourceRange(start: start, end: end),
                                   help: "a runbook needs only a few levels; this looks like generated or hostile input")
                        break parsing
                    }
                    let tag = string(isMapping ? event.data.mapping_start.tag : event.data.sequence_start.tag)
                    if !checkTag(tag, at: SourceRange(start: start, end: end), into: &bag) { break parsing }
                    let anchor = string(isMapping ? event.data.mapping_start.anchor : event.data.sequence_start.anchor)
                    let isBlock = isMapping ? event.data.mapping_start.style == YAML_BLOCK_MAPPING_STYLE
                        : event.data.sequence_start.style == YAML_BLOCK_SEQUENCE_STYLE
                    stack.append(Frame(isMapping: isMapping, isBlock: isBlock, start: start, tag: tag, anchor: anchor))
                case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                    guard let frame = stack.popLast() else { break parsing }
                    // libyaml ends a block collection where the next token starts (often the next
                    // line's item); it really ends with its last child. Flow collections end at `]`/`}`.
                    let collectionEnd = frame.isBlock ? (frame.children.last?.range.end ?? end) : end
                    let range = SourceRange(start: frame.start, end: max(frame.start, collectionEnd))
                    let kind: YAMLNode.Kind
                    if frame.isMapping {
                        kind = .mapping(pairs(from: frame.children, into: &bag))
                    } else {
                        kind = .sequence(frame.children)
                    }
                    if !attach(YAMLNode(kind: kind, range: range, tag: frame.tag, anchor: frame.anchor)) { break parsing }
                default:
                    continue
                }
            }
        }
        // Duplicate keys are recoverable (the first one is kept); any other error leaves no usable tree.
        let fatal = bag.diagnostics.contains { $0.severity == .error && $0.code != .duplicateKey }
        return YAMLDocument(root: fatal ? nil : root, diagnostics: bag.diagnostics, roots: fatal ? [] : roots)
    }

    /// Pairs a mapping's children and reports every repeated key against its first occurrence.
    private static func pairs(from children: [YAMLNode], into bag: inout DiagnosticBag) -> [YAMLPair] {
        var result: [YAMLPair] = []
        result.reserveCapacity(children.count / 2)
        // A runbook's mappings are small: their keys are compared with each other (hashing a key
        // set per mapping was a twelfth of the YAML front end); a large one hashes, so it stays linear.
        let hashes = children.count > 2 * smallMapping
        var seen: [String: YAMLNode] = [:]
        var names: [(name: String, key: YAMLNode)] = []
        var index = 0
        while index + 1 < children.count {
            let key = children[index]
            let value = children[index + 1]
            index += 2
            if let name = key.scalarValue {
                let earlier = hashes ? seen[name] : names.first { $0.name == name }?.key
                if let first = earlier {
                    bag.report(.duplicateKey, "duplicate key `\(name)`", at: key.range,
                               help: "remove one of them; YAML tools disagree on which one wins",
                               notes: [DiagnosticNote("first defined here", at: first.range)])
                    continue
                }
                if hashes { seen[name] = key } else { names.append((name, key)) }
            }
            result.append(YAMLPair(key: key, value: value))
        }
        return result
    }

    /// Mappings of up to this many pairs find repeated keys by comparison rather than hashing.
    static let smallMapping = 16

    /// The first non-blank byte after a block scalar's header line, or the header if there is none.
    static func blockContentStart(_ bytes: [UInt8], headerAt start: Int, end: Int) -> Int {
        var index = start
        while index < end, bytes[index] != 0x0A, bytes[index] != 0x0D { index += 1 }
        while index < end, bytes[index] == 0x0A || bytes[index] == 0x0D || bytes[index] == 0x20 { index += 1 }
        return index < end ? index : start
    }

    private static func checkTag(_ tag: String?, at range: SourceRange, into bag: inout DiagnosticBag) -> Bool {
        guard let tag, !standardTags.contains(tag) else { return true }
        bag.report(.unsupportedTag, "explicit tag `\(tag)` is not supported in runbooks", at: range,
                   help: "remove the tag; runbook values are plain strings, numbers, booleans, lists and mappings")
        return false
    }

    private static func reportSyntaxError(_ parser: yaml_parser_t, offsets: ScalarOffsetMap, file: SourceFile,
                                          into bag: inout DiagnosticBag) {
        let problem = string(parser.problem) ?? "unknown error"
        let offset = offsets.byteOffset(ofScalarIndex: parser.problem_mark.index)
        // libyaml's scanner counts flow brackets before this reader sees the collections they open:
        // deep `[[[[…` stops there, with a message naming libyaml's C setter. It is the same problem.
        if problem.hasPrefix("Maximum nesting level reached") {
            bag.report(.nestingTooDeep, "collections are nested more than \(maximumDepth) levels deep", at: .at(min(offset, file.bytes.count)),
                       help: "a runbook needs only a few levels; this looks like generated or hostile input")
            return
        }
        var notes: [DiagnosticNote] = []
        if let context = string(parser.context) {
            let contextOffset = offsets.byteOffset(ofScalarIndex: parser.context_mark.index)
            notes.append(DiagnosticNote(context, at: .at(contextOffset)))
        }
        var help: String?
        if offset < file.bytes.count, file.bytes[offset] == 0x09 {
            help = "YAML does not allow tabs for indentation; indent with spaces"
        } else if problem.contains("mapping values are not allowed") {
            help = "quote the value: a plain scalar cannot contain `: `"
        } else if problem.contains("did not find expected") || problem.contains("expected <block end>") {
            help = "check the indentation of this line against the lines above it"
        } else if problem.contains("found undefined tag handle") {
            help = "remove the `!` tag or quote the value"
        }
        let kind = parser.error == YAML_READER_ERROR ? "cannot read YAML" : "YAML syntax error"
        let range: SourceRange = parser.error == YAML_READER_ERROR ? .at(min(parser.problem_offset, file.bytes.count)) : .at(offset)
        bag.report(.yamlSyntax, "\(kind): \(problem)", at: range, help: help, notes: notes)
    }

    private static func style(_ style: yaml_scalar_style_t) -> YAMLScalarStyle {
        switch style {
        case YAML_SINGLE_QUOTED_SCALAR_STYLE: .singleQuoted
        case YAML_DOUBLE_QUOTED_SCALAR_STYLE: .doubleQuoted
        case YAML_LITERAL_SCALAR_STYLE: .literal
        case YAML_FOLDED_SCALAR_STYLE: .folded
        default: .plain
        }
    }

    private static func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        guard let pointer else { return nil }
        return String(cString: pointer)
    }

    private static func string(_ pointer: UnsafePointer<CChar>?) -> String? {
        guard let pointer else { return nil }
        return String(cString: pointer)
    }
}

/// libyaml's marks count Unicode scalars; rbc stores UTF-8 byte offsets. ASCII files map 1:1,
/// others through a checkpoint every 256 scalars.
struct ScalarOffsetMap {
    private let isASCII: Bool
    private let checkpoints: [Int]
    private let bytes: [UInt8]
    private static let stride = 256

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        isASCII = !bytes.contains { $0 >= 0x80 }
        var checkpoints: [Int] = []
        if !isASCII {
            var scalars = 0
            for (offset, byte) in bytes.enumerated() where byte & 0xC0 != 0x80 {
                if scalars % Self.stride == 0 { checkpoints.append(offset) }
                scalars += 1
            }
        }
        self.checkpoints = checkpoints
    }

    func byteOffset(ofScalarIndex index: Int) -> Int {
        if isASCII { return min(index, bytes.count) }
        let checkpoint = index / Self.stride
        guard checkpoint < checkpoints.count else { return bytes.count }
        var offset = checkpoints[checkpoint]
        var remaining = index % Self.stride
        while remaining > 0, offset < bytes.count {
            offset += 1
            while offset < bytes.count, bytes[offset] & 0xC0 == 0x80 { offset += 1 }
            remaining -= 1
        }
        return offset
    }
}

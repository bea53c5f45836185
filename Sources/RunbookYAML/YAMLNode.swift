// The positioned YAML tree rbc's runbook parser reads: every node knows its exact source range.

import RunbookSource
import Yams

public enum YAMLScalarStyle: Sendable {
    case plain, singleQuoted, doubleQuoted, literal, folded

    public var isBlock: Bool { self == .literal || self == .folded }
    public var isQuoted: Bool { self == .singleQuoted || self == .doubleQuoted }
}

/// What a scalar means under YAML's core schema, as Yams' resolver decides it.
public enum YAMLScalarKind: Sendable, Equatable {
    case null, bool, int, float, string
}

public struct YAMLPair: Sendable {
    public let key: YAMLNode
    public let value: YAMLNode

    public init(key: YAMLNode, value: YAMLNode) {
        self.key = key
        self.value = value
    }
}

public final class YAMLNode: Sendable {
    public enum Kind: Sendable {
        case scalar(String, YAMLScalarStyle)
        case sequence([YAMLNode])
        case mapping([YAMLPair])
        /// An alias keeps its own position and points at the anchored node.
        case alias(YAMLNode)
    }

    public let kind: Kind
    public let range: SourceRange
    public let tag: String?
    public let anchor: String?
    /// Node count with aliases expanded: what a naive consumer would walk.
    public let expandedSize: Int
    /// Decided once here: the type checker asks several times per value.
    private let ownScalarKind: YAMLScalarKind?

    /// Front ends other than YAML (Markdown) build nodes for the values they derive, with their own ranges.
    public init(kind: Kind, range: SourceRange, tag: String? = nil, anchor: String? = nil) {
        self.kind = kind
        self.range = range
        self.tag = tag
        self.anchor = anchor
        let childSize: Int
        switch kind {
        case .scalar: childSize = 0
        case .sequence(let items): childSize = items.reduce(0) { $0.addingSaturated($1.expandedSize) }
        case .mapping(let pairs): childSize = pairs.reduce(0) { $0.addingSaturated($1.key.expandedSize).addingSaturated($1.value.expandedSize) }
        case .alias(let target): childSize = target.expandedSize
        }
        self.expandedSize = childSize.addingSaturated(1)
        if case .scalar(let value, let style) = kind {
            ownScalarKind = Self.resolveScalarKind(value, style: style, tag: tag)
        } else {
            ownScalarKind = nil
        }
    }

    /// The node an alias stands for; the node itself otherwise.
    public var resolved: YAMLNode {
        if case .alias(let target) = kind { return target.resolved }
        return self
    }

    public var scalarValue: String? {
        if case .scalar(let value, _) = resolved.kind { return value }
        return nil
    }

    public var scalarStyle: YAMLScalarStyle? {
        if case .scalar(_, let style) = resolved.kind { return style }
        return nil
    }

    public var sequenceItems: [YAMLNode]? {
        if case .sequence(let items) = resolved.kind { return items }
        return nil
    }

    public var mappingPairs: [YAMLPair]? {
        if case .mapping(let pairs) = resolved.kind { return pairs }
        return nil
    }

    /// Core-schema meaning of a scalar. Quoted and block scalars are always strings;
    /// explicit standard tags win; plain scalars go through Yams' resolver.
    public var scalarKind: YAMLScalarKind? { resolved.ownScalarKind }

    /// What an untagged plain scalar spelt `text` means: for front ends whose values read as YAML's would.
    public static func plainScalarKind(_ text: String) -> YAMLScalarKind {
        resolveScalarKind(text, style: .plain, tag: nil)
    }

    static func resolveScalarKind(_ value: String, style: YAMLScalarStyle, tag: String?) -> YAMLScalarKind {
        switch tag {
        case "tag:yaml.org,2002:str": return .string
        case "tag:yaml.org,2002:int": return .int
        case "tag:yaml.org,2002:float": return .float
        case "tag:yaml.org,2002:bool": return .bool
        case "tag:yaml.org,2002:null": return .null
        default: break
        }
        guard style == .plain else { return .string }
        if isCertainlyString(value) { return .string }
        if let kind = commonKind(value) { return kind }
        switch Resolver.default.resolveTag(of: Node(value)) {
        case .null: return .null
        case .bool: return .bool
        case .int: return .int
        case .float: return .float
        default: return .string
        }
    }

    /// Whether no rule of Yams' default resolver (YAML 1.1 bool, int, float, null, merge, timestamp,
    /// value) can match: each needs a digit, sign, dot, `~`, `<`, `=` first, or is a short word such
    /// as `yes`/`off`/`null`. Yams stays the authority for everything else; this skips its seven
    /// regular expressions for the commands and prose that make up most of a runbook (profiled: the
    /// resolver was an eighth of `rbc check`).
    private static let numericBytes = Set("0123456789abcdefABCDEFxXoO._:-+tTzZ \t".utf8)

    static func isCertainlyString(_ value: String) -> Bool {
        guard let first = value.utf8.first else { return false }
        switch first {
        case UInt8(ascii: "0")...UInt8(ascii: "9"):
            // Numbers and timestamps use only these bytes; a duration such as `30s` or `5m` does not.
            return value.utf8.contains { !Self.numericBytes.contains($0) }
        case UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "~"), UInt8(ascii: "<"), UInt8(ascii: "="):
            return false
        case UInt8(ascii: "y"), UInt8(ascii: "Y"), UInt8(ascii: "n"), UInt8(ascii: "N"), UInt8(ascii: "t"), UInt8(ascii: "T"),
             UInt8(ascii: "f"), UInt8(ascii: "F"), UInt8(ascii: "o"), UInt8(ascii: "O"):
            // Only the bool and null rules match a value led so, and only their exact words
            // (`commonKind` knows them all), or such a word before a line break, where the rules'
            // `$` also matches: keys such as `name`, `type` and `owner` never reach the resolver.
            if value.utf8.count > 5 { return true }
            return commonKind(value) == nil && value.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x80 }
        default:
            return true
        }
    }

    /// Yams' answer for the plain scalars runbooks hold most (`0`, `200`, `true`, `false`, `null`),
    /// without its regular expressions (still a twentieth of a 10,000-runbook check after the
    /// shortcut above): the resolver tries bool, int, float, merge, null, timestamp in that order, and
    /// each of these values is matched by exactly the rule named here. Anything else: nil, ask Yams.
    static func commonKind(_ value: String) -> YAMLScalarKind? {
        switch value {
        case "yes", "Yes", "YES", "no", "No", "NO", "true", "True", "TRUE", "false", "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF":
            return .bool
        case "", "~", "null", "Null", "NULL":
            return .null
        default:
            break
        }
        let bytes = value.utf8
        guard let first = bytes.first, bytes.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return nil }
        // Digits only: `0` and `[1-9][0-9]*` are decimal ints, `0[0-7]+` octal ints; a leading zero
        // before an 8 or 9 is no int, and the float rule (`[0-9][0-9_]*`) takes it.
        if first != UInt8(ascii: "0") || bytes.count == 1 { return .int }
        return bytes.dropFirst().allSatisfy { $0 <= UInt8(ascii: "7") } ? .int : .float
    }

    /// A short description of the node's kind for "expected X, found Y" messages.
    public var kindDescription: String {
        switch resolved.kind {
        case .scalar:
            switch scalarKind {
            case .null: return "null"
            case .bool: return "a boolean"
            case .int: return "an integer"
            case .float: return "a number"
            default: return "a string"
            }
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        case .alias: return "an alias"
        }
    }
}

extension Int {
    func addingSaturated(_ other: Int) -> Int {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? .max : sum
    }
}

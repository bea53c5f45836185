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
    public var scalarKind: YAMLScalarKind? {
        let node = resolved
        guard case .scalar(let value, let style) = node.kind else { return nil }
        switch node.tag {
        case "tag:yaml.org,2002:str": return .string
        case "tag:yaml.org,2002:int": return .int
        case "tag:yaml.org,2002:float": return .float
        case "tag:yaml.org,2002:bool": return .bool
        case "tag:yaml.org,2002:null": return .null
        default: break
        }
        guard style == .plain else { return .string }
        switch Resolver.default.resolveTag(of: Node(value)) {
        case .null: return .null
        case .bool: return .bool
        case .int: return .int
        case .float: return .float
        default: return .string
        }
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

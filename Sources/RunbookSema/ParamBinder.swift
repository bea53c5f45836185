// Parameter values given at run time (`--param k=v`, `--params-file`) checked against a runbook's
// declarations: types, allowed values, required ones, unknown names. Secret values are never echoed.

import Foundation
import RunbookSource
import RunbookSyntax

public struct ParamValue: Sendable {
    public let name: String
    /// The value as written (a YAML scalar from a params file, or the text after `=`).
    public let node: YAMLNode
    /// Where it was given: a params file (positions) or the command line.
    public let file: SourceFile?
    public let keyRange: SourceRange?
    public let origin: String
}

public enum ParamBinder {
    /// `name=value` arguments; a value may contain `=`.
    public static func parse(arguments: [String]) -> ([ParamValue], [Diagnostic]) {
        var values: [ParamValue] = []
        var diagnostics: [Diagnostic] = []
        for argument in arguments {
            guard let equals = argument.firstIndex(of: "="), equals != argument.startIndex else {
                diagnostics.append(Diagnostic(.paramValue, "`--param \(argument)` is not NAME=VALUE", displayPath: "--param",
                                              help: "write `--param service=checkout`"))
                continue
            }
            let name = String(argument[..<equals])
            let text = String(argument[argument.index(after: equals)...])
            values.append(ParamValue(name: name, node: YAMLNode(kind: .scalar(text, .plain), range: .at(0)), file: nil, keyRange: nil,
                                     origin: "--param \(name)"))
        }
        return (values, diagnostics)
    }

    /// A YAML or JSON file holding a mapping of parameter names to scalar values.
    public static func load(paramsFile path: String) -> ([ParamValue], [Diagnostic]) {
        let file: SourceFile
        switch SourceLoader.load(path: path) {
        case .failed(let diagnostic): return ([], [diagnostic])
        case .loaded(let loaded): file = loaded
        }
        let document = YAMLReader.read(file)
        // A params file holds secrets: diagnostics quote lines of a copy whose values are masked.
        let valueRanges = document.root?.mappingPairs?.map(\.value.range)
        let shown = masked(file, values: valueRanges)
        var bag = DiagnosticBag(file: shown)
        bag.append(contentsOf: document.diagnostics.map { diagnostic in
            var copy = diagnostic
            if copy.file != nil { copy.file = shown }
            return copy
        })
        guard let root = document.root else { return ([], bag.diagnostics) }
        guard let pairs = root.mappingPairs else {
            bag.report(.paramValue, "a params file holds a mapping of parameter names to values, found \(root.kindDescription)", at: root.range)
            return ([], bag.diagnostics)
        }
        var values: [ParamValue] = []
        for pair in pairs {
            guard let name = pair.key.scalarValue else { continue }
            guard pair.value.scalarStyle != nil else {
                bag.report(.paramValue, "the value of `\(name)` must be a scalar, found \(pair.value.kindDescription)", at: pair.value.range)
                continue
            }
            values.append(ParamValue(name: name, node: pair.value, file: shown, keyRange: pair.key.range, origin: path))
        }
        return (values, bag.diagnostics)
    }

    /// The file with every value's bytes replaced by `*` (offsets unchanged), or, when it holds no
    /// mapping to find values in, everything after each line's first `:`.
    static func masked(_ file: SourceFile, values: [SourceRange]?) -> SourceFile {
        var bytes = file.bytes
        func mask(_ range: Range<Int>) {
            for index in range where index < bytes.count && bytes[index] != 0x0A && bytes[index] != 0x0D { bytes[index] = UInt8(ascii: "*") }
        }
        if let values {
            for range in values { mask(range.start..<range.end) }
        } else {
            var index = 0
            while index < bytes.count {
                let lineEnd = bytes[index...].firstIndex(of: 0x0A) ?? bytes.count
                if let colon = bytes[index..<lineEnd].firstIndex(of: UInt8(ascii: ":")) { mask((colon + 1)..<lineEnd) }
                index = lineEnd + 1
            }
        }
        return SourceFile(path: file.path, text: String(decoding: bytes, as: UTF8.self))
    }

    /// Checks values against a runbook's parameters; returns every parameter's value (defaults applied).
    /// `allowMissing`: a plan shows required parameters that were not given as placeholders instead of refusing.
    public static func bind(_ values: [ParamValue], to ir: RunbookIR, runbook: SourceFile?,
                            allowMissing: Bool = false) -> (values: [String: JSONValue], diagnostics: [Diagnostic]) {
        var diagnostics: [Diagnostic] = []
        var bound: [String: JSONValue] = [:]
        let declared = Dictionary(ir.params.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        func report(_ value: ParamValue, _ message: String, help: String? = nil) {
            diagnostics.append(Diagnostic(.paramValue, message, file: value.file, range: value.file == nil ? nil : value.node.range,
                                          displayPath: value.file == nil ? value.origin : nil, help: help))
        }
        for value in values {
            guard let param = declared[value.name] else {
                let help = Suggestions.closest(to: value.name, in: declared.keys).map { "did you mean `\($0)`?" }
                    ?? (declared.isEmpty ? "this runbook declares no parameters" : "parameters: \(declared.keys.sorted().joined(separator: ", "))")
                diagnostics.append(Diagnostic(.paramValue, "unknown parameter `\(value.name)` for \(ir.runbook.name)", file: value.file,
                                              range: value.keyRange, displayPath: value.file == nil ? value.origin : nil, help: help))
                continue
            }
            let text = value.node.scalarValue ?? ""
            let shown = param.secret ? "the value" : "`\(text)`"
            switch convert(value.node, to: param) {
            case .some(let converted) where !matchesPattern(text, param):
                _ = converted
                report(value, "\(shown) does not match the pattern of `\(param.name)`", help: "the whole value must match /\(param.pattern ?? "")/")
            case .some(let converted): bound[param.name] = converted
            case .none:
                if param.type == .enum {
                    let allowed = (param.allowed ?? []).map(describe).joined(separator: ", ")
                    report(value, "\(shown) is not an allowed value of `\(param.name)`", help: "use one of \(allowed)")
                } else {
                    let quotedNumber = value.node.scalarStyle?.isQuoted == true && (param.type == .int || param.type == .number)
                    report(value, "\(shown) is not a valid \(param.type.rawValue) for `\(param.name)`",
                           help: quotedNumber ? "remove the quotes: a quoted value is a string"
                               : param.type == .duration ? "write a duration such as `5m`" : nil)
                }
            }
        }
        for param in ir.params where bound[param.name] == nil {
            if let defaultValue = param.defaultValue {
                bound[param.name] = defaultValue
            } else if param.required, !allowMissing, !values.contains(where: { $0.name == param.name }) {
                let range = runbook == nil ? nil : param.location?.range
                diagnostics.append(Diagnostic(.paramValue, "required parameter `\(param.name)` has no value", file: runbook, range: range,
                                              displayPath: runbook == nil ? ir.source?.path : nil,
                                              help: "give it with `--param \(param.name)=…` or in `--params-file`"))
            }
        }
        return (bound, diagnostics)
    }

    /// Whether the whole value matches the parameter's `pattern` (anchored: a partial match is not enough).
    public static func matchesPattern(_ text: String, _ param: ParamIR) -> Bool {
        guard let pattern = param.pattern else { return true }
        guard let regex = try? NSRegularExpression(pattern: "^(?:" + pattern + ")\\z") else { return false }
        return regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }

    static func convert(_ node: YAMLNode, to param: ParamIR) -> JSONValue? {
        guard let text = node.scalarValue else { return nil }
        let quoted = node.scalarStyle?.isQuoted == true
        switch param.type {
        case .string: return .string(text)
        case .int: return quoted ? nil : Int(text.replacingOccurrences(of: "_", with: "")).map(JSONValue.int)
        case .number: return quoted ? nil : Double(text).map(JSONValue.double)
        case .bool:
            switch text.lowercased() {
            case "true", "yes", "on": return .bool(true)
            case "false", "no", "off": return .bool(false)
            default: return nil
            }
        case .duration: return (try? DurationParser.milliseconds(text).get()) != nil ? .string(text) : nil
        case .enum:
            let allowed = param.allowed ?? []
            return allowed.first { describe($0) == text }
        }
    }

    static func describe(_ value: JSONValue) -> String {
        switch value {
        case .string(let text): text
        case .int(let number): String(number)
        case .double(let number): String(number)
        case .bool(let flag): String(flag)
        default: "null"
        }
    }
}

// The runbook grammar over YAML nodes: finds `runbook:`, its steps, their rollbacks and `post_runbook`,
// applies `<<` merges, and reports structural mistakes. Field types are the type checker's job.

import RunbookSource

public struct ParsedRunbook: Sendable {
    public let syntax: RunbookSyntax?
    public let diagnostics: [Diagnostic]
}

public enum RunbookParser {
    public static func parse(yaml file: SourceFile) -> ParsedRunbook {
        let document = YAMLReader.read(file)
        // `---` alone, or only `~`: a document with nothing in it.
        let isEmptyDocument = document.root.map { $0.scalarKind == .null && ($0.scalarValue ?? "").isEmpty } ?? false
        guard let root = document.root, !isEmptyDocument else {
            var diagnostics = document.diagnostics
            if diagnostics.isEmpty {
                diagnostics.append(Diagnostic(.emptyFile, "file is empty; a runbook starts with `runbook:`",
                                              file: file, range: .at(0)))
            }
            return ParsedRunbook(syntax: nil, diagnostics: diagnostics)
        }
        var bag = DiagnosticBag(file: file)
        bag.append(contentsOf: document.diagnostics)
        let syntax = parse(root: root, file: file, format: .yaml, bag: &bag)
        return ParsedRunbook(syntax: syntax, diagnostics: bag.diagnostics)
    }

    /// Reads a root mapping whose `runbook` key holds the runbook.
    public static func parse(root: YAMLNode, file: SourceFile, format: SourceFormat,
                             bag: inout DiagnosticBag) -> RunbookSyntax? {
        guard let rootMapping = mapping(root, bag: &bag) else {
            // A list, a number or prose is some other file, not a broken runbook.
            bag.report(.notARunbook, "not a runbook: the document root is \(root.kindDescription), not a mapping with a `runbook` key",
                       at: root.range, help: "a runbook file starts with `runbook:` at column 1")
            return nil
        }
        guard let runbookField = rootMapping["runbook"] else {
            // A near miss (`runbok:`) is a runbook with a typo; anything else is some other YAML file.
            if let typo = rootMapping.fields.first(where: { Suggestions.closest(to: $0.key, in: ["runbook"]) != nil }) {
                bag.report(.invalidRoot, "the document has no `runbook` key", at: typo.keyRange,
                           help: "did you mean `runbook`? (found `\(typo.key)`)")
            } else {
                bag.report(.notARunbook, "not a runbook: the document has no top-level `runbook` key",
                           at: rootMapping.fields.first?.keyRange ?? root.range,
                           help: "a runbook file starts with `runbook:` at column 1")
            }
            return nil
        }
        for field in rootMapping.fields where field.key != "runbook" {
            bag.report(.unknownKey, "unknown top-level key `\(field.key)`", at: field.keyRange,
                       help: "everything belongs under `runbook:`; indent this key")
        }
        guard let body = mapping(runbookField.value, bag: &bag) else {
            bag.report(.typeMismatch, "`runbook` must be a mapping, found \(runbookField.value.kindDescription)",
                       at: runbookField.value.range, help: "indent the runbook's keys (`name`, `severity`, `steps`…) under `runbook:`")
            return nil
        }
        var metadata: [FieldSyntax] = []
        var steps: [StepSyntax] = []
        var stepsField: FieldSyntax?
        var postRunbook: [StepSyntax] = []
        var rollback: [StepSyntax] = []
        var procedures: [ProcedureSyntax] = []
        for field in body.fields {
            switch field.key {
            case "steps":
                stepsField = field
                steps = stepList(field, bag: &bag)
            case "post_runbook":
                postRunbook = stepList(field, bag: &bag)
            case "rollback":
                rollback = stepList(field, bag: &bag)
            case "procedures":
                procedures = procedureList(field, bag: &bag)
            default:
                metadata.append(field)
            }
        }
        return RunbookSyntax(file: file, format: format, metadata: MappingSyntax(fields: metadata, range: body.range),
                             headerRange: runbookField.keyRange, steps: steps, stepsField: stepsField,
                             postRunbook: postRunbook, rollback: rollback, procedures: procedures)
    }

    public static func procedureList(_ field: FieldSyntax, bag: inout DiagnosticBag) -> [ProcedureSyntax] {
        guard let items = field.value.sequenceItems else {
            if field.value.scalarKind != .null {
                bag.report(.typeMismatch, "`procedures` must be a list, found \(field.value.kindDescription)", at: field.value.range,
                           help: "write each procedure as `- id: …` with `name:` and `steps:`")
            }
            return []
        }
        var procedures: [ProcedureSyntax] = []
        for item in items {
            guard let mapping = mapping(item, bag: &bag) else {
                bag.report(.typeMismatch, "a procedure must be a mapping with `id`, `name` and `steps`, found \(item.kindDescription)",
                           at: item.range)
                continue
            }
            var own: [FieldSyntax] = []
            var steps: [StepSyntax] = []
            for entry in mapping.fields {
                if entry.key == "steps" { steps = stepList(entry, bag: &bag) } else { own.append(entry) }
            }
            procedures.append(ProcedureSyntax(fields: MappingSyntax(fields: own, range: mapping.range), steps: steps, range: item.range))
        }
        return procedures
    }

    /// Steps from a list node; a front end with its own syntax for steps (Markdown) builds `StepSyntax` directly.
    public static func steps(from items: [YAMLNode], bag: inout DiagnosticBag) -> [StepSyntax] {
        items.compactMap { step(from: $0, bag: &bag) }
    }

    private static func stepList(_ field: FieldSyntax, bag: inout DiagnosticBag) -> [StepSyntax] {
        if field.value.scalarKind == .null { return [] }
        guard let items = field.value.sequenceItems else {
            bag.report(.typeMismatch, "`\(field.key)` must be a list of steps, found \(field.value.kindDescription)",
                       at: field.value.range, help: "write each step as a list item starting with `- id: …`")
            return []
        }
        return steps(from: items, bag: &bag)
    }

    /// One step mapping: its own keys, and `rollback` split out.
    public static func step(from item: YAMLNode, bag: inout DiagnosticBag) -> StepSyntax? {
        guard let fields = mapping(item, bag: &bag) else {
            bag.report(.typeMismatch, "a step must be a mapping with `id` and `action`, found \(item.kindDescription)",
                       at: item.range, help: "write the step as `- id: restart-api` followed by `action: …` on the next line")
            return nil
        }
        return step(from: fields, range: item.range, bag: &bag)
    }

    /// Splits `rollback` out of a step's keys.
    public static func step(from fields: MappingSyntax, range: SourceRange, bag: inout DiagnosticBag) -> StepSyntax {
        var own: [FieldSyntax] = []
        var rollback: RollbackSyntax?
        for stepField in fields.fields {
            guard stepField.key == "rollback" else {
                own.append(stepField)
                continue
            }
            if let rollbackFields = mapping(stepField.value, bag: &bag) {
                rollback = RollbackSyntax(fields: rollbackFields, keyRange: stepField.keyRange)
            } else {
                bag.report(.typeMismatch, "`rollback` must be an action mapping, found \(stepField.value.kindDescription)",
                           at: stepField.value.range,
                           help: "write `rollback:` followed by an indented `action: …` and its fields")
            }
        }
        return StepSyntax(fields: MappingSyntax(fields: own, range: fields.range), rollback: rollback, range: range)
    }

    /// A mapping node as `MappingSyntax`, with YAML merge keys (`<<: *base`) applied: explicit keys win.
    public static func mapping(_ node: YAMLNode, bag: inout DiagnosticBag) -> MappingSyntax? {
        guard let pairs = node.mappingPairs else { return nil }
        var fields: [FieldSyntax] = []
        fields.reserveCapacity(pairs.count)
        var merged: [FieldSyntax] = []
        for pair in pairs {
            guard let key = pair.key.scalarValue else {
                bag.report(.typeMismatch, "a key must be a plain string, found \(pair.key.kindDescription)", at: pair.key.range)
                continue
            }
            if key == "<<", pair.key.scalarStyle == .plain {
                let sources = pair.value.sequenceItems ?? [pair.value]
                for source in sources {
                    guard source.mappingPairs != nil, let inner = mapping(source, bag: &bag) else {
                        bag.report(.invalidMerge, "`<<` merges mappings, found \(source.kindDescription)", at: source.range,
                                   help: "write `<<: *anchor` where the anchor names a mapping")
                        continue
                    }
                    merged.append(contentsOf: inner.fields)
                }
                continue
            }
            fields.append(FieldSyntax(key: key, keyRange: pair.key.range, value: pair.value))
        }
        guard !merged.isEmpty else { return MappingSyntax(fields: fields, range: node.range) }
        let explicit = Set(fields.map(\.key))
        var seenMerged = Set<String>()
        for field in merged where !explicit.contains(field.key) && !seenMerged.contains(field.key) {
            seenMerged.insert(field.key)
            fields.append(field)
        }
        return MappingSyntax(fields: fields, range: node.range)
    }
}

// Checks every `${{ }}` and `when` of a runbook after the IR is built: each expression is parsed and
// type checked in the scope of its step, its findings are placed at the exact characters in the
// source file, and the IR records every substitution structurally (never as spliced text).

import Foundation
import RunbookSource
import RunbookSyntax

struct ExpressionPass {
    let file: SourceFile
    let params: [String: ParamIR]
    var bag: DiagnosticBag
    var referencedParams: Set<String> = []
    /// An expression too large to check (RB3020) may use any parameter: none is called unused then.
    var skippedExpression = false
    /// A page for people declares no parameters or outputs: a `${{ }}` there that does not check
    /// cleanly is another tool's syntax (GitHub Actions' `${{ github.ref }}`, Railway's
    /// `${{service.VAR}}`) shown to the reader, so it stays text and is not reported.
    var forPeople = false
    /// The page's front matter, where parameters are declared, did not parse: a parameter not
    /// known may be declared there, and is no error of its own.
    var paramsUnknown = false

    /// Step fields whose strings the executor substitutes into.
    static let templatedFields = ["command", "config_key", "value", "channel", "message", "title", "body", "url", "instructions", "shell"]
    /// The fields whose strings are templates, `expect.output` last: each one's place in that order.
    static let templateOrder: [String: Int] = Dictionary(uniqueKeysWithValues: (templatedFields + ["output"]).enumerated().map { ($1, $0) })
    /// Fields where a `${{ }}` is not rejected (built once; per step, the set was a sixth of this pass).
    static let substitutedFields = Set(templatedFields + ["headers", "labels", "when", "expect", "rollback", "outputs"])

    init(file: SourceFile, params: [ParamIR], bag: DiagnosticBag) {
        self.file = file
        self.params = Dictionary(params.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.bag = bag
    }

    /// `tree` is the one the IR was built from: its step lists and the IR's correspond one to one.
    mutating func run(_ tree: RunbookSyntaxTree, _ ir: inout RunbookIR) {
        forPeople = ir.runbook.kind == .documentation
        let main = facts(ir.steps)
        check(list: tree.steps, ir: &ir.steps, earlier: [:], facts: main)
        let everyMainStep = Dictionary(main.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        check(list: tree.postRunbook, ir: &ir.postRunbook, earlier: everyMainStep, facts: facts(ir.postRunbook))
        check(list: tree.rollback, ir: &ir.rollback, earlier: everyMainStep, facts: facts(ir.rollback))
        for (procedure, index) in zip(tree.procedures, ir.procedures.indices) {
            check(list: procedure.steps, ir: &ir.procedures[index].steps, earlier: [:], facts: facts(ir.procedures[index].steps))
        }
        for param in ir.params where !referencedParams.contains(param.name) && !skippedExpression {
            // The declaration's name, as the type checker placed it.
            let range = param.location?.range
            bag.report(.unusedParam, "parameter `\(param.name)` is declared but no expression uses it", at: range,
                       help: "use it as `${{ params.\(param.name) }}`, or remove the declaration")
        }
    }

    private func facts(_ steps: [StepIR]) -> [StepFacts] {
        steps.map { StepFacts(id: $0.id, index: $0.index, kind: $0.action.kind, outputs: ($0.outputs ?? []).map(\.name),
                              conditional: $0.when != nil) }
    }

    private mutating func check(list: [StepNode], ir steps: inout [StepIR], earlier: [String: StepFacts], facts: [StepFacts]) {
        var byID: [String: (position: Int, facts: StepFacts)] = [:]
        for (position, fact) in facts.enumerated() where byID[fact.id] == nil { byID[fact.id] = (position, fact) }
        for (position, stepSyntax) in list.enumerated() where position < steps.count {
            let id = steps[position].id
            var scope = ExpressionScope(params: params, paramsUnknown: paramsUnknown, earlier: earlier, list: byID, position: position, ownStep: nil,
                                        owner: "step `\(id)`")
            var substitutions: [SubstitutionIR] = []
            var fieldTemplates: [TemplateIR] = []

            if let when = stepSyntax.fields["when"], let text = when.value.scalarValue {
                steps[position].condition = checkCondition(text, node: when.value, scope: scope)
            }
            var action = steps[position].action
            rejectExpressions(in: stepSyntax.fields, prefix: "")
            if let rollback = stepSyntax.rollback { rejectExpressions(in: rollback.fields, prefix: "rollback.") }
            templates(in: stepSyntax.fields, prefix: "", scope: scope, substitutions: &substitutions, templates: &fieldTemplates, action: &action)
            steps[position].action = action
            if let expect = stepSyntax.fields["expect"]?.value.mapping, let output = expect["output"] {
                var ignored = ActionIR(kind: .manual)
                templates(in: SyntaxMapping(fields: [output], range: expect.range), prefix: "expect.", scope: scope,
                          substitutions: &substitutions, templates: &fieldTemplates, action: &ignored)
            }
            // A rollback runs after its step: the step's own results are visible to it.
            if let rollback = stepSyntax.rollback, var rollbackIR = steps[position].rollback {
                scope.ownStep = byID[id]?.facts
                scope.owner = "rollback of `\(id)`"
                var rollbackAction = rollbackIR.action
                templates(in: rollback.fields, prefix: "rollback.", scope: scope, substitutions: &substitutions, templates: &fieldTemplates, action: &rollbackAction)
                rollbackIR.action = rollbackAction
                steps[position].rollback = rollbackIR
            }
            steps[position].substitutions = substitutions.isEmpty ? nil : substitutions
            steps[position].templates = fieldTemplates.isEmpty ? nil : fieldTemplates
        }
    }

    private mutating func checkCondition(_ text: String, node: SyntaxValue, scope: ExpressionScope) -> ExpressionIR? {
        // `when` may be written bare or wrapped in `${{ }}`.
        let scanned = TemplateScanner.scan(text)
        var expression = text
        var offset = 0
        if let only = scanned.parts.first, scanned.parts.count == 1, only.kind == .expression {
            expression = only.text
            offset = only.offset
        }
        let locator = node.locator(in: file)
        let parsed = ExpressionParser.parse(expression)
        report(parsed.problems, locator: locator, base: offset)
        guard let tree = parsed.node else { return nil }
        var checker = ExpressionChecker(scope: scope)
        let resultType = checker.type(of: tree)
        if resultType != .bool, resultType != .any {
            checker.report(.expressionType, "`when` must be a bool, found \(resultType)", tree.span,
                           help: resultType.isStringLike ? "compare it, e.g. `\(expression.trimmingCharacters(in: .whitespaces)) == 'value'`" : nil)
        }
        finish(checker, locator: locator, base: offset)
        return Self.lower(tree)
    }

    /// Fields the executor takes as written: a `${{ }}` there would never be substituted.
    private mutating func rejectExpressions(in fields: SyntaxMapping, prefix: String) {
        if forPeople { return } // a step name or note on a page is text to read
        for field in fields.fields where !Self.substitutedFields.contains(field.key) {
            guard let value = field.value.scalarValue, value.containsASCII("${{") else { continue }
            bag.report(.notTemplated, "`\(prefix + field.key)` is not substituted at run time, so its `${{ }}` would stay as text",
                       at: field.value.range,
                       help: "expressions work in \(Self.templatedFields.map { "`\($0)`" }.joined(separator: ", ")), `headers`, `labels`, `expect.output` and `when`")
        }
    }

    /// The tree the executor evaluates; nil where the parser recovered from an error (already reported).
    static func lower(_ node: ExpressionNode) -> ExpressionIR? {
        switch node {
        case .string(let value, _): return .string(value)
        case .int(let value, _): return .int(value)
        case .number(let value, _): return .number(value)
        case .bool(let value, _): return .bool(value)
        case .null: return .null
        case .duration(let value, _): return .duration(value)
        case .identifier, .member: return node.path.map(ExpressionIR.path)
        case .error: return nil
        case .unary(let op, let operand, _): return lower(operand).map { .unary(op, $0) }
        case .binary(let op, let left, let right, _):
            guard let left = lower(left), let right = lower(right) else { return nil }
            return .binary(op, left, right)
        case .call(let name, let arguments, _):
            let lowered = arguments.compactMap(lower)
            return lowered.count == arguments.count ? .call(name, lowered) : nil
        }
    }

    /// Checks the templated string fields of a mapping (and `headers`, `labels`), recording substitutions.
    private mutating func templates(in fields: SyntaxMapping, prefix: String, scope: ExpressionScope,
                                    substitutions: inout [SubstitutionIR], templates: inout [TemplateIR], action: inout ActionIR) {
        var entries: [(String, SyntaxValue)] = []
        // One pass over the fields, keeping each key's first field as `fields[key]` would, then the
        // fields in `templatedFields` order (the order substitutions are numbered in).
        var firstOfKey = [SyntaxField?](repeating: nil, count: Self.templateOrder.count)
        for field in fields.fields {
            if let slot = Self.templateOrder[field.key], firstOfKey[slot] == nil { firstOfKey[slot] = field }
        }
        for case let field? in firstOfKey where field.value.isScalar { entries.append((field.key, field.value)) }
        if let headers = fields["headers"]?.value.mapping {
            for header in headers.fields { entries.append(("headers.\(header.key)", header.value)) }
        }
        if let labels = fields["labels"]?.value.listItems {
            for (index, item) in labels.enumerated() { entries.append(("labels[\(index)]", item)) }
        }
        for (key, node) in entries {
            guard let value = node.scalarValue, value.containsASCII("${{") || value.containsASCII("}}") else { continue }
            let scanned = TemplateScanner.scan(value)
            let locator = node.locator(in: file)
            for problem in scanned.problems where !forPeople {
                bag.report(.expressionSyntax, problem.message, at: locator.range(problem.range.lowerBound, problem.range.upperBound), help: problem.help)
            }
            var substituted = false
            var template = ""
            let bytes = Array(value.utf8)
            let expressionParts = scanned.parts.filter { $0.kind == .expression }
            let quoting = key == "command" ? ShellQuoting.contexts(in: bytes, at: expressionParts.map(\.outer.lowerBound)) : []
            var expressionIndex = 0
            var parts: [TemplatePartIR] = []
            for part in scanned.parts {
                guard part.kind == .expression else {
                    template += part.text
                    parts.append(TemplatePartIR(text: part.text, start: part.offset, end: part.offset + part.text.utf8.count))
                    continue
                }
                let parsed = ExpressionParser.parse(part.text)
                var resultType = ExpressionType.any
                var checker = ExpressionChecker(scope: scope)
                if let tree = parsed.node {
                    resultType = checker.type(of: tree)
                    if !resultType.isPrintable {
                        checker.report(.expressionType, "\(resultType) cannot be put into a string", tree.span, help: "wrap it in toJSON(…)")
                    }
                }
                if forPeople, !parsed.problems.isEmpty || parsed.node == nil || checker.findings.contains(where: { ($0.severity ?? $0.code.defaultSeverity) == .error }) {
                    let literal = String(decoding: bytes[part.outer], as: UTF8.self)
                    template += literal
                    parts.append(TemplatePartIR(text: literal, start: part.outer.lowerBound, end: part.outer.upperBound))
                    expressionIndex += 1
                    continue
                }
                substituted = true
                parts.append(TemplatePartIR(substitution: substitutions.count, start: part.outer.lowerBound, end: part.outer.upperBound))
                report(parsed.problems, locator: locator, base: part.offset)
                let references = checker.references
                let trimmedExpression = part.text.trimmingWhitespace()
                finish(checker, locator: locator, base: part.offset)
                let variable = "RBC_EXPR_\(substitutions.count + 1)"
                let context = key == "command" && expressionIndex < quoting.count ? quoting[expressionIndex] : nil
                template += (context ?? .unquoted).reference(to: variable)
                let secret = references.contains { reference in
                    reference.hasPrefix("params.") && params[String(reference.dropFirst(7))]?.secret == true
                }
                if secret, key == "config_key" || key == "url" {
                    // A key names a place and a URL is logged by every proxy and server on the way:
                    // neither can be shown as `***` without changing what rbc does.
                    bag.report(.secretUnmaskable, "secret `\(trimmedExpression)` is used in `\(prefix + key)`, where it cannot be masked",
                               at: locator.range(part.outer.lowerBound, part.outer.upperBound),
                               help: key == "url" ? "send it in a header (`headers: {Authorization: \"Bearer ${{ … }}\"}`) or the body" : "put the secret in the `value`, never in the key")
                }
                substitutions.append(SubstitutionIR(
                    field: prefix + key, expression: trimmedExpression, type: resultType.description,
                    references: references, variable: variable, quoting: context, secret: secret,
                    location: IRLocation(locator.range(part.outer.lowerBound, part.outer.upperBound), in: file),
                    tree: parsed.node.flatMap(Self.lower)))
                expressionIndex += 1
            }
            if key == "command", var last = parts.last, let text = last.text {
                // The IR's command is trimmed like the command itself (block scalars and fences end in a newline).
                var trimmed = text
                while trimmed.last == "\n" || trimmed.last == "\r" { trimmed.removeLast() }
                last.end -= text.utf8.count - trimmed.utf8.count
                last.text = trimmed
                parts[parts.count - 1] = last
                if trimmed.isEmpty { parts.removeLast() }
            }
            if scanned.problems.isEmpty { templates.append(TemplateIR(field: prefix + key, parts: parts)) }
            if key == "command", substituted, scanned.problems.isEmpty {
                // Trimmed like the command itself (block scalars and fences end in a newline).
                while template.last == "\n" || template.last == "\r" { template.removeLast() }
                action.commandTemplate = template
            }
        }
    }

    private mutating func report(_ problems: [ExpressionProblem], locator: ValueLocator, base: Int) {
        for problem in problems {
            if problem.isSizeLimit { skippedExpression = true }
            bag.report(problem.isSizeLimit ? .expressionTooLarge : .expressionSyntax, problem.message,
                       at: locator.range(base + problem.span.start, base + problem.span.end), help: problem.help)
        }
    }

    private mutating func finish(_ checker: ExpressionChecker, locator: ValueLocator, base: Int) {
        referencedParams.formUnion(checker.referencedParams)
        for finding in checker.findings {
            bag.report(finding.code, finding.message, at: locator.range(base + finding.span.start, base + finding.span.end),
                       help: finding.help, severity: finding.severity)
        }
    }
}

extension ExpressionIR {
    /// Parses and lowers one expression (a bare `when`, or `${{ … }}` around it) without checking it:
    /// for tools and tests that evaluate text directly. The executor only evaluates what the type
    /// checker kept in the IR.
    public static func parse(_ text: String) -> ExpressionIR? {
        let scanned = TemplateScanner.scan(text)
        let expression = scanned.parts.count == 1 && scanned.parts[0].kind == .expression ? scanned.parts[0].text : text
        return ExpressionParser.parse(expression).node.flatMap(ExpressionPass.lower)
    }
}

// Values into fields: the expression trees and template parts the type checker kept, evaluated
// against the run's parameters and step results; command values go into the environment (never
// shell text), other fields get each value encoded for where it goes; everything computed from a
// secret joins the redactor.

import Foundation
import RunbookSema
import RunbookSource

extension Executor {
    var context: EvaluationContext {
        var params = settings.params.mapValues(RuntimeValue.from)
        for name in settings.missingParams where settings.dryRun { params[name] = .unknown("params.\(name): not given") }
        return EvaluationContext(params: params, steps: results, runbookName: ir.runbook.name,
                                 severity: ir.runbook.severity?.rawValue ?? "", planning: settings.dryRun)
    }

    /// The command the shell runs and the variables it reads: values never become shell text.
    func commandToRun(_ action: ActionIR, step: StepIR, field: String) throws -> (String, [String: String]) {
        var environment: [String: String] = [:]
        if let runID { environment[ProcessRunner.runIDVariable] = runID }
        for substitution in (step.substitutions ?? []) where substitution.field == field {
            let value = try evaluate(substitution).text
            // Taint: a value computed from a secret is a secret.
            if substitution.secret { redactor.add(value, derived: true) }
            environment[substitution.variable] = value
        }
        try checkOptions(step: step, field: field, environment: environment)
        return (action.commandTemplate ?? action.command ?? "", environment)
    }

    /// A value is one argument, never shell text; but an argument that starts with `-` is read as an
    /// option by the program it goes to, and options run code (`ssh -oProxyCommand=…`, `git
    /// --upload-pack=…`, `find -exec`, `rsync -e`, `tar --to-command=…`). Such a value where an
    /// argument starts is refused, unless `--` ended the options or the author declared the
    /// parameter's values (`pattern:`, `allowed:`).
    func checkOptions(step: StepIR, field: String, environment: [String: String]) throws {
        guard let template = step.templates?.first(where: { $0.field == field }) else { return }
        var before = ""
        for part in template.parts {
            guard let index = part.substitution else { before += part.text ?? ""; continue }
            defer { before += "x" }
            guard let substitution = step.substitutions?[safe: index], let value = environment[substitution.variable],
                  ValueEncoding.readsAsOption(value), ValueEncoding.startsWord(after: before, quoted: substitution.quoting == .double || substitution.quoting == .single),
                  !ValueEncoding.optionsEnded(in: before), !declaresValues(substitution) else { continue }
            throw ExpressionEvaluator.Failure(description: "the value of `${{ \(substitution.expression) }}` starts with `-` where an argument of the command starts, "
                + "so the program would read it as an option (options such as ssh's -oProxyCommand run commands); not run: "
                + "put `--` before it, or declare the parameter's `pattern:` or `allowed:` values")
        }
    }

    /// The expression is a parameter whose values the author declared: a `pattern:` or `allowed:` list.
    func declaresValues(_ substitution: SubstitutionIR) -> Bool {
        guard substitution.references.count == 1, let reference = substitution.references.first,
              reference.hasPrefix("params."), substitution.expression == reference,
              let param = ir.params.first(where: { $0.name == String(reference.dropFirst(7)) }) else { return false }
        return param.pattern != nil || param.allowed != nil
    }

    /// A substitution's value, from the tree the type checker kept.
    func evaluate(_ substitution: SubstitutionIR) throws -> RuntimeValue {
        guard let tree = substitution.tree else {
            throw ExpressionEvaluator.Failure(description: "`${{ \(substitution.expression) }}` has no checked expression in the IR: recompile the runbook")
        }
        return try ExpressionEvaluator.evaluate(tree, in: context)
    }

    /// The template the type checker kept for a field; nil when the field holds no `${{ }}`.
    func template(_ field: String, step: StepIR, text: String) throws -> TemplateIR? {
        if let template = step.templates?.first(where: { $0.field == field }) { return template }
        // An IR without templates (hand-written, or from an older rbc) must not run `${{ }}` as text.
        if text.contains("${{") { throw ExpressionEvaluator.Failure(description: "`\(field)` holds `${{ }}` the IR does not describe: recompile the runbook") }
        return nil
    }

    /// A string field with its expressions evaluated (for messages, URLs, keys: not shell text), from
    /// the parts the type checker kept: literal text as written, each value encoded for where it goes.
    /// `visible`: for a person to read, each value masked and its terminal controls shown as escapes.
    func resolve(_ text: String, field: String, step: StepIR, visible: Bool = false) throws -> String {
        guard let template = try template(field, step: step, text: text) else { return text }
        let bareField = field.hasPrefix("rollback.") ? String(field.dropFirst(9)) : field
        let jsonBody = bareField == "body" && isJSONBody(text, template: template, field: field, step: step)
        let action = field.hasPrefix("rollback.") ? step.rollback?.action : step.action
        let formBody = action?.kind == .httpRequest && bareField == "body" && !jsonBody
            && ValueEncoding.isFormBody(contentType: action?.headers?.first(where: { $0.key.lowercased() == "content-type" })?.value,
                                        literal: template.parts.compactMap(\.text).joined())
        // The texts Slack reads as markup: a value in them is text, never a mention or a link.
        let slackText = (action?.kind == .sendNotification && bareField == "message" && settings.notifications?.format == .slack)
            || (action?.kind == .createTicket && (bareField == "title" || bareField == "body") && settings.tickets?.format == .slack)
        var json = ValueEncoding.JSONPosition()
        var pathValues: [Range<Int>] = []
        var out = ""
        // The URL as sent: path values are checked there, since a masked `visible` value can be
        // shorter than the encoded one and its offsets would not fit `out`.
        var sent = ""
        for part in template.parts {
            guard let index = part.substitution else {
                out += part.text ?? ""
                sent += part.text ?? ""
                if jsonBody { json.advance(over: part.text ?? "") }
                continue
            }
            guard let substitution = step.substitutions?[safe: index] else {
                throw ExpressionEvaluator.Failure(description: "`\(field)` names substitution \(index), which the IR does not hold")
            }
            let evaluated = try evaluate(substitution)
            var value = evaluated.text
            if substitution.secret { redactor.add(value, derived: true) }
            if case .unknown = evaluated { out += value; sent += value; continue }
            // Encoded for where it goes: never more than the one value the author put there.
            switch bareField {
            case "url":
                let part = ValueEncoding.urlPart(after: sent)
                value = try ValueEncoding.encode(value, in: part)
                if part == .path { pathValues.append(sent.utf8.count..<(sent.utf8.count + value.utf8.count)) }
            case "config_key": if !declaresShape(substitution) { try ValueEncoding.checkKeySegment(value) }
            case "expect.output": value = NSRegularExpression.escapedPattern(for: value)
            case "body" where jsonBody:
                // `toJSON(…)` makes JSON on purpose; every other value is data.
                if json.inString { value = ValueEncoding.jsonStringContent(value) }
                else if case .call("toJSON", _)? = substitution.tree {} else { value = ValueEncoding.jsonValue(value) }
            case "body" where formBody: value = try ValueEncoding.encode(value, in: .query)
            default: if slackText { value = ValueEncoding.slackText(value) }
            }
            // The encoding is a form of the secret too (`tok\.en` in an expect pattern that a
            // failure reason quotes): masked like the value.
            if substitution.secret, value != evaluated.text { redactor.add(value, derived: true) }
            sent += value
            if visible { value = TerminalText.visible(redact(value), keepingLineBreaks: false) }
            out += value
        }
        if bareField == "config_key" { try ValueEncoding.checkKey(sent) }
        if bareField == "url" { try ValueEncoding.checkPathSegments(sent, values: pathValues) }
        return out
    }

    /// An HTTP request's body is JSON when its `Content-Type` says so or, with none, when the text
    /// the author wrote starts as a JSON object or array does.
    func isJSONBody(_ text: String, template: TemplateIR, field: String, step: StepIR) -> Bool {
        let action = field.hasPrefix("rollback.") ? step.rollback?.action : step.action
        guard action?.kind == .httpRequest else { return false }
        if let type = action?.headers?.first(where: { $0.key.lowercased() == "content-type" })?.value {
            return type.lowercased().contains("json")
        }
        let literal = template.parts.first?.text ?? ""
        return literal.first(where: { !$0.isWhitespace }).map { $0 == "{" || $0 == "[" } ?? false
    }

    /// Whether a field reads something a plan does not know (a step's result, a parameter not given).
    func isPlaceholder(_ text: String, field: String, step: StepIR) -> Bool {
        guard let template = try? template(field, step: step, text: text) else { return text.contains("${{") }
        return template.parts.contains { part in
            guard let index = part.substitution else { return false }
            guard let substitution = step.substitutions?[safe: index], let value = try? evaluate(substitution) else { return true }
            if case .unknown = value { return true }
            return false
        }
    }

    /// The expression is a parameter whose `pattern:` declares the value's shape (which may hold dots).
    func declaresShape(_ substitution: SubstitutionIR?) -> Bool {
        guard let substitution, substitution.references.count == 1, let reference = substitution.references.first,
              reference.hasPrefix("params."), substitution.expression == reference else { return false }
        return ir.params.first { $0.name == String(reference.dropFirst(7)) }?.pattern != nil
    }

    /// The value an update_config writes: a string is a template.
    func configValue(_ action: ActionIR, step: StepIR, field: String) throws -> JSONValue {
        guard case .string(let text) = action.value ?? .null else { return action.value ?? .null }
        return .string(try resolve(text, field: field, step: step))
    }

    /// What a person sees: values filled in, secrets as `***`, no value steering the terminal.
    func display(_ text: String, field: String, step: StepIR) -> String {
        redact((try? resolve(text, field: field, step: step, visible: true)) ?? text)
    }

    func redact(_ text: String) -> String { redactor.redact(text) }

    func redactedParams() -> [String: JSONValue] {
        var values = settings.params
        for param in ir.params where param.secret && values[param.name] != nil { values[param.name] = .string("***") }
        return values
    }

    /// What the journal keeps of an output: masked before it is cut, and where the capture already
    /// dropped its middle, the halves of a secret on either side of the gap masked too.
    func excerpt(_ text: String) -> String {
        var masked = text
        if let gap = text.range(of: #"\n\[… \d+ bytes not kept …\]\n"#, options: .regularExpression) {
            masked = redactor.redact(cutText: text, marker: String(text[gap]))
        }
        return redactor.excerpt(masked)
    }
}

extension Array {
    /// The element at `index`, nil outside the array (IR from a journal is input like any other).
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}

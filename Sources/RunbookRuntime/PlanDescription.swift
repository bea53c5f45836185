// How an action reads in a plan, an approval question and step mode: values filled in, secrets
// masked, a config change as current → new.

import Foundation
import RunbookSema
import RunbookSource

extension Executor {
    /// What the store holds now under a step's key, for plans and approvals.
    func currentConfigValue(store storeName: String, key template: String, step: StepIR, prefix: String) -> String {
        guard let store = settings.stores[storeName] else { return "(store `\(storeName)` is not configured: the run would fail here)" }
        guard let key = try? resolve(template, field: prefix + "config_key", step: step), !isPlaceholder(template, field: prefix + "config_key", step: step) else {
            return "(current value: read at run time)"
        }
        do {
            // A key the step writes a secret to holds one now: a rotated token is not shown either.
            let secret = writesSecret(step, field: prefix + "value")
            return try effects.stores.get(key, in: store).map { secret ? Redactor.mask : redact(Self.jsonText($0)) } ?? "(unset)"
        } catch {
            return "(cannot read \(store.path): \(error))"
        }
    }

    static func jsonText(_ value: JSONValue) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "\(value)"
    }

    func describe(_ action: ActionIR, step: StepIR, prefix: String) -> String {
        switch action.kind {
        case .executeCommand:
            let shell = action.shell.map { "  (shell \(display($0, field: prefix + "shell", step: step)))" } ?? ""
            return "$ " + display(action.command ?? "", field: prefix + "command", step: step) + shell
        case .updateConfig:
            // Current → new, as `ansible --check --diff` shows it: the plan reads the store, changes nothing.
            let storeName = action.store ?? "default"
            var new = action.value ?? .null
            if case .string(let text) = new { new = .string(display(text, field: prefix + "value", step: step)) }
            let key = display(action.configKey ?? "", field: prefix + "config_key", step: step)
            // A rollback runs after its step changed the value: what the store holds now says nothing about then.
            if !prefix.isEmpty { return "set \(key) = \(redact(Self.jsonText(new))) in store \(storeName)" }
            return "set \(key) in store \(storeName): \(currentConfigValue(store: storeName, key: action.configKey ?? "", step: step, prefix: prefix)) → \(redact(Self.jsonText(new)))"
        case .sendNotification: return "notify \(display(action.channel ?? "", field: prefix + "channel", step: step)): \(display(action.message ?? "", field: prefix + "message", step: step))"
        case .createTicket: return "ticket: \(display(action.title ?? "", field: prefix + "title", step: step))"
        case .httpRequest: return "\(action.method ?? "GET") \(display(action.url ?? "", field: prefix + "url", step: step))"
        case .wait: return "wait \(DurationParser.format(milliseconds: action.durationMs ?? 0))"
        case .manual: return "manual: \(display(action.instructions ?? "", field: prefix + "instructions", step: step))"
        }
    }
}

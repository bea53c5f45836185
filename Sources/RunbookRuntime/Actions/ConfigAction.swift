// `update_config`: a store key set in place, what it held journaled before the file changes (the
// automatic rollback restores it).

import Foundation
import RunbookSema
import RunbookSource

extension Executor {
    func updateConfig(_ action: ActionIR, step: StepIR, fieldPrefix: String, timeoutMs: Int) throws -> AttemptResult {
        let storeName = action.store ?? "default"
        guard var store = settings.stores[storeName] else {
            return AttemptResult(status: .failed, reason: "no config store `\(storeName)`: configure `stores: {\(storeName): {file: …}}` in .rbc.yaml")
        }
        store.lockWaitMs = settings.lockWaitMs
        let key = try resolve(action.configKey ?? "", field: fieldPrefix + "config_key", step: step)
        let value = try configValue(action, step: step, field: fieldPrefix + "value")
        let writesSecret = writesSecret(step, field: fieldPrefix + "value")
        // A step run again (resumed after rbc died during it, its change perhaps made) undoes to what
        // the store held before the run, not to what its first attempt wrote.
        let prior = priorConfigChanges[step.id]
        let original: (ConfigChange) -> ConfigChange = { change in
            guard let prior, prior.key == key, prior.path == change.path else { return change }
            return prior
        }
        // What the store held is on disk before the store changes: the automatic rollback needs it.
        let made = try effects.stores.set(key, to: value, in: store) { made in
            let change = original(made)
            var changed = JournalEvent.ConfigChanged(step: step.id, store: storeName, key: key)
            changed.path = change.path
            changed.undoKey = change.undoKey == key ? nil : change.undoKey
            changed.previous = change.previous
            changed.previousPresent = change.previous != nil
            changed.previousSource = change.previousSource
            changed.value = value
            if writesSecret { changed.previousSecret = true }
            guard self.record(JournalEvent(.configChanged(changed))) else { throw ConfigStore.Failure(description: "not changed: \(self.journalFailure ?? "cannot write the journal")") }
        }
        let change = original(made)
        // When a shallower key was replaced or created, this key itself did not exist before.
        let previous = change.undoKey == key ? change.previous : nil
        let was = previous.map { writesSecret ? Redactor.mask : RuntimeValue.from($0).text } ?? "unset"
        output.note("  \(key) = \(RuntimeValue.from(value).text) (was \(was)) in \(SourceLoader.shown(store.path))")
        var result = AttemptResult(status: .succeeded)
        result.configChange = change
        return result
    }

    /// Whether a step's value (`value`, `rollback.value`) is computed from a secret: the key then
    /// holds secrets, and what it held before is not shown either.
    func writesSecret(_ step: StepIR, field: String) -> Bool {
        (step.substitutions ?? []).contains { $0.field == field && $0.secret }
    }
}

// What `rbc plan` (and `rbc run --dry-run`) prints: the plan as text for a person, or as JSON.

import Foundation
import RunbookRuntime
import RunbookSema

public enum PlanText {
    /// The plan's entries as sorted, pretty-printed JSON (no trailing newline); nil if they cannot be encoded.
    public static func json(_ plan: [PlanEntry]) -> String? {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(plan)).map { String(decoding: $0, as: UTF8.self) }
    }

    /// The plan for a person: numbered steps with timeout, retries, condition, approval, detail and
    /// rollback, then the count, the procedures one could pick, and the parameters not given.
    public static func render(_ ir: RunbookIR, _ plan: [PlanEntry], missingParams: [String] = [], selection: String? = nil) -> String {
        var out = "Plan for \(ir.runbook.name) (\(ir.runbook.severity?.rawValue ?? "no severity"))\(selection.map { ", \($0)" } ?? "") — nothing below has run.\n"
        var list: StepList?
        var number = 0
        for entry in plan {
            if entry.list != list {
                list = entry.list
                switch entry.list {
                case .steps: out += "\nSteps:\n"
                case .postRunbook: out += "\nAfter the steps:\n"
                case .rollback: out += "\nIf the run aborts, after the steps' rollbacks:\n"
                }
            }
            number += 1
            let retries = entry.attempts > 1 ? ", up to \(entry.attempts) attempts" : ""
            let builtin = entry.timeoutSource == .builtin ? " (rbc's default: the step sets none)" : ""
            out += "\(number). \(entry.step)  [\(entry.action.rawValue); timeout \(DurationParser.format(milliseconds: entry.timeoutMs))\(builtin)\(retries); on failure: \(entry.onFailure.rawValue)]\n"
            if let condition = entry.condition { out += "   when \(condition)  → \(entry.conditionValue ?? "?")\n" }
            if let approval = entry.approval { out += "   \(approval)\n" }
            out += "   \(entry.detail)\n"
            if let rollback = entry.rollback { out += "   undo if a later step fails: \(rollback)\n" }
        }
        let undoable = plan.filter { $0.list == .steps && $0.rollback != nil }.count
        let planned = plan.filter { $0.list == .steps }.count
        out += "\n\(planned) step\(planned == 1 ? "" : "s"), \(undoable) with a rollback.\n"
        if selection == nil, !ir.procedures.isEmpty {
            out += "Procedures (`--procedure NAME` plans or runs one): "
                + ir.procedures.map { "\($0.id) (\($0.name), \($0.steps.count) step\($0.steps.count == 1 ? "" : "s"))" }.joined(separator: ", ") + "\n"
        }
        if !missingParams.isEmpty {
            out += "Not given: \(missingParams.map { "`\($0)`" }.joined(separator: ", ")) (shown as <params.NAME: not given>); `rbc run` needs "
                + "\(missingParams.count == 1 ? "it" : "them"): \(missingParams.map { "--param \($0)=…" }.joined(separator: " "))\n"
        }
        return out
    }
}

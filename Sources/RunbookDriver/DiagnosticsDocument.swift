// Generates docs/diagnostics.md from the diagnostic catalog; a test fails when the committed copy is stale.

import RunbookAnsible
import RunbookSource

public enum DiagnosticsDocument {
    public static func markdown() -> String {
        var out = """
        <!-- Generated from DiagnosticCode.compilerCatalog; do not edit. Regenerate with `RBC_RECORD=1 swift test --filter DocsTests`. -->
        # Compiler diagnostics

        Every diagnostic has a stable id. Ids are never renumbered or reused.
        `RB0001`–`RB0009` are about the input file, `RB0010`–`RB0029` about rbc's configuration (`.rbc.yaml`) and environment (git), `RB1xxx` about YAML syntax, `RB2xxx` about the runbook's structure and types, `RB3xxx` about expressions, `RB4001`–`RB4099` about incident records (`incidents/<id>.jsonl`: positions are line and column in the record) and run journals that name an incident; see [incidents.md](incidents.md#checking-records).
        Lint rules (`RB` + three digits) are listed in [rules.md](rules.md).

        | id | name | severity | meaning |
        |---|---|---|---|

        """
        for code in DiagnosticCode.compilerCatalog {
            out += "| `\(code.id)` | \(code.slug) | \(code.defaultSeverity.rawValue) | \(code.summary) |\n"
        }
        out += """

        Exit codes of `rbc check` and `rbc compile`: `0` no errors, `1` errors found, `2` usage or internal failure
        (`RB0001` a missing or unreadable path, `RB0005` a directory with no runbooks, `RB0006` a file named
        explicitly that is not a runbook, or a bad flag).

        """
        out += """

        ## Export diagnostics

        `RB5xxx` are reported by `rbc export ansible` when a runbook holds a construct the Ansible lowering
        cannot perform as `rbc run` does: the export refuses (exit `1`) and names the step and the reason
        ([scale-out.md](scale-out.md)). Retired ids are listed so they are never reused.

        | id | name | severity | meaning |
        |---|---|---|---|

        """
        for code in AnsibleDiagnostics.catalog {
            out += "| `\(code.id)` | \(code.slug) | \(code.defaultSeverity.rawValue) | \(code.summary) |\n"
        }
        return out
    }
}

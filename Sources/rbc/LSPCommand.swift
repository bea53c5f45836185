// `rbc lsp`: the language server for editors, over standard input and output.

import ArgumentParser
import RunbookLanguageServer

struct LSPCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lsp",
        abstract: "Run the language server (LSP over standard input and output) for editors.",
        discussion: """
        Diagnostics as `rbc check` reports them, hover, completion, go to definition, references,
        the steps as an outline, and quick fixes, for YAML and Markdown runbooks and .rbc.yaml.
        Editor set-up: docs/editors.md.

        Examples:
          rbc lsp            (started by the editor, not by hand)
        """
    )

    @Flag(help: "Accepted for editors that pass it; standard input and output are the only transport.")
    var stdio = false

    func run() throws {
        let code = LanguageServer.serve(version: RBC.version)
        if code != 0 { throw ExitCode(code) }
    }
}

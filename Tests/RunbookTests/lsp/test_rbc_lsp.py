"""`rbc lsp` driven by a real LSP client (pytest-lsp), for YAML and Markdown runbooks and .rbc.yaml.

Run by LSPClientTests (swift test) with RBC_BINARY set to the rbc under test.
"""

import os
import pathlib
import subprocess

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

RBC = os.environ.get("RBC_BINARY", "rbc")

YAML_RUNBOOK = """\
runbook:
  name: "Restart the API"
  severity: P2
  owner: team-sre
  params:
    service:
      type: string
      description: "the service to restart"
  steps:
    - id: check
      action: execute_command
      command: "echo 🚀 && systemctl is-active ${{ params.service }}"
      readonly: true
      timeout: 30s
      outputs:
        state: {from: stdout, pattern: "(\\\\w+)"}
    - id: restart
      action: execute_command
      comand: "systemctl restart ${{ params.service }}"
      timeout: 1m
      when: steps.check.outputs.state != 'active'
"""

MARKDOWN_RUNBOOK = """\
---
severity: P2
owner: team-sre
params:
  service:
    type: string
    description: "the service to restart"
---
# Restart the API

## Steps

### check

```bash {timeout=30s readonly=true}
systemctl is-active ${{ params.service }}
```

### restart

```bash {timout=1m}
systemctl restart ${{ params.service }}
```
"""


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[RBC, "lsp"]))
async def client(lsp_client: LanguageClient):
    await lsp_client.initialize_session(
        types.InitializeParams(capabilities=client_capabilities("visual-studio-code"))
    )
    yield
    await lsp_client.shutdown_session()


def utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def position_of(text: str, needle: str, occurrence: int = 0, offset: int = 0) -> types.Position:
    """The LSP position (UTF-16 columns) of the n-th occurrence of needle, plus offset characters."""
    index = -1
    for _ in range(occurrence + 1):
        index = text.index(needle, index + 1)
    index += offset
    line = text.count("\n", 0, index)
    line_start = text.rfind("\n", 0, index) + 1
    return types.Position(line=line, character=utf16(text[line_start:index]))


def rbc_check(path: pathlib.Path, text: str):
    """What `rbc check` reports for the text saved at path: (code, 0-based line, severity, message) sorted."""
    path.write_text(text, encoding="utf-8")
    run = subprocess.run([RBC, "check", "--no-git", "--format", "json", str(path)], capture_output=True, text=True)
    import json
    found = json.loads(run.stdout)["diagnostics"]
    return sorted((d["code"], d["line"] - 1, d["severity"], d["message"] + ("\nhelp: " + d["help"] if d.get("help") else "")) for d in found)


def shown(diagnostics):
    names = {types.DiagnosticSeverity.Error: "error", types.DiagnosticSeverity.Warning: "warning", types.DiagnosticSeverity.Information: "info"}
    return sorted((d.code, d.range.start.line, names[d.severity], d.message) for d in diagnostics)


def by_code(diagnostics, code):
    return [d for d in diagnostics if d.code == code]


async def open_document(client: LanguageClient, path: pathlib.Path, text: str, language: str):
    path.write_text(text, encoding="utf-8")
    uri = path.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(uri=uri, language_id=language, version=1, text=text))
    )
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    return uri


async def replace_all(client: LanguageClient, uri: str, text: str, version: int):
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)


async def edit(client: LanguageClient, uri: str, text: str, start: types.Position, end: types.Position, new: str, version: int):
    """An incremental change, as editors send on each keystroke; returns the new text."""
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[types.TextDocumentContentChangePartial(range=types.Range(start=start, end=end), text=new)],
        )
    )
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    lines = text.split("\n")

    def offset(position):
        line_start = sum(len(line) + 1 for line in lines[: position.line])
        line = lines[position.line]
        units, index = 0, 0
        while index < len(line) and units < position.character:
            units += utf16(line[index])
            index += 1
        return line_start + index

    return text[: offset(start)] + new + text[offset(end):]


async def completion_labels(client: LanguageClient, uri: str, position: types.Position):
    result = await client.text_document_completion_async(
        types.CompletionParams(text_document=types.TextDocumentIdentifier(uri=uri), position=position)
    )
    items = result.items if isinstance(result, types.CompletionList) else (result or [])
    return [item.label for item in items]


async def hover_text(client: LanguageClient, uri: str, position: types.Position) -> str:
    result = await client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=position)
    )
    assert result is not None, f"no hover at {position}"
    return result.contents.value


def apply_any_edits(text: str, edits) -> str:
    """LSP text edits (UTF-16 positions), applied from the last to the first."""
    lines = text.split("\n")

    def offset(position):
        line_start = sum(len(line) + 1 for line in lines[: position.line])
        line = lines[position.line] if position.line < len(lines) else ""
        units, index = 0, 0
        while index < len(line) and units < position.character:
            units += utf16(line[index])
            index += 1
        return line_start + index

    for edit in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        text = text[: offset(edit.range.start)] + edit.new_text + text[offset(edit.range.end):]
    return text


def apply_edits(text: str, edits) -> str:
    lines = text.split("\n")
    for edit in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        assert edit.range.start == edit.range.end and edit.range.start.character == 0, "suppressions insert whole lines"
        lines.insert(edit.range.start.line, edit.new_text.rstrip("\n"))
    return "\n".join(lines)


@pytest.mark.asyncio
async def test_yaml_runbook(client: LanguageClient, tmp_path: pathlib.Path):
    text = YAML_RUNBOOK
    uri = await open_document(client, tmp_path / "restart.yaml", text, "yaml")
    diagnostics = client.diagnostics[uri]

    # The same findings as `rbc check`, at LSP positions (UTF-16: the rocket counts two).
    assert shown(diagnostics) == rbc_check(tmp_path / "restart.yaml", text)
    assert sorted(d.code for d in diagnostics) == ["RB014", "RB2002"], diagnostics
    typo = by_code(diagnostics, "RB2002")[0]
    assert typo.range == types.Range(start=position_of(text, "comand"), end=position_of(text, "comand", offset=6))
    assert typo.severity == types.DiagnosticSeverity.Error
    assert "unknown key `comand` in step" in typo.message and "help: did you mean `command`?" in typo.message
    unquoted = by_code(diagnostics, "RB014")[0]
    assert unquoted.range.start == position_of(text, "${{ params.service }}")
    assert unquoted.range.start.character == utf16('      command: "echo 🚀 && systemctl is-active ')
    assert unquoted.severity == types.DiagnosticSeverity.Warning

    # Hover: the rule behind a diagnostic, a parameter, a step, a key.
    assert "unknown-key" in await hover_text(client, uri, position_of(text, "comand", offset=2))
    param = await hover_text(client, uri, position_of(text, "params.service", offset=8))
    assert "string" in param and "the service to restart" in param
    step = await hover_text(client, uri, position_of(text, "steps.check", offset=7))
    assert "execute_command" in step and "30s" in step
    assert "changes nothing" in await hover_text(client, uri, position_of(text, "readonly", offset=1))

    # Go to definition and references.
    definition = await client.text_document_definition_async(
        types.DefinitionParams(text_document=types.TextDocumentIdentifier(uri=uri), position=position_of(text, "params.service", offset=9))
    )
    location = definition if isinstance(definition, types.Location) else definition[0]
    assert location.range.start == position_of(text, "service:")
    output_definition = await client.text_document_definition_async(
        types.DefinitionParams(text_document=types.TextDocumentIdentifier(uri=uri), position=position_of(text, "outputs.state", offset=10))
    )
    location = output_definition if isinstance(output_definition, types.Location) else output_definition[0]
    assert location.range.start == position_of(text, "state:")
    references = await client.text_document_references_async(
        types.ReferenceParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=position_of(text, "service:", offset=1),
            context=types.ReferenceContext(include_declaration=True),
        )
    )
    assert len(references) == 3

    # The outline: the steps.
    symbols = await client.text_document_document_symbol_async(types.DocumentSymbolParams(text_document=types.TextDocumentIdentifier(uri=uri)))
    assert [s.name for s in symbols] == ["params", "check", "restart"]

    # Fix the typo with a keystroke-sized edit: the error goes, the warning stays.
    text = await edit(client, uri, text, position_of(text, "comand", offset=2), position_of(text, "comand", offset=2), "m", 2)
    assert "command: \"systemctl restart" in text
    assert "RB2002" not in [d.code for d in client.diagnostics[uri]]
    assert shown(client.diagnostics[uri]) == rbc_check(tmp_path / "check-copy.yaml", text)

    # Completion: `steps.`, `steps.X.outputs.` and `params.` inside expressions, keys and values.
    probe = text + '      description: "${{ steps.'
    await replace_all(client, uri, probe, 3)
    end = position_of(probe, "${{ steps.", offset=len("${{ steps."))
    assert {"check", "restart"} <= set(await completion_labels(client, uri, end))
    probe = text + '      description: "${{ steps.check.outputs.'
    await replace_all(client, uri, probe, 4)
    assert await completion_labels(client, uri, position_of(probe, "outputs.", occurrence=1, offset=8)) == ["state"]
    probe = text + '      description: "${{ params.'
    await replace_all(client, uri, probe, 5)
    assert await completion_labels(client, uri, position_of(probe, "${{ params.", occurrence=2, offset=11)) == ["service"]
    probe = text + "      re"
    await replace_all(client, uri, probe, 6)
    keys = await completion_labels(client, uri, types.Position(line=probe.count("\n"), character=8))
    assert "retries" in keys and "rollback" in keys and "shell" in keys
    assert "command" not in keys and "timeout" not in keys, "keys already present are not offered"
    probe = text + "    - id: notify\n      action: "
    await replace_all(client, uri, probe, 7)
    assert "send_notification" in await completion_labels(client, uri, types.Position(line=probe.count("\n"), character=14))

    # Code action: suppress the warning with a reason, apply it, and the finding is gone.
    await replace_all(client, uri, text, 8)
    warning = by_code(client.diagnostics[uri], "RB014")[0]
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=warning.range,
            context=types.CodeActionContext(diagnostics=[warning]),
        )
    )
    suppress = [a for a in actions if a.title == "Suppress RB014 here with a reason"]
    assert len(suppress) == 1
    text = apply_edits(text, suppress[0].edit.changes[uri])
    assert "    # rbc:ignore RB014 -- " in text
    await replace_all(client, uri, text, 9)
    assert [d.range.start.line for d in by_code(client.diagnostics[uri], "RB014")] == [warning.range.start.line + 1 + 7], "only the other step's"
    assert shown(client.diagnostics[uri]) == rbc_check(tmp_path / "check-copy.yaml", text)

    # Code action: the finding's own fix (quote the expression), applied as the editor would.
    [other] = by_code(client.diagnostics[uri], "RB014")
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri), range=other.range, context=types.CodeActionContext(diagnostics=[other])
        )
    )
    [fix] = [a for a in actions if not a.title.startswith("Suppress")]
    assert fix.is_preferred and "quote" in fix.title
    before = text
    text = apply_any_edits(text, fix.edit.changes[uri])
    assert text != before and '"${{ params.service }}"' in text.split("\n")[other.range.start.line].replace("\\", "")
    await replace_all(client, uri, text, 10)
    assert by_code(client.diagnostics[uri], "RB014") == []
    assert shown(client.diagnostics[uri]) == rbc_check(tmp_path / "check-copy.yaml", text)


@pytest.mark.asyncio
async def test_markdown_runbook(client: LanguageClient, tmp_path: pathlib.Path):
    text = MARKDOWN_RUNBOOK
    uri = await open_document(client, tmp_path / "restart.md", text, "markdown")
    diagnostics = client.diagnostics[uri]
    assert sorted(d.code for d in diagnostics) == ["RB014", "RB2002"], diagnostics
    typo = by_code(diagnostics, "RB2002")[0]
    assert typo.range == types.Range(start=position_of(text, "timout"), end=position_of(text, "timout", offset=6))

    assert "unknown-key" in await hover_text(client, uri, position_of(text, "timout", offset=1))
    param = await hover_text(client, uri, position_of(text, "params.service", offset=8))
    assert "string" in param and "the service to restart" in param

    definition = await client.text_document_definition_async(
        types.DefinitionParams(text_document=types.TextDocumentIdentifier(uri=uri), position=position_of(text, "params.service", occurrence=1, offset=9))
    )
    location = definition if isinstance(definition, types.Location) else definition[0]
    assert location.range.start == position_of(text, "service:")

    symbols = await client.text_document_document_symbol_async(types.DocumentSymbolParams(text_document=types.TextDocumentIdentifier(uri=uri)))
    assert [s.name for s in symbols] == ["params", "check", "restart"]

    text = await edit(client, uri, text, position_of(text, "timout", offset=3), position_of(text, "timout", offset=3), "e", 2)
    assert "{timeout=1m}" in text
    assert "RB2002" not in [d.code for d in client.diagnostics[uri]]
    assert shown(client.diagnostics[uri]) == rbc_check(tmp_path / "check-copy.md", text)

    probe = text.replace("systemctl restart ${{ params.service }}", "systemctl restart ${{ steps.")
    await replace_all(client, uri, probe, 3)
    assert {"check", "restart"} <= set(await completion_labels(client, uri, position_of(probe, "${{ steps.", offset=10)))
    probe = text.replace("systemctl restart ${{ params.service }}", "systemctl restart ${{ params.")
    await replace_all(client, uri, probe, 4)
    assert await completion_labels(client, uri, position_of(probe, "${{ params.", occurrence=1, offset=11)) == ["service"]
    probe = text.replace("owner: team-sre\n", "owner: team-sre\nre\n")
    await replace_all(client, uri, probe, 5)
    front_matter_keys = await completion_labels(client, uri, position_of(probe, "\nre\n", offset=3))
    assert "reviewed" in front_matter_keys and "review_every" in front_matter_keys and "owner" not in front_matter_keys

    await replace_all(client, uri, text, 6)
    warning = by_code(client.diagnostics[uri], "RB014")[0]
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=warning.range,
            context=types.CodeActionContext(diagnostics=[warning]),
        )
    )
    suppress = [a for a in actions if a.title == "Suppress RB014 here with a reason"]
    assert len(suppress) == 1
    text = apply_edits(text, suppress[0].edit.changes[uri])
    assert "<!-- rbc:ignore RB014 -- " in text
    await replace_all(client, uri, text, 7)
    assert [d.range.start.line for d in by_code(client.diagnostics[uri], "RB014")] == [warning.range.start.line + 1 + 6], "only the other step's"
    assert shown(client.diagnostics[uri]) == rbc_check(tmp_path / "check-copy.md", text)


@pytest.mark.asyncio
async def test_markdown_step_fence_completion(client: LanguageClient, tmp_path: pathlib.Path):
    """A ```yaml rbc fence holds one step's fields: its keys, values, `steps.` and `params.` complete."""
    text = MARKDOWN_RUNBOOK.replace("```bash {timout=1m}", "```bash {timeout=1m}") + "\n```yaml rbc\non_failure: \nre\nrollback:\n  \nwhen: ${{ steps.\n```\n"
    uri = await open_document(client, tmp_path / "fence.md", text, "markdown")
    assert await completion_labels(client, uri, position_of(text, "on_failure: ", offset=12)) == ["abort", "continue", "halt"]
    step_keys = await completion_labels(client, uri, position_of(text, "\nre\n", offset=3))
    assert "retries" in step_keys and "readonly" in step_keys and "on_failure" not in step_keys and "rollback" not in step_keys
    rollback_keys = await completion_labels(client, uri, position_of(text, "rollback:\n  ", offset=12))
    assert "action" in rollback_keys and "timeout" in rollback_keys and "retries" not in rollback_keys
    assert {"check", "restart"} <= set(await completion_labels(client, uri, position_of(text, "${{ steps.", offset=10)))
    probe = text.replace("when: ${{ steps.", "when: ${{ params.")
    await replace_all(client, uri, probe, 2)
    assert await completion_labels(client, uri, position_of(probe, "when: ${{ params.", offset=17)) == ["service"]
    prose = await completion_labels(client, uri, position_of(probe, "# Restart the API", offset=3))
    assert prose == [], "no keys in prose"


@pytest.mark.asyncio
async def test_configuration_is_checked_and_honoured(client: LanguageClient, tmp_path: pathlib.Path):
    config = "rules:\n  RB014: off\nexclud: []\n"
    config_uri = await open_document(client, tmp_path / ".rbc.yaml", config, "yaml")
    [unknown] = client.diagnostics[config_uri]
    assert unknown.code == "RB0010" and unknown.range.start == types.Position(line=2, character=0)
    assert "did you mean `exclude`?" in unknown.message
    assert {"error", "warning", "info", "off"} <= set(await completion_labels(client, config_uri, types.Position(line=1, character=9)))

    uri = await open_document(client, tmp_path / "restart.yaml", YAML_RUNBOOK, "yaml")
    assert [d.code for d in client.diagnostics[uri]] == ["RB2002"], "RB014 is off in .rbc.yaml"


@pytest.mark.asyncio
async def test_history_checks_run_on_open_and_save(client: LanguageClient, tmp_path: pathlib.Path):
    def git(*args):
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args], cwd=tmp_path, check=True, capture_output=True)

    git("init", "-q")
    text = YAML_RUNBOOK.replace("comand", "command")
    uri = await open_document(client, tmp_path / "restart.yaml", text, "yaml")
    assert "RB021" in [d.code for d in client.diagnostics[uri]], "an untracked runbook is reported on open"
    # Typing keeps the history finding of the last save.
    await replace_all(client, uri, text.replace("team-sre", "team-api"), 2)
    assert "RB021" in [d.code for d in client.diagnostics[uri]]
    await replace_all(client, uri, text, 3)
    git("add", "restart.yaml")
    git("commit", "-q", "-m", "add the runbook")
    client.text_document_did_save(types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri)))
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    assert "RB021" not in [d.code for d in client.diagnostics[uri]], "committed and saved: the history finding is gone"

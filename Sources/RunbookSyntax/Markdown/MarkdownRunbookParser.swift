// The Markdown runbook dialect on top of cmark-gfm's tree: front matter, title, sections by H2,
// steps by H3 (or numbered list items), bold labels and fence attributes. It builds the same
// RunbookSyntax as the YAML front end, with every derived value positioned in the Markdown file.

import RunbookSource

public enum MarkdownRunbookParser {
    public static func parse(markdown file: SourceFile) -> ParsedRunbook {
        var builder = Builder(file: file)
        let syntax = builder.build()
        return ParsedRunbook(syntax: syntax, diagnostics: builder.bag.diagnostics)
    }

    /// What an H2 section holds, by its heading (case-insensitive, numbering stripped).
    public enum SectionKind: Sendable {
        case description, steps, readOnlySteps, rollback, escalation, commonIssues, emergencyProcedures, documentation
    }

    /// Whole headings that name a section by a phrase.
    static let sectionPhrases: [String: SectionKind] = [
        "when to use": .description, "service overview": .description, "what is this": .description,
        "common issues": .commonIssues, "known issues": .commonIssues, "emergency procedures": .emergencyProcedures,
        "roll back": .rollback, "rolling back": .rollback, "back out": .rollback, "backing out": .rollback, "what to do": .steps,
    ]

    /// Words that make a heading a section of that kind, wherever they stand (`Diagnosis and
    /// mitigation`, `Contain / Eradicate / Recover`, `Steps to check`).
    static let sectionWords: [(SectionKind, Set<String>)] = [
        (.steps, ["steps", "step", "procedure", "procedures", "mitigation", "mitigations", "mitigate", "mitigating",
                  "resolution", "resolve", "resolving", "remediation", "remediate", "remediating", "troubleshooting",
                  "troubleshoot", "fix", "fixes", "fixing", "workaround", "workarounds", "recovery", "recover",
                  "recovering", "contain", "containment", "eradicate", "eradication", "playbook", "instructions"]),
        (.readOnlySteps, ["diagnosis", "diagnose", "diagnosing", "diagnostics", "investigation", "investigate",
                          "investigating", "verify", "verification", "verifying", "triage"]),
        (.rollback, ["rollback", "revert", "undo"]),
        (.escalation, ["escalation", "escalate", "escalations", "escalating"]),
        (.description, ["meaning", "overview", "summary", "description", "purpose", "about"]),
    ]

    /// Words that make a heading about a procedure rather than the procedure itself
    /// (`Procedure Overview`, `Communication Templates`, `Troubleshooting background`).
    static let notProcedureWords: Set<String> = [
        "overview", "summary", "background", "history", "template", "templates", "reference", "references", "links",
        "notes", "faq", "glossary", "guide", "structure", "principles", "practices", "metrics", "dashboards", "review",
    ]

    /// The section a `##` heading opens, by the words in it rather than its first word: `## Procedure
    /// Overview` describes, `## Diagnosis and mitigation` has steps.
    public static func sectionKind(_ heading: String) -> SectionKind {
        let text = normalizedHeading(heading)
        if let kind = sectionPhrases[text] { return kind }
        let sequence = text.split(whereSeparator: { !$0.isLetter }).map(String.init)
        var words = Set(sequence)
        if words.remove("undo") != nil || words.contains("undoing"), undoesTheChange(sequence) { words.insert("undo") }
        if rollsBack(sequence) { words.insert("rollback") }
        let kinds = sectionWords.filter { !$0.1.isDisjoint(with: words) }.map(\.0)
        if !words.isDisjoint(with: notProcedureWords) {
            return kinds.contains(.description) ? .description : .documentation
        }
        // `Rollback procedure`, `Rollback steps`, `Steps to roll back`: words that only say a section
        // holds steps do not outweigh the word that says which (`Mitigation or rollback` names two).
        if kinds.contains(.rollback), kinds.allSatisfy({ $0 == .rollback || $0 == .steps }),
           words.intersection(sectionWords[0].1).isSubset(of: stepsOnlyWords) {
            return .rollback
        }
        return kinds.first ?? .documentation
    }

    /// Words that say a section holds steps, not what the steps do.
    static let stepsOnlyWords: Set<String> = ["steps", "step", "procedure", "procedures", "instructions", "playbook"]

    /// "Roll back" as the verb that leads the heading: `Roll back the release`, `Rolling back a
    /// deploy`, `How to roll back`, `Steps to roll back`, `Back out the change`. Not the words met
    /// further on (`Why we cannot roll back`, `When the release was rolled back`).
    static func rollsBack(_ words: [String]) -> Bool {
        var rest = words[...]
        for lead in [["how", "to"], ["steps", "to"], ["step", "to"], ["to"]] where rest.starts(with: lead) {
            rest = rest.dropFirst(lead.count)
            break
        }
        return [["roll", "back"], ["rolling", "back"], ["back", "out"], ["backing", "out"]].contains { rest.starts(with: $0) }
    }

    /// "Undo" as the verb that undoes the change: alone, or before what it undoes (`Undo the failover`,
    /// `How to undo it`, `Undoing the change`). Not a noun (a database's `Undo Space`, `Max undo log
    /// size`) nor an operation an API names (`Undo favourite of a status`): those pages are no runbook.
    static func undoesTheChange(_ words: [String]) -> Bool {
        var rest = words[...]
        if rest.starts(with: ["how", "to"]) { rest = rest.dropFirst(2) }
        guard let verb = rest.first, verb == "undo" || verb == "undoing" else { return false }
        guard let object = rest.dropFirst().first else { return true }
        return ["the", "this", "these", "that", "those", "it", "them", "all", "everything", "your", "our", "changes", "change"].contains(object)
    }

    /// `docs/monitoring/prometheus-is-down.md` → `prometheus-is-down`; `docs/patroni/README.md` → `patroni`.
    public static func nameFromPath(_ path: String) -> String {
        let components = path.split(separator: "/").map(String.init)
        guard let last = components.last else { return "runbook" }
        var stem = last
        if let dot = stem.lastIndex(of: ".") { stem = String(stem[..<dot]) }
        if ["readme", "index", "_index"].contains(stem.lowercased()), components.count > 1 { stem = components[components.count - 2] }
        return stem.isEmpty ? "runbook" : stem
    }

    /// `2. Apply Mitigation` → `apply mitigation`; `Step 1: Check` → `check`.
    static func normalizedHeading(_ heading: String) -> String {
        strippedNumbering(heading).lowercased().trimmingASCII(" :")
    }

    static func strippedNumbering(_ heading: String) -> String {
        var text = Substring(heading.trimmingWhitespace())
        let lower = text.lowercased()
        for prefix in ["step ", "issue "] where lower.hasPrefix(prefix) {
            let rest = text.dropFirst(prefix.count)
            if rest.first?.isNumber == true { text = rest }
        }
        if lower.hasPrefix("issue:") { text = text.dropFirst(6) }
        let digits = text.prefix { $0.isNumber }
        if !digits.isEmpty {
            var rest = text.dropFirst(digits.count)
            if let first = rest.first, ".):".contains(first) { rest = rest.dropFirst() }
            if rest.first == " " || rest.isEmpty { text = rest }
        }
        return text.trimmingASCII(" :")
    }

    /// A step id from a heading: `Apply Mitigation` → `apply-mitigation`. Ids derived from sentences
    /// stay short and readable: at most five words and 40 characters, cut between words.
    public static func slug(_ text: String) -> String {
        let full = fullSlug(text)
        var words: [Substring] = []
        var length = 0
        for word in full.split(separator: "-") {
            if words.count == 5 || (length + word.count + (words.isEmpty ? 0 : 1) > 40 && !words.isEmpty) { break }
            length += word.count + (words.isEmpty ? 0 : 1)
            words.append(word)
        }
        let short = words.joined(separator: "-")
        return short.isEmpty ? "step" : String(short.prefix(40))
    }

    static func fullSlug(_ text: String) -> String {
        var out = ""
        var dash = false
        for scalar in text.lowercased().unicodeScalars {
            // The ASCII members of `CharacterSet.alphanumerics` (letters, marks, numbers) are these.
            if scalar.isASCII, ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar) {
                if dash, !out.isEmpty { out += "-" }
                out.unicodeScalars.append(scalar)
                dash = false
            } else {
                dash = true
            }
        }
        return out.isEmpty ? "step" : String(out.prefix(64))
    }

    public static let shellLanguages: Set<String> = ["bash", "sh", "shell", "console", "zsh", "shell-session", "shellsession", "ksh"]
    /// Fences that show a terminal: commands behind `$ ` or `# ` prompts, everything else output.
    public static let sessionLanguages: Set<String> = ["console", "shell-session", "shellsession"]

    /// A shell fence split into what is typed and what was printed. In session fences (`console`)
    /// lines behind `$ ` or `# ` are commands and the rest output; with no prompt at all the fence
    /// is output only. In script fences (`bash`, `sh`) a `$ ` line is a prompt too (no shell line
    /// starts with `$ `), and then the lines without one are output. A prompted line ending in `\`
    /// continues on the next line (a leading `> ` is the continuation prompt).
    public static func splitPrompts(_ text: String, language: String) -> (command: String?, output: String?) {
        var lines = text.splitAtNewlines()
        if lines.last == "" { lines.removeLast() }
        let session = sessionLanguages.contains(language)
        // A fence whose `# ` lines include sentences (`# Export the certificate from its secret`) uses
        // `#` for comments, as pages that fence commands as `console` without prompts do: there it is
        // not root's prompt, and `# istioctl install --set profile=openshift` below such a comment is an
        // alternative commented out, not a command.
        let hashIsPrompt = session && !lines.contains { $0.hasPrefix("# ") && isCommentSentence($0.dropFirst(2)) }
        func prompt(_ line: String) -> Int? {
            if line.hasPrefix("$ ") || line == "$" { return min(2, line.count) }
            if hashIsPrompt, line.hasPrefix("# ") { return 2 }
            return hostPromptWidth(line)
        }
        guard session || lines.contains(where: { prompt($0) != nil }) else { return (text, nil) }
        var commands: [String] = []
        var output: [String] = []
        var continuing = false
        // The terminators of here-documents a typed line opened (`$ cat <<EOF > test.yaml`): the lines
        // up to each are typed too, not printed.
        var hereDocuments: [(word: String, tabs: Bool)] = []
        for line in lines {
            if let open = hereDocuments.first {
                let typed = line.hasPrefix("> ") ? String(line.dropFirst(2)) : line
                commands.append(typed)
                let candidate = open.tabs ? String(typed.drop { $0 == "\t" }) : typed
                if candidate == open.word || candidate.trimmingWhitespace() == open.word { hereDocuments.removeFirst() }
                continuing = hereDocuments.isEmpty && typed.hasSuffix("\\")
            } else if continuing {
                let continued = line.hasPrefix("> ") ? String(line.dropFirst(2)) : line
                commands.append(continued)
                hereDocuments = hereDocumentTerminators(continued)
                continuing = hereDocuments.isEmpty && continued.hasSuffix("\\")
            } else if let width = prompt(line) {
                let command = String(line.dropFirst(width))
                commands.append(command)
                hereDocuments = hereDocumentTerminators(command)
                continuing = hereDocuments.isEmpty && command.hasSuffix("\\")
            } else {
                output.append(line)
            }
        }
        let commandText = commands.contains { !$0.trimmingWhitespace().isEmpty } ? commands.joined(separator: "\n") + "\n" : nil
        let outputText = output.contains { !$0.trimmingWhitespace().isEmpty } ? output.joined(separator: "\n") + "\n" : nil
        return (commandText, outputText)
    }

    /// The terminators of the here-documents a command line opens, in order: `cat <<EOF > x` → EOF,
    /// `<<-'END'` → END (tabs before it allowed). `<<<` (a here-string) opens none, and neither does a
    /// `<<` inside quotes or arithmetic.
    static func hereDocumentTerminators(_ line: String) -> [(word: String, tabs: Bool)] {
        guard line.containsUTF8("<<") else { return [] }
        var found: [(String, Bool)] = []
        let characters = Array(line)
        var index = 0
        var quote: Character?
        while index < characters.count {
            let character = characters[index]
            if let open = quote {
                if character == open { quote = nil }
                index += 1
                continue
            }
            if character == "'" || character == "\"" { quote = character; index += 1; continue }
            if character == "#", index == 0 || characters[index - 1] == " " { break }
            if character == "(", index + 1 < characters.count, characters[index + 1] == "(" {
                // Arithmetic (`$((1 << 20))`, `(( flags << 2 ))`): `<<` there shifts bits, it opens no
                // here-document. Skipped to its closing parenthesis.
                var depth = 0
                while index < characters.count {
                    if characters[index] == "(" { depth += 1 } else if characters[index] == ")" { depth -= 1 }
                    index += 1
                    if depth == 0 { break }
                }
                continue
            }
            guard character == "<", index + 1 < characters.count, characters[index + 1] == "<" else { index += 1; continue }
            index += 2
            if index < characters.count, characters[index] == "<" { index += 1; continue }
            var tabs = false
            if index < characters.count, characters[index] == "-" { tabs = true; index += 1 }
            while index < characters.count, characters[index] == " " { index += 1 }
            var word = ""
            while index < characters.count, !" ;|&<>()".contains(characters[index]) {
                if characters[index] != "'", characters[index] != "\"", characters[index] != "\\" { word.append(characters[index]) }
                index += 1
            }
            if !word.isEmpty, word.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) { found.append((word, tabs)) }
            // A line opens one or two; thousands would only make each terminator line costly.
            if found.count == 8 { break }
        }
        return found
    }

    /// `# Optionally, set the other flags (e.g. nodown)` in a session fence: a comment written as a
    /// sentence, not root's prompt before a command — commands are not a capitalised word followed by
    /// more words.
    static func isCommentSentence(_ text: Substring) -> Bool {
        let words = text.split(separator: " ")
        guard words.count >= 3, let first = words.first, let second = words.dropFirst().first,
              second.first?.isLetter == true else { return false }
        let word = first.prefix { $0.isLetter }
        let rest = first.dropFirst(word.count)
        guard word.count >= 2, word.first?.isUppercase == true, word.dropFirst().allSatisfy(\.isLowercase),
              rest.allSatisfy({ ",.:;".contains($0) }) else { return false }
        return true
    }

    /// A prompt that names the shell, user or host, as a terminal shows it: `sh-5.1# ` (a debug
    /// shell on a node), `bash-4.4$ `, `[root@node-1 ~]# `, `core@node:~$ `. No shell line starts so.
    static let hostPrompt = try? NSRegularExpression(
        pattern: #"^(?:(?:ba|z|k|da)?sh-\d+(?:\.\d+)*|\[[^\]\s][^\]\n]{0,60}\]|[A-Za-z0-9_.-]+@[A-Za-z0-9_.-]+(?::[^\s$#]*)?)[#$] "#)

    /// The width of a `hostPrompt` at the start of the line, if it has one.
    /// Whether the first line with text is a prompted one: `$ cmd`, `sh-5.1# cmd`, `[root@node ~]# cmd`.
    static func opensWithPrompt(_ text: String) -> Bool {
        guard let first = text.split(separator: "\n", omittingEmptySubsequences: true)
            .first(where: { !$0.allSatisfy { $0 == " " || $0 == "\t" || $0 == "\r" } }) else { return false }
        let line = String(first)
        return (line.hasPrefix("$ ") && line.count > 2) || hostPromptWidth(line) != nil
    }

    static func hostPromptWidth(_ line: String) -> Int? {
        // The prompt ends in `$ ` or `# `: a line without either is no match, and skips the regex
        // (run on every command line of every shell fence, it was a tenth of the Markdown front end).
        guard line.containsUTF8("$ ") || line.containsUTF8("# ") else { return nil }
        guard let hostPrompt, let first = line.first, first == "[" || first.isLetter || first.isNumber,
              let match = hostPrompt.firstMatch(in: line, range: NSRange(line.startIndex..., in: line)),
              let range = Range(match.range, in: line) else { return nil }
        return line.distance(from: line.startIndex, to: range.upperBound)
    }

    /// A bold label's text → the language key it sets; nil for bold text that is just emphasis.
    static func labelKey(_ label: String) -> String? {
        let trimmed = label.lowercased().trimmingASCII(" :")
        let key: String
        if trimmed.isAllASCII {
            // Byte for byte what Foundation's replacements give on ASCII text (a tenth of the front end).
            key = String(decoding: trimmed.utf8.map { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "-") ? UInt8(ascii: "_") : $0 }, as: UTF8.self)
        } else {
            key = trimmed.replacingOccurrences(of: " ", with: "_").replacingOccurrences(of: "-", with: "_")
        }
        let normalized = labelAliases[key] ?? key
        return labelKeys.contains(normalized) ? normalized : nil
    }

    static let labelAliases = ["read_only": "readonly", "expected_output": "expected", "expect": "expected", "retry": "retries",
                               "review_every": "review_every", "reviewed": "reviewed", "alert": "alert"]

    /// A fence's language: the first word of its info string, lowercased, without `{` (```` ```bash{id=x} ````).
    static func fenceLanguage(_ info: String?) -> String {
        guard let info else { return "" }
        if info.isAllASCII {
            // On ASCII text characters are bytes (`\r\n` aside, which is no space either).
            var word: [UInt8] = []
            for byte in info.utf8.drop(while: { $0 == 0x20 }) {
                if byte == 0x20 { break }
                if byte != UInt8(ascii: "{") { word.append(byte >= 0x41 && byte <= 0x5A ? byte + 0x20 : byte) }
            }
            return String(decoding: word, as: UTF8.self)
        }
        let word = info.split(separator: " ").first.map { $0.lowercased() } ?? ""
        return word.replacingOccurrences(of: "{", with: "")
    }

    static let stepLabelKeys: Set<String> = [
        "id", "action", "timeout", "on_failure", "retries", "confirm", "readonly", "irreversible", "when", "expected",
        "rollback", "command", "shell", "config_key", "value", "store", "channel", "message", "title", "labels", "body",
        "url", "method", "duration", "instructions",
    ]
    /// Labels only a runbook meant for rbc writes; `**Expected**`, `**Rollback**`, `**When**` and the
    /// like are common in pages for people too.
    static let executionLabelKeys: Set<String> = [
        "id", "action", "timeout", "on_failure", "retries", "confirm", "readonly", "irreversible", "config_key", "store", "shell",
    ]
    /// Front-matter keys that only matter to running the page.
    static let stepListKeys: Set<String> = ["steps", "post_runbook", "rollback"]

    /// A list of mappings none of which has a key only rbc's steps have (`id`, `action`, `timeout`,
    /// `confirm`, `readonly`, `on_failure`…): what a documentation portal or checklist tool keeps in
    /// the page's front matter. A step of rbc's that lacks its `id` or `action` still uses one of the
    /// others, and is reported for what it lacks.
    static func isAnotherToolsStepList(_ value: YAMLNode) -> Bool {
        guard let items = value.sequenceItems, !items.isEmpty else { return false }
        return items.allSatisfy { item in
            guard let pairs = item.mappingPairs else { return false }
            return !pairs.contains { $0.key.scalarValue.map(executionLabelKeys.contains) ?? false }
        }
    }

    static let executionFrontMatterKeys: Set<String> = ["params", "defaults", "steps", "post_runbook", "rollback", "procedures", "runbook"]
    static let metadataLabelKeys: Set<String> = ["severity", "owner", "reviewed", "review_every", "tags", "alert", "escalation"]
    static let procedureLabelKeys: Set<String> = ["symptoms", "diagnosis", "resolution"]
    /// Metadata labels whose value is a word, name or date, read from the text of its Markdown.
    static let textValuedLabelKeys: Set<String> = ["severity", "owner", "reviewed", "review_every", "tags", "alert"]
    static let labelKeys = stepLabelKeys.union(metadataLabelKeys).union(procedureLabelKeys)
}

import Foundation

private struct Label {
    let key: String
    let keyRange: SourceRange
    let value: String
    let valueRange: SourceRange
    /// The value is a single code span (`**Rollback**: \`kubectl …\``).
    let isCode: Bool

    var source: MarkdownValueSource { isCode ? .codeSpan : .labelText }
}

/// What the builder already read from a block: the labels of a paragraph, the command of a fence.
private final class BuilderMemo {
    var labels: [ObjectIdentifier: (labels: [Label], prose: String)] = [:]
    var fenceCommands: [ObjectIdentifier: (command: String?, range: SourceRange, output: String?)] = [:]
}

private struct Builder {
    let file: SourceFile
    var bag: DiagnosticBag
    var frontMatterEnd = 0
    /// `---` lines at the top that are rules drawn around Markdown, not a front matter's fences:
    /// blanked, so that cmark reads no setext heading or rule from them.
    var ruledLines: [Int] = []

    /// Ids derived from headings and list items, made unique (`click-next`, `click-next-2`): only ids an
    /// author wrote can be reported as duplicates.
    var derivedIDs: [String: Int] = [:]

    /// The front matter is there but does not parse: its keys are unknown, not absent.
    var frontMatterUnread = false

    /// Something only rbc reads was written (execution keys in the front matter, step labels such as
    /// `**Timeout**`, fence attributes, a `yaml rbc` block): the page is an executable runbook.
    var declaresExecution = false

    /// Blocks of a step section that belong to no step (prose before the first fence, around a
    /// numbered list): kept as documentation, so no paragraph of the page is lost.
    var leftovers: [DocumentationSyntax] = []

    /// Shell fences a paragraph introduces as output ("Example output:", "You should see…"): shown
    /// to the reader as the step's example output, never a command.
    var outputFences = Set<ObjectIdentifier>()

    /// Where each derived value came from, for the typed tree.
    let origins = MarkdownValueOrigins()

    /// Answers about blocks, kept for the build (the document, and so each block, outlives it).
    let memo: BuilderMemo

    init(file: SourceFile, memo: BuilderMemo = BuilderMemo()) {
        self.file = file
        self.bag = DiagnosticBag(file: file)
        self.memo = memo
    }

    /// The same for procedures derived from headings (Common issues' `###` sections, alerts' `##`
    /// sections): two may share a name.
    var derivedProcedureIDs: [String: Int] = [:]

    // `uniqueProcedureID` and `uniqueID` are called on a line of their own, never as the argument of
    // another method of the builder (`field(…, scalar(uniqueID(…), …))`): there they ran while that
    // call held a copy of the builder, and each call copied the whole table of ids, quadratic on a
    // page of thousands of alert sections.
    mutating func uniqueProcedureID(_ base: String) -> String {
        let count = (derivedProcedureIDs[base] ?? 0) + 1
        derivedProcedureIDs[base] = count
        return count == 1 ? base : "\(base)-\(count)"
    }

    mutating func uniqueID(_ base: String) -> String {
        var count = (derivedIDs[base] ?? 0) + 1
        // `init-2` made unique from `init` is taken: a later part named `Init 2` (a heading's second
        // fence) gets `init-2-2`, not a duplicate nobody wrote.
        while count > 1, derivedIDs["\(base)-\(count)"] != nil { count += 1 }
        derivedIDs[base] = count
        let id = count == 1 ? base : "\(base)-\(count)"
        if count > 1 { derivedIDs[id] = max(derivedIDs[id] ?? 0, 1) }
        return id
    }

    // MARK: - Document

    mutating func build() -> RunbookSyntax? {
        var metadata: [FieldSyntax] = []
        var frontSteps: [StepSyntax] = []
        var frontPost: [StepSyntax] = []
        var frontRollback: [StepSyntax] = []
        var frontProcedures: [ProcedureSyntax] = []
        if let body = frontMatter() {
            // Another tool's step list (a portal's `- type: command`, `title:`, `detail:`) is its own,
            // not rbc's steps with every `id` and `action` missing: the page stays a page for people.
            let fields = body.fields.filter { !(MarkdownRunbookParser.stepListKeys.contains($0.key) && MarkdownRunbookParser.isAnotherToolsStepList($0.value)) }
            if fields.contains(where: { MarkdownRunbookParser.executionFrontMatterKeys.contains($0.key) }) { declaresExecution = true }
            for field in fields {
                switch field.key {
                case "steps": frontSteps = stepList(field)
                case "post_runbook": frontPost = stepList(field)
                case "rollback": frontRollback = stepList(field)
                case "procedures": frontProcedures = RunbookParser.procedureList(field, bag: &bag)
                default: metadata.append(field)
                }
            }
        }
        // Front matter is blanked (offsets kept) so cmark sees only the Markdown.
        var masked = file.bytes
        for index in 0..<frontMatterEnd where masked[index] != 0x0A && masked[index] != 0x0D { masked[index] = 0x20 }
        for line in ruledLines {
            let range = file.lineRange(line)
            for index in range.start..<range.end where masked[index] != 0x0A && masked[index] != 0x0D { masked[index] = 0x20 }
        }
        let document = MarkdownDocument.parse(bytes: masked)
        outputFences = Self.fencesIntroducedAsOutput(document)
        if metadata.isEmpty, frontSteps.isEmpty, frontProcedures.isEmpty, !document.children.contains(where: { $0.type != .htmlBlock }) {
            if !bag.hasErrors {
                bag.report(.emptyFile, "file is empty; a Markdown runbook has at least a title", at: .at(0))
            }
            return nil
        }

        // A page of several `# AlertName` titles, each over its `## Diagnosis` / `## Mitigation`: each is
        // one procedure, as an alert's `##` section over `###` ones is; the rest of the page is read as usual.
        // `_Last reviewed: 2026-03-01 by @alice_` at the foot of the page, after its sections: the page's
        // review date (or owner), not more of the last step's text.
        let footer = footerStatements(document.children)
        let children = document.children.filter { block in footer.map { $0.block !== block } ?? true }
        let alertTitles = alertTitleSections(children)
        let inAlertTitle = Set(alertTitles.flatMap { [ObjectIdentifier($0.heading)] + $0.blocks.map(ObjectIdentifier.init) })
        // Where each `#`/`##` section ends: at the next one in the page, whether it is read here or as an alert's.
        // Starts in page order, so sorted: found by binary search, not by a scan per section (which made
        // a page of thousands of alert sections quadratic).
        let sectionHeadings = children.filter { $0.type == .heading && $0.headingLevel <= 2 }
        let sectionStarts = sectionHeadings.map { $0.range(in: file).start }
        let titleStarts = sectionHeadings.filter { $0.headingLevel == 1 }.map { $0.range(in: file).start }
        func end(of heading: MarkdownNode) -> Int {
            let start = heading.range(in: file).start
            let starts = heading.headingLevel <= 1 ? titleStarts : sectionStarts
            var low = 0, high = starts.count
            while low < high {
                let middle = (low + high) / 2
                if starts[middle] > start { high = middle } else { low = middle + 1 }
            }
            return low < starts.count ? starts[low] : file.bytes.count
        }

        // Group top-level blocks: the title, the intro, then one section per heading of level ≤ 2.
        // A page whose first `#` is an alert's has no title of its own: it is named by its front matter or file.
        var title: MarkdownNode?
        var intro: [MarkdownNode] = []
        var sections: [(heading: MarkdownNode, blocks: [MarkdownNode])] = []
        let firstTitle = children.first { $0.type == .heading && $0.headingLevel == 1 }
        let titled = firstTitle.map { !inAlertTitle.contains(ObjectIdentifier($0)) } ?? true
        for block in children where !inAlertTitle.contains(ObjectIdentifier(block)) {
            if block.type == .heading, block.headingLevel == 1, titled, title == nil, sections.isEmpty {
                title = block
            } else if block.type == .heading, block.headingLevel <= 2 {
                sections.append((block, []))
            } else if sections.isEmpty {
                intro.append(block)
            } else {
                sections[sections.count - 1].blocks.append(block)
            }
        }

        let known = Set(metadata.map(\.key))
        var derived: [FieldSyntax] = []
        let headerRange = title.map { headingTextRange($0) } ?? .at(frontMatterEnd)
        // A title a template fills (`# <%= current_page.data.title %>`, masked) is empty in the source:
        // the page is named as the template names it, by its front matter's `title`, or by its file.
        let heading = title.map { title -> String in
            let name = title.plainText.trimmingWhitespace()
            return name.lowercased().hasPrefix("runbook:") ? String(name.dropFirst(8)).trimmingWhitespace() : name
        }
        if !known.contains("name") {
            if let heading, !heading.isEmpty {
                derived.append(field("name", headerRange, scalar(heading, headerRange, .heading, text: true)))
            } else if let titleField = metadata.first(where: { $0.key == "title" }) {
                derived.append(FieldSyntax(key: "name", keyRange: titleField.keyRange, value: titleField.value))
            } else {
                // An untitled page is named by its file (`README.md` and `index.md` by their directory).
                derived.append(field("name", headerRange, scalar(MarkdownRunbookParser.nameFromPath(file.path), headerRange, .implied, text: true)))
            }
        }
        // Site generators' `title` (Hugo) names the page; it is consumed, not an unknown key.
        metadata.removeAll { $0.key == "title" }

        var steps: [StepSyntax] = frontSteps
        var rollback: [StepSyntax] = frontRollback
        var procedures: [ProcedureSyntax] = frontProcedures
        var documentation: [DocumentationSyntax] = []
        var descriptions: [String] = []
        var escalation: [YAMLNode] = []
        var introProse: [String] = []

        var stated = Set<String>()
        for block in intro {
            // Metadata stated the other ways pages state it: `Severity: P3` lines, a badge, a table row.
            if let found = statedMetadata(block) {
                for label in found where !known.contains(label.key) && stated.insert(label.key).inserted {
                    derived.append(contentsOf: metadataField(label))
                }
                if block.type == .table {
                    documentation.append(DocumentationSyntax(title: nil, markdown: file.slice(block.range(in: file)), range: block.range(in: file)))
                }
                continue
            }
            if block.type == .paragraph {
                let found = labels(in: block)
                for label in found.labels {
                    if MarkdownRunbookParser.metadataLabelKeys.contains(label.key) {
                        if !known.contains(label.key == "alert" ? "triggers" : label.key), stated.insert(label.key).inserted {
                            derived.append(contentsOf: metadataField(label))
                        }
                    } else if !MarkdownRunbookParser.executionLabelKeys.contains(label.key) {
                        // `**URL**: <dashboard>`, `**Channel**: #storage`, `**Expected**: …` under a title are a
                        // page's facts for its reader, not a step field in the wrong place.
                        introProse.append(label.key.capitalized + ": " + label.value)
                    } else {
                        bag.report(.unknownKey, "`**\(label.key)**` sets a step field, but this is the runbook's introduction",
                                   at: label.keyRange, help: "move it into a step under `## Steps`", severity: .warning)
                    }
                }
                if !found.prose.isEmpty { introProse.append(found.prose) }
            } else if block.type != .htmlBlock {
                documentation.append(DocumentationSyntax(title: nil, markdown: file.slice(block.range(in: file)), range: block.range(in: file)))
            }
        }

        for label in footer?.labels ?? [] where !known.contains(label.key) && stated.insert(label.key).inserted {
            derived.append(contentsOf: metadataField(label))
        }

        for (index, section) in sections.enumerated() {
            let headingText = section.heading.plainText
            let sectionEnd = end(of: section.heading)
            let kind = MarkdownRunbookParser.sectionKind(headingText)
            switch kind {
            case .description:
                let paragraphs = section.blocks.filter { $0.type == .paragraph }.map { labels(in: $0).prose }.filter { !$0.isEmpty }
                descriptions.append(contentsOf: paragraphs)
                let others = section.blocks.filter { $0.type != .paragraph }
                if !others.isEmpty {
                    documentation.append(documentationSection(section.heading, end: sectionEnd))
                }
            case .steps, .readOnlySteps:
                steps.append(contentsOf: stepsFrom(section.blocks, section: section.heading, readOnly: kind == .readOnlySteps,
                                                   escalation: &escalation))
            case .rollback:
                rollback.append(contentsOf: stepsFrom(section.blocks, section: section.heading, readOnly: false, escalation: &escalation))
            case .escalation:
                escalation.append(contentsOf: escalationEntries(section.blocks))
            case .commonIssues, .emergencyProcedures:
                procedures.append(contentsOf: proceduresFrom(section.blocks, emergency: kind == .emergencyProcedures))
            case .documentation:
                if let procedure = sectionProcedure(section.heading, blocks: section.blocks, end: sectionEnd, escalation: &escalation) {
                    procedures.append(procedure)
                } else {
                    documentation.append(documentationSection(section.heading, end: sectionEnd))
                }
            }
        }

        for alert in alertTitles {
            if let procedure = sectionProcedure(alert.heading, blocks: alert.blocks, end: end(of: alert.heading), escalation: &escalation, level: 1) {
                procedures.append(procedure)
            } else {
                documentation.append(documentationSection(alert.heading, end: end(of: alert.heading)))
            }
        }

        if !known.contains("description") {
            let text = (descriptions.isEmpty ? introProse : descriptions).joined(separator: "\n\n")
            if !text.isEmpty {
                derived.append(field("description", headerRange, scalar(text, headerRange, .paragraph, text: true)))
            }
        } else if !introProse.isEmpty {
            documentation.insert(DocumentationSyntax(title: nil, markdown: introProse.joined(separator: "\n\n"), range: headerRange), at: 0)
        }
        if !known.contains("escalation"), !escalation.isEmpty {
            let range = escalation[0].range
            derived.append(field("escalation", range, collection(.sequence(escalation), range, .listItem)))
        }
        let metadataRange = SourceRange(start: 0, end: file.bytes.count)
        var syntax = RunbookSyntax(file: file, format: .markdown, metadata: MappingSyntax(fields: metadata + derived, range: metadataRange),
                                   headerRange: headerRange, steps: steps, stepsField: nil, postRunbook: frontPost,
                                   rollback: rollback, procedures: procedures, documentation: documentation + leftovers, stepsAreDerived: true,
                                   kind: declaresExecution ? .executable : .documentation, markdown: origins)
        syntax.frontMatterUnread = frontMatterUnread
        return syntax
    }

    // MARK: - Front matter

    /// The mapping between `---` lines at the top of the file, as the runbook body.
    mutating func frontMatter() -> MappingSyntax? {
        guard file.lineText(1).trimmingWhitespace() == "---" else { return nil }
        var closing: Int?
        for line in 2...max(2, file.lineCount) where line <= file.lineCount {
            let text = file.lineText(line).trimmingWhitespace()
            if text == "---" || text == "..." { closing = line; break }
        }
        guard let closing else {
            // A rule drawn above the page's bold labels (`---`, then `**Severity:** P1`) opens nothing.
            if let next = (2...max(2, file.lineCount)).first(where: { $0 <= file.lineCount && !file.lineText($0).trimmingWhitespace().isEmpty }),
               next <= file.lineCount, Self.opensWithBold(file.lineText(next)) {
                ruledLines = [1]
                return nil
            }
            bag.report(.yamlSyntax, "front matter opened here is never closed", at: file.lineRange(1),
                       help: "end the front matter with a line holding only `---`")
            frontMatterUnread = true
            return nil
        }
        frontMatterEnd = closing < file.lineCount ? file.lineRange(closing + 1).start : file.bytes.count
        let content = SourceRange(start: file.lineRange(2).start, end: file.lineRange(closing).start)
        let (parsed, diagnostics) = readEmbeddedYAML(content)
        // A site generator's page template (Hugo's archetypes, Jekyll, Jinja, cookiecutter) is YAML
        // only once `{{ … }}` / `{% … %}` are filled: what it will say is not known, so it is no error.
        if diagnostics.contains(where: { $0.severity == .error && breaksAtTemplateTag($0) }) { return nil }
        // `---` lines drawn around bold labels (`**Severity:** P1`, `**Owner:** team`) are rules that
        // frame Markdown, not YAML that breaks: the labels are read as the introduction's.
        if let error = diagnostics.first(where: { $0.severity == .error }), breaksAtBoldText(error) {
            ruledLines = [1, closing]
            frontMatterEnd = 0
            return nil
        }
        bag.append(contentsOf: diagnostics)
        // What a front matter that breaks says is unknown: reported once, its absence no finding.
        if diagnostics.contains(where: { $0.severity == .error }) { frontMatterUnread = true }
        guard let root = parsed else { return nil }
        if root.scalarKind == .null { return nil }
        guard let mapping = RunbookParser.mapping(root, bag: &bag) else {
            bag.report(.typeMismatch, "front matter must be a mapping of runbook keys, found \(root.kindDescription)", at: root.range)
            return nil
        }
        if let wrapped = mapping["runbook"], let body = RunbookParser.mapping(wrapped.value, bag: &bag) {
            declaresExecution = true
            return body
        }
        return mapping
    }

    /// YAML inside the Markdown file (front matter, ```yaml rbc fences), parsed from a copy in which
    /// everything else is blanked, so node offsets are offsets in the Markdown file itself.
    mutating func parseEmbeddedYAML(_ range: SourceRange) -> YAMLNode? {
        let (root, diagnostics) = readEmbeddedYAML(range)
        bag.append(contentsOf: diagnostics)
        return root
    }

    /// Whether a YAML error is the template's doing: its line, or the line before (where libyaml's
    /// "expected key" points past the value that broke), holds a `{{ … }}` / `{% … %}`. Front matter
    /// whose `summary:` quotes `{{ $labels.pod }}` and whose steps are mis-indented is a runbook with
    /// an error, reported as one.
    func breaksAtTemplateTag(_ diagnostic: Diagnostic) -> Bool {
        guard let range = diagnostic.range else { return false }
        let line = file.lineIndex(of: range.start) + 1
        return [line - 1, line].contains { $0 >= 1 && $0 <= file.lineCount && Self.holdsTemplateTags(file.lineText($0)) }
    }

    /// Whether a YAML error is on a line (or below one) that opens with bold text, `**Owner:**` or
    /// `__Owner__:`: YAML cannot start a key so (`*` opens an alias), Markdown labels do.
    func breaksAtBoldText(_ diagnostic: Diagnostic) -> Bool {
        guard let range = diagnostic.range else { return false }
        let line = file.lineIndex(of: range.start) + 1
        return [line - 1, line].contains { $0 >= 2 && $0 <= file.lineCount && Self.opensWithBold(file.lineText($0)) }
    }

    /// `**Severity:** P1`, `- **Owner**: team`: a line that opens with bold text (after a list marker).
    static func opensWithBold(_ line: String) -> Bool {
        var text = Substring(line.trimmingWhitespace())
        if text.hasPrefix("- ") || text.hasPrefix("+ ") { text = text.dropFirst(2).drop { $0 == " " } }
        guard text.hasPrefix("**") || text.hasPrefix("__") else { return false }
        let inner = text.dropFirst(2)
        return inner.first.map { $0.isLetter || $0.isNumber } ?? false
    }

    /// `{{ … }}` or `{% … %}` of a template language, not rbc's `${{ … }}`.
    static func holdsTemplateTags(_ text: String) -> Bool {
        text.split(separator: "\n").contains { line in
            var rest = line[...]
            while let open = rest.firstIndex(of: "{") {
                let after = rest[rest.index(after: open)...]
                let closing = after.first == "{" ? "}}" : after.first == "%" ? "%}" : nil
                let isExpression = open > line.startIndex && line[line.index(before: open)] == "$"
                if let closing, !isExpression, after.dropFirst().contains(closing) { return true }
                rest = after
            }
            return false
        }
    }

    /// The YAML and the diagnostics reading it gave, positioned in the Markdown file.
    func readEmbeddedYAML(_ range: SourceRange) -> (YAMLNode?, [Diagnostic]) {
        var bytes = file.bytes
        for index in bytes.indices where (index < range.start || index >= range.end) && bytes[index] != 0x0A && bytes[index] != 0x0D {
            bytes[index] = 0x20
        }
        let masked = SourceFile(path: file.path, text: String(decoding: bytes, as: UTF8.self))
        let document = YAMLReader.read(masked)
        let diagnostics = document.diagnostics.map { diagnostic in
            var moved = diagnostic
            moved.file = file
            // libyaml reports "unexpected end" past the block; keep the caret inside it.
            if let at = moved.range, at.start > range.end {
                moved.range = .at(range.end)
            }
            return moved
        }
        return (document.root, diagnostics)
    }

    mutating func stepList(_ field: FieldSyntax) -> [StepSyntax] {
        guard let items = field.value.sequenceItems else {
            bag.report(.typeMismatch, "`\(field.key)` must be a list of steps, found \(field.value.kindDescription)", at: field.value.range)
            return []
        }
        return RunbookParser.steps(from: items, bag: &bag)
    }

    // MARK: - Steps

    /// Steps of a section: one per H3 (H4 in a `###` section of a procedure); without those one per
    /// top-level numbered item; without those, one per shell fence.
    mutating func stepsFrom(_ blocks: [MarkdownNode], section: MarkdownNode, readOnly: Bool,
                            escalation: inout [YAMLNode], level: Int = 3) -> [StepSyntax] {
        if let firstHeading = blocks.firstIndex(where: { $0.type == .heading && $0.headingLevel == level }) {
            // What comes before the first `###` (a numbered list, fences) is steps too.
            var steps = firstHeading > 0
                ? stepsWithoutHeadings(Array(blocks[..<firstHeading]), section: section, readOnly: readOnly, proseIsStep: false)
                : []
            var current: (heading: MarkdownNode, blocks: [MarkdownNode])?
            func flush(_ builder: inout Builder) {
                guard let group = current else { return }
                let name = MarkdownRunbookParser.strippedNumbering(group.heading.plainText)
                if MarkdownRunbookParser.normalizedHeading(name) == "escalation" {
                    escalation.append(contentsOf: builder.escalationEntries(group.blocks))
                } else {
                    steps.append(contentsOf: builder.splitSteps(name: name, nameRange: builder.headingTextRange(group.heading),
                                              blocks: group.blocks, readOnly: readOnly))
                }
            }
            for block in blocks {
                if block.type == .heading, block.headingLevel == level {
                    flush(&self)
                    current = (block, [])
                } else {
                    current?.blocks.append(block)
                }
            }
            flush(&self)
            return steps
        }
        return stepsWithoutHeadings(blocks, section: section, readOnly: readOnly, proseIsStep: true)
    }

    /// Keeps blocks that are in no step as documentation under the section's title.
    mutating func keep(_ blocks: [MarkdownNode], section: MarkdownNode?) {
        let kept = blocks.filter { $0.type != .htmlBlock && $0.type != .thematicBreak }
        guard let first = kept.first, let last = kept.last else { return }
        let range = SourceRange(start: first.range(in: file).start, end: last.range(in: file).end)
        let markdown = kept.map { file.slice($0.range(in: file)) }.joined(separator: "\n\n")
        guard !markdown.isBlank else { return }
        leftovers.append(DocumentationSyntax(title: section?.plainText, markdown: markdown, range: range))
    }

    /// One step per top-level numbered item; without a numbered list, one per shell fence; with
    /// neither, prose only is one manual step (when `proseIsStep`). What is in no step is kept.
    mutating func stepsWithoutHeadings(_ blocks: [MarkdownNode], section: MarkdownNode, readOnly: Bool, proseIsStep: Bool) -> [StepSyntax] {
        if let listIndex = blocks.firstIndex(where: { $0.type == .list && $0.isOrderedList }) {
            keep(blocks.enumerated().filter { $0.offset != listIndex }.map(\.element), section: section)
            return listSteps(blocks[listIndex], readOnly: readOnly)
        }
        // A table of steps (`| Step | Command | Expected |`) when no fence holds commands.
        if !blocks.contains(where: isCommandFence),
           let tableIndex = blocks.firstIndex(where: { MarkdownRunbookParser.stepTableColumns($0) != nil }) {
            keep(blocks.enumerated().filter { $0.offset != tableIndex }.map(\.element), section: section)
            return tableSteps(blocks[tableIndex], readOnly: readOnly)
        }
        // One step per shell fence: named by the prose just before it, with the labels and prose after it.
        var steps: [StepSyntax] = []
        let sectionName = MarkdownRunbookParser.strippedNumbering(section.plainText)
        let fences = blocks.indices.filter { isCommandFence(blocks[$0]) }
        if let firstFence = fences.first {
            // What comes before the first fence, but the paragraph that names its step.
            let namesFirst = firstFence > 0 && blocks[firstFence - 1].type == .paragraph && labels(in: blocks[firstFence - 1]).labels.isEmpty
            keep(Array(blocks[..<(namesFirst ? firstFence - 1 : firstFence)]), section: section)
        } else if !proseIsStep {
            keep(blocks, section: section)
        }
        for (number, fence) in fences.enumerated() {
            let previous = fence > 0 && blocks[fence - 1].type == .paragraph && labels(in: blocks[fence - 1]).labels.isEmpty ? blocks[fence - 1] : nil
            let end = number + 1 < fences.count ? fences[number + 1] : blocks.count
            var owned = Array(blocks[fence..<end])
            // The paragraph right before the next fence names that step, not this one.
            if number + 1 < fences.count, let last = owned.last, last.type == .paragraph, labels(in: last).labels.isEmpty, owned.count > 1 {
                owned.removeLast()
            }
            let name = previous.map { firstSentence($0.plainText) } ?? "\(sectionName) \(number + 1)"
            let nameRange = previous.map { $0.range(in: file) } ?? blocks[fence].range(in: file)
            // The naming paragraph is the step's too: what it says beyond its first line is description.
            steps.append(contentsOf: step(name: name, nameRange: nameRange, blocks: (previous.map { [$0] } ?? []) + owned, readOnly: readOnly,
                                          nameParagraph: previous))
        }
        // Prose only (a table too): the section is one manual step that carries it.
        if proseIsStep, steps.isEmpty, blocks.contains(where: { $0.type == .paragraph || $0.type == .list || $0.type == .table }) {
            steps.append(contentsOf: step(name: sectionName, nameRange: headingTextRange(section), blocks: blocks, readOnly: readOnly))
        }
        return steps
    }

    /// One step per body row of a table of steps: named by its step column, its command the row's
    /// code span in the command column (a cell of anything else makes it a manual step whose
    /// instructions are the cell), its other cells its description (`Expected: …`).
    mutating func tableSteps(_ table: MarkdownNode, readOnly: Bool) -> [StepSyntax] {
        guard let columns = MarkdownRunbookParser.stepTableColumns(table) else { return [] }
        let header = table.children.first { $0.type == .tableHeader }?.children.filter { $0.type == .tableCell } ?? []
        var steps: [StepSyntax] = []
        for (number, row) in table.children.filter({ $0.type == .tableRow }).enumerated() {
            let cells = row.children.filter { $0.type == .tableCell }
            func cell(_ index: Int?) -> MarkdownNode? { index.flatMap { $0 < cells.count ? cells[$0] : nil } }
            let rowRange = row.range(in: file)
            let commandCell = cell(columns.command)
            let nameText = cell(columns.name).map { $0.plainText.trimmingWhitespace() } ?? ""
            let name = nameText.isEmpty ? "Step \(number + 1)" : MarkdownRunbookParser.strippedNumbering(firstSentence(nameText))
            let nameRange = cell(columns.name).map { $0.range(in: file) } ?? rowRange
            let derivedID = uniqueID(MarkdownRunbookParser.slug(name))
            var fields = [field("id", nameRange, scalar(derivedID, nameRange, .implied, text: true)),
                          field("name", nameRange, scalar(name, nameRange, .paragraph, text: true))]
            var notes: [String] = []
            for (index, other) in cells.enumerated() where index != columns.command && index != columns.name && index != columns.number {
                let text = other.plainText.trimmingWhitespace()
                guard !text.isEmpty else { continue }
                let title = index < header.count ? header[index].plainText.trimmingWhitespace() : ""
                notes.append(title.isEmpty ? text : "\(title): \(text)")
            }
            if let commandCell, let command = commandSpan(in: commandCell) {
                fields.append(field("action", nameRange, scalar("execute_command", nameRange, .implied)))
                fields.append(field("command", command.range, scalar(command.text, command.range, command.source, text: true)))
                if !notes.isEmpty {
                    fields.append(field("description", rowRange, scalar(notes.joined(separator: "\n\n"), rowRange, .paragraph, text: true)))
                }
            } else {
                let how = commandCell.map { $0.plainText.trimmingWhitespace() } ?? ""
                let instructions = ([how.isEmpty ? name : how] + notes).joined(separator: "\n\n")
                fields.append(field("action", nameRange, scalar("manual", nameRange, .implied)))
                fields.append(field("instructions", rowRange, scalar(instructions, rowRange, .paragraph, text: true)))
            }
            if readOnly { fields.append(field("readonly", nameRange, scalar("true", nameRange, .implied))) }
            steps.append(StepSyntax(fields: MappingSyntax(fields: fields, range: nameRange), rollback: nil, range: nameRange))
        }
        return steps
    }

    /// The command a table cell holds: its one code span (whitespace around it aside), positioned
    /// at the span's text when the source spells it as the span reads (a `\|` inside it does not:
    /// then the cell is where it is).
    func commandSpan(in cell: MarkdownNode) -> (text: String, range: SourceRange, source: MarkdownValueSource)? {
        let parts = cell.children.filter { !($0.type == .text && ($0.literal ?? "").isBlank) }
        guard parts.count == 1, let code = parts.first, code.type == .code, let text = code.literal, !text.isBlank else { return nil }
        let span = code.range(in: file)
        var start = span.start
        var end = span.end
        while start < end, file.bytes[start] == UInt8(ascii: "`") { start += 1 }
        while end > start, file.bytes[end - 1] == UInt8(ascii: "`") { end -= 1 }
        if let at = file.slice(SourceRange(start: start, end: end)).range(of: text) {
            let offset = file.slice(SourceRange(start: start, end: end))[..<at.lowerBound].utf8.count
            let range = SourceRange(start: start + offset, end: start + offset + text.utf8.count)
            return (text, range, .codeSpan)
        }
        return (text, cell.range(in: file), .implied)
    }

    mutating func listSteps(_ list: MarkdownNode, readOnly: Bool) -> [StepSyntax] {
        list.children.filter(\.isListItem).flatMap { item in
            let first = item.children.first { $0.type == .paragraph }
            let name = first.map { MarkdownRunbookParser.strippedNumbering(firstSentence(firstLine($0))) } ?? "step"
            // The item's first line names the step; the lines after it may hold labels.
            let nameRange = first.map { file.lineRange($0.startLine) }.map { SourceRange(start: first?.range(in: file).start ?? $0.start, end: $0.end) }
            return splitSteps(name: name, nameRange: nameRange ?? item.range(in: file), blocks: item.children, readOnly: readOnly,
                              nameParagraph: first)
        }
    }

    /// One step per command fence under a heading or list item: the first is named by the heading
    /// (or item), each later one by the paragraph just before it. A `**Rollback**:` fence stays
    /// with its step.
    mutating func splitSteps(name: String, nameRange: SourceRange, blocks: [MarkdownNode], readOnly: Bool,
                             nameParagraph: MarkdownNode? = nil) -> [StepSyntax] {
        var segments: [[MarkdownNode]] = [[]]
        var hasCommand = false
        var rollbackPending = false
        for block in blocks {
            if block.type == .paragraph, labels(in: block).labels.contains(where: { $0.key == "rollback" && $0.value.isEmpty }) {
                rollbackPending = true
            }
            if isCommandFence(block) {
                if rollbackPending {
                    rollbackPending = false
                } else if hasCommand {
                    var lead: [MarkdownNode] = []
                    if let last = segments[segments.count - 1].last, last.type == .paragraph, last !== nameParagraph,
                       labels(in: last).labels.isEmpty {
                        lead = [segments[segments.count - 1].removeLast()]
                    }
                    segments.append(lead)
                } else {
                    hasCommand = true
                }
            }
            segments[segments.count - 1].append(block)
        }
        var steps = step(name: name, nameRange: nameRange, blocks: segments[0], readOnly: readOnly, nameParagraph: nameParagraph)
        for (number, segment) in segments.enumerated().dropFirst() {
            let lead = segment.first.flatMap { $0.type == .paragraph ? $0 : nil }
            let partName = lead.map { firstSentence($0.plainText) } ?? "\(name) \(number + 1)"
            let partRange = (lead ?? segment.first).map { $0.range(in: file) } ?? nameRange
            steps.append(contentsOf: step(name: partName, nameRange: partRange, blocks: segment, readOnly: readOnly, nameParagraph: lead))
        }
        return steps
    }

    /// One step from its heading (or list item) and the blocks under it; two when its fence opens
    /// an interactive session after commands of its own (the session is a manual step of its own).
    mutating func step(name: String, nameRange: SourceRange, blocks: [MarkdownNode], readOnly: Bool,
                       nameParagraph: MarkdownNode? = nil) -> [StepSyntax] {
        var session: (split: MarkdownRunbookParser.SessionSplit, range: SourceRange)?
        var fields: [FieldSyntax] = []
        var explicit: [FieldSyntax] = []
        var prose: [String] = []
        var command: (String, SourceRange)?
        var exampleOutput: [String] = []
        var rollback: RollbackSyntax?
        var awaitingRollbackFence: SourceRange?
        var expectOutput: (String, SourceRange, SourceRange)?

        for (position, block) in blocks.enumerated() {
            if let keyRange = awaitingRollbackFence, block.type == .list || block.type == .paragraph, labels(in: block).labels.isEmpty,
               !(position + 1 < blocks.count && isShellFence(blocks[position + 1])) {
                // `**Rollback:**` over a list or a paragraph of what to do (not the lead-in to a fence):
                // people write the undo in words, a manual rollback.
                let range = block.range(in: file)
                rollback = RollbackSyntax(fields: MappingSyntax(fields: [
                    field("action", keyRange, scalar("manual", keyRange, .implied)),
                    field("instructions", range, scalar(file.slice(range).trimmingWhitespaceAndNewlines(), range, .paragraph, text: true)),
                ], range: range), keyRange: keyRange)
                awaitingRollbackFence = nil
                continue
            }
            if block.type == .codeBlock, let info = block.fenceInfo, isEmbeddedYAML(info) {
                declaresExecution = true
                if let node = parseEmbeddedYAML(fenceContentRange(block)), let mapping = RunbookParser.mapping(node, bag: &bag) {
                    explicit.append(contentsOf: mapping.fields)
                }
                continue
            }
            if isShellFence(block), outputFences.contains(ObjectIdentifier(block)) {
                // Introduced as output ("Example output:"): the reader's to compare with, never a command.
                if let output = block.literal, !output.isBlank { exampleOutput.append(output) }
                prose.append(file.slice(block.range(in: file)))
                continue
            }
            if isShellFence(block) {
                let content = fenceCommand(block)
                let attributes = fenceAttributes(block)
                guard let commandText = content.command else {
                    // A console fence with no prompt shows output: the reader's, never a command.
                    if let output = content.output { exampleOutput.append(output) }
                    prose.append(file.slice(block.range(in: file)))
                    continue
                }
                if let keyRange = awaitingRollbackFence {
                    var rollbackFields = [field("action", keyRange, scalar("execute_command", keyRange, .implied)),
                                          field("command", content.range, scalar(commandText, content.range, .fence, text: true))]
                    rollbackFields.append(contentsOf: attributes.filter { ["timeout", "timeoutMs", "description"].contains($0.key) })
                    rollback = RollbackSyntax(fields: MappingSyntax(fields: rollbackFields, range: content.range), keyRange: keyRange)
                    awaitingRollbackFence = nil
                    // A rollback is no declaration for rbc: pages for people write one under each
                    // step they can undo (the seeds' "include a rollback for each step").
                } else if command == nil {
                    let language = MarkdownRunbookParser.fenceLanguage(block.fenceInfo)
                    if let split = MarkdownRunbookParser.sessionSplit(block.literal ?? "", language: language) {
                        // Lines typed inside a session are never the outer shell's: rbc runs what
                        // comes before the session, and the session is the reader's to type into.
                        session = (split, content.range)
                        if let before = split.before { command = (before, content.range) }
                        if let output = split.beforeOutput { exampleOutput.append(output) }
                        if split.before == nil { prose.append(Self.sessionInstructions(split)) }
                        explicit.append(contentsOf: attributes)
                        continue
                    }
                    command = (commandText, content.range)
                    if let output = content.output { exampleOutput.append(output) }
                    explicit.append(contentsOf: attributes)
                    if !attributes.isEmpty { declaresExecution = true }
                } else {
                    prose.append(file.slice(block.range(in: file)))
                }
                continue
            }
            if block.type == .paragraph {
                let found = labels(in: block)
                // A list item's first line is its name: prose only if there is more than the name.
                // (A line longer than a name keeps its full text as description.)
                let nameOnly = block === nameParagraph && firstLine(block).trimmingWhitespace() == found.prose
                    && found.prose.count <= 80
                if !found.prose.isEmpty, !nameOnly { prose.append(found.prose) }
                for label in found.labels where !MarkdownRunbookParser.stepLabelKeys.contains(label.key) {
                    prose.append(label.key.capitalized + ": " + label.value)
                }
                for label in found.labels where MarkdownRunbookParser.stepLabelKeys.contains(label.key) {
                if MarkdownRunbookParser.executionLabelKeys.contains(label.key) { declaresExecution = true }
                switch label.key {
                case "rollback":
                    if label.value.isEmpty {
                        awaitingRollbackFence = label.keyRange
                    } else {
                        let kind = label.isCode ? "execute_command" : "manual"
                        let key = label.isCode ? "command" : "instructions"
                        rollback = RollbackSyntax(fields: MappingSyntax(fields: [
                            field("action", label.keyRange, scalar(kind, label.keyRange, .implied)),
                            field(key, label.valueRange, scalar(label.value, label.valueRange, label.source, text: true)),
                        ], range: label.valueRange), keyRange: label.keyRange)
                    }
                case "expected":
                    if label.isCode {
                        expectOutput = (MarkdownRunbookParser.escapedPattern(label.value), label.keyRange, label.valueRange)
                    } else {
                        prose.append("Expected: " + label.value)
                    }
                case "labels":
                    let items = label.value.split(separator: ",").map { scalar($0.trimmingWhitespace(), label.valueRange, label.source, text: label.isCode) }
                    fields.append(field("labels", label.keyRange, collection(.sequence(items), label.valueRange, label.source)))
                default:
                    // Backticks keep a value a string (`**Value**: \`2000\``); prose fields are strings anyway.
                    let isText = label.isCode || ["command", "message", "instructions", "title", "body", "irreversible", "when"].contains(label.key)
                    fields.append(field(label.key, label.keyRange, scalar(label.value, label.valueRange, label.source, text: isText)))
                }
                }
                continue
            }
            if block.type != .htmlBlock, block.type != .thematicBreak {
                prose.append(file.slice(block.range(in: file)))
            }
        }

        let allProse = prose
        // Prose gathered from the blocks under the name: its value is located in them, so a finding
        // inside it (a `${{ }}`, a credential) points at its characters, not at the heading.
        let proseRange = SourceRange(start: nameRange.start, end: max(nameRange.end, blocks.last.map { $0.range(in: file).end } ?? nameRange.end))
        let keys = Set((fields + explicit).map(\.key))
        let slug = MarkdownRunbookParser.slug(name)
        let derivedID = uniqueID(slug)
        var derived = [field("id", nameRange, scalar(derivedID, nameRange, .implied, text: true))]
        // `### restart-api` is the id itself; any other heading is also the step's name.
        if slug != name {
            derived.append(field("name", nameRange, scalar(name, nameRange, nameParagraph == nil ? .heading : .paragraph, text: true)))
        }
        if let (text, range) = command, !keys.contains("command") {
            derived.append(field("command", range, scalar(text, range, .fence, text: true)))
        }
        let hasCommand = command != nil || keys.contains("command")
        if !keys.contains("action") {
            let kind = hasCommand ? "execute_command" : "manual"
            derived.append(field("action", nameRange, scalar(kind, nameRange, .implied)))
            if !hasCommand, !keys.contains("instructions") {
                let text = allProse.joined(separator: "\n\n")
                derived.append(field("instructions", nameRange, scalar(text.isEmpty ? name : text, text.isEmpty ? nameRange : proseRange, .paragraph, text: true)))
            }
        }
        let descriptionProse = hasCommand || keys.contains("action") ? allProse : []
        if !descriptionProse.isEmpty, !keys.contains("description") {
            derived.append(field("description", nameRange, scalar(descriptionProse.joined(separator: "\n\n"), proseRange, .paragraph, text: true)))
        }
        if !exampleOutput.isEmpty, !keys.contains("example_output") {
            derived.append(field("example_output", nameRange, scalar(exampleOutput.joined(separator: "\n"), nameRange, .paragraph, text: true)))
        }
        if readOnly, !keys.contains("readonly") {
            derived.append(field("readonly", nameRange, scalar("true", nameRange, .implied)))
        }
        if let (pattern, keyRange, valueRange) = expectOutput, !keys.contains("expect") {
            let output = YAMLPair(key: key("output", keyRange), value: scalar(pattern, valueRange, .codeSpan, text: true))
            derived.append(field("expect", keyRange, collection(.mapping([output]), valueRange, .implied)))
        }
        if let keyRange = awaitingRollbackFence {
            bag.report(.missingField, "`**Rollback**:` is not followed by a command fence", at: keyRange,
                       help: "put a ```bash fence with the rollback command right after the label, or write the rollback after the colon")
        }
        // Explicit settings (labels, fence attributes, ```yaml rbc blocks) win over what was derived.
        var merged: [FieldSyntax] = []
        var seen = Set<String>()
        for entry in explicit + fields + derived where seen.insert(entry.key).inserted {
            merged.append(entry)
        }
        if let explicitRollback = merged.first(where: { $0.key == "rollback" }) {
            merged.removeAll { $0.key == "rollback" }
            if rollback == nil, let mapping = RunbookParser.mapping(explicitRollback.value, bag: &bag) {
                rollback = RollbackSyntax(fields: mapping, keyRange: explicitRollback.keyRange)
            }
        }
        let main = StepSyntax(fields: MappingSyntax(fields: merged, range: nameRange), rollback: rollback, range: nameRange)
        guard let session, session.split.before != nil else { return [main] }
        let sessionName = "\(name) (in the session)"
        let sessionID = uniqueID(MarkdownRunbookParser.slug(name) + "-session")
        var sessionFields = [field("id", session.range, scalar(sessionID, session.range, .implied, text: true)),
                             field("name", session.range, scalar(sessionName, session.range, .implied, text: true)),
                             field("action", session.range, scalar("manual", session.range, .implied)),
                             field("instructions", session.range, scalar(Self.sessionInstructions(session.split), session.range, .implied, text: true))]
        if readOnly { sessionFields.append(field("readonly", session.range, scalar("true", session.range, .implied))) }
        return [main, StepSyntax(fields: MappingSyntax(fields: sessionFields, range: session.range), rollback: nil, range: session.range)]
    }

    /// What a reader does with a session: open it, then type the lines shown.
    static func sessionInstructions(_ split: MarkdownRunbookParser.SessionSplit) -> String {
        "Open an interactive session with `\(split.opener)` and type in it the lines after it:\n\n```\n\(split.written)```"
    }

    // MARK: - Procedures (Common Issues, Emergency Procedures)

    /// A section's blocks split at its `###` headings: what comes before the first, and each heading
    /// with the blocks up to the next.
    static func groupedByHeadings(_ blocks: [MarkdownNode], level: Int = 3)
        -> (before: [MarkdownNode], groups: [(heading: MarkdownNode, blocks: [MarkdownNode])]) {
        var groups: [(heading: MarkdownNode, blocks: [MarkdownNode])] = []
        var before: [MarkdownNode] = []
        for block in blocks {
            if block.type == .heading, block.headingLevel == level {
                groups.append((block, []))
            } else if !groups.isEmpty {
                groups[groups.count - 1].blocks.append(block)
            } else {
                before.append(block)
            }
        }
        return (before, groups)
    }

    mutating func proceduresFrom(_ blocks: [MarkdownNode], emergency: Bool) -> [ProcedureSyntax] {
        let (before, groups) = Self.groupedByHeadings(blocks)
        keep(before, section: nil)
        return groups.map { group in
            let name = MarkdownRunbookParser.strippedNumbering(group.heading.plainText)
            let range = headingTextRange(group.heading)
            // Unique among the page's derived procedures: an alert's `## Disk full` section and a
            // common issue `### Disk full` are two procedures, not a duplicate id nobody wrote.
            let derivedID = uniqueProcedureID(MarkdownRunbookParser.slug(name))
            var fields = [field("id", range, scalar(derivedID, range, .implied, text: true)),
                          field("name", range, scalar(name, range, .heading, text: true))]
            var rest: [MarkdownNode] = []
            for block in group.blocks {
                let found = labels(in: block)
                let procedureLabels = found.labels.filter { MarkdownRunbookParser.procedureLabelKeys.contains($0.key) }
                guard !procedureLabels.isEmpty else {
                    rest.append(block)
                    continue
                }
                for label in procedureLabels where label.key != "resolution" {
                    fields.append(field(label.key, label.keyRange, scalar(label.value, label.valueRange, label.source, text: true)))
                }
            }
            var none: [YAMLNode] = []
            let steps = stepsFrom(rest, section: group.heading, readOnly: false, escalation: &none)
            return ProcedureSyntax(fields: MappingSyntax(fields: fields, range: range), steps: steps, range: range)
        }
    }

    /// Whether sections hold steps by their headings' words, as what they are for: not one tool among
    /// many they describe (`### gdb` and `### Troubleshooting tools` under `## What slows Redis
    /// down`): at least half of those that do not describe hold steps.
    static func holdsSteps(_ groups: [(heading: MarkdownNode, blocks: [MarkdownNode])]) -> Bool {
        let kinds = groups.map { MarkdownRunbookParser.sectionKind($0.heading.plainText) }
        let stepSections = kinds.filter { $0 == .steps || $0 == .readOnlySteps }.count
        return stepSections > 0 && stepSections * 2 >= kinds.filter({ $0 != .description }).count
    }

    /// The `#` sections of a page of `# AlertName` titles, each over its `## Diagnosis` / `##
    /// Mitigation`: at least two `#` sections have `##` sections, the `##` sections of each hold
    /// steps, and each repeats a `##` heading of another (the alerts share their sections). A `#` of
    /// prose only (a page title over its introduction, an appendix) may stand among them. None when
    /// the page has one `#` title (its `##` sections are the runbook's), or when the `##` sections
    /// under its `#` headings are one page's parts (`## Part 1: Contain`, `## Part 2: Eradicate`):
    /// a shell comment left outside its fence (`# Then list the keys`) is a `#` heading too.
    func alertTitleSections(_ blocks: [MarkdownNode]) -> [(heading: MarkdownNode, blocks: [MarkdownNode])] {
        let (_, titles) = Self.groupedByHeadings(blocks, level: 1)
        let sectioned = titles.map { (title: $0, sections: Self.groupedByHeadings($0.blocks, level: 2).groups) }.filter { !$0.sections.isEmpty }
        guard sectioned.count >= 2, sectioned.allSatisfy({ Self.holdsSteps($0.sections) }) else { return [] }
        let headings = sectioned.map { Set($0.sections.map { MarkdownRunbookParser.normalizedHeading($0.heading.plainText) }) }
        // Each title shares a heading with another: one of its headings is under two titles or more
        // (counted once for the page, not compared with every other title: quadratic in titles).
        var titlesUnder: [String: Int] = [:]
        for own in headings { for heading in own { titlesUnder[heading, default: 0] += 1 } }
        guard headings.allSatisfy({ $0.contains { titlesUnder[$0, default: 0] >= 2 } }) else { return [] }
        return sectioned.map(\.title)
    }

    /// A section named for what it is about (`## KubeletDown`, `## Disk almost full`) whose `###`
    /// sections hold steps by their words (`### Diagnosis`, `### Mitigation`): one page of per-alert
    /// sections, each a procedure. Its steps are those sections' (H4 headings, numbered items or
    /// fences), read-only under diagnosis words; the prose above them and its description-like
    /// sections are its description; its other sections are kept as documentation. Nil when no `###`
    /// holds steps: the section is documentation, as before.
    /// `level`: the section's heading level (2; 1 for a page of `# AlertName` titles), its runbook
    /// sections one level down, their steps two.
    mutating func sectionProcedure(_ heading: MarkdownNode, blocks: [MarkdownNode], end: Int,
                                   escalation: inout [YAMLNode], level: Int = 2) -> ProcedureSyntax? {
        let (before, groups) = Self.groupedByHeadings(blocks, level: level + 1)
        guard Self.holdsSteps(groups) else { return nil }
        let kinds = groups.map { MarkdownRunbookParser.sectionKind($0.heading.plainText) }
        // `### Custom build steps` over a Go fence, `### Verify the index` over SQL: the heading's words
        // said steps, but nothing under them is one. The section is what it was before the guess,
        // documentation, not a procedure to report as empty (RB2009).
        guard anyStep(in: groups, kinds: kinds, level: level) else { return nil }
        let name = MarkdownRunbookParser.strippedNumbering(heading.plainText)
        let range = headingTextRange(heading)
        let derivedID = uniqueProcedureID(MarkdownRunbookParser.slug(name))
        var fields = [field("id", range, scalar(derivedID, range, .implied, text: true)),
                      field("name", range, scalar(name, range, .heading, text: true))]
        var description: [String] = []
        func describe(_ blocks: [MarkdownNode], section: MarkdownNode, builder: inout Builder) {
            for block in blocks where block.type == .paragraph {
                let found = builder.labels(in: block)
                // `**Severity**: warning` under an alert's heading is the alert's: said in its description.
                description.append(contentsOf: found.labels.map { $0.key.replacingOccurrences(of: "_", with: " ").capitalized + ": " + $0.value })
                if !found.prose.isEmpty { description.append(found.prose) }
            }
            builder.keep(blocks.filter { $0.type != .paragraph }, section: section)
        }
        describe(before, section: heading, builder: &self)
        var steps: [StepSyntax] = []
        for (index, group) in groups.enumerated() {
            let groupEnd = index + 1 < groups.count ? groups[index + 1].heading.range(in: file).start : end
            switch kinds[index] {
            case .steps, .readOnlySteps:
                steps.append(contentsOf: stepsFrom(group.blocks, section: group.heading, readOnly: kinds[index] == .readOnlySteps,
                                                   escalation: &escalation, level: level + 2))
            case .description:
                describe(group.blocks, section: group.heading, builder: &self)
            case .documentation where MarkdownRunbookParser.normalizedHeading(group.heading.plainText) == "symptoms":
                let text = group.blocks.filter { $0.type != .htmlBlock }.map { file.slice($0.range(in: file)) }.joined(separator: "\n\n")
                if !text.isBlank {
                    let symptomsRange = headingTextRange(group.heading)
                    fields.append(field("symptoms", symptomsRange, scalar(text, symptomsRange, .paragraph, text: true)))
                }
            case .escalation:
                escalation.append(contentsOf: escalationEntries(group.blocks))
            case .rollback, .commonIssues, .emergencyProcedures, .documentation:
                // A procedure has no rollback of its own: the section is kept for the reader.
                leftovers.append(documentationSection(group.heading, end: groupEnd))
            }
        }
        if !description.isEmpty {
            fields.append(field("description", range, scalar(description.joined(separator: "\n\n"), range, .paragraph, text: true)))
        }
        return ProcedureSyntax(fields: MappingSyntax(fields: fields, range: range), steps: steps, range: range)
    }

    /// Whether a `###` section the heading's words say holds steps has one, found on a scratch builder
    /// (this page's output fences and memo of answers about blocks, ids, origins and diagnostics of
    /// its own) so that a guess that comes to nothing changes nothing here. Taking this builder back to
    /// a copy made before the guess made each alert section copy the page's ids, origins and leftovers
    /// so far on the next write: quadratic on a page of thousands of alerts.
    func anyStep(in groups: [(heading: MarkdownNode, blocks: [MarkdownNode])], kinds: [MarkdownRunbookParser.SectionKind], level: Int) -> Bool {
        var scratch = Builder(file: file, memo: memo)
        scratch.outputFences = outputFences
        var escalation: [YAMLNode] = []
        for (index, group) in groups.enumerated() where kinds[index] == .steps || kinds[index] == .readOnlySteps {
            let steps = scratch.stepsFrom(group.blocks, section: group.heading, readOnly: kinds[index] == .readOnlySteps,
                                          escalation: &escalation, level: level + 2)
            if !steps.isEmpty { return true }
        }
        return false
    }

    // MARK: - Pieces

    func escalationEntries(_ blocks: [MarkdownNode]) -> [YAMLNode] {
        var entries: [YAMLNode] = []
        for block in blocks {
            // A table of levels (`| Level | Who | When |`): one entry per row, each cell under its header.
            if block.type == .table {
                let header = block.children.first { $0.type == .tableHeader }?.children.filter { $0.type == .tableCell }.map { $0.plainText.trimmingWhitespace() } ?? []
                for row in block.children where row.type == .tableRow {
                    let cells = row.children.filter { $0.type == .tableCell }.map { $0.plainText.trimmingWhitespace() }
                    let parts = cells.enumerated().filter { !$0.element.isEmpty }.map { index, text in
                        index < header.count && !header[index].isEmpty ? "\(header[index]): \(text)" : text
                    }
                    if !parts.isEmpty { entries.append(scalar(parts.joined(separator: ", "), row.range(in: file), .listItem, text: true)) }
                }
            }
            if block.type == .list {
                for item in block.children where item.isListItem {
                    entries.append(scalar(item.plainText, item.range(in: file), .listItem, text: true))
                }
            } else if block.type == .paragraph {
                entries.append(scalar(block.plainText, block.range(in: file), .paragraph, text: true))
            }
        }
        return entries
    }

    /// Severity, owner and review date as pages state them without bold labels, read only when the
    /// block says nothing else: a paragraph of `Severity: P3` / `Owner: team-edge` lines, a paragraph
    /// of badges (`![severity](https://img.shields.io/badge/severity-critical-red)`), a two-column
    /// table of `| Severity | P1 |` rows, or a table with one body row under a `Severity` / `Owner`
    /// header. Values that cannot be what the key holds (a severity none of whose first word is a
    /// level, a date without a digit) are left as prose. Nil for anything else.
    fileprivate func statedMetadata(_ block: MarkdownNode) -> [Label]? {
        var found: [Label] = []
        switch block.type {
        case .paragraph:
            let parts = block.children.filter { !($0.type == .text && ($0.literal ?? "").isBlank) && $0.type != .softBreak && $0.type != .lineBreak }
            if !parts.isEmpty, parts.allSatisfy({ $0.type == .image || ($0.type == .link && $0.children.allSatisfy { $0.type == .image }) }) {
                let images = parts.flatMap { $0.type == .image ? [$0] : $0.children }
                for image in images {
                    if let label = badgeLabel(image) { found.append(label) }
                }
                // Badges that state nothing rbc reads (build status) are left as they were.
                return found.isEmpty ? nil : found
            }
            for line in block.startLine...block.endLine {
                let range = file.lineRange(line)
                guard let label = plainLabel(range) else { return proseStatements(block) }
                found.append(label)
            }
        case .table:
            let rows = block.children.filter { $0.type == .tableHeader || $0.type == .tableRow }.map { $0.children.filter { $0.type == .tableCell } }
            guard let header = rows.first else { return nil }
            if header.count == 2 {
                for row in rows where row.count == 2 {
                    if let key = Self.statedKey(row[0].plainText), let label = cellLabel(key, keyCell: row[0], valueCell: row[1]) { found.append(label) }
                }
            } else if rows.count == 2 {
                for (index, cell) in header.enumerated() where index < rows[1].count {
                    if let key = Self.statedKey(cell.plainText), let label = cellLabel(key, keyCell: cell, valueCell: rows[1][index]) { found.append(label) }
                }
            }
        default:
            return nil
        }
        return found.isEmpty ? nil : found
    }

    /// `Severity`, `Owner`, `Team`, `Last reviewed` (any case, a trailing colon or bold markers aside)
    /// → the metadata key; nil for anything else.
    static func statedKey(_ name: String) -> String? {
        let text = name.trimmingWhitespace().trimmingASCII("*_: ").lowercased()
        switch text {
        case "team", "owning team", "owners", "owned by", "service owner", "maintainer", "maintainers", "maintained by": return "owner"
        case "last reviewed", "last review", "reviewed on", "review date": return "reviewed"
        default:
            guard let key = MarkdownRunbookParser.labelKey(text), ["severity", "owner", "reviewed"].contains(key) else { return nil }
            return key
        }
    }

    /// Whether a stated value can be what its key holds: a severity's first word names a level, a
    /// review date has a digit, an owner is a few words at most.
    static func plausible(_ value: String, for key: String) -> Bool {
        let words = value.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber && $0 != "-" })
        switch key {
        case "severity":
            guard let first = words.first else { return false }
            let levels: Set<Substring> = ["critical", "high", "medium", "low", "major", "minor", "warning", "info", "page", "ticket"]
            if levels.contains(first) { return true }
            let letters = first.prefix { $0.isLetter }
            let rest = first.dropFirst(letters.count).drop { $0 == "-" }
            return ["p", "s", "sev", "severity"].contains(String(letters)) && !rest.isEmpty && rest.allSatisfy(\.isNumber)
        case "reviewed": return value.contains { $0.isNumber }
        default: return !words.isEmpty && words.count <= 6
        }
    }

    /// `Severity: P3` on a line of its own, plain text (no emphasis, code or link before the colon).
    fileprivate func plainLabel(_ lineRange: SourceRange) -> Label? {
        var range = lineRange
        // `_Last reviewed: 2026-03-01_`: a line in italics says what it says.
        let whole = file.slice(range).trimmingWhitespace()
        if whole.count > 2, let mark = whole.first, mark == "_" || mark == "*", whole.last == mark,
           whole.dropFirst().first != mark, !whole.dropFirst().dropLast().contains(mark) {
            let start = range.start + file.slice(range).prefix { $0 == " " || $0 == "\t" }.utf8.count + 1
            range = SourceRange(start: start, end: start + whole.utf8.count - 2)
        }
        let line = file.slice(range)
        guard let colon = line.firstIndex(of: ":"), let key = Self.statedKey(String(line[..<colon])),
              !line[..<colon].contains(where: { "*_`[".contains($0) }) else { return nil }
        let value = line[line.index(after: colon)...].trimmingWhitespace()
        guard !value.isEmpty, Self.plausible(value, for: key) else { return nil }
        let keyEnd = range.start + line[..<colon].utf8.count
        let keyStart = range.start + line.prefix { $0 == " " }.utf8.count
        let valueStart = keyEnd + 1 + line[line.index(after: colon)...].prefix { $0 == " " || $0 == "\t" }.utf8.count
        return Label(key: key, keyRange: SourceRange(start: keyStart, end: keyEnd), value: value,
                     valueRange: SourceRange(start: valueStart, end: valueStart + value.utf8.count), isCode: false)
    }

    /// Sentences that state an owner or a review date and nothing else: `Owned by the Storage team.`,
    /// `This runbook is maintained by @storage-oncall.`, `Maintainer: @alice`, `Last reviewed:
    /// 2026-03-01.` (emphasis and links around them aside). Nil when a sentence of the paragraph says
    /// anything else (`The volume is owned by the database user, so …`) or a value is not what its
    /// key holds: a paragraph that only mentions owning or reviewing states nothing.
    fileprivate func proseStatements(_ block: MarkdownNode) -> [Label]? {
        guard block.type == .paragraph, !Self.containsStrong(block) else { return nil }
        let text = block.plainText.replacingOccurrences(of: "\n", with: " ").trimmingWhitespace()
        guard !text.isEmpty, text.count <= 300 else { return nil }
        // Sentences end at a full stop before a space or the end (`2026-03-01.` ends one; `v1.2` does not).
        var sentences: [String] = []
        var current = ""
        for (index, character) in zip(text.indices, text) {
            if character == ".", text.index(after: index) == text.endIndex || text[text.index(after: index)] == " " {
                sentences.append(current.trimmingWhitespace())
                current = ""
            } else {
                current.append(character)
            }
        }
        if !current.trimmingWhitespace().isEmpty { sentences.append(current.trimmingWhitespace()) }
        let source = file.slice(block.range(in: file))
        let blockStart = block.range(in: file).start
        var cursor = source.startIndex
        var found: [Label] = []
        for sentence in sentences where !sentence.isEmpty {
            guard let (key, value) = Self.statement(sentence), Self.plausible(value, for: key),
                  let at = source.range(of: value, range: cursor..<source.endIndex) else { return nil }
            cursor = at.upperBound
            let start = blockStart + source[..<at.lowerBound].utf8.count
            let range = SourceRange(start: start, end: start + value.utf8.count)
            found.append(Label(key: key, keyRange: block.range(in: file), value: value, valueRange: range, isCode: false))
        }
        return found.isEmpty ? nil : found
    }

    /// One sentence as `(key, value)`: `Key: value` with a key `statedKey` knows, or who owns the
    /// page in words (`Owned by …`, `Maintained by …`, `This runbook is owned by …`).
    static func statement(_ sentence: String) -> (String, String)? {
        if let colon = sentence.firstIndex(of: ":"), let key = statedKey(String(sentence[..<colon])) {
            let value = sentence[sentence.index(after: colon)...].trimmingWhitespace()
            return value.isEmpty ? nil : (key, value)
        }
        let lower = sentence.lowercased()
        let openings = ["owned by ", "maintained by "].flatMap { verb in
            [verb] + ["this runbook is ", "this page is ", "this document is ", "this playbook is "].map { $0 + verb }
        }
        guard let opening = openings.first(where: { lower.hasPrefix($0) }) else { return nil }
        var value = String(sentence.dropFirst(opening.count)).trimmingWhitespace()
        if value.lowercased().hasPrefix("the ") { value = String(value.dropFirst(4)).trimmingWhitespace() }
        return value.isEmpty ? nil : ("owner", value)
    }

    static func containsStrong(_ node: MarkdownNode) -> Bool {
        node.type == .strong || node.children.contains(where: containsStrong)
    }

    /// The page's last block when it is a paragraph of owner or review-date statements below its
    /// sections (`_Last reviewed: 2026-03-01 by @alice_`, often after a `---` rule).
    fileprivate func footerStatements(_ blocks: [MarkdownNode]) -> (block: MarkdownNode, labels: [Label])? {
        guard let last = blocks.last(where: { $0.type != .htmlBlock && $0.type != .thematicBreak }), last.type == .paragraph,
              blocks.contains(where: { $0.type == .heading && $0.headingLevel == 2 && $0.range(in: file).start < last.range(in: file).start }),
              let labels = statedMetadata(last), labels.allSatisfy({ $0.key == "owner" || $0.key == "reviewed" }) else { return nil }
        return (last, labels)
    }

    /// A table cell's text as a value, positioned where the source spells it (else not read).
    fileprivate func cellLabel(_ key: String, keyCell: MarkdownNode, valueCell: MarkdownNode) -> Label? {
        let value = valueCell.plainText.trimmingWhitespace()
        guard !value.isEmpty, Self.plausible(value, for: key) else { return nil }
        let cell = valueCell.range(in: file)
        guard let at = file.slice(cell).range(of: value) else { return nil }
        let start = cell.start + file.slice(cell)[..<at.lowerBound].utf8.count
        return Label(key: key, keyRange: keyCell.range(in: file), value: value,
                     valueRange: SourceRange(start: start, end: start + value.utf8.count), isCode: false)
    }

    /// A shields.io badge (`https://img.shields.io/badge/severity-critical-red`): its label names the
    /// key, its message is the value (`--` a dash, `_` a space, as shields.io spells them).
    fileprivate func badgeLabel(_ image: MarkdownNode) -> Label? {
        guard let url = image.url, let badge = url.range(of: "/badge/") else { return nil }
        var path = String(url[badge.upperBound...].prefix { $0 != "?" && $0 != "." })
        path = path.replacingOccurrences(of: "--", with: "\u{1}")
        let parts = path.split(separator: "-", omittingEmptySubsequences: false).map { $0.replacingOccurrences(of: "\u{1}", with: "-") }
        guard parts.count == 3, let key = Self.statedKey(parts[0].replacingOccurrences(of: "_", with: " ")) else { return nil }
        let spelled = parts[1]
        let value = spelled.replacingOccurrences(of: "_", with: " ")
        guard Self.plausible(value, for: key) else { return nil }
        let range = image.range(in: file)
        guard let at = file.slice(range).range(of: spelled) else { return nil }
        let start = range.start + file.slice(range)[..<at.lowerBound].utf8.count
        // The value as written in the URL: a fix that rewrote it there would break the badge, so it is implied.
        return Label(key: key, keyRange: range, value: value, valueRange: SourceRange(start: start, end: start + spelled.utf8.count), isCode: false)
    }

    /// Metadata from an intro label: `**Severity**: P1`, `**Alert**: KubePodCrashLooping`, `**Tags**: a, b`.
    func metadataField(_ label: Label) -> [FieldSyntax] {
        switch label.key {
        case "alert":
            let alert = collection(.mapping([YAMLPair(key: key("alert", label.keyRange),
                                                      value: scalar(label.value, label.valueRange, label.source, text: label.isCode))]),
                                   label.valueRange, .implied)
            return [field("triggers", label.keyRange, collection(.sequence([alert]), label.valueRange, .implied))]
        case "tags":
            let items = label.value.split(separator: ",").map { scalar($0.trimmingWhitespace(), label.valueRange, label.source, text: label.isCode) }
            return [field("tags", label.keyRange, collection(.sequence(items), label.valueRange, label.source))]
        default:
            return [field(label.key, label.keyRange, scalar(label.value, label.valueRange, label.source, text: label.isCode || label.key == "escalation"))]
        }
    }

    func documentationSection(_ heading: MarkdownNode, end: Int) -> DocumentationSyntax {
        let start = heading.range(in: file).start
        let markdown = file.slice(SourceRange(start: start, end: end)).trimmingWhitespaceAndNewlines()
        return DocumentationSyntax(title: heading.plainText, markdown: markdown, range: headingTextRange(heading))
    }

    /// Labels in a paragraph: each line that opens with bold text and a colon (`**Timeout**: 5m`).
    /// Lines that follow a label continue its value; other lines are prose.
    func labels(in block: MarkdownNode) -> (labels: [Label], prose: String) {
        guard block.type == .paragraph else { return ([], "") }
        // Asked of a paragraph several times while steps are cut: read once.
        if let known = memo.labels[ObjectIdentifier(block)] { return known }
        let found = readLabels(in: block)
        memo.labels[ObjectIdentifier(block)] = found
        return found
    }

    private func readLabels(in block: MarkdownNode) -> (labels: [Label], prose: String) {
        var lines: [[MarkdownNode]] = [[]]
        for child in block.children {
            if child.type == .softBreak || child.type == .lineBreak { lines.append([]) } else { lines[lines.count - 1].append(child) }
        }
        // Soft and hard breaks end source lines, so line i of the paragraph is source line startLine + i:
        // values and prose keep the author's Markdown (code spans, links) from the source.
        var labels: [Label] = []
        var prose: [String] = []
        for (offset, line) in lines.enumerated() {
            let sourceLine = block.startLine + offset
            let raw = offset == 0
                ? file.slice(SourceRange(start: block.range(in: file).start, end: file.lineRange(sourceLine).end))
                : file.lineText(sourceLine)
            let text = raw.trimmingWhitespace()
            let segments = labelSegments(line)
            if segments.count > 1 || segments.first.map({ label($0) != nil }) == true {
                // A line of labels (`**Severity:** P1 **Audience:** SRE`): each label's value ends
                // where the next bold label starts; a label rbc does not know is prose, never part
                // of the value before it.
                for (index, segment) in segments.enumerated() {
                    let next = index + 1 < segments.count ? segments[index + 1][0].range(in: file).start : nil
                    if let label = label(segment, end: next) {
                        labels.append(label)
                    } else {
                        let start = segment[0].range(in: file).start
                        let end = next ?? file.lineRange(sourceLine).end
                        prose.append(file.slice(SourceRange(start: start, end: max(start, end))).trimmingWhitespace())
                    }
                }
            } else if Self.isLabelShaped(line, at: 0) {
                // `**Audience:** SRE` under `**Severity:** P2` is a label of its own, not more of the severity.
                prose.append(text)
            } else if let last = labels.popLast() {
                labels.append(Label(key: last.key, keyRange: last.keyRange, value: last.value + " " + text,
                                    valueRange: last.valueRange, isCode: false))
            } else {
                prose.append(text)
            }
        }
        return (labels, prose.joined(separator: " "))
    }

    /// The single label of a paragraph that is nothing but one label line, if it is one.
    func label(in block: MarkdownNode) -> Label? {
        let found = labels(in: block)
        return found.labels.count == 1 && found.prose.isEmpty ? found.labels[0] : nil
    }

    /// A line cut before each bold label in it (`**Severity:** P1 **Audience:** SRE` → two), when it
    /// opens with one; otherwise the line whole.
    func labelSegments(_ line: [MarkdownNode]) -> [[MarkdownNode]] {
        guard Self.isLabelShaped(line, at: 0) else { return [line] }
        var segments: [[MarkdownNode]] = []
        for (index, node) in line.enumerated() {
            // A label further on starts after a blank (`P1 **Audience:**`, `` `5m` **Retries**: ``).
            let start = node.range(in: file).start
            let startsLabel = index == 0 || (Self.isLabelShaped(line, at: index)
                && start > 0 && (file.bytes[start - 1] == 0x20 || file.bytes[start - 1] == 0x09))
            if startsLabel { segments.append([node]) } else { segments[segments.count - 1].append(node) }
        }
        return segments
    }

    /// Bold text that names a field and ends in a colon (`**Owner:**`, `**Review every**:`): a few
    /// words, nothing else. Bold emphasis inside a sentence is not one.
    static func isLabelShaped(_ line: [MarkdownNode], at index: Int) -> Bool {
        guard index < line.count, line[index].type == .strong else { return false }
        var name = line[index].plainText.trimmingWhitespace()
        if name.hasSuffix(":") {
            name.removeLast()
        } else if index + 1 < line.count, line[index + 1].type == .text, line[index + 1].literal?.hasPrefix(":") == true {
            // `**Owner**: team`
        } else {
            return false
        }
        let words = name.split(separator: " ")
        return !words.isEmpty && words.count <= 4 && name.count <= 40
            && name.allSatisfy { $0.isLetter || $0.isNumber || $0 == " " || $0 == "-" || $0 == "_" || $0 == "/" }
    }

    /// One line of inline nodes as a label, when it opens with a bold name and a colon; its value
    /// runs to `end` (the line's end, or the next label on the line).
    func label(_ line: [MarkdownNode], end: Int? = nil) -> Label? {
        guard let strong = line.first, strong.type == .strong else { return nil }
        var name = strong.plainText.trimmingWhitespace()
        let rest = line.dropFirst()
        var value = rest.map(\.plainText).joined()
        if name.hasSuffix(":") {
            name.removeLast()
        } else if value.hasPrefix(":") {
            value.removeFirst()
        } else {
            return nil
        }
        guard let key = MarkdownRunbookParser.labelKey(name) else { return nil }
        let codeParts = rest.filter { $0.type == .code }
        let isCode = codeParts.count == 1
            && rest.allSatisfy { $0.type == .code || $0.plainText.trimmingASCII(": ").isEmpty }
        if isCode, let code = codeParts.first?.literal { value = code }
        // cmark gives inline nodes positions: the key is the bold span, the value starts after `:` and spaces.
        let keyRange = strong.range(in: file)
        let bytes = file.bytes
        let lineEnd = min(end ?? Int.max, file.lineRange(strong.startLine).end)
        var index = keyRange.end
        while index < lineEnd, bytes[index] == UInt8(ascii: ":") || bytes[index] == 0x20 || bytes[index] == 0x09 { index += 1 }
        if isCode { while index < lineEnd, bytes[index] == UInt8(ascii: "`") { index += 1 } }
        var valueEnd = isCode ? min(index + value.utf8.count, lineEnd) : max(index, lineEnd)
        // A value cut before the next label on its line ends at its last word.
        while end != nil, !isCode, valueEnd > index, bytes[valueEnd - 1] == 0x20 || bytes[valueEnd - 1] == 0x09 { valueEnd -= 1 }
        if !isCode {
            value = file.slice(SourceRange(start: index, end: valueEnd)).trimmingWhitespace()
        }
        var valueRange = SourceRange(start: index, end: valueEnd)
        // `**Severity:** _critical_`, `**Owner:** \`team-storage\``, `**Alert:** [DiskFull](…)`: the page's
        // metadata is its text; emphasis, code spans and links are how the page shows it.
        if !isCode, MarkdownRunbookParser.textValuedLabelKeys.contains(key),
           rest.contains(where: { [.emphasis, .strong, .code, .link, .strikethrough].contains($0.type) }) {
            var text = rest.map(\.plainText).joined()
            if text.hasPrefix(":") { text.removeFirst() }
            text = text.trimmingWhitespace()
            if !text.isEmpty, text != value {
                let written = file.slice(valueRange)
                // Positioned at the text when the source spells it so (`_critical_`), else the whole value.
                if let at = written.range(of: text) {
                    let start = index + written[..<at.lowerBound].utf8.count
                    valueRange = SourceRange(start: start, end: start + text.utf8.count)
                }
                value = text
            }
        }
        return Label(key: key, keyRange: keyRange, value: value, valueRange: valueRange, isCode: isCode)
    }

    func isShellFence(_ block: MarkdownNode) -> Bool {
        guard block.type == .codeBlock, let info = block.fenceInfo else { return false }
        let language = MarkdownRunbookParser.fenceLanguage(info)
        // A fence that names no language but opens with a shell prompt (`$ redis-cli llen queue`)
        // is a terminal transcript, read as a `bash` fence: prompted lines typed, the rest output.
        if language.isEmpty { return MarkdownRunbookParser.opensWithPrompt(block.literal ?? "") }
        return MarkdownRunbookParser.shellLanguages.contains(language)
    }

    func isEmbeddedYAML(_ info: String) -> Bool {
        // `rbc` in any case has a `b` or `B` byte (no other character lowercases to `b`).
        guard info.utf8.contains(where: { $0 == UInt8(ascii: "b") || $0 == UInt8(ascii: "B") }) else { return false }
        let words = info.split(separator: " ").map { $0.lowercased() }
        return words.count >= 2 && (words[0] == "yaml" || words[0] == "yml") && words[1] == "rbc"
    }

    /// The lines between a fence's opening and closing lines.
    func fenceContentRange(_ block: MarkdownNode) -> SourceRange {
        let first = block.startLine + 1
        var last = block.endLine
        let closing = file.lineText(last).trimmingWhitespace()
        if last > block.startLine, closing.hasPrefix("```") || closing.hasPrefix("~~~") { last -= 1 }
        guard last >= first else { return .at(file.lineRange(block.startLine).end) }
        return SourceRange(start: file.lineRange(first).start, end: file.lineRange(last).end)
    }

    /// The command of a shell fence (prompts stripped) and the output printed with it. Positions in
    /// the command map back through the fence's lines (`ValueLocator` aligns them), so columns stay
    /// right behind a prompt and inside list items.
    func fenceCommand(_ block: MarkdownNode) -> (command: String?, range: SourceRange, output: String?) {
        // Asked of a fence several times (is it a command, which step, its text): split once.
        if let known = memo.fenceCommands[ObjectIdentifier(block)] { return known }
        let split = MarkdownRunbookParser.splitPrompts(block.literal ?? "", language: MarkdownRunbookParser.fenceLanguage(block.fenceInfo))
        let answer = (split.command, fenceContentRange(block), split.output)
        memo.fenceCommands[ObjectIdentifier(block)] = answer
        return answer
    }

    /// A shell fence with something to run: not a console fence that only shows output, nor one the
    /// paragraph before it introduces as output.
    func isCommandFence(_ block: MarkdownNode) -> Bool {
        isShellFence(block) && !outputFences.contains(ObjectIdentifier(block)) && fenceCommand(block).command != nil
    }

    /// Every fence whose preceding paragraph introduces it as output, at any depth (list items too).
    /// A fence with prompts is a transcript, whatever the paragraph says: its prompted lines are commands.
    static func fencesIntroducedAsOutput(_ document: MarkdownNode) -> Set<ObjectIdentifier> {
        var found = Set<ObjectIdentifier>()
        var stack = [document]
        while let node = stack.popLast() {
            for (previous, block) in zip(node.children, node.children.dropFirst())
            where block.type == .codeBlock && previous.type == .paragraph && MarkdownRunbookParser.introducesOutput(previous.plainText) {
                let text = block.literal ?? ""
                let language = MarkdownRunbookParser.fenceLanguage(block.fenceInfo)
                guard MarkdownRunbookParser.splitPrompts(text, language: language).command == text else { continue }
                found.insert(ObjectIdentifier(block))
            }
            stack.append(contentsOf: node.children)
        }
        return found
    }

    /// `{id=restart timeout=5m readonly}` after the fence's language, each value positioned on the fence line.
    func fenceAttributes(_ block: MarkdownNode) -> [FieldSyntax] {
        let lineRange = file.lineRange(block.startLine)
        let bytes = file.bytes
        guard let open = (lineRange.start..<lineRange.end).first(where: { bytes[$0] == UInt8(ascii: "{") }) else { return [] }
        let close = (open..<lineRange.end).first(where: { bytes[$0] == UInt8(ascii: "}") }) ?? lineRange.end
        var fields: [FieldSyntax] = []
        var index = open + 1
        while index < close {
            while index < close, bytes[index] == 0x20 || bytes[index] == UInt8(ascii: ",") { index += 1 }
            let keyStart = index
            while index < close, bytes[index] != 0x20, bytes[index] != UInt8(ascii: "="), bytes[index] != UInt8(ascii: ",") { index += 1 }
            guard index > keyStart else { break }
            let rawKey = file.slice(SourceRange(start: keyStart, end: index))
            let key = rawKey.isAllASCII ? String(decoding: rawKey.utf8.map { $0 == UInt8(ascii: "-") ? UInt8(ascii: "_") : $0 }, as: UTF8.self)
                : rawKey.replacingOccurrences(of: "-", with: "_")
            let keyRange = SourceRange(start: keyStart, end: index)
            if index < close, bytes[index] == UInt8(ascii: "=") {
                index += 1
                var valueStart = index
                var valueEnd: Int
                var quoted = false
                if index < close, bytes[index] == UInt8(ascii: "\"") || bytes[index] == UInt8(ascii: "'") {
                    let quote = bytes[index]
                    index += 1
                    valueStart = index
                    while index < close, bytes[index] != quote { index += 1 }
                    valueEnd = index
                    if index < close { index += 1 }
                    quoted = true
                } else {
                    while index < close, bytes[index] != 0x20, bytes[index] != UInt8(ascii: ",") { index += 1 }
                    valueEnd = index
                }
                let valueRange = SourceRange(start: valueStart, end: valueEnd)
                fields.append(field(key, keyRange, scalar(file.slice(valueRange), valueRange, .fenceAttribute(quoted: quoted), text: quoted)))
            } else {
                fields.append(field(key, keyRange, scalar("true", keyRange, .fenceAttribute(quoted: false))))
            }
        }
        return fields
    }

    /// The text of a heading, after its `#` marks.
    func headingTextRange(_ heading: MarkdownNode) -> SourceRange {
        let range = heading.range(in: file)
        var start = range.start
        let bytes = file.bytes
        while start < range.end, bytes[start] == UInt8(ascii: "#") || bytes[start] == 0x20 { start += 1 }
        let lineEnd = file.lineRange(heading.startLine).end
        return SourceRange(start: start < lineEnd ? start : range.start, end: max(start, lineEnd))
    }

    /// A paragraph's first source line as plain text (up to the first soft or hard break).
    func firstLine(_ paragraph: MarkdownNode) -> String {
        let head = paragraph.children.prefix { $0.type != .softBreak && $0.type != .lineBreak }
        return head.map(\.plainText).joined()
    }

    func firstSentence(_ text: String) -> String {
        let trimmed = text.trimmingWhitespaceAndNewlines()
        let cut = trimmed.firstIndex { $0 == "\n" } ?? trimmed.endIndex
        let line = String(trimmed[..<cut]).trimmingASCII(" :")
        return line.count > 80 ? String(line.prefix(80)) : line
    }

    /// A value the page states or implies, recorded with where it came from and whether it is text
    /// whatever it spells (the typed tree's meaning). The positioned view lint reads holds it as a
    /// scalar whose style gives the same meaning and lets `ValueLocator` align a fence line by line.
    func scalar(_ text: String, _ range: SourceRange, _ source: MarkdownValueSource, text isText: Bool = false) -> YAMLNode {
        let style: YAMLScalarStyle
        switch source {
        case .fence: style = .literal
        default: style = isText ? .doubleQuoted : .plain
        }
        let node = YAMLNode(kind: .scalar(text, style), range: range)
        origins.sources[ObjectIdentifier(node)] = (source, isText)
        return node
    }

    /// A list or mapping the page's shape builds (`**Tags**: a, b`, an escalation section).
    func collection(_ kind: YAMLNode.Kind, _ range: SourceRange, _ source: MarkdownValueSource) -> YAMLNode {
        let node = YAMLNode(kind: kind, range: range)
        origins.sources[ObjectIdentifier(node)] = (source, false)
        return node
    }

    /// A mapping key the front end writes (`output` of `expect`).
    func key(_ name: String, _ range: SourceRange) -> YAMLNode {
        YAMLNode(kind: .scalar(name, .plain), range: range)
    }

    func field(_ key: String, _ keyRange: SourceRange, _ value: YAMLNode) -> FieldSyntax {
        FieldSyntax(key: key, keyRange: keyRange, value: value)
    }
}

extension MarkdownRunbookParser {
    /// The columns of a table of steps: one whose header names a command (`Command`, `Commands`,
    /// `Cmd`, `Run`) and at least one row with a code span in it; the step's name from a column named
    /// `Step`, `Action`, `Task`, `Description` or `What`, else the first other column that is not a
    /// row number. Nil for any other table (severity levels, roles, a decision matrix).
    static func stepTableColumns(_ table: MarkdownNode) -> (command: Int, name: Int?, number: Int?)? {
        guard table.type == .table, let header = table.children.first(where: { $0.type == .tableHeader }) else { return nil }
        let titles = header.children.filter { $0.type == .tableCell }.map { cell in
            Set(cell.plainText.lowercased().split(whereSeparator: { !$0.isLetter && $0 != "#" }).map(String.init))
        }
        guard let command = titles.firstIndex(where: { !$0.isDisjoint(with: ["command", "commands", "cmd", "run"]) }) else { return nil }
        let rows = table.children.filter { $0.type == .tableRow }.map { $0.children.filter { $0.type == .tableCell } }
        guard rows.contains(where: { command < $0.count && $0[command].children.contains { $0.type == .code } }) else { return nil }
        let number = titles.indices.first { index in
            index != command && !rows.isEmpty && rows.allSatisfy { row in
                index < row.count && { let text = row[index].plainText.trimmingWhitespace().trimmingASCII("."); return !text.isEmpty && text.allSatisfy(\.isNumber) }()
            }
        }
        let named = titles.indices.first { $0 != command && $0 != number && !titles[$0].isDisjoint(with: ["step", "action", "task", "description", "what"]) }
        let name = named ?? titles.indices.first { $0 != command && $0 != number }
        return (command, name, number)
    }

    /// The last sentence of a paragraph that announces what a command printed: "Example output:",
    /// "The output looks like this:", "You should see a message along the lines of:", "…something
    /// similar to the following:". Only a sentence that ends with a colon and asks for nothing to be
    /// run: "To see it, run:" and "You can see the output by running:" introduce commands.
    static func introducesOutput(_ paragraph: String) -> Bool {
        let text = paragraph.trimmingWhitespaceAndNewlines().lowercased()
        guard text.hasSuffix(":") else { return false }
        let sentence = (text.split(whereSeparator: { $0 == "." || $0 == "!" || $0 == "?" || $0 == "\n" }).last.map(String.init) ?? text)
            .trimmingWhitespace()
        // Both announcing patterns need one of these words: without one, no expression is run.
        guard outputWords.contains(where: { sentence.containsUTF8($0) }) else { return false }
        guard !matches(asksToRun, sentence) else { return false }
        return matches(announcesOutput, sentence) || matches(describesWhatIsSeen, sentence)
    }

    /// Compiled once: `String.range(of:options: .regularExpression)` compiled its pattern on every
    /// paragraph before a fence (5 % of a 10,000-runbook check).
    static let asksToRun = try? NSRegularExpression(pattern: #"\b(?:run|running|execute|executing|type|typing|enter|paste|issue|use|using|apply|try)\b"#)
    static let announcesOutput = try? NSRegularExpression(
        pattern: #"^(?:the |an? |its )?(?:(?:example|sample|expected|typical|actual|command) )?(?:output|result|response)\b[^:]*:$"#)
    static let describesWhatIsSeen = try? NSRegularExpression(
        pattern: #"\b(?:you (?:should|will|would|may|might|can) see|should (?:see|look like|return|show|print|resemble)|similar to (?:the following|this)|along the lines of|looks? (?:something )?like (?:this|the following)|resembles? the following)\b[^:]*:$"#)
    /// The literal words `announcesOutput` and `describesWhatIsSeen` cannot match without.
    static let outputWords = ["output", "result", "response", "see", "look", "return", "show", "print", "resemble", "similar to",
                              "along the lines of"]

    /// `NSRegularExpression.escapedPattern(for:)`, which leaves letters, digits and `_` as they are.
    static func escapedPattern(_ text: String) -> String {
        let plain = text.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x7A) || $0 == 0x5F }
        return plain ? text : NSRegularExpression.escapedPattern(for: text)
    }

    static func matches(_ expression: NSRegularExpression?, _ text: String) -> Bool {
        guard let expression else { return false }
        return expression.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }
}

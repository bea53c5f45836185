// RB031: the relative links and `#anchors` of a page lead somewhere.

import Foundation
import RunbookSource
import RunbookSyntax

struct BrokenLinkRule: LintRule {
    static let description = RuleDescription(
        id: "RB031", slug: "broken-link", category: .documentation, severity: .warning, scope: .documentation,
        summary: "a relative link or `#anchor` on a page for people leads nowhere",
        rationale: """
        "See [Diagnosis](#diagnosis)" and "[restore procedure](../db/restore.md)" are where a reader \
        goes next; a link that leads nowhere costs minutes during an incident. Relative links must \
        name a file or directory of the repository (Markdown pages also without their `.md`, or as the \
        `.html` they become, as site generators link them: `../KubePodCrashLooping/`, `page.html` for \
        `page.md` or `page.html.md.erb`), and an `#anchor` a heading of the page it \
        points to — any anchor a common host generates: GitHub's and GitLab's heading slugs (repeats \
        as `-1`, `-2`), MkDocs' (`_1`, folded to ASCII), `{#id}` attributes, `id` and `name` attributes \
        of HTML elements; a `#` line inside a code fence is never a heading. Case is ignored: site generators \
        lowercase paths, and GitHub's page script lowercases a fragment before it looks for the heading \
        (`#Configuration-Options` opens `## Configuration options` there). A missing file is reported only where rbc knows the whole tree: inside a git \
        repository, whose index lists every file (so a sparse checkout is no excuse and no false \
        alarm); with `--no-git` or outside a repository, in a submodule, or past the repository's \
        root, the directory may be only part of the tree (an export, a path-filtered copy) and such \
        links are not judged. A quoted URL (`[logs]("https://…")`) is a relative path on every \
        renderer and always reported. Links with a scheme (`https:`, `mailto:`), site-root links \
        (`/docs/…`), template links (`{{< ref … >}}`) and links marked unfinished (`#TODO-url`, `(TODO)`, `#FIX`) \
        are not checked.
        """,
        triggering: [
            RuleExample("""
            ---
            severity: P3
            ---
            # Disk full

            ## Diagnosis
            Follow [the checks](↓#checks↑) first, then [the logs](↓"https://logs.example.org/app"↑).
            """, markdown: true),
        ],
        nonTriggering: [
            RuleExample("""
            ---
            severity: P3
            ---
            # Disk full

            ## Diagnosis
            See [Mitigation](#mitigation), [the README](README.md), [the docs](https://example.org/docs#x) and
            [the CLI guide](docs/linting.md#pages-for-people).

            ```sh
            # Checks
            df -h
            ```

            ## Mitigation
            Remove old logs.
            """, markdown: true),
        ])

    func check(_ context: LintContext) -> [LintFinding] {
        guard let page = context.page else { return [] }
        // Absolute, with symbolic links resolved, so that it compares with the repository's root.
        let directory = URL(fileURLWithPath: context.file.path).deletingLastPathComponent().standardizedFileURL.resolvingSymlinksInPath()
        var targetAnchors: [String: Set<String>?] = [:]
        // Each page's heading-like lines inside code, read once however many links miss it.
        var pageHeadingsInCode: [String: (text: String, line: Int)]?
        var targetHeadingsInCode: [String: [String: (text: String, line: Int)]] = [:]
        // Each page's anchors indexed once for "did you mean", however many links miss it.
        var pageSuggestions: Suggestions.Index?
        var targetSuggestions: [String: Suggestions.Index] = [:]
        var findings: [LintFinding] = []
        for link in page.links {
            guard let (path, anchor) = Self.relativeTarget(link.destination), !Self.isMarkedUnfinished(path, anchor) else { continue }
            if path.isEmpty {
                if let anchor, !page.anchors.contains(anchor.lowercased()) {
                    if pageHeadingsInCode == nil { pageHeadingsInCode = Self.headingsInCode(text: context.file.text) }
                    if let hidden = pageHeadingsInCode?[anchor.lowercased()] {
                        findings.append(LintFinding("no heading on this page has the anchor `#\(anchor)`: `\(hidden.text)` on line \(hidden.line) is inside a code block, not a heading",
                                                    at: link.range, help: Self.codeBlockHelp))
                    } else {
                        if pageSuggestions == nil { pageSuggestions = Suggestions.Index(page.anchors) }
                        findings.append(LintFinding("no heading on this page has the anchor `#\(anchor)`", at: link.range,
                                                    help: Self.anchorHelp(anchor, &pageSuggestions!)))
                    }
                }
                continue
            }
            guard let resolved = Self.resolve(path, from: directory) else {
                if path.hasPrefix("\"") || path.hasPrefix("'") {
                    findings.append(LintFinding("the link to `\(path)` is a quoted URL, which renders as a path that leads to no file",
                                                at: link.range, help: "remove the quotes around the URL: `[text](https://…)`"))
                } else if Self.isAbsentFromTheRepository(path, from: directory, tree: context.settings.repositoryTree) {
                    findings.append(LintFinding("the link to `\(path)` leads to no file of this repository", at: link.range,
                                                help: "fix the path (it is read from this page's directory) or remove the link"))
                }
                continue
            }
            guard let anchor, Self.isMarkdown(resolved) else { continue }
            if targetAnchors[resolved] == nil {
                let text = Self.readableText(resolved)
                targetAnchors[resolved] = .some(text.map { HeadingAnchors.anchors(inMarkdown: $0) })
            }
            if let anchors = targetAnchors[resolved] ?? nil, !anchors.contains(anchor.lowercased()) {
                if targetHeadingsInCode[resolved] == nil { targetHeadingsInCode[resolved] = Self.readableText(resolved).map { Self.headingsInCode(text: $0) } ?? [:] }
                if let hidden = targetHeadingsInCode[resolved]?[anchor.lowercased()] {
                    findings.append(LintFinding("`\(path)` has no heading with the anchor `#\(anchor)`: `\(hidden.text)` on its line \(hidden.line) is inside a code block, not a heading",
                                                at: link.range, help: Self.codeBlockHelp))
                } else {
                    var suggestions = targetSuggestions.removeValue(forKey: resolved) ?? Suggestions.Index(anchors)
                    findings.append(LintFinding("`\(path)` has no heading with the anchor `#\(anchor)`", at: link.range,
                                                help: Self.anchorHelp(anchor, &suggestions)))
                    targetSuggestions[resolved] = suggestions
                }
            }
        }
        return findings
    }

    /// `[the runbook](#TODO-url)`, `[dashboard](TODO)`: a link its author marked as not written yet
    /// (a page template's), which they know leads nowhere.
    static func isMarkedUnfinished(_ path: String, _ anchor: String?) -> Bool {
        let written = path.isEmpty ? anchor ?? "" : path
        let target = written.uppercased()
        func marks(_ marker: String, in text: String) -> Bool {
            text.hasPrefix(marker) && (text.dropFirst(marker.count).first.map { !$0.isLetter } ?? true)
        }
        // `FIX` and `XXX` only in capitals, as markers are written: `#fix-the-queue` is a heading's anchor.
        return ["TODO", "TBD", "FIXME"].contains { marks($0, in: target) } || ["FIX", "XXX"].contains { marks($0, in: written) }
    }

    /// The path and anchor of a link this rule checks; nil for absolute URLs, site-root paths and templates.
    static func relativeTarget(_ destination: String) -> (String, String?)? {
        let trimmed = destination.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, !trimmed.contains("{{"), !trimmed.contains("{%"), !trimmed.hasPrefix("/"),
              trimmed.range(of: #"^[A-Za-z][A-Za-z0-9+.-]*:"#, options: .regularExpression) == nil else { return nil }
        var rest = Substring(trimmed)
        var anchor: String?
        if let hash = rest.firstIndex(of: "#") {
            let fragment = String(rest[rest.index(after: hash)...])
            anchor = fragment.isEmpty ? nil : (fragment.removingPercentEncoding ?? fragment)
            rest = rest[..<hash]
        }
        if let query = rest.firstIndex(of: "?") { rest = rest[..<query] }
        let path = String(rest).removingPercentEncoding ?? String(rest)
        // `#L10` line anchors and GitHub's `#L10-L20` point into source files, not headings.
        if let candidate = anchor, candidate.range(of: #"^L\d+(?:-L\d+)?$"#, options: .regularExpression) != nil { anchor = nil }
        return (path, anchor)
    }

    /// Whether the repository's file list says no file answers the path, in any of the forms `resolve`
    /// tries. Without a file list, or for a path outside it, nothing is known: the directory on disk may
    /// be only part of the tree.
    static func isAbsentFromTheRepository(_ path: String, from directory: URL, tree: RepositoryTree?) -> Bool {
        guard let tree else { return false }
        return forms(of: path, from: directory).allSatisfy { tree.presence(of: $0) == .absent }
    }

    /// The paths a site generator would try for a link: as written, as a page without its `.md`, or a
    /// directory's index page; a link to the `.html` a page becomes names its source (`page.md`,
    /// Middleman's `page.html.md` and `page.html.md.erb`).
    static func forms(of path: String, from directory: URL) -> [String] {
        let base = directory.appendingPathComponent(path).standardizedFileURL.path
        let bare = base.hasSuffix("/") ? String(base.dropLast()) : base
        var forms = [bare, bare + ".md", bare + "/_index.md", bare + "/index.md", bare + "/README.md"]
        if bare.lowercased().hasSuffix(".html") {
            forms += [bare + ".md.erb", String(bare.dropLast(5)) + ".md"]
        }
        return forms
    }

    /// The file a relative path names, as a site generator would find it: exactly, case-insensitively,
    /// or as a page without its `.md` (`../KubePodCrashLooping/`, `../kubernetes/`).
    static func resolve(_ path: String, from directory: URL) -> String? {
        for candidate in forms(of: path, from: directory) {
            if let found = existing(candidate) { return found }
        }
        return nil
    }

    /// The path if it exists, matching each component case-insensitively when the exact one does not.
    static func existing(_ path: String) -> String? {
        let manager = FileManager.default
        if manager.fileExists(atPath: path) { return path }
        var current = "/"
        for component in path.split(separator: "/") {
            let next = (current as NSString).appendingPathComponent(String(component))
            if manager.fileExists(atPath: next) { current = next; continue }
            guard let entries = try? manager.contentsOfDirectory(atPath: current),
                  let match = entries.first(where: { $0.lowercased() == component.lowercased() }) else { return nil }
            current = (current as NSString).appendingPathComponent(match)
        }
        return current
    }

    static func isMarkdown(_ path: String) -> Bool {
        ["md", "markdown"].contains((path as NSString).pathExtension.lowercased()) || ERBTemplate.isTemplate(path)
    }

    /// A linked page's text as its reader sees it: an ERB page without its tags. Nil — its anchors
    /// not checked — for a page rbc would not read as a runbook either: larger than its input limit,
    /// not UTF-8, or no regular file (a link to `/dev/zero` was read until memory ran out, a pipe
    /// waited forever for a writer).
    static func readableText(_ path: String) -> String? {
        guard case .loaded(let file) = SourceLoader.load(path: path) else { return nil }
        let text = file.text
        return ERBTemplate.isTemplate(path) ? ERBTemplate.masked(SourceFile(path: path, text: text)).text : text
    }

    static let codeBlockHelp = "close the code block above that line: a fence left open, or closed by a shorter or indented fence, "
        + "turns the headings after it into code"

    /// Lines written as headings (`## Exemplary Playbooks`), by each anchor they would give, for an
    /// anchor the parsed page has no heading for: a fence above such a line swallowed it, and the
    /// reader sees the heading as code. Without this, "no heading has the anchor" points at a heading
    /// that is plainly there in the source. The first line giving an anchor is kept; built once per
    /// page, so a page with thousands of broken links is not split into lines again for each.
    static func headingsInCode(text: String) -> [String: (text: String, line: Int)] {
        var found: [String: (text: String, line: Int)] = [:]
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.drop { $0 == " " }
            let level = trimmed.prefix { $0 == "#" }.count
            // `# nothing` in a fence is a shell comment as often as a heading: only `##` and deeper count.
            guard (2...6).contains(level), trimmed.dropFirst(level).first == " " else { continue }
            let title = trimmed.dropFirst(level + 1).trimmingCharacters(in: .whitespaces)
            guard !title.isEmpty else { continue }
            for slug in [HeadingAnchors.slug(title), HeadingAnchors.gitLabSlug(title), HeadingAnchors.mkDocsSlug(title)] where found[slug] == nil {
                found[slug] = (String(trimmed.trimmingCharacters(in: .whitespaces)), index + 1)
            }
        }
        return found
    }

    static func anchorHelp(_ anchor: String, _ anchors: inout Suggestions.Index) -> String {
        if let close = anchors.closest(to: anchor.lowercased()) { return "did you mean `#\(close)`?" }
        return "link to a heading's anchor: its text in lower case, spaces as `-`, punctuation dropped"
    }
}

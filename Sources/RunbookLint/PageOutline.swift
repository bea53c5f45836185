// What the page-for-people rules read of a Markdown file: its headings (any level), its links, and
// the anchors it answers to. Parsed once per file, front matter blanked so it is never a heading.

import Foundation
import RunbookSource
import RunbookSyntax

public struct PageOutline: Sendable {
    public struct Heading: Sendable {
        public let level: Int
        /// The heading as rendered: code spans keep their text, emphasis and links their words.
        public let text: String
        /// The heading's text in the file, after its `#` marks.
        public let range: SourceRange
    }

    public struct Link: Sendable {
        public let destination: String
        public let range: SourceRange
        public let isImage: Bool
    }

    public let headings: [Heading]
    public let links: [Link]
    /// Fenced code blocks that run to the end of the file without a closing fence: the opening lines.
    public let unclosedFences: [SourceRange]
    /// Every `#anchor` a link into this page may name (GitHub and GitLab heading slugs, explicit ids).
    /// Worked out on first use: only a page that links into itself needs them (RB031), and slugging
    /// every heading three ways for every page was 3 % of a 10,000-runbook check.
    public var anchors: Set<String> { lazyAnchors.value }
    private let lazyAnchors: LazyAnchors
    /// Blocks of prose and code, in order, outside the front matter: what a reader sees.
    public let text: String

    public init(file: SourceFile) {
        var bytes = file.bytes
        let end = Self.frontMatterEnd(file)
        for index in 0..<end where bytes[index] != 0x0A && bytes[index] != 0x0D { bytes[index] = 0x20 }
        let text = String(decoding: bytes, as: UTF8.self)
        self.text = text
        let document = MarkdownDocument.parse(text)
        var headings: [Heading] = []
        var links: [Link] = []
        var unclosed: [SourceRange] = []
        var stack = [document]
        while let node = stack.popLast() {
            switch node.type {
            case .heading:
                let range = node.range(in: file)
                var start = range.start
                while start < range.end, file.bytes[start] == UInt8(ascii: "#") || file.bytes[start] == 0x20 { start += 1 }
                headings.append(Heading(level: node.headingLevel, text: HeadingAnchors.headingText(node),
                                        range: SourceRange(start: start, end: max(start, file.lineRange(node.startLine).end))))
            case .codeBlock where node.fenceInfo != nil:
                if let fence = Self.unclosedFence(node, in: file) { unclosed.append(fence) }
            case .link, .image:
                if let url = node.url {
                    links.append(Link(destination: url, range: Self.destinationRange(node.range(in: file), in: file), isImage: node.type == .image))
                }
            default: break
            }
            stack.append(contentsOf: node.children.reversed())
        }
        self.headings = headings.sorted { $0.range.start < $1.range.start }
        self.links = links.sorted { $0.range.start < $1.range.start }
        self.unclosedFences = unclosed.sorted { $0.start < $1.start }
        self.lazyAnchors = LazyAnchors(document)
    }

    /// Where an inline link's destination is (`[text](here)`), so a finding points at it; the
    /// whole link for reference-style links.
    static func destinationRange(_ link: SourceRange, in file: SourceFile) -> SourceRange {
        let bytes = file.bytes
        var index = link.end - 1
        guard index > link.start, index < bytes.count, bytes[index] == UInt8(ascii: ")") else { return link }
        var depth = 0
        while index > link.start {
            if bytes[index] == UInt8(ascii: ")") { depth += 1 }
            if bytes[index] == UInt8(ascii: "(") { depth -= 1; if depth == 0 { break } }
            index -= 1
        }
        guard index > link.start, bytes[index - 1] == UInt8(ascii: "]") else { return link }
        var start = index + 1
        while start < link.end - 1, bytes[start] == 0x20 || bytes[start] == UInt8(ascii: "<") { start += 1 }
        var end = start
        while end < link.end - 1, bytes[end] != 0x20, bytes[end] != UInt8(ascii: ">"), bytes[end] != 0x0A { end += 1 }
        return end > start ? SourceRange(start: start, end: end) : link
    }

    /// A fenced block is unclosed when cmark ends it at the end of the document and its last line is
    /// not a fence of the opening's kind (cmark's fenceInfo is "" for an indented block: not one).
    static func unclosedFence(_ node: MarkdownNode, in file: SourceFile) -> SourceRange? {
        let opening = file.lineText(node.startLine).trimmingWhitespace()
        guard let marker = opening.first, marker == "`" || marker == "~" else { return nil }
        let length = opening.prefix { $0 == marker }.count
        guard length >= 3 else { return nil }
        // An indented code block whose first line shows a fence (a fence indented four spaces under
        // an MkDocs `!!! note`, which cmark reads as indented code) keeps that line in its text: it
        // opens no fence, and Markdown renders it as the author's one block.
        if let literal = node.literal, String(literal.prefix { $0 != "\n" }).trimmingWhitespace() == opening { return nil }
        var last = file.lineCount
        while last > node.startLine, file.lineText(last).trimmingWhitespace().isEmpty { last -= 1 }
        guard node.endLine >= last else { return nil }
        let closing = file.lineText(node.endLine).trimmingWhitespace()
        if node.endLine > node.startLine, closing.count >= length, closing.allSatisfy({ $0 == marker }) { return nil }
        guard swallowsMarkdown(file, after: node.startLine)
              || (holdsCode(language: node.fenceInfo ?? "") && swallowsProse(file, after: node.startLine)) else { return nil }
        let line = file.lineRange(node.startLine)
        let start = line.start + (file.lineText(node.startLine).utf8.count - file.lineText(node.startLine).drop { $0 == " " }.utf8.count)
        return SourceRange(start: start, end: line.end)
    }

    /// Whether the lines a fence left open runs over hold Markdown its author meant to be rendered:
    /// another fence (the author thought this one was closed), a `##` heading, a link, a bold label.
    /// A fence whose rest is all code or output (a script pasted last, its closing line forgotten)
    /// loses nothing: the page shows what its author meant. A `# ` line is a shell comment as often as
    /// a heading, so it alone says nothing.
    static func swallowsMarkdown(_ file: SourceFile, after opening: Int) -> Bool {
        guard opening < file.lineCount else { return false }
        return (opening + 1...file.lineCount).contains { number in
            let line = file.lineText(number).drop { $0 == " " || $0 == "\t" }
            if line.hasPrefix("```") || line.hasPrefix("~~~") { return true }
            let hashes = line.prefix { $0 == "#" }.count
            if (2...6).contains(hashes), line.dropFirst(hashes).first == " ", line.dropFirst(hashes + 1).first?.isLetter == true { return true }
            if line.hasPrefix("**"), let close = line.dropFirst(2).range(of: "**"), line[line.index(line.startIndex, offsetBy: 2)..<close.lowerBound].first?.isLetter == true {
                return true
            }
            if let open = line.firstIndex(of: "["), let middle = line[open...].range(of: "]("), line[middle.upperBound...].contains(")"),
               line[line.index(after: open)..<middle.lowerBound].contains(where: \.isLetter) {
                return true
            }
            return false
        }
    }

    /// Fences whose language says they hold what a reader reads rather than code: no language, plain
    /// text, Markdown, output and transcripts (whose output is any text, sentences included).
    static let readableLanguages: Set<String> = [
        "", "text", "txt", "plain", "plaintext", "markdown", "md", "output", "log", "logs", "none", "nohighlight", "email", "mail",
        "console", "shell-session", "shellsession", "terminal",
    ]

    /// Whether a fence's language is code (shell, PowerShell, YAML, SQL…): a sentence or a numbered
    /// list inside it is not the author's code. A message template or command output in a `text` or
    /// unlabelled fence may well be sentences and lists.
    static func holdsCode(language info: String) -> Bool {
        let language = info.split(whereSeparator: { $0 == " " || $0 == "{" || $0 == "," }).first.map { String($0).lowercased() } ?? ""
        return !readableLanguages.contains(language)
    }

    /// Whether the lines a code fence left open runs over hold prose: a numbered list item
    /// (`1. Check the pods are ready.`; `1)` is as often a shell `case` pattern) or a paragraph's first line, after a blank line, that reads as
    /// a sentence (five words or more, a capitalised first word that is no `Key:` label, half of
    /// them or more in lower case, nothing but words, numbers and code spans). Commands, comments,
    /// SQL in capitals and `Get-Item -Path` never read so; indented lines (a commit message in
    /// `git log` output, a list's continuation) are not paragraphs.
    static func swallowsProse(_ file: SourceFile, after opening: Int) -> Bool {
        guard opening < file.lineCount else { return false }
        let fenceIndent = indentation(file.lineText(opening))
        var previousBlank = false
        for number in opening + 1...file.lineCount {
            let raw = file.lineText(number)
            let line = raw.trimmingWhitespace()
            defer { previousBlank = line.isEmpty }
            guard !line.isEmpty, !raw.hasPrefix("\t"), indentation(raw) <= fenceIndent + 3 else { continue }
            let digits = line.prefix { $0.isASCII && $0.isNumber }.count
            if (1...2).contains(digits), line.dropFirst(digits).first == ".",
               line.dropFirst(digits + 1).first == " " {
                let words = proseWords(String(line.dropFirst(digits + 2)))
                if let words, words.count >= 3, words[0].first?.isLetter == true { return true }
                continue
            }
            guard previousBlank, let words = proseWords(line), words.count >= 5 else { continue }
            let first = words[0]
            guard first.first?.isUppercase == true, !first.hasSuffix(":"),
                  first.count == 1 || !first.dropFirst().allSatisfy({ !$0.isLetter || $0.isUppercase }) else { continue }
            if words.filter({ $0.first?.isLowercase == true }).count * 2 >= words.count { return true }
        }
        return false
    }

    /// The words of a line of prose, code spans counted as one lower-case word; nil when any word is
    /// something else (an option, a path, a variable, an assignment, a quoted argument).
    static func proseWords(_ line: String) -> [String]? {
        var text = ""
        var inCode = false
        for character in line {
            if character == "`" {
                if !inCode { text += "code" }
                inCode.toggle()
            } else if !inCode {
                text.append(character)
            }
        }
        guard !inCode else { return nil }
        var words: [String] = []
        for token in text.split(separator: " ") {
            let leading: Set<Character> = ["(", "\"", "*", "_", "“"]
            let trailing: Set<Character> = [")", "\"", "*", "_", ".", ",", ":", ";", "!", "?", "”"]
            var word = Substring(token)
            while let first = word.first, leading.contains(first) { word = word.dropFirst() }
            let core = word.reversed().drop { trailing.contains($0) }
            guard let head = core.last, head.isLetter || head.isNumber,
                  core.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "'" || $0 == "’" || $0 == "-" }) else { return nil }
            words.append(String(word))
        }
        return words
    }

    static func indentation(_ line: String) -> Int { line.prefix { $0 == " " }.count }

    /// The byte offset after a `---` … `---` front matter block at the top, or 0.
    static func frontMatterEnd(_ file: SourceFile) -> Int {
        guard file.lineCount > 1, file.lineText(1).trimmingWhitespace() == "---" else { return 0 }
        for line in 2...file.lineCount {
            let text = file.lineText(line).trimmingWhitespace()
            if text == "---" || text == "..." { return line < file.lineCount ? file.lineRange(line + 1).start : file.bytes.count }
        }
        return 0
    }
}

/// A page's anchors, computed once when first asked for, from the document the outline parsed.
// @unchecked: `computed` is read and written only under `lock`; the document is immutable.
private final class LazyAnchors: @unchecked Sendable {
    private let lock = NSLock()
    private let document: MarkdownNode
    private var computed: Set<String>?

    init(_ document: MarkdownNode) { self.document = document }

    var value: Set<String> {
        lock.lock()
        defer { lock.unlock() }
        if let computed { return computed }
        let anchors = HeadingAnchors.anchors(in: document)
        computed = anchors
        return anchors
    }
}

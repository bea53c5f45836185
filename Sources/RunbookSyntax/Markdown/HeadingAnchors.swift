// The `#anchors` a Markdown page answers to: slugs of its headings (as GitHub and GitLab render them)
// and explicit anchors (`{#id}` attributes, `<a name>`/`id=` HTML). One place, so every link check agrees.

import Foundation
import RunbookSource

public enum HeadingAnchors {
    /// GitHub's heading slug (github-slugger): lower case; every character that is not a letter,
    /// digit, mark, space, `-` or `_` dropped; each space becomes `-` (runs are not collapsed).
    public static func slug(_ heading: String) -> String {
        var result = ""
        for scalar in heading.lowercased().unicodeScalars {
            let properties = scalar.properties
            if scalar == " " {
                result.append("-")
            } else if scalar == "-" || scalar == "_" || properties.isAlphabetic || properties.numericType != nil
                        || properties.generalCategory == .nonspacingMark || properties.generalCategory == .spacingMark {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// GitLab's variant: the same characters kept, runs of `-` collapsed and trimmed at the ends.
    public static func gitLabSlug(_ heading: String) -> String {
        let github = slug(heading.trimmingWhitespace())
        var result = ""
        for character in github where !(character == "-" && result.last == "-") { result.append(character) }
        return String(result.drop { $0 == "-" }.reversed().drop { $0 == "-" }.reversed())
    }

    /// MkDocs' slug (Python-Markdown's `toc`): folded to ASCII (`Café` → `cafe`), every character
    /// that is not a word character, space or `-` dropped, runs of spaces and `-` made one `-`.
    public static func mkDocsSlug(_ heading: String) -> String {
        // The transform (ICU) leaves ASCII as it is, and most headings are ASCII.
        let folded = heading.utf8.allSatisfy { $0 < 0x80 } ? heading : heading.applyingTransform(.stripDiacritics, reverse: false) ?? heading
        var result = ""
        for scalar in folded.lowercased().unicodeScalars where scalar.isASCII {
            let character = Character(scalar)
            if character.isLetter || character.isNumber || character == "_" {
                result.append(character)
            } else if character == " " || character == "-" || character == "\t" {
                if result.last != "-" { result.append("-") }
            }
        }
        return String(result.drop { $0 == "-" }.reversed().drop { $0 == "-" }.reversed())
    }

    /// Redcarpet's (Middleman, GOV.UK's tech-docs template): the heading as HTML, so a quote or `&`
    /// is an entity (`We're` → `We&#39;re`), every run of characters other than ASCII letters and
    /// digits one `-`: `What we're doing` → `what-we-39-re-doing`.
    public static func redcarpetSlug(_ heading: String) -> String {
        let html = heading.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "'", with: "&#39;")
            .replacingOccurrences(of: "\"", with: "&quot;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
        var result = ""
        for character in html.lowercased() {
            if character.isASCII, character.isLetter || character.isNumber {
                result.append(character)
            } else if result.last != "-" {
                result.append("-")
            }
        }
        return String(result.drop { $0 == "-" }.reversed().drop { $0 == "-" }.reversed())
    }

    /// The ways hosts and site generators turn one heading into an anchor, each with the suffix it
    /// gives a repeated heading: GitHub (and Hugo, Docusaurus) and GitLab `-1`, MkDocs `_1`;
    /// Redcarpet's differs only for a heading with a character HTML escapes.
    static func slugs(_ title: String) -> [(scheme: Int, base: String, separator: String)] {
        var gitLab = gitLabSlug(title)
        // GitLab: a heading of digits only would read as an issue reference.
        if !gitLab.isEmpty, gitLab.allSatisfy(\.isNumber) { gitLab = "anchor-" + gitLab }
        var all = [(0, slug(title), "-"), (1, gitLab, "-"), (2, mkDocsSlug(title), "_")]
        if title.contains(where: { "'\"&<>".contains($0) }) { all.append((3, redcarpetSlug(title), "-")) }
        return all
    }

    /// `:warning:`: GitHub keeps an emoji shortcode's name in the anchor, renderers that draw the
    /// emoji first drop it.
    static let shortcode = try? NSRegularExpression(pattern: #":[a-z0-9_+-]+:"#)

    /// Every anchor a link into this page may name, lower-cased. Headings come from the parsed
    /// document, so a `# comment` inside a code fence is never one. Repeated headings get `-1`,
    /// `-2`… as on GitHub and GitLab (`_1` on MkDocs). Any host's anchor counts: a link that one of
    /// them resolves is not reported.
    public static func anchors(inMarkdown text: String) -> Set<String> {
        anchors(in: MarkdownDocument.parse(text))
    }

    /// The same, from a page already parsed (`PageOutline` parses each page once).
    public static func anchors(in document: MarkdownNode) -> Set<String> {
        var result = Set<String>()
        // Per scheme, how often each base slug has been seen.
        var seen: [[String: Int]] = [[:], [:], [:], [:]]
        var stack = [document]
        var headings: [MarkdownNode] = []
        var htmlBlocks: [String] = []
        while let node = stack.popLast() {
            switch node.type {
            case .heading: headings.append(node)
            case .htmlBlock, .htmlInline: htmlBlocks.append(node.literal ?? "")
            default: break
            }
            stack.append(contentsOf: node.children.reversed())
        }
        for heading in headings.sorted(by: { ($0.startLine, $0.startColumn) < ($1.startLine, $1.startColumn) }) {
            var title = headingText(heading)
            // `## Title {#custom-id}` (Hugo, kramdown): the explicit id is the anchor. The regular
            // expression only runs on a title holding `{#`.
            if title.utf8.contains(UInt8(ascii: "{")), let explicitID,
               let match = explicitID.firstMatch(in: title, range: NSRange(title.startIndex..., in: title)),
               let range = Range(match.range, in: title) {
                let id = title[range].trimmingCharacters(in: CharacterSet(charactersIn: " {}#"))
                result.insert(id.lowercased())
                title = String(title[..<range.lowerBound])
            }
            var slugs = Self.slugs(title)
            if let shortcode, shortcode.firstMatch(in: title, range: NSRange(title.startIndex..., in: title)) != nil {
                let drawn = shortcode.stringByReplacingMatches(in: title, range: NSRange(title.startIndex..., in: title), withTemplate: "")
                slugs += Self.slugs(drawn.trimmingCharacters(in: .whitespaces))
            }
            var counted = Set<String>()
            for (scheme, base, separator) in slugs where counted.insert("\(scheme) \(base)").inserted {
                let count = seen[scheme][base, default: 0]
                seen[scheme][base] = count + 1
                result.insert(count == 0 ? base : "\(base)\(separator)\(count)")
                result.insert(base)
            }
        }
        // `<a name="x">`, and an `id` on any element (`<h2 id="x">`, `<div id="x">`): GitHub keeps
        // them (prefixed, and its page script follows the plain fragment).
        if let htmlAnchor {
            for html in htmlBlocks {
                for match in htmlAnchor.matches(in: html, range: NSRange(html.startIndex..., in: html)) {
                    if let range = Range(match.range(at: 1), in: html) { result.insert(html[range].lowercased()) }
                }
            }
        }
        return result
    }

    /// Compiled once: `String.range(of:options: .regularExpression)` compiles its pattern on every call.
    private static let explicitID = try? NSRegularExpression(pattern: #"\s*\{#([^}\s]+)\}\s*$"#)
    private static let htmlAnchor = try? NSRegularExpression(pattern: #"<[A-Za-z][A-Za-z0-9]*\s[^>]*?\b(?:name|id)\s*=\s*["']?([^"'\s>]+)"#,
                                                             options: .caseInsensitive)

    /// A heading's text as rendered: code spans keep their text, inline HTML tags are dropped.
    public static func headingText(_ node: MarkdownNode) -> String {
        var text = ""
        var stack = [node]
        while let current = stack.popLast() {
            switch current.type {
            case .text, .code: text += current.literal ?? ""
            case .softBreak, .lineBreak: text += " "
            case .htmlInline: break
            default: stack.append(contentsOf: current.children.reversed())
            }
        }
        return text.trimmingWhitespace()
    }
}

// cmark-gfm, wrapped once: the C document is owned by one object and freed when it goes; its nodes
// are copied into Swift values straight away, so nothing downstream touches C pointers.

import CCmarkGFM
import RunbookSource

/// cmark-gfm's node types: the core ones and those of the table, strikethrough and tasklist
/// extensions the parser attaches, named by `cmark_node_get_type_string` (the extensions' types
/// are registered at run time, so the string is the one stable name).
public enum MarkdownNodeType: Sendable, Equatable {
    case document, blockQuote, list, item, codeBlock, htmlBlock, customBlock, paragraph, heading, thematicBreak, footnoteDefinition
    case text, softBreak, lineBreak, code, htmlInline, customInline, emphasis, strong, link, image, footnoteReference
    case table, tableHeader, tableRow, tableCell, strikethrough
    /// A list item with a checkbox (`- [ ] …`): the tasklist extension gives it its own type.
    case taskListItem
    /// A type this list does not name (a newer cmark-gfm), by cmark's name for it.
    case other(String)

    init(cmarkName: String) {
        switch cmarkName {
        case "document": self = .document
        case "block_quote": self = .blockQuote
        case "list": self = .list
        case "item": self = .item
        case "code_block": self = .codeBlock
        case "html_block": self = .htmlBlock
        case "custom_block": self = .customBlock
        case "paragraph": self = .paragraph
        case "heading": self = .heading
        case "thematic_break": self = .thematicBreak
        case "footnote_definition": self = .footnoteDefinition
        case "text": self = .text
        case "softbreak": self = .softBreak
        case "linebreak": self = .lineBreak
        case "code": self = .code
        case "html_inline": self = .htmlInline
        case "custom_inline": self = .customInline
        case "emph": self = .emphasis
        case "strong": self = .strong
        case "link": self = .link
        case "image": self = .image
        case "footnote_reference": self = .footnoteReference
        case "table": self = .table
        case "table_header": self = .tableHeader
        case "table_row": self = .tableRow
        case "table_cell": self = .tableCell
        case "strikethrough": self = .strikethrough
        case "tasklist": self = .taskListItem
        default: self = .other(cmarkName)
        }
    }
}

/// A Markdown node as cmark-gfm parsed it, with its source position (1-based lines, byte columns).
public final class MarkdownNode: Sendable {
    public let type: MarkdownNodeType
    public let startLine: Int
    public let startColumn: Int
    public let endLine: Int
    public let endColumn: Int
    public let literal: String?
    public let fenceInfo: String?
    public let headingLevel: Int
    public let isOrderedList: Bool
    /// A link's or image's destination.
    public let url: String?
    public let children: [MarkdownNode]

    init(type: MarkdownNodeType, startLine: Int, startColumn: Int, endLine: Int, endColumn: Int, literal: String?,
         fenceInfo: String?, headingLevel: Int, isOrderedList: Bool, url: String? = nil, children: [MarkdownNode]) {
        self.type = type
        self.startLine = startLine
        self.startColumn = startColumn
        self.endLine = endLine
        self.endColumn = endColumn
        self.literal = literal
        self.fenceInfo = fenceInfo
        self.headingLevel = headingLevel
        self.isOrderedList = isOrderedList
        self.url = url
        self.children = children
    }

    /// An item of a list, a task item (`- [ ] Drain the node`, which cmark-gfm's tasklist extension
    /// types apart) included: a checklist's items are the list's items.
    public var isListItem: Bool { type == .item || type == .taskListItem }

    /// Inline content as plain text: soft breaks become spaces, code spans keep their text.
    public var plainText: String {
        switch type {
        case .text, .code, .htmlInline: return literal ?? ""
        case .softBreak: return " "
        case .lineBreak: return "\n"
        default: return children.map(\.plainText).joined()
        }
    }

    /// Byte range in `file`: cmark columns are 1-based byte columns, `endColumn` inclusive.
    public func range(in file: SourceFile) -> SourceRange {
        let start = file.lineRange(startLine).start + max(0, startColumn - 1)
        let end = file.lineRange(endLine).start + max(0, endColumn)
        return SourceRange(start: min(start, file.bytes.count), end: min(max(start, end), file.bytes.count))
    }
}

public enum MarkdownDocument {
    /// Deeper nodes are not copied: runbook structure lives near the top, and a Swift tree as deep
    /// as hostile input could make would overflow the stack when freed.
    static let maximumDepth = 24

    private static let registerExtensions: Void = { cmark_gfm_core_extensions_ensure_registered() }()

    /// Parses CommonMark + GFM tables with source positions.
    public static func parse(_ text: String) -> MarkdownNode {
        parse(bytes: Array(text.utf8))
    }

    /// Parses UTF-8 text given as bytes (the front end's masked copy of a file, without decoding it again).
    static func parse(bytes: [UInt8]) -> MarkdownNode {
        _ = registerExtensions
        guard let parser = cmark_parser_new(CMARK_OPT_SOURCEPOS) else { return empty }
        defer { cmark_parser_free(parser) }
        for name in ["table", "strikethrough", "tasklist"] where name != "table" || tablesAreAffordable(bytes) {
            if let syntaxExtension = cmark_find_syntax_extension(name) {
                cmark_parser_attach_syntax_extension(parser, syntaxExtension)
            }
        }
        bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars in
                if let base = chars.baseAddress { cmark_parser_feed(parser, base, chars.count) }
            }
        }
        guard let document = cmark_parser_finish(parser) else { return empty }
        defer { cmark_node_free(document) }
        return copy(document)
    }

    /// Whether cmark-gfm's table extension may read this text. The version Debian 12 ships
    /// (0.29.0.gfm.6) appends each cell of a row by walking the row's list (quadratic in a line's
    /// pipes) and pads every body row to the header's width: an 8 KB page with a 1,000-column header
    /// and 2,000 one-word lines took 10 s and 800 MB, 16 KB exhausted a 1 GB address space. Past these
    /// budgets the page is read without tables: their lines stay paragraphs, and no runbook construct
    /// lives in a table.
    static func tablesAreAffordable(_ bytes: [UInt8]) -> Bool {
        var pipeWork = 0
        var cells = 0
        // Columns of the delimiter rows (`|---|:--|`) seen since the last blank line: every later
        // line up to a blank one may be a body row padded to that width.
        var openColumns = 0
        var index = 0
        while index < bytes.count {
            var pipes = 0
            var blank = true
            var delimiterShape = true
            var dashes = false
            var leading = true
            // A line ends at LF, CR or CRLF, as in cmark-gfm and `SourceFile`: a page with CR-only
            // endings is as many lines to cmark as the same page with LF.
            while index < bytes.count, bytes[index] != 0x0A, bytes[index] != 0x0D {
                let byte = bytes[index]
                index += 1
                switch byte {
                case UInt8(ascii: "|"): pipes += 1; blank = false; leading = false
                case UInt8(ascii: "-"): dashes = true; blank = false; leading = false
                case UInt8(ascii: " "), UInt8(ascii: "\t"): break
                case UInt8(ascii: ">") where leading: blank = false
                case UInt8(ascii: ":"): blank = false; leading = false
                default: blank = false; delimiterShape = false; leading = false
                }
            }
            index += index + 1 < bytes.count && bytes[index] == 0x0D && bytes[index + 1] == 0x0A ? 2 : 1
            if blank {
                openColumns = 0
                continue
            }
            cells += openColumns
            pipeWork += pipes * pipes
            if delimiterShape, dashes, pipes > 0 { openColumns += pipes + 1 }
            if cells > maximumTableCells || pipeWork > maximumPipeWork { return false }
        }
        return true
    }

    /// Budgets of `tablesAreAffordable`: far beyond any table a person writes (a 50-column table of
    /// 1,000 rows), well below what makes cmark-gfm slow.
    static let maximumTableCells = 50_000
    static let maximumPipeWork = 4_000_000

    private static var empty: MarkdownNode {
        MarkdownNode(type: .document, startLine: 1, startColumn: 1, endLine: 1, endColumn: 0, literal: nil,
                     fenceInfo: nil, headingLevel: 0, isOrderedList: false, children: [])
    }

    /// Copies the C tree bottom-up with an explicit stack (no recursion).
    private static func copy(_ root: OpaquePointer) -> MarkdownNode {
        final class Frame {
            let node: OpaquePointer
            var next: OpaquePointer?
            var children: [MarkdownNode] = []
            init(_ node: OpaquePointer) {
                self.node = node
                self.next = cmark_node_first_child(node)
            }
        }
        var stack = [Frame(root)]
        while let top = stack.last {
            if let child = top.next, stack.count < maximumDepth {
                top.next = cmark_node_next(child)
                stack.append(Frame(child))
                continue
            }
            stack.removeLast()
            let made = make(top.node, children: top.children)
            guard let parent = stack.last else { return made }
            parent.children.append(made)
        }
        return empty
    }

    private static func make(_ node: OpaquePointer, children: [MarkdownNode]) -> MarkdownNode {
        let type = MarkdownNodeType(cmarkName: cmark_node_get_type_string(node).map { String(cString: $0) } ?? "unknown")
        let literal = cmark_node_get_literal(node).map { String(cString: $0) }
        let info = type == .codeBlock ? cmark_node_get_fence_info(node).map { String(cString: $0) } : nil
        return MarkdownNode(
            type: type,
            startLine: Int(cmark_node_get_start_line(node)), startColumn: Int(cmark_node_get_start_column(node)),
            endLine: Int(cmark_node_get_end_line(node)), endColumn: Int(cmark_node_get_end_column(node)),
            literal: literal, fenceInfo: info,
            headingLevel: type == .heading ? Int(cmark_node_get_heading_level(node)) : 0,
            isOrderedList: type == .list && cmark_node_get_list_type(node) == CMARK_ORDERED_LIST,
            url: type == .link || type == .image ? cmark_node_get_url(node).map { String(cString: $0) } : nil,
            children: children)
    }
}

// Markdown pages kept as ERB templates (`page.html.md.erb`, the GOV.UK tech-docs template that
// Middleman renders): what the reader sees is the Markdown around the `<% … %>` tags, so rbc reads
// the page with its tags masked, byte for byte, and never reports the Ruby inside them.

import RunbookSource

public enum ERBTemplate {
    /// Whether a path names a Markdown page kept as an ERB template (`.md.erb`, `.markdown.erb`).
    public static func isTemplate(_ path: String) -> Bool {
        let name = path.lowercased()
        return name.hasSuffix(".md.erb") || name.hasSuffix(".markdown.erb")
    }

    /// The file with every closed `<% … %>` tag replaced by spaces, its line breaks kept, so that
    /// offsets, lines and columns are the file's. An output tag on one line (`<%= warning_text('Make
    /// sure…') %>`) keeps the words of its string literals that hold a space, moved to the tag's start
    /// (left where they were they would be indented four spaces or more: a code block): the page shows
    /// them. Paths and names (`partial "nav"`) and code tags (`<% end %>`) leave nothing. A tag
    /// never closed, and `<%%` (ERB's literal `<%`), are left as text.
    public static func masked(_ file: SourceFile) -> SourceFile {
        let bytes = file.bytes
        guard bytes.count > 1 else { return file }
        var output = bytes
        var index = 0
        var changed = false
        while index + 1 < bytes.count {
            guard bytes[index] == UInt8(ascii: "<"), bytes[index + 1] == UInt8(ascii: "%") else { index += 1; continue }
            if index + 2 < bytes.count, bytes[index + 2] == UInt8(ascii: "%") { index += 3; continue }
            guard let close = closing(bytes, from: index + 2) else { break }
            let end = close + 2
            let tag = bytes[index..<end]
            let isOutput = index + 2 < bytes.count && bytes[index + 2] == UInt8(ascii: "=")
            let kept = isOutput && !tag.contains(0x0A) ? spokenText(tag) : []
            for position in index..<end where bytes[position] != 0x0A && bytes[position] != 0x0D {
                let offset = position - index
                output[position] = offset < kept.count ? kept[offset] : 0x20
            }
            changed = true
            index = end
        }
        return changed ? SourceFile(path: file.path, text: String(decoding: output, as: UTF8.self)) : file
    }

    /// The offset of the `%>` closing a tag whose body starts at `start`.
    static func closing(_ bytes: [UInt8], from start: Int) -> Int? {
        var index = start
        while index + 1 < bytes.count {
            if bytes[index] == UInt8(ascii: "%"), bytes[index + 1] == UInt8(ascii: ">") { return index }
            index += 1
        }
        return nil
    }

    /// The contents of a tag's quoted string literals that hold a space, joined by spaces: the words a
    /// helper such as `warning_text('…')` renders.
    static func spokenText(_ tag: ArraySlice<UInt8>) -> [UInt8] {
        var pieces: [[UInt8]] = []
        var quote: UInt8?
        var current: [UInt8] = []
        var index = tag.startIndex
        while index < tag.endIndex {
            let byte = tag[index]
            if let open = quote {
                if byte == UInt8(ascii: "\\"), index + 1 < tag.endIndex {
                    current.append(tag[index + 1])
                    index += 2
                    continue
                }
                if byte == open {
                    if current.contains(0x20) { pieces.append(current) }
                    current = []
                    quote = nil
                } else {
                    current.append(byte)
                }
            } else if byte == UInt8(ascii: "'") || byte == UInt8(ascii: "\"") {
                quote = byte
            }
            index += 1
        }
        return Array(pieces.joined(separator: [0x20]))
    }
}

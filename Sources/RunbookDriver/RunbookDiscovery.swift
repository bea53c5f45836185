// Finds the runbooks to check: files named explicitly are always compiled; directories are walked
// for runbook-looking files, skipping hidden and build folders.

import Foundation
import RunbookSource
import RunbookSyntax

public struct RunbookCandidate: Sendable, Hashable {
    public let path: String
    /// Named on the command line: compiled even if it does not look like a runbook.
    public let explicit: Bool
    /// The directory named on the command line that the walk found it under.
    public var walkRoot: String?
}

public enum RunbookDiscovery {
    public static let runbookExtensions: Set<String> = ["yaml", "yml", "md", "markdown"]
    static let skippedDirectories: Set<String> = ["node_modules", "vendor", "Pods"]

    public struct Result: Sendable {
        public init() {}
        public var candidates: [RunbookCandidate] = []
        public var diagnostics: [Diagnostic] = []
        /// Directories that were walked, to report one with no runbooks after sniffing.
        public var directories: [String] = []
    }

    public static func candidates(for paths: [String]) -> Result {
        var result = Result()
        var seen = Set<String>()
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                result.diagnostics.append(Diagnostic(.fileNotFound, "no such file or directory: \(path)", displayPath: path))
                continue
            }
            if !isDirectory.boolValue {
                if seen.insert(path).inserted { result.candidates.append(RunbookCandidate(path: path, explicit: true)) }
                continue
            }
            result.directories.append(path)
            var folders: [String] = []
            var unreadable: [UnreadableName] = []
            for file in walk(path, folders: &folders, unreadable: &unreadable) where seen.insert(file).inserted {
                result.candidates.append(RunbookCandidate(path: file, explicit: false, walkRoot: path))
            }
            result.diagnostics += unreadable.map(\.diagnostic)
        }
        return result
    }

    /// A directory entry whose name is not UTF-8 (a Latin-1 `caf\xE9.md` copied from an old system):
    /// rbc's paths are Unicode text, so it cannot be opened by name. Said, never skipped silently.
    /// Also a symbolic link under a name the walk reads whose target is gone (or loops): a warning
    /// naming the link, not RB0001 and exit 2 as if a path typed on the command line were wrong —
    /// a moved page leaves such links behind, and the rest of the tree is checked as usual.
    public struct UnreadableName: Sendable, Equatable {
        /// The path with each byte that is no UTF-8 written `\xE9`.
        public let shown: String
        public let isDirectory: Bool
        /// For a dangling link: where it points and why that cannot be read.
        public var danglingLink: (target: String, reason: String)?

        public init(shown: String, isDirectory: Bool, danglingLink: (target: String, reason: String)? = nil) {
            self.shown = shown
            self.isDirectory = isDirectory
            self.danglingLink = danglingLink
        }

        public static func == (lhs: Self, rhs: Self) -> Bool {
            lhs.shown == rhs.shown && lhs.isDirectory == rhs.isDirectory && lhs.danglingLink?.target == rhs.danglingLink?.target
        }

        public var diagnostic: Diagnostic {
            if let danglingLink {
                return Diagnostic(.danglingLink, "\(shown) is a symbolic link to \(danglingLink.target), which \(danglingLink.reason): it is not read",
                                  displayPath: shown, help: "point the link at the file, or remove it")
            }
            return Diagnostic(.unreadableFileName, "\(isDirectory ? "directory" : "file") name is not UTF-8: \(shown) is not read\(isDirectory ? ", nor anything in it" : "")",
                              displayPath: shown, help: "rename it to UTF-8 (for example `convmv -f latin1 -t utf-8 --notest`)")
        }
    }

    /// Files under a directory with a runbook extension, sorted for deterministic output. Hidden and
    /// build folders are skipped; links are not followed into directories (a link to a file counts).
    /// readdir's entry types spare a stat per entry (a warm check of 10,000 files is mostly this walk).
    static func walk(_ directory: String) -> [String] {
        var folders: [String] = []
        var unreadable: [UnreadableName] = []
        return walk(directory, folders: &folders, unreadable: &unreadable)
    }

    /// The same, also listing every folder read (whose entries, when they change, change the answer),
    /// and the entries whose names are not UTF-8 that would have been read (`accept`ed files, and
    /// directories that are not hidden or skipped). `accept` picks the files by name.
    static func walk(_ directory: String, folders: inout [String], unreadable: inout [UnreadableName],
                     accept: (String) -> Bool = hasRunbookExtension) -> [String] {
        let base = directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        var files: [String] = []
        var pending: [String] = [base]
        while let folder = pending.popLast() {
            folders.append(folder.isEmpty ? "/" : folder)
            guard let stream = opendir(folder.isEmpty ? "/" : folder) else { continue }
            defer { closedir(stream) }
            while let entry = readdir(stream) {
                let bytes = withUnsafeBytes(of: entry.pointee.d_name) { raw in Array(raw.prefix { $0 != 0 }) }
                guard let name = String(validating: bytes, as: UTF8.self) else {
                    // Decoded with replacement characters it would name another file (RB0001, or a
                    // directory silently not walked): say which entry was not read instead.
                    let shown = escapedName(bytes)
                    var isDirectory = Int32(entry.pointee.d_type) == Int32(DT_DIR)
                    if Int32(entry.pointee.d_type) != Int32(DT_DIR) && Int32(entry.pointee.d_type) != Int32(DT_REG) {
                        var info = stat()
                        isDirectory = fstatat(dirfd(stream), bytes.map { CChar(bitPattern: $0) } + [0], &info, 0) == 0 && info.st_mode & S_IFMT == S_IFDIR
                    }
                    let hidden = bytes.first == UInt8(ascii: ".")
                    if isDirectory ? !hidden : accept(shown) {
                        unreadable.append(UnreadableName(shown: folder == "." ? shown : folder + "/" + shown, isDirectory: isDirectory))
                    }
                    continue
                }
                if name == "." || name == ".." { continue }
                let full = folder == "." ? name : folder + "/" + name
                var isDirectory: Bool
                switch Int32(entry.pointee.d_type) {
                case Int32(DT_DIR):
                    if name.hasPrefix(".") || skippedDirectories.contains(name) { continue }
                    pending.append(full)
                    continue
                case Int32(DT_REG):
                    isDirectory = false
                default:
                    // A link (followed, as reading it does) or a file system without entry types.
                    var info = stat()
                    guard stat(full, &info) == 0 else {
                        let reason = errno
                        var own = stat()
                        if accept(name), lstat(full, &own) == 0, own.st_mode & S_IFMT == S_IFLNK {
                            unreadable.append(UnreadableName(shown: full, isDirectory: false,
                                                             danglingLink: (linkTarget(full), reason == ELOOP ? "loops back on itself" : reason == ENOENT || reason == ENOTDIR ? "does not exist" : "cannot be read (\(String(cString: strerror(reason))))")))
                            continue
                        }
                        isDirectory = false
                        break
                    }
                    isDirectory = info.st_mode & S_IFMT == S_IFDIR
                    // A pipe, device or socket (or a link to one) is no runbook, whatever its name.
                    if !isDirectory, info.st_mode & S_IFMT != S_IFREG { continue }
                    if isDirectory {
                        var own = stat()
                        // A real directory met without its type is walked; a link to one is not.
                        if lstat(full, &own) == 0, own.st_mode & S_IFMT == S_IFDIR,
                           !(name.hasPrefix(".") || skippedDirectories.contains(name)) {
                            pending.append(full)
                        }
                        continue
                    }
                }
                if !isDirectory, accept(name) { files.append(full) }
            }
        }
        return files.sorted()
    }

    /// What a symbolic link says, as written (`../gone.md`).
    static func linkTarget(_ path: String) -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink(path, &buffer, buffer.count - 1)
        guard count >= 0 else { return "?" }
        return escapedName(buffer[0..<count].map { UInt8(bitPattern: $0) })
    }

    /// A name's bytes as text: UTF-8 sequences as they are, every other byte as `\xHH`.
    static func escapedName(_ bytes: [UInt8]) -> String {
        var shown = ""
        var index = 0
        while index < bytes.count {
            let lead = bytes[index]
            let length = lead < 0x80 ? 1 : lead >> 5 == 0b110 ? 2 : lead >> 4 == 0b1110 ? 3 : lead >> 3 == 0b11110 ? 4 : 0
            if length > 0, index + length <= bytes.count, let scalar = String(validating: bytes[index..<(index + length)], as: UTF8.self) {
                shown += scalar
                index += length
            } else {
                // Only bytes of 0x80 and above fail to decode: always two digits.
                shown += "\\x" + String(lead, radix: 16, uppercase: true)
                index += 1
            }
        }
        return TerminalText.visible(shown, keepingLineBreaks: false)
    }

    /// `runbookExtensions` holds the name's extension (in any case), or the name is a Markdown page
    /// kept as an ERB template (`.html.md.erb`).
    static func hasRunbookExtension(_ name: String) -> Bool {
        if name.utf8.count > 4, name.utf8.suffix(4).map({ $0 | 0x20 }) == Array(".erb".utf8) { return ERBTemplate.isTemplate(name) }
        guard let dot = name.utf8.lastIndex(of: UInt8(ascii: ".")), name.utf8.distance(from: dot, to: name.utf8.endIndex) <= 9 else { return false }
        // A dot after the name's first byte followed by ASCII letters only is the extension exactly as
        // NSString reads it, and is decided here (a walk meets thousands); anything else asks NSString.
        let utf8 = name.utf8
        let letters = utf8[utf8.index(after: dot)...]
        if dot != utf8.startIndex, !letters.isEmpty, letters.allSatisfy({ ($0 | 0x20) >= UInt8(ascii: "a") && ($0 | 0x20) <= UInt8(ascii: "z") }) {
            return runbookExtensions.contains(String(decoding: letters.map { $0 | 0x20 }, as: UTF8.self))
        }
        return runbookExtensions.contains((name as NSString).pathExtension.lowercased())
    }

    /// Whether a file found by walking is a runbook: for YAML a top-level `runbook:` key holding a
    /// mapping (or a flow collection: a broken runbook is still reported); for Markdown
    /// front matter naming `severity` or `runbook`, or a steps-like `##` section.
    public static func looksLikeRunbook(_ file: SourceFile) -> Bool {
        Compiler.isMarkdown(file.path) ? looksLikeMarkdownRunbook(file) : looksLikeYAMLRunbook(file)
    }


    static func looksLikeMarkdownRunbook(_ file: SourceFile) -> Bool {
        var inFrontMatter = false
        // The fence a code block was opened with (```` ``` ````, `~~~~`): a `## Steps` shown inside one
        // (a page about writing runbooks) is no section of the page.
        var fence: Substring?
        var previous = ""
        for line in 1...max(1, file.lineCount) {
            let text = file.lineText(line)
            defer { previous = text }
            if line == 1, text.trimmingCharacters(in: .whitespaces) == "---" {
                inFrontMatter = true
                continue
            }
            if inFrontMatter {
                if text.trimmingCharacters(in: .whitespaces) == "---" {
                    inFrontMatter = false
                } else if text.hasPrefix("severity:") || text.hasPrefix("runbook:") {
                    return true
                }
                continue
            }
            let indent = text.prefix { $0 == " " }.count
            let body = text.dropFirst(min(indent, 3))
            if let open = fence {
                if indent < 4, body.hasPrefix(open), body.drop(while: { $0 == open.first }).allSatisfy(\.isWhitespace) { fence = nil }
                continue
            }
            if indent < 4, body.hasPrefix("```") || body.hasPrefix("~~~") {
                fence = body.prefix { $0 == body.first }
                continue
            }
            let heading: String
            if indent < 4, body.hasPrefix("## ") || body.hasPrefix("##\t") {
                heading = String(body.dropFirst(3))
            } else if indent < 4, !body.isEmpty, body.allSatisfy({ $0 == "-" || $0 == " " || $0 == "\t" }), body.first == "-",
                      !body.contains(" -"), Self.isSetextText(previous) {
                // `Mitigation` above a line of `-`: a level-2 heading written the setext way.
                heading = previous
            } else {
                continue
            }
            // The same words that make a section hold steps when the page is compiled.
            switch MarkdownRunbookParser.sectionKind(heading.trimmingCharacters(in: CharacterSet(charactersIn: " #\t"))) {
            case .steps, .readOnlySteps, .rollback, .commonIssues, .emergencyProcedures: return true
            case .description, .escalation, .documentation: continue
            }
        }
        return false
    }

    /// A line a setext underline makes a heading: a paragraph's text, not a list item, quote, table
    /// row, heading or indented code (above which `---` is a rule or part of something else).
    static func isSetextText(_ line: String) -> Bool {
        let indent = line.prefix { $0 == " " }.count
        guard indent < 4 else { return false }
        let text = line.dropFirst(indent)
        guard let first = text.first, !text.allSatisfy(\.isWhitespace) else { return false }
        if "-*+>#|<`~=".contains(first) { return false }
        if first.isNumber, let mark = text.drop(while: \.isNumber).first, mark == "." || mark == ")" { return false }
        return true
    }

    /// Whether the value after a top-level `runbook:` can be a mapping: nothing (the mapping follows,
    /// indented), a comment, a flow collection (a mistyped runbook is still checked), an anchor, a tag or an alias. Other tools' files say
    /// `runbook: page.md` (a scalar naming their runbook): those are not runbooks.
    static func opensMapping(_ bytes: [UInt8], after colon: Int) -> Bool {
        var index = colon
        while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x09 { index += 1 }
        guard index < bytes.count else { return true }
        switch bytes[index] {
        case 0x0A, 0x0D, UInt8(ascii: "#"), UInt8(ascii: "{"), UInt8(ascii: "["), UInt8(ascii: "&"), UInt8(ascii: "!"), UInt8(ascii: "*"): return true
        default: return false
        }
    }

    static func looksLikeYAMLRunbook(_ file: SourceFile) -> Bool {
        let bytes = file.bytes
        let key = Array("runbook".utf8)
        var lineStart = 0
        while lineStart < bytes.count {
            if bytes.count - lineStart > key.count, Array(bytes[lineStart..<lineStart + key.count]) == key {
                var index = lineStart + key.count
                while index < bytes.count, bytes[index] == 0x20 { index += 1 }
                if index < bytes.count, bytes[index] == UInt8(ascii: ":"), opensMapping(bytes, after: index + 1) { return true }
            }
            guard let newline = bytes[lineStart...].firstIndex(of: 0x0A) else { break }
            lineStart = newline + 1
        }
        return false
    }
}

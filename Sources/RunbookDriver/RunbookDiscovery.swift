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
            for file in walk(path) where seen.insert(file).inserted {
                result.candidates.append(RunbookCandidate(path: file, explicit: false, walkRoot: path))
            }
        }
        return result
    }

    /// Files under a directory with a runbook extension, sorted for deterministic output.
    static func walk(_ directory: String) -> [String] {
        let base = directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        guard let enumerator = FileManager.default.enumerator(atPath: base) else { return [] }
        var files: [String] = []
        while let relative = enumerator.nextObject() as? String {
            let name = (relative as NSString).lastPathComponent
            let full = base == "." ? relative : base + "/" + relative
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory), isDirectory.boolValue {
                if name.hasPrefix(".") || skippedDirectories.contains(name) { enumerator.skipDescendants() }
                continue
            }
            if runbookExtensions.contains((name as NSString).pathExtension.lowercased()) { files.append(full) }
        }
        return files.sorted()
    }

    /// Whether a file found by walking is a runbook: for YAML a top-level `runbook:` key; for Markdown
    /// front matter naming `severity` or `runbook`, or a steps-like `##` section.
    public static func looksLikeRunbook(_ file: SourceFile) -> Bool {
        Compiler.isMarkdown(file.path) ? looksLikeMarkdownRunbook(file) : looksLikeYAMLRunbook(file)
    }


    static func looksLikeMarkdownRunbook(_ file: SourceFile) -> Bool {
        var inFrontMatter = false
        for line in 1...max(1, file.lineCount) {
            let text = file.lineText(line)
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
            guard text.hasPrefix("## ") else { continue }
            // The same words that make a section hold steps when the page is compiled.
            switch MarkdownRunbookParser.sectionKind(String(text.dropFirst(3)).trimmingCharacters(in: CharacterSet(charactersIn: " #"))) {
            case .steps, .readOnlySteps, .rollback, .commonIssues, .emergencyProcedures: return true
            case .description, .escalation, .documentation: continue
            }
        }
        return false
    }

    static func looksLikeYAMLRunbook(_ file: SourceFile) -> Bool {
        let bytes = file.bytes
        let key = Array("runbook".utf8)
        var lineStart = 0
        while lineStart < bytes.count {
            if bytes.count - lineStart > key.count, Array(bytes[lineStart..<lineStart + key.count]) == key {
                var index = lineStart + key.count
                while index < bytes.count, bytes[index] == 0x20 { index += 1 }
                if index < bytes.count, bytes[index] == UInt8(ascii: ":") { return true }
            }
            guard let newline = bytes[lineStart...].firstIndex(of: 0x0A) else { break }
            lineStart = newline + 1
        }
        return false
    }
}

// `.rbc.yaml`, found by walking up from the working directory: which files a directory walk skips.
// (Rule settings and budgets arrive with the linter; unknown keys are reported against the file.)

import Foundation
import RunbookSource
import RunbookSyntax

public struct Configuration: Sendable {
    public static let fileName = ".rbc.yaml"
    public static let keys = ["exclude"]

    /// The directory globs are relative to: the config file's, or the working directory's.
    public let directory: String
    public let file: String?
    private let excludes: [NSRegularExpression]

    public static let empty = Configuration(directory: FileManager.default.currentDirectoryPath, file: nil, excludes: [])

    init(directory: String, file: String?, excludes: [NSRegularExpression]) {
        self.directory = directory
        self.file = file
        self.excludes = excludes
    }

    /// The nearest `.rbc.yaml` at or above `start`, parsed; diagnostics point into it.
    public static func discover(from start: String = FileManager.default.currentDirectoryPath) -> (Configuration, [Diagnostic]) {
        var directory = URL(fileURLWithPath: start).standardizedFileURL
        while true {
            let candidate = directory.appendingPathComponent(fileName).path
            if FileManager.default.fileExists(atPath: candidate) {
                return load(path: candidate, directory: directory.path)
            }
            let parent = directory.deletingLastPathComponent()
            if parent.path == directory.path { break }
            directory = parent
        }
        return (Configuration(directory: URL(fileURLWithPath: start).standardizedFileURL.path, file: nil, excludes: []), [])
    }

    static func load(path: String, directory: String) -> (Configuration, [Diagnostic]) {
        let file: SourceFile
        switch SourceLoader.load(path: path) {
        case .failed(let diagnostic): return (Configuration(directory: directory, file: path, excludes: []), [diagnostic])
        case .loaded(let loaded): file = loaded
        }
        let document = YAMLReader.read(file)
        var bag = DiagnosticBag(file: file)
        bag.append(contentsOf: document.diagnostics)
        var excludes: [NSRegularExpression] = []
        if let root = document.root, root.scalarKind != .null {
            if let mapping = RunbookParser.mapping(root, bag: &bag) {
                for field in mapping.fields where !keys.contains(field.key) {
                    bag.report(.unknownKey, "unknown key `\(field.key)` in \(fileName)", at: field.keyRange,
                               help: Suggestions.closest(to: field.key, in: keys).map { "did you mean `\($0)`?" } ?? "valid keys: \(keys.joined(separator: ", "))")
                }
                if let field = mapping["exclude"] {
                    if let items = field.value.sequenceItems {
                        for item in items {
                            guard let glob = item.scalarValue, let regex = globRegex(glob) else {
                                bag.report(.typeMismatch, "an `exclude` entry must be a glob string, found \(item.kindDescription)", at: item.range)
                                continue
                            }
                            excludes.append(regex)
                        }
                    } else {
                        bag.report(.typeMismatch, "`exclude` must be a list of globs, found \(field.value.kindDescription)", at: field.value.range,
                                   help: "write `exclude: [\"examples/broken/**\"]`")
                    }
                }
            } else {
                bag.report(.typeMismatch, "\(fileName) must be a mapping, found \(root.kindDescription)", at: root.range)
            }
        }
        return (Configuration(directory: directory, file: path, excludes: excludes), bag.diagnostics)
    }

    /// Whether a path found by walking a directory is excluded. Globs match paths relative to `directory`:
    /// `*` and `?` stay within one path segment, `**` crosses segments.
    public func isExcluded(_ path: String) -> Bool {
        guard !excludes.isEmpty else { return false }
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        let prefix = directory.hasSuffix("/") ? directory : directory + "/"
        guard absolute.hasPrefix(prefix) else { return false }
        let relative = String(absolute.dropFirst(prefix.count))
        let range = NSRange(relative.startIndex..., in: relative)
        return excludes.contains { $0.firstMatch(in: relative, range: range) != nil }
    }

    static func globRegex(_ glob: String) -> NSRegularExpression? {
        var pattern = "^"
        var characters = Array(glob)
        if characters.first == "/" { characters.removeFirst() }
        var index = 0
        while index < characters.count {
            let character = characters[index]
            if character == "*" {
                if index + 1 < characters.count, characters[index + 1] == "*" {
                    // `**/` matches zero or more directories; a trailing `**` matches everything below.
                    if index + 2 < characters.count, characters[index + 2] == "/" {
                        pattern += "(?:.*/)?"
                        index += 3
                    } else {
                        pattern += ".*"
                        index += 2
                    }
                    continue
                }
                pattern += "[^/]*"
            } else if character == "?" {
                pattern += "[^/]"
            } else {
                pattern += NSRegularExpression.escapedPattern(for: String(character))
            }
            index += 1
        }
        return try? NSRegularExpression(pattern: pattern + "$")
    }
}

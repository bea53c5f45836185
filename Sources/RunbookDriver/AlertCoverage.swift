// Alert ↔ runbook coverage: every alerting rule links a runbook, every link that points into this
// repository resolves (anchor included), and every runbook trigger names an alert that exists.

import Foundation
import RunbookLint
import RunbookSource
import RunbookSyntax

/// A published runbook site mapped back to the directory it is built from.
public struct RunbookURLMapping: Sendable {
    public let baseURL: String
    /// Absolute path of the directory.
    public let directory: String

    public init(baseURL: String, directory: String) {
        self.baseURL = baseURL
        self.directory = directory
    }
}

public enum AlertCoverage {
    struct AlertRule {
        let name: String
        let file: SourceFile
        let nameRange: SourceRange
        let url: String?
        let urlRange: SourceRange?
    }

    public static func run(alertPaths: [String], runbooks: [CompilationResult], mappings: [RunbookURLMapping],
                           lint: LintConfiguration) -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        var alerts: [AlertRule] = []
        for path in alertFiles(alertPaths, diagnostics: &diagnostics) {
            switch SourceLoader.load(path: path) {
            case .failed(let diagnostic): diagnostics.append(diagnostic)
            case .loaded(let file): alerts += read(file, diagnostics: &diagnostics)
            }
        }
        for alert in alerts {
            guard let url = alert.url, let urlRange = alert.urlRange else {
                diagnostics.append(Diagnostic(RuleRegistry.alertWithoutRunbook, "alert `\(alert.name)` has no `runbook_url` annotation",
                                              file: alert.file, range: alert.nameRange,
                                              help: "add `annotations: {runbook_url: …}` linking the runbook for this alert"))
                continue
            }
            if let problem = resolve(url, from: alert.file.path, mappings: mappings) {
                diagnostics.append(Diagnostic(RuleRegistry.deadRunbookLink, "runbook_url of alert `\(alert.name)` is dead: \(problem)",
                                              file: alert.file, range: urlRange, help: "write the runbook, or fix the link"))
            }
        }
        let names = Set(alerts.map(\.name))
        for result in runbooks {
            guard let ir = result.ir, let file = result.file else { continue }
            for trigger in ir.runbook.triggers {
                guard let alert = trigger.alert, !names.contains(alert) else { continue }
                // The trigger's location is its mapping; the name itself follows within it.
                let range = trigger.location.map { location -> SourceRange in
                    let start = file.offset(line: location.line, column: location.column)
                    let window = file.slice(SourceRange(start: start, end: min(file.bytes.count, start + 400)))
                    guard let found = window.range(of: alert) else { return .at(start) }
                    let offset = start + window.utf8.distance(from: window.startIndex, to: found.lowerBound)
                    return SourceRange(start: offset, end: offset + alert.utf8.count)
                }
                diagnostics.append(Diagnostic(RuleRegistry.unknownTriggerAlert, "trigger names alert `\(alert)`, which no alerting rule defines",
                                              file: file, range: range,
                                              help: Suggestions.closest(to: alert, in: names).map { "did you mean `\($0)`?" } ?? "was the alert renamed or removed?"))
            }
        }
        return Linter.configure(diagnostics, configuration: lint)
    }

    static func alertFiles(_ paths: [String], diagnostics: inout [Diagnostic]) -> [String] {
        var files: [String] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                diagnostics.append(Diagnostic(.fileNotFound, "no such alert rule file or directory: \(path)", displayPath: path))
                continue
            }
            files += isDirectory.boolValue ? RunbookDiscovery.walk(path).filter { !Compiler.isMarkdown($0) } : [path]
        }
        return files
    }

    /// Alerting rules of a plain rule file (`groups:`) or of `PrometheusRule` objects, in every document.
    static func read(_ file: SourceFile, diagnostics: inout [Diagnostic]) -> [AlertRule] {
        let document = YAMLReader.readAll(file)
        diagnostics += document.diagnostics
        var rules: [AlertRule] = []
        for root in document.roots {
            guard root.mappingPairs != nil else { continue }
            func value(_ node: YAMLNode?, _ key: String) -> YAMLNode? {
                node?.mappingPairs?.first { $0.key.scalarValue == key }?.value
            }
            let groups = value(root, "groups") ?? (value(root, "kind")?.scalarValue == "PrometheusRule" ? value(value(root, "spec"), "groups") : nil)
            for group in groups?.sequenceItems ?? [] {
                for rule in value(group, "rules")?.sequenceItems ?? [] {
                    guard let alert = value(rule, "alert"), let name = alert.scalarValue else { continue }
                    let url = value(value(rule, "annotations"), "runbook_url")
                    rules.append(AlertRule(name: name, file: file, nameRange: alert.range, url: url?.scalarValue, urlRange: url?.range))
                }
            }
        }
        return rules
    }

    /// Nil when the link resolves (or points outside this repository), else what is wrong with it.
    static func resolve(_ url: String, from alertFile: String, mappings: [RunbookURLMapping]) -> String? {
        var target = url
        var anchor: String?
        if let hash = target.firstIndex(of: "#") {
            anchor = String(target[target.index(after: hash)...])
            target = String(target[..<hash])
        }
        if let query = target.firstIndex(of: "?") { target = String(target[..<query]) }
        let directory: String
        let relative: String
        if target.contains("://") {
            guard let mapping = mappings.first(where: { target.hasPrefix($0.baseURL) }) else { return nil }
            directory = mapping.directory
            relative = String(target.dropFirst(mapping.baseURL.count))
        } else {
            // A relative link is a path from the rule file's directory (`../runbooks/x.md`).
            let base = (alertFile as NSString).deletingLastPathComponent
            let absolute = URL(fileURLWithPath: base.isEmpty ? "." : base).appendingPathComponent(target).standardizedFileURL.path
            directory = (absolute as NSString).deletingLastPathComponent
            relative = (absolute as NSString).lastPathComponent
        }
        guard let file = findRunbook(directory: directory, relative: relative) else {
            return "no runbook at \(relative.isEmpty ? "/" : relative) under \(directory)"
        }
        if let anchor, !anchor.isEmpty, !anchors(in: file).contains(anchor.lowercased()) {
            return "\(file) has no section `#\(anchor)`"
        }
        return nil
    }

    /// The file a page path names: `a/b`, `a/b.md`, `a/b/_index.md`…, matched case-insensitively
    /// because site generators lowercase page paths.
    static func findRunbook(directory: String, relative: String) -> String? {
        let components = relative.split(separator: "/").map(String.init).filter { !$0.isEmpty && $0 != "." }
        var current = directory
        for (index, component) in components.enumerated() {
            let last = index == components.count - 1
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: current)) ?? []
            if last {
                let lower = component.lowercased()
                let names = [lower, lower + ".md", lower + ".markdown", lower + ".yaml", lower + ".yml"]
                if let name = entries.first(where: { names.contains($0.lowercased()) }) {
                    let path = current + "/" + name
                    var isDirectory: ObjCBool = false
                    FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
                    if !isDirectory.boolValue { return path }
                    current = path
                    break
                }
                return nil
            }
            guard let name = entries.first(where: { $0.lowercased() == component.lowercased() }) else { return nil }
            current += "/" + name
        }
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: current)) ?? []
        return ["_index.md", "index.md", "readme.md"].compactMap { index in entries.first { $0.lowercased() == index } }.first.map { current + "/" + $0 }
    }

    /// Heading slugs (GitHub style) and step ids a link's `#anchor` may name.
    static func anchors(in path: String) -> Set<String> {
        guard case .loaded(let file) = SourceLoader.load(path: path) else { return [] }
        var result = Set<String>()
        for line in 1...max(1, file.lineCount) {
            let text = file.lineText(line)
            if text.hasPrefix("#") {
                let heading = text.drop { $0 == "#" }.trimmingCharacters(in: .whitespaces)
                result.insert(slug(heading))
            }
            if let range = text.range(of: #"^\s*-?\s*id:\s*"?([A-Za-z0-9_.-]+)"?"#, options: .regularExpression) {
                let id = text[range].replacingOccurrences(of: #"^\s*-?\s*id:\s*"?"#, with: "", options: .regularExpression)
                    .replacingOccurrences(of: "\"", with: "")
                result.insert(id.lowercased())
            }
        }
        return result
    }

    /// GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens.
    static func slug(_ heading: String) -> String {
        String(heading.lowercased().compactMap { character -> Character? in
            if character.isLetter || character.isNumber || character == "-" || character == "_" { return character }
            if character == " " { return "-" }
            return nil
        })
    }
}

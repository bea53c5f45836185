// What a step's output tells later steps: `expect.output` matches, and the values it publishes
// (`outputs:` a regex's first group, a JSON path, or the trimmed text).

import Foundation
import RunbookSema

extension Executor {
    static func matches(_ pattern: String, _ text: String) -> Bool {
        guard let regex = try? NSRegularExpression(pattern: pattern) else { return false }
        return regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }

    /// Values a step publishes: a regex's first group (or whole match), or a JSON path.
    static func outputs(_ declarations: [OutputIR], stdout: String, stderr: String, body: String?) -> [String: String] {
        var values: [String: String] = [:]
        for output in declarations {
            let source = output.from == "stderr" ? stderr : output.from == "body" ? (body ?? "") : stdout
            if let pattern = output.pattern, let regex = try? NSRegularExpression(pattern: pattern, options: [.anchorsMatchLines]),
               let match = regex.firstMatch(in: source, range: NSRange(source.startIndex..., in: source)) {
                let range = match.numberOfRanges > 1 ? match.range(at: 1) : match.range
                values[output.name] = Range(range, in: source).map { String(source[$0]) } ?? ""
            } else if let path = output.json, let data = source.data(using: .utf8), let object = try? JSONSerialization.jsonObject(with: data) {
                values[output.name] = jsonPath(path, object).map { ConfigStore.jsonValue($0) }.map { RuntimeValue.from($0).text } ?? ""
            } else if output.pattern == nil && output.json == nil {
                values[output.name] = source.trimmingCharacters(in: .whitespacesAndNewlines)
            } else {
                values[output.name] = ""
            }
        }
        return values
    }

    static func jsonPath(_ path: String, _ object: Any) -> Any? {
        var current: Any? = object
        var rest = Substring(path.dropFirst())
        while !rest.isEmpty, let value = current {
            if rest.hasPrefix(".") {
                rest = rest.dropFirst()
                let name = rest.prefix { $0 != "." && $0 != "[" }
                rest = rest.dropFirst(name.count)
                current = (value as? [String: Any])?[String(name)]
            } else if rest.hasPrefix("[") {
                let number = rest.dropFirst().prefix { $0 != "]" }
                rest = rest.dropFirst(number.count + 2)
                guard let index = Int(number), let array = value as? [Any], index < array.count else { return nil }
                current = array[index]
            } else {
                return nil
            }
        }
        return current
    }
}

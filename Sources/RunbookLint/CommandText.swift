// What a command's text is before any shell reading of it: placeholders a reader fills in
// (`<node>`, `$NAMESPACE`), and text in a shell fence that is not shell at all (PromQL, logs,
// YAML/JSON, SQL, prose). Judged by content, conservatively: when unsure, it is shell.

import Foundation

public enum CommandText {
    /// What a shell fence or `command` holds.
    public enum Content: String, Sendable {
        case shell
        case query = "a PromQL or LogQL query"
        case log = "log or command output"
        case json = "JSON"
        case yaml = "YAML"
        case sql = "SQL"
        case prose
        /// A fence opener inside the text: the fence before it was never closed and swallowed what
        /// follows (RB033 says so); checking the swallowed page as a script only adds noise.
        case swallowedMarkdown = "Markdown swallowed by an unclosed fence"
    }

    /// A placeholder a reader replaces by hand: `<pod-name>`, `[POD_NAME]` or an upper-case `$NAMESPACE` / `${NAMESPACE}`.
    public struct Placeholder: Sendable, Equatable {
        public enum Kind: Sendable { case angle, bracket, variable }
        public let kind: Kind
        /// `pod-name`, `NAMESPACE`.
        public let name: String
        /// Byte range in the text, brackets and `$` included.
        public let range: Range<Int>
    }

    // MARK: - Placeholders

    /// `<pod-name>`, `<node>`: not after another `<` (heredoc) and not `<(` (process substitution).
    /// Words inside are allowed (`<value of instance label from alert>`), but not a space before `>`
    /// (`sort <in >out` is two redirections).
    static let anglePattern = #"(?<![<\w])<([A-Za-z](?:[A-Za-z0-9_.:/ -]*[A-Za-z0-9_])?)>"#
    static let angle = try? NSRegularExpression(pattern: anglePattern)
    /// Spellings no shell could run, so placeholders too, when the `>` ends the word: glued to a word
    /// (`v<version>`, a redirection from a file named `version>` otherwise), a path
    /// (`</path/to/file>`), words with a remark in parentheses (`<repository name(usually the release)>`).
    /// `cat<in >out`, `<(cmd)` and `<<EOF` are not matched.
    static let wordAngle = try? NSRegularExpression(
        pattern: #"(?<!<)<([A-Za-z/.](?:[A-Za-z0-9_.:/ ()-]*[A-Za-z0-9_)])?)>(?=[\s"'|;)&]|$)"#)
    static let variable = try? NSRegularExpression(pattern: #"\$(?:\{([A-Z][A-Z0-9_]*)\}|([A-Z][A-Z0-9_]*)\b)"#)

    /// `[PORT]`, `[HOST|IP]`, `[NAMESPACE_NAME]`, `[pod-name]`, `[...]`: the square-bracket spelling of a
    /// placeholder, and of text left out. Not a glob's character class: upper-case words of two letters
    /// or more, lower-case ones joined by `-` or `_` (so `[A-Z]`, `[a-z0-9]`, `[abc]` stay classes), not
    /// inside `[[ ]]`, `[[:space:]]` or an array index (`${pods[IDX]}`, `arr[KEY]=`).
    static let bracket = try? NSRegularExpression(
        pattern: #"(?<![\[\w$])\[(\.\.\.|[A-Z][A-Z0-9]+(?:[_|-][A-Z0-9]+)*|[a-z][a-z0-9]+(?:[_-][a-z0-9]+)+)\](?!\])"#)

    /// Every `[PLACEHOLDER]` in the text.
    public static func bracketPlaceholders(_ text: String) -> [Placeholder] {
        guard text.utf8.contains(UInt8(ascii: "[")) else { return [] }
        return matches(bracket, in: text).compactMap { match, groups in
            guard let name = groups[1] else { return nil }
            return Placeholder(kind: .bracket, name: name, range: match)
        }
    }

    /// Every `<placeholder>` in the text.
    public static func anglePlaceholders(_ text: String) -> [Placeholder] {
        guard text.utf8.contains(UInt8(ascii: "<")) else { return [] }
        let plain = matches(angle, in: text).compactMap { match, groups -> Placeholder? in
            guard let name = groups[1] else { return nil }
            return Placeholder(kind: .angle, name: name, range: match)
        }
        let glued = matches(wordAngle, in: text).compactMap { match, groups -> Placeholder? in
            guard let name = groups[1], name.contains(where: \.isLetter), !plain.contains(where: { $0.range.overlaps(match) }),
                  name.filter({ $0 == "(" }).count == name.filter({ $0 == ")" }).count else { return nil }
            return Placeholder(kind: .angle, name: name, range: match)
        }
        return (plain + glued).sorted { $0.range.lowerBound < $1.range.lowerBound }
    }

    /// Every upper-case variable the text reads but does not set itself (`NAME=`, `export NAME`,
    /// `read NAME`, `for NAME in`), in the order they appear.
    /// A `$NAME` inside single quotes is not the shell's: it is text for another program
    /// (`awk '{print $NF}'`, `sh -c 'echo $HOSTNAME'` in a pod), never something to set first.
    public static func unsetVariables(_ text: String) -> [Placeholder] {
        let assigned = assignedNames(text)
        let found = matches(variable, in: text)
        let quoted = found.isEmpty || !text.utf8.contains(UInt8(ascii: "'")) ? [] : singleQuoted(Array(text.utf8))
        return found.compactMap { match, groups in
            guard let name = groups[1] ?? groups[2], !assigned.contains(name),
                  !quoted.contains(where: { $0.contains(match.lowerBound) }) else { return nil }
            return Placeholder(kind: .variable, name: name, range: match)
        }
    }

    /// Byte ranges of single-quoted text (`'…'` and `$'…'`) as the shell reads it: a `'` inside
    /// double quotes or a comment, or escaped by `\`, opens nothing. Linear in the text.
    static func singleQuoted(_ bytes: [UInt8]) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var index = 0
        var inDouble = false
        var wordStart = true
        while index < bytes.count {
            let byte = bytes[index]
            if inDouble {
                if byte == UInt8(ascii: "\\") { index += 2; continue }
                if byte == UInt8(ascii: "\"") { inDouble = false }
                index += 1
                continue
            }
            switch byte {
            case UInt8(ascii: "\\"):
                index += 2
                wordStart = false
                continue
            case UInt8(ascii: "\""):
                inDouble = true
            case UInt8(ascii: "#") where wordStart:
                while index < bytes.count, bytes[index] != 0x0A { index += 1 }
                continue
            case UInt8(ascii: "'"):
                let ansi = index > 0 && bytes[index - 1] == UInt8(ascii: "$")
                var end = index + 1
                while end < bytes.count, bytes[end] != UInt8(ascii: "'") { end += ansi && bytes[end] == UInt8(ascii: "\\") ? 2 : 1 }
                ranges.append(index..<min(end + 1, bytes.count))
                index = end + 1
                wordStart = false
                continue
            default:
                break
            }
            wordStart = byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == UInt8(ascii: ";") || byte == UInt8(ascii: "|")
                || byte == UInt8(ascii: "&") || byte == UInt8(ascii: "(")
            index += 1
        }
        return ranges
    }

    /// Byte ranges of the shell's comments (`# …` to the end of the line, at the start of a word, outside
    /// quotes), each from its `#`. Linear in the text.
    public static func commentRanges(_ text: String) -> [Range<Int>] {
        let bytes = Array(text.utf8)
        guard bytes.contains(UInt8(ascii: "#")) else { return [] }
        var ranges: [Range<Int>] = []
        var index = 0
        var quote: UInt8?
        var wordStart = true
        while index < bytes.count {
            let byte = bytes[index]
            if let open = quote {
                if open == UInt8(ascii: "\""), byte == UInt8(ascii: "\\") { index += 2; continue }
                if byte == open { quote = nil }
                index += 1
                continue
            }
            switch byte {
            case UInt8(ascii: "\\"):
                index += 2
                wordStart = false
                continue
            case UInt8(ascii: "\""), UInt8(ascii: "'"):
                quote = byte
            case UInt8(ascii: "#") where wordStart:
                let start = index
                while index < bytes.count, bytes[index] != 0x0A { index += 1 }
                ranges.append(start..<index)
                continue
            default:
                break
            }
            wordStart = byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == UInt8(ascii: ";") || byte == UInt8(ascii: "|")
                || byte == UInt8(ascii: "&") || byte == UInt8(ascii: "(")
            index += 1
        }
        return ranges
    }

    /// The text with its comments blanked, each character by as many spaces as it has UTF-16 units:
    /// an `NSRange` found in it is the same range of the original text. Nil when it has no comment.
    public static func commentsBlanked(_ text: String, _ comments: [Range<Int>]) -> String? {
        guard !comments.isEmpty else { return nil }
        var out = String.UnicodeScalarView()
        var offset = 0
        var next = 0
        for scalar in text.unicodeScalars {
            while next < comments.count, comments[next].upperBound <= offset { next += 1 }
            if next < comments.count, comments[next].contains(offset) {
                out.append(contentsOf: repeatElement(" ", count: scalar.utf16.count))
            } else {
                out.append(scalar)
            }
            offset += scalar.utf8.count
        }
        return String(out)
    }

    static let assignment = try? NSRegularExpression(
        pattern: #"(?:^|[\s;&|(`])(?:(?:export|local|declare|typeset|readonly)\s+(?:-\w+\s+)*)?([A-Za-z_][A-Za-z0-9_]*)\+?="#)
    static let readOrLoop = try? NSRegularExpression(
        pattern: #"\b(?:read(?:\s+-[a-zA-Z]+(?:\s+\S+)?)*|for|select|export)\s+((?:[A-Za-z_][A-Za-z0-9_]*\s*)+)"#)

    /// Names the text assigns somewhere in it.
    public static func assignedNames(_ text: String) -> Set<String> {
        var names = Set<String>()
        for (_, groups) in matches(assignment, in: text) { if let name = groups[1] { names.insert(name) } }
        for (_, groups) in matches(readOrLoop, in: text) {
            for word in (groups[1] ?? "").split(whereSeparator: \.isWhitespace) { names.insert(String(word)) }
        }
        return names
    }

    /// The text with every placeholder replaced by a same-length plain word, so ShellCheck parses the
    /// command the reader will type (`<node>` is no redirection) and columns stay the text's columns.
    /// Variables and `[PLACEHOLDERS]` are masked only on pages for people, where they are placeholders:
    /// in a script `$NAME` is set by its caller and `[AB]` may be a glob.
    public static func masked(_ text: String, forPeople: Bool) -> String {
        var spans = anglePlaceholders(text).map(\.range)
        if forPeople { spans += unsetVariables(text).map(\.range) + bracketPlaceholders(text).map(\.range) }
        guard !spans.isEmpty else { return text }
        var bytes = Array(text.utf8)
        for span in spans {
            // Letters only: a word in every shell context, quoted or not.
            for index in span { bytes[index] = index == span.lowerBound ? UInt8(ascii: "P") : UInt8(ascii: "x") }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    // MARK: - Console transcripts

    /// A fence copied from a terminal (`$ kubectl get pods` and what it printed) as the commands a reader
    /// types: each `$ ` prompt becomes two spaces and every line without one (output) is blanked, so
    /// columns stay put. `# ` lines stay comments. Nil when no line starts with a `$ ` prompt.
    public static func transcriptCommands(_ text: String) -> String? {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.contains(where: { $0.hasPrefix("$ ") }) else { return nil }
        var continued = false
        return lines.map { line -> String in
            let keep: Bool
            var shown = String(line)
            if line.hasPrefix("$ ") {
                shown = "  " + line.dropFirst(2)
                keep = true
            } else {
                // A command's continuation lines (`\` at the end) and comments are kept; output is not.
                keep = continued || line.trimmingCharacters(in: .whitespaces).hasPrefix("#")
            }
            continued = keep && line.hasSuffix("\\")
            return keep ? shown : String(repeating: " ", count: line.utf8.count)
        }.joined(separator: "\n")
    }

    // MARK: - Content

    /// What the text is. Shell unless its content clearly says otherwise.
    public static func content(_ text: String) -> Content {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
        // `#` comments, and `//` ones: PromQL excerpts and Jsonnet carry them; no shell line starts with `// `.
        let meaningful = lines.filter { !$0.hasPrefix("#") && !$0.hasPrefix("// ") && $0 != "//" }
        guard let first = meaningful.first else { return .shell }
        if lines.contains(where: { $0.hasPrefix("```") || $0.hasPrefix("~~~") }) { return .swallowedMarkdown }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if (trimmed.hasPrefix("{") || trimmed.hasPrefix("[")),
           (try? JSONSerialization.jsonObject(with: Data(trimmed.utf8), options: [.fragmentsAllowed])) != nil {
            return .json
        }
        // A single line of output in a fence makes the whole fence something other than a script.
        if meaningful.contains(where: isOutputLine) { return .log }
        if isQuery(first) { return .query }
        if isSQL(first) { return .sql }
        if isYAMLKey(first) || first == "---", meaningful.allSatisfy(isYAMLLine) { return .yaml }
        if meaningful.allSatisfy(isProse) { return .prose }
        return .shell
    }

    static let outputPatterns: [NSRegularExpression] = [
        // ISO timestamps (`2021-01-04T15:08:55`, `[2021-01-04 15:08:55]`), klog (`I0104 15:08:55.613`),
        // syslog (`Jan  4 15:08:55`), logfmt (`level=warn ts=…`), logrus (`time="…"`).
        #"^\[?\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}"#,
        #"^[IWEF]\d{4} \d{2}:\d{2}:\d{2}"#,
        #"^(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +\d{1,2} \d{2}:\d{2}:\d{2} "#,
        #"^(?:level|lvl|ts|time|t)=\S+ (?:\S+=\S+ ?){2,}"#,
        // logfmt with a quoted message: `level=error msg="InvalidChangeBatch: [RDATA …]"`.
        #"^(?:level|lvl)=(?:trace|debug|info|warn|warning|error|err|fatal|panic|crit|critical) +msg="#,
        // `kubectl get events` / `describe` rows: `Warning  FailedMount  13m  kubelet  …`.
        #"^(?:Normal|Warning) {2,}[A-Z][A-Za-z]+ {2,}\S"#,
        // logr's structured lines: `"msg"="trying to connect" "database"="x"`.
        #"^"[A-Za-z_][\w.-]*"="#,
        // An elision: the fence shows an excerpt, not a script.
        #"^(?:\.\.\.|…)$"#,
        // A column header of command output: `NAME   READY   STATUS   RESTARTS   AGE`.
        #"^[A-Z][A-Z0-9_()%/.-]*(?: {2,}[A-Z][A-Z0-9_()%/. -]*){2,}$"#,
        // A long listing (`ls -l`): `-rw-r--r-- 1 craig staff 18807 …`, `drwxr-xr-x  2 …`, `total 32`.
        #"^[-dlcbps][rwxsStT-]{9}[.+@]? +\d+ "#,
        #"^total \d+$"#,
        // A database console's prompt (`grafana=> update …`, `postgres=# \q`, `mysql> show …`): the line is
        // typed into psql or MySQL, not the shell; the fence is a session transcript.
        #"^[A-Za-z_][A-Za-z0-9_-]*=[>#] "#,
        #"^(?:mysql|MariaDB \[[^\]]*\])> "#,
        // The border of a table a command printed: `+----+---------+` (etcdctl, MySQL), `----+-----` (psql).
        #"^\+-{2,}[-+]*\+$"#,
        #"^-{2,}(?:\+-{2,})+$"#,
    ].compactMap { try? NSRegularExpression(pattern: $0) }

    static func isOutputLine(_ line: String) -> Bool {
        let range = NSRange(line.startIndex..., in: line)
        return outputPatterns.contains { $0.firstMatch(in: line, range: range) != nil }
    }

    static let queryPatterns: [NSRegularExpression] = [
        // A function call with arguments: `sum(rate(x[5m]))`, `histogram_quantile(0.99, …)`; shell has no `name(arg`.
        #"^[a-zA-Z_:][a-zA-Z0-9_:]*\s*\(\s*[^)\s]"#,
        // A call whose arguments follow on the next lines: `label_replace(`; shell has no `name(` at a line's end.
        #"^[a-zA-Z_:][a-zA-Z0-9_:]*\s*\($"#,
        // Vector matching after a metric: `info * on (namespace) group_left() (…)`, `a / ignoring(code) b`.
        #"^[a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?(?:\[[^\]]*\])?\s*(?:[-+*/%^]|[=!<>]=|and|or|unless)\s*(?:bool\s+)?(?:on|ignoring)\s*\("#,
        // A selector: `up{job="api"}`, `{app="nginx"} |= "error"`.
        #"^[a-zA-Z_:][a-zA-Z0-9_:]*\{\s*[a-zA-Z_][a-zA-Z0-9_]*\s*(?:=~|!~|!=|=)\s*["']"#,
        #"^\{\s*[a-zA-Z_][a-zA-Z0-9_]*\s*(?:=~|!~|!=|=)\s*["']"#,
        // Aggregation with a grouping clause first: `sum by (job) (…)`.
        #"^(?:sum|avg|min|max|count|topk|bottomk|quantile|stddev|stdvar|group|count_values)\s+(?:by|without)\s*\("#,
        // A range selector on a metric: `http_requests_total[5m]`.
        #"^[a-zA-Z_:][a-zA-Z0-9_:]*\[\d+[smhdwy]\]"#,
    ].compactMap { try? NSRegularExpression(pattern: $0) }

    static func isQuery(_ line: String) -> Bool {
        let range = NSRange(line.startIndex..., in: line)
        return queryPatterns.contains { $0.firstMatch(in: line, range: range) != nil }
    }

    /// SQL by its first keyword: upper-case keywords, or lower-case ones with the clause that makes
    /// them SQL (`select … from`, `update … set`), so `set -e` and bash's `select` stay shell.
    static func isSQL(_ line: String) -> Bool {
        let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "(" })
        guard let first = words.first.map(String.init) else { return false }
        let upper: Set<String> = ["SELECT", "INSERT", "UPDATE", "DELETE", "WITH", "CREATE", "ALTER", "DROP", "TRUNCATE", "EXPLAIN",
                                  "SHOW", "GRANT", "REVOKE", "BEGIN", "COMMIT", "VACUUM", "ANALYZE", "SET", "REINDEX", "CALL"]
        if upper.contains(first), words.count > 1 { return true }
        let lower = line.lowercased()
        switch first {
        case "select": return lower.contains(" from ") || lower.hasSuffix(";")
        case "update": return lower.contains(" set ")
        case "delete": return lower.hasPrefix("delete from ")
        case "insert": return lower.hasPrefix("insert into ")
        case "explain": return lower.contains("select ")
        case "create", "alter", "drop", "truncate": return lower.range(of: #"^\w+ +(?:table|index|database|schema|view|extension|role|user)\b"#, options: .regularExpression) != nil
        default: return false
        }
    }

    static func isYAMLKey(_ line: String) -> Bool {
        line.range(of: #"^(?:- )?["']?[A-Za-z_][A-Za-z0-9_.\-/]*["']?:(?:\s|$)"#, options: .regularExpression) != nil
    }

    static func isYAMLLine(_ line: String) -> Bool {
        // Keys, list items, document markers, block-scalar content; lines are already trimmed, so
        // continuation lines are accepted when they contain no shell operators.
        if isYAMLKey(line) || line.hasPrefix("- ") || line == "-" || line == "---" || line == "..." || line.hasPrefix("#") { return true }
        return line.range(of: #"[|;&$`]|^\S+\s+-"#, options: .regularExpression) == nil
    }

    /// A sentence: a capitalised word first, several words, no shell operators, sentence punctuation.
    static func isProse(_ line: String) -> Bool {
        let words = line.split(separator: " ")
        guard words.count >= 4, let first = words.first, first.first?.isUppercase == true,
              first.dropFirst().allSatisfy({ $0.isLowercase || $0 == "," }) else { return false }
        if line.range(of: #"[|;&$`<>=\\]|\s--?[a-z]"#, options: .regularExpression) != nil { return false }
        return line.hasSuffix(".") || line.hasSuffix(":") || line.hasSuffix("?") || line.hasSuffix("!")
            || line.range(of: #"[A-Za-z]'[a-z]"#, options: .regularExpression) != nil
    }

    // MARK: - Helpers

    /// Each match's byte range and its capture groups' text (index 0 is the whole match).
    /// Patterns here are constants (`try?` keeps a typo from crashing a check: the tests catch it).
    static func matches(_ regex: NSRegularExpression?, in text: String) -> [(Range<Int>, [String?])] {
        guard let regex else { return [] }
        let nsrange = NSRange(text.startIndex..., in: text)
        return regex.matches(in: text, range: nsrange).compactMap { match in
            guard let range = Range(match.range, in: text) else { return nil }
            let start = text.utf8.distance(from: text.startIndex, to: range.lowerBound)
            let end = text.utf8.distance(from: text.startIndex, to: range.upperBound)
            let groups = (0..<match.numberOfRanges).map { index -> String? in
                Range(match.range(at: index), in: text).map { String(text[$0]) }
            }
            return (start..<end, groups)
        }
    }
}

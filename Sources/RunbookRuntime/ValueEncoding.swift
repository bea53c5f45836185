// Values are encoded for the place they go: a parameter in a URL is percent-encoded for its
// component (it can never add a query parameter or a fragment), a parameter in a config key is one
// key segment (it can never nest, collapse or escape the key the author wrote), a parameter in a
// JSON body is a JSON value (it can never add a key or end the string it is in).

import Foundation

public enum ValueEncoding {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Where in a URL a substituted value lands, judged by the literal text before it.
    public enum URLPart: Equatable, Sendable {
        /// At the very start: the value is the base URL itself, checked but not encoded.
        case base
        case authority, path, query, fragment
    }

    public static func urlPart(after prefix: String) -> URLPart {
        if prefix.isEmpty { return .base }
        if prefix.contains("#") { return .fragment }
        if prefix.contains("?") { return .query }
        guard let scheme = prefix.range(of: "://") else { return .path }
        return prefix[scheme.upperBound...].contains("/") ? .path : .authority
    }

    /// Unreserved characters (RFC 3986) stay; everything else is percent-encoded, `/`, `&`, `=`, `#`, `?` included.
    static let unreserved: CharacterSet = {
        var set = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        set.insert(charactersIn: "-._~")
        return set
    }()

    public static func encode(_ value: String, in part: URLPart) throws -> String {
        switch part {
        case .base:
            guard let components = URLComponents(string: value), let scheme = components.scheme?.lowercased(),
                  scheme == "http" || scheme == "https", components.host?.isEmpty == false else {
                throw Failure(description: "`\(value)` is not an http(s) URL")
            }
            return value
        case .authority:
            // A host (and port): nothing that would end the authority or add credentials.
            guard !value.isEmpty, value.unicodeScalars.allSatisfy({ unreserved.contains($0) || $0 == ":" || $0 == "[" || $0 == "]" }) else {
                throw Failure(description: "`\(value)` is not a host name")
            }
            return value
        case .path, .query, .fragment:
            return value.addingPercentEncoding(withAllowedCharacters: unreserved) ?? ""
        }
    }

    /// A value that makes a whole path segment `..` or `.` would climb or vanish (clients and servers
    /// resolve dot segments), and an empty one would name the collection instead of an item
    /// (`DELETE /users/` for `/users/${{ params.id }}`): the URL is refused. `values` are the UTF-8
    /// offsets in `url` of the values put in its path.
    public static func checkPathSegments(_ url: String, values: [Range<Int>]) throws {
        let bytes = Array(url.utf8)
        let slash = UInt8(ascii: "/")
        for value in values {
            var start = value.lowerBound
            while start > 0, bytes[start - 1] != slash { start -= 1 }
            var end = value.upperBound
            while end < bytes.count, ![slash, UInt8(ascii: "?"), UInt8(ascii: "#")].contains(bytes[end]) { end += 1 }
            let segment = String(decoding: bytes[start..<end], as: UTF8.self)
            if segment == "." || segment == ".." {
                throw Failure(description: "a value makes the path segment `\(segment)` of \(url), which would change the resource it names")
            }
            if segment.isEmpty {
                throw Failure(description: "an empty value leaves an empty path segment in \(url), which would name another resource")
            }
        }
    }

    /// Where the next value of a JSON text being assembled lands: inside a string or not. Only the
    /// author's literal text moves it; an encoded value never ends or opens a string.
    public struct JSONPosition: Sendable {
        public private(set) var inString = false
        private var escaped = false

        public init() {}

        public mutating func advance(over literal: String) {
            for byte in literal.utf8 {
                if !inString {
                    if byte == UInt8(ascii: "\"") { inString = true }
                } else if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
            }
        }
    }

    /// A value inside a JSON string: its characters escaped, no quotes.
    public static func jsonStringContent(_ value: String) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes
        let quoted = String(decoding: (try? encoder.encode(value)) ?? Data("\"\"".utf8), as: UTF8.self)
        return String(quoted.dropFirst().dropLast())
    }

    /// A value outside a JSON string is one JSON value: a number, `true`, `false` or `null` as it is,
    /// anything else as a JSON string. `\A…\z`, not `^…$`: `$` also matches before a final line
    /// break, and "7\n" is not a number.
    public static func jsonValue(_ text: String) -> String {
        if ["true", "false", "null"].contains(text) || text.range(of: #"\A-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?\z"#, options: .regularExpression) != nil {
            return text
        }
        return "\"" + jsonStringContent(text) + "\""
    }

    /// A `shell` that a value chose (`shell: "${{ params.shell }}"`) runs the step's command: it must
    /// be one of the system's shells, the paths `/etc/shells` lists, or the value would choose any
    /// program to run — a file of its own, or an interpreter that reads the command as its own code.
    public static func checkShell(_ value: String, listed: [String] = systemShells()) throws {
        guard listed.contains(value) else {
            throw Failure(description: "`\(value)` is not a shell listed in /etc/shells: a value may choose among the system's shells, never another program")
        }
    }

    /// The paths `/etc/shells` lists (none when it cannot be read).
    public static func systemShells(_ path: String = "/etc/shells") -> [String] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        return text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { $0.hasPrefix("/") }
    }

    /// A value in the text of a Slack message: `&`, `<` and `>` escaped as Slack asks, so a value
    /// never becomes a mention (`<!channel>`, `<@U123>`) or a link (`<https://…|text>`).
    public static func slackText(_ value: String) -> String {
        value.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    /// Whether a request body is a form (`name=value&…`): its Content-Type says so, or it has none
    /// (libcurl then sends `application/x-www-form-urlencoded`) and the author's text has a `=`.
    /// Each value in it is percent-encoded, so it can never add a field (`1&force=true`).
    public static func isFormBody(contentType: String?, literal: String) -> Bool {
        if let contentType { return contentType.lowercased().contains("application/x-www-form-urlencoded") }
        return literal.contains("=")
    }

    /// Whether a value put right after `literal` (the command's text before it, earlier values as
    /// `x`) is the first character of a shell word: at the start, after a blank or an operator, or
    /// inside quotes that open there (`ssh "${{ … }}"`). Not after `=` (`--host=…`, `VAR=…`), nor
    /// inside quotes that opened earlier (`echo "to ${{ … }}"`).
    public static func startsWord(after literal: String, quoted: Bool) -> Bool {
        if quoted, literal.last != "\"", literal.last != "'" { return false }
        var rest = Substring(literal)
        while let last = rest.last, last == "\"" || last == "'" { rest.removeLast() }
        guard let last = rest.last else { return true }
        return last.isWhitespace || ";|&(`".contains(last)
    }

    /// Whether `--` ends the options of the simple command the value is in (`rm -- "${{ … }}"`).
    public static func optionsEnded(in literal: String) -> Bool {
        let command = literal.split(whereSeparator: { ";|&\n".contains($0) }).last ?? ""
        return command.split(whereSeparator: \.isWhitespace).contains("--")
    }

    /// A value a program would read as an option when it starts an argument: `-` and a letter or
    /// another `-` (`-oProxyCommand=…` makes ssh run a command, `--upload-pack=…` git, `-exec` find).
    /// A negative number and `-` alone (standard input) are not.
    public static func readsAsOption(_ value: String) -> Bool {
        guard value.hasPrefix("-"), value != "-" else { return false }
        return value.range(of: #"\A-[0-9][0-9.]*\z"#, options: .regularExpression) == nil
    }

    /// A value that forms part of a dotted config key: exactly one non-empty segment.
    public static func checkKeySegment(_ value: String) throws {
        guard !value.isEmpty, !value.contains("."), !value.contains(where: { $0.isWhitespace || $0.isNewline }) else {
            throw Failure(description: "`\(value)` is not a single config key segment (no dots, no spaces, not empty)")
        }
    }

    /// A whole dotted key: no empty segment (`a..b`, `.a`, `a.` would collapse or nest elsewhere).
    public static func checkKey(_ key: String) throws {
        guard !key.isEmpty, !key.split(separator: ".", omittingEmptySubsequences: false).contains(where: \.isEmpty) else {
            throw Failure(description: "`\(key)` is not a valid config key (an empty segment)")
        }
    }
}

// Where an expression sits in a shell command (unquoted, inside '…' or "…"), and the injection-safe
// command the executor runs: each expression becomes a quoted reference to an environment variable.

public enum ShellQuoting: String, Codable, Sendable {
    case unquoted, single, double

    /// The quoting context at each offset in `offsets`, scanning POSIX shell quoting rules.
    public static func contexts(in command: [UInt8], at offsets: [Int]) -> [ShellQuoting] {
        var result: [ShellQuoting] = []
        var state = ShellQuoting.unquoted
        var index = 0
        var targets = offsets.makeIterator()
        var next = targets.next()
        while let target = next {
            while index < target, index < command.count {
                let byte = command[index]
                switch state {
                case .unquoted:
                    if byte == UInt8(ascii: "\\") { index += 1 }
                    else if byte == UInt8(ascii: "'") { state = .single }
                    else if byte == UInt8(ascii: "\"") { state = .double }
                case .single:
                    if byte == UInt8(ascii: "'") { state = .unquoted }
                case .double:
                    if byte == UInt8(ascii: "\\") { index += 1 }
                    else if byte == UInt8(ascii: "\"") { state = .unquoted }
                }
                index += 1
            }
            result.append(state)
            next = targets.next()
        }
        return result
    }

    /// The text that stands for a variable in this context: `"${V}"`, `${V}` in double quotes, and
    /// `'"${V}"'` inside single quotes (close, expand quoted, reopen).
    public func reference(to variable: String) -> String {
        switch self {
        case .unquoted: "\"${\(variable)}\""
        case .double: "${\(variable)}"
        case .single: "'\"${\(variable)}\"'"
        }
    }
}

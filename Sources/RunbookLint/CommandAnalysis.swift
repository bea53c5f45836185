// A light reading of shell commands for rules: words with their offsets, simple commands split at
// `|`, `&&`, `||`, `;`, `&` and newlines, wrappers (`sudo`, `env`, `timeout`, `ssh host …`) seen
// through, and which programs only read. ShellCheck does the real parsing; this is for intent.

import Foundation
import RunbookSource

public struct ShellWord: Sendable, Equatable {
    /// The word with quotes removed.
    public let text: String
    /// Byte range of the word in the command, quotes included.
    public let range: Range<Int>

    /// The word as a program name: its last path component (`/usr/bin/sudo` → `sudo`), as
    /// `NSString.lastPathComponent` reads it. Most words hold no `/` and are their own name; only
    /// those go through `NSString` (a bridge per word profiled as 4 % of a large check).
    public var programName: String { Self.programName(text) }

    public static func programName(_ word: String) -> String {
        word.utf8.contains(UInt8(ascii: "/")) ? (word as NSString).lastPathComponent : word
    }
}

public struct SimpleCommand: Sendable {
    public let words: [ShellWord]
    /// The words after wrappers: `sudo -n kubectl get pods` → `kubectl get pods`.
    public var effective: [ShellWord]
    public var program: String { effective.first?.programName ?? "" }
    public var arguments: [String] { effective.dropFirst().map(\.text) }
    /// Files its output is redirected to (`> file`, `>> file`, `2> file`, `&> file`), scratch and
    /// device targets (`/dev/null`, `/tmp/…`) and descriptor duplications (`2>&1`) left out.
    public var outputFiles: [String] = []
}

public enum CommandAnalysis {
    /// Simple commands of a shell text, `${{ }}` expressions kept as single words.
    public static func commands(_ command: String) -> [SimpleCommand] {
        let bytes = Array(command.utf8)
        var commands: [SimpleCommand] = []
        var words: [ShellWord] = []
        var index = 0
        // The first `}}` at or after `searchedFrom`: each `${{` asks for the next one, and a command
        // of thousands of unclosed `${{` must not scan to its end again for each of them.
        var searchedFrom = Int.max
        var found: Int?
        func nextClosing(from start: Int) -> Int? {
            if start >= searchedFrom, found.map({ start <= $0 }) ?? true { return found }
            searchedFrom = start
            found = closing(bytes, from: start)
            return found
        }
        func finish() {
            if !words.isEmpty {
                var simple = SimpleCommand(words: words, effective: words)
                simple.outputFiles = outputFiles(of: words, in: bytes)
                commands.append(contentsOf: expand(simple, in: command))
            }
            words = []
        }
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 0x20 || byte == 0x09 { index += 1; continue }
            let startsRedirection = byte == UInt8(ascii: "&") && index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: ">") // `&> file`
            if byte == 0x0A || byte == UInt8(ascii: ";") || byte == UInt8(ascii: "|") || (byte == UInt8(ascii: "&") && !startsRedirection)
                || byte == UInt8(ascii: "(") || byte == UInt8(ascii: ")") {
                finish()
                index += 1
                continue
            }
            if byte == UInt8(ascii: "#"), words.isEmpty || (index > 0 && (bytes[index - 1] == 0x20 || bytes[index - 1] == 0x09)) {
                while index < bytes.count, bytes[index] != 0x0A { index += 1 }
                continue
            }
            if byte == UInt8(ascii: "\\"), index + 1 < bytes.count, bytes[index + 1] == 0x0A { index += 2; continue }
            let start = index
            var text: [UInt8] = []
            var quote: UInt8?
            while index < bytes.count {
                let current = bytes[index]
                if let open = quote {
                    if current == open { quote = nil } else { text.append(current) }
                    index += 1
                    continue
                }
                if current == UInt8(ascii: "$"), index + 2 < bytes.count, bytes[index + 1] == UInt8(ascii: "{"), bytes[index + 2] == UInt8(ascii: "{"),
                   let close = nextClosing(from: index + 3) {
                    text.append(contentsOf: bytes[index..<(close + 2)])
                    index = close + 2
                    continue
                }
                if current == UInt8(ascii: "'") || current == UInt8(ascii: "\"") { quote = current; index += 1; continue }
                if current == UInt8(ascii: "\\"), index + 1 < bytes.count { text.append(bytes[index + 1]); index += 2; continue }
                // `>&2`, `2>&1`, `>| file` and `&> file` are one redirection word, not a `&` or `|` between commands.
                let afterRedirection = index > start && (bytes[index - 1] == UInt8(ascii: ">") || bytes[index - 1] == UInt8(ascii: "<"))
                let partOfRedirection = (index == start && current == UInt8(ascii: "&")) || (afterRedirection && (current == UInt8(ascii: "&") || current == UInt8(ascii: "|")))
                if current == 0x20 || current == 0x09 || current == 0x0A || current == UInt8(ascii: ";") || current == UInt8(ascii: ")")
                    || ((current == UInt8(ascii: "|") || current == UInt8(ascii: "&")) && !partOfRedirection) { break }
                text.append(current)
                index += 1
            }
            words.append(ShellWord(text: String(decoding: text, as: UTF8.self), range: start..<index))
        }
        finish()
        return commands
    }

    /// Targets of the unquoted output redirections among a simple command's words. `[[ a > b ]]`
    /// compares strings and redirects nothing.
    static func outputFiles(of words: [ShellWord], in bytes: [UInt8]) -> [String] {
        guard let first = words.first, first.text != "[[" else { return [] }
        var files: [String] = []
        var index = 0
        while index < words.count {
            let word = words[index]
            index += 1
            // The operator is read from the raw bytes so that a quoted `">"` stays an argument.
            let raw = bytes[word.range]
            var operatorEnd = raw.startIndex
            if operatorEnd < raw.endIndex, raw[operatorEnd] == UInt8(ascii: "&") {
                operatorEnd += 1
            } else {
                while operatorEnd < raw.endIndex, raw[operatorEnd] >= UInt8(ascii: "0"), raw[operatorEnd] <= UInt8(ascii: "9") { operatorEnd += 1 }
            }
            guard operatorEnd < raw.endIndex, raw[operatorEnd] == UInt8(ascii: ">") else { continue }
            operatorEnd += 1
            if operatorEnd < raw.endIndex, raw[operatorEnd] == UInt8(ascii: ">") || raw[operatorEnd] == UInt8(ascii: "|") { operatorEnd += 1 }
            let operatorLength = operatorEnd - raw.startIndex
            var target = String(word.text.utf8.dropFirst(operatorLength)) ?? ""
            if target.isEmpty, index < words.count {
                target = words[index].text
                index += 1
            }
            if target.isEmpty || isDescriptorOrScratch(target) { continue }
            files.append(target)
        }
        return files
    }

    /// `&1`, `&-` (duplications), devices, and scratch space: writing there changes nothing that a
    /// rollback would restore.
    static func isDescriptorOrScratch(_ target: String) -> Bool {
        if target.hasPrefix("&") { return target.dropFirst().allSatisfy { $0.isNumber || $0 == "-" } }
        let scratch = ["/dev/null", "/dev/stdout", "/dev/stderr", "/dev/tty", "/dev/fd/", "/tmp/", "/var/tmp/", "$TMPDIR", "${TMPDIR"]
        return scratch.contains { target == $0 || target.hasPrefix($0) }
    }

    private static func closing(_ bytes: [UInt8], from start: Int) -> Int? {
        var index = start
        while index + 1 < bytes.count {
            if bytes[index] == UInt8(ascii: "}"), bytes[index + 1] == UInt8(ascii: "}") { return index }
            index += 1
        }
        return nil
    }

    /// Sees through wrappers; `ssh host 'cmd'` yields the remote command too.
    static func expand(_ simple: SimpleCommand, in command: String) -> [SimpleCommand] {
        var words = simple.words
        while let first = words.first {
            let name = first.programName
            if first.text.containsASCII("="), !first.text.hasPrefix("-"), !first.text.hasPrefix("$") {
                words.removeFirst() // VAR=value
            } else if name == "sudo" || name == "doas" {
                words.removeFirst()
                while let flag = words.first, flag.text.hasPrefix("-") {
                    words.removeFirst()
                    if ["-u", "-g", "-C", "-h", "-p", "-U"].contains(flag.text), !words.isEmpty { words.removeFirst() }
                }
            } else if ["env", "nohup", "time", "nice", "ionice", "stdbuf", "exec", "command"].contains(name) {
                words.removeFirst()
                while let flag = words.first, flag.text.hasPrefix("-") { words.removeFirst() }
            } else if name == "timeout" {
                words.removeFirst()
                while let flag = words.first, flag.text.hasPrefix("-") { words.removeFirst() }
                if !words.isEmpty { words.removeFirst() } // the duration
            } else if name == "xargs" {
                words.removeFirst()
                while let flag = words.first, flag.text.hasPrefix("-") {
                    words.removeFirst()
                    // `-n 50`, `-L 1`, `-I {}`, `-P 4`: the value is the next word, not the command.
                    if ["-n", "-L", "-I", "-P", "-s", "-d", "-E", "-a"].contains(flag.text), !words.isEmpty { words.removeFirst() }
                }
            } else {
                break
            }
        }
        var seenThrough = simple
        seenThrough.effective = words
        var result = [seenThrough]
        if let first = words.first, first.programName == "ssh" {
            // ssh [options] host [command…]: the command runs remotely; read it as a command too.
            var rest = Array(words.dropFirst())
            let optionsWithValue: Set<String> = ["-i", "-p", "-l", "-o", "-F", "-J", "-L", "-R", "-D", "-b", "-c", "-E", "-e", "-m", "-O", "-Q", "-S", "-W", "-w"]
            while let flag = rest.first, flag.text.hasPrefix("-") {
                rest.removeFirst()
                if optionsWithValue.contains(flag.text), !rest.isEmpty { rest.removeFirst() }
            }
            if !rest.isEmpty { rest.removeFirst() } // the host
            result[0].effective = Array(words.prefix(1))
            if rest.count == 1, let only = rest.first, only.text.containsASCII(" ") {
                // `ssh host 'a && b'`: analyse the quoted text, shifting offsets into the command.
                let inner = commands(only.text)
                let shift = only.range.lowerBound + 1
                result += inner.map { simple in
                    let shifted = simple.effective.map { ShellWord(text: $0.text, range: ($0.range.lowerBound + shift)..<($0.range.upperBound + shift)) }
                    var remote = SimpleCommand(words: shifted, effective: shifted)
                    remote.outputFiles = simple.outputFiles
                    return remote
                }
            } else if !rest.isEmpty {
                result.append(contentsOf: expand(SimpleCommand(words: rest, effective: rest), in: command))
            }
        }
        return result
    }

    static let readOnlyPrograms: Set<String> = [
        "cat", "grep", "egrep", "fgrep", "zgrep", "zcat", "head", "tail", "ls", "df", "du", "ps", "pgrep", "echo", "printf", "true",
        "false", "test", "[", "[[", "jq", "yq", "dig", "nslookup", "host", "ping", "traceroute", "mtr", "ss", "netstat", "lsof",
        "date", "uptime", "free", "wc", "sort", "uniq", "cut", "tr", "awk", "stat", "id", "whoami", "hostname", "printenv",
        "which", "uname", "nproc", "vmstat", "iostat", "mpstat", "sar", "dmesg", "sleep", "base64", "sha256sum", "md5sum",
        "diff", "column", "getent", "nc", "openssl", "promtool", "amtool", "pidof", "file", "readlink", "realpath", "basename",
        "dirname", "seq", "yes", "tac", "rev", "nl", "less", "more", "top", "htop", "watch", "iftop", "iotop",
    ]

    /// Whether a simple command only reads (by what the program and its subcommand are known to do).
    public static func isReadOnly(_ simple: SimpleCommand) -> Bool {
        let program = simple.program
        let arguments = simple.arguments
        let subcommand = arguments.first { !$0.hasPrefix("-") } ?? ""
        if !simple.outputFiles.isEmpty { return false } // `echo line >> /etc/hosts` writes a file
        if program == "ssh" { return true } // its remote command is judged on its own
        if readOnlyPrograms.contains(program) { return true }
        switch program {
        case "kubectl", "oc":
            let verbs: Set<String> = ["get", "describe", "logs", "top", "explain", "version", "cluster-info", "api-resources",
                                      "api-versions", "auth", "events", "diff", "wait"]
            if verbs.contains(subcommand) { return true }
            if subcommand == "rollout" { return arguments.contains("status") || arguments.contains("history") }
            if subcommand == "config" { return arguments.contains { ["view", "get-contexts", "current-context"].contains($0) } }
            return false
        case "helm":
            return ["list", "ls", "status", "get", "history", "show", "template", "search", "version", "lint"].contains(subcommand)
        case "docker", "podman", "crictl":
            return ["ps", "logs", "inspect", "images", "stats", "top", "version", "info", "pods"].contains(subcommand)
        case "systemctl":
            return ["status", "is-active", "is-enabled", "is-failed", "list-units", "list-timers", "show", "cat"].contains(subcommand)
        case "journalctl":
            return !arguments.contains { $0.hasPrefix("--vacuum") || $0 == "--rotate" || $0 == "--flush" }
        case "curl":
            let writes: Set<String> = ["-d", "--data", "--data-raw", "--data-binary", "--data-urlencode", "-F", "--form", "-T", "--upload-file", "--json"]
            if arguments.contains(where: { writes.contains($0) || $0.hasPrefix("--data") }) {
                // `-G` sends --data as a query string: still a GET.
                return arguments.contains("-G") || arguments.contains("--get")
            }
            if let index = arguments.firstIndex(where: { $0 == "-X" || $0 == "--request" }), index + 1 < arguments.count {
                return ["GET", "HEAD", "OPTIONS"].contains(arguments[index + 1].uppercased())
            }
            return !arguments.contains { $0.hasPrefix("-X") && $0.count > 2 && !["-XGET", "-XHEAD"].contains($0.uppercased()) }
        case "wget":
            return !arguments.contains { $0.hasPrefix("--post") || $0.hasPrefix("--method") }
        case "aws", "gcloud", "az", "doctl":
            return arguments.contains { $0.hasPrefix("describe") || $0.hasPrefix("list") || $0.hasPrefix("get") || $0 == "show" }
        case "tee": return arguments.allSatisfy { $0.hasPrefix("-") || isDescriptorOrScratch($0) } // `| tee file` writes the file
        case "sed": return !arguments.contains { $0.hasPrefix("-i") || $0 == "--in-place" }
        case "find": return !arguments.contains { ["-delete", "-exec", "-execdir", "-ok"].contains($0) }
        case "git": return ["status", "log", "diff", "show", "rev-parse", "ls-files", "blame"].contains(subcommand)
        case "redis-cli":
            let reads: Set<String> = ["info", "ping", "get", "keys", "scan", "ttl", "type", "dbsize", "llen", "hgetall", "slowlog", "client", "memory"]
            return arguments.contains { reads.contains($0.lowercased()) }
        default:
            return false
        }
    }

    /// Whether every simple command of a shell text only reads.
    public static func isReadOnly(command: String) -> Bool {
        let parsed = commands(command)
        return !parsed.isEmpty && parsed.allSatisfy(isReadOnly)
    }
}

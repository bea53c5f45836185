// Interactive sessions in shell fences: `ssh host`, `kubectl exec -it POD -- bash`, `oc rsh POD`,
// `sudo su - user`, `psql`, `gitlab-rails console` followed by the lines meant inside them. Those
// lines are typed into the session, not run by the shell that opened it, so they must never become
// part of that shell's command (rbc would run them after the session ends, ShellCheck would read
// SQL or a Rails console as shell).

extension MarkdownRunbookParser {
    /// A fence cut where an interactive session opens, when lines meant inside the session follow.
    public struct SessionSplit: Equatable, Sendable {
        /// What the outer shell runs before the session opens (prompts stripped); nil when the
        /// fence starts with the session.
        public var before: String?
        /// What was printed before the session opened.
        public var beforeOutput: String?
        /// The command that opens the session, as typed (prompt stripped).
        public var opener: String
        /// The fence's lines from the session's opening on, as written — with the comments before
        /// it when the outer shell runs nothing first, so no line of the fence is lost.
        public var written: String
        /// The lines typed and printed inside the session, as written (prompts kept: they tell the
        /// reader which program reads each line).
        public var inside: String
    }

    /// Where a shell fence opens an interactive session that later lines are typed into; nil when
    /// it opens none, or opens one as its last command (nothing is typed into it here).
    public static func sessionSplit(_ text: String, language: String) -> SessionSplit? {
        var lines = text.splitAtNewlines()
        if lines.last == "" { lines.removeLast() }
        let prompted = sessionLanguages.contains(language) || lines.contains { $0.hasPrefix("$ ") || $0 == "$" }
        // Whether a prompted or a typed line follows each line, computed once: asking the rest of
        // the fence at every line made a long fence quadratic.
        var promptFollows = [Bool](repeating: false, count: lines.count + 1)
        var typedFollows = [Bool](repeating: false, count: lines.count + 1)
        for line in lines.indices.reversed() {
            promptFollows[line] = promptFollows[line + 1] || lines[line].hasPrefix("$ ")
            typedFollows[line] = typedFollows[line + 1] || isTypedLine(lines[line])
        }
        var index = 0
        var continuation = ShellContinuation()
        while index < lines.count {
            // A logical line: continued by a trailing backslash (joined once, not per line).
            var end = index
            var parts = [Substring(lines[index])]
            while parts[parts.count - 1].hasSuffix("\\"), end + 1 < lines.count {
                end += 1
                parts[parts.count - 1] = parts[parts.count - 1].dropLast()
                parts.append(Substring(lines[end]))
            }
            let logical = parts.count == 1 ? lines[index] : parts.joined(separator: " ")
            // A line inside a string or a here-document opened above is data, never a command
            // (`bash -c "` … `psql --version` … `"`).
            let isData = continuation.isOpen
            for line in lines[index...end] { continuation.read(line) }
            if isData {
                index = end + 1
                continue
            }
            let typed = logical.hasPrefix("$ ") ? String(logical.dropFirst(2)) : logical
            let rest = lines[(end + 1)...]
            // In a fence with prompts, an unprompted line may still be the host's command whose
            // session shows the prompts (`kubectl exec -it vault-0 sh` then `$ vault status`).
            let isCommand = !prompted || logical.hasPrefix("$ ") || promptFollows[end + 1]
            if isCommand, typedFollows[end + 1], opensInteractiveSession(typed) {
                let head = lines[..<index].joined(separator: "\n")
                let outer = index > 0 ? splitPrompts(head + "\n", language: language) : (command: nil, output: nil)
                // Comments alone before the session are no command of the outer shell.
                let before = outer.command.flatMap { command in
                    command.split(separator: "\n").contains { isTypedLine(String($0)) } ? command : nil
                }
                let written = lines[(before == nil ? 0 : index)...].joined(separator: "\n") + "\n"
                return SessionSplit(before: before, beforeOutput: outer.output, opener: typed.trimmingWhitespace(),
                                    written: written, inside: rest.joined(separator: "\n") + "\n")
            }
            index = end + 1
        }
        return nil
    }

    /// A line that holds something to type (not blank, not a comment).
    static func isTypedLine(_ line: String) -> Bool {
        let trimmed = line.trimmingWhitespace()
        return !trimmed.isEmpty && !trimmed.hasPrefix("#")
    }

    /// Whether a command line starts a program that reads what is typed next: a login over ssh, a
    /// shell in a container or pod, a user switch, a database or Rails console. Only a single simple
    /// command counts (no pipe, list or redirection: those give the program its input).
    public static func opensInteractiveSession(_ line: String) -> Bool {
        guard let words = simpleCommandWords(line) else { return false }
        return isSession(words)
    }

    /// The words of one simple command, a trailing comment dropped; nil for pipelines, lists,
    /// redirections, substitutions and background jobs.
    static func simpleCommandWords(_ line: String) -> [String]? {
        var words: [String] = []
        var current = ""
        var hasWord = false
        var quote: Character?
        var previous: Character = " "
        for character in line {
            if let open = quote {
                if character == open { quote = nil } else { current.append(character) }
            } else if character == "'" || character == "\"" {
                quote = character
                hasWord = true
            } else if character == " " || character == "\t" {
                if hasWord { words.append(current) }
                current = ""
                hasWord = false
            } else if character == "#", previous == " " || previous == "\t" {
                break
            } else if Self.commandBreaks.contains(character) || (character == "(" && previous == "$") {
                return nil
            } else {
                current.append(character)
                hasWord = true
            }
            previous = character
        }
        if quote != nil { return nil }
        if hasWord { words.append(current) }
        return words
    }

    /// Characters that make a line more than one simple command (a pipe, a list, a redirection).
    static let commandBreaks: Set<Character> = ["|", ";", "&", "<", ">", "`"]

    static let shells: Set<String> = ["sh", "bash", "zsh", "ash", "dash", "ksh", "fish"]
    static let consoles: Set<String> = ["irb", "python", "python3", "node", "mongo", "mongosh", "sqlite3", "redis-cli", "gitlab-redis-cli"]

    /// Options with which a program prints something and exits: no session opens.
    static let printAndExit: Set<String> = ["--version", "-V", "--help", "-?", "-h"]

    static func isSession(_ input: [String]) -> Bool {
        var words = input[...]
        // Assignments and `env` in front of the program.
        while let first = words.first, first == "env" || (first.contains("=") && !first.hasPrefix("-")) { words = words.dropFirst() }
        guard let program = words.first.map({ String($0.split(separator: "/").last ?? "") }) else { return false }
        let arguments = Array(words.dropFirst())
        // `psql --version`, `redis-cli --help` (`-h` is a host to psql, mysql and redis-cli).
        let hostOption = ["psql", "gitlab-psql", "mysql", "redis-cli", "gitlab-redis-cli"].contains(program)
        if arguments.contains(where: { printAndExit.contains($0) && !(hostOption && $0 == "-h") }) { return false }
        switch program {
        case "sudo":
            // `sudo -i`, `sudo -s`: a root shell; `sudo -u git psql`: the program after the options.
            let rest = afterOptions(arguments, valued: ["-u", "-g", "-C", "-D", "-h", "-p", "-r", "-t", "-U", "--user", "--group"])
            if rest.isEmpty { return arguments.contains { $0 == "-i" || $0 == "-s" || $0 == "--login" || $0 == "--shell" } }
            return isSession(rest)
        case "su":
            return !arguments.contains { $0 == "-c" || $0 == "--command" || $0.hasPrefix("--command=") }
        case "ssh":
            // A tunnel or a command on the far side is no session to type into.
            let tunnel = arguments.contains { $0.hasPrefix("-") && !$0.hasPrefix("--") && $0.dropFirst().contains { "NfDLRWOT".contains($0) } }
            let rest = afterOptions(arguments, valued: ["-b", "-c", "-D", "-E", "-e", "-F", "-I", "-i", "-J", "-L", "-l", "-m", "-O", "-o", "-p", "-Q", "-R", "-S", "-W", "-w", "-B"])
            return !tunnel && rest.count == 1
        case "psql", "gitlab-psql", "mysql":
            return !arguments.contains { ["-c", "-f", "-l", "-e", "--command", "--file", "--list", "--execute"].contains($0) || $0.hasPrefix("--command=") || $0.hasPrefix("--file=") || $0.hasPrefix("--execute=") }
        case "redis-cli", "gitlab-redis-cli":
            return afterOptions(arguments, valued: ["-h", "-p", "-s", "-a", "-u", "-n", "-r", "-i", "-d", "-D", "--user", "--pass", "--cacert", "--cert", "--key", "--sni"]).isEmpty
        case _ where shells.contains(program):
            return arguments.allSatisfy { ["-l", "-i", "--login", "-"].contains($0) }
        case _ where consoles.contains(program):
            return arguments.isEmpty
        case "kubectl", "oc", "docker", "podman", "crictl", "nerdctl":
            return containerSession(program: program, arguments)
        case "gcloud":
            // `gcloud compute ssh HOST` without `--command`.
            return arguments.starts(with: ["compute", "ssh"]) && !arguments.contains { $0 == "--command" || $0.hasPrefix("--command=") }
        default:
            // `gitlab-rails console`, `bin/rails c`, `gitlab-ctl console`, `rails dbconsole`.
            return (program.hasSuffix("rails") || program.hasSuffix("-ctl")) && ["console", "c", "dbconsole", "db"].contains(arguments.first ?? "")
        }
    }

    static let containerValuedOptions: Set<String> = [
        "-n", "-c", "--namespace", "--container", "--context", "--cluster", "--kubeconfig", "--user",
        "-u", "-w", "--workdir", "-e", "--env", "--env-file", "-l", "--selector", "--image", "--shell",
    ]

    /// `kubectl exec -it POD -- bash`, `oc rsh POD`, `docker exec -it C sh`: a terminal on a shell
    /// or console inside a container.
    static func containerSession(program: String, _ arguments: [String]) -> Bool {
        let valued = containerValuedOptions
        let beforeDashes = arguments.prefix { $0 != "--" }
        let positional = afterOptions(Array(beforeDashes), valued: valued, stopAtFirst: false)
        guard let verb = positional.first else { return false }
        if program == "oc", verb == "rsh" {
            // `oc rsh POD` opens a shell; `oc rsh POD COMMAND` runs COMMAND.
            let command = beforeDashes.count < arguments.count ? Array(arguments.drop { $0 != "--" }.dropFirst()) : Array(positional.dropFirst(2))
            return positional.count >= 2 && (command.isEmpty || isSession(command))
        }
        guard ["exec", "run", "debug"].contains(verb) else { return false }
        let flags = beforeDashes.filter { $0.hasPrefix("-") }
        let stdin = flags.contains { $0 == "--stdin" || $0 == "-i" || $0 == "--interactive" || ($0.hasPrefix("-") && !$0.hasPrefix("--") && $0.contains("i")) }
        let tty = flags.contains { $0 == "--tty" || $0 == "-t" || ($0.hasPrefix("-") && !$0.hasPrefix("--") && $0.contains("t") && $0.count <= 4) }
        guard stdin, tty else { return false }
        // The command inside: after `--`, else (exec) the words after the container.
        let command: [String]
        if beforeDashes.count < arguments.count {
            command = Array(arguments.drop { $0 != "--" }.dropFirst())
        } else if verb == "exec" {
            command = Array(positional.dropFirst(2))
        } else {
            return false
        }
        return !command.isEmpty && isSession(command)
    }

    /// The words after the options; an option in `valued` takes the next word as its value.
    static func afterOptions(_ words: [String], valued: Set<String>, stopAtFirst: Bool = true) -> [String] {
        var rest: [String] = []
        var index = 0
        while index < words.count {
            let word = words[index]
            if word.hasPrefix("-"), word != "-" {
                if valued.contains(word) { index += 1 }
            } else if stopAtFirst {
                return Array(words[index...])
            } else {
                rest.append(word)
            }
            index += 1
        }
        return rest
    }
}

/// Whether the lines read so far leave a quoted string or a here-document open: the lines that
/// follow are its text. Quotes as the shell reads them (`\` escapes outside single quotes, `#`
/// starts a comment at a word's start); a here-document ends at its delimiter line.
struct ShellContinuation {
    private var quote: UInt8?
    private var hereDocument: (delimiter: String, tabs: Bool)?

    var isOpen: Bool { quote != nil || hereDocument != nil }

    mutating func read(_ line: String) {
        if let open = hereDocument {
            let text = open.tabs ? String(line.drop { $0 == "\t" }) : line
            if text == open.delimiter { hereDocument = nil }
            return
        }
        let bytes = Array(line.utf8)
        var index = 0
        var previous: UInt8 = 0x20
        while index < bytes.count {
            let byte = bytes[index]
            if let open = quote {
                if byte == open { quote = nil } else if open == UInt8(ascii: "\""), byte == UInt8(ascii: "\\") { index += 1 }
            } else if byte == UInt8(ascii: "\\") {
                index += 1
            } else if byte == UInt8(ascii: "'") || byte == UInt8(ascii: "\"") {
                quote = byte
            } else if byte == UInt8(ascii: "#"), previous == 0x20 || previous == 0x09 {
                return
            } else if byte == UInt8(ascii: "<"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "<"),
                      index + 2 >= bytes.count || bytes[index + 2] != UInt8(ascii: "<") {
                // `<<EOF`, `<<-EOF`, `<< 'EOF'`, `<<"EOF"` (`<<<` is a here-string).
                var cursor = index + 2
                let tabs = cursor < bytes.count && bytes[cursor] == UInt8(ascii: "-")
                if tabs { cursor += 1 }
                while cursor < bytes.count, bytes[cursor] == 0x20 || bytes[cursor] == 0x09 { cursor += 1 }
                var word: [UInt8] = []
                while cursor < bytes.count, ![0x20, 0x09, UInt8(ascii: ";"), UInt8(ascii: "|"), UInt8(ascii: "&"), UInt8(ascii: ")")].contains(bytes[cursor]) {
                    if bytes[cursor] != UInt8(ascii: "'"), bytes[cursor] != UInt8(ascii: "\""), bytes[cursor] != UInt8(ascii: "\\") { word.append(bytes[cursor]) }
                    cursor += 1
                }
                if !word.isEmpty { hereDocument = (String(decoding: word, as: UTF8.self), tabs) }
                index = cursor
                previous = 0x20
                continue
            }
            previous = byte
            index += 1
        }
    }
}

// docs/adopting.md shows real output: every ```console block preceded by
// `<!-- doc-test: repository=NAME -->` is run, command by command, in a temporary repository built
// from the shared corpora, and what each command prints must be what the page shows. Blocks of one
// repository run in order and share its state. RBC_RECORD=1 rewrites the outputs in the page.

import Foundation
import Testing

@Suite struct AdoptingDocTests {
    static let page = "docs/adopting.md"

    /// The repositories the page's examples run in: corpus → subdirectory ("" for the root).
    static let repositories: [String: [String: String]] = [
        "prometheus-operator": ["prometheus-operator-runbooks": "", "kube-prometheus-rules": "kube-prometheus-rules"],
        "gitlab": ["gitlab-com-runbooks": ""],
    ]

    struct Block {
        let repository: String
        /// Line indexes (in the page) of the block's content, between the fences.
        let lines: Range<Int>
    }

    static func blocks(_ lines: [String]) -> [Block] {
        var blocks: [Block] = []
        var index = 0
        while index < lines.count {
            if let range = lines[index].range(of: #"^<!-- doc-test: repository=([a-z-]+) -->$"#, options: .regularExpression),
               index + 1 < lines.count, lines[index + 1] == "```console" {
                let name = lines[index][range].replacingOccurrences(of: "<!-- doc-test: repository=", with: "").replacingOccurrences(of: " -->", with: "")
                let start = index + 2
                var end = start
                while end < lines.count, lines[end] != "```" { end += 1 }
                blocks.append(Block(repository: name, lines: start..<end))
                index = end
            }
            index += 1
        }
        return blocks
    }

    /// Runs a command line with `sh`, rbc first on PATH, standard error merged into the output.
    static func shell(_ command: String, in directory: URL, environment extra: [String: String] = [:]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command + " 2>&1"]
        process.currentDirectoryURL = directory
        var environment = ProcessInfo.processInfo.environment
        let rbcDirectory = (TestSupport.rbcBinary as NSString).deletingLastPathComponent
        environment["PATH"] = rbcDirectory + ":" + (environment["PATH"] ?? "/usr/bin:/bin")
        environment.removeValue(forKey: "NO_COLOR")
        environment.merge(extra) { $1 }
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    @Test func everyShownCommandPrintsWhatThePageShows() throws {
        let text = try String(contentsOfFile: TestSupport.path(Self.page), encoding: .utf8)
        var lines = text.components(separatedBy: "\n")
        let blocks = Self.blocks(lines)
        #expect(Set(blocks.map(\.repository)) == Set(Self.repositories.keys), "every repository is used and every block names a known one")
        var made: [String: URL] = [:]
        defer { for url in made.values { try? FileManager.default.removeItem(at: url) } }
        var replacements: [(Range<Int>, [String])] = []
        for block in blocks {
            let parts = try #require(Self.repositories[block.repository])
            let directory = try made[block.repository] ?? InitTests.repository(parts)
            made[block.repository] = directory
            var actual: [String] = []
            for line in lines[block.lines] where line.hasPrefix("$ ") {
                actual.append(line)
                let output = try Self.shell(String(line.dropFirst(2)), in: directory)
                if !output.isEmpty {
                    actual += output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init).dropLast(output.hasSuffix("\n") ? 1 : 0)
                }
            }
            let shown = Array(lines[block.lines])
            if ProcessInfo.processInfo.environment["RBC_RECORD"] == "1" {
                replacements.append((block.lines, actual))
            } else {
                #expect(shown == actual, "\(Self.page) line \(block.lines.lowerBound + 1) (- page, + real):\n\(TestSupport.lineDiff(shown.joined(separator: "\n"), actual.joined(separator: "\n")))")
            }
        }
        if !replacements.isEmpty {
            for (range, replacement) in replacements.reversed() { lines.replaceSubrange(range, with: replacement) }
            try lines.joined(separator: "\n").write(toFile: TestSupport.path(Self.page), atomically: true, encoding: .utf8)
            Issue.record("recorded the outputs in \(Self.page); run again without RBC_RECORD")
        }
    }
}

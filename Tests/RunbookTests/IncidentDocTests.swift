// docs/incidents.md walks through seed 002's checkout failure with real output: the files shown
// (`<!-- doc-test: file=PATH -->` before a block) make a scratch git repository, then every
// ```console block marked `<!-- doc-test: incident clock=TIME -->` runs in order, command by command,
// with `RBC_TEST_CLOCK=TIME`, and what each prints must be what the page shows. RBC_RECORD=1
// rewrites the outputs in the page.

import Foundation
import Testing

@Suite struct IncidentDocTests {
    static let page = "docs/incidents.md"

    enum Block {
        case file(path: String, lines: Range<Int>)
        case commands(clock: String, lines: Range<Int>)
    }

    static func blocks(_ lines: [String]) -> [Block] {
        var blocks: [Block] = []
        var index = 0
        while index < lines.count {
            let line = lines[index]
            if line.hasPrefix("<!-- doc-test: "), line.hasSuffix(" -->"), index + 1 < lines.count, lines[index + 1].hasPrefix("```") {
                let marker = line.dropFirst("<!-- doc-test: ".count).dropLast(" -->".count)
                let start = index + 2
                var end = start
                while end < lines.count, lines[end] != "```" { end += 1 }
                if marker.hasPrefix("file=") {
                    blocks.append(.file(path: String(marker.dropFirst(5)), lines: start..<end))
                } else if marker.hasPrefix("incident clock=") {
                    blocks.append(.commands(clock: String(marker.dropFirst("incident clock=".count)), lines: start..<end))
                }
                index = end
            }
            index += 1
        }
        return blocks
    }

    @Test func theWalkthroughPrintsWhatThePageShows() throws {
        let text = try String(contentsOfFile: TestSupport.path(Self.page), encoding: .utf8)
        var lines = text.components(separatedBy: "\n")
        let blocks = Self.blocks(lines)
        #expect(blocks.count >= 12, "the files and the incident's commands")
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var committed = false
        var replacements: [(Range<Int>, [String])] = []
        for block in blocks {
            switch block {
            case .file(let path, let range):
                #expect(!committed, "files come before the commands")
                let file = directory.appendingPathComponent(path)
                try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
                try (lines[range].joined(separator: "\n") + "\n").write(to: file, atomically: true, encoding: .utf8)
            case .commands(let clock, let range):
                if !committed {
                    // The runbook as committed: the review names its commit, and the history checks read it.
                    let git = "git -c user.name=alice -c user.email=alice@example.org"
                    let dates = "GIT_AUTHOR_DATE=2024-11-01T10:00:00Z GIT_COMMITTER_DATE=2024-11-01T10:00:00Z"
                    let output = try AdoptingDocTests.shell("git init -q && git add -A && \(dates) \(git) commit -qm 'runbooks'", in: directory)
                    #expect(output.isEmpty, "\(output)")
                    committed = true
                }
                var actual: [String] = []
                for line in lines[range] where line.hasPrefix("$ ") {
                    actual.append(line)
                    let output = try AdoptingDocTests.shell(String(line.dropFirst(2)), in: directory,
                                                            environment: ["RBC_TEST_CLOCK": clock, "USER": "alice"])
                    if !output.isEmpty {
                        actual += output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init).dropLast(output.hasSuffix("\n") ? 1 : 0)
                    }
                }
                let shown = Array(lines[range])
                if ProcessInfo.processInfo.environment["RBC_RECORD"] == "1" {
                    replacements.append((range, actual))
                } else {
                    #expect(shown == actual, "\(Self.page) line \(range.lowerBound + 1) (- page, + real):\n\(TestSupport.lineDiff(shown.joined(separator: "\n"), actual.joined(separator: "\n")))")
                }
            }
        }
        #expect(committed, "the page runs commands")
        if !replacements.isEmpty {
            for (range, replacement) in replacements.reversed() { lines.replaceSubrange(range, with: replacement) }
            try lines.joined(separator: "\n").write(toFile: TestSupport.path(Self.page), atomically: true, encoding: .utf8)
            Issue.record("recorded the outputs in \(Self.page); run again without RBC_RECORD")
        }
    }
}

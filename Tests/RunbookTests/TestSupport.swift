// Shared helpers: where the package is, the built `rbc`, running it, and golden-file comparison.

import Foundation
import RunbookDriver
import RunbookSource
import Testing

enum TestSupport {
    /// The package root, from this file's location.
    static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    /// `../shared/corpora`: real runbooks, alert rules and schemas nobody here wrote. CI always has
    /// it beside the clone, so a missing folder fails the test that needs it instead of skipping it.
    static func sharedCorpora(sourceLocation: SourceLocation = #_sourceLocation) throws -> URL {
        let corpora = root.deletingLastPathComponent().appendingPathComponent("shared/corpora")
        try #require(FileManager.default.fileExists(atPath: corpora.appendingPathComponent("README.md").path),
                     "../shared/corpora is missing beside the package; the corpus tests need it", sourceLocation: sourceLocation)
        return corpora
    }

    /// A diagnostic range is well formed: ordered, inside the file, and on UTF-8 scalar boundaries
    /// (a range that starts or ends inside a multi-byte character would render a broken caret).
    static func isValidRange(_ range: SourceRange, in file: SourceFile) -> Bool {
        func isBoundary(_ offset: Int) -> Bool { offset == file.bytes.count || file.bytes[offset] & 0xC0 != 0x80 }
        return range.start >= 0 && range.start <= range.end && range.end <= file.bytes.count
            && isBoundary(range.start) && isBoundary(range.end)
    }

    /// The `rbc` built alongside the tests (SwiftPM builds it because the test target depends on it).
    static var rbcBinary: String {
        var candidates: [String] = []
        if let override = ProcessInfo.processInfo.environment["RBC_BINARY"] { candidates.append(override) }
        let bundle = Bundle.main.bundleURL
        candidates += [bundle.appendingPathComponent("rbc").path,
                       bundle.deletingLastPathComponent().appendingPathComponent("rbc").path,
                       path(".build/debug/rbc")]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? path(".build/debug/rbc")
    }

    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `rbc` with arguments in a directory (default: the package root), no terminal, no colour env.
    /// `executable`: run this instead, with `arguments` (a wrapper such as `prlimit` that runs rbc).
    static func rbc(_ arguments: [String], in directory: String? = nil, environment: [String: String] = [:], executable: String? = nil) throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable ?? rbcBinary)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory ?? root.path)
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "NO_COLOR")
        env.merge(environment) { $1 }
        process.environment = env
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Read both pipes concurrently so a full pipe can never block the child.
        let group = DispatchGroup()
        nonisolated(unsafe) var outData = Data()
        nonisolated(unsafe) var errData = Data()
        group.enter()
        DispatchQueue.global().async { outData = out.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        group.enter()
        DispatchQueue.global().async { errData = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        group.wait()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                   stderr: String(decoding: errData, as: UTF8.self))
    }

    /// Compares text with a golden file. With RBC_RECORD=1 the file is rewritten and the test
    /// fails, so a recording run can never pass silently.
    static func assertGolden(_ actual: String, _ goldenRelativePath: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let goldenPath = path(goldenRelativePath)
        if ProcessInfo.processInfo.environment["RBC_RECORD"] == "1" {
            try? FileManager.default.createDirectory(atPath: (goldenPath as NSString).deletingLastPathComponent,
                                                     withIntermediateDirectories: true)
            try? actual.write(toFile: goldenPath, atomically: true, encoding: .utf8)
            Issue.record("recorded \(goldenRelativePath); run again without RBC_RECORD", sourceLocation: sourceLocation)
            return
        }
        guard let expected = try? String(contentsOfFile: goldenPath, encoding: .utf8) else {
            Issue.record("missing golden file \(goldenRelativePath); run with RBC_RECORD=1 to create it", sourceLocation: sourceLocation)
            return
        }
        // ShellCheck's wording changes between its versions, its codes and positions do not: the
        // goldens keep the text of the version they were recorded with, compared by code only.
        let (maskedActual, maskedExpected) = (maskingShellCheckText(actual), maskingShellCheckText(expected))
        #expect(maskedActual == maskedExpected, "output differs from \(goldenRelativePath) (- golden, + actual):\n\(lineDiff(maskedExpected, maskedActual))",
                sourceLocation: sourceLocation)
    }

    /// `SC2086: Double quote to prevent globbing…` → `SC2086: <ShellCheck's text>`, up to the
    /// step suffix, a closing quote or the end of the line.
    static func maskingShellCheckText(_ text: String) -> String {
        guard let pattern = try? Regex(#"(SC[0-9]{4}): [^\n"]*?( \(in step|\\"|"|%0A|$)"#).anchorsMatchLineEndings() else { return text }
        return text.replacing(pattern) { match in
            let code = match.output[1].substring ?? ""
            let tail = match.output[2].substring ?? ""
            return "\(code): <ShellCheck's text>\(tail)"
        }
    }

    /// A unified-style line diff (Swift's own collection difference), at most 60 lines of it.
    static func lineDiff(_ expected: String, _ actual: String) -> String {
        let old = expected.components(separatedBy: "\n")
        let new = actual.components(separatedBy: "\n")
        var lines: [(Int, String)] = []
        for change in new.difference(from: old) {
            switch change {
            case .remove(let offset, let line, _): lines.append((offset * 2, "-\(offset + 1): \(line)"))
            case .insert(let offset, let line, _): lines.append((offset * 2 + 1, "+\(offset + 1): \(line)"))
            }
        }
        let shown = lines.sorted { $0.0 < $1.0 }.map(\.1)
        return (shown.prefix(60) + (shown.count > 60 ? ["… \(shown.count - 60) more changed lines"] : [])).joined(separator: "\n")
    }

    static func files(in relativeDirectory: String, extension ext: String) -> [String] {
        let directory = path(relativeDirectory)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasSuffix("." + ext) }.sorted()
    }

    /// Compiles source text as if it were a file, for focused unit tests.
    static func compile(_ text: String, path: String = "test.yaml") -> CompilationResult {
        Compiler.compile(SourceFile(path: path, text: text))
    }

    /// Text rendering of a compilation, without colour.
    static func rendered(_ diagnostics: [Diagnostic]) -> String {
        TextRenderer(color: false).render(diagnostics.sorted(by: Diagnostic.outputOrder),
                                          summary: RenderSummary(filesChecked: 1, diagnostics: diagnostics))
    }

    /// Runs a program whose output is read to the end while the test plays the writer of a FIFO:
    /// whenever someone (rbc) has the FIFO open for reading, `line` is written to it. A program that
    /// reads the FIFO shows it in its output; one that waits on it would hang without this writer.
    static func runFeedingFIFO(_ fifo: String, with line: String, executable: String, _ arguments: [String],
                               in directory: URL) throws -> (status: Int32, stdout: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = directory
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        nonisolated(unsafe) var stdout = Data()
        let reader = DispatchGroup()
        reader.enter()
        DispatchQueue.global().async { stdout = output.fileHandleForReading.readDataToEndOfFile(); reader.leave() }
        while process.isRunning {
            // Succeeds only while a reader has the pipe open.
            let writer = open(fifo, O_WRONLY | O_NONBLOCK)
            if writer >= 0 {
                _ = line.withCString { write(writer, $0, strlen($0)) }
                close(writer)
            }
            usleep(5_000)
        }
        reader.wait()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: stdout, as: UTF8.self))
    }

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("rbc-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

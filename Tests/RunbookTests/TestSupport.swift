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
    static func rbc(_ arguments: [String], in directory: String? = nil, environment: [String: String] = [:]) throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: rbcBinary)
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
        #expect(actual == expected, "output differs from \(goldenRelativePath)", sourceLocation: sourceLocation)
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

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("rbc-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

// `rbc lsp` driven by a real LSP client: pytest-lsp (from the Makefile's virtualenv) runs
// Tests/RunbookTests/lsp against the rbc under test. Missing pytest is a failure, not a skip.

import Foundation
import Testing

@Suite struct LSPClientTests {
    /// pytest from `RBC_PYTEST` or the Makefile's virtualenv (`make venv` installs it with pytest-lsp).
    static var pytest: String? {
        if let path = ProcessInfo.processInfo.environment["RBC_PYTEST"], FileManager.default.isExecutableFile(atPath: path) { return path }
        let local = TestSupport.path(".build/venv/bin/pytest")
        return FileManager.default.isExecutableFile(atPath: local) ? local : nil
    }

    @Test func aRealClientGetsDiagnosticsHoverCompletionDefinitionsAndFixes() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(Self.pytest, "pytest with pytest-lsp not installed: run `make venv`"))
        process.arguments = ["-q", "-p", "no:cacheprovider", TestSupport.path("Tests/RunbookTests/lsp")]
        var environment = ProcessInfo.processInfo.environment
        environment["RBC_BINARY"] = TestSupport.rbcBinary
        environment["PYTHONDONTWRITEBYTECODE"] = "1"
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "pytest-lsp suite failed:\n\(text)")
        #expect(text.contains(" passed"), "no tests ran:\n\(text)")
    }
}

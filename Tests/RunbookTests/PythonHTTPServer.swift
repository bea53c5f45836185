// A real HTTP server on a loopback port for one test: Python's http.server running a script the
// test gives, which logs each request as a JSON line to the path in argv[1], serves for argv[2]
// seconds and prints its port first. The executor's and the Ansible export's tests share it.

import Foundation

class PythonHTTPServer {
    let process = Process()
    let port: Int
    /// The whole first line the script printed (its port first; a script serving on more ports adds theirs).
    let announced: [Int]
    let log: URL

    /// `python`: the interpreter (a script that needs a package of the Makefile's venv runs with its python).
    init(script text: String, lifetimeSeconds: Int, python: [String] = ["/usr/bin/env", "python3"]) throws {
        let directory = try TestSupport.temporaryDirectory()
        log = directory.appendingPathComponent("requests.jsonl")
        let script = directory.appendingPathComponent("server.py")
        try text.write(to: script, atomically: true, encoding: .utf8)
        process.executableURL = URL(fileURLWithPath: python[0])
        process.arguments = Array(python.dropFirst()) + [script.path, log.path, String(lifetimeSeconds)]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        var line = Data()
        while !line.contains(0x0A) {
            let chunk = pipe.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        announced = String(decoding: line, as: UTF8.self).split(whereSeparator: \.isWhitespace).compactMap { Int($0) }
        port = announced.first ?? 0
    }

    /// The requests logged so far, in arrival order.
    func requests() -> [[String: Any]] {
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    /// SIGKILL: the test runner ignores SIGTERM, and its children inherit that.
    func stop() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: log.deletingLastPathComponent())
    }
}

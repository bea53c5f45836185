// A real HTTP server on a loopback port for one test: Python's http.server running a script the
// test gives, which logs each request as a JSON line to the path in argv[1], serves for argv[2]
// seconds and prints its port first. The executor's and the Ansible export's tests share it.

import Foundation

class PythonHTTPServer {
    let process = Process()
    let port: Int
    let log: URL

    init(script text: String, lifetimeSeconds: Int) throws {
        let directory = try TestSupport.temporaryDirectory()
        log = directory.appendingPathComponent("requests.jsonl")
        let script = directory.appendingPathComponent("server.py")
        try text.write(to: script, atomically: true, encoding: .utf8)
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path, log.path, String(lifetimeSeconds)]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        var line = Data()
        while !line.contains(0x0A) {
            let chunk = pipe.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        port = Int(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
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

// The report's pages in a real browser (headless Chromium, Debian `chromium`, installed by
// `make deps`): they load with no console message and no network request, the numbers the browser
// renders are the JSON's, and the screenshots in docs/ come from here (RBC_RECORD=1).

import Foundation
import Testing

/// One page loaded by headless Chromium: its rendered DOM, console lines, the requests the page made
/// over the network (from Chromium's net log), and a screenshot.
struct BrowserLoad {
    var dom: String
    var console: [String]
    var networkRequests: [String]
    var screenshot: URL

    static func chromium() throws -> String {
        let path = ProcessInfo.processInfo.environment["RBC_CHROMIUM"] ?? "/usr/bin/chromium"
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw FixtureError(message: "no Chromium at \(path): `make deps` installs Debian's chromium (or set RBC_CHROMIUM)")
        }
        return path
    }

    /// Loads `page` (a file) with every background service off and every host name unresolvable,
    /// so the only requests the net log can show are the page's own.
    static func load(_ page: URL, scratch: URL, width: Int = 1280, height: Int = 1800) throws -> BrowserLoad {
        let name = page.deletingPathExtension().lastPathComponent + "-" + UUID().uuidString.prefix(8)
        let netLog = scratch.appendingPathComponent(name + ".netlog.json")
        let screenshot = scratch.appendingPathComponent(name + ".png")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try chromium())
        process.arguments = [
            "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--enable-logging=stderr", "--v=0",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-default-apps",
            "--disable-domain-reliability", "--disable-extensions", "--no-first-run", "--no-default-browser-check",
            "--host-resolver-rules=MAP * ~NOTFOUND", "--user-data-dir=" + scratch.appendingPathComponent(name + "-profile").path,
            "--log-net-log=" + netLog.path, "--window-size=\(width),\(height)", "--screenshot=" + screenshot.path,
            "--dump-dom", page.absoluteString,
        ]
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let group = DispatchGroup()
        nonisolated(unsafe) var outData = Data()
        nonisolated(unsafe) var errData = Data()
        group.enter()
        DispatchQueue.global().async { outData = out.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        group.enter()
        DispatchQueue.global().async { errData = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        group.wait()
        process.waitUntilExit()
        let stderr = String(decoding: errData, as: UTF8.self)
        guard process.terminationStatus == 0 else { throw FixtureError(message: "chromium exited \(process.terminationStatus): \(stderr)") }
        // Console messages (errors, CSP refusals, logs) are written as `…:CONSOLE…] "text", source: …`.
        let console = stderr.split(separator: "\n").filter { $0.contains(":CONSOLE") }.map(String.init)
        return BrowserLoad(dom: String(decoding: outData, as: UTF8.self), console: console,
                           networkRequests: try requests(inNetLog: netLog), screenshot: screenshot)
    }

    /// URLs the page asked the network stack for: requests whose isolation key is a file:// page.
    /// Chromium's own background requests carry other keys and are not the page's doing.
    static func requests(inNetLog url: URL) throws -> [String] {
        let data = try Data(contentsOf: url)
        guard let log = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let constants = log["constants"] as? [String: Any], let types = constants["logEventTypes"] as? [String: Int],
              let startJob = types["URL_REQUEST_START_JOB"], let events = log["events"] as? [[String: Any]] else {
            throw FixtureError(message: "\(url.path) is not a Chromium net log")
        }
        return events.compactMap { event in
            guard event["type"] as? Int == startJob, let params = event["params"] as? [String: Any],
                  let key = params["network_isolation_key"] as? String, key.hasPrefix("file://") else { return nil }
            return params["url"] as? String
        }
    }
}

@Suite struct ReportBrowserTests {
    /// The detectors can fail: a page that loads an image from another host shows up in the net
    /// log, and one that tries under the report's policy shows up in the console.
    @Test func externalLoadsAreCaught() throws {
        let scratch = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let open = scratch.appendingPathComponent("open.html")
        try #"<!DOCTYPE html><html lang="en"><head><title>t</title></head><body><img src="http://127.0.0.1:9/x.png" alt="x"></body></html>"#
            .write(to: open, atomically: true, encoding: .utf8)
        let guarded = scratch.appendingPathComponent("guarded.html")
        try #"<!DOCTYPE html><html lang="en"><head><meta http-equiv="Content-Security-Policy" content="default-src 'none'"><title>t</title></head><body><img src="http://127.0.0.1:9/x.png" alt="x"><script src="https://example.invalid/x.js"></script></body></html>"#
            .write(to: guarded, atomically: true, encoding: .utf8)
        let loads = try Self.loadAll([open, guarded], scratch: scratch, height: 300)
        #expect(loads[0].networkRequests == ["http://127.0.0.1:9/x.png"])
        #expect(loads[1].networkRequests.isEmpty)
        #expect(loads[1].console.contains { $0.contains("http://127.0.0.1:9/x.png") && $0.contains("Content Security Policy") })
        #expect(loads[1].console.contains { $0.contains("https://example.invalid/x.js") })
    }

    @Test func pagesLoadCleanAndShowTheJSONsNumbers() throws {
        let fixture = try ReportFixture(hostile: false, examples: true)
        let site = try TestSupport.temporaryDirectory()
        let scratch = try TestSupport.temporaryDirectory()
        defer {
            try? FileManager.default.removeItem(at: site)
            try? FileManager.default.removeItem(at: scratch)
        }
        #expect(try fixture.report(["-o", site.path]).status == 0)
        let report = try fixture.json()
        let runbooks = try #require(report["runbooks"] as? [[String: Any]])
        let runbookPage = try #require(runbooks.first { $0["path"] as? String == "runbooks/examples/postgres-connection-exhaustion.yaml" }?["page"] as? String)
        let pages = [site.appendingPathComponent("index.html"), site.appendingPathComponent(runbookPage)]
        let loads = try Self.loadAll(pages, scratch: scratch)
        for (page, load) in zip(pages, loads) {
            #expect(load.console.isEmpty, "\(page.lastPathComponent): \(load.console)")
            #expect(load.networkRequests.isEmpty, "\(page.lastPathComponent): \(load.networkRequests)")
            #expect(load.dom.contains("<main id=\"main\">"), "\(page.lastPathComponent) did not render")
            let png = try Data(contentsOf: load.screenshot)
            #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]) && png.count > 10_000, "\(page.lastPathComponent): no screenshot")
        }
        ReportPages.expectOverviewMatches(loads[0].dom, report)
        if ProcessInfo.processInfo.environment["RBC_RECORD"] == "1" {
            for (load, name) in zip(loads, ["report-overview.png", "report-runbook.png"]) {
                let target = URL(fileURLWithPath: TestSupport.path("docs/" + name))
                try? FileManager.default.removeItem(at: target)
                try FileManager.default.copyItem(at: load.screenshot, to: target)
            }
            Issue.record("recorded docs/report-overview.png and docs/report-runbook.png; run again without RBC_RECORD")
        }
    }

    /// Chromium starts slowly and mostly waits: the pages load side by side.
    static func loadAll(_ pages: [URL], scratch: URL, height: Int = 1800) throws -> [BrowserLoad] {
        let results = LoadSlots(count: pages.count)
        DispatchQueue.concurrentPerform(iterations: pages.count) { index in
            results.store(index, Result { try BrowserLoad.load(pages[index], scratch: scratch, height: height) })
        }
        return try results.values.map { try $0?.get() ?? { throw FixtureError(message: "page not loaded") }() }
    }
}

private final class LoadSlots: @unchecked Sendable {
    private(set) var values: [Result<BrowserLoad, Error>?]
    private let lock = NSLock()

    init(count: Int) { values = Array(repeating: nil, count: count) }

    func store(_ index: Int, _ value: Result<BrowserLoad, Error>) {
        lock.lock()
        values[index] = value
        lock.unlock()
    }
}

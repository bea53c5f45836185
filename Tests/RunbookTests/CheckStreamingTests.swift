// `rbc check` streams: a file whose tree no cross-file check reads is finished on its worker, and
// what is kept of it until the output is rendered is its diagnostics and the text they point into.
// The shortcuts taken before any file is read (walk, excludes) must answer as Foundation does.

import Foundation
@testable import RunbookDriver
import RunbookSource
import Testing

@Suite struct CheckStreamingTests {
    @Test func aFileKeptUntilTheOutputIsAFewWordsWide() {
        // Every checked file's record lives until the output is rendered, in several arrays at once.
        // With the trees inline a record was about 2 KiB: 10,000 files held 161 MiB at the peak.
        #expect(MemoryLayout<CompilationResult>.stride <= 96, "\(MemoryLayout<CompilationResult>.stride)")
        #expect(MemoryLayout<CheckSession.ProcessedFile>.stride <= 160, "\(MemoryLayout<CheckSession.ProcessedFile>.stride)")
        #expect(MemoryLayout<CheckSession.ProcessedFile?>.stride <= 160, "\(MemoryLayout<CheckSession.ProcessedFile?>.stride)")
    }

    @Test func finishedFilesKeepOnlyTheirDiagnosticsAndTheTextTheyPointInto() throws {
        let clean = TestSupport.path("examples/node-disk-full.yaml")
        let broken = TestSupport.path("examples/broken/unknown-keys.yaml")
        let configuration = (Configuration(directory: TestSupport.path("examples"), file: nil), [Diagnostic]())
        var options = CheckOptions()
        options.git = false
        options.shellcheck = false
        options.today = "2026-11-22"
        options.keepCompiled = false
        let streamed = CheckSession.run(paths: [clean, broken], options: options, configuration: configuration)
        options.keepCompiled = true
        let kept = CheckSession.run(paths: [clean, broken], options: options, configuration: configuration)

        #expect(streamed.results.map(\.path) == [clean, broken])
        for result in streamed.results {
            #expect(result.ir == nil && result.recoveredIR == nil && result.syntax == nil, "\(result.path) kept its trees")
        }
        let cleanResult = try #require(streamed.results.first)
        #expect(cleanResult.diagnostics.isEmpty)
        #expect(cleanResult.file == nil, "a file without diagnostics keeps no text")
        let brokenResult = try #require(streamed.results.last)
        #expect(!brokenResult.diagnostics.isEmpty)
        #expect(brokenResult.file != nil && brokenResult.diagnostics.allSatisfy { $0.file === brokenResult.file })
        #expect(kept.results.allSatisfy { $0.file != nil && $0.syntax != nil }, "library callers still get every tree")

        // The same answer either way, byte for byte, and the same per-phase timings reported.
        for format in OutputFormat.allCases {
            let renderer = format.renderer(color: false, version: "test")
            #expect(renderer.render(streamed.diagnostics, summary: RenderSummary(filesChecked: 2, diagnostics: streamed.diagnostics))
                == renderer.render(kept.diagnostics, summary: RenderSummary(filesChecked: 2, diagnostics: kept.diagnostics)), "\(format)")
        }
        #expect(streamed.timings.map(\.0) == kept.timings.map(\.0))
    }

    @Test func standardPathsAgreeWithFoundation() throws {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let real = directory.appendingPathComponent("real")
        try FileManager.default.createDirectory(at: real, withIntermediateDirectories: true)
        let link = directory.appendingPathComponent("link").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: real.path)
        let paths = [
            "/", "/a", "/a/b.yaml", "/a/b/", "/a//b", "/a/./b", "/a/../b", "/a/..", "/a/.", "/.", "/..", "/a/...", "/a/.b", "/a/b.",
            "/private/tmp/x.yaml", "/private/tmp", "/private/var/x", "/private", "/privatex/y", "/tmp/private/tmp/x",
            "/a b/c;d?e#f.yaml", "/a/%41b.yaml", "/a/%2e%2e/b", "/é/ü.md", "/a/\u{7F}", "/a/b~", "/~/x",
            "a/b.yaml", "./a.yaml", "../a.yaml", "a/../../b", "", ".", "..", "a//b/", "é.md", "%41.md",
            link, link + "/x.yaml", link + "/../real/x.yaml", real.path + "/", directory.path,
        ]
        for path in paths {
            #expect(StandardPath.absolute(path) == URL(fileURLWithPath: path).standardizedFileURL.path, "\(path)")
        }
    }

    @Test func runbookExtensionsAgreeWithNSString() {
        let names = [
            "a.yaml", "a.yml", "a.md", "a.markdown", "a.YAML", "a.Yml", "a.MarkDown", ".yaml", ".md", "..yaml", "...", ".", "a.",
            "a..yaml", "a.b.md", ".a.md", "a", "a.yaml ", "a.yamlx", "a.txt", "é.yml", "a.yam\u{0130}", "a.m\u{212A}",
            "a.ｙaml", "yaml", "a.json", "a.markdowns", "a.mdown", "a-yaml", "a.y", "a.yaml.bak", "a.bak.yaml",
        ]
        for name in names {
            let expected = RunbookDiscovery.runbookExtensions.contains((name as NSString).pathExtension.lowercased())
            #expect(RunbookDiscovery.hasRunbookExtension(name) == expected, "\(name)")
        }
    }
}

// The bad-input corpus: every truncation of real examples, seeded byte flips, huge scalars, NUL bytes,
// odd line ends and byte-order marks. Nothing may crash or hang, every position stays inside the
// file, and every input either compiles or says why not.

import Foundation
import RunbookDriver
import RunbookRuntime
import RunbookSema
import RunbookSource
import Testing

@Suite struct BadInputCorpusTests {
    static func assertSane(_ result: CompilationResult, _ label: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(result.ir != nil || !result.diagnostics.isEmpty, "\(label): neither IR nor a diagnostic", sourceLocation: sourceLocation)
        for diagnostic in result.diagnostics {
            guard let file = diagnostic.file, let range = diagnostic.range else { continue }
            #expect(range.start >= 0 && range.end <= file.bytes.count, "\(label): range outside the file", sourceLocation: sourceLocation)
        }
    }

    /// Bytes that change YAML or Markdown structure, so mutations reach the parsers' error paths.
    static let structuralBytes = Array("{}[]:-|>&*!%@`'\"\n\t#".utf8)

    static func example(_ name: String) throws -> [UInt8] {
        try [UInt8](Data(contentsOf: URL(fileURLWithPath: TestSupport.path("examples/\(name)"))))
    }

    @Test(.timeLimit(.minutes(3)), arguments: ["api-gateway-rate-limit.yaml", "kube-pod-crashlooping.md"])
    func everyTruncation(_ name: String) throws {
        let bytes = try Self.example(name)
        for length in 0...bytes.count {
            Self.assertSane(Compiler.compile(path: name, bytes: Array(bytes[0..<length])), "\(name)[0..<\(length)]")
        }
    }

    @Test(.timeLimit(.minutes(3)), arguments: ["postgres-connection-exhaustion.yaml", "order-service.md"])
    func seededByteFlips(_ name: String) throws {
        let bytes = try Self.example(name)
        var generator = SplitMix(seed: 20261122)
        for round in 0..<400 {
            var mutated = bytes
            for _ in 0..<(1 + Int(generator.next() % 4)) {
                let index = Int(generator.next() % UInt64(mutated.count))
                switch generator.next() % 4 {
                case 0: mutated[index] = UInt8(truncatingIfNeeded: generator.next())
                case 1: mutated.remove(at: index)
                case 2: mutated.insert(Self.structuralBytes[Int(generator.next() % UInt64(Self.structuralBytes.count))], at: index)
                default: mutated[index] ^= 0x80
                }
            }
            Self.assertSane(Compiler.compile(path: name, bytes: mutated), "\(name) flip round \(round)")
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func hostileShapes() throws {
        let huge = String(repeating: "x", count: 2_000_000)
        let cases: [(String, [UInt8])] = [
            ("huge plain scalar", Array("runbook:\n  name: \(huge)\n".utf8)),
            ("huge quoted scalar", Array("runbook:\n  name: \"\(huge)\"\n".utf8)),
            ("huge block scalar", Array(("runbook:\n  description: |\n" + String(repeating: "    line of text\n", count: 100_000)).utf8)),
            ("huge expression", Array("runbook:\n  name: x\n  severity: P3\n  steps:\n    - {id: a, action: execute_command, command: \"${{ \(String(repeating: "(", count: 50_000)) }}\"}\n".utf8)),
            ("NUL in the middle", Array("runbook:\n  name: x".utf8) + [0] + Array("\n".utf8)),
            ("CR line ends", Array("runbook:\r  name: x\r  severity: P9\r".utf8)),
            ("BOM and CRLF Markdown", [0xEF, 0xBB, 0xBF] + Array("---\r\nseverity: P9\r\n---\r\n# T\r\n".utf8)),
            ("UTF-16", [0xFF, 0xFE] + Array("r\0u\0".utf8)),
            ("lone surrogate bytes", Array("runbook:\n  name: ".utf8) + [0xED, 0xA0, 0x80]),
            ("deep Markdown quotes", Array((String(repeating: ">", count: 20_000) + " x\n").utf8)),
            ("deep Markdown lists", Array((0..<5_000).map { String(repeating: "  ", count: $0) + "- x" }.joined(separator: "\n").utf8)),
            ("alias bomb", Array("a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\nrunbook: *f\n".utf8)),
        ]
        for (label, bytes) in cases {
            let path = label.contains("Markdown") ? "x.md" : "x.yaml"
            Self.assertSane(Compiler.compile(path: path, bytes: bytes), label)
        }
    }

    /// Every input `make fuzz` (or a reader) ever found crashing, kept as a regression test.
    @Test func fuzzRegressions() throws {
        let directory = TestSupport.path("Tests/RunbookTests/Fixtures/fuzz-regressions")
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0 != "README.md" }.sorted()
        #expect(!names.isEmpty)
        for name in names {
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: directory + "/" + name)))
            if name.hasSuffix(".expr") {
                let text = String(decoding: bytes, as: UTF8.self)
                // Reaching the end without trapping is the test; a clean failure is as good as a value.
                if let tree = ExpressionIR.parse(text) {
                    _ = try? ExpressionEvaluator.evaluate(tree, in: EvaluationContext())
                    _ = try? ExpressionEvaluator.evaluate(tree, in: EvaluationContext(planning: true))
                }
            } else {
                Self.assertSane(Compiler.compile(path: name, bytes: bytes), name)
            }
        }
    }

    /// Through the binary: bad files exit 1 or 2, never with a signal.
    @Test(.timeLimit(.minutes(2)))
    func cliExitCodesForBadFiles() throws {
        let dir = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let bytes = try Self.example("kube-pod-crashlooping.yaml")
        var generator = SplitMix(seed: 7)
        var paths: [String] = []
        for index in 0..<40 {
            var mutated = Array(bytes[0..<Int(generator.next() % UInt64(bytes.count))])
            if index % 2 == 0, !mutated.isEmpty { mutated[Int(generator.next() % UInt64(mutated.count))] = UInt8(truncatingIfNeeded: generator.next()) }
            let path = dir.appendingPathComponent("bad-\(index).yaml").path
            try #require(FileManager.default.createFile(atPath: path, contents: Data(mutated)), "cannot create \(path)")
            paths.append(path)
        }
        for path in paths {
            let run = try TestSupport.rbc(["check", "--no-shellcheck", "--no-git", path])
            #expect([0, 1, 2].contains(run.status), "\(path): exit \(run.status)")
            if run.status != 0 { #expect(!run.stdout.isEmpty, "\(path): failed without a diagnostic") }
        }
    }
}

/// A small deterministic generator, so every run mutates the same way.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

// The live redactor skips bytes no secret form starts with and copies the spans between candidates
// whole (a step printing hundreds of megabytes went through it a byte at a time). These tests hold
// the fast scan to the byte-by-byte one it replaced: the same output for any text and any way the
// stream is cut into reads, and the real binary masking a secret at the end of a large output.

import Foundation
@testable import RunbookRuntime
import Testing

@Suite struct RedactorScanTests {
    /// The scan as it was: at every byte, every form that starts with it, longest first.
    static func reference(_ bytes: [UInt8], forms: [[UInt8]]) -> [UInt8] {
        var output: [UInt8] = []
        var index = 0
        scanning: while index < bytes.count {
            for form in forms where form[0] == bytes[index] && bytes.count - index >= form.count {
                if bytes[index..<(index + form.count)].elementsEqual(form) {
                    output += Array(Redactor.mask.utf8)
                    index += form.count
                    continue scanning
                }
            }
            output.append(bytes[index])
            index += 1
        }
        return output
    }

    /// A deterministic generator (SplitMix64), so a failure names a seed that reproduces it.
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Test(arguments: 0..<4)
    func theScanAgreesWithTheByteByByteOne(seed: Int) {
        var random = Generator(state: UInt64(seed) &* 7919 &+ 1)
        let secrets = ["S3cretTok3n-abcdef", "ab\"cd/e f", "Zq7Wx", "ééé-s"]
        let redactor = Redactor(secrets: seed == 3 ? [] : secrets)
        let forms = redactor.snapshot()
        // Texts made of whole forms, their beginnings and ends, other bytes and multi-byte characters.
        let allForms = secrets.flatMap { Redactor.forms(of: $0).map { Array($0.utf8) } }
        let fillers = ["y\n", "x", " ", "S", "s3", "é", "→", "ab", "Zq", "\u{0}", "UzNj"].map { Array($0.utf8) }
        for _ in 0..<150 {
            var text: [UInt8] = []
            for _ in 0..<Int.random(in: 1...40, using: &random) {
                let form = allForms.randomElement(using: &random) ?? []
                switch Int.random(in: 0..<4, using: &random) {
                case 0: text += form
                case 1: text += form.prefix(Int.random(in: 0...form.count, using: &random))
                case 2: text += form.suffix(Int.random(in: 0...form.count, using: &random))
                default: text += fillers.randomElement(using: &random) ?? []
                }
            }
            let expected = String(decoding: Self.reference(text, forms: forms), as: UTF8.self)
            #expect(redactor.redact(String(decoding: text, as: UTF8.self)) == String(decoding: Self.reference(Array(String(decoding: text, as: UTF8.self).utf8), forms: forms), as: UTF8.self),
                    "seed \(seed): whole text")
            // The same text in reads of 1 to 20 bytes, cutting forms and characters anywhere.
            let stream = StreamRedactor(redactor)
            var shown = ""
            var offset = 0
            while offset < text.count {
                let length = min(text.count - offset, Int.random(in: 1...20, using: &random))
                shown += stream.feed(Array(text[offset..<(offset + length)]))
                offset += length
            }
            shown += stream.flush()
            #expect(shown == expected, "seed \(seed): streamed \(text)")
        }
    }

    /// Megabytes of output with a secret only at its end, in every form a read could split: through
    /// the real binary, every byte arrives, and the secret does not.
    @Test func aSecretAtTheEndOfALargeOutputIsMasked() throws {
        let secret = "S3cretTok3n-\(UUID().uuidString.prefix(8).lowercased())"
        let fixture = try RunFixture(runbook("""
            - id: big
              action: execute_command
              command: "yes | head -c 5000000; printf '%s|%s' \\"${{ params.token }}\\" \\"${{ params.token }}\\" | base64 -w0"
              readonly: true
              timeout: 5m

        """, extra: "  params:\n    token: {type: string, secret: true, required: true}\n"))
        let run = try fixture.rbc(["run", "rb.yaml", "--param", "token=\(secret)", "--force"])
        #expect(run.status == 0, "\(run.stderr)")
        let encoded = Data("\(secret)|\(secret)".utf8).base64EncodedString()
        #expect(run.stdout.utf8.count > 5_000_000 && run.stdout.hasPrefix("y\ny\n"), "\(run.stdout.utf8.count) bytes")
        #expect(!run.stdout.contains(secret) && !run.stdout.contains(String(encoded.prefix(20))), "\(run.stdout.suffix(200))")
        #expect(run.stdout.dropFirst(5_000_000).components(separatedBy: "***").count == 3, "both copies masked: \(run.stdout.suffix(200))")
        let yes = run.stdout.prefix(5_000_000)
        #expect(yes == String(repeating: "y\n", count: 2_500_000), "every byte before the secret arrives as it was")
    }
}

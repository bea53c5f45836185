// The front ends' shortcuts (issue 18: byte paths and pre-checks instead of Foundation's string calls
// and regular expressions) answer exactly as the calls they replace: each is compared with the
// original formulation, kept here, on the texts of the shared corpora and on written corner cases
// (non-ASCII white space, combining marks, the Kelvin sign that lowercases to `k`).

import Foundation
import RunbookSource
@testable import RunbookSyntax
import Testing

@Suite struct FrontEndShortcutTests {
    /// Paragraphs, bold texts, fence info strings and fence lines of every Markdown page in the corpora.
    struct CorpusTexts {
        var paragraphs: [String] = []
        var bold: [String] = []
        var infos: [String] = []
        var fenceLines: [String] = []
    }

    static func corpusTexts() throws -> CorpusTexts {
        let corpora = try TestSupport.sharedCorpora()
        let files = (FileManager.default.enumerator(atPath: corpora.path)?.allObjects as? [String] ?? [])
            .filter { $0.hasSuffix(".md") }.sorted()
        var texts = CorpusTexts()
        for relative in files {
            guard let text = try? String(contentsOf: corpora.appendingPathComponent(relative), encoding: .utf8) else { continue }
            var stack = [MarkdownDocument.parse(text)]
            while let node = stack.popLast() {
                switch node.type {
                case .paragraph: texts.paragraphs.append(node.plainText)
                case .strong: texts.bold.append(node.plainText)
                case .codeBlock:
                    texts.infos.append(node.fenceInfo ?? "")
                    texts.fenceLines.append(contentsOf: (node.literal ?? "").split(separator: "\n").map(String.init))
                default: break
                }
                stack.append(contentsOf: node.children)
            }
        }
        return texts
    }

    static let written = ["Example output:", "The output looks like this:", "You should see:", "Run:", "To see it, run:",
                          "Expected result:", "It should return something similar to the following:", "**Rollback**:",
                          "  Output:\n", "Résultat:", "K\u{212A}:", "Command output\u{301}:", "ｏutput:", "you will see\u{00A0}this:",
                          "Read_Only", " Expected-Output: ", "Review Every", "\u{212A}ey", "Config\u{2010}Key", "Time\u{301}out",
                          "bash", "BASH{id=x}", "sh {confirm}", "  console", "  BASH {x}", "Bash{", "\tbash", "Sh\r\n x", " {", "YAML RBC", "yml  Rbc", "\u{212A}sh", "Bash\u{301}", "", "{bash}",
                          "$ kubectl get pods", "sh-5.1# ls", "[root@node-1 ~]# id", "core@node:~$ uptime", "kubectl get pods # list",
                          "bash-4.4$ ls", "user@host$", "x$ y", "é@h# z"]

    /// The formulations the front end used before (issue 18), as written then.
    enum Original {
        static func introducesOutput(_ paragraph: String) -> Bool {
            let text = paragraph.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
            guard text.hasSuffix(":") else { return false }
            let sentence = (text.split(whereSeparator: { $0 == "." || $0 == "!" || $0 == "?" || $0 == "\n" }).last.map(String.init) ?? text)
                .trimmingCharacters(in: .whitespaces)
            let asksToRun = #"\b(?:run|running|execute|executing|type|typing|enter|paste|issue|use|using|apply|try)\b"#
            guard sentence.range(of: asksToRun, options: .regularExpression) == nil else { return false }
            let announcesOutput = #"^(?:the |an? |its )?(?:(?:example|sample|expected|typical|actual|command) )?(?:output|result|response)\b[^:]*:$"#
            let describesWhatIsSeen = #"\b(?:you (?:should|will|would|may|might|can) see|should (?:see|look like|return|show|print|resemble)|similar to (?:the following|this)|along the lines of|looks? (?:something )?like (?:this|the following)|resembles? the following)\b[^:]*:$"#
            return sentence.range(of: announcesOutput, options: .regularExpression) != nil
                || sentence.range(of: describesWhatIsSeen, options: .regularExpression) != nil
        }

        static func labelKey(_ label: String) -> String? {
            let key = label.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: " :"))
                .replacingOccurrences(of: " ", with: "_").replacingOccurrences(of: "-", with: "_")
            let aliases = ["read_only": "readonly", "expected_output": "expected", "expect": "expected", "retry": "retries",
                           "review_every": "review_every", "reviewed": "reviewed", "alert": "alert"]
            let normalized = aliases[key] ?? key
            return MarkdownRunbookParser.labelKeys.contains(normalized) ? normalized : nil
        }

        static func fenceLanguage(_ info: String?) -> String {
            (info?.split(separator: " ").first.map { $0.lowercased() } ?? "").replacingOccurrences(of: "{", with: "")
        }

        static func hostPromptWidth(_ line: String) -> Int? {
            guard let hostPrompt = MarkdownRunbookParser.hostPrompt, let first = line.first, first == "[" || first.isLetter || first.isNumber,
                  let match = hostPrompt.firstMatch(in: line, range: NSRange(line.startIndex..., in: line)),
                  let range = Range(match.range, in: line) else { return nil }
            return line.distance(from: line.startIndex, to: range.upperBound)
        }
    }

    @Test func outputIntroductionsAgreeWithTheRegularExpressions() throws {
        let texts = try Self.corpusTexts()
        #expect(texts.paragraphs.count > 5_000)
        var introducing = 0
        for paragraph in texts.paragraphs + Self.written {
            let expected = Original.introducesOutput(paragraph)
            if expected { introducing += 1 }
            #expect(MarkdownRunbookParser.introducesOutput(paragraph) == expected, "\(paragraph.debugDescription)")
        }
        #expect(introducing > 10)
    }

    @Test func labelKeysAgreeWithFoundation() throws {
        let texts = try Self.corpusTexts()
        for label in texts.bold + Self.written {
            #expect(MarkdownRunbookParser.labelKey(label) == Original.labelKey(label), "\(label.debugDescription)")
        }
    }

    @Test func fenceLanguagesAgreeWithFoundation() throws {
        let texts = try Self.corpusTexts()
        for info in texts.infos + Self.written {
            #expect(MarkdownRunbookParser.fenceLanguage(info) == Original.fenceLanguage(info), "\(info.debugDescription)")
        }
        #expect(MarkdownRunbookParser.fenceLanguage(nil) == Original.fenceLanguage(nil))
    }

    @Test func hostPromptsAgreeWithTheRegularExpression() throws {
        let texts = try Self.corpusTexts()
        var prompts = 0
        for line in texts.fenceLines + Self.written {
            let expected = Original.hostPromptWidth(line)
            if expected != nil { prompts += 1 }
            #expect(MarkdownRunbookParser.hostPromptWidth(line) == expected, "\(line.debugDescription)")
        }
        #expect(prompts > 3)
    }

    @Test func newlineSplitsAgreeWithCharacterSplits() throws {
        let texts = try Self.corpusTexts()
        let fences = texts.fenceLines.joined(separator: "\n")
        for text in [fences, "", "\n", "a\n", "\na", "a\n\nb", "a\r\nb\n", "a\rb", "x\n\u{301}y", "é\n🚨\n", "\n\n"] + Self.written {
            #expect(text.splitAtNewlines() == text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init), "\(text.debugDescription)")
        }
    }

    @Test func slugsAndEscapesAgreeWithFoundation() {
        for value in 0..<0x80 {
            guard let scalar = Unicode.Scalar(value) else { continue }
            let text = "a\(Character(scalar))b"
            let expected = String(String.UnicodeScalarView(text.lowercased().unicodeScalars.filter { $0.isASCII && CharacterSet.alphanumerics.contains($0) }))
            #expect(MarkdownRunbookParser.fullSlug(text).replacingOccurrences(of: "-", with: "") == expected, "\(value)")
            #expect(MarkdownRunbookParser.escapedPattern(text) == NSRegularExpression.escapedPattern(for: text), "\(value)")
        }
        for text in ["restarted", "OK_200", "", "a b", "1.5", "Ω", "\u{212A}", "x\u{301}"] + Self.written {
            #expect(MarkdownRunbookParser.escapedPattern(text) == NSRegularExpression.escapedPattern(for: text), "\(text.debugDescription)")
        }
    }

    @Test func asciiTrimmingAgreesWithFoundation() {
        for sample in StringScanningTests.samples + Self.written + [": a :", " ::x: ", ":\u{301}", "\u{301}: "] {
            #expect(sample.trimmingASCII(" :") == sample.trimmingCharacters(in: CharacterSet(charactersIn: " :")), "\(sample.debugDescription)")
            #expect(sample.trimmingASCII(": ") == sample.trimmingCharacters(in: CharacterSet(charactersIn: ": ")), "\(sample.debugDescription)")
            let sliced = Substring(sample).dropFirst(sample.isEmpty ? 0 : 1)
            #expect(sliced.trimmingASCII(" :") == sliced.trimmingCharacters(in: CharacterSet(charactersIn: " :")), "\(sample.debugDescription)")
        }
    }
}

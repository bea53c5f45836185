// Unit tests of the small pieces: line tables, durations, suggestions, hashing, the YAML reader.

import Foundation
@testable import RunbookLint
import RunbookSema
import RunbookSource
import RunbookSyntax
import Testing
import Yams

@Suite struct SourceFileTests {
    @Test func lineAndColumnCountScalarsAcrossLineEndings() {
        let file = SourceFile(path: "x", text: "ab\r\ncé🚨d\re\nf")
        #expect(file.lineCount == 4)
        #expect(file.lineColumn(of: 0) == LineColumn(line: 1, column: 1))
        #expect(file.lineColumn(of: 4) == LineColumn(line: 2, column: 1))
        // "cé🚨d": c(1) é(2 bytes) 🚨(4 bytes) d → d is the 4th scalar.
        #expect(file.lineColumn(of: 4 + 1 + 2 + 4) == LineColumn(line: 2, column: 4))
        #expect(file.lineText(2) == "cé🚨d")
        #expect(file.lineText(3) == "e")
        #expect(file.offset(line: 2, column: 4) == 11)
    }

    @Test func offsetsPastTheEndClamp() {
        let file = SourceFile(path: "x", text: "a\n")
        #expect(file.lineColumn(of: 99) == LineColumn(line: 2, column: 1))
    }
}

/// `PathText.parent(of:)` answers as Foundation's `deletingLastPathComponent` where that one does not
/// trap, and also for the one-character names it traps on.
@Suite struct PathTextTests {
    @Test(arguments: [("", ""), ("/", "/"), ("//", "/"), ("/a", "/"), ("//a", "/"), ("/ab", "/"), ("ab", ""), ("ab/", ""),
                      ("ab//", ""), ("x/ab", "x"), ("x/ab/", "x"), ("x//ab", "x"), ("/x/ab", "/x"), ("../ab", ".."), ("..", ""),
                      ("ab/..", "ab"), ("ab/./c", "ab/."), ("./ab", "."), ("/a/", "/"), ("é/ü", "é"),
                      ("a", ""), (".", ""), ("d/", ""), ("./", ""), ("x/a", "x"), ("a/b", "a")])
    func parentAsFoundationGivesIt(_ path: String, _ parent: String) {
        #expect(PathText.parent(of: path) == parent, "\(path)")
    }
}

@Suite struct DurationTests {
    @Test(arguments: [("30s", 30_000), ("5m", 300_000), ("1h30m", 5_400_000), ("2d", 172_800_000), ("250ms", 250),
                      ("1m30s", 90_000), ("1d2h3m4s5ms", 93_784_005)])
    func parses(_ text: String, _ ms: Int) throws {
        #expect(try DurationParser.milliseconds(text).get() == ms)
    }

    @Test func rejectsWithSuggestions() {
        #expect(DurationParser.milliseconds("5 minutes") == .failure(.malformed(suggestion: "5m")))
        #expect(DurationParser.milliseconds("45seconds") == .failure(.malformed(suggestion: "45s")))
        #expect(DurationParser.milliseconds("-5s") == .failure(.negative))
        #expect(DurationParser.milliseconds("30m1h") == .failure(.malformed(suggestion: nil)))
        #expect(DurationParser.milliseconds("") == .failure(.malformed(suggestion: nil)))
        #expect(DurationParser.milliseconds("9999999999999999999d") == .failure(.overflow))
        #expect(DurationParser.milliseconds("999999999999999d") == .failure(.overflow))
    }

    @Test func formatsBack() {
        #expect(DurationParser.format(milliseconds: 5_400_000) == "1h30m")
        #expect(DurationParser.format(milliseconds: 86_400_000) == "1d")
    }
}

@Suite struct SuggestionTests {
    @Test func closestKey() {
        #expect(Suggestions.closest(to: "comand", in: ["command", "channel"]) == "command")
        #expect(Suggestions.closest(to: "timout", in: ["timeout", "title"]) == "timeout")
        #expect(Suggestions.closest(to: "on-failure", in: ["on_failure"]) == "on_failure")
        #expect(Suggestions.closest(to: "colour", in: ["command", "timeout"]) == nil)
        #expect(Suggestions.distance("ab", "ba") == 1)
    }
}

@Suite struct SHA256Tests {
    @Test func knownVectors() {
        #expect(SHA256.hex([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
            == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(SHA256.hex(Array(repeating: 0x61, count: 1_000)) == "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3")
    }

    @Test func incrementalHashingAgreesWithOneShotAtEverySplit() {
        let message = (0..<300).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
        for length in [0, 1, 55, 56, 63, 64, 65, 119, 120, 128, 300] {
            let whole = SHA256.digest(Array(message.prefix(length)))
            for split in Set([0, 1, length / 3, length / 2, max(0, length - 1), length]) where split <= length {
                var hasher = SHA256.Hasher()
                hasher.update(Array(message.prefix(split)))
                hasher.update(message[split..<length])
                #expect(hasher.finalize() == whole, "length \(length) split at \(split)")
            }
        }
        #expect(SHA256.hexString([0x00, 0x0f, 0xa0, 0xff]) == "000fa0ff")
    }
}

@Suite struct YAMLReaderTests {
    @Test func scalarRangesCoverTheWrittenValue() throws {
        let file = SourceFile(path: "x", text: "a: \"quoted \\\"x\\\"\"\nb: plain value # comment\nc: 'single'\n")
        let document = YAMLReader.read(file)
        let pairs = try #require(document.root?.mappingPairs)
        #expect(file.slice(pairs[0].value.range) == "\"quoted \\\"x\\\"\"")
        #expect(pairs[0].value.scalarValue == "quoted \"x\"")
        #expect(file.slice(pairs[1].value.range) == "plain value")
        #expect(file.slice(pairs[2].value.range) == "'single'")
    }

    @Test func blockScalarRangeStartsAtTheContent() throws {
        let file = SourceFile(path: "x", text: "cmd: |\n  echo one\n  echo two\nnext: 1\n")
        let pairs = try #require(YAMLReader.read(file).root?.mappingPairs)
        #expect(file.lineColumn(of: pairs[0].value.range.start) == LineColumn(line: 2, column: 3))
        #expect(pairs[0].value.scalarValue == "echo one\necho two\n")
    }

    @Test func multibyteTextMapsLibyamlIndicesToBytes() throws {
        let file = SourceFile(path: "x", text: "名前: 値\nkey: \"🚨 alert\"\n")
        let pairs = try #require(YAMLReader.read(file).root?.mappingPairs)
        #expect(file.slice(pairs[1].key.range) == "key")
        #expect(file.slice(pairs[1].value.range) == "\"🚨 alert\"")
        #expect(file.lineColumn(of: pairs[0].value.range.start) == LineColumn(line: 1, column: 5))
    }

    @Test func duplicateKeysAreReportedAndTheFirstKept() throws {
        let file = SourceFile(path: "x", text: "a: 1\nb: 2\na: 3\n")
        let document = YAMLReader.read(file)
        #expect(document.diagnostics.map(\.code.id) == ["RB1002"])
        #expect(document.diagnostics.first?.start == LineColumn(line: 3, column: 1))
        let pairs = try #require(document.root?.mappingPairs)
        #expect(pairs.count == 2)
        #expect(pairs[0].value.scalarValue == "1")
    }

    @Test func aliasesShareTheAnchoredNode() throws {
        let file = SourceFile(path: "x", text: "base: &b {x: 1}\nuse: *b\n")
        let pairs = try #require(YAMLReader.read(file).root?.mappingPairs)
        #expect(pairs[1].value.resolved === pairs[0].value)
        #expect(pairs[1].value.mappingPairs?.first?.value.scalarValue == "1")
    }

    @Test func scalarKindsFollowTheCoreSchema() throws {
        let file = SourceFile(path: "x", text: "a: 12\nb: \"12\"\nc: true\nd: ~\ne: 1.5\nf: P2\ng: !!str 7\n")
        let kinds = try #require(YAMLReader.read(file).root?.mappingPairs).map { $0.value.scalarKind }
        #expect(kinds == [.int, .string, .bool, .null, .float, .string, .string])
    }

    /// The shortcut that skips Yams' resolver must agree with it on every kind of plain scalar.
    @Test func scalarKindShortcutAgreesWithYams() throws {
        let samples = ["yes", "Yes", "NO", "on", "Off", "true", "FALSE", "y", "n", "null", "Null", "~", "", "<<", "=",
                       "0", "12", "-3", "+4", "1_000", "0x1F", "0o17", "017", "0b101", "1:30", "190:20:30", "1.5", "1.5e3",
                       "1e5", ".5", "-.inf", ".NaN", "2026-11-22", "2026-11-22T10:00:00Z", "2026-1-2 10:00:00 +01:00",
                       "30s", "5m", "1h30m", "250ms", "2d", "12abc", "1.2.3", "P1", "hello", "yesterday", "nothing",
                       "off-peak", "true story", "nullable", "version2", "0xZZ", "1:2:3:4", "+", ".", "-x", "0777", "0x1f_ff",
                       "200", "08", "0089", "007", "00", "1234567890", "09_1", "NULL", "Null", "nULL", "TRUE", "tRUE", "ON", "oN",
                       "YES", "yES", "No", "FALSE", "False", "fALSE", "OFF", "Off", "On",
                       "name", "type", "owner", "tags", "title", "token", "nope", "yep", "Nul", "NuLL", "n", "N", "y", "Y", "t", "T",
                       "f", "F", "o", "O", "ok", "onoff", "no-op", "on_x", "tru", "fals", "Tru", "yes.", "noé", "fé"]
        let text = samples.enumerated().map { "k\($0.offset): \($0.element.isEmpty ? "" : $0.element)" }.joined(separator: "\n") + "\n"
        let pairs = try #require(YAMLReader.read(SourceFile(path: "x", text: text)).root?.mappingPairs)
        #expect(pairs.count == samples.count)
        for pair in pairs {
            guard let value = pair.value.scalarValue else { continue }
            let expected: YAMLScalarKind = switch Resolver.default.resolveTag(of: Node(value)) {
            case .null: .null
            case .bool: .bool
            case .int: .int
            case .float: .float
            default: .string
            }
            #expect(pair.value.scalarKind == expected, "`\(value)`")
        }
    }
}

/// The byte-level stand-ins for Foundation's string calls (`StringScanning.swift`) answer exactly as
/// Foundation does, on ASCII, non-ASCII white space, combining marks and canonical equivalents.
@Suite struct StringScanningTests {
    static let samples = ["", " ", "\t", "  a b  ", "\ta\t", "\n x \r\n", "\u{00A0}x\u{3000}", "\u{2028}x\u{85}", "\u{200B}x\u{200B}",
                          "é ", " e\u{301} ", "\u{301}", "🚨 ", " \u{FEFF}x", "\u{1680}\u{2009}y\u{202F}", "\r", "x\u{0B}\u{0C}",
                          "${{ a }}", "a=\u{301}b", "=", "a\u{37E}b", "k\u{212A}", "rbc:ignore", "RBC:IGNORE", "${{\u{301}", "}}"]

    @Test func trimmingMatchesFoundation() {
        for sample in Self.samples {
            #expect(sample.trimmingWhitespace() == sample.trimmingCharacters(in: .whitespaces), "\(sample.debugDescription)")
            #expect(sample.trimmingWhitespaceAndNewlines() == sample.trimmingCharacters(in: .whitespacesAndNewlines), "\(sample.debugDescription)")
            #expect(sample.isBlank == sample.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "\(sample.debugDescription)")
            let sliced = Substring(sample).dropFirst(sample.isEmpty ? 0 : 1)
            #expect(sliced.trimmingWhitespace() == sliced.trimmingCharacters(in: .whitespaces), "\(sample.debugDescription)")
        }
    }

    @Test func containsASCIIMatchesFoundation() {
        for sample in Self.samples {
            for needle in ["${{", "}}", "=", " ", "rbc:ignore", "a"] {
                #expect(sample.containsASCII(needle) == sample.contains(needle), "\(sample.debugDescription) \(needle)")
            }
        }
    }

    @Test func programNameIsTheLastPathComponent() {
        for word in ["sudo", "/usr/bin/sudo", "./run.sh", "dir/", "/", "", "a//b", "~/bin/x", "kubectl"] {
            #expect(ShellWord.programName(word) == (word as NSString).lastPathComponent, "\(word)")
        }
    }
}

/// The byte pre-checks of RB006 and RB010 (`RequiredWords`) never skip text one of the rule's
/// regular expressions matches: checked on the command lines of the shared corpora and on written
/// variants (case, the Kelvin sign ICU folds to `k`, long s).
@Suite struct RequiredWordsTests {
    /// The one-pass search (with its skip over byte pairs no word begins with) finds exactly the words
    /// a search per word finds: RB009's trigger words and the pre-check words, on every sample line,
    /// and a word of one byte.
    @Test func wordsAgreeWithTheSearchPerWord() throws {
        let lists = [CredentialPattern.all.flatMap(\.triggers), DestructiveUnconfirmedRule.patterns.flatMap(\.words).flatMap { $0 },
                     ["<", ">", "x", "todo", "a-b", "e"]]
        let samples = try Self.samples() + ["", "A", "xX", "ToDo", "\u{212A}", "a-B", "tod", "E"]
        for list in lists {
            let words = ByteSearch.Words(list)
            let needles = list.map { Array($0.utf8) }
            for sample in samples {
                Array(sample.utf8).withUnsafeBufferPointer { bytes in
                    #expect(words.found(in: bytes) == needles.map { ByteSearch.containsIgnoringCase(bytes, $0) }, "\(sample.debugDescription)")
                }
            }
        }
    }

    /// The type checker's shortcut for literal patterns gives ICU's answer: on the sample lines (and
    /// pieces of them), and on patterns ICU rejects.
    @Test func regexValidityAgreesWithICU() throws {
        var patterns = ["", "ready", "a.b", "*x", "x{", "(a", "a)", "[a", "a]", "\\", "a|", "?", "+a", "x{2}", "^a$", "café", "a b # c", "\u{7}"]
        for sample in try Self.samples().prefix(4000) {
            patterns.append(sample)
            patterns.append(String(sample.prefix(12)))
        }
        for pattern in patterns {
            #expect(RegexValidity.isValid(pattern) == ((try? NSRegularExpression(pattern: pattern)) != nil), "\(pattern.debugDescription)")
        }
    }

    static let written = ["kubectl delete pod x", "KUBECTL -n a DELETE pod", "kubectl scale deploy/a --replicas=0", "kubectl scale x --replicas 0",
                          "rm -rf /tmp/x", "rm --recursive d", "DROP TABLE users", "Truncate t", "delete  from x", "select pg_terminate_backend(1)",
                          "PG_TERMINATE_BAC\u{212A}END", "redis-cli FLUSHALL", "fluſhdb", "terraform -chdir=x destroy", "git push origin -f",
                          "git push --force", "git reset --hard", "helm uninstall a", "helm delete a", "docker system prune", "docker rm -f c",
                          "mkfs.ext4 /dev/sdb", "dd if=x of=/dev/sda", "aws ec2 terminate-instances", "aws s3 delete-bucket", "gcloud x delete y",
                          "deploy/[service]", "<namespace>", "a <b c> d", "TODO", "FIXME later", "TBD", "CHANGEME", "XXXX", "xxx", "https://api.EXAMPLE.com/x",
                          "your-token", "YOUR_NAME", "ＴＯＤＯ", "example\u{2024}com", "[x]", "[[ -f a ]]", "e\u{301}xample.com", "${{ params.x }}"]

    /// The written variants, every line of the small corpora, and the command lines (inside fences)
    /// of the large one, each once.
    static func samples() throws -> [String] {
        let corpora = try TestSupport.sharedCorpora()
        var lines = Set(written)
        let files = FileManager.default.enumerator(at: corpora, includingPropertiesForKeys: nil)?.compactMap { $0 as? URL } ?? []
        for file in files where ["md", "yaml", "yml"].contains(file.pathExtension) {
            guard let text = try? String(contentsOf: file, encoding: .utf8) else { continue }
            let fencedOnly = file.path.contains("/gitlab-com-runbooks/")
            var inFence = false
            for line in text.split(separator: "\n") {
                if line.trimmingWhitespace().hasPrefix("```") { inFence.toggle(); continue }
                if !fencedOnly || inFence { lines.insert(String(line)) }
            }
        }
        return lines.sorted()
    }

    @Test func neverSkipsAMatch() throws {
        let checks: [(RequiredWords, NSRegularExpression?, [NSRegularExpression])] = [
            (DestructiveUnconfirmedRule.required, DestructiveUnconfirmedRule.any, DestructiveUnconfirmedRule.compiled.map(\.0)),
            (PlaceholderRule.patternWords, PlaceholderRule.anyPattern, PlaceholderRule.patterns.map(\.0)),
            (PlaceholderRule.toDoWords, PlaceholderRule.anyToDo, PlaceholderRule.toDo.map(\.0)),
        ]
        let samples = try Self.samples()
        #expect(samples.count > 10_000)
        for (required, any, expressions) in checks {
            #expect(any != nil && expressions.count > 0)
            var skipped = 0
            for sample in samples where !required.mayMatch(sample) {
                skipped += 1
                let range = NSRange(sample.startIndex..., in: sample)
                #expect(any?.firstMatch(in: sample, range: range) == nil, "\(sample.debugDescription)")
            }
            #expect(skipped > samples.count / 2)
        }
        for sample in Self.written {
            let range = NSRange(sample.startIndex..., in: sample)
            for (required, _, expressions) in checks where expressions.contains(where: { $0.firstMatch(in: sample, range: range) != nil }) {
                #expect(required.mayMatch(sample), "\(sample.debugDescription)")
            }
        }
    }
}

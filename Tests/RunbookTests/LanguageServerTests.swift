// `rbc lsp`'s own parts: the Content-Length framing (split reads, bad headers, huge lengths), JSON-RPC
// decoding, UTF-16 positions, incremental edits, and the real binary answering malformed input with
// errors and shutting down cleanly. The editor-level behaviour is driven by pytest-lsp (LSPClientTests).

import Foundation
import RunbookDriver
@testable import RunbookLanguageServer
import Testing

@Suite struct LanguageServerTests {
    static func framed(_ json: String) -> [UInt8] {
        Array("Content-Length: \(json.utf8.count)\r\n\r\n".utf8) + Array(json.utf8)
    }

    static func frames(_ bytes: [UInt8], chunk: Int = .max) -> [Frame] {
        var parser = FrameParser()
        var frames: [Frame] = []
        var index = 0
        while index < bytes.count {
            let end = min(bytes.count, index + chunk)
            parser.append(bytes[index..<end])
            while let frame = parser.next() { frames.append(frame) }
            index = end
        }
        return frames
    }

    @Test func framesSurviveAnySplit() {
        let bytes = Self.framed(#"{"a":"é"}"#) + Self.framed("{}")
        for chunk in [1, 2, 3, 7, 1000] {
            #expect(Self.frames(bytes, chunk: chunk) == [.message(Data(#"{"a":"é"}"#.utf8)), .message(Data("{}".utf8))], "chunk \(chunk)")
        }
    }

    @Test func headersAreCaseInsensitiveAndMayComeWithOthers() {
        let bytes = Array("content-length: 2\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n{}".utf8)
        #expect(Self.frames(bytes) == [.message(Data("{}".utf8))])
        // Bare LF line ends are accepted too.
        #expect(Self.frames(Array("Content-Length: 2\n\n{}".utf8)) == [.message(Data("{}".utf8))])
    }

    @Test func aMissingOrBadLengthIsReportedAndTheNextMessageStillParses() {
        let missing = Array("Content-Type: x\r\n\r\n".utf8) + Self.framed("{}")
        #expect(Self.frames(missing) == [.malformed("header has no Content-Length"), .message(Data("{}".utf8))])
        let negative = Array("Content-Length: -5\r\n\r\n".utf8) + Self.framed("{}")
        #expect(Self.frames(negative) == [.malformed("Content-Length `-5` is not a byte count"), .message(Data("{}".utf8))])
        let huge = Array("Content-Length: 99999999999999999999\r\n\r\n".utf8) + Self.framed("{}")
        #expect(Self.frames(huge).first == .malformed("Content-Length `99999999999999999999` is not a byte count"))
    }

    /// A Content-Length too short for its body: the body's rest runs into the next header. The
    /// next message is still read (it used to be lost with every one after it, `exit` included).
    @Test func aShortLengthLosesOnlyItsOwnMessage() {
        let bytes = Array("Content-Length: 10\r\n\r\n".utf8) + Array(#"{"jsonrpc":"2.0","id":5,"method":"x"}"#.utf8)
            + Self.framed(#"{"id":6}"#) + Self.framed(#"{"id":7}"#)
        for chunk in [1, 5, 1000] {
            let frames = Self.frames(bytes, chunk: chunk)
            #expect(frames.first == .message(Data(##"{"jsonrpc""##.utf8)), "chunk \(chunk)")
            #expect(Array(frames.suffix(2)) == [.message(Data(#"{"id":6}"#.utf8)), .message(Data(#"{"id":7}"#.utf8))], "chunk \(chunk): \(frames)")
        }
    }

    @Test func aBodyOverTheLimitIsSkippedNotBuffered() {
        let length = FrameParser.maximumBodyLength + 10
        var parser = FrameParser()
        parser.append(Array("Content-Length: \(length)\r\n\r\n".utf8))
        #expect(parser.next() == .malformed("Content-Length \(length) exceeds the \(FrameParser.maximumBodyLength)-byte limit"))
        parser.append([UInt8](repeating: 0x41, count: length))
        parser.append(Self.framed("{}"))
        #expect(parser.next() == .message(Data("{}".utf8)))
    }

    @Test func endlessHeadersAreRefused() {
        let frames = Self.frames([UInt8](repeating: 0x41, count: 20_000), chunk: 4096)
        #expect(frames.contains(.malformed("header block longer than 8192 bytes")))
    }

    @Test func messagesDecodeByKind() {
        guard case .invalid(let parse) = IncomingMessage.decode(Data("{not json".utf8)) else { Issue.record("not json"); return }
        #expect(parse.code == -32700)
        guard case .invalid(let request) = IncomingMessage.decode(Data("[1,2]".utf8)) else { Issue.record("array"); return }
        #expect(request.code == -32600)
        guard case .request(let id, let method, _) = IncomingMessage.decode(Data(#"{"jsonrpc":"2.0","id":"x","method":"m"}"#.utf8)) else {
            Issue.record("request"); return
        }
        #expect(id == .string("x") && method == "m")
        guard case .notification(let name, _) = IncomingMessage.decode(Data(#"{"jsonrpc":"2.0","method":"n"}"#.utf8)) else {
            Issue.record("notification"); return
        }
        #expect(name == "n")
        #expect(throws: ResponseError.self) {
            try IncomingMessage.params(TextDocumentPositionParams.self, from: Data(#"{"method":"m","params":{"position":1}}"#.utf8))
        }
    }

    /// LSP ids are integers or strings. A request whose id is anything else used to pass for a
    /// notification: no answer ever came, and the client waited on it forever. It is an invalid
    /// request (answered with a null id, as JSON-RPC says when the id cannot be read).
    @Test(arguments: ["1.5", "true", "{}", "[1]", "1e400", "99999999999999999999999"])
    func aRequestWithAnIDOfAnotherTypeIsAnInvalidRequest(_ id: String) {
        let decoded = IncomingMessage.decode(Data(#"{"jsonrpc":"2.0","id":\#(id),"method":"textDocument/hover","params":{}}"#.utf8))
        guard case .invalid(let error) = decoded else { Issue.record("id \(id): \(decoded)"); return }
        #expect(error.code == -32600)
        // A null id is no id: a notification, as before.
        guard case .notification = IncomingMessage.decode(Data(#"{"jsonrpc":"2.0","id":null,"method":"m"}"#.utf8)) else {
            Issue.record("null id"); return
        }
    }

    @Test func positionsCountUTF16CodeUnits() {
        // "é" is 2 UTF-8 bytes and 1 UTF-16 unit; "😀" 4 bytes and 2 units; "\r\n" ends a line.
        let map = PositionMap("aé😀b\r\nx\ry")
        #expect(map.position(of: 3) == Position(line: 0, character: 2))   // after é
        #expect(map.position(of: 7) == Position(line: 0, character: 4))   // after 😀
        #expect(map.position(of: 10) == Position(line: 1, character: 0))  // x
        #expect(map.position(of: 12) == Position(line: 2, character: 0))  // y
        #expect(map.offset(of: Position(line: 0, character: 4)) == 7)
        #expect(map.offset(of: Position(line: 0, character: 99)) == 8)    // past the end of the line: its end
        #expect(map.offset(of: Position(line: 9, character: 0)) == 13)    // past the last line: the end
        #expect(map.offset(of: Position(line: 0, character: 3)) == 7)     // inside a surrogate pair: after it
    }

    /// The document's text is a `SourceFile` (the compiler's line table), so positions and diagnostics
    /// agree on where lines end; lines far past the end are the end, never a trap.
    @Test func documentsWrapTheCompilersSourceFile() {
        let document = TextDocument(uri: "file:///tmp/a.yaml", text: "a\r\nb\rc\n", version: 1)
        #expect(document.file.path == "/tmp/a.yaml" && document.file.text == document.text)
        #expect(document.map.lineCount == document.file.lineCount && document.map.lineCount == 4)
        for line in 0..<document.map.lineCount {
            #expect(document.map.lineText(line) == document.file.lineText(line + 1))
        }
        #expect(document.map.lineBytes(Int.max) == 7..<7 && document.map.lineBytes(-1) == 7..<7)
        #expect(document.map.offset(of: Position(line: Int.max, character: Int.max)) == 7)
        #expect(document.map.line(of: Int.max) == 3 && document.map.line(of: Int.min) == 0)
    }

    /// A ```yaml rbc fence holds a step's fields: keys and values complete as in a step of `steps:`,
    /// also when the fence is indented inside a list item.
    @Test func completionInsideAMarkdownStepFence() {
        let text = """
        # Restart

        ## Steps

        1. Restart the API
           ```yaml rbc
           on_failure: 
           ro
           rollback:
             ti
           ```

        """
        let document = TextDocument(uri: "file:///tmp/page.md", text: text, version: 1)
        func labels(_ line: Int, _ character: Int) -> [String] {
            Completing.items(at: document.map.offset(of: Position(line: line, character: character)), document: document, names: RunbookSymbols()).map(\.label)
        }
        #expect(labels(6, 15) == ["abort", "continue", "halt"])
        let stepKeys = labels(7, 5)
        #expect(stepKeys.contains("readonly") && !stepKeys.contains("rollback") && stepKeys.contains("timeout") && stepKeys.contains("command") && !stepKeys.contains("on_failure"))
        let rollbackKeys = labels(9, 7)
        #expect(rollbackKeys.contains("timeout") && rollbackKeys.contains("action") && !rollbackKeys.contains("rollback"))
        #expect(labels(2, 2).isEmpty, "prose gets no keys")
        #expect(labels(11, 0).isEmpty, "after the fence: prose again")
    }

    /// A shell fence's `{key=value …}` attributes complete as the step fields they set.
    @Test func completionInShellFenceAttributes() {
        let text = """
        ## Steps

        1. Restart the API
           ```bash {timeout=5m on-failure=
           kubectl rollout restart deployment/api
           ```
        ```sh {id=restart read
        ```python {
        ```bash {id="a b"} x

        """
        let document = TextDocument(uri: "file:///tmp/page.md", text: text, version: 1)
        func labels(_ line: Int, _ character: Int) -> [String] {
            Completing.items(at: document.map.offset(of: Position(line: line, character: character)), document: document, names: RunbookSymbols()).map(\.label)
        }
        #expect(labels(3, 34) == ["abort", "continue", "halt"], "the value of on-failure (spelled with a dash)")
        let keys = labels(3, 23)
        #expect(keys.contains("readonly") && keys.contains("on_failure") && !keys.contains("timeout"), "timeout is already set: \(keys)")
        #expect(!keys.contains("command") && !keys.contains("rollback") && !keys.contains("retries"), "only scalar step fields: \(keys)")
        let second = labels(6, 22)
        #expect(second.contains("readonly") && !second.contains("id"))
        #expect(labels(7, 11).isEmpty, "not a shell fence")
        #expect(labels(8, 20).isEmpty, "past the closing brace")
        #expect(labels(4, 10).isEmpty, "the command is not an attribute")
    }

    /// A client may name a buffer with any URI; `a` (one character, no scheme) made the analysis cut
    /// its directory with Foundation's trapping call, and the server died on `didOpen`.
    @Test(arguments: ["a", ".", "file:a", "untitled:Untitled-1", ""])
    func anyURIIsAnalysed(_ uri: String) {
        let document = TextDocument(uri: uri, text: "runbook:\n  name: x\n  severity: P9\n", version: 1)
        let analysis = DocumentAnalysis.analyze(document, git: false, shellcheck: false)
        #expect(analysis.diagnostics.contains { $0.code.id == "RB2005" }, "\(uri): \(analysis.diagnostics.map(\.code.id))")
    }

    @Test func incrementalEditsApplyInOrder() {
        var document = TextDocument(uri: "file:///tmp/a.yaml", text: "a😀c\nline two\n", version: 1)
        document.apply([ContentChange(range: LSPRange(start: Position(line: 0, character: 1), end: Position(line: 0, character: 3)), text: "b"),
                        ContentChange(range: LSPRange(start: Position(line: 1, character: 5), end: Position(line: 1, character: 8)), text: "2")],
                       version: 2)
        #expect(document.text == "abc\nline 2\n")
        #expect(document.generation == 1 && document.version == 2)
        document.apply([ContentChange(range: nil, text: "whole")], version: 3)
        #expect(document.text == "whole")
        #expect(TextDocument.path(fromURI: "file:///tmp/a%20b/c.yaml") == "/tmp/a b/c.yaml")
    }

    /// The rope a `didChange` is applied to answers every change as rebuilding the whole text before
    /// each one did (the old `apply`, kept here as the reference): lines ending in `\n`, `\r\n` or a lone
    /// `\r` (a `\r\n` straddling chunks, or made and broken by edits), UTF-16 columns with characters of
    /// two, three and four bytes, positions past a line's end, past the last line, negative, inside a
    /// surrogate pair, and ranges that end before they start. Tiny chunks put a boundary everywhere.
    @Test(arguments: [1, 2, 3, 7, 4096])
    func ropeEditsAgreeWithRebuildingTheTextPerChange(chunkSize: Int) {
        struct Generator: RandomNumberGenerator {
            var state: UInt64
            mutating func next() -> UInt64 {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                return state >> 1 ^ state << 7
            }
        }
        var random = Generator(state: UInt64(chunkSize) &* 0x9E3779B97F4A7C15)
        let pieces = ["a", "b", " ", "é", "€", "😀", "\r", "\n", "\r\n", "\n\r"]
        func text(_ count: Int) -> String { (0..<count).map { _ in pieces.randomElement(using: &random)! }.joined() }
        func reference(_ bytes: [UInt8], _ change: ContentChange) -> [UInt8] {
            guard let range = change.range else { return Array(change.text.utf8) }
            let map = PositionMap(String(decoding: bytes, as: UTF8.self))
            let start = map.offset(of: range.start)
            let end = max(start, map.offset(of: range.end))
            var edited = bytes
            edited.replaceSubrange(start..<end, with: Array(change.text.utf8))
            return edited
        }
        for round in 0..<60 {
            var expected = Array(text(Int.random(in: 0...200, using: &random)).utf8)
            var rope = EditRope(expected, chunkSize: chunkSize)
            for _ in 0..<40 {
                let lines = PositionMap(String(decoding: expected, as: UTF8.self)).lineCount
                func position() -> Position {
                    Position(line: Int.random(in: -1...(lines + 1), using: &random), character: Int.random(in: -1...30, using: &random))
                }
                let change = Int.random(in: 0..<50, using: &random) == 0 ? ContentChange(range: nil, text: text(Int.random(in: 0...20, using: &random)))
                    : ContentChange(range: LSPRange(start: position(), end: position()), text: text(Int.random(in: 0...6, using: &random)))
                for probe in [change.range?.start, change.range?.end].compactMap({ $0 }) {
                    #expect(rope.offset(of: probe) == PositionMap(String(decoding: expected, as: UTF8.self)).offset(of: probe),
                            "round \(round), \(probe) in \(String(decoding: expected, as: UTF8.self).debugDescription)")
                }
                expected = reference(expected, change)
                if let range = change.range {
                    let start = rope.offset(of: range.start)
                    rope.replace(start..<max(start, rope.offset(of: range.end)), with: Array(change.text.utf8))
                } else {
                    rope = EditRope(Array(change.text.utf8), chunkSize: chunkSize)
                }
                #expect(rope.bytes == expected, "round \(round)")
                #expect(rope.count == expected.count)
            }
        }
    }

    @Test func everyLanguageKeyIsDocumented() {
        let missing = KeyDocumentation.languageKeys.filter { KeyDocumentation.runbook[$0] == nil }
        #expect(missing.isEmpty, "keys without hover documentation: \(missing.sorted())")
        let missingConfiguration = Configuration.keys.filter { KeyDocumentation.configuration[$0] == nil }
        #expect(missingConfiguration.isEmpty, "`.rbc.yaml` keys without documentation: \(missingConfiguration)")
    }

    // MARK: - The real binary

    /// Runs `rbc lsp` on the given input (closed at its end) and returns its exit status and the messages it sent.
    static func serve(_ input: [UInt8]) throws -> (status: Int32, messages: [[String: Any]]) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: TestSupport.rbcBinary)
        process.arguments = ["lsp", "--stdio"]
        let stdin = Pipe()
        let stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        try process.run()
        nonisolated(unsafe) var output = Data()
        let reader = DispatchGroup()
        reader.enter()
        DispatchQueue.global().async { output = stdout.fileHandleForReading.readDataToEndOfFile(); reader.leave() }
        stdin.fileHandleForWriting.write(Data(input))
        try stdin.fileHandleForWriting.close()
        reader.wait()
        process.waitUntilExit()
        let messages = frames(Array(output)).compactMap { frame -> [String: Any]? in
            guard case .message(let body) = frame else { return nil }
            return try? JSONSerialization.jsonObject(with: body) as? [String: Any]
        }
        return (process.terminationStatus, messages)
    }

    static let initialize = framed(#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{}}}"#)

    @Test func malformedInputGetsErrorsAndTheServerKeepsServing() throws {
        let input = Array("Content-Type: x\r\n\r\n".utf8)                                  // no length
            + Self.framed("{oops")                                                         // not JSON
            + Self.framed(#"[1]"#)                                                         // not an object
            + Self.framed(#"{"jsonrpc":"2.0","id":7,"method":"textDocument/hover"}"#)     // before initialize
            + Self.initialize
            + Self.framed(#"{"jsonrpc":"2.0","id":2,"method":"textDocument/hover","params":{"position":"x"}}"#)
            + Self.framed(#"{"jsonrpc":"2.0","id":3,"method":"no/such"}"#)
            + Self.framed(#"{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":4}}"#)
            + Self.framed(#"{"jsonrpc":"2.0","id":4,"method":"textDocument/documentSymbol","params":{"textDocument":{"uri":"file:///x.yaml"}}}"#)
            + Self.framed(#"{"jsonrpc":"2.0","id":5,"method":"shutdown"}"#)
            + Self.framed(#"{"jsonrpc":"2.0","id":6,"method":"textDocument/documentSymbol","params":{"textDocument":{"uri":"file:///x.yaml"}}}"#)
            + Self.framed(#"{"jsonrpc":"2.0","method":"exit"}"#)
        let (status, messages) = try Self.serve(input)
        #expect(status == 0, "exit after shutdown is a clean exit")
        func errorCode(_ message: [String: Any]) -> Int? { (message["error"] as? [String: Any])?["code"] as? Int }
        func id(_ message: [String: Any]) -> Int? { message["id"] as? Int }
        let nullIDErrors = messages.filter { $0["id"] is NSNull }.compactMap(errorCode)
        #expect(nullIDErrors == [-32700, -32700, -32600])
        let byID = Dictionary(messages.compactMap { message in id(message).map { ($0, message) } }, uniquingKeysWith: { first, _ in first })
        #expect(byID[7].flatMap(errorCode) == -32002)
        #expect((byID[1]?["result"] as? [String: Any])?["capabilities"] != nil)
        #expect(byID[2].flatMap(errorCode) == -32602)
        #expect(byID[3].flatMap(errorCode) == -32601)
        #expect(byID[4].flatMap(errorCode) == -32800)
        #expect(byID[5]?.keys.contains("result") == true)
        #expect(byID[6].flatMap(errorCode) == -32600, "requests after shutdown are refused")
    }

    @Test func endOfInputWithoutShutdownExitsWithOne() throws {
        let (status, messages) = try Self.serve(Self.initialize)
        #expect(status == 1)
        #expect(messages.count == 1)
        let (truncated, _) = try Self.serve(Array("Content-Length: 100\r\n\r\n{".utf8))
        #expect(truncated == 1)
    }
}

// `rbc lsp`: reads framed JSON-RPC from an input stream, answers on an output stream. Requests are
// handled one at a time on the server's queue (they are fast: they read the last analysis); checks
// run on their own queue after a pause in typing, and only the newest version's diagnostics are sent.

import Dispatch
import Foundation
import RunbookDriver
#if canImport(Glibc)
import Glibc
#endif

/// Writes whole frames to a file descriptor; one writer at a time.
// @unchecked: every write holds `lock`, and the descriptor never changes.
final class MessageSink: @unchecked Sendable {
    private let descriptor: Int32
    private let lock = NSLock()

    init(descriptor: Int32) { self.descriptor = descriptor }

    func send(_ body: Data) {
        let framed = FrameParser.frame(body)
        lock.lock()
        defer { lock.unlock() }
        framed.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            guard let base = raw.baseAddress else { return }
            var written = 0
            while written < raw.count {
                let result = write(descriptor, base + written, raw.count - written)
                if result < 0, errno == EINTR { continue }
                // The client went away: nothing more can be said to it.
                if result <= 0 { return }
                written += result
            }
        }
    }
}

// @unchecked: the mutable state is touched only on `queue` (a serial queue); the reader thread only
// parses frames and hands them over, and `cancelled` has its own lock.
public final class LanguageServer: @unchecked Sendable {
    /// Time after the last keystroke before a document is checked again.
    public static let debounce: DispatchTimeInterval = .milliseconds(120)

    private let sink: MessageSink
    /// Every field below is read and written only on this queue.
    private let queue = DispatchQueue(label: "rbc.lsp.server")
    private let analysisQueue = DispatchQueue(label: "rbc.lsp.analysis", qos: .userInitiated)
    private var documents: [String: TextDocument] = [:]
    /// The newest complete analysis of each document (perhaps of an older text).
    private var analyses: [String: DocumentAnalysis] = [:]
    /// History findings from the last open or save, kept while the buffer changes.
    private var historyFindings: [String: DocumentAnalysis] = [:]
    /// The names of the last analysis that parsed: what completion offers while the text does not.
    private var lastNames: [String: RunbookSymbols] = [:]
    private var initialized = false
    private var shutdownRequested = false
    /// The newest generation of each document sent for checking, read by the analysis queue.
    private let latest = LatestGenerations()
    /// Requests the client cancelled before they were handled; written by the reader thread.
    private let cancelled = CancelledRequests()
    private let finished = DispatchSemaphore(value: 0)
    private var exitCode: Int32 = 1

    private let version: String

    init(output: Int32, version: String) {
        sink = MessageSink(descriptor: output)
        self.version = version
    }

    /// Serves until `exit` or end of input; returns the process exit code (0 after `shutdown`).
    public static func serve(version: String, input: Int32 = 0, output: Int32 = 1) -> Int32 {
        let server = LanguageServer(output: output, version: version)
        let reader = Thread {
            var parser = FrameParser()
            var buffer = [UInt8](repeating: 0, count: 65_536)
            readLoop: while true {
                let count = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
                if count < 0, errno == EINTR { continue }
                if count <= 0 { break }
                parser.append(buffer[0..<count])
                while let frame = parser.next() {
                    if server.receive(frame) { break readLoop }
                }
            }
            server.queue.async { server.finished.signal() }
        }
        reader.stackSize = 1 << 20
        reader.start()
        server.finished.wait()
        return server.queue.sync { server.exitCode }
    }

    /// Routes one frame; true once `exit` has been received.
    func receive(_ frame: Frame) -> Bool {
        switch frame {
        case .malformed(let reason):
            sendError(id: nil, .parseError(reason))
            return false
        case .message(let body):
            let message = IncomingMessage.decode(body)
            switch message {
            case .invalid(let error):
                sendError(id: nil, error)
            case .response:
                break
            case .notification(let method, let body):
                if method == "$/cancelRequest", let params = try? IncomingMessage.params(CancelParams.self, from: body) {
                    cancelled.insert(params.id)
                    return false
                }
                if method == "exit" {
                    queue.sync { exitCode = shutdownRequested ? 0 : 1 }
                    return true
                }
                queue.async { self.handleNotification(method, body) }
            case .request(let id, let method, let body):
                queue.async { self.handleRequest(id, method, body) }
            }
            return false
        }
    }

    // MARK: - Dispatch (on `queue`)

    private func handleRequest(_ id: RequestID, _ method: String, _ body: Data) {
        if cancelled.remove(id) {
            sendError(id: id, .requestCancelled)
            return
        }
        do throws(ResponseError) {
            if method == "initialize" {
                _ = try IncomingMessage.params(InitializeParams.self, from: body)
                initialized = true
                return send(id: id, InitializeResult(serverInfo: .init(name: "rbc", version: version)))
            }
            guard initialized else { throw .serverNotInitialized }
            if shutdownRequested { throw .invalidRequest("the server is shutting down: only `exit` is accepted") }
            switch method {
            case "shutdown":
                shutdownRequested = true
                send(id: id, Optional<Int>.none)
            case "textDocument/hover":
                let params = try IncomingMessage.params(TextDocumentPositionParams.self, from: body)
                send(id: id, withDocument(params.textDocument.uri) { document, analysis in
                    Hovering.hover(at: document.map.offset(of: params.position), document: document, analysis: analysis)
                })
            case "textDocument/completion":
                let params = try IncomingMessage.params(TextDocumentPositionParams.self, from: body)
                let uri = params.textDocument.uri
                send(id: id, withDocument(uri, fresh: false) { document, analysis in
                    CompletionList(items: Completing.items(at: document.map.offset(of: params.position), document: document,
                                                           names: analysis.syntax == nil ? lastNames[uri] ?? analysis.symbols : analysis.symbols))
                })
            case "textDocument/definition":
                let params = try IncomingMessage.params(TextDocumentPositionParams.self, from: body)
                send(id: id, withDocument(params.textDocument.uri) { document, analysis in
                    Navigating.definition(at: document.map.offset(of: params.position), uri: document.uri, analysis: analysis)
                })
            case "textDocument/references":
                let params = try IncomingMessage.params(ReferenceParams.self, from: body)
                send(id: id, withDocument(params.textDocument.uri) { document, analysis in
                    Navigating.references(at: document.map.offset(of: params.position), uri: document.uri, analysis: analysis,
                                          includeDeclaration: params.context?.includeDeclaration ?? true)
                } ?? [])
            case "textDocument/documentSymbol":
                let params = try IncomingMessage.params(DocumentParams.self, from: body)
                send(id: id, withDocument(params.textDocument.uri) { _, analysis in Navigating.symbols(analysis) } ?? [])
            case "textDocument/codeAction":
                let params = try IncomingMessage.params(CodeActionParams.self, from: body)
                send(id: id, withDocument(params.textDocument.uri, fresh: false) { document, analysis in
                    CodeActions.actions(for: params, document: document, analysis: analysis)
                } ?? [])
            default:
                throw .methodNotFound(method)
            }
        } catch {
            sendError(id: id, error)
        }
    }

    private func handleNotification(_ method: String, _ body: Data) {
        guard initialized, !shutdownRequested else { return }
        switch method {
        case "textDocument/didOpen":
            guard let params = try? IncomingMessage.params(DidOpenParams.self, from: body) else { return }
            let item = params.textDocument
            documents[item.uri] = TextDocument(uri: item.uri, text: item.text, version: item.version)
            scheduleAnalysis(item.uri, after: .never, git: true)
        case "textDocument/didChange":
            guard let params = try? IncomingMessage.params(DidChangeParams.self, from: body),
                  var document = documents[params.textDocument.uri] else { return }
            document.apply(params.contentChanges, version: params.textDocument.version)
            documents[document.uri] = document
            scheduleAnalysis(document.uri, after: Self.debounce, git: false)
        case "textDocument/didSave":
            guard let params = try? IncomingMessage.params(DidSaveParams.self, from: body), documents[params.textDocument.uri] != nil else { return }
            scheduleAnalysis(params.textDocument.uri, after: .never, git: true)
        case "textDocument/didClose":
            guard let params = try? IncomingMessage.params(DidCloseParams.self, from: body) else { return }
            let uri = params.textDocument.uri
            documents[uri] = nil
            analyses[uri] = nil
            historyFindings[uri] = nil
            lastNames[uri] = nil
            send(notification: "textDocument/publishDiagnostics", PublishDiagnosticsParams(uri: uri, version: nil, diagnostics: []))
        default:
            break  // Unknown notifications are ignored, as JSON-RPC asks.
        }
    }

    // MARK: - Analysis

    /// Checks the document once it has not changed for `delay` (`.never`: at once).
    private func scheduleAnalysis(_ uri: String, after delay: DispatchTimeInterval, git: Bool) {
        guard let generation = documents[uri]?.generation else { return }
        let start: @Sendable () -> Void = { [self] in
            guard let document = documents[uri], document.generation == generation else { return }
            latest.set(uri, generation)
            analysisQueue.async { [self] in
                // Typing went on while earlier checks ran: only the newest text is worth checking
                // (a check on open or save still runs, for its history findings).
                guard git || latest.get(uri) == generation else { return }
                let analysis = DocumentAnalysis.analyze(document, git: git)
                queue.async { [self] in
                    guard let current = documents[uri] else { return }
                    if git { historyFindings[uri] = analysis }
                    if (analyses[uri]?.generation ?? -1) <= analysis.generation {
                        analyses[uri] = analysis
                        if analysis.syntax != nil { lastNames[uri] = analysis.symbols }
                    }
                    // An older text's diagnostics would point at the wrong characters.
                    guard current.generation == analysis.generation else { return }
                    publish(current, analysis)
                }
            }
        }
        if case .never = delay { start() } else { queue.asyncAfter(deadline: .now() + delay, execute: start) }
    }

    private func publish(_ document: TextDocument, _ analysis: DocumentAnalysis) {
        var diagnostics = analysis.lspDiagnostics(uri: document.uri)
        // History findings (staleness, review stamps) come from the last open or save; a check of the
        // unsaved buffer keeps them rather than making them flicker away while typing.
        if let history = historyFindings[document.uri], history.generation != analysis.generation {
            let historyIDs = Set(GitChecks.ruleIDs)
            let kept = history.lspDiagnostics(uri: document.uri).filter { historyIDs.contains($0.code) }
            diagnostics += kept.filter { finding in !diagnostics.contains(finding) }
        }
        send(notification: "textDocument/publishDiagnostics", PublishDiagnosticsParams(uri: document.uri, version: document.version, diagnostics: diagnostics))
    }

    /// Runs a feature on the document and its analysis; `fresh` needs positions that match the text
    /// (parsed now when the full check lags behind), otherwise names from the last check suffice.
    private func withDocument<Result>(_ uri: String, fresh: Bool = true, _ body: (TextDocument, DocumentAnalysis) -> Result?) -> Result? {
        guard let document = documents[uri] else { return nil }
        if let analysis = analyses[uri], analysis.generation == document.generation || !fresh {
            return body(document, analysis)
        }
        let parsed = DocumentAnalysis.parseOnly(document)
        return body(document, parsed)
    }

    // MARK: - Output

    private func send<Result: Encodable>(id: RequestID, _ result: Result) {
        sink.send(OutgoingMessage.encode(OutgoingMessage.Response(id: id, result: result)))
    }

    private func sendError(id: RequestID?, _ error: ResponseError) {
        sink.send(OutgoingMessage.encode(OutgoingMessage.Failure(id: id, error: error)))
    }

    private func send<Params: Encodable>(notification method: String, _ params: Params) {
        sink.send(OutgoingMessage.encode(OutgoingMessage.Notification(method: method, params: params)))
    }
}

/// Ids of cancelled requests, shared by the reader thread and the server queue.
// @unchecked: every access holds `lock`.
final class CancelledRequests: @unchecked Sendable {
    private var ids = Set<RequestID>()
    private let lock = NSLock()

    func insert(_ id: RequestID) {
        lock.lock()
        ids.insert(id)
        lock.unlock()
    }

    func remove(_ id: RequestID) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return ids.remove(id) != nil
    }
}

/// The newest generation scheduled per document, shared by the server and analysis queues.
// @unchecked: every access holds `lock`.
final class LatestGenerations: @unchecked Sendable {
    private var generations: [String: Int] = [:]
    private let lock = NSLock()

    func set(_ uri: String, _ generation: Int) {
        lock.lock()
        generations[uri] = generation
        lock.unlock()
    }

    func get(_ uri: String) -> Int? {
        lock.lock()
        defer { lock.unlock() }
        return generations[uri]
    }
}

// The Language Server Protocol types rbc's server reads and writes (a subset of LSP 3.17), as
// plain Codable structs. Positions are 0-based lines and UTF-16 code units, as LSP specifies.

import Foundation

public struct Position: Codable, Hashable, Sendable, Comparable {
    public var line: Int
    public var character: Int

    public init(line: Int, character: Int) {
        self.line = line
        self.character = character
    }

    public static func < (lhs: Position, rhs: Position) -> Bool { (lhs.line, lhs.character) < (rhs.line, rhs.character) }
}

public struct LSPRange: Codable, Hashable, Sendable {
    public var start: Position
    public var end: Position

    public init(start: Position, end: Position) {
        self.start = start
        self.end = end
    }
}

public struct Location: Codable, Hashable, Sendable {
    public var uri: String
    public var range: LSPRange
}

public struct TextDocumentIdentifier: Codable, Sendable {
    public var uri: String
}

public struct TextDocumentItem: Codable, Sendable {
    public var uri: String
    public var languageId: String?
    public var version: Int?
    public var text: String
}

public struct VersionedTextDocumentIdentifier: Codable, Sendable {
    public var uri: String
    public var version: Int?
}

public struct DidOpenParams: Codable, Sendable { public var textDocument: TextDocumentItem }
public struct DidCloseParams: Codable, Sendable { public var textDocument: TextDocumentIdentifier }
public struct DidSaveParams: Codable, Sendable {
    public var textDocument: TextDocumentIdentifier
    public var text: String?
}

public struct ContentChange: Codable, Sendable {
    /// Absent: `text` replaces the whole document.
    public var range: LSPRange?
    public var text: String
}

public struct DidChangeParams: Codable, Sendable {
    public var textDocument: VersionedTextDocumentIdentifier
    public var contentChanges: [ContentChange]
}

public struct TextDocumentPositionParams: Codable, Sendable {
    public var textDocument: TextDocumentIdentifier
    public var position: Position
}

public struct ReferenceParams: Codable, Sendable {
    public struct Context: Codable, Sendable { public var includeDeclaration: Bool }
    public var textDocument: TextDocumentIdentifier
    public var position: Position
    public var context: Context?
}

public struct DocumentParams: Codable, Sendable { public var textDocument: TextDocumentIdentifier }

public struct CancelParams: Codable, Sendable { public var id: RequestID }

public struct InitializeParams: Codable, Sendable {
    public var rootUri: String?
    public var rootPath: String?
}

public enum DiagnosticSeverityValue: Int, Codable, Sendable {
    case error = 1, warning = 2, information = 3, hint = 4
}

public struct CodeDescription: Codable, Sendable, Hashable { public var href: String }

public struct DiagnosticRelatedInformation: Codable, Sendable, Hashable {
    public var location: Location
    public var message: String
}

public struct LSPDiagnostic: Codable, Sendable, Hashable {
    public var range: LSPRange
    public var severity: DiagnosticSeverityValue
    public var code: String
    public var source: String = "rbc"
    public var message: String
    public var relatedInformation: [DiagnosticRelatedInformation]?
}

public struct PublishDiagnosticsParams: Codable, Sendable {
    public var uri: String
    public var version: Int?
    public var diagnostics: [LSPDiagnostic]
}

public struct MarkupContent: Codable, Sendable {
    public var kind = "markdown"
    public var value: String
}

public struct Hover: Codable, Sendable {
    public var contents: MarkupContent
    public var range: LSPRange?
}

/// LSP's CompletionItemKind values rbc uses.
public enum CompletionItemKind: Int, Codable, Sendable {
    case text = 1, function = 3, field = 5, variable = 6, property = 10, value = 12, enumMember = 20, keyword = 14
}

public struct CompletionItem: Codable, Sendable {
    public var label: String
    public var kind: CompletionItemKind
    public var detail: String?
    public var documentation: MarkupContent?
    /// Ours first, in the order given, whatever the client's alphabetical default.
    public var sortText: String?
}

public struct CompletionList: Codable, Sendable {
    public var isIncomplete = false
    public var items: [CompletionItem]
}

/// LSP's SymbolKind values rbc uses.
public enum SymbolKind: Int, Codable, Sendable {
    case namespace = 3, function = 12, variable = 13, event = 24
}

public struct DocumentSymbol: Codable, Sendable {
    public var name: String
    public var detail: String?
    public var kind: SymbolKind
    public var range: LSPRange
    public var selectionRange: LSPRange
    public var children: [DocumentSymbol]?
}

public struct TextEdit: Codable, Sendable, Hashable {
    public var range: LSPRange
    public var newText: String
}

public struct WorkspaceEdit: Codable, Sendable {
    public var changes: [String: [TextEdit]]
}

public struct CodeActionParams: Codable, Sendable {
    public struct Context: Codable, Sendable { public var diagnostics: [LSPDiagnostic]? }
    public var textDocument: TextDocumentIdentifier
    public var range: LSPRange
    public var context: Context?
}

public struct CodeAction: Codable, Sendable {
    public var title: String
    public var kind = "quickfix"
    public var diagnostics: [LSPDiagnostic]?
    public var isPreferred: Bool?
    public var edit: WorkspaceEdit
}

public struct ServerCapabilities: Codable, Sendable {
    public struct TextDocumentSync: Codable, Sendable {
        public var openClose = true
        /// 2: incremental changes.
        public var change = 2
        public var save = SaveOptions()
    }
    public struct SaveOptions: Codable, Sendable { public var includeText = false }
    public struct CompletionOptions: Codable, Sendable { public var triggerCharacters: [String] }
    public struct CodeActionOptions: Codable, Sendable { public var codeActionKinds: [String] }

    public var textDocumentSync = TextDocumentSync()
    public var hoverProvider = true
    public var completionProvider = CompletionOptions(triggerCharacters: [".", ":", " "])
    public var definitionProvider = true
    public var referencesProvider = true
    public var documentSymbolProvider = true
    public var codeActionProvider = CodeActionOptions(codeActionKinds: ["quickfix"])
}

public struct InitializeResult: Codable, Sendable {
    public struct ServerInfo: Codable, Sendable {
        public var name: String
        public var version: String
    }
    public var capabilities = ServerCapabilities()
    public var serverInfo: ServerInfo
}

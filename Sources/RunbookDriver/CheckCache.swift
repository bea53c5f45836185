// `rbc check`'s persistent cache: each runbook's complete per-file answer (compiler and lint
// diagnostics, ShellCheck's findings, suppressions applied, fixes included), filed under the hash of
// everything that decides it — the file's bytes and path, the rbc build, `.rbc.yaml`, the working
// directory, today's date, the severity inferred for it and the ShellCheck in use. A changed input is
// a different key, so an entry can only be right or missing.

import Foundation
import RunbookGit
import RunbookLint
import RunbookSource

public struct CheckCache: Sendable {
    public let store: ContentCache
    /// What every key of this run shares.
    let context: [String]
    /// ShellCheck is on but not installed: the run-level RB016 note ("N shell commands were not
    /// analysed") counts the commands of every file, so no file's answer may come from the cache.
    let shellCheckMissing: Bool

    /// `.rbc/cache` beside `.rbc.yaml`, else at the root of the git work tree, else
    /// `$XDG_CACHE_HOME/rbc` (`~/.cache/rbc`).
    public static func root(configuration: Configuration, from start: String = FileManager.default.currentDirectoryPath) -> String {
        location(configuration: configuration, from: start).root
    }

    /// The cache directory and the directory it is anchored in (the one holding `.rbc.yaml`, the work
    /// tree, the cache home): what lies between them is checked before it is trusted.
    public static func location(configuration: Configuration, from start: String = FileManager.default.currentDirectoryPath) -> (anchor: String, root: String) {
        if configuration.file != nil {
            return (configuration.directory, (configuration.directory as NSString).appendingPathComponent(".rbc/cache"))
        }
        if let workdir = GitRepository.workdir(containing: start) {
            return (workdir, (workdir as NSString).appendingPathComponent(".rbc/cache"))
        }
        return (cacheHome, (cacheHome as NSString).appendingPathComponent("rbc"))
    }

    /// `$XDG_CACHE_HOME` when absolute, else `~/.cache`: where the user's own cache files live.
    static var cacheHome: String {
        ProcessInfo.processInfo.environment["XDG_CACHE_HOME"].flatMap { $0.hasPrefix("/") ? $0 : nil }
            ?? (NSHomeDirectory() as NSString).appendingPathComponent(".cache")
    }

    /// A link, or a directory every user may write, between the anchor and the cache: `rbc check` does
    /// not use such a cache and `rbc cache clean` does not remove it. Nil when there is none.
    public static func untrustedDirectory(configuration: Configuration, from start: String = FileManager.default.currentDirectoryPath) -> String? {
        let (anchor, root) = location(configuration: configuration, from: start)
        return CacheTrust.firstUntrustedDirectory(root, below: anchor)
    }

    /// Nil when the cache cannot be trusted (`CacheTrust`): the run then checks everything itself.
    init?(root location: (anchor: String, root: String), configuration: Configuration, options: CheckOptions, lint: LintConfiguration?) {
        let root = location.root
        guard let owner = CacheTrust.owner(cacheHome: Self.cacheHome),
              CacheTrust.firstUntrustedDirectory((root as NSString).appendingPathComponent("\(ContentCache.formatVersion)/\(owner)"),
                                                 below: location.anchor) == nil else { return nil }
        store = ContentCache(root: root, owner: owner)
        let configText = configuration.file.flatMap { FileManager.default.contents(atPath: $0) }.map { String(decoding: $0, as: UTF8.self) } ?? ""
        var shellcheck = "off"
        if let lint, lint.shellcheck.enabled {
            shellcheck = (lint.shellcheck.executable ?? ShellCheck.locate()).map { ShellCheck.identity(of: $0) } ?? "missing"
        }
        shellCheckMissing = shellcheck == "missing"
        context = [Self.buildIdentity(version: options.toolVersion), configuration.file ?? "", configText,
                   FileManager.default.currentDirectoryPath, options.today, options.lint ? "lint" : "compile",
                   shellcheck, options.skipNonRunbooks ? "sniff-named" : ""]
    }

    /// This rbc: its version and the binary's size and modification time, so a rebuild with other
    /// rules never reads its predecessor's answers.
    static func buildIdentity(version: String) -> String {
        var info = stat()
        guard stat("/proc/self/exe", &info) == 0 else { return version + " unknown-build" }
        return "\(version) \(info.st_size) \(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec)"
    }

    func key(for file: SourceFile, explicit: Bool, settings: CompileSettings) -> String {
        let inferred = settings.inferredSeverity.map { "\($0)" } ?? ""
        return ContentCache.key((context + [file.path, explicit ? "named" : "walked", inferred, settings.documentation ? "doc" : ""]).map { Array($0.utf8) }
                                + [file.bytes])
    }

    /// The history walk's per-commit last-change index, kept beside the answers.
    public var historyIndex: LastChangeIndexStore { HistoryIndexEntries(store: store) }

    func diagnostics(for key: String, file: SourceFile) -> [Diagnostic]? {
        guard let payload = store.get("check", key) else { return nil }
        var reader = CacheReader(payload)
        guard let diagnostics = DiagnosticCoding.decode(from: &reader, file: file), reader.atEnd else { return nil }
        return diagnostics
    }

    /// The key of a file's history findings (`GitChecks`): this key's parts and the file's place in history.
    /// `checkKey`, the file's check-cache key, already covers its bytes and everything else this run's
    /// keys share; given, it saves hashing the file a second time.
    func historyKey(for file: SourceFile, settings: CompileSettings, checkKey: String?, parts: [String]) -> String {
        if let checkKey { return ContentCache.key(["history", checkKey] + parts) }
        let inferred = settings.inferredSeverity.map { "\($0)" } ?? ""
        return ContentCache.key((context + ["history", file.path, inferred, settings.documentation ? "doc" : ""] + parts).map { Array($0.utf8) }
                                + [file.bytes])
    }

    /// The history findings of a whole set of files, stored together under the hash of their keys:
    /// an unchanged tree reads one entry instead of one per file. Nil unless every file's part decodes.
    func historyDiagnostics(forAll keys: [String], files: [SourceFile]) -> [[Diagnostic]]? {
        guard let payload = store.get("git", ContentCache.key(["all"] + keys)) else { return nil }
        var reader = CacheReader(payload)
        guard reader.int() == files.count else { return nil }
        var answers: [[Diagnostic]] = []
        answers.reserveCapacity(files.count)
        for file in files {
            guard let diagnostics = DiagnosticCoding.decode(from: &reader, file: file) else { return nil }
            answers.append(diagnostics)
        }
        return reader.atEnd ? answers : nil
    }

    func saveHistory(_ answers: [[Diagnostic]], forAll keys: [String]) {
        var writer = CacheWriter()
        writer.int(answers.count)
        for diagnostics in answers { DiagnosticCoding.encode(diagnostics, into: &writer) }
        store.put("git", ContentCache.key(["all"] + keys), writer.bytes)
    }

    func historyDiagnostics(for key: String, file: SourceFile) -> [Diagnostic]? {
        guard let payload = store.get("git", key) else { return nil }
        var reader = CacheReader(payload)
        guard let diagnostics = DiagnosticCoding.decode(from: &reader, file: file), reader.atEnd else { return nil }
        return diagnostics
    }

    func saveHistory(_ diagnostics: [Diagnostic], for key: String) {
        var writer = CacheWriter()
        DiagnosticCoding.encode(diagnostics, into: &writer)
        store.put("git", key, writer.bytes)
    }

    func save(_ diagnostics: [Diagnostic], for key: String) {
        var writer = CacheWriter()
        DiagnosticCoding.encode(diagnostics, into: &writer)
        store.put("check", key, writer.bytes)
    }
}

/// Last-change indexes as cache entries: a commit's index is filed under its commit id.
struct HistoryIndexEntries: LastChangeIndexStore {
    let store: ContentCache

    func read(_ name: String) -> [UInt8]? { store.get("history", ContentCache.key([name])) }
    func write(_ name: String, _ bytes: [UInt8]) { store.put("history", ContentCache.key([name]), bytes) }
}

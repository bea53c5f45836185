// The history the rules RB017–RB021 read, over libgit2: one history walk finds every file's last
// change and where the texts the rules watch last changed; the commits newer than a review stamp are
// read only when a rule asks. The rules (RunbookLint/Rules, `HistoryRule`) decide what it means.
// With the check cache, the walk stops at a commit whose last-change index an earlier run stored,
// and a file's findings are kept under its content and last change.

import Foundation
import RunbookGit
import RunbookLint
import RunbookSema
import RunbookSource
import RunbookSyntax

public enum GitChecks {
    /// `beingCommitted`: inside a pre-commit hook the runbooks are uncommitted by definition, so RB021
    /// would only be noise. `cache`: the check cache keeps each file's findings under its content and
    /// last change, and the per-commit last-change index, so an unchanged tree reads only new commits.
    public static func run(_ results: [CompilationResult], today: String, review: ReviewSettings,
                           lint: LintConfiguration, beingCommitted: Bool = false) -> [Diagnostic] {
        run(results.map { GitCheckFile($0) }, today: today, review: review, lint: lint, beingCommitted: beingCommitted, cache: nil).diagnostics
    }

    /// One file's history findings (configured) and the key they are kept under (nil without the cache).
    struct FileFindings {
        var key: String?
        var diagnostics: [Diagnostic]
    }

    /// The findings, how many files' findings came from the cache, and each checked file's own
    /// findings by its path as given (every diagnostic not among them is a run-level note).
    static func run(_ files: [GitCheckFile], today: String, review: ReviewSettings,
                    lint: LintConfiguration, beingCommitted: Bool = false,
                    cache: CheckCache?) -> (diagnostics: [Diagnostic], answeredFromCache: Int, perFile: [String: FileFindings]) {
        var diagnostics: [Diagnostic] = []
        var answeredFromCache = 0
        var perFile: [String: FileFindings] = [:]
        var outside: [String] = []
        var repositories: [String: (GitRepository, [(GitCheckFile, String)])] = [:]
        var locator = RepositoryLocator()
        for file in files where file.mayBeLintable {
            do {
                guard let (repository, relative) = try locator.locate(file.path) else {
                    if file.compiled().lintableIR != nil { outside.append(file.path) }
                    continue
                }
                repositories[repository.workdir, default: (repository, [])].1.append((file, relative))
            } catch {
                guard file.compiled().lintableIR != nil else { continue }
                diagnostics.append(Diagnostic(.gitFailure, "git checks skipped: \(error)",
                                              severity: .info, displayPath: file.path))
            }
        }
        if !outside.isEmpty {
            diagnostics.append(Diagnostic(RuleRegistry.uncommittedRunbook,
                                          "not in a git repository: history checks (RB017–RB021) skipped for \(outside.count) runbook\(outside.count == 1 ? "" : "s")",
                                          severity: .info, displayPath: "rbc"))
        }
        for (_, (repository, files)) in repositories.sorted(by: { $0.key < $1.key }) {
            do {
                let findings = cache.map { FindingsCache(cache: $0, beingCommitted: beingCommitted) }
                let checked = try check(repository, files, today: today, review: review, beingCommitted: beingCommitted,
                                        index: cache.map { LastChangeIndex(store: $0.historyIndex, repository: repository) }, findings: findings)
                diagnostics += checked.diagnostics
                answeredFromCache += checked.answeredFromCache
                for (path, found) in checked.perFile {
                    perFile[path] = FileFindings(key: found.key, diagnostics: Linter.configure(found.diagnostics, configuration: lint))
                }
            } catch {
                diagnostics.append(Diagnostic(.gitFailure, "git checks failed: \(error)",
                                              severity: .info, displayPath: repository.workdir))
            }
        }
        return (Linter.configure(diagnostics, configuration: lint), answeredFromCache, perFile)
    }

    /// A runbook for the git checks: compiled, or answered from the check cache and compiled only
    /// when its history findings are not cached either.
    final class GitCheckFile {
        let path: String
        let source: SourceFile?
        let settings: CompileSettings
        /// The file's check-cache key, when it has one: its history key is derived from it.
        let checkKey: String?
        private var result: CompilationResult?

        init(_ result: CompilationResult, settings: CompileSettings = CompileSettings(), checkKey: String? = nil) {
            (path, source, self.result, self.settings, self.checkKey) = (result.path, result.file, result, settings, checkKey)
        }

        init(uncompiled source: SourceFile, settings: CompileSettings, checkKey: String? = nil) {
            (path, self.source, result, self.settings, self.checkKey) = (source.path, source, nil, settings, checkKey)
        }

        /// A compiled file without a lintable IR has no history findings; an uncompiled one may.
        var mayBeLintable: Bool { result.map { $0.lintableIR != nil } ?? true }

        /// Lets the compiled form go (a caller done with it; `compiled()` would compile again).
        func forgetCompiled() { result = nil }

        func compiled() -> CompilationResult {
            if let result { return result }
            let compiled = source.map { Compiler.compile($0, hashing: false, settings: settings) }
                ?? CompilationResult(path: path, file: nil, ir: nil, diagnostics: [])
            result = compiled
            return compiled
        }
    }

    /// How long ago a runbook was last reviewed (RB017 and the report read the same answer).
    public typealias ReviewAge = RunbookLint.ReviewAge

    /// The review age of a runbook given its last change; nil when it has neither a review stamp
    /// nor a commit.
    public static func reviewAge(_ ir: RunbookIR, lastChange: GitCommitInfo?, todayDay: Int, review: ReviewSettings) -> ReviewAge? {
        ReviewAge.of(ir, lastChange: lastChange.map(historyCommit), todayDay: todayDay, review: review)
    }

    static func historyCommit(_ info: GitCommitInfo) -> HistoryCommit {
        HistoryCommit(id: info.id, shortID: info.shortID, date: info.date, time: info.time, author: info.author, summary: info.summary)
    }

    /// Lines of a runbook a history rule watches, followed back until the commit that last changed them is known.
    struct LineWatch {
        let lines: [String]
        /// Each line's UTF-8, for searching versions as bytes.
        let needles: [[UInt8]]
        /// A line holding U+FFFD came from invalid UTF-8: versions are searched decoded instead.
        let searchesDecoded: Bool
        /// The lines' key in the last-change index's origins.
        let key: String
        var origin: TextOrigin?

        init(lines: [String], origin: TextOrigin? = nil) {
            self.lines = lines
            needles = lines.map { Array($0.utf8) }
            // Decided once per watch: asking Foundation per version was a twelfth of a cold history check.
            searchesDecoded = lines.contains { $0.unicodeScalars.contains("\u{FFFD}") }
            self.origin = origin
            key = SHA256.hex(Array(lines.joined(separator: "\n").utf8))
        }

        /// Whether a version (read in place) holds every line.
        func isContained(in version: UnsafeBufferPointer<UInt8>) -> Bool {
            if searchesDecoded { return containsAll(String(decoding: version, as: UTF8.self), lines) }
            return needles.allSatisfy { needle in
                needle.isEmpty || needle.withUnsafeBufferPointer { GitChecks.bytes(version, contain: $0) }
            }
        }
    }

    /// The watches of every file, answered as the walk goes: each change of a watched file is
    /// searched (its previous version read and scanned) in the order the walk met the file's
    /// changes, so each watch ends with the origin a search of every version would give. The walk
    /// follows a file until its watches are known to be answered; it may read a few changes more
    /// than needed, which are then ignored.
    ///
    /// A change's previous version is read when the walk meets the file's next older change — the
    /// commit that wrote that version — not when it meets the change itself, so versions are read
    /// in the order their commits were written: a pack stores an object as a delta on another,
    /// usually one written near it (`git fast-import` deltas each blob on the blob before it, of
    /// whatever file). They are read `batch` at a time on a second thread, in the order the walk
    /// queued them, while the walk reads trees; the object database reads versions through a pack
    /// reader (and delta-base cache) of their own, so neither thread evicts the other's bases.
    // @unchecked: `watches` and `open` are guarded by `lock`; `ready` and the unread changes are the
    // walk's (its callbacks are their only callers); `searching` runs one batch at a time.
    final class WatchSearch: @unchecked Sendable {
        private let lock = NSLock()
        private var watches: [String: [LineWatch]] = [:]
        /// Files with a watch still unanswered.
        private var open: Set<String> = []
        /// Files whose watches are still being made on another thread while the walk runs (`expect`):
        /// open until registered, so the walk follows them meanwhile, and made by the searching
        /// thread itself (`prepare`) when it reaches one of their changes first.
        private var pending: Set<String> = []
        private var prepare: (@Sendable (String) -> Void)?
        /// Per file, the last change met whose previous version is not read yet, with its number
        /// among the changes taken; and those numbers in the order taken (read from `unreadHead`).
        private var unread: [String: (change: GitHistory.Change, number: Int)] = [:]
        private var unreadOrder: [(number: Int, path: String)] = []
        private var unreadHead = 0
        private var taken = 0
        /// Changes whose previous version is due to be read, in the order they became due.
        private var ready: [GitHistory.Change] = []
        /// How many due changes are read at once, between stretches of the walk.
        static let batch = 512
        /// A version not met again within this many changes (of all files) is read anyway: the
        /// commit that wrote it is far older, and the walk may need its answer to stop.
        static let readAfter = 4096

        func register(_ path: String, _ list: [LineWatch]) {
            lock.withLock {
                watches[path] = list
                pending.remove(path)
                if list.contains(where: { $0.origin == nil }) { open.insert(path) }
            }
        }

        /// Files whose watches another thread is making while the walk starts: until each is
        /// registered the walk follows it, and its changes wait in order; `prepare(path)` registers
        /// a file's watches (an empty list when it has none) and is called by the searching thread
        /// when it reaches a change of a file still pending (it must be safe to call concurrently
        /// with the other thread's work on the same file and make each file's watches once).
        func expect(_ paths: some Sequence<String>, preparedBy prepare: @escaping @Sendable (String) -> Void) {
            lock.withLock {
                pending.formUnion(paths)
                self.prepare = prepare
            }
        }

        /// Whether the file has a watch not yet known to be answered (or not made yet).
        func isOpen(_ path: String) -> Bool { lock.withLock { open.contains(path) || pending.contains(path) } }

        /// Takes one change; returns whether the walk should still follow the file. The change met
        /// before it (newer) is searched now; this one when the next older change is met, after
        /// `readAfter` more changes, or at the end.
        func search(_ change: GitHistory.Change) -> Bool {
            var due: [GitHistory.Change] = []
            let isOpen = lock.withLock { () -> Bool in
                taken += 1
                while unreadHead < unreadOrder.count, unreadOrder[unreadHead].number <= taken - Self.readAfter {
                    let (number, path) = unreadOrder[unreadHead]
                    unreadHead += 1
                    if let entry = unread[path], entry.number == number {
                        unread[path] = nil
                        due.append(entry.change)
                    }
                }
                if unreadHead > Self.readAfter, unreadHead * 2 > unreadOrder.count {
                    unreadOrder.removeFirst(unreadHead)
                    unreadHead = 0
                }
                guard open.contains(change.path) || pending.contains(change.path) else {
                    unread[change.path] = nil
                    return false
                }
                if let newer = unread.updateValue((change, taken), forKey: change.path) { due.append(newer.change) }
                unreadOrder.append((taken, change.path))
                return true
            }
            guard !due.isEmpty else { return isOpen }
            ready += due
            if ready.count >= Self.batch { readReady() }
            return isOpen && self.isOpen(change.path)
        }

        /// Searches the changes whose previous version is not read yet (all files).
        private func readUnread() {
            let changes = lock.withLock {
                defer { (unread, unreadOrder, unreadHead) = ([:], [], 0) }
                return unread.values.sorted { $0.number < $1.number }.map(\.change)
            }
            ready += changes
            readReady()
        }

        /// Searches run here, one batch after another in the order queued.
        private let searching = DispatchQueue(label: "rbc.watch-search")
        /// Batches queued or being searched at most: beyond that the walk waits, so it reads at
        /// most that many changes more than an answered file needed.
        private let inFlight = DispatchSemaphore(value: 2)

        /// Queues the due versions to be read and searched, in order.
        private func readReady() {
            let changes = ready
            ready = []
            guard !changes.isEmpty else { return }
            inFlight.wait()
            searching.async { [self] in
                searchVersions(changes)
                inFlight.signal()
            }
        }

        private func searchVersions(_ changes: [GitHistory.Change]) {
            for change in changes {
                if let prepare = lock.withLock({ pending.contains(change.path) ? self.prepare : nil }) { prepare(change.path) }
                guard var list = lock.withLock({ open.contains(change.path) ? watches[change.path] : nil }) else { continue }
                change.withPreviousContent { previous in
                    for index in list.indices where list[index].origin == nil {
                        if !(previous.map { list[index].isContained(in: $0) } ?? false) { list[index].origin = .commit(historyCommit(change.commit)) }
                    }
                }
                let stillOpen = list.contains { $0.origin == nil }
                lock.withLock {
                    watches[change.path] = list
                    if !stillOpen { open.remove(change.path) }
                }
            }
        }

        /// Answers the file's open watches from an index's origins (after the queued searches,
        /// which are newer); returns whether any is still open.
        func answer(_ path: String, from origins: [String: GitCommitInfo]) -> Bool {
            finish()
            return lock.withLock {
                guard open.contains(path), var list = watches[path] else { return false }
                for index in list.indices where list[index].origin == nil {
                    if let origin = origins[list[index].key] { list[index].origin = .commit(historyCommit(origin)) }
                }
                watches[path] = list
                if list.contains(where: { $0.origin == nil }) { return true }
                open.remove(path)
                return false
            }
        }

        /// The commits where the file's watches last changed, as found from HEAD's history (never
        /// the working tree's), by watch key: what HEAD's index keeps for the next run.
        func origins(of path: String) -> [String: GitCommitInfo] {
            finish()
            var result: [String: GitCommitInfo] = [:]
            for watch in watches(of: path) {
                guard case .commit(let commit) = watch.origin else { continue }
                result[watch.key] = GitCommitInfo(id: commit.id, time: commit.time, summary: commit.summary, author: commit.author)
            }
            return result
        }

        /// Searches every change taken, and waits for the searches.
        func finish() {
            readUnread()
            searching.sync {}
        }

        /// A file's watches (answered as far as the searches went).
        func watches(of path: String) -> [LineWatch] { lock.withLock { watches[path] ?? [] } }
    }

    /// Each file's watches, made once by whichever thread needs them first, while the walk runs:
    /// the walk does not wait for them (`start` marks every file pending in the search, so the walk
    /// follows it meanwhile), the other cores make them in the files' order, and the searching thread
    /// makes a file's watches itself when it reaches that file's first queued change before they did.
    /// `texts(path, context)` names a file's texts to follow (it may keep more of the context: it runs
    /// on the thread making the watches). Without `keepsCompiled` each compiled form is let go once
    /// its watches are made.
    // @unchecked: `progress` and `failures` are guarded by `condition`; each file is compiled by the
    // one thread that moved it to `.making`; HEAD's blobs are read under `headLock`.
    final class WatchMaking: @unchecked Sendable {
        private enum Progress { case making, made }

        /// Each path once, in the files' order.
        let paths: [String]
        private let files: [String: GitCheckFile]
        private let states: [String: GitRepository.FileState]
        private let head: GitCommit?
        private let search: WatchSearch
        private let keepsCompiled: Bool
        private let texts: @Sendable (String, LintContext) -> [[String]]
        private let condition = NSCondition()
        private let headLock = NSLock()
        private var progress: [String: Progress] = [:]
        private var failures: [String: any Error] = [:]

        /// `byPath`: the file each path names (a file named twice is the same file; the caller
        /// says which naming counts).
        init(_ paths: [String], byPath: [String: GitCheckFile], states: [String: GitRepository.FileState], head: GitCommit?,
             search: WatchSearch, keepsCompiled: Bool, texts: @escaping @Sendable (String, LintContext) -> [[String]]) {
            var seen: Set<String> = []
            self.paths = paths.filter { seen.insert($0).inserted }
            files = byPath
            (self.states, self.head, self.search, self.keepsCompiled, self.texts) = (states, head, search, keepsCompiled, texts)
        }

        /// Marks every file pending in the search and starts making their watches on the other cores.
        func start(in group: DispatchGroup) {
            search.expect(paths, preparedBy: { [self] in prepare($0) })
            DispatchQueue.global().async(group: group) { [self] in
                DispatchQueue.concurrentPerform(iterations: paths.count) { prepare(paths[$0]) }
            }
        }

        /// The error of the first file, in the files' order, whose watches could not be made (reading
        /// HEAD's version of a modified file): the one making them all before the walk would have met.
        var error: (any Error)? { condition.withLock { paths.lazy.compactMap { self.failures[$0] }.first } }

        func prepare(_ relative: String) {
            condition.lock()
            while progress[relative] == .making { condition.wait() }
            guard progress[relative] == nil, let file = files[relative] else {
                condition.unlock()
                return
            }
            progress[relative] = .making
            condition.unlock()
            var list: [LineWatch] = []
            var thrown: (any Error)?
            do {
                let make = { [self] in
                    try GitChecks.watches(file, relative: relative, state: states[relative], head: head) { texts(relative, $0) }
                }
                // Only a modified file reads HEAD's version (libgit2, one commit object shared by threads).
                list = states[relative] == .modified ? try headLock.withLock(make) : try make()
            } catch {
                thrown = error
            }
            if !keepsCompiled { file.forgetCompiled() }
            search.register(relative, list)
            condition.withLock {
                progress[relative] = .made
                if let thrown { failures[relative] = thrown }
                condition.broadcast()
            }
        }
    }

    /// Each file's history findings, kept in the check cache under everything that decides them: the
    /// file (bytes, path, compile settings), its state in the work tree and its last change (a
    /// commit's history never changes), plus what every check-cache key holds (rbc build,
    /// `.rbc.yaml`, today).
    struct FindingsCache {
        let cache: CheckCache
        let beingCommitted: Bool

        func key(_ file: GitCheckFile, relative: String, state: GitRepository.FileState, lastChange: GitCommitInfo?) -> String? {
            guard let source = file.source else { return nil }
            return cache.historyKey(for: source, settings: file.settings, checkKey: file.checkKey,
                                    parts: Self.parts(relative: relative, state: state, lastChange: lastChange?.id, beingCommitted: beingCommitted))
        }

        /// What a file's key holds besides the file: its place in history.
        static func parts(relative: String, state: GitRepository.FileState, lastChange: String?, beingCommitted: Bool) -> [String] {
            [relative, "\(state)", lastChange ?? "-", beingCommitted ? "being-committed" : ""]
        }
    }

    /// `findingsKeys` gave up: more files changed than splicing can save work on.
    private struct ManyChanges: Error {}

    /// Each file's findings key as `check` files it (with the file's check-cache key), from the
    /// placements and repositories of a history snapshot taken just before: one walk per repository
    /// that reads only the commits HEAD's stored last-change index does not answer (a new commit),
    /// compiles nothing and reads no findings. The whole-answer cache compares these keys with the
    /// ones its entry was written with: a file whose key is the same has the same history findings.
    /// Nil when a file is not placed in a repository of the snapshot, or the walk fails.
    static func findingsKeys(_ files: [(path: String, checkKey: String)], snapshot: HistorySnapshot, beingCommitted: Bool,
                             cache: CheckCache) -> [String: String]? {
        var byRepository: [String: [(path: String, placement: HistorySnapshot.Placement)]] = [:]
        for file in files {
            guard let placement = snapshot.placements[file.path], snapshot.repositories[placement.workdir] != nil else { return nil }
            byRepository[placement.workdir, default: []].append((file.path, placement))
        }
        let checkKeys = Dictionary(files.map { ($0.path, $0.checkKey) }, uniquingKeysWith: { first, _ in first })
        var keys: [String: String] = [:]
        // When many files changed in commits the index does not answer (a rewritten history, a rebase
        // onto much newer commits), most files are checked again anyway and this walk would be paid on
        // top of a full run's: it gives up, and the run is a full one.
        let changesLimit = max(16, files.count / 4)
        var changesMet = 0
        for (workdir, placed) in byRepository.sorted(by: { $0.key < $1.key }) {
            guard let repository = try? snapshot.repositories[workdir]?.opened() else { return nil }
            let relatives = placed.map(\.placement.relative)
            // The same relative path twice (a file named by two spellings): `check` keys them apart by path.
            guard Set(relatives).count == relatives.count else { return nil }
            var lastChanges: [String: String] = [:]
            // The walk reads HEAD itself: it must be the snapshot's, before and after.
            func headIsTheSnapshots() -> Bool { ((try? repository.headID()) ?? nil).map { $0 == snapshot.heads[workdir] } ?? false }
            guard headIsTheSnapshots() else { return nil }
            do {
                try GitHistory.walk(repository, paths: relatives, index: LastChangeIndex(store: cache.historyIndex, repository: repository),
                                    indexed: { path, file, fromIndex in
                                        if fromIndex, let lastChange = file.lastChange { lastChanges[path] = lastChange.id }
                                        return false
                                    }) { change in
                    changesMet += 1
                    if changesMet > changesLimit { throw ManyChanges() }
                    if lastChanges[change.path] == nil { lastChanges[change.path] = change.commit.id }
                    return false
                }
            } catch {
                return nil
            }
            guard headIsTheSnapshots() else { return nil }
            for (path, placement) in placed {
                guard let checkKey = checkKeys[path] else { return nil }
                keys[path] = ContentCache.key(["history", checkKey] + FindingsCache.parts(relative: placement.relative, state: placement.state,
                                                                                          lastChange: lastChanges[placement.relative],
                                                                                          beingCommitted: beingCommitted))
            }
        }
        return keys
    }

    static func check(_ repository: GitRepository, _ files: [(GitCheckFile, String)], today: String,
                      review: ReviewSettings, beingCommitted: Bool = false, index: LastChangeIndex? = nil,
                      findings: FindingsCache? = nil) throws -> (diagnostics: [Diagnostic], answeredFromCache: Int, perFile: [String: FileFindings]) {
        var diagnostics: [Diagnostic] = []
        let states = repository.states(of: files.map(\.1))
        let byRelative = Dictionary(files.map { ($0.1, $0.0) }, uniquingKeysWith: { first, _ in first })
        let search = WatchSearch()
        var prepared: Set<String> = []
        let head = try repository.headCommit()
        // The texts a file's history rules watch, from its compiled form (compiled now if the check
        // cache answered it).
        func prepare(_ relative: String) throws {
            guard prepared.insert(relative).inserted, let file = byRelative[relative] else { return }
            let list = try watches(file, relative: relative, state: states[relative], head: head) { context in
                RuleRegistry.historyRules.flatMap { $0.watchedTexts(context) }
            }
            if !list.isEmpty { search.register(relative, list) }
        }
        // Findings read from the cache, and the keys of those to be kept, by path.
        var answered: [String: [Diagnostic]] = [:]
        var keys: [String: String] = [:]
        func answeredFromCache(_ relative: String, lastChange: GitCommitInfo?) -> Bool {
            guard let findings, let file = byRelative[relative], let source = file.source,
                  let key = findings.key(file, relative: relative, state: states[relative] ?? .unknown, lastChange: lastChange) else { return false }
            keys[relative] = key
            guard let found = findings.cache.historyDiagnostics(for: key, file: source) else { return false }
            answered[relative] = found
            return true
        }
        // Without the cache every file's watches are needed: made on the other cores while the walk
        // starts (it follows each file until they are made).
        let making = findings == nil ? WatchMaking(files.map(\.1), byPath: byRelative, states: states, head: head, search: search,
                                                   keepsCompiled: true) { _, context in
            RuleRegistry.historyRules.flatMap { $0.watchedTexts(context) }
        } : nil
        let compiling = DispatchGroup()
        if let making {
            making.start(in: compiling)
            prepared.formUnion(making.paths)
        }
        // The whole set at once: when HEAD's stored index answers every file's last change, every
        // key is known before any walk, and one entry may hold all their findings.
        if let findings, let index, let head, Set(files.map(\.1)).count == files.count,
           let headIndex = index.lastChanges(at: head.info.id, paths: files.map(\.1)) {
            var allKeys: [String] = []
            var sources: [SourceFile] = []
            for (file, relative) in files {
                guard let source = file.source,
                      let key = findings.key(file, relative: relative, state: states[relative] ?? .unknown, lastChange: headIndex[relative] ?? nil) else { break }
                allKeys.append(key)
                sources.append(source)
            }
            if allKeys.count == files.count, let answers = findings.cache.historyDiagnostics(forAll: allKeys, files: sources) {
                var perFile: [String: FileFindings] = [:]
                for (index, (file, _)) in files.enumerated() { perFile[file.path] = FileFindings(key: allKeys[index], diagnostics: answers[index]) }
                return (answers.flatMap { $0 }, files.count, perFile)
            }
        }
        // One walk: every file's last change, and each watch's answer, newest commit first. A stored
        // index answers the last change of files without watches; a file whose findings are cached
        // for its last change needs nothing older.
        var lastChanges: [String: GitCommitInfo] = [:]
        var walkError: (any Error)?
        do {
            try GitHistory.walk(repository, paths: files.map(\.1), index: index, indexed: { path, file, fromIndex in
                if fromIndex {
                    if let lastChange = file.lastChange { lastChanges[path] = lastChange }
                    if answeredFromCache(path, lastChange: file.lastChange) { return false }
                    try prepare(path)
                }
                // Where the indexed commit's walk found the texts still open here last changed.
                return search.answer(path, from: file.origins)
            }, origins: { path in search.origins(of: path) }) { change in
                if lastChanges[change.path] == nil {
                    lastChanges[change.path] = change.commit
                    if answeredFromCache(change.path, lastChange: change.commit) { return false }
                    try prepare(change.path)
                }
                return search.search(change)
            }
        } catch {
            walkError = error
        }
        // Nothing may still be making watches when an error leaves; the making's error explains the walk's.
        compiling.wait()
        search.finish()
        if let error = making?.error ?? walkError { throw error }
        var perFile: [[Diagnostic]] = []
        var byPath: [String: FileFindings] = [:]
        for (file, relative) in files {
            // Files the walk never met (uncommitted ones): their key has no commit.
            if answered[relative] == nil, keys[relative] == nil { _ = answeredFromCache(relative, lastChange: lastChanges[relative]) }
            if let found = answered[relative] {
                perFile.append(found)
                byPath[file.path] = FileFindings(key: keys[relative], diagnostics: found)
                diagnostics += found
                continue
            }
            try prepare(relative)
            var fileFindings: [Diagnostic] = []
            let result = file.compiled()
            if let ir = result.lintableIR, let syntax = result.syntax, let source = result.file {
                let state: WorkingState = switch states[relative] ?? .unknown {
                case .clean: .clean
                case .modified: .modified
                case .untracked: .untracked
                case .ignored, .unknown: .unknown
                }
                let history = RepositoryHistory(lint: LintContext(ir: ir, syntax: syntax), relativePath: relative, state: state,
                                                lastChange: lastChanges[relative].map(historyCommit), today: today, beingCommitted: beingCommitted,
                                                review: review, watches: search.watches(of: relative), repository: repository)
                for rule in RuleRegistry.historyRules where !(type(of: rule).description.answersFromFrontMatter && syntax.frontMatterUnread) {
                    let code = type(of: rule).description.code
                    for finding in try rule.check(history) {
                        fileFindings.append(Diagnostic(code, finding.message, severity: finding.severity, file: source, range: finding.range,
                                                       help: finding.help, notes: finding.notes, fix: finding.fix))
                    }
                }
            }
            if let findings, let key = keys[relative] { findings.cache.saveHistory(fileFindings, for: key) }
            perFile.append(fileFindings)
            byPath[file.path] = FileFindings(key: keys[relative], diagnostics: fileFindings)
            diagnostics += fileFindings
        }
        // Kept together for the next run (when each file has a key and a distinct path).
        if let findings, perFile.count == files.count, Set(files.map(\.1)).count == files.count,
           files.allSatisfy({ keys[$0.1] != nil && $0.0.source != nil }) {
            findings.cache.saveHistory(perFile, forAll: files.map { keys[$0.1] ?? "" })
        }
        return (diagnostics, answered.count, byPath)
    }

    /// The texts to follow back for a file (`texts` from its compiled form; none for an untracked or
    /// uncompilable file), each without duplicates; a text HEAD does not have was changed in the working tree.
    static func watches(_ file: GitCheckFile, relative: String, state: GitRepository.FileState?, head: GitCommit?,
                        texts: (LintContext) -> [[String]]) throws -> [LineWatch] {
        guard state != .untracked else { return [] }
        let result = file.compiled()
        guard let ir = result.lintableIR, let syntax = result.syntax else { return [] }
        var seen: Set<[String]> = []
        var list = texts(LintContext(ir: ir, syntax: syntax)).filter { seen.insert($0).inserted }.map { LineWatch(lines: $0) }
        if state == .modified, !list.isEmpty {
            let committed = try head?.blob(at: relative).map { String(decoding: $0, as: UTF8.self) } ?? ""
            for index in list.indices where !containsAll(committed, list[index].lines) { list[index].origin = .uncommitted }
        }
        return list
    }

    /// One file's history, from the walk; the commits newer than a review stamp are read when asked.
    struct RepositoryHistory: HistoryContext {
        let lint: LintContext
        let relativePath: String
        let state: WorkingState
        let lastChange: HistoryCommit?
        let today: String
        let beingCommitted: Bool
        let review: ReviewSettings
        let watches: [LineWatch]
        let repository: GitRepository

        func origin(of lines: [String]) -> TextOrigin? {
            watches.first { $0.lines == lines }?.origin
        }

        func newestStepsChange(afterDay day: Int) throws -> HistoryCommit? {
            let since = Int64(day + 1) * 86_400
            for version in try GitHistory.versions(repository, path: relativePath, since: since) {
                guard let commitDay = ReviewAge.day(version.commit.date), commitDay > day else { break }
                if stepsFingerprint(version.content, path: relativePath) != version.previous.map({ stepsFingerprint($0, path: relativePath) }) {
                    return historyCommit(version.commit)
                }
            }
            return nil
        }
    }

    /// memchr for the first byte, memcmp for the rest (glibc's memmem is not in Swift's Glibc module).
    static func bytes(_ text: UnsafeBufferPointer<UInt8>, contain pattern: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let textBase = text.baseAddress, let patternBase = pattern.baseAddress, pattern.count <= text.count else { return false }
        let first = Int32(patternBase.pointee)
        var offset = 0
        let lastStart = text.count - pattern.count
        while offset <= lastStart {
            guard let hit = memchr(textBase + offset, first, lastStart - offset + 1) else { return false }
            let position = UnsafeRawPointer(hit) - UnsafeRawPointer(textBase)
            if memcmp(textBase + position, patternBase, pattern.count) == 0 { return true }
            offset = position + 1
        }
        return false
    }

    /// A byte search: Foundation's `contains` converts to UTF-16 on every call and was a
    /// third of a history check's time. Both sides are UTF-8 from the same decoder, so bytes agree.
    static func containsAll(_ text: String, _ lines: [String]) -> Bool {
        var haystack = text
        return haystack.withUTF8 { textBytes in
            lines.allSatisfy { line in
                var needle = line
                return needle.withUTF8 { lineBytes in
                    guard lineBytes.count > 0 else { return true }
                    return Self.bytes(textBytes, contain: lineBytes)
                }
            }
        }
    }

    /// What runs, without prose and positions: equal for versions that differ only in text for people.
    static func stepsFingerprint(_ bytes: [UInt8], path: String) -> String {
        let result = Compiler.compile(path: path, bytes: bytes, hashing: false)
        guard var ir = result.ir?.withoutSourceInformation() else { return "raw:" + SHA256.hex(bytes) }
        func strip(_ step: StepIR) -> StepIR {
            var copy = step
            copy.name = nil
            copy.description = nil
            copy.rollback?.description = nil
            if copy.action.kind == .manual { copy.action.instructions = copy.action.instructions.map { _ in "" } }
            return copy
        }
        ir.steps = ir.steps.map(strip)
        ir.postRunbook = ir.postRunbook.map(strip)
        ir.rollback = ir.rollback.map(strip)
        ir.procedures = ir.procedures.map { var p = $0; p.description = nil; p.steps = p.steps.map(strip); return p }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let steps = (try? encoder.encode([ir.steps, ir.postRunbook, ir.rollback])).map { [UInt8]($0) } ?? []
        let procedures = (try? encoder.encode(ir.procedures)).map { [UInt8]($0) } ?? []
        return SHA256.hex(steps + procedures)
    }

    /// Days since 1970-01-01 of a YYYY-MM-DD date (UTC).
    public static func day(_ text: String) -> Int? { ReviewAge.day(text) }
}

extension GitChecks {
    /// The git provenance of a file: repository, path, HEAD, blob id and whether it is dirty; nil outside git.
    public static func provenance(of path: String) -> ProvenanceIR? {
        guard let repository = try? GitRepository.discover(containing: PathText.parent(of: path).isEmpty ? "." : PathText.parent(of: path)),
              let relative = repository.relativePath(path) else { return nil }
        let head = (try? repository.headCommit())??.info.id
        let state = repository.state(of: relative)
        return ProvenanceIR(repository: repository.workdir, path: relative, head: head, blob: repository.blobID(ofWorkingFile: relative),
                            dirty: state != .clean)
    }
}

extension GitChecks {
    /// A runbook's place in git: its latest commits and whether the working file matches HEAD.
    public struct History: Sendable {
        /// Newest first, at most the limit asked for.
        public var commits: [GitCommitInfo] = []
        public var state: GitRepository.FileState = .unknown
    }

    /// The last `limit` commits that changed each file, in one history walk per repository (keyed
    /// by the path as given); files outside any repository are absent.
    public static func histories(_ paths: [String], limit: Int) -> [String: History] {
        var repositories: [String: GitRepository] = [:]
        var byDirectory: [String: GitRepository?] = [:]
        var grouped: [String: [(given: String, relative: String)]] = [:]
        for path in paths {
            let directory = PathText.parent(of: path)
            let repository: GitRepository?
            if let known = byDirectory[directory] {
                repository = known
            } else {
                repository = try? GitRepository.discover(containing: directory.isEmpty ? "." : directory)
                byDirectory[directory] = repository
            }
            guard let repository, let relative = repository.relativePath(path) else { continue }
            repositories[repository.workdir] = repository
            grouped[repository.workdir, default: []].append((path, relative))
        }
        var result: [String: History] = [:]
        for (workdir, files) in grouped {
            guard let repository = repositories[workdir] else { continue }
            var commits: [String: [GitCommitInfo]] = [:]
            try? GitHistory.walk(repository, paths: files.map(\.relative)) { change in
                commits[change.path, default: []].append(change.commit)
                return (commits[change.path]?.count ?? 0) < limit
            }
            for file in files {
                result[file.given] = History(commits: commits[file.relative] ?? [], state: repository.state(of: file.relative))
            }
        }
        return result
    }
}

/// The repository holding each path and the path inside it: each directory's repository is
/// discovered once, and each repository keeps one path resolver.
struct RepositoryLocator {
    private var byDirectory: [String: GitRepository?] = [:]
    private var resolvers: [String: GitRepository.RelativePaths] = [:]

    /// Nil outside any repository (or where the path does not resolve inside it).
    mutating func locate(_ path: String) throws -> (repository: GitRepository, relative: String)? {
        let directory = PathText.parent(of: path)
        let repository: GitRepository?
        if let known = byDirectory[directory] {
            repository = known
        } else {
            repository = try GitRepository.discover(containing: directory.isEmpty ? "." : directory)
            byDirectory[directory] = repository
        }
        guard let repository else { return nil }
        let resolver = resolvers[repository.workdir] ?? GitRepository.RelativePaths(repository)
        resolvers[repository.workdir] = resolver
        return resolver.relativePath(path).map { (repository, $0) }
    }
}

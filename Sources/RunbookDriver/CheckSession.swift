// `rbc check` as a library call: discover, compile and lint every file in parallel on all cores, run
// ShellCheck once over every command, apply suppressions, and return diagnostics in deterministic order.

import Dispatch
import Foundation
import RunbookGit
import RunbookIncident
import RunbookLint
import RunbookSema
import RunbookSource

public struct CheckReport: Sendable {
    public var results: [CompilationResult]
    public var diagnostics: [Diagnostic]
    /// Set when the invocation itself was wrong: a missing path, nothing to check, a non-runbook named.
    public var usageError: Bool
    /// Diagnostics at or above this severity fail the check.
    public var threshold: Severity = .error
    /// Seconds per phase: per-file phases (read, parse, typecheck, lint) summed over all workers;
    /// the others (shellcheck, git, alerts, total) are wall time.
    public var timings: [(String, Double)] = []
    /// Runbooks whose answer came from the persistent cache (`--timings` shows it).
    public var cachedFiles = 0
    /// Runbooks whose history findings came from the cache; nil when the git checks did not run.
    public var historyCachedFiles: Int?
    /// The alert rules read for coverage (`--alerts` or `.rbc.yaml`), nil when none were given.
    public var alertIndex: AlertIndex?
    /// Incident records checked (`CheckOptions.incidents`).
    public var incidentRecords = 0

    public var errorCount: Int { diagnostics.filter { $0.severity == .error }.count }
    public var warningCount: Int { diagnostics.filter { $0.severity == .warning }.count }
    public var infoCount: Int { diagnostics.filter { $0.severity == .info }.count }

    /// 0 clean, 1 findings at or above the threshold, 2 usage or internal failure.
    public var exitCode: Int32 {
        if usageError { return 2 }
        return diagnostics.contains { $0.severity >= threshold } ? 1 : 0
    }
}

public struct CheckOptions: Sendable {
    /// Parameter values to check against every runbook (`--param`, `--params-file`).
    public var paramArguments: [String] = []
    public var paramFiles: [String] = []
    public var lint = true
    public var shellcheck = true
    /// Today as YYYY-MM-DD, for suppressions' `until=` (`--now` makes it reproducible).
    public var today: String = CheckOptions.currentDate()
    public var threshold: Severity = .error
    /// History checks through libgit2.
    public var git = true
    /// Only runbooks changed since this revision (against the working tree), or in the index.
    public var changedSince: String?
    public var staged = false
    /// Running inside a pre-commit hook (the framework sets PRE_COMMIT=1): runbooks are being committed.
    public var insidePreCommit = false
    /// Prometheus rule files or directories to check alert ↔ runbook coverage against.
    public var alerts: [String] = []
    /// Named files are treated like files met in a directory walk: non-runbooks and excluded paths
    /// are skipped silently (for hooks that pass every changed file).
    public var skipNonRunbooks = false
    /// Reuse and keep per-file answers in the persistent cache (`CheckCache`); the CLI turns it on
    /// unless `--no-cache`, library callers opt in.
    public var cache = false
    /// rbc's version, part of every cache key.
    public var toolVersion = ""
    /// Keep every file's compiled form in the report (`CheckReport.results`). `rbc check` only prints
    /// diagnostics, so it turns this off: a file no cross-file phase reads is then finished on its
    /// worker and its tree dropped, and memory holds diagnostics and source text, not 10,000 trees.
    public var keepCompiled = true
    /// Also check incident records (the configured directory when the whole repository is checked,
    /// or `.jsonl` records named in it) and the run journals that name an incident.
    public var incidents = false
    /// The time overdue reviews are judged at (`--now`).
    public var now = Date()

    public init() {}

    /// `--now`: a date (`2024-11-20`, its first second) or a UTC time, as today's date and the moment.
    public static func moment(_ text: String) -> (today: String, now: Date)? {
        if let day = CalendarDay(text) { return (text, day.start) }
        if TypeChecker.isCalendarDate(text) {
            return IncidentClock.date(text + "T00:00:00Z").map { (text, $0) }
        }
        guard text.count >= 16, let date = IncidentClock.parse(text, now: Date()) else { return nil }
        return (IncidentClock.day(date), date)
    }

    /// A `YYYY-MM-DD` date from 1900 to 9999 read by calendar arithmetic (Hinnant's days_from_civil):
    /// Foundation's calendar and ISO 8601 formatter were 4 % of a warm check. Years before 1900 are
    /// left to Foundation, whose Gregorian calendar turns Julian before 1582.
    struct CalendarDay: Equatable {
        let year: Int, month: Int, day: Int

        init?(_ text: String) {
            let bytes = Array(text.utf8)
            guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-") else { return nil }
            func number(_ range: Range<Int>) -> Int? {
                var value = 0
                for byte in bytes[range] {
                    guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                    value = value * 10 + Int(byte - UInt8(ascii: "0"))
                }
                return value
            }
            guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10), year >= 1900,
                  (1...12).contains(month), day >= 1, day <= Self.days(inMonth: month, of: year) else { return nil }
            (self.year, self.month, self.day) = (year, month, day)
        }

        static func days(inMonth month: Int, of year: Int) -> Int {
            switch month {
            case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
            case 4, 6, 9, 11: 30
            default: 31
            }
        }

        /// The day's first second, UTC.
        var start: Date {
            let shiftedYear = month <= 2 ? year - 1 : year
            let era = shiftedYear / 400
            let yearOfEra = shiftedYear - era * 400
            let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
            let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
            let days = era * 146_097 + dayOfEra - 719_468
            return Date(timeIntervalSince1970: TimeInterval(days) * 86_400)
        }
    }

    /// Today, UTC, by calendar arithmetic (a `DateFormatter` per run was 2.5 % of a warm check).
    public static func currentDate() -> String {
        GitCommitInfo.day(Int64(Date().timeIntervalSince1970.rounded(.down)))
    }
}

public enum CheckSession {

    /// What a run checks: the candidates found (excludes applied), and the incident records in scope.
    struct Inputs {
        var changedMode: Bool
        var incidentScope: IncidentRecordCheck.Scope?
        var discovery: RunbookDiscovery.Result
        var changeDiagnostics: [Diagnostic]
        var candidates: [RunbookCandidate]
        /// Wall time of finding them (the walk and the excludes), for `--timings`.
        var seconds = 0.0
    }

    static func inputs(paths: [String], options: CheckOptions, config: Configuration) -> Inputs {
        let start = Clock.now()
        let changedMode = options.changedSince != nil || options.staged
        let incidentsDirectory = config.incidentSettings.directory
        var incidentScope = options.incidents && !changedMode ? IncidentRecordCheck.scope(paths: paths, directory: incidentsDirectory) : nil
        let runbookPaths = incidentScope?.runbookPaths ?? paths
        if options.incidents && changedMode {
            // Records changed (or staged) are checked too: a pull request that edits one is reviewed like a runbook.
            var changed = IncidentRecordCheck.Scope()
            let named = paths.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
            changed.files = changedRecords(options, directory: incidentsDirectory).filter { record in
                let absolute = URL(fileURLWithPath: record).standardizedFileURL.path
                return named.isEmpty || named.contains { absolute == $0 || absolute.hasPrefix($0 == "/" ? "/" : $0 + "/") }
            }
            incidentScope = changed
        }
        var discovery = incidentScope?.onlyIncidents == true ? RunbookDiscovery.Result() : RunbookDiscovery.candidates(for: runbookPaths.isEmpty ? ["."] : runbookPaths)
        var changeDiagnostics: [Diagnostic] = []
        if changedMode {
            (discovery, changeDiagnostics) = changedCandidates(options, within: discovery)
        }
        // Excludes apply to what a directory walk finds. A file named on the command line is always
        // checked, and so is a directory that is itself excluded when it is named explicitly.
        let candidates = discovery.candidates.filter { candidate in
            if candidate.explicit { return !options.skipNonRunbooks || !config.isExcluded(candidate.path) }
            guard let root = candidate.walkRoot else { return !config.isExcluded(candidate.path) }
            return !config.isExcluded(candidate.path) || config.isExcluded(root + "/-")
        }
        return Inputs(changedMode: changedMode, incidentScope: incidentScope, discovery: discovery,
                      changeDiagnostics: changeDiagnostics, candidates: candidates, seconds: Clock.since(start))
    }

    public static func run(paths: [String], options: CheckOptions = CheckOptions(),
                           configuration: (Configuration, [Diagnostic]) = Configuration.discover()) -> CheckReport {
        runObserving(paths: paths, options: options, configuration: configuration).report
    }

    /// The run, and with `observe` what the whole-answer cache keeps of it (`CheckAnswerCache`).
    static func runObserving(paths: [String], options: CheckOptions, configuration: (Configuration, [Diagnostic]),
                             inputs given: Inputs? = nil, observe: Bool = false) -> (report: CheckReport, observed: ObservedRun?) {
        let (config, configDiagnostics) = configuration
        let inputs = given ?? Self.inputs(paths: paths, options: options, config: config)
        let totalStart = Clock.now()
        let changedMode = inputs.changedMode
        let incidentsDirectory = config.incidentSettings.directory
        let incidentScope = inputs.incidentScope
        let discovery = inputs.discovery
        let changeDiagnostics = inputs.changeDiagnostics
        let candidates = inputs.candidates
        var lintConfiguration = config.lint
        lintConfiguration.settings.environment = config.runEnvironment
        lintConfiguration.shellcheck.enabled = lintConfiguration.shellcheck.enabled && options.shellcheck && options.lint
        if options.git && options.lint, let first = candidates.first {
            lintConfiguration.settings.repositoryTree = repositoryTree(containing: first.path)
        }
        var lint = options.lint ? lintConfiguration : nil
        // Alert rules are read first: a runbook that states no severity takes its alerts'.
        let alertsStart = Clock.now()
        let alertPaths = options.alerts.isEmpty ? config.alerts.rules : options.alerts
        var alertSettings = config.alerts
        alertSettings.linkBoundaries = discovery.directories.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
        let alertIndex = alertPaths.isEmpty ? nil : AlertIndex(paths: alertPaths, settings: alertSettings)
        var alertsTime = Clock.since(alertsStart)
        let openedCache = options.cache ? CheckCache(root: CheckCache.location(configuration: config), configuration: config, options: options, lint: lint) : nil
        let cache = openedCache?.shellCheckMissing == true ? nil : openedCache
        lint?.shellcheck.cache = cache?.store
        // A cached answer replaces compiling and linting, unless a cross-file phase reads the IR (the
        // git checks compile a cached file only when its history findings are not cached too).
        let needsIR = alertIndex != nil || !(options.paramArguments.isEmpty && options.paramFiles.isEmpty)
        let finishOnWorker = !options.keepCompiled && !needsIR && !(options.git && options.lint)
        let answered = answers(for: candidates, config: config, options: options, lint: lint, alertIndex: alertIndex, cache: cache,
                               needsIR: needsIR, finishOnWorker: finishOnWorker, observe: observe)
        var processed = answered.files.compactMap { $0 }
        processed.append(contentsOf: answered.notes.map { note in
            ProcessedFile(result: CompilationResult(path: "", file: nil, ir: nil, diagnostics: [note]))
        })
        let shellcheckTime = answered.shellcheckTime
        let suppressTime = answered.suppressTime
        let cachedFiles = processed.filter(\.cached).count
        let results = processed.map(\.result)
        let checked = results.filter { !$0.path.isEmpty }
        var diagnostics = configDiagnostics + changeDiagnostics + discovery.diagnostics + results.flatMap(\.diagnostics)
        let gitStart = Clock.now()
        var historyCachedFiles: Int?
        var historyPerFile: [String: GitChecks.FileFindings]?
        // History rules are lint rules: `--no-lint` (compile only, or alert coverage alone) skips them too.
        if options.git && options.lint {
            let files = processed.filter { !$0.result.path.isEmpty }.map { file in
                if !file.compiled, let source = file.result.file {
                    return GitChecks.GitCheckFile(uncompiled: source, settings: file.settings, checkKey: file.cacheKey)
                }
                return GitChecks.GitCheckFile(file.result, settings: file.settings, checkKey: file.cacheKey)
            }
            let history = GitChecks.run(files, today: options.today, review: config.review, lint: lintConfiguration,
                                        beingCommitted: options.staged || options.insidePreCommit, cache: cache)
            diagnostics += history.diagnostics
            historyCachedFiles = history.answeredFromCache
            historyPerFile = history.perFile
        }
        let gitTime = Clock.since(gitStart)
        let coverageStart = Clock.now()
        if let alertIndex {
            // A name the runbook walk already said it could not read is said once, when the rule walk meets it too.
            let walkWarnings: Set<DiagnosticCode> = [.unreadableFileName, .danglingLink]
            let unreadable = Set(discovery.diagnostics.filter { walkWarnings.contains($0.code) }.compactMap(\.displayPath))
            diagnostics += alertIndex.coverage(runbooks: checked, lint: lintConfiguration)
                .filter { !walkWarnings.contains($0.code) || !unreadable.contains($0.displayPath ?? "") }
        }
        alertsTime += Clock.since(coverageStart)
        if !(options.paramArguments.isEmpty && options.paramFiles.isEmpty) {
            diagnostics += bindParams(arguments: options.paramArguments, files: options.paramFiles, results: checked)
        }
        var incidentRecords = 0
        if let incidentScope {
            let (found, records) = IncidentRecordCheck.run(incidentScope, configuration: config, now: options.now)
            diagnostics += Linter.configure(found, configuration: config.lint)
            incidentRecords = records
        }
        for directory in discovery.directories where !changedMode {
            let prefix = directory == "." ? "" : (directory.hasSuffix("/") ? directory : directory + "/")
            // A directory whose only records are incidents is not a mistake.
            let absolute = URL(fileURLWithPath: directory).standardizedFileURL.path
            let within = absolute == "/" ? "/" : absolute + "/"
            if incidentRecords > 0, incidentsDirectory.hasPrefix(within) { continue }
            // Nor is a repository of alert rules whose runbooks live elsewhere (a wiki): its rules were
            // checked, or counted (RB025) when they are templates.
            if let alertIndex, (alertIndex.ruleFiles + alertIndex.templatedRuleFiles.filter { $0.alertCount > 0 }.map(\.file.path))
                .contains(where: { URL(fileURLWithPath: $0).standardizedFileURL.path.hasPrefix(within) }) { continue }
            if !checked.contains(where: { $0.path.hasPrefix(prefix) }) {
                diagnostics.append(Diagnostic(.noRunbooks, "no runbooks found under \(directory)", displayPath: directory,
                                              help: "runbooks are `.yaml`/`.yml` files whose first key is `runbook:`, or Markdown runbooks"))
            }
        }
        diagnostics.sort(by: Diagnostic.outputOrder)
        let usageError = diagnostics.contains { DiagnosticCode.usageCodes.contains($0.code) }
        var report = CheckReport(results: checked, diagnostics: diagnostics, usageError: usageError, threshold: options.threshold)
        report.cachedFiles = cachedFiles
        report.historyCachedFiles = historyCachedFiles
        report.incidentRecords = incidentRecords
        let perFile = checked.reduce(into: PhaseTimings()) { $0.add($1.timings) }.named
        report.alertIndex = alertIndex
        // `discover` is wall time before the per-file phases; `total` counts it too.
        report.timings = [("discover", inputs.seconds)] + perFile + [("shellcheck", shellcheckTime), ("suppress", suppressTime), ("git", gitTime), ("alerts", alertsTime),
                                    ("total", inputs.seconds + Clock.since(totalStart))]
        guard observe else { return (report, nil) }
        let runLevel = configDiagnostics + changeDiagnostics + discovery.diagnostics
        let perFileCount = answered.files.reduce(0) { $0 + ($1?.result.diagnostics.count ?? 0) }
            + (historyPerFile?.values.reduce(0) { $0 + $1.diagnostics.count } ?? 0)
        return (report, ObservedRun(candidates: candidates, files: answered.files, observations: answered.observations,
                                    everyDiagnosticIsAFiles: runLevel.isEmpty && answered.notes.isEmpty && perFileCount == diagnostics.count,
                                    cache: cache, reads: (alertIndex?.reads ?? []) + options.paramFiles, history: historyPerFile))
    }

    /// Each candidate's answer, in the candidates' order (nil for a walked file that is no runbook):
    /// compiled and linted in parallel on all cores or read from the cache, ShellCheck run once over
    /// every command, suppressions applied, and new answers kept. `notes` are ShellCheck's run-level
    /// notes (not installed, out of time); `observations` (with `observe`) each candidate's stat data
    /// taken before it was read, and its cache key.
    static func answers(for candidates: [RunbookCandidate], config: Configuration, options: CheckOptions, lint: LintConfiguration?,
                        alertIndex: AlertIndex?, cache: CheckCache?, needsIR: Bool, finishOnWorker: Bool, observe: Bool = false)
        -> (files: [ProcessedFile?], notes: [Diagnostic], observations: [FileObservation], shellcheckTime: Double, suppressTime: Double) {
        let slots = ResultSlots(count: candidates.count)
        // A page an alert links to is that alert's runbook, whatever its shape (`## AlertName` sections
        // of prose, no steps): it is checked like one.
        let linkedPages = alertIndex?.linkedPages ?? []
        DispatchQueue.concurrentPerform(iterations: candidates.count) { index in
            let path = candidates[index].path
            var settings = config.compileSettings(for: path)
            settings.inferredSeverity = alertIndex?.severity(forRunbookAt: path) ?? config.defaultSeverity(for: path)
            let linked = !linkedPages.isEmpty && linkedPages.contains(StandardPath.absolute(path))
            var observation = FileObservation()
            let file = process(candidates[index], lint: lint, settings: settings, sniffExplicit: options.skipNonRunbooks,
                               linkedFromAlert: linked, cache: cache, needsIR: needsIR, finish: finishOnWorker ? options.today : nil,
                               observe: observe, observation: &observation)
            slots.store(index, file, observation)
        }
        var files = slots.values
        var notes: [Diagnostic] = []
        var shellcheckTime = 0.0
        var suppressTime = 0.0
        if let lint {
            // Cached answers already hold their ShellCheck findings and suppressions.
            // Boxed (one word per file): an array of 10,000 optional contexts inline would be tens of MiB.
            let contexts: [KeptContext?] = files.map { file in
                file.flatMap { $0.cached || $0.finished ? nil : $0.keptContext ?? lintContext($0.result).map(KeptContext.init) }
            }
            let jobs = contexts.flatMap { $0.map { ShellCheck.jobs($0.context) } ?? [] }
            let shellStart = Clock.now()
            let shellFindings = Linter.configure(ShellCheck.run(jobs, options: lint.shellcheck), configuration: lint)
            shellcheckTime = Clock.since(shellStart)
            let suppressStart = Clock.now()
            let byPath = Dictionary(grouping: shellFindings.filter { $0.file != nil }, by: \.path)
            // ShellCheck ran out of time on these files: their answer is incomplete and is not kept.
            let incomplete = Set(shellFindings.filter { $0.file == nil }.compactMap(\.displayPath))
            for index in files.indices {
                guard let context = contexts[index]?.context, let result = files[index]?.result else { continue }
                files[index]?.result.diagnostics = Suppressions.apply(result.diagnostics + (byPath[result.path] ?? []), context: context, today: options.today)
                if incomplete.contains(result.path) || Linter.readsOtherFiles(context) { files[index]?.cacheKey = nil }
            }
            notes = shellFindings.filter { $0.file == nil }
            suppressTime = Clock.since(suppressStart)
        }
        if let cache {
            for file in files.compactMap({ $0 }) where !file.cached {
                if let key = file.cacheKey { cache.save(file.result.diagnostics, for: key) }
            }
        }
        return (files, notes, slots.observations, shellcheckTime, suppressTime)
    }

    /// The runbook candidates among the files changed since a revision (or staged), limited to the
    /// paths the user named. Each is checked like a file met in a walk.
    static func changedCandidates(_ options: CheckOptions, within named: RunbookDiscovery.Result) -> (RunbookDiscovery.Result, [Diagnostic]) {
        let cwd = FileManager.default.currentDirectoryPath
        do {
            guard let repository = try GitRepository.discover(containing: cwd) else {
                return (RunbookDiscovery.Result(), [Diagnostic(.fileNotFound, "--changed-since and --staged need a git repository", displayPath: cwd)])
            }
            let changed = try repository.changedPaths(since: options.changedSince, staged: options.staged)
            let namedPaths = Set(named.candidates.map { URL(fileURLWithPath: $0.path).standardizedFileURL.path })
            let namedDirectories = named.directories.map { URL(fileURLWithPath: $0).standardizedFileURL.path + "/" }
            var result = RunbookDiscovery.Result()
            for relative in changed where RunbookDiscovery.hasRunbookExtension(relative) {
                let absolute = URL(fileURLWithPath: repository.workdir + relative).standardizedFileURL.path
                guard namedPaths.contains(absolute) || namedDirectories.contains(where: { absolute.hasPrefix($0) || $0 == "/" }) else { continue }
                guard FileManager.default.fileExists(atPath: absolute) else { continue }
                let shown = absolute.hasPrefix(cwd + "/") ? String(absolute.dropFirst(cwd.count + 1)) : absolute
                result.candidates.append(RunbookCandidate(path: shown, explicit: false))
            }
            result.candidates.sort { $0.path < $1.path }
            return (result, [])
        } catch {
            return (RunbookDiscovery.Result(), [Diagnostic(.fileNotFound, "cannot list changed files: \(error)", displayPath: cwd)])
        }
    }

    /// The incident records (`.jsonl` in the incidents directory) changed since a revision, or staged.
    static func changedRecords(_ options: CheckOptions, directory: String) -> [String] {
        guard let repository = try? GitRepository.discover(containing: FileManager.default.currentDirectoryPath),
              let changed = try? repository.changedPaths(since: options.changedSince, staged: options.staged) else { return [] }
        return changed.map { URL(fileURLWithPath: repository.workdir + $0).standardizedFileURL.path }
            .filter { $0.hasPrefix(directory + "/") && $0.hasSuffix(".jsonl") && FileManager.default.fileExists(atPath: $0) }
            .sorted().map(SourceLoader.shown)
    }

    static func lintContext(_ result: CompilationResult) -> LintContext? {
        guard let ir = result.lintableIR, let syntax = result.syntax else { return nil }
        return LintContext(ir: ir, syntax: syntax)
    }

    /// Checks the given values against each compiled runbook. A name that no runbook declares is
    /// reported once; names declared by some runbooks are not errors for the others.
    static func bindParams(arguments: [String], files: [String], results: [CompilationResult]) -> [Diagnostic] {
        var (values, diagnostics) = ParamBinder.parse(arguments: arguments)
        for path in files {
            let (fileValues, fileDiagnostics) = ParamBinder.load(paramsFile: path)
            values += fileValues
            diagnostics += fileDiagnostics
        }
        let compiled = results.compactMap { result in result.ir.map { ($0, result.file) } }
        let declaredAnywhere = Set(compiled.flatMap { $0.0.params.map(\.name) })
        for (ir, file) in compiled {
            let relevant = compiled.count == 1 ? values : values.filter { declaredAnywhere.contains($0.name) }
            diagnostics += ParamBinder.bind(relevant, to: ir, runbook: file).diagnostics
        }
        if compiled.count > 1 {
            for value in values where !declaredAnywhere.contains(value.name) {
                diagnostics.append(Diagnostic(.paramValue, "no checked runbook declares parameter `\(value.name)`", file: value.file,
                                              range: value.keyRange, displayPath: value.file == nil ? value.origin : nil))
            }
        }
        return diagnostics
    }

    /// The file list of the repository holding `path`, from its index; nil outside a repository or when
    /// the index cannot be read (links to missing files are then not judged).
    static func repositoryTree(containing path: String) -> RepositoryTree? {
        let directory = PathText.parent(of: path)
        guard let repository = try? GitRepository.discover(containing: directory.isEmpty ? "." : directory),
              let (files, submodules) = try? repository.indexPaths() else { return nil }
        return RepositoryTree(root: repository.workdir, files: files, submodules: submodules)
    }

    /// One file's answer, and where it goes in the cache.
    struct ProcessedFile {
        var result: CompilationResult
        /// Nil when the answer is not to be kept.
        var cacheKey: String? = nil
        /// Read from the cache: nothing about it is to be computed again.
        var cached = false
        /// False for a cached answer read without compiling the file.
        var compiled = true
        /// Suppressions applied on the worker and the compiled form dropped (`finishEarly`).
        var finished = false
        /// What compiling the file took from `.rbc.yaml`, for the history checks.
        var settings: CompileSettings {
            get { keptSettings?.settings ?? CompileSettings() }
            set { keptSettings = KeptSettings(newValue) }
        }
        /// Behind a reference, and dropped once the file is finished (only the history checks read it).
        fileprivate var keptSettings: KeptSettings?
        /// The lint context the file was linted with, so ShellCheck and suppressions do not build it again
        /// (a Markdown page's outline means parsing the page).
        var context: LintContext? {
            get { keptContext?.context }
            set { keptContext = newValue.map(KeptContext.init) }
        }
        /// Behind a reference, like the result's trees: the arrays of 10,000 files hold one word for it.
        fileprivate var keptContext: KeptContext?

        init(result: CompilationResult, cacheKey: String? = nil, cached: Bool = false, compiled: Bool = true,
             settings: CompileSettings = CompileSettings(), context: LintContext? = nil) {
            self.result = result
            self.cacheKey = cacheKey
            self.cached = cached
            self.compiled = compiled
            self.settings = settings
            self.context = context
        }
    }

    fileprivate final class KeptContext: Sendable {
        let context: LintContext
        init(_ context: LintContext) { self.context = context }
    }

    fileprivate final class KeptSettings: Sendable {
        let settings: CompileSettings
        init(_ settings: CompileSettings) { self.settings = settings }
    }

    /// Compiles and lints one candidate, or takes its answer from the cache (still compiling it, without
    /// linting, when `needsIR`); nil for a directory file that turns out not to be a runbook.
    static func process(_ candidate: RunbookCandidate, lint: LintConfiguration?, settings: CompileSettings = CompileSettings(),
                        sniffExplicit: Bool = false, linkedFromAlert: Bool = false, cache: CheckCache?, needsIR: Bool,
                        finish today: String? = nil, observe: Bool = false, observation: inout FileObservation) -> ProcessedFile? {
        let readStart = Clock.now()
        // Stat data before the bytes: a file written after this is seen as changed by the next run.
        if observe { observation.stamp = FileStamp.of(candidate.path) }
        let loaded = SourceLoader.load(path: candidate.path)
        let readTime = Clock.since(readStart)
        switch loaded {
        case .failed(let diagnostic):
            // Unreadable files met while walking are still worth reporting: they might be runbooks.
            // One encrypted in git (git-crypt's `secrets.yaml` in an ops repository) is not.
            if !candidate.explicit, !linkedFromAlert, diagnostic.code == .binaryFile, SourceLoader.isEncryptedAtRest(path: candidate.path) {
                return nil
            }
            return ProcessedFile(result: CompilationResult(path: candidate.path, file: diagnostic.file, ir: nil, diagnostics: [diagnostic]),
                                 settings: settings)
        case .loaded(let file):
            if !candidate.explicit || sniffExplicit, !linkedFromAlert, !RunbookDiscovery.looksLikeRunbook(file) {
                // Not a runbook now; its key still tells the next run whether it is the same file.
                if observe { observation.key = cache?.key(for: file, explicit: candidate.explicit, settings: settings) }
                return nil
            }
            let key = cache?.key(for: file, explicit: candidate.explicit, settings: settings)
            observation.key = key
            if let cache, let key, let diagnostics = cache.diagnostics(for: key, file: file) {
                var result = needsIR ? Compiler.compile(file, hashing: false, settings: settings)
                                     : CompilationResult(path: file.path, file: file, ir: nil, diagnostics: [])
                result.diagnostics = diagnostics
                result.timings.read = readTime
                return ProcessedFile(result: result, cacheKey: key, cached: true, compiled: needsIR, settings: settings)
            }
            var (result, context) = compileAndLintKeepingContext(file, lint: lint, settings: settings)
            result.timings.read = readTime
            var processed = ProcessedFile(result: result, cacheKey: key, settings: settings, context: context)
            if let today { finishEarly(&processed, lint: lint, today: today) }
            return processed
        }
    }

    /// For a file whose compiled form no later phase reads: suppressions applied now, unless
    /// ShellCheck (run once for every file afterwards) has commands of it to answer, and the tree
    /// dropped. The same answer as applying them after ShellCheck, since it has nothing to add.
    static func finishEarly(_ file: inout ProcessedFile, lint: LintConfiguration?, today: String) {
        if let lint, let context = file.context ?? lintContext(file.result) {
            if lint.shellcheck.enabled, !ShellCheck.jobs(context).isEmpty { return }
            let start = Clock.now()
            file.result.diagnostics = Suppressions.apply(file.result.diagnostics, context: context, today: today)
            if Linter.readsOtherFiles(context) { file.cacheKey = nil }
            file.result.timings.lint += Clock.since(start)
        }
        // Only the diagnostics and what renders them are kept: a file with none keeps no text either.
        let diagnostics = file.result.diagnostics
        var stripped = CompilationResult(path: file.result.path, file: diagnostics.isEmpty ? nil : file.result.file, ir: nil, diagnostics: diagnostics)
        stripped.timings = file.result.timings
        file.result = stripped
        file.context = nil
        file.keptSettings = nil
        file.finished = true
    }

    /// Compiles one loaded file and lints what could be read (ShellCheck and suppressions come later,
    /// once for every file).
    static func compileAndLint(_ file: SourceFile, lint: LintConfiguration?, settings: CompileSettings) -> CompilationResult {
        compileAndLintKeepingContext(file, lint: lint, settings: settings).result
    }

    /// The same, with the context it was linted with (nil when it was not linted).
    static func compileAndLintKeepingContext(_ file: SourceFile, lint: LintConfiguration?,
                                             settings: CompileSettings) -> (result: CompilationResult, context: LintContext?) {
        var result = Compiler.compile(file, hashing: false, settings: settings)
        // Errors do not stop linting: the recovered IR holds everything that could be read.
        guard let lint, let ir = result.lintableIR, let syntax = result.syntax else { return (result, nil) }
        let lintStart = Clock.now()
        let context = LintContext(ir: ir, syntax: syntax, settings: lint.settings)
        let findings = Linter.findings(context, configuration: lint)
        result.diagnostics += Linter.droppingCascades(findings, compilerDiagnostics: result.diagnostics, context: context)
        result.timings.lint = Clock.since(lintStart)
        return (result, context)
    }
}

/// One slot per file, each written by exactly one worker: no two threads touch the same slot.
// @unchecked: `values` is written only under `lock`, and read after every worker ended.
private final class ResultSlots: @unchecked Sendable {
    private(set) var values: [CheckSession.ProcessedFile?]
    private(set) var observations: [FileObservation]
    private let lock = NSLock()

    init(count: Int) {
        values = Array(repeating: nil, count: count)
        observations = Array(repeating: FileObservation(), count: count)
    }

    func store(_ index: Int, _ value: CheckSession.ProcessedFile?, _ observation: FileObservation) {
        lock.lock()
        values[index] = value
        observations[index] = observation
        lock.unlock()
    }
}

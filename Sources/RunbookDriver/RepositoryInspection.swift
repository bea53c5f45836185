// What `rbc init` learns from a repository before writing `.rbc.yaml`: where the runbooks are and
// which sections they share, which files hold alert rules, how those rules link runbooks (annotation
// names, published sites and the directories they are built from) and which severity labels they use.

import Foundation
import RunbookLint
import RunbookSema
import RunbookSource
import RunbookSyntax

public struct RepositoryInspection: Sendable {
    public struct Count: Sendable, Equatable {
        public let name: String
        public let count: Int
    }

    /// A published site whose page paths name runbooks under `directory`.
    public struct SiteMapping: Sendable, Equatable {
        public let baseURL: String
        public let directory: String
        /// Links under `baseURL`, and how many of them name a runbook file found under `directory`.
        public let links: Int
        public let found: Int
        /// Links that are this repository's own browser URLs at pages it does not have (dead links).
        public var ownMissing = 0
    }

    /// The inspected directory (absolute); every path below is relative to it.
    public let root: String
    public var runbooks: [String] = []
    /// Markdown files that do not look like runbooks: an alert that links one makes it its runbook.
    var otherPages: [String] = []
    public var markdownRunbooks = 0
    /// Runbook counts by directory (the deepest directory holding all runbooks of a top-level one).
    public var runbookDirectories: [Count] = []
    /// `##` headings that at least half of the Markdown runbooks have, in their usual order.
    public var sectionTemplate: [String] = []
    /// Built-in section templates that the pages under a glob follow, for `sections:`.
    public var templateGlobs: [TemplateGlob] = []

    /// A built-in template and the glob of the pages that follow it.
    public struct TemplateGlob: Sendable, Equatable {
        public let template: String
        public let glob: String
        /// Markdown runbooks the glob matches, and how many of them follow the template.
        public let pages: Int
        public let following: Int
    }
    public var ruleFiles: [String] = []
    public var ruleDirectories: [String] = []
    /// Files with `alert:` lines under test data (`testdata/`, `fixtures/`, golden files), by directory:
    /// rendered copies of the rules or a test's input, left out of `alerts.rules`.
    public var testDataRuleDirectories: [Count] = []
    public var alertCount = 0
    public var alertsWithoutLink = 0
    /// Annotation (or label) names that hold runbook links, most used first.
    public var annotations: [Count] = []
    public var siteMappings: [SiteMapping] = []
    /// Origins of absolute links that no directory here answers, with their number of alerts.
    public var unmappedSites: [Count] = []
    public var relativeLinks = 0
    public var relativeLinksFound = 0
    public var templatedLinks = 0
    /// Links that another tool fills before the rules load (`[[ .RunbookURL ]]`, `${BASE}`): RB025 too.
    public var otherToolTemplatedLinks = 0
    /// Rule files written as templates (Helm's), not read: by directory, with their `alert:` lines.
    public var templatedRuleDirectories: [Count] = []
    public var templatedRuleAlerts = 0
    /// The template endings (`.tpl`) of the rule files whose names say they are templates.
    public var templatedRuleSuffixes: [String] = []
    public var severityLabel = "severity"
    public var severityValues: [Count] = []
    /// Runbooks that state no severity and get none from an alert, by top-level directory.
    public var unstatedSeverity: [Count] = []

    public init(root: String) { self.root = root }

    /// Directories that hold what tests read or compare against, by their conventional names.
    static let testDataDirectories: Set<String> = ["testdata", "test-data", "test_data", "fixtures", "__fixtures__", "__snapshots__",
                                                    "golden", "goldens"]

    static func isTestData(_ relativePath: String) -> Bool {
        relativePath.split(separator: "/").dropLast().contains { testDataDirectories.contains($0.lowercased()) }
    }

    /// Inspects the repository at `path` (read only).
    public static func inspect(_ path: String) -> RepositoryInspection {
        let root = URL(fileURLWithPath: path).standardizedFileURL.path
        var inspection = RepositoryInspection(root: root)
        // Rule files may also be JSON or templates (`alerts.yaml.tpl`), which `rbc check` never takes for runbooks.
        var folders: [String] = []
        var unreadable: [RunbookDiscovery.UnreadableName] = []
        let files = RunbookDiscovery.walk(root, folders: &folders, unreadable: &unreadable) { name in
            RunbookDiscovery.hasRunbookExtension(name) || RuleFileText.isRuleFileName(name)
        }
        var loaded: [String: SourceFile] = [:]
        // Each file is read once: what is no runbook is read again only as an alert rule file, from here.
        var others: [SourceFile] = []
        for file in files {
            guard case .loaded(let source) = SourceLoader.load(path: file, displayPath: inspection.relative(file)) else { continue }
            if RunbookDiscovery.hasRunbookExtension((file as NSString).lastPathComponent), RunbookDiscovery.looksLikeRunbook(source) {
                inspection.runbooks.append(inspection.relative(file))
                loaded[inspection.relative(file)] = source
            } else if Compiler.isMarkdown(file) {
                inspection.otherPages.append(inspection.relative(file))
            } else {
                // Named as `rbc check` names rule files (from the working directory): links resolve from there.
                others.append(SourceFile(path: LinkResolver.display(file), text: source.text))
            }
        }
        inspection.markdownRunbooks = inspection.runbooks.filter(Compiler.isMarkdown).count
        inspection.runbookDirectories = groupedDirectories(inspection.runbooks)
        inspection.sectionTemplate = sectionTemplate(inspection.runbooks.compactMap { Compiler.isMarkdown($0) ? loaded[$0] : nil })
        inspection.templateGlobs = templateGlobs(inspection.runbooks.compactMap { Compiler.isMarkdown($0) ? loaded[$0] : nil })

        // A test's fixtures (kubermatic's 64 rendered Prometheus ConfigMaps, one per provider and
        // version) copy the rules: checking them repeats every finding once per copy.
        let testData = others.filter { Self.isTestData(inspection.relative($0.path)) }
        if !testData.isEmpty {
            others.removeAll { Self.isTestData(inspection.relative($0.path)) }
            let withAlerts = testData.filter { $0.text.contains("alert:") || $0.text.contains("\"alert\"") }.map { inspection.relative($0.path) }
            inspection.testDataRuleDirectories = groupedDirectories(withAlerts)
        }

        // Rules first with every plausible annotation name, to learn which names this repository uses.
        var probe = AlertSettings()
        probe.root = root
        let first = AlertIndex(files: others, settings: probe)
        inspection.ruleFiles = first.ruleFiles.map(inspection.relative)
        inspection.ruleDirectories = groupedDirectories(inspection.ruleFiles).map(\.name)
        inspection.alertCount = first.alerts.count
        inspection.templatedRuleDirectories = groupedDirectories(first.templatedRuleFiles.filter { $0.alertCount > 0 }.map { inspection.relative($0.file.path) })
        inspection.templatedRuleAlerts = first.templatedRuleFiles.map(\.alertCount).reduce(0, +)
        inspection.templatedRuleSuffixes = Array(Set(first.templatedRuleFiles.compactMap(\.templateSuffix))).sorted()
        var keyCounts: [String: Int] = [:]
        for alert in first.alerts { for key in Set(alert.runbookKeys) { keyCounts[key, default: 0] += 1 } }
        inspection.annotations = keyCounts.map { Count(name: $0.key, count: $0.value) }
            .sorted { ($0.count, $1.name) > ($1.count, $0.name) }

        var settings = probe
        settings.annotations = inspection.annotations.isEmpty ? AlertSettings.defaultAnnotations : inspection.annotations.map(\.name)
        settings.links = []
        let links = first.resolved(with: settings).alerts.compactMap(\.linkText).filter { !AlertLinkResolution.isPlaceholder($0) }
        inspection.alertsWithoutLink = inspection.alertCount - links.count
        // A link still holding a template (`{{if …}}https://…{{else}}…`, `[[ .RunbookURL ]]`) names no site yet.
        inspection.inferSites(links: links.filter { !LinkResolver.holdsTemplate($0) })
        settings.links = inspection.siteMappings.map { RunbookURLMapping(baseURL: $0.baseURL, directory: root + "/" + $0.directory) }

        let index = first.resolved(with: settings)
        var relative = 0
        var found = 0
        var templated = 0
        var otherToolTemplated = 0
        var severities: [String: Int] = [:]
        for alert in index.alerts {
            if let value = alert.labels[settings.severityLabel] { severities[value, default: 0] += 1 }
            switch alert.resolution {
            case .unresolvable(let template) where !AlertLink.waitsForAlertmanager(template): otherToolTemplated += 1
            case .unresolvable: templated += 1
            case .resolved where !(alert.linkText ?? "").contains("://"): relative += 1; found += 1
            case .dead where !(alert.linkText ?? "").contains("://"), .missingAnchor where !(alert.linkText ?? "").contains("://"): relative += 1
            default: break
            }
        }
        inspection.relativeLinks = relative
        inspection.relativeLinksFound = found
        inspection.templatedLinks = templated
        inspection.otherToolTemplatedLinks = otherToolTemplated
        inspection.severityValues = severities.map { Count(name: $0.key, count: $0.value) }.sorted { $0.name < $1.name }

        var unstated: [String: Int] = [:]
        for runbook in inspection.runbooks {
            guard let source = loaded[runbook], !statesSeverity(source) else { continue }
            if index.severity(forRunbookAt: root + "/" + runbook) != nil { continue }
            let top = runbook.split(separator: "/").count > 1 ? String(runbook.split(separator: "/")[0]) : "."
            unstated[top, default: 0] += 1
        }
        inspection.unstatedSeverity = unstated.map { Count(name: $0.key, count: $0.value) }.sorted { $0.name < $1.name }
        return inspection
    }

    func relative(_ path: String) -> String {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        return absolute.hasPrefix(root + "/") ? String(absolute.dropFirst(root.count + 1)) : absolute
    }

    /// Whether the runbook names its own severity (front matter, YAML key or a Markdown severity line).
    static func statesSeverity(_ file: SourceFile) -> Bool {
        let parsed = Compiler.isMarkdown(file.path) ? MarkdownRunbookParser.parse(markdown: ERBTemplate.isTemplate(file.path) ? ERBTemplate.masked(file) : file)
            : RunbookParser.parse(yaml: file)
        return parsed.syntax?.metadata["severity"] != nil
    }

    /// Per top-level directory, the deepest directory that holds all of its files, with the count.
    static func groupedDirectories(_ paths: [String]) -> [Count] {
        var groups: [String: [[Substring]]] = [:]
        for path in paths {
            let directories = Array(path.split(separator: "/").dropLast())
            groups[directories.first.map(String.init) ?? ".", default: []].append(directories)
        }
        return groups.map { top, members in
            var common = members[0]
            for member in members.dropFirst() {
                common = Array(zip(common, member).prefix { $0 == $1 }.map(\.0))
            }
            return Count(name: common.isEmpty ? top : common.joined(separator: "/"), count: members.count)
        }.sorted { $0.name < $1.name }
    }

    /// For each built-in template, the pages that follow it (RB030's bar), grouped by depth into one
    /// glob each (`content/runbooks/*/*.md`: a path component the followers do not share becomes `*`).
    /// A glob is kept when at least three pages follow the template and they are at least two thirds
    /// of the Markdown runbooks it matches: then holding every page there to the template is what
    /// the repository already does, and the rest are the pages that miss sections.
    static func templateGlobs(_ files: [SourceFile]) -> [TemplateGlob] {
        struct Page {
            let path: [String]
            let headings: [PageOutline.Heading]
        }
        let pages = files.map { file -> Page in
            Page(path: file.path.split(separator: "/").map(String.init), headings: PageOutline(file: file).headings)
        }
        var globs: [TemplateGlob] = []
        for template in SectionTemplate.builtIn {
            let followers = pages.filter { template.isFollowed(by: $0.headings) }
            for depth in Set(followers.map { $0.path.count }).sorted() {
                let group = followers.filter { $0.path.count == depth }
                guard group.count >= 3 else { continue }
                var directories = Array(group[0].path.dropLast())
                for member in group.dropFirst() {
                    for index in directories.indices where directories[index] != member.path[index] { directories[index] = "*" }
                }
                let matched = pages.filter { page in
                    page.path.count == depth && zip(directories, page.path).allSatisfy { pattern, component in pattern == "*" || pattern == component }
                }.count
                guard group.count * 3 >= matched * 2 else { continue }
                let glob = (directories + ["*.md"]).joined(separator: "/")
                globs.append(TemplateGlob(template: template.name, glob: glob, pages: matched, following: group.count))
            }
        }
        return globs
    }

    /// The `##` headings shared by at least half of the Markdown runbooks, in their median position;
    /// none for fewer than three pages (one page's headings are no shared template).
    static func sectionTemplate(_ files: [SourceFile]) -> [String] {
        guard files.count >= 3 else { return [] }
        var counts: [String: Int] = [:]
        var positions: [String: [Int]] = [:]
        var spelling: [String: String] = [:]
        for file in files {
            let headings = MarkdownDocument.parse(file.text).children.filter { $0.type == .heading && $0.headingLevel == 2 }
                .map { HeadingAnchors.headingText($0) }
            var seen = Set<String>()
            for (position, heading) in headings.enumerated() {
                let key = heading.lowercased()
                guard seen.insert(key).inserted else { continue }
                counts[key, default: 0] += 1
                positions[key, default: []].append(position)
                spelling[key] = spelling[key] ?? heading
            }
        }
        return counts.filter { $0.value * 2 >= files.count }.keys
            .sorted { key1, key2 in
                let first = median(positions[key1] ?? []), second = median(positions[key2] ?? [])
                return first != second ? first < second : key1 < key2
            }
            .compactMap { spelling[$0] }
    }

    private static func median(_ values: [Int]) -> Int { values.sorted()[values.count / 2] }

    /// Which published sites the absolute links point at, and which directory here each is built
    /// from: a link's trailing path components are matched against runbook files (case-insensitively,
    /// without extension; `_index`, `index`, `README` stand for their directory), and each site prefix
    /// takes the directory most of its links agree on.
    ///
    /// Other Markdown pages count only when a link names the page's whole path here
    /// (`https://github.com/acme/ops/blob/main/docs/runbook.md` for `docs/runbook.md`): a repository
    /// browser's URL of this repository, whose pages need not look like runbooks (`## AlertName` sections of prose).
    mutating func inferSites(links: [String]) {
        func names(_ files: [String]) -> [String: [[String]]] {
            var byName: [String: [[String]]] = [:]
            for runbook in files {
                var components = runbook.lowercased().split(separator: "/").map(String.init)
                guard let last = components.popLast() else { continue }
                let stem = (last as NSString).deletingPathExtension
                if ["_index", "index", "readme"].contains(stem) {
                    if let directory = components.last { byName[directory, default: []].append(components) }
                } else {
                    byName[stem, default: []].append(components + [stem])
                }
            }
            return byName
        }
        let byName = names(runbooks)
        let pagesByName = names(otherPages)
        var votes: [String: [String: Int]] = [:]
        var ownMissing: [String: Int] = [:]
        var linkCounts: [String: Int] = [:]
        var origins: [String: Int] = [:]
        for link in links {
            guard let scheme = link.range(of: "://") else { continue }
            var target = link
            if let cut = target.firstIndex(where: { $0 == "#" || $0 == "?" }) { target = String(target[..<cut]) }
            let afterScheme = target[scheme.upperBound...]
            let host = afterScheme.prefix { $0 != "/" }
            let origin = String(target[..<scheme.upperBound]) + host
            let path = afterScheme.dropFirst(host.count).split(separator: "/").map { String($0).lowercased() }
            var stems = path
            if let last = stems.popLast() { stems.append((last as NSString).deletingPathExtension) }
            var best: (prefix: String, directory: String, length: Int)?
            var ambiguous = false
            let runbookCandidates = byName[stems.last ?? ""] ?? []
            let pageCandidates = runbookCandidates.isEmpty ? pagesByName[stems.last ?? ""] ?? [] : []
            let browsedPath = RepositoryInspection.browsedPathLength(path, host: host.lowercased())
            for candidate in runbookCandidates + pageCandidates {
                let length = zip(stems.reversed(), candidate.reversed()).prefix { $0 == $1 }.count
                guard length > 0, runbookCandidates.isEmpty ? length == candidate.count : true else { continue }
                // A repository browser's URL names one path of its repository: a page that shares only
                // its end (`…/blob/main/docs/runbooks/x.md` for `docs/runbooks/app/x.md`) is another page.
                // The whole page path matched may leave components before it: more of a ref that holds
                // a `/` (`…/blob/release/1.0/docs/…`), or directories above this one.
                if let browsedPath, length != browsedPath, length > browsedPath || length != candidate.count { continue }
                let prefixComponents = afterScheme.dropFirst(host.count).split(separator: "/").prefix(path.count - length)
                let prefix = origin + "/" + prefixComponents.map { $0 + "/" }.joined()
                let directory = candidate.count == length ? "." : candidateDirectory(candidate, keep: candidate.count - length)
                if let current = best, current.length == length, current.directory != directory { ambiguous = true }
                if best == nil || length > best!.length { best = (prefix, directory, length); ambiguous = false }
            }
            if best == nil, let browsedPath, let ownDirectory = ownBrowserDirectory(path, browsedPath: browsedPath, origin: origin,
                                                                                                           written: afterScheme.dropFirst(host.count).split(separator: "/")) {
                // A browser URL of this repository (its name, in a directory it has) whose page is missing
                // here: a dead link of this repository, not another site.
                best = (ownDirectory, ".", browsedPath)
                ownMissing[ownDirectory, default: 0] += 1
            }
            if let best, !ambiguous {
                votes[best.prefix, default: [:]][best.directory, default: 0] += 1
            } else {
                origins[origin, default: 0] += 1
            }
        }
        for link in links where link.contains("://") {
            for prefix in votes.keys where link.hasPrefix(prefix) { linkCounts[prefix, default: 0] += 1 }
        }
        // A mapping stands when at least half the links under its base URL name a runbook there. A
        // page name met again under a misspelt or renamed section (`…/coretex-internal/x/` beside
        // `cortex-internal/x.md`) is no site of its own: mapped, it would hide the dead links.
        var candidates = votes.compactMap { prefix, directories -> SiteMapping? in
            guard let top = directories.max(by: { ($0.value, $1.key) < ($1.value, $0.key) }) else { return nil }
            var mapping = SiteMapping(baseURL: prefix, directory: top.key, links: linkCounts[prefix] ?? top.value, found: top.value)
            if top.key == "." { mapping.ownMissing = ownMissing[prefix] ?? 0 }
            return mapping
        }
        for weak in candidates where weak.found * 2 < weak.links {
            let origin = weak.baseURL.range(of: "://").map { scheme in
                String(weak.baseURL[..<scheme.upperBound]) + weak.baseURL[scheme.upperBound...].prefix { $0 != "/" }
            } ?? weak.baseURL
            origins[origin, default: 0] += weak.found
        }
        candidates.removeAll { $0.found * 2 < $0.links }
        siteMappings = candidates.sorted { $0.baseURL < $1.baseURL }
        // Links of a mapped site whose page is missing are dead links, not another site.
        for mapping in siteMappings {
            for (origin, _) in origins where mapping.baseURL.hasPrefix(origin + "/") { origins[origin] = nil }
        }
        unmappedSites = origins.map { Count(name: $0.key, count: $0.value) }.sorted { $0.name < $1.name }
    }

    /// How many path components name a file of the repository in a repository browser's URL path
    /// (`acme/ops/blob/main/docs/x.md` → 2; GitLab's `group/ops/-/blob/main/…`, `tree/`, `raw/`,
    /// Bitbucket's `src/`) on a forge's host, nil for any other URL.
    static func browsedPathLength(_ path: [String], host: String) -> Int? {
        guard let marker = path.indices.first(where: { $0 >= 2 && ["blob", "tree", "raw", "src"].contains(path[$0]) }),
              marker + 1 < path.count,
              path[marker - 1] == "-" || ["github", "gitlab", "bitbucket", "gitea", "codeberg"].contains(where: host.contains) else { return nil }
        return path.count - marker - 2
    }

    /// The base URL (`https://github.com/acme/ops/blob/main/`) of a repository browser's link that names
    /// this repository — its name is this directory's, or `.git/config` names `acme/ops` — at a page in a
    /// directory this repository has, at least two deep (`docs/runbooks/`); nil otherwise.
    /// `path` is the link's path lower-cased, `written` as written. The ref after `blob/` may hold `/`
    /// (`blob/release/1.2/docs/runbooks/x.md`): its shortest reading that leaves a directory this
    /// repository has is taken.
    private func ownBrowserDirectory(_ path: [String], browsedPath: Int, origin: String, written: [Substring]) -> String? {
        let marker = path.count - browsedPath - 2
        guard browsedPath >= 3, marker >= 2, written.count == path.count else { return nil }
        let repository = path[marker - (path[marker - 1] == "-" ? 2 : 1)]
        let owner = path[0..<(marker - (path[marker - 1] == "-" ? 2 : 1))].joined(separator: "/")
        let pages = (runbooks + otherPages).map { $0.lowercased().split(separator: "/").map(String.init) }
        // `refLength` components name the ref; the page's path after them is at least three deep.
        guard let refLength = (1...(browsedPath - 2)).first(where: { refLength in
            let directory = Array(path[(marker + 1 + refLength)..<(path.count - 1)])
            return pages.contains { $0.count > directory.count && Array($0.prefix(directory.count)) == directory }
        }) else { return nil }
        let config = (try? String(contentsOfFile: root + "/.git/config", encoding: .utf8))?.lowercased() ?? ""
        guard (root as NSString).lastPathComponent.lowercased() == repository || config.contains(owner + "/" + repository) else { return nil }
        return origin + "/" + written[0..<(marker + 1 + refLength)].joined(separator: "/") + "/"
    }

    /// The directory, with this repository's own spelling, of the first `keep` components of a
    /// runbook's lower-cased path.
    private func candidateDirectory(_ lowered: [String], keep: Int) -> String {
        let wanted = lowered.prefix(keep)
        for runbook in runbooks {
            let components = runbook.split(separator: "/").map(String.init)
            if components.count > keep, components.prefix(keep).map({ $0.lowercased() }) == Array(wanted) {
                return components.prefix(keep).joined(separator: "/")
            }
        }
        return wanted.joined(separator: "/")
    }
}

// RB030: a page for people has the sections its repository's template promises the reader.

import Foundation
import RunbookSource
import RunbookSyntax

/// A section template: the headings every page of a kind has, in the words a team uses.
public struct SectionTemplate: Sendable, Equatable {
    public let name: String
    /// Headings as written in the template (`Meaning`, `Alert Behavior`).
    public let sections: [String]

    public init(name: String, sections: [String]) {
        self.name = name
        self.sections = sections
    }

    /// The shapes most Markdown runbooks follow.
    public static let builtIn: [SectionTemplate] = [
        // prometheus-operator's runbooks, OpenShift's and KubeVirt's alert pages.
        SectionTemplate(name: "prometheus-operator", sections: ["Meaning", "Impact", "Diagnosis", "Mitigation"]),
        // The runbook authoring guide's structure (seed 001).
        SectionTemplate(name: "runbook-guide", sections: ["When to Use", "Prerequisites", "Steps", "Escalation"]),
        // A service runbook (seed 003).
        SectionTemplate(name: "service-runbook", sections: ["Service Overview", "Key Metrics", "Common Issues", "Emergency Procedures"]),
        // GitLab's alert playbook template (docs/template-alert-playbook.md).
        SectionTemplate(name: "gitlab-alert-playbook", sections: [
            "Overview", "Services", "Metrics", "Alert Behavior", "Severities", "Verification", "Recent changes",
            "Troubleshooting", "Possible Resolutions", "Dependencies", "Escalation", "Definitions", "Related Links",
        ]),
        // Incident-response playbooks (NIST SP 800-61's phases).
        SectionTemplate(name: "incident-response", sections: ["Contain", "Eradicate", "Recover"]),
    ]

    public static func named(_ name: String) -> SectionTemplate? { builtIn.first { $0.name == name.lowercased() } }

    /// The template's sections that some heading of a page is (by `heading(_:matches:)`).
    public func sectionsPresent(among headings: [String]) -> [String] {
        let stems = headings.map(Self.stems)
        return sections.filter { section in
            let wanted = Self.stems(section)
            return stems.contains { Self.words($0, match: wanted) }
        }
    }

    /// Whether a page's outline shows it follows this template: every section, or all but one when
    /// that leaves at least three (the same bar as RB030 without configuration), counted on the
    /// page's own section headings (`sectionHeadings(_:)`) named by their leading words.
    public func isFollowed(by outline: [PageOutline.Heading]) -> Bool {
        let headings = Self.sectionHeadings(outline)
        return sectionsLeading(headings).count == sections.count || isFollowedButOne(headings)
    }

    /// Whether the page looks like this template with one section missing, the bar for holding a page
    /// to a template nobody configured.
    func isFollowedButOne(by outline: [PageOutline.Heading]) -> Bool {
        isFollowedButOne(Self.sectionHeadings(outline))
    }

    /// All but one section (at least three), and the page does not hold the missing one under a name
    /// of its own: a repository whose pages have `## Playbook` where this template has `## Mitigation`
    /// follows its own template, and "no Mitigation section" on each of its pages would be false.
    private func isFollowedButOne(_ headings: [String]) -> Bool {
        let present = sectionsLeading(headings)
        guard present.count >= 3, present.count == sections.count - 1 else { return false }
        return !holdsInOtherWords(sections.filter { !present.contains($0) }, headings: headings)
    }

    /// Whether every one of `missing` that names a kind of section (Mitigation: steps; Diagnosis:
    /// read-only steps; Meaning: a description, as the Markdown parser reads headings) is answered by
    /// a heading of the same kind that is none of the template's sections (`Playbook`,
    /// `Investigation`, `Overview`). A section of no particular kind (`Impact`) is never answered.
    func holdsInOtherWords(_ missing: [String], headings: [String]) -> Bool {
        let wanted = sections.map(Self.stems)
        let others = headings.filter { heading in
            let stems = Self.stems(heading)
            return !wanted.contains { Self.words(stems, match: $0, leading: true) }
        }
        let kinds = Set(others.map(MarkdownRunbookParser.sectionKind)).subtracting([.documentation])
        return missing.allSatisfy { kinds.contains(MarkdownRunbookParser.sectionKind($0)) }
    }

    /// The headings that divide the page into sections: those no deeper than the first heading below
    /// the title (GitLab's template puts `# Escalation` after `## Overview`: both are sections).
    /// Inferring a template from subsections confuses a subsection's sentence with a section
    /// (`### If the above steps do not work` under `## Procedure` is no `Steps` section).
    public static func sectionHeadings(_ outline: [PageOutline.Heading]) -> [String] {
        var headings = outline
        if let title = headings.first, title.level == 1 { headings.removeFirst() }
        guard let level = headings.first?.level else { return [] }
        return headings.filter { $0.level <= level }.map(\.text)
    }

    /// The template's sections that some heading begins with: the stricter reading used to decide
    /// which template an unconfigured page follows (`Diagnosis and mitigation` begins with Diagnosis).
    /// Each heading's words are read once, not once per section of each template: a page of thousands
    /// of headings was read dozens of times over (a fifth of checking a page of 8,000 alert sections).
    func sectionsLeading(_ headings: [String]) -> [String] {
        let stems = headings.map(Self.stems)
        return sections.filter { section in
            let wanted = Self.stems(section)
            return stems.contains { Self.words($0, match: wanted, leading: true) }
        }
    }

    /// Whether a heading is this section: its words contain the section's words in order, each
    /// compared by its first six letters (`Mitigating` is Mitigation, `Diagnosis and mitigation`
    /// is both, `Containment` is Contain); with `leading`, only at the heading's start.
    static func heading(_ heading: String, matches section: String, leading: Bool = false) -> Bool {
        words(stems(heading), match: stems(section), leading: leading)
    }

    /// `heading(_:matches:leading:)` on words already stemmed.
    static func words(_ words: [Substring], match wanted: [Substring], leading: Bool = false) -> Bool {
        guard !wanted.isEmpty, words.count >= wanted.count else { return false }
        for start in 0...(leading ? 0 : words.count - wanted.count) where zip(words[start...], wanted).allSatisfy({ $0 == $1 }) {
            return true
        }
        return false
    }

    static func stems(_ text: String) -> [Substring] { normalizedWords(text).map(stem) }

    static func normalizedWords(_ text: String) -> [String] {
        text.lowercased().split { !$0.isLetter && !$0.isNumber }.map(String.init).filter { !$0.allSatisfy(\.isNumber) }
    }

    static func stem(_ word: String) -> Substring { word.prefix(6) }
}

/// `sections:` in `.rbc.yaml`: a template for the pages under some paths (all pages when none).
public struct SectionTemplateSetting: Sendable {
    public let template: SectionTemplate
    /// Globs, as regular expressions over paths relative to `root`.
    public let paths: [NSRegularExpression]
    public let root: String

    public init(template: SectionTemplate, paths: [NSRegularExpression], root: String) {
        self.template = template
        self.paths = paths
        self.root = root
    }

    func applies(to path: String) -> Bool {
        guard !paths.isEmpty else { return true }
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        let prefix = root.hasSuffix("/") ? root : root + "/"
        guard absolute.hasPrefix(prefix) else { return false }
        let relative = String(absolute.dropFirst(prefix.count))
        let range = NSRange(relative.startIndex..., in: relative)
        return paths.contains { $0.firstMatch(in: relative, range: range) != nil }
    }
}

struct SectionTemplateRule: LintRule {
    static let description = RuleDescription(
        id: "RB030", slug: "section-missing", category: .documentation, severity: .warning, scope: .documentation,
        summary: "a page for people lacks a section of its repository's template",
        rationale: """
        A responder paged at night opens the runbook and jumps to the section they need — Diagnosis, \
        Mitigation, Escalation. When one page of a repository lacks it, they read the whole page to \
        learn it is not there. The template comes from `.rbc.yaml`:

        ```yaml
        sections:
          - template: prometheus-operator        # Meaning, Impact, Diagnosis, Mitigation
            paths: ["content/runbooks/**"]
          - required: [Overview, Troubleshooting, Escalation]
            paths: ["docs/**/alerts/*.md"]
        ```

        Built-in templates: `prometheus-operator` (Meaning, Impact, Diagnosis, Mitigation — also \
        OpenShift's and KubeVirt's shape), `runbook-guide` (When to Use, Prerequisites, Steps, \
        Escalation), `service-runbook` (Service Overview, Key Metrics, Common Issues, Emergency \
        Procedures), `gitlab-alert-playbook` (Overview, Services, Metrics, Alert Behavior, Severities, \
        Verification, Recent changes, Troubleshooting, Possible Resolutions, Dependencies, Escalation, \
        Definitions, Related Links) and `incident-response` (Contain, Eradicate, Recover). Without \
        `sections:`, a page whose own section headings (no deeper than the first heading below the title) already \
        begin with all but one of a built-in template's sections (at least three) is held to that \
        template, unless a heading of its own holds the missing section in other words (`## Playbook` \
        holds the steps `## Mitigation` would, `## Investigation` a diagnosis): that page follows its \
        repository's template, not the built-in one. A subsection's sentence (`### If the above steps \
        do not work`) names no section. \
        Whether a section is there, headings of any level count, matched by their words \
        (`## Mitigating` is Mitigation; `## Diagnosis and mitigation` is both). A page that is one \
        paragraph (a pointer to another page) is left alone.
        """,
        triggering: [
            RuleExample("""
            ---
            severity: P3
            ---
            # ↓KubePodCrashLooping↑

            ## Meaning
            The pod restarts over and over.

            ## Impact
            The service is degraded.

            ## Diagnosis
            Read the pod's events and logs.
            """, markdown: true),
        ],
        nonTriggering: [
            RuleExample("""
            ---
            severity: P3
            ---
            # KubePodCrashLooping

            ## Meaning
            The pod restarts over and over.

            ## Impact
            The service is degraded.

            ## Diagnosis and mitigation
            Read the pod's events and logs, then fix what they say.
            """, markdown: true),
            // The repository's own template: `Playbook` holds what `Mitigation` would.
            RuleExample("""
            ---
            severity: P3
            ---
            # KubePodCrashLooping

            ## Meaning
            The pod restarts over and over.

            ## Impact
            The service is degraded.

            ## Playbook
            1. Read the pod's events.

            ## Diagnosis
            If the events show an image pull error, fix the image name.
            """, markdown: true),
            // Prerequisites is a section, but `Steps` and `Escalation` only appear in subsections'
            // sentences: the page follows no template.
            RuleExample("""
            ---
            severity: P3
            ---
            # Storage SRE-to-engineering escalation path

            ## Purpose
            When to page storage engineering.

            ## Prerequisites
            Access to the cluster.

            ## Procedure

            ### Escalation path when the incident urgently requires engineering
            Page the on-call engineer.

            ### If above steps do not work
            Call the engineering manager.

            ## References
            The support policy.
            """, markdown: true),
        ])

    func check(_ context: LintContext) -> [LintFinding] {
        guard let page = context.page else { return [] }
        // The first H1 is the page's title, not a section.
        var sections = page.headings
        if let title = sections.first, title.level == 1 { sections.removeFirst() }
        let headings = sections.map(\.text)
        let configured = context.settings.sectionTemplates.filter { $0.applies(to: context.file.path) }.map(\.template)
        let templates: [SectionTemplate]
        if !configured.isEmpty {
            // A page that is nothing but a pointer (`See [Node RAID Degraded](…)`) is not a runbook of its own.
            if headings.isEmpty, Self.isPointer(context) { return [] }
            templates = configured
        } else {
            templates = SectionTemplate.builtIn.filter { $0.isFollowedButOne(by: page.headings) }
        }
        let title = page.headings.first { $0.level == 1 }?.range ?? context.syntax.headerRange
        return templates.compactMap { template in
            let present = Set(template.sectionsPresent(among: headings))
            let missing = template.sections.filter { !present.contains($0) }
            guard !missing.isEmpty else { return nil }
            let list = missing.map { "`\($0)`" }
            let named = list.count == 1 ? list[0] : list.dropLast().joined(separator: ", ") + " and " + list.last!
            return LintFinding("the page has no \(named) section\(missing.count == 1 ? "" : "s") (template `\(template.name)`)", at: title,
                               help: "add `## \(missing[0])`\(missing.count > 1 ? " and the others" : ""), even if only to say there is nothing to do there")
        }
    }

    /// One paragraph and nothing else below the title.
    static func isPointer(_ context: LintContext) -> Bool {
        let blocks = context.page?.text.components(separatedBy: "\n\n").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") && !$0.hasPrefix("<!--") } ?? []
        return blocks.count <= 1
    }
}

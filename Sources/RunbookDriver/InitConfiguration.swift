// The commented `.rbc.yaml` that `rbc init` writes from a `RepositoryInspection`: every setting it
// makes says what it was learned from, and what it could not decide is left as a comment.

import Foundation
import RunbookSema

public enum InitConfiguration {
    public static func render(_ inspection: RepositoryInspection) -> String {
        var out = """
        # .rbc.yaml written by `rbc init` from what it found in this repository. Edit freely: every
        # setting says what it was learned from. Reference: docs/adopting.md (this file, baseline,
        # pre-commit, CI), docs/git.md (alert coverage), docs/linting.md (rule settings).

        """
        out += "#\n" + runbookSummary(inspection)
        out += sectionsSection(inspection)
        out += "\n" + alertsSection(inspection)
        out += severitySection(inspection)
        out += """

        # Rule settings, for example to turn a rule off or change its severity:
        # rules:
        #   RB003: off
        #   RB011: info

        """
        return out
    }

    static func runbookSummary(_ inspection: RepositoryInspection) -> String {
        guard !inspection.runbooks.isEmpty else {
            return "# Runbooks: none found (Markdown pages with a steps-like `##` section, or YAML with `runbook:`).\n"
        }
        let yaml = inspection.runbooks.count - inspection.markdownRunbooks
        var kinds: [String] = []
        if inspection.markdownRunbooks > 0 { kinds.append("\(inspection.markdownRunbooks) Markdown") }
        if yaml > 0 { kinds.append("\(yaml) YAML") }
        var out = "# Runbooks: \(inspection.runbooks.count) (\(kinds.joined(separator: ", "))), checked by `rbc check`:\n"
        for directory in inspection.runbookDirectories {
            out += "#   \(directory.name)/  \(directory.count)\n"
        }
        if !inspection.sectionTemplate.isEmpty {
            out += "# Section template (`##` headings at least half of the Markdown runbooks share):\n"
            out += "#   " + inspection.sectionTemplate.joined(separator: " / ") + "\n"
        }
        return out
    }

    /// Why the rule files are templates: Helm's action lines, or names such as `alerts.yaml.tpl`.
    static func templateReasons(_ inspection: RepositoryInspection) -> String {
        let byText = "`{{ … }}` lines outside YAML values, as Helm writes them"
        guard !inspection.templatedRuleSuffixes.isEmpty else { return byText }
        return byText + ", or named " + inspection.templatedRuleSuffixes.map { "`\($0)`" }.joined(separator: ", ")
    }

    static func alertsSection(_ inspection: RepositoryInspection) -> String {
        let templates = inspection.templatedRuleDirectories.map { "\($0.name)  \(plural($0.count, "file"))" }
        guard !inspection.ruleFiles.isEmpty else {
            guard templates.isEmpty else {
                return """
                # Alert rules: none read. These rule files (\(plural(inspection.templatedRuleAlerts, "alert"))) are templates, not YAML
                # (\(templateReasons(inspection))):
                \(templates.map { "#   " + $0 }.joined(separator: "\n"))
                # Render them (`helm template …`) into a directory and point rbc at the output:
                # alerts:
                #   rules: [rendered/rules]

                """
            }
            return """
            # Alert rules: none found. To check that every alert links a runbook that exists, point rbc
            # at your Prometheus rule files:
            # alerts:
            #   rules: [monitoring/rules]
            \(testDataNote(inspection, indent: ""))
            """
        }
        var out = "# Alert rules: \(inspection.alertCount) alerting rules in \(plural(inspection.ruleFiles.count, "file")).\n"
        out += "# `rbc check` reads them and checks that every alert links a runbook that exists (docs/git.md).\n"
        out += "alerts:\n  rules:\n"
        for directory in inspection.ruleDirectories { out += "    - \(quoted(directory))\n" }
        out += testDataNote(inspection, indent: "  ")
        if inspection.annotations.isEmpty {
            out += "  # No alert carries a runbook link yet; these annotation names are read:\n"
            out += "  annotations: [runbook_url, runbook]\n"
        } else {
            let seen = inspection.annotations.map { "\($0.name) (\(plural($0.count, "alert")))" }.joined(separator: ", ")
            out += "  # Annotations (or labels) holding the runbook link: \(seen).\n"
            out += "  annotations: [\(inspection.annotations.map(\.name).map(quoted).joined(separator: ", "))]\n"
        }
        if inspection.alertsWithoutLink > 0 {
            out += "  # Alerts that link no runbook (RB022): \(inspection.alertsWithoutLink).\n"
        }
        if inspection.relativeLinks > 0 {
            out += "  # Links that are paths in this repository: \(inspection.relativeLinks); \(inspection.relativeLinksFound) resolve, anchor included.\n"
        }
        if inspection.templatedLinks > 0 {
            out += "  # Links with a `{{ $labels.x }}` the rule's labels do not fill, not checked (RB025): \(inspection.templatedLinks).\n"
        }
        if inspection.otherToolTemplatedLinks > 0 {
            out += "  # Links another tool fills (`[[ … ]]`, `${…}`, `%(…)s`), not checked (RB025): \(inspection.otherToolTemplatedLinks).\n"
        }
        if !templates.isEmpty {
            out += "  # Rule files that are templates, not YAML, not read (RB025; render them to check them): \(plural(inspection.templatedRuleAlerts, "alert")) in\n"
            for line in templates { out += "  #   \(line)\n" }
        }
        if !inspection.siteMappings.isEmpty {
            out += "  # Published sites built from this repository, found by matching page paths to runbook files:\n"
            out += "  runbook_urls:\n"
            for site in inspection.siteMappings {
                out += "    # \(plural(site.links, "link")); \(site.found - site.ownMissing) name a runbook under \(site.directory)/"
                    + (site.ownMissing > 0 ? "; \(site.ownMissing) name pages this repository lacks (its own browser URLs: dead links)" : "") + "\n"
                out += "    - base_url: \(quoted(site.baseURL))\n      directory: \(quoted(site.directory))\n"
            }
        }
        if !inspection.unmappedSites.isEmpty {
            out += "  # Links to sites no directory here answers are not checked (RB026, a note):\n"
            for site in inspection.unmappedSites { out += "  #   \(site.name)  \(plural(site.count, "link"))\n" }
            out += "  # If one is built from this repository, map it: runbook_urls: [{base_url: \"…/\", directory: …}]\n"
        }
        out += severityLabels(inspection)
        return out
    }

    /// Rule files found in test data, named but not listed: they copy the rules or feed a test.
    static func testDataNote(_ inspection: RepositoryInspection, indent: String) -> String {
        guard !inspection.testDataRuleDirectories.isEmpty else { return "" }
        var out = "\(indent)# Not listed: files with alerts in test data (fixtures, golden files copy the rules or feed a test):\n"
        for directory in inspection.testDataRuleDirectories { out += "\(indent)#   \(directory.name)  \(plural(directory.count, "file"))\n" }
        return out
    }

    static func severityLabels(_ inspection: RepositoryInspection) -> String {
        guard !inspection.severityValues.isEmpty else { return "" }
        var out = "  # A runbook that states no severity takes the most severe alert linking to it, by this label.\n"
        out += "  severity_label: \(quoted(inspection.severityLabel))\n"
        let known = inspection.severityValues.compactMap { value in
            AlertSettings.defaultSeverityLevels[value.name.lowercased()].map { (value, $0) }
        }
        let unknown = inspection.severityValues.filter { AlertSettings.defaultSeverityLevels[$0.name.lowercased()] == nil }
        if !known.isEmpty {
            out += "  # Values seen: \(known.map { "\($0.0.name) (\($0.0.count))" }.joined(separator: ", ")).\n"
            out += "  severities:\n"
            for (value, level) in known {
                out += "    \(quoted(value.name)): \(level.rawValue)\n"
            }
        }
        if !unknown.isEmpty {
            out += "  # Values with no default meaning; map them to P0…P3 under `severities` to use them:\n"
            for value in unknown { out += "  #   \(quoted(value.name)): P3    # \(plural(value.count, "alert"))\n" }
        }
        return out
    }

    /// `sections:` for the built-in templates whole directories of pages follow (RB030).
    static func sectionsSection(_ inspection: RepositoryInspection) -> String {
        guard !inspection.templateGlobs.isEmpty else { return "" }
        var out = "\n# Section templates the pages follow: RB030 reports a page there that misses a section.\n"
        out += "sections:\n"
        for entry in inspection.templateGlobs {
            out += "  - template: \(entry.template)    # \(entry.following) of the \(plural(entry.pages, "page")) follow it\n"
            out += "    paths: [\(quoted(entry.glob))]\n"
        }
        return out
    }

    static func severitySection(_ inspection: RepositoryInspection) -> String {
        guard !inspection.unstatedSeverity.isEmpty else { return "" }
        let total = inspection.unstatedSeverity.reduce(0) { $0 + $1.count }
        var out = "\n# \(plural(total, "runbook")) state no severity and no alert gives them one; they get this default\n"
        out += "# (the first glob that matches; P3 is the lowest, raise it where pages are urgent).\n"
        out += "default_severity:\n"
        for group in inspection.unstatedSeverity {
            let glob = group.name == "." ? "*" : group.name + "/**"
            out += "  \(quoted(glob)): P3    # \(plural(group.count, "runbook"))\n"
        }
        return out
    }

    static func plural(_ count: Int, _ word: String) -> String { "\(count) \(word)\(count == 1 ? "" : "s")" }

    /// A YAML double-quoted scalar.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default:
                if scalar.value < 0x20 { out += String(format: "\\x%02X", scalar.value) } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out + "\""
    }
}

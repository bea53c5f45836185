// RB025 unresolvable-runbook-link: a runbook link that is still a template rbc cannot fill, reported
// once per template; and rule files that are templates themselves (Helm's), once per directory.
// Links are resolved once for every check (RunbookDriver/AlertCoverage).

import Foundation
import RunbookSource

struct UnresolvableRunbookLinkRule: AlertCoverageRule {
    static let description = RuleDescription(
        id: "RB025", slug: "unresolvable-runbook-link", category: .alerts, severity: .info, scope: .both,
        summary: "an alert's runbook link (or its whole rule file) is a template rbc cannot fill, so it is not checked",
        rationale: """
        Links such as `docs/{{ $labels.type }}/README.md` are filled in by Alertmanager from the firing \
        series' labels. rbc expands `{{ $labels.x }}` and `{{ .Labels.x }}` from the rule's own `labels:`; \
        when a label comes only from the series, the page cannot be known before the alert fires, so \
        the link is not checked. Links another tool fills before the rules are loaded — Go templates \
        with other delimiters (`[[ .RunbookURL ]]`), envsubst's `${VAR}`, an unrendered `%(name)s` — \
        are not checked either. This note is reported once per distinct link (its `#anchor` aside), \
        not once per alert, and is not a dead link. Set the label under the rule's `labels:` to have \
        the link checked. A link holding a chart's `{{ .Values.x }}` is filled from the chart's \
        `values.yaml` when it has a default, and noted once per value otherwise; so is a \
        `{{ printf "%s/%s.md" .Values.base "Name" }}` of literals and such values (noted once per \
        pattern, its literal arguments aside). A rule file written \
        as a template (a Helm chart's `{{- if … }}` lines) is not YAML: rbc reads it in place with its \
        action lines blanked; when it still does not parse (a `{{ else }}` repeating a key, YAML built \
        by a loop), its alerts are counted, once per directory, and not checked — render the chart \
        (`helm template`) and point `alerts: rules` at the output to check them. A file named as a \
        template (`alerts.yaml.tpl`, `_rules.tpl`, `.tmpl`, `.gotmpl`, `.j2`) is counted the same way.
        """,
        triggering: [], nonTriggering: [], requires: .alertRules)

    func check(_ context: any AlertCoverageContext) -> [PlacedFinding] {
        var unresolvable: [String: (first: CoveredAlert, link: AlertLink, page: String, count: Int)] = [:]
        for alert in context.alerts {
            guard let link = alert.link, case .unresolvable(let template) = alert.resolution else { continue }
            // `[[ .RunbookURL ]]#Request-Errors`, `…#Request-Panics` and `[[ .RunbookURL]]` are one template.
            var page = template.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? template
            // So are a chart's `{{ .Values.base }}/a` and `{{ .Values.base }}/b`: one value, one note.
            if !AlertLink.waitsForAlertmanager(page), page.hasPrefix("{{"), let close = page.range(of: "}}") {
                page = UnresolvableRunbookLinkRule.elidingLiteralArguments(String(page[..<close.upperBound])) + (close.upperBound < page.endIndex ? "/…" : "")
            }
            unresolvable[page.filter { !$0.isWhitespace }, default: (alert, link, page, 0)].count += 1
        }
        let links = unresolvable.sorted { $0.key < $1.key }.map { _, entry in
            let template = entry.page
            let filled = AlertLink.waitsForAlertmanager(template)
            return PlacedFinding(entry.first.file, LintFinding(
                "runbook link `\(AlertLink.quoted(template))` \(filled ? "has a template no label of the rule fills" : "is a template another tool fills"): not checked (\(pluralized(entry.count, "alert")))",
                at: entry.link.range,
                help: filled ? "set the label under the rule's `labels:` to have the link checked"
                    : "point `alerts: rules` at the rules that tool writes to have the link checked"))
        }
        var directories: [String: [TemplatedRuleFile]] = [:]
        for templated in context.templatedRuleFiles {
            directories[PathText.parent(of: templated.file.path), default: []].append(templated)
        }
        let files = directories.sorted { $0.key < $1.key }.compactMap { directory, members -> PlacedFinding? in
            let members = members.sorted { $0.file.path < $1.file.path }
            let alerts = members.map(\.alertCount).reduce(0, +)
            guard let first = members.first, alerts > 0 else { return nil }
            let shown = directory.isEmpty ? "." : directory
            let subject = members.count == 1 ? "1 rule file in \(shown) is a template" : "\(members.count) rule files in \(shown) are templates"
            // Why each is a template: its text (Helm's action lines), or its name (`alerts.yaml.tpl`).
            let suffixes = Array(Set(members.compactMap(\.templateSuffix))).sorted().map { "`\($0)`" }
            let byText = members.contains { $0.templateSuffix == nil } ? ["`{{ … }}` lines outside YAML values, as Helm writes them"] : []
            let byName = suffixes.isEmpty ? [] : ["named \(suffixes.joined(separator: ", "))"]
            let counted = members.count == 1 ? "its \(pluralized(alerts, "alert")) \(alerts == 1 ? "is" : "are")" : "their \(pluralized(alerts, "alert")) are"
            return PlacedFinding(first.file, LintFinding(
                "\(subject) (\((byText + byName).joined(separator: "; "))), not YAML: \(counted) not checked",
                at: first.range, help: "render them (`helm template …`, or the tool that fills them) and point `alerts: rules` at the output"))
        }
        return links + files
    }

    /// A chart's `{{ printf "%s/%s" .Values.site "DiskFull" }}` with the string literals after its format
    /// elided (`{{ printf "%s/%s" .Values.site … }}`): alerts that differ only in those (their own names)
    /// wait for the same value, so they are one note.
    static func elidingLiteralArguments(_ action: String) -> String {
        let pattern = #"^(\{\{-?\s*printf\s+"(?:[^"\\]|\\.)*")((?:\s+(?:"(?:[^"\\]|\\.)*"|[^\s"]+))*)(\s*-?\}\})$"#
        guard action.contains("printf"), let regex = try? NSRegularExpression(pattern: pattern),
              let match = regex.firstMatch(in: action, range: NSRange(action.startIndex..., in: action)),
              let head = Range(match.range(at: 1), in: action), let arguments = Range(match.range(at: 2), in: action),
              let tail = Range(match.range(at: 3), in: action),
              let literal = try? NSRegularExpression(pattern: #""(?:[^"\\]|\\.)*""#) else { return action }
        let text = String(action[arguments])
        let elided = literal.stringByReplacingMatches(in: text, range: NSRange(text.startIndex..., in: text), withTemplate: "…")
        return String(action[head]) + elided + String(action[tail])
    }
}

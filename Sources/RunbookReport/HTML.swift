// HTML text for the report: everything from a runbook, a journal or git is escaped here, and every
// page carries the same stylesheet, whose hash is the only thing its Content-Security-Policy allows.

import Foundation
import RunbookSource

enum HTML {
    /// Text and attribute values: `&`, `<`, `>`, `"` and `'` become references, so runbook text can
    /// never open a tag or leave an attribute.
    static func escape(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            default: result.append(character)
            }
        }
        return result
    }

    /// Escaped text whose `backticked` spans (rbc's messages quote names that way) become <code>.
    static func prose(_ text: String) -> String {
        let parts = text.split(separator: "`", omittingEmptySubsequences: false)
        guard parts.count > 2, parts.count % 2 == 1 else { return escape(text) }
        return parts.enumerated().map { index, part in index % 2 == 1 ? "<code>\(escape(String(part)))</code>" : escape(String(part)) }.joined()
    }

    /// At most `limit` characters, with an ellipsis when cut (for SVG labels; the full text goes in a title).
    static func truncate(_ text: String, _ limit: Int) -> String {
        let oneLine = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        let cut = oneLine.count > limit || oneLine.count < text.trimmingCharacters(in: .whitespacesAndNewlines).count
        return cut ? String(oneLine.prefix(max(1, limit - 1))) + "…" : oneLine
    }

    static let styleSheet = """
    :root{--fg:#1b1f24;--muted:#4a525c;--bg:#fff;--line:#c9d1d9;--panel:#f4f6f8;--accent:#0b5cad;--error:#b3261e;--warning:#8a5300;--info:#1f5fa8;--ok:#1a7f37}
    *{box-sizing:border-box}
    body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;color:var(--fg);background:var(--bg);margin:0}
    .skip{position:absolute;left:-999px;top:0;background:#fff;padding:.5em}
    .skip:focus{left:.5em}
    header{background:#0d2238;color:#fff;padding:.6em 1.5em}
    header nav a{color:#fff;margin-right:1.5em;font-weight:600}
    main{max-width:72em;margin:0 auto;padding:1em 1.5em 3em}
    a{color:var(--accent)}
    a:focus,summary:focus{outline:3px solid #f2a900;outline-offset:2px}
    h1{font-size:1.7em;margin:.6em 0 .2em}
    h2{font-size:1.3em;margin:1.8em 0 .5em;border-bottom:1px solid var(--line);padding-bottom:.2em}
    h3{font-size:1.1em;margin:1.2em 0 .4em}
    .muted{color:var(--muted)}
    dl.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(10em,1fr));gap:.6em;margin:1em 0}
    dl.cards div{background:var(--panel);border:1px solid var(--line);border-radius:6px;padding:.5em .8em}
    dl.cards dt{color:var(--muted);font-size:.85em}
    dl.cards dd{margin:0;font-size:1.6em;font-weight:700}
    dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:.2em 1.2em}
    dl.meta div{display:contents}
    dl.meta dt{font-weight:600}
    dl.meta dd{margin:0}
    table{border-collapse:collapse;width:100%;margin:.5em 0 1em}
    th,td{text-align:left;padding:.3em .6em;border-bottom:1px solid var(--line);vertical-align:top}
    thead th{background:var(--panel)}
    tbody th{font-weight:600}
    td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
    code,pre{font-family:ui-monospace,"DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:.9em}
    pre{background:var(--panel);border:1px solid var(--line);padding:.5em;overflow-x:auto;white-space:pre-wrap;word-break:break-word;margin:.3em 0}
    .sev-error{color:var(--error);font-weight:700}
    .sev-warning{color:var(--warning);font-weight:700}
    .sev-info{color:var(--info);font-weight:700}
    .status-succeeded{color:var(--ok);font-weight:600}
    .status-rolled_back,.status-rollback_failed,.status-interrupted,.status-halted,.status-completed_with_failures{color:var(--error);font-weight:600}
    figure{margin:1em 0}
    figcaption{color:var(--muted);font-size:.9em}
    svg{max-width:100%;height:auto}
    svg text{font-family:system-ui,sans-serif;fill:#1b1f24}
    svg .box{fill:#eef3f9;stroke:#0b5cad}
    svg .rollback{fill:#fbeeed;stroke:#b3261e}
    svg .cond{fill:#fff7e0;stroke:#8a5300}
    svg .bar{fill:#0b5cad}
    svg .bar-over{fill:#b3261e}
    svg .bar-warn{fill:#8a5300}
    svg .axis{stroke:#4a525c}
    svg .mark{stroke:#1b1f24;stroke-width:2;stroke-dasharray:4 3}
    svg .edge{stroke:#4a525c;fill:none}
    svg .edge-rollback{stroke:#b3261e;fill:none;stroke-dasharray:5 4}
    footer{max-width:72em;margin:0 auto;padding:1em 1.5em;color:var(--muted);font-size:.85em}
    @media print{header,.skip{display:none}body{font-size:11pt}main{max-width:none;padding:0}a{color:inherit;text-decoration:none}h2{break-after:avoid}figure,table,pre{break-inside:avoid}dl.cards div{border-color:#999}}
    """

    /// `sha256-…` of the stylesheet: the page's policy allows this style and nothing else to load.
    static let styleHash: String = "sha256-" + Data(SHA256.digest(Array(styleSheet.utf8))).base64EncodedString()

    /// A whole page. `root` is the relative path back to the site's root ("" or "../").
    static func page(title: String, root: String, body: String, generated: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src '\(styleHash)'; img-src data:; base-uri 'none'; form-action 'none'">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="referrer" content="no-referrer">
        <title>\(escape(title))</title>
        <style>\(styleSheet)</style>
        </head>
        <body>
        <a class="skip" href="#main">Skip to content</a>
        <header><nav aria-label="Report"><a href="\(root)index.html">Overview</a></nav></header>
        <main id="main">
        \(body)
        </main>
        <footer>Generated by rbc for \(escape(generated)). Static page: no scripts, no network.</footer>
        </body>
        </html>

        """
    }
}

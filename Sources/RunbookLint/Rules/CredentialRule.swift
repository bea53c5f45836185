// RB009: no credentials in runbooks: they live in git history forever.

import Foundation
import RunbookSource

struct CredentialRule: LintRule {
    static let description = RuleDescription(
        id: "RB009", slug: "credential", category: .credentials, severity: .error, scope: .both,
        summary: "a credential is written into the runbook",
        rationale: """
        Runbooks live in git, get copied into chat and tickets, and outlive every rotation. A key in a \
        runbook is a leaked key. rbc looks for AWS access keys, private-key blocks, bearer tokens, GitHub \
        and Slack tokens, passwords in URLs, `password=` literals, and long random strings next to names \
        such as `token` or `secret` — anywhere in the file, comments included. The message masks what it \
        found. Values that only stand for a credential are not reported: documented dummies (AWS's \
        `AKIAIOSFODNN7EXAMPLE`, anything with `EXAMPLE`), words such as `changeme`, `wrong-password`, \
        `your-token`, masks (`xxxx`, `****`), placeholders (`<password>`), and references \
        (`$VAR`, `${VAR}`, `${{ params.x }}`, `{{ .token }}`, a dotted path such as `secret.name`). Declare a `secret: true` parameter and pass the value at run time instead; rotate the \
        credential that was committed.
        """,
        triggering: [
            .steps("""
                - id: fetch
                  action: execute_command
                  command: "AWS_ACCESS_KEY_ID=↓AKIAZ7QH3MLT5RJ2KX4D aws s3 ls"
                  timeout: 1m
                - id: health
                  action: http_request
                  url: "https://admin:↓hunter2hunter2@db.internal/health"
                  headers: {Authorization: "Bearer ↓eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9abc"}
                  timeout: 30s
            """),
        ],
        nonTriggering: [
            .steps("""
                - id: health
                  action: http_request
                  url: "https://db.internal/health"
                  headers: {Authorization: "Bearer ${{ params.token }}"}
                  timeout: 30s
            """, extra: "  params:\n    token: {type: string, secret: true, required: true}\n"),
            // Documented dummies and references are not credentials.
            .steps("""
                - id: fetch
                  action: execute_command
                  command: "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY aws s3 ls"
                  timeout: 1m
                - id: login
                  action: execute_command
                  command: "app-cli login --password=changeme && app-cli check 'password: wrong-password' && psql password=$PGPASSWORD"
                  timeout: 1m
                - id: config
                  action: execute_command
                  command: "echo 'token: secret.name' && echo 'token: vault.apiCredentials' && echo 'api_key=xxxxxxxx' && echo 'password: <password>'"
                  timeout: 1m
            """),
        ])

    struct Pattern {
        let regex: NSRegularExpression
        let what: String
        /// The capture group holding the secret itself (0 = the whole match).
        let group: Int
        /// Lowercase words one of which every match contains: a line without any is skipped
        /// without running the regular expression (profiled: this rule was a sixth of `rbc check`).
        let triggers: [String]
    }

    static let patterns: [Pattern] = [
        (#"\b((?:AKIA|ASIA)[0-9A-Z]{16})\b"#, "an AWS access key", 1, ["akia", "asia"]),
        (#"-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----"#, "a private key", 0, ["private key"]),
        (#"(?i)\bbearer\s+([A-Za-z0-9\-._~+/]{20,}=*)"#, "a bearer token", 1, ["bearer"]),
        (#"\b(gh[pousr]_[A-Za-z0-9]{30,})\b"#, "a GitHub token", 1, ["ghp_", "gho_", "ghu_", "ghs_", "ghr_"]),
        (#"\b(xox[baprs]-[A-Za-z0-9-]{10,})\b"#, "a Slack token", 1, ["xox"]),
        (#"[a-zA-Z][a-zA-Z0-9+.-]*://[^/\s:@'"]+:([^/\s@'"$]{3,})@"#, "a password in a URL", 1, ["://"]),
        (#"(?i)\b(?:password|passwd|pwd|secret|api[_-]?key|token)\s*[=:]\s*["']?([A-Za-z0-9+/=_.!@#%^&*~-]{6,})"#, "a password literal", 1,
         ["password", "passwd", "pwd", "secret", "api", "token"]),
    ].compactMap { pattern, what, group, triggers in
        (try? NSRegularExpression(pattern: pattern)).map { Pattern(regex: $0, what: what, group: group, triggers: triggers) }
    }

    func check(_ context: LintContext) -> [LintFinding] {
        let file = context.file
        var findings: [LintFinding] = []
        let wholeFile = file.text.lowercased()
        let candidates = Self.patterns.filter { pattern in pattern.triggers.contains { wholeFile.contains($0) } }
        if candidates.isEmpty { return [] }
        for line in 1...max(1, file.lineCount) {
            let text = file.lineText(line)
            let lowered = text.lowercased()
            let patterns = candidates.filter { pattern in pattern.triggers.contains { lowered.contains($0) } }
            if patterns.isEmpty { continue }
            let lineStart = file.lineRange(line).start
            let nsrange = NSRange(text.startIndex..., in: text)
            var reported: [Range<String.Index>] = []
            for pattern in patterns {
                for match in pattern.regex.matches(in: text, range: nsrange) {
                    guard let range = Range(match.range(at: pattern.group), in: text),
                          !reported.contains(where: { $0.overlaps(range) }) else { continue }
                    let secret = String(text[range])
                    if Self.isStandIn(secret) { continue }
                    if pattern.what == "a password literal", Self.entropy(secret) < 2.5 { continue }
                    reported.append(range)
                    let start = lineStart + text.utf8.distance(from: text.startIndex, to: range.lowerBound)
                    let length = secret.utf8.count
                    findings.append(LintFinding("\(pattern.what) is written into the runbook (`\(Self.mask(secret))`, \(length) characters)",
                                                at: SourceRange(start: start, end: start + length),
                                                help: "declare a `secret: true` parameter and pass the value at run time; rotate this credential"))
                }
            }
        }
        return findings
    }

    /// Words that mark a value as documentation rather than a credential: `wrong-password`, `changeme`,
    /// `your-token`, `example-secret`.
    static let standInWords = ["example", "sample", "dummy", "placeholder", "changeme", "change-me", "change_me", "redacted",
                               "fake", "wrong", "your", "password", "passwd", "secret", "token", "xxx", "replace", "insert"]

    /// A value that stands for a credential without being one: documented dummies (AWS's
    /// `AKIAIOSFODNN7EXAMPLE`), references (`${VAR}`, `$VAR`, `${{ params.x }}`, `{{ .token }}`,
    /// `secret.name`), placeholders (`<password>`, `[token]`) and masks (`xxxx`, `****`).
    static func isStandIn(_ secret: String) -> Bool {
        if secret.contains("EXAMPLE") { return true }
        if let first = secret.first, "$<[{%*".contains(first) { return true }
        if Set(secret).count == 1 { return true }
        let lower = secret.lowercased()
        if standInWords.contains(where: { lower.contains($0) }) { return true }
        // `secret.name`, `data.password`: a dotted path names where the value lives.
        return secret.range(of: #"^[A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z_][A-Za-z0-9_-]*)+$"#, options: .regularExpression) != nil
    }

    /// The first four characters, so a reader can find it, and nothing more.
    static func mask(_ secret: String) -> String {
        secret.count <= 8 ? String(repeating: "*", count: secret.count) : String(secret.prefix(4)) + "…"
    }

    /// Shannon entropy in bits per character.
    static func entropy(_ text: String) -> Double {
        let counts = Dictionary(text.map { ($0, 1) }, uniquingKeysWith: +)
        let total = Double(text.count)
        return counts.values.reduce(0) { sum, count in
            let p = Double(count) / total
            return sum - p * log2(p)
        }
    }
}

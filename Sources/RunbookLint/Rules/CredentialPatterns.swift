// The credential forms RB009 recognises (common shell forms and the most frequent of the gitleaks
// rule set), and the documented dummy values and references that are not credentials.

import Foundation

struct CredentialPattern: Sendable {
    let regex: NSRegularExpression
    let what: String
    /// The capture group holding the secret itself (0 = the whole match).
    let group: Int
    /// Lowercase words one of which every match contains: a line without any is skipped
    /// without running the regular expression (profiled: this rule was a sixth of `rbc check`).
    let triggers: [String]
    /// Generic forms (`password=…`) need a random-looking value; a value in a specific form
    /// (`PGPASSWORD=…`, `mysql -p…`) is a credential whatever it looks like.
    let needsEntropy: Bool

    /// Specific forms first: a span reported by one is not reported again by a later, more generic one.
    static let all: [CredentialPattern] = [
        // Provider keys and tokens, by their fixed prefixes.
        (#"\b((?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16})\b"#, "an AWS access key", 1, ["akia", "asia", "abia", "acca"]),
        (#"(?i)\baws_secret_access_key["']?\s*[=:]\s*["']?([A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])"#, "an AWS secret access key", 1, ["aws_secret_access_key"]),
        (#"-----BEGIN[ A-Z0-9]*PRIVATE KEY(?: BLOCK)?-----"#, "a private key", 0, ["private key"]),
        (#"\b(gh[pousr]_[A-Za-z0-9]{30,})\b"#, "a GitHub token", 1, ["ghp_", "gho_", "ghu_", "ghs_", "ghr_"]),
        (#"\b(github_pat_[A-Za-z0-9_]{22,})"#, "a GitHub token", 1, ["github_pat_"]),
        (#"\b(glpat-[A-Za-z0-9_-]{20,})"#, "a GitLab token", 1, ["glpat-"]),
        (#"\b(xox[baprs]-[A-Za-z0-9-]{10,})\b"#, "a Slack token", 1, ["xox"]),
        (#"https://hooks\.slack\.com/(?:services|workflows)/([A-Za-z0-9_-]{8,}/[A-Za-z0-9_-]{8,}/[A-Za-z0-9_-]{8,})"#, "a Slack webhook URL", 1, ["hooks.slack.com"]),
        (#"\b(AIza[0-9A-Za-z_-]{35})"#, "a Google API key", 1, ["aiza"]),
        (#"\b((?:sk|rk)_(?:live|test)_[0-9a-zA-Z]{24,})"#, "a Stripe key", 1, ["sk_live_", "sk_test_", "rk_live_", "rk_test_"]),
        (#"\b(hv[sbr]\.[A-Za-z0-9_-]{24,})"#, "a Vault token", 1, ["hvs.", "hvb.", "hvr."]),
        (#"\b(npm_[A-Za-z0-9]{36})\b"#, "an npm token", 1, ["npm_"]),
        (#"\b(SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43})"#, "a SendGrid key", 1, ["sg."]),
        (#"\b(eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,})"#, "a JSON web token", 1, ["eyj"]),
        // Passwords in the ways shells and clients take them.
        (#"\b(?:PGPASSWORD|MYSQL_PWD|REDISCLI_AUTH)=["']?([^\s"'`;&|)]+)"#, "a database password", 1, ["pgpassword", "mysql_pwd", "rediscli_auth"]),
        (#"\b(?:mysql|mysqldump|mysqladmin|mysqlcheck|mysqlimport|mariadb)\b[^\n;&|]*?\s(?:-p|--password=)["']?([^\s"'`()<>;&|-][^\s"'`()<>;&|]*)"#, "a MySQL password", 1, ["mysql", "mariadb"]),
        (#"\bredis-cli\b[^\n;&|]*?\s(?:-a|--pass)\s+["']?([^\s"'`()<>;&|][^\s"'`()<>;&|]*)"#, "a Redis password", 1, ["redis-cli"]),
        (#"\bcurl\b[^\n;&|]*?\s(?:-u|--user)\s*["']?[^\s:"'$]+:([^\s"'@]+)"#, "a password given to curl -u", 1, ["curl"]),
        (#"(?i)\bbearer\s+([A-Za-z0-9\-._~+/]{20,}=*)"#, "a bearer token", 1, ["bearer"]),
        (#"[a-zA-Z][a-zA-Z0-9+.-]*://[^/\s:@'"]+:([^/\s@'"$]{3,})@"#, "a password in a URL", 1, ["://"]),
        (#"(?i)\b(?:password|passwd|pwd|secret|api[_-]?key|token)\s*[=:]\s*["']?([A-Za-z0-9+/=_.!@#%^&*~-]{6,})"#, "a password literal", 1,
         ["password", "passwd", "pwd", "secret", "api", "token"]),
    ].compactMap { pattern, what, group, triggers in
        (try? NSRegularExpression(pattern: pattern)).map {
            CredentialPattern(regex: $0, what: what, group: group, triggers: triggers, needsEntropy: what == "a password literal")
        }
    }

    /// Every pattern's trigger words, for one pass over a file; `triggerIndices[pattern]` are its own.
    static let triggers = ByteSearch.Words(all.flatMap(\.triggers))
    static let triggerIndices: [[Int]] = {
        var next = 0
        return all.map { pattern in
            defer { next += pattern.triggers.count }
            return Array(next..<(next + pattern.triggers.count))
        }
    }()

    /// Words that mark a documented dummy value or a placeholder (AWS's own `AKIAIOSFODNN7EXAMPLE`,
    /// `changeme`, `your-token`), not a credential.
    static let dummyWords = ["example", "changeme", "change-me", "placeholder", "redacted", "dummy", "sample", "fake", "wrong", "super-secret",
                             "your_", "your-", "xxxx", "<", ">"]

    /// A reference (`${{ params.x }}`, `$VAR`, `${VAR}`, `$(command)`, `%VAR%`, `{{ var }}`), a
    /// placeholder (`<password>`, `***`, `...`), or a documented dummy value.
    static func isReferenceOrDummy(_ value: String) -> Bool {
        let lowered = value.lowercased()
        if let first = value.first, "$<%{*.…".contains(first) { return true }
        if Set(lowered).count <= 1 { return true }
        if lowered.contains("example.com") { return true }
        if value.hasPrefix("[") && value.hasSuffix("]") { return true }
        // Code that builds the value after a closing quote: `print("export PGPASSWORD="+shlex.quote(v["pw"]))`
        // — a concatenation or a dotted call, never a literal someone chose.
        if value.hasPrefix("+") || value.range(of: #"^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+\("#, options: .regularExpression) != nil { return true }
        // `secret.name`, `data.password`, Terraform's `data.aws_secretsmanager_secret_version.db.secret_string`:
        // a dotted path of words names where the value lives (tokens with dots, `hvs.…` or JWTs, have
        // digits in their random parts).
        if value.range(of: #"^[A-Za-z_][A-Za-z_-]{0,63}(?:\.[A-Za-z_][A-Za-z_-]{0,63})+$"#, options: .regularExpression) != nil { return true }
        // `a-secret-password`, `my_token`: words only, naming what goes there; a credential has digits or
        // random letters, not a description of itself.
        if lowered.range(of: #"^[a-z]+(?:[-_][a-z]+)*$"#, options: .regularExpression) != nil,
           ["pass", "pwd", "secret", "token", "apikey"].contains(where: { lowered.contains($0) })
            || lowered.split(whereSeparator: { $0 == "-" || $0 == "_" }).contains(where: { ["key", "credential", "credentials"].contains($0) }) {
            return true
        }
        return dummyWords.contains { lowered.contains($0) }
    }
}

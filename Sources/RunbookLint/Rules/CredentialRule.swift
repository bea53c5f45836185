// RB009: no credentials in runbooks: they live in git history forever.

import Foundation
import RunbookSource

struct CredentialRule: LintRule {
    static let description = RuleDescription(
        id: "RB009", slug: "credential", category: .credentials, severity: .error, scope: .both,
        summary: "a credential is written into the runbook",
        rationale: """
        Runbooks live in git, get copied into chat and tickets, and outlive every rotation. A key in a \
        runbook is a leaked key. rbc looks, anywhere in the file (comments included), for:

        - passwords the way shells and clients take them: `PGPASSWORD=…` (and `MYSQL_PWD`, \
        `REDISCLI_AUTH`), `mysql -p…` / `--password=…`, `redis-cli -a …`, `curl -u user:pass`, \
        passwords in URLs (`https://user:pass@host`), and `password=` / `token:` literals that look random;
        - keys and tokens by their prefixes (the most frequent forms of the gitleaks rule set): AWS \
        access keys (`AKIA…`) and `AWS_SECRET_ACCESS_KEY=…`, private-key blocks, GitHub (`ghp_…`, \
        `github_pat_…`), GitLab (`glpat-…`), Slack tokens (`xoxb-…`) and webhook URLs, Google API keys \
        (`AIza…`), Stripe (`sk_live_…`), Vault (`hvs.…`), npm and SendGrid tokens, JSON web tokens, \
        bearer tokens.

        References and placeholders are not credentials: `${{ params.x }}`, `$VAR`, `${VAR}`, \
        `$(command)`, `<password>`, `[password]`, `***`, `xxxx`, a dotted path to where the value lives \
        (`secret.name`), and documented dummy values such as AWS's `AKIAIOSFODNN7EXAMPLE` (anything \
        containing `EXAMPLE`, `changeme`, `placeholder`, `dummy`, `sample`, `fake`, `wrong`, `your-`, and words \
        that only describe themselves, like `a-secret-password`, `my_token`, `Access_Key` or the `pass` of `user:pass@host`), and a \
        password equal to its user name (`admin:admin`: a product's published default). After the \
        generic `password:` / `secret:` / `token:`, one plain word (`Secret: Everything is layers`, `Password: \
        required`) is prose going on, not a literal. The message masks what it found. Declare a `secret: true` parameter and pass the value \
        at run time instead; rotate the credential that was committed.
        """,
        triggering: [
            .steps("""
                - id: fetch
                  action: execute_command
                  command: "AWS_ACCESS_KEY_ID=↓AKIAWJ99IBAG7I1MNBQN↑ AWS_SECRET_ACCESS_KEY=↓LEPH1qhT61qtc4xatws8phP9nhFyJfm5di4PzJ59↑ aws s3 ls"
                  timeout: 1m
                - id: health
                  action: http_request
                  url: "https://admin:↓hunter2hunter2↑@db.internal/health"
                  headers: {Authorization: "Bearer ↓eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9abc↑"}
                  timeout: 30s
            """),
            .steps("""
                - id: databases
                  action: execute_command
                  command: |
                    PGPASSWORD=↓s3cr3t-Pw↑ psql -h db -c 'select 1'
                    mysql -u root -p↓Tr0ub4dor↑ -e 'show processlist'
                    mysqladmin --password=↓Tr0ub4dor↑ status
                    redis-cli -h cache -a ↓R3d1sPass↑ info
                    curl -u admin:↓hunter22↑ https://api.internal/health
                  timeout: 1m
            """),
            .steps("""
                - id: tokens
                  action: execute_command
                  command: |
                    # github ↓ghp_u8jzPde0IgxLd6GncfBAepfJBd0Kh8oOOL8d↑ and ↓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↑
                    # gitlab ↓glpat-Y40uvSwMFLZDe1f8rESQ↑ slack ↓xoxb-104974650752-NhFdnXsiVpzz63FfkCzJr4i0↑
                    # webhook https://hooks.slack.com/services/↓T19R0WYOJ/BFLJOOA5L/qsajAIxNKu8iS2G8NPRVdD53↑
                    # google ↓AIzaX83RZJzzzzgEOzdmenCkhvMdgaKjIg8xNbe↑ stripe ↓sk_live_3nNyjOq9wMxEhh2FDEEtfjgV↑
                    # vault ↓hvs.vVqE1SkHbn88HxjSI6bWHtP3↑ npm ↓npm_fS2qHx6kwXoIIXGvOoNZYW2mZp0zVZomHFwU↑
                    # jwt ↓eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJvbmNhbGwifQ.ddJ8HyS5SUkCnD8zRA9a9SkpXz9w3QlY7Zkuvqdt7s8↑
                    true
                  timeout: 1m
            """),
        ],
        nonTriggering: [
            .steps("""
                - id: health
                  action: http_request
                  url: "https://db.internal/health"
                  headers: {Authorization: "Bearer ${{ params.token }}"}
                  timeout: 30s
                - id: documented
                  action: execute_command
                  command: |
                    AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY aws s3 ls
                    PGPASSWORD="$PGPASS" psql -h db -c 'select 1'
                    mysql -u root -p -e 'show processlist'
                    mysql -u root -p"${DB_PASSWORD}" -P 3306
                    redis-cli -a "${{ params.token }}" info
                    curl -u "admin:<password>" https://api.internal/health
                    curl -u "$USER:$PASS" https://api.internal/health
                    curl -s -u admin:admin http://localhost:9000/api/system/health
                    VAULT_TOKEN=$(cat ~/.vault-token) vault status
                  timeout: 1m
            """, extra: "  params:\n    token: {type: string, secret: true, required: true}\n"),
            // Values that name themselves as stand-ins, and dotted references to where the value lives.
            .steps("""
                - id: login
                  action: execute_command
                  command: "app-cli login --password=changeme && app-cli check 'password: wrong-password' && app-cli check 'password: sample-secret'"
                  timeout: 1m
                - id: config
                  action: execute_command
                  command: "echo 'token: secret.name' && echo 'token: vault.apiCredentials' && echo 'api_key=xxxxxxxx' && echo 'password: [password]'"
                  timeout: 1m
            """),
            // The canonical stand-in of a connection string, and prose that puts a colon after the word.
            RuleExample("""
            ---
            severity: P3
            ---
            # The Secret: Everything Is Layers

            Connect with `postgresql://user:pass@db.internal:5432/app` or `mysql://admin:password@db:3306/app`.

            | setting | value |
            |---|---|
            | Password: required | Token: optional |
            """, markdown: true),
        ])

    private static let triggerWords = CredentialPattern.all.map { $0.triggers.map { Array($0.utf8) } }

    func check(_ context: LintContext) -> [LintFinding] {
        let file = context.file
        var findings: [LintFinding] = []
        let triggers = Self.triggerWords
        return file.bytes.withUnsafeBufferPointer { bytes in
            let present = CredentialPattern.triggers.found(in: bytes)
            let candidates = CredentialPattern.all.indices.filter { index in CredentialPattern.triggerIndices[index].contains { present[$0] } }
            if candidates.isEmpty { return [] }
            for line in 1...max(1, file.lineCount) {
                let lineRange = file.lineRange(line)
                let lineBytes = UnsafeBufferPointer(rebasing: bytes[lineRange.start..<min(bytes.count, max(lineRange.start, lineRange.end))])
                let patterns = candidates.filter { index in triggers[index].contains { ByteSearch.containsIgnoringCase(lineBytes, $0) } }
                    .map { CredentialPattern.all[$0] }
                if patterns.isEmpty { continue }
                findings += Self.findings(in: file.lineText(line), lineStart: lineRange.start, patterns: patterns)
            }
            return findings
        }
    }

    /// The credentials on one line whose trigger words were found, placed at `lineStart` + their offset.
    static func findings(in text: String, lineStart: Int, patterns: [CredentialPattern]) -> [LintFinding] {
        var findings: [LintFinding] = []
        let nsrange = NSRange(text.startIndex..., in: text)
        var reported: [Range<String.Index>] = []
        for pattern in patterns {
            for match in pattern.regex.matches(in: text, range: nsrange) {
                guard let range = Range(match.range(at: pattern.group), in: text),
                      !reported.contains(where: { $0.overlaps(range) }) else { continue }
                let secret = String(text[range])
                if CredentialPattern.isReferenceOrDummy(secret) || Self.repeatsItsUser(text, before: range, secret) { continue }
                if pattern.needsEntropy, Self.entropy(secret) < 2.5 || Self.isPlainWord(secret) { continue }
                reported.append(range)
                let start = lineStart + text.utf8.distance(from: text.startIndex, to: range.lowerBound)
                let length = secret.utf8.count
                findings.append(LintFinding("\(pattern.what) is written into the runbook (`\(Self.mask(secret))`, \(length) characters)",
                                            at: SourceRange(start: start, end: start + length),
                                            help: "declare a `secret: true` parameter and pass the value at run time; rotate this credential"))
            }
        }
        return findings
    }

    /// `admin:admin`, `guest:guest`, `minioadmin:minioadmin`: a password equal to its user name is a
    /// product's published default, which the runbook does not leak.
    static func repeatsItsUser(_ text: String, before range: Range<String.Index>, _ secret: String) -> Bool {
        let head = text[..<range.lowerBound]
        guard head.hasSuffix(":") else { return false }
        let user = head.dropLast().reversed().prefix { !" \t\"'/=@".contains($0) }
        return String(user.reversed()) == secret
    }

    /// One word of letters, capitalised or not (`Everything`, `required`): after the generic `secret:`
    /// or `password:` it is a sentence going on (`The Secret: Everything Is Layers`, `Password:
    /// required`). A credential a person chose has digits, symbols or inner capitals; when it has none,
    /// the rule would be guessing.
    static func isPlainWord(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, CharacterSet.letters.contains(first) else { return false }
        return text.unicodeScalars.dropFirst().allSatisfy { CharacterSet.lowercaseLetters.contains($0) }
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

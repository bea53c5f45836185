// The expression language: lexer, parser, template scanning, shell quoting, the type checker's
// findings through the compiler, the IR's substitutions, and parameter values.

import Foundation
import RunbookDriver
import RunbookSema
import RunbookSource
import RunbookSyntax
import Testing

@Suite struct ExpressionLexerTests {
    @Test func tokensWithOffsets() {
        let tokens = ExpressionLexer.tokens("steps.check-health.exit_code >= 5m && !ok || 'it''s' == \"a\\\"b\"")
        #expect(tokens.map(\.kind) == [
            .identifier("steps"), .symbol("."), .identifier("check-health"), .symbol("."), .identifier("exit_code"),
            .symbol(">="), .duration(300_000), .symbol("&&"), .symbol("!"), .identifier("ok"), .symbol("||"),
            .string("it's"), .symbol("=="), .string("a\"b"), .end,
        ])
        #expect(tokens[2].start == 6 && tokens[2].end == 18)
    }

    @Test func invalidTokensExplainThemselves() {
        #expect(ExpressionLexer.tokens("a = b")[1].kind == .invalid("unexpected character `=` (compare with `==`)"))
        #expect(ExpressionLexer.tokens("'open")[0].kind == .invalid("unterminated string"))
        #expect(ExpressionLexer.tokens("5xyz")[0].kind == .invalid("`5xyz` is not a number or a duration"))
        #expect(ExpressionLexer.tokens("1h30m")[0].kind == .duration(5_400_000))
        #expect(ExpressionLexer.tokens("2.5")[0].kind == .number(2.5))
    }
}

@Suite struct ExpressionParserTests {
    @Test func precedenceAndSpans() throws {
        let parsed = ExpressionParser.parse("a.b == 1 || !c && contains(d, 'x')")
        let node = try #require(parsed.node)
        guard case .binary("||", let left, let right, let span) = node else { Issue.record("expected ||"); return }
        #expect(span == ExpressionSpan(start: 0, end: 34))
        guard case .binary("==", .member(.identifier("a", _), "b", _), .int(1, _), _) = left else { Issue.record("expected =="); return }
        guard case .binary("&&", .unary("!", _, _), .call("contains", let arguments, _), _) = right else { Issue.record("expected &&"); return }
        #expect(arguments.count == 2)
    }

    @Test func bracketMembersAndPaths() throws {
        let node = try #require(ExpressionParser.parse("steps['check-health'].outputs.rate").node)
        #expect(node.path == ["steps", "check-health", "outputs", "rate"])
    }

    @Test(arguments: [("", "empty expression"), ("a ==", "expected a value, found the end of the expression"),
                      ("(a", "missing `)`"), ("f(a", "missing `)` after the arguments of `f`"), ("a b", "unexpected `b` after the expression"),
                      ("a.", "expected a name after `.`")])
    func syntaxErrors(_ text: String, _ message: String) {
        #expect(ExpressionParser.parse(text).problems.first?.message == message)
    }

    @Test func deepNestingIsRefusedNotOverflowed() {
        let text = String(repeating: "(", count: 5_000) + "a" + String(repeating: ")", count: 5_000)
        #expect(ExpressionParser.parse(text).problems.contains { $0.message == "expression is nested too deeply" })
        let unary = String(repeating: "!", count: 5_000) + "a"
        #expect(ExpressionParser.parse(unary).problems.contains { $0.message == "expression is nested too deeply" })
    }
}

@Suite struct TemplateScannerTests {
    @Test func partsAndProblems() {
        let scanned = TemplateScanner.scan("a ${{ x }} b ${{ 'y}}' }} c")
        #expect(scanned.parts.map(\.kind) == [.literal, .expression, .literal, .expression, .literal])
        #expect(scanned.parts[1].text == " x ")
        #expect(scanned.parts[3].text == " 'y}}' ")
        #expect(scanned.problems.isEmpty)
        #expect(TemplateScanner.scan("a ${{ x").problems.map(\.message) == ["unterminated `${{`"])
        // Only `${{` opens an expression: JSON and awk braces are text.
        #expect(TemplateScanner.scan("a }} b").problems.isEmpty)
        #expect(TemplateScanner.scan("kubectl patch x --patch '{\"spec\":{\"logLevel\":\"Debug\"}}'").problems.isEmpty)
        #expect(TemplateScanner.scan("awk '{ if ($1) { print $2 }}'").problems.isEmpty)
        // Go templates in kubectl commands are someone else's braces.
        #expect(TemplateScanner.scan("kubectl get pods -o go-template='{{range .items}}{{.metadata.name}}{{end}}'").problems.isEmpty)
    }
}

@Suite struct ShellQuotingTests {
    @Test func contexts() {
        let command = Array("echo A 'B' \"C 'D' \\\" E\" F".utf8)
        let offsets = ["A", "B", "C", "D", "E", "F"].map { letter in command.firstIndex(of: UInt8(ascii: Unicode.Scalar(letter)!))! }
        #expect(ShellQuoting.contexts(in: command, at: offsets) == [.unquoted, .single, .double, .double, .double, .unquoted])
    }
}

@Suite struct ExpressionCheckTests {
    static func runbook(params: String = "", steps: String) -> String {
        "runbook:\n  name: t\n  severity: P3\n  params:\n\(params)    svc: {type: string}\n  steps:\n\(steps)"
    }

    @Test func commandTemplateQuotesEveryExpressionAsAnEnvironmentVariable() throws {
        let text = Self.runbook(steps: """
            - id: a
              action: execute_command
              command: echo ${{ params.svc }} '${{ params.svc }}' "x ${{ params.svc }}"
              readonly: true

        """)
        let result = TestSupport.compile(text)
        #expect(result.diagnostics.isEmpty, "\(TestSupport.rendered(result.diagnostics))")
        let step = try #require(result.ir?.steps.first)
        #expect(step.action.commandTemplate == #"echo "${RBC_EXPR_1}" ''"${RBC_EXPR_2}"'' "x ${RBC_EXPR_3}""#)
        #expect(step.substitutions?.map(\.quoting) == [.unquoted, .single, .double])
        #expect(step.substitutions?.map(\.variable) == ["RBC_EXPR_1", "RBC_EXPR_2", "RBC_EXPR_3"])
        let location = try #require(step.substitutions?.first?.location)
        #expect([location.file, "\(location.line):\(location.column)"] == ["test.yaml", "9:21"])
        // The byte range is the whole `${{ … }}`, in every quoting: what lint underlines and fixes.
        let file = SourceFile(path: "test.yaml", text: text)
        #expect(step.substitutions?.compactMap { $0.location?.range.map(file.slice) } == Array(repeating: "${{ params.svc }}", count: 3))
    }

    // Found moving Sema onto the typed tree: headers merged in with `<<` were type-checked as
    // headers but their `${{ }}` were never checked nor recorded, so the request sent the text as is.
    @Test func mergedHeadersAreTemplatesToo() throws {
        let text = Self.runbook(steps: """
            - id: a
              action: http_request
              url: https://x.internal/health
              headers: {<<: {X-Service: "${{ params.svc }}"}, X-Other: "${{ params.svc }}-2"}
              readonly: true

        """)
        let result = TestSupport.compile(text)
        #expect(result.diagnostics.isEmpty, "\(TestSupport.rendered(result.diagnostics))")
        let step = try #require(result.ir?.steps.first)
        #expect(step.action.headers == ["X-Service": "${{ params.svc }}", "X-Other": "${{ params.svc }}-2"])
        #expect(step.templates?.map(\.field) == ["headers.X-Other", "headers.X-Service"])
        #expect(step.substitutions?.map(\.field) == ["headers.X-Other", "headers.X-Service"])
        let unknown = TestSupport.compile(text.replacingOccurrences(of: "X-Service: \"${{ params.svc }}\"", with: "X-Service: \"${{ params.nope }}\""))
        #expect(unknown.diagnostics.contains { $0.code.id == "RB3002" && $0.message.contains("`nope`") },
                "\(TestSupport.rendered(unknown.diagnostics))")
    }

    @Test func secretParamsAreMarkedInSubstitutions() throws {
        let text = Self.runbook(params: "    token: {type: string, secret: true}\n", steps: """
            - id: a
              action: http_request
              url: "https://x.internal/${{ params.svc }}"
              headers: {Authorization: "Bearer ${{ params.token }}"}
              readonly: true

        """)
        let step = try #require(TestSupport.compile(text).ir?.steps.first)
        #expect(step.substitutions?.map(\.field) == ["url", "headers.Authorization"])
        #expect(step.substitutions?.map(\.secret) == [false, true])
    }

    @Test func rollbackSeesItsOwnStepAndLaterStepsDoNot() {
        let text = Self.runbook(steps: """
            - id: a
              action: execute_command
              command: "echo ${{ steps.a.stdout }} ${{ params.svc }}"
              outputs: {v: {from: stdout}}
              rollback:
                action: execute_command
                command: "echo ${{ steps.a.outputs.v }}"

        """)
        let diagnostics = TestSupport.compile(text).diagnostics
        #expect(diagnostics.map(\.code.id) == ["RB3004"])
        #expect(diagnostics.first?.message == "step `a` uses step `a`, which has not run yet at this point")
    }

    @Test func defaultGuardsASkippableStep() {
        let text = Self.runbook(steps: """
            - id: a
              action: execute_command
              command: "echo ${{ params.svc }}"
              when: params.svc == 'x'
              readonly: true
            - id: b
              action: execute_command
              command: "echo ${{ default(steps.a.stdout, 'none') }}"
              readonly: true

        """)
        #expect(TestSupport.compile(text).diagnostics.isEmpty)
    }

    @Test func unusedParamsWarnOnlyWhenUnused() {
        let text = Self.runbook(steps: "    - {id: a, action: wait, duration: 1s}\n")
        #expect(TestSupport.compile(text).diagnostics.map(\.code.id) == ["RB3005"])
        #expect(TestSupport.compile(text).ir != nil, "a warning does not stop compilation")
    }

    @Test func outputsDeclarationsAreChecked() {
        let text = Self.runbook(steps: """
            - id: a
              action: http_request
              url: "https://x.internal/${{ params.svc }}"
              readonly: true
              outputs:
                ok: {from: stdout}
                state: {from: body, json: "status.ready"}

        """)
        #expect(TestSupport.compile(text).diagnostics.map(\.code.id) == ["RB3008", "RB3008"])
    }
}

@Suite struct ParamBinderTests {
    static let ir: RunbookIR? = Compiler.compile(path: TestSupport.path("examples/postgres-connection-exhaustion.yaml")).ir

    @Test func valuesAreTypedAndDefaultsApplied() throws {
        let ir = try #require(Self.ir)
        let (values, parseProblems) = ParamBinder.parse(arguments: ["cluster=orders-primary", "dba_token=s3cr=et"])
        #expect(parseProblems.isEmpty)
        let bound = ParamBinder.bind(values, to: ir, runbook: nil)
        #expect(bound.diagnostics.isEmpty)
        #expect(bound.values["cluster"] == .string("orders-primary"))
        #expect(bound.values["dba_token"] == .string("s3cr=et"))
        #expect(bound.values["idle_minutes"] == .int(10))
    }

    @Test func mistakesAreReportedAndSecretsNeverEchoed() throws {
        let ir = try #require(Self.ir)
        let (values, _) = ParamBinder.parse(arguments: ["cluster=orders", "idle_minutes=ten", "clustr=x"])
        let diagnostics = ParamBinder.bind(values, to: ir, runbook: nil).diagnostics
        #expect(diagnostics.map(\.message).sorted() == [
            "`orders` is not an allowed value of `cluster`", "`ten` is not a valid int for `idle_minutes`",
            "required parameter `dba_token` has no value", "unknown parameter `clustr` for PostgreSQL connection pool exhausted",
        ])
        let secret = ParamBinder.bind(ParamBinder.parse(arguments: ["cluster=orders-primary", "dba_token=hunter2"]).0, to: ir, runbook: nil)
        #expect(secret.diagnostics.isEmpty)
        #expect(ParamBinder.parse(arguments: ["novalue"]).1.map(\.code.id) == ["RB3009"])
    }

    @Test func cliChecksParamsAgainstTheRunbook() throws {
        let dir = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("params.yaml").path
        try "cluster: payments-primary\nidle_minutes: \"5\"\n".write(toFile: file, atomically: true, encoding: .utf8)
        let run = try TestSupport.rbc(["check", "examples/postgres-connection-exhaustion.yaml", "--params-file", file, "--param", "dba_token=x"])
        #expect(run.status == 1)
        #expect(run.stdout.contains("params.yaml:2:15: error[RB3009]: `5` is not a valid int for `idle_minutes`"), "\(run.stdout)")
        #expect(run.stdout.contains("remove the quotes"))
        let good = try TestSupport.rbc(["check", "examples/postgres-connection-exhaustion.yaml", "--no-git", "--param", "cluster=orders-primary", "--param", "dba_token=s3cret"])
        #expect(good.status == 0, "\(good.stdout)")
        #expect(good.stdout.isEmpty, "nothing to report, and the secret never echoed: \(good.stdout)")
    }
}

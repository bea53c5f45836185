// Attacks on `rbc run` with the real binary, each a hole that was open once: parameters that try to
// become protocol (a header line, a path that climbs, JSON keys of their own), secrets in encodings
// the redactor did not know, and files in a shared directory that try to make rbc write elsewhere.

import Foundation
@testable import RunbookAnsible
import RunbookRuntime
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A loopback server recording every request's method, raw path, headers and body; `/go?to=URL`
/// redirects (307) to URL.
final class RecordingServer: PythonHTTPServer {
    init() throws {
        try super.init(script: """
        import http.server, json, sys, time, urllib.parse
        log = sys.argv[1]
        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            def answer(self):
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length).decode("latin-1") if length else ""
                with open(log, "a") as f:
                    f.write(json.dumps({"method": self.command, "path": self.path, "headers": [[k, v] for k, v in self.headers.items()], "body": body}) + "\\n")
                if self.path.startswith("/go?to="):
                    # A redirect to wherever `to` says (307: the method and body go on).
                    self.send_response(307); self.send_header("Location", urllib.parse.unquote(self.path[7:]))
                    self.send_header("Content-Length", "0"); self.end_headers()
                    return
                self.send_response(200); self.send_header("Content-Length", "2"); self.end_headers(); self.wfile.write(b"ok")
            do_GET = do_POST = do_PUT = do_DELETE = answer
            def log_message(self, *args): pass
        server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        server.timeout = 0.2
        print(server.server_address[1], flush=True)
        deadline = time.time() + int(sys.argv[2])
        while time.time() < deadline:
            server.handle_request()
        """, lifetimeSeconds: 120)
    }

    /// The header names of every request, lower-cased.
    func headerNames() -> [String] {
        requests().flatMap { ($0["headers"] as? [[String]] ?? []).compactMap { $0.first?.lowercased() } }
    }
}

@Suite(.serialized) struct ExecutorAttackTests {
    // MARK: - Parameters that try to become protocol

    @Test(arguments: ["x\r\nX-Injected: 1", "x\nX-Injected: 1", "x\rX-Injected: 1"])
    func aHeaderValueCannotAddHeaders(value: String) throws {
        let server = try RecordingServer()
        defer { server.stop() }
        let fixture = try RunFixture(runbook("""
            - id: call
              action: http_request
              method: POST
              url: "http://127.0.0.1:\(server.port)/hook"
              headers: {X-Who: "${{ params.who }}"}
              readonly: true
              timeout: 10s

        """, extra: "  params:\n    who: {type: string, required: true}\n"))
        let run = try fixture.rbc(["run", "rb.yaml", "--param", "who=\(value)"])
        #expect(run.status == 1, "the step is refused, not sent: \(run.stdout)\(run.stderr)")
        #expect(!server.headerNames().contains("x-injected"), "a parameter added a header: \(server.requests())")
        let finished = try fixture.events().compactMap(\.attemptFinished).first
        #expect(finished?.reason?.contains("line break") == true, "\(String(describing: finished?.reason))")
    }

    @Test(arguments: ["..", ".", ""])
    func aPathValueCannotClimbOrVanish(value: String) throws {
        let server = try RecordingServer()
        defer { server.stop() }
        let fixture = try RunFixture(runbook("""
            - id: remove
              action: http_request
              method: DELETE
              url: "http://127.0.0.1:\(server.port)/users/${{ params.user }}/sessions"
              readonly: true
              timeout: 10s

        """, extra: "  params:\n    user: {type: string, required: true}\n"))
        let run = try fixture.rbc(["run", "rb.yaml", "--param", "user=\(value)"])
        #expect(run.status == 1, "the step is refused: \(run.stdout)\(run.stderr)")
        #expect(server.requests().isEmpty, "a value changed which resource the request names: \(server.requests())")
    }

    @Test func dotsInsideAPathValueStayData() throws {
        let server = try RecordingServer()
        defer { server.stop() }
        let fixture = try RunFixture(runbook("""
            - id: get
              action: http_request
              url: "http://127.0.0.1:\(server.port)/files/${{ params.name }}/v..1/x"
              readonly: true
              timeout: 10s

        """, extra: "  params:\n    name: {type: string, required: true}\n"))
        let run = try fixture.rbc(["run", "rb.yaml", "--param", "name=..."])
        #expect(run.status == 0, "`...` is a name, not a climb: \(run.stderr)")
        #expect(server.requests().compactMap { $0["path"] as? String } == ["/files/.../v..1/x"])
    }

    @Test func valuesInAJSONBodyStayValues() throws {
        let server = try RecordingServer()
        defer { server.stop() }
        let hostile = #"x", "admin": true, "y": "\"#
        let fixture = try RunFixture(runbook("""
            - id: grant
              action: http_request
              method: POST
              url: "http://127.0.0.1:\(server.port)/grant"
              body: '{"user": "${{ params.who }}", "count": ${{ params.count }}, "note": ${{ params.who }}, "tags": ${{ toJSON(params.who) }}, "n": ${{ params.n }}}'
              readonly: true
              timeout: 10s
            - id: plain
              action: http_request
              method: POST
              url: "http://127.0.0.1:\(server.port)/plain"
              headers: {Content-Type: text/plain}
              body: 'user=${{ params.who }}'
              readonly: true
              timeout: 10s

        """, extra: "  params:\n    who: {type: string, required: true}\n    count: {type: string, required: true}\n    n: {type: int, required: true}\n"))
        let run = try fixture.rbc(["run", "rb.yaml", "--param", "who=\(hostile)", "--param", "count=1, \"admin\": true", "--param", "n=7"])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        let bodies = server.requests().compactMap { $0["body"] as? String }
        let json = try #require(bodies.first)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any], "the body is JSON: \(json)")
        #expect(object["admin"] == nil, "a parameter added a key: \(json)")
        #expect(object["user"] as? String == hostile)
        #expect(object["count"] as? String == "1, \"admin\": true", "outside a string, a string value is a JSON string: \(json)")
        #expect(object["note"] as? String == hostile)
        #expect(object["tags"] as? String == hostile, "toJSON(…) is the JSON it makes: \(json)")
        #expect(object["n"] as? Int == 7, "an int stays a number: \(json)")
        #expect(bodies.dropFirst().first == "user=\(hostile)", "a body that is not JSON is sent as written: \(bodies)")
    }

    /// A number followed by a line break is text: `$` in `^…$` matched before the break, and the
    /// value went into the body raw.
    @Test(arguments: ["7\n", "7\u{2028}", "7\r\n"])
    func aNumberWithATrailingLineBreakIsAString(value: String) throws {
        let server = try RecordingServer()
        defer { server.stop() }
        let fixture = try RunFixture(runbook("""
            - id: send
              action: http_request
              method: POST
              url: "http://127.0.0.1:\(server.port)/count"
              body: '{"n": ${{ params.n }}}'
              readonly: true
              timeout: 10s

        """, extra: "  params:\n    n: {type: string, required: true}\n"))
        let run = try fixture.rbc(["run", "rb.yaml", "--param", "n=\(value)"])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        let json = try #require(server.requests().compactMap { $0["body"] as? String }.first)
        // The server logs the body's bytes as Latin-1: back to those bytes, read as UTF-8.
        let bytes = Data(json.unicodeScalars.map { UInt8(truncatingIfNeeded: $0.value) })
        let object = try #require(try JSONSerialization.jsonObject(with: bytes) as? [String: Any], "the body is JSON: \(json)")
        #expect(object["n"] as? String == value, "the value is a JSON string: \(json)")
    }

    /// A secret inside a value in a URL's path is masked where the URL is shown; the mask is shorter
    /// than the value, and the path check once read the shown URL with the sent one's offsets (a crash).
    @Test func aURLPathValueHoldingASecretIsShownMaskedWithoutCrashing() throws {
        let server = try RecordingServer()
        defer { server.stop() }
        let fixture = try RunFixture(runbook("""
            - id: inspect
              action: http_request
              url: "http://127.0.0.1:\(server.port)/databases/${{ params.db }}"
              headers: {X-Password: "${{ params.password }}"}
              readonly: true
              timeout: 10s

        """, extra: "  params:\n    db: {type: string, required: true}\n    password: {type: string, secret: true, required: true}\n"))
        let arguments = ["run", "rb.yaml", "--param", "db=postgresdb-main", "--param", "password=db-main"]
        let dryRun = try fixture.rbc(arguments + ["--dry-run"])
        #expect(dryRun.status == 0, "\(dryRun.stdout)\(dryRun.stderr)")
        #expect(server.requests().isEmpty, "a dry run sends nothing: \(server.requests())")
        let run = try fixture.rbc(arguments)
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(server.requests().compactMap { $0["path"] as? String } == ["/databases/postgresdb-main"])
        for output in [dryRun.stdout, dryRun.stderr, run.stdout, run.stderr] {
            #expect(!output.contains("db-main"), "the secret is shown: \(output)")
        }
        #expect(dryRun.stdout.contains("postgres***"), "the URL is shown, masked: \(dryRun.stdout)")
    }
}

extension ExecutorAttackTests {
    /// The playbook's runtime (`rbc export ansible`) encodes as rbc run does: the same JSON text for
    /// each value and the same URLs refused, asked of the real Python file beside the Swift answers.
    @Test func theAnsibleRuntimeEncodesAsRbcRunDoes() throws {
        let values = ["x\", \"admin\": true, \"y\": \"", "1, \"admin\": true", "7", "-1.5e3", "true", "null", "tab\there", "é/ü\\", "\u{1}", "01"]
        let urls: [(String, Range<Int>)] = [("http://h/users/../s", 15..<17), ("http://h/users/./s", 15..<16), ("http://h/users//s", 15..<15),
                                            ("http://h/users/.../s", 15..<18), ("http://h/v..1/s", 9..<13), ("http://h/users/", 15..<15)]
        let script = """
        import importlib.util, json, sys
        spec = importlib.util.spec_from_file_location("rbc_runtime", sys.argv[1])
        runtime = importlib.util.module_from_spec(spec); spec.loader.exec_module(runtime)
        values, urls = json.loads(sys.argv[2]), json.loads(sys.argv[3])
        refused = []
        for url, start, end in urls:
            try:
                runtime.check_path_segments(url, [(start, end)]); refused.append(False)
            except ValueError:
                refused.append(True)
        print(json.dumps({"inString": [runtime.json_string_content(v) for v in values], "outside": [runtime.json_value(v) for v in values], "refused": refused}))
        """
        let encode = { (value: Any) in String(decoding: try JSONSerialization.data(withJSONObject: value), as: UTF8.self) }
        let (status, output) = try AnsibleExportTests.run("/usr/bin/env", ["python3", "-c", script, TestSupport.path("Sources/RunbookAnsible/Resources/rbc_runtime.py"),
                                                                           try encode(values), try encode(urls.map { [$0.0, $0.1.lowerBound, $0.1.upperBound] })],
                                                          in: TestSupport.path("."))
        #expect(status == 0, "\(output)")
        let answer = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any], "\(output)")
        #expect(answer["inString"] as? [String] == values.map(ValueEncoding.jsonStringContent))
        #expect(answer["outside"] as? [String] == values.map(ValueEncoding.jsonValue))
        let refused = urls.map { (try? ValueEncoding.checkPathSegments($0.0, values: [$0.1])) == nil }
        #expect(refused == [true, true, true, false, false, true])
        #expect(answer["refused"] as? [Bool] == refused)
    }
}

extension ExecutorAttackTests {
    // MARK: - Files in a shared directory that try to make rbc write elsewhere

    static let storeRunbook = runbook("""
        - id: set
          action: update_config
          config_key: a.b
          value: "new"
          timeout: 10s

    """)

    /// A symbolic link where rbc puts a store's lock file (`.NAME.rbc-lock`) or its temporary file
    /// (`.NAME.rbc-PID`) — planted by anyone who can write the store's directory, or committed to the
    /// repository — must not make rbc truncate and write the file it points to.
    @Test(arguments: ["lock", "temporary"])
    func aLinkBesideTheStoreIsNeverWrittenThrough(_ kind: String) throws {
        let fixture = try RunFixture(Self.storeRunbook, files: [".rbc.yaml": "stores:\n  default: {file: flags.json}\n",
                                                                "flags.json": "{\"a\": {\"b\": \"old\"}}\n", "victim": "precious\n"])
        let link = kind == "lock" ? "ln -s victim .flags.json.rbc-lock" : "ln -s victim .flags.json.rbc-$$"
        // `exec` keeps the shell's pid, so the temporary file's name is known in advance.
        let (status, output) = try AnsibleExportTests.run("/bin/sh", ["-c", "\(link) && exec \"$0\" run rb.yaml", TestSupport.rbcBinary], in: fixture.path)
        #expect(fixture.read("victim") == "precious\n", "rbc wrote through a link: \(output)")
        if kind == "lock" {
            #expect(status == 2, "the store cannot be locked safely, so nothing runs: \(output)")
            #expect(output.contains("symbolic link"), "\(output)")
            #expect(fixture.read("flags.json") == "{\"a\": {\"b\": \"old\"}}\n")
        } else {
            #expect(status == 0, "a stale temporary name is replaced, not followed: \(output)")
            #expect(fixture.read("flags.json").contains("\"new\""))
        }
    }
}

extension ExecutorAttackTests {
    /// A journal keeps what commands printed (`kubectl get secret -o yaml` is not a declared secret):
    /// only its owner may read it, whatever the umask, and so for the runs directory rbc creates.
    @Test func journalsAreTheOwnersAlone() throws {
        let fixture = try RunFixture(runbook("""
            - id: look
              action: execute_command
              command: "echo data"
              readonly: true
              timeout: 10s

        """))
        let (status, output) = try AnsibleExportTests.run("/bin/sh", ["-c", "umask 000 && exec \"$0\" run rb.yaml", TestSupport.rbcBinary], in: fixture.path)
        #expect(status == 0, "\(output)")
        var file = stat()
        var directory = stat()
        #expect(stat(try #require(fixture.journals.first), &file) == 0 && stat(fixture.path + "/.rbc/runs", &directory) == 0)
        #expect(file.st_mode & 0o777 == 0o600, "journal mode \(String(file.st_mode & 0o777, radix: 8))")
        #expect(directory.st_mode & 0o777 == 0o700, "runs directory mode \(String(directory.st_mode & 0o777, radix: 8))")
    }
}

extension ExecutorAttackTests {
    // MARK: - Secrets in encodings

    /// A secret base64-encoded inside a longer text (`user:TOKEN` in a Basic header, as `curl -v -u`
    /// prints it) lands at any of three alignments, with other bytes after it; hex dumps print it too.
    /// `length` 0: a long secret; 5, 6, 7: the shortest docs/expressions.md promises to mask inside a
    /// longer encoding, at every alignment (`user:` puts it at the one that leaves the fewest characters).
    @Test(arguments: [0, 5, 6, 7])
    func aSecretEncodedInsideALongerTextIsMasked(length: Int) throws {
        let secret = length == 0 ? "S3cretTok3n-\(UUID().uuidString.prefix(8).lowercased())" : String("Zq7Wx2k".prefix(length))
        let prefixes = ["", "u", "us", "user:", "admin:", "Bearer x"]
        let encodings = prefixes.map { #"printf '%s%s%s' '\#($0)' "${{ params.token }}" ':x' | base64 -w0; echo"# }
            + [#"printf '%s' "${{ params.token }}" | od -An -tx1 | tr -d ' \n'; echo"#,
               #"printf '%s' "${{ params.token }}" | od -An -tx1 | tr -d ' \n' | tr a-f A-F; echo"#]
        let fixture = try RunFixture(runbook("""
            - id: encode
              action: execute_command
              command: \(String(decoding: try JSONEncoder().encode(encodings.joined(separator: "; ")), as: UTF8.self))
              readonly: true
              timeout: 10s

        """, extra: "  params:\n    token: {type: string, secret: true, required: true}\n"))
        let run = try fixture.rbc(["run", "rb.yaml", "--param", "token=\(secret)", "--force"])
        #expect(run.status == 0, "\(run.stderr)")
        let journal = try String(contentsOfFile: try #require(fixture.journals.first), encoding: .utf8)
        let bytes = Array(secret.utf8)
        var leaks = prefixes.map { prefix -> String in
            // The characters that encode the secret's bytes alone, at the alignment the prefix gives.
            let padded = Array(prefix.utf8) + bytes
            let encoded = Array(Data(padded).base64EncodedString().utf8)
            let first = (prefix.utf8.count + 2) / 3 * 4
            let last = padded.count / 3 * 4
            return String(decoding: encoded[first..<last], as: UTF8.self)
        }
        leaks += [bytes.map { String(format: "%02x", $0) }.joined(), bytes.map { String(format: "%02X", $0) }.joined()]
        for leak in leaks {
            let (shown, journaled) = (run.stdout.contains(leak), journal.contains(leak))
            #expect(!shown, "the terminal shows `\(leak)`:\n\(run.stdout)")
            #expect(!journaled, "the journal holds `\(leak)`")
        }
        #expect(run.stdout.components(separatedBy: "***").count - 1 >= encodings.count, "\(run.stdout)")
    }
}

extension ExecutorAttackTests {
    /// A secret with non-ASCII characters (a password with `ä` or `€`) as the tools commands use
    /// print it: Python's json.dumps and `jq -a` escape each such character as \uXXXX, and every URL
    /// encoder writes its UTF-8 bytes as %XX.
    @Test func aNonASCIISecretIsMaskedAsJSONAndURLEncodersWriteIt() throws {
        let secret = "pässwörd-€-\(UUID().uuidString.prefix(6).lowercased())"
        let commands = [
            #"python3 -c 'import json, sys; print(json.dumps(sys.argv[1]))' "${{ params.token }}""#,
            #"printf '%s' "${{ params.token }}" | jq -Ra ."#,
            #"python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "${{ params.token }}""#,
        ]
        let fixture = try RunFixture(runbook("""
            - id: encode
              action: execute_command
              command: \(String(decoding: try JSONEncoder().encode(commands.joined(separator: "; ")), as: UTF8.self))
              readonly: true
              timeout: 10s

        """, extra: "  params:\n    token: {type: string, secret: true, required: true}\n"))
        let run = try fixture.rbc(["run", "rb.yaml", "--param", "token=\(secret)", "--force"])
        #expect(run.status == 0, "\(run.stderr)")
        let journal = try String(contentsOfFile: try #require(fixture.journals.first), encoding: .utf8)
        let leaks = ["\\u00e4ssw\\u00f6rd-\\u20ac", "p%C3%A4ssw%C3%B6rd-%E2%82%AC"]
        for leak in leaks {
            #expect(!run.stdout.contains(leak), "the terminal shows `\(leak)`:\n\(run.stdout)")
            #expect(!journal.contains(leak) && !journal.contains(leak.replacingOccurrences(of: "\\", with: "\\\\")), "the journal holds `\(leak)`")
        }
        #expect(run.stdout.components(separatedBy: "***").count - 1 == commands.count, "\(run.stdout)")
    }
}

extension ExecutorAttackTests {
    // MARK: - What a person is shown

    /// A value with terminal controls — a carriage return and "erase line" to write a harmless command
    /// over the real one, "conceal" to hide what follows, a right-to-left override to reverse it —
    /// must not change what the person approving a step reads: rbc shows such characters as escapes.
    @Test func aValueCannotRewriteWhatAPersonApproves() throws {
        let hostile = "prod\r\u{1B}[2K$ kubectl get namespace staging\u{1B}[8m\u{202E}x\u{9B}"
        let fixture = try RunFixture(runbook("""
            - id: drop
              action: execute_command
              command: "echo kubectl delete namespace ${{ params.ns }} > /dev/null"
              confirm: true
              timeout: 10s
              irreversible: "test"
            - id: set
              action: update_config
              config_key: a.b
              value: "${{ params.ns }}"
              timeout: 10s

        """, extra: "  params:\n    ns: {type: string, required: true}\n"),
            files: [".rbc.yaml": "stores:\n  default: {file: flags.json}\n", "flags.json": "{\"a\": {\"b\": \"old\"}}\n"])
        let step = try answering("r\nr\n", ["run", "rb.yaml", "--step", "--param", "ns=\(hostile)"], in: fixture)
        #expect(step.status == 0, "\(step.stderr)")
        let plan = try fixture.rbc(["plan", "rb.yaml", "--param", "ns=\(hostile)"])
        let show = try fixture.rbc(["show", "last"])
        for (sink, text) in [("step-mode prompt and notes", step.stderr), ("plan", plan.stdout + plan.stderr), ("show", show.stdout)] {
            let controls = text.unicodeScalars.filter { ($0.properties.generalCategory == .control && $0 != "\n" && $0 != "\t") || $0 == "\u{202E}" }
            #expect(controls.isEmpty, "\(sink) carries terminal controls \(controls.map { String($0.value, radix: 16) }):\n\(text)")
        }
        #expect(step.stderr.contains(#"echo kubectl delete namespace prod\r\e[2K$ kubectl get namespace staging\e[8m\u{202E}x\u{9B}"#), "\(step.stderr)")
        #expect(fixture.read("flags.json").contains(#"prod\r\u001b[2K"#), "the value itself is written as given: \(fixture.read("flags.json"))")
    }
}

extension ExecutorAttackTests {
    // MARK: - Secrets and redirects

    /// libcurl keeps `Authorization` from another host on a redirect, but sends every other header
    /// (an `X-Api-Key`) and, on a 307, the body: a request carrying a secret follows redirects only
    /// within its own origin (scheme, host, port).
    @Test(arguments: ["header", "body", "none"])
    func aSecretIsNeverRedirectedToAnotherOrigin(_ carrier: String) throws {
        let first = try RecordingServer()
        let other = try RecordingServer()
        defer { first.stop(); other.stop() }
        let secret = "S3cretTok3n-\(UUID().uuidString.prefix(8).lowercased())"
        let elsewhere = "http://localhost:\(other.port)/stolen"
        let sameOrigin = "http://127.0.0.1:\(first.port)/landed"
        let headers = carrier == "header" ? "{X-Api-Key: \"${{ params.token }}\"}" : "{X-Plain: plain}"
        let body = carrier == "body" ? "key=${{ params.token }}" : "key=plain"
        func step(_ id: String, to target: String) -> String {
            """
                - id: \(id)
                  action: http_request
                  method: POST
                  url: "http://127.0.0.1:\(first.port)/go?to=\(target.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")"
                  headers: \(headers)
                  body: "\(body)"
                  readonly: true
                  on_failure: continue
                  timeout: 10s

            """
        }
        let fixture = try RunFixture(runbook(step("away", to: elsewhere) + step("home", to: sameOrigin),
                                             extra: "  params:\n    token: {type: string, secret: true, required: true}\n"))
        let run = try fixture.rbc(["run", "rb.yaml", "--param", "token=\(secret)", "--force"])
        let outcomes = try fixture.events().compactMap(\.stepFinished).map(\.outcome)
        let reached = other.requests()
        if carrier == "none" {
            #expect(run.status == 0 && outcomes == [.succeeded, .succeeded], "a request without a secret follows redirects anywhere: \(run.stderr)")
            #expect(reached.count == 1)
        } else {
            #expect(reached.isEmpty, "the secret reached another origin: \(reached)")
            #expect(outcomes == [.failed, .succeeded], "refused elsewhere, followed within the origin: \(run.stderr)")
            let reason = try fixture.events().compactMap(\.attemptFinished).first?.reason ?? ""
            #expect(reason.contains("another origin"), "\(reason)")
        }
        #expect(first.requests().filter { ($0["path"] as? String) == "/landed" }.count == 1, "\(first.requests())")
    }
}

extension ExecutorAttackTests {
    /// The playbook's module (`rbc export ansible`) refuses the same redirect when the runtime says
    /// the request carries a secret, run as ansible-playbook runs it (its own process, arguments in a file).
    @Test func theAnsibleModuleKeepsASecretInItsOrigin() throws {
        let bin = try AnsibleExportTests.ansibleBin()
        let first = try RecordingServer()
        let other = try RecordingServer()
        defer { first.stop(); other.stop() }
        let directory = try TestSupport.temporaryDirectory().path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let module = directory + "/rbc_http_request.py"
        try AnsibleResources.httpRequestModule.write(toFile: module, atomically: true, encoding: .utf8)
        let away = "http://127.0.0.1:\(first.port)/go?to=" + ("http://localhost:\(other.port)/stolen".addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
        var errors: [String] = []
        for keep in [true, false] {
            let arguments: [String: Any] = ["ANSIBLE_MODULE_ARGS": ["url": away, "method": "GET", "headers": ["X-Api-Key": "k"], "timeout_ms": 5000,
                                                                   "user_agent": "rbc/test", "keep_origin": keep]]
            try JSONSerialization.data(withJSONObject: arguments).write(to: URL(fileURLWithPath: directory + "/args.json"))
            let (status, output) = try AnsibleExportTests.run(bin + "/python", [module, directory + "/args.json"], in: directory)
            #expect(status == 0, "\(output)")
            let result = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any], "\(output)")
            errors.append(result["error"] as? String ?? "")
        }
        #expect(errors.first?.contains("another origin") == true, "\(errors)")
        #expect(other.requests().count == 1, "only the request without a secret went on: \(other.requests())")
    }
}

extension ExecutorAttackTests {
    // MARK: - Signals while rolling back

    /// A run rolling back after a failure is hit by a hangup (the responder's SSH session dropped) or
    /// one Ctrl-C: the undo in flight is not ended half-way — every undo completes. Only a second
    /// SIGINT or SIGTERM asks to skip the rest.
    @Test(arguments: [SIGHUP, SIGINT])
    func oneSignalDuringRollbackEndsNoUndo(_ signal: Int32) throws {
        let undo = { (id: String) in "{action: execute_command, command: \"sleep 1; echo undo-\(id) >> log\", timeout: 20s}" }
        let fixture = try RunFixture(runbook("""
            - {id: a, action: execute_command, command: "echo a >> log", timeout: 10s, rollback: \(undo("a"))}
            - {id: b, action: execute_command, command: "echo b >> log", timeout: 10s, rollback: \(undo("b"))}
            - {id: c, action: execute_command, command: "exit 1", timeout: 10s, irreversible: "test"}

        """))
        let process = try fixture.start(["run", "rb.yaml"])
        #expect(try fixture.waitFor { $0.event == .rollbackStarted }, "the rollback started")
        usleep(200_000)
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
        #expect(fixture.read("log") == "a\nb\nundo-b\nundo-a\n", "every undo ran to its end: \(fixture.read("log"))")
        let finished = try fixture.events().filter { $0.event == .rollbackFinished }.map(\.outcome)
        #expect(finished == [.succeeded, .succeeded], "\(finished)")
    }
}

extension ExecutorAttackTests {
    /// Ctrl-C during a step rolls back what completed: an undo that is an HTTP request is sent, not
    /// cut off at once by the signal that started the rollback.
    @Test func anHTTPUndoIsSentAfterCtrlC() throws {
        let server = try RecordingServer()
        defer { server.stop() }
        let fixture = try RunFixture(runbook("""
            - id: open
              action: execute_command
              command: "true"
              timeout: 10s
              rollback: {action: http_request, method: POST, url: "http://127.0.0.1:\(server.port)/undo", timeout: 10s}
            - id: slow
              action: execute_command
              command: "sleep 30"
              readonly: true
              timeout: 60s

        """))
        let process = try fixture.start(["run", "rb.yaml"])
        #expect(try fixture.waitFor { $0.processStarted?.step == "slow" }, "the second step runs")
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        #expect(server.requests().compactMap { $0["path"] as? String } == ["/undo"], "\(server.requests())")
        let finished = try fixture.events().filter { $0.event == .rollbackFinished }.map(\.outcome)
        #expect(finished == [.succeeded], "\(finished)")
    }
}

extension ExecutorAttackTests {
    // MARK: - Secrets in places other users can read

    /// Every local user can read a process's command line (`ps`, /proc/PID/cmdline): while a run
    /// lasts, rbc's own shows `--param token=***…`, not the value.
    @Test func aParameterValueIsNotOnShowInTheCommandLine() throws {
        let secret = "S3cretTok3n-\(UUID().uuidString.prefix(8).lowercased())"
        let fixture = try RunFixture(runbook("""
            - id: hold
              action: execute_command
              command: "sleep 2"
              readonly: true
              timeout: 20s

        """, extra: "  params:\n    token: {type: string, secret: true, required: true}\n    region: {type: string, required: true}\n"))
        let process = try fixture.start(["run", "rb.yaml", "--param", "token=\(secret)", "--param=region=eu-west-1"])
        #expect(try fixture.waitFor { $0.processStarted != nil }, "the step runs")
        let cmdline = (try? String(contentsOfFile: "/proc/\(process.processIdentifier)/cmdline", encoding: .utf8)) ?? ""
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(!cmdline.isEmpty && !cmdline.contains(secret) && !cmdline.contains("eu-west-1"), "\(cmdline.replacingOccurrences(of: "\0", with: " "))")
        #expect(cmdline.contains("token=***") && cmdline.contains("--param=region=***"), "\(cmdline.replacingOccurrences(of: "\0", with: " "))")
    }
}

extension ExecutorAttackTests {
    // MARK: - Secrets in the reasons rbc gives

    /// Every sink a finished run has: the terminal, the journal, and what reads it back.
    func sinks(_ run: TestSupport.Run, _ fixture: RunFixture) throws -> [(String, String)] {
        let journal = try String(contentsOfFile: try #require(fixture.journals.first), encoding: .utf8)
        let show = try fixture.rbc(["show", "last"])
        let markdown = try fixture.rbc(["timeline", "last", "--format", "md"])
        let json = try fixture.rbc(["timeline", "last", "--format", "json"])
        let runs = try fixture.rbc(["runs"])
        return [("run stdout", run.stdout), ("run stderr", run.stderr), ("journal", journal), ("show", show.stdout + show.stderr),
                ("timeline md", markdown.stdout), ("timeline json", json.stdout), ("runs", runs.stdout)]
    }

    /// A secret in `expect.output` is matched as text: rbc escapes it for the regular expression
    /// (`tok\.en`), and a failure reason quotes the pattern. The escaped form is the secret too.
    @Test func aSecretEscapedForAnExpectPatternIsMasked() throws {
        let secret = "s3cr.t+tok(en)|\(UUID().uuidString.prefix(8).lowercased())"
        let escaped = NSRegularExpression.escapedPattern(for: secret)
        let fixture = try RunFixture(runbook("""
            - id: look
              action: execute_command
              command: "echo hello"
              expect:
                output: "${{ params.token }}"
              readonly: true
              timeout: 10s

        """, extra: "  params:\n    token: {type: string, secret: true, required: true}\n"))
        let run = try fixture.rbc(["run", "rb.yaml", "--param", "token=\(secret)", "--force"])
        #expect(run.status == 1, "the output does not match: \(run.stdout)\(run.stderr)")
        #expect((run.stdout + run.stderr).contains("does not match /***/"), "\(run.stdout)\(run.stderr)")
        for (sink, text) in try sinks(run, fixture) {
            #expect(!text.contains(escaped) && !text.contains(secret), "\(sink) shows the secret:\n\(text)")
            #expect(!text.contains("tok\\(en\\)"), "\(sink) shows part of it:\n\(text)")
        }
    }

    /// A step that writes a secret to a config key (rotating a token) replaces the key's previous
    /// value, a secret too: the plan, the terminal and the review draft show it as `***`. The journal
    /// keeps it (marked `previousSecret`), so a rollback still puts it back.
    @Test func theValueASecretReplacesIsNotShown() throws {
        let old = "OldT0ken-\(UUID().uuidString.prefix(8).lowercased())"
        let fixture = try RunFixture(runbook("""
            - id: rotate
              action: update_config
              config_key: auth.token
              value: "${{ params.token }}"
              timeout: 10s
            - id: verify
              action: execute_command
              command: "exit 1"
              irreversible: "a test"
              timeout: 10s

        """, extra: "  params:\n    token: {type: string, secret: true, required: true}\n"),
            files: [".rbc.yaml": "stores:\n  default: {file: flags.json}\n", "flags.json": "{\"auth\": {\"token\": \"\(old)\"}}\n"])
        let plan = try fixture.rbc(["plan", "rb.yaml", "--param", "token=NewT0ken-99"])
        #expect(plan.status == 0 && plan.stdout.contains("set auth.token in store default: *** → \"***\""), "\(plan.stdout)\(plan.stderr)")
        let run = try fixture.rbc(["run", "rb.yaml", "--param", "token=NewT0ken-99"])
        #expect(run.status == 1, "verify fails, rotate is rolled back: \(run.stdout)\(run.stderr)")
        #expect(fixture.read("flags.json") == "{\"auth\": {\"token\": \"\(old)\"}}\n", "the old token is back")
        let changed = try #require(try fixture.events().compactMap(\.configChanged).first)
        #expect(changed.previousSecret == true)
        for (sink, text) in try sinks(run, fixture) + [("plan", plan.stdout + plan.stderr)] where sink != "journal" {
            #expect(!text.contains(old), "\(sink) shows the replaced token:\n\(text)")
        }
    }

    /// A credential in rbc's environment (`DEPLOY_API_TOKEN`, as incidents already mask) reaches every
    /// command of the run: a `set -x` trace, `curl -v` or `env` prints it.
    @Test func aCredentialInTheEnvironmentIsMasked() throws {
        let token = "envT0ken-\(UUID().uuidString.prefix(8).lowercased())"
        let fixture = try RunFixture(runbook("""
            - id: trace
              action: execute_command
              command: "set -x; test -n \\"$DEPLOY_API_TOKEN\\"; env | grep DEPLOY_API_TOKEN"
              readonly: true
              timeout: 10s

        """))
        let run = try TestSupport.rbc(["run", "rb.yaml"], in: fixture.path, environment: ["DEPLOY_API_TOKEN": token])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("DEPLOY_API_TOKEN=***"), "\(run.stdout)")
        for (sink, text) in try sinks(run, fixture) {
            #expect(!text.contains(token), "\(sink) shows the environment's token:\n\(text)")
        }
    }

    /// A webhook's URL is a credential (Slack's token is its path). A delivery that fails names the
    /// request in its reason; the terminal, the journal and everything read from it show it masked.
    @Test(arguments: ["notifications", "tickets"])
    func aWebhookURLIsNotShownWhenADeliveryFails(_ kind: String) throws {
        let token = "q8Rt7Yu6Io5Pa4Sd3Fg2\(UUID().uuidString.prefix(6))"
        // Port 1 on loopback: nothing listens there, so the connection is refused at once.
        let hook = "http://127.0.0.1:1/services/T0AB12CD3/B0EF45GH6/\(token)"
        let step = kind == "notifications"
            ? "  action: send_notification\n      channel: \"#ops\"\n      message: restart the services"
            : "  action: create_ticket\n      title: restart the services"
        let fixture = try RunFixture(runbook("""
            - id: list
              action: execute_command
              command: "echo listing services"
              readonly: true
              timeout: 10s
            - id: tell
            \(step)
              timeout: 10s

        """), files: [".rbc.yaml": "\(kind): {url: \"\(hook)\", format: json}\n"])
        let run = try fixture.rbc(["run", "rb.yaml"])
        #expect(run.status == 1, "the delivery fails: \(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("listing services"), "a plain word of the URL's path is not masked: \(run.stdout)")
        #expect((run.stdout + run.stderr).contains("127.0.0.1"), "the reason still says where: \(run.stdout)\(run.stderr)")
        for (sink, text) in try sinks(run, fixture) {
            for part in [token, "T0AB12CD3", "B0EF45GH6"] where text.contains(part) {
                Issue.record("\(sink) shows `\(part)` of the webhook URL:\n\(text)")
            }
        }
    }
}

extension ExecutorAttackTests {
    // MARK: - Secrets in rbc's memory

    /// rbc's memory holds the run's secrets. Ctrl-\ on the terminal (SIGQUIT, which rbc does not
    /// handle), a crash or a CPU-time limit would have the kernel dump it to a core file, by default
    /// in the directory rbc runs in — a repository, where the file can be committed. rbc is not
    /// dumpable. The signal is SIGXCPU: its default action dumps core, and unlike SIGQUIT or SIGSEGV
    /// the Swift runtime's backtracer (in debug builds) does not take it over.
    @Test func aRunLeavesNoCoreDumpOfItsSecrets() throws {
        let secret = "C0reDumpT0ken-\(UUID().uuidString.prefix(8).lowercased())"
        let fixture = try RunFixture(runbook("""
            - id: hold
              action: execute_command
              command: "sleep 30"
              readonly: true
              timeout: 1m

        """, extra: "  params:\n    token: {type: string, secret: true, required: true}\n"))
        // Core files allowed, as a developer's shell may have them; 98 if the limit cannot be raised.
        let rbc = try Spawned.bash("ulimit -c unlimited || exit 98; exec \"$RBC\" run rb.yaml --param token=\(secret)", in: fixture.path)
        let started = try fixture.waitFor { $0.processStarted != nil }
        let step = try fixture.events().compactMap(\.processStarted).first?.pid
        kill(rbc, SIGXCPU)
        let exit = Spawned.wait(rbc, seconds: 30)
        if let step, step > 1 { kill(-step, SIGKILL) }
        #expect(started, "the step ran")
        #expect(exit?.code == 128 + SIGXCPU, "rbc ended by SIGXCPU: \(String(describing: exit))")
        #expect(exit?.coreDumped == false, "the kernel dumped rbc's memory")
        let files = FileManager.default.enumerator(atPath: fixture.path)?.allObjects as? [String] ?? []
        for file in files {
            guard let data = FileManager.default.contents(atPath: fixture.path + "/" + file) else { continue }
            #expect(data.range(of: Data(secret.utf8)) == nil, "\(file) holds the secret")
        }
    }
}

extension ExecutorAttackTests {
    // MARK: - Parameters that reach a second interpreter

    /// A value fed to an interpreter that runs it as code — piped or here-stringed into a shell,
    /// sourced, the inline program of python / awk / sed (also run by `find -exec`), the text of
    /// `env -S`, jq's filter, the SQL of psql — is refused before anything runs (RB040, exit 6), as
    /// `sh -c` already was. Each value but jq's would create `pwned`; jq's would print the environment.
    @Test(arguments: [
        (#"echo "cd /tmp && ls ${{ params.v }}" | sh"#, "x; touch pwned"),
        (#"printf '%s\n' "${{ params.v }}" | sudo -n bash -s"#, "touch pwned"),
        (#"bash <<< "echo ${{ params.v }}""#, "x; touch pwned"),
        (#"source <(echo "echo ${{ params.v }}")"#, "x; touch pwned"),
        (#"python3 -c "print('${{ params.v }}')""#, "'); import os; os.system('touch pwned'); print('"),
        (#"awk "BEGIN { print \"${{ params.v }}\" }""#, #"" ; system("touch pwned") ; print ""#),
        (#"echo a | sed "s/a/${{ params.v }}/""#, "b/;e touch pwned\n#"),
        (#"find . -maxdepth 1 -name rb.yaml -exec awk 'BEGIN { print "${{ params.v }}" }' \;"#, #"" ; system("touch pwned") ; print ""#),
        (#"env -S "${{ params.v }}""#, "touch pwned"),
        // jq runs nothing, but its filter reads the environment (`env`, `$ENV`) and decides what the step sees.
        (#"echo '{}' | jq -r '"hello ${{ params.v }}"'"#, #"" + ($ENV | tostring) + ""#),
        (#"echo '{}' | jq -r ".name // \"${{ params.v }}\"""#, #"" + env.HOME + ""#),
    ])
    func aValueAnotherInterpreterWouldRunIsRefused(command: String, value: String) throws {
        let fixture = try RunFixture(runbook("""
            - id: look
              action: execute_command
              command: \(String(decoding: try JSONEncoder().encode(command), as: UTF8.self))
              readonly: true
              timeout: 10s

        """, extra: "  params:\n    v: {type: string, required: true}\n"))
        let run = try fixture.rbc(["run", "rb.yaml", "--param", "v=\(value)"])
        #expect(run.status == 6, "refused before anything ran: \(run.stdout)\(run.stderr)")
        #expect(run.stderr.contains("RB040"), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: fixture.path + "/pwned"), "the value ran as code")
        #expect(fixture.journals.isEmpty)
    }
}

extension ExecutorAttackTests {
    /// Ctrl-\ (SIGQUIT) during a step: its default action ended rbc at once, leaving the step running
    /// and nothing rolled back. It stops the step and rolls back what completed, like Ctrl-C.
    @Test func ctrlBackslashStopsTheStepAndRollsBack() throws {
        let marker = uniqueSleep()
        let fixture = try RunFixture(runbook("""
            - id: open
              action: execute_command
              command: "echo open >> log"
              timeout: 10s
              rollback: {action: execute_command, command: "echo undo-open >> log", timeout: 10s}
            - id: slow
              action: execute_command
              command: "sleep \(marker)"
              readonly: true
              timeout: 120s

        """))
        let process = try fixture.start(["run", "rb.yaml"])
        defer { for pid in processes(matching: "sleep \(marker)") { kill(pid, SIGKILL) } }
        #expect(try fixture.waitFor { $0.processStarted?.step == "slow" }, "the second step runs")
        kill(process.processIdentifier, SIGQUIT)
        process.waitUntilExit()
        #expect(process.terminationReason == .exit && process.terminationStatus == 130,
                "exit \(process.terminationStatus), reason \(process.terminationReason.rawValue)")
        #expect(fixture.read("log") == "open\nundo-open\n", "\(fixture.read("log"))")
        #expect(processes(matching: "sleep \(marker)").isEmpty, "the step's process was left running")
        let events = try fixture.events()
        #expect(events.contains { event in
            if case .signal(let fields) = event.payload { fields.signal == "SIGQUIT" } else { false }
        }, "the signal is journaled")
        #expect(events.filter { $0.event == .rollbackFinished }.map(\.outcome) == [.succeeded])
    }
}

extension ExecutorAttackTests {
    /// The encodings real tools give a secret, written by those tools: a URL encoder that writes
    /// `%2f` or keeps `/` or `!'()*`, Go's JSON (`\u003c`, `\u0026`), JSON inside JSON, URL-safe base64,
    /// and the quoting of bash's `printf %q`, `set -x` and Python's shlex.quote. Each line the script
    /// prints is one encoding of the whole secret, so each must read `***`.
    static let encodingScript = #"""
        s="$1"
        python3 - "$s" <<'PY'
        import base64, json, re, shlex, sys, urllib.parse
        s = sys.argv[1]
        lower = lambda t: re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), t)
        print(lower(urllib.parse.quote(s, safe="")))
        print(urllib.parse.quote(s))
        print(urllib.parse.quote_plus(s))
        print(urllib.parse.quote(s, safe="!'()*"))
        print(lower(urllib.parse.quote(s, safe="!'()*;,/?:@&=+$#")))
        print(json.dumps(s)[1:-1].replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))
        print(json.dumps(json.dumps(s))[1:-1])
        print(base64.urlsafe_b64encode(s.encode()).decode())
        print(shlex.quote(s)[1:-1])
        PY
        printf '%q\n' "$s"
        (set -x; : "$s") 2>&1
        """#

    @Test func aSecretIsMaskedAsRealToolsEncodeIt() throws {
        let secret = "Zq\"t0k\\en/<a&b> 'x!(y)*-\(UUID().uuidString.prefix(8).lowercased())"
        let fixture = try RunFixture(runbook("""
            - id: encode
              action: execute_command
              command: "bash encode.sh \\"${{ params.token }}\\""
              readonly: true
              timeout: 20s

        """, extra: "  params:\n    token: {type: string, secret: true, required: true}\n"), files: ["encode.sh": Self.encodingScript])
        // The same script run directly: what each line would show unmasked.
        let direct = Process()
        direct.executableURL = URL(fileURLWithPath: "/bin/bash")
        direct.arguments = [fixture.path + "/encode.sh", secret]
        let pipe = Pipe()
        direct.standardOutput = pipe
        try direct.run()
        let plain = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        direct.waitUntilExit()
        let encodings = plain.split(separator: "\n").map(String.init)
        #expect(encodings.count == 11, "\(plain)")
        let run = try fixture.rbc(["run", "rb.yaml", "--param", "token=\(secret)", "--force"])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        // What is left around each: the quotes of the outer JSON text and of the trace, base64's padding.
        let expected = Array(repeating: "***", count: 6) + [#"\"***\""#, "***=", "***", "***", "+ : '***'"]
        #expect(run.stdout.contains(expected.joined(separator: "\n") + "\n"), "every encoding is masked whole:\n\(run.stdout)")
        for (sink, text) in try sinks(run, fixture) {
            for encoding in encodings {
                let journaled = String(String(decoding: try JSONEncoder().encode(encoding), as: UTF8.self).dropFirst().dropLast())
                let shown = text.contains(encoding) || text.contains(journaled)
                #expect(!shown, "\(sink) shows `\(encoding)`:\n\(text)")
            }
        }
    }

    /// Output that repeats the start of a secret just before the secret itself (a prompt echoing
    /// what was typed, a log line with a truncated and a full copy), printed a byte at a time: the
    /// stream must not give up on the secret when its first candidate start fails.
    @Test func aSecretAfterAPrefixOfItselfIsMasked() throws {
        let secret = "abcab-\(UUID().uuidString.prefix(8).lowercased())"
        let fixture = try RunFixture(runbook("""
            - id: echo
              action: execute_command
              command: "\(slowPrint("params.token").replacingOccurrences(of: #"s=\"${{ params.token }}\""#, with: #"s=\"abcab${{ params.token }}\""#))"
              readonly: true
              timeout: 30s

        """, extra: "  params:\n    token: {type: string, secret: true, required: true}\n"))
        let run = try fixture.rbc(["run", "rb.yaml", "--param", "token=\(secret)", "--force"])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("abcab***\n"), "\(run.stdout)")
        for (sink, text) in try sinks(run, fixture) {
            #expect(!text.contains(secret), "\(sink) shows the secret:\n\(text)")
        }
    }
}

extension ExecutorAttackTests {
    /// A notification or a ticket is text for people — a Slack channel, a ticket tracker — never the
    /// place a secret is sent to. RB015 refuses a secret in one; run past it with `--force`, the
    /// webhooks still receive `***`, in both formats, for the secret and a value computed from it.
    @Test(arguments: ["slack", "json"])
    func aNotificationOrTicketNeverCarriesASecret(_ format: String) throws {
        let secret = "N0tifyT0ken-\(UUID().uuidString.prefix(8).lowercased())"
        let server = try RecordingServer()
        defer { server.stop() }
        let fixture = try RunFixture(runbook("""
            - id: tell
              action: send_notification
              channel: "#ops"
              message: "rotated to ${{ params.token }} (${{ upper(params.token) }})"
              timeout: 10s
            - id: file
              action: create_ticket
              title: "rotate ${{ params.token }}"
              body: "the old one was ${{ lower(params.token) }}"
              labels: ["${{ params.token }}"]
              timeout: 10s

        """, extra: "  params:\n    token: {type: string, secret: true, required: true}\n"),
            files: [".rbc.yaml": "notifications: {url: \"http://127.0.0.1:\(server.port)/notify\", format: \(format)}\ntickets: {url: \"http://127.0.0.1:\(server.port)/ticket\", format: \(format)}\n"])
        let run = try fixture.rbc(["run", "rb.yaml", "--param", "token=\(secret)", "--force"])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        let bodies = server.requests().compactMap { $0["body"] as? String }
        #expect(bodies.count == 2, "\(bodies)")
        for body in bodies {
            #expect(body.contains("***"), "\(body)")
            for form in [secret, secret.uppercased(), secret.lowercased()] { #expect(!body.contains(form), "the webhook received `\(form)`: \(body)") }
        }
    }
}

extension ExecutorAttackTests {
    /// A value is one argument, never shell text; but an argument that starts with `-` is an option to
    /// the program that reads it, and options run code or destroy: GNU tar's
    /// `--use-compress-program=…` runs a command, find's `-delete` deletes everything it finds (ssh's
    /// `-oProxyCommand=…`, git's `--upload-pack=…` are the same). Such a value where an argument starts
    /// is refused; after `--`, inside a word, or declared by `pattern:` it is data.
    @Test(arguments: [
        (#"tar -cf backup.tar rb.yaml \"${{ params.p }}\""#, "--use-compress-program=touch pwned", true),
        (#"find ${{ params.p }} -name '*.tmp'"#, "-delete", true),
        (#"cd . && tar -cf backup.tar rb.yaml '${{ params.p }}'"#, "--use-compress-program=touch pwned", true),
        (#"touch -- \"${{ params.p }}\" && test -f ./-delete"#, "-delete", false),
        (#"echo \"moved to ${{ params.p }}\" --name=${{ params.p }}"#, "-delete", false),
        (#"echo \"${{ params.q }}\""#, "-x", false),
        (#"echo \"${{ params.p }}\""#, "-1", false),
    ])
    func aValueAProgramWouldReadAsAnOptionIsRefused(command: String, value: String, refused: Bool) throws {
        let fixture = try RunFixture(runbook("""
            - id: go
              action: execute_command
              command: "\(command)"
              readonly: true
              timeout: 10s

        """, extra: "  params:\n    p: {type: string, required: true}\n    q: {type: string, default: \"-x\", pattern: \"^-?[a-z]+$\"}\n"),
            files: ["keep.tmp": "kept\n"])
        let run = try fixture.rbc(["run", "rb.yaml", "--param", "p=\(value)"])
        #expect(!FileManager.default.fileExists(atPath: fixture.path + "/pwned"), "the value ran as code: \(run.stdout)\(run.stderr)")
        #expect(fixture.read("keep.tmp") == "kept\n" && !fixture.read("rb.yaml").isEmpty, "the value deleted files: \(run.stdout)\(run.stderr)")
        if refused {
            #expect(run.status == 1, "\(run.stdout)\(run.stderr)")
            let reason = try fixture.events().compactMap(\.attemptFinished).first?.reason ?? ""
            #expect(reason.contains("starts with `-` where an argument of the command starts"), "\(reason)")
            #expect(try fixture.events().compactMap(\.processStarted).isEmpty, "nothing was started")
        } else {
            #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        }
    }
}

extension ExecutorAttackTests {
    /// Slack reads `<!channel>`, `<@U123>` and `<URL|text>` in a message as a mention of everyone, of a
    /// person, and a link. A value in a Slack notification or ticket is text: `&`, `<`, `>` escaped as
    /// Slack asks, while the author's own markup (`<!here>`) stays. A JSON webhook gets the value as is.
    @Test(arguments: ["slack", "json"])
    func aValueNeverBecomesSlackMarkup(_ format: String) throws {
        let server = try RecordingServer()
        defer { server.stop() }
        let value = "<!channel> <https://evil.example|log in> & more"
        let fixture = try RunFixture(runbook("""
            - id: tell
              action: send_notification
              channel: "#ops"
              message: "<!here> deploying ${{ params.v }}"
              timeout: 10s
            - id: file
              action: create_ticket
              title: "deploy ${{ params.v }}"
              body: "by ${{ params.v }}"
              timeout: 10s

        """, extra: "  params:\n    v: {type: string, required: true}\n"),
            files: [".rbc.yaml": "notifications: {url: \"http://127.0.0.1:\(server.port)/notify\", format: \(format)}\ntickets: {url: \"http://127.0.0.1:\(server.port)/ticket\", format: \(format)}\n"])
        let run = try fixture.rbc(["run", "rb.yaml", "--param", "v=\(value)"])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        let texts = try server.requests().compactMap { $0["body"] as? String }.map { body -> [String: Any] in
            try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any], "\(body)")
        }
        #expect(texts.count == 2)
        let escaped = "&lt;!channel&gt; &lt;https://evil.example|log in&gt; &amp; more"
        if format == "slack" {
            #expect(texts.first?["text"] as? String == "<!here> deploying \(escaped)", "\(texts)")
            #expect(texts.last?["text"] as? String == "New ticket: deploy \(escaped)\nby \(escaped)", "\(texts)")
        } else {
            #expect(texts.first?["message"] as? String == "<!here> deploying \(value)", "\(texts)")
            #expect(texts.last?["title"] as? String == "deploy \(value)", "\(texts)")
        }
    }

    /// A body without a Content-Type goes as `application/x-www-form-urlencoded` (libcurl's default),
    /// so `drain=${{ params.v }}` is a form: a value with `&` and `=` would add fields of its own. Each
    /// value in a form is percent-encoded; a plain text body stays as written.
    @Test func aValueNeverAddsAFormField() throws {
        let server = try RecordingServer()
        defer { server.stop() }
        let fixture = try RunFixture(runbook("""
            - id: drain
              action: http_request
              method: POST
              url: "http://127.0.0.1:\(server.port)/drain"
              body: "node=web-1&drain=${{ params.v }}"
              readonly: true
              timeout: 10s
            - id: typed
              action: http_request
              method: POST
              url: "http://127.0.0.1:\(server.port)/typed"
              headers:
                Content-Type: "application/x-www-form-urlencoded; charset=utf-8"
              body: "drain=${{ params.v }}"
              readonly: true
              timeout: 10s
            - id: text
              action: http_request
              method: POST
              url: "http://127.0.0.1:\(server.port)/text"
              headers:
                Content-Type: "text/plain"
              body: "drain=${{ params.v }}"
              readonly: true
              timeout: 10s

        """, extra: "  params:\n    v: {type: string, required: true}\n"))
        let run = try fixture.rbc(["run", "rb.yaml", "--param", "v=1&force=true"])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        let bodies = server.requests().map { "\($0["path"] ?? "") \($0["body"] ?? "")" }
        #expect(bodies == ["/drain node=web-1&drain=1%26force%3Dtrue", "/typed drain=1%26force%3Dtrue", "/text drain=1&force=true"], "\(bodies)")
    }
}

extension ExecutorAttackTests {
    /// `shell: "${{ params.shell }}"` lets a value choose the program that runs the step's command: a
    /// file of its own (here `evil.sh`, standing for one in /tmp) would run instead of a shell. A value
    /// may choose only among the system's shells (/etc/shells); the author's own `shell:` is theirs.
    @Test(arguments: [("evil", true), ("/bin/sh", false)])
    func aValueChoosesOnlyAmongTheSystemsShells(_ shell: String, refused: Bool) throws {
        let fixture = try RunFixture(runbook("""
            - id: go
              action: execute_command
              command: "echo ran"
              shell: "${{ params.shell }}"
              readonly: true
              timeout: 10s

        """, extra: "  params:\n    shell: {type: string, required: true}\n"), files: ["evil.sh": "#!/bin/sh\ntouch pwned\n"])
        chmod(fixture.path + "/evil.sh", 0o755)
        let value = shell == "evil" ? fixture.path + "/evil.sh" : shell
        let run = try fixture.rbc(["run", "rb.yaml", "--param", "shell=\(value)"])
        #expect(!FileManager.default.fileExists(atPath: fixture.path + "/pwned"), "the value chose the program that ran: \(run.stdout)\(run.stderr)")
        if refused {
            #expect(run.status == 1, "\(run.stdout)\(run.stderr)")
            #expect((try fixture.events().compactMap(\.attemptFinished).first?.reason ?? "").contains("is not a shell listed in /etc/shells"))
        } else {
            #expect(run.status == 0 && run.stdout.contains("ran"), "\(run.stdout)\(run.stderr)")
        }
    }
}

// Lowers a compiled runbook (the IR, nothing else) to an Ansible playbook with rbc run's semantics.
// The playbook's tasks are the runbook's actions in order (commands, waits, prompts); what rbc run
// decides between them — conditions, `${{ }}` values, the step's time budget across attempts,
// backoff, expectations, outputs, failure policies, what to roll back — is decided by
// rbc_runtime.py from the same IR, written beside the playbook, and every decision is a journal
// event the rbc_journal callback writes in rbc's format. Where Ansible cannot do what rbc run does,
// the export refuses with a diagnostic naming the step and the reason.

import Foundation
import RunbookSema
import RunbookSource

public struct AnsibleExportOptions: Sendable {
    /// The play's `hosts:` pattern.
    public var hosts = "all"
    /// The IR's file name beside the playbook (rbc_runtime.py reads it there).
    public var irFileName = "runbook.ir.json"
    /// The config stores `.rbc.yaml` configures, by name: their files' absolute paths (host vars
    /// `rbc_stores` override them per host).
    public var stores: [String: String] = [:]
    /// The notification and ticket webhooks `.rbc.yaml` configures (host var `rbc_webhooks` overrides them).
    public var notifications: ExportedWebhook?
    public var tickets: ExportedWebhook?
    /// How long a config change waits for another holder of the store's lock (rbc run's `--lock-wait`).
    public var lockWaitMs = 10_000
    /// rbc's version, journaled in `run_started` as `rbc run` journals its own.
    public var rbcVersion = ""
    /// SIGTERM, then SIGKILL after this long (rbc run's `--kill-grace` default).
    public var killGraceMs = 5000

    public init() {}
}

/// A webhook as `.rbc.yaml` configures it: where to post, and the payload's format (`slack` or `json`).
public struct ExportedWebhook: Sendable, Equatable {
    public var url: String
    public var format: String

    public init(url: String, format: String) {
        self.url = url
        self.format = format
    }
}

/// A file the export writes, relative to the playbook's directory.
public struct ExportedFile: Sendable, Equatable {
    public var path: String
    public var contents: String

    public init(path: String, contents: String) {
        self.path = path
        self.contents = contents
    }
}

public struct AnsibleExport: Sendable {
    public var playbook: String
    /// The files the playbook needs beside it: the IR, rbc_runtime.py, the rbc_journal callback and the rbc_http_request module.
    public var companions: [ExportedFile]
}

/// Why a construct cannot be lowered: which step, and why Ansible cannot do what rbc run does.
public struct LoweringRefusals: Error, Sendable {
    public var refusals: [LoweringRefusal]
}

public struct LoweringRefusal: Sendable, Equatable {
    public var code: DiagnosticCode
    public var step: String
    public var reason: String
    public var location: IRLocation?
}

public enum AnsibleLowering {
    /// Steps are unrolled one task group per attempt; more than this is refused (RB5006).
    public static let maximumAttempts = 10

    public static func lower(_ ir: RunbookIR, options: AnsibleExportOptions) -> Result<AnsibleExport, LoweringRefusals> {
        let refusals = check(ir, options: options)
        guard refusals.isEmpty else { return .failure(LoweringRefusals(refusals: refusals)) }
        let lowering = Lowerer(ir: ir, options: options)
        let playbook = PlaybookYAML.render(.list([lowering.play()]), header: [
            "Lowered by `rbc export ansible` from \(ir.source?.path ?? ir.runbook.name)",
            "(\(ir.contentHash)); do not edit, export again. See docs/scale-out.md.",
            "Run: ansible-playbook -i INVENTORY PLAYBOOK -e rbc_param_NAME=VALUE",
            "     [-e rbc_approve=STEP,… | -e rbc_approve_all=true]",
            "Each host's run is journaled by callback_plugins/rbc_journal.py in .rbc/runs/.",
        ])
        let irText = (try? ir.jsonData()).map { String(decoding: $0, as: UTF8.self) } ?? "{}\n"
        return .success(AnsibleExport(playbook: playbook, companions: [
            ExportedFile(path: options.irFileName, contents: irText),
            ExportedFile(path: "filter_plugins/rbc_runtime.py", contents: AnsibleResources.runtime),
            ExportedFile(path: "callback_plugins/rbc_journal.py", contents: AnsibleResources.journalCallback),
            ExportedFile(path: "library/rbc_http_request.py", contents: AnsibleResources.httpRequestModule),
        ]))
    }

    /// Every construct Ansible cannot express as rbc run performs it.
    static func check(_ ir: RunbookIR, options: AnsibleExportOptions) -> [LoweringRefusal] {
        var refusals: [LoweringRefusal] = []
        func refuse(_ code: DiagnosticCode, _ step: StepIR, _ reason: String, at location: IRLocation? = nil) {
            refusals.append(LoweringRefusal(code: code, step: step.id, reason: reason, location: location ?? step.location))
        }
        for step in ir.steps + ir.postRunbook + ir.rollback {
            let action = step.action
            if action.kind == .executeCommand {
                if !Alternatives.split(action.command ?? "").options.isEmpty {
                    refuse(AnsibleDiagnostics.alternatives, step, "the command holds alternatives (`# Option A` … `# Option B`): rbc run refuses them and `rbc run --step` asks which one; a playbook cannot ask")
                }
                if let shell = action.shell, shell.contains("${{") {
                    refuse(AnsibleDiagnostics.templatedShell, step, "its `shell` holds `${{ }}`: a playbook names the program it runs, a value must not choose it")
                }
            }
            if step.id.range(of: "^[A-Za-z0-9][A-Za-z0-9_.-]*$", options: .regularExpression) == nil {
                refuse(AnsibleDiagnostics.stepID, step, "its id `\(step.id)` is written into the playbook's expressions, which take plain names only")
            }
            if step.retry.maxAttempts > maximumAttempts {
                refuse(AnsibleDiagnostics.tooManyAttempts, step, "\(step.retry.maxAttempts) attempts: the playbook unrolls each attempt into its own tasks, at most \(maximumAttempts)")
            }
            if let rollback = step.rollback {
                if rollback.action.kind == .manual {
                    // rbc run rolls a manual rollback back unasked and journals it as confirmed at the terminal
                    // (docs/scale-out.md): a playbook could only copy that record or ask where rbc run does not.
                    refuse(AnsibleDiagnostics.rollbackAction, step, "its rollback is `manual`: rbc run, rolling back, neither shows its instructions nor asks anyone, "
                           + "yet journals it as \"confirmed by a person at the terminal\"; a playbook could only copy that record or ask where rbc run does not, and neither is rbc run's rollback",
                           at: rollback.location)
                } else if let shell = rollback.action.shell, shell.contains("${{") {
                    refuse(AnsibleDiagnostics.templatedShell, step, "its rollback's `shell` holds `${{ }}`", at: rollback.location)
                }
            }
        }
        return refusals
    }
}

/// Builds the play: one block per step, then the rollback of what completed (newest first) and the
/// runbook-wide rollback when a step aborts, then post_runbook, then the run's end.
struct Lowerer {
    let ir: RunbookIR
    let options: AnsibleExportOptions

    /// The arguments every transition takes: the state and the parameter values.
    static let given = "rbc_params"

    /// A runbook with a secret parameter: a command's output or an answer's body can hold it (or a value
    /// computed from it), and Ansible prints a task's result from `-v` on; so every command and request
    /// is `no_log`. (The transitions keep what can hold a secret where Ansible never shows it: rbc_runtime.py.)
    var carriesSecrets: Bool { ir.params.contains(where: \.secret) }

    /// `no_log` of a task whose result holds a command's output or an answer's body: always when the
    /// runbook has secrets; otherwise when the controller's environment holds a credential
    /// (`*_TOKEN`, `*PASSWORD*`…: the commands inherit it, and `env`, `set -x` or `curl -v` print it),
    /// which only the run can know (`rbc.hide_output`, set by rbc_start). rbc run masks those values
    /// in what it shows; Ansible can only show a result whole or not at all.
    func noLog(secret: Bool) -> PlaybookNode {
        secret || carriesSecrets ? .bool(true) : .jinja("rbc.hide_output | default(false)")
    }

    func play() -> PlaybookNode {
        var params: [(String, PlaybookNode)] = []
        for param in ir.params {
            // Host vars and -e both reach the play; the runtime applies defaults and checks types.
            params.append((param.name, .jinja("rbc_param_\(param.name) | default('')")))
        }
        var tasks: [PlaybookNode] = [task("Run start (journal: run_started)", [
            ("ansible.builtin.set_fact", .map([("rbc", .jinja("rbc_ir_path | rbc_start(\(Self.given), inventory_hostname, \(PlaybookYAML.quotedJinja(options.rbcVersion)), "
                + "rbc_working_directory | default(''), rbc_stores | default(rbc_exported_stores), rbc_webhooks | default(rbc_exported_webhooks), \(options.lockWaitMs))"))])),
        ])]
        for step in ir.steps { tasks.append(stepBlock(step, list: .steps, gate: "rbc.stop == ''")) }
        for step in ir.steps.reversed() where step.rollback != nil || step.action.kind == .updateConfig { tasks.append(undoBlock(step)) }
        for step in ir.rollback { tasks.append(stepBlock(step, list: .rollback, gate: "rbc.stop == 'abort'")) }
        for step in ir.postRunbook { tasks.append(stepBlock(step, list: .postRunbook, gate: nil)) }
        tasks.append(task("Run end (journal: run_finished)", [
            ("ansible.builtin.set_fact", .map([("rbc", .jinja("rbc | rbc_finish(\(Self.given))"))])),
        ]))
        tasks.append(task("Run result: fail unless it succeeded", [
            ("ansible.builtin.fail", .map([("msg", .jinja("'runbook ' ~ rbc.status ~ (': ' ~ rbc.reason if rbc.reason else '')"))])),
            ("when", .text("rbc.status != 'succeeded'")),
        ]))
        return .map([
            ("name", .text(Self.label("Runbook: \(ir.runbook.name)"))),
            ("hosts", .text(options.hosts)),
            ("gather_facts", .bool(false)),
            ("vars", .map([
                ("rbc_ir_path", .text("{{ playbook_dir }}/\(options.irFileName)")),
                ("rbc_params", .map(params)),
                ("rbc_exported_stores", .map(options.stores.sorted { $0.key < $1.key }.map { ($0.key, .unsafe($0.value)) })),
                ("rbc_exported_webhooks", .map([("notifications", options.notifications), ("tickets", options.tickets)].compactMap { name, hook in
                    hook.map { (name, .map([("url", .unsafe($0.url)), ("format", .text($0.format))])) }
                })),
            ])),
            ("tasks", .list(tasks)),
        ])
    }

    func task(_ name: String, _ body: [(String, PlaybookNode)], extra: [(String, PlaybookNode)] = []) -> PlaybookNode {
        .map([("name", .text(Self.label(name)))] + body + extra)
    }

    func transition(_ name: String, _ expression: String, when: String?) -> PlaybookNode {
        var body: [(String, PlaybookNode)] = [("ansible.builtin.set_fact", .map([("rbc", .jinja(expression))]))]
        if let when { body.append(("when", .text(when))) }
        return task(name, body)
    }

    /// The shell command of an attempt, bounded by coreutils timeout with what is left of the step's budget.
    func commandTask(_ name: String, action: ActionIR, left: String, environment: String, variables: [String], when: String, secret: Bool) -> PlaybookNode {
        // Values reach the command as `env NAME=VALUE` arguments, each one argv element: never shell
        // text, and never through Ansible's `environment:`, which puts them into a shell command line.
        let values: [PlaybookNode] = variables.map { .jinja("'\($0)=' ~ (rbc | \(environment)(\(Self.given), '\($0)'))") }
        let argv: [PlaybookNode] = [
            .text("timeout"), .text("--verbose"), .text("-k"), .text(Self.seconds(options.killGraceMs)), .jinja(left), .text("env"),
        ] + values + [.unsafe(action.shell ?? "/bin/sh"), .text("-c"), .unsafe(action.commandTemplate ?? action.command ?? "")]
        var body: [(String, PlaybookNode)] = [
            // rbc run runs commands where it was started: the controller's working directory, unless
            // the host says where (`rbc_working_directory`, for hosts that are not this machine).
            ("ansible.builtin.command", .map([("argv", .list(argv)), ("chdir", .jinja("rbc.cwd"))])),
            ("register", .text("rbc_outcome")),
            ("changed_when", .bool(true)),
            ("failed_when", .bool(false)),
        ]
        body.append(("no_log", noLog(secret: secret)))
        body.append(("when", .text(when)))
        return task(name, body)
    }

    /// The list a step is in, named as the runtime (`rbc_runtime.py`) and the journal name it.
    enum StepListName: String {
        case steps, rollback, postRunbook = "post_runbook"

        /// How task names introduce a step of this list.
        var label: String {
            switch self {
            case .steps: "Step"
            case .rollback: "Runbook rollback"
            case .postRunbook: "Post-runbook"
            }
        }
    }

    func stepBlock(_ step: StepIR, list: StepListName, gate: String?) -> PlaybookNode {
        let id = PlaybookYAML.jinjaString(step.id)
        let label = "\(list.label) \(step.id)"
        var tasks: [PlaybookNode] = [transition("\(label): begin (condition)", "rbc | rbc_begin(\(id), '\(list.rawValue)', \(Self.given))", when: nil)]
        if step.confirm || step.action.kind == .manual {
            tasks.append(task("\(label): ask for approval", [
                ("ansible.builtin.pause", .map([("prompt", .jinja("rbc.step.question"))])),
                ("register", .text("rbc_answer")),
                ("when", .text("rbc.step.phase == 'approval' and not (rbc_approve_all | default(false) | bool) and \(id) not in (rbc_approve | default('')).split(',')")),
            ]))
            tasks.append(transition("\(label): approval", "rbc | rbc_approval(\(Self.given), rbc_answer | default({}), rbc_approve | default(''), rbc_approve_all | default(false), true)",
                                    when: "rbc.step.phase == 'approval'"))
        }
        // Waits, manual steps and printed messages cannot fail: one attempt is all they take.
        let attempts = [.wait, .manual].contains(step.action.kind) ? 1 : max(1, step.retry.maxAttempts)
        for attempt in 1...attempts {
            tasks.append(transition("\(label): attempt \(attempt)", "rbc | rbc_attempt(\(Self.given), \(attempt))", when: "rbc.step.phase == 'run'"))
            tasks += actionTasks(step.action, step: step, label: "\(label): attempt \(attempt)", field: "", environment: "rbc_value")
            tasks.append(transition("\(label): result of attempt \(attempt)", "rbc | rbc_attempt_end(\(Self.given), \(Self.registered(step.action.kind)))", when: "rbc.step.phase == 'attempt'"))
            if attempt < attempts {
                tasks.append(task("\(label): backoff after attempt \(attempt)", [
                    ("ansible.builtin.command", .map([("argv", .list([.text("sleep"), .jinja("rbc.step.wait")]))])),
                    ("changed_when", .bool(false)),
                    ("when", .text("rbc.step.phase == 'run' and rbc.step.attempt == \(attempt)")),
                ]))
            }
        }
        tasks.append(transition("\(label): end (policy: \(step.onFailure.rawValue))", "rbc | rbc_step_end(\(Self.given))", when: nil))
        var body: [(String, PlaybookNode)] = []
        // ansible-lint's key-order: `when` before `block`.
        if let gate { body.append(("when", .text(gate))) }
        body += [
            ("block", .list(tasks)),
            // An error of Ansible's own (a host gone, a module missing) fails the step as a failed attempt would.
            ("rescue", .list([transition("\(label): failed in Ansible", "rbc | rbc_ansible_failure(\(Self.given), ansible_failed_result | default({}))", when: nil)])),
        ]
        return task("\(label)\(step.name.map { ": \($0)" } ?? "")", body)
    }

    /// The tasks of one attempt of an action, each gated on the attempt being under way. What every
    /// value is was decided by the transition before (rbc_runtime.py, from the IR); these only act.
    func actionTasks(_ action: ActionIR, step: StepIR, label: String, field prefix: String, environment: String) -> [PlaybookNode] {
        let running = "rbc.step.phase == 'attempt'"
        let secret = (step.substitutions ?? []).contains { $0.secret && $0.field.hasPrefix(prefix) && (prefix == "rollback." || !$0.field.hasPrefix("rollback.")) }
        switch action.kind {
        case .executeCommand:
            // A value the runtime refused (one a program would read as an option) is not run.
            return [commandTask("\(label): run", action: action, left: "rbc | rbc_left", environment: environment,
                                variables: Self.variables(step, field: prefix + "command"), when: running + " and not (rbc.step.option_refused | default(false))", secret: secret)]
        case .wait:
            return [task("\(label): wait", [
                ("ansible.builtin.command", .map([("argv", .list([.text("sleep"), .jinja("rbc | rbc_wait(\(Self.given))")]))])),
                ("register", .text("rbc_outcome")),
                ("changed_when", .bool(false)),
                ("when", .text(running)),
            ])]
        case .sendNotification, .createTicket:
            return [
                task("\(label): print (no webhook configured)", [
                    ("ansible.builtin.debug", .map([("msg", .jinja("rbc.step.print"))])),
                    ("when", .text("\(running) and rbc.step.print is defined")),
                ]),
                // The webhook's URL is a credential (Slack's hold their token): never shown.
                requestTask("\(label): post to the webhook", body: true, when: "\(running) and rbc.step.webhook is defined", secret: true),
            ]
        case .httpRequest:
            return [requestTask("\(label): request", body: action.body != nil, when: "\(running) and rbc.step.http is defined", secret: secret)]
        case .updateConfig:
            // The change's config_changed event (the previous value) is journaled by the transition
            // before; this one writes, unless the store changed since.
            return [transition("\(label): write the config change", "rbc | rbc_config_apply(\(Self.given))", when: running)]
        case .manual:
            return []
        }
    }

    /// An HTTP request through rbc_http_request (library/ beside the playbook): rbc run's request —
    /// headers in libcurl's order, its redirects, its Content-Type — bounded to the millisecond by
    /// what is left of the step's budget when the task starts. Every status is an answer: the runtime
    /// judges it as rbc run does. (ansible.builtin.uri takes whole seconds: docs/scale-out.md.)
    func requestTask(_ name: String, body: Bool, when: String, secret: Bool) -> PlaybookNode {
        var arguments: [(String, PlaybookNode)] = [
            ("url", .jinja("rbc | rbc_http('url')")),
            ("method", .jinja("rbc | rbc_http('method')")),
            ("headers", .jinja("rbc | rbc_http('headers')")),
        ]
        if body { arguments.append(("body", .jinja("rbc | rbc_http('body')"))) }
        arguments += [
            ("timeout_ms", .jinja("rbc | rbc_left_ms")),
            ("user_agent", .jinja("rbc | rbc_http('agent')")),
            // A request carrying a secret follows redirects only within its origin, as rbc run's.
            ("keep_origin", .jinja("rbc | rbc_http('keep_origin')")),
        ]
        var body: [(String, PlaybookNode)] = [
            ("rbc_http_request", .map(arguments)),
            ("register", .text("rbc_response")),
            ("changed_when", .bool(true)),
            ("failed_when", .bool(false)),
        ]
        body.append(("no_log", noLog(secret: secret)))
        body.append(("when", .text(when)))
        return task(name, body)
    }

    /// What an action's tasks registered, for the transition that judges the attempt.
    static func registered(_ kind: ActionKind) -> String {
        switch kind {
        case .executeCommand, .wait: "rbc_outcome"
        case .httpRequest, .sendNotification, .createTicket: "rbc_response | default({})"
        case .updateConfig, .manual: "{}"
        }
    }

    /// The rollback of a completed step, run when a later step aborts; newest first by its place in
    /// the play: its written rollback (one attempt of that action), or for an update_config without
    /// one, the value it replaced put back. A failing rollback is recorded and the others still run.
    func undoBlock(_ step: StepIR) -> PlaybookNode {
        let id = PlaybookYAML.jinjaString(step.id)
        var tasks: [PlaybookNode] = [transition("Rollback of \(step.id): start", "rbc | rbc_undo_start(\(Self.given), \(id))", when: nil)]
        let registered: String
        if let rollback = step.rollback {
            tasks += actionTasks(rollback.action, step: step, label: "Rollback of \(step.id)", field: "rollback.", environment: "rbc_undo_value")
            registered = Self.registered(rollback.action.kind)
        } else {
            tasks.append(transition("Rollback of \(step.id): restore the previous value", "rbc | rbc_config_restore(\(Self.given))", when: nil))
            registered = "{}"
        }
        tasks.append(transition("Rollback of \(step.id): result", "rbc | rbc_undo_end(\(Self.given), \(registered))", when: nil))
        return task("Rollback of \(step.id)", [
            ("when", .text("rbc.stop == 'abort' and \(id) in rbc.completed")),
            ("block", .list(tasks)),
            ("rescue", .list([transition("Rollback of \(step.id): failed in Ansible", "rbc | rbc_undo_end(\(Self.given), ansible_failed_result | default({}))", when: nil)])),
        ])
    }

    /// A task or play name: a label Ansible templates, so runbook text in it loses its braces
    /// (`!unsafe` would keep them, but ansible-lint cannot match tagged names to its skip comments).
    static func label(_ text: String) -> String {
        String(text.map { $0 == "{" ? "(" : $0 == "}" ? ")" : $0 })
            .replacingOccurrences(of: "\n", with: " ")
    }

    /// The environment variables a command's template reads (one per `${{ }}` in it).
    static func variables(_ step: StepIR, field: String) -> [String] {
        (step.substitutions ?? []).filter { $0.field == field }.map(\.variable)
    }

    static func seconds(_ ms: Int) -> String {
        String(format: "%d.%03ds", ms / 1000, ms % 1000)
    }
}

extension PlaybookYAML {
    /// A Jinja string literal (single-quoted) for a value the playbook embeds in its own expressions.
    static func jinjaString(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'") + "'"
    }

    static func quotedJinja(_ text: String) -> String { jinjaString(text) }
}

# rbc's run semantics for a playbook lowered by `rbc export ansible` (written next to the playbook,
# do not edit: `rbc export ansible` writes it again). The playbook's tasks only move a state
# (`rbc`, a host fact) from one transition to the next; every decision rbc run makes (conditions,
# values of `${{ }}`, the timeout budget, retries and backoff, expectations, outputs, failure
# policies, what to roll back) is made here, from the IR written beside the playbook, the same way
# RunbookRuntime's Executor makes it. Each transition also returns the journal events it
# announces (`rbc.journal`, secrets already masked), which the rbc_journal callback writes and
# fsyncs before the playbook goes on to the action.

from __future__ import annotations

import base64
import getpass
import json
import math
import os
import re
import socket
import time
import urllib.parse

try:
    from ansible.errors import AnsibleFilterError
    from ansible.utils.unsafe_proxy import wrap_var
except ImportError:  # used outside Ansible (the callback imports the masking only)
    AnsibleFilterError = ValueError

    def wrap_var(value):
        return value

_IR_CACHE = {}
_UNITS = [("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000), ("ms", 1)]
EXCERPT_LIMIT = 4000


class Duration(int):
    """A duration in milliseconds (its own type, as in rbc's expressions)."""


def format_duration(ms):
    if ms == 0:
        return "0s"
    rest, out = int(ms), ""
    for suffix, size in _UNITS:
        if rest >= size:
            out += "%d%s" % (rest // size, suffix)
            rest %= size
    return out


def parse_duration(text):
    rest, total, last = text.strip(), 0, -1
    order = ["d", "h", "m", "s", "ms"]
    if not rest or rest.startswith("-"):
        raise AnsibleFilterError("`%s` is not a duration" % text)
    while rest:
        match = re.match(r"[0-9]+", rest)
        if not match:
            raise AnsibleFilterError("`%s` is not a duration" % text)
        number, rest = int(match.group(0)), rest[match.end():]
        unit = next((u for u in ["ms", "d", "h", "m", "s"] if rest.startswith(u)), None)
        if unit is None or order.index(unit) <= last:
            raise AnsibleFilterError("`%s` is not a duration" % text)
        last = order.index(unit)
        rest = rest[len(unit):]
        total += number * dict(_UNITS)[unit]
    return total


def load_ir(path):
    if path not in _IR_CACHE:
        with open(path, encoding="utf-8") as handle:
            _IR_CACHE[path] = json.load(handle)
    return _IR_CACHE[path]


# MARK: - Secrets (RunbookRuntime/Redactor.swift)

def secret_forms(secret):
    forms = [secret, secret.upper(), secret.lower()]
    escaped = json.dumps(secret, ensure_ascii=False)[1:-1]
    forms += [escaped, escaped.replace("\\/", "/")]
    encoded = urllib.parse.quote(secret, safe="-._~")
    forms += [encoded, encoded.replace("%20", "+")]
    for raw in (secret, secret + "\n"):
        forms.append(base64.b64encode(raw.encode()).decode().rstrip("="))
    return [f for f in forms if f and (len(f.encode()) >= min(len(secret.encode()), 4) or f == secret)]


def redact(text, secrets):
    if not isinstance(text, str) or not secrets:
        return text
    forms = sorted({f for s in secrets for f in secret_forms(s)}, key=len, reverse=True)
    for form in forms:
        text = text.replace(form, "***")
    return text


def redact_value(value, secrets):
    if isinstance(value, str):
        return redact(value, secrets)
    if isinstance(value, list):
        return [redact_value(v, secrets) for v in value]
    if isinstance(value, dict):
        return {k: redact_value(v, secrets) for k, v in value.items()}
    return value


def excerpt(text, secrets):
    masked = redact(text, secrets)
    if len(masked) <= EXCERPT_LIMIT:
        return masked
    return redact(masked[: EXCERPT_LIMIT // 2] + "\n[…]\n" + masked[-EXCERPT_LIMIT // 2:], secrets)


# MARK: - Values and expressions (RunbookRuntime/ExpressionEvaluator.swift)

def text_of(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Duration):
        return format_duration(int(value))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value == math.floor(value) and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if value is None:
        return ""
    if isinstance(value, (list, dict)):
        return json_of(value)
    return str(value)


def json_of(value):
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ",".join(json_of(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ",".join("%s:%s" % (json.dumps(k, ensure_ascii=False), json_of(value[k])) for k in sorted(value)) + "}"
    if value is None:
        return "null"
    return text_of(value)


def truthy(value):
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    if isinstance(value, str):
        return value != ""
    if isinstance(value, int) and not isinstance(value, Duration):
        return value != 0
    return True


def number_of(value):
    if isinstance(value, bool) or isinstance(value, Duration):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def evaluate(node, context):
    if "string" in node:
        return node["string"]
    if "int" in node:
        return int(node["int"])
    if "number" in node:
        return float(node["number"])
    if "bool" in node:
        return bool(node["bool"])
    if "null" in node:
        return None
    if "duration" in node:
        return Duration(node["duration"])
    if "path" in node:
        return lookup(node["path"], context)
    if "function" in node:
        args = node.get("arguments", [])
        values = [evaluate(a, context) for a in args]
        return call(node["function"], values)
    op = node.get("op")
    if "operand" in node:
        value = evaluate(node["operand"], context)
        if op == "!":
            return not truthy(value)
        if isinstance(value, Duration):
            return Duration(-int(value))
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return -value
        raise AnsibleFilterError("cannot negate %s" % text_of(value))
    left = evaluate(node["left"], context)
    if op == "&&" and left is False:
        return False
    if op == "||" and left is True:
        return True
    right = evaluate(node["right"], context)
    return binary(op, left, right)


def lookup(path, context):
    root = path[0] if path else ""
    if root == "params":
        return context["params"].get(path[1]) if len(path) == 2 else None
    if root == "env":
        return os.environ.get(path[1], "")
    if root == "runbook":
        return context["severity"] if len(path) == 2 and path[1] == "severity" else context["name"]
    if root == "steps":
        step = context["steps"].get(path[1])
        if step is None:
            return None
        field = path[2]
        if field == "outputs":
            outputs = step.get("outputs", {})
            return outputs.get(path[3]) if len(path) == 4 else dict(outputs)
        if field in ("stdout", "stderr", "status"):
            return step.get(field, "")
        if field in ("exit_code", "http_status"):
            return step.get(field)
        raise AnsibleFilterError("a step has no `%s`" % field)
    raise AnsibleFilterError("unknown name `%s`" % root)


def binary(op, left, right):
    if op == "&&":
        return truthy(left) and truthy(right)
    if op == "||":
        return truthy(left) or truthy(right)
    if op in ("==", "!="):
        a, b = number_of(left), number_of(right)
        if a is not None and b is not None and not (isinstance(left, str) and isinstance(right, str)):
            equal = a == b
        else:
            equal = text_of(left) == text_of(right)
        return equal if op == "==" else not equal
    if op in ("<", "<=", ">", ">="):
        if isinstance(left, Duration) and isinstance(right, Duration):
            a, b = float(left), float(right)
        else:
            a, b = number_of(left), number_of(right)
            if a is None or b is None:
                a, b = text_of(left), text_of(right)
        return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]
    if op == "+":
        if isinstance(left, Duration) and isinstance(right, Duration):
            return Duration(int(left) + int(right))
        if type(left) is int and type(right) is int:
            return left + right
        a, b = number_of(left), number_of(right)
        if a is not None and b is not None and not isinstance(left, str) and not isinstance(right, str):
            return a + b
        return text_of(left) + text_of(right)
    raise AnsibleFilterError("unknown operator %s" % op)


def call(name, values):
    if name == "default":
        return values[1] if values[0] is None or values[0] == "" else values[0]
    if name == "contains":
        if isinstance(values[0], list):
            return any(text_of(v) == text_of(values[1]) for v in values[0])
        return text_of(values[1]) in text_of(values[0])
    if name == "startsWith":
        return text_of(values[0]).startswith(text_of(values[1]))
    if name == "endsWith":
        return text_of(values[0]).endswith(text_of(values[1]))
    if name == "lower":
        return text_of(values[0]).lower()
    if name == "upper":
        return text_of(values[0]).upper()
    if name == "length":
        return len(values[0]) if isinstance(values[0], list) else len(text_of(values[0]))
    if name == "toJSON":
        return json_of(values[0])
    if name == "seconds":
        if isinstance(values[0], Duration):
            return int(values[0]) / 1000
        return number_of(values[0]) or 0.0
    if name == "duration":
        return values[0] if isinstance(values[0], Duration) else Duration(parse_duration(text_of(values[0])))
    if name == "format":
        text = text_of(values[0])
        for index, value in enumerate(values[1:]):
            text = text.replace("{%d}" % index, text_of(value))
        return text
    raise AnsibleFilterError("unknown function `%s`" % name)


# MARK: - Outputs (Executor.outputs / jsonPath)

def json_path(path, value):
    rest = path[1:]
    while rest and value is not None:
        if rest.startswith("."):
            rest = rest[1:]
            name = re.match(r"[^.\[]*", rest).group(0)
            rest = rest[len(name):]
            value = value.get(name) if isinstance(value, dict) else None
        elif rest.startswith("["):
            number = re.match(r"[^\]]*", rest[1:]).group(0)
            rest = rest[len(number) + 2:]
            if not number.isdigit() or not isinstance(value, list) or int(number) >= len(value):
                return None
            value = value[int(number)]
        else:
            return None
    return value


def outputs_of(declarations, stdout, stderr, body):
    values = {}
    for output in declarations or []:
        source = stderr if output["from"] == "stderr" else (body or "") if output["from"] == "body" else stdout
        pattern, path = output.get("pattern"), output.get("json")
        match = re.search(pattern, source, re.MULTILINE) if pattern is not None else None
        if match:
            values[output["name"]] = match.group(1) if match.re.groups >= 1 and match.group(1) is not None else match.group(0)
        elif path is not None:
            try:
                found = json_path(path, json.loads(source))
            except ValueError:
                found = None
            values[output["name"]] = "" if found is None else text_of(found)
        elif pattern is None:
            values[output["name"]] = source.strip()
        else:
            values[output["name"]] = ""
    return values


# MARK: - The run's state


def now_ms():
    return int(time.time() * 1000)


def find_step(ir, step_list, step_id):
    steps = {"steps": ir["steps"], "post_runbook": ir["postRunbook"], "rollback": ir["rollback"]}[step_list]
    for step in steps:
        if step["id"] == step_id:
            return step
    raise AnsibleFilterError("the IR holds no step `%s` in %s: export the playbook again" % (step_id, step_list))


def bind_params(ir, given):
    values = {}
    for param in ir["params"]:
        name, kind = param["name"], param["type"]
        raw = given.get(name)
        if raw is None or raw == "":
            if "default" in param:
                values[name] = param["default"] if kind != "duration" else Duration(parse_duration(text_of(param["default"])))
                continue
            if param.get("required"):
                raise AnsibleFilterError("parameter `%s` is required: give it with -e rbc_param_%s=VALUE" % (name, name))
            continue
        try:
            if kind == "int":
                value = int(raw) if not isinstance(raw, bool) else None
            elif kind == "number":
                value = float(raw)
            elif kind == "bool":
                value = raw if isinstance(raw, bool) else {"true": True, "false": False}[str(raw).lower()]
            elif kind == "duration":
                value = Duration(parse_duration(str(raw)))
            else:
                value = str(raw)
        except (ValueError, KeyError, TypeError):
            value = None
        if value is None:
            raise AnsibleFilterError("parameter `%s`: not a %s" % (name, kind))
        allowed = param.get("allowed")
        if allowed and text_of(value) not in [text_of(a) for a in allowed]:
            raise AnsibleFilterError("parameter `%s` must be one of %s" % (name, ", ".join(text_of(a) for a in allowed)))
        pattern = param.get("pattern")
        if pattern and not re.fullmatch(pattern, text_of(value)):
            raise AnsibleFilterError("parameter `%s` does not match its pattern /%s/" % (name, pattern))
        values[name] = value
    return values


class Run:
    """One transition: the state as the playbook holds it, and the events it announces."""

    def __init__(self, state, given):
        self.state = dict(state)
        self.state["journal"] = []
        self.ir = load_ir(self.state["ir"])
        self.params = bind_params(self.ir, dict(given or {}))
        self.secrets = [text_of(self.params[p["name"]]) for p in self.ir["params"]
                        if p.get("secret") and self.params.get(p["name"]) not in (None, "")]
        self.secrets += list(self.state.get("derived", []))

    def event(self, kind, **fields):
        event = {"event": kind}
        event.update({k: v for k, v in fields.items() if v is not None})
        self.state["journal"].append(redact_value(event, self.secrets))

    def context(self):
        return {"params": self.params, "steps": self.state["results"], "name": self.ir["runbook"]["name"],
                "severity": self.ir["runbook"].get("severity") or ""}

    def value(self, substitution):
        if substitution.get("tree") is None:
            raise AnsibleFilterError("`${{ %s }}` has no checked expression in the IR" % substitution["expression"])
        value = text_of(evaluate(substitution["tree"], self.context()))
        if substitution.get("secret") and len(value.encode()) >= 4 and value not in self.secrets:
            # Taint: a value computed from a secret is a secret (and stays one for later events).
            self.secrets.append(value)
            self.state.setdefault("derived", []).append(value)
        return value

    def resolve(self, step, field, text):
        template = next((t for t in step.get("templates") or [] if t["field"] == field), None)
        if template is None:
            return text
        out = ""
        for part in template["parts"]:
            if part.get("substitution") is None:
                out += part.get("text") or ""
                continue
            value = self.value(step["substitutions"][part["substitution"]])
            if field.endswith("expect.output"):
                value = re.escape(value)
            out += value
        return out

    def environment(self, step, field):
        env = {}
        for substitution in step.get("substitutions") or []:
            if substitution["field"] == field:
                env[substitution["variable"]] = self.value(substitution)
        return env

    def shown(self, step, field, text):
        try:
            return redact(self.resolve(step, field, text), self.secrets)
        except Exception:  # noqa: BLE001 - a display falls back to the text as written
            return text


def _result_of(run, step):
    return {"status": step["status"], "exit_code": step.get("exit_code"), "http_status": step.get("http_status"),
            "stdout": step.get("stdout", ""), "stderr": step.get("stderr", ""), "outputs": step.get("outputs", {})}


def project_root():
    """Where rbc run would say it ran: beside .rbc.yaml, else the git repository's root."""
    for marker in (".rbc.yaml", ".git"):
        directory = os.getcwd()
        while True:
            if os.path.exists(os.path.join(directory, marker)):
                return directory
            parent = os.path.dirname(directory)
            if parent == directory:
                break
            directory = parent
    return None


def rbc_start(ir_path, given, host, rbc_version, working_directory=""):
    """The run's first event (run_started: the IR, parameter values with secrets masked, where it runs)."""
    state = {"ir": ir_path, "cwd": working_directory or os.getcwd(), "results": {}, "completed": [], "stop": "", "reason": "", "failures": 0,
             "rollback_ok": True, "step": {}, "journal": []}
    run = Run(state, given)
    shown = {}
    for param in run.ir["params"]:
        if param["name"] in run.params:
            value = run.params[param["name"]]
            shown[param["name"]] = "***" if param.get("secret") else (text_of(value) if isinstance(value, Duration) else value)
    provenance = run.ir.get("provenance") or {}
    run.event("run_started", journalVersion="rbc.journal/v1", rbcVersion=rbc_version, runbook=(run.ir.get("source") or {}).get("path"),
              commit=provenance.get("head"), dirty=provenance.get("dirty", False), contentHash=run.ir["contentHash"], ir=run.ir,
              params=shown, user=os.environ.get("USER") or getpass.getuser(), host=host, pid=os.getpid(), dryRun=False,
              workingDirectory=working_directory or os.getcwd(), root=project_root())
    return wrap_var(run.state)


def rbc_begin(state, step_id, step_list, given):
    """step_started, then the condition: the step runs, or is skipped (false) or failed (an error)."""
    run = Run(state, given)
    step = find_step(run.ir, step_list, step_id)
    run.event("step_started", step=step_id, list=step_list, action=step["action"]["kind"], timeoutMs=step["timeoutMs"])
    current = {"id": step_id, "list": step_list, "phase": "run", "attempt": 0, "status": "", "reason": None,
               "deadline": now_ms() + step["timeoutMs"], "backoff": step["retry"]["backoffMs"], "outputs": {}}
    if step.get("when") is not None:
        try:
            if step.get("condition") is None:
                raise AnsibleFilterError("the IR holds no checked condition: recompile the runbook")
            if not truthy(evaluate(step["condition"], run.context())):
                current.update(phase="done", status="skipped", reason="condition `%s` is false" % step["when"], counts=False)
        except Exception as error:  # noqa: BLE001 - rbc run: a condition that cannot be evaluated fails the step
            current.update(phase="done", status="failed", reason="condition `%s`: %s" % (step["when"], error))
    if current["phase"] == "run" and (step.get("confirm") or step["action"]["kind"] == "manual"):
        current["phase"] = "approval"
        action = step["action"]
        if action["kind"] == "manual":
            current["question"] = "Step %s is manual:\n  %s\nDone? (yes/no)" % (step_id, run.shown(step, "instructions", action.get("instructions", "")))
        else:
            current["question"] = "Run step %s?\n  $ %s\nApprove? (yes/no)" % (step_id, run.shown(step, "command", action.get("command", "")))
    run.state["step"] = current
    return wrap_var(run.state)


def rbc_approval(state, given, answer, approve, approve_all, interactive):
    """The approval event: pre-answered (-e rbc_approve / rbc_approve_all), asked, or refused without a terminal."""
    run = Run(state, given)
    current = dict(run.state["step"])
    step_id = current["id"]
    approve = [a.strip() for a in (approve.split(",") if isinstance(approve, str) else approve or []) if a.strip()]
    reason = None
    if approve_all in (True, "true", "yes", "True"):
        decision, by = "approved", "--yes"
    elif step_id in approve:
        decision, by = "approved", "--approve %s" % step_id
    elif interactive and isinstance(answer, dict) and "user_input" in answer:
        decision = "approved" if str(answer["user_input"]).strip().lower() in ("y", "yes") else "refused"
        by = "terminal"
    else:
        decision, by = "refused", "no terminal"
        reason = "no terminal to ask, and neither -e rbc_approve_all=true nor -e rbc_approve=%s was given" % step_id
    run.event("approval", step=step_id, decision=decision, by=by, reason=reason)
    if decision == "approved":
        current.update(phase="run", approved_by=by)
    else:
        current.update(phase="done", status="refused", reason="not approved")
    run.state["step"] = current
    return wrap_var(run.state)


def rbc_attempt(state, given, attempt):
    """attempt_started, with what is left of the step's budget; or timed_out when none is left."""
    run = Run(state, given)
    current = dict(run.state["step"])
    step = find_step(run.ir, current["list"], current["id"])
    if attempt == 1:
        # As rbc run: the budget starts with the first attempt (after the condition and the approval).
        current["deadline"] = now_ms() + step["timeoutMs"]
    left = current["deadline"] - now_ms()
    if left <= 0:
        current.update(phase="done", status="timed_out",
                       reason="the step's timeout of %s ran out before attempt %d" % (format_duration(step["timeoutMs"]), attempt))
        run.state["step"] = current
        return wrap_var(run.state)
    action = step["action"]
    command = run.shown(step, "command", action["command"]) if action.get("command") is not None else None
    run.event("attempt_started", step=current["id"], attempt=attempt, action=action["kind"], timeoutMs=left, command=command)
    kind = action["kind"]
    if kind in ("send_notification", "create_ticket"):
        # No webhook configured: rbc prints it, and the journal keeps it.
        if kind == "send_notification":
            text = "[notification to %s] %s" % (run.resolve(step, "channel", action.get("channel", "")), run.resolve(step, "message", action.get("message", "")))
        else:
            labels = [run.resolve(step, "labels[%d]" % i, label) for i, label in enumerate(action.get("labels") or [])]
            text = "[ticket] %s%s" % (run.resolve(step, "title", action.get("title", "")), " [%s]" % ", ".join(labels) if labels else "")
        run.event("message", text=text)
        current["print"] = redact(text, run.secrets)
    current.update(phase="attempt", attempt=attempt, started=now_ms())
    run.state["step"] = current
    return wrap_var(run.state)


def rbc_left(state, grace_ms=0):
    """What is left of the step's budget, for coreutils timeout (seconds, to the millisecond)."""
    left = max(1, state["step"]["deadline"] - now_ms())
    return "%d.%03ds" % (left // 1000, left % 1000)


def rbc_wait(state, given):
    """A wait step sleeps its duration, never past the step's budget."""
    run = Run(state, given)
    step = find_step(run.ir, state["step"]["list"], state["step"]["id"])
    duration = min(step["action"].get("durationMs") or 0, max(0, state["step"]["deadline"] - now_ms()))
    return "%d.%03d" % (duration // 1000, duration % 1000)


def rbc_value(state, given, variable):
    """The value of one `${{ }}` of the step's command: its template quotes the variable, never the text."""
    run = Run(state, given)
    step = find_step(run.ir, state["step"]["list"], state["step"]["id"])
    return wrap_var(run.environment(step, "command").get(variable, ""))


_TIMEOUT_NOTICE = re.compile(r"^timeout: sending signal \w+ to command .*\n?", re.MULTILINE)


def judge(run, step, registered, prefix=""):
    """An attempt's outcome as rbc run decides it: timeout, signal, exit codes, expected output."""
    stdout = registered.get("stdout") or ""
    stderr = registered.get("stderr") or ""
    timed_out = bool(_TIMEOUT_NOTICE.search(stderr))
    stderr = _TIMEOUT_NOTICE.sub("", stderr)
    rc = registered.get("rc")
    result = {"status": "succeeded", "reason": None, "exit_code": rc, "stdout": stdout, "stderr": stderr}
    expect = (step.get("expect") or {}) if not prefix else {}
    if "start" not in registered:
        # The command never ran: Ansible itself failed (no Python on the host, `timeout` missing, …).
        result.update(status="failed", reason="Ansible: %s" % registered.get("msg", "the task failed"), exit_code=None)
    elif timed_out:
        result.update(status="timed_out", reason="timed out after %s; its process group was ended" % format_duration(max(1, registered.get("budget", 0))))
    elif rc is not None and rc >= 128 + 1 and rc < 128 + 65 and rc not in (expect.get("exitCodes") or [0]):
        result.update(status="failed", reason="killed by signal %d" % (rc - 128))
    elif rc is not None and rc not in (expect.get("exitCodes") or [0]):
        codes = expect.get("exitCodes") or [0]
        result.update(status="failed", reason="exit code %d%s" % (rc, "" if codes == [0] else " (expected %s)" % ", ".join(map(str, codes))))
    elif expect.get("outputPattern") is not None:
        pattern = run.resolve(step, "expect.output", expect["outputPattern"])
        if not re.search(pattern, stdout + "\n" + stderr):
            result.update(status="failed", reason="the output does not match /%s/" % pattern)
    return result


def rbc_attempt_end(state, given, registered):
    """attempt_finished; then done, or another attempt after the backoff (never past the budget)."""
    run = Run(state, given)
    current = dict(run.state["step"])
    step = find_step(run.ir, current["list"], current["id"])
    kind = step["action"]["kind"]
    registered = dict(registered or {})
    registered["budget"] = current["deadline"] - current["started"]
    if kind == "execute_command":
        result = judge(run, step, registered)
    elif kind in ("send_notification", "create_ticket"):
        result = {"status": "succeeded", "reason": "no webhook configured: printed"}
    elif kind == "manual":
        by = current.get("approved_by", "terminal")
        result = {"status": "succeeded", "reason": "confirmed by a person at the terminal" if by == "terminal"
                  else "approved by %s (no one confirmed at the terminal that it was done)" % by}
    else:  # wait
        result = {"status": "succeeded" if not registered.get("failed") else "failed", "reason": None}
    duration = now_ms() - current["started"]
    run.event("attempt_finished", step=current["id"], attempt=current["attempt"], outcome=result["status"], reason=result.get("reason"),
              exitCode=result.get("exit_code"), durationMs=duration if kind != "wait" else None,
              stdout=excerpt(result.get("stdout", ""), run.secrets) or None, stderr=excerpt(result.get("stderr", ""), run.secrets) or None)
    current.update(status=result["status"], reason=result.get("reason"), exit_code=result.get("exit_code"),
                   stdout=result.get("stdout", ""), stderr=result.get("stderr", ""))
    if result["status"] == "succeeded":
        current["outputs"] = outputs_of(step.get("outputs"), current["stdout"], current["stderr"], None)
        current["phase"] = "done"
    elif current["attempt"] >= step["retry"]["maxAttempts"]:
        current["phase"] = "done"
    else:
        left = max(0, current["deadline"] - now_ms())
        wait = min(int(current["backoff"]), left)
        current["wait"] = "%d.%03d" % (wait // 1000, wait % 1000)
        current["backoff"] = current["backoff"] * step["retry"]["multiplier"]
        current["phase"] = "run"
    run.state["step"] = current
    return wrap_var(run.state)


def rbc_step_end(state, given):
    """step_finished; the step's result for later expressions; the failure policy decides what is next."""
    run = Run(state, given)
    current = run.state["step"]
    step = find_step(run.ir, current["list"], current["id"])
    status = current.get("status") or "failed"
    outputs = current.get("outputs") or {}
    run.event("step_finished", step=current["id"], list=current["list"], outcome=status,
              reason=redact(current["reason"], run.secrets) if current.get("reason") else None,
              outputs={k: redact(v, run.secrets) for k, v in outputs.items()} or None)
    results = dict(run.state["results"])
    results[current["id"]] = {"status": status, "exit_code": current.get("exit_code"), "http_status": None,
                              "stdout": current.get("stdout", ""), "stderr": current.get("stderr", ""),
                              "outputs": outputs if status == "succeeded" else {}}
    run.state["results"] = results
    if status == "succeeded":
        if current["list"] == "steps":
            run.state["completed"] = list(run.state["completed"]) + [current["id"]]
    elif status != "skipped" and current.get("counts", True) and current["list"] == "steps":
        policy = step["onFailure"]
        if policy == "continue":
            run.state["failures"] = run.state["failures"] + 1
        elif policy == "halt":
            run.state.update(stop="halt", reason="step %s %s: halted, nothing rolled back" % (current["id"], status))
        else:
            run.state.update(stop="abort", reason="step %s %s" % (current["id"], status))
    elif status != "succeeded" and status != "skipped" and current["list"] == "rollback":
        run.state["rollback_ok"] = False
    run.state["step"] = {}
    return wrap_var(run.state)


def rbc_ansible_failure(state, given, failed):
    """An error of Ansible's own inside a step (a host gone, a module missing): the step failed."""
    current = dict(state.get("step") or {})
    if not current:
        return state
    failed = dict(failed or {})
    current.update(status="failed", reason="Ansible: %s" % failed.get("msg", "the task failed"))
    state = dict(state)
    state["step"] = current
    return rbc_step_end(state, given)


def rbc_undo_start(state, given, step_id):
    """rollback_started of a completed step (before its rollback command runs)."""
    run = Run(state, given)
    step = find_step(run.ir, "steps", step_id)
    rollback = step["rollback"]
    command = run.shown(step, "rollback.command", rollback["action"].get("command", ""))
    run.event("rollback_started", step=step_id, list="steps", action=rollback["action"]["kind"], command=command)
    # As rbc run: the undo is one attempt of the rollback action, journaled as such.
    run.event("attempt_started", step=step_id, attempt=1, action=rollback["action"]["kind"], timeoutMs=rollback["timeoutMs"], command=command)
    run.state["step"] = {"id": step_id, "list": "steps", "deadline": now_ms() + rollback["timeoutMs"], "started": now_ms(), "undo": True}
    return wrap_var(run.state)


def rbc_undo_value(state, given, variable):
    run = Run(state, given)
    step = find_step(run.ir, "steps", state["step"]["id"])
    return wrap_var(run.environment(step, "rollback.command").get(variable, ""))


def rbc_undo_end(state, given, registered):
    """rollback_finished: a failing rollback is recorded and the others still run."""
    run = Run(state, given)
    current = run.state["step"]
    step = find_step(run.ir, "steps", current["id"])
    registered = dict(registered or {})
    registered["budget"] = current["deadline"] - current["started"]
    result = judge(run, step, registered, prefix="rollback.")
    run.event("attempt_finished", step=current["id"], attempt=1, outcome=result["status"], reason=result.get("reason"),
              exitCode=result.get("exit_code"), durationMs=now_ms() - current["started"],
              stdout=excerpt(result.get("stdout", ""), run.secrets) or None, stderr=excerpt(result.get("stderr", ""), run.secrets) or None)
    run.event("rollback_finished", step=current["id"], outcome=result["status"], reason=result.get("reason"),
              exitCode=result.get("exit_code"), durationMs=now_ms() - current["started"])
    if result["status"] != "succeeded":
        run.state["rollback_ok"] = False
    run.state["step"] = {}
    return wrap_var(run.state)


def rbc_finish(state, given):
    """run_finished: succeeded, completed_with_failures, rolled_back, rollback_failed or halted."""
    run = Run(state, given)
    stop = run.state["stop"]
    if stop == "abort":
        status = "rolled_back" if run.state["rollback_ok"] else "rollback_failed"
    elif stop == "halt":
        status = "halted"
    else:
        status = "completed_with_failures" if run.state["failures"] else "succeeded"
    run.state["status"] = status
    run.event("run_finished", status=status, reason=run.state["reason"] or None)
    return wrap_var(run.state)


class FilterModule:
    def filters(self):
        return {
            "rbc_start": rbc_start, "rbc_begin": rbc_begin, "rbc_approval": rbc_approval, "rbc_attempt": rbc_attempt,
            "rbc_left": rbc_left, "rbc_wait": rbc_wait, "rbc_value": rbc_value, "rbc_attempt_end": rbc_attempt_end,
            "rbc_step_end": rbc_step_end, "rbc_undo_start": rbc_undo_start, "rbc_undo_value": rbc_undo_value,
            "rbc_undo_end": rbc_undo_end, "rbc_finish": rbc_finish, "rbc_ansible_failure": rbc_ansible_failure,
        }

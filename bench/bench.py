#!/usr/bin/env python3
"""make bench: rbc measured side by side with the tools users would otherwise run.

Inputs are generated from a fixed seed and cached outside the repository ($RBC_BENCH_CACHE, default
~/.cache/rbc-bench). Each pair runs in alternation several times; the table shows medians and ratios
(other tool's time / rbc's time: above 1 means rbc is faster). It prints, it never fails on speed.
"""
import argparse, datetime, json, os, random, shutil, statistics, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CACHE = os.environ.get("RBC_BENCH_CACHE", os.path.join(os.path.expanduser("~"), ".cache", "rbc-bench"))
SEED = 20261122

SERVICES = ["api", "checkout", "payments", "search", "orders", "auth", "billing", "cart", "ledger", "gateway"]


def yaml_runbook(rng, index):
    service = rng.choice(SERVICES)
    steps = []
    for n in range(rng.randint(3, 8)):
        if n % 3 == 0:
            steps.append(f"""    - id: check-{n}
      action: execute_command
      command: "kubectl get pods -n \\"${{{{ params.namespace }}}}\\" -l app={service}"
      readonly: true
      timeout: 30s
      expect: {{exit_code: 0}}""")
        elif n % 3 == 1:
            steps.append(f"""    - id: scale-{n}
      action: execute_command
      command: "kubectl scale deploy/{service} -n \\"${{{{ params.namespace }}}}\\" --replicas={rng.randint(3, 12)}"
      timeout: 2m
      retries: {{attempts: 2, backoff: 10s}}
      rollback:
        action: execute_command
        command: "kubectl scale deploy/{service} -n \\"${{{{ params.namespace }}}}\\" --replicas=3"
        timeout: 2m""")
        else:
            steps.append(f"""    - id: flag-{n}
      action: update_config
      config_key: "{service}.feature_{n}"
      value: {rng.choice(['true', 'false'])}
      timeout: 30s""")
    steps.append(f"""    - id: verify
      action: http_request
      url: "https://{service}.internal/healthz"
      readonly: true
      timeout: 20s
      expect: {{status: 200}}""")
    return f"""runbook:
  name: "{service} incident {index}"
  severity: P{rng.randint(1, 3)}
  owner: team-{service}
  escalation: "#{service}-oncall"
  triggers: [{{alert: {service.title()}Alert{index}}}]
  params:
    namespace: {{type: string, default: {service}}}
  steps:
""" + "\n".join(steps) + "\n"


def markdown_runbook(rng, index):
    service = rng.choice(SERVICES)
    body = [f"---\nseverity: P{rng.randint(1, 3)}\nowner: team-{service}\ndefaults: {{timeout: 1m}}\ntriggers: [{{alert: {service.title()}Md{index}}}]\n---",
            f"# {service} degraded ({index})", "", f"The {service} service answers slowly.", "", "## Diagnosis", "",
            "### pods", "", "```bash", f"kubectl get pods -l app={service}", "```", "", "## Mitigation", ""]
    for n in range(rng.randint(2, 5)):
        body += [f"### restart-{n}", "", "```bash {confirm}", f"kubectl rollout restart deploy/{service}-{n}", "```", "",
                 "**Rollback**:", "", "```bash", f"kubectl rollout undo deploy/{service}-{n}", "```", "",
                 "**Expected**: `restarted`", ""]
    body += ["## Escalation", "", f"- #{service}-oncall", ""]
    return "\n".join(body)


def corpus(count):
    """count runbooks, 70% YAML and 30% Markdown, in directories of 50."""
    path = os.path.join(CACHE, f"corpus-{count}")
    marker = os.path.join(path, ".complete")
    if os.path.exists(marker):
        return path
    shutil.rmtree(path, ignore_errors=True)
    rng = random.Random(SEED + count)
    for index in range(count):
        directory = os.path.join(path, f"team-{index // 50:03d}")
        os.makedirs(directory, exist_ok=True)
        if index % 10 < 7:
            text, name = yaml_runbook(rng, index), f"runbook-{index:05d}.yaml"
        else:
            text, name = markdown_runbook(rng, index), f"runbook-{index:05d}.md"
        with open(os.path.join(directory, name), "w") as handle:
            handle.write(text)
    open(marker, "w").close()
    return path


def git_repository(files, commits):
    """A repository with `files` runbooks and `commits` commits (git fast-import), built once."""
    path = os.path.join(CACHE, f"git-{files}x{commits}")
    if os.path.exists(os.path.join(path, ".complete")):
        return path
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    subprocess.run(["git", "init", "-q", "-b", "main", path], check=True)
    rng = random.Random(SEED)
    names = [f"runbooks/team-{i // 50:03d}/runbook-{i:05d}.yaml" for i in range(files)]
    contents = {name: yaml_runbook(rng, i) for i, name in enumerate(names)}
    stream = []
    start = 1_700_000_000

    def blob(text):
        data = text.encode()
        return b"data %d\n" % len(data) + data + b"\n"

    for number in range(commits):
        stamp = start + number * 600
        message = f"change {number}".encode()
        stream.append(b"commit refs/heads/main\n")
        stream.append(b"committer Bench <bench@example.invalid> %d +0000\n" % stamp)
        stream.append(b"data %d\n" % len(message) + message + b"\n")
        if number == 0:
            for name in names:
                stream.append(b"M 100644 inline " + name.encode() + b"\n" + blob(contents[name]))
        else:
            for name in rng.sample(names, rng.randint(1, 3)):
                contents[name] = contents[name].replace("timeout: 30s", f"timeout: {rng.randint(10, 59)}s", 1) + f"# {number}\n"
                stream.append(b"M 100644 inline " + name.encode() + b"\n" + blob(contents[name]))
    subprocess.run(["git", "fast-import", "--quiet"], input=b"".join(stream), cwd=path, check=True)
    subprocess.run(["git", "checkout", "-q", "main"], cwd=path, check=True)
    open(os.path.join(path, ".complete"), "w").close()
    with open(os.path.join(path, ".git", "info", "exclude"), "a") as handle:
        handle.write(".complete\n")
    return path


def report_repository(rbc, files, runs):
    """A git repository of `files` runbooks (runbooks/) and `runs` journals in .rbc/runs: a few real
    `rbc run`s of a small runbook, copied under new run ids and pointed at the repository's runbooks,
    so the report matches runs to many runbooks. Built once."""
    path = os.path.join(CACHE, f"report-{files}x{runs}")
    if os.path.exists(os.path.join(path, ".complete")):
        return path
    shutil.rmtree(path, ignore_errors=True)
    shutil.copytree(git_repository(files, files), path, symlinks=True)
    os.remove(os.path.join(path, ".complete"))
    with open(os.path.join(path, "bench-run.yaml"), "w") as handle:
        handle.write("runbook:\n  name: bench run\n  severity: P3\n  owner: bench\n  defaults: {timeout: 10s}\n  steps:\n"
                     "    - {id: one, action: execute_command, command: \"true\", readonly: true}\n"
                     "    - {id: two, action: execute_command, command: \"true\", readonly: true}\n")
    for _ in range(4):
        subprocess.run([rbc, "run", "--allow-dirty", "bench-run.yaml"], cwd=path, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    runs_dir = os.path.join(path, ".rbc", "runs")
    real = sorted(f for f in os.listdir(runs_dir) if f.endswith(".jsonl"))
    names = subprocess.run(["git", "ls-files", "runbooks"], cwd=path, capture_output=True, text=True).stdout.split()
    texts = [open(os.path.join(runs_dir, name)).read() for name in real]
    for name in real:
        os.remove(os.path.join(runs_dir, name))
    for number in range(runs):
        text = texts[number % len(texts)]
        old_id = real[number % len(real)][:-len(".jsonl")]
        new_id = "20260101T%06d.000Z-%04x" % (number, number)
        text = text.replace(old_id, new_id).replace('"bench-run.yaml"', json.dumps(names[number % len(names)]))
        with open(os.path.join(runs_dir, new_id + ".jsonl"), "w") as handle:
            handle.write(text)
    open(os.path.join(path, ".complete"), "w").close()
    return path


def tools():
    """check-jsonschema and yamllint from PyPI, in a virtualenv of the cache."""
    venv = os.path.join(CACHE, "venv")
    if not os.path.exists(os.path.join(venv, "bin", "yamllint")):
        subprocess.run([sys.executable, "-m", "venv", venv], check=True)
        subprocess.run([os.path.join(venv, "bin", "pip"), "install", "-q", "check-jsonschema", "yamllint"], check=True)
    return os.path.join(venv, "bin")


# Peak RSS must be measured from a small parent. Linux carries a process's RSS high-water mark across
# fork and exec (the vfork'd child of a large parent starts with the parent's peak), so a command started
# directly from this script, which holds the generated inputs (~180 MiB), would report at least that much.
# This launcher (python3 -S, ~9 MiB) forks the command, times it and reports its rusage on a pipe.
MEASURE = """
import os, sys, time
fd = int(sys.argv[1]); shell = sys.argv[2] == "1"; command = sys.argv[3:]
if shell:
    command = ["/bin/sh", "-c", command[0]]
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    os.close(fd)
    try:
        os.execvp(command[0], command)
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
os.write(fd, ("%r %d" % (time.perf_counter() - start, usage.ru_maxrss)).encode())
sys.exit(os.waitstatus_to_exitcode(status) & 255)
"""


def measured(command, shell=False, **popen):
    """Starts `command` under the launcher; returns (process, read_result) where read_result() gives
    (wall seconds, peak RSS KiB) after the process has ended."""
    reader, writer = os.pipe()
    argv = [command] if shell else list(command)
    process = subprocess.Popen([sys.executable, "-S", "-c", MEASURE, str(writer), "1" if shell else "0"] + argv,
                               pass_fds=(writer,), **popen)
    os.close(writer)

    def read_result():
        with os.fdopen(reader, "rb") as handle:
            seconds, rss = handle.read().decode().split()
        return float(seconds), int(rss)
    return process, read_result


def run(command, cwd=None, shell=False):
    """Wall seconds and peak RSS (KiB) of one run; output discarded."""
    process, read_result = measured(command, shell=shell, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    process.wait()
    return read_result()


def compare(label, commands, rounds, cwd=None, setup=None):
    """Runs each (name, command, shell) in alternation `rounds` times; medians of wall time and RSS.
    `setup` maps a name to a function called (untimed) before each of its runs, with the round number."""
    times = {name: [] for name, _, _ in commands}
    memory = {name: [] for name, _, _ in commands}
    for round_number in range(rounds):
        for name, command, shell in commands:
            if setup and name in setup:
                setup[name](round_number)
            seconds, rss = run(command, cwd=cwd, shell=shell)
            times[name].append(seconds)
            memory[name].append(rss)
    base = statistics.median(times[commands[0][0]])
    rows = []
    for name, _, _ in commands:
        median = statistics.median(times[name])
        rows.append((label, name, median, median / base if base else float("nan"), statistics.median(memory[name]), rounds))
    return rows


def hostile_inputs():
    """The HostileSizeTests inputs, written once: each must finish with diagnostics, never crash."""
    path = os.path.join(CACHE, "hostile")
    os.makedirs(path, exist_ok=True)
    head = "runbook:\n  name: big\n  severity: P3\n  owner: bench\n  params:\n    p: {type: string, default: x}\n  steps:\n"
    inputs = {}
    operands = " || ".join(f"params.p == 'v{i}'" for i in range(30000))
    inputs["a `when` of 30,000 `||` operands (RB3020)"] = head + (
        "    - id: a\n      action: execute_command\n      command: \"true\"\n      readonly: true\n      timeout: 5s\n"
        f"      when: \"${{{{ {operands} }}}}\"\n")
    for count in (8000, 16000):
        steps = []
        for i in range(count):
            reads = f' "${{{{ steps.s{i - 1}.outputs.x }}}}"' if i else ""
            steps.append(f"    - id: s{i}\n      action: execute_command\n      command: 'echo {i}{reads}'\n"
                         "      readonly: true\n      timeout: 5s\n      outputs: {x: {from: stdout}}\n")
        inputs[f"{count:,} steps, each reading the one before"] = head + "".join(steps)
    command = " ".join('"${{ params.p }}"' for _ in range(100))
    inputs["100,000 expressions (1,000 steps of 100)"] = head + "".join(
        f"    - {{id: s{i}, action: execute_command, command: 'echo {command}', readonly: true, timeout: 5s}}\n" for i in range(1000))
    files = {}
    for index, (label, text) in enumerate(inputs.items()):
        name = os.path.join(path, f"hostile-{index}.yaml")
        if not os.path.exists(name):
            with open(name, "w") as handle:
                handle.write(text)
        files[label] = name
    return files


def escaped_process_overshoot(rbc):
    """How far past timeout + grace a step ends whose escaped process ignores SIGTERM (the
    guarantee: 200 ms), from the attempt's duration as rbc journals it."""
    directory = os.path.join(CACHE, "escaped")
    shutil.rmtree(directory, ignore_errors=True)
    os.makedirs(directory)
    with open(os.path.join(directory, "rb.yaml"), "w") as handle:
        handle.write("runbook:\n  name: escaped\n  severity: P3\n  owner: bench\n  steps:\n"
                     "    - id: hang\n      action: execute_command\n"
                     "      command: \"setsid sh -c 'trap \\\"\\\" TERM; sleep 60' & sleep 60\"\n"
                     "      timeout: 1s\n      readonly: true\n")
    overshoots = []
    for _ in range(3):
        subprocess.run([rbc, "run", "rb.yaml", "--kill-grace", "1s"], cwd=directory, capture_output=True)
        runs = os.path.join(directory, ".rbc", "runs")
        journal = sorted(os.listdir(runs))[-1]
        with open(os.path.join(runs, journal)) as handle:
            for line in handle:
                if '"attempt_finished"' in line:
                    overshoots.append(json.loads(line).get("durationMs", 0) - 2000)
    return overshoots


def lsp_keystrokes(rbc, keystrokes):
    """`rbc lsp` on a 2,000-line runbook: a keystroke (an incremental change plus a completion request,
    as an editor sends them) answered, and the debounced full check's diagnostics after a change."""
    lines = ["runbook:", "  name: big", "  severity: P3", "  owner: team-bench", "  params:",
             "    service: {type: string, description: the service}", "  steps:"]
    for i in range(200):
        lines += [f"    - id: step-{i}", f'      name: "Step {i}"', "      action: execute_command",
                  f'      command: "echo {i} \\"${{{{ params.service }}}}\\""', "      timeout: 30s", "      readonly: true",
                  "      outputs:", '        value: {from: stdout, pattern: "(\\\\d+)"}',
                  f"      when: steps.step-{max(0, i - 1)}.outputs.value != 'skip'", "      on_failure: continue"]
    text = "\n".join(lines) + "\n"
    path = os.path.join(CACHE, "lsp-2000-lines.yaml")
    with open(path, "w") as handle:
        handle.write(text)
    uri = "file://" + path
    server, read_result = measured([rbc, "lsp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)

    def send(message):
        body = json.dumps(message).encode()
        server.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        server.stdin.flush()

    def receive(until):
        while True:
            header = b""
            while not header.endswith(b"\r\n\r\n"):
                header += server.stdout.read(1)
            message = json.loads(server.stdout.read(int(header.split(b":")[1].split(b"\r")[0])))
            if until(message):
                return message

    send({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {"capabilities": {}}})
    receive(lambda m: m.get("id") == 0)
    send({"jsonrpc": "2.0", "method": "initialized", "params": {}})
    send({"jsonrpc": "2.0", "method": "textDocument/didOpen",
          "params": {"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}}})
    receive(lambda m: m.get("method") == "textDocument/publishDiagnostics")
    name_line = len(lines) - 9
    description_line = len(lines) - 2
    completion_at = lines[description_line].index("steps.") + len("steps.")
    answers, checks = [], []
    for key in range(keystrokes):
        start = time.perf_counter()
        column = len(lines[name_line]) - 1 + key
        send({"jsonrpc": "2.0", "method": "textDocument/didChange",
              "params": {"textDocument": {"uri": uri, "version": key + 2},
                         "contentChanges": [{"range": {"start": {"line": name_line, "character": column},
                                                       "end": {"line": name_line, "character": column}}, "text": "x"}]}})
        send({"jsonrpc": "2.0", "id": key + 1, "method": "textDocument/completion",
              "params": {"textDocument": {"uri": uri}, "position": {"line": description_line, "character": completion_at}}})
        receive(lambda m, key=key: m.get("id") == key + 1)
        answers.append(time.perf_counter() - start)
        if key % 10 == 9:
            # A pause in typing: the debounced check publishes the diagnostics of this version.
            receive(lambda m, key=key: m.get("method") == "textDocument/publishDiagnostics" and m["params"].get("version") == key + 2)
            checks.append(time.perf_counter() - start)
    send({"jsonrpc": "2.0", "id": -1, "method": "shutdown"})
    receive(lambda m: m.get("id") == -1)
    send({"jsonrpc": "2.0", "method": "exit"})
    server.stdin.close()
    server.wait()
    _, peak_rss = read_result()
    answer = statistics.median(answers)
    check = statistics.median(checks)
    label = f"rbc lsp, a {len(lines)}-line runbook"
    return [(label, "keystroke: incremental change + completion answered", answer, 1.0, peak_rss, len(answers)),
            (label, "keystroke → diagnostics (120 ms debounce + full check with ShellCheck)", check, check / answer, peak_rss, len(checks))], \
        f"rbc lsp keystrokes on a {len(lines)}-line runbook: completion answered in median {answer * 1000:.1f} ms, " \
        f"p90 {sorted(answers)[int(len(answers) * 0.9) - 1] * 1000:.1f} ms, max {max(answers) * 1000:.1f} ms."


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rbc", default=os.path.join(ROOT, ".build", "release", "rbc"))
    parser.add_argument("--rounds", type=int, default=int(os.environ.get("RBC_BENCH_ROUNDS", "5")))
    parser.add_argument("--quick", action="store_true", help="smaller inputs (CI smoke run)")
    arguments = parser.parse_args()
    rbc = os.path.abspath(arguments.rbc)
    os.makedirs(CACHE, exist_ok=True)
    bin_dir = tools()
    schema = os.path.join(ROOT, "schema", "runbook.schema.json")
    sizes = [100, 1000] if arguments.quick else [1000, 10000]
    rows = []
    notes = []
    for size in sizes:
        path = corpus(size)
        yaml_files = sorted(os.path.join(dp, f) for dp, _, fs in os.walk(path) for f in fs if f.endswith(".yaml"))
        rounds = arguments.rounds if size <= 1000 else max(3, arguments.rounds // 2)
        rows += compare(f"check {size} runbooks ({len(yaml_files)} YAML)", [
            ("rbc check (compile + lint, no ShellCheck)", [rbc, "check", "--no-shellcheck", "--no-git", "--no-cache", path], False),
            ("check-jsonschema (YAML only)", [os.path.join(bin_dir, "check-jsonschema"), "--schemafile", schema] + yaml_files, False),
            ("yamllint (YAML only)", [os.path.join(bin_dir, "yamllint"), "-d", "relaxed"] + yaml_files, False),
        ], rounds)
    # The check cache: a cold check (cache cleaned before each run), a warm re-check of the unchanged
    # tree, and a tree where one file changed since the last run; --no-cache as the reference.
    largest_tree = corpus(sizes[-1])
    cache_root = os.path.join(CACHE, "check-cache")
    env_cache = dict(os.environ, XDG_CACHE_HOME=cache_root)
    changed = sorted(os.path.join(dp, f) for dp, _, fs in os.walk(largest_tree) for f in fs if f.endswith(".yaml"))[-1]
    toggle = os.path.join(CACHE, "toggle.py")
    with open(toggle, "w") as handle:
        handle.write("import sys\np = sys.argv[1]\nt = open(p).read()\n"
                     "t = t[:-len('# touched\\n')] if t.endswith('# touched\\n') else t + '# touched\\n'\nopen(p, 'w').write(t)\n")
    base = [rbc, "check", "--no-shellcheck", "--no-git", largest_tree]
    quoted = " ".join(f"'{part}'" for part in base)
    subprocess.run(base, env=env_cache, capture_output=True)
    rows += compare(f"check cache, {sizes[-1]} runbooks (--no-shellcheck --no-git)", [
        ("rbc check, warm (nothing changed)", f"XDG_CACHE_HOME='{cache_root}' {quoted}", True),
        ("rbc check, one file changed since the last run", f"{sys.executable} '{toggle}' '{changed}'; XDG_CACHE_HOME='{cache_root}' {quoted}", True),
        ("rbc check --no-cache (cold)", base + ["--no-cache"], False),
        ("check-jsonschema (YAML only), for scale", [os.path.join(bin_dir, "check-jsonschema"), "--schemafile", schema]
         + sorted(os.path.join(dp, f) for dp, _, fs in os.walk(largest_tree) for f in fs if f.endswith(".yaml")), False),
    ], max(2, arguments.rounds // 2))
    one = sorted(os.path.join(dp, f) for dp, _, fs in os.walk(corpus(sizes[0])) for f in fs if f.endswith(".yaml"))[0]
    subprocess.run([rbc, "check", "--no-git", one], env=env_cache, capture_output=True)
    rows += compare("one file, warm cache (pre-commit re-run)", [
        ("rbc check (ShellCheck on), warm", f"XDG_CACHE_HOME='{cache_root}' '{rbc}' check --no-git '{one}'", True),
        ("rbc check (ShellCheck on) --no-cache", [rbc, "check", "--no-git", "--no-cache", one], False),
        ("yamllint", [os.path.join(bin_dir, "yamllint"), "-d", "relaxed", one], False),
    ], arguments.rounds * 2)
    rows += compare("one file (pre-commit latency)", [
        ("rbc check (all checks, ShellCheck on)", [rbc, "check", "--no-git", "--no-cache", one], False),
        ("rbc check --no-shellcheck", [rbc, "check", "--no-shellcheck", "--no-git", "--no-cache", one], False),
        ("yamllint", [os.path.join(bin_dir, "yamllint"), "-d", "relaxed", one], False),
    ], arguments.rounds * 2)
    # Phase breakdown of the largest check.
    largest = corpus(sizes[-1])
    breakdown = subprocess.run([rbc, "check", "--no-shellcheck", "--no-git", "--no-cache", "--timings", largest], capture_output=True, text=True).stderr
    notes.append("Phase breakdown of `rbc check --no-shellcheck` on %d runbooks:\n\n```\n%s```" % (sizes[-1], breakdown.split("timings", 1)[-1] and "timings" + breakdown.split("timings", 1)[-1]))
    # History: the staleness pass against git itself.
    files, commits = (500, 5000) if arguments.quick else (2000, 20000)
    repo = git_repository(files, commits)
    names = subprocess.run(["git", "ls-files", "runbooks"], cwd=repo, capture_output=True, text=True).stdout.split()
    per_file = "for f in %s; do git log -1 --format=%%ct -- \"$f\" >/dev/null; done" % " ".join(names)
    one_pass = "git log --name-only --format=%ct >/dev/null"
    # History rules are lint rules: the rows run lint (no ShellCheck) with git on. Cold: --no-cache
    # walks history from HEAD and compiles every file; warm: the per-commit last-change index and the
    # cached history findings (a run before the rounds fills them).
    history = [rbc, "check", "--no-shellcheck", "--now", "2026-11-22", "runbooks"]
    subprocess.run(history, cwd=repo, capture_output=True)
    # One new commit on top of an indexed HEAD: a copy of the repository is reset to the indexed commit
    # and given a new commit that changes one runbook before each run (untimed), so the run walks that
    # commit alone, takes the other files from the stored index and compiles only the changed file.
    moving = os.path.join(CACHE, f"git-{files}x{commits}-new-commit")
    shutil.rmtree(moving, ignore_errors=True)
    subprocess.run(["git", "clone", "-q", "--local", repo, moving], check=True)
    # A checkout writes the index in the same second as the files, so every entry is racily clean
    # until git refreshes the index a second later (as any `git status` would).
    time.sleep(1.1)
    for path in (repo, moving):
        subprocess.run(["git", "update-index", "-q", "--refresh"], cwd=path, capture_output=True)
    indexed = subprocess.run(["git", "rev-parse", "HEAD"], cwd=moving, capture_output=True, text=True).stdout.strip()
    subprocess.run(history, cwd=moving, capture_output=True)

    def new_commit(round_number):
        git = ["git", "-c", "user.name=Bench", "-c", "user.email=bench@example.invalid"]
        subprocess.run(git + ["reset", "-q", "--hard", indexed], cwd=moving, check=True)
        target = os.path.join(moving, names[round_number * 7 % len(names)])
        with open(target, "a") as handle:
            handle.write(f"# new commit {round_number} {time.time()}\n")
        subprocess.run(git + ["commit", "-q", "-a", "-m", f"new commit {round_number}"], cwd=moving, check=True)

    rows += compare(f"last change of {len(names)} files over {commits} commits", [
        ("rbc check, history cold (--no-cache: one libgit2 walk + compile + lint)", history + ["--no-cache"], False),
        ("rbc check, history warm (stored index, cached findings)", history, False),
        ("rbc check, one new commit on an indexed HEAD (walks that commit only)", f"cd '{moving}' && " + " ".join(f"'{part}'" for part in history), True),
        # The history work alone, no lint and no cache: the last-change walk, then the same walk following
        # every step's and rollback's text back to where it last changed (RB020's part of a cold check).
        ("rbc history (each runbook's last change: the walk alone)", [rbc, "history", "runbooks"], False),
        ("rbc history --rollbacks (and where each step and rollback last changed)", [rbc, "history", "--rollbacks", "runbooks"], False),
        ("git log -1 -- FILE, per file", per_file, True),
        ("git log --name-only, one pass (no renames, no parsing)", one_pass, True),
    ], max(2, arguments.rounds // 2), cwd=repo, setup={"rbc check, one new commit on an indexed HEAD (walks that commit only)": new_commit})
    # The executor: per-step overhead (fsync'd journal, process group, capture) against plain sh.
    steps = 100
    run_dir = os.path.join(CACHE, "run-overhead")
    shutil.rmtree(run_dir, ignore_errors=True)
    os.makedirs(run_dir)
    with open(os.path.join(run_dir, "rb.yaml"), "w") as handle:
        handle.write("runbook:\n  name: overhead\n  severity: P3\n  owner: bench\n  defaults: {timeout: 10s}\n  steps:\n")
        for index in range(steps):
            handle.write(f"    - {{id: s{index}, action: execute_command, command: \"true\", readonly: true}}\n")
    rows += compare(f"run {steps} steps of `true`", [
        ("rbc run (journal fsync'd per event)", [rbc, "run", "rb.yaml"], False),
        ("sh -c true, run by sh", "for i in $(seq %d); do /bin/sh -c true; done" % steps, True),
    ], arguments.rounds, cwd=run_dir)
    rbc_run = next(row for row in rows if row[1].startswith("rbc run"))
    sh_run = next(row for row in rows if row[1].startswith("sh -c true"))
    notes.append(f"rbc run's overhead per step: {(rbc_run[2] - sh_run[2]) / steps * 1000:.2f} ms "
                 f"({rbc_run[2] / steps * 1000:.2f} ms against {sh_run[2] / steps * 1000:.2f} ms with sh).")
    timing = subprocess.run(history + ["--no-cache", "--timings"],
                            cwd=repo, capture_output=True, text=True).stderr
    git_line = next((line for line in timing.splitlines() if line.strip().startswith("git")), "")
    notes.append(f"Of rbc's time on the history repository, the libgit2 walk itself: `{git_line.strip()}` s.")
    # Hostile sizes (HostileSizeTests): the time each takes to finish with its diagnostics.
    for label, path in hostile_inputs().items():
        rows += compare(f"hostile sizes: {label}", [
            ("rbc check --no-shellcheck", [rbc, "check", "--no-shellcheck", "--no-git", "--no-cache", path], False),
        ], max(2, arguments.rounds // 2))
    # The 16,000-step runbook with ShellCheck: cold (--no-cache), then warm (its commands' findings cached).
    sixteen = next(path for label, path in hostile_inputs().items() if label.startswith("16,000"))
    subprocess.run([rbc, "check", "--no-git", sixteen], env=env_cache, capture_output=True)
    rows += compare("hostile sizes: 16,000 steps with ShellCheck", [
        ("rbc check, warm cache", f"XDG_CACHE_HOME='{cache_root}' '{rbc}' check --no-git '{sixteen}'", True),
        ("rbc check --no-cache", [rbc, "check", "--no-git", "--no-cache", sixteen], False),
    ], 2)
    # rbc report: the whole repository's site and JSON (check session, history walk, every journal).
    report_files, report_runs = (200, 100) if arguments.quick else (1000, 500)
    report_repo = report_repository(rbc, report_files, report_runs)
    site = os.path.join(CACHE, "report-site")
    rows += compare(f"report {report_files} runbooks with history and {report_runs} runs", [
        ("rbc check --no-shellcheck (the same check session)", [rbc, "check", "--no-shellcheck", "--now", "2026-11-22", "runbooks"], False),
        ("rbc report --format json", [rbc, "report", "--no-shellcheck", "--now", "2026-11-22", "--format", "json", "runbooks"], False),
        ("rbc report -o SITE (HTML, a page per runbook)", [rbc, "report", "--no-shellcheck", "--now", "2026-11-22", "-o", site, "runbooks"], False),
    ], max(2, arguments.rounds // 2), cwd=report_repo)
    lsp_rows, lsp_note = lsp_keystrokes(rbc, 30 if arguments.quick else 100)
    rows += lsp_rows
    notes.append(lsp_note)
    overshoots = escaped_process_overshoot(rbc)
    notes.append("A step whose escaped process ignores SIGTERM (timeout 1 s, --kill-grace 1 s) ended this many ms after "
                 f"timeout + grace (guarantee: 200): {', '.join(str(o) for o in overshoots)}.")
    print_table(rows, notes, rbc, arguments)


def print_table(rows, notes, rbc, arguments):
    version = subprocess.run([rbc, "--version"], capture_output=True, text=True).stdout.strip()
    lines = [f"# rbc benchmark", "",
             f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, rbc {version}, {os.cpu_count()} cores, "
             f"{'quick inputs, ' if arguments.quick else ''}medians of alternating runs.", "",
             "Ratio = that command's median / the first command's median in its group (above 1: rbc is faster).", "",
             "| benchmark | command | median (s) | ratio | max RSS (MiB) | runs |", "|---|---|---:|---:|---:|---:|"]
    for label, name, median, ratio, rss, rounds in rows:
        lines.append(f"| {label} | {name} | {median:.3f} | {ratio:.2f} | {rss / 1024:.1f} | {rounds} |")
    lines += [""] + [note + "\n" for note in notes]
    text = "\n".join(lines)
    print(text)
    with open(os.path.join(ROOT, "bench", "results.md"), "w") as handle:
        handle.write(text)


if __name__ == "__main__":
    main()

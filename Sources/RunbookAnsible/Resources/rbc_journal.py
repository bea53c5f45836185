# rbc's audit trail for a playbook lowered by `rbc export ansible` (written next to the playbook, do
# not edit). Each host's run gets its own journal in rbc's format (rbc.journal/v1, one JSON object
# a line, schema/journal.schema.json) under .rbc/runs/, so `rbc runs`, `rbc show`, `rbc timeline`
# and `rbc rollback` read a fleet run host by host. The events come from the playbook's state
# transitions (rbc_runtime.py) with secrets already masked; this plugin numbers and stamps them,
# appends them and fsyncs the file before Ansible moves on to the task they announce.

from __future__ import annotations

DOCUMENTATION = """
    name: rbc_journal
    type: notification
    short_description: writes rbc's journal (rbc.journal/v1) for each host of a lowered runbook
    description:
      - Appends and fsyncs the events of the runbook's run on each host to .rbc/runs/RUN-ID.jsonl.
      - The directory is beside .rbc.yaml (walking up from the working directory), else at the git
        repository root, else in the working directory; RBC_RUNS_DIR overrides it.
"""

import datetime
import fcntl
import json
import os
import secrets

from ansible.plugins.callback import CallbackBase


def runs_directory():
    if os.environ.get("RBC_RUNS_DIR"):
        return os.environ["RBC_RUNS_DIR"]
    start = os.getcwd()
    for marker in (".rbc.yaml", ".git"):
        directory = start
        while True:
            if os.path.exists(os.path.join(directory, marker)):
                return os.path.join(directory, ".rbc", "runs")
            parent = os.path.dirname(directory)
            if parent == directory:
                break
            directory = parent
    return os.path.join(start, ".rbc", "runs")


def timestamp(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (moment.microsecond // 1000)


def plain(value):
    """Ansible's unsafe and lazy types as plain JSON values."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    return str(value)


class HostJournal:
    def __init__(self, directory):
        # Journals keep what commands printed: the owner's alone (as rbc run's).
        os.makedirs(directory, mode=0o700, exist_ok=True)
        # Run ids are allocated under rbc's lock on the directory: later than every id there.
        with open(os.path.join(directory, ".lock"), "a+") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            moment = datetime.datetime.now(datetime.timezone.utc)
            stamp = moment.strftime("%Y%m%dT%H%M%S.") + "%03dZ" % (moment.microsecond // 1000)
            newest = sorted(n for n in os.listdir(directory) if n.endswith(".jsonl"))
            if newest and newest[-1][:19] >= stamp:
                previous = datetime.datetime.strptime(newest[-1][:18], "%Y%m%dT%H%M%S.%f").replace(tzinfo=datetime.timezone.utc)
                moment = previous + datetime.timedelta(milliseconds=1)
                stamp = moment.strftime("%Y%m%dT%H%M%S.") + "%03dZ" % (moment.microsecond // 1000)
            self.run = stamp + "-" + secrets.token_hex(2)
            self.path = os.path.join(directory, self.run + ".jsonl")
            self.descriptor = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND | os.O_CLOEXEC, 0o600)
            fcntl.flock(self.descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        directory_descriptor = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(directory_descriptor)
        finally:
            os.close(directory_descriptor)
        self.sequence = 0

    def append(self, event):
        self.sequence += 1
        event = dict(event)
        event["seq"] = self.sequence
        event["time"] = timestamp(datetime.datetime.now(datetime.timezone.utc))
        if event["event"] == "run_started":
            event["run"] = self.run
        line = json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n"
        os.write(self.descriptor, line.encode("utf-8"))
        # Durable before Ansible goes on to the action the event announces.
        os.fsync(self.descriptor)

    def close(self):
        os.close(self.descriptor)


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "notification"
    CALLBACK_NAME = "rbc_journal"
    CALLBACK_NEEDS_ENABLED = False

    def __init__(self):
        super().__init__()
        self.journals = {}

    def v2_runner_on_ok(self, result):
        facts = result._result.get("ansible_facts") or {}
        state = facts.get("rbc")
        if not isinstance(state, dict):
            return
        host = result._host.get_name()
        for event in state.get("journal") or []:
            event = plain(event)
            if event["event"] == "run_started":
                if host in self.journals:
                    self.journals[host].close()
                self.journals[host] = HostJournal(runs_directory())
                self._display.display("rbc: %s journals to %s" % (host, self.journals[host].path))
            journal = self.journals.get(host)
            if journal is None:
                continue
            try:
                journal.append(event)
            except OSError as error:
                # An event that cannot be journaled is not acted on: stop this host's run here.
                self._display.error("rbc: %s: cannot write the journal %s: %s; ending the play" % (host, journal.path, error))
                raise SystemExit(4)
            if event["event"] == "run_finished":
                journal.close()
                del self.journals[host]

# rbc's audit trail for a playbook lowered by `rbc export ansible` (written next to the playbook, do
# not edit). Each host's run gets its own journal in rbc's format (rbc.journal/v1, one JSON object
# a line, schema/journal.schema.json) under .rbc/runs/, so `rbc runs`, `rbc show`, `rbc timeline`
# and `rbc rollback` read a fleet run host by host. The events come from the playbook's state
# transitions (rbc_runtime.py) with secrets already masked; this plugin numbers and stamps them,
# appends them and fsyncs the file before Ansible moves on to the task they announce. Each line is
# authenticated as rbc run's are (HMAC-SHA256 under the user's journal key, chained to the line
# before), so `rbc rollback` acts on it only as written here.

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
import hashlib
import hmac
import json
import os
import pwd
import secrets
import stat

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


class KeyProblem(Exception):
    def __init__(self, message, unsafe):
        super().__init__(message)
        self.unsafe = unsafe


def journal_key_path():
    """Where rbc keeps the user's journal key (JournalKey.location in rbc)."""
    if os.environ.get("RBC_JOURNAL_KEY"):
        return os.environ["RBC_JOURNAL_KEY"]
    if os.environ.get("XDG_STATE_HOME", "").startswith("/"):
        return os.path.join(os.environ["XDG_STATE_HOME"], "rbc", "journal.key")
    home = os.environ.get("HOME", "")
    if not home.startswith("/"):
        # A container's random uid has no passwd entry: like rbc (JournalKey.location), no home means no key,
        # which the caller reports and journals unauthenticated; a KeyError here would drop every event.
        try:
            home = pwd.getpwuid(os.geteuid()).pw_dir or ""
        except KeyError:
            home = ""
        if not home.startswith("/"):
            raise KeyProblem("no journal key at ~/.local/state/rbc/journal.key (no home directory)", False)
    return os.path.join(home, ".local", "state", "rbc", "journal.key")


def read_journal_key(path):
    """The key at path, None when there is none; a key others could know or change is refused."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    except OSError as error:
        if error.errno == 40:  # ELOOP: a symbolic link
            raise KeyProblem("the journal key %s is a symbolic link; rbc will not use it (remove it and rbc makes a new one)" % path, True)
        raise KeyProblem("no journal key at %s (%s)" % (path, error.strerror), False)
    try:
        info = os.fstat(descriptor)
        why = None
        if not stat.S_ISREG(info.st_mode):
            why = "is not a regular file"
        elif info.st_uid != os.geteuid():
            why = "belongs to another user (uid %d)" % info.st_uid
        elif info.st_mode & 0o077:
            why = "can be read or written by others (mode %o)" % (info.st_mode & 0o777)
        text = os.read(descriptor, 128).replace(b"\n", b"")
    finally:
        os.close(descriptor)
    if why is None and (len(text) != 64 or any(c not in b"0123456789abcdefABCDEF" for c in text)):
        why = "does not hold a key (64 hex digits)"
    if why:
        raise KeyProblem("the journal key %s %s; rbc will not use it (remove it and rbc makes a new one)" % (path, why), True)
    return bytes.fromhex(text.decode("ascii"))


def journal_key():
    """The user's journal key, made the first time as rbc makes it (linked into place: the first one wins)."""
    path = journal_key_path()
    key = read_journal_key(path)
    if key is not None:
        return key
    try:
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        temporary = "%s.%d.new" % (path, os.getpid())
        if os.path.lexists(temporary):
            os.unlink(temporary)
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        try:
            os.write(descriptor, (secrets.token_hex(32) + "\n").encode("ascii"))
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(temporary)
    except OSError as error:
        raise KeyProblem("no journal key at %s (%s)" % (path, error.strerror), False)
    return read_journal_key(path)


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
    def __init__(self, directory, key):
        # Journals keep what commands printed: the owner's alone (as rbc run's).
        os.makedirs(directory, mode=0o700, exist_ok=True)
        info = os.lstat(directory)
        if stat.S_ISDIR(info.st_mode) and info.st_uid == os.geteuid() and info.st_mode & 0o077:
            # An older rbc made it open to others: tightened, as rbc run does.
            os.chmod(directory, 0o700)
        self.key = key
        self.previous_mac = ""
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
        line = json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        if self.key is not None:
            # rbc's JournalKey.mac: the line without its mac, chained to the line before's.
            mac = hmac.new(self.key, b"rbc.journal/v1 " + self.previous_mac.encode("ascii") + b"\n" + line, hashlib.sha256).hexdigest()
            line = line[:-1] + (',"mac":"%s"}' % mac).encode("ascii")
            self.previous_mac = mac
        os.write(self.descriptor, line + b"\n")
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
                try:
                    key = journal_key()
                except KeyProblem as problem:
                    if problem.unsafe:
                        self._display.error("rbc: %s: %s; nothing ran" % (host, problem))
                        raise SystemExit(2)
                    self._display.warning("rbc: %s; this run's journal is not authenticated, so `rbc rollback` of it will need --trust-journal" % problem)
                    key = None
                self.journals[host] = HostJournal(runs_directory(), key)
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

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
import errno
import getpass
import json
import math
import os
import re
import socket
import stat
import time
import urllib.parse

try:
    from ansible.errors import AnsibleFilterError
    from ansible.utils.unsafe_proxy import NativeJinjaUnsafeText, wrap_var
except ImportError:  # used outside Ansible (the callback imports the masking only)
    AnsibleFilterError = ValueError

    def wrap_var(value):
        return value

    NativeJinjaUnsafeText = str

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
    """Redactor.forms(of:): the secret as given and in each encoding tools write it in."""
    forms = [secret, secret.upper(), secret.lower()]
    plain = json.dumps(secret, ensure_ascii=False)[1:-1]
    escaped = plain.replace("/", "\\/")
    forms += [escaped, plain]
    if any(ord(c) > 127 for c in secret):
        # Python's json.dumps and `jq -a`: every non-ASCII character as \uXXXX (UTF-16).
        for unit in ("\\u%04x", "\\u%04X"):
            forms.append("".join(c if ord(c) < 128 else "".join(unit % int.from_bytes(c.encode("utf-16-be")[i:i + 2], "big")
                                                                 for i in range(0, len(c.encode("utf-16-be")), 2)) for c in plain))
    # Go's encoding/json writes <, > and & as \u003c, \u003e, \u0026; JSON inside JSON escapes again.
    for case in (str.lower, str.upper):
        forms.append("".join("\\u" + case("%04x" % ord(c)) if c in "<>&" else c for c in plain))
    forms += [json.dumps(escaped, ensure_ascii=False)[1:-1], json.dumps(plain, ensure_ascii=False)[1:-1]]
    # URL encoders differ in what they keep, in the case of %xx, and in a space (%20 or +).
    for kept in ("", "/", "!'()*", "!'()*;,/?:@&=+$#"):
        encoded = urllib.parse.quote(secret, safe="-._~" + kept)
        lower = re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), encoded)
        forms += [encoded, lower]
        if "+" not in kept:
            forms += [encoded.replace("%20", "+"), lower.replace("%20", "+")]
    encodings = []
    for raw in (secret, secret + "\n"):
        encodings.append(base64.b64encode(raw.encode()).decode().rstrip("="))
    data = secret.encode()
    # Inside a longer encoded text, at each of three alignments: the characters its bytes alone decide.
    for offset, first in ((0, 0), (1, 2), (2, 3)):
        encoded = base64.b64encode(b"\0" * offset + data).decode()
        last = (offset + len(data)) // 3 * 4
        if last - first >= 4:
            encodings.append(encoded[first:last])
    # URL-safe base64 (JWTs, urlsafe_b64encode, Go's RawURLEncoding).
    forms += encodings + [e.replace("+", "-").replace("/", "_") for e in encodings]
    forms += [data.hex(), data.hex().upper()]
    # How shells show it quoted: bash's set -x and POSIX quotes, shlex.quote, bash's printf %q.
    forms += [secret.replace("'", "'\\''"), secret.replace("'", "'\"'\"'")]
    special = set(" \t\n'\"\\|&;()<>!{}*[]?^$`,")
    forms.append("".join(("\\" if c in special or (i == 0 and c in "~#") else "") + c for i, c in enumerate(secret)))
    seen = set()
    result = []
    for f in forms:
        if f and (len(f.encode()) >= min(len(data), 4) or f == secret) and f not in seen:
            seen.add(f)
            result.append(f)
    return result


CREDENTIAL_MARKERS = ("TOKEN", "SECRET", "PASSWORD", "PASSWD", "API_KEY", "APIKEY", "PRIVATE_KEY", "CREDENTIAL", "WEBHOOK")


def credentials_in_environment(environment):
    """Redactor.credentialsInEnvironment: values of variables named as credentials, 8 characters or
    more. The commands a play runs inherit them (`set -x`, `curl -v`, `env` print them)."""
    return sorted(value for name, value in environment.items()
                  if len(value) >= 8 and any(marker in name.upper() for marker in CREDENTIAL_MARKERS))


def slack_escaped(value):
    """ValueEncoding.slackText: `&`, `<`, `>` escaped as Slack asks."""
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def is_form_body(content_type, literal):
    """ValueEncoding.isFormBody: a form by its Content-Type, or with none, a body whose own text has a `=`."""
    if content_type is not None:
        return "application/x-www-form-urlencoded" in content_type.lower()
    return "=" in literal


def starts_word(literal, quoted):
    """ValueEncoding.startsWord: a value after `literal` is the first character of a shell word."""
    if quoted and not literal.endswith(("\"", "'")):
        return False
    rest = literal.rstrip("\"'")
    return not rest or rest[-1].isspace() or rest[-1] in ";|&(`"


def options_ended(literal):
    """ValueEncoding.optionsEnded: `--` ended the options of the simple command."""
    command = re.split(r"[;|&\n]", literal)[-1]
    return "--" in command.split()


def reads_as_option(value):
    """ValueEncoding.readsAsOption: `-` and more, but not a negative number or `-` alone."""
    return value.startswith("-") and value != "-" and not re.fullmatch(r"-[0-9][0-9.]*", value)


def credential_parts(url):
    """The parts of a URL that is itself a credential (Redactor.credentialParts): its path (raw and
    decoded), token-like path segments, its query, user and password; plain words stay readable."""
    parts = urllib.parse.urlsplit(url)
    if not parts.scheme or not parts.hostname:
        return [url]
    found = []
    if len(parts.path) >= 4:
        found += [parts.path, urllib.parse.unquote(parts.path)]
    found += [segment for segment in parts.path.split("/")
              if len(segment) >= 8 and any(c.isdigit() or c.isupper() for c in segment)]
    for piece in (parts.query, parts.username, parts.password):
        if piece and len(piece) >= 4:
            found.append(piece)
    return found


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


# MARK: - Values in URLs and config keys (RunbookRuntime/ValueEncoding.swift)

_UNRESERVED = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")


def url_part(prefix):
    """Where in a URL a substituted value lands, judged by the literal text before it."""
    if not prefix:
        return "base"
    if "#" in prefix:
        return "fragment"
    if "?" in prefix:
        return "query"
    scheme = prefix.find("://")
    if scheme < 0:
        return "path"
    return "path" if "/" in prefix[scheme + 3:] else "authority"


def encode_url_value(value, part):
    if part == "base":
        parsed = urllib.parse.urlsplit(value)
        if parsed.scheme.lower() not in ("http", "https") or not parsed.hostname:
            raise AnsibleFilterError("`%s` is not an http(s) URL" % value)
        return value
    if part == "authority":
        if not value or not all(c in _UNRESERVED or c in ":[]" for c in value):
            raise AnsibleFilterError("`%s` is not a host name" % value)
        return value
    return urllib.parse.quote(value, safe="-._~")


def check_path_segments(url, values):
    """A value making a whole path segment `..`, `.` or empty would change the resource (ValueEncoding.checkPathSegments)."""
    for start, end in values:
        while start > 0 and url[start - 1] != "/":
            start -= 1
        while end < len(url) and url[end] not in "/?#":
            end += 1
        segment = url[start:end]
        if segment in (".", ".."):
            raise AnsibleFilterError("a value makes the path segment `%s` of %s, which would change the resource it names" % (segment, url))
        if not segment:
            raise AnsibleFilterError("an empty value leaves an empty path segment in %s, which would name another resource" % url)


def is_json_body(step, field, template):
    """An http_request body is JSON when its Content-Type says so or, with none, its text starts as JSON does."""
    action = (step.get("rollback") or {}).get("action") if field.startswith("rollback.") else step.get("action")
    if not action or action.get("kind") != "http_request":
        return False
    for name, value in (action.get("headers") or {}).items():
        if name.lower() == "content-type":
            return "json" in value.lower()
    literal = (template["parts"][0].get("text") or "") if template["parts"] else ""
    return literal.lstrip()[:1] in ("{", "[")


class JSONPosition:
    """Whether the next value of a JSON text being assembled lands inside a string (ValueEncoding.JSONPosition)."""

    def __init__(self):
        self.in_string = False
        self.escaped = False

    def advance(self, literal):
        for char in literal:
            if not self.in_string:
                self.in_string = char == '"'
            elif self.escaped:
                self.escaped = False
            elif char == "\\":
                self.escaped = True
            elif char == '"':
                self.in_string = False


def json_string_content(value):
    return json.dumps(value, ensure_ascii=False)[1:-1]


def json_value(value):
    if value in ("true", "false", "null") or re.fullmatch(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?", value):
        return value
    return json.dumps(value, ensure_ascii=False)


def check_key_segment(value):
    if not value or "." in value or any(c.isspace() for c in value):
        raise AnsibleFilterError("`%s` is not a single config key segment (no dots, no spaces, not empty)" % value)


def check_key(key):
    if not key or "" in key.split("."):
        raise AnsibleFilterError("`%s` is not a valid config key (an empty segment)" % key)


# MARK: - Config stores (RunbookRuntime/ConfigStore.swift)
#
# The same edit as rbc run's: the value's own text is replaced where it stands (a key that is not
# there is added to the mapping that should hold it), so every other character of the file stays;
# the edit must mean exactly the change, else nothing is written. rbc reads the file with its own
# positioned YAML reader; this reads it with PyYAML's composer (Ansible's own YAML library), which
# keeps each node's position the same way. The store is locked with rbc's lock file, the file
# written through a temporary file with its mode and owner, a symbolic link's target replaced.

class StoreFailure(Exception):
    pass


def following_links(path):
    current = path
    for _ in range(40):
        if not os.path.islink(current):
            return current
        destination = os.readlink(current)
        current = destination if destination.startswith("/") else os.path.join(os.path.dirname(current), destination)
    return current


def plain_json(value):
    """A loaded value as rbc's JSONValue: an integral float is an int, a bool stays a bool."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return int(value) if value == math.floor(value) and abs(value) < 1e15 else value
    if isinstance(value, (list, tuple)):
        return [plain_json(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain_json(v) for k, v in value.items()}
    return None


def same_json(a, b):
    """JSONValue equality: true is not 1."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_json(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_json(a[k], b[k]) for k in a)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    return type(a) is type(b) and a == b


def quoted_json(text):
    return json.dumps(text, ensure_ascii=False)


def render_value(value, is_json):
    """A value in flow style, valid as JSON and as YAML (1.1 and 1.2) with the same meaning."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, str):
        return quoted_json(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return "null" if is_json else (".nan" if math.isnan(value) else "-.inf" if value < 0 else ".inf")
        text = repr(value)
        if "." not in text:
            exponent = next((i for i, c in enumerate(text) if c in "eE"), None)
            text = text[:exponent] + ".0" + text[exponent:] if exponent is not None else text + ".0"
        return text
    if isinstance(value, list):
        return "[" + ", ".join(render_value(v, is_json) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(quoted_json(k) + ": " + render_value(value[k], is_json) for k in sorted(value)) + "}"
    return "null"


def nest(parts, value):
    for part in reversed(parts):
        value = {part: value}
    return value


def compose(text, path):
    """PyYAML's node tree of the store, each node keeping its anchor; an alias is a node of its own."""
    import yaml  # Ansible's own dependency

    loader = yaml.SafeLoader(text)
    original = loader.compose_node

    def compose_node(parent, index):
        event = loader.peek_event()
        if isinstance(event, yaml.AliasEvent):
            original(parent, index)
            alias = yaml.ScalarNode("tag:rbc:alias", "", event.start_mark, event.end_mark)
            alias.rbc_alias = True
            return alias
        node = original(parent, index)
        node.rbc_anchor = getattr(event, "anchor", None)
        return node

    loader.compose_node = compose_node
    try:
        return loader.get_single_node()
    except yaml.YAMLError as error:
        raise StoreFailure("%s cannot be edited in place: %s" % (path, str(error).replace("\n", " "))) from None
    finally:
        loader.dispose()


class StoreEditor:
    """Edits of a store's text at a value's range (StoreEditor in ConfigStore.swift)."""

    def __init__(self, text, is_json, path):
        import yaml

        self.text, self.is_json, self.path = text, is_json, path
        root = compose(text, path) if text.strip() else None
        if root is not None and not isinstance(root, yaml.MappingNode) and not (isinstance(root, yaml.ScalarNode) and root.value == ""):
            raise StoreFailure("%s is not a mapping of keys" % path)
        self.root = root if isinstance(root, yaml.MappingNode) else None

    @staticmethod
    def key_text(node):
        import yaml

        return node.value if isinstance(node, yaml.ScalarNode) and not getattr(node, "rbc_alias", False) else None

    def locate(self, parts):
        import yaml

        mapping = self.root
        if mapping is None:
            return ("insert", 0, None)
        for depth, part in enumerate(parts):
            pair = next(((k, v) for k, v in mapping.value if self.key_text(k) == part), None)
            if pair is None:
                return ("insert", depth, mapping)
            if depth == len(parts) - 1:
                return ("replace", depth, pair)
            if getattr(pair[1], "rbc_alias", False):
                raise StoreFailure("`%s` in %s is an alias: changing what it points to would change every place that uses the anchor"
                                   % (".".join(parts[:depth + 1]), self.path))
            if not isinstance(pair[1], yaml.MappingNode):
                return ("replace", depth, pair)
            mapping = pair[1]
        return ("insert", len(parts) - 1, mapping)

    def setting(self, parts, value, source=None):
        """(text, depth, previous source) of setting parts to value; source replaces the value as is."""
        found = self.locate(parts)
        if found[0] == "replace":
            _, depth, (key, node) = found
            if getattr(node, "rbc_anchor", None):
                raise StoreFailure("`%s` in %s carries an anchor (&%s): aliases elsewhere would change with it"
                                   % (".".join(parts[:depth + 1]), self.path, node.rbc_anchor))
            start, end = self.value_region(key, node)
            nested = nest(parts[depth + 1:], value)
            replacement = (source if source is not None else " " + render_value(value, self.is_json)) if depth == len(parts) - 1 \
                else " " + render_value(nested, self.is_json)
            return self.text[:start] + replacement + self.text[end:], depth, self.text[start:end]
        _, depth, mapping = found
        nested = nest(parts[depth + 1:], value)
        return self.inserting(parts[depth], " " + render_value(nested, self.is_json), mapping), depth, None

    def removing(self, parts):
        found = self.locate(parts)
        if found[0] != "replace" or found[1] != len(parts) - 1:
            return self.text
        key, node = found[2]
        container = self.root
        for part in parts[:-1]:
            container = next(v for k, v in container.value if self.key_text(k) == part)
        pairs = container.value
        index = next(i for i, (k, _) in enumerate(pairs) if k is key)
        value_end = self.trimmed_end(node.end_mark.index, key.end_mark.index)
        if self.is_flow(container):
            if index > 0:
                start, end = self.trimmed_end(pairs[index - 1][1].end_mark.index, pairs[index - 1][0].end_mark.index), value_end
            elif len(pairs) > 1:
                start, end = key.start_mark.index, pairs[1][0].start_mark.index
            else:
                start, end = key.start_mark.index, value_end
            return self.text[:start] + self.text[end:]
        start, end = self.line_start(key.start_mark.index), value_end
        while end < len(self.text) and self.text[end] != "\n":
            end += 1
        if end < len(self.text):
            end += 1
        elif start > 0:
            start -= len(self.newline())
        return self.text[:start] + self.text[end:]

    def value_region(self, key, node):
        colon = key.end_mark.index
        while colon < len(self.text) and self.text[colon] in " \t":
            colon += 1
        if colon >= len(self.text) or self.text[colon] != ":":
            raise StoreFailure("the key `%s` in %s has a form rbc does not edit" % (self.key_text(key) or "", self.path))
        start = colon + 1
        return start, max(start, self.trimmed_end(node.end_mark.index, start))

    def trimmed_end(self, end, floor):
        index = min(end, len(self.text))
        while index > floor and self.text[index - 1] in " \t\n\r":
            index -= 1
        return max(index, floor)

    def line_start(self, offset):
        index = offset
        while index > 0 and self.text[index - 1] != "\n":
            index -= 1
        return index

    def is_flow(self, mapping):
        return mapping.start_mark.index < len(self.text) and self.text[mapping.start_mark.index] == "{"

    def newline(self):
        return "\r\n" if "\r\n" in self.text else "\n"

    def render_key(self, key):
        if not self.is_json and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", key) \
                and key.lower() not in ("y", "n", "yes", "no", "on", "off", "true", "false", "null"):
            return key
        return quoted_json(key)

    def inserting(self, key, value_text, mapping):
        entry = self.render_key(key) + ":" + value_text
        text, newline = self.text, self.newline()
        if mapping is None:
            if self.is_json:
                return "{" + entry + "}" + newline
            return text + ("" if not text or text.endswith("\n") else newline) + entry + newline
        pairs = mapping.value
        if self.is_flow(mapping):
            if pairs:
                last_key, last_value = pairs[-1]
                end = self.trimmed_end(last_value.end_mark.index, last_key.end_mark.index)
                own_line = "\n" in text[mapping.start_mark.index:last_key.start_mark.index]
                separator = ("," + newline + " " * (last_key.start_mark.index - self.line_start(last_key.start_mark.index))) if own_line else ", "
                return text[:end] + separator + entry + text[end:]
            opening = mapping.start_mark.index + 1
            return text[:opening] + entry + text[opening:]
        first = pairs[0][0].start_mark.index if pairs else mapping.start_mark.index
        indent = " " * (first - self.line_start(first))
        end = self.trimmed_end(pairs[-1][1].end_mark.index, pairs[-1][0].end_mark.index) if pairs else mapping.end_mark.index
        while end < len(text) and text[end] != "\n":
            end += 1
        if end < len(text):
            return text[:end + 1] + indent + entry + newline + text[end + 1:]
        return text[:end] + newline + indent + entry + text[end:]


class StoreLock:
    """rbc's lock on a store file (StoreLocks): `.NAME.rbc-lock` beside it, flock'd, removed by its holder."""

    def __init__(self, target, wait_ms):
        self.target, self.wait_ms, self.descriptor = target, wait_ms, None
        directory = os.path.dirname(target) or "."
        self.path = os.path.join(directory, "." + os.path.basename(target) + ".rbc-lock")

    def __enter__(self):
        import fcntl

        deadline = time.monotonic() + max(0, self.wait_ms) / 1000
        while True:
            try:
                # Never through a link (planted, or committed) to a file elsewhere, nor a second name of one.
                descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
            except OSError as error:
                reason = "it is a symbolic link, which rbc does not write through; remove it" if error.errno == errno.ELOOP else error.strerror
                raise StoreFailure("cannot lock %s: %s: %s" % (self.target, self.path, reason)) from None
            status = os.fstat(descriptor)
            if stat.S_ISREG(status.st_mode) and status.st_nlink == 0:
                # No link left: the holder before removed the file between our open and this look; open again.
                os.close(descriptor)
                continue
            if not stat.S_ISREG(status.st_mode) or status.st_nlink != 1:
                os.close(descriptor)
                raise StoreFailure("cannot lock %s: %s is not a file of its own (a hard link or a special file); remove it" % (self.target, self.path))
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                holder = os.pread(descriptor, 256, 0).decode("utf-8", "replace").strip() or "holder unknown"
                os.close(descriptor)
                if time.monotonic() >= deadline:
                    raise StoreFailure("%s is in use by another rbc (%s)" % (self.target, holder)) from None
                time.sleep(0.02)
                continue
            try:
                opened, current = os.fstat(descriptor), os.stat(self.path)
            except OSError:
                opened = current = None
            if opened is None or (opened.st_ino, opened.st_dev) != (current.st_ino, current.st_dev):
                os.close(descriptor)
                continue
            os.ftruncate(descriptor, 0)
            os.pwrite(descriptor, ("pid %d (ansible-playbook)\n" % os.getpid()).encode(), 0)
            self.descriptor = descriptor
            return self

    def __exit__(self, *_):
        try:
            os.unlink(self.path)
        except OSError:
            pass
        os.close(self.descriptor)


def sync_directory(directory):
    descriptor = os.open(directory or ".", os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


class ConfigStore:
    def __init__(self, name, path, lock_wait_ms):
        self.name, self.path, self.lock_wait_ms = name, path, lock_wait_ms
        self.target = following_links(path)
        self.is_yaml = os.path.splitext(path)[1].lower() in (".yaml", ".yml")

    def read_text(self):
        if not os.path.exists(self.target):
            return ""
        try:
            with open(self.target, "rb") as handle:
                data = handle.read()
        except OSError:
            raise StoreFailure("cannot read %s" % self.target) from None
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            raise StoreFailure("%s is not UTF-8 text" % self.target) from None

    def meaning(self, text):
        if not text.strip():
            return {}
        if self.is_yaml:
            import yaml

            try:
                document = yaml.safe_load(text)
            except yaml.YAMLError as error:
                raise StoreFailure("%s is not valid YAML: %s" % (self.target, str(error).replace("\n", " "))) from None
            if document is None:
                return {}
        else:
            try:
                document = json.loads(text)
            except ValueError:
                document = None
        if not isinstance(document, dict):
            raise StoreFailure("%s is not a mapping of keys" % self.target)
        return plain_json(document)

    @staticmethod
    def value_at(parts, document):
        current = document
        for part in parts:
            if not isinstance(current, dict) or part not in current:
                return None, False
            current = current[part]
        return current, True

    @staticmethod
    def parts(key):
        parts = key.split(".")
        if not parts or "" in parts:
            raise StoreFailure("`%s` is not a dotted key" % key)
        return parts

    def plan(self, key, value):
        """The change (as journaled before the write) and the text to write; nothing is written."""
        parts = self.parts(key)
        with StoreLock(self.target, self.lock_wait_ms):
            text = self.read_text()
            before = self.meaning(text)
            edited, depth, previous_source = StoreEditor(text, not self.is_yaml, self.target).setting(parts, value)
            undo_key = ".".join(parts[:depth + 1])
            previous, present = self.value_at(parts[:depth + 1], before) if previous_source is not None else (None, False)
            written, found = self.value_at(parts, self.meaning(edited))
            if not found or not same_json(written, value):
                raise StoreFailure("cannot set %s in %s in place" % (key, self.target))
        change = {"store": self.name, "path": self.target, "key": key, "undoKey": undo_key, "previous": previous, "present": present,
                  "previousSource": previous_source}
        return change, text, edited

    def apply(self, before, edited):
        """Writes the planned text, unless the store changed since its previous value was journaled."""
        with StoreLock(self.target, self.lock_wait_ms):
            if self.read_text() != before:
                raise StoreFailure("%s changed after its previous value was journaled (another writer, or another host of this play "
                                   "sharing the store); nothing written" % self.target)
            self.write(edited)

    def restore(self, change):
        """Puts back what a change replaced: its source text (or value), or no key when it did not exist."""
        parts = self.parts(change["undoKey"])
        with StoreLock(self.target, self.lock_wait_ms):
            text = self.read_text()
            editor = StoreEditor(text, not self.is_yaml, self.target)
            if change.get("present"):
                previous = change.get("previous")
                restored = editor.setting(parts, previous, change.get("previousSource"))[0]
                value, found = self.value_at(parts, self.meaning(restored))
                if not found or not same_json(value, previous):
                    # The recorded text no longer fits where it goes: write the value instead.
                    restored = editor.setting(parts, previous)[0]
                value, found = self.value_at(parts, self.meaning(restored))
                if not found or not same_json(value, previous):
                    raise StoreFailure("cannot restore %s in %s in place" % (change["undoKey"], self.target))
            else:
                restored = editor.removing(parts)
                self.meaning(restored)
                if StoreEditor(restored, not self.is_yaml, self.target).locate(parts)[0] != "insert":
                    raise StoreFailure("cannot remove %s from %s in place" % (change["undoKey"], self.target))
            if restored != text:
                self.write(restored)

    def write(self, text):
        """A temporary file beside the target with its mode and owner, fsync, rename, fsync the directory."""
        directory = os.path.dirname(self.target) or "."
        temporary = os.path.join(directory, ".%s.rbc-%d" % (os.path.basename(self.target), os.getpid()))
        try:
            original = os.stat(self.target)
        except OSError:
            original = None
        try:
            # A new file, never one that is there: a planted link would have the write go where it points.
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
            try:
                descriptor = os.open(temporary, flags, 0o644)
            except FileExistsError:
                os.unlink(temporary)
                descriptor = os.open(temporary, flags, 0o644)
        except OSError as error:
            raise StoreFailure("cannot write %s: %s" % (temporary, error.strerror)) from None
        try:
            if original is not None:
                os.fchmod(descriptor, original.st_mode & 0o7777)
                if (original.st_uid, original.st_gid) != (os.geteuid(), os.getegid()):
                    try:
                        os.fchown(descriptor, original.st_uid, original.st_gid)
                    except OSError:
                        pass
                    os.fchmod(descriptor, original.st_mode & 0o7777)  # chown clears set-id bits
            data = text.encode("utf-8")
            while data:
                data = data[os.write(descriptor, data):]
            os.fsync(descriptor)
            os.close(descriptor)
            descriptor = None
            os.rename(temporary, self.target)
        except OSError as error:
            if descriptor is not None:
                os.close(descriptor)
            try:
                os.unlink(temporary)
            except OSError:
                pass
            raise StoreFailure("cannot replace %s: %s" % (self.target, error.strerror)) from None
        sync_directory(directory)


# MARK: - HTTP requests and webhooks (RunbookRuntime/HTTPClient.swift)

def json_document(value):
    """JSONSerialization's text with sorted keys: compact, `/` escaped."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).replace("/", "\\/")


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


# What of the state can hold a secret or a credential: step outputs and results, resolved requests
# and webhooks (their URLs are credentials), planned and recorded config values, values computed
# from secrets, error texts that quote values. The host fact keeps them under a key Ansible treats
# as internal (`_ansible_…`): it strips such keys from every result it shows or hands to a callback,
# at any verbosity, yet keeps them in the fact the next transition reads. The journal (masked) and
# what the playbook's conditions read (phase, stop, completed, …) stay visible.
PRIVATE = "_ansible_rbc_private"
PRIVATE_RUN = ("derived", "results", "changes", "webhooks")
PRIVATE_STEP = ("http", "webhook", "config", "config_result", "error", "stdout", "stderr", "outputs", "reason")


def packed(state):
    """The state as the host fact holds it: what can hold a secret moved under PRIVATE."""
    state = unpacked(state)
    hidden = {key: state.pop(key) for key in PRIVATE_RUN if key in state}
    step = dict(state.get("step") or {})
    hidden_step = {key: step.pop(key) for key in PRIVATE_STEP if key in step}
    for key in ("http", "webhook"):
        if key in hidden_step:
            step[key] = True  # the playbook's conditions ask whether there is one
    state["step"] = step
    state[PRIVATE] = {"run": hidden, "step": hidden_step}
    return wrap_var(state)


def unpacked(state):
    """The whole state, from the host fact (idempotent)."""
    state = dict(state or {})
    hidden = state.pop(PRIVATE, None) or {}
    state.update(hidden.get("run") or {})
    step = dict(state.get("step") or {})
    step.update(hidden.get("step") or {})
    state["step"] = step
    return state


class Run:
    """One transition: the state as the playbook holds it, and the events it announces."""

    def __init__(self, state, given):
        self.state = unpacked(state)
        self.state["journal"] = []
        self.ir = load_ir(self.state["ir"])
        self.params = bind_params(self.ir, dict(given or {}))
        self.secrets = [text_of(self.params[p["name"]]) for p in self.ir["params"]
                        if p.get("secret") and self.params.get(p["name"]) not in (None, "")]
        self.secrets += list(self.state.get("derived", []))
        # Credentials in the environment every command inherits (`*_TOKEN`, `*PASSWORD*`…), as rbc run masks them.
        self.secrets += [value for value in credentials_in_environment(os.environ) if value not in self.secrets]
        # A webhook's URL is a credential (Slack's token is its path): masked wherever it shows, as rbc run does.
        for hook in dict(self.state.get("webhooks") or {}).values():
            self.secrets += [part for part in credential_parts(hook["url"]) if part not in self.secrets]

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
        """A string field with its `${{ }}` evaluated, each value encoded for where it goes (Executor.resolve)."""
        template = next((t for t in step.get("templates") or [] if t["field"] == field), None)
        if template is None:
            if "${{" in text:
                raise AnsibleFilterError("`%s` holds `${{ }}` the IR does not describe: recompile the runbook" % field)
            return text
        bare = field[len("rollback."):] if field.startswith("rollback.") else field
        json_body = bare == "body" and is_json_body(step, field, template)
        action = (step.get("rollback") or {}).get("action") if field.startswith("rollback.") else step["action"]
        kind = (action or {}).get("kind")
        content_type = next((v for k, v in ((action or {}).get("headers") or {}).items() if k.lower() == "content-type"), None)
        form_body = kind == "http_request" and bare == "body" and not json_body \
            and is_form_body(content_type, "".join(p.get("text") or "" for p in template["parts"]))
        # The texts Slack reads as markup: a value in them is text, never a mention or a link (Executor.resolve).
        hooks = self.state.get("webhooks") or {}
        slack_text = (kind == "send_notification" and bare == "message" and (hooks.get("notifications") or {}).get("format") == "slack") \
            or (kind == "create_ticket" and bare in ("title", "body") and (hooks.get("tickets") or {}).get("format") == "slack")
        position = JSONPosition()
        path_values = []
        out = ""
        for part in template["parts"]:
            if part.get("substitution") is None:
                out += part.get("text") or ""
                if json_body:
                    position.advance(part.get("text") or "")
                continue
            substitution = step["substitutions"][part["substitution"]]
            value = self.value(substitution)
            if bare == "url":
                where = url_part(out)
                value = encode_url_value(value, where)
                if where == "path":
                    path_values.append((len(out), len(out) + len(value)))
            elif bare == "config_key" and not self.declares_shape(substitution):
                check_key_segment(value)
            elif bare == "expect.output":
                value = re.escape(value)
            elif json_body:
                # `toJSON(…)` makes JSON on purpose; every other value is data.
                if position.in_string:
                    value = json_string_content(value)
                elif (substitution.get("tree") or {}).get("function") != "toJSON":
                    value = json_value(value)
            elif form_body:
                value = encode_url_value(value, "query")
            elif slack_text:
                value = slack_escaped(value)
            out += value
        if bare == "config_key":
            check_key(out)
        if bare == "url":
            check_path_segments(out, path_values)
        return out

    def declares_shape(self, substitution):
        """A parameter whose `pattern:` declares the value's shape (which may hold dots)."""
        references = substitution.get("references") or []
        if len(references) != 1 or not references[0].startswith("params.") or substitution["expression"] != references[0]:
            return False
        name = references[0][len("params."):]
        return any(p["name"] == name and p.get("pattern") is not None for p in self.ir["params"])

    def environment(self, step, field):
        env = {}
        for substitution in step.get("substitutions") or []:
            if substitution["field"] == field:
                env[substitution["variable"]] = self.value(substitution)
        return env

    def declares_values(self, substitution):
        """A parameter whose values the author declared (`pattern:` or `allowed:`)."""
        references = substitution.get("references") or []
        if len(references) != 1 or not references[0].startswith("params.") or substitution["expression"] != references[0]:
            return False
        name = references[0][len("params."):]
        return any(p["name"] == name and (p.get("pattern") is not None or p.get("allowed") is not None) for p in self.ir["params"])

    def check_options(self, step, field):
        """Executor.checkOptions: a value starting with `-` where an argument starts would be read as an
        option (ssh's -oProxyCommand runs a command): refused unless `--` came first or the values are declared."""
        template = next((t for t in step.get("templates") or [] if t["field"] == field), None)
        if template is None:
            return
        env = self.environment(step, field)
        substitutions = step.get("substitutions") or []
        before = ""
        for part in template["parts"]:
            index = part.get("substitution")
            if index is None:
                before += part.get("text") or ""
                continue
            substitution = substitutions[index]
            value = env.get(substitution["variable"], "")
            quoted = substitution.get("quoting") in ("double", "single")
            if reads_as_option(value) and starts_word(before, quoted) and not options_ended(before) and not self.declares_values(substitution):
                raise AnsibleFilterError("the value of `${{ %s }}` starts with `-` where an argument of the command starts, "
                                         "so the program would read it as an option (options such as ssh's -oProxyCommand run commands); not run: "
                                         "put `--` before it, or declare the parameter's `pattern:` or `allowed:` values" % substitution["expression"])
            before += "x"

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


def rbc_start(ir_path, given, host, rbc_version, working_directory="", stores=None, webhooks=None, lock_wait_ms=10000):
    """The run's first event (run_started: the IR, parameter values with secrets masked, where it runs).
    `stores` are the config stores by name (a relative path is the host's working directory's), `webhooks`
    the notification and ticket webhooks, as `.rbc.yaml` configured them when exporting (or host vars)."""
    cwd = working_directory or os.getcwd()
    stores = {str(name): os.path.normpath(os.path.join(cwd, str(path))) for name, path in dict(stores or {}).items()}
    webhooks = {str(kind): {"url": str(hook["url"]), "format": str(hook.get("format") or "json")}
                for kind, hook in dict(webhooks or {}).items() if hook and hook.get("url")}
    state = {"ir": ir_path, "cwd": cwd, "results": {}, "completed": [], "stop": "", "reason": "", "failures": 0,
             "rollback_ok": True, "step": {}, "journal": [], "stores": stores, "webhooks": webhooks, "changes": {},
             "lock_wait_ms": int(lock_wait_ms), "agent": "rbc/%s" % rbc_version if rbc_version else "rbc",
             # A credential in the environment reaches every command: Ansible must not show their results.
             "hide_output": bool(credentials_in_environment(os.environ))}
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
              workingDirectory=working_directory or os.getcwd(), root=project_root(), stores=stores or None)
    return packed(run.state)


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
    return packed(run.state)


def controller_has_terminal():
    """Whether ansible-playbook (this worker's parent) reads a terminal it owns, as its `pause` requires
    to ask: a worker's own stdin is /dev/null, and `pause` answers "" both to Enter and to no terminal."""
    try:
        descriptor = os.open("/proc/%d/fd/0" % os.getppid(), os.O_RDONLY | os.O_NOCTTY | os.O_NONBLOCK)
    except OSError:
        return False
    try:
        return os.isatty(descriptor) and os.tcgetpgrp(descriptor) == os.getpgid(os.getppid())
    except OSError:
        return False
    finally:
        os.close(descriptor)


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
    elif interactive and isinstance(answer, dict) and "user_input" in answer and controller_has_terminal():
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
    return packed(run.state)


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
        return packed(run.state)
    action = step["action"]
    command = run.shown(step, "command", action["command"]) if action.get("command") is not None else None
    run.event("attempt_started", step=current["id"], attempt=attempt, action=action["kind"], timeoutMs=left, command=command)
    current.update(phase="attempt", attempt=attempt, started=now_ms())
    prepare(run, current, step, action, "", left)
    run.state["step"] = current
    return packed(run.state)


def prepare(run, current, step, action, prefix, left):
    """What an action needs before it runs, each value resolved as rbc run resolves it: the request of an
    http_request, the webhook's post or the printed text of a notification or ticket, the planned edit
    of an update_config (its config_changed event, with the previous value, journaled before the write)."""
    kind = action["kind"]
    for field in ("http", "webhook", "print", "config", "error"):
        current.pop(field, None)
    current["kind"] = kind
    current.pop("option_refused", None)
    try:
        if kind == "execute_command":
            try:
                run.check_options(step, prefix + "command")
            except AnsibleFilterError:
                # The command task must not run: the playbook's condition reads this flag.
                current["option_refused"] = True
                raise
        if kind == "http_request":
            headers = {name: run.resolve(step, "%sheaders.%s" % (prefix, name), value) for name, value in (action.get("headers") or {}).items()}
            for name, value in headers.items():
                if any(c in name + value for c in "\r\n\0"):
                    raise AnsibleFilterError("%s %s: header `%s` holds a line break, which would start a header of its own; not sent"
                                             % (action.get("method") or "GET", action.get("url") or "", name))
            method = action.get("method") or "GET"
            # The User-Agent goes apart: rbc run sends it after the step's headers unless they hold one.
            request = {"url": run.resolve(step, prefix + "url", action.get("url") or ""), "method": method, "headers": headers,
                       "agent": run.state["agent"]}
            if action.get("body") is not None:
                request["body"] = run.resolve(step, prefix + "body", action["body"])
            # A secret in a header or the body goes to the origin the runbook names, never where a redirect points.
            request["keep_origin"] = any(redact(text, run.secrets) != text for text in list(headers.values()) + [request.get("body") or ""])
            encode_url_value(request["url"], "base")
            current["http"] = request
        elif kind in ("send_notification", "create_ticket"):
            prepare_message(run, current, step, action, prefix, left)
        elif kind == "update_config":
            name = action.get("store") or "default"
            path = run.state["stores"].get(name)
            if path is None:
                raise StoreFailure("no config store `%s`: configure `stores: {%s: {file: …}}` in .rbc.yaml" % (name, name))
            store = ConfigStore(name, path, run.state["lock_wait_ms"])
            key = run.resolve(step, prefix + "config_key", action.get("configKey") or "")
            value = action.get("value")
            if isinstance(value, str):
                value = run.resolve(step, prefix + "value", value)
            change, before, edited = store.plan(key, value)
            previous_masked = redact_value(change["previous"], run.secrets) != change["previous"] \
                or redact(change["previousSource"], run.secrets) != change["previousSource"]
            run.event("config_changed", step=current["id"], store=name, path=change["path"], key=key,
                      undoKey=change["undoKey"] if change["undoKey"] != key else None, previous=change["previous"],
                      previousPresent=change["present"], previousSource=change["previousSource"], value=value,
                      previousMasked=True if previous_masked else None)
            if change["previous"] is None and change["present"]:
                # JSON null: present, and journaled as such (the event drops None fields).
                run.state["journal"][-1]["previous"] = None
            current["config"] = {"name": name, "path": path, "before": before, "text": edited, "change": change}
    except (StoreFailure, AnsibleFilterError) as error:
        current["error"] = str(error)


def prepare_message(run, current, step, action, prefix, left):
    """A notification or ticket: posted to its webhook when one is configured, else printed and journaled.
    Its texts are for people, never where a secret is sent: masked before they are posted, as rbc run does."""
    if action["kind"] == "send_notification":
        channel = redact(run.resolve(step, prefix + "channel", action.get("channel") or ""), run.secrets)
        message = redact(run.resolve(step, prefix + "message", action.get("message") or ""), run.secrets)
        hook = run.state["webhooks"].get("notifications")
        what, text = "notification to %s" % channel, "[notification to %s] %s" % (channel, message)
        if hook:
            payload = {"channel": channel, "text": message} if hook["format"] == "slack" else \
                {"type": "notification", "channel": channel, "message": message, "runbook": run.ir["runbook"]["name"], "step": current["id"]}
    else:
        title = redact(run.resolve(step, prefix + "title", action.get("title") or ""), run.secrets)
        body = redact(run.resolve(step, prefix + "body", action["body"]), run.secrets) if action.get("body") is not None else ""
        labels = [redact(run.resolve(step, "%slabels[%d]" % (prefix, i), label), run.secrets) for i, label in enumerate(action.get("labels") or [])]
        hook = run.state["webhooks"].get("tickets")
        what, text = "ticket", "[ticket] %s%s" % (title, " [%s]" % ", ".join(labels) if labels else "")
        if hook:
            payload = {"text": "New ticket: %s\n%s" % (title, body)} if hook["format"] == "slack" else \
                {"type": "ticket", "title": title, "body": body, "labels": labels, "runbook": run.ir["runbook"]["name"], "step": current["id"]}
    if hook:
        current["webhook"] = {"url": hook["url"], "method": "POST", "headers": {"Content-Type": "application/json"},
                              "body": json_document(payload), "what": what, "agent": run.state["agent"], "keep_origin": False}
    else:
        # No webhook configured: rbc prints it, and the journal keeps it.
        run.event("message", text=text)
        current["print"] = redact(text, run.secrets)


def rbc_left(state, grace_ms=0):
    """What is left of the step's budget, for coreutils timeout (seconds, to the millisecond)."""
    left = max(1, state["step"]["deadline"] - now_ms())
    return "%d.%03ds" % (left // 1000, left % 1000)


def rbc_left_ms(state):
    """What is left of the step's budget, in milliseconds: the bound of an HTTP request (rbc_http_request)."""
    return max(1, state["step"]["deadline"] - now_ms())


def rbc_wait(state, given):
    """A wait step sleeps its duration, never past the step's budget."""
    run = Run(state, given)
    step = find_step(run.ir, state["step"]["list"], state["step"]["id"])
    action = step["rollback"]["action"] if state["step"].get("undo") else step["action"]
    duration = min(action.get("durationMs") or 0, max(0, state["step"]["deadline"] - now_ms()))
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


def outcome_of(run, current, step, kind, registered, prefix):
    """An attempt's result as rbc run decides it, for each kind of action."""
    registered = dict(registered or {})
    registered["budget"] = current["deadline"] - current["started"]
    if current.get("error"):
        return {"status": "failed", "reason": current["error"]}
    if kind == "execute_command":
        return judge(run, step, registered, prefix)
    if kind == "http_request":
        return judge_http(run, step, current["http"], registered, prefix)
    if kind in ("send_notification", "create_ticket"):
        if "webhook" not in current:
            return {"status": "succeeded", "reason": "no webhook configured: printed"}
        hook = current["webhook"]
        result = judge_response(hook["url"], "POST", registered)
        if result["status"] == "succeeded" and not 200 <= result["http_status"] <= 299:
            result.update(status="failed", reason="%s: webhook answered HTTP %d" % (hook["what"], result["http_status"]))
        result.pop("stdout", None)
        return result
    if kind in ("update_config", "restore"):
        return current.get("config_result") or {"status": "failed", "reason": "the change was not made"}
    if kind == "manual":
        by = current.get("approved_by", "terminal")
        return {"status": "succeeded", "reason": "confirmed by a person at the terminal" if by == "terminal"
                else "approved by %s (no one confirmed at the terminal that it was done)" % by}
    return {"status": "succeeded" if not registered.get("failed") else "failed", "reason": None}  # wait


def judge_response(url, method, registered):
    """rbc_http_request's answer: a status, or a request that failed or ran out of time (HTTPClient's reasons)."""
    status = registered.get("status")
    body_bytes = registered.get("body_bytes") or 0
    if registered.get("timed_out"):
        return {"status": "timed_out", "reason": "%s %s: no complete answer within %s" % (method, url, format_duration(max(1, registered.get("timeout_ms") or 1))),
                "body_bytes": body_bytes}
    if not isinstance(status, int) or status < 0:
        message = str(registered.get("error") or registered.get("msg") or "the request failed")
        return {"status": "failed", "reason": "%s %s failed: %s" % (method, url, message), "body_bytes": body_bytes}
    # The module keeps the body as rbc run keeps it (its head and tail); it counts all of it.
    return {"status": "succeeded", "reason": None, "http_status": status, "stdout": registered.get("content") or "", "body_bytes": body_bytes}


def judge_http(run, step, request, registered, prefix):
    result = judge_response(request["url"], request["method"], registered)
    if result["status"] != "succeeded":
        return result
    expect = (step.get("expect") or {}) if not prefix else {}
    status, body = result["http_status"], result["stdout"]
    expected = expect.get("status")
    if expected and status not in expected:
        result.update(status="failed", reason="HTTP %d (expected %s)" % (status, ", ".join(map(str, expected))))
    elif not expected and not 200 <= status <= 299:
        result.update(status="failed", reason="HTTP %d" % status)
    elif expect.get("outputPattern") is not None:
        pattern = run.resolve(step, "expect.output", expect["outputPattern"])
        if not re.search(pattern, body):
            result.update(status="failed", reason="the response body does not match /%s/" % pattern)
    return result


def rbc_config_apply(state, given):
    """The planned edit, written now that its config_changed event is durable."""
    run = Run(state, given)
    current = dict(run.state["step"])
    planned = current.get("config")
    if planned and not current.get("error"):
        try:
            ConfigStore(planned["name"], planned["path"], run.state["lock_wait_ms"]).apply(planned["before"], planned["text"])
            current["config_result"] = {"status": "succeeded", "reason": None}
        except (StoreFailure, OSError) as error:
            current["config_result"] = {"status": "failed", "reason": str(error)}
    if planned:
        # The text is written: only the change stays (for the automatic rollback).
        current["config"] = {"change": planned["change"]}
    run.state["step"] = current
    return packed(run.state)


def rbc_config_restore(state, given):
    """The automatic rollback of an update_config: the recorded previous text (or value) put back."""
    run = Run(state, given)
    current = dict(run.state["step"])
    change = run.state["changes"].get(current["id"])
    try:
        if change is None:
            raise StoreFailure("no change of this step was recorded")
        ConfigStore(change["store"], change["path"], run.state["lock_wait_ms"]).restore(change)
        current["config_result"] = {"status": "succeeded", "reason": None}
    except (StoreFailure, OSError) as error:
        current["config_result"] = {"status": "failed", "reason": str(error)}
    run.state["step"] = current
    return packed(run.state)


def rbc_http(state, name):
    """A field of the prepared request for uri (values already resolved and encoded)."""
    step = unpacked(state)["step"]
    request = step.get("http") if isinstance(step.get("http"), dict) else step.get("webhook") if isinstance(step.get("webhook"), dict) else {}
    value = request.get(name)
    # Text as it is: never templated, and never read as a dict or list (a JSON body stays its bytes).
    return NativeJinjaUnsafeText(value) if isinstance(value, str) else wrap_var(value)


def rbc_attempt_end(state, given, registered):
    """attempt_finished; then done, or another attempt after the backoff (never past the budget)."""
    run = Run(state, given)
    current = dict(run.state["step"])
    step = find_step(run.ir, current["list"], current["id"])
    kind = step["action"]["kind"]
    result = outcome_of(run, current, step, kind, registered, "")
    duration = now_ms() - current["started"]
    run.event("attempt_finished", step=current["id"], attempt=current["attempt"], outcome=result["status"], reason=result.get("reason"),
              exitCode=result.get("exit_code"), httpStatus=result.get("http_status"), durationMs=duration if kind != "wait" else None,
              bodyBytes=result.get("body_bytes") if kind == "http_request" else None,
              stdout=excerpt(result.get("stdout", ""), run.secrets) or None, stderr=excerpt(result.get("stderr", ""), run.secrets) or None)
    current.update(status=result["status"], reason=result.get("reason"), exit_code=result.get("exit_code"), http_status=result.get("http_status"),
                   stdout=result.get("stdout", ""), stderr=result.get("stderr", ""))
    if result["status"] == "succeeded":
        body = current["stdout"] if kind == "http_request" else None
        current["outputs"] = outputs_of(step.get("outputs"), current["stdout"] if body is None else "", current["stderr"], body)
        current["phase"] = "done"
    elif current["attempt"] >= step["retry"]["maxAttempts"]:
        current["phase"] = "done"
    else:
        left = max(0, current["deadline"] - now_ms())
        wait = min(int(current["backoff"]), left)
        current["wait"] = "%d.%03d" % (wait // 1000, wait % 1000)
        current["backoff"] = current["backoff"] * step["retry"]["multiplier"]
        current["phase"] = "run"
    if result["status"] != "succeeded":
        current.pop("config", None)
    current.pop("config_result", None)
    run.state["step"] = current
    return packed(run.state)


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
    results[current["id"]] = {"status": status, "exit_code": current.get("exit_code"), "http_status": current.get("http_status"),
                              "stdout": current.get("stdout", ""), "stderr": current.get("stderr", ""),
                              "outputs": outputs if status == "succeeded" else {}}
    run.state["results"] = results
    if status == "succeeded":
        if current["list"] == "steps":
            run.state["completed"] = list(run.state["completed"]) + [current["id"]]
            if (current.get("config") or {}).get("change"):
                # What an update_config replaced: its automatic rollback puts it back.
                changes = dict(run.state["changes"])
                changes[current["id"]] = current["config"]["change"]
                run.state["changes"] = changes
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
    return packed(run.state)


def rbc_ansible_failure(state, given, failed):
    """An error of Ansible's own inside a step (a host gone, a module missing): the step failed."""
    state = unpacked(state)
    current = dict(state.get("step") or {})
    if not current:
        return packed(state)
    failed = dict(failed or {})
    current.update(status="failed", reason="Ansible: %s" % failed.get("msg", "the task failed"))
    state = dict(state)
    state["step"] = current
    return rbc_step_end(state, given)


def rbc_undo_start(state, given, step_id):
    """rollback_started of a completed step, before its undo: its written rollback (one attempt of that
    action, journaled as such), or the automatic restore of what its update_config replaced."""
    run = Run(state, given)
    step = find_step(run.ir, "steps", step_id)
    rollback = step.get("rollback")
    now = now_ms()
    if rollback is None:
        change = run.state["changes"].get(step_id) or {}
        run.event("rollback_started", step=step_id, list="steps", action="update_config", store=change.get("store"), path=change.get("path"),
                  key=change.get("undoKey"), value=change.get("previous"), text="automatic: restore the value recorded before the step")
        run.state["step"] = {"id": step_id, "list": "steps", "phase": "attempt", "kind": "restore", "automatic": True,
                             "deadline": now, "started": now, "undo": True}
        return packed(run.state)
    action = rollback["action"]
    command = run.shown(step, "rollback.command", action["command"]) if action.get("command") is not None else None
    run.event("rollback_started", step=step_id, list="steps", action=action["kind"], command=command)
    run.event("attempt_started", step=step_id, attempt=1, action=action["kind"], timeoutMs=rollback["timeoutMs"], command=command)
    current = {"id": step_id, "list": "steps", "phase": "attempt", "deadline": now + rollback["timeoutMs"], "started": now, "undo": True}
    prepare(run, current, step, action, "rollback.", rollback["timeoutMs"])
    run.state["step"] = current
    return packed(run.state)


def rbc_undo_value(state, given, variable):
    run = Run(state, given)
    step = find_step(run.ir, "steps", state["step"]["id"])
    return wrap_var(run.environment(step, "rollback.command").get(variable, ""))


def rbc_undo_end(state, given, registered):
    """rollback_finished: a failing rollback is recorded and the others still run."""
    run = Run(state, given)
    current = run.state["step"]
    step = find_step(run.ir, "steps", current["id"])
    kind = "restore" if current.get("automatic") else step["rollback"]["action"]["kind"]
    result = outcome_of(run, current, step, kind, registered, "rollback.")
    duration = now_ms() - current["started"]
    if not current.get("automatic"):
        run.event("attempt_finished", step=current["id"], attempt=1, outcome=result["status"], reason=result.get("reason"),
                  exitCode=result.get("exit_code"), httpStatus=result.get("http_status"), durationMs=duration,
                  bodyBytes=result.get("body_bytes") if kind == "http_request" else None, stdout=excerpt(result.get("stdout", ""), run.secrets) or None, stderr=excerpt(result.get("stderr", ""), run.secrets) or None)
    run.event("rollback_finished", step=current["id"], outcome=result["status"], reason=result.get("reason"),
              exitCode=result.get("exit_code"), durationMs=duration if not current.get("automatic") else 0)
    if result["status"] != "succeeded":
        run.state["rollback_ok"] = False
    run.state["step"] = {}
    return packed(run.state)


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
    return packed(run.state)


class FilterModule:
    def filters(self):
        return {
            "rbc_start": rbc_start, "rbc_begin": rbc_begin, "rbc_approval": rbc_approval, "rbc_attempt": rbc_attempt,
            "rbc_left": rbc_left, "rbc_wait": rbc_wait, "rbc_value": rbc_value, "rbc_attempt_end": rbc_attempt_end,
            "rbc_step_end": rbc_step_end, "rbc_undo_start": rbc_undo_start, "rbc_undo_value": rbc_undo_value,
            "rbc_undo_end": rbc_undo_end, "rbc_finish": rbc_finish, "rbc_ansible_failure": rbc_ansible_failure,
            "rbc_config_apply": rbc_config_apply, "rbc_config_restore": rbc_config_restore, "rbc_http": rbc_http, "rbc_left_ms": rbc_left_ms,
        }

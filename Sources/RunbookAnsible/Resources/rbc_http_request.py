#!/usr/bin/python
# rbc run's HTTP request, as a module of the playbook lowered by `rbc export ansible` (written next
# to the playbook, do not edit: `rbc export ansible` writes it again). ansible.builtin.uri takes
# its timeout in whole seconds; rbc run (libcurl) bounds the whole request — connecting, sending,
# every byte of the answer — to the millisecond. This module does what rbc run's HTTPClient does,
# with the Python standard library only: the same request line and headers in the same order
# (libcurl's: Host, Accept, the step's headers sorted, User-Agent, Content-Length, Content-Type),
# redirects followed as libcurl follows them (at most 5, http and https only; 301/302/303 drop a
# body and keep the method's name; Authorization and Cookie stay with the first host), TLS verified
# against the system's certificates, the body captured as rbc captures it (its first and last
# 128 KiB), and one deadline for all of it, as a timer signal. A proxy in the environment (which
# libcurl would use) fails the request rather than be bypassed. Every status is an answer: the
# runtime judges it as rbc run does. It never fails the task; what went wrong is in `error`.

from __future__ import annotations

DOCUMENTATION = r"""
module: rbc_http_request
short_description: sends one HTTP request as rbc run sends it, bounded to the millisecond
description:
  - Written by C(rbc export ansible) beside the playbook it lowers; see docs/scale-out.md.
options:
  url:
    description: The request's URL (http or https), its values already encoded.
    type: str
    required: true
  method:
    description: The method's name, sent as given.
    type: str
    default: GET
  headers:
    description: The step's headers (values resolved); sent sorted by name, as rbc run sends them.
    type: dict
    default: {}
  body:
    description: The body, sent as its UTF-8 bytes; absent for none.
    type: raw
  timeout_ms:
    description: The bound of the whole request, in milliseconds.
    type: int
    required: true
  user_agent:
    description: Sent as User-Agent unless the headers hold one.
    type: str
    default: rbc
  keep_origin:
    description: The request carries a secret; a redirect to another origin is not followed (rbc run's rule).
    type: bool
    default: false
author: rbc
"""

RETURN = r"""
status:
  description: The final answer's HTTP status; absent when there was none.
  type: int
  returned: when answered
content:
  description: The final answer's body as rbc keeps it (all of it up to 256 KiB, else its first and last 128 KiB).
  type: str
  returned: always
body_bytes:
  description: Bytes of the final answer's body received in all, also when the deadline cut it off.
  type: int
  returned: always
timed_out:
  description: Whether the deadline ended the request.
  type: bool
  returned: always
timeout_ms:
  description: The bound the request had, in milliseconds.
  type: int
  returned: always
error:
  description: Why there is no answer (not for a timeout).
  type: str
  returned: on failure
"""

import http.client
import os
import signal
import ssl
import time
import urllib.parse
import urllib.request

from ansible.module_utils.basic import AnsibleModule

CAPTURE_HALF = 128 * 1024
MAX_REDIRECTS = 5
# libcurl turns a request with a body into one without on these (it keeps a custom method's name).
BODY_DROPPING = (301, 302, 303)
# libcurl follows a Location on every 3xx but these.
NOT_FOLLOWED = (304, 305)


class DeadlineReached(Exception):
    pass


class Capture:
    """A body kept as rbc's Capture keeps it: the first and last halves, and the count of all."""

    def __init__(self):
        self.head = b""
        self.tail = b""
        self.total = 0

    def append(self, data):
        self.total += len(data)
        if len(self.head) < CAPTURE_HALF:
            take = CAPTURE_HALF - len(self.head)
            self.head += data[:take]
            data = data[take:]
        if data:
            self.tail = (self.tail + data)[-CAPTURE_HALF:]

    def text(self):
        dropped = self.total - len(self.head) - len(self.tail)
        marker = ("\n[\u2026 %d bytes not kept \u2026]\n" % dropped).encode("utf-8") if dropped > 0 else b""
        return (self.head + marker + self.tail).decode("utf-8", "replace")


def header_lines(parsed, first, headers, user_agent, body):
    """The request's headers in libcurl's order, as rbc run hands them to it."""
    custom = []
    names = set()
    for name in sorted(headers):
        value = str(headers[name])
        lower = name.lower()
        if not value.strip():
            continue  # libcurl: `Name:` with no value removes the header
        if lower in ("authorization", "cookie", "host") and not first:
            continue  # libcurl sends these to the first host only
        if "\r" in value or "\n" in value or "\r" in name or "\n" in name or ":" in name:
            raise ValueError("the header `%s` holds a line break or a colon" % name.strip())
        custom.append((name, value))
        names.add(lower)
    lines = []
    # A Host of the step's takes the place of libcurl's own, first.
    lines += [(name, value) for name, value in custom if name.lower() == "host"]
    custom = [(name, value) for name, value in custom if name.lower() != "host"]
    if "host" not in names:
        host = parsed.hostname or ""
        if ":" in host:
            host = "[%s]" % host
        default = 443 if parsed.scheme == "https" else 80
        lines.append(("Host", host if parsed.port in (None, default) else "%s:%d" % (host, parsed.port)))
    if "accept" not in names:
        lines.append(("Accept", "*/*"))
    lines += custom
    if "user-agent" not in names:
        lines.append(("User-Agent", user_agent))
    if body is not None:
        if "content-length" not in names:
            lines.append(("Content-Length", str(len(body))))
        if "content-type" not in names:
            lines.append(("Content-Type", "application/x-www-form-urlencoded"))
    return lines


def same_origin(a, b):
    return a.scheme == b.scheme and (a.hostname or "").lower() == (b.hostname or "").lower() \
        and (a.port or (443 if a.scheme == "https" else 80)) == (b.port or (443 if b.scheme == "https" else 80))


def proxy_variable(parsed):
    """The environment variable naming a proxy libcurl would use for this URL (rbc run goes through it)."""
    names = ("http_proxy",) if parsed.scheme == "http" else ("https_proxy", "HTTPS_PROXY")
    for name in names + ("all_proxy", "ALL_PROXY"):
        if os.environ.get(name):
            return None if urllib.request.proxy_bypass_environment(parsed.hostname or "") else name
    return None


def connection(parsed, left):
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    if parsed.scheme == "https":
        return http.client.HTTPSConnection(parsed.hostname, port, timeout=left, context=ssl.create_default_context())
    return http.client.HTTPConnection(parsed.hostname, port, timeout=left)


def send(method, url, headers, body, deadline, user_agent, capture, keep_origin=False):
    """The request and its redirects; the final answer's status (its body goes to `capture`). With
    `keep_origin` (a secret in a header or the body), a redirect to another origin is refused."""
    first = urllib.parse.urlsplit(url)
    current = first
    for redirects in range(MAX_REDIRECTS + 1):
        if current.scheme not in ("http", "https") or not current.hostname:
            raise ValueError("`%s` is not an http(s) URL" % urllib.parse.urlunsplit(current))
        proxy = proxy_variable(current)
        if proxy:
            # Never a silently different request: rbc run would go through the proxy; this module connects directly.
            raise ValueError("the environment names a proxy (%s) that rbc run would use; rbc_http_request connects directly only, "
                             "so it sent nothing: unset it for the playbook, or run the step with rbc run" % proxy)
        left = max(0.001, deadline - time.monotonic())
        conn = connection(current, left)
        try:
            target = current.path or "/"
            if current.query:
                target += "?" + current.query
            conn.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
            for name, value in header_lines(current, same_origin(current, first), headers, user_agent, body):
                conn.putheader(name, value)
            conn.endheaders(body)
            # The answer's socket: the connection lets go of it when the server closes after answering.
            sock = conn.sock
            sock.settimeout(max(0.001, deadline - time.monotonic()))
            response = conn.getresponse()
            location = response.getheader("Location")
            if 300 <= response.status <= 399 and response.status not in NOT_FOLLOWED and location is not None:
                if redirects == MAX_REDIRECTS:
                    raise ValueError("Maximum (%d) redirects followed" % MAX_REDIRECTS)
                following = urllib.parse.urlsplit(urllib.parse.urljoin(urllib.parse.urlunsplit(current), location.strip()))
                if keep_origin and not same_origin(following, first):
                    port = following.port or (443 if following.scheme == "https" else 80)
                    raise ValueError("%s %s: redirected to another origin (%s://%s:%d); not followed, as the request carries a secret"
                                     % (method, url, following.scheme, (following.hostname or "").lower(), port))
                current = following._replace(fragment="")
                if response.status in BODY_DROPPING and body is not None:
                    body = None
                continue
            while True:
                sock.settimeout(max(0.001, deadline - time.monotonic()))
                chunk = response.read1(65536) if method.upper() != "HEAD" else b""
                if not chunk:
                    return response.status
                capture.append(chunk)
        finally:
            conn.close()
    raise ValueError("Maximum (%d) redirects followed" % MAX_REDIRECTS)


def main():
    module = AnsibleModule(argument_spec={
        "url": {"type": "str", "required": True},
        "method": {"type": "str", "default": "GET"},
        "headers": {"type": "dict", "default": {}},
        "body": {"type": "raw"},
        "timeout_ms": {"type": "int", "required": True},
        "user_agent": {"type": "str", "default": "rbc"},
        "keep_origin": {"type": "bool", "default": False},
    }, supports_check_mode=False)
    params = module.params
    body = params["body"]
    if body is not None and not isinstance(body, str):
        module.exit_json(changed=True, content="", body_bytes=0, timed_out=False, error="the body is not text")
    timeout = max(1, params["timeout_ms"]) / 1000.0
    deadline = time.monotonic() + timeout
    capture = Capture()

    def expire(_signum, _frame):
        raise DeadlineReached()

    # One deadline for the whole request, whatever it is waiting for (a name, a connection, a byte).
    signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    result = {"changed": True, "timed_out": False, "timeout_ms": max(1, params["timeout_ms"])}
    try:
        try:
            result["status"] = send(params["method"], params["url"], params["headers"] or {},
                                    body.encode("utf-8") if body is not None else None, deadline, params["user_agent"], capture,
                                    bool(params["keep_origin"]))
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    except (DeadlineReached, TimeoutError):
        result["timed_out"] = True
    except ssl.SSLError as error:
        result["error"] = "TLS: %s" % (error.reason or error)
    except (OSError, ValueError, http.client.HTTPException) as error:
        if time.monotonic() >= deadline:
            result["timed_out"] = True
        else:
            result["error"] = str(error) or type(error).__name__
    result.update(content=capture.text(), body_bytes=capture.total)
    module.exit_json(**result)


if __name__ == "__main__":
    main()

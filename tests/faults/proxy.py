"""A fault-injecting HTTP proxy in front of moto_server: the AWS SDK of the API or of the pump
talks to it (``AWS_ENDPOINT_URL``), and a test decides, per AWS call, whether it goes through,
fails as the service would refuse it, or is held (never answered) until the test lets it go or
drops it.

An AWS call is recognised by its protocol: the JSON protocols name the operation in
``X-Amz-Target`` (``AWSEvents.PutEvents``, ``DynamoDB_20120810.PutItem``), the query protocol
(SNS) in the form body (``Action=Publish``).
"""

from __future__ import annotations

import http.client
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
              "proxy-connection", "content-length"}


@dataclass
class Call:
    """One AWS call as the proxy sees it."""

    source: str                  # which client group: "api" or "pump"
    method: str
    path: str
    headers: dict
    body: bytes

    @property
    def operation(self) -> str:
        target = self.headers.get("x-amz-target")
        if target:
            return target.rsplit(".", 1)[-1]
        if self.body and b"Action=" in self.body:
            return parse_qs(self.body.decode("utf-8", "replace")).get("Action", [""])[0]
        return ""

    def form(self, name: str) -> str | None:
        values = parse_qs(self.body.decode("utf-8", "replace")).get(name)
        return values[0] if values else None


@dataclass
class Rule:
    """``matches(call)`` -> fail it (``fail``), hold it until released (``hold``: moto has not
    seen it) or hold its answer (``hold_answer``: moto has acted, the caller is not told)."""

    matches: Callable[[Call], bool]
    action: str                       # "fail" | "hold" | "hold_answer"
    hits: int = 0
    held: list = field(default_factory=list)    # threading.Event per held call
    released: threading.Event = field(default_factory=threading.Event)
    drop: bool = False                # a released held call: answered 502, never forwarded


def aws_error(call: Call) -> tuple[int, dict, bytes]:
    """A non-retryable refusal in the call's protocol (botocore's own retries would only
    stretch the fault window; an outage that outlasts them ends the same way)."""
    if call.headers.get("x-amz-target"):
        body = b'{"__type": "InjectedFault", "message": "injected by tests/faults"}'
        return 400, {"Content-Type": "application/x-amz-json-1.1"}, body
    body = (b"<ErrorResponse><Error><Type>Sender</Type><Code>InjectedFault</Code>"
            b"<Message>injected by tests/faults</Message></Error>"
            b"<RequestId>fault</RequestId></ErrorResponse>")
    return 400, {"Content-Type": "text/xml"}, body


class FaultProxy:
    """One proxy per client group (``source``), all sharing the test's rules."""

    def __init__(self, upstream: str):
        self.upstream = urlsplit(upstream)
        self.rules: list[Rule] = []
        self.lock = threading.Lock()
        self.servers: list[ThreadingHTTPServer] = []

    def listen(self, source: str) -> str:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format, *args):  # noqa: A002 - quiet
                pass

            def _any(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                call = Call(source, self.command, self.path,
                            {k.lower(): v for k, v in self.headers.items()}, body)
                status, headers, payload = proxy.handle(call)
                self.send_response(status)
                for name, value in headers.items():
                    if name.lower() not in HOP_BY_HOP:
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _any

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    def add(self, matches: Callable[[Call], bool], action: str = "fail") -> Rule:
        rule = Rule(matches, action)
        with self.lock:
            self.rules.append(rule)
        return rule

    def remove(self, rule: Rule, *, drop: bool = False) -> None:
        """End a fault; held calls go on to moto (or, with ``drop``, are answered 502)."""
        with self.lock:
            if rule in self.rules:
                self.rules.remove(rule)
        rule.drop = drop
        rule.released.set()

    def clear(self) -> None:
        for rule in list(self.rules):
            self.remove(rule)

    def handle(self, call: Call) -> tuple[int, dict, bytes]:
        with self.lock:
            rule = next((r for r in self.rules if r.matches(call)), None)
            if rule is not None:
                rule.hits += 1
        if rule is not None and rule.action == "fail":
            return aws_error(call)
        if rule is not None and rule.action == "hold":
            rule.held.append(call)
            rule.released.wait()
            if rule.drop:
                return 502, {"Content-Type": "text/plain"}, b"dropped by tests/faults"
        answer = self.forward(call)
        if rule is not None and rule.action == "hold_answer":
            rule.held.append(call)
            rule.released.wait()
        return answer

    def forward(self, call: Call) -> tuple[int, dict, bytes]:
        conn = http.client.HTTPConnection(self.upstream.hostname, self.upstream.port,
                                          timeout=120)
        try:
            headers = {k: v for k, v in call.headers.items() if k not in HOP_BY_HOP}
            conn.request(call.method, call.path, body=call.body or None, headers=headers)
            response = conn.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        except OSError as exc:
            return 502, {"Content-Type": "text/plain"}, repr(exc).encode()
        finally:
            conn.close()

    def close(self) -> None:
        self.clear()
        for server in self.servers:
            server.shutdown()
            server.server_close()

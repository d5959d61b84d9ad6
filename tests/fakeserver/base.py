"""A scripted HTTP server on 127.0.0.1 that records every request.

Vendor and GitHub fakes build on it: each registers routes (method + path regex) whose
handler returns a ``Reply``; tests can push one-off replies with ``script()`` that are
served before the route's default handler.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Recorded:
    """One request as the server saw it."""

    method: str
    path: str  # without the query string
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-cased names
    body: bytes
    t: float  # time.monotonic() at arrival

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


@dataclass
class Reply:
    """What to answer: status, headers, body (dict/list -> JSON, str/bytes as is), delay."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    content_type: str | None = None
    # Called with the request when the reply is served; returns the reply to send instead
    # (the vendor fakes bill a request's real token count this way).
    finish: Callable[[Recorded, Reply], Reply] | None = None


Handler = Callable[[Recorded, "re.Match[str]"], Reply]


class FakeServer:
    """A threaded HTTP/1.1 server with routes, one-off scripts and a request log."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []
        self._scripts: list[tuple[str, re.Pattern[str], deque[Reply]]] = []
        self._lock = threading.Lock()
        server = self

        class _H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                req = Recorded(
                    method=self.command,
                    path=parts.path,
                    query=parse_qs(parts.query),
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=raw,
                    t=time.monotonic(),
                )
                with server._lock:
                    server.requests.append(req)
                reply = server._dispatch(req)  # outside the lock: concurrent calls stay concurrent
                if reply.finish is not None:
                    reply = reply.finish(req, reply)
                if reply.delay_s:
                    time.sleep(reply.delay_s)
                if isinstance(reply.body, (dict, list)):
                    data = json.dumps(reply.body).encode()
                    ctype = reply.content_type or "application/json"
                elif isinstance(reply.body, bytes):
                    data, ctype = reply.body, reply.content_type or "application/octet-stream"
                elif reply.body is None:
                    data, ctype = b"", reply.content_type or "application/json"
                else:
                    data, ctype = str(reply.body).encode(), reply.content_type or "text/plain"
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", ctype)
                    for key, value in reply.headers.items():
                        self.send_header(key, value)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout test)

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _handle

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _H)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"

    # ---------------------------------------------------------------- routing

    def route(self, method: str, pattern: str, handler: Handler) -> None:
        """Register the default handler for ``method`` on paths matching ``pattern``."""
        self._routes.append((method.upper(), re.compile(pattern), handler))

    def script(self, method: str, pattern: str, *replies: Reply) -> None:
        """Queue one-off replies for matching requests, served in order before the route."""
        self._scripts.append((method.upper(), re.compile(pattern), deque(replies)))

    def _dispatch(self, req: Recorded) -> Reply:
        with self._lock:
            for method, pattern, queue in self._scripts:
                if method == req.method and pattern.fullmatch(req.path) and queue:
                    return queue.popleft()
        for method, pattern, handler in reversed(self._routes):
            match = pattern.fullmatch(req.path)
            if method == req.method and match:
                return handler(req, match)
        return Reply(404, {"message": "Not Found", "path": req.path})

    # ---------------------------------------------------------------- helpers

    def matching(self, method: str, pattern: str) -> list[Recorded]:
        """Recorded requests with ``method`` whose path matches ``pattern``."""
        rx = re.compile(pattern)
        return [r for r in self.requests if r.method == method.upper() and rx.fullmatch(r.path)]

    def reset(self) -> None:
        """Forget recorded requests and pending scripts (routes stay)."""
        with self._lock:
            self.requests.clear()
            self._scripts.clear()

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

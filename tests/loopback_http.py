"""The frame every loopback HTTP double of the suite shares; each double keeps only its API.

Where no real server can run here (the KFP API, Kubernetes with Katib, the Kubeflow Model
Registry, lakeFS) the tests drive the official client against a double on 127.0.0.1. What
they all need is the same: a threaded server on a free port served from a daemon thread, a
quiet request handler that reads a body (``Content-Length`` or chunked) and answers JSON or
bytes, and, for the doubles whose tests inspect traffic and inject faults, a record of every
request and a queue of faults picked by method and path.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qs, urlparse

JSON = "application/json"


class LoopbackServer:
    """``handler`` served on a free 127.0.0.1 port; ``start``/``stop`` or ``with``."""

    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()


class LoopbackHandler(BaseHTTPRequestHandler):
    """Body in, JSON or bytes out, nothing logged (the tests read what the double records)."""

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: a request line per call would bury pytest's output."""

    def read_body(self) -> bytes:
        """The request body, sent with ``Content-Length`` or ``Transfer-Encoding: chunked``."""
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while size := int(self.rfile.readline().split(b";")[0].strip(), 16):
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                pass  # trailer headers
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def send_bytes(
        self,
        status: int,
        payload: bytes,
        content_type: str,
        headers: Mapping[str, str] | None = None,
        head: bool = False,
    ) -> None:
        """One complete answer (its length is always sent, so keep-alive clients go on)."""
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if not head:
            self.wfile.write(payload)

    def send_json(self, status: int, document: Any) -> None:
        self.send_bytes(status, json.dumps(document).encode(), JSON)

    def drop_connection(self) -> None:
        """No answer at all: the client sees the connection closed under it."""
        self.close_connection = True
        self.connection.shutdown(2)


@dataclass
class Received:
    """One request as the double saw it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # names lower-cased
    body: Any


@dataclass
class Fault:
    """Instead of the normal answer to the next matching request: ``status`` (0: drop the
    connection). Each double's subclass adds how it plays out (carried out first, late)."""

    status: int = 0
    methods: tuple[str, ...] = ("GET", "POST", "DELETE")
    path_contains: str = ""


class RecordingDouble:
    """A JSON API double that records every request and takes faults from a queue.

    A subclass answers one request in :meth:`answer` (faults included) with
    ``(status, document)``, or ``None`` to drop the connection; :meth:`parse_body` may read
    more than JSON.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.received: list[Received] = []
        self.faults: list[Fault] = []
        self.server = LoopbackServer(_recording_handler(self))

    @property
    def url(self) -> str:
        return self.server.url

    def start(self) -> Self:
        self.server.start()
        return self

    def stop(self) -> None:
        self.server.stop()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def requests(self, method: str | None = None, path: str = "") -> list[Received]:
        """What was received, of ``method`` (any if None) on a path containing ``path``."""
        with self.lock:
            return [
                r
                for r in self.received
                if (method is None or r.method == method) and path in r.path
            ]

    def next_fault(self, request: Received) -> Fault | None:
        """Take the first queued fault matching ``request`` (hold ``lock``)."""
        for fault in self.faults:
            if request.method in fault.methods and fault.path_contains in request.path:
                self.faults.remove(fault)
                return fault
        return None

    def parse_body(self, content_type: str, raw: bytes) -> Any:
        return json.loads(raw) if raw else None

    def answer(self, request: Received) -> tuple[int, Any] | None:
        raise NotImplementedError


def _recording_handler(double: RecordingDouble) -> type[LoopbackHandler]:
    class Handler(LoopbackHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            raw = self.read_body()
            url = urlparse(self.path)
            request = Received(
                self.command,
                url.path,
                parse_qs(url.query),
                {k.lower(): v for k, v in self.headers.items()},
                double.parse_body(self.headers.get("Content-Type", ""), raw),
            )
            with double.lock:
                double.received.append(request)
            reply = double.answer(request)
            if reply is None:
                self.drop_connection()
            else:
                self.send_json(*reply)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    return Handler

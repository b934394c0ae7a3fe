"""Stand-ins for services outside this machine (WeCom, an SMS gateway): real HTTP servers on
127.0.0.1 that record what they receive and can be told to fail."""

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: Any
    at: float


@dataclass
class FakeReceiver:
    """Answers POSTs with `status` (200) after failing the first `fail_times` with `fail_status`."""

    status: int = 200
    body: dict[str, Any] = field(default_factory=lambda: {"errcode": 0, "errmsg": "ok"})
    fail_times: int = 0
    fail_status: int = 500
    delay: float = 0.0
    received: list[Received] = field(default_factory=list)
    failed: int = 0

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                raw = self.rfile.read(length)
                if receiver.delay:
                    time.sleep(receiver.delay)
                with receiver._lock:
                    failing = receiver.failed < receiver.fail_times
                    if failing:
                        receiver.failed += 1
                    else:
                        receiver.received.append(
                            Received(self.path, dict(self.headers), json.loads(raw), time.time())
                        )
                status = receiver.fail_status if failing else receiver.status
                self.answer(status, {} if failing else receiver.body)

            def do_GET(self) -> None:
                """How many messages it has received (for a receiver in another process)."""
                with receiver._lock:
                    count = len(receiver.received)
                self.answer(200, {"received": count})

            def answer(self, status: int, body: Any) -> None:
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def webhook_url(self, key: str = "test-robot") -> str:
        return f"{self.origin}/cgi-bin/webhook/send?key={key}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

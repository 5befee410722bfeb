"""A receiver built on the official Standard Webhooks library for Python
(PyPI `standardwebhooks`), used as its documentation shows: the raw body and
the request's headers go to Webhook.verify.

Usage: WEBHOOK_SECRET=whsec_... python standard_receiver.py
Prints "listening <port>" once ready. POST / receives webhooks (answers 401
when verification fails); GET /results returns what each delivery looked
like; PUT /secret (plain text) deploys another secret.
"""

import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook

state = {"secret": os.environ.get("WEBHOOK_SECRET", "")}
results = []
lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length", "0")))

    def _answer(self, code: int, body: bytes, kind: str = "text/plain") -> None:
        self.send_response(code)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        body = self._body()
        headers = {name: value for name, value in self.headers.items()}
        valid, error, payload = False, None, None
        try:
            payload = Webhook(state["secret"]).verify(body, headers)
            valid = True
        except Exception as e:  # the library's errors, reported as they are
            error = f"{type(e).__name__}: {e}"
        with lock:
            results.append(
                {
                    "delivery_id": self.headers.get("webhook-id"),
                    "secret": state["secret"],
                    "valid": valid,
                    "error": error,
                    "event": payload.get("event") if isinstance(payload, dict) else None,
                }
            )
        self._answer(200 if valid else 401, b"ok" if valid else b"invalid")

    def do_PUT(self) -> None:
        state["secret"] = self._body().decode()
        self._answer(204, b"")

    def do_GET(self) -> None:
        with lock:
            body = json.dumps(results).encode()
        self._answer(200, body, "application/json")

    def log_message(self, *args: object) -> None:
        pass


if not state["secret"]:
    print("WEBHOOK_SECRET is required", file=sys.stderr)
    sys.exit(2)
server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(f"listening {server.server_address[1]}", flush=True)
threading.Thread(target=server.serve_forever, daemon=True).start()
# Stop with the test that started us.
sys.stdin.read()

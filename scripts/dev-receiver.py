#!/usr/bin/env python3
"""A webhook receiver for local development: prints every delivery it gets
(headers and body), checks the signature when WEBHOOK_SECRET is set, and
answers 200. Usage: [WEBHOOK_SECRET=...] scripts/dev-receiver.py [PORT]"""

import hashlib
import hmac
import http.server
import os
import sys


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 (the stdlib's naming)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        print(f"--- {self.headers.get('X-InboundFlow-Event')} {self.headers.get('X-InboundFlow-Delivery-Id')}")
        for name in ("X-InboundFlow-Timestamp", "X-InboundFlow-Signature", "User-Agent"):
            print(f"{name}: {self.headers.get(name)}")
        secret = os.environ.get("WEBHOOK_SECRET")
        if secret:
            signed = f"{self.headers.get('X-InboundFlow-Timestamp')}.".encode() + body
            expected = "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
            ok = hmac.compare_digest(expected, self.headers.get("X-InboundFlow-Signature") or "")
            print(f"signature: {'valid' if ok else 'INVALID'}")
        print(body.decode("utf-8", "replace"), flush=True)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8081
    print(f"listening on http://127.0.0.1:{port}/", flush=True)
    http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()

#!/usr/bin/env python3
"""A webhook receiver for local development: prints every delivery it gets
(headers and body), checks its signature, and answers 200 (or the status code
written in --status-file, read for every request, to play a failing receiver).

Usage: scripts/dev-receiver.py [PORT] [--secret-file FILE] [--status-file FILE]

The signing secret comes from FILE, read again for every request (so it can be
written after the receiver starts, as README's walkthrough does), or from the
WEBHOOK_SECRET environment variable."""

import argparse
import hashlib
import hmac
import http.server
import os
import pathlib


def secret(path: "pathlib.Path | None") -> "str | None":
    if path is not None and path.exists():
        return path.read_text().strip() or None
    return os.environ.get("WEBHOOK_SECRET")


def status(path: "pathlib.Path | None") -> int:
    if path is not None and path.exists():
        text = path.read_text().strip()
        if text.isdigit():
            return int(text)
    return 200


class Handler(http.server.BaseHTTPRequestHandler):
    secret_file: "pathlib.Path | None" = None
    status_file: "pathlib.Path | None" = None

    def do_POST(self):  # noqa: N802 (the stdlib's naming)
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            self.send_error(400, "bad Content-Length")
            return
        body = self.rfile.read(length)
        print(f"--- {self.headers.get('X-InboundFlow-Event')} {self.headers.get('X-InboundFlow-Delivery-Id')}")
        for name in ("X-InboundFlow-Timestamp", "X-InboundFlow-Signature", "User-Agent"):
            print(f"{name}: {self.headers.get(name)}")
        key = secret(self.secret_file)
        if key:
            signed = f"{self.headers.get('X-InboundFlow-Timestamp')}.".encode() + body
            expected = "sha256=" + hmac.new(key.encode(), signed, hashlib.sha256).hexdigest()
            ok = hmac.compare_digest(expected, self.headers.get("X-InboundFlow-Signature") or "")
            print(f"signature: {'valid' if ok else 'INVALID'}")
        else:
            print("signature: not checked (no secret yet)")
        print(body.decode("utf-8", "replace"), flush=True)
        code = status(self.status_file)
        print(f"answered: {code}", flush=True)
        self.send_response(code)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Prints and verifies webhooks.")
    parser.add_argument("port", nargs="?", type=int, default=8081)
    parser.add_argument("--secret-file", type=pathlib.Path)
    parser.add_argument("--status-file", type=pathlib.Path)
    args = parser.parse_args()
    Handler.secret_file = args.secret_file
    Handler.status_file = args.status_file
    print(f"listening on http://127.0.0.1:{args.port}/", flush=True)
    http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler).serve_forever()

"""Both sides of a webhook against a running service.

Starts a receiver that verifies signatures, subscribes it, emits a
call.completed event and prints the verified delivery:

    INBOUNDFLOW_API_KEY=... python examples/quickstart.py --addr 127.0.0.1:50051 --insecure

The API key (--api-key, or INBOUNDFLOW_API_KEY) must be an admin key of the
organization (--org) or an operator key. The service must allow plain-HTTP
loopback targets (--allow-private-targets) for the local receiver; real
subscriptions use HTTPS URLs.
"""

import argparse
import http.server
import os
import queue
import sys
import threading

import grpc

from inboundflow.webhooks import VerifyError, WebhooksClient, field_violations, verify
from inboundflow.webhooks.v1 import event_service_pb2, events_pb2, subscriptions_pb2

SECRET = "quickstart-secret-0123456789"
verified: "queue.Queue[str]" = queue.Queue()


class Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            self.send_error(400, "bad Content-Length")
            return
        body = self.rfile.read(min(length, 1 << 20))
        try:
            # Verify the raw bytes before trusting anything in them.
            verify(body, self.headers, SECRET)
        except VerifyError as err:
            self.send_error(401, str(err))
            return
        self.send_response(200)
        self.end_headers()
        verified.put(body.decode("utf-8"))

    def log_message(self, format: str, *args: object) -> None:
        pass


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--addr", default="127.0.0.1:50051", help="service address, host:port")
    parser.add_argument("--insecure", action="store_true", help="plaintext connection (local service)")
    parser.add_argument("--org", default="org_quickstart", help="organization id")
    # The environment is the safer place for a key: a flag shows in the
    # process list and the shell history.
    parser.add_argument("--api-key", help="API key, admin or operator (default: $INBOUNDFLOW_API_KEY)")
    args = parser.parse_args()
    api_key = args.api_key or os.environ.get("INBOUNDFLOW_API_KEY")
    if not api_key:
        parser.error(
            "no API key: set INBOUNDFLOW_API_KEY or pass --api-key (make one with `inboundflow-webhooks keys create`)"
        )

    receiver = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    with WebhooksClient(args.addr, insecure=args.insecure, bearer_token=api_key) as client:
        try:
            subscription = client.subscriptions.CreateSubscription(
                subscriptions_pb2.CreateSubscriptionRequest(
                    organization_id=args.org,
                    subscription=subscriptions_pb2.Subscription(
                        url=f"http://127.0.0.1:{receiver.server_address[1]}/webhook",
                        integration=subscriptions_pb2.INTEGRATION_CUSTOM,
                        event_types=[events_pb2.EVENT_TYPE_CALL_COMPLETED],
                    ),
                    signing_secret=SECRET,
                ),
                timeout=10,
            ).subscription
        except grpc.RpcError as err:
            # An INVALID_ARGUMENT names each bad field: a plain-HTTP loopback
            # URL is refused unless the service allows private targets.
            for violation in field_violations(err):
                print(f"{violation.field}: {violation.description}", file=sys.stderr)
            raise
        try:
            emitted = client.events.EmitEvent(
                event_service_pb2.EmitEventRequest(
                    organization_id=args.org,
                    call_completed=events_pb2.CallCompleted(
                        call_id="call_quickstart",
                        caller_name="José Ñúñez",
                        summary="Wants an oil change on Friday 🚗",
                        urgency=events_pb2.URGENCY_MEDIUM,
                    ),
                ),
                timeout=10,
            )
            print("emitted", emitted.event.id, "deliveries", list(emitted.delivery_ids))
            try:
                print("received and verified:", verified.get(timeout=30))
            except queue.Empty:
                print("no verified delivery within 30 s", file=sys.stderr)
                return 1
        finally:
            client.subscriptions.DeleteSubscription(
                subscriptions_pb2.DeleteSubscriptionRequest(organization_id=args.org, subscription_id=subscription.id),
                timeout=10,
            )
            receiver.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())

// A real HTTP receiver for the browser tests: records every webhook and
// answers 200, or 500 while told to fail.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface Received {
  event: string;
  deliveryId: string;
  body: { event: string; data: Record<string, unknown> };
}

export class Receiver {
  readonly received: Received[] = [];
  failing = false;
  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<Receiver> {
    let receiver: Receiver | undefined;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        if (!receiver) return;
        if (receiver.failing) {
          res.writeHead(500, { "content-type": "text/plain" }).end("receiver is down for maintenance");
          return;
        }
        receiver.received.push({
          event: String(req.headers["x-inboundflow-event"] ?? ""),
          deliveryId: String(req.headers["x-inboundflow-delivery-id"] ?? ""),
          body: JSON.parse(Buffer.concat(chunks).toString("utf8")),
        });
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ ok: true, received: req.headers["x-inboundflow-event"] }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    receiver = new Receiver(server, `http://127.0.0.1:${port}/hook`);
    return receiver;
  }

  /** Call ids of the `call.completed` events received (tests' own markers). */
  callIds(): string[] {
    return this.received.filter((r) => r.event === "call.completed").map((r) => String(r.body.data.call_id));
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

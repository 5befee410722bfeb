// The real service binary on a fresh SQLite file, for the browser tests, and
// what a dashboard's backend does with it: keys, embed tokens, emits (over
// gRPC-Web from Node, with the generated TypeScript client).
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { create } from "@bufbuild/protobuf";
import { createClient, type Client } from "@connectrpc/connect";
import { createGrpcWebTransport } from "@connectrpc/connect-web";

import { ApiKeyService } from "../../../clients/typescript/src/gen/inboundflow/webhooks/v1/api_keys_pb.js";
import { EventService } from "../../../clients/typescript/src/gen/inboundflow/webhooks/v1/event_service_pb.js";
import { CallCompletedSchema } from "../../../clients/typescript/src/gen/inboundflow/webhooks/v1/events_pb.js";

const BINARY = process.env.INBOUNDFLOW_BIN ?? join(process.env.CARGO_TARGET_DIR ?? "../target", "debug", "inboundflow-webhooks");

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== "object" || address === null) throw new Error("no port");
  return address.port;
}

export class Service {
  private constructor(
    private readonly child: ChildProcess,
    private readonly dir: string,
    readonly origin: string,
    private readonly databaseUrl: string,
  ) {}

  /** Starts the binary; `webOrigins` may frame the page and call it cross-origin. */
  static async start(webOrigins: string[]): Promise<Service> {
    const dir = mkdtempSync(join(tmpdir(), "inboundflow-web-"));
    const databaseUrl = `sqlite://${join(dir, "webhooks.db")}`;
    const port = await freePort();
    const args = [
      "serve",
      "--listen", `127.0.0.1:${port}`,
      "--database-url", databaseUrl,
      "--allow-private-targets",
      "--retry-schedule", "300ms,300ms,300ms,300ms",
      "--retry-jitter", "0",
      "--failure-threshold", "3",
      "--idle-poll", "200ms",
    ];
    if (webOrigins.length > 0) args.push("--web-origins", webOrigins.join(","));
    const child = spawn(BINARY, args, { stdio: ["ignore", "ignore", process.env.TEST_LOG ? "inherit" : "ignore"] });
    const service = new Service(child, dir, `http://127.0.0.1:${port}`, databaseUrl);
    await service.ready();
    return service;
  }

  private async ready(): Promise<void> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        const response = await fetch(`${this.origin}/integrations/settings.json`);
        if (response.ok) return;
      } catch {
        // Not listening yet.
      }
      if (Date.now() > deadline || this.child.exitCode !== null) throw new Error(`the service at ${this.origin} did not start`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** An API key made on the database directly, as the README's first key. */
  key(role: "admin" | "operator" | "emitter", organization?: string): string {
    const args = ["keys", "create", "--role", role, "--database-url", this.databaseUrl];
    if (organization) args.push("--organization", organization);
    return execFileSync(BINARY, args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  }

  /** Clients acting with `key`, over gRPC-Web. */
  clients(key: string): { apiKeys: Client<typeof ApiKeyService>; events: Client<typeof EventService> } {
    const transport = createGrpcWebTransport({
      baseUrl: this.origin,
      interceptors: [(next) => (req) => {
        req.header.set("authorization", `Bearer ${key}`);
        return next(req);
      }],
    });
    return { apiKeys: createClient(ApiKeyService, transport), events: createClient(EventService, transport) };
  }

  /** What the host dashboard's backend does: an embed token for `organization`. */
  async embedToken(adminKey: string, ttlSeconds?: number): Promise<string> {
    const response = await this.clients(adminKey).apiKeys.createEmbedToken({
      ttl: ttlSeconds === undefined ? undefined : { seconds: BigInt(ttlSeconds), nanos: 0 },
    });
    return response.token;
  }

  /** Emits a `call.completed` whose call id is `callId`. */
  async emitCall(key: string, callId: string): Promise<void> {
    const now = Math.floor(Date.now() / 1000);
    await this.clients(key).events.emitEvent({
      idempotencyKey: `${callId}:completed`,
      payload: {
        case: "callCompleted",
        value: create(CallCompletedSchema, {
          callId,
          callerPhone: "+34600000000",
          callerName: "José Ñúñez",
          durationSeconds: 55,
          summary: "Quiere una revisión de frenos.",
          startedAt: { seconds: BigInt(now - 60), nanos: 0 },
          endedAt: { seconds: BigInt(now), nanos: 0 },
        }),
      },
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      const exited = new Promise((resolve) => this.child.once("exit", resolve));
      this.child.kill("SIGTERM");
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

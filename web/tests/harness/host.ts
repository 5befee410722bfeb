// A stand-in for the customer's dashboard: a page on another origin that
// frames /integrations and hands it an embed token, by URL fragment or by
// postMessage, and answers its requests for a fresh one.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface HostOptions {
  /** Where the service is, e.g. http://127.0.0.1:50051. */
  service: string;
  /** Query string for the page (`lang=es`), without `?`. */
  query?: string;
}

/** The host page; `token` is fetched from `/token` (the dashboard backend). */
function hostPage({ service, query }: HostOptions): string {
  const src = `${service}/integrations${query ? `?${query}` : ""}`;
  return `<!doctype html><html><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Dashboard</title>
<style>body{margin:0;font-family:sans-serif} header{padding:8px 16px;background:#222;color:#fff} iframe{border:0;width:100%;height:100vh;display:block}</style>
</head><body><header>Dashboard · Settings → Integrations</header>
<iframe id="integrations" title="Integrations" src="${src}" allow="clipboard-write"></iframe>
<script>
  window.hostLog = [];
  const frame = document.getElementById("integrations");
  const target = ${JSON.stringify(service)};
  async function sendToken() {
    const token = await (await fetch("/token")).text();
    frame.contentWindow.postMessage({ type: "inboundflow:token", token }, target);
  }
  window.addEventListener("message", (event) => {
    if (event.origin !== target || event.source !== frame.contentWindow) return;
    window.hostLog.push(event.data.type);
    if (event.data.type === "inboundflow:ready" || event.data.type === "inboundflow:token-expired") sendToken();
  });
</script></body></html>`;
}

export class Host {
  private constructor(
    private readonly server: Server,
    readonly origin: string,
  ) {}

  /** Serves the host page at `/`, and `/token` from `mint()` on every request. */
  static async start(options: () => HostOptions, mint: () => Promise<string>, port = 0): Promise<Host> {
    const server = createServer((req, res) => {
      if (req.url === "/token") {
        mint().then(
          (token) => res.writeHead(200, { "content-type": "text/plain" }).end(token),
          (err: unknown) => res.writeHead(500).end(String(err)),
        );
        return;
      }
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(hostPage(options()));
    });
    await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
    const { port: bound } = server.address() as AddressInfo;
    return new Host(server, `http://127.0.0.1:${bound}`);
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

// Where the page's token, language and theme come from, and what it tells the
// page that embeds it.
//
// The host dashboard mints an embed token (ApiKeyService.CreateEmbedToken) and
// either puts it in the frame's URL fragment (`#token=ife_…`, never sent to a
// server nor kept in history: the page removes it at once) or posts it:
// `frame.contentWindow.postMessage({ type: "inboundflow:token", token }, origin)`.
// Only messages from the parent window are read; the service allows only
// `--web-origins` to frame the page at all. The page posts
// `inboundflow:ready` when it listens, `inboundflow:token-expired` when the
// token stops working (post a fresh one and it carries on), and
// `inboundflow:resize` with its height so the frame can fit it.

const STORAGE_KEY = "inboundflow.embedToken";
/** CSS custom properties a host may set, and values that cannot load anything. */
const THEME_NAME = /^--if-[a-z0-9-]{1,40}$/;
const THEME_VALUE = /^[#(),.%\w\s-]{1,80}$/;

export interface Settings {
  /** The service accepts plain http:// and private addresses (development only). */
  allowPrivateTargets: boolean;
}

type Listener = () => void;

export class Session {
  private token: string | null;
  private readonly listeners: Listener[] = [];

  constructor() {
    const fragment = new URLSearchParams(window.location.hash.slice(1));
    const fromUrl = fragment.get("token");
    if (fromUrl) {
      window.history.replaceState(null, "", window.location.pathname + window.location.search);
    }
    this.token = fromUrl ?? readStored();
    if (fromUrl) store(fromUrl);
    window.addEventListener("message", (event) => this.onMessage(event));
    this.post({ type: "inboundflow:ready" });
  }

  current(): string | null {
    return this.token;
  }

  /** Called whenever a new token arrives. */
  onToken(listener: Listener): void {
    this.listeners.push(listener);
  }

  expired(): void {
    this.post({ type: "inboundflow:token-expired" });
  }

  reportHeight(height: number): void {
    this.post({ type: "inboundflow:resize", height });
  }

  private onMessage(event: MessageEvent): void {
    if (window.parent === window || event.source !== window.parent) return;
    const data: unknown = event.data;
    if (typeof data !== "object" || data === null) return;
    const message = data as { type?: unknown; token?: unknown; vars?: unknown };
    if (message.type === "inboundflow:token" && typeof message.token === "string" && message.token) {
      this.token = message.token;
      store(message.token);
      for (const listener of this.listeners) listener();
    } else if (message.type === "inboundflow:theme" && typeof message.vars === "object" && message.vars) {
      applyTheme(message.vars as Record<string, unknown>);
    }
  }

  private post(message: object): void {
    // Nothing secret is ever posted, and the host's origin is not known
    // here, so any parent may read these.
    if (window.parent !== window) window.parent.postMessage(message, "*");
  }
}

/** Sets the host's CSS custom properties (`--if-accent` and the rest). */
export function applyTheme(vars: Record<string, unknown>): void {
  for (const [name, value] of Object.entries(vars)) {
    const safe = typeof value === "string" && THEME_VALUE.test(value) && !/url\s*\(/i.test(value);
    if (THEME_NAME.test(name) && safe) {
      document.documentElement.style.setProperty(name, value as string);
    }
  }
}

export async function loadSettings(): Promise<Settings> {
  try {
    const response = await fetch("/integrations/settings.json", { cache: "no-store" });
    const body = (await response.json()) as Partial<Settings>;
    return { allowPrivateTargets: body.allowPrivateTargets === true };
  } catch {
    return { allowPrivateTargets: false };
  }
}

// Session storage keeps the token across a reload of the frame, and only
// for this tab; where storage is blocked the token lives in memory only.
function readStored(): string | null {
  try {
    return window.sessionStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

function store(token: string): void {
  try {
    window.sessionStorage.setItem(STORAGE_KEY, token);
  } catch {
    // Memory only.
  }
}

// Debian's Chromium driven by playwright-core (no browser download), with
// the flags this machine's closed network needs, and where the screenshots
// go. Every launch gets a fresh temporary profile from playwright itself.
import { mkdirSync } from "node:fs";
import { join } from "node:path";

import { chromium, type Browser } from "playwright-core";

export const ARTEFACTS = process.env.WEB_ARTEFACTS ?? join(process.cwd(), "artefacts");

export async function launch(): Promise<{ browser: Browser; close(): Promise<void> }> {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_BIN ?? "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  mkdirSync(ARTEFACTS, { recursive: true });
  return {
    browser,
    async close() {
      await browser.close();
    },
  };
}

export function shot(name: string): string {
  return join(ARTEFACTS, `${name}.png`);
}

// Bounded polling for the browser tests: playwright-core has no `expect`.
import type { Locator } from "playwright-core";

export async function until(what: string, probe: () => Promise<boolean> | boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export async function countIs(locator: Locator, n: number, what: string): Promise<void> {
  await until(`${what} (${n})`, async () => (await locator.count()) === n);
}

export async function textOf(locator: Locator): Promise<string> {
  return (await locator.textContent())?.trim() ?? "";
}

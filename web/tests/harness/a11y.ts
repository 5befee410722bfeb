// Accessibility checks run in the page: text contrast against what is
// behind it (WCAG 2 formula), and controls without an accessible name.
import type { Frame, Page } from "playwright-core";

export interface LowContrast {
  text: string;
  ratio: number;
}

/** Visible text whose contrast is under 4.5:1. */
export function lowContrast(target: Page | Frame): Promise<LowContrast[]> {
  return target.evaluate(() => {
    const parse = (c: string): [number, number, number, number] => {
      const m = c.match(/[\d.]+/g)?.map(Number) ?? [0, 0, 0];
      return [m[0] ?? 0, m[1] ?? 0, m[2] ?? 0, m[3] ?? 1];
    };
    const luminance = ([r, g, b]: number[]): number => {
      const lin = (v: number) => {
        const s = v / 255;
        return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
      };
      return 0.2126 * lin(r ?? 0) + 0.7152 * lin(g ?? 0) + 0.0722 * lin(b ?? 0);
    };
    const background = (el: Element | null): number[] => {
      for (let e = el; e; e = e.parentElement) {
        const bg = parse(getComputedStyle(e).backgroundColor);
        if (bg[3] > 0.5) return bg;
      }
      return [255, 255, 255, 1];
    };
    const found: { text: string; ratio: number }[] = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const el = node.parentElement;
      const text = node.textContent?.trim() ?? "";
      if (!el || !text || el.closest("[hidden], .toast, button:disabled")) continue;
      const rect = el.getBoundingClientRect();
      if (rect.width === 0 || rect.height === 0) continue;
      const fg = luminance(parse(getComputedStyle(el).color));
      const bg = luminance(background(el));
      const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
      if (ratio < 4.5) found.push({ text: text.slice(0, 40), ratio: Math.round(ratio * 100) / 100 });
    }
    return found;
  });
}

/** Buttons, inputs and links with no accessible name (no text, label or aria-label). */
export function unnamedControls(target: Page | Frame): Promise<string[]> {
  return target.evaluate(() =>
    [...document.querySelectorAll("button, input, a[href], select, textarea")]
      .filter((el) => {
        if (el.closest("[hidden]")) return false;
        const labelled = el.getAttribute("aria-label") || el.getAttribute("aria-labelledby");
        const text = el.textContent?.trim();
        const input = el as HTMLInputElement;
        const label = input.labels && input.labels.length > 0;
        return !labelled && !text && !label;
      })
      .map((el) => el.outerHTML.slice(0, 80)),
  );
}

/**
 * Signing and verifying `X-InboundFlow-Signature`: `sha256=` + lowercase hex
 * HMAC-SHA256, keyed by the signing secret's UTF-8 bytes, over
 * `"{X-InboundFlow-Timestamp}.{raw body}"`. The checks, their order and their
 * reasons are those of the service's own verifier and of tests/vectors.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

export const TIMESTAMP_HEADER = "X-InboundFlow-Timestamp";
export const SIGNATURE_HEADER = "X-InboundFlow-Signature";
export const EVENT_HEADER = "X-InboundFlow-Event";
export const DELIVERY_ID_HEADER = "X-InboundFlow-Delivery-Id";
export const DEFAULT_TOLERANCE_SECONDS = 300;

/** Why a webhook was rejected; the values match tests/vectors. */
export type VerifyFailure =
  | "missing_header"
  | "malformed_timestamp"
  | "malformed_signature"
  | "stale_timestamp"
  | "bad_signature";

export type VerifyResult =
  | { ok: true }
  | { ok: false; reason: VerifyFailure; message: string; header?: string };

export interface VerifyOptions {
  /**
   * Allowed distance between now and the signed timestamp, in seconds (a
   * fraction is truncated); default 300. Not a finite number: every webhook
   * fails with `stale_timestamp`.
   */
  toleranceSeconds?: number;
  /**
   * Current time in unix seconds (a fraction is floored); default the clock.
   * Not a finite number: every webhook fails with `stale_timestamp`.
   */
  now?: number;
}

/** Node's `req.headers` (any key case), or a fetch `Headers`. */
export type HeaderSource =
  | { get(name: string): string | null }
  | Record<string, string | readonly string[] | undefined>;

// Unicode White_Space, the set the service trims. String.prototype.trim
// differs (it keeps U+0085 and drops U+FEFF).
const WS = "[\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]";
const TRIM = new RegExp(`^${WS}+|${WS}+$`, "g");
const TIMESTAMP = /^[+-]?[0-9]+$/;
const SIGNATURE = /^sha256=([0-9A-Fa-f]{64})$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const encoder = new TextEncoder();

function bytes(value: Uint8Array | string): Uint8Array {
  return typeof value === "string" ? encoder.encode(value) : value;
}

function mac(secret: Uint8Array | string, timestamp: bigint, body: Uint8Array | string): Buffer {
  return createHmac("sha256", bytes(secret)).update(`${timestamp}.`).update(bytes(body)).digest();
}

/** The X-InboundFlow-Signature value the service sends for `body` at `timestamp`. */
export function sign(secret: Uint8Array | string, timestamp: number | bigint, body: Uint8Array | string): string {
  return "sha256=" + mac(secret, BigInt(timestamp), body).toString("hex");
}

/** One header's values: none (absent), or as many as were received. */
function values(headers: HeaderSource, name: string): string[] {
  if (headers === null || typeof headers !== "object") return [];
  if (typeof headers.get === "function") {
    const value = (headers as { get(name: string): string | null }).get(name);
    return typeof value === "string" ? [value] : [];
  }
  const lower = name.toLowerCase();
  const found: string[] = [];
  for (const [key, value] of Object.entries(headers as Record<string, unknown>)) {
    if (key.toLowerCase() !== lower || value === undefined) continue;
    if (typeof value === "string") found.push(value);
    else if (Array.isArray(value)) found.push(...value.map(String));
  }
  return found;
}

function fail(reason: VerifyFailure, message: string, header?: string): VerifyResult {
  return header === undefined ? { ok: false, reason, message } : { ok: false, reason, message, header };
}

/** A finite number option, its default when absent, or undefined when invalid. */
function numberOption(value: unknown, fallback: number): number | undefined {
  if (value === undefined || value === null) return fallback;
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

/** What a value is, for messages: "undefined", "null", "number", "Object", "ArrayBuffer", … */
function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value !== "object") return typeof value;
  const name = (Object.getPrototypeOf(value) as { constructor?: { name?: unknown } } | null)?.constructor?.name;
  return typeof name === "string" && name !== "" ? name : "object";
}

/** An invalid option for messages: the number itself (NaN, Infinity), else what it is. */
function describeOption(value: unknown): string {
  return typeof value === "number" ? String(value) : describe(value);
}

function parseTimestamp(value: string): bigint | undefined {
  const text = value.replace(TRIM, "");
  if (!TIMESTAMP.test(text)) return undefined;
  const n = BigInt(text);
  return n < INT64_MIN || n > INT64_MAX ? undefined : n;
}

/**
 * Checks a received webhook. `body` must be the raw request bytes (not
 * `JSON.stringify(req.body)`), `headers` the request's headers and `secret`
 * the subscription's signing secret.
 *
 * Never throws on bad input; it returns a failure instead. A `body` that is
 * neither a string nor a Uint8Array (Buffer), such as the `{}` that
 * `express.raw` leaves for a content type it does not match, or `undefined`,
 * cannot match the signature: `bad_signature`, after the header checks. An
 * `options.toleranceSeconds` or `options.now` that is not a finite number
 * (NaN, Infinity, a string) leaves nothing to check the timestamp against:
 * `stale_timestamp`, after the header checks.
 */
export function verify(
  body: Uint8Array | string,
  headers: HeaderSource,
  secret: Uint8Array | string,
  options: VerifyOptions = {},
): VerifyResult {
  const { toleranceSeconds, now: nowOption } = (options ?? {}) as VerifyOptions;
  const timestamps = values(headers, TIMESTAMP_HEADER);
  if (timestamps.length === 0) return fail("missing_header", `missing ${TIMESTAMP_HEADER} header`, TIMESTAMP_HEADER);
  const signatures = values(headers, SIGNATURE_HEADER);
  if (signatures.length === 0) return fail("missing_header", `missing ${SIGNATURE_HEADER} header`, SIGNATURE_HEADER);

  const timestamp = timestamps.length === 1 ? parseTimestamp(timestamps[0]!) : undefined;
  if (timestamp === undefined) {
    return fail("malformed_timestamp", `malformed ${TIMESTAMP_HEADER} header: expected unix seconds`);
  }
  const match = signatures.length === 1 ? SIGNATURE.exec(signatures[0]!.replace(TRIM, "")) : null;
  if (match === null) {
    return fail("malformed_signature", `malformed ${SIGNATURE_HEADER} header: expected exactly one sha256=<64 hex digits>`);
  }
  const toleranceOption = numberOption(toleranceSeconds, DEFAULT_TOLERANCE_SECONDS);
  if (toleranceOption === undefined) {
    return fail(
      "stale_timestamp",
      `cannot check the timestamp: toleranceSeconds must be a finite number of seconds, got ${describeOption(toleranceSeconds)}`,
    );
  }
  const nowSeconds = numberOption(nowOption, Date.now() / 1000);
  if (nowSeconds === undefined) {
    return fail(
      "stale_timestamp",
      `cannot check the timestamp: now must be a finite number of unix seconds, got ${describeOption(nowOption)}`,
    );
  }
  const tolerance = BigInt(Math.trunc(toleranceOption));
  const now = BigInt(Math.floor(nowSeconds));
  const age = now - timestamp;
  if (age > tolerance || -age > tolerance) {
    return fail("stale_timestamp", `timestamp is ${age}s away from now, beyond the ${tolerance}s tolerance`);
  }
  if (typeof body !== "string" && !(body instanceof Uint8Array)) {
    return fail(
      "bad_signature",
      `body is not the raw request bytes: expected a string or Uint8Array, got ${describe(body)}`,
    );
  }
  const received = Buffer.from(match[1]!, "hex");
  if (!timingSafeEqual(mac(secret, timestamp, body), received)) {
    return fail("bad_signature", "signature does not match");
  }
  return { ok: true };
}

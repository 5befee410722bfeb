/**
 * Signing and verifying `X-InboundFlow-Signature`: `sha256=` + lowercase hex
 * HMAC-SHA256, keyed by the signing secret's UTF-8 bytes, over
 * `"{X-InboundFlow-Timestamp}.{raw body}"`. During a signing secret rotation's
 * grace period, `X-InboundFlow-Signature-Next` holds the same made with the new
 * secret, and `X-InboundFlow-Signature` keeps the one made with the old secret;
 * a receiver given both secrets verifies throughout. The checks, their order
 * and their reasons are those of the service's own verifier and of tests/vectors.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

export const TIMESTAMP_HEADER = "X-InboundFlow-Timestamp";
export const SIGNATURE_HEADER = "X-InboundFlow-Signature";
/** Sent only during a signing secret rotation: the signature made with the new secret. */
export const SIGNATURE_NEXT_HEADER = "X-InboundFlow-Signature-Next";
export const EVENT_HEADER = "X-InboundFlow-Event";
export const DELIVERY_ID_HEADER = "X-InboundFlow-Delivery-Id";
export const DEFAULT_TOLERANCE_SECONDS = 300;

/** Why a webhook was rejected; the values match tests/vectors. */
export const Reason = {
  MISSING_HEADER: "missing_header",
  MALFORMED_TIMESTAMP: "malformed_timestamp",
  MALFORMED_SIGNATURE: "malformed_signature",
  STALE_TIMESTAMP: "stale_timestamp",
  BAD_SIGNATURE: "bad_signature",
} as const;
export type Reason = (typeof Reason)[keyof typeof Reason];
/** @deprecated The name of earlier releases: use `Reason`. */
export type VerifyFailure = Reason;

/** A received webhook did not verify: `reason` says why, `message` in words. */
export class VerifyError extends Error {
  override readonly name = "VerifyError";
  constructor(
    readonly reason: Reason,
    message: string,
    /**
     * The absent header, for `missing_header` (`SIGNATURE_HEADER` when neither
     * signature header was sent), or the malformed one, for `malformed_signature`.
     */
    readonly header?: string,
  ) {
    super(message);
  }
}

export interface VerifyOptions {
  /**
   * Allowed distance between now and the signed timestamp, in seconds (a
   * fraction is truncated); default 300. Not a finite number: every webhook
   * fails with `stale_timestamp`.
   */
  tolerance?: number;
  /** @deprecated The name of earlier releases: use `tolerance`. */
  toleranceSeconds?: number;
  /**
   * The current time, in unix seconds (a fraction is floored) or as a Date;
   * default the clock. Not a finite number or a valid Date: every webhook
   * fails with `stale_timestamp`.
   */
  now?: number | Date;
}

/**
 * The request's headers as the framework gives them, names in any case:
 * Node's `req.headers` (`IncomingHttpHeaders`), a fetch `Headers`, a `Map`
 * or a plain object.
 */
export type HeaderSource =
  | { get(name: string): string | null }
  | ReadonlyMap<string, string | readonly string[] | undefined>
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
  // A Map's get, unlike a fetch Headers', is case-sensitive: compare every key.
  const entries =
    headers instanceof Map
      ? [...(headers as ReadonlyMap<unknown, unknown>).entries()]
      : typeof headers.get === "function"
        ? [[name, (headers as { get(name: string): unknown }).get(name)]]
        : Object.entries(headers as Record<string, unknown>);
  const lower = name.toLowerCase();
  const found: string[] = [];
  for (const [key, value] of entries) {
    if (typeof key !== "string" || key.toLowerCase() !== lower) continue;
    if (typeof value === "string") found.push(value);
    else if (Array.isArray(value)) found.push(...value.map(String));
  }
  return found;
}

/** A signing secret: its UTF-8 bytes, or the bytes themselves, are the HMAC key. */
export type Secret = Uint8Array | string;

/**
 * The secrets to try: the one given, or each of an array. An empty array
 * would reject every webhook whatever it carries: a receiver's configuration
 * error, so a TypeError rather than a VerifyError.
 */
function secretList(secret: unknown): unknown[] {
  if (!Array.isArray(secret)) return [secret];
  if (secret.length === 0) throw new TypeError("verify needs at least one secret, got an empty array");
  return secret;
}

function fail(reason: Reason, message: string, header?: string): never {
  throw new VerifyError(reason, message, header);
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
  if (value instanceof Date) return "an invalid Date";
  return typeof value === "number" ? String(value) : describe(value);
}

function parseTimestamp(value: string): bigint | undefined {
  const text = value.replace(TRIM, "");
  if (!TIMESTAMP.test(text)) return undefined;
  const n = BigInt(text);
  return n < INT64_MIN || n > INT64_MAX ? undefined : n;
}

/**
 * Checks a received webhook, throwing a `VerifyError` if it fails. `body`
 * must be the raw request bytes (not `JSON.stringify(req.body)`), `headers`
 * the request's headers and `secret` the subscription's signing secret, or an
 * array of secrets: the webhook verifies when any of them matches
 * `X-InboundFlow-Signature` or `X-InboundFlow-Signature-Next`, so a receiver
 * given the old and the new secret verifies before, during and after a
 * rotation.
 *
 * It throws nothing but `VerifyError`, whatever the request, and a
 * `TypeError` only for an empty array of secrets. A `body` that is
 * neither a string nor a Uint8Array (Buffer), such as the `{}` that
 * `express.raw` leaves for a content type it does not match, or `undefined`,
 * cannot match the signature: `bad_signature`, after the header checks. An
 * `options.tolerance` or `options.now` that is not a finite number (NaN,
 * Infinity, a string, an invalid Date) leaves nothing to check the timestamp
 * against: `stale_timestamp`, after the header checks.
 *
 * The Go and Python clients' verify take the same inputs and options and fail
 * with the same reasons.
 */
export function verify(
  body: Uint8Array | string,
  headers: HeaderSource,
  secret: Secret | readonly Secret[],
  options: VerifyOptions = {},
): void {
  const secrets = secretList(secret);
  const { tolerance: toleranceOption, toleranceSeconds, now: nowOption } = (options ?? {}) as VerifyOptions;
  const timestamps = values(headers, TIMESTAMP_HEADER);
  if (timestamps.length === 0) fail("missing_header", `missing ${TIMESTAMP_HEADER} header`, TIMESTAMP_HEADER);
  const signatureHeaders = [SIGNATURE_HEADER, SIGNATURE_NEXT_HEADER].map((name) => ({
    name,
    found: values(headers, name),
  }));
  if (signatureHeaders.every(({ found }) => found.length === 0)) {
    fail("missing_header", `missing ${SIGNATURE_HEADER} header`, SIGNATURE_HEADER);
  }

  const timestamp = timestamps.length === 1 ? parseTimestamp(timestamps[0]!) : undefined;
  if (timestamp === undefined) {
    fail("malformed_timestamp", `malformed ${TIMESTAMP_HEADER} header: expected unix seconds`);
  }
  const received: Buffer[] = [];
  for (const { name, found } of signatureHeaders) {
    if (found.length === 0) continue;
    // Two signatures, whether in one header or two, are malformed: the
    // service never sends more than one per header name.
    const match = found.length === 1 ? SIGNATURE.exec(found[0]!.replace(TRIM, "")) : null;
    if (match === null) {
      fail("malformed_signature", `malformed ${name} header: expected exactly one sha256=<64 hex digits>`, name);
    }
    received.push(Buffer.from(match[1]!, "hex"));
  }
  const toleranceGiven = toleranceOption ?? toleranceSeconds;
  const toleranceValue = numberOption(toleranceGiven, DEFAULT_TOLERANCE_SECONDS);
  if (toleranceValue === undefined) {
    fail(
      "stale_timestamp",
      `cannot check the timestamp: tolerance must be a finite number of seconds, got ${describeOption(toleranceGiven)}`,
    );
  }
  const nowGiven = nowOption instanceof Date ? nowOption.getTime() / 1000 : nowOption;
  const nowSeconds = numberOption(nowGiven, Date.now() / 1000);
  if (nowSeconds === undefined) {
    fail(
      "stale_timestamp",
      `cannot check the timestamp: now must be a finite number of unix seconds, got ${describeOption(nowOption)}`,
    );
  }
  const tolerance = BigInt(Math.trunc(toleranceValue));
  const now = BigInt(Math.floor(nowSeconds));
  const age = now - timestamp;
  if (age > tolerance || -age > tolerance) {
    fail("stale_timestamp", `timestamp is ${age}s away from now, beyond the ${tolerance}s tolerance`);
  }
  if (typeof body !== "string" && !(body instanceof Uint8Array)) {
    fail("bad_signature", `body is not the raw request bytes: expected a string or Uint8Array, got ${describe(body)}`);
  }
  const keys: Secret[] = [];
  for (const one of secrets) {
    if (typeof one !== "string" && !(one instanceof Uint8Array)) {
      fail("bad_signature", `secret is not the signing secret: expected a string or Uint8Array, got ${describe(one)}`);
    }
    keys.push(one);
  }
  // Every pair is compared, without stopping at a match, so the time taken
  // does not tell which secret or header matched.
  let matched = false;
  for (const key of keys) {
    const expected = mac(key, timestamp, body);
    for (const signature of received) matched = timingSafeEqual(expected, signature) || matched;
  }
  if (!matched) fail("bad_signature", "signature does not match");
}

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
// Unicode White_Space, the set the service trims. String.prototype.trim
// differs (it keeps U+0085 and drops U+FEFF).
const WS = "[\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]";
const TRIM = new RegExp(`^${WS}+|${WS}+$`, "g");
const TIMESTAMP = /^[+-]?[0-9]+$/;
const SIGNATURE = /^sha256=([0-9A-Fa-f]{64})$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const encoder = new TextEncoder();
function bytes(value) {
    return typeof value === "string" ? encoder.encode(value) : value;
}
function mac(secret, timestamp, body) {
    return createHmac("sha256", bytes(secret)).update(`${timestamp}.`).update(bytes(body)).digest();
}
/** The X-InboundFlow-Signature value the service sends for `body` at `timestamp`. */
export function sign(secret, timestamp, body) {
    return "sha256=" + mac(secret, BigInt(timestamp), body).toString("hex");
}
/** One header's values: none (absent), or as many as were received. */
function values(headers, name) {
    if (typeof headers.get === "function") {
        const value = headers.get(name);
        return value === null ? [] : [value];
    }
    const lower = name.toLowerCase();
    const found = [];
    for (const [key, value] of Object.entries(headers)) {
        if (key.toLowerCase() !== lower || value === undefined)
            continue;
        if (typeof value === "string")
            found.push(value);
        else if (Array.isArray(value))
            found.push(...value.map(String));
    }
    return found;
}
function fail(reason, message, header) {
    return header === undefined ? { ok: false, reason, message } : { ok: false, reason, message, header };
}
function parseTimestamp(value) {
    const text = value.replace(TRIM, "");
    if (!TIMESTAMP.test(text))
        return undefined;
    const n = BigInt(text);
    return n < INT64_MIN || n > INT64_MAX ? undefined : n;
}
/**
 * Checks a received webhook. `body` must be the raw request bytes (not
 * `JSON.stringify(req.body)`), `headers` the request's headers and `secret`
 * the subscription's signing secret. Never throws on bad input.
 */
export function verify(body, headers, secret, options = {}) {
    const timestamps = values(headers, TIMESTAMP_HEADER);
    if (timestamps.length === 0)
        return fail("missing_header", `missing ${TIMESTAMP_HEADER} header`, TIMESTAMP_HEADER);
    const signatures = values(headers, SIGNATURE_HEADER);
    if (signatures.length === 0)
        return fail("missing_header", `missing ${SIGNATURE_HEADER} header`, SIGNATURE_HEADER);
    const timestamp = timestamps.length === 1 ? parseTimestamp(timestamps[0]) : undefined;
    if (timestamp === undefined) {
        return fail("malformed_timestamp", `malformed ${TIMESTAMP_HEADER} header: expected unix seconds`);
    }
    const match = signatures.length === 1 ? SIGNATURE.exec(signatures[0].replace(TRIM, "")) : null;
    if (match === null) {
        return fail("malformed_signature", `malformed ${SIGNATURE_HEADER} header: expected exactly one sha256=<64 hex digits>`);
    }
    const tolerance = BigInt(Math.trunc(options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS));
    const now = BigInt(Math.floor(options.now ?? Date.now() / 1000));
    const age = now - timestamp;
    if (age > tolerance || -age > tolerance) {
        return fail("stale_timestamp", `timestamp is ${age}s away from now, beyond the ${tolerance}s tolerance`);
    }
    const received = Buffer.from(match[1], "hex");
    if (!timingSafeEqual(mac(secret, timestamp, body), received)) {
        return fail("bad_signature", "signature does not match");
    }
    return { ok: true };
}
//# sourceMappingURL=verify.js.map
export declare const TIMESTAMP_HEADER = "X-InboundFlow-Timestamp";
export declare const SIGNATURE_HEADER = "X-InboundFlow-Signature";
export declare const EVENT_HEADER = "X-InboundFlow-Event";
export declare const DELIVERY_ID_HEADER = "X-InboundFlow-Delivery-Id";
export declare const DEFAULT_TOLERANCE_SECONDS = 300;
/** Why a webhook was rejected; the values match tests/vectors. */
export type VerifyFailure = "missing_header" | "malformed_timestamp" | "malformed_signature" | "stale_timestamp" | "bad_signature";
export type VerifyResult = {
    ok: true;
} | {
    ok: false;
    reason: VerifyFailure;
    message: string;
    header?: string;
};
export interface VerifyOptions {
    /** Allowed distance between now and the signed timestamp; default 300. */
    toleranceSeconds?: number;
    /** Current time in unix seconds; default the clock. */
    now?: number;
}
/** Node's `req.headers` (any key case), or a fetch `Headers`. */
export type HeaderSource = {
    get(name: string): string | null;
} | Record<string, string | readonly string[] | undefined>;
/** The X-InboundFlow-Signature value the service sends for `body` at `timestamp`. */
export declare function sign(secret: Uint8Array | string, timestamp: number | bigint, body: Uint8Array | string): string;
/**
 * Checks a received webhook. `body` must be the raw request bytes (not
 * `JSON.stringify(req.body)`), `headers` the request's headers and `secret`
 * the subscription's signing secret. Never throws on bad input.
 */
export declare function verify(body: Uint8Array | string, headers: HeaderSource, secret: Uint8Array | string, options?: VerifyOptions): VerifyResult;

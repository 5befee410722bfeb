import assert from "node:assert/strict";
import { test } from "node:test";

import { SIGNATURE_HEADER, TIMESTAMP_HEADER, sign, verify } from "../src/index.js";
import type { HeaderSource, VerifyOptions } from "../src/index.js";
import { loadVectors } from "./vectors.js";

const vectors = loadVectors();

for (const v of vectors) {
  test(`vector ${v.name}: ${v.expected}`, () => {
    const headers: Record<string, string> = {};
    // Node lowercases header names; verify must find them either way.
    if (v.timestamp_header !== null) headers["x-inboundflow-timestamp"] = v.timestamp_header;
    if (v.signature_header !== null) headers[SIGNATURE_HEADER] = v.signature_header;
    const result = verify(Buffer.from(v.body, "utf8"), headers, v.secret, {
      now: v.now,
      toleranceSeconds: v.tolerance_seconds,
    });
    assert.equal(result.ok ? "ok" : result.reason, v.expected, result.ok ? "" : result.message);
  });
}

test("sign reproduces every canonical ok vector", () => {
  const canonical = vectors.filter(
    (v) =>
      v.expected === "ok" &&
      v.signature_header === v.signature_header?.trim().toLowerCase() &&
      v.timestamp_header === v.timestamp_header?.trim(),
  );
  assert.ok(canonical.length >= 5);
  for (const v of canonical) {
    assert.equal(sign(v.secret, BigInt(v.timestamp_header!), v.body), v.signature_header, v.name);
  }
});

test("a fetch Headers object works too, and the missing header is named", () => {
  const headers = new Headers({ [TIMESTAMP_HEADER]: "100" });
  const result = verify("body", headers, "secret", { now: 100 });
  assert.deepEqual(result, {
    ok: false,
    reason: "missing_header",
    message: `missing ${SIGNATURE_HEADER} header`,
    header: SIGNATURE_HEADER,
  });
});

test("two signature headers are malformed", () => {
  const sig = sign("secret", 100, "body");
  const result = verify("body", { [TIMESTAMP_HEADER]: "100", [SIGNATURE_HEADER]: [sig, sig] }, "secret", { now: 100 });
  assert.equal(result.ok ? "ok" : result.reason, "malformed_signature");
});

test("default tolerance is five minutes", () => {
  const headers = { [TIMESTAMP_HEADER]: "1000", [SIGNATURE_HEADER]: sign("secret", 1000, "") };
  assert.deepEqual(verify("", headers, "secret", { now: 1300 }), { ok: true });
  const stale = verify("", headers, "secret", { now: 1301 });
  assert.equal(stale.ok ? "ok" : stale.reason, "stale_timestamp");
});

test("a huge timestamp is malformed, not an exception", () => {
  const result = verify("", { [TIMESTAMP_HEADER]: "9".repeat(5000), [SIGNATURE_HEADER]: sign("s", 1, "") }, "s");
  assert.equal(result.ok ? "ok" : result.reason, "malformed_timestamp");
});

test("a body that is not a string or Uint8Array fails with bad_signature, not an exception", () => {
  const headers = { [TIMESTAMP_HEADER]: "100", [SIGNATURE_HEADER]: sign("secret", 100, "{}") };
  // express.raw leaves {} for a content type it does not match; no body parser leaves undefined.
  const bodies: [unknown, string][] = [
    [{}, "Object"],
    [undefined, "undefined"],
    [null, "null"],
    [42, "number"],
    [new ArrayBuffer(2), "ArrayBuffer"],
    [["{}"], "Array"],
  ];
  for (const [body, kind] of bodies) {
    const result = verify(body as Uint8Array, headers, "secret", { now: 100 });
    assert.deepEqual(
      result,
      {
        ok: false,
        reason: "bad_signature",
        message: `body is not the raw request bytes: expected a string or Uint8Array, got ${kind}`,
      },
      kind,
    );
  }
  // The header checks still come first.
  const missing = verify(undefined as unknown as Uint8Array, {}, "secret", { now: 100 });
  assert.equal(missing.ok ? "ok" : missing.reason, "missing_header");
  // A Buffer and a plain Uint8Array of the same bytes both verify.
  assert.deepEqual(verify(Buffer.from("{}"), headers, "secret", { now: 100 }), { ok: true });
  assert.deepEqual(verify(new TextEncoder().encode("{}"), headers, "secret", { now: 100 }), { ok: true });
});

test("options that are not finite numbers fail with stale_timestamp, not an exception", () => {
  const headers = { [TIMESTAMP_HEADER]: "100", [SIGNATURE_HEADER]: sign("secret", 100, "body") };
  const cases: [VerifyOptions, string][] = [
    [{ toleranceSeconds: NaN, now: 100 }, "toleranceSeconds must be a finite number of seconds, got NaN"],
    [{ toleranceSeconds: Infinity, now: 100 }, "toleranceSeconds must be a finite number of seconds, got Infinity"],
    [{ toleranceSeconds: "300" as unknown as number, now: 100 }, "toleranceSeconds must be a finite number of seconds, got string"],
    [{ now: NaN }, "now must be a finite number of unix seconds, got NaN"],
    [{ now: -Infinity }, "now must be a finite number of unix seconds, got -Infinity"],
    [{ now: 100n as unknown as number }, "now must be a finite number of unix seconds, got bigint"],
  ];
  for (const [options, message] of cases) {
    assert.deepEqual(
      verify("body", headers, "secret", options),
      { ok: false, reason: "stale_timestamp", message: `cannot check the timestamp: ${message}` },
      message,
    );
  }
  // Absent options, or options of undefined, mean the defaults.
  assert.deepEqual(verify("body", headers, "secret", { now: 100, toleranceSeconds: undefined }), { ok: true });
  assert.deepEqual(verify("body", headers, "secret", { now: 100.9 }), { ok: true });
});

test("headers that are not an object are missing, not an exception", () => {
  for (const headers of [undefined, null, "x-inboundflow-timestamp: 100"]) {
    const result = verify("body", headers as unknown as HeaderSource, "secret", { now: 100 });
    assert.equal(result.ok ? "ok" : result.reason, "missing_header", String(headers));
  }
});

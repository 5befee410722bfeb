import assert from "node:assert/strict";
import { test } from "node:test";

import {
  Reason,
  SIGNATURE_HEADER,
  SIGNATURE_NEXT_HEADER,
  TIMESTAMP_HEADER,
  VerifyError,
  sign,
  verify,
} from "../src/index.js";
import type { HeaderSource, VerifyOptions } from "../src/index.js";
import { loadVectors } from "./vectors.js";

const vectors = loadVectors();

/** "ok", or the reason verify threw with; anything else thrown fails the test. */
function outcome(check: () => void): string {
  try {
    check();
    return "ok";
  } catch (err) {
    assert.ok(err instanceof VerifyError, `threw ${String(err)}, not a VerifyError`);
    return err.reason;
  }
}

/** The VerifyError check throws, as a plain object. */
function failure(check: () => void): { reason: string; message: string; header?: string } {
  try {
    check();
  } catch (err) {
    assert.ok(err instanceof VerifyError, `threw ${String(err)}, not a VerifyError`);
    return err.header === undefined
      ? { reason: err.reason, message: err.message }
      : { reason: err.reason, message: err.message, header: err.header };
  }
  assert.fail("verified");
}

for (const v of vectors) {
  test(`vector ${v.name}: ${v.expected}`, () => {
    const headers: Record<string, string> = {};
    // Node lowercases header names; verify must find them either way.
    if (v.timestamp_header !== null) headers["x-inboundflow-timestamp"] = v.timestamp_header;
    if (v.signature_header !== null) headers[SIGNATURE_HEADER] = v.signature_header;
    const next = v.signature_next_header ?? null;
    if (next !== null) headers[SIGNATURE_NEXT_HEADER.toLowerCase()] = next;
    // The one secret alone, as most receivers give it, or all of them.
    const secrets = v.other_secrets?.length ? [v.secret, ...v.other_secrets] : v.secret;
    const options = { now: v.now, tolerance: v.tolerance_seconds };
    assert.equal(outcome(() => verify(Buffer.from(v.body, "utf8"), headers, secrets, options)), v.expected);
  });
}

test("sign reproduces every canonical ok vector", () => {
  // A rotation case's signature may be made with another of its secrets.
  const canonical = vectors.filter(
    (v) =>
      v.expected === "ok" &&
      (v.signature_next_header ?? null) === null &&
      !v.other_secrets?.length &&
      v.signature_header === v.signature_header?.trim().toLowerCase() &&
      v.timestamp_header === v.timestamp_header?.trim(),
  );
  assert.ok(canonical.length >= 5);
  for (const v of canonical) {
    assert.equal(sign(v.secret, BigInt(v.timestamp_header!), v.body), v.signature_header, v.name);
  }
});

const SIGNED = { [TIMESTAMP_HEADER]: "100", [SIGNATURE_HEADER]: sign("secret", 100, "body") };

test("headers as frameworks give them, names in any case", () => {
  const lower = Object.fromEntries(Object.entries(SIGNED).map(([k, v]) => [k.toLowerCase(), v]));
  const sources: [string, HeaderSource][] = [
    ["Node's req.headers", lower],
    ["a plain object, canonical case", SIGNED],
    ["a fetch Headers", new Headers(SIGNED)],
    ["a Map, uppercase", new Map(Object.entries(SIGNED).map(([k, v]) => [k.toUpperCase(), v]))],
    ["arrays of values", { [TIMESTAMP_HEADER]: ["100"], [SIGNATURE_HEADER.toLowerCase()]: [SIGNED[SIGNATURE_HEADER]] }],
  ];
  for (const [name, headers] of sources) {
    assert.equal(outcome(() => verify("body", headers, "secret", { now: 100 })), "ok", name);
  }
});

test("a fetch Headers object without the signature names the missing header", () => {
  const headers = new Headers({ [TIMESTAMP_HEADER]: "100" });
  assert.deepEqual(
    failure(() => verify("body", headers, "secret", { now: 100 })),
    { reason: Reason.MISSING_HEADER, message: `missing ${SIGNATURE_HEADER} header`, header: SIGNATURE_HEADER },
  );
});

test("two signature headers are malformed, however they arrive", () => {
  const sig = SIGNED[SIGNATURE_HEADER];
  const sources: HeaderSource[] = [
    { [TIMESTAMP_HEADER]: "100", [SIGNATURE_HEADER]: [sig, sig] },
    { [TIMESTAMP_HEADER]: "100", [SIGNATURE_HEADER]: sig, [SIGNATURE_HEADER.toLowerCase()]: sig },
    new Headers([[TIMESTAMP_HEADER, "100"], [SIGNATURE_HEADER, sig], [SIGNATURE_HEADER, sig]]),
  ];
  for (const headers of sources) {
    assert.equal(outcome(() => verify("body", headers, "secret", { now: 100 })), "malformed_signature");
  }
});

test("default tolerance is five minutes; tolerance and now change it, now may be a Date", () => {
  const headers = { [TIMESTAMP_HEADER]: "1000", [SIGNATURE_HEADER]: sign("secret", 1000, "") };
  assert.equal(outcome(() => verify("", headers, "secret", { now: 1300 })), "ok");
  assert.equal(outcome(() => verify("", headers, "secret", { now: 1301 })), "stale_timestamp");
  assert.equal(outcome(() => verify("", headers, "secret", { now: new Date(1_060_000), tolerance: 60 })), "ok");
  assert.equal(outcome(() => verify("", headers, "secret", { now: new Date(1_061_000), tolerance: 60 })), "stale_timestamp");
  // The option's name in earlier releases still works.
  assert.equal(outcome(() => verify("", headers, "secret", { now: 1061, toleranceSeconds: 60 })), "stale_timestamp");
});

test("a huge timestamp is malformed, not another exception", () => {
  const headers = { [TIMESTAMP_HEADER]: "9".repeat(5000), [SIGNATURE_HEADER]: sign("s", 1, "") };
  assert.equal(outcome(() => verify("", headers, "s")), "malformed_timestamp");
});

test("a body that is not a string or Uint8Array fails with bad_signature, not another exception", () => {
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
    assert.deepEqual(
      failure(() => verify(body as Uint8Array, headers, "secret", { now: 100 })),
      {
        reason: "bad_signature",
        message: `body is not the raw request bytes: expected a string or Uint8Array, got ${kind}`,
      },
      kind,
    );
  }
  // The header checks still come first.
  assert.equal(outcome(() => verify(undefined as unknown as Uint8Array, {}, "secret", { now: 100 })), "missing_header");
  // A Buffer and a plain Uint8Array of the same bytes both verify.
  assert.equal(outcome(() => verify(Buffer.from("{}"), headers, "secret", { now: 100 })), "ok");
  assert.equal(outcome(() => verify(new TextEncoder().encode("{}"), headers, "secret", { now: 100 })), "ok");
});

test("a secret that is not a string or Uint8Array fails with bad_signature, not another exception", () => {
  for (const [secret, kind] of [[undefined, "undefined"], [42, "number"], [{}, "Object"]] as const) {
    assert.deepEqual(
      failure(() => verify("body", SIGNED, secret as unknown as string, { now: 100 })),
      { reason: "bad_signature", message: `secret is not the signing secret: expected a string or Uint8Array, got ${kind}` },
    );
  }
});

test("options that are not finite numbers fail with stale_timestamp, not another exception", () => {
  const cases: [VerifyOptions, string][] = [
    [{ tolerance: NaN, now: 100 }, "tolerance must be a finite number of seconds, got NaN"],
    [{ tolerance: Infinity, now: 100 }, "tolerance must be a finite number of seconds, got Infinity"],
    [{ tolerance: "300" as unknown as number, now: 100 }, "tolerance must be a finite number of seconds, got string"],
    [{ now: NaN }, "now must be a finite number of unix seconds, got NaN"],
    [{ now: -Infinity }, "now must be a finite number of unix seconds, got -Infinity"],
    [{ now: 100n as unknown as number }, "now must be a finite number of unix seconds, got bigint"],
    [{ now: new Date("not a date") }, "now must be a finite number of unix seconds, got an invalid Date"],
  ];
  for (const [options, message] of cases) {
    assert.deepEqual(
      failure(() => verify("body", SIGNED, "secret", options)),
      { reason: "stale_timestamp", message: `cannot check the timestamp: ${message}` },
      message,
    );
  }
  // Absent options, or options of undefined, mean the defaults.
  assert.equal(outcome(() => verify("body", SIGNED, "secret", { now: 100, tolerance: undefined })), "ok");
  assert.equal(outcome(() => verify("body", SIGNED, "secret", { now: 100.9 })), "ok");
});

test("headers that are not an object are missing, not another exception", () => {
  for (const headers of [undefined, null, "x-inboundflow-timestamp: 100"]) {
    const check = () => verify("body", headers as unknown as HeaderSource, "secret", { now: 100 });
    assert.equal(outcome(check), "missing_header", String(headers));
  }
});

test("a VerifyError is an Error with its reason", () => {
  const err = new VerifyError(Reason.BAD_SIGNATURE, "signature does not match");
  assert.ok(err instanceof Error);
  assert.equal(err.name, "VerifyError");
  assert.equal(err.reason, "bad_signature");
});

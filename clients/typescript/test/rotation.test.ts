/** verify across a signing secret rotation: several secrets, and X-InboundFlow-Signature-Next. */
import assert from "node:assert/strict";
import { test } from "node:test";

import { SIGNATURE_HEADER, SIGNATURE_NEXT_HEADER, TIMESTAMP_HEADER, VerifyError, sign, verify } from "../src/index.js";
import type { HeaderSource, Secret } from "../src/index.js";

const OLD = "whsec_old_0123456789abcdef";
const NEW = "whsec_new_fedcba9876543210";
const NOW = 1709064000;
type Phase = "before" | "during" | "after";

/** The headers a receiver gets at one point of a rotation from OLD to NEW. */
function phase(name: Phase): Record<string, string> {
  const headers: Record<string, string> = { [TIMESTAMP_HEADER]: String(NOW) };
  headers[SIGNATURE_HEADER] = sign(name === "after" ? NEW : OLD, NOW, "body");
  if (name === "during") headers[SIGNATURE_NEXT_HEADER] = sign(NEW, NOW, "body");
  return headers;
}

/** "ok", or the reason verify threw with; anything else thrown fails the test. */
function outcome(headers: HeaderSource, secret: Secret | readonly Secret[]): string {
  try {
    verify("body", headers, secret, { now: NOW });
    return "ok";
  } catch (err) {
    assert.ok(err instanceof VerifyError, `threw ${String(err)}, not a VerifyError`);
    return err.reason;
  }
}

test("a receiver given both secrets verifies throughout a rotation", () => {
  const configurations: (readonly Secret[])[] = [
    [OLD, NEW],
    [NEW, OLD],
    [new TextEncoder().encode(OLD), Buffer.from(NEW)],
  ];
  for (const name of ["before", "during", "after"] as const) {
    for (const secrets of configurations) assert.equal(outcome(phase(name), secrets), "ok", `${name} ${String(secrets)}`);
  }
});

test("a receiver given one secret verifies while the service signs with it", () => {
  const expected: [string, Record<Phase, string>][] = [
    [OLD, { before: "ok", during: "ok", after: "bad_signature" }],
    [NEW, { before: "bad_signature", during: "ok", after: "ok" }],
  ];
  for (const [secret, phases] of expected) {
    for (const [name, reason] of Object.entries(phases) as [Phase, string][]) {
      assert.equal(outcome(phase(name), secret), reason, `${name} with ${secret}`);
      assert.equal(outcome(phase(name), [secret]), reason, `${name} with [${secret}]`);
    }
  }
});

test("the next header as frameworks give it, names in any case", () => {
  const headers = { [TIMESTAMP_HEADER]: String(NOW), [SIGNATURE_NEXT_HEADER]: sign(NEW, NOW, "body") };
  const sources: [string, HeaderSource][] = [
    ["Node's req.headers", Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]))],
    ["a fetch Headers", new Headers(headers)],
    ["a Map, uppercase", new Map(Object.entries(headers).map(([k, v]) => [k.toUpperCase(), v]))],
    ["arrays of values", { [TIMESTAMP_HEADER]: [String(NOW)], [SIGNATURE_NEXT_HEADER.toLowerCase()]: [headers[SIGNATURE_NEXT_HEADER]] }],
  ];
  for (const [name, source] of sources) assert.equal(outcome(source, NEW), "ok", name);
});

test("a malformed next header is named, even when the other header matches", () => {
  const next = sign(NEW, NOW, "body");
  for (const value of ["sha256=nope", [next, next]]) {
    const headers = { ...phase("before"), [SIGNATURE_NEXT_HEADER.toLowerCase()]: value };
    assert.throws(
      () => verify("body", headers, [OLD, NEW], { now: NOW }),
      (err: unknown) =>
        err instanceof VerifyError &&
        err.reason === "malformed_signature" &&
        err.header === SIGNATURE_NEXT_HEADER &&
        err.message === `malformed ${SIGNATURE_NEXT_HEADER} header: expected exactly one sha256=<64 hex digits>`,
      String(value),
    );
  }
});

test("without either signature header, the signature header is the missing one", () => {
  assert.throws(
    () => verify("body", { [TIMESTAMP_HEADER]: String(NOW) }, [OLD, NEW], { now: NOW }),
    (err: unknown) => err instanceof VerifyError && err.reason === "missing_header" && err.header === SIGNATURE_HEADER,
  );
});

test("no secrets at all is a TypeError, whatever the request", () => {
  for (const headers of [phase("during"), {}]) {
    assert.throws(() => verify("body", headers, [], { now: NOW }), {
      name: "TypeError",
      message: "verify needs at least one secret, got an empty array",
    });
  }
});

test("a secret in the array that is not a string or Uint8Array fails with bad_signature", () => {
  assert.throws(
    () => verify("body", phase("during"), [OLD, undefined as unknown as string], { now: NOW }),
    (err: unknown) =>
      err instanceof VerifyError &&
      err.reason === "bad_signature" &&
      err.message === "secret is not the signing secret: expected a string or Uint8Array, got undefined",
  );
});

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export interface Vector {
  name: string;
  secret: string;
  body: string;
  timestamp_header: string | null;
  signature_header: string | null;
  /** Absent outside rotation cases, like other_secrets. */
  signature_next_header?: string | null;
  other_secrets?: string[];
  now: number;
  tolerance_seconds: number;
  expected: string;
}

/** The shared cases in tests/vectors (compiled tests run from dist/test). */
export function loadVectors(): Vector[] {
  const path =
    process.env.INBOUNDFLOW_VECTORS ??
    fileURLToPath(new URL("../../../../tests/vectors/signatures.json", import.meta.url));
  const cases = (JSON.parse(readFileSync(path, "utf8")) as { cases: Vector[] }).cases;
  if (cases.length === 0) throw new Error("no vectors");
  return cases;
}
